"""One PII policy's detector: which entities are in a text, and exactly where.

``find`` costs one RE2 set pass to learn which recognizers can match at all,
then runs only those (pattern recognizers only on windows around their
candidates), then keeps the best non-overlapping findings above ``min_score``
whose values are not allow-listed. Non-ASCII text is matched on its
normalized view (NFKC, invisible characters dropped, look-alikes folded) and
spans are mapped back, so an address written with a Cyrillic look-alike letter
or a zero-width space inside is still found, and the original span is what
gets replaced.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from typing import Any

from guard.content.normalize import Normalized, normalize
from guard.errors import GuardError
from guard.pii.recognizers import Finding, Recognizer
from guard.regex import compile_set
from guard.scanwork import analyzed_work, text_work

SET_MEMORY = 32 << 20


class Stopped(GuardError):
    """Detection was stopped between recognizers: its caller went away."""


class Detector:
    """Compiled recognizers of one policy; ``find`` is safe to call from many threads."""

    def __init__(self, recognizers: Sequence[Recognizer], min_score: float,
                 allow: Sequence[str] = ()) -> None:
        self.always = [r for r in recognizers if r.candidate is None]
        self.gated = [r for r in recognizers if r.candidate is not None]
        self.set = _candidate_set([r.candidate or "" for r in self.gated])
        self.min_score = min_score
        self.allow = frozenset(value.strip().casefold() for value in allow)
        self.entities = tuple(dict.fromkeys(e for r in recognizers for e in r.entity.split(",")))

    def find(self, text: str, stop: threading.Event | None = None) -> list[Finding]:
        """Non-overlapping findings in ``text`` (original offsets), sorted by position.

        Recognizers run from the highest possible score down, so one whose scores
        are bounded (the phone recognizer, by far the costliest) can skip
        candidates inside a kept finding that outscores them: such a match would
        lose the overlap anyway. Cards, IBANs and IPs are not analyzed as phones.
        """
        if not text:
            return []
        view = normalize(text, fold_case=False)
        kept: list[Finding] = []
        for recognizer in self._runnable(view.text):
            if stop is not None and stop.is_set():
                raise Stopped("PII detection stopped: nobody waits for its answer")
            winners = resolve_overlaps(kept) if kept and recognizer.max_score < 1 else ()
            kept += [f for f in recognizer.find(view.text, winners)
                     if f.score >= self.min_score and not self._allowed(view, f)]
        return resolve_overlaps([_original(view, f) for f in kept])

    def work(self, text: str) -> int:
        """What finding PII in ``text`` costs, in characters (:mod:`guard.scanwork`)."""
        return text_work(text) + (analyzed_work(text) if self.gated else 0)

    def _runnable(self, text: str) -> list[Recognizer]:
        if self.set is None:
            return self.always
        matched: Any = self.set.Match(text)  # the stubs say bool; it is a list of ids
        chosen = self.always + [self.gated[i] for i in sorted(matched or ())]
        return sorted(chosen, key=lambda r: -r.max_score)

    def _allowed(self, view: Normalized, finding: Finding) -> bool:
        if not self.allow:
            return False
        start, end = view.span(finding.start, finding.end)
        return view.original[start:end].strip().casefold() in self.allow


def resolve_overlaps(findings: list[Finding]) -> list[Finding]:
    """Of overlapping findings keep the higher score, then the longer span, then the earlier.

    Greedy by rank over a mask of the characters already taken: each finding costs its own
    length, so the whole costs the findings' total length, never their count squared.
    """
    ranked = sorted(findings, key=lambda f: (-f.score, f.start - f.end, f.start, f.entity))
    taken = bytearray(max((f.end for f in findings), default=0))
    kept: list[Finding] = []
    for finding in ranked:
        start, end = finding.start, finding.end
        if end > start and taken.find(1, start, end) < 0:
            taken[start:end] = b"\x01" * (end - start)
            kept.append(finding)
    return sorted(kept, key=lambda f: f.start)


def _original(view: Normalized, finding: Finding) -> Finding:
    if view.starts is None:
        return finding
    start, end = view.span(finding.start, finding.end)
    return Finding(finding.entity, start, end, finding.score)


def _candidate_set(sources: list[str]) -> Any:
    return compile_set(sources, SET_MEMORY) if sources else None
