"""What a detected value becomes: the text each PII action writes in its place.

Detection returns spans; these operators only decide replacement text, and the
envelope's edits put it exactly where the value was (Presidio's own split
between analyzer and anonymizer). ``mask`` is Presidio's Mask operator.
``hash`` is an HMAC-SHA256 under a deployment key rather than Presidio's
salt-suffixed SHA-256: the standard keyed construction, stable across requests
and instances that share the key, and not reversible by hashing a dictionary of
likely values without it.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from typing import Any, Literal

from guard.pii.pseudonyms import Pseudonyms

Action = Literal["redact", "mask", "hash", "replace", "pseudonymize", "block", "flag"]
EDITING: frozenset[str] = frozenset({"redact", "mask", "hash", "replace", "pseudonymize"})
HASH_HEX = 16


@dataclass(frozen=True)
class OperatorConfig:
    """The static options of a policy's operators."""

    replacement: str = "<{entity}>"
    mask_char: str = "*"
    mask_keep: int = 4


@dataclass
class Operators:
    """Turns (action, entity, value) into replacement text for one request and stage."""

    config: OperatorConfig
    pseudonyms: Pseudonyms
    hash_key: Callable[[], bytes]
    restorable: bool = True  # False in the output stage: hide, never give back

    def replace(self, action: str, entity: str, value: str) -> str:
        if action in ("redact", "replace"):
            return self.config.replacement.replace("{entity}", entity)
        if action == "mask":
            return mask(value, self.config.mask_char, self.config.mask_keep)
        if action == "hash":
            digest = hmac.new(self.hash_key(), value.encode(), hashlib.sha256).hexdigest()
            return f"<{entity}:{digest[:HASH_HEX]}>"
        if action == "pseudonymize":
            return self.pseudonyms.token(entity, value, self.restorable)
        raise ValueError(f"action {action!r} does not edit text")


def mask(value: str, char: str, keep: int) -> str:
    """``value`` with all but its last ``keep`` characters replaced by ``char``."""
    count = max(0, len(value) - keep)
    if count == 0:
        return char * len(value)  # too short to show any of it
    params = {"masking_char": char, "chars_to_mask": count, "from_end": False}
    result: str = _mask_operator().operate(value, params)
    return result


@cache
def _mask_operator() -> Any:
    from presidio_anonymizer.operators import Mask

    return Mask()
