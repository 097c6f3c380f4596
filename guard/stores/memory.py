"""``memory://``: counters in this process's dicts, for tests and single-process use.

One lock makes each operation atomic (the operations never await inside it, so a plain
``threading.Lock`` also covers callers in several threads or event loops). Nothing is
shared with other processes and nothing survives a restart.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field

from guard.stores import rules
from guard.stores.base import Admission, RateResult, Reservation, Store

#: Seconds of (injected) time between sweeps that drop expired keys nobody touches again.
SWEEP_EVERY = 60.0


@dataclass
class _Budget:
    """One budget key: settled spend and reservations (live, or expired but not yet settled)."""

    expires_at: float
    settled: float = 0.0
    held: dict[str, Reservation] = field(default_factory=dict)

    def live(self, now: float) -> float:
        return sum(r.amount for r in self.held.values() if r.hold_until > now)

    def usage(self, now: float) -> float:
        return self.settled + self.live(now)


class MemoryStore(Store):
    """Dicts behind a lock.

    An expired reservation stays in ``held`` (not counted) until settled, released or its
    key expires: that is what lets a late settle still charge it exactly once.
    """

    def __init__(self, url: str = "memory://") -> None:
        self.url = url
        self._lock = threading.Lock()
        self._budgets: dict[str, _Budget] = {}
        self._rates: dict[tuple[str, float, int], tuple[float, float]] = {}  # -> count, expiry
        self._next_sweep = float("-inf")

    async def reserve(self, key: str, amount: float, limit: float, *, now: float,
                      hold_until: float, expires_at: float) -> Admission:
        amount = rules.check_amount("amount", amount)
        with self._lock:
            self._sweep(now)
            budget = self._budget(key, now) or _Budget(expires_at)
            used = budget.usage(now)
            if not rules.fits(used, amount, limit):
                return Admission(False, used, limit, None)
            reservation = Reservation(key, rules.new_id(), amount, hold_until)
            budget.held[reservation.id] = reservation
            budget.expires_at = max(budget.expires_at, expires_at)
            self._budgets[key] = budget
            return Admission(True, used + amount, limit, reservation)

    async def settle(self, reservation: Reservation, actual: float, *, now: float) -> float:
        actual = rules.check_amount("actual", actual)
        with self._lock:
            budget = self._budget(reservation.key, now)
            if budget is None:
                return 0.0
            if budget.held.pop(reservation.id, None) is not None:
                budget.settled += actual
            return budget.usage(now)

    async def release(self, reservation: Reservation, *, now: float) -> None:
        with self._lock:
            budget = self._budget(reservation.key, now)
            if budget is not None:
                budget.held.pop(reservation.id, None)

    async def usage(self, key: str, *, now: float) -> float:
        with self._lock:
            budget = self._budget(key, now)
            return budget.usage(now) if budget else 0.0

    async def hit(self, key: str, amount: float, limit: float, *, now: float, window: float,
                  sliding: bool) -> RateResult:
        amount = rules.check_amount("amount", amount)
        at = rules.window_at(now, window, sliding)
        with self._lock:
            self._sweep(now)
            current = self._rate(key, window, at.index, now)
            previous = self._rate(key, window, at.index - 1, now) if sliding else 0.0
            count = at.count(current, previous)
            if not rules.fits(count, amount, limit):
                wait = rules.retry_after(at, current, previous, amount, limit)
                return RateResult(False, count, limit, wait)
            self._rates[(key, window, at.index)] = (current + amount, now + at.ttl)
            return RateResult(True, at.count(current + amount, previous), limit, 0.0)

    def _budget(self, key: str, now: float) -> _Budget | None:
        """The live budget of ``key``, dropping it first if it has expired."""
        budget = self._budgets.get(key)
        if budget is not None and budget.expires_at <= now:
            del self._budgets[key]
            return None
        return budget

    def _rate(self, key: str, window: float, index: int, now: float) -> float:
        count, expiry = self._rates.get((key, window, index), (0.0, now))
        return count if expiry > now else 0.0

    def _sweep(self, now: float) -> None:
        """Drop expired keys now and then, so keys never touched again do not pile up."""
        if now < self._next_sweep:
            return
        self._next_sweep = now + SWEEP_EVERY
        self._budgets = {k: b for k, b in self._budgets.items() if b.expires_at > now}
        self._rates = {k: v for k, v in self._rates.items() if v[1] > now}
