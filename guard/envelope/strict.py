"""JSON read one way only: what guard inspects is what every upstream parser reads.

Parsers disagree on some JSON: with a key given twice, Python and most JavaScript keep the
last value, Go's and others' first-match lookups the first, and Go and ASP.NET match field
names without regard to case; a lone surrogate escape (``"\\ud800"``) is an error to one,
U+FFFD to another, a raw code point to a third; ``1e400`` is infinity to one, an error to
another. Key case is folded as case-blind parsers fold it: Go's ``EqualFold`` takes the long
s (U+017F) for ``"s"`` and the Kelvin sign (U+212A) for ``"k"``, .NET's upper-casing the
dotless i (U+0131) for ``"i"``. A body where the choice matters could let guard inspect one
reading while the upstream acts on the other, so such a body is refused
(:class:`AmbiguousJSON`, a 400), along with NaN and Infinity, which are not JSON. So is an
integer outside the signed 64-bit range: Go and most typed parsers refuse it, JavaScript
reads it as a rounded double, CEL cannot hold it, and no API field means anything by it
(output caps are clamped where they are read all the same).

The checks cost little: duplicate keys are counted as each object is built (a dict of the
pairs is the object anyway), key case only when an object has a key that is not plain
lower-case ASCII, surrogates only when the text holds a ``\\uD8..``-``\\uDF..`` escape
(or, for ``str`` input, is not all ASCII: a ``str`` can hold a lone surrogate that no UTF-8
body can), integers only when the text holds a run of 19 digits (one RE2 pass, ~2 ms per
MB; a hook on every integer would triple the cost of a body of token ids).
"""

from __future__ import annotations

import json
import math
import re
from functools import cache
from typing import Any


class AmbiguousJSON(ValueError):
    """JSON that parsers read differently: a repeated key, a lone surrogate, a huge number."""


def _object(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    value = dict(pairs)
    size = len(value)
    if size != len(pairs):
        raise AmbiguousJSON(f"the key {_repeated(pairs)!r} appears twice in one object; "
                            "parsers disagree on which value counts")
    if size < 2:
        return value
    joined = "".join(value)
    if not (joined.isascii() and joined.islower()):
        folded: dict[str, str] = {}
        for key in value:
            other = folded.setdefault(_fold(key), key)
            if other != key:
                raise AmbiguousJSON(f"the keys {other!r} and {key!r} differ only in case; "
                                    "some parsers read them as one")
    return value


def _fold(key: str) -> str:
    """``key`` as a case-blind parser compares it (see the module's notes)."""
    return key.lower() if key.isascii() else key.casefold().replace("\u0131", "i")


def _repeated(pairs: list[tuple[str, Any]]) -> str:
    seen: set[str] = set()
    for key, _ in pairs:
        if key in seen:
            return key
        seen.add(key)
    return ""


def _float(text: str) -> float:
    number = float(text)
    if math.isinf(number):
        raise AmbiguousJSON(f"the number {text[:40]} is out of range")
    return number


INT_RANGE = (-(2**63), 2**63 - 1)
"""The integers a request may hold: the signed 64-bit range (CEL's ``int``)."""


def _int(text: str) -> int:
    if len(text) > 20:  # also spares int() Python's 4300-digit limit and its message
        raise AmbiguousJSON(f"the number {text[:40]}... is out of range")
    number = int(text)
    if not INT_RANGE[0] <= number <= INT_RANGE[1]:
        raise AmbiguousJSON(f"the number {text} is out of range (64-bit integers only)")
    return number


def _constant(name: str) -> Any:
    raise ValueError(f"{name} is not valid JSON")


_DECODER = json.JSONDecoder(object_pairs_hook=_object, parse_float=_float,
                            parse_constant=_constant)
_RANGED = json.JSONDecoder(object_pairs_hook=_object, parse_float=_float,
                           parse_int=_int, parse_constant=_constant)
"""The decoder for a text that may hold an integer out of range (:func:`_long_digits`)."""


@cache
def _long_digits() -> Any:
    """RE2 (lazy: importing guard must not load it) for a run of digits as long as the
    shortest integer out of :data:`INT_RANGE`; RE2 scans at ~2 ms per MB, ``re`` at ~13."""
    import re2

    return re2.compile("[0-9]{19}")
_NOT_DIGITS = bytes(set(range(256)) - set(b"0123456789"))


def _may_hold_long_digits(text: str | bytes | bytearray) -> bool:
    """Whether ``text`` holds a run of 19 digits; bytes with fewer than 19 digits in all
    (most chat requests) are answered by one ``translate``, ~5x cheaper than the search."""
    if not isinstance(text, str) and len(text.translate(None, _NOT_DIGITS)) < 19:
        return False
    return _long_digits().search(text) is not None


_SURROGATE_ESCAPE = re.compile(r"\\u[dD][89abcdefABCDEF]")
_SURROGATE = re.compile("[\ud800-\udfff]")


def loads_strict(text: str | bytes | bytearray) -> Any:
    """Parse JSON, refusing what parsers read differently (:class:`AmbiguousJSON`).

    Bytes must be UTF-8 (or UTF-16/32 with the marks JSON allows). One decoder is built
    once and reused: ``json.loads`` with any option builds a new one per call.
    """
    scanned: str | bytes | bytearray = text  # UTF-8 bytes are searched as they are (faster)
    if not isinstance(text, str):  # a body that opens with "{" is UTF-8: JSON says so
        utf8 = text[:1] == b"{"
        text = text.decode("utf-8" if utf8 else json.detect_encoding(text))
        scanned = scanned if utf8 else text
    elif not text.isascii() and _SURROGATE.search(text) is not None:
        raise AmbiguousJSON("the text holds a lone surrogate (\\ud800-\\udfff), which no "
                            "UTF-8 body can carry")
    decoder = _RANGED if _may_hold_long_digits(scanned) else _DECODER
    value = decoder.decode(text)
    if "\\" in text and "\\u" in text and _SURROGATE_ESCAPE.search(text) is not None:
        _refuse_lone_surrogates(value)
    return value


def _refuse_lone_surrogates(value: Any) -> None:
    """Escaped pairs decode to one character; what is left alone fails UTF-8 encoding."""
    try:
        json.dumps(value, ensure_ascii=False).encode("utf-8")
    except UnicodeEncodeError as exc:
        raise AmbiguousJSON("a string holds a lone surrogate escape (\\ud800-\\udfff), "
                            "which parsers read differently") from exc
