"""PHONE_NUMBER: guard's own rules over Google's libphonenumber (``phonenumbers``).

Presidio's ``PhoneRecognizer`` reports what libphonenumber calls a *valid* number in a
few regions. That misses numbers anybody reads as phone numbers (a ``+1`` number in a
range not allocated yet, a Danish number written the Danish way) and takes some nobody
does (a house number that happens to be a valid German number). guard reports:

1. a number written with ``+country`` that is valid, or of a *possible* length for that
   country with at least 8 digits: the ``+`` says it is a phone number, allocated or not;
2. a national number valid in one of ``settings.pii.phone_regions`` with at least 8
   digits, or 7 when it is *said* to be a phone number: a phone word among the three
   words before (``Tel.``, ``mobile``, ``call me on``, ``WhatsApp``...), a reach word
   that introduces it (``not answering at``, ``erreichbar unter``), or a label right
   after (``416 60 039 office``, ``... (fax)``); the words are
   :mod:`guard.pii.telephony`'s;
3. a phone-shaped string that rules 1 and 2 did not find, said to be a phone number,
   with at least 7 digits, valid as a national number of one of
   :data:`~guard.pii.catalog.CONTEXT_PHONE_REGIONS` (Europe and populous others) and,
   if grouped like an amount (``12 345 678``), grouped so by that region or the value
   of a phone field (``Phone: 72 128 827``). The phone
   word is known before any analysis, so those regions are tried only for the few
   candidates that have one.

Nothing shaped like a date (``03.04.2024``, ``2024-05-17``) is a national number.
Extensions (``x769``) do not count as digits.

Scores: 0.4, raised to 0.75 (Presidio's rule) by a phone word or ``number`` among the
five words before; rule 3's findings stay at 0.4, since the phone word that admitted
them cannot count twice. No finding scores above :attr:`PhoneNumbers.max_score`, which
lets the detector skip candidates inside a kept finding that outscores that bound.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from guard.pii.recognizers import (
    CONTEXT_WORDS_BEFORE,
    ContextWords,
    Finding,
    Span,
    around,
    boosted,
    words,
)
from guard.pii.telephony import DESTINATIONS, PHONE_WORDS, REACH_WORDS
from guard.regex import compile_regex

BASE_SCORE = 0.4
MIN_DIGITS = 8
"""National numbers with fewer digits need a phone word: ``0896 69`` is a house number."""
MIN_DIGITS_SAID = 7
"""Below this even a phone word does not make a national number (codes, PINs)."""
MIN_DIGITS_POSSIBLE = 8
"""``+country`` numbers that are possible but not valid need this many digits."""
SHAPE_REGION = "DE"
"""The region rule 3 cuts text into phone-shaped strings with: its numbers may have
4 to 15 digits, so libphonenumber's matcher keeps whole strings rather than judging them."""

BOOST_WORDS = (*PHONE_WORDS, "number")
"""Words that raise a finding's score: the phone words and Presidio's ``number`` (too
vague to make a number a phone number: cards, SSNs and licences have numbers too)."""

SAID_WORDS_BEFORE = 3
"""A phone word says a number is a phone number when it introduces it: among the three
words before (``Tel.: ...``, ``call me on ...``, ``my phone number is ...``); a reach
word, when it does so with a preposition (``not answering at ...``): see
:mod:`guard.pii.telephony`."""

AMOUNT_SEPARATORS = " .,'\u00a0\u202f\u2019"
"""Thousands separators: space, dot, comma, apostrophe, no-break and narrow spaces."""

LABELS = frozenset({"phone", "tel", "mobile", "cell", "fax", "home", "work", "office",
                    "pager", "landline", "voice"})
"""Labels written right after a number in contact lists and signatures (vCard's
telephone types): ``416 60 039 office``, ``(37) 788-063-Office``."""
LABEL_GAP = " \t-\u2013\u2014(),:/"
"""What may stand between a number and its label (at most three of these)."""


class PhoneNumbers:
    """guard's phone recognizer; ``find`` analyzes windows around the candidates.

    ``windowed=False`` analyzes the whole text and skips nothing: the reference the
    property tests hold the windowed run to.
    """

    entity = "PHONE_NUMBER"
    max_score = boosted(BASE_SCORE)

    def __init__(self, regions: Sequence[str], context_regions: Sequence[str],
                 candidate: str, windowed: bool = True) -> None:
        import phonenumbers

        self.phonenumbers: Any = phonenumbers
        self.candidate: str | None = candidate
        self.locate = compile_regex(candidate) if windowed else None
        self.regions = tuple(dict.fromkeys(regions))
        self.context_regions = tuple(r for r in dict.fromkeys(context_regions)
                                     if r not in self.regions)
        self.said = ContextWords(PHONE_WORDS)
        self.reach = frozenset(REACH_WORDS)
        self.worded = ContextWords((*PHONE_WORDS, *REACH_WORDS))
        self.context = ContextWords(BOOST_WORDS)

    def find(self, text: str, kept: Sequence[Finding] = ()) -> list[Finding]:
        whole = [(0, len(text))]
        candidates: list[Span] = []
        if self.locate is not None:
            candidates = [(m.start(), m.end()) for m in self.locate.finditer(text)]
        spans = whole if self.locate is None else around(text, [
            c for c in candidates if not self._loses(text, *c, kept)])
        valid: set[Span] = set()
        for start, end in spans:
            valid |= self._valid(text, start, end)
        findings = [self.context.boost(text, Finding(self.entity, s, e, BASE_SCORE))
                    for s, e in valid]
        if self.context_regions:
            taken = sorted(valid)
            # rule 3's findings lose to a kept finding no phone finding can outscore
            covered = taken + [(f.start, f.end) for f in kept if f.score > self.max_score]
            wanted = [c for c in candidates
                      if not _covered(text, c, covered) and self._worded(text, *c)]
            # windows around every candidate, so that none is cut in two
            worded = whole if self.locate is None else [
                (s, e) for s, e in around(text, candidates) if any(s <= c[0] < e for c in wanted)]
            for start, end in worded:
                findings += [Finding(self.entity, s, e, BASE_SCORE)
                             for s, e in self._said(text, start, end, taken)]
        return _outermost(findings)

    def _valid(self, text: str, start: int, end: int) -> set[Span]:
        """Rules 1 and 2 in ``text[start:end]``."""
        pn = self.phonenumbers
        window = text[start:end]
        found: set[Span] = set()
        for m in pn.PhoneNumberMatcher(window, "ZZ", leniency=pn.Leniency.POSSIBLE):
            if self._international(m):  # only +country numbers parse without a region
                found.add((m.start + start, m.end + start))
        for region in self.regions:
            for m in pn.PhoneNumberMatcher(window, region, leniency=pn.Leniency.VALID):
                s, e = m.start + start, m.end + start
                if m.raw_string.startswith("+") or self._national(text, m, s, e):
                    found.add((s, e))
        return found

    def _said(self, text: str, start: int, end: int, taken: list[Span]) -> set[Span]:
        """Rule 3 in ``text[start:end]``, where rules 1 and 2 found ``taken``.

        libphonenumber's matcher cuts the window into phone-shaped strings; each one
        said to be a phone number (and no date) is parsed as a national number of the
        context regions until one calls it valid.
        """
        pn = self.phonenumbers
        found: set[Span] = set()
        for m in pn.PhoneNumberMatcher(text[start:end], SHAPE_REGION,
                                       leniency=pn.Leniency.POSSIBLE):
            span = (m.start + start, m.end + start)
            if (m.raw_string.startswith("+") or _overlaps(span, taken)
                    or not self._national(text, m, *span, said_only=True)):
                continue
            field = _field(text, span[0])
            if any(self._written_in(m.raw_string, region, field)
                   for region in self.context_regions):
                found.add(span)
        return found

    def _written_in(self, raw: str, region: str, field: bool = False) -> bool:
        """Whether ``raw`` is a valid national number of ``region``; when it is written
        like an amount (``12 345 678``), only if that region groups its numbers so, or
        if it is the value of a phone field (``Phone: 72 128 827``: no amount is)."""
        pn = self.phonenumbers
        try:
            if not pn.is_valid_number(pn.parse(raw, region)):
                return False
        except pn.NumberParseException:
            return False
        if field or not looks_like_amount(raw):
            return True
        strict = pn.PhoneNumberMatcher(raw, region, leniency=pn.Leniency.STRICT_GROUPING)
        return any(m.raw_string == raw for m in strict)

    def _international(self, match: Any) -> bool:
        pn = self.phonenumbers
        if pn.is_valid_number(match.number):
            return True
        reason = pn.is_possible_number_with_reason(match.number)
        return reason == pn.ValidationResult.IS_POSSIBLE and _digits(match) >= MIN_DIGITS_POSSIBLE

    def _national(self, text: str, match: Any, start: int, end: int,
                  said_only: bool = False) -> bool:
        """Whether a national number (a match not written with ``+``) is kept."""
        digits = _digits(match)
        if digits < MIN_DIGITS_SAID or looks_like_date(match.raw_string):
            return False
        if digits >= MIN_DIGITS and not said_only:
            return True
        return (self.said.near(text, start, SAID_WORDS_BEFORE) or self._introduced(text, start)
                or _labelled(text, end))

    def _introduced(self, text: str, start: int) -> bool:
        """Whether a reach word introduces the number at ``start``: a destination right
        before it, the reach word one or two words before that (``answering at``,
        ``reach us on``)."""
        last = words(text[max(0, start - 120):start].lower())[-SAID_WORDS_BEFORE:]
        return (len(last) > 1 and last[-1] in DESTINATIONS
                and any(word in self.reach for word in last[:-1]))

    def _worded(self, text: str, start: int, end: int) -> bool:
        """Whether a match around this candidate may be said to be a phone number.

        Looks a little wider than :meth:`_national` (more words before, a few tokens
        after), because a match may start before or end after its candidate.
        """
        if self.worded.near(text, start, CONTEXT_WORDS_BEFORE + 3):
            return True
        return any(word in LABELS for word in words(text[end:end + 48].lower())[:4])

    def _loses(self, text: str, start: int, end: int, kept: Sequence[Finding]) -> bool:
        """A candidate inside a kept finding that outscores all rules 1 and 2 could
        make of it."""
        if not kept:
            return False
        ceiling = self.context.ceiling(text, start, BASE_SCORE)
        return any(f.start <= start and end <= f.end and f.score > ceiling for f in kept)


def looks_like_date(raw: str) -> bool:
    """``03.04.2024``, ``2024-05-17``, ``4/3/2024``: three parts, one separator, a year
    of 1900-2099 first or last, and a day and a month that exist."""
    for separator in "./-":
        parts = raw.split(separator)
        if len(parts) != 3 or not all(p.isdigit() for p in parts):
            continue
        if len(parts[0]) == 4:
            year, first, second = parts
        elif len(parts[2]) == 4:
            first, second, year = parts
        else:
            continue
        a, b = int(first), int(second)
        if 1900 <= int(year) <= 2099 and (_day_month(a, b) or _day_month(b, a)):
            return True
    return False


def looks_like_amount(raw: str) -> bool:
    """``12 345 678``, ``1.234.567``: one to three digits, then groups of three, all
    separated by the same space, dot, comma or apostrophe."""
    head = len(raw) - len(raw.lstrip("0123456789"))
    if not 1 <= head <= 3 or head == len(raw) or raw[head] not in AMOUNT_SEPARATORS:
        return False
    groups = raw[head + 1:].split(raw[head])
    return all(len(g) == 3 and g.isdigit() for g in groups)


def _day_month(day: int, month: int) -> bool:
    return 1 <= day <= 31 and 1 <= month <= 12


def _digits(match: Any) -> int:
    """Digits of a matched number, its extension left out."""
    raw: str = match.raw_string
    extension: str = match.number.extension or ""
    return sum(c.isdigit() for c in raw) - len(extension)


def _labelled(text: str, end: int) -> bool:
    """Whether a label (:data:`LABELS`, a whole word) follows ``text[:end]``, after at
    most three characters of :data:`LABEL_GAP`."""
    at = end
    while at < len(text) and at - end < 3 and text[at] in LABEL_GAP:
        at += 1
    word_end = at
    while word_end < len(text) and text[word_end].isalnum():
        word_end += 1
    return word_end > at and text[at:word_end].lower() in LABELS


def _field(text: str, start: int) -> bool:
    """Whether the number at ``start`` is the value of a phone field: a phone word and a
    colon right before it (``Phone: ``, ``Tel.:``, ``Mobile:\n``), as in forms, contact
    lists and signatures."""
    before = text[max(0, start - 40):start].rstrip()
    if not before.endswith(":"):
        return False
    label = words(before[:-1].lower())
    return bool(label) and label[-1] in PHONE_WORDS and before[:-1].rstrip(". ").lower(
    ).endswith(label[-1])


def _covered(text: str, candidate: Span, spans: Sequence[Span]) -> bool:
    """Whether every digit of a candidate lies in one of ``spans``. Then any match
    overlapping the candidate overlaps one of them: a match has more digits than a
    gap inside a candidate can hold."""
    return all(any(s <= i < e for s, e in spans)
               for i in range(*candidate) if text[i].isdigit())


def _overlaps(span: Span, spans: Iterable[Span]) -> bool:
    return any(s < span[1] and span[0] < e for s, e in spans)


def _outermost(findings: list[Finding]) -> list[Finding]:
    """Drop findings inside another that scores at least as high (as Presidio does)."""
    return [f for f in findings if not any(
        o is not f and o.start <= f.start and f.end <= o.end and o.score >= f.score
        for o in findings)]
