"""``guard serve``: the guarding reverse proxy."""
