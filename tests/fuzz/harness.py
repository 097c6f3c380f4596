"""The stacks the fuzzer drives and one exchange through them, with every invariant checked.

A stack is guard in front of the scripted upstream (:mod:`tests.fuzz.stand_in`), served by
uvicorn on loopback: ``guard serve`` (the proxy, the upstream on its own port) or
``GuardMiddleware`` wrapping the upstream app itself. Both are wrapped in a
:class:`~tests.fuzz.stand_in.LagProbe` on the serving loop.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

from guard import Guard
from guard.asgi.middleware import GuardMiddleware
from guard.serve.app import build_app
from tests.fuzz import invariants
from tests.fuzz.bodies import Request
from tests.fuzz.stand_in import Answer, LagProbe, Scripted
from tests.serve.answer_stand_in import sse
from tests.serve.answer_variants import chat_events, chat_json
from tests.serve.servers import running

POLICIES = """version: 1
settings: {store: "memory://", decision_log: none, scan_memo: 0}
identity:
  key: request.api_key
policies:
  - name: models
    type: route
    allow: ["*"]
  - name: cap
    type: rule
    deny_if: request.max_tokens != null && request.max_tokens > 100000
    message: max_tokens may be at most 100000
  - name: personal-data
    type: pii
    stages: [input, output]
    entities: [EMAIL_ADDRESS, CREDIT_CARD]
    action: redact
  - name: spend
    type: budget
    per: identity.key
    limit_tokens: 100000000000000
    window: day
  - name: per-key
    type: rate_limit
    per: identity.key
    requests: 100000000
    tokens: 100000000000
    window: minute
"""

STALL_BOUND = 2.0
"""Seconds the serving loop may stall: generous (machines are noisy); the benchmarks measure
stalls tightly, this only catches a request that blocks the loop outright."""


@dataclass(repr=False)
class Stack:
    name: str
    url: str
    upstream: Scripted
    probe: LagProbe
    client: httpx.Client
    calls: int = 0

    def _repr_pretty_(self, printer: Any, cycle: bool) -> None:  # Hypothesis's printer
        printer.text(repr(self))

    def __repr__(self) -> str:
        return f"Stack({self.name} at {self.url}, {self.upstream!r})"


@contextmanager
def serve_stack(tmp: Path) -> Iterator[Stack]:
    """``guard serve`` on loopback, its upstream the scripted app on another port."""
    policies = tmp / "fuzz.yaml"
    policies.write_text(POLICIES)
    upstream = Scripted()
    with running(upstream) as upstream_url:
        probe = LagProbe(build_app(policies, upstream_url))
        with running(probe) as url, httpx.Client(timeout=120) as client:
            yield warm(Stack("serve", url, upstream, probe, client))


@contextmanager
def middleware_stack() -> Iterator[Stack]:
    """``GuardMiddleware`` wrapping the scripted app, on loopback."""
    upstream = Scripted()
    probe = LagProbe(GuardMiddleware(upstream, Guard.from_yaml(POLICIES)))
    with running(probe) as url, httpx.Client(timeout=120) as client:
        yield warm(Stack("middleware", url, upstream, probe, client))


def warm(stack: Stack) -> Stack:
    """The stack after one request of each kind: what is built on first use (recognizers,
    pools) is not a stall the fuzzed requests caused."""
    text = "mail jane.roe@example.com, card 4111 1111 1111 1111"
    body = json.dumps({"model": "gpt-4o-mini", "stream": True,
                       "messages": [{"role": "user", "content": text}]})
    for answer in (Answer((json.dumps(chat_json(content=text)).encode(),)),
                   Answer((sse(chat_events("content", "w", text)),), "text/event-stream")):
        stack.upstream.answer = answer
        stack.client.post(stack.url + "/v1/chat/completions", content=body,
                          headers={"content-type": "application/json"})
    stack.upstream.received.clear()
    stack.probe.reset()
    return stack


def exchange(stack: Stack, request: Request, answer: Answer,
             answered: str | None = None) -> httpx.Response:
    """Send ``request`` through ``stack`` with the upstream answering ``answer`` (which
    carries the PII value ``answered``); check every invariant; the caller's response."""
    stack.upstream.answer = answer
    before = len(stack.upstream.received)
    url = httpx.URL(stack.url + request.path)
    stack.calls += 1  # a key of its own: a huge usage counted earlier exhausts no budget here
    response = stack.client.post(url, content=request.raw, headers={
        "content-type": request.content_type, "authorization": f"Bearer sk-{stack.calls}"})
    received = stack.upstream.received[before:]
    assert len(received) <= 1
    invariants.check_status(response.status_code, response.content, request.shape.family,
                            from_upstream=False)
    for message in invariants.guard_errors(response.content):
        invariants.no_internals(message)
    if request.planted is not None:
        for upstream in received:
            invariants.no_pii("upstream", invariants.shown(upstream.body), [request.planted])
    if received and answered is not None:
        invariants.no_pii("caller", invariants.shown(response.content), [answered])
    stall = stack.probe.reset()
    assert stall < STALL_BOUND, f"the event loop stalled {stall:.2f} s"
    return response
