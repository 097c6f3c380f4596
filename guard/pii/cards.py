"""Payment card numbers: the issuer ranges and lengths the card networks publish.

Presidio's card pattern takes 13 to 17 digits starting with 1, 3, 4, 50-55 or 6.
Networks issue cards outside it: Visa with 19 digits, Mastercard's 2-series
(2221-2720), Maestro with 12 to 19 digits, the 15-digit JCB range 2131, Mir
(2200-2204), and 18- or 19-digit JCB, Discover, UnionPay and Diners Club cards.
guard hands Presidio's ``CreditCardRecognizer`` one more pattern, built from the
table below, beside its own; the recognizer still checks the Luhn digit of every
match, so a number that merely fits a range is not reported.

The pattern is guard's fixed text (never a policy's), run by Presidio on Python
``re``. Every match is 12 to 19 digits with at most one space or hyphen between
digits, so the catalog's RE2 candidate for ``CREDIT_CARD`` stays a superset.
"""

from __future__ import annotations

ISSUER_RANGES: tuple[tuple[str, str, tuple[int, ...]], ...] = (
    # network, its first four digits (a regex), the lengths it issues
    ("Visa", r"4\d{3}", (13, 16, 19)),
    ("Mastercard", r"5[1-5]\d{2}|222[1-9]|22[3-9]\d|2[3-6]\d{2}|27[01]\d|2720", (16,)),
    ("American Express", r"3[47]\d{2}", (15,)),
    ("Diners Club", r"30[0-5]\d|3095|36\d{2}|3[89]\d{2}", (14, 16, 17, 18, 19)),
    ("JCB", r"35(?:2[89]|[3-8]\d)", (16, 17, 18, 19)),
    ("JCB, 15 digits", r"2131|1800", (15,)),
    ("Discover", r"6011|64[4-9]\d|65\d{2}", (16, 17, 18, 19)),
    ("UnionPay", r"62\d{2}", (16, 17, 18, 19)),
    ("Maestro", r"50\d{2}|5[6-9]\d{2}|6\d{3}", (12, 13, 14, 15, 16, 17, 18, 19)),
    ("Mir", r"220[0-4]", (16, 17, 18, 19)),
)
"""Issuer identification numbers by network. A number the table does not cover may
still be found by Presidio's own pattern."""

SEPARATOR = "[ -]?"


def layouts(length: int) -> list[str]:
    """How a card of ``length`` digits is written after its first four: unbroken or
    in groups of four, and 4-6-5 / 4-6-4 for 15 and 14 digits (Amex, Diners)."""
    fours, rest = divmod(length - 4, 4)
    shapes = [f"(?:{SEPARATOR}\\d{{4}}){{{fours}}}" + (f"{SEPARATOR}\\d{{{rest}}}" if rest else "")]
    if length in (14, 15):
        shapes.append(f"{SEPARATOR}\\d{{6}}{SEPARATOR}\\d{{{length - 10}}}")
    return shapes


def card_pattern() -> str:
    """One regex for every (range, length) of :data:`ISSUER_RANGES`, longest first.

    Longest first because ``re`` takes the first alternative that matches: a 19-digit
    Visa must not be read as its first 16 digits. A number right after ``+`` is a
    phone number written in E.164, not a card; and a card number is neither the end
    nor the start of a longer run of digit groups (``RS35 2600 0560 1001 6113 70`` is
    an account number whose middle passes Luhn).
    """
    by_length: dict[int, list[str]] = {}
    for _, first_four, lengths in ISSUER_RANGES:
        for length in lengths:
            by_length.setdefault(length, []).append(first_four)
    alternatives = [f"(?:{'|'.join(firsts)})(?:{'|'.join(layouts(length))})"
                    for length, firsts in sorted(by_length.items(), reverse=True)]
    return rf"(?<!\+)(?<!\d[ -])\b(?:{'|'.join(alternatives)})\b(?![ -]\d)"
