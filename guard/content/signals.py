"""Injection evidence the regex rules cannot give, added to the same per-text score.

The folded view's regex rules each add their weight; so do the shapes counted in
Python (:mod:`guard.content.features`: a flooding word, a fabricated dialogue) and
what a decoded payload says (base64, hex, a Caesar shift...). Keeping them in one
:class:`Evidence` lets a weak shape and a weak rule add up, as two weak rules do,
while neither blocks alone.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from guard.content.catalog import InjectionCatalog
from guard.content.features import dialogue, most_repeated
from guard.content.normalize import Normalized

SMUGGLED = "smuggled_prompt"
"""The signal of a decoded payload that reads as a question or an order."""

PASTED = "pasted_instruction"
"""The signal of a document the text asks to work on that addresses the model reading it
(:meth:`guard.content.scanner.Scanner._pasted`)."""

HIDDEN = "hidden_text"
"""The signal of readable text carried by invisible characters (:mod:`guard.content.hidden`)."""


@dataclass
class Evidence:
    """Signals of one text besides its regex rules: names, summed weight, original spans.

    Decoded payloads count by the best of them (``decoded``): several weak blobs are
    one smuggling technique, not several.
    """

    names: list[str] = field(default_factory=list)
    weight: float = 0.0
    spans: list[tuple[int, int]] = field(default_factory=list)
    decoded: float = 0.0
    explain: list[str] = field(default_factory=list)  # learned-model features, --explain only

    def add(self, name: str, weight: float, span: tuple[int, int]) -> None:
        self.names.append(name)
        self.weight += weight
        self.spans.append(span)

    def add_decoded(self, names: list[str], weight: float, span: tuple[int, int]) -> None:
        self.names.extend(n for n in names if n not in self.names)
        self.decoded = max(self.decoded, weight)
        self.spans.append(span)

    @property
    def score(self) -> float:
        return self.weight + self.decoded


class Shapes:
    """The catalog's counted signals (repetition, dialogue), ready to measure a view."""

    def __init__(self, catalog: InjectionCatalog) -> None:
        self.repetition = catalog.repetition
        self.dialogue = sorted(catalog.dialogue, key=lambda r: -r.min_answers)

    def measure(self, view: Normalized, evidence: Evidence,
                mentioned: list[tuple[int, int]] | None = None) -> None:
        """Add the heaviest repetition rule met, and dialogue priming (not of a transcript
        the text ``mentioned`` as an example: :mod:`guard.content.mentions`).

        The evidence is the same whoever sent the text; the role only moves the threshold
        (:attr:`guard.content.scanner.Detectors.tool_result_threshold`).
        """
        self._flood(view, evidence)
        self._priming(view, evidence, mentioned or [])

    def _flood(self, view: Normalized, evidence: Evidence) -> None:
        found = most_repeated(view.text)
        if found is None:
            return
        met = [r for r in self.repetition if found.count >= r.min_count
               and found.share >= r.min_share and found.run >= r.min_run]
        if met:
            rule = max(met, key=lambda r: r.weight)
            evidence.add(rule.name, rule.weight, view.span(found.start, found.end))

    def _priming(self, view: Normalized, evidence: Evidence,
                 mentioned: list[tuple[int, int]]) -> None:
        found = dialogue(view.text)
        if found is None or not found.primes or _opens_in(found.start, mentioned):
            return
        rule = next((r for r in self.dialogue if found.answers >= r.min_answers), None)
        if rule is not None:
            evidence.add(rule.name, rule.weight, view.span(found.start, found.end))


def _opens_in(start: int, mentioned: list[tuple[int, int]]) -> bool:
    """Whether a dialogue opens inside a transcript mentioned as an example (the question
    about it that follows is read as its last line)."""
    return any(first <= start < last for first, last in mentioned)
