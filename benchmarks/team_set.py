"""The team-written injection set (``benchmarks/data/injection_team.yaml``), encoded as asked.

Written by guard's team alongside the heuristics, so its figures are an upper bound (see the
file's header). Entries with ``encode`` are turned into the encoded text here, so the YAML
stays readable: the payload is hidden in tag characters, zero-width joiners, variation
selectors, base64, hex, percent-encoding or ROT13 and placed in its ``cover`` text.
"""

from __future__ import annotations

import base64
import codecs
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import quote

import yaml

TEAM_SET = Path(__file__).resolve().parent / "data" / "injection_team.yaml"


def _variation(text: str) -> str:
    """Each byte as a variation selector (VS1-16 for 0-15, VS17-256 for 16-255)."""
    return "".join(chr(0xFE00 + b) if b < 16 else chr(0xE0100 + b - 16)
                   for b in text.encode("utf-8"))


ENCODERS = {
    "tags": lambda t: "".join(chr(0xE0000 + ord(c)) for c in t),
    "flag": lambda t: "".join(chr(0xE0000 + ord(c)) for c in t) + "\U000e007f",
    "zero_width": lambda t: "\u200d".join(t),
    "variation": _variation,
    "base64": lambda t: base64.b64encode(t.encode()).decode(),
    "hex": lambda t: t.encode().hex(),
    "url": lambda t: "".join(f"%{b:02X}" for b in t.encode()) if " " in t else quote(t),
    "rot13": lambda t: codecs.encode(t, "rot13"),
}


def entry_text(entry: str | dict[str, Any]) -> str:
    """The text to scan for one entry of the set."""
    if isinstance(entry, str):
        return entry
    payload = ENCODERS[entry["encode"]](entry["text"])
    return str(entry.get("cover", "{payload}")).replace("{payload}", payload)


def team_rows(path: Path = TEAM_SET) -> Iterator[tuple[str, str, int]]:
    """(class, text, label) for every entry: label 1 for attacks, 0 for benign text."""
    data = yaml.safe_load(path.read_text("utf-8"))
    for label, section in ((1, "attacks"), (0, "benign")):
        for name, entries in data[section].items():
            for entry in entries:
                yield name, entry_text(entry), label
