"""Shapes of digit strings that say what a number is, whatever region's plan it fits.

A date (``03.04.2024``), an amount grouped in thousands (``12 345 678``), an OID or a
version (``1.3.6.1.4.1``) and a US social security number written in its groups
(``536-22-1234``) are each written in a way no configured region writes its phone
numbers; :mod:`guard.pii.phones` reads these shapes before it calls a national number a
phone number.
"""

from __future__ import annotations

import re

Span = tuple[int, int]

_DATE = re.compile(r"(?<![\d+])(?<![\d+][./-])\d{1,4}([./-])\d{1,2}\1\d{1,4}(?![\d.\-/]?\d)")

AMOUNT_SEPARATORS = " .,'\u00a0\u202f\u2019"
"""Thousands separators: space, dot, comma, apostrophe, no-break and narrow spaces."""

_SSN = re.compile(r"\d{3}([ .-])\d{2}\1\d{4}")


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


def looks_like_dotted_run(raw: str) -> bool:
    """``1.3.6.1.4.1``, ``2.5.4.9.10.15``: four or more numbers joined by dots, one of a
    single digit: an OID or a version. Phone numbers written with dots group their
    digits in twos to fours (``06.12.34.56.78``, ``415.555.0123``)."""
    parts = raw.split(".")
    return len(parts) >= 4 and all(p.isdigit() for p in parts) and min(map(len, parts)) == 1


def ssn_shaped(raw: str) -> bool:
    """``536-22-1234``, ``536 22 1234``: three digits, two, four, one separator. No
    configured region groups its phone numbers so; US social security numbers are."""
    return _SSN.fullmatch(raw) is not None


def never_issued(text: str, start: int, end: int) -> bool:
    """Whether the SSN-shaped ``text[start:end]`` has an area the SSA never issues:
    900-999 (taxpayer numbers, ITINs, and never assigned). Presidio refuses 000 and 666."""
    digits = [c for c in text[start:end] if c.isdigit()]
    return len(digits) == 9 and digits[0] == "9"


def dates(text: str) -> list[Span]:
    """The dates in ``text`` (:func:`looks_like_date`, not after a ``+`` or a digit).

    They are blanked for the matcher with the findings that outscore any phone finding
    (whose numbers, unblanked, join the numbers next to them into longer strings the
    matcher parses, fails and splits, in every region): no date is a national number,
    yet each cost a parse and a split in every region.
    """
    return [m.span() for m in _DATE.finditer(text) if looks_like_date(m.group())]
