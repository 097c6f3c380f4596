"""What a record's own structure calls a number: its key, its form field, its CSV column.

A word in prose that labels a number (``numéro de commande 06 12 34 56 78``) gives way to
the number's writing: grouped as a phone number, it is one (:mod:`guard.pii.numbering`).
A record's structure is firmer evidence than prose. The key of a JSON member, code
assignment or query parameter, the label of a form field on its own line (``Code produit :
0983-728861``) and the header of a CSV column (``sku,ean,price`` over ``805-676-7004,...``)
say what every value under them is, and a part number under ``sku`` is a part number
however it is grouped. So a number whose field is named by a numbering word (``sku``,
``isbn``, ``order_id``, ``Referencia``, ``routing``) is that thing whatever its writing,
unless the name also names a telephone (``Billing phone``, ``contact_number``).

Only the current line and at most :data:`MAX_ROWS` lines above it are read, so each
number costs a bounded amount whatever the size of the text (cost stays linear).
"""

from __future__ import annotations

import re

from guard.pii.numbering import is_numbering_word, key_name, names_telephone

MAX_ROWS = 64
"""How far above a CSV row its header is looked for."""
DELIMITERS = ",;\t|"
_LABEL = re.compile(r"[ \t]*(?P<label>[^\W\d_][\w .'\u2019()/-]{0,40}?)[ \t]*:[ \t]*\Z")
"""A form field's label alone on its line before the value: ``Code produit :``."""
_FIELD = re.compile(r"[ \t]*[^\W\d_][\w .'\u2019()/-]{0,40}?[ \t]*:[ \t]*\S")
"""A line of a form: a label, a colon and a value."""
_NAME = re.compile(r"[ \t]*[\"']?[A-Za-z_][\w .\-]{0,40}[\"']?[ \t]*\Z")
"""A CSV header field: a name, no digits first, no value."""
_PARTS = re.compile(r"[A-Z]?[a-z]+|[A-Z]+(?![a-z])")


def field_name(text: str, start: int) -> str | None:
    """The name of the field whose value starts at ``start``: the key before it, the
    label of its form field, or the header of its CSV column; ``None`` when it has none."""
    line = text.rfind("\n", 0, start) + 1
    key = key_name(text, start)
    if key is not None:
        return key
    label = _LABEL.match(text, line, start)
    if label is not None:
        return label.group("label") if _in_form(text, line) else None
    return _column(text, line, start)


def _in_form(text: str, line: int) -> bool:
    """Whether the line at ``line`` has a field line right above or below it: a form holds
    several fields (``Account: 415-555-0123`` alone is a sentence, whose words and the
    number's writing decide)."""
    starts = [text.rfind("\n", 0, line - 1) + 1] if line else []
    below = text.find("\n", line)
    if below >= 0:
        starts.append(below + 1)
    return any(_FIELD.match(text, at) is not None for at in starts)


def names_a_number(text: str, start: int) -> bool:
    """Whether the field of the number at ``start`` is named by a numbering word and by no
    telephone word: a part, order, reference or bank number, not a phone number."""
    name = field_name(text, start)
    if name is None:
        return False
    parts = [p.lower() for p in _PARTS.findall(name)]
    if any(names_telephone(p) for p in parts):
        return False
    return any(is_numbering_word(p) for p in parts)


def _column(text: str, line: int, start: int) -> str | None:
    """The header of the CSV column the value at ``start`` sits in: the first line of the
    run of delimited lines it belongs to, when every field of that line is a name."""
    end = text.find("\n", start)
    whole = text[line:end if end >= 0 else len(text)]
    delimiter = next((d for d in DELIMITERS if d in whole), None)
    if delimiter is None:
        return None
    index = text[line:start].count(delimiter)
    header = line
    for _ in range(MAX_ROWS):
        if header == 0:
            break
        above = text.rfind("\n", 0, header - 1) + 1
        if delimiter not in text[above:header - 1]:
            break
        header = above
    else:
        return None
    if header == line:
        return None
    end = text.find("\n", header)
    names = text[header:end].split(delimiter)
    if index >= len(names) or not all(_NAME.match(n) for n in names):
        return None
    return names[index].strip(" \t\"'")
