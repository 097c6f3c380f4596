"""Pseudonyms for one request, and their restoration in the answer.

``pseudonymize`` replaces each distinct value by a stable token
(``<EMAIL_ADDRESS_1>``): the same value gets the same token in every message of
the request, so the model can still tell people apart and refer back to them.
The mapping lives only with the request's decision (never in a log or the
decision log), and :class:`Restorer` puts the original values back into what
the caller receives, whole answers or stream chunks.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, field

TOKEN = re.compile(r"<[A-Z][A-Z0-9_]*_[0-9]+>")
"""The shape of every token guard writes (a fixed pattern of ours, not a policy's)."""


@dataclass
class Pseudonyms:
    """Value -> token for one request; only *restorable* tokens are ever put back.

    Tokens written in the output stage (PII the model produced itself) share
    the numbering, so they can never collide with a request's token, but they
    are not restorable: the caller must not get back what an output policy hid.
    """

    tokens: dict[tuple[str, str], str] = field(default_factory=dict)
    counts: dict[str, int] = field(default_factory=dict)
    originals: dict[str, str] = field(default_factory=dict)  # restorable token -> value

    def token(self, entity: str, value: str, restorable: bool = True) -> str:
        """The token for ``value``: the one it already has, or the next of its entity."""
        key = (entity, value)
        known = self.tokens.get(key)
        if known is None:
            self.counts[entity] = self.counts.get(entity, 0) + 1
            known = self.tokens[key] = f"<{entity}_{self.counts[entity]}>"
            if restorable:
                self.originals[known] = value
        return known

    def __bool__(self) -> bool:
        return bool(self.originals)

    def restorer(self, json_escaped: bool = False) -> Restorer:
        """A restorer of every restorable token; ``json_escaped`` for text inside a JSON
        string (streamed tool-call arguments), where an original must be escaped."""
        if json_escaped:
            return Restorer({t: json.dumps(v)[1:-1] for t, v in self.originals.items()})
        return Restorer(dict(self.originals))


class Restorer:
    """Puts original values back in place of tokens; can be fed a stream chunk by chunk.

    ``feed`` releases all text that cannot be the start of a token and holds
    back at most one partial token (``<EMAIL_ADD``...), so a token split across
    chunks is still restored and nothing else is delayed.
    """

    def __init__(self, originals: dict[str, str]) -> None:
        self.originals = originals
        self.longest = max((len(t) for t in originals), default=0)
        self.pending = ""

    def restore(self, text: str) -> str:
        """``text`` with every known token replaced by its original value."""
        if not self.originals or "<" not in text:
            return text
        return TOKEN.sub(lambda m: self.originals.get(m.group(0), m.group(0)), text)

    def spans(self, text: str) -> Iterator[tuple[int, int, str]]:
        """(start, end, original) of every known token in ``text``."""
        if not self.originals or "<" not in text:
            return
        for match in TOKEN.finditer(text):
            original = self.originals.get(match.group(0))
            if original is not None:
                yield match.start(), match.end(), original

    def feed(self, chunk: str) -> str:
        """The restored text that is safe to release after ``chunk``."""
        text = self.pending + chunk
        cut = self._hold_from(text)
        self.pending = text[cut:]
        return self.restore(text[:cut])

    def flush(self) -> str:
        """Everything still held (the stream ended)."""
        text, self.pending = self.pending, ""
        return self.restore(text)

    def _hold_from(self, text: str) -> int:
        """Where a possible partial token starts, or ``len(text)`` when there is none."""
        start = text.rfind("<", max(0, len(text) - self.longest))
        if start < 0 or ">" in text[start:]:
            return len(text)
        tail = text[start:]
        return start if any(token.startswith(tail) for token in self.originals) else len(text)
