"""Evaluate a compiled policy set against one request, then its response.

Policies run in order. Each may be skipped by its ``when``, and its outcome is
applied at once (edits become the body later policies see). The first enforced
denial stops evaluation. A check that fails follows its ``on_error``; a policy
in monitor mode is recorded but changes nothing.
"""

from __future__ import annotations

import asyncio
import time
from datetime import UTC, datetime
from typing import Any

from guard.cel.values import may_hold_nul
from guard.checks.base import Outcome
from guard.checks.route import RouteCheck
from guard.dialects.base import MODELLESS
from guard.engine.compile import CompiledPolicies
from guard.engine.context import Context
from guard.engine.decision import Decision
from guard.engine.identity import resolve_identity
from guard.engine.ids import decision_id as new_decision_id
from guard.engine.run import Run, run_checks
from guard.envelope import Envelope, apply_edits, set_value
from guard.errors import CelEvaluationError
from guard.limits.holds import release
from guard.responses import error_body
from guard.scanwork import most_work, work_over


class Engine:
    """Runs a :class:`CompiledPolicies` against requests; holds no per-request state."""

    def __init__(self, compiled: CompiledPolicies) -> None:
        self.compiled = compiled
        self.input_checks = [c for c in compiled.checks if "input" in c.meta.stages]
        self.output_checks = [c for c in compiled.checks if "output" in c.meta.stages]

    async def evaluate(self, envelope: Envelope, now: datetime | None = None) -> Decision:
        """The input-stage decision for ``envelope``."""
        started = time.perf_counter()
        ctx = Context(self.compiled.cel, envelope, now or datetime.now(UTC),
                      prices=self.compiled.prices,
                      request_fields=self.compiled.request_fields)
        ctx.set_identity(await resolve_identity(self.compiled.identity, ctx))
        await self._resolve_variables(ctx)
        try:
            run = await run_checks(self.input_checks, ctx, apply_input)
        except asyncio.CancelledError:  # the caller left: the call will not happen
            await release(ctx.holds, now=ctx.now.timestamp())
            raise
        if run.denial is None:
            self._verify_routes(run, ctx)
        if run.denial is not None:  # the call will not happen: give back what budgets held
            await release(ctx.holds, now=ctx.now.timestamp())
        return self._decision(run, ctx, envelope, time.perf_counter() - started)

    def scan_work(self, envelope: Envelope) -> int:
        """The work of reading ``envelope``'s text, in characters, for the policy that
        reads it at most cost (0 when no policy reads text): a length, and the digits
        for a PII policy."""
        return most_work(self.input_checks, [s.text for s in envelope.segments])

    def work_over(self, envelope: Envelope, bound: int) -> int | None:
        """:meth:`scan_work` when it is over ``bound``, else ``None``."""
        return work_over(self.input_checks, [s.text for s in envelope.segments], bound)

    async def _resolve_variables(self, ctx: Context) -> None:
        """Evaluate variables in order; rebind only before one that reads earlier ones."""
        pending: dict[str, Any] = {}
        for name, program in self.compiled.variables:
            if "variables" in program.source:
                ctx.set_variables(pending)
                pending = {}
            try:
                pending[name] = await ctx.evaluate(program)
            except CelEvaluationError:
                continue  # absent: `has(variables.x)` is false, a direct use fails its policy
        ctx.set_variables(pending)

    def _verify_routes(self, run: Run, ctx: Context) -> None:
        """Allowlists intersect: the final model and fallbacks must pass every matched route."""
        for check in run.matched:
            if not isinstance(check, RouteCheck) or check.meta.mode != "enforce":
                continue
            env = ctx.envelope
            reason = check.refusal(env.model, env.dialect.provider) or check.others_refusal(env)
            if env.model is None and env.operation in MODELLESS:
                reason = None  # nothing is routed: no model runs
            if reason:
                run.deny(check, Outcome("deny", check.rules.message or reason, 403))
                return
            updates = check.fallback_updates(env)
            if updates:
                apply_input(Outcome("modify", updates=updates), ctx)

    def _decision(self, run: Run, ctx: Context, original: Envelope, seconds: float) -> Decision:
        decision_id = new_decision_id()
        env = ctx.envelope
        denial = run.denial
        changed = env.body != original.body or env.path != original.path
        decision = Decision(
            decision_id=decision_id,
            revision=self.compiled.revision,
            api=env.api,
            action="deny" if denial else ("modify" if changed else "allow"),
            status=denial.status if denial else 200,
            violations=run.violations,
            body=None if denial else dict(env.body),
            findings=ctx.findings,
            identity=ctx.identity,
            model=env.model,
            trace=run.trace,
            duration_ms=seconds * 1000,
            headers={"x-guard-decision-id": decision_id, **run.headers},
            path=env.path,
            privacy=self.compiled.privacy,
        )
        if denial:
            decision.error = error_body(env.api, denial.status, denial.message, denial.policy,
                                        request=env.body)
        decision.state["envelope"] = env
        decision.state["context"] = ctx
        decision.state["target"] = env.target
        return decision


def apply_input(outcome: Outcome, ctx: Context) -> None:
    """Make a modifying outcome's edits the body that later policies (and upstream) see."""
    if outcome.path is not None:
        ctx.replace_path(outcome.path)
    body: dict[str, Any] = dict(ctx.envelope.body)
    if outcome.edits:
        body = apply_edits(body, outcome.edits)
    for pointer, value in outcome.updates:
        body = set_value(body, pointer, value)
    models_only = all(p[0] in _MODEL_KEYS for p, _ in outcome.updates)
    adds_nul = (any("\x00" in edit.replacement for edit in outcome.edits)
                or may_hold_nul([value for _, value in outcome.updates]))
    ctx.replace_body(body, text_changed=bool(outcome.edits) or not models_only,
                     adds_nul=adds_nul)


_MODEL_KEYS = frozenset({"model", "fallback_models"})
