"""State stores for budgets and rate limits, chosen by URL (see :func:`store_from_url`)."""

from __future__ import annotations

import importlib

from guard.stores.base import Admission, RateResult, Reservation, Store, StoreError
from guard.urls import shown_url

__all__ = ["Admission", "RateResult", "Reservation", "Store", "StoreError", "store_from_url"]

#: URL scheme -> "module:class". Imported only when chosen, so ``import guard`` never pulls
#: in redis-py (an optional extra) or sqlite3.
BACKENDS = {
    "memory": "guard.stores.memory:MemoryStore",
    "sqlite": "guard.stores.sqlite:SqliteStore",
    "redis": "guard.stores.redis:RedisStore",
    "rediss": "guard.stores.redis:RedisStore",
    "redis+cluster": "guard.stores.redis:RedisStore",
    "rediss+cluster": "guard.stores.redis:RedisStore",
    "redis+sentinel": "guard.stores.redis:RedisStore",
    "rediss+sentinel": "guard.stores.redis:RedisStore",
}


def store_from_url(url: str) -> Store:
    """The store a URL names: ``memory://``, ``sqlite:///PATH``, ``redis[s]://HOST:PORT/DB``,
    ``redis[s]+cluster://HOST:PORT,...`` or ``redis[s]+sentinel://HOST:PORT,.../SERVICE``.

    Each call builds a new store; a ``memory://`` store is private to the object returned.
    """
    scheme = url.partition("://")[0].lower() if "://" in url else ""
    if scheme not in BACKENDS:
        known = ", ".join(f"{s}://" for s in BACKENDS)
        raise StoreError(f"unknown store URL scheme in {shown_url(url)!r}; expected one of {known}")
    module_name, _, class_name = BACKENDS[scheme].partition(":")
    try:
        module = importlib.import_module(module_name)
    except ImportError as exc:
        hint = " (pip install 'guard-llm[redis]')" if scheme.startswith("redis") else ""
        raise StoreError(f"the {scheme}:// store could not be loaded: {exc}{hint}") from exc
    store: Store = getattr(module, class_name)(url)
    return store
