"""The recognizers one PII detector runs, each answering ``find(text) -> findings``.

Three kinds share that small interface:

- :class:`PresidioPattern` wraps one of Presidio's predefined pattern recognizers.
  When its entity has a windowed candidate (see :mod:`guard.pii.catalog`), it
  analyzes only windows around the candidate's matches: the same answer as the
  whole text (windows are cut at whitespace), at a fraction of the cost.
  guard's own phone recognizer (:mod:`guard.pii.phones`) uses the same windows.
- :class:`CustomPattern` and :class:`DenyList` come from policy files; they run on
  RE2 like every regex a policy supplies.
- :class:`NerRecognizer` runs a spaCy pipeline through Presidio's NLP engine.

Context words raise a finding's score the way Presidio's context enhancer does
(+0.35, at least 0.4). Presidio cannot apply them without an NLP model, so guard
does it itself, from the recognizer's own context list.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from guard.pii.patterns import Found, finder
from guard.regex import compile_regex, spans

CONTEXT_BOOST = 0.35
CONTEXT_FLOOR = 0.4
CONTEXT_WORDS_BEFORE = 5
WINDOW_PAD = 16
WINDOW_SNAP = 256
_WORD = re.compile(r"[^\W_]+")
"""A run of letters and digits: exactly the characters ``str.isalnum`` accepts (a fixed
pattern of guard's own, linear on ``re``; policy patterns go to RE2)."""


@dataclass(frozen=True, slots=True)
class Finding:
    """An entity found at ``text[start:end]`` with a confidence score."""

    entity: str
    start: int
    end: int
    score: float


Span = tuple[int, int]
Refusal = Callable[[str, int, int], bool]
"""Whether ``text[start:end]``, which a recognizer's pattern matched, is something else
(guard's checks beside Presidio's, e.g. :func:`guard.pii.versions.not_an_address`)."""


class Recognizer(Protocol):
    """What a detector needs of a recognizer."""

    entity: str
    candidate: str | None  # RE2 source; None = run on every text
    max_score: float  # no finding of this recognizer ever scores higher

    def find(self, text: str, kept: Sequence[Finding] = ()) -> list[Finding]:
        """Findings in ``text``; may skip what could only lose to a ``kept`` finding."""
        ...


class ContextWords:
    """Raises scores of findings preceded (within a few words) by one of ``words``."""

    def __init__(self, words: Sequence[str]) -> None:
        self.words = frozenset(w.lower().strip() for w in words if w.strip())
        self.phrases = tuple(w for w in self.words if " " in w)

    def boost(self, text: str, finding: Finding) -> Finding:
        if finding.score >= 1.0 or not self.near(text, finding.start):  # nothing to raise
            return finding
        return Finding(finding.entity, finding.start, finding.end, boosted(finding.score))

    def ceiling(self, text: str, start: int, score: float) -> float:
        """The most a finding of base ``score`` starting near ``start`` can score.

        Looks a few words further back than :meth:`boost`, because a match may
        start a little before the candidate that led to it (a ``+`` or a digit).
        """
        return boosted(score) if self.near(text, start, CONTEXT_WORDS_BEFORE + 3) else score

    def near(self, text: str, start: int, count: int = CONTEXT_WORDS_BEFORE) -> bool:
        """Whether one of the words is among the ``count`` words before ``start``."""
        if not self.words:
            return False
        before = text[max(0, start - 40 * count):start].lower()
        last = words(before)[-count:]
        if any(word in self.words for word in last):
            return True
        tail = f" {' '.join(last)} "  # phrases match whole words: not "breach me"
        return any(f" {phrase} " in tail for phrase in self.phrases)


def boosted(score: float) -> float:
    """A score raised by a context word (Presidio's rule)."""
    return min(1.0, max(score + CONTEXT_BOOST, CONTEXT_FLOOR))


def words(text: str) -> list[str]:
    """The words of ``text``: runs of letters and digits."""
    return _WORD.findall(text)


def plain(text: str) -> str:
    """``text`` without accents. The detector's normalized view has none; a recognizer run
    on its own may be given some, and its word lists are written without."""
    if text.isascii():
        return text
    return "".join(c for c in unicodedata.normalize("NFKD", text)
                   if not unicodedata.combining(c)).translate(_UNDECOMPOSED)


_UNDECOMPOSED = str.maketrans({"\u0131": "i", "\u0142": "l", "\u00f8": "o", "\u0111": "d"})
"""Letters with a stroke or without a dot, which Unicode does not decompose: Turkish dotless
i, Polish l, Danish o, Croatian d."""


class PresidioPattern:
    """One of Presidio's predefined recognizers, maybe limited to candidate windows;
    ``refuse`` drops what guard knows is something else (it reads the whole text)."""

    max_score = 1.0

    def __init__(self, entity: str, recognizer: Any, candidate: str | None,
                 windowed: bool, refuse: Refusal | None = None) -> None:
        self.entity = entity
        self.refuse = refuse
        self.recognizer = recognizer
        self.candidate = candidate
        self.windowed = windowed and candidate is not None
        self.locate = compile_regex(candidate) if self.windowed and candidate else None
        self.context = ContextWords(getattr(recognizer, "context", None) or ())
        self.direct = finder(recognizer)

    def _analyze(self, text: str) -> list[Found]:
        if self.direct is not None:
            return self.direct(text)
        return [(r.start, r.end, float(r.score))
                for r in self.recognizer.analyze(text, [self.entity], None)
                if r.entity_type == self.entity]

    def find(self, text: str, kept: Sequence[Finding] = ()) -> list[Finding]:
        spans = [(0, len(text))] if self.locate is None else windows(text, self.locate)
        found: list[Finding] = []
        for start, end in spans:
            found += [self.context.boost(text, Finding(self.entity, first + start,
                                                       last + start, score))
                      for first, last, score in self._analyze(text[start:end])]
        if self.refuse is None:
            return found
        return [f for f in found if not self.refuse(text, f.start, f.end)]


def windows(text: str, locate: Any,
            skip: Callable[[int, int], bool] | None = None) -> Iterator[Span]:
    """Disjoint spans around every match of ``locate`` (but those ``skip`` drops)."""
    found = spans(locate, text)
    return around(text, (s for s in found if skip is None or not skip(*s)))


def around(text: str, spans: Iterable[Span]) -> Iterator[Span]:
    """Disjoint windows around ``spans`` (in text order), padded and cut at whitespace.

    A window that finds no whitespace within ``WINDOW_SNAP`` characters (a huge
    token) becomes the whole text: results must equal a whole-text run.
    """
    current: Span | None = None
    for match_start, match_end in spans:
        start = _snap_back(text, max(0, match_start - WINDOW_PAD))
        end = _snap_forward(text, min(len(text), match_end + WINDOW_PAD))
        if start < 0 or end < 0:
            yield 0, len(text)
            return
        if current is not None and start <= current[1]:
            current = (current[0], max(current[1], end))
            continue
        if current is not None:
            yield current
        current = (start, end)
    if current is not None:
        yield current


def _snap_back(text: str, at: int) -> int:
    floor = max(0, at - WINDOW_SNAP)
    while at > floor and not text[at - 1].isspace():
        at -= 1
    return at if at == 0 or text[at - 1].isspace() else -1


def _snap_forward(text: str, at: int) -> int:
    ceiling = min(len(text), at + WINDOW_SNAP)
    while at < ceiling and not text[at].isspace():
        at += 1
    return at if at == len(text) or text[at].isspace() else -1


class CustomPattern:
    """A policy's own regex recognizer (RE2), with context words and a fixed score."""

    def __init__(self, entity: str, patterns: Sequence[str], score: float,
                 context: Sequence[str]) -> None:
        self.entity = entity
        self.candidate: str | None = "|".join(f"(?:{p})" for p in patterns)
        self.regexes = [compile_regex(p) for p in patterns]
        self.score = score
        self.max_score = 1.0
        self.context = ContextWords(context)

    def find(self, text: str, kept: Sequence[Finding] = ()) -> list[Finding]:
        return [self.context.boost(text, Finding(self.entity, m.start(), m.end(), self.score))
                for regex in self.regexes for m in regex.finditer(text) if m.end() > m.start()]


class DenyList:
    """Exact words or phrases of a policy, case-insensitive, whole words."""

    def __init__(self, entity: str, words: Sequence[str], score: float = 1.0) -> None:
        import re2

        self.entity = entity
        alternatives = "|".join(re2.escape(w) for w in sorted(set(words), key=len, reverse=True))
        self.candidate: str | None = f"(?i)(?:{alternatives})"
        self.regex = compile_regex(f"(?:{alternatives})", "i")
        self.score = self.max_score = score

    def find(self, text: str, kept: Sequence[Finding] = ()) -> list[Finding]:
        return [Finding(self.entity, m.start(), m.end(), self.score)
                for m in self.regex.finditer(text) if _whole_word(text, m.start(), m.end())]


def _whole_word(text: str, start: int, end: int) -> bool:
    """RE2's ``\\b`` is ASCII-only, so word edges are checked here, for any script."""
    before = start == 0 or not (text[start - 1].isalnum() or text[start - 1] == "_")
    return before and (end == len(text) or not (text[end].isalnum() or text[end] == "_"))


class NerRecognizer:
    """PERSON, LOCATION, ... from a spaCy pipeline, through Presidio's NLP engine."""

    candidate: str | None = None
    max_score = 1.0

    def __init__(self, entities: Sequence[str], nlp_engine: Any, recognizer: Any) -> None:
        self.entities = list(entities)
        self.entity = ",".join(self.entities)
        self.nlp_engine = nlp_engine
        self.recognizer = recognizer

    def find(self, text: str, kept: Sequence[Finding] = ()) -> list[Finding]:
        artifacts = self.nlp_engine.process_text(text, "en")
        results = self.recognizer.analyze(text, self.entities, artifacts)
        return [Finding(r.entity_type, r.start, r.end, float(r.score)) for r in results
                if r.entity_type in self.entities]
