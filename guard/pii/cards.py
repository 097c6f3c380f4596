"""Payment card numbers: the issuer ranges and lengths the card networks publish.

Presidio's card pattern takes 13 to 17 digits starting with 1, 3, 4, 50-55 or 6, in
groups of 3 to 5 digits (``4111111-1111111``), and takes them out of a longer run of
groups (``1234 4111 1111 1111 1111``); it misses cards networks do issue: Visa with 19
digits, Mastercard's 2-series (2221-2720), Maestro with 12 to 19 digits, the 15-digit
JCB range 2131, Mir (2200-2204), and 18- or 19-digit JCB, Discover, UnionPay and Diners
Club cards, and takes 15-digit IMEIs whose first digits are ``35`` for cards (no network
issues 15-digit numbers in the 3-series but American Express). guard hands Presidio's
``CreditCardRecognizer`` one pattern in place of its own, built from the table below:
the networks' ranges and lengths, in the groupings cards are printed in, never inside a
longer run; and a number an IMEI word names is no card (:func:`an_imei`). The
recognizer still checks the Luhn digit of every match, so a number that merely fits a
range is not reported.

The pattern is guard's fixed text (never a policy's), run by Presidio on Python
``re``. Every match is 12 to 19 digits with at most one space or hyphen between
digits, so the catalog's RE2 candidate for ``CREDIT_CARD`` stays a superset.
"""

from __future__ import annotations

from guard.pii.fields import field_name
from guard.pii.recognizers import words

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
    ("UATP", r"1\d{3}", (15,)),
    ("Other 3-series ranges (Presidio's pattern)", r"3\d{3}", (14, 16)),
)
"""Issuer identification numbers by network. A number the table does not cover may
still be found by Presidio's own pattern."""

SEPARATORS = ("", " ", "-")
"""Cards are written unbroken or in groups split by spaces or by hyphens, one kind per card."""


def layouts(length: int, sep: str) -> list[str]:
    """How a card of ``length`` digits is written after its first four, its groups split
    by ``sep``: unbroken or in groups of four, and 4-6-5 / 4-6-4 for 15 and 14 digits
    (Amex, Diners)."""
    fours, rest = divmod(length - 4, 4)
    shapes = [f"(?:{sep}\\d{{4}}){{{fours}}}" + (f"{sep}\\d{{{rest}}}" if rest else "")]
    if length in (14, 15) and sep:
        shapes.append(f"{sep}\\d{{6}}{sep}\\d{{{length - 10}}}")
    return shapes


def card_pattern() -> str:
    """One regex for every (range, length, separator) of :data:`ISSUER_RANGES`, longest
    first.

    Longest first because ``re`` takes the first alternative that matches: a 19-digit
    Visa must not be read as its first 16 digits. A number right after ``+`` is a
    phone number written in E.164, not a card; and a card number is neither the end
    nor the start of a longer run of groups split the way its own are (``RS35 2600 0560
    1001 6113 70`` is an account number whose middle passes Luhn), while cards listed
    one after another (``4012888888881881 4012-8888-8888-1881``) are each a card.
    """
    by_length: dict[int, list[str]] = {}
    for _, first_four, lengths in ISSUER_RANGES:
        for length in lengths:
            by_length.setdefault(length, []).append(first_four)
    runs = []
    for sep in SEPARATORS:
        alternatives = [f"(?:{'|'.join(firsts)})(?:{'|'.join(layouts(length, sep))})"
                        for length, firsts in sorted(by_length.items(), reverse=True)]
        runs.append(rf"{_EDGES[sep][0]}\b(?:{'|'.join(alternatives)})\b{_EDGES[sep][1]}")
    return rf"(?<!\+)(?:{'|'.join(runs)})"


_GROUP_BEFORE = "".join(rf"(?<![^\d-]\d{{{n}}} )(?<!^\d{{{n}}} )" for n in range(1, 5))
_EDGES = {
    "": ("", ""),  # \b: no digit either side
    "-": (r"(?<!\d-)", r"(?!-\d)"),
    # a group of up to four digits standing alone before or after (not the end of a
    # number written otherwise: 4012-8888-8888-1881 4012 8888 8888 1881 are two cards)
    " ": (_GROUP_BEFORE, r"(?! \d{1,4}(?![\d-]))"),
}
"""What may not stand before and after a card whose groups are split by each separator:
another group of its run."""


IMEI_WORDS = frozenset({"imei", "imeis", "imeisv", "meid"})
"""Words that name a handset's identity number: 15 digits (14 and a Luhn digit, so it
passes the card check) or 16 for IMEISV, whose first two digits may fall in a card range
(``35``: JCB)."""
SERIAL_WORDS = frozenset({"serial", "sn", "slot", "sim", "no", "nr", "number", "is", "and",
                          "or", "imei1", "imei2"})
"""Words that may stand between an IMEI word and the number it names (``IMEI no.``, ``IMEI
1 ... / serial ...``)."""
IMEI_LENGTHS = (15, 16)
BARCODE_WORDS = frozenset({"ean", "ean13", "gtin", "gtin13", "upc", "isbn", "isbn13", "jan",
                           "barcode", "strichcode", "sku", "asin"})
"""Words that name a product's barcode number: an EAN-13 or GTIN passes Luhn one time in
ten and then has a 13-digit Visa's shape (``EAN 4021182551988``)."""
BARCODE_LENGTHS = (12, 13, 14)
WORDS_AROUND = 5


def an_imei(text: str, start: int, end: int) -> bool:
    """Whether the card-shaped ``text[start:end]`` is an IMEI or a barcode: 15 or 16 digits
    an IMEI word names, 12 to 14 a barcode word names, before it with only numbers and
    :data:`SERIAL_WORDS` between, among the five words before (``IMEI 356844558419579``,
    ``IMEI no. ...``, ``EAN 4021182551988``), or right after (``356844558419579 (IMEI)``),
    or as its field's name (a CSV column ``ean``, a key ``"gtin":``).
    ``IMEI ... paid with 4111 ...``: a card."""
    digits = sum(c.isdigit() for c in text[start:end])
    named = (IMEI_WORDS if digits in IMEI_LENGTHS else BARCODE_WORDS if digits in
             BARCODE_LENGTHS else frozenset())
    if not named:
        return False
    for word in reversed(words(text[max(0, start - 120):start].lower())[-WORDS_AROUND:]):
        if word in named:
            return True
        if not word.isdigit() and word not in SERIAL_WORDS:
            break
    field = field_name(text, start)
    if field is not None and any(w in named for w in words(field.lower())):
        return True
    return any(w in named for w in words(text[end:end + 40].lower())[:2])
