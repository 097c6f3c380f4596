"""The secret that goes with an identifier: a key id's secret key, an account SID's token.

A cloud key id (``AKIA...``, ``LTAI...``, Twilio's ``SK...``) is rarely pasted alone: its
secret follows on the same line or the next ones (``aws configure``, a CSV export, a
table, prose such as "key id X, secret Y", ``Client(sid, secret)``). The id has a
distinctive prefix; the secret is a bare random run that no rule could flag on its own
without flagging every hash. Beside its id it is the secret, and redacting only the id
would leave the one value that grants access. So a rule's ``partner`` regex is searched in
a small window around each of its matches: the lines around it, capped in characters, so
each id costs a bounded window and a long text stays linear.
"""

from __future__ import annotations

from typing import Any

from guard.content.catalog import SecretRule
from guard.content.secrets import entropy, is_filler, is_marked

REACH_LINES = 2
"""Lines before and after the id's own line that may hold its secret (``aws configure``
prints the id and the secret on consecutive lines; a table may put a header between)."""

REACH_CHARS = 300
"""Characters at most on each side of the id: a minified file is one long line."""


def window(text: str, start: int, end: int) -> tuple[int, int]:
    """The lines around ``text[start:end]``, cut at a space where capped in characters."""
    floor, ceiling = max(0, start - REACH_CHARS), min(len(text), end + REACH_CHARS)
    low = start
    for _ in range(REACH_LINES + 1):
        found = text.rfind("\n", floor, low)
        if found < 0:
            low = floor
            break
        low = found
    high = end
    for _ in range(REACH_LINES + 1):
        found = text.find("\n", high, ceiling)
        if found < 0:
            high = ceiling
            break
        high = found + 1
    if low == floor > 0:  # capped: do not start inside a token
        low = _next_space(text, low, start)
    if high == ceiling < len(text):
        high = _previous_space(text, high, end)
    return low, high


def _next_space(text: str, position: int, limit: int) -> int:
    while position < limit and not text[position].isspace():
        position += 1
    return position


def _previous_space(text: str, position: int, limit: int) -> int:
    while position > limit and not text[position - 1].isspace():
        position -= 1
    return position


def partner_spans(regex: Any, rule: SecretRule, text: str, start: int, end: int
                  ) -> list[tuple[int, int]]:
    """Spans (in ``text``) of the secrets of ``rule``'s partner near ``text[start:end]``."""
    low, high = window(text, start, end)
    groups = [i for name, i in regex.groupindex.items()
              if name == "secret" or name.startswith("secret_")] or [0]
    found = []
    window_text, position = text[low:high], 0  # a slice: the wrapper encodes its text
    while (match := regex.search(window_text, position)) is not None:
        found_span = next((match.span(g) for g in groups if match.span(g)[0] >= 0), None)
        # the next search starts where the value ends, not past the boundary the pattern
        # consumed after it: that character may be the boundary before the secret beside it
        position = max(found_span[1] if found_span else match.end(), match.start() + 1)
        if found_span is None:
            continue
        span = (found_span[0] + low, found_span[1] + low)
        if span[0] < end and start < span[1]:
            continue
        value = text[span[0]:span[1]]
        if is_marked(value) or is_filler(value) or entropy(value) < rule.partner_entropy:
            continue
        found.append(span)
    return found
