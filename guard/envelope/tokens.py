"""An estimate of a request's input tokens: characters / 4, plus per-message overhead.

This is a labelled estimate, good to ±15-70% depending on language and
content; budgets and rate limits use it before the call and settle from the
provider's reported usage afterwards. Real tokenizers can replace this module
without changing its callers.
"""

from __future__ import annotations

from collections.abc import Iterable

from guard.envelope.model import Envelope, Segment

CHARS_PER_TOKEN = 4
MESSAGE_OVERHEAD = 4
"""Tokens a chat API spends framing each message (role markers, separators)."""

def estimate_segments(conversational: bool, segments: Iterable[Segment], messages: int) -> int:
    """The estimate for segments read from a request with ``messages`` messages; only
    conversational APIs frame them (Opper wraps its task in a chat; embeddings and
    completions inputs carry no overhead)."""
    framed = messages if conversational else 0
    return estimate(sum(len(segment.text) for segment in segments), framed)


def estimate(chars: int, messages: int) -> int:
    """ceil(chars / 4) + 4 per message."""
    return -(-chars // CHARS_PER_TOKEN) + MESSAGE_OVERHEAD * messages


def estimate_tokens(source: Envelope | Iterable[str]) -> int:
    """Estimated input tokens of an envelope, or of message texts (overhead each)."""
    if isinstance(source, str):
        return estimate(len(source), 1)
    if isinstance(source, Envelope):
        return estimate_segments(source.dialect.conversational, source.segments,
                                 len(source.messages))
    texts = list(source)
    return estimate(sum(len(t) for t in texts), len(texts))
