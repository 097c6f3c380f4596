"""Big requests are worked on off the event loop, which keeps serving other callers."""

from __future__ import annotations

import asyncio
import gc
import json
import threading
from typing import Any

import pytest

from guard import Guard, GuardMiddleware, offload
from guard.envelope import parse_request
from tests.asgi.upstream import build

PATH = "/v1/chat/completions"
TEXT = ("Please summarise the attached meeting notes for the team and list the open "
        "questions. ") * 24
POLICIES = """version: 1
settings: {store: "memory://", decision_log: none, max_body_bytes: 8388608}
identity: {user: request.body.user}
variables: {long: "size(request.messages) > 1000000"}
policies:
  - {name: size, type: rule, deny_if: variables.long}
  - {name: greeting, type: rule, deny_if: 'request.text.startsWith("forbidden")'}
  - name: filters
    type: content
    detect: {secrets: true, prompt_injection: true}
"""


def small() -> bytes:
    return json.dumps({"model": "gpt-4o-mini",
                       "messages": [{"role": "user", "content": TEXT}]}).encode()


def many(count: int) -> bytes:
    messages = [{"role": "user", "content": f"note {i}"} for i in range(count)]
    return json.dumps({"model": "gpt-4o-mini", "user": "u1", "messages": messages}).encode()


async def post(app: Any, body: bytes) -> int:
    scope = {"type": "http", "method": "POST", "path": PATH, "raw_path": PATH.encode(),
             "query_string": b"", "headers": [(b"content-type", b"application/json")]}
    sent, status = False, [0]

    async def receive() -> dict[str, Any]:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        await asyncio.Event().wait()
        return {"type": "http.disconnect"}

    async def send(message: dict[str, Any]) -> None:
        if message["type"] == "http.response.start":
            status[0] = message["status"]

    await app(scope, receive, send)
    return status[0]


def test_a_hostile_request_leaves_the_loop_serving_others() -> None:
    """50k messages on pure-Python CEL took seconds on the loop (100k: ~16 s) before the
    work moved to a thread: every other caller waited. Now small requests are answered
    while it is decided. (How long the loop stalls is timed in benchmarks/bench_loop.py, not
    here: on a loaded machine any bound on seconds fails at random.)"""
    app = GuardMiddleware(build(record=False), Guard.from_yaml(POLICIES, cel_engine="cel-python"))

    async def scenario() -> tuple[int, list[int], int]:
        await post(app, small())  # first-use loads are not what this is about
        hostile = asyncio.create_task(post(app, many(50_000)))
        answered = []
        while not hostile.done() and len(answered) < 20:
            answered.append(await post(app, small()))
        early = len(answered) if not hostile.done() else 0
        return await hostile, answered, early

    status, answered, early = asyncio.run(scenario())
    assert status == 200
    assert set(answered) == {200}
    assert early >= 1  # answered while the hostile request was still being decided


def test_small_requests_are_worked_on_inline() -> None:
    envelope = parse_request(small(), path=PATH)
    assert not offload.is_big(envelope)
    assert offload.is_big(parse_request(many(300), path=PATH))  # short texts weigh too

    async def where(big: bool) -> int:
        return await offload.run(big, threading.get_ident)

    assert asyncio.run(where(False)) == threading.get_ident()
    assert asyncio.run(where(True)) != threading.get_ident()


def test_the_collector_pauses_only_while_big_work_runs() -> None:
    seen: list[bool] = []

    async def main() -> None:
        await offload.run(True, lambda: seen.append(gc.isenabled()))
        await asyncio.gather(*(offload.run(True, lambda: seen.append(gc.isenabled()))
                               for _ in range(4)))

    assert gc.isenabled()
    asyncio.run(main())
    assert seen == [False] * 5
    assert gc.isenabled()


def test_a_collector_turned_off_stays_off() -> None:
    gc.disable()
    try:
        asyncio.run(offload.run(True, int))
        assert not gc.isenabled()
    finally:
        gc.enable()


def test_a_failure_in_big_work_resumes_the_collector() -> None:
    def fail() -> None:
        raise ValueError("boom")

    with pytest.raises(ValueError, match="boom"):
        asyncio.run(offload.run(True, fail))
    assert gc.isenabled()
