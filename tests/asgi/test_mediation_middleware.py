"""GuardMiddleware applies the one rule of guard.intake to ASGI traffic.

A tiny recording app stands behind the middleware, so each test sees exactly what reached
it: the method, the (normalized) path, the headers and the body bytes.
"""

from __future__ import annotations

import gzip
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from guard import Guard, GuardMiddleware
from guard.asgi.body import Message
from guard.observe import DecisionLog, Observer

CHAT = "/v1/chat/completions"
EMAIL = "jane.roe@example.com"
POLICIES = """version: 1
settings:
  store: "memory://"
  passthrough: ["POST /v1/audio/*", "* /files/*", "WEBSOCKET /v1/realtime*"]
policies:
  - {name: contacts, type: pii, entities: [EMAIL_ADDRESS], action: redact}
"""
BODY = {"model": "gpt-4o-mini", "messages": [{"role": "user", "content": f"mail {EMAIL}"}]}
REDACTED = "mail <EMAIL_ADDRESS>"


@dataclass
class Seen:
    """One request as the wrapped app received it."""

    method: str
    path: str
    raw_path: bytes
    query: bytes
    headers: dict[bytes, bytes]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)


class Recorder:
    """An ASGI app that keeps what it receives and answers ``{"ok": true}``; WebSocket
    connections are accepted and closed normally."""

    def __init__(self) -> None:
        self.seen: list[Seen] = []
        self.sockets: list[Message] = []

    async def __call__(self, scope: Message, receive: Any, send: Any) -> None:
        if scope["type"] == "websocket":
            self.sockets.append(scope)
            await receive()
            await send({"type": "websocket.accept"})
            await send({"type": "websocket.close", "code": 1000})
            return
        body = b""
        while True:
            message = await receive()
            body += message.get("body", b"")
            if not message.get("more_body"):
                break
        self.seen.append(Seen(scope["method"], scope["path"], scope["raw_path"],
                              scope["query_string"], dict(scope["headers"]), body))
        await send({"type": "http.response.start", "status": 200,
                    "headers": [(b"content-type", b"application/json")]})
        await send({"type": "http.response.body", "body": b'{"ok": true}'})


@pytest.fixture
def app() -> Recorder:
    return Recorder()


def client(app: Recorder, policies: str = POLICIES, **options: Any) -> httpx.AsyncClient:
    guarded = GuardMiddleware(app, guard=Guard.from_yaml(policies), **options)
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=guarded), base_url="http://gw")


@pytest.mark.parametrize("method", ["POST", "PUT", "PATCH", "DELETE", "GET"])
async def test_every_method_with_a_body_is_decided(app: Recorder, method: str) -> None:
    async with client(app) as c:
        r = await c.request(method, CHAT, json=BODY)
    assert r.status_code == 200 and r.headers["x-guard-decision-id"]
    [seen] = app.seen
    assert seen.method == method
    assert seen.json()["messages"][0]["content"] == REDACTED


async def call(app: Any, method: str, raw_path: bytes, body: bytes = b"",
               headers: list[tuple[bytes, bytes]] | None = None) -> list[Message]:
    """One HTTP request driven through ``app`` directly: the path goes in exactly as given
    (httpx resolves ``.`` and ``..`` before sending)."""
    sent: list[Message] = []
    messages = [{"type": "http.request", "body": body, "more_body": False}]

    async def receive() -> Message:
        return messages.pop(0) if messages else {"type": "http.disconnect"}

    async def send(message: Message) -> None:
        sent.append(message)

    path, _, query = raw_path.partition(b"?")
    scope = {"type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1",
             "method": method, "scheme": "http", "path": path.decode("latin-1"),
             "raw_path": path, "query_string": query, "root_path": "",
             "headers": [(b"host", b"gw"), (b"content-type", b"application/json"),
                         (b"content-length", str(len(body)).encode()), *(headers or [])],
             "client": ("127.0.0.1", 1), "server": ("gw", 80)}
    await app(scope, receive, send)
    return sent


@pytest.mark.parametrize(("spelling", "path"), [
    (b"//v1//chat/completions", CHAT), (b"/v1/./chat/completions", CHAT),
    (b"/v1/x/../chat/completions", CHAT), (b"/v1/chat/completions;x=1", CHAT),
    (b"/V1/CHAT/COMPLETIONS", "/V1/CHAT/COMPLETIONS"), (b"/v1/%63hat/completions/", CHAT + "/"),
])
async def test_path_spellings_reach_the_app_normalized_and_redacted(
        app: Recorder, spelling: bytes, path: str) -> None:
    guarded = GuardMiddleware(app, guard=Guard.from_yaml(POLICIES))
    sent = await call(guarded, "POST", spelling + b"?stream=false", json.dumps(BODY).encode())
    assert sent[0]["status"] == 200
    [seen] = app.seen
    assert (seen.path, seen.raw_path, seen.query) == (path, path.encode(), b"stream=false")
    assert seen.json()["messages"][0]["content"] == REDACTED


@pytest.mark.parametrize("spelling", [b"/v1/chat%2Fcompletions", b"/v1/chat%2fcompletions",
                                      b"/v1/audio%2Ftranscriptions", b"/files%2Fx"])
async def test_escaped_slashes_are_refused(app: Recorder, spelling: bytes) -> None:
    async with client(app) as c:
        r = await c.post(httpx.URL("http://gw").copy_with(raw_path=spelling), json=BODY)
    assert r.status_code == 400
    assert r.json()["error"]["code"] == "invalid_path"
    assert app.seen == []


async def test_requests_without_a_body_go_up_as_they_came_and_are_decided(app: Recorder
                                                                         ) -> None:
    async with client(app) as c:
        r = await c.get("/v1/models?limit=2")
        d = await c.delete("/v1/chat/completions/abc")
    assert r.status_code == d.status_code == 200
    assert "x-guard-decision-id" in r.headers and "x-guard-decision-id" in d.headers
    assert [(s.method, s.path, s.query, s.body) for s in app.seen] == [
        ("GET", "/v1/models", b"limit=2", b""), ("DELETE", "/v1/chat/completions/abc", b"", b"")]


@pytest.mark.parametrize(("method", "path"), [
    ("POST", "/v1/audio/transcriptions"), ("PUT", "/files/abc"), ("POST", "/Files/a/b"),
])
async def test_passthrough_requests_reach_the_app_unread(app: Recorder, method: str,
                                                         path: str) -> None:
    audio = b"RIFF\x00\x00 " + EMAIL.encode()
    async with client(app) as c:
        r = await c.request(method, path, content=audio,
                            headers={"content-type": "audio/wav", "content-encoding": "zstd"})
    assert r.status_code == 200 and r.headers["x-guard-decision-id"]
    [seen] = app.seen
    assert seen.body == audio and seen.headers[b"content-encoding"] == b"zstd"


async def test_an_http_method_named_websocket_is_still_decided(app: Recorder) -> None:
    async with client(app) as c:
        r = await c.request("WEBSOCKET", "/v1/realtime", json=BODY)
    assert r.status_code == 200
    assert app.seen[0].json()["messages"][0]["content"] == REDACTED


async def websocket(app: Any, raw_path: bytes, query: bytes = b"") -> list[Message]:
    """One WebSocket connection driven through ``app``: connect, then what it sends."""
    sent: list[Message] = []
    messages = [{"type": "websocket.connect"}]

    async def receive() -> Message:
        return messages.pop(0) if messages else {"type": "websocket.disconnect", "code": 1000}

    async def send(message: Message) -> None:
        sent.append(message)

    scope = {"type": "websocket", "asgi": {"version": "3.0"}, "scheme": "ws",
             "path": raw_path.decode("latin-1"), "raw_path": raw_path, "query_string": query,
             "root_path": "", "headers": [(b"host", b"gw")], "subprotocols": []}
    await app(scope, receive, send)
    return sent


@pytest.mark.parametrize("path", [b"/v1/chat/ws", b"/files/x", b"/v1/realtime%2Fx", b"/"])
async def test_websockets_are_closed_with_1008(app: Recorder, path: bytes) -> None:
    guarded = GuardMiddleware(app, guard=Guard.from_yaml(POLICIES))
    sent = await websocket(guarded, path)
    assert [(m["type"], m.get("code")) for m in sent] == [("websocket.close", 1008)]
    assert app.sockets == []


async def test_a_websocket_passthrough_entry_lets_one_through_normalized(app: Recorder) -> None:
    guarded = GuardMiddleware(app, guard=Guard.from_yaml(POLICIES))
    sent = await websocket(guarded, b"//v1/./realtime", b"model=gpt-4o-realtime")
    assert [m["type"] for m in sent] == ["websocket.accept", "websocket.close"]
    [scope] = app.sockets
    assert (scope["path"], scope["raw_path"], scope["query_string"]) == (
        "/v1/realtime", b"/v1/realtime", b"model=gpt-4o-realtime")


async def test_a_websocket_outside_the_guarded_paths_passes(app: Recorder) -> None:
    guarded = GuardMiddleware(app, guard=Guard.from_yaml(POLICIES), paths=["/v1/chat/*"])
    sent = await websocket(guarded, b"/socket")
    assert sent[0]["type"] == "websocket.accept"


async def test_a_gzip_body_reaches_the_app_decoded(app: Recorder) -> None:
    async with client(app) as c:
        r = await c.post(CHAT, content=gzip.compress(json.dumps(BODY).encode()),
                         headers={"content-type": "application/json",
                                  "content-encoding": "gzip"})
    assert r.status_code == 200
    [seen] = app.seen
    assert b"content-encoding" not in seen.headers
    assert int(seen.headers[b"content-length"]) == len(seen.body)
    assert seen.json()["messages"][0]["content"] == REDACTED


async def test_two_content_encoding_lines_are_both_undone(app: Recorder) -> None:
    guarded = GuardMiddleware(app, guard=Guard.from_yaml(POLICIES))
    body = gzip.compress(gzip.compress(json.dumps(BODY).encode()))
    sent = await call(guarded, "POST", CHAT.encode(), body,
                      [(b"content-encoding", b"gzip"), (b"content-encoding", b"gzip")])
    assert sent[0]["status"] == 200
    assert app.seen[0].json()["messages"][0]["content"] == REDACTED


@pytest.mark.parametrize(("headers", "status"), [
    ({"content-type": "multipart/form-data; boundary=x"}, 415),
    ({"content-type": "text/plain"}, 415), ({"content-encoding": "zstd"}, 415),
    ({"content-type": "application/json"}, 400),
])
async def test_bodies_guard_cannot_read_are_refused(app: Recorder, headers: dict[str, str],
                                                    status: int) -> None:
    async with client(app) as c:
        r = await c.post(CHAT, content=b"plain words", headers=headers)
    assert r.status_code == status and r.headers["x-guard-decision-id"]
    assert app.seen == []


async def test_the_decision_log_marks_passthrough_uninspected(app: Recorder,
                                                              tmp_path: Path) -> None:
    log = tmp_path / "decisions.jsonl"
    guard = Guard.from_yaml(POLICIES.replace('store: "memory://"',
                                             f'store: "memory://"\n  decision_log: "file:{log}"'))
    decisions = DecisionLog.from_setting(guard.settings.decision_log)
    guarded = GuardMiddleware(app, guard=guard, observer=Observer(decisions, None))
    try:
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=guarded),
                                     base_url="http://gw") as c:
            audio = await c.post("/v1/audio/speech", content=b"RIFF",
                                 headers={"content-type": "audio/wav"})
            chat = await c.post(CHAT, json=BODY)
    finally:
        decisions.close()
    lines = [json.loads(line) for line in log.read_text().splitlines()]
    by_id = {line["decision_id"]: line for line in lines}
    assert by_id[audio.headers["x-guard-decision-id"]]["inspected"] is False
    assert "inspected" not in by_id[chat.headers["x-guard-decision-id"]]
