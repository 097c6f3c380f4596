"""``type: content``: secrets, prompt injection, keywords, patterns and size.

The check scans every text segment of the request (or, in the output stage,
of the answer) with the policy's compiled :class:`~guard.content.scanner.Scanner`
and turns what it found into an outcome: a denial, edits over the original
spans, or a flag. Messages and details name detectors and counts, never the
matched text, so a secret never ends up in an error body or a log. A big request
is scanned in a worker thread (:mod:`guard.offload`), so the event loop keeps serving.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

from guard import offload
from guard.checks.base import Check, Outcome, PolicyMeta
from guard.checks.memo import SIZE, Memo
from guard.content.scanner import Detectors, Scanner, TextScan
from guard.envelope import Edit, Segment
from guard.offload import OFFLOAD_BYTES, is_big, weight
from guard.scanwork import text_work

if TYPE_CHECKING:
    from guard.engine.context import Context
    from guard.policy.types import ContentPolicy

MAX_CHARS = "max_chars"

TOOL_RESULT_SHARE = 0.6
"""Tool results need this share of a message's injection evidence by default: text fetched
for the model has no business giving it orders, so weaker evidence suffices there."""


@dataclass(frozen=True)
class ContentRules:
    """The static part of a content policy besides its detectors."""

    action: Literal["block", "redact", "flag"]
    replacement: str
    message: str | None
    max_chars: int | None


class ContentCheck(Check):
    """Scans text segments; blocks, redacts or flags what the detectors find."""

    def __init__(self, meta: PolicyMeta, rules: ContentRules, detectors: Detectors,
                 memo_size: int = SIZE) -> None:
        super().__init__(meta)
        self.rules = rules
        self.scanner = Scanner(detectors)
        self.memo: Memo[TextScan] = Memo(memo_size)  # re-sent history: scanned once per caller

    async def evaluate(self, ctx: Context) -> Outcome:
        segments = _segments(ctx)
        big = is_big(ctx.envelope) if ctx.stage == "input" else \
            weight(segments) >= OFFLOAD_BYTES
        return await offload.run(big, self._decide, ctx, segments)

    def _decide(self, ctx: Context, segments: tuple[Segment, ...]) -> Outcome:
        """The outcome over ``segments``: in a worker thread for a big request."""
        limit = self.rules.max_chars
        if limit is not None and sum(len(s.text) for s in segments) > limit:
            return self._too_long(ctx, limit)
        # answers are not re-sent as such; a memo of size 0 is off (no digests either)
        memo = self.memo if ctx.stage == "input" and self.memo.size else None
        caller = ctx.identity.get("key")
        once: dict[tuple[str, bool], TextScan] = {}  # a text given twice is scanned once
        scans = [(s, self._scan(s, memo, caller, once)) for s in segments]
        found = [(s, scan) for s, scan in scans if scan.hits]
        detail = _detail(scans)
        if not found:
            return Outcome("pass", detail=detail)
        names = list(dict.fromkeys(n for _, scan in found for n in scan.detectors))
        findings = {"content": names}
        if self.rules.action == "block":
            return Outcome("deny", self._message(ctx, names), 400, findings=findings,
                           detail=detail)
        if self.rules.action == "flag":
            return Outcome("flag", self._message(ctx, names), 200, findings=findings,
                           detail=detail)
        edits = [edit for segment, scan in found for edit in self._edits(segment, scan)]
        message = f"redacted {len(edits)} span(s): {', '.join(names)}"
        return Outcome("modify", message, 200, edits=edits, findings=findings, detail=detail)

    def scan_work(self, texts: Sequence[str]) -> int:
        return sum(map(text_work, texts))

    def _scan(self, segment: Segment, memo: Memo[TextScan] | None, caller: str | None,
              once: dict[tuple[str, bool], TextScan]) -> TextScan:
        tool_result = _is_tool_result(segment)
        seen = once.get((segment.text, tool_result))
        if seen is None:
            seen = once[(segment.text, tool_result)] = self._scanned(segment, tool_result,
                                                                     memo, caller)
        return seen

    def _scanned(self, segment: Segment, tool_result: bool, memo: Memo[TextScan] | None,
                 caller: str | None) -> TextScan:
        if memo is None:
            return self.scanner.scan(segment.text, tool_result)
        key = Memo.key(caller, segment.text, "tool" if tool_result else "")
        scan = memo.get(key)
        if scan is None:
            scan = self.scanner.scan(segment.text, tool_result)
            memo.put(key, scan)
        return scan

    def _too_long(self, ctx: Context, limit: int) -> Outcome:
        """Over ``max_chars``: redaction cannot shorten text sensibly, so only flag or deny."""
        findings = {"content": [MAX_CHARS]}
        detail = {"detectors": [MAX_CHARS], "max_chars": limit}
        if self.rules.action == "flag":
            return Outcome("flag", self._message(ctx, [MAX_CHARS]), 200, findings=findings,
                           detail=detail)
        message = self.rules.message or f"{_subject(ctx)} text is longer than {limit} characters"
        return Outcome("deny", message, 400, findings=findings, detail=detail)

    def _message(self, ctx: Context, names: list[str]) -> str:
        if self.rules.message:
            return self.rules.message
        verb = "flagged" if self.rules.action == "flag" else "blocked"
        return (f"{_subject(ctx)} {verb} by content policy {self.meta.name!r}: "
                f"detected {', '.join(names)}")

    def _edits(self, segment: Segment, scan: TextScan) -> list[Edit]:
        return [Edit(segment, start, end, self.rules.replacement)
                for start, end in merged_spans([(h.start, h.end) for h in scan.hits])]


def content_check(meta: PolicyMeta, policy: ContentPolicy, memo_size: int = SIZE
                  ) -> ContentCheck:
    """Compile a validated content policy (its patterns already known to compile)."""
    detect = policy.detect
    detectors = Detectors(
        secrets=detect.secrets, identifiers=detect.identifiers,
        prompt_injection=detect.prompt_injection,
        keywords=tuple(detect.keywords),
        patterns=tuple((p.name, p.regex, p.flags) for p in detect.patterns),
        injection_threshold=detect.injection_threshold,
        tool_result_threshold=(detect.injection_threshold_tool if detect.injection_threshold_tool
                               is not None else TOOL_RESULT_SHARE * detect.injection_threshold),
        decode_base64=detect.decode_base64,
        injection_model=(detect.prompt_injection if detect.injection_model is None
                         else detect.injection_model),
    )
    rules = ContentRules(policy.action, policy.replacement, policy.message, detect.max_chars)
    return ContentCheck(meta, rules, detectors, memo_size)


def merged_spans(spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """The union of ``spans`` as sorted, disjoint spans (overlapping detectors redact once)."""
    merged: list[tuple[int, int]] = []
    for start, end in sorted(s for s in spans if s[0] < s[1]):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((start, end))
    return merged


def _segments(ctx: Context) -> tuple[Segment, ...]:
    if ctx.stage == "output":
        return ctx.response.segments if ctx.response is not None else ()
    return ctx.envelope.segments


def _is_tool_result(segment: Segment) -> bool:
    return segment.kind == "tool_result" or segment.role == "tool"


def _subject(ctx: Context) -> str:
    return "response" if ctx.stage == "output" else "request"


def _detail(scans: list[tuple[Segment, TextScan]]) -> dict[str, object]:
    """Counts and names only: the trace must never carry the scanned text."""
    hits = [h for _, scan in scans for h in scan.hits]
    rules = list(dict.fromkeys(r for _, scan in scans for r in scan.injection_rules))
    score = max((scan.injection_score for _, scan in scans), default=0.0)
    detectors = list(dict.fromkeys(n for _, scan in scans for n in scan.detectors))
    detail: dict[str, object] = {"segments": len(scans), "matches": len(hits),
                                 "detectors": detectors}
    if rules:
        detail["injection_score"] = round(score, 2)
        detail["injection_rules"] = rules
    learned = list(dict.fromkeys(f for _, scan in scans for f in scan.model_features))
    if learned:  # the model's own vocabulary, for --explain; the decision log omits it
        detail["injection_model"] = learned[:8]
    return detail
