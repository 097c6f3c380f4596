"""Callers never see guard's internals: no address, path, exception name or stack.

Redis unreachable, a SQLite file that cannot be opened, an upstream that is down: the
caller of ``guard serve`` gets a 5xx in its API's shape saying what kind of thing failed,
and guard's own logger gets the detail.
"""

from __future__ import annotations

import logging
import re
from pathlib import Path

import httpx
import pytest

from guard.serve.app import build_app
from tests.asgi.upstream import build
from tests.serve.servers import free_port, running

POLICIES = """version: 1
settings: {{store: "{store}", decision_log: none}}
policies:
  - {{name: spend, type: budget, per: '"all"', limit_usd: 10, window: day}}
  - {{name: pace, type: rate_limit, per: '"all"', requests: 100, window: minute}}
"""
CHAT = {"model": "gpt-4o-mini", "messages": [{"role": "user", "content": "hi"}]}
ANTHROPIC = {"model": "claude-haiku-4-5", "max_tokens": 5,
             "messages": [{"role": "user", "content": "hi"}]}
EXCEPTION_NAME = re.compile(r"\b[A-Z]\w*(Error|Exception)\b|Traceback|File \"")


def assert_no_internals(text: str, *secrets: str) -> None:
    assert not EXCEPTION_NAME.search(text), text
    assert "127.0.0.1" not in text and "localhost" not in text, text
    for secret in secrets:
        assert secret not in text, text


@pytest.mark.parametrize("kind", ["redis", "sqlite"])
def test_a_store_that_fails_is_a_503_naming_no_address_or_path(
        tmp_path: Path, kind: str, caplog: pytest.LogCaptureFixture,
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("GUARD_STORE", raising=False)  # the suite's private store: not here
    port = str(free_port())
    blocker = tmp_path / "not-a-directory"
    blocker.write_text("")
    store = (f"redis://127.0.0.1:{port}/0" if kind == "redis"
             else f"sqlite:///{blocker}/state.db")
    (tmp_path / "p.yaml").write_text(POLICIES.format(store=store))
    caplog.set_level(logging.WARNING, logger="guard")
    with running(build()) as upstream, running(build_app(tmp_path / "p.yaml", upstream)) as url:
        for path, body in (("/v1/chat/completions", CHAT), ("/v1/messages", ANTHROPIC)):
            r = httpx.post(url + path, json=body, timeout=60)
            assert r.status_code == 503 and "state store unavailable" in r.text
            assert_no_internals(r.text, port, str(tmp_path), "state.db", "sqlite", "redis:")
    assert (port if kind == "redis" else "state.db") in caplog.text  # the operator's log


def test_an_upstream_that_is_down_is_a_502_naming_no_address(
        tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    port = str(free_port())
    (tmp_path / "p.yaml").write_text(POLICIES.format(store="memory://"))
    caplog.set_level(logging.DEBUG, logger="guard")
    upstream = f"http://gw-user:pass-s3cret@127.0.0.1:{port}/v1?key=query-s3cret&sig=sig-s3cret"
    with running(build_app(tmp_path / "p.yaml", upstream)) as url:
        for path, body in (("/v1/chat/completions", CHAT), ("/v1/messages", ANTHROPIC)):
            r = httpx.post(url + path, json=body, timeout=60)
            assert r.status_code == 502 and "unreachable" in r.text
            assert_no_internals(r.text, port, "s3cret", "gw-user", "key=")
    assert f"upstream http://127.0.0.1:{port}/v1 is unreachable" in caplog.text
    assert "s3cret" not in caplog.text and "gw-user" not in caplog.text
    assert "key=" not in caplog.text
