"""The event loop under a hostile request: how long can one request stall every other caller?

A guarded app serves all its callers from one event loop; work that runs on the loop for
seconds (binding 100k messages into pure-Python CEL, scanning 4 MB of text) makes every
other caller wait that long. Here a bare Starlette app that parses the JSON it gets and
answers a short completion is called in-process, with and without ``GuardMiddleware`` over
the example policy set (``policies/``: routes, CEL rules and variables, identity from the
body, PII pseudonymization and blocking, content, budgets, rate limits), on the pure-Python
CEL engine (what a plain ``pip install`` gets) and on the default one. While each hostile
request is decided, a probe task on the same loop sleeps 1 ms at a time and records the
longest gap beyond its sleep: that is the longest stall. Rows per hostile class:

- ``loop stall``: the bare app's longest stall (parsing the body is its own work) against
  the guarded app's, in microseconds;
- ``decide``: the time to answer the hostile request, bare against guarded.

Hostile classes: 100k short messages; one message of 4 MB dense with PII (a contact line
per row: e-mail, phone after "call", card, IP); one message of a 4 MB string of prose; JSON
nested 100k deep (past ``settings.max_scan_chars`` or the nesting limit, these are refused);
then the largest prose (3 MB) and dense-PII (40 KB) messages the bound lets through, which
are scanned in full. Last, the answer side: a streamed answer of 4 MB in 40k events that the
app sends as one body (an in-process gateway's whole stream), every event's text checked by
the output policies.
"""

from __future__ import annotations

import asyncio
import gc
import json
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from benchmarks.timing import row

POLICIES = Path(__file__).resolve().parent.parent / "policies"
BODY_BYTES = 4_000_000
"""Just under the example set's ``max_body_bytes`` (4 MiB)."""
PATH = "/v1/chat/completions"
ENGINES = ("cel-python", "cel-expr-python")
WARM_UP = json.dumps({"model": "gpt-4o-mini", "max_tokens": 5,
                      "messages": [{"role": "user", "content": "hello"}]}).encode()


def many_messages(count: int = 100_000) -> bytes:
    messages = [{"role": "user", "content": f"m{i}"} for i in range(count)]
    return json.dumps({"model": "gpt-4o-mini", "user": "u1", "messages": messages}).encode()


def dense_pii(size: int = BODY_BYTES) -> bytes:
    line = "Contact {i}: jane.roe{i}@example.com, call 212-555-{p:04d}, card 4111 1111 1111 " \
           "1111, ip 10.{a}.{b}.7\n"
    rows, total, i = [], 0, 0
    while total < size - 200:
        text = line.format(i=i, p=i % 10_000, a=i % 250, b=i // 250 % 250)
        rows.append(text)
        total += len(text)
        i += 1
    return _chat("".join(rows))


def one_string(size: int = BODY_BYTES) -> bytes:
    words = "the quarterly report covers revenue growth in every region we serve and "
    return _chat((words * (size // len(words)))[: size - 200])


def deep_nesting(depth: int = 100_000) -> bytes:
    nested = "[" * depth + "]" * depth
    return (f'{{"model": "gpt-4o-mini", "messages": [{{"role": "user", "content": "hi"}}], '
            f'"metadata": {{"x": {nested}}}}}').encode()


def _chat(text: str) -> bytes:
    return json.dumps({"model": "gpt-4o-mini", "user": "u1",
                       "messages": [{"role": "user", "content": text}]}).encode()


HOSTILE: dict[str, Callable[[int], bytes]] = {
    "messages": lambda size: many_messages(100_000 * size // BODY_BYTES),
    "dense PII": dense_pii,
    "one string": one_string,
    "nesting": lambda size: deep_nesting(100_000 * size // BODY_BYTES),
    # the largest of their kind that settings.max_scan_chars lets through: scanned in full
    "prose, scanned": lambda size: one_string(size * 3 // 4),
    "dense PII, scanned": lambda size: dense_pii(40_000 * size // BODY_BYTES),
}


STREAMED = json.dumps({"model": "gpt-4o-mini", "user": "u1", "stream": True,
                       "messages": [{"role": "user", "content": "write a lot"}]}).encode()


def streamed_answer(size: int = BODY_BYTES) -> bytes:
    """An SSE answer of ``size`` bytes: one chat chunk of a few words per event."""
    chunk = {"id": "c1", "object": "chat.completion.chunk", "model": "gpt-4o-mini",
             "choices": [{"index": 0, "delta": {"content": "revenue grew in every region. "}}]}
    event = b"data: " + json.dumps(chunk).encode() + b"\n\n"
    return event * (size // len(event)) + b"data: [DONE]\n\n"


def streaming_app(answer: bytes) -> Any:
    """A gateway that answers every call with ``answer`` as one body of SSE."""
    async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
        while (await receive()).get("more_body"):
            pass
        await send({"type": "http.response.start", "status": 200,
                    "headers": [(b"content-type", b"text/event-stream")]})
        await send({"type": "http.response.body", "body": answer, "more_body": False})

    return app


def bare_app() -> Any:
    """A gateway that does the least any gateway does: parse the JSON, answer."""
    from starlette.applications import Starlette
    from starlette.requests import Request
    from starlette.responses import JSONResponse
    from starlette.routing import Route

    async def chat(request: Request) -> JSONResponse:
        try:
            await request.json()
        except (ValueError, RecursionError):
            return JSONResponse({"error": {"message": "bad json"}}, 400)
        message = {"role": "assistant", "content": "noted"}
        return JSONResponse({"id": "c1", "object": "chat.completion", "model": "gpt-4o-mini",
                             "choices": [{"index": 0, "message": message,
                                          "finish_reason": "stop"}],
                             "usage": {"prompt_tokens": 5, "completion_tokens": 1,
                                       "total_tokens": 6}})

    return Starlette(routes=[Route(PATH, chat, methods=["POST"])])


def guarded(app: Any, cel_engine: str) -> Any:
    from guard import Guard, GuardMiddleware

    return GuardMiddleware(app, guard=Guard.from_path(POLICIES, cel_engine=cel_engine))


async def call(app: Any, body: bytes) -> int:
    """One POST through ``app``, in-process; the status answered."""
    scope = {"type": "http", "method": "POST", "path": PATH, "raw_path": PATH.encode(),
             "query_string": b"", "root_path": "", "scheme": "http", "server": ("gw", 80),
             "client": ("127.0.0.1", 1), "http_version": "1.1", "asgi": {"version": "3.0"},
             "headers": [(b"content-type", b"application/json"),
                         (b"authorization", b"Bearer sk-bench"),
                         (b"content-length", str(len(body)).encode())]}
    sent = False
    status = [0]

    async def receive() -> dict[str, Any]:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        await asyncio.Event().wait()  # the client stays until it has its answer
        return {"type": "http.disconnect"}

    async def send(message: dict[str, Any]) -> None:
        if message["type"] == "http.response.start":
            status[0] = message["status"]

    await app(scope, receive, send)
    return status[0]


async def probe(stop: asyncio.Event, gaps: list[float]) -> None:
    """Sleep 1 ms at a time until ``stop``; record how late each wake-up came."""
    loop = asyncio.get_running_loop()
    while not stop.is_set():
        before = loop.time()
        await asyncio.sleep(0.001)
        gaps.append(loop.time() - before - 0.001)


async def measure(app: Any, body: bytes) -> tuple[float, float, int]:
    """(longest stall, seconds to the answer, status) of one request under the probe."""
    await call(app, WARM_UP)  # first-use loads (token vocabularies) are not what is measured
    stop, gaps = asyncio.Event(), [0.0]
    task = asyncio.create_task(probe(stop, gaps))
    await asyncio.sleep(0.01)  # the probe is ticking before the request arrives
    started = time.perf_counter()
    status = await call(app, body)
    seconds = time.perf_counter() - started
    stop.set()
    await task
    return max(gaps), seconds, status


def _size(n: int) -> str:
    return f"{n / 1e6:.1f} MB" if n >= 1e6 else f"{n / 1e3:.0f} KB"


def run(quick: bool = False) -> list[dict[str, Any]]:
    size = BODY_BYTES // 20 if quick else BODY_BYTES
    bodies = {name: make(size) for name, make in HOSTILE.items()}
    bare = bare_app()
    apps = {engine: guarded(bare, engine) for engine in ENGINES}
    gc.freeze()  # as `guard serve` does once its set is compiled: passes skip start-up objects
    rows = []
    for name, body in bodies.items():
        label = f"{name} {_size(len(body))}"
        bare_stall, bare_seconds, _ = asyncio.run(measure(bare, body))
        for engine, app in apps.items():
            stall, seconds, status = asyncio.run(measure(app, body))
            rows.append(row(f"loop stall: {label}, {engine} ({status})", "bare app",
                            bare_stall * 1e6, "GuardMiddleware", stall * 1e6))
            rows.append(row(f"decide: {label}, {engine}", "bare app", bare_seconds * 1e6,
                            "GuardMiddleware", seconds * 1e6))
    return rows + answer_rows(size)


def answer_rows(size: int) -> list[dict[str, Any]]:
    """The stall and time of a streamed answer of ``size`` bytes sent as one body."""
    answer = streamed_answer(size)
    bare = streaming_app(answer)
    app = guarded(bare, ENGINES[1])
    bare_stall, bare_seconds, _ = asyncio.run(measure(bare, STREAMED))
    stall, seconds, status = asyncio.run(measure(app, STREAMED))
    label = f"streamed answer {_size(len(answer))}, {answer.count(b'data:') - 1} events"
    return [row(f"loop stall: {label} ({status})", "bare app", bare_stall * 1e6,
                "GuardMiddleware", stall * 1e6),
            row(f"decide: {label}", "bare app", bare_seconds * 1e6, "GuardMiddleware",
                seconds * 1e6)]
