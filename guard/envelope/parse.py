"""From request bytes to an :class:`~guard.envelope.model.Envelope`.

This runs on every request, so it parses the JSON once, reads the body in
place (no copies) and computes every derived field up front: checks then only
read attributes.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import replace
from typing import Any

from guard.cel.values import may_hold_nul
from guard.envelope.anthropic import read_messages
from guard.envelope.detect import detect_api, normalize_path
from guard.envelope.model import Envelope
from guard.envelope.models import infer_provider, qualify, requested_models
from guard.envelope.openai import read_chat, read_completions, read_embeddings, read_responses
from guard.envelope.opper import read_call, read_unknown
from guard.envelope.tokens import estimate_segments
from guard.envelope.walk import Collector, loads_strict
from guard.errors import RequestError

Reader = Callable[[Collector, Mapping[str, Any]], None]

READERS: dict[str, Reader] = {
    "openai.chat": read_chat,
    "openai.responses": read_responses,
    "openai.embeddings": read_embeddings,
    "openai.completions": read_completions,
    "anthropic.messages": read_messages,
    "opper.call": read_call,
    "unknown": read_unknown,
}

_MAX_TOKENS_KEYS = ("max_tokens", "max_completion_tokens", "max_output_tokens")

_JSON_TYPES = {list: "list", str: "string", int: "number", float: "number", bool: "boolean"}


def decode_body(body: bytes | bytearray | str | Mapping[str, Any]) -> dict[str, Any]:
    """The body as a JSON object; RequestError if it is not JSON or not an object.

    NaN and Infinity are refused: they are not JSON, and providers refuse them.
    A Mapping is used as is (a non-dict Mapping is copied once into a dict).
    """
    if isinstance(body, dict):
        return body
    if not isinstance(body, bytes | bytearray | str):
        return dict(body)
    try:
        value = loads_strict(body)
    except json.JSONDecodeError as exc:
        where = f"line {exc.lineno} column {exc.colno}"
        raise RequestError(f"request body is not valid JSON: {exc.msg} at {where}") from exc
    except RecursionError as exc:
        raise RequestError("request body is not valid JSON: nested too deeply") from exc
    except ValueError as exc:  # UnicodeDecodeError, NaN/Infinity
        raise RequestError(f"request body is not valid JSON: {exc}") from exc
    if not isinstance(value, dict):
        got = _JSON_TYPES.get(type(value), "null")
        raise RequestError(f"request body must be a JSON object, got {got}")
    return value


def parse_request(
    body: bytes | bytearray | str | Mapping[str, Any],
    *,
    path: str = "",
    method: str = "POST",
    headers: Mapping[str, str] | None = None,
    nul_free: bool = False,
) -> Envelope:
    """Parse and normalize one LLM request.

    Raises RequestError only for a body that is not a JSON object (or nested
    deeper than :data:`~guard.envelope.walk.MAX_DEPTH`); any JSON object,
    however odd, gives an Envelope. ``nul_free``: the caller knows a parsed
    ``body`` holds no NUL character (JSON text is checked here).
    """
    data = decode_body(body)
    api = detect_api(path, data)
    collector = Collector()
    READERS[api](collector, data)
    segments = tuple(collector.segments)
    messages = tuple(collector.messages)
    model, fallbacks = requested_models(data)
    provider = infer_provider(model, api)
    return Envelope(
        api=api,
        path=path.split("?", 1)[0].split("#", 1)[0],
        method=method.upper(),
        headers={str(k).lower(): v for k, v in headers.items()} if headers else {},
        body=data,
        model=model,
        provider=provider,
        qualified_model=qualify(model, provider),
        fallback_models=fallbacks,
        stream=data.get("stream") is True or _stream_path(path),
        max_tokens=_max_tokens(data),
        messages=messages,
        segments=segments,
        tags=_mapping(data.get("tags")),
        metadata=_mapping(data.get("metadata")),
        tokens=estimate_segments(api, segments, len(messages)),
        nul_free=(nul_free or _text_nul_free(body)) and _fields_nul_free(path, headers),
    )


def _text_nul_free(body: object) -> bool:
    """Whether JSON text can hold no NUL: strict JSON writes one only as ``\\u0000``
    (a raw control character is refused), so a substring search decides it at C
    speed, where walking the parsed strings costs microseconds per kilobyte. A
    ``\\u0000`` after an escaped backslash is no NUL; it only costs the walk."""
    if isinstance(body, str):
        return "\\u0000" not in body and "\x00" not in body
    if isinstance(body, bytes | bytearray):
        return b"\\u0000" not in body and b"\x00" not in body
    return False


def _fields_nul_free(path: str, headers: Mapping[str, str] | None) -> bool:
    return "\x00" not in path and not any(
        "\x00" in str(k) or "\x00" in str(v) for k, v in (headers or {}).items())


def with_models(envelope: Envelope, body: Mapping[str, Any]) -> Envelope:
    """``envelope`` over ``body`` whose only changes are its model fields.

    Route policies rewrite ``model`` and ``fallback_models``, which hold no
    scanned text, so the segments stay valid and the body need not be read again.
    """
    model, fallbacks = requested_models(body)
    provider = infer_provider(model, envelope.api)
    nul_free = envelope.nul_free and not may_hold_nul((model, fallbacks))
    return replace(envelope, body=body, model=model, provider=provider,
                   qualified_model=qualify(model, provider), fallback_models=fallbacks,
                   nul_free=nul_free)


def _stream_path(path: str) -> bool:
    """Opper streams on a path of its own: ``/v3/call/stream``."""
    return "stream" in path and normalize_path(path).endswith("/call/stream")


def _max_tokens(data: Mapping[str, Any]) -> int | None:
    """The output cap; when several are given, the largest (budgets reserve the worst case)."""
    values = [
        v
        for v in (data.get(key) for key in _MAX_TOKENS_KEYS)
        if isinstance(v, int) and not isinstance(v, bool) and v >= 0
    ]
    return max(values) if values else None


def _mapping(value: Any) -> Mapping[str, Any]:
    return value if isinstance(value, dict) else {}
