"""Decode-then-rescan: text hidden in base64 is scanned like any other text.

A secret or an instruction can be smuggled past a filter by encoding it; a
model decodes base64 happily. Long base64-alphabet runs are decoded, and when
the result is readable text (not an image or other binary) it is scanned once
more. Runs are bounded so a large attachment costs a bounded amount of work.
"""

from __future__ import annotations

import base64
import binascii

ENCODED_RUN = r"(?:^|[^A-Za-z0-9+/_\-])(?P<secret>[A-Za-z0-9+/_\-]{24,}={0,2})"
"""A run of base64 (standard or URL-safe) characters long enough to hide a phrase."""

MAX_RUN = 65_536
"""Longer runs are attachments (images, archives), not smuggled text: not decoded."""

_PRINTABLE_SHARE = 0.95


def decode_run(run: str) -> str | None:
    """The text ``run`` encodes, or ``None`` when it is not base64 of readable text."""
    if len(run) > MAX_RUN:
        return None
    body = run.rstrip("=").replace("-", "+").replace("_", "/")
    try:
        raw = base64.b64decode(body + "=" * (-len(body) % 4), validate=True)
        text = raw.decode("utf-8")
    except (binascii.Error, ValueError):
        return None
    printable = sum(1 for c in text if c.isprintable() or c in "\n\r\t")
    if not text or printable < _PRINTABLE_SHARE * len(text):
        return None
    return text
