"""The secrets scanner the redaction tests share, and a text as ``action: redact`` leaves it."""

from __future__ import annotations

from guard.checks.content import merged_spans
from guard.content.scanner import Detectors, Scanner

SECRETS = Scanner(Detectors(secrets=True))


def redact(text: str) -> str:
    """``text`` with every span the secrets detectors found replaced by ``***``."""
    out = text
    for start, end in reversed(merged_spans([(h.start, h.end) for h in SECRETS.scan(text).hits])):
        out = out[:start] + "***" + out[end:]
    return out
