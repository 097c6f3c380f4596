"""Questions about many spans of one text, answered in time proportional to the span asked
about: which characters some span covers (:class:`Mask`), and which of a sorted run of
disjoint findings holds a span (:class:`Holders`).

The phone recognizer and the overlap resolution ask these once per candidate; comparing each
candidate with every span would make a text dense with numbers cost its count squared.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Iterable, Sequence

from guard.pii.recognizers import Finding, Span


class Mask:
    """The characters of a text that at least one of ``spans`` covers."""

    def __init__(self, size: int, spans: Iterable[Span] = ()) -> None:
        self.bits = bytearray(size)
        for start, end in spans:
            self.add(start, end)

    def add(self, start: int, end: int) -> None:
        if end > start:
            self.bits[start:end] = b"\x01" * (end - start)

    def overlaps(self, start: int, end: int) -> bool:
        """Whether a span covers any character of ``[start, end)``."""
        return self.bits.find(1, start, end) >= 0

    def covers_digits(self, text: str, start: int, end: int) -> bool:
        """Whether every digit of ``text[start:end]`` is covered."""
        bits = self.bits
        return all(bits[i] for i in range(start, end) if text[i].isdigit())


class Holders:
    """Sorted, disjoint findings (what overlap resolution keeps), asked which holds a span."""

    def __init__(self, findings: Sequence[Finding]) -> None:
        self.findings = findings
        self.starts = [f.start for f in findings]

    def holding(self, start: int, end: int) -> Finding | None:
        """The finding with ``start <= f.start`` and ``end <= f.end``, if any (at most one:
        they are disjoint)."""
        at = bisect_right(self.starts, start) - 1
        if at >= 0 and end <= self.findings[at].end:
            return self.findings[at]
        return None
