"""``type: rate_limit`` through ``Guard``: 429 with Retry-After, headers, buckets."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from guard import Guard

CHAT = "/v1/chat/completions"
NOW = datetime(2026, 11, 23, 12, 0, 0, tzinfo=UTC)


def guard(limits: str, algorithm: str = "fixed") -> Guard:
    return Guard.from_yaml(f"""version: 1
settings: {{store: "memory://"}}
identity:
  key: request.headers["authorization"]
policies:
  - name: per-key
    type: rate_limit
    per: identity.key
    {limits}
    window: minute
    algorithm: {algorithm}
""")


def call(max_tokens: int = 100) -> dict[str, Any]:
    return {"model": "gpt-4o-mini", "max_tokens": max_tokens,
            "messages": [{"role": "user", "content": "Hello world"}]}


def send(g: Guard, key: str = "Bearer a", now: datetime = NOW, **kw: Any) -> Any:
    return g.check_request_sync(call(**kw), path=CHAT, headers={"authorization": key}, now=now)


def test_requests_per_window_then_429_with_retry_after() -> None:
    g = guard("requests: 2")
    first = send(g)
    assert first.action == "allow"
    assert first.headers["x-ratelimit-limit-requests"] == "2"
    assert first.headers["x-ratelimit-remaining-requests"] == "1"
    assert send(g).action == "allow"
    limited = send(g, now=NOW + timedelta(seconds=15))
    assert (limited.action, limited.status) == ("deny", 429)
    assert limited.headers["retry-after"] == "45"
    assert limited.error["error"]["message"] == (
        "rate limit 'per-key' reached: 2 requests per minute; retry in 45 s")
    assert send(g, key="Bearer b").action == "allow"
    assert send(g, now=NOW + timedelta(minutes=1)).action == "allow"


def test_tokens_per_window_count_the_estimate() -> None:
    g = guard("tokens: 250")
    assert send(g).action == "allow"  # 106 tokens
    assert send(g).action == "allow"  # 212
    assert send(g).status == 429
    too_big = send(g, key="Bearer c", max_tokens=1000)
    assert too_big.status == 429 and "more than the 250 allowed per minute" in (
        too_big.error["error"]["message"])


def test_a_request_refused_for_tokens_uses_no_request_slot() -> None:
    g = guard("requests: 2\n    tokens: 150")
    assert send(g).action == "allow"
    assert send(g).status == 429  # tokens
    assert send(g, max_tokens=10).action == "allow"  # the second request slot is still free


def test_sliding_windows_weigh_the_previous_window() -> None:
    g = guard("requests: 4", algorithm="sliding")
    for _ in range(4):
        assert send(g, now=NOW + timedelta(seconds=50)).action == "allow"
    # 15 s into the next minute, 75% of the previous minute still counts: 3 of 4 used
    assert send(g, now=NOW + timedelta(seconds=75)).action == "allow"
    assert send(g, now=NOW + timedelta(seconds=75)).status == 429


def test_requests_without_a_key_are_not_limited() -> None:
    g = guard("requests: 1")
    for _ in range(3):
        assert g.check_request_sync(call(), path=CHAT, now=NOW).action == "allow"
