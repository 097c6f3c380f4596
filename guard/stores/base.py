"""The one narrow interface every state store implements.

Budgets and rate limits need three atomic operations on shared counters, and
nothing else: *reserve* an amount against a limit (refusing when it would not
fit), *settle* a reservation to the amount actually spent (or *release* it),
and *count* a hit within a rate window. Each backend does each operation as
one atomic read-modify-write (a Lua script on Redis, one ``BEGIN IMMEDIATE``
transaction on SQLite, a lock in memory), so many workers and gateway
instances can share a budget without overspending it.

Time is always passed in (``now``, epoch seconds): stores never read a clock,
so tests freeze time instead of sleeping and every instance agrees on windows.

Keys are opaque strings chosen by the caller; a budget key already names its
calendar window (``budget/<policy>/<bucket>/<window start>``), so a new window
is simply a new key. ``expires_at`` tells the store when a key may be dropped
entirely (the window's end plus a grace period).

Reservations that are never settled (a crashed worker, a dropped stream) stop
counting at their ``hold_until`` and are purged by the next operation on their
key, so a budget never leaks. Settling is idempotent: a reservation is charged
at most once, also when it is settled after its hold ran out (the spend did
happen), and settling or releasing an unknown or already settled reservation
charges nothing more.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass

from guard.errors import GuardError


class StoreError(GuardError):
    """The store could not be reached or answered nonsense; the policy's ``on_error`` applies."""


@dataclass(frozen=True, slots=True)
class Reservation:
    """An amount held against a key's limit until settled, released or expired."""

    key: str
    id: str  # unique per reservation (a uuid4 hex); the store's handle for settle/release
    amount: float
    hold_until: float  # epoch seconds: after this it no longer counts and is purged


@dataclass(frozen=True, slots=True)
class Admission:
    """The answer to :meth:`Store.reserve`."""

    admitted: bool
    used: float  # settled + live reservations, including this one when admitted
    limit: float
    reservation: Reservation | None  # set when admitted

    @property
    def remaining(self) -> float:
        """What is left under the limit (never negative)."""
        return max(0.0, self.limit - self.used)


@dataclass(frozen=True, slots=True)
class RateResult:
    """The answer to :meth:`Store.hit`."""

    allowed: bool
    count: float  # the (weighted, for sliding windows) count after this hit, if allowed
    limit: float
    retry_after: float  # seconds until a hit of this amount could be allowed (0 if allowed)

    @property
    def remaining(self) -> float:
        return max(0.0, self.limit - self.count)


class Store(ABC):
    """Atomic counters shared by every worker that uses the same store URL."""

    url: str

    @abstractmethod
    async def reserve(self, key: str, amount: float, limit: float, *, now: float,
                      hold_until: float, expires_at: float) -> Admission:
        """Hold ``amount`` against ``limit`` if settled + live reservations + amount <= limit.

        Expired reservations of ``key`` are purged first. ``amount`` may be 0 (a call
        whose cost is unknown still gets a reservation to settle). Never partial: the
        whole amount is reserved or nothing is.
        """

    @abstractmethod
    async def settle(self, reservation: Reservation, actual: float, *, now: float) -> float:
        """Replace the reservation by the ``actual`` spend; return the key's new usage.

        Charges ``actual`` at most once per reservation id, even after its hold ran out.
        """

    @abstractmethod
    async def release(self, reservation: Reservation, *, now: float) -> None:
        """Drop the reservation without charging anything (the call never happened)."""

    @abstractmethod
    async def usage(self, key: str, *, now: float) -> float:
        """Settled spend plus live reservations of ``key``."""

    @abstractmethod
    async def hit(self, key: str, amount: float, limit: float, *, now: float, window: float,
                  sliding: bool) -> RateResult:
        """Count ``amount`` in the rate window of ``window`` seconds if it stays within ``limit``.

        Fixed windows are aligned to multiples of ``window`` since the epoch. A sliding
        window weighs the previous fixed window by the share of it still inside the
        sliding window (the "sliding window counter" approximation). A refused hit counts
        nothing.
        """

    async def close(self) -> None:  # noqa: B027 - optional for stores holding nothing
        """Release connections; the store is not used afterwards."""
