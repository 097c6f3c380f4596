"""``/readyz``: may a load balancer send this process traffic?

Ready means all three of:

- **policies**: a compiled set is serving (always true once started: a reload that does not
  compile keeps the old set, so readiness never flaps on a bad edit; its revision is shown);
- **store**: the set's state store answers one read of a key nobody writes, within
  ``timeout`` (budgets and rate limits would fail closed without it);
- **upstream**: a TCP connection to the upstream's host and port opens within ``timeout``
  and is closed at once. Nothing is sent: no request is forwarded, no credentials used,
  nothing billed. Reachable is not healthy: the gateway's own health is its business.

Results are kept for ``ttl`` seconds and concurrent probes share one check, so a flood of
``/readyz`` cannot become a flood of connections to the upstream or the store. The answer
names which check failed, never an address or an error text (both can carry credentials).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

from guard.library import Guard

log = logging.getLogger("guard")

PROBE_KEY = "guard/readyz"
"""Read, never written: its usage is 0, the read only proves the store answers."""


class Readiness:
    """The three checks behind ``/readyz``, cached for ``ttl`` seconds."""

    def __init__(self, current: Callable[[], Guard], upstream: str, *, timeout: float = 1.0,
                 ttl: float = 1.0) -> None:
        url = urlsplit(upstream)
        self.current = current
        self.host = url.hostname or ""
        self.port = url.port or (443 if url.scheme == "https" else 80)
        self.timeout = timeout
        self.ttl = ttl
        self._lock = asyncio.Lock()
        self._at = float("-inf")
        self._report: dict[str, Any] = {}
        self._failing: frozenset[str] = frozenset()

    async def report(self) -> tuple[bool, dict[str, Any]]:
        """``(ready, body)``: ``body["checks"]`` maps each check to ``ok`` or why not."""
        async with self._lock:
            if time.monotonic() - self._at >= self.ttl:
                self._report = await self._check()
                self._at = time.monotonic()
            report = self._report
        return report["status"] == "ready", report

    async def _check(self) -> dict[str, Any]:
        guard = self.current()
        store, upstream = await asyncio.gather(self._store(guard), self._upstream())
        checks = {"policies": "ok", "store": store, "upstream": upstream}
        failing = frozenset(k for k, v in checks.items() if v != "ok")
        if failing != self._failing:  # a change, not every probe, is worth a line
            log.warning("readiness: %s", ", ".join(f"{k} {v}" for k, v in checks.items()))
            self._failing = failing
        return {"status": "not ready" if failing else "ready", "revision": guard.revision,
                "checks": checks}

    async def _store(self, guard: Guard) -> str:
        try:
            async with asyncio.timeout(self.timeout):
                await guard.compiled.store.get().usage(PROBE_KEY, now=time.time())
        except TimeoutError:
            return "timeout"
        except Exception:  # any failure: a StoreError, a refused connection, a bad file
            return "unreachable"
        return "ok"

    async def _upstream(self) -> str:
        try:
            async with asyncio.timeout(self.timeout):
                _, writer = await asyncio.open_connection(self.host, self.port)
        except TimeoutError:
            return "timeout"
        except OSError:
            return "unreachable"
        writer.close()
        with contextlib.suppress(OSError):
            await writer.wait_closed()
        return "ok"
