"""Google's Gemini API (and Vertex AI's): ``models/{model}:generateContent`` and its kin.

The model is named in the path, not the body: ``/v1beta/models/gemini-2.5-flash:generateContent``,
Vertex's ``/v1/projects/{p}/locations/{l}/publishers/google/models/{m}:streamGenerateContent``,
``tunedModels/{m}``, ``endpoints/{id}``; every method there that carries text is read:
``generateContent``, ``streamGenerateContent`` (SSE with ``?alt=sse``, else one JSON array),
``countTokens``, ``computeTokens``, ``embedContent``, ``batchEmbedContents``,
``batchGenerateContent``, ``predict``; ``cachedContents`` stores text that later calls only
name, so it is read too.

The google-genai SDK mixes camelCase and snake_case keys (``inlineData: {mime_type}``), and
the API takes both: both spellings are read, and edits keep the one that came. A request is
``contents`` (turns of ``role`` and ``parts``: text, function calls and responses, inline
data) and ``systemInstruction``; tool declarations, ``generationConfig`` (stop sequences,
schemas) and ``labels`` are read as text too.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from guard.dialects.base import (
    ANSWER_SKIP,
    Answer,
    Dialect,
    Endpoint,
    Models,
    StreamState,
    largest_int,
)
from guard.dialects.events import Event
from guard.dialects.models import read_models
from guard.dialects.paths import RequestPath
from guard.dialects.streaming import WHOLE_SKIP, check_whole, scan_whole, segments, whole_event
from guard.envelope.model import Pointer
from guard.envelope.walk import NO_SKIP, STRUCTURAL_SKIP, Collector

SKIP = STRUCTURAL_SKIP | {
    "category", "threshold", "mode", "responseMimeType", "response_mime_type",
    "responseModalities", "response_modalities", "mediaResolution", "media_resolution",
    "thinkingLevel", "thinking_level", "taskType", "task_type", "language", "outcome",
    "allowedFunctionNames", "allowed_function_names", "fileUri", "file_uri",
}  # fmt: skip
"""Enums and references of Gemini's shapes, in both spellings."""

_STRUCTURAL = frozenset(
    {
        "model", "cachedContent", "cached_content", "safetySettings", "safety_settings",
        "toolConfig", "tool_config", "serviceTier", "service_tier", "store",
        "modelArmorConfig", "model_armor_config", "fallback_models", "fallbacks", "models",
    }
)  # fmt: skip
"""Settings, references and model names (a gateway's fallback fields are read as models)."""

_METHODS = {
    "generatecontent": "generate", "streamgeneratecontent": "generate",
    "counttokens": "count", "computetokens": "count", "embedcontent": "embed",
    "batchembedcontents": "embed", "asyncbatchembedcontent": "embed",
    "batchgeneratecontent": "batch", "predict": "generate", "predictlongrunning": "generate",
}  # fmt: skip
_MODEL_PARENTS = ("models", "tunedmodels", "endpoints")
ROLES = {"model": "assistant", "user": "user", "function": "tool", "tool": "tool"}


class Gemini(Dialect):
    """Gemini ``generateContent`` and the other text-bearing model methods."""

    name = "gemini.generate"
    family = "google"
    provider = "google"
    conversational = True
    default_path = "/v1beta/models/gemini-2.5-flash:generateContent"
    array_streams = True  # streamGenerateContent without alt=sse: chunks in one array

    def endpoint(self, path: RequestPath) -> Endpoint | None:
        segments = path.segments
        if segments and segments[-1] == "cachedcontents":
            return Endpoint(self, operation="other")
        found = _model_method(path)
        if found is None:
            return None
        _, model, method = found
        operation = _METHODS.get(method.lower())
        if operation is None or not model:
            return None
        return Endpoint(self, operation=operation, model=model,
                        stream=method.lower() == "streamgeneratecontent")

    def read(self, c: Collector, body: Mapping[str, Any], endpoint: Endpoint) -> None:
        read_request(c, body)

    def models(self, body: Mapping[str, Any], endpoint: Endpoint) -> Models:
        """The path's model (the API ignores a body's ``model``), and the fallbacks a
        gateway's fields name. Read as if the body named the path's model: a body without a
        ``model`` would have its first fallback taken for the primary (OpenRouter's
        ``models``), which the path's model then replaced, unchecked."""
        if endpoint.model is None:
            model, fallbacks = read_models(body)
            return Models(_bare(model), fallbacks)
        _, fallbacks = read_models({**body, "model": endpoint.model})
        named = (_bare(n) for n in fallbacks)
        return Models(endpoint.model, tuple(dict.fromkeys(n for n in named if n)))

    def max_tokens(self, body: Mapping[str, Any]) -> int | None:
        return output_cap(body)

    def streamed(self, body: Mapping[str, Any], endpoint: Endpoint, query: str) -> bool:
        return endpoint.stream

    def model_path(self, path: RequestPath, endpoint: Endpoint, model: str) -> str | None:
        """The path with ``model`` in place of the one it named; ``None`` for a model of
        another provider, which a Gemini path cannot name."""
        provider, slash, bare = model.rpartition("/")
        found = _model_method(path)
        if (slash and provider not in ("google", "gemini")) or found is None:
            return None
        head, _, method = found
        return f"{head}/{bare}:{method}"

    def read_answer(self, c: Collector, body: Any) -> Answer:
        if isinstance(body, list):  # streamGenerateContent without alt=sse: one JSON array
            answer = Answer()
            for i, item in enumerate(body):
                inner = Collector()
                found = self.read_answer(inner, item)
                c.adopt(inner, (i,))
                answer = Answer(found.finish_reason or answer.finish_reason,
                                found.usage or answer.usage)
            return answer
        if not isinstance(body, dict):
            return Answer()
        finish = None
        for key, value in body.items():
            if key == "candidates" and isinstance(value, list):
                finish = _read_candidates(c, value)
            elif key not in _ANSWER_BOOKKEEPING:
                c.walk(value, (key,), "assistant", "other", ANSWER_SKIP | SKIP)
        usage = body.get("usageMetadata")
        return Answer(finish, dict(usage) if isinstance(usage, dict) else {})

    async def on_event(self, s: StreamState, event: Event) -> bytes:
        data = event.json()
        if not isinstance(data, dict):
            return event.raw
        if "error" in data:  # the SDK raises here: the text still held goes out first
            held = await _held(s)
            return s.error_event() if held is None else held + event.raw
        if isinstance(data.get("usageMetadata"), dict):
            s.usage = dict(data["usageMetadata"])  # a running total: the last one counts
        if not isinstance(data.get("candidates"), list):  # usage alone, or unknown here
            return await whole_event(s, event, data, ("chunk",), _CHUNK_READ, _WHOLE_SKIP)
        for position, candidate in enumerate(data["candidates"]):
            if isinstance(candidate, dict):
                index = candidate.get("index", position)
                if not await _stream_candidate(s, candidate, index):
                    return s.error_event()
        if await scan_whole(s, data, ("chunk",), _WHOLE_SKIP, _CHUNK_READ) is None:
            return s.error_event()
        return s.emit(data, event.name)

    async def on_end(self, s: StreamState) -> bytes:
        held = await _held(s)
        return s.error_event() if held is None else held


async def _held(s: StreamState) -> bytes | None:
    """Text still held (the stream ended, or failed): one last chunk with it (``None``: a
    check denied it)."""
    candidates: list[dict[str, Any]] = []
    for key in s.channel_keys():
        rest = await s.flush(key)
        if rest is None:
            return None
        if rest and key[0] == "text":
            part: dict[str, Any] = {"text": rest, **({"thought": True} if key[2] else {})}
            candidates.append({"content": {"role": "model", "parts": [part]},
                               "index": key[1]})
    return s.emit({"candidates": candidates}) if candidates else b""


_ANSWER_BOOKKEEPING = frozenset({"usageMetadata", "modelVersion", "responseId", "createTime",
                                 "promptFeedback", "totalTokens", "cachedContentTokenCount",
                                 "promptTokensDetails", "cacheTokensDetails", "embeddings",
                                 "embedding", "modelStatus"})


def _model_method(path: RequestPath) -> tuple[str, str, str] | None:
    """``(path up to the model's parent, model, method)`` of ``.../models/{model}:{method}``.

    The model is everything after the last ``models``/``tunedModels``/``endpoints`` segment:
    a gateway's id may hold a slash (Opper's compat path ``.../models/vertexai/{m}:method``),
    and reading only the last segment would leave the request with no model for route
    policies to judge.
    """
    segments = path.segments
    if len(segments) < 2 or ":" not in segments[-1]:
        return None
    parent = max((i for i, s in enumerate(segments[:-1]) if s in _MODEL_PARENTS), default=-1)
    if parent < 0:
        return None
    parts = path.parts
    model, _, method = "/".join(parts[parent + 1:]).rpartition(":")
    return "/" + "/".join(parts[:parent + 1]), model, method


def _bare(model: str | None) -> str | None:
    """A model name without the API's ``models/`` resource prefix."""
    return model[len("models/"):] if model is not None and model.startswith("models/") \
        else model


def output_cap(body: Mapping[str, Any]) -> int | None:
    """``generationConfig.maxOutputTokens`` in either spelling, of either key: Google's APIs
    read both, so a body giving two reserves the larger (budgets reserve the worst)."""
    caps = [largest_int(config, ("maxOutputTokens", "max_output_tokens"))
            for config in (body.get("generationConfig"), body.get("generation_config"))
            if isinstance(config, dict)]
    return max((cap for cap in caps if cap is not None), default=None)


def read_request(c: Collector, body: Mapping[str, Any]) -> None:
    """``contents`` turn by turn, the system instruction, then every other field as text."""
    for key, value in body.items():
        if key == "contents":
            read_contents(c, value, (key,))
        elif key in ("systemInstruction", "system_instruction"):
            c.system(value, key, skip=SKIP)
        elif key in ("generateContentRequest", "generate_content_request") and isinstance(
                value, dict):
            inner = Collector()
            read_request(inner, value)
            c.adopt(inner, (key,))
        elif key == "content":  # embedContent: the text to embed, as OpenAI's ``input``
            c.begin_message()
            c.walk(value, (key,), "input", "input", SKIP)
            c.end_message("input")
        elif key == "requests" and isinstance(value, list):  # batchEmbedContents
            for i, entry in enumerate(value):
                inner = Collector()
                if isinstance(entry, dict):
                    read_request(inner, entry)
                else:
                    inner.walk(entry, (), "other", "other", SKIP)
                c.adopt(inner, (key, i))
        elif key not in _STRUCTURAL and key not in SKIP:  # an enum on top (``taskType``)
            c.walk(value, (key,), "other", "other", SKIP)


def read_contents(c: Collector, contents: Any, pointer: Pointer) -> None:
    if not isinstance(contents, list):
        c.walk(contents, pointer, "user", "message", SKIP)
        return
    for i, content in enumerate(contents):
        c.begin_message()
        role = "user"
        if isinstance(content, dict):
            given = content.get("role")
            role = ROLES.get(given, given) if isinstance(given, str) else "user"
            for key, value in content.items():
                if key == "parts" and isinstance(value, list):
                    for j, part in enumerate(value):
                        read_part(c, part, (*pointer, i, key, j), role)
                elif key != "role":
                    c.walk(value, (*pointer, i, key), role, "other", SKIP)
        else:
            c.walk(content, (*pointer, i), role, "message", SKIP)
        c.end_message(role)


_CALLS = ("functionCall", "function_call")
_RESULTS = ("functionResponse", "function_response")
_CALL_SKIP = SKIP | {"scheduling", "willContinue", "will_continue"}
"""A call's ``id`` pairs it with its result and ``scheduling`` is an enum: neither is text."""


def read_part(c: Collector, part: Any, pointer: Pointer, role: str) -> None:
    """One part: text; a call's ``args`` and a result's ``response`` are data, every leaf."""
    if not isinstance(part, dict):
        c.walk(part, pointer, role, "content_part", SKIP)
        return
    for key, value in part.items():
        where = (*pointer, key)
        if key == "text":
            c.add(where, value, role, "message")
        elif key in _CALLS or key in _RESULTS:
            data_key, kind, who = (("args", "tool_arguments", role) if key in _CALLS
                                   else ("response", "tool_result", "tool"))
            for inner, item in (value.items() if isinstance(value, dict) else ()):
                if inner not in _CALL_SKIP:
                    c.walk(item, (*where, inner), who, kind, NO_SKIP if inner == data_key
                           else SKIP)
        elif key not in SKIP:
            c.walk(value, where, role, "content_part", SKIP)


def _read_candidates(c: Collector, candidates: list[Any]) -> str | None:
    finish = None
    for i, candidate in enumerate(candidates):
        if not isinstance(candidate, dict):
            continue
        reason = candidate.get("finishReason")
        finish = finish or (reason if isinstance(reason, str) else None)
        for key, value in candidate.items():
            if key == "content" and isinstance(value, dict) and isinstance(
                    value.get("parts"), list):
                for j, part in enumerate(value["parts"]):
                    read_part(c, part, ("candidates", i, key, "parts", j), "assistant")
            elif key not in ANSWER_SKIP and key != "index":
                c.walk(value, ("candidates", i, key), "assistant", "other", ANSWER_SKIP | SKIP)
    return finish


_WHOLE_SKIP = WHOLE_SKIP | SKIP
_CHUNK_READ = _ANSWER_BOOKKEEPING | {"candidates", "error"}
_CANDIDATE_READ = frozenset({"content", "index", "finishReason"})
"""Besides its parts, a candidate's text is in ``groundingMetadata`` (search queries, web
chunks' titles, the text of grounding supports), ``urlContextMetadata``, ``finishMessage``:
each checked whole where it is, as JSON answers read them."""


async def _stream_candidate(s: StreamState, candidate: dict[str, Any], index: int) -> bool:
    finish = candidate.get("finishReason")
    if isinstance(finish, str):
        s.finish_reason = finish
    content = candidate.get("content")
    parts = content.get("parts") if isinstance(content, dict) else None
    texts: dict[Any, dict[str, Any]] = {}
    for j, part in enumerate(parts if isinstance(parts, list) else []):
        if not isinstance(part, dict):
            continue
        if isinstance(part.get("text"), str):
            key = ("text", index, bool(part.get("thought")))
            released = await s.text(key, part["text"])
            if released is None:
                return False
            part["text"] = released
            texts[key] = part
            read: Any = ("text", "thought")  # the rest (a signature skipped) checked whole
            found = segments(part, _WHOLE_SKIP, read)
        else:  # a part that arrives whole (a call, code, its result): read as in answers
            c = Collector()
            read_part(c, part, (), "assistant")
            found = c.segments
        if await check_whole(s, part, found, ("part", index, j)) is None:
            return False
    if await scan_whole(s, candidate, ("candidate", index), _WHOLE_SKIP,
                        _CANDIDATE_READ) is None:
        return False
    return await _finish_candidate(s, candidate, index, texts) if finish is not None else True


async def _finish_candidate(s: StreamState, candidate: dict[str, Any], index: int,
                            texts: dict[Any, dict[str, Any]]) -> bool:
    """The candidate's last chunk carries whatever text its channels still hold."""
    for key in [k for k in s.channel_keys() if k[0] == "text" and k[1] == index]:
        rest = await s.flush(key)
        if rest is None:
            return False
        if not rest:
            continue
        part = texts.get(key)
        if part is None:
            content = candidate.setdefault("content", {"role": "model"})
            part = {"text": "", **({"thought": True} if key[2] else {})}
            content.setdefault("parts", []).append(part)
        part["text"] += rest
    return True
