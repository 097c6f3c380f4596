"""What a check found in a text, remembered per caller, so re-sent history is scanned once.

Chat APIs are stateless: every turn re-sends the whole conversation, so turn *n* carries
the *n - 1* messages guard scanned on the turns before, and Presidio's NER costs
milliseconds per message. A check keeps the results of its recent texts and scans only
what is new.

- The key is a digest of (caller, variant, text); the text itself is never held.
- The caller is the hashed API key: one caller's latency cannot tell whether another
  caller sent a given text (a timing probe across tenants).
- A result is a function of the text and the check's compiled policy alone, and a reload
  builds new checks with empty memos, so a remembered result is never stale.
- Results are shared: callers treat them as read-only.
"""

from __future__ import annotations

import hashlib
import threading
from collections import OrderedDict
from typing import Generic, TypeVar

T = TypeVar("T")

SIZE = 4096
"""Texts remembered per check: a few hundred conversations' worth of messages, a few
hundred kilobytes of digests and findings."""


class Memo(Generic[T]):
    """A bounded map from a text's digest to what was found in it, least recent out first.

    One lock makes each operation atomic: a big request is scanned in a worker thread
    while the event loop scans small ones with the same memo.
    """

    def __init__(self, size: int = SIZE) -> None:
        self.size = size
        self._found: OrderedDict[bytes, T] = OrderedDict()
        self._lock = threading.Lock()

    @staticmethod
    def key(caller: str | None, text: str, variant: str = "") -> bytes:
        """The digest that stands for ``text`` as ``caller`` sent it (``variant``: how the
        check reads it, e.g. as a tool result)."""
        digest = hashlib.blake2b(digest_size=16)
        digest.update(f"{caller or ''}\x00{variant}\x00".encode())
        digest.update(text.encode("utf-8", "surrogatepass"))
        return digest.digest()

    def get(self, key: bytes) -> T | None:
        with self._lock:
            found = self._found.get(key)
            if found is not None:
                self._found.move_to_end(key)
            return found

    def put(self, key: bytes, found: T) -> None:
        if not self.size:
            return
        with self._lock:
            self._found[key] = found
            self._found.move_to_end(key)
            if len(self._found) > self.size:
                self._found.popitem(last=False)

    def __len__(self) -> int:
        return len(self._found)
