"""A policy set's one store, opened on first use.

Loading or linting a set never touches its store: a SQLite file is created, or
a Redis connection opened, only when a budget or rate limit first needs it.
"""

from __future__ import annotations

import threading

from guard.stores.base import Store


class StoreRef:
    """The store behind ``settings.store``, shared by every budget and rate limit of a set."""

    def __init__(self, url: str) -> None:
        self.url = url
        self._store: Store | None = None
        self._lock = threading.Lock()

    def get(self) -> Store:
        """The store (opened now if needed); raises ``StoreError`` for a bad URL."""
        if self._store is None:
            with self._lock:
                if self._store is None:
                    from guard.stores import store_from_url

                    self._store = store_from_url(self.url)
        return self._store

    async def close(self) -> None:
        store, self._store = self._store, None
        if store is not None:
            await store.close()
