"""A streamed answer sent as one body of thousands of events: each checked, in order, with
the loop handed to other callers between them."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import pytest

from guard import Guard, GuardMiddleware
from guard.asgi import streams
from guard.asgi.streams import Joined

POLICY = ("version: 1\npolicies:\n"
          "  - {name: p, type: pii, stages: [output], entities: [EMAIL_ADDRESS], "
          "action: redact}\n")
PATH = "/v1/chat/completions"


def sse(pieces: list[str]) -> bytes:
    events = [{"id": "c", "object": "chat.completion.chunk",
               "choices": [{"index": 0, "delta": {"content": p}}]} for p in pieces]
    return b"".join(b"data: " + json.dumps(e).encode() + b"\n\n" for e in events) + \
        b"data: [DONE]\n\n"


async def call(answer: bytes, **extra: Any) -> tuple[bytes, int]:
    """The guarded answer to a streamed call, and how often another task ran meanwhile."""
    async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
        await receive()
        await send({"type": "http.response.start", "status": 200,
                    "headers": [(b"content-type", b"text/event-stream")]})
        await send({"type": "http.response.body", "body": answer, "more_body": False})

    body = json.dumps({"model": "m", "stream": True, **extra,
                       "messages": [{"role": "user", "content": "hi"}]}).encode()
    scope = {"type": "http", "method": "POST", "path": PATH, "raw_path": PATH.encode(),
             "query_string": b"", "root_path": "", "scheme": "http", "server": ("gw", 80),
             "client": ("127.0.0.1", 1), "http_version": "1.1",
             "headers": [(b"content-type", b"application/json")]}
    given, out, ticks, done = [body], [], [0], asyncio.Event()

    async def receive() -> dict[str, Any]:
        if given:
            return {"type": "http.request", "body": given.pop(), "more_body": False}
        await done.wait()
        return {"type": "http.disconnect"}

    async def send(message: dict[str, Any]) -> None:
        out.append(message.get("body", b""))

    async def other() -> None:
        while not done.is_set():
            ticks[0] += 1
            await asyncio.sleep(0)

    task = asyncio.create_task(other())
    await GuardMiddleware(app, guard=Guard.from_yaml(POLICY))(scope, receive, send)
    done.set()
    await task
    return b"".join(out), ticks[0]


def texts(answer: bytes) -> str:
    lines = [line[6:] for line in answer.split(b"\n") if line.startswith(b"data: {")]
    return "".join(json.loads(line)["choices"][0]["delta"].get("content") or ""
                   for line in lines)


def test_every_event_of_one_body_is_checked_in_order() -> None:
    pieces = [f"w{i} " for i in range(3000)]
    pieces[1500:1503] = ["mail jane", ".roe@exam", "ple.com now "]
    answer, _ = asyncio.run(call(sse(pieces)))
    text = texts(answer)
    assert "jane.roe@example.com" not in text and "<EMAIL_ADDRESS>" in text
    assert text.startswith("w0 w1 ") and text.endswith("w2999 ")
    assert answer.endswith(b"data: [DONE]\n\n")


def test_other_callers_run_between_the_events_of_one_body(
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(streams, "YIELD_AFTER", 0.0)
    _, ticks = asyncio.run(call(sse([f"w{i} " for i in range(2000)])))
    assert ticks >= 2000  # handed over after every event (on the default, every 2 ms)


def test_joined_reads_each_stream_whole() -> None:
    joined = Joined()
    for i in range(1000):
        joined.add(("a",), str(i % 10))
    joined.add(("b",), "x")
    assert joined[("a",)] == "0123456789" * 100 and joined[("b",)] == "x"
    joined.add(("a",), "!")
    assert joined[("a",)].endswith("9!") and set(joined) == {("a",), ("b",)}
    assert ("c",) not in joined and len(joined) == 2


def test_numbers_out_of_range_go_out_finite() -> None:
    """An event rewritten (a redaction) is written out as JSON again: never ``Infinity``."""
    huge = b"1" + b"0" * 400
    event = (b'data: {"id":"c","object":"chat.completion.chunk","choices":[{"index":0,'
             b'"delta":{"content":"mail jane.roe@example.com ok"},"x":-1e400}],'
             b'"usage":{"prompt_tokens":1e400,"completion_tokens":' + huge + b"}}\n\n")
    answer, _ = asyncio.run(call(event + b"data: [DONE]\n\n",
                                 stream_options={"include_usage": True}))
    assert b"jane.roe" not in answer and b"Infinity" not in answer
    datas = [line[6:] for line in answer.split(b"\n") if line.startswith(b"data: {")]
    assert any(b"usage" in d for d in datas)
    for data in datas:
        json.loads(data, parse_constant=lambda c: pytest.fail(f"{c} in the answer"))


def test_nan_in_an_event_is_no_json() -> None:
    event = (b'data: {"choices":[{"index":0,"delta":{"content":"hello"}}],"x":NaN}\n\n'
             b"data: [DONE]\n\n")
    answer, _ = asyncio.run(call(event))
    assert b"NaN" not in answer and b"error" in answer  # unreadable: the error event
