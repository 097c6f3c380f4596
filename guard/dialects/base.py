"""What every wire format tells guard: the :class:`Dialect` interface.

A dialect is one API's wire format, whole: the paths it answers on, how to recognise its
body, which of its fields are text (each with a pointer back into the JSON), the model,
provider, output cap and stream flag of a request, the text and usage of an answer, its
stream events, and its error shape. The engine, the middleware and the proxy ask the
dialect of a request and know no API themselves; an API is one module plus its tests.

The base class is also the last resort, the generic view (:mod:`guard.dialects.generic`):
every string leaf of the body is text, so a body of no known shape is still read whole.
"""

from __future__ import annotations

import copy
from collections.abc import Awaitable, Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, ClassVar, Protocol

from guard.dialects.events import NDJSON, SSE, Event, Framing
from guard.dialects.models import read_models
from guard.envelope.walk import NO_SKIP, ROLE_OTHER, STRUCTURAL_SKIP, Collector

if TYPE_CHECKING:
    from guard.dialects.paths import RequestPath

Key = tuple[Any, ...]
"""Names one stream of answer text (a choice, a content block, a call's arguments)."""


@dataclass(frozen=True, slots=True)
class Endpoint:
    """What a request's path says: its dialect, what it asks, and what the path itself names."""

    dialect: Dialect
    operation: str = "generate"  # generate, count, embed, moderate, image, speech, batch, other
    model: str | None = None  # a model named in the path (Gemini, Azure deployments, engines)
    stream: bool = False  # the path itself asks for a stream


@dataclass(frozen=True, slots=True)
class Models:
    """The models a request names: the primary, its fallbacks, and other calls' models."""

    model: str | None = None
    fallbacks: tuple[str, ...] = ()
    others: tuple[str, ...] = ()  # each entry of a batch is a call of its own: each must pass


@dataclass
class Answer:
    """What a dialect reads off a (non-streamed) answer besides its text."""

    finish_reason: str | None = None
    usage: dict[str, Any] = field(default_factory=dict)


class StreamState(Protocol):
    """What a dialect's stream handler may use of the stream guard (``guard.asgi.streams``)."""

    usage: dict[str, Any]
    finish_reason: str | None
    strip_usage: bool
    released: dict[Key, str]
    json_keys: set[Key]
    templates: dict[Key, tuple[Any, str | None]]  # for dialects' own use: events to copy

    def has(self, key: Key) -> bool: ...

    def channel_keys(self) -> list[Key]: ...

    async def text(self, key: Key, piece: str, json_string: bool = False,
                   final: bool = False) -> str | None: ...

    async def flush(self, key: Key) -> str | None: ...

    async def close(self) -> bytes | None: ...

    def error_event(self) -> bytes: ...

    def emit(self, data: Any, name: str | None = None) -> bytes: ...


GOOGLE_STATUS = {400: "INVALID_ARGUMENT", 401: "UNAUTHENTICATED", 402: "FAILED_PRECONDITION",
                 403: "PERMISSION_DENIED", 404: "NOT_FOUND", 408: "DEADLINE_EXCEEDED",
                 413: "INVALID_ARGUMENT", 415: "INVALID_ARGUMENT", 429: "RESOURCE_EXHAUSTED",
                 500: "INTERNAL", 502: "UNAVAILABLE", 503: "UNAVAILABLE",
                 504: "DEADLINE_EXCEEDED"}


class Dialect:
    """The generic view; each API's module subclasses it and overrides what it knows better."""

    name: ClassVar[str] = "unknown"
    family: ClassVar[str] = "openai"  # whose error shape: openai | anthropic | google | ollama
    provider: ClassVar[str | None] = None  # who serves a model of no known family here
    conversational: ClassVar[bool] = False  # messages are framed (tokens per message)
    default_path: ClassVar[str] = "/"
    takes_fallbacks: ClassVar[bool] = False  # a gateway's fallback field may be written

    # --- paths ------------------------------------------------------------------------

    def endpoint(self, path: RequestPath) -> Endpoint | None:
        """The endpoint ``path`` names in this API, or ``None``."""
        return None

    def sniff(self, body: Mapping[str, Any]) -> int:
        """How strongly a body of unknown path looks like this API (0: not at all)."""
        return 0

    # --- requests ---------------------------------------------------------------------

    def read(self, c: Collector, body: Mapping[str, Any], endpoint: Endpoint) -> None:
        """Collect every text of the request with its pointer, message by message."""
        c.begin_message()
        c.walk(body if isinstance(body, dict) else dict(body), (), ROLE_OTHER, "other", NO_SKIP)
        if c.segments:
            c.end_message(ROLE_OTHER)

    def operation(self, body: Mapping[str, Any], endpoint: Endpoint) -> str:
        """What the request asks for (``request.operation``)."""
        return endpoint.operation

    def models(self, body: Mapping[str, Any], endpoint: Endpoint) -> Models:
        """The body's models; where the path names the model (Azure's deployments), that
        one, and any model the body names too is another that must pass."""
        if endpoint.model is None:
            model, fallbacks = read_models(body)
            return Models(model, fallbacks)
        named = read_models({**body, "model": endpoint.model})
        given = body.get("model")
        others = (given,) if isinstance(given, str) and given != endpoint.model else ()
        return Models(endpoint.model, named[1], others)

    def max_tokens(self, body: Mapping[str, Any]) -> int | None:
        """The output cap; when several are given, the largest (budgets reserve the worst)."""
        return largest_int(body, ("max_tokens", "max_completion_tokens", "max_output_tokens"))

    def streamed(self, body: Mapping[str, Any], endpoint: Endpoint, query: str) -> bool:
        return endpoint.stream or body.get("stream") is True

    def model_path(self, path: RequestPath, endpoint: Endpoint, model: str) -> str | None:
        """The path naming ``model`` instead, for an API whose path names it; else ``None``."""
        return None

    def prepare(self, body: dict[str, Any], stream: bool) -> tuple[dict[str, Any], bool]:
        """The body to forward, and whether guard asked for usage the caller did not."""
        return body, False

    # --- answers ----------------------------------------------------------------------

    def read_answer(self, c: Collector, body: Any) -> Answer:
        """Collect every text of an answer; the generic answer is text throughout."""
        if isinstance(body, dict | list):
            c.walk(body, (), "assistant", "message", ANSWER_SKIP)
        usage = body.get("usage") if isinstance(body, dict) else None
        return Answer(None, usage if isinstance(usage, dict) else {})

    def framing(self, content_type: str) -> Framing | None:
        """The event framing of a streamed answer with ``content_type``, if any."""
        if "text/event-stream" in content_type:
            return SSE()
        if "ndjson" in content_type or "jsonl" in content_type:
            return NDJSON()
        return None

    async def on_event(self, s: StreamState, event: Event) -> bytes:
        """Guard one event of a streamed answer of no known API: every string of it is text.

        Each place a string sits in an event (its pointer) is one channel, so the deltas a
        stream sends at the same place read as one text, held back and checked like any
        API's; the event is remembered as the template for the text still held at the end.
        """
        data = event.json()
        if not isinstance(data, dict | list):
            return event.raw
        if isinstance(data, dict) and isinstance(data.get("usage"), dict):
            s.usage = data["usage"]
        c = Collector()
        c.walk(data, (), "assistant", "message", ANSWER_SKIP)
        if not c.segments:
            return event.raw
        template = copy.deepcopy(data)
        for segment in c.segments:
            put(template, segment.pointer, "")
        for segment in c.segments:
            key = ("generic", *segment.pointer)
            released = await s.text(key, segment.text)
            if released is None:
                return s.error_event()
            put(data, segment.pointer, released)
            s.templates[key] = (template, event.name)
        return s.emit(data, event.name)

    async def on_end(self, s: StreamState) -> bytes:
        """The stream ended: the text still held goes out in copies of the events it came in
        (dialects with block-end events override this with their own shapes)."""
        out = b""
        for key in s.channel_keys():
            rest = await s.flush(key)
            if rest is None:
                return s.error_event()
            template = s.templates.get(key)
            if rest and template is not None and key[0] == "generic":
                data = copy.deepcopy(template[0])
                put(data, key[1:], rest)
                out += s.emit(data, template[1])
        return out

    # --- errors -----------------------------------------------------------------------

    def error_body(self, status: int, message: str, code: str | None,
                   kind: str = "guard_violation") -> Any:
        """The body a caller of this API receives for an error guard answers itself."""
        return error_shape(self.family, status, message, code, kind)

    def error_event(self, body: Any, framing: Framing) -> bytes:
        """The event that ends a stream with ``body``."""
        return framing.encode(body)


ANSWER_SKIP = STRUCTURAL_SKIP | {
    "usage", "usageMetadata", "usage_metadata", "created", "created_at", "system_fingerprint",
    "service_tier", "finish_reason", "finishReason", "stop_reason", "modelVersion",
    "responseId", "logprobs", "avgLogprobs", "safetyRatings", "citationMetadata",
    "sequence_number", "item_id", "output_index", "content_index", "done_reason",
}  # fmt: skip
"""Keys of answers whose values are bookkeeping (ids, counts, enums), not the model's text."""

_ANTHROPIC_TYPES = {
    400: "invalid_request_error", 401: "authentication_error", 402: "billing_error",
    403: "permission_error", 404: "not_found_error", 413: "request_too_large",
    415: "invalid_request_error", 429: "rate_limit_error", 503: "overloaded_error",
}  # fmt: skip


def error_shape(family: str, status: int, message: str, code: str | None,
                kind: str = "guard_violation") -> Any:
    """An error body in the shape of a family of APIs.

    ``kind`` is the OpenAI-shaped ``type``: ``guard_violation`` for a policy's refusal,
    ``invalid_request_error`` for a body guard could not read, ``upstream_error`` for an
    upstream that failed the proxy, so a caller can tell "my policy said no" from the rest.
    """
    if family == "anthropic":
        anthropic = _ANTHROPIC_TYPES.get(status, "api_error" if status >= 500 else
                                         "invalid_request_error")
        return {"type": "error", "error": {"type": anthropic, "message": message}}
    if family == "google":
        state = GOOGLE_STATUS.get(status, "INTERNAL" if status >= 500 else "INVALID_ARGUMENT")
        return {"error": {"code": status, "message": message, "status": state,
                          "details": [{"reason": code or kind, "domain": "guard"}]}}
    if family == "ollama":
        return {"error": message}
    return {"error": {"message": message, "type": kind, "code": code, "param": None}}


def largest_int(body: Mapping[str, Any], keys: tuple[str, ...]) -> int | None:
    """The largest non-negative integer among ``keys`` of ``body``, or ``None``."""
    values = [v for v in (body.get(key) for key in keys)
              if isinstance(v, int) and not isinstance(v, bool) and v >= 0]
    return max(values) if values else None


async def each_held(s: StreamState, held: Callable[[StreamState, Key],
                                                    Awaitable[bytes | None]],
                    keys: Iterable[Key] | None = None) -> bytes | None:
    """``held(s, key)`` for every channel (or ``keys``): the events carrying what they still
    hold, one after another; ``None`` as soon as a check denies one."""
    out = b""
    for key in list(s.channel_keys() if keys is None else keys):
        extra = await held(s, key)
        if extra is None:
            return None
        out += extra
    return out


def put(node: Any, pointer: tuple[Any, ...], value: Any) -> None:
    """Set ``value`` at ``pointer`` in a decoded event (events are guard's own copies)."""
    for key in pointer[:-1]:
        node = node[key]
    node[pointer[-1]] = value

