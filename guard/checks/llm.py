"""``type: llm``: a model judges the stage's text (Opper's "LLM Guard").

The judge is slow (hundreds of ms), so it may start before its turn: the
engine calls :meth:`LlmCheck.start` when the stage's text is final as far as
PII is concerned (see :mod:`guard.engine.run`), and :meth:`LlmCheck.evaluate`
at the policy's position picks the running call up. Correctness never depends
on the head start: ``evaluate`` judges the text *as it is at its position*;
a call started on other text (a later policy edited it) is simply not used,
and cancelled at the end of the stage.

The judge sees the text only: input, every message's text in order; output,
the answer's text. The outcome's detail carries the verdict and its (short)
reason, never the text.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

from guard.checks.base import Check, Outcome, PolicyMeta
from guard.judge.cache import VerdictCache, text_digest
from guard.judge.templates import system_prompt

if TYPE_CHECKING:
    from guard.engine.context import Context
    from guard.judge.client import JudgeClient
    from guard.judge.verdict import Verdict


@dataclass(frozen=True)
class LlmRules:
    """The static part of an llm policy."""

    model: str
    prompt: str  # template text and/or the policy's prompt, without the answer format
    action: Literal["flag", "block"]
    timeout_ms: int
    message: str | None


class LlmCheck(Check):
    """Asks the judge about the stage's text; flags or blocks what it flags."""

    early = True

    def __init__(self, meta: PolicyMeta, rules: LlmRules, client: JudgeClient,
                 cache: VerdictCache, revision: str) -> None:
        super().__init__(meta)
        self.rules = rules
        self.client = client
        self.cache = cache
        self.revision = revision
        self.system = system_prompt(rules.prompt)

    def start(self, ctx: Context) -> None:
        """Begin the judge call for the text as it is now, unless cached or already running."""
        text = stage_text(ctx)
        if not text:
            return
        digest = text_digest(text)
        key = (self.meta.name, digest)
        if key in ctx.early or self.cache.get(self._key(digest)) is not None:
            return
        ctx.early[key] = asyncio.ensure_future(self._ask(text))

    async def evaluate(self, ctx: Context) -> Outcome:
        text = stage_text(ctx)
        if not text:
            return Outcome("pass", detail={"judged": False})
        digest = text_digest(text)
        cached = self.cache.get(self._key(digest))
        if cached is not None:
            return self._outcome(ctx, cached, cached=True)
        running = ctx.early.pop((self.meta.name, digest), None)
        verdict = await (running if running is not None else self._ask(text))
        self.cache.put(self._key(digest), verdict)
        return self._outcome(ctx, verdict, cached=False)

    async def _ask(self, text: str) -> Verdict:
        return await self.client.judge(self.rules.model, self.system, text,
                                       self.rules.timeout_ms / 1000)

    def _key(self, digest: str) -> tuple[str, str, str]:
        return (self.revision, self.meta.name, digest)

    def _outcome(self, ctx: Context, verdict: Verdict, cached: bool) -> Outcome:
        detail: dict[str, object] = {"flagged": verdict.flagged, "reason": verdict.reason,
                                     "cached": cached, "model": self.rules.model}
        if not verdict.flagged:
            return Outcome("pass", detail=detail)
        subject = "response" if ctx.stage == "output" else "request"
        if self.rules.action == "block":
            message = self.rules.message or (f"{subject} blocked by llm policy "
                                             f"{self.meta.name!r}")
            return Outcome("deny", message, 400, findings={"llm": [self.meta.name]},
                           detail=detail)
        return Outcome("flag", f"{subject} flagged by llm policy {self.meta.name!r}", 200,
                       findings={"llm": [self.meta.name]}, detail=detail)


def stage_text(ctx: Context) -> str:
    """What the judge reads: the request's text segments, or the answer's, in order."""
    if ctx.stage == "output":
        segments = ctx.response.segments if ctx.response is not None else ()
    else:
        segments = ctx.envelope.segments
    return "\n\n".join(s.text for s in segments if s.text)
