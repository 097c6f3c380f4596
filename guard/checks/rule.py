"""``type: rule``: deny wherever a CEL condition holds."""

from __future__ import annotations

from typing import TYPE_CHECKING

from guard.checks.base import PASS, Check, Outcome, PolicyMeta

if TYPE_CHECKING:
    from guard.cel import Program
    from guard.engine.context import Context


class RuleCheck(Check):
    """Denies with the policy's message and status when ``deny_if`` is true."""

    def __init__(self, meta: PolicyMeta, deny_if: Program, message: str, status: int) -> None:
        super().__init__(meta)
        self.deny_if = deny_if
        self.message = message
        self.status = status

    async def evaluate(self, ctx: Context) -> Outcome:
        if await ctx.evaluate_bool(self.deny_if):
            return Outcome("deny", self.message, self.status)
        return PASS
