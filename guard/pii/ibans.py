"""IBANs in any letter case.

Presidio's IBAN recognizer matches upper-case letters only, so ``gb42nawi04454264788619``
or ``de89 3704 0044 0532 0130 00`` typed in lower case is missed. The standard (ISO
13616) prints IBANs in capitals but its check digits are defined over letters whatever
their case, and people type them as they like. guard gives the recognizer the text
once more with its ASCII letters in capitals (same length, same offsets), and keeps
what it finds there only when written in one case: all lower case (``de89 3704 ...``).
A match whose letters mix cases (``LV80 bANK ...``, an IBAN run on into a word:
``CY17 ... 7601 failed``) is not an IBAN typed in another case. The country's format
and the mod-97 check still decide.
"""

from __future__ import annotations

import string
from typing import Any

_UPPER = str.maketrans(string.ascii_lowercase, string.ascii_uppercase)


class AnyCase:
    """A Presidio recognizer that reads the text with its ASCII letters upper-cased."""

    def __init__(self, recognizer: Any) -> None:
        self.recognizer = recognizer
        self.context = getattr(recognizer, "context", None)

    def analyze(self, text: str, entities: list[str], nlp_artifacts: Any) -> list[Any]:
        found: list[Any] = self.recognizer.analyze(text, entities, nlp_artifacts)
        upper = text.translate(_UPPER)
        if upper == text:
            return found
        spans = {(r.start, r.end) for r in found}
        return found + [r for r in self.recognizer.analyze(upper, entities, nlp_artifacts)
                        if (r.start, r.end) not in spans and _lower(text[r.start:r.end])]


def _lower(value: str) -> bool:
    """Whether every letter of ``value`` is lower case (and it has one)."""
    return value.islower()
