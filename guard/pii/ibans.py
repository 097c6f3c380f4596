"""IBANs in any letter case.

Presidio's IBAN recognizer matches upper-case letters only, so ``gb42nawi04454264788619``
or ``de89 3704 0044 0532 0130 00`` typed in lower case is missed. The standard (ISO
13616) prints IBANs in capitals, but its check digits are defined over letters whatever
their case, and people type them as they like. Beside Presidio's run, guard reads each
lower-case start of an IBAN (two letters, two check digits, at a word's start) and the
lower-case letters, digits and single spaces or hyphens after it; every end where a
word ends is offered, upper-cased, to the recognizer's own validation (the country's
format and length, the mod-97 check digits), and the valid one is the IBAN. An IBAN is
written in one case: ``LV80 bANK ...`` is not one, nor is a lower-case IBAN run on into
a word (``at18 0000 0000 0000 0000 send`` still holds one).
"""

from __future__ import annotations

import re
from typing import Any

_START = re.compile(r"(?<![^\W_])[a-z]{2}\d{2}")
MAX_LENGTH = 34
MIN_LENGTH = 15
SEPARATORS = " -"


class AnyCase:
    """Presidio's IBAN recognizer, and the same validation of lower-case IBANs."""

    def __init__(self, recognizer: Any) -> None:
        self.recognizer = recognizer
        self.context = getattr(recognizer, "context", None)

    def analyze(self, text: str, entities: list[str], nlp_artifacts: Any) -> list[Any]:
        found: list[Any] = self.recognizer.analyze(text, entities, nlp_artifacts)
        for match in _START.finditer(text):
            end = self._valid_end(text, match.start())
            if end is not None:
                found.append(self._result(match.start(), end))
        return found

    def _valid_end(self, text: str, start: int) -> int | None:
        """The end of a valid lower-case IBAN starting at ``start``, if any."""
        count, at = 0, start
        while at < len(text) and count < MAX_LENGTH:
            char = text[at]
            if char in SEPARATORS and count and at + 1 < len(text) and _part(text[at + 1]):
                at += 1
                continue
            if not _part(char):
                break
            count, at = count + 1, at + 1
            if count >= MIN_LENGTH and _ends(text, at) and self.recognizer.validate_result(
                    text[start:at].upper()) is True:
                return at
        return None

    def _result(self, start: int, end: int) -> Any:
        from presidio_analyzer import RecognizerResult

        return RecognizerResult(self.recognizer.supported_entities[0], start, end, 1.0)


def _part(char: str) -> bool:
    """A character of a lower-case IBAN: an ASCII digit or lower-case letter."""
    return char.isascii() and (char.isdigit() or char.islower())


def _ends(text: str, at: int) -> bool:
    """Whether a word ends at ``at`` (the end, or no letter or digit next)."""
    return at == len(text) or not text[at].isalnum()
