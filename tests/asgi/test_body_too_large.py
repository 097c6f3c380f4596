"""A body over ``max_body_bytes`` gets 413 with the code ``body_too_large``, on real HTTP:
declared too long, or sent chunked past the limit, and however large (the server layer
lets guard answer before the body is read: no reset, no 400 from uvicorn)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from guard.serve.app import build_app
from guard.serve.protocol import ReadLimits, protocol_class
from tests.serve.servers import running
from tests.serve.test_proxy import Recorder

POLICIES = """version: 1
settings: {store: "memory://", decision_log: none, max_body_bytes: 4096}
policies: []
"""


def _chunks(body: bytes) -> Iterator[bytes]:
    for at in range(0, len(body), 65536):
        yield body[at:at + 65536]


@pytest.mark.parametrize("size", [5000, 8 << 20])
@pytest.mark.parametrize("chunked", [False, True])
@pytest.mark.parametrize("path", ["/v1/chat/completions", "/v1/messages", "/anything"])
def test_too_large_says_so(tmp_path: Path, size: int, chunked: bool, path: str) -> None:
    policy = tmp_path / "p.yaml"
    policy.write_text(POLICIES)
    upstream = Recorder()
    body = b'{"model": "m", "messages": [{"role": "user", "content": "' + b"a" * size + b'"}]}'
    with running(upstream) as up:
        app = build_app(policy, up)
        http = protocol_class(ReadLimits.from_settings(app.source().settings))
        with running(app, fast=True, http=http) as url:
            answer = httpx.post(f"{url}{path}", content=_chunks(body) if chunked else body,
                                headers={"content-type": "application/json"}, timeout=30)
    assert answer.status_code == 413
    error = answer.json()["error"]
    assert error.get("code") == "body_too_large" or error.get("type") == "request_too_large"
    assert "4096" in answer.text and upstream.seen == []
