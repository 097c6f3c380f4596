"""Text normalization for content matching, with a map back to the original.

Evasions change how text *looks to a regex* without changing how it reads to
a model: fullwidth or mathematical letters, Cyrillic look-alikes, zero-width
characters inside a word, accents, upper case. Every detector therefore runs
on a normalized view. Redaction must still replace what the caller actually
sent, so each normalized character remembers the original span it came from
and :meth:`Normalized.span` maps a match back.

Two views exist because detectors need different things: secrets and user
patterns keep case (``AKIA...`` keys, a pattern without the ``i`` flag),
keywords and injection heuristics fold case and collapse letter-spacing.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from functools import cache, lru_cache
from importlib import resources
from typing import Any


@dataclass(frozen=True, slots=True)
class Normalized:
    """A normalized view of ``original``; ``starts``/``ends`` are ``None`` for identity."""

    text: str
    original: str
    starts: list[int] | None = None
    ends: list[int] | None = None

    def span(self, start: int, end: int) -> tuple[int, int]:
        """The original span that ``text[start:end]`` came from (whole source characters)."""
        if self.starts is None or self.ends is None:
            return start, end
        if start >= end:
            at = self.starts[start] if start < len(self.starts) else len(self.original)
            return at, at
        return self.starts[start], self.ends[end - 1]

    def start_of(self, index: int) -> int:
        return index if self.starts is None else self.starts[index]

    def end_of(self, index: int) -> int:
        return index + 1 if self.ends is None else self.ends[index]


def normalize(text: str, fold_case: bool = True) -> Normalized:
    """NFKC, invisible characters removed, confusables and accents folded, maybe case folded.

    ASCII text (most traffic) takes a fast path whose offsets are the identity. Other text
    is folded once per distinct non-ASCII character (see :func:`_translated`); only
    characters that do not become exactly one character (dropped, or expanded like ``ß``)
    are visited one by one to build the offset map, so accented prose costs little more
    than ASCII.
    """
    if text.isascii():
        return Normalized(text.lower() if fold_case else text, text)
    table = {char: fold_char(char, fold_case) for char in non_ascii(text)}
    folded = _translated(text, table, fold_case)
    uneven = [char for char, out in table.items() if len(out) != 1]
    if not uneven:
        return Normalized(folded, text)
    starts: list[int] = []
    ends: list[int] = []
    position = 0
    for index in sorted(i for char in uneven for i in _positions(text, char)):
        starts.extend(range(position, index))
        ends.extend(range(position + 1, index + 1))
        out = table[text[index]]
        if out:
            starts.extend([index] * len(out))
            ends.extend([index + 1] * len(out))
        elif ends and unicodedata.combining(text[index]):
            ends[-1] = index + 1  # a dropped accent belongs to the letter before it
        position = index + 1
    starts.extend(range(position, len(text)))
    ends.extend(range(position + 1, len(text) + 1))
    return Normalized(folded, text, starts, ends)


_ASCII = bytes(range(128))
_MAX_REPLACED = 24
"""Above this many distinct characters to replace, one ``str.translate`` is cheaper."""


def non_ascii(text: str) -> set[str]:
    """The distinct non-ASCII characters of ``text``: ASCII bytes deleted in C, the rest
    decoded, so a set is built over a few characters instead of the whole text."""
    rest = text.encode("utf-8", "surrogatepass").translate(None, _ASCII)
    return set(rest.decode("utf-8", "surrogatepass"))


def _translated(text: str, table: dict[str, str], fold_case: bool) -> str:
    """``text`` with ASCII letters lower-cased (when folding case) and each non-ASCII
    character replaced by ``table[char]``.

    ``str.translate`` looks up every character of a text that is not all ASCII (~25 ns
    each); lowering the ASCII bytes and replacing the few distinct characters that change
    is several times cheaper. Replacements run one after the other, so that shortcut is
    taken only when no replacement holds a character another one would change again.
    """
    changed = {char: out for char, out in table.items() if out != char}
    produced = {c for out in changed.values() for c in out}
    if len(changed) > _MAX_REPLACED or not produced.isdisjoint(changed):
        if fold_case:
            table = {**{chr(c): chr(c).lower() for c in range(65, 91)}, **table}
        return text.translate({ord(char): out for char, out in table.items()})
    data = text.encode("utf-8", "surrogatepass")
    out = (data.lower() if fold_case else data).decode("utf-8", "surrogatepass")
    for char, folded in changed.items():
        out = out.replace(char, folded)
    return out


def _positions(text: str, char: str) -> list[int]:
    found = []
    index = text.find(char)
    while index >= 0:
        found.append(index)
        index = text.find(char, index + 1)
    return found


TAG_FIRST, TAG_LAST = 0xE0020, 0xE007E
"""Unicode tag characters mirroring printable ASCII: invisible on screen, yet a model reads
them as the ASCII they mirror, so they are text smuggled past the eye, not formatting."""


@lru_cache(maxsize=8192)
def fold_char(char: str, fold_case: bool) -> str:
    """What one character becomes in a normalized view ('' when it is dropped)."""
    if TAG_FIRST <= ord(char) <= TAG_LAST:
        char = chr(ord(char) - 0xE0000)
    elif unicodedata.category(char) == "Cf":  # zero-width, bidi controls, cancel tag, soft hyphen
        return ""
    text = unicodedata.normalize("NFKC", char)
    if fold_case:
        text = text.casefold()
    return "".join(_fold_letter(c) for c in text)


def _fold_letter(char: str) -> str:
    """Accents off, then look-alikes folded: ``ή`` becomes ``η`` becomes ``n``.

    Accents go first so an accented letter of another script folds like its plain form
    (rules are written without accents). A character that decomposes into several letters
    (a Hangul syllable) is kept whole.
    """
    if char.isascii():
        return char
    char = confusables().get(char, char)
    if unicodedata.category(char) in ("Cf", "Mn", "Me"):
        return ""
    base = "".join(c for c in unicodedata.normalize("NFKD", char) if not unicodedata.combining(c))
    if len(base) == 1:
        return confusables().get(base, base)
    return base if base and base.isascii() else char


@cache
def confusables() -> dict[str, str]:
    """The look-alike table, read once from ``guard/data/confusables.txt``."""
    table: dict[str, str] = {}
    source = resources.files("guard").joinpath("data/confusables.txt").read_text("utf-8")
    for line in source.splitlines():
        fields = line.split("#", 1)[0].split()
        if len(fields) == 2:
            table[chr(int(fields[0], 16))] = fields[1]
    return table


_SPACED = r"(?:^|[^a-z0-9])((?:[a-z0-9][ .\-_*]){2,}[a-z0-9])(?:$|[^a-z0-9])"

SPACED_ANY_CASE = _SPACED.replace("a-z0-9", "A-Za-z0-9")
"""The runs :func:`collapse_spacing` joins, in either case. On ASCII text the folded view is
the text lower-cased, so this matches the text wherever ``_SPACED`` matches the folded view:
a set pass the scanner runs anyway tells it when there is nothing to collapse."""


@cache
def _spaced_regex() -> Any:
    import re2  # lazy: importing guard must not load RE2

    return re2.compile(_SPACED)


def collapse_spacing(norm: Normalized) -> Normalized:
    """Join letter-spaced runs (``i g n o r e``, ``i.g.n.o.r.e``) into words.

    Only runs of at least three single letters or digits are joined, so
    ordinary text ("a b" in a list) is left alone.
    """
    runs = [m.span(1) for m in _spaced_regex().finditer(norm.text)]
    if not runs:
        return norm
    keep: list[int] = []
    position = 0
    for start, end in runs:
        keep.extend(range(position, start))
        keep.extend(i for i in range(start, end) if norm.text[i].isalnum())
        position = end
    keep.extend(range(position, len(norm.text)))
    text = "".join(norm.text[i] for i in keep)
    return Normalized(text, norm.original, [norm.start_of(i) for i in keep],
                      [norm.end_of(i) for i in keep])
