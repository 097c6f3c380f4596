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

from bisect import bisect_left
from collections.abc import Sequence
from typing import Any

from guard.pii.fields import Columns, labelled_spans, names_a_number
from guard.pii.numbering import continues_account, numbered
from guard.pii.recognizers import (
    CONTEXT_WORDS_BEFORE,
    ContextWords,
    Finding,
    Span,
    around,
    boosted,
    words,
)
from guard.pii.shapes import (
    dates,
    fits_e164,
    id_shaped,
    looks_like_amount,
    looks_like_date,
    looks_like_dotted_run,
    looks_like_isbn,
    looks_like_network,
    macs,
    punctuated_amount,
)
from guard.pii.spans import Holders, Mask
from guard.pii.telephony import DESTINATIONS, PHONE_WORDS, REACH_WORDS
from guard.regex import compile_regex

BASE_SCORE = 0.4
MIN_DIGITS = 8
"""National numbers with fewer digits need a phone word: ``0896 69`` is a house number."""
MIN_DIGITS_SAID = 7
"""Below this even a phone word does not make a national number (codes, PINs)."""
BLANK = ","
"""What the matcher reads in place of an outscoring finding: no digit, no phone
punctuation and no letter, so it ends a number without vetoing one (a Latin letter right
before a number makes the matcher refuse it)."""
MIN_CANDIDATE = 7
"""Strings shorter than this are not analyzed at all: a national number needs
:data:`MIN_DIGITS_SAID` digits, and the shortest valid ``+country`` number has six
(``+49 1234``), so neither can be written in fewer characters. In ordinary prose most
digit strings are shorter (versions, times, order numbers), and each cost a parse."""
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

        # keep libphonenumber's compiled metadata patterns (a bounded set): the many
        # regions' patterns outgrow the re module's cache of 512 and were recompiled
        # over and over (a tenth of the cost on text dense with numbers)
        getattr(phonenumbers, "enable_pattern_cache", lambda: None)()
        self.phonenumbers: Any = phonenumbers
        self.candidate: str | None = candidate
        self.shapes = compile_regex(candidate)
        self.locate = self.shapes if windowed else None
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
        holders = Holders(kept)
        spans = whole if self.locate is None else around(text, [
            c for c in candidates if not self._loses(text, *c, holders)])
        shaped = candidates or [m.span() for m in self.shapes.finditer(text)]
        columns = Columns(text)
        seen = _blank(text, [(f.start, f.end) for f in kept if f.score > self.max_score]
                      + dates(text) + macs(text, shaped) + labelled_spans(text, shaped, columns))
        valid: set[Span] = set()
        for start, end in spans:
            valid |= self._valid(text, seen, start, end, columns)
        findings = [self.context.boost(text, Finding(self.entity, s, e, BASE_SCORE))
                    for s, e in valid]
        if self.context_regions:
            findings += self._said_anywhere(text, seen, candidates, valid, kept, columns)
        return _outermost(findings)

    def _said_anywhere(self, text: str, seen: str, candidates: list[Span], valid: set[Span],
                       kept: Sequence[Finding], columns: Columns) -> list[Finding]:
        """Rule 3 around the candidates said to be phone numbers that rules 1 and 2 and
        the kept findings no phone finding can outscore left uncovered."""
        taken = Mask(len(text), valid)
        covered = Mask(len(text), valid)
        for f in kept:
            if f.score > self.max_score:
                covered.add(f.start, f.end)
        wanted = [c[0] for c in candidates if not covered.covers_digits(text, *c)
                  and self._worded(text, *c) and not names_a_number(text, c[0], columns)]
        if not wanted and self.locate is not None:
            return []
        # windows around every candidate, so that none is cut in two
        worded = [(0, len(text))] if self.locate is None else [
            (s, e) for s, e in around(text, candidates) if _starts_within(wanted, s, e)]
        return [Finding(self.entity, s, e, BASE_SCORE)
                for start, end in worded
                for s, e in self._said(text, seen, start, end, taken, columns)]

    def _valid(self, text: str, seen: str, start: int, end: int, columns: Columns
               ) -> set[Span]:
        """Rules 1 and 2 in ``text[start:end]`` (``seen``: what the matcher reads)."""
        pn = self.phonenumbers
        window = seen[start:end]
        found: set[Span] = set()
        for m in pn.PhoneNumberMatcher(window, "ZZ", leniency=pn.Leniency.POSSIBLE,
                                       min_candidate_length=MIN_CANDIDATE):
            if self._international(m):  # only +country numbers parse without a region
                found.add((m.start + start, m.end + start))
        for region in self.regions:
            # what an earlier pass found is blanked: another region would only find it
            # again, after parsing and failing to split it (most of a pass's cost)
            window = _blanked_spans(window, found, start)
            for m in pn.PhoneNumberMatcher(window, region, leniency=pn.Leniency.VALID,
                                           min_candidate_length=MIN_CANDIDATE):
                s, e = _trimmed(m, start)
                if m.raw_string.startswith("+") or self._national(text, m, s, e, (region,),
                                                                  columns):
                    found.add((s, e))
        return found

    def _said(self, text: str, seen: str, start: int, end: int, taken: Mask, columns: Columns
              ) -> set[Span]:
        """Rule 3 in ``text[start:end]``, where rules 1 and 2 found ``taken``.

        libphonenumber's matcher cuts the window into phone-shaped strings; each one
        said to be a phone number (and no date) is parsed as a national number of the
        context regions until one calls it valid.
        """
        pn = self.phonenumbers
        found: set[Span] = set()
        for m in pn.PhoneNumberMatcher(seen[start:end], SHAPE_REGION,
                                       leniency=pn.Leniency.POSSIBLE,
                                       min_candidate_length=MIN_CANDIDATE):
            span = _trimmed(m, start)
            if (m.raw_string.startswith("+") or taken.overlaps(*span) or not self._national(
                    text, m, *span, self.context_regions, columns, said_only=True)):
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
                  regions: Sequence[str], columns: Columns | None = None,
                  said_only: bool = False) -> bool:
        """Whether a national number (a match not written with ``+``) is kept.

        A number a numbering word labels (``Order 4155550123``) is kept only when written
        as a phone number of ``regions`` is (:meth:`_written_as_phone`), and never when its
        record's field (key, form label, CSV column) names it so (:mod:`guard.pii.fields`);
        an ISBN or a network block is never one; one written like
        an identifier (an SSN ``536-22-1234``, a postcode, a Unix time: :func:`id_shaped`)
        or an amount (``12.345.678.901``), only when it is said to be a phone number.
        """
        raw, digits = match.raw_string.strip(), _digits(match)
        if digits < MIN_DIGITS_SAID or looks_like_date(raw) or looks_like_dotted_run(raw) or (
                looks_like_isbn(raw) or looks_like_network(raw, text[end:end + 4])):
            return False
        if not fits_e164(self.phonenumbers, match, digits):
            return False
        if continues_account(text, start) or (
                numbered(text, start) and not self._written_as_phone(raw, regions)):
            return False
        kept = (digits >= MIN_DIGITS and not said_only and not id_shaped(raw)
                and not punctuated_amount(raw)) or (
            self.said.near(text, start, SAID_WORDS_BEFORE) or self._introduced(text, start)
            or _labelled(text, end))
        return kept and not names_a_number(text, start, columns)  # last: only when kept

    def _written_as_phone(self, raw: str, regions: Sequence[str]) -> bool:
        """Whether ``raw`` has what no order or invoice number has: an area code in
        parentheses, or digit groups the way one of ``regions`` groups phone numbers."""
        if raw.startswith("("):
            return True
        if raw.isdigit():
            return False
        pn = self.phonenumbers
        return any(m.raw_string == raw for region in regions for m in pn.PhoneNumberMatcher(
            raw, region, leniency=pn.Leniency.STRICT_GROUPING))

    def _introduced(self, text: str, start: int) -> bool:
        """Whether a reach word introduces the number at ``start``: a destination right
        before it, the reach word one or two words before that (``answering at``,
        ``reach us on``), or a phone word up to four (``rufen Sie mich bitte unter``,
        ``call me back tomorrow on``)."""
        last = words(text[max(0, start - 120):start].lower())[-CONTEXT_WORDS_BEFORE:]
        if len(last) < 2 or last[-1] not in DESTINATIONS:
            return False
        return (any(word in self.reach for word in last[-SAID_WORDS_BEFORE:-1])
                or self.said.near(" ".join(last[:-1]), len(" ".join(last[:-1]))))

    def _worded(self, text: str, start: int, end: int) -> bool:
        """Whether a match around this candidate may be said to be a phone number.

        Looks a little wider than :meth:`_national` (more words before, a few tokens
        after), because a match may start before or end after its candidate.
        """
        if self.worded.near(text, start, CONTEXT_WORDS_BEFORE + 3):
            return True
        return any(word in LABELS for word in words(text[end:end + 48].lower())[:4])

    def _loses(self, text: str, start: int, end: int, kept: Holders) -> bool:
        """A candidate inside a kept finding that outscores all rules 1 and 2 could
        make of it."""
        holder = kept.holding(start, end)
        return holder is not None and holder.score > self.context.ceiling(text, start, BASE_SCORE)


def _trimmed(match: Any, offset: int) -> Span:
    """The span of a national match in the text, without the whitespace libphonenumber
    leaves before a number it split from the one before (``026009593 / 1234567890``)."""
    raw: str = match.raw_string
    start = match.start + offset + len(raw) - len(raw.lstrip())
    return start, max(start, match.end + offset - (len(raw) - len(raw.rstrip())))


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


def _blank(text: str, spans: list[Span]) -> str:
    """``text`` with the characters of ``spans`` (clipped to it) replaced by BLANK."""
    if not spans:
        return text
    parts: list[str] = []
    at = 0
    for start, end in sorted(spans):
        start, end = max(start, at), min(end, len(text))
        if start < end:
            parts += (text[at:start], BLANK * (end - start))
            at = end
    parts.append(text[at:])
    return "".join(parts)


def _blanked_spans(window: str, spans: set[Span], offset: int) -> str:
    """``window`` (which starts at ``offset``) with ``spans`` replaced by :data:`BLANK`,
    in one pass whatever their number."""
    return _blank(window, [(s - offset, e - offset) for s, e in spans])


def _starts_within(starts: list[int], start: int, end: int) -> bool:
    """Whether one of the sorted ``starts`` lies in ``[start, end)``."""
    at = bisect_left(starts, start)
    return at < len(starts) and starts[at] < end


def _outermost(findings: list[Finding]) -> list[Finding]:
    """Drop findings inside another that scores at least as high (as Presidio does).

    A sweep in order of start (the longer and higher first): only findings still open at
    a start can hold it, and few overlap (each matcher pass yields disjoint matches).
    """
    ordered = sorted(findings, key=lambda f: (f.start, -f.end, -f.score))
    open_: list[Finding] = []
    kept: list[Finding] = []
    for f in ordered:
        open_ = [o for o in open_ if o.end > f.start]
        if not any(o.end >= f.end and o.score >= f.score for o in open_):
            kept.append(f)
        open_.append(f)
    return kept
