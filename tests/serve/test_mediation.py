"""Complete mediation, request side: probes of every way around guard, through ``guard serve``.

Each probe plants personal data somewhere in a request (a path spelling, a method, an API,
a field, an encoding, an ambiguous body) and goes through ``guard serve`` to a stand-in that
records what it receives. Whatever the probe, the upstream receives no planted value (in the
raw body, a first-wins parse of it, the path or the headers): the probe is forwarded with
the value redacted, or refused with a 4xx in the API's shape, never a 5xx; every answer
carries a decision id; and ``guard check`` decides each probe as the proxy did.
"""

from __future__ import annotations

import gzip
import io
import json
from collections.abc import Iterator
from contextlib import redirect_stdout
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest

from guard.cli.main import main
from guard.serve.app import build_app
from tests.asgi.upstream import build
from tests.serve.servers import running

EMAIL, PHONE = "jane.roe@example.com", "+1 415 555 0199"
PLANTED = (EMAIL, "jane.roe", PHONE, "555 0199")
SETTINGS = """version: 1
settings: {{store: "memory://", decision_log: none, unknown_api: {unknown}}}
identity:
  key: request.api_key
policies:
  - name: models
    type: route
    allow: ["openai/*", "anthropic/*", "google/gemini-2.5-*"]
  - name: personal-data
    type: pii
    entities: [EMAIL_ADDRESS, PHONE_NUMBER]
    action: redact
  - name: per-key
    type: rate_limit
    per: identity.key
    requests: 100000
    window: minute
"""


@dataclass
class Probe:
    name: str
    path: str
    body: Any  # a JSON value, or bytes sent as they are
    method: str = "POST"
    headers: dict[str, str] = field(default_factory=lambda: {
        "content-type": "application/json", "authorization": "Bearer sk-probe"})
    refused: int | None = None  # the 4xx expected, when the probe must be refused

    def raw(self) -> bytes:
        return self.body if isinstance(self.body, bytes) else json.dumps(self.body).encode()


def chat(text: str = f"mail {EMAIL} or call {PHONE}", **extra: Any) -> dict[str, Any]:
    return {"model": "gpt-4o-mini", "messages": [{"role": "user", "content": text}], **extra}


def gemini(text: str = f"mail {EMAIL}") -> dict[str, Any]:
    return {"contents": [{"role": "user", "parts": [{"text": text}]}],
            "systemInstruction": {"parts": [{"text": f"the user is {EMAIL}"}]}}


CHAT = "/v1/chat/completions"
SCHEMA = {"type": "object", "description": f"a reply for {EMAIL}",
          "properties": {"to": {"type": "string", "description": f"defaults to {PHONE}"}}}
TOOL = {"type": "function", "function": {"name": "mail", "description": f"mails {EMAIL}",
                                         "parameters": SCHEMA}}
ANTHROPIC = {"model": "claude-haiku-4-5", "max_tokens": 20,
             "system": f"owner {EMAIL}", "messages": [{"role": "user", "content": f"hi {PHONE}"}]}
GZIP = {**{"content-type": "application/json", "content-encoding": "gzip"}}

PROBES = [
    Probe("double slash", "//v1/chat/completions", chat()),
    Probe("inner double slash", "/v1//chat/completions", chat()),
    Probe("dot segment", "/v1/./chat/completions", chat()),
    Probe("dot-dot segment", "/v1/x/../chat/completions", chat()),
    Probe("matrix parameter", "/v1/chat/completions;x=1", chat()),
    Probe("escaped space", "/v1/chat/completions%20", chat(), refused=400),
    Probe("escaped slash", "/v1%2Fchat/completions", chat(), refused=400),
    Probe("upper case", "/V1/CHAT/COMPLETIONS", chat()),
    Probe("api prefix", "/api/v1/chat/completions", chat()),
    Probe("engines path", "/engines/gpt-4o/chat/completions", chat()),
    Probe("PUT", CHAT, chat(), method="PUT"),
    Probe("PATCH", CHAT, chat(), method="PATCH"),
    Probe("GET with a body", CHAT, chat(), method="GET"),
    Probe("gemini", "/v1beta/models/gemini-2.5-flash:generateContent", gemini()),
    Probe("gemini stream", "/v1beta/models/gemini-2.5-flash:streamGenerateContent?alt=sse",
          gemini()),
    Probe("gemini vertex", "/v1/projects/p/locations/l/publishers/google/models/"
          "gemini-2.5-flash:generateContent", gemini()),
    Probe("gemini outside the allowlist", "/v1beta/models/gemini-1.5-pro:generateContent",
          gemini(), refused=403),
    Probe("interactions", "/v1beta/interactions",
          {"model": "gemini-2.5-flash", "input": f"mail {EMAIL}",
           "system_instruction": f"user {PHONE}"}),
    Probe("interactions under compat", "/v3/compat/v1beta/interactions",
          {"model": "gemini-2.5-flash", "input": [{"type": "text", "text": f"mail {EMAIL}"}]}),
    Probe("interactions outside the allowlist", "/v1beta/interactions",
          {"model": "gemini-1.5-pro", "input": "hi"}, refused=403),
    Probe("openresponses", "/v3/compat/openresponses",
          {"model": "gpt-4o-mini", "input": f"mail {EMAIL}"}),
    Probe("opper stream", "/v3/call/stream",
          {"name": "t", "input": {"to": EMAIL}, "model": "openai/gpt-4o-mini"}),
    Probe("count tokens", "/v1/messages/count_tokens", ANTHROPIC),
    Probe("batches", "/v1/messages/batches",
          {"requests": [{"custom_id": "a", "params": ANTHROPIC}]}),
    Probe("input tokens", "/v1/responses/input_tokens",
          {"model": "gpt-4o-mini", "input": f"mail {EMAIL}"}),
    Probe("moderations", "/v1/moderations", {"input": [f"mail {EMAIL}"]}),
    Probe("images", "/v1/images/generations", {"model": "gpt-image-1", "prompt": f"{EMAIL}"}),
    Probe("speech", "/v1/audio/speech",
          {"model": "gpt-4o-mini-tts", "voice": "alloy", "input": f"say {PHONE}"}),
    Probe("conversation items", "/v1/conversations/conv_1/items",
          {"items": [{"type": "message", "role": "user", "content": f"mail {EMAIL}"}]}),
    Probe("ollama", "/api/chat", {"model": "gpt-4o-mini", "stream": False,
                                  "messages": [{"role": "user", "content": f"mail {EMAIL}"}]}),
    Probe("unknown JSON endpoint", "/v1/widgets",
          {"owner": {"contact": EMAIL}, "notes": [f"call {PHONE}"]}),
    Probe("plain text body", CHAT, f"mail {EMAIL}".encode(),
          headers={"content-type": "text/plain"}, refused=415),
    Probe("JSON sent as text/plain", CHAT, chat(), headers={"content-type": "text/plain"}),
    Probe("form body", CHAT, f"to={EMAIL}".encode(),
          headers={"content-type": "application/x-www-form-urlencoded"}, refused=415),
    Probe("user field", CHAT, chat("hi", user=EMAIL)),
    Probe("metadata", CHAT, chat("hi", metadata={"owner": EMAIL})),
    Probe("message name", CHAT, {"model": "gpt-4o-mini", "messages": [
        {"role": "user", "content": "hi", "name": PHONE}]}),
    Probe("tool description", CHAT, chat("hi", tools=[TOOL])),
    Probe("response_format schema", CHAT, chat("hi", response_format={
        "type": "json_schema", "json_schema": {"name": "reply", "schema": SCHEMA}})),
    Probe("text.format schema", "/v1/responses", {"model": "gpt-4o-mini", "input": "hi",
          "text": {"format": {"type": "json_schema", "name": "r", "schema": SCHEMA}}}),
    Probe("stop sequences", CHAT, chat("hi", stop=[EMAIL])),
    Probe("anthropic tool description", "/v1/messages", {**ANTHROPIC, "tools": [
        {"name": "mail", "description": f"mails {EMAIL}", "input_schema": SCHEMA}]}),
    Probe("duplicate keys", CHAT, b'{"model": "gpt-4o-mini", "messages": [{"role": "user", '
          b'"content": "mail ' + EMAIL.encode() + b'"}], "messages": [{"role": "user", '
          b'"content": "hi"}]}', refused=400),
    Probe("keys differing in case", CHAT, b'{"model": "gpt-4o-mini", "Model": "mistral-large",'
          b' "messages": [{"role": "user", "content": "hi"}]}', refused=400),
    Probe("lone surrogate", CHAT, b'{"model": "gpt-4o-mini", "messages": [{"role": "user", '
          b'"content": "\\ud800 mail ' + EMAIL.encode() + b'"}]}', refused=400),
    Probe("gzip body", CHAT, gzip.compress(json.dumps(chat()).encode()), headers=GZIP),
    Probe("unknown coding", CHAT, json.dumps(chat()).encode(),
          headers={"content-type": "application/json", "content-encoding": "zstd"},
          refused=415),
]


@pytest.fixture(scope="module", params=["scan", "block"])
def stack(request: pytest.FixtureRequest,
          tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    policies = tmp_path_factory.mktemp("policies") / "p.yaml"
    policies.write_text(SETTINGS.format(unknown=request.param))
    upstream = build()
    with running(upstream) as upstream_url, running(build_app(policies, upstream_url)) as url:
        yield {"url": url, "upstream": upstream, "policies": policies, "mode": request.param}


def first_wins(raw: bytes) -> Any:
    """The body as a parser that keeps a repeated key's first value reads it."""
    def keep_first(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for key, value in pairs:
            out.setdefault(key, value)
        return out

    return json.loads(raw, object_pairs_hook=keep_first)


def expected_refusal(probe: Probe, mode: str) -> int | None:
    if probe.name == "unknown JSON endpoint" and mode == "block":
        return 400
    return probe.refused


@pytest.mark.parametrize("probe", PROBES, ids=[p.name for p in PROBES])
def test_no_planted_value_reaches_the_upstream(stack: dict[str, Any], probe: Probe,
                                               tmp_path: Path) -> None:
    seen = stack["upstream"].state.seen
    before = len(seen)
    url = httpx.URL(stack["url"]).copy_with(raw_path=probe.path.encode())
    with httpx.Client() as client:  # the path goes out as written, not joined to a base
        answer = client.request(probe.method, url, content=probe.raw(), headers=probe.headers)
    received = seen[before:]
    refusal = expected_refusal(probe, stack["mode"])
    assert answer.status_code < 500, answer.text
    assert "x-guard-decision-id" in answer.headers  # decided, logged and counted
    if refusal is not None:
        assert answer.status_code == refusal, answer.text
        assert received == []
        return
    assert len(received) == 1, answer.text
    upstream = received[0]
    text = upstream.body.decode("utf-8", "replace")
    parsed = json.dumps(first_wins(upstream.body))
    headers = json.dumps(upstream.headers)
    for value in PLANTED:
        assert value not in text and value not in parsed, (value, text)
        assert value not in upstream.path and value not in headers
    assert "content-encoding" not in upstream.headers
    check = decide_offline(stack["policies"], probe, tmp_path)
    assert check["action"] != "deny", check
    assert json.loads(upstream.body) == check["request"]
    assert httpx.URL(upstream.path).path == httpx.URL(check["path"] or "/").path


def decide_offline(policies: Path, probe: Probe, tmp_path: Path) -> Any:
    """What ``guard check`` says of the same request."""
    request = tmp_path / "request.body"
    request.write_bytes(probe.raw())
    args = ["check", "-p", str(policies), str(request), "--path", probe.path, "-X",
            probe.method, "--json"]
    for name, value in probe.headers.items():
        args += ["-H", f"{name}: {value}"]
    out = io.StringIO()
    with redirect_stdout(out):
        main(args)
    return json.loads(out.getvalue())


@pytest.mark.parametrize("probe", [p for p in PROBES if p.refused],
                         ids=[p.name for p in PROBES if p.refused])
def test_guard_check_refuses_what_the_proxy_refuses(probe: Probe, tmp_path: Path) -> None:
    policies = tmp_path / "p.yaml"
    policies.write_text(SETTINGS.format(unknown="scan"))
    check = decide_offline(policies, probe, tmp_path)
    assert (check["action"], check["status"]) == ("deny", probe.refused)
