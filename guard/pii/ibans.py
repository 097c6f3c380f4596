"""IBANs in any letter case and spacing.

Presidio's IBAN recognizer matches upper-case letters only, with single spaces or hyphens
between groups, so ``gb42nawi04454264788619`` or ``de89 3704 0044 0532 0130 00`` typed
in lower case, or ``DE04  7778  5457 ...`` spaced wider, is missed. The standard (ISO
13616) prints IBANs in capitals in groups of four, but its check digits are defined over
letters whatever their case, and people type them as they like. Beside Presidio's run,
guard reads each start of an IBAN (two letters, two check digits, at a word's start) and
the letters of the same case, digits and separators after it (a hyphen, or a run of up
to :data:`MAX_SPACES` spaces); every end where a word ends is offered, upper-cased, to
the recognizer's own validation (the country's format and length, the mod-97 check
digits), and the valid one is the IBAN. An IBAN is written in one case: ``LV80 bANK ...``
is not one, nor is a lower-case IBAN run on into a word (``at18 0000 0000 0000 0000
send`` still holds one).
"""

from __future__ import annotations

import re
from typing import Any

_START = re.compile(r"(?<![^\W_])[A-Za-z]{2}\d{2}")
MAX_LENGTH = 34
MIN_LENGTH = 15
MAX_SPACES = 3
"""Spaces between two groups at most: wider, they are columns of a table, not one value."""


class AnyCase:
    """Presidio's IBAN recognizer, and the same validation of IBANs in lower case or spaced
    wider (Presidio's own finding and guard's of the same IBAN are one after overlaps are
    resolved)."""

    def __init__(self, recognizer: Any) -> None:
        self.recognizer = recognizer
        self.context = getattr(recognizer, "context", None)

    def analyze(self, text: str, entities: list[str], nlp_artifacts: Any) -> list[Any]:
        found: list[Any] = self.recognizer.analyze(text, entities, nlp_artifacts)
        taken = [(r.start, r.end) for r in found]
        for match in _START.finditer(text):
            if any(start <= match.start() < end for start, end in taken):
                continue  # Presidio's own finding
            end = self._valid_end(text, match.start())
            if end is not None:
                found.append(self._result(match.start(), end))
        return found

    def _valid_end(self, text: str, start: int) -> int | None:
        """The end of a valid IBAN starting at ``start``, if any: its letters in the case
        of its country code."""
        part = _upper if text[start].isupper() else _lower
        count, at = 0, start
        while at < len(text) and count < MAX_LENGTH:
            gap = _gap(text, at)
            if gap and count and at + gap < len(text) and part(text[at + gap]):
                at += gap
                continue
            if not part(text[at]):
                break
            count, at = count + 1, at + 1
            if count >= MIN_LENGTH and _ends(text, at) and self.recognizer.validate_result(
                    text[start:at].upper()) is True:
                return at
        return None

    def _result(self, start: int, end: int) -> Any:
        from presidio_analyzer import RecognizerResult

        return RecognizerResult(self.recognizer.supported_entities[0], start, end, 1.0)


def _lower(char: str) -> bool:
    """A character of a lower-case IBAN: an ASCII digit or lower-case letter."""
    return char.isascii() and (char.isdigit() or char.islower())


def _upper(char: str) -> bool:
    """A character of an upper-case IBAN: an ASCII digit or capital letter."""
    return char.isascii() and (char.isdigit() or char.isupper())


def _gap(text: str, at: int) -> int:
    """How many characters of a separator start at ``at``: one hyphen, or a run of up to
    :data:`MAX_SPACES` spaces (0: none)."""
    if text[at] == "-":
        return 1
    end = at
    while end < len(text) and end - at <= MAX_SPACES and text[end] == " ":
        end += 1
    return end - at if end - at <= MAX_SPACES else 0


def _ends(text: str, at: int) -> bool:
    """Whether a word ends at ``at`` (the end, or no letter or digit next)."""
    return at == len(text) or not text[at].isalnum()
