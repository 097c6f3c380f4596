"""What budgets and rate limits share: a CEL bucket and the policy set's store.

A request is counted in the bucket its policy's ``per`` names (a team, a key, a
user...); where ``per`` names none, the request is not counted at all. Bucket
values are hashed before they reach store keys or traces: a user id may be an
e-mail address.
"""

from __future__ import annotations

import hashlib
from typing import TYPE_CHECKING, Any

from guard.checks.base import Check, PolicyMeta
from guard.errors import CelEvaluationError

if TYPE_CHECKING:
    from guard.cel import Program
    from guard.engine.context import Context
    from guard.limits.store import StoreRef


class BucketCheck(Check):
    """A check that counts requests per bucket in the store."""

    def __init__(self, meta: PolicyMeta, rules: Any, per: Program, store: StoreRef) -> None:
        super().__init__(meta)
        self.rules = rules
        self.per = per
        self.store = store

    async def bucket(self, ctx: Context) -> str | None:
        """The hashed bucket ``per`` names for this request, or ``None`` when it names none."""
        try:
            value = await ctx.evaluate(self.per)
        except CelEvaluationError:
            return None
        if value is None or value == "":
            return None
        return hashlib.sha256(str(value).encode()).hexdigest()[:16]
