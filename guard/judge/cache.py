"""Verdicts remembered by (policy set revision, policy, SHA-256 of the text).

A conversation re-sends its whole history with every turn; without a cache
every turn would pay the judge again for text it already judged. Keys carry
the revision, so an edited prompt never reuses an old verdict, and a hash of
the text, never the text: the cache can be dumped without leaking anything.
Bounded by age (``ttl``) and by size (least recently used first). Failures
are never cached, so an outage does not outlive itself.
"""

from __future__ import annotations

import hashlib
import threading
import time
from collections import OrderedDict
from collections.abc import Callable

from guard.judge.verdict import Verdict

Key = tuple[str, str, str]


def text_digest(text: str) -> str:
    """The cache's (and the in-flight table's) name for a text."""
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()


class VerdictCache:
    """A TTL + LRU map of verdicts; safe to share between threads (one short lock)."""

    def __init__(self, ttl: float, max_entries: int,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.ttl = ttl
        self.max_entries = max_entries
        self._clock = clock
        self._items: OrderedDict[Key, tuple[float, Verdict]] = OrderedDict()
        self._lock = threading.Lock()
        self.hits = 0
        self.misses = 0

    def get(self, key: Key) -> Verdict | None:
        if self.ttl <= 0:
            return None
        with self._lock:
            item = self._items.get(key)
            if item is None or item[0] <= self._clock():
                if item is not None:
                    del self._items[key]
                self.misses += 1
                return None
            self._items.move_to_end(key)
            self.hits += 1
            return item[1]

    def put(self, key: Key, verdict: Verdict) -> None:
        if self.ttl <= 0 or self.max_entries <= 0:
            return
        with self._lock:
            self._items[key] = (self._clock() + self.ttl, verdict)
            self._items.move_to_end(key)
            while len(self._items) > self.max_entries:
                self._items.popitem(last=False)

    def __len__(self) -> int:
        return len(self._items)
