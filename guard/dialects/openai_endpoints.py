"""OpenAI's single-purpose endpoints: embeddings, moderations, images, speech, conversations.

Each is small: a field or two of text (``input``, ``prompt``, ``instructions``, conversation
``items``) besides the settings every OpenAI shape shares. Their answers carry little or no
text: vectors, moderation scores, images (``revised_prompt`` is text), audio. Image edits,
transcriptions and translations are sent as multipart forms, which guard does not read: they
are refused with 415 unless ``settings.passthrough`` lets them through.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar

from guard.dialects.base import ANSWER_SKIP, Answer, Dialect, Endpoint, Models, StreamState
from guard.dialects.events import Event
from guard.dialects.openai_chat import COMMON_STRUCTURAL, each_text
from guard.dialects.openai_responses import read_items
from guard.dialects.paths import RequestPath
from guard.envelope.walk import STRUCTURAL_SKIP, Collector, Handler, read_fields


def _input(c: Collector, value: Any) -> None:
    each_text(c, value, "input", "input", "input")


class Embeddings(Dialect):
    """OpenAI Embeddings: each input string is one message of role ``input``."""

    name = "openai.embeddings"
    default_path = "/v1/embeddings"
    takes_fallbacks = True
    _structural: ClassVar[frozenset[str]] = COMMON_STRUCTURAL | {"encoding_format",
                                                                  "dimensions", "input_type"}
    _handlers: ClassVar[Mapping[str, Handler]] = {"input": _input}
    _operation: ClassVar[str] = "embed"
    _path: ClassVar[tuple[str, ...]] = ("embeddings",)

    def endpoint(self, path: RequestPath) -> Endpoint | None:
        start = path.ends(*self._path)
        if start < 0:
            return None
        model = None
        if start >= 2 and path.segments[start - 2] in ("deployments", "engines"):
            model = path.parts[start - 1]
        return Endpoint(self, operation=self._operation, model=model)

    def read(self, c: Collector, body: Mapping[str, Any], endpoint: Endpoint) -> None:
        read_fields(c, body, self._handlers, self._structural)

    def max_tokens(self, body: Mapping[str, Any]) -> int | None:
        return 0  # vectors, not tokens, come back

    def read_answer(self, c: Collector, body: Any) -> Answer:
        """Vectors and scores carry no text; any string an answer does carry is read."""
        if isinstance(body, dict | list):
            c.walk(body, (), "assistant", "message", _VECTOR_SKIP)
        usage = body.get("usage") if isinstance(body, dict) else None
        return Answer(None, usage if isinstance(usage, dict) else {})

    # A stream of these endpoints is no API's; its events are read as the generic view
    # reads any event (every string is text), so an upstream that streams text here is
    # checked all the same.


_VECTOR_SKIP = ANSWER_SKIP | {"embedding", "embeddings", "category_applied_input_types"}


class Moderations(Embeddings):
    """OpenAI Moderations: ``input`` is text (or text and image parts); scores come back.
    A request naming no model runs OpenAI's default one, which routes then see."""

    name = "openai.moderations"
    default_path = "/v1/moderations"
    takes_fallbacks = False
    _structural: ClassVar[frozenset[str]] = COMMON_STRUCTURAL
    _operation = "moderate"
    _path = ("moderations",)

    def models(self, body: Mapping[str, Any], endpoint: Endpoint) -> Models:
        found = super().models(body, endpoint)
        return found if found.model else Models("omni-moderation-latest", found.fallbacks)


def _prompt(c: Collector, value: Any) -> None:
    each_text(c, value, "prompt", "user", "prompt")


class Images(Embeddings):
    """OpenAI image generation: the ``prompt``; the answer's ``revised_prompt`` is text."""

    name = "openai.images"
    default_path = "/v1/images/generations"
    takes_fallbacks = False
    _structural: ClassVar[frozenset[str]] = COMMON_STRUCTURAL | {
        "size", "quality", "response_format", "background", "moderation", "output_format",
        "output_compression", "partial_images", "style", "input_fidelity",
    }  # fmt: skip
    _handlers: ClassVar[Mapping[str, Handler]] = {"prompt": _prompt}
    _operation = "image"
    _path = ("images", "generations")

    def endpoint(self, path: RequestPath) -> Endpoint | None:
        for action in ("generations", "edits", "variations"):
            if path.ends("images", action) >= 0:
                return Endpoint(self, operation=self._operation)
        return None

    def max_tokens(self, body: Mapping[str, Any]) -> int | None:
        return None  # priced per image: the model's cap from the price table

    def models(self, body: Mapping[str, Any], endpoint: Endpoint) -> Models:
        found = super().models(body, endpoint)  # OpenAI's default when none is named
        return found if found.model else Models("dall-e-2", found.fallbacks)

    def read_answer(self, c: Collector, body: Any) -> Answer:
        if isinstance(body, dict | list):
            c.walk(body, (), "assistant", "message", _IMAGE_SKIP)
        usage = body.get("usage") if isinstance(body, dict) else None
        return Answer(None, usage if isinstance(usage, dict) else {})

    async def on_event(self, s: StreamState, event: Event) -> bytes:
        data = event.json()
        if isinstance(data, dict) and isinstance(data.get("usage"), dict):
            s.usage = data["usage"]
        return event.raw  # partial and final images: pictures, not text


_IMAGE_SKIP = STRUCTURAL_SKIP | {"b64_json", "url", "usage", "size", "quality", "background",
                                 "output_format", "created"}


def _speech_input(c: Collector, value: Any) -> None:
    each_text(c, value, "input", "user", "message")


class Speech(Embeddings):
    """OpenAI text to speech: ``input`` and the voice ``instructions``; audio comes back."""

    name = "openai.speech"
    default_path = "/v1/audio/speech"
    binary_answers = True  # the audio of ``input``, which the input stage read
    takes_fallbacks = False
    _structural: ClassVar[frozenset[str]] = COMMON_STRUCTURAL | {
        "voice", "response_format", "speed", "stream_format"}
    _handlers: ClassVar[Mapping[str, Handler]] = {"input": _speech_input}
    _operation = "speech"
    _path = ("audio", "speech")

    def max_tokens(self, body: Mapping[str, Any]) -> int | None:
        return None

    async def on_event(self, s: StreamState, event: Event) -> bytes:
        data = event.json()
        if isinstance(data, dict) and isinstance(data.get("usage"), dict):
            s.usage = data["usage"]
        return event.raw  # audio deltas: sound, not text


def _items(c: Collector, value: Any) -> None:
    read_items(c, value, "items")


class Conversations(Embeddings):
    """OpenAI Conversations: items added to a stored conversation (read like Responses
    input), and its metadata. No model runs."""

    name = "openai.conversations"
    default_path = "/v1/conversations"
    takes_fallbacks = False
    _structural: ClassVar[frozenset[str]] = frozenset({"model"})
    _handlers: ClassVar[Mapping[str, Handler]] = {"items": _items}
    _operation = "other"

    def endpoint(self, path: RequestPath) -> Endpoint | None:
        segments = path.segments
        named = (segments[-1:] == ("conversations",)  # create
                 or segments[-2:-1] == ("conversations",)  # update its metadata
                 or (segments[-3:-2] == ("conversations",) and segments[-1] == "items"))
        return Endpoint(self, operation="other") if named else None

    def max_tokens(self, body: Mapping[str, Any]) -> int | None:
        return 0

    def read_answer(self, c: Collector, body: Any) -> Answer:
        if isinstance(body, dict | list):
            c.walk(body, (), "assistant", "message", _LIST_SKIP)
        return Answer()


_LIST_SKIP = STRUCTURAL_SKIP | {"first_id", "last_id", "created_at"}
"""A list of items names its ends by id; ids are not text."""
