"""Text hidden in invisible characters: read it back, so it is scanned like any other text.

A model reads characters the screen does not show. Three encodings carry a whole
sentence past the eye: Unicode tag characters (U+E0020-E007E mirror printable ASCII),
variation selectors (VS1-VS256 stand for the 256 byte values, one selector per byte,
usually after an emoji) and zero-width characters (two of them as the bits 0 and 1).
Legitimate text uses these one or a few at a time (a flag's five or six tags, one
VS16 after an emoji, a joiner inside an emoji or between Indic letters), never as a
long run, so a run that decodes to readable text is itself evidence of smuggling.
ASCII text (most traffic), and text without any of these characters (found among its
distinct non-ASCII characters, in C), is skipped before any search.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from typing import Any

from guard.content.normalize import non_ascii

MIN_TAGS = 8
"""Subdivision flags (England, Scotland, Wales) carry five or six tags and a cancel tag."""
MIN_SELECTORS = 4
"""An emoji takes one variation selector; a run of four or more carries bytes."""
MIN_ZERO_WIDTH = 16
"""Two bytes at one bit per character: shorter runs join emoji or Indic letters."""
MAX_READ = 16_384
"""A longer run is read by its first characters only: enough to tell text from noise, with
bounded work (a tag payload is also read whole, inline, in the normalized views)."""
MAX_RUNS = 8
"""A text with more hidden runs than this is scanned for the first few (bounded work)."""

_TAG = "\U000e0000-\U000e007f"
_SELECTOR = "\ufe00-\ufe0f\U000e0100-\U000e01ef"
_ZERO_WIDTH = "\u200b\u200c\u200d\u2060\ufeff"
_RUNS = (f"(?P<tags>[{_TAG}]{{{MIN_TAGS},}})|(?P<selectors>[{_SELECTOR}]{{{MIN_SELECTORS},}})"
         f"|(?P<zero_width>[{_ZERO_WIDTH}]{{{MIN_ZERO_WIDTH},}})")
_READABLE = 0.9


@dataclass(frozen=True, slots=True)
class Hidden:
    """``text[start:end]`` is invisible and reads as ``plain``; ``encoding`` names how."""

    start: int
    end: int
    plain: str
    encoding: str


def hidden_runs(text: str) -> list[Hidden]:
    """The invisible runs of ``text`` that decode to readable text, in text order."""
    if text.isascii() or not any(map(_invisible, non_ascii(text))):
        return []
    found = []
    for match in _runs_regex().finditer(text):
        encoding = match.lastgroup or ""
        plain = _DECODE[encoding](match.group()[:MAX_READ])
        if plain is not None and _readable(plain):
            found.append(Hidden(match.start(), match.end(), plain, encoding))
            if len(found) >= MAX_RUNS:
                break
    return found


def decode_tags(run: str) -> str:
    """Tag characters as the ASCII they mirror (the language tag and cancel tag dropped)."""
    return "".join(chr(ord(c) - 0xE0000) for c in run if 0xE0020 <= ord(c) <= 0xE007E)


def decode_selectors(run: str) -> str | None:
    """Variation selectors as the bytes they stand for, read as UTF-8."""
    data = bytes(ord(c) - 0xFE00 if ord(c) <= 0xFE0F else ord(c) - 0xE0100 + 16 for c in run)
    try:
        return data.decode("utf-8")
    except ValueError:
        return None


def decode_zero_width(run: str) -> str | None:
    """A run of exactly two zero-width characters as bits, the first-seen one taken as 0 or 1
    (whichever gives readable text), eight to a byte."""
    symbols = list(dict.fromkeys(run))
    run = run[:len(run) - len(run) % 8]  # a cut run: whole bytes only
    if len(symbols) != 2 or not run:
        return None
    for zero, one in (symbols, symbols[::-1]):
        bits = run.replace(zero, "0").replace(one, "1")
        data = bytes(int(bits[i:i + 8], 2) for i in range(0, len(bits), 8))
        try:
            text = data.decode("utf-8")
        except ValueError:
            continue
        if _readable(text):
            return text
    return None


@cache
def _runs_regex() -> Any:
    """RE2: ten times faster than ``re`` here (one DFA pass for the three kinds of run)."""
    import re2  # lazy: importing guard must not load RE2

    return re2.compile(_RUNS)


def _invisible(char: str) -> bool:
    code = ord(char)
    return (0xE0000 <= code <= 0xE01EF or 0xFE00 <= code <= 0xFE0F or 0x200B <= code <= 0x200D
            or code in (0x2060, 0xFEFF))


_DECODE = {"tags": decode_tags, "selectors": decode_selectors, "zero_width": decode_zero_width}


def _readable(text: str) -> bool:
    """Mostly printable, with letters: words, not noise."""
    if len(text) < 4 or sum(c.isalpha() for c in text) < 3:
        return False
    return sum(c.isprintable() or c in "\n\t" for c in text) >= _READABLE * len(text)
