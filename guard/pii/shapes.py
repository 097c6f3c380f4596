"""Shapes of digit strings that say what a number is, whatever region's plan it fits.

A date (``03.04.2024``), an amount grouped in thousands (``12 345 678``), an OID or a
version (``1.3.6.1.4.1``), a MAC address (``7A-01-29-38-93-32``) and the identifiers of
:func:`id_shaped` (a US social security number written in its groups, ``536-22-1234``; a
postcode, a tax number, a Unix time) are each written in a way no configured region
writes its phone numbers; :mod:`guard.pii.phones` reads these shapes before it calls a
national number a phone number.
"""

from __future__ import annotations

import re
from typing import Any

from guard.pii.fields import field_name, names_a_number

Span = tuple[int, int]

_DATE = re.compile(r"(?<![\d+])(?<![\d+][./-])\d{1,4}([./-])\d{1,2}\1\d{1,4}(?![\d.\-/]?\d)")

AMOUNT_SEPARATORS = " .,'\u00a0\u202f\u2019"
"""Thousands separators: space, dot, comma, apostrophe, no-break and narrow spaces."""

MAX_NATIONAL_DIGITS = 14
"""A national number and its trunk prefix: E.164 allows 15 digits with the country code."""
INTERNATIONAL_PREFIXES = ("00", "011")

_SSN = re.compile(r"\d{3}([ .-])\d{2}\1\d{4}")
_IDENTIFIER = re.compile(
    r"\d{5}-\d{4}|\d{5}-\d{3}"  # US ZIP+4, Brazilian CEP postcodes
    r"|\d{3}\.\d{3}\.\d{3}-\d{2}"  # Brazilian CPF
    r"|(?:19|20)\d\d[/-]\d{4,}"  # a year and a serial: invoices, files, references
    r"|1\d{9}|1\d{12}")  # Unix time, seconds (2001-2033) or milliseconds, unbroken
_MAC = re.compile(r"(?<![\w:-])[0-9A-Fa-f]{2}([:-])(?:[0-9A-Fa-f]{2}\1){4}[0-9A-Fa-f]{2}(?![\w:-])"
                  r"|(?<![\w.])[0-9A-Fa-f]{4}\.[0-9A-Fa-f]{4}\.[0-9A-Fa-f]{4}(?![\w.])")


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


def punctuated_amount(raw: str) -> bool:
    """``12.345.678.901``, ``1,234,567``, ``1'234'567``: an amount grouped in thousands by
    a dot, comma or apostrophe. Phone numbers grouped in threes are written with spaces
    (``612 345 678``) or in other groups with dots (``415.555.0123``, ``06.12.34.56.78``)."""
    return looks_like_amount(raw) and raw.lstrip("0123456789")[0] in ".,'\u2019"


def looks_like_dotted_run(raw: str) -> bool:
    """``1.3.6.1.4.1``, ``2.5.4.9.10.15``: four or more numbers joined by dots, one of a
    single digit: an OID or a version. Phone numbers written with dots group their
    digits in twos to fours (``06.12.34.56.78``, ``415.555.0123``)."""
    parts = raw.split(".")
    return len(parts) >= 4 and all(p.isdigit() for p in parts) and min(map(len, parts)) == 1


_QUAD = re.compile(r"\d{1,3}(?:\.\d{1,3}){3}")
_PREFIXED = re.compile(r"/\d{1,2}(?!\d)")


def looks_like_network(raw: str, after: str) -> bool:
    """Whether ``raw`` is a dotted quad with a prefix length, in it or right ``after`` it:
    an IPv4 network or interface in CIDR notation (``10.20.0.0/16``), not a phone number."""
    quad, slash, prefix = raw.partition("/")
    if not _QUAD.fullmatch(quad):
        return False
    return _PREFIXED.fullmatch(slash + prefix) is not None if slash else (
        _PREFIXED.match(after) is not None)


_ISBN = re.compile(r"\d{1,7}(?:-\d{1,7}){3}|97[89]-\d{1,5}(?:-\d{1,7}){3}")


def looks_like_isbn(raw: str) -> bool:
    """Whether ``raw`` is an ISBN as publishers print it: ten digits in four hyphenated
    groups with a valid mod-11 check digit (``0-306-40615-2``), or thirteen in five from
    ``978``/``979`` with a valid EAN check digit. One random number in eleven or ten
    passes; a phone number is not grouped so."""
    if not _ISBN.fullmatch(raw):
        return False
    digits = [int(c) for c in raw if c.isdigit()]
    if len(digits) == 10:
        return sum(d * (10 - i) for i, d in enumerate(digits)) % 11 == 0
    return len(digits) == 13 and sum(d * (3 if i % 2 else 1) for i, d in enumerate(digits)) \
        % 10 == 0


def ssn_shaped(raw: str) -> bool:
    """``536-22-1234``, ``536 22 1234``: three digits, two, four, one separator. No
    configured region groups its phone numbers so; US social security numbers are."""
    return _SSN.fullmatch(raw) is not None


def id_shaped(raw: str) -> bool:
    """Whether ``raw`` is written the way an identifier is and no phone number usually is:
    an SSN (:func:`ssn_shaped`), a ZIP+4 or CEP postcode (``07418-2889``, ``08219-612``), a
    CPF (``519.043.163-49``), a year and a serial (``2026/825922``), or ten unbroken digits
    from 1 (a Unix time: ``1643996257`` reads as a phone number only in Brazil's Sao Paulo
    state or without the trunk ``0`` that Britain, Germany and India write). Such a number
    is a phone number only where a phone word says so."""
    return ssn_shaped(raw) or _IDENTIFIER.fullmatch(raw) is not None


def fits_e164(pn: Any, match: Any, digits: int) -> bool:
    """Whether a number not written with ``+`` fits the 15 digits E.164 allows, country code
    included: written nationally (a trunk ``0`` at most before a national number of 13
    digits or fewer), at most 14 digits; after an international prefix (``00``, ``011``),
    its country code and national number at most 15. A run of 15 digits (an IMEI:
    ``495475177992290``, which Germany's plan of long numbers calls valid, and reads
    ``49`` of as its country code) is nobody's phone number."""
    if not match.raw_string.startswith(INTERNATIONAL_PREFIXES):
        return digits <= MAX_NATIONAL_DIGITS
    number = match.number
    return len(str(number.country_code)) + len(pn.national_significant_number(number)) <= 15


def never_issued(text: str, start: int, end: int) -> bool:
    """Whether the SSN-shaped ``text[start:end]`` has an area the SSA never issues:
    900-999 (taxpayer numbers, ITINs, and never assigned), and no SSN word names it.
    Presidio refuses 000 and 666.

    Where the writer calls it an SSN (``SSN: 912-34-5678``, ``social security number is
    ...``), it is reported as one: it is somebody's taxpayer number given as their SSN,
    as sensitive as the real one, and sets made from random digits label it so."""
    digits = [c for c in text[start:end] if c.isdigit()]
    return len(digits) == 9 and digits[0] == "9" and not ssn_named(text, start)


def not_an_ssn(text: str, start: int, end: int) -> bool:
    """Whether the SSN-shaped ``text[start:end]`` is no SSN: :func:`never_issued`, or nine
    bare digits whose own field another numbering word names (``"routing": "021000021"``,
    a CSV column ``account``), although an SSN word stands near (the record's ``"ssn"`` key
    before it): the field says what its value is."""
    if never_issued(text, start, end):
        return True
    if not text[start:end].isdigit():
        return False
    name = field_name(text, start)
    if name is None or not names_a_number(text, start):
        return False
    return not any(word in SSN_WORDS for word in _WORDS.findall(name.lower()))


SSN_WORDS = frozenset({"ssn", "ssns", "ss", "security"})
"""Words that name a social security number (``security`` for ``social security``)."""
SSN_WORDS_BEFORE = 4
_WORDS = re.compile(r"[^\W_]+")


def ssn_named(text: str, start: int) -> bool:
    """Whether an SSN word is among the four words before ``start`` (``SSN:``, ``SS#``,
    ``Social Security No.``, ``my social security number is``)."""
    before = _WORDS.findall(text[max(0, start - 60):start].lower())[-SSN_WORDS_BEFORE:]
    return any(word in SSN_WORDS for word in before)


def dates(text: str) -> list[Span]:
    """The dates in ``text`` (:func:`looks_like_date`, not after a ``+`` or a digit).

    They are blanked for the matcher with the findings that outscore any phone finding
    (whose numbers, unblanked, join the numbers next to them into longer strings the
    matcher parses, fails and splits, in every region): no date is a national number,
    yet each cost a parse and a split in every region.
    """
    return [m.span() for m in _DATE.finditer(text) if looks_like_date(m.group())]


def macs(text: str, near: list[Span]) -> list[Span]:
    """The MAC addresses in ``text`` (``00:1A:2B:3C:4D:5E``, ``00-1a-...``, ``001a.2b3c.4d5e``)
    around the digit strings ``near`` (the phone candidates: an address without one is
    nothing the matcher would read): blanked for the phone matcher like dates, whose digit
    pairs it would otherwise read as a French number once a letter of the address ends
    (``7A-01-29-38-93-32``)."""
    found: set[Span] = set()
    reach = 17  # the length of an address: one holding the candidate starts or ends this near
    for start, end in near:
        for m in _MAC.finditer(text, max(0, start - reach), min(len(text), end + reach)):
            whole = _MAC.match(text, m.start())  # not cut by the window's end
            if whole is not None and whole.end() == m.end():
                found.add(m.span())
    return sorted(found)
