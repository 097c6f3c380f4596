"""OpenTelemetry traces of guarded traffic: one span per request, one event per policy outcome.

Optional twice over: it needs the ``otel`` extra (``opentelemetry-api`` and ``-sdk``) and
is switched on by the standard ``OTEL_*`` variables (:func:`tracing_from_env`). Without
both, nothing here imports OpenTelemetry and nothing in the request path changes: this
module's top level imports the standard library only.

The span follows the GenAI semantic conventions (development status) for an inference call,
which is what guard makes on the caller's behalf: kind CLIENT, named ``{operation} {model}``,
with ``gen_ai.operation.name``, ``gen_ai.provider.name`` (the API's dialect: guard fronts a
gateway and does not know the provider behind it), ``gen_ai.request.model`` (only a model in
guard's price table, else ``other``: callers put anything in that field) and the request's
numeric parameters. Each policy that ran adds an event named ``gen_ai.security.finding``
with the guardrail attributes of the open proposal (semantic-conventions-genai #427:
``gen_ai.security.policy.*``, ``verdict.type``, ``action.type``, ``target.type``) plus
``guard.policy.type`` and ``guard.policy.stage``. Never text, bodies, headers, identity
values, findings' values or exception messages: names, enums and numbers only.

The caller's W3C ``traceparent`` (and ``tracestate``) is the span's parent; the span's own
context replaces it on the request to the upstream, so the gateway's spans nest under
guard's. Other propagation formats pass through untouched as ordinary headers.
"""

from __future__ import annotations

import importlib.util
import logging
import os
from collections.abc import Awaitable, Callable, Collection, Mapping, MutableMapping
from functools import cache
from typing import Any

from guard.engine.decision import Decision, PolicyTrace, ResponseDecision
from guard.observe.events import all_traces, final_action

log = logging.getLogger("guard")

Message = MutableMapping[str, Any]
App = Callable[[Message, Any, Any], Awaitable[None]]

SWITCHES = ("OTEL_TRACES_EXPORTER", "OTEL_EXPORTER_OTLP_ENDPOINT",
            "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT")
"""Any of these set turns tracing on (when the extra is installed)."""
OPERATIONS = {"openai.chat": "chat", "anthropic.messages": "chat", "ollama.chat": "chat",
              "openai.responses": "chat", "openresponses": "chat", "opper.call": "chat",
              "google.interactions": "chat", "gemini.generate": "generate_content",
              "openai.completions": "text_completion", "ollama.generate": "text_completion",
              "openai.embeddings": "embeddings", "ollama.embed": "embeddings"}
PROVIDERS = {"openai": "openai", "anthropic": "anthropic", "gemini": "gcp.gemini",
             "google": "gcp.gemini", "ollama": "ollama", "opper": "opper",
             "openresponses": "openai"}
VERDICTS = {"pass": "allow", "deny": "deny", "modify": "modify", "flag": "warn",
            "error": "error"}
NUMBERS = (("temperature", "gen_ai.request.temperature"), ("top_p", "gen_ai.request.top_p"))
PROPAGATED = (b"traceparent", b"tracestate")
METHODS = frozenset({"GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"})


def tracing_from_env(environ: Mapping[str, str] | None = None) -> Tracing | None:
    """A :class:`Tracing` exporting as the ``OTEL_*`` variables say, or ``None`` when they
    do not ask for traces, ``OTEL_SDK_DISABLED`` is true, or the extra is not installed."""
    env = os.environ if environ is None else environ
    if env.get("OTEL_SDK_DISABLED", "").strip().lower() == "true":
        return None
    if not any(env.get(name, "").strip() for name in SWITCHES):
        return None
    if env.get("OTEL_TRACES_EXPORTER", "").strip().lower() == "none":
        return None
    if not _installed("opentelemetry.sdk"):
        log.warning("OTEL_* variables are set but OpenTelemetry is not installed: no traces "
                    "(pip install 'guard[otel]')")
        return None
    from guard.observe.otel_setup import provider_from_env

    return Tracing(provider_from_env(env), owned=True)


def _installed(module: str) -> bool:
    """Whether ``module`` can be imported, without importing it (its parent is, if found)."""
    try:
        return importlib.util.find_spec(module) is not None
    except (ImportError, ValueError):  # a parent missing, or blocked in sys.modules
        return False


class Tracing:
    """Starts request spans (:meth:`middleware`) and fills them in (:meth:`record`).

    ``provider``: an SDK ``TracerProvider`` (tests pass one with an in-memory exporter);
    ``owned`` providers are shut down (flushed) by :meth:`close`.
    """

    def __init__(self, provider: Any, *, owned: bool = False) -> None:
        from opentelemetry.trace.propagation.tracecontext import TraceContextTextMapPropagator

        from guard import __version__

        self.provider = provider
        self.owned = owned
        self.tracer = provider.get_tracer("guard", __version__)
        self.propagator = TraceContextTextMapPropagator()

    def middleware(self, app: App, skipped: Collection[str] = ()) -> TracingMiddleware:
        """``app`` with a span around each HTTP request but those to ``skipped`` paths."""
        return TracingMiddleware(app, self, frozenset(skipped))

    def record(self, decision: Decision, response: ResponseDecision | None,
               status: int | None) -> None:
        """Describe the current request span by ``decision`` (no span: nothing happens)."""
        from opentelemetry import trace

        span = trace.get_current_span()
        if not span.is_recording():
            return
        attributes = request_attributes(decision)
        attributes["guard.decision.action"] = final_action(decision, response)
        span.set_attributes(attributes)
        operation = attributes.get("gen_ai.operation.name")
        if operation:
            model = attributes.get("gen_ai.request.model")
            span.update_name(f"{operation} {model}" if model else str(operation))
        for trace_ in all_traces(decision, response):
            if trace_.verdict != "skip":
                span.add_event("gen_ai.security.finding", outcome_attributes(trace_, decision))

    def close(self) -> None:
        if self.owned:
            self.provider.shutdown()


def request_attributes(decision: Decision) -> dict[str, Any]:
    """The span's ``gen_ai.*`` attributes: enums, a known model name and numbers only."""
    from guard.dialects import dialect

    api = decision.api
    attributes: dict[str, Any] = {"gen_ai.security.guardrail.name": "guard",
                                  "gen_ai.security.policy.version": decision.revision,
                                  "guard.decision_id": decision.decision_id, "guard.api": api}
    if api in OPERATIONS or "." in api:
        attributes["gen_ai.operation.name"] = OPERATIONS.get(api, api.rpartition(".")[2])
    provider = PROVIDERS.get(api.partition(".")[0])
    if provider is not None:
        attributes["gen_ai.provider.name"] = provider
    if decision.model:
        attributes["gen_ai.request.model"] = known_model(decision.model)
    body = decision.body
    if isinstance(body, dict):
        cap = dialect(api).max_tokens(body)
        if cap is not None:
            attributes["gen_ai.request.max_tokens"] = cap
        for key, name in NUMBERS:
            value = body.get(key)
            if isinstance(value, int | float) and not isinstance(value, bool):
                attributes[name] = float(value)
    return attributes


def outcome_attributes(trace: PolicyTrace, decision: Decision) -> dict[str, Any]:
    """One policy's outcome, in the guardrail proposal's terms; names and enums only.

    Eight attributes, no more: the SDK validates each one of each event (~2 µs apiece), so
    what is the same for the whole request (guard, the set's revision) is on the span."""
    verdict = VERDICTS.get(trace.verdict, trace.verdict)
    if trace.enforced and trace.verdict in ("deny", "error") and decision.action == "deny":
        action = "block"
    elif trace.enforced and trace.verdict == "modify":
        action = "modify"
    else:
        action = "allow"
    return {"gen_ai.security.policy.id": trace.policy,
            "gen_ai.security.policy.name": trace.policy,
            "gen_ai.security.risk.finding": trace.type,
            "gen_ai.security.target.type": "llm_output" if trace.stage == "output"
            else "llm_input",
            "gen_ai.security.verdict.type": verdict,
            "gen_ai.security.action.type": action,
            "guard.policy.type": trace.type, "guard.policy.stage": trace.stage}


def known_model(model: str) -> str:
    """The price-table entry ``model`` matches (``openai/gpt-4o`` for ``openai/gpt-4o-2024``),
    or ``other``: a model field is whatever the caller typed, an e-mail address included."""
    found = _prices().lookup(model)
    return found.model if found is not None else "other"


@cache
def _prices() -> Any:
    from guard.pricing.prices import PriceTable

    return PriceTable()


class TracingMiddleware:
    """An ASGI wrapper: one CLIENT span per HTTP request, current while the app runs."""

    def __init__(self, app: App, tracing: Tracing, skipped: frozenset[str]) -> None:
        self.app = app
        self.tracing = tracing
        self.skipped = skipped

    def __getattr__(self, name: str) -> Any:  # the wrapped app's own attributes
        return getattr(self.app, name)

    async def __call__(self, scope: Message, receive: Any, send: Any) -> None:
        if scope["type"] != "http" or scope.get("path") in self.skipped:
            await self.app(scope, receive, send)
            return
        from opentelemetry.trace import SpanKind, Status, StatusCode

        headers = scope.get("headers", [])
        carrier = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in headers
                   if k.lower() in PROPAGATED}
        parent = self.tracing.propagator.extract(carrier)
        method = str(scope.get("method", "GET")).upper()
        method = method if method in METHODS else "_OTHER"  # the convention's bounded set
        with self.tracing.tracer.start_as_current_span(
                method, context=parent, kind=SpanKind.CLIENT, record_exception=False,
                set_status_on_exception=False,
                attributes={"http.request.method": method}) as span:
            outgoing: dict[str, str] = {}
            self.tracing.propagator.inject(outgoing)
            kept = [(k, v) for k, v in headers if k.lower() not in PROPAGATED]
            kept += [(k.encode("latin-1"), v.encode("latin-1")) for k, v in outgoing.items()]
            status: list[int] = []

            async def sending(message: Message) -> None:
                if message["type"] == "http.response.start":
                    status.append(int(message["status"]))
                await send(message)

            try:
                await self.app({**scope, "headers": kept}, receive, sending)
            except BaseException as exc:
                span.set_status(Status(StatusCode.ERROR))
                span.set_attribute("error.type", type(exc).__name__)
                raise
            if status:
                span.set_attribute("http.response.status_code", status[0])
                if status[0] >= 500:
                    span.set_status(Status(StatusCode.ERROR))
                    span.set_attribute("error.type", str(status[0]))
