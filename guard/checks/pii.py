"""``type: pii``: Presidio detection over every text segment, then the policy's actions.

Each segment is analyzed once; findings become edits through the segment's
pointer (so tool-call arguments stay valid JSON), a denial, or a flag. Presidio
runs in a worker thread when it is slow (NER, or long inputs), so the event loop keeps
serving. Messages and trace details carry entity names and counts only, never a detected value.
"""

from __future__ import annotations

import asyncio
import threading
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from guard.checks.base import Check, Outcome, PolicyMeta
from guard.checks.memo import SIZE, Memo
from guard.envelope import Edit, Segment
from guard.errors import CheckError, GuardError
from guard.pii.operators import EDITING, Action, OperatorConfig, Operators
from guard.pii.pseudonyms import Pseudonyms
from guard.pii.recognizers import Finding

if TYPE_CHECKING:
    from guard.engine.context import Context
    from guard.pii.detector import Detector

OFFLOAD_CHARS = 16_384
"""Pattern-only inputs at least this long are analyzed in a worker thread, so the event
loop keeps serving other requests. Shorter ones run inline: behind the RE2 prefilter a
2 KB message costs ~50 µs (nothing when no recognizer can match), less than the thread
hop itself (~100 µs of CPU under load, and a GIL hand-over each way). NER always runs
in a thread."""

@dataclass(frozen=True)
class PiiRules:
    """The static part of a PII policy besides its detector."""

    action: Action
    actions: tuple[tuple[str, Action], ...]
    operators: OperatorConfig
    message: str | None

    def action_for(self, entity: str) -> Action:
        return dict(self.actions).get(entity, self.action)


class PiiCheck(Check):
    """Finds PII in every segment and blocks, edits or flags it."""

    def __init__(self, meta: PolicyMeta, rules: PiiRules, detector: Detector,
                 hash_key: Callable[[], bytes], always_offload: bool = False,
                 memo_size: int = SIZE) -> None:
        super().__init__(meta)
        self.rules = rules
        self.detector = detector
        self.hash_key = hash_key
        self.always_offload = always_offload
        self.memo: Memo[list[Finding]] = Memo(memo_size)  # re-sent history: analyzed once

    async def evaluate(self, ctx: Context) -> Outcome:
        segments = _segments(ctx)
        texts = [s.text for s in segments]
        remember = ctx.stage == "input" and self.memo.size  # answers are not re-sent as such
        found = (await self._remembered(texts, ctx.identity.get("key")) if remember
                 else await self._detect(texts))
        pairs = [(s, f) for s, fs in zip(segments, found, strict=True) for f in fs]
        counts = Counter(f.entity for _, f in pairs)
        detail: dict[str, object] = {"segments": len(segments), "entities": dict(counts)}
        if not pairs:
            return Outcome("pass", detail=detail)
        findings = {"pii": list(counts)}
        blocked = [e for e in counts if self.rules.action_for(e) == "block"]
        if blocked:
            return Outcome("deny", self._message(ctx, blocked, "blocked"), 400,
                           findings=findings, detail=detail)
        edits = self._edits(ctx, pairs)
        if edits:
            edited = Counter(e for e in counts if self.rules.action_for(e) in EDITING)
            message = f"{len(edits)} PII value(s) replaced: {_counted(edited, counts)}"
            return Outcome("modify", message, 200, edits=edits, findings=findings, detail=detail)
        return Outcome("flag", self._message(ctx, list(counts), "flagged"), 200,
                       findings=findings, detail=detail)

    def scan_work(self, texts: Sequence[str]) -> int:
        return sum(map(self.detector.work, texts))

    async def _remembered(self, texts: list[str], caller: str | None) -> list[list[Finding]]:
        """Findings per text: remembered ones, and the rest analyzed (then remembered)."""
        keys = [Memo.key(caller, text) for text in texts]
        found = [self.memo.get(key) for key in keys]
        new = [i for i, known in enumerate(found) if known is None]
        if new:
            for i, fresh in zip(new, await self._detect([texts[i] for i in new]), strict=True):
                found[i] = fresh
                self.memo.put(keys[i], fresh)
        return [known or [] for known in found]

    async def _detect(self, texts: list[str]) -> list[list[Finding]]:
        unique = list(dict.fromkeys(texts))
        if len(unique) < len(texts):  # a text given twice (an MCP result's content and its
            # structuredContent copy) is analyzed once; findings are shared read-only
            found = dict(zip(unique, await self._detect(unique), strict=True))
            return [found[text] for text in texts]
        stop: threading.Event | None = None
        try:
            if self.always_offload or sum(map(len, texts)) >= OFFLOAD_CHARS:
                stop = threading.Event()  # only a thread can be told to stop (~2 µs to make)
                return await asyncio.to_thread(self._find_all, texts, stop)
            return self._find_all(texts, None)  # on the loop: nothing can cancel it midway
        except asyncio.CancelledError:  # nobody waits for the answer: the thread stops
            if stop is not None:
                stop.set()
            raise
        except GuardError:
            raise
        except Exception as exc:  # a detector bug must follow on_error, never forward PII
            raise CheckError(f"PII detector failed ({type(exc).__name__})",
                             public="PII detector failed") from exc

    def _find_all(self, texts: Sequence[str],
                  stop: threading.Event | None) -> list[list[Finding]]:
        return [self.detector.find(text, stop) for text in texts]

    def _edits(self, ctx: Context, pairs: list[tuple[Segment, Finding]]) -> list[Edit]:
        operators = Operators(self.rules.operators, pseudonyms_of(ctx), self.hash_key,
                              restorable=ctx.stage == "input")
        edits = []
        for segment, finding in pairs:
            action = self.rules.action_for(finding.entity)
            if action in EDITING:
                value = segment.text[finding.start:finding.end]
                edits.append(Edit(segment, finding.start, finding.end,
                                  operators.replace(action, finding.entity, value)))
        return edits

    def _message(self, ctx: Context, entities: list[str], verb: str) -> str:
        if self.rules.message and verb == "blocked":
            return self.rules.message
        subject = "response" if ctx.stage == "output" else "request"
        return f"{subject} {verb} by PII policy {self.meta.name!r}: found {', '.join(entities)}"


def pseudonyms_of(ctx: Context) -> Pseudonyms:
    """The request's one pseudonym table, shared by every PII policy and both stages."""
    if ctx.pseudonyms is None:
        ctx.pseudonyms = Pseudonyms()
    return ctx.pseudonyms


def _segments(ctx: Context) -> tuple[Segment, ...]:
    if ctx.stage == "output":
        return ctx.response.segments if ctx.response is not None else ()
    return ctx.envelope.segments


def _counted(edited: Counter[str], counts: Counter[str]) -> str:
    return ", ".join(f"{entity} x{counts[entity]}" for entity in edited)
