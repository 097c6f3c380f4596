"""What a whole answer is, read by its content rather than by what its content type claims.

An upstream may send JSON as ``text/plain`` or ``application/octet-stream``; guard reads it
as JSON all the same. JSON parsers read some JSON differently (a key given twice, a lone
surrogate, a number out of range: :mod:`guard.envelope.strict`); guard then reads it the
common way (the last of a repeated key; U+FFFD for a lone surrogate; an integer beyond 64
bits as a double, as JavaScript reads it, and one beyond a double's range as the largest
double) and the caller gets the answer written out as guard read it, never the original
bytes a different parser could read otherwise. What is not JSON but UTF-8 is text; anything
else is bytes guard cannot read.
"""

from __future__ import annotations

import json
import math
import sys
from dataclasses import dataclass
from typing import Any, Literal

from guard.envelope.strict import INT_RANGE, AmbiguousJSON, loads_strict


@dataclass(frozen=True)
class Reading:
    """An answer as guard reads it: JSON (a value), text (a str) or bytes (unreadable)."""

    kind: Literal["json", "text", "bytes"]
    value: Any
    rewritten: bool = False  # the caller must get ``value`` written out, not the raw bytes


def read_answer(raw: bytes) -> Reading:
    """The reading of a whole answer (its content coding already undone)."""
    try:
        return Reading("json", loads_strict(raw))
    except AmbiguousJSON:
        return Reading("json", _common_reading(raw), rewritten=True)
    except (ValueError, RecursionError):
        pass
    try:
        return Reading("text", raw.decode("utf-8"))
    except UnicodeDecodeError:
        return Reading("bytes", None)


def loads_finite(raw: str | bytes) -> Any:
    """JSON as the answer's reader reads it: numbers out of range are finite doubles
    (``Infinity`` is not JSON, so an answer written out again must not hold one, and usage
    counts must stay finite); ``NaN`` and ``Infinity`` are no JSON (ValueError)."""
    return json.loads(raw, parse_int=_integer, parse_float=_finite, parse_constant=_no_json)


def _no_json(text: str) -> Any:
    raise ValueError(f"{text} is not JSON")


def _common_reading(raw: bytes) -> Any:
    """Last of a repeated key wins (as Python's and JavaScript's parsers read it); a lone
    surrogate becomes U+FFFD, which every reader reads alike; numbers as
    :func:`loads_finite` reads them."""
    value = loads_finite(raw)
    text = json.dumps(value, ensure_ascii=False).encode("utf-8", "surrogatepass")
    return json.loads(text.decode("utf-8", "replace"))


def _integer(text: str) -> int | float:
    if len(text) <= 20 and INT_RANGE[0] <= (number := int(text)) <= INT_RANGE[1]:
        return number
    return _finite(text)


def _finite(text: str) -> float:
    number = float(text)
    return number if math.isfinite(number) else math.copysign(sys.float_info.max, number)


TOKEN_ECHOES = frozenset({"logprobs", "top_logprobs", "logprobsResult", "logprobs_result"})
"""Fields that repeat an answer's text token by token (with probabilities): no check can
redact a value spread over tokens, and no pseudonym can be put back in them."""


def drop_token_echoes(value: Any) -> bool:
    """Remove :data:`TOKEN_ECHOES` wherever they are in ``value`` (while text is read, the
    caller gets the text, checked, and not its tokens); whether anything was removed."""
    found = False
    if isinstance(value, dict):
        for key in [k for k in value if k in TOKEN_ECHOES]:
            del value[key]
            found = True
        items: Any = value.values()
    elif isinstance(value, list):
        items = value
    else:
        return False
    for item in items:
        if isinstance(item, dict | list) and drop_token_echoes(item):
            found = True
    return found
