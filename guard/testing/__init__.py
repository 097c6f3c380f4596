"""Trying policies before they go live: policy tests (``guard test``) and replay of
recorded traffic (``guard replay``).

Both evaluate offline, in a private in-memory store, with the same code path as
``guard check`` (:mod:`guard.testing.exchange`), so what they report is what the
library, the middleware and the proxy would decide.
"""
