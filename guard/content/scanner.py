"""Scan one text with every detector of a content policy.

The scanner owns two views of the text (see :mod:`guard.content.normalize`)
and one :class:`~guard.content.matcher.ViewMatcher` per view. Injection rules
only say something together: their weights are summed per text, and the
``prompt_injection`` detector fires when the sum reaches the threshold (one
word flooding the text adds its weight too, see :mod:`guard.content.features`).
Base64, hex, binary and Morse runs that decode to readable text are scanned
once more, decoded, and a hit inside one covers the whole encoded run.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from guard.content.catalog import injection_catalog, secret_rules
from guard.content.decode import DECODERS
from guard.content.features import most_repeated
from guard.content.matcher import (
    Entry,
    Hit,
    ViewMatcher,
    flagged_source,
    keyword_regex,
    named_hits,
)
from guard.content.normalize import Normalized, collapse_spacing, normalize

INJECTION = "prompt_injection"


@dataclass(frozen=True)
class Detectors:
    """What one policy looks for (the compiled form of ``detect``)."""

    secrets: bool = False
    prompt_injection: bool = False
    keywords: tuple[str, ...] = ()
    patterns: tuple[tuple[str, str, str], ...] = ()  # (name, regex, flags)
    injection_threshold: float = 1.0
    decode_base64: bool = True


@dataclass
class TextScan:
    """What the detectors found in one text."""

    hits: list[Hit] = field(default_factory=list)
    injection_score: float = 0.0
    injection_rules: list[str] = field(default_factory=list)

    @property
    def detectors(self) -> list[str]:
        """Names of the detectors that matched, in text order."""
        return list(dict.fromkeys(hit.detector for hit in named_hits(self.hits)))


class Scanner:
    """Compiled detectors of one policy; ``scan`` is safe to call concurrently."""

    def __init__(self, detectors: Detectors) -> None:
        self.detectors = detectors
        self.plain = ViewMatcher(_plain_entries(detectors))
        self.folded = ViewMatcher(_folded_entries(detectors))
        self.factor = injection_catalog().tool_result_factor
        self.repetition = injection_catalog().repetition

    def scan(self, text: str, tool_result: bool = False, decode: bool = True) -> TextScan:
        """Every hit in ``text`` (original offsets), and the injection score."""
        result = TextScan()
        if self.plain.entries:
            self._scan_plain(normalize(text, fold_case=False), result, tool_result, decode)
        if self.folded.entries:
            self._scan_folded(collapse_spacing(normalize(text)), result, tool_result)
        return result

    def _scan_plain(self, view: Normalized, result: TextScan, tool_result: bool,
                    decode: bool) -> None:
        found = self.plain.match(view, lambda e: e.kind != "encoded")
        result.hits.extend(found.hits)
        if not decode or not self.detectors.decode_base64:
            return
        for index in found.matched:
            entry = self.plain.entries[index]
            if entry.kind == "encoded":
                for start, end in self.plain.spans(index, view):
                    self._scan_decoded(view, start, end, entry.label, result, tool_result)

    def _scan_decoded(self, view: Normalized, start: int, end: int, encoding: str,
                      result: TextScan, tool_result: bool) -> None:
        decoded = DECODERS[encoding][1](view.text[start:end])
        if decoded is None:
            return
        inner = self.scan(decoded, tool_result, decode=False)
        first, last = view.span(start, end)
        result.hits.extend(Hit(h.detector, first, last, h.rank) for h in inner.hits)
        result.injection_score = max(result.injection_score, inner.injection_score)
        result.injection_rules.extend(r for r in inner.injection_rules
                                      if r not in result.injection_rules)

    def _scan_folded(self, view: Normalized, result: TextScan, tool_result: bool) -> None:
        found = self.folded.match(view, lambda e: e.kind != "injection")
        result.hits.extend(found.hits)
        rules = [i for i in found.matched if self.folded.entries[i].kind == "injection"]
        score = sum(self.folded.entries[i].weight for i in rules)
        flood = self._repetition(view) if self.detectors.prompt_injection else None
        score += flood[1] if flood else 0.0
        score *= self.factor if tool_result else 1.0
        result.injection_score = max(result.injection_score, score)
        result.injection_rules.extend(self.folded.entries[i].label for i in rules)
        result.injection_rules.extend([flood[0]] if flood else [])
        if (rules or flood) and score >= self.detectors.injection_threshold:
            for index in rules:
                result.hits.extend(Hit(INJECTION, h.start, h.end, h.rank)
                                   for h in self.folded.hits(index, view))
            if flood:
                result.hits.append(Hit(INJECTION, *view.span(*flood[2])))

    def _repetition(self, view: Normalized) -> tuple[str, float, tuple[int, int]] | None:
        """The heaviest repetition rule the text meets: its name, weight and the flooded span."""
        found = most_repeated(view.text)
        if found is None:
            return None
        met = [r for r in self.repetition
               if found.count >= r.min_count and found.share >= r.min_share]
        if not met:
            return None
        rule = max(met, key=lambda r: r.weight)
        return rule.name, rule.weight, (found.start, found.end)


def _plain_entries(detectors: Detectors) -> list[Entry]:
    entries: list[Entry] = []
    if detectors.secrets:
        entries += [Entry(rule.name, rule.regex, "secret", secret=rule) for rule in secret_rules()]
    entries += [Entry(name, flagged_source(regex, flags), "pattern")
                for name, regex, flags in detectors.patterns]
    scans_text = entries or detectors.prompt_injection or detectors.keywords
    if scans_text and detectors.decode_base64:
        entries += [Entry("encoded", regex, "encoded", label=encoding)
                    for encoding, (regex, _) in DECODERS.items()]
    return entries


def _folded_entries(detectors: Detectors) -> list[Entry]:
    entries = [Entry("keyword", keyword_regex(normalize(k).text), "keyword")
               for k in detectors.keywords if normalize(k).text.strip()]
    if detectors.prompt_injection:
        entries += [Entry(INJECTION, rule.regex, "injection", weight=rule.weight,
                          label=rule.name) for rule in injection_catalog().rules]
    return entries
