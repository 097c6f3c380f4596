"""Scan one text with every detector of a content policy.

The scanner owns two views of the text (see :mod:`guard.content.normalize`)
and one :class:`~guard.content.matcher.ViewMatcher` per view. Injection rules
only say something together: their weights are summed per text with the
signals counted in code (:mod:`guard.content.signals`: a flooding word, a
scripted dialogue), and the ``prompt_injection`` detector fires when the sum
reaches the threshold. Base64, hex, binary and Morse runs that decode to
readable text, and Caesar-shifted or pig-latin runs where a trigger points at
them (:mod:`guard.content.ciphers`), are scanned once more, decoded: a hit
inside one covers the whole run, and its injection signals add to the text's.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

from guard.content.catalog import identifier_rules, injection_catalog, secret_rules
from guard.content.ciphers import caesar_runs, pig_latin_runs, reads_as_prompt, shift_trigger
from guard.content.decode import DECODERS
from guard.content.hidden import hidden_runs
from guard.content.matcher import (
    Entry,
    Hit,
    ViewMatcher,
    flagged_source,
    keyword_regex,
    named_hits,
    repeated_hits,
)
from guard.content.mentions import MENTION, blanked, mentions
from guard.content.model import measure as learned
from guard.content.normalize import SPACED_ANY_CASE, Normalized, collapse_spacing, normalize
from guard.content.signals import HIDDEN, PASTED, SMUGGLED, Evidence, Shapes

INJECTION = "prompt_injection"

PLAIN_SET_SIZE = 80
"""Regexes per set on the case-preserving view. Its narrow regexes start with a provider's
prefix or a fixed-length run, rarely alive at once, so the whole secrets catalog shares one
set (measured on varied code and prose: one set of 69 ~7 µs a text, two of 35 ~9 µs);
the injection heuristics start with common words and keep the default of 32."""


@dataclass(frozen=True)
class Detectors:
    """What one policy looks for (the compiled form of ``detect``)."""

    secrets: bool = False
    identifiers: bool = False
    prompt_injection: bool = False
    keywords: tuple[str, ...] = ()
    patterns: tuple[tuple[str, str, str], ...] = ()  # (name, regex, flags)
    injection_threshold: float = 1.0
    tool_result_threshold: float = 0.6
    decode_base64: bool = True
    injection_model: bool = False  # the learned signal beside the heuristics

    def threshold(self, tool_result: bool) -> float:
        """The injection score a text must reach. The role moves the threshold, never the
        evidence: a text scores the same as a user message and as a tool result, where
        instructions have no business and less evidence is needed."""
        return self.tool_result_threshold if tool_result else self.injection_threshold


@dataclass
class TextScan:
    """What the detectors found in one text."""

    hits: list[Hit] = field(default_factory=list)
    injection_score: float = 0.0
    injection_rules: list[str] = field(default_factory=list)
    model_features: list[str] = field(default_factory=list)  # for --explain, never logged

    @property
    def detectors(self) -> list[str]:
        """Names of the detectors that matched, in text order."""
        return list(dict.fromkeys(hit.detector for hit in named_hits(self.hits)))


class Scanner:
    """Compiled detectors of one policy; ``scan`` is safe to call concurrently."""

    def __init__(self, detectors: Detectors) -> None:
        self.detectors = detectors
        plain, folded = _plain_entries(detectors), _folded_entries(detectors)
        self.spacing = len(plain) if plain and folded else -1  # see _scan_plain
        if self.spacing >= 0:
            plain.append(Entry("spacing", SPACED_ANY_CASE, "probe"))
        self.plain = ViewMatcher(plain, PLAIN_SET_SIZE)
        self.folded = ViewMatcher(folded)
        catalog = injection_catalog()
        self.shapes = Shapes(catalog)
        self.smuggled = catalog.signals.get(SMUGGLED, 0.0)
        self.hidden = catalog.signals.get(HIDDEN, 0.0)
        self.levers = frozenset(r.name for r in catalog.rules if r.lever)
        self.lever_cap = catalog.lever_cap
        self.documents = frozenset(r.name for r in catalog.rules if r.part == "document")
        self.readers = frozenset(r.name for r in catalog.rules if r.part == "reader")
        self.pasted = catalog.signals.get(PASTED, 0.0)
        self.lowest = min(detectors.injection_threshold, detectors.tool_result_threshold)

    def scan(self, text: str, tool_result: bool = False, decode: bool = True) -> TextScan:
        """Every hit in ``text`` (original offsets), and the injection score."""
        result = TextScan()
        evidence = Evidence()
        decode = decode and self.detectors.decode_base64
        if decode:
            for run in hidden_runs(text):
                self._scan_hidden(run.start, run.end, run.plain, result, evidence)
        spaced = True
        if self.plain.entries:
            spaced = self._scan_plain(normalize(text, fold_case=False), result, evidence, decode)
            result.hits.extend(repeated_hits(text, result.hits))
        if self.folded.entries:
            view = normalize(text)
            if spaced or not text.isascii():
                view = collapse_spacing(view)
            self._scan_folded(view, result, evidence, tool_result, decode)
        return result

    def _scan_plain(self, view: Normalized, result: TextScan, evidence: Evidence,
                    decode: bool) -> bool:
        """Scan the case-preserving view. Returns False when the ``spacing`` probe found no
        letter-spaced run: an ASCII text's folded view then needs no :func:`collapse_spacing`
        (its own regex pass costs ~6 µs on 2 KB; the probe rides along in a pass that runs
        anyway)."""
        found = self.plain.match(view, lambda e: e.kind in ("secret", "pattern"))
        result.hits.extend(found.hits)
        spaced = self.spacing < 0 or self.spacing in found.matched
        if not decode:
            return spaced
        for index in found.matched:
            entry = self.plain.entries[index]
            if entry.kind == "encoded":
                for start, end in self.plain.spans(index, view):
                    decoded = DECODERS[entry.label][1](view.text[start:end])
                    if decoded is not None:
                        self._scan_decoded(view, start, end, decoded, result, evidence)
        return spaced

    def _scan_hidden(self, first: int, last: int, plain: str, result: TextScan,
                     evidence: Evidence) -> None:
        """Text in invisible characters: scanned as a payload, and itself a signal."""
        if self.detectors.prompt_injection:
            evidence.add(HIDDEN, self.hidden, (first, last))
        self._scan_payload(first, last, plain, result, evidence)

    def _scan_decoded(self, view: Normalized, start: int, end: int, decoded: str,
                      result: TextScan, evidence: Evidence) -> None:
        """Scan a payload's plain text; its hits and its injection signals cover its run."""
        first, last = view.span(start, end)
        self._scan_payload(first, last, decoded, result, evidence)

    def _scan_payload(self, first: int, last: int, decoded: str, result: TextScan,
                      evidence: Evidence) -> None:
        inner = self.scan(decoded, decode=False)
        result.hits.extend(Hit(h.detector, first, last, h.rank)
                           for h in inner.hits if h.detector != INJECTION)
        names, weight = list(inner.injection_rules), inner.injection_score
        if self.detectors.prompt_injection and reads_as_prompt(decoded):
            names.append(SMUGGLED)
            weight += self.smuggled
        if weight:
            evidence.add_decoded(names, weight, (first, last))

    def _scan_folded(self, view: Normalized, result: TextScan, evidence: Evidence,
                     tool_result: bool, decode: bool) -> None:
        found = self.folded.match(view, lambda e: e.kind in ("keyword", "pattern"))
        result.hits.extend(found.hits)
        if not self.detectors.prompt_injection:
            return
        rules = [i for i in found.matched if self.folded.entries[i].kind == "injection"]
        rules, spans = self._mentioned(view, rules, evidence)
        rules = self._pasted(rules, evidence)
        if decode:
            triggers = {self.folded.entries[i].label for i in found.matched
                        if self.folded.entries[i].kind == "trigger"}
            for start, end, plain in _cipher_runs(view.text, triggers):
                self._scan_decoded(view, start, end, plain, result, evidence)
        self.shapes.measure(view, evidence, spans)
        score = self._rule_score(rules) + evidence.score
        result.model_features = evidence.explain
        result.injection_score = score
        result.injection_rules = [self.folded.entries[i].label for i in rules] + evidence.names
        if score >= self.detectors.threshold(tool_result) and (rules or evidence.spans):
            for index in rules:
                result.hits.extend(Hit(INJECTION, h.start, h.end, h.rank)
                                   for h in self.folded.hits(index, view))
            result.hits.extend(Hit(INJECTION, start, end) for start, end in evidence.spans)

    def _mentioned(self, view: Normalized, rules: list[int],
                   evidence: Evidence) -> tuple[list[int], list[tuple[int, int]]]:
        """The rules that count, the quotations the text mentions as examples, and the
        model's signal (added to ``evidence``).

        A rule matched only inside quotations the text mentions as examples
        (:mod:`guard.content.mentions`) counts nothing, nor does a scripted dialogue there,
        and the model reads the text with those quotations blanked (the rules too: one more
        set pass, only then). Looked for only where the rules and the model together reach
        the lower of the two thresholds, so most text pays nothing for it and a mention can
        only ever lower a score that would have blocked."""
        found = Evidence()
        if self.detectors.injection_model:  # the learned signal (guard.content.model)
            learned(view, found)
        spans: list[tuple[int, int]] = []
        if self._rule_score(rules) + found.weight >= self.lowest:
            spans = mentions(view.text)
        if spans:
            quiet = replace(view, text=blanked(view.text, spans))
            outside = set(self.folded.match(quiet, lambda e: False).matched)
            blank = Evidence()
            if found.weight:
                learned(quiet, blank)
            if blank.weight < found.weight or any(i not in outside for i in rules):
                evidence.names.append(MENTION)
            rules = [i for i in rules if i in outside]
            found = blank if blank.weight < found.weight else found
        evidence.names.extend(found.names)
        evidence.weight += found.weight
        evidence.spans.extend(found.spans)
        evidence.explain.extend(found.explain)
        return rules, spans

    def _pasted(self, rules: list[int], evidence: Evidence) -> list[int]:
        """The rules that count, and the ``pasted_instruction`` signal in ``evidence``.

        A request to work on a document the text carries (a ``document`` rule, weight 0)
        says nothing alone, and is dropped; with a line of the document addressed to the
        model reading it (a ``reader`` rule) it is evidence: the same instruction fetched by
        a tool would pass the tool-result threshold, and a user who pastes a mail or a page
        passes it on just as unread (issue 18: latent injections as user text)."""
        labels = {self.folded.entries[i].label for i in rules}
        if labels & self.documents and labels & self.readers:
            evidence.names.append(PASTED)
            evidence.weight += self.pasted
        return [i for i in rules if self.folded.entries[i].label not in self.documents]

    def _rule_score(self, rules: list[int]) -> float:
        """The rules' summed weight, persuasion levers counting at most ``lever_cap``."""
        entries = [self.folded.entries[i] for i in rules]
        levers = sum(e.weight for e in entries if e.label in self.levers)
        return sum(e.weight for e in entries if e.label not in self.levers) + \
            min(levers, self.lever_cap)


def _cipher_runs(text: str, triggers: set[str]) -> list[tuple[int, int, str]]:
    """Caesar-shifted and pig-latin runs of ``text``, searched only where a trigger matched."""
    runs = caesar_runs(text) if "caesar" in triggers else []
    runs += pig_latin_runs(text) if "pig_latin" in triggers else []
    return [(run.start, run.end, run.plain) for run in runs]


def _plain_entries(detectors: Detectors) -> list[Entry]:
    entries: list[Entry] = []
    if detectors.secrets:
        entries += [Entry(rule.name, rule.regex, "secret", secret=rule) for rule in secret_rules()]
    if detectors.identifiers:
        entries += [Entry(rule.name, rule.regex, "secret", secret=rule)
                    for rule in identifier_rules()]
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
    if detectors.prompt_injection and detectors.decode_base64:
        entries += [Entry(INJECTION, regex, "trigger", label=cipher)
                    for cipher, regex in CIPHER_TRIGGERS.items()]
        entries.append(Entry(INJECTION, shift_trigger(), "injection", label="shifted_keyword",
                             weight=injection_catalog().signals.get("shifted_keyword", 0.0)))
    return entries


CIPHER_TRIGGERS = {
    "caesar": r"\b(?:rot ?[0-9]{1,2}|caesar|cipher|ciphertext|decode|decipher|decrypt)\b|"
              + shift_trigger(),
    "pig_latin": r"\b[a-z]+ay,? [a-z]+ay,? [a-z]+ay\b",
}
"""What makes the Caesar and pig-latin decoders look at a text: naming a cipher or asking
for a decoding, a shifted "instructions", or three pig-latin words in a row."""
