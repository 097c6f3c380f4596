"""Presidio's pattern recognizers run for their findings alone.

``PatternRecognizer.analyze`` does more than find: per pattern and match it reads the
clock twice, formats a debug line, builds an ``AnalysisExplanation`` and a
``RecognizerResult`` with metadata, then hashes and sorts them all to drop duplicates.
guard reads only (start, end, score) and puts its own context and overlap rules on top,
so that bookkeeping was over half the cost of finding an e-mail address in a 2 KB
message (17 µs an address window, 7 of them the match and 4 the validation; measured
2026-12-06). :func:`finder` runs the same patterns with the same flags, the recognizer's
own ``validate_result`` and ``invalidate_result`` and the same scoring, and drops what
Presidio's ``remove_duplicates`` drops; ``tests/pii/test_patterns.py`` holds it equal to
``analyze`` on generated text.

One difference, on purpose: a pattern that hits Presidio's regex timeout is skipped by
Presidio with a warning (its PII passes); here it raises :class:`PatternTimeout`, which
the PII check turns into its ``on_error``.

A recognizer that overrides ``analyze`` (Presidio's IBAN recognizer, guard's
:class:`guard.pii.ibans.AnyCase`) keeps its own; :func:`finder` returns ``None`` for it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from guard.errors import CheckError

Found = tuple[int, int, float]
"""A finding of one recognizer: start, end and score, in the analyzed text."""
Finder = Callable[[str], list[Found]]


class PatternTimeout(CheckError):
    """A Presidio pattern ran past its time limit on a text (the policy's ``on_error``)."""


def finder(recognizer: Any) -> Finder | None:
    """``recognizer``'s findings without its bookkeeping; ``None`` when it has its own
    ``analyze`` (then call that)."""
    from presidio_analyzer import PatternRecognizer

    if not isinstance(recognizer, PatternRecognizer) \
            or type(recognizer).analyze is not PatternRecognizer.analyze:
        return None
    return _PatternFinder(recognizer)


class _PatternFinder:
    """The patterns of one recognizer, compiled once with its global flags."""

    def __init__(self, recognizer: Any) -> None:
        import regex  # Presidio's regex engine: the same syntax and semantics
        from presidio_analyzer.analyzer_engine import REGEX_TIMEOUT_SECONDS

        flags = recognizer.global_regex_flags
        self.patterns = [(regex.compile(p.regex, flags=flags), p.score, p.name)
                         for p in recognizer.patterns]
        self.timeout = REGEX_TIMEOUT_SECONDS
        self.validate = _hook(recognizer, "validate_result")
        self.invalidate = _hook(recognizer, "invalidate_result")

    def __call__(self, text: str) -> list[Found]:
        found: list[Found] = []
        for compiled, base, name in self.patterns:
            try:
                matches = [m.span() for m in compiled.finditer(text, timeout=self.timeout)]
            except TimeoutError as exc:
                raise PatternTimeout(f"PII pattern {name!r} timed out") from exc
            found += [(start, end, score) for start, end in matches if end > start
                      if (score := self._score(text[start:end], base)) > 0]
        return _without_contained(found)

    def _score(self, value: str, base: float) -> float:
        score = base
        if self.validate is not None and (valid := self.validate(value)) is not None:
            score = 1.0 if valid else 0.0
        if self.invalidate is not None and self.invalidate(value):
            score = 0.0
        return score


def _hook(recognizer: Any, name: str) -> Callable[[str], bool | None] | None:
    """The recognizer's own check, or ``None`` when it keeps the base class's (which
    always answers ``None``)."""
    from presidio_analyzer import PatternRecognizer

    if getattr(type(recognizer), name) is getattr(PatternRecognizer, name):
        return None
    hook: Callable[[str], bool | None] = getattr(recognizer, name)
    return hook


def _without_contained(found: list[Found]) -> list[Found]:
    """``remove_duplicates`` of one entity: the same finding once, and none inside another
    of an equal or higher score (in text order, the longer first)."""
    kept: list[Found] = []
    active: list[Found] = []
    for start, end, score in sorted(set(found), key=lambda f: (f[0], f[0] - f[1], -f[2])):
        active = [a for a in active if a[1] >= start]
        if any(start >= a[0] and end <= a[1] and score <= a[2] for a in active):
            continue
        kept.append((start, end, score))
        active.append((start, end, score))
    return kept
