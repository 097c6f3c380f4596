"""Decode-then-rescan: text hidden in an encoding is scanned like any other text.

A secret or an instruction can be smuggled past a filter by encoding it; a
model decodes base64, hex, binary octets, Morse and percent-encoding happily. Runs of each
encoding are decoded, and when the result is readable text (not an image,
a hash or other binary) it is scanned once more. Runs are bounded so a large
attachment costs a bounded amount of work.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Callable
from urllib.parse import unquote_to_bytes

ENCODED_RUN = r"(?:^|[^A-Za-z0-9+/_\-])(?P<secret>[A-Za-z0-9+/_\-]{24,}={0,2})"
"""A run of base64 (standard or URL-safe) characters long enough to hide a phrase."""

HEX_RUN = (r"(?:^|[^A-Za-z0-9])(?P<secret>[0-9A-Fa-f]{2}(?:[ :]?[0-9A-Fa-f]{2}){11,})"
           r"(?:[^A-Za-z0-9]|$)")
"""Twelve or more hex bytes, bare or separated by spaces or colons (MAC addresses are shorter)."""

BINARY_RUN = r"(?:^|[^01])(?P<secret>[01]{8}(?: ?[01]{8}){3,})(?:[^01]|$)"
"""Four or more octets written as zeros and ones."""

MORSE_RUN = r"(?:^|[^.\-])(?P<secret>[.\-]{1,6}(?:(?: / | {1,3})[.\-]{1,6}){7,})"
"""Eight or more Morse letters, words split by `` / `` or two or more spaces."""

URL_RUN = (r"(?:^|[^A-Za-z0-9%._~+\-])"
           r"(?P<secret>[A-Za-z0-9._~+\-]*(?:%[0-9A-Fa-f]{2}[A-Za-z0-9._~+\-]*){4,})")
"""Four or more percent-escapes in a run of URL characters (``&`` and ``=`` end a run, so a
query string's values are decoded one by one)."""

MAX_RUN = 65_536
"""Longer runs are attachments (images, archives), not smuggled text: not decoded."""

_PRINTABLE_SHARE = 0.95

_MORSE_CODES = (".- -... -.-. -.. . ..-. --. .... .. .--- -.- .-.. -- -. --- .--. --.- .-. ... - "
                "..- ...- .-- -..- -.-- --.. ----- .---- ..--- ...-- ....- ..... -.... --... "
                "---.. ----. .-.-.- --..-- ..--.. -.-.-- .----. -..-. ---...")
_MORSE = dict(zip(_MORSE_CODES.split(" "), "abcdefghijklmnopqrstuvwxyz0123456789.,?!'/:",
                  strict=True))


def decode_run(run: str) -> str | None:
    """The text a base64 ``run`` encodes, or ``None`` when it is not base64 of readable text."""
    if len(run) > MAX_RUN:
        return None
    body = run.rstrip("=").replace("-", "+").replace("_", "/")
    try:
        raw = base64.b64decode(body + "=" * (-len(body) % 4), validate=True)
    except (binascii.Error, ValueError):
        return None
    return _readable(raw)


def decode_hex(run: str) -> str | None:
    """The text a hex ``run`` encodes (a hash or key decodes to binary: ``None``)."""
    if len(run) > MAX_RUN:
        return None
    digits = run.replace(" ", "").replace(":", "")
    if len(digits) % 2:
        return None
    return _readable(bytes.fromhex(digits))


def decode_binary(run: str) -> str | None:
    """The text a run of binary octets encodes."""
    if len(run) > MAX_RUN:
        return None
    bits = run.replace(" ", "")
    return _readable(bytes(int(bits[i:i + 8], 2) for i in range(0, len(bits), 8)))


def decode_morse(run: str) -> str | None:
    """The text a Morse ``run`` spells, or ``None`` when a letter is not Morse."""
    if len(run) > MAX_RUN:
        return None
    words = []
    for word in run.replace(" / ", "  ").split("  "):
        letters = [_MORSE.get(code) for code in word.split()]
        if not letters or None in letters:
            return None
        words.append("".join(c for c in letters if c))
    return " ".join(words)


def decode_url(run: str) -> str | None:
    """The text a percent-encoded ``run`` spells (``+`` read as a space, as in forms)."""
    if len(run) > MAX_RUN:
        return None
    return _readable(unquote_to_bytes(run.replace("+", " ")))


DECODERS: dict[str, tuple[str, Callable[[str], str | None]]] = {
    "base64": (ENCODED_RUN, decode_run),
    "hex": (HEX_RUN, decode_hex),
    "binary": (BINARY_RUN, decode_binary),
    "morse": (MORSE_RUN, decode_morse),
    "url": (URL_RUN, decode_url),
}
"""Encoding name: the regex finding its runs (group ``secret``) and the decoder."""


def _readable(raw: bytes) -> str | None:
    try:
        text = raw.decode("utf-8")
    except ValueError:
        return None
    printable = sum(1 for c in text if c.isprintable() or c in "\n\r\t")
    if not text or printable < _PRINTABLE_SHARE * len(text):
        return None
    return text
