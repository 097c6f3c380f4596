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

Cost stays linear in the text: the phone scan finds every CSV header in one pass
(:class:`Columns`); a single question (a card's or an SSN's) reads the value's line and at
most :data:`MAX_ROWS` lines above it.
"""

from __future__ import annotations

import re
from bisect import bisect_right

from guard.pii.numbering import is_numbering_word, key_name, names_telephone, numbered
from guard.pii.recognizers import Span

MAX_ROWS = 64
"""How far above a CSV row its header is looked for."""
DELIMITERS = ",;\t|"
MIN_COLUMNS = 3
"""A header names three columns or more: a line of prose with one comma is no header."""
_LABEL = re.compile(r"[ \t]*(?P<label>[^\W\d_][\w .'\u2019()/-]{0,40}?)[ \t]*:[ \t]*\Z")
"""A form field's label alone on its line before the value: ``Code produit :``."""
_FIELD = re.compile(r"[ \t]*[^\W\d_][\w .'\u2019()/-]{0,40}?[ \t]*:[ \t]*\S")
"""A line of a form: a label, a colon and a value."""
_NAME = re.compile(r"[ \t]*[\"']?[A-Za-z_][\w .\-]{0,40}[\"']?[ \t]*")
"""A CSV header field: a name, no digits first, no value."""
_PARTS = re.compile(r"[A-Z]?[a-z]+|[A-Z]+(?![a-z])")


def field_name(text: str, start: int, columns: Columns | None = None) -> str | None:
    """The name of the field whose value starts at ``start``: the key before it, the
    label of its form field, or the header of its CSV column; ``None`` when it has none.

    Cheap where there is none (prose): a key or label is tried only after ``:`` or ``=``,
    a column only below a first line and on a line holding a delimiter."""
    line = text.rfind("\n", 0, start) + 1
    at = start
    while at > max(line, start - 4) and text[at - 1] in " \t\"'":
        at -= 1
    if at > line and text[at - 1] in ":=":
        key = key_name(text, start)
        if key is not None:
            return key
        label = _LABEL.match(text, line, start)
        if label is not None:
            return label.group("label") if _in_form(text, line) else None
    if not line:
        return None
    return columns.name(text, start) if columns is not None else _column(text, line, start)


def _in_form(text: str, line: int) -> bool:
    """Whether the line at ``line`` has a field line right above or below it: a form holds
    several fields (``Account: 415-555-0123`` alone is a sentence, whose words and the
    number's writing decide)."""
    starts = [text.rfind("\n", 0, line - 1) + 1] if line else []
    below = text.find("\n", line)
    if below >= 0:
        starts.append(below + 1)
    return any(_FIELD.match(text, at) is not None for at in starts)


class Columns:
    """Every CSV row's header in a text, found in one pass over its lines: a scan of a long
    CSV then asks each row's header by bisection, without walking up (and past
    :data:`MAX_ROWS`)."""

    def __init__(self, text: str) -> None:
        self.rows: list[int] = []  # the line starts of rows under a header
        self.headers: list[tuple[list[str], str]] = []  # their header's names and delimiter
        header: tuple[list[str], str] | None = None
        at, size = 0, len(text)
        while at <= size:
            end = text.find("\n", at)
            end = size if end < 0 else end
            if header is not None and text.find(header[1], at, end) >= 0:
                self.rows.append(at)
                self.headers.append(header)
            else:
                header = _header(text, at, end)
            at = end + 1

    def name(self, text: str, start: int) -> str | None:
        """The header of the column the value at ``start`` sits in, if its row has one."""
        line = text.rfind("\n", 0, start) + 1
        row = bisect_right(self.rows, line) - 1
        if row < 0 or self.rows[row] != line:
            return None
        names, delimiter = self.headers[row]
        index = text.count(delimiter, line, start)
        return names[index].strip(" \t\"'") if index < len(names) else None


def _header(text: str, start: int, end: int) -> tuple[list[str], str] | None:
    """The names of the line ``text[start:end]`` and its delimiter, if it is a header: three
    or more fields, each a name."""
    delimiter = next((d for d in DELIMITERS if text.find(d, start, end) >= 0), None)
    if delimiter is None:
        return None
    names = text[start:end].split(delimiter)
    if len(names) < MIN_COLUMNS or not all(_NAME.fullmatch(n) for n in names):
        return None
    return names, delimiter


def names_a_number(text: str, start: int, columns: Columns | None = None) -> bool:
    """Whether the field of the number at ``start`` is named by a numbering word and by no
    telephone word: a part, order, reference or bank number, not a phone number
    (``columns``: the text's CSV headers, when the caller found them once for many
    numbers)."""
    name = field_name(text, start, columns)
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
    end = end if end >= 0 else len(text)
    delimiter = next((d for d in DELIMITERS if text.find(d, line, end) >= 0), None)
    if delimiter is None:
        return None
    index = text[line:start].count(delimiter)
    header = line
    for _ in range(MAX_ROWS):
        if header == 0:
            break
        above = text.rfind("\n", 0, header - 1) + 1
        if text.find(delimiter, above, header - 1) < 0:
            break
        header = above
    else:
        return None
    if header == line:
        return None
    found = _header(text, header, text.find("\n", header))
    if found is None or found[1] != delimiter or index >= len(found[0]):
        return None
    return found[0][index].strip(" \t\"'")


def labelled_spans(text: str, candidates: list[Span], columns: Columns) -> list[Span]:
    """Runs of bare digits a numbering word labels (``Order #4155550123``), and numbers
    their record's field names (``sku,...`` over ``805-676-7004,...``:
    :func:`names_a_number`): no region may call them phone numbers, so,
    like dates, they are blanked rather than parsed and refused in every region in turn."""
    labelled = [(s, e) for s, e in candidates if text[s:e].isdigit() and numbered(text, s)]
    return labelled + [piece for s, e in candidates for piece in _fields_of(text, s, e)
                       if names_a_number(text, piece[0], columns)]


_FIELD_PIECE = re.compile(r"[^,;\t|]+")


def _fields_of(text: str, start: int, end: int) -> list[Span]:
    """The parts of a candidate between delimiters (``805-676-7004,12.99``: a candidate may
    run on into the next field), each with its own field name."""
    if not any(text.find(d, start, end) >= 0 for d in DELIMITERS):
        return [(start, end)]
    return [m.span() for m in _FIELD_PIECE.finditer(text, start, end)]
