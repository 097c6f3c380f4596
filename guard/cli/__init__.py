"""The ``guard`` command line."""
