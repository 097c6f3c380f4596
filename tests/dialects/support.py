"""What the dialect tests share: a redacting guard, and the checks every dialect must pass
(every segment's pointer resolves to its text; an edit of every segment lands in place)."""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

from guard import Guard
from guard.asgi.streams import StreamGuard
from guard.envelope import Edit, Envelope, apply_edits, parse_request, resolve

EMAIL = "ann.lee@example.com"
REDACT = Guard.from_yaml("""version: 1
policies:
  - name: pii
    type: pii
    stages: [input, output]
    entities: [EMAIL_ADDRESS]
    action: redact
""")


def parse(body: dict[str, Any], path: str) -> Envelope:
    """``body`` read on ``path``; every text is where its pointer says."""
    env = parse_request(json.dumps(body), path=path)
    for segment in env.segments:
        assert resolve(env.body, segment.pointer, segment.inner) == segment.text
    return env


def assert_edits_land_in_place(body: dict[str, Any], path: str) -> None:
    """Every text replaced through ``apply_edits`` reads back at its own pointer, and
    nothing else of the body changed (the input itself is left alone)."""
    before = json.dumps(body)
    env = parse(body, path)
    edits = [Edit(s, 0, len(s.text), f"<{i}>") for i, s in enumerate(env.segments)]
    edited = apply_edits(env.body, edits)
    assert json.dumps(body) == before
    again = parse(edited, path)
    assert [(s.pointer, s.inner, s.text) for s in again.segments] == [
        (s.pointer, s.inner, f"<{i}>") for i, s in enumerate(env.segments)]
    assert (again.model, again.max_tokens, again.stream) == (env.model, env.max_tokens,
                                                             env.stream)


def read(env: Envelope) -> list[tuple[tuple[Any, ...], str, str, str]]:
    """Each segment as (pointer, text, role, kind)."""
    return [(s.pointer, s.text, s.role, s.kind) for s in env.segments]


async def relay(s: StreamGuard, pieces: Iterable[bytes]) -> tuple[bytes, StreamGuard]:
    """What a caller receives when ``pieces`` pass through the stream guard ``s``: up to a
    denial (the stream ends there), else everything and what ``finish`` flushes."""
    out = b""
    for piece in pieces:
        out += await s.feed(piece)
        if s.denial is not None:
            return out, s
    return out + await s.finish(), s
