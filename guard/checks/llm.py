"""``type: llm``: a model judges the stage's text (Opper's "LLM Guard").

The judge is slow (hundreds of ms), so it may start before its turn: the
engine calls :meth:`LlmCheck.start` when the stage's text is final as far as
PII is concerned (see :mod:`guard.engine.run`), and :meth:`LlmCheck.evaluate`
at the policy's position picks the running call up. Correctness never depends
on the head start: ``evaluate`` judges the texts *as they are at its
position*; a call started on other text (a policy in between edited it) is
simply not used, and cancelled at the end of the stage.

Each text segment is judged on its own (a message's text, a tool result, the
answer), concurrently, and its verdict cached by its hash: a conversation
re-sends its whole history with every turn, and only the new messages are
judged again. The price is context: a judge sees one message, not the
conversation around it. The policy flags when any text is flagged. The
outcome's detail carries the verdict, the first flagged text's (short)
reason and counts, never the text.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

from guard.checks.base import Check, Outcome, PolicyMeta
from guard.judge.cache import VerdictCache, text_digest
from guard.judge.templates import system_prompt
from guard.scanwork import text_work

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
        """Begin judging each text of the stage not cached and not already being judged."""
        for text in stage_texts(ctx):
            key = (self.meta.name, text_digest(text))
            if key not in ctx.early and self.cache.get(self._key(key[1])) is None:
                ctx.early[key] = asyncio.ensure_future(self._ask(text))

    async def evaluate(self, ctx: Context) -> Outcome:
        texts = list(dict.fromkeys(stage_texts(ctx)))  # a repeated text is judged once
        if not texts:
            return Outcome("pass", detail={"judged": 0, "cached": 0})
        digests = [text_digest(t) for t in texts]
        known = [self.cache.get(self._key(d)) for d in digests]
        missing = [(d, t) for d, t, v in zip(digests, texts, known, strict=True) if v is None]
        asked = await _all(self._answer(ctx, d, t) for d, t in missing)
        for (digest, _), verdict in zip(missing, asked, strict=True):
            self.cache.put(self._key(digest), verdict)
        verdicts = [v for v in known if v is not None] + list(asked)
        flagged = next((v for v in verdicts if v.flagged), None)
        detail: dict[str, object] = {"flagged": flagged is not None,
                                     "reason": flagged.reason if flagged else "",
                                     "judged": len(asked), "cached": len(texts) - len(asked),
                                     "model": self.rules.model}
        return self._outcome(ctx, flagged is not None, detail)

    def scan_work(self, texts: Sequence[str]) -> int:
        return sum(map(text_work, texts))

    def _answer(self, ctx: Context, digest: str, text: str) -> asyncio.Future[Verdict]:
        """The call started early for this text, if any, else a new one."""
        running = ctx.early.pop((self.meta.name, digest), None)
        return running if running is not None else asyncio.ensure_future(self._ask(text))

    async def _ask(self, text: str) -> Verdict:
        return await self.client.judge(self.rules.model, self.system, text,
                                       self.rules.timeout_ms / 1000)

    def _key(self, digest: str) -> tuple[str, str, str]:
        return (self.revision, self.meta.name, digest)

    def _outcome(self, ctx: Context, flagged: bool, detail: dict[str, object]) -> Outcome:
        if not flagged:
            return Outcome("pass", detail=detail)
        subject = "response" if ctx.stage == "output" else "request"
        findings = {"llm": [self.meta.name]}
        if self.rules.action == "block":
            message = self.rules.message or (f"{subject} blocked by llm policy "
                                             f"{self.meta.name!r}")
            return Outcome("deny", message, 400, findings=findings, detail=detail)
        return Outcome("flag", f"{subject} flagged by llm policy {self.meta.name!r}", 200,
                       findings=findings, detail=detail)


async def _all(calls: Iterable[asyncio.Future[Verdict]]) -> list[Verdict]:
    """Every verdict, in order; the first failure cancels the rest (the check has failed)."""
    futures = list(calls)
    if not futures:
        return []
    try:
        done, pending = await asyncio.wait(futures, return_when=asyncio.FIRST_EXCEPTION)
    except asyncio.CancelledError:  # the request went away: so do its judge calls
        for future in futures:
            future.cancel()
        raise
    for future in pending:
        future.cancel()
    failed = [f for f in done if not f.cancelled() and f.exception() is not None]
    if failed:
        raise failed[0].exception()  # type: ignore[misc]
    return [f.result() for f in futures]


def stage_texts(ctx: Context) -> list[str]:
    """What the judge reads, one call per text: the request's text segments (each message's
    text, tool results, tool-call arguments), or the answer's."""
    if ctx.stage == "output":
        segments = ctx.response.segments if ctx.response is not None else ()
    else:
        segments = ctx.envelope.segments
    return [s.text for s in segments if s.text.strip()]
