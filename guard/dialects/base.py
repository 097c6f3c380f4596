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
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, ClassVar, Protocol

from guard.dialects.errors import error_shape
from guard.dialects.events import NDJSON, SSE, Event, Framing
from guard.dialects.models import read_models
from guard.envelope.walk import NO_SKIP, ROLE_OTHER, STRUCTURAL_SKIP, Collector

if TYPE_CHECKING:
    from guard.dialects.paths import RequestPath

Key = tuple[Any, ...]
"""Names one stream of answer text (a choice, a content block, a call's arguments)."""


MODELLESS = frozenset({"other", "fetch"})
"""Operations that run no model unless the request names one: nothing to route."""


@dataclass(frozen=True, slots=True)
class Endpoint:
    """What a request's path says: its dialect, what it asks, and what the path itself names."""

    dialect: Dialect
    operation: str = "generate"  # generate, count, embed, moderate, image, speech, batch, other,
    # fetch (a request without a body)
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
    json_keys: set[Key]
    templates: dict[Key, tuple[Any, str | None]]  # for dialects' own use: events to copy

    @property
    def released(self) -> Mapping[Key, str]:
        """Each stream's text as released so far."""
        ...

    def has(self, key: Key) -> bool: ...

    def channel_keys(self) -> list[Key]: ...

    async def text(self, key: Key, piece: str, json_string: bool = False,
                   final: bool = False) -> str | None: ...

    async def flush(self, key: Key) -> str | None: ...

    async def close(self) -> bytes | None: ...

    def error_event(self) -> bytes: ...

    def emit(self, data: Any, name: str | None = None) -> bytes: ...

    async def whole(self, data: Any) -> Any | None:
        """A whole message (an event that is no delta) through the whole output stage, as
        a non-streamed answer would go: the message to send, or ``None`` on a denial."""
        ...


class Dialect:
    """The generic view; each API's module subclasses it and overrides what it knows better."""

    name: ClassVar[str] = "unknown"
    family: ClassVar[str] = "openai"  # whose error shape: openai | anthropic | google | ollama
    provider: ClassVar[str | None] = None  # who serves a model of no known family here
    conversational: ClassVar[bool] = False  # messages are framed (tokens per message)
    default_path: ClassVar[str] = "/"
    takes_fallbacks: ClassVar[bool] = False  # a gateway's fallback field may be written
    binary_answers: ClassVar[bool] = False  # answers are bytes by design (audio): not text
    whole_events: ClassVar[bool] = False  # each event is a whole message, checked alone
    calls_models: ClassVar[bool] = True  # a request may run a model (budgets count it)
    array_streams: ClassVar[bool] = False  # a JSON array of answer chunks is a stream too

    # --- paths ------------------------------------------------------------------------

    def endpoint(self, path: RequestPath) -> Endpoint | None:
        """The endpoint ``path`` names in this API, or ``None``."""
        return None

    def retrieves(self, path: RequestPath) -> bool:
        """Whether a request without a body on ``path`` answers with one of this API's
        answers (a stored response fetched again): its answer is then read as this API's,
        a stream of it included, so what the output policies saw once they see again."""
        return False

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

    def choices(self, body: Mapping[str, Any]) -> int:
        """How many answers one call asks for, each of which may use the whole output cap:
        OpenAI's ``n`` and ``best_of``, Gemini's ``candidateCount`` (either spelling)."""
        if _COUNT_KEYS.isdisjoint(body):
            return 1  # the usual request: one answer (and no list built to say so)
        values = [body.get("n"), body.get("best_of")]
        for config in (body.get("generationConfig"), body.get("generation_config")):
            if isinstance(config, dict):
                values += [config.get("candidateCount"), config.get("candidate_count")]
        counts = [v for v in values if isinstance(v, int) and not isinstance(v, bool) and v > 0]
        return min(max(counts, default=1), MAX_CHOICES)

    def token_ids(self, body: Mapping[str, Any]) -> int:
        """Input given as token ids rather than text (``prompt``/``input`` lists of ids,
        Ollama's ``context``): tokens no segment counts."""
        if _ID_KEYS.isdisjoint(body):
            return 0
        total = 0
        for name in ("prompt", "input", "context"):
            value = body.get(name)
            if isinstance(value, list) and value and not isinstance(value[0], dict):
                total += sum(_ids(item) for item in value)
        return total

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
        """Collect every text of an answer; the generic answer is text throughout: every
        string leaf, whatever its key (a shape of no known API gives its keys no meaning,
        so ``{"data": "..."}`` or ``{"status": "..."}`` may be what the caller reads)."""
        if isinstance(body, dict | list):
            c.walk(body, (), "assistant", "message", NO_SKIP)
        usage = body.get("usage") if isinstance(body, dict) else None
        return Answer(None, usage if isinstance(usage, dict) else {})

    def listing(self, request: Mapping[str, Any], answer: Any) -> tuple[str, ...] | None:
        """Where ``answer`` holds a list of items that may be withheld one by one, rather
        than the answer refused whole (:mod:`guard.engine.withhold`); ``None``: nowhere."""
        return None

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
        c.walk(data, (), "assistant", "message", NO_SKIP)
        if not c.segments:
            return event.raw
        if _whole(data):  # a whole JSON-RPC message: checked whole, sent in its own event
            checked = await s.whole(data)
            return s.error_event() if checked is None else s.emit(checked, event.name)
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
                   kind: str = "guard_violation", request: Any = None) -> Any:
        """The body a caller of this API receives for an error guard answers itself;
        ``request`` is the request's body where it was read (JSON-RPC echoes its id)."""
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

_COUNT_KEYS = frozenset({"n", "best_of", "generationConfig", "generation_config"})
_ID_KEYS = frozenset({"prompt", "input", "context"})
MAX_CHOICES = 128
"""OpenAI's own ceiling on ``n``; more would only inflate a reservation."""


def _whole(data: Any) -> bool:
    """Is the event a whole JSON-RPC message (or batch), as MCP's Streamable HTTP sends?
    Its strings are not deltas of a longer text: each is checked whole, in its own event."""
    if isinstance(data, dict):
        return "jsonrpc" in data
    return bool(data) and all(isinstance(item, dict) and "jsonrpc" in item for item in data)


def _ids(item: Any) -> int:
    if isinstance(item, int) and not isinstance(item, bool):
        return 1
    if isinstance(item, list):
        return sum(1 for x in item if isinstance(x, int) and not isinstance(x, bool))
    return 0


def largest_int(body: Mapping[str, Any], keys: tuple[str, ...]) -> int | None:
    """The largest non-negative integer among ``keys`` of ``body``, or ``None``."""
    values = [v for v in (body.get(key) for key in keys)
              if isinstance(v, int) and not isinstance(v, bool) and v >= 0]
    return max(values) if values else None


def put(node: Any, pointer: tuple[Any, ...], value: Any) -> None:
    """Set ``value`` at ``pointer`` in a decoded event (events are guard's own copies)."""
    for key in pointer[:-1]:
        node = node[key]
    node[pointer[-1]] = value
