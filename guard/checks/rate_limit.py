"""``type: rate_limit``: requests and/or tokens per window per bucket, shared through the store.

Tokens are counted before the call (input tokens + the output it may produce),
as providers count them against a tokens-per-minute limit. A refused request
gets 429 with ``Retry-After``; every counted request carries its limit, the remaining
allowance and the time until it is whole again in ``x-ratelimit-*`` headers, as
OpenAI's API does (merged with the upstream's: :mod:`guard.limits.headers`).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING

from guard.checks.base import Outcome
from guard.checks.bucket import BucketCheck
from guard.errors import CheckError
from guard.limits.headers import duration
from guard.limits.windows import RATE_WINDOWS
from guard.stores.base import RateResult, StoreError
from guard.stores.rules import window_at

if TYPE_CHECKING:
    from guard.engine.context import Context


@dataclass(frozen=True)
class RateRules:
    """A rate limit's allowances and window."""

    requests: int | None
    tokens: int | None
    window: str
    sliding: bool
    message: str | None

    @property
    def seconds(self) -> float:
        return RATE_WINDOWS[self.window]


class RateLimitCheck(BucketCheck):
    """Counts the request (and its tokens) in the bucket's window, or refuses it."""

    rules: RateRules

    async def evaluate(self, ctx: Context) -> Outcome:
        bucket = await self.bucket(ctx)
        if bucket is None:
            return Outcome("pass", detail={"counted": False})
        headers: dict[str, str] = {}
        # tokens first: a request refused for its tokens must not use up a request slot
        for kind, limit, amount in await self._counters(ctx):
            result = await self._hit(f"rate/{self.meta.name}/{bucket}/{kind}", amount, limit,
                                     ctx.now.timestamp())
            headers[f"x-ratelimit-limit-{kind}"] = str(limit)
            headers[f"x-ratelimit-remaining-{kind}"] = str(math.floor(result.remaining))
            headers[f"x-ratelimit-reset-{kind}"] = duration(self._reset(ctx.now.timestamp()))
            if not result.allowed:
                return self._refused(kind, limit, amount, result, headers, bucket)
        return Outcome("pass", headers=headers, detail={"bucket": bucket})

    def _reset(self, now: float) -> float:
        """Seconds until this bucket is back to its full allowance: the end of the window
        (a sliding window also forgets this one's count only a window later)."""
        window = window_at(now, self.rules.seconds, self.rules.sliding)
        left = window.length - window.elapsed
        return left + window.length if self.rules.sliding else left

    async def _counters(self, ctx: Context) -> list[tuple[str, int, float]]:
        counters: list[tuple[str, int, float]] = []
        if self.rules.tokens is not None:
            counters.append(("tokens", self.rules.tokens, float((await ctx.estimated()).tokens)))
        if self.rules.requests is not None:
            counters.append(("requests", self.rules.requests, 1.0))
        return counters

    async def _hit(self, key: str, amount: float, limit: int, now: float) -> RateResult:
        if amount > limit:  # can never fit: say so instead of asking the caller to wait
            return RateResult(False, 0.0, float(limit), self.rules.seconds)
        try:
            return await self.store.get().hit(key, amount, float(limit), now=now,
                                              window=self.rules.seconds,
                                              sliding=self.rules.sliding)
        except StoreError as exc:
            raise CheckError(f"state store unavailable: {exc}",
                             public="state store unavailable") from exc

    def _refused(self, kind: str, limit: int, amount: float, result: RateResult,
                 headers: dict[str, str], bucket: str) -> Outcome:
        wait = max(1, math.ceil(result.retry_after))
        headers["retry-after"] = str(wait)
        if self.rules.message:
            message = self.rules.message
        elif amount > limit:
            message = (f"rate limit {self.meta.name!r}: this request needs {amount:,.0f} "
                       f"{kind}, more than the {limit:,} allowed per {self.rules.window}")
        else:
            message = (f"rate limit {self.meta.name!r} reached: {limit:,} {kind} per "
                       f"{self.rules.window}; retry in {wait} s")
        return Outcome("deny", message, 429, headers=headers,
                       detail={"bucket": bucket, "limited": kind})
