"""A stand-in judge on loopback: an OpenAI-compatible chat endpoint whose answer the test picks.

The reviewed text (the user message) steers it: ``FLAG`` in the text → flagged,
``SLOW`` → answers after ``state.slow`` seconds, ``GARBAGE`` → a verdict that is
not JSON, ``BROKEN`` → HTTP 500. Every call is recorded (body and headers), so
tests can count calls and see exactly what the judge was sent. A request
without ``response_format`` is answered as a plain upstream model would.

Each test gets its own path prefix (``/{run}/v1/...``, a new ``run`` per
:meth:`JudgeState.reset`) and only calls under the current prefix are
recorded: a call an earlier test cancelled may still reach the server late on a
loaded machine, and must not be counted as this test's. Waits end early when the
caller hangs up, so an abandoned call does not keep the server busy.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import time
from dataclasses import dataclass, field
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

_RUNS = itertools.count(1)


@dataclass
class JudgeState:
    """What the stand-in saw; reset between tests."""

    calls: list[dict[str, Any]] = field(default_factory=list)
    headers: list[dict[str, str]] = field(default_factory=list)
    received_at: list[float] = field(default_factory=list)  # time.monotonic() per judge call
    upstream_calls: int = 0
    slow: float = 1.0
    delay: float = 0.0  # every judge answer waits this long
    hold_until: int = 0  # answers wait (up to 10 s) until this many calls were in flight at once
    in_flight: int = 0
    peak: int = 0  # the most judge calls in flight at once
    run: str = field(default_factory=lambda: f"run{next(_RUNS)}")

    def reset(self) -> None:
        self.calls.clear()
        self.headers.clear()
        self.received_at.clear()
        self.upstream_calls, self.slow, self.delay = 0, 1.0, 0.0
        self.hold_until, self.in_flight, self.peak = 0, 0, 0
        self.run = f"run{next(_RUNS)}"

    def texts(self) -> list[str]:
        return [str(c["messages"][1]["content"]) for c in self.calls]


def completion(content: str) -> dict[str, Any]:
    return {"id": "x", "object": "chat.completion", "model": "judge",
            "choices": [{"index": 0, "finish_reason": "stop",
                         "message": {"role": "assistant", "content": content}}],
            "usage": {"prompt_tokens": 5, "completion_tokens": 5, "total_tokens": 10}}


async def pause(request: Request, seconds: float) -> None:
    """Wait ``seconds``, or less if the caller hangs up."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline and not await request.is_disconnected():
        await asyncio.sleep(min(0.02, max(deadline - time.monotonic(), 0)))


async def held(request: Request, state: JudgeState) -> None:
    """Wait until ``state.hold_until`` calls were in flight at once (10 s at most)."""
    deadline = time.monotonic() + 10
    while state.peak < state.hold_until and time.monotonic() < deadline:
        if await request.is_disconnected():
            return
        await asyncio.sleep(0.01)


def judge_app(state: JudgeState) -> Starlette:
    async def chat(request: Request) -> Response:
        body = await request.json()
        current = request.path_params.get("run", state.run) == state.run
        if "response_format" not in body:  # guard serve forwarding ordinary traffic
            if current:
                state.upstream_calls += 1
            return JSONResponse(completion("the model's answer"))
        if current:
            state.received_at.append(time.monotonic())
            state.calls.append(body)
            state.headers.append(dict(request.headers))
        state.in_flight += 1
        state.peak = max(state.peak, state.in_flight)
        try:
            return await verdict(request, state, str(body["messages"][1]["content"]))
        finally:
            state.in_flight -= 1

    return Starlette(routes=[Route("/v1/chat/completions", chat, methods=["POST"]),
                             Route("/{run}/v1/chat/completions", chat, methods=["POST"])])


async def verdict(request: Request, state: JudgeState, text: str) -> Response:
    await held(request, state)
    await pause(request, state.slow if "SLOW" in text else state.delay)
    if "BROKEN" in text:
        return JSONResponse({"error": {"message": "boom"}}, status_code=500)
    if "GARBAGE" in text:
        return JSONResponse(completion("I think this is fine!"))
    flagged = "FLAG" in text
    reason = "mentions a flag word" if flagged else ""
    return JSONResponse(completion(json.dumps({"flagged": flagged, "reason": reason})))
