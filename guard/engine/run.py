"""Run a list of checks over one context, applying ``when``, mode and ``on_error``.

Shared by the input and output stages: only what "apply a modification" means
differs between them, so the caller passes that in.

Early start (LLM judges). Checks run one after the other, in policy order, and
that stays the semantics. But a judge is a network call of hundreds of ms;
awaited at its turn, it would add its latency *after* everything before it.
So a check marked ``early`` is *started* (:meth:`Check.start`: the call goes
out as a task) as soon as the text it will read is final as far as PII goes,
i.e. right after the stage's last ``pii`` policy ran (at the stage's start when
there is none; the compiler refuses a ``pii`` policy placed after an ``llm``
one in a shared stage). The loop then carries on with the other checks while
the call is in flight, and at the policy's own position ``evaluate`` awaits
the running call. The judge's latency overlaps the other checks' and is paid
once. ``when`` is evaluated at both points: at the start to avoid useless
calls, at the position for the decision; a started call that is not used
(its policy skipped, the text edited in between, an earlier denial) is
cancelled when the stage ends.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
import traceback
from collections.abc import Callable
from contextvars import ContextVar
from dataclasses import dataclass, field

from guard.checks.base import Check, Outcome
from guard.engine.context import Context
from guard.engine.decision import PolicyTrace, Verdict, Violation
from guard.errors import CelEvaluationError, CheckError
from guard.limits.headers import merge

log = logging.getLogger("guard")

Apply = Callable[[Outcome, Context], None]

LOOKAHEAD: ContextVar[bool] = ContextVar("guard_lookahead", default=False)
"""True while a ``when`` is evaluated only to decide whether to start a judge early. Tools
that record what conditions read in policy order (``guard check --explain``) skip these
readings: the condition is read again, for the decision, at the policy's position."""


@dataclass(frozen=True)
class Denial:
    """The enforced denial that ended a stage."""

    policy: str
    message: str
    status: int


@dataclass
class Run:
    """What happened while running one stage's checks."""

    violations: list[Violation] = field(default_factory=list)
    trace: list[PolicyTrace] = field(default_factory=list)
    matched: list[Check] = field(default_factory=list)
    headers: dict[str, str] = field(default_factory=dict)
    denial: Denial | None = None

    def deny(self, check: Check, outcome: Outcome, action: str = "deny") -> None:
        """End the stage: ``check`` refuses the traffic."""
        self.violations.append(Violation(check.meta.name, outcome.message, action,  # type: ignore[arg-type]
                                         status=outcome.status))
        self.denial = Denial(check.meta.name, outcome.message, outcome.status)
        merge(self.headers, outcome.headers)


async def run_checks(checks: list[Check], ctx: Context, apply: Apply) -> Run:
    """Evaluate ``checks`` in order; stop at the first enforced denial."""
    run = Run()
    begin = _early_start(checks)
    try:
        for index, check in enumerate(checks):
            if index == begin and await _start_early(checks[index:], ctx):
                await asyncio.sleep(0)  # let the calls get on the wire before CPU-bound checks
            await _run_one(run, check, ctx, apply)
            if run.denial is not None:
                break
    finally:
        _discard_early(ctx)
    return run


async def _run_one(run: Run, check: Check, ctx: Context, apply: Apply) -> None:
    """Evaluate one check and record its outcome, verdict and trace."""
    started = time.perf_counter()
    matched, outcome, failure = await _evaluate(check, ctx)
    if matched:
        run.matched.append(check)
    if outcome is not None:
        ctx.holds.extend(outcome.holds)
    verdict = _record(run, check, ctx, outcome, failure, apply) if matched else "skip"
    detail = outcome.detail if outcome else ({"error": failure.detail} if failure else {})
    run.trace.append(PolicyTrace(check.meta.name, check.meta.type, ctx.stage, matched,
                                 verdict, (time.perf_counter() - started) * 1000,
                                 check.meta.mode == "enforce", detail))


def _early_start(checks: list[Check]) -> int | None:
    """Where ``early`` checks may start: after the last ``pii`` check (None: no early check)."""
    if not any(c.early for c in checks):
        return None
    last_pii = max((i for i, c in enumerate(checks) if c.meta.type == "pii"), default=-1)
    return last_pii + 1


async def _start_early(checks: list[Check], ctx: Context) -> bool:
    """Start every ``early`` check whose ``when`` holds now; True if any call started."""
    for check in checks:
        if not check.early:
            continue
        token = LOOKAHEAD.set(True)
        try:
            applies = check.meta.when is None or await ctx.evaluate_bool(check.meta.when)
        except Exception:  # a head start only: the policy's own turn reports errors
            applies = False
        finally:
            LOOKAHEAD.reset(token)
        if applies:
            with contextlib.suppress(Exception):  # its evaluate, at its turn, reports failures
                check.start(ctx)
    return bool(ctx.early)


def _discard_early(ctx: Context) -> None:
    """Cancel started calls nobody used, and retrieve their errors (so none is logged)."""
    for future in ctx.early.values():
        if future.done():
            if not future.cancelled():
                future.exception()
        else:
            future.cancel()
            future.add_done_callback(_retrieve)
    ctx.early.clear()


def _retrieve(future: asyncio.Future[object]) -> None:
    if not future.cancelled():
        future.exception()


@dataclass(frozen=True, slots=True)
class Failure:
    """A check that failed: the ``detail`` for the trace (``guard check --explain``), and
    what the caller's error may say (``public``: no address, path or exception name)."""

    detail: str
    public: str


async def _evaluate(check: Check, ctx: Context) -> tuple[bool, Outcome | None, Failure | None]:
    """(matched, outcome, failure): a failure is data, never an exception."""
    try:
        if check.meta.when is not None and not await ctx.evaluate_bool(check.meta.when):
            return False, None, None
        return True, await check.evaluate(ctx), None
    except CheckError as exc:
        if exc.public != str(exc):  # the rest (an address, a path) is for the operator
            log.warning("policy %s: %s", check.meta.name, exc)
        return True, None, Failure(str(exc), exc.public)
    except CelEvaluationError as exc:  # its text may quote the request: the trace only
        return True, None, Failure(str(exc), "a condition could not be evaluated")
    except Exception as exc:  # a bug in a check must not let traffic through unguarded
        # the frames, not the message: an exception's text may quote the request
        frames = "".join(traceback.format_tb(exc.__traceback__))
        log.error("policy %s: check crashed with %s\n%s", check.meta.name,
                  type(exc).__name__, frames)
        return True, None, Failure(f"internal error ({type(exc).__name__})", "internal error")


def _record(run: Run, check: Check, ctx: Context, outcome: Outcome | None,
            failure: Failure | None, apply: Apply) -> Verdict:
    enforced = check.meta.mode == "enforce"
    if outcome is None:
        return _record_failure(run, check, failure.public if failure else "check failed",
                               enforced)
    if outcome.verdict == "pass":
        ctx.add_findings(outcome.findings)
        merge(run.headers, outcome.headers)
        return "pass"
    if not enforced:
        run.violations.append(Violation(check.meta.name, outcome.message, outcome.verdict,
                                        enforced=False, status=outcome.status))
        ctx.add_findings(outcome.findings)
        return outcome.verdict
    ctx.add_findings(outcome.findings)
    if outcome.verdict == "deny":
        run.deny(check, outcome)
    else:
        if outcome.verdict == "modify":
            apply(outcome, ctx)
        run.violations.append(Violation(check.meta.name, outcome.message, outcome.verdict,
                                        status=outcome.status))
        merge(run.headers, outcome.headers)
    return outcome.verdict


def _record_failure(run: Run, check: Check, failure: str, enforced: bool) -> Verdict:
    message = f"policy {check.meta.name!r} could not be evaluated: {failure}"
    blocks = enforced and check.meta.on_error == "block"
    if blocks:
        run.deny(check, Outcome("deny", message, 503), action="error")
    else:
        run.violations.append(Violation(check.meta.name, message, "error", enforced=False))
    return "error"
