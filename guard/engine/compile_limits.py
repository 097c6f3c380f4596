"""Compile ``type: budget`` and ``type: rate_limit`` policies.

Both name their bucket with a CEL ``per`` (compiled once, checked against the
declared variables) and share the policy set's one store, which is opened only
when a request first needs it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from guard.checks.base import Check, PolicyMeta
from guard.checks.budget import BudgetCheck, BudgetRules
from guard.checks.rate_limit import RateLimitCheck, RateRules
from guard.limits.holds import Unit
from guard.policy.loader import PolicyEntry
from guard.policy.types import BudgetPolicy, RateLimitPolicy

if TYPE_CHECKING:
    from guard.engine.compile import _Compiler


def build_budget_check(compiler: _Compiler, meta: PolicyMeta, entry: PolicyEntry) -> Check:
    policy = entry.policy
    assert isinstance(policy, BudgetPolicy)
    per = compiler.cel_program(policy.per, "any", entry.where, "per")
    if per is None:
        return Check(meta)  # discarded: the problem is recorded
    unit: Unit = "tokens" if policy.limit_tokens is not None else "usd"
    limit = float(policy.limit_tokens if policy.limit_tokens is not None else policy.limit_usd or 0)
    rules = BudgetRules(unit, limit, policy.window, policy.alert_at, policy.message,
                        float(compiler.settings.reservation_timeout))
    return BudgetCheck(meta, rules, per, compiler.store)


def build_rate_limit_check(compiler: _Compiler, meta: PolicyMeta, entry: PolicyEntry) -> Check:
    policy = entry.policy
    assert isinstance(policy, RateLimitPolicy)
    per = compiler.cel_program(policy.per, "any", entry.where, "per")
    if per is None:
        return Check(meta)
    rules = RateRules(policy.requests, policy.tokens, policy.window,
                      policy.algorithm == "sliding", policy.message)
    return RateLimitCheck(meta, rules, per, compiler.store)
