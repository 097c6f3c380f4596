"""A stand-in judge on loopback: an OpenAI-compatible chat endpoint whose answer the test picks.

The reviewed text (the user message) steers it: ``FLAG`` in the text → flagged,
``SLOW`` → answers after ``state.slow`` seconds, ``GARBAGE`` → a verdict that is
not JSON, ``BROKEN`` → HTTP 500. Every call is recorded (body and headers), so
tests can count calls and see exactly what the judge was sent. A request
without ``response_format`` is answered as a plain upstream model would.
"""

from __future__ import annotations

import asyncio
import json
import time
from dataclasses import dataclass, field
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route


@dataclass
class JudgeState:
    """What the stand-in saw; reset between tests."""

    calls: list[dict[str, Any]] = field(default_factory=list)
    headers: list[dict[str, str]] = field(default_factory=list)
    received_at: list[float] = field(default_factory=list)  # time.monotonic() per judge call
    upstream_calls: int = 0
    slow: float = 1.0
    delay: float = 0.0  # every judge answer waits this long

    def reset(self) -> None:
        self.calls.clear()
        self.headers.clear()
        self.received_at.clear()
        self.upstream_calls, self.slow, self.delay = 0, 1.0, 0.0

    def texts(self) -> list[str]:
        return [str(c["messages"][1]["content"]) for c in self.calls]


def completion(content: str) -> dict[str, Any]:
    return {"id": "x", "object": "chat.completion", "model": "judge",
            "choices": [{"index": 0, "finish_reason": "stop",
                         "message": {"role": "assistant", "content": content}}],
            "usage": {"prompt_tokens": 5, "completion_tokens": 5, "total_tokens": 10}}


def judge_app(state: JudgeState) -> Starlette:
    async def chat(request: Request) -> Response:
        body = await request.json()
        if "response_format" not in body:  # guard serve forwarding ordinary traffic
            state.upstream_calls += 1
            return JSONResponse(completion("the model's answer"))
        state.received_at.append(time.monotonic())
        state.calls.append(body)
        state.headers.append(dict(request.headers))
        text = str(body["messages"][1]["content"])
        await asyncio.sleep(state.slow if "SLOW" in text else state.delay)
        if "BROKEN" in text:
            return JSONResponse({"error": {"message": "boom"}}, status_code=500)
        if "GARBAGE" in text:
            return JSONResponse(completion("I think this is fine!"))
        flagged = "FLAG" in text
        verdict = {"flagged": flagged, "reason": "mentions a flag word" if flagged else ""}
        return JSONResponse(completion(json.dumps(verdict)))

    return Starlette(routes=[Route("/v1/chat/completions", chat, methods=["POST"])])
