"""The output stage: run output policies over the upstream's answer.

The answer is read into a :class:`~guard.envelope.ResponseEnvelope`, so output
checks scan its segments and edit it through their pointers, as input checks
do with the request. Values pseudonymized in the request are restored last.
``response`` in CEL is the same small view for every API.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from guard.checks.base import Check, Outcome
from guard.engine.context import Context
from guard.engine.decision import Action, Decision, PolicyTrace, ResponseDecision, Violation
from guard.engine.run import Denial, Run, run_checks
from guard.engine.withhold import withheld
from guard.envelope import Edit, apply_edits, parse_response, set_value
from guard.responses import UPSTREAM, error_body, request_of
from guard.scanwork import work_over


async def evaluate_response(checks: list[Check], decision: Decision, body: Any,
                            status: int = 200, bound: int | None = None) -> ResponseDecision:
    """Run the output checks of ``decision``'s request over ``body``; an answer whose text
    would cost them more than ``bound`` (``settings.max_scan_chars``) to read is refused
    whole, as a request would be: guard does not pass what it has not read."""
    ctx: Context = decision.state["context"]
    ctx.stage = "output"
    text = isinstance(body, str)  # an answer that is text, not JSON: one text to check
    ctx.set_response(parse_response({"text": body} if text else body, status,
                                    "unknown" if text else decision.api))
    assert ctx.response is not None
    texts = [segment.text for segment in ctx.response.segments]
    if bound is not None and (work := work_over(checks, texts, bound)) is not None:
        return _too_much(decision, work, bound)
    run = await run_checks(checks, ctx, apply_output)
    if run.denial is not None and (cut := await withheld(checks, ctx, body, status,
                                                         apply_output)) is not None:
        ctx.set_response(parse_response(cut[0], status, decision.api))
        left_out = cut[1]
        run = await run_checks(checks, ctx, apply_output)
        run.violations[:0] = left_out
    if run.denial is not None:
        denial = run.denial
        error = error_body(decision.api, denial.status, denial.message, denial.policy,
                           request=request_of(decision))
        return ResponseDecision(decision.decision_id, "deny", denial.status, error,
                                run.violations, run.trace, dict(run.headers))
    restore_pseudonyms(ctx)
    final = ctx.response.body if isinstance(body, dict | list | str) else body
    if text:
        final = final["text"]
    action: Action = "modify" if final != body else "allow"
    return ResponseDecision(decision.decision_id, action, status, final, run.violations,
                            run.trace, dict(run.headers))


def _too_much(decision: Decision, work: int, bound: int) -> ResponseDecision:
    """The API's 502 for an answer too costly to read (``code`` ``answer_too_large``)."""
    message = (f"the upstream's answer is too much to scan: {work:,} characters of work; "
               f"settings.max_scan_chars is {bound:,}")
    body = error_body(decision.api, 502, message, "answer_too_large", UPSTREAM,
                      request_of(decision))
    return ResponseDecision(decision.decision_id, "deny", 502, body,
                            [Violation("answer_too_large", message, "deny", status=502)])


async def judge_answer(checks: list[Check], decision: Decision, answer: dict[str, Any],
                       status: int = 200) -> Run:
    """Run the whole-answer output checks (rules on ``response``, judges) over a streamed
    answer once it is complete. Their edits go nowhere: the text has been sent; what
    counts is a denial (the stream ends with the API's error event) and the flags."""
    ctx: Context = decision.state["context"]
    ctx.stage = "output"
    ctx.set_response(parse_response(answer, status, "openai.chat"))
    return await run_checks(checks, ctx, apply_output)


def restore_pseudonyms(ctx: Context) -> None:
    """Give the caller back the values ``pseudonymize`` replaced in the request.

    Runs after the output checks, so they judged the answer the model wrote
    (with tokens), and PII they hid stays hidden: their tokens are not restorable.
    """
    if not ctx.pseudonyms or ctx.response is None:
        return
    restorer = ctx.pseudonyms.restorer()
    edits = [Edit(segment, start, end, original) for segment in ctx.response.segments
             for start, end, original in restorer.spans(segment.text)]
    if edits:
        apply_output(Outcome("modify", edits=edits), ctx)


def apply_output(outcome: Outcome, ctx: Context) -> None:
    """Apply an output check's edits to the answer the caller will receive."""
    assert ctx.response is not None
    body: Any = ctx.response.body
    body = list(body) if isinstance(body, list) else dict(body)
    if outcome.edits:
        body = apply_edits(body, outcome.edits)
    for pointer, value in outcome.updates:
        body = set_value(body, pointer, value)
    ctx.set_response(parse_response(body, ctx.response.status, ctx.response.dialect))


@dataclass
class TextScan:
    """What the text-scanning output checks made of one piece of streamed text."""

    text: str  # the text with their edits applied
    denial: Denial | None
    violations: list[Violation]
    trace: list[PolicyTrace] = field(default_factory=list)


async def scan_text(checks: list[Check], decision: Decision, text: str) -> TextScan:
    """Run text-scanning output checks (content, PII) over a piece of a streamed answer.

    The text is read as a one-choice completion, so checks see it as any answer;
    policies that judge a whole answer (rules on ``response``, judges) run at the
    end of the stream instead.
    """
    ctx: Context = decision.state["context"]
    ctx.stage = "output"
    ctx.set_response(parse_response({"choices": [{"index": 0, "text": text}]}, 200,
                                    "openai.chat"))
    run = await run_checks(checks, ctx, apply_output)
    assert ctx.response is not None
    edited = ctx.response.body["choices"][0]["text"]  # read back: edits may empty it
    return TextScan(edited if isinstance(edited, str) else text, run.denial, run.violations,
                    run.trace)
