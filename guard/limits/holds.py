"""What a request keeps between its check and its answer: budget reservations.

An admitted request holds one reservation per matching budget. When the answer
arrives its ``usage`` settles each hold to the real spend; when the call never
happens (a later policy denied it, the upstream failed, the client went away)
the holds are released. Either way each hold ends once. A hold that is never
ended expires in the store by itself.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from guard.errors import GuardError
from guard.limits.cost import CallEstimate, usage_tokens
from guard.limits.windows import Window
from guard.stores.base import Reservation, Store

log = logging.getLogger("guard")
Unit = Literal["usd", "tokens"]


@dataclass(frozen=True, slots=True)
class Alert:
    """Flag once per window when spend crosses ``share`` of the limit."""

    share: float
    key: str


@dataclass
class Hold:
    """One budget's reservation for one request."""

    policy: str
    store: Store
    reservation: Reservation
    unit: Unit
    estimate: CallEstimate
    limit: float
    window: Window
    alert: Alert | None = None
    done: bool = field(default=False)

    def alert_message(self, used: float) -> str:
        assert self.alert is not None
        unit = "$" if self.unit == "usd" else ""
        suffix = "" if self.unit == "usd" else " tokens"
        return (f"budget {self.policy!r} crossed {self.alert.share:.0%} of its limit: "
                f"{unit}{used:,.4f} of {unit}{self.limit:,.4f}{suffix} used this window")

    def actual(self, usage: Mapping[str, Any] | None) -> float:
        """The spend ``usage`` reports, in this budget's unit; the reservation without usage."""
        tokens = usage_tokens(usage)
        if tokens is None:
            return self.reservation.amount
        if self.unit == "tokens":
            return float(sum(tokens))
        price = self.estimate.price
        return price.cost(*tokens) if price is not None else self.reservation.amount


async def settle(holds: Sequence[Hold], usage: Mapping[str, Any] | None, *,
                 now: float) -> list[tuple[str, str]]:
    """Settle every open hold from ``usage``; (policy, message) of each alert crossed."""
    alerts: list[tuple[str, str]] = []
    for hold in holds:
        if hold.done:
            continue
        hold.done = True
        try:
            used = await hold.store.settle(hold.reservation, hold.actual(usage), now=now)
            if await crossed_alert(hold, used, now):
                alerts.append((hold.policy, hold.alert_message(used)))
        except GuardError as exc:  # the call happened; losing its charge is logged, not raised
            log.error("budget %s: could not settle a reservation: %s", hold.policy, exc)
    return alerts


async def release(holds: Sequence[Hold], *, now: float) -> None:
    """Give back every open hold: the call did not happen."""
    for hold in holds:
        if hold.done:
            continue
        hold.done = True
        try:
            await hold.store.release(hold.reservation, now=now)
        except GuardError as exc:  # it expires by itself; the store will not leak it
            log.error("budget %s: could not release a reservation: %s", hold.policy, exc)


async def crossed_alert(hold: Hold, used: float, now: float) -> bool:
    """Whether ``used`` crosses the hold's alert share for the first time in its window."""
    alert = hold.alert
    if alert is None or used < alert.share * hold.limit:
        return False
    # one unit against a limit of one: only the first crossing in the window is admitted
    admission = await hold.store.reserve(alert.key, 1.0, 1.0, now=now,
                                         hold_until=hold.window.expires_at,
                                         expires_at=hold.window.expires_at)
    if admission.reservation is None:
        return False
    await hold.store.settle(admission.reservation, 1.0, now=now)
    return True
