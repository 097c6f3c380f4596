"""OpenTelemetry: one span per guarded request (GenAI conventions), one event per policy
outcome (guardrail proposal), never text or identity; traceparent to the upstream; nothing
imported or changed without the extra or the OTEL_* variables."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import httpx
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

pytest.importorskip("opentelemetry.sdk")

from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import (
    InMemorySpanExporter,
)

from guard.observe.tracing import Tracing, known_model, tracing_from_env
from guard.serve.app import build_app
from tests.observe.traffic import API_KEY, EMAIL, MARKER, TEAM, USER
from tests.serve.servers import running
from tests.serve.test_proxy import Recorder

POLICIES = f"""version: 1
settings: {{store: "memory://", decision_log: none}}
identity:
  key: request.headers["authorization"]
  user: request.body.user
  team: request.headers["x-team"]
policies:
  - name: approved-models
    type: route
    allow: ["openai/gpt-4o*"]
  - name: contacts
    type: pii
    entities: [EMAIL_ADDRESS]
    action: redact
  - name: marker-words
    type: content
    detect: {{keywords: ["{MARKER}"]}}
    action: block
  - name: only-big-teams
    type: rule
    when: identity.team == "nobody"
    deny_if: "true"
"""

PARENT = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"


@pytest.fixture
def traced(tmp_path: Path) -> Any:
    policy = tmp_path / "p.yaml"
    policy.write_text(POLICIES)
    exporter = InMemorySpanExporter()
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    upstream = Recorder()
    with running(upstream) as up, running(build_app(policy, up,
                                                    tracing=Tracing(provider))) as url:
        yield url, exporter, upstream


def _spans(exporter: InMemorySpanExporter, count: int = 1) -> tuple[Any, ...]:
    """The finished spans, once ``count`` are (a span ends just after its answer is sent)."""
    deadline = time.monotonic() + 5
    while len(exporter.get_finished_spans()) < count and time.monotonic() < deadline:
        time.sleep(0.01)
    return tuple(exporter.get_finished_spans())


def _chat(url: str, content: str, **extra: Any) -> httpx.Response:
    body = {"model": "openai/gpt-4o-2024-08-06", "user": USER, "max_tokens": 256,
            "temperature": 0.2, "messages": [{"role": "user", "content": content}], **extra}
    return httpx.post(f"{url}/v1/chat/completions", json=body,
                      headers={"authorization": f"Bearer {API_KEY}", "x-team": TEAM,
                               "traceparent": PARENT})


def test_one_span_per_request_with_genai_attributes(traced: Any) -> None:
    url, exporter, _ = traced
    assert _chat(url, f"write to {EMAIL}").status_code == 200
    (span,) = _spans(exporter)
    attributes = dict(span.attributes or {})
    assert span.name == "chat openai/gpt-4o"
    assert span.kind.name == "CLIENT"
    assert attributes["gen_ai.operation.name"] == "chat"
    assert attributes["gen_ai.provider.name"] == "openai"
    assert attributes["gen_ai.request.model"] == "openai/gpt-4o"
    assert attributes["gen_ai.request.max_tokens"] == 256
    assert attributes["gen_ai.request.temperature"] == 0.2
    assert attributes["http.response.status_code"] == 200
    assert attributes["guard.decision.action"] == "modify"
    assert span.parent is not None and f"{span.parent.trace_id:032x}" == PARENT.split("-")[1]


def test_one_event_per_policy_outcome_in_the_guardrail_terms(traced: Any) -> None:
    url, exporter, _ = traced
    assert _chat(url, f"say {MARKER} to {EMAIL}").status_code == 400
    (span,) = _spans(exporter)
    events = {e.attributes["gen_ai.security.policy.name"]: dict(e.attributes or {})
              for e in span.events if e.name == "gen_ai.security.finding"}
    assert set(events) >= {"approved-models", "contacts", "marker-words"}
    blocked = events["marker-words"]
    assert blocked["gen_ai.security.verdict.type"] == "deny"
    assert blocked["gen_ai.security.action.type"] == "block"
    assert blocked["gen_ai.security.target.type"] == "llm_input"
    assert blocked["guard.policy.stage"] == "input"
    assert blocked["gen_ai.security.risk.finding"] == "content"
    assert events["approved-models"]["gen_ai.security.verdict.type"] == "allow"
    assert span.status.status_code.name != "ERROR"  # a denial is guard working, not failing


def test_no_text_identity_or_secret_reaches_a_span(traced: Any) -> None:
    url, exporter, _ = traced
    _chat(url, f"say {MARKER} to {EMAIL}")
    _chat(url, f"mail {EMAIL}", model=EMAIL)  # a model field holding an address
    dumped = json.dumps([json.loads(s.to_json()) for s in _spans(exporter, 2)])
    for secret in (EMAIL, MARKER, API_KEY, USER, TEAM, "gpt-4o-2024-08-06"):
        assert secret not in dumped
    assert '"gen_ai.request.model": "other"' in dumped


def test_traceparent_to_the_upstream_is_the_spans_own(traced: Any) -> None:
    url, exporter, upstream = traced
    _chat(url, "hello")
    (span,) = _spans(exporter)
    sent = {k.decode(): v.decode() for k, v in upstream.seen[-1]["headers"]}
    trace_id, span_id = f"{span.context.trace_id:032x}", f"{span.context.span_id:016x}"
    assert sent["traceparent"] == f"00-{trace_id}-{span_id}-01"
    assert trace_id == PARENT.split("-")[1] and span_id != PARENT.split("-")[2]


def test_guards_own_paths_make_no_span(traced: Any) -> None:
    url, exporter, _ = traced
    for path in ("/healthz", "/readyz", "/metrics"):
        httpx.get(f"{url}{path}")
    assert exporter.get_finished_spans() == ()


def test_an_upstream_failure_is_an_error_span_without_its_message(tmp_path: Path) -> None:
    policy = tmp_path / "p.yaml"
    policy.write_text(POLICIES)
    exporter = InMemorySpanExporter()
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    app = build_app(policy, "http://user:pw@127.0.0.1:9", tracing=Tracing(provider))
    with running(app) as url:
        assert _chat(url, "hi").status_code == 502
    (span,) = _spans(exporter)
    assert span.status.status_code.name == "ERROR" and not span.status.description
    assert span.attributes and span.attributes["error.type"] == "502"
    assert "pw" not in span.to_json()


@pytest.mark.parametrize(("model", "expected"), [("openai/gpt-4o-2024-08-06", "openai/gpt-4o"),
                                                 ("jane@example.com", "other"),
                                                 ("openai/not-a-model-xyz", "other")])
def test_only_known_models_are_named(model: str, expected: str) -> None:
    assert known_model(model) == expected


@pytest.mark.parametrize("env", [{}, {"OTEL_SERVICE_NAME": "x"},
                                 {"OTEL_TRACES_EXPORTER": "none"},
                                 {"OTEL_TRACES_EXPORTER": "console", "OTEL_SDK_DISABLED": "true"}])
def test_tracing_is_off_unless_the_variables_ask(env: dict[str, str]) -> None:
    assert tracing_from_env(env) is None


def test_tracing_is_on_when_the_variables_ask() -> None:
    tracing = tracing_from_env({"OTEL_TRACES_EXPORTER": "console"})
    assert tracing is not None
    tracing.close()


NO_OTEL = """
import sys
{block}
from guard.observe.tracing import tracing_from_env
from guard.serve.app import build_app
from guard.serve.workers import ServeOptions
from starlette.testclient import TestClient
import os
assert tracing_from_env() is None
app = build_app(sys.argv[1], "http://127.0.0.1:9", tracing=tracing_from_env())
with TestClient(app) as client:
    client.post("/v1/chat/completions", json={{"model": "m", "messages": []}})
    client.get("/healthz")
loaded = sorted(m for m, v in sys.modules.items() if m.startswith("opentelemetry") and v)
print(loaded)
assert not loaded, loaded
"""


@pytest.mark.parametrize("absent", [True, False])
def test_serving_imports_no_opentelemetry_when_absent_or_not_asked(tmp_path: Path,
                                                                   absent: bool) -> None:
    policy = tmp_path / "p.yaml"
    policy.write_text(POLICIES)
    block = "sys.modules['opentelemetry'] = None  # as if not installed" if absent else ""
    env = {k: v for k, v in __import__("os").environ.items() if not k.startswith("OTEL_")}
    if absent:
        env["OTEL_TRACES_EXPORTER"] = "otlp"  # asked for, but not installed: a warning
    result = subprocess.run([sys.executable, "-c", NO_OTEL.format(block=block), str(policy)],
                            env=env, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    if absent:
        assert "OpenTelemetry is not installed" in result.stderr


@settings(max_examples=200, deadline=None)
@given(model=st.text(max_size=40), extra=st.dictionaries(
    st.sampled_from(["max_tokens", "temperature", "top_p", "user", "stop", "seed"]),
    st.one_of(st.integers(-10**6, 10**6), st.floats(allow_nan=False), st.text(max_size=20),
              st.booleans(), st.none())))
def test_span_attributes_never_carry_a_callers_string(model: str, extra: dict[str, Any]) -> None:
    """Whatever the caller writes, a span's attributes are guard's enums, a price-table model
    name, numbers and guard's own ids: no string of the request reaches them."""
    from guard.engine.decision import Decision
    from guard.observe.tracing import request_attributes
    from guard.pricing.prices import builtin_prices

    body = {"model": model, "messages": [{"role": "user", "content": "x"}], **extra}
    decision = Decision(decision_id="d", revision="r", api="openai.chat", action="allow",
                        status=200, violations=[], body=body, model=model)
    attributes = request_attributes(decision)
    if "gen_ai.request.model" in attributes:
        assert attributes["gen_ai.request.model"] in {*builtin_prices(), "other"}
    for key, value in attributes.items():
        if isinstance(value, str) and key != "gen_ai.request.model":
            assert value in {"d", "r", "openai.chat", "chat", "openai", "guard"}, (key, value)
        else:
            assert isinstance(value, int | float | str)


def test_an_unknown_exporter_is_a_clear_error() -> None:
    from guard.errors import GuardError

    with pytest.raises(GuardError, match="unknown exporter 'zipkin'"):
        tracing_from_env({"OTEL_TRACES_EXPORTER": "zipkin"})
    with pytest.raises(GuardError, match="'thrift' is not supported"):
        tracing_from_env({"OTEL_TRACES_EXPORTER": "otlp", "OTEL_EXPORTER_OTLP_PROTOCOL": "thrift"})


def test_the_otlp_exporter_is_used_or_named_for_installing() -> None:
    from guard.errors import GuardError
    from guard.observe.tracing import _installed

    env = {"OTEL_EXPORTER_OTLP_ENDPOINT": "http://127.0.0.1:9"}
    if not _installed("opentelemetry.exporter.otlp.proto.http"):
        with pytest.raises(GuardError, match="pip install opentelemetry-exporter-otlp-proto-http"):
            tracing_from_env(env)
    else:
        tracing = tracing_from_env(env)
        assert tracing is not None
        tracing.close()
