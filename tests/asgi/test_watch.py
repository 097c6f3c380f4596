"""A decision whose client left is cancelled, and its PII scan stops with it.

Over real HTTP on loopback: a client sends a large body dense with PII and hangs up
before guard has decided. The scan (in a worker thread) must stop within one
recognizer's pass, the app must never be called, and budget holds are given back.
"""

from __future__ import annotations

import json
import random
import socket
import threading
import time
from typing import Any
from urllib.parse import urlparse

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from benchmarks.bench_pii import dense
from guard import Guard
from guard.asgi import GuardMiddleware
from tests.serve.servers import running

POLICY = """\
version: 1
settings: {max_scan_chars: 100000000, scan_memo: 0}
policies:
  - {name: pii, type: pii, entities: [EMAIL_ADDRESS, PHONE_NUMBER, CREDIT_CARD], action: redact}
"""


def counted(guard: Guard) -> list[int]:
    """Count the texts the PII detector starts on (the real detector, observed)."""
    check: Any = guard.engine.input_checks[0]
    detector, calls = check.detector, [0]
    real = detector.find

    def find(text: str, *args: Any) -> Any:
        calls[0] += 1
        return real(text, *args)

    detector.find = find
    return calls


def test_a_client_that_leaves_stops_the_scan() -> None:
    guard = Guard.from_yaml(POLICY)
    calls = counted(guard)
    reached: list[Request] = []

    async def chat(request: Request) -> JSONResponse:
        reached.append(request)
        return JSONResponse({"ok": True})

    app = GuardMiddleware(Starlette(routes=[Route("/v1/chat/completions", chat,
                                                  methods=["POST"])]), guard=guard)
    rng = random.Random(7)
    texts = [dense(rng, 2000) for _ in range(60)]  # ~10 ms each, far more on a loaded box
    body = json.dumps({"model": "gpt-5", "messages": [
        {"role": "user", "content": t} for t in texts]}).encode()
    with running(app) as url:
        address = urlparse(url)
        with socket.create_connection((address.hostname, address.port)) as client:
            client.sendall(b"POST /v1/chat/completions HTTP/1.1\r\nhost: x\r\n"
                           b"content-type: application/json\r\n"
                           + f"content-length: {len(body)}\r\n\r\n".encode() + body)
            deadline = time.monotonic() + 60
            while calls[0] < 2 and time.monotonic() < deadline:
                time.sleep(0.005)
        left_at = calls[0]
        assert 0 < left_at < len(texts)
        settled = _settled(calls)
    # the text being read when the client left, and one the thread began meanwhile
    assert settled - left_at <= 2, f"the scan went on for a client that had left: {settled}"
    assert not reached


def _settled(calls: list[int]) -> int:
    """The count once it has not grown for 1.5 s (the machine may be loaded)."""
    last, since = -1, time.monotonic()
    deadline = time.monotonic() + 120
    while time.monotonic() - since < 1.5 and time.monotonic() < deadline:
        if calls[0] != last:
            last, since = calls[0], time.monotonic()
        time.sleep(0.05)
    return last


def test_a_client_that_stays_gets_its_answer() -> None:
    guard = Guard.from_yaml(POLICY)
    app = GuardMiddleware(Starlette(routes=[Route(
        "/v1/chat/completions", _echo, methods=["POST"])]), guard=guard)
    text = dense(random.Random(3), 20_000)
    body = json.dumps({"model": "gpt-5", "messages": [{"role": "user", "content": text}]})
    done: list[bytes] = []
    with running(app) as url:
        import httpx

        def call() -> None:
            done.append(httpx.post(f"{url}/v1/chat/completions", content=body,
                                   headers={"content-type": "application/json"},
                                   timeout=60).content)
        worker = threading.Thread(target=call)
        worker.start()
        worker.join(60)
    forwarded = json.loads(done[0])["messages"][0]["content"]
    assert "@example.com" not in forwarded and "<EMAIL_ADDRESS>" in forwarded


async def _echo(request: Request) -> JSONResponse:
    return JSONResponse(await request.json())
