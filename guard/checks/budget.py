"""``type: budget``: reserve a call's maximum cost in its bucket, or refuse it with 402.

The bucket is the policy's ``per`` (e.g. ``identity.team``); a request without
one is not counted. The amount is the call's estimated maximum (input tokens +
``max_tokens`` or the model's cap, at the model's price), reserved atomically
in the bucket's calendar window; the answer's ``usage`` settles it later (see
:mod:`guard.limits.holds`). Bucket values are hashed in store keys and traces:
a user id may be an e-mail address.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from guard.checks.base import Outcome
from guard.checks.bucket import BucketCheck
from guard.errors import CheckError
from guard.limits.cost import CallEstimate
from guard.limits.holds import Alert, Hold, Unit
from guard.limits.windows import Window, calendar_window
from guard.stores.base import Admission, StoreError

if TYPE_CHECKING:
    from guard.engine.context import Context


@dataclass(frozen=True)
class BudgetRules:
    """A budget policy's limit and window."""

    unit: Unit
    limit: float
    window: str
    alert_at: float | None
    message: str | None
    hold_seconds: float


class BudgetCheck(BucketCheck):
    """Reserves the call's maximum cost against the bucket's limit."""

    rules: BudgetRules

    async def evaluate(self, ctx: Context) -> Outcome:
        if not ctx.envelope.dialect.calls_models or ctx.envelope.operation == "fetch":
            # MCP tool traffic, a request without a body (a stored response fetched again,
            # whose usage its own call was charged): nothing to spend
            return Outcome("pass", detail={"counted": False})
        bucket = await self.bucket(ctx)
        if bucket is None:
            return Outcome("pass", detail={"counted": False})
        estimate = await ctx.estimated()
        amount = self._amount(estimate)
        window = calendar_window(self.rules.window, ctx.now)
        key = f"budget/{self.meta.name}/{bucket}/{window.label}"
        admission = await self._reserve(key, amount, ctx.now.timestamp(), window)
        detail = {"bucket": bucket, "amount": round(amount, 6), "used": round(admission.used, 6),
                  "limit": self.rules.limit, "unit": self.rules.unit,
                  "estimate": "tokenizer" if estimate.exact_input else "chars/4"}
        if admission.reservation is None:
            return Outcome("deny", self._refusal(admission, amount, window), 402, detail=detail)
        alert = Alert(self.rules.alert_at, f"alert/{key}") if self.rules.alert_at else None
        hold = Hold(self.meta.name, self.store.get(), admission.reservation, self.rules.unit,
                    estimate, self.rules.limit, window, alert)
        return Outcome("pass", detail=detail, holds=[hold])

    def _amount(self, estimate: CallEstimate) -> float:
        if self.rules.unit == "tokens":
            return float(estimate.tokens)
        if estimate.usd is None:
            raise CheckError(f"model {estimate.model or '(none)'!r} has no price; add it under "
                             "`pricing:` to budget it in USD")
        return estimate.usd

    async def _reserve(self, key: str, amount: float, now: float, window: Window) -> Admission:
        try:
            return await self.store.get().reserve(
                key, amount, self.rules.limit, now=now, hold_until=now + self.rules.hold_seconds,
                expires_at=window.expires_at)
        except StoreError as exc:
            raise CheckError(f"state store unavailable: {exc}",
                             public="state store unavailable") from exc

    def _refusal(self, admission: Admission, amount: float, window: Window) -> str:
        if self.rules.message:
            return self.rules.message
        left, limit, need = (_money(x, self.rules.unit)
                             for x in (admission.remaining, self.rules.limit, amount))
        reset = window.end.strftime("%Y-%m-%dT%H:%M:%SZ")
        return (f"budget {self.meta.name!r} exhausted: {left} of {limit} left this "
                f"{self.rules.window} (resets {reset}); this call may cost up to {need}")


def _money(value: float, unit: Unit) -> str:
    return f"${value:,.4f}" if unit == "usd" else f"{value:,.0f} tokens"
