"""GuardMiddleware's own read limits, for any ASGI server it runs under.

Header fields over ``settings.max_header_bytes`` get 431 in the API's shape before anything
else; a body guard does not read (``passthrough``, paths outside ``paths``) must still
arrive within the body timeout: the client gets 408 and the app hears the client left.
"""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from guard import Guard, GuardMiddleware
from tests.asgi.test_mediation_middleware import Recorder

POLICIES = """version: 1
settings:
  store: "memory://"
  max_header_bytes: 4096
  body_timeout: 0.2
  passthrough: ["POST /v1/audio/*"]
policies:
  - {name: contacts, type: pii, entities: [EMAIL_ADDRESS], action: redact}
"""


def scope(path: str, headers: list[tuple[bytes, bytes]] | None = None) -> dict[str, Any]:
    return {"type": "http", "method": "POST", "path": path, "raw_path": path.encode(),
            "headers": headers or [(b"content-type", b"application/json")],
            "query_string": b""}


async def drive(app: Any, scope: dict[str, Any], trickle: bool) -> list[dict[str, Any]]:
    sent: list[dict[str, Any]] = []

    async def receive() -> dict[str, Any]:
        if trickle:
            await asyncio.sleep(0.05)
            return {"type": "http.request", "body": b"{", "more_body": True}
        return {"type": "http.request", "body": b'{"model": "m"}', "more_body": False}

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    await asyncio.wait_for(app(scope, receive, send), 30)
    return sent


@pytest.mark.parametrize(("path", "shape"), [("/v1/chat/completions", "error"),
                                             ("/v1/messages", "type"),
                                             ("/v1beta/models/g:generateContent", "error")])
async def test_headers_over_the_limit_are_431(path: str, shape: str) -> None:
    app = Recorder()
    guarded = GuardMiddleware(app, guard=Guard.from_yaml(POLICIES))
    for headers in ([(b"x-big", b"a" * 5000)], [(b"x-%d" % i, b"v" * 40) for i in range(100)]):
        sent = await drive(guarded, scope(path, headers), trickle=False)
        assert sent[0]["status"] == 431 and shape.encode() in sent[1]["body"]
    assert app.seen == []


@pytest.mark.parametrize("path", ["/v1/audio/transcriptions", "/static/upload"])
async def test_a_body_guard_does_not_read_trickling_in_gets_408(path: str) -> None:
    app = Recorder()
    guarded = GuardMiddleware(app, guard=Guard.from_yaml(POLICIES), paths=["/v1/*"])
    sent = await drive(guarded, scope(path), trickle=True)
    assert [m.get("status") for m in sent if m["type"] == "http.response.start"] == [408]
    assert app.seen[0].body.startswith(b"{")  # what came, until the client was cut off


async def test_a_body_guard_does_not_read_passes_in_time() -> None:
    app = Recorder()
    guarded = GuardMiddleware(app, guard=Guard.from_yaml(POLICIES))
    sent = await drive(guarded, scope("/v1/audio/transcriptions"), trickle=False)
    assert sent[0]["status"] == 200 and app.seen[0].body == b'{"model": "m"}'
