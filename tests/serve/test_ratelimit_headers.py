"""x-ratelimit headers as an SDK reads them: one value each, whoever's limit binds.

The upstream announces its own (large) limits; guard's rate limit is the tighter one. The
real openai SDK reads the headers of plain and streamed answers; before the merge httpx
joined the two values (``'9999, 4'``) and ``int()`` of them failed.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import openai
import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response, StreamingResponse
from starlette.routing import Route

from guard.limits.headers import seconds
from guard.serve.app import build_app
from tests.serve.servers import running

POLICIES = """version: 1
settings: {store: "memory://", decision_log: none}
policies:
  - {name: pace, type: rate_limit, per: '"all"', requests: 5, window: minute, algorithm: fixed}
"""
UPSTREAM_LIMITS = {"x-ratelimit-limit-requests": "10000",
                   "x-ratelimit-remaining-requests": "9999",
                   "x-ratelimit-reset-requests": "6ms",
                   "x-ratelimit-limit-tokens": "2000000",
                   "x-ratelimit-remaining-tokens": "1999000",
                   "x-ratelimit-reset-tokens": "30ms"}


async def chat(request: Request) -> Response:
    body = await request.json()
    reply = {"id": "c1", "object": "chat.completion", "created": 0, "model": body["model"],
             "choices": [{"index": 0, "finish_reason": "stop",
                          "message": {"role": "assistant", "content": "hi"}}],
             "usage": {"prompt_tokens": 3, "completion_tokens": 1, "total_tokens": 4}}
    if not body.get("stream"):
        return JSONResponse(reply, headers=UPSTREAM_LIMITS)

    async def events() -> AsyncIterator[bytes]:
        chunk = {"id": "c1", "object": "chat.completion.chunk", "created": 0,
                 "model": body["model"],
                 "choices": [{"index": 0, "delta": {"content": "hi"}, "finish_reason": "stop"}]}
        yield f"data: {json.dumps(chunk)}\n\n".encode()
        yield b"data: [DONE]\n\n"
    return StreamingResponse(events(), media_type="text/event-stream", headers=UPSTREAM_LIMITS)


@pytest.fixture
def client(tmp_path: Path) -> Iterator[openai.OpenAI]:
    (tmp_path / "p.yaml").write_text(POLICIES)
    upstream = Starlette(routes=[Route("/v1/chat/completions", chat, methods=["POST"])])
    with running(upstream) as upstream_url, \
            running(build_app(tmp_path / "p.yaml", upstream_url)) as url, \
            openai.OpenAI(base_url=url + "/v1", api_key="sk-test", max_retries=0) as sdk:
        yield sdk


MESSAGES: Any = [{"role": "user", "content": "hello"}]


def test_each_header_has_one_value_the_tighter_limit(client: openai.OpenAI) -> None:
    for sent in range(1, 4):
        raw = client.chat.completions.with_raw_response.create(model="gpt-4o-mini",
                                                               messages=MESSAGES)
        assert raw.parse().choices[0].message.content == "hi"
        assert int(raw.headers["x-ratelimit-remaining-requests"]) == 5 - sent
        assert int(raw.headers["x-ratelimit-limit-requests"]) == 5
        reset = seconds(raw.headers["x-ratelimit-reset-requests"])
        assert reset is not None and 0 < reset <= 60  # guard's window, the later reset
        for name in UPSTREAM_LIMITS:
            assert len(raw.headers.get_list(name)) == 1, name
        assert raw.headers["x-ratelimit-remaining-tokens"] == "1999000"  # upstream's alone


def test_a_streamed_answer_carries_one_value_too(client: openai.OpenAI) -> None:
    with client.chat.completions.with_streaming_response.create(
            model="gpt-4o-mini", messages=MESSAGES, stream=True) as raw:
        assert int(raw.headers["x-ratelimit-remaining-requests"]) == 4
        assert raw.headers.get_list("x-ratelimit-limit-requests") == ["5"]
        assert "".join(c.choices[0].delta.content or "" for c in raw.parse()) == "hi"


def test_the_refusal_says_when_to_retry_once(client: openai.OpenAI) -> None:
    for _ in range(5):
        client.chat.completions.create(model="gpt-4o-mini", messages=MESSAGES)
    with pytest.raises(openai.RateLimitError) as refused:
        client.chat.completions.create(model="gpt-4o-mini", messages=MESSAGES)
    headers = refused.value.response.headers
    assert headers.get_list("x-ratelimit-remaining-requests") == ["0"]
    assert len(headers.get_list("retry-after")) == 1 and int(headers["retry-after"]) >= 1
