"""A stand-in upstream that answers with whichever answer variant the request names.

Each variant (:mod:`tests.serve.answer_variants`) is an answer as an upstream could send it,
byte for byte: an API's JSON or stream, framed (SSE line ends, comments, an event cut short)
and encoded (gzip, deflate, br) in one way, carrying planted values (an e-mail, a card
number, an SSN, a GitHub token) in one text channel. The request names it in its
``x-variant`` header; the bytes go out in small chunks of seeded random size (1 to 7 bytes),
so guard meets events, values and codings cut anywhere.
"""

from __future__ import annotations

import gzip
import json
import random
import zlib
from collections.abc import AsyncIterator, Iterable
from dataclasses import dataclass, field
from typing import Any

import brotli
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response, StreamingResponse
from starlette.routing import Route

EMAIL = "jane.roe@example.com"
CARD = "4111111111111111"  # Luhn-valid
SSN = "219-09-9999"
TOKEN = "ghp_" + "k3Vq8ZrT2mWx9LpD4sHn7BcY1fGj6RaE0uKo"  # ghp_ and 36 alphanumerics
PLANTED = (EMAIL, CARD, SSN, TOKEN)
TEXT = (f"Write to {EMAIL} today. The card {CARD} is on file, ssn {SSN} too. "
        f"Push with {TOKEN} then stop.")
ARGS = json.dumps({"to": EMAIL, "card": CARD, "ssn": SSN, "token": TOKEN})
"""A tool call's arguments: a JSON object encoded in a string, every planted value a leaf."""

assert len(TOKEN) == 40 and TOKEN[4:].isalnum()

Event = tuple[str | None, Any]
"""An SSE event: its name (``event:``) and data (JSON, or a string such as ``[DONE]``)."""


@dataclass(frozen=True)
class Variant:
    """One answer: what the caller asks (``api``: the path and body to send), and the bytes
    the upstream answers with (already framed and encoded)."""

    name: str
    api: str  # a key of REQUESTS
    body: bytes
    content_type: str
    encoding: str | None = None
    stream: bool = False  # framed events (SSE, NDJSON), not one JSON value
    unreadable: bool = False  # bytes guard cannot read: a 502 (or a stream's error event)
    sdk: bool = False  # an answer a real SDK parses: the SDK tests drive it
    status: int = 200
    extra: dict[str, Any] = field(default_factory=dict)


REQUESTS: dict[str, tuple[str, dict[str, Any]]] = {
    "chat": ("/v1/chat/completions", {"model": "gpt-4o-mini", "messages": [
        {"role": "user", "content": "hi"}]}),
    "responses": ("/v1/responses", {"model": "gpt-4o-mini", "input": "hi"}),
    "messages": ("/v1/messages", {"model": "claude-sonnet-4-6", "max_tokens": 64,
                                  "messages": [{"role": "user", "content": "hi"}]}),
    "gemini": ("/v1beta/models/gemini-2.5-flash:generateContent",
               {"contents": [{"role": "user", "parts": [{"text": "hi"}]}]}),
    "gemini_sse": ("/v1beta/models/gemini-2.5-flash:streamGenerateContent?alt=sse",
                   {"contents": [{"role": "user", "parts": [{"text": "hi"}]}]}),
    "gemini_array": ("/v1beta/models/gemini-2.5-flash:streamGenerateContent",
                     {"contents": [{"role": "user", "parts": [{"text": "hi"}]}]}),
    "interactions": ("/v1beta/interactions", {"model": "gemini-2.5-flash", "input": "hi"}),
    "opper": ("/v3/call", {"name": "answer", "input": "hi"}),
    "opper_stream": ("/v3/call/stream", {"name": "answer", "input": "hi"}),
    "ollama": ("/api/chat", {"model": "llama3.2", "messages": [
        {"role": "user", "content": "hi"}]}),
}
"""Per API: the path and JSON body of a request for it (``stream`` is added for streams)."""


def request_for(variant: Variant) -> tuple[str, dict[str, Any]]:
    path, body = REQUESTS[variant.api]
    if variant.stream and variant.api in ("chat", "responses", "messages", "interactions",
                                          "ollama"):
        body = {**body, "stream": True}
    elif variant.api == "ollama":
        body = {**body, "stream": False}
    return path, body


# --- framing and codings ------------------------------------------------------------------


def split(text: str, seed: str, low: int = 2, high: int = 6) -> list[str]:
    """``text`` in pieces of seeded random size: values end up cut anywhere."""
    rng = random.Random(seed)
    out, at = [], 0
    while at < len(text):
        size = rng.randint(low, high)
        out.append(text[at:at + size])
        at += size
    return out


def sse(events: Iterable[Event], end: str = "\n", blank: str | None = None,
        comments: bool = False) -> bytes:
    """Events with each line ended by ``end`` and each event by ``blank`` (an empty line);
    ``comments``: a keep-alive comment block before each event and a comment line inside."""
    blank = end if blank is None else blank
    out = []
    for name, data in events:
        text = data if isinstance(data, str) else json.dumps(data)
        lines = ([": ping"] if comments else []) + ([f"event: {name}"] if name else [])
        lines.append(f"data: {text}")
        if comments:
            out.append(f": keep-alive{end}{blank}")
        out.append("".join(line + end for line in lines) + blank)
    return "".join(out).encode()


def ndjson(lines: Iterable[Any]) -> bytes:
    return "".join(json.dumps(line) + "\n" for line in lines).encode()


def encoded(body: bytes, coding: str) -> bytes:
    if coding == "gzip":
        return gzip.compress(body)
    if coding == "deflate":
        return zlib.compress(body)
    if coding == "deflate-raw":
        engine = zlib.compressobj(wbits=-15)
        return engine.compress(body) + engine.flush()
    if coding == "br":
        return bytes(brotli.compress(body))
    raise ValueError(coding)


def chunks(body: bytes, seed: str, low: int = 1, high: int = 7) -> list[bytes]:
    rng = random.Random(seed)
    out, at = [], 0
    while at < len(body):
        size = rng.randint(low, high)
        out.append(body[at:at + size])
        at += size
    return out


# --- the app ------------------------------------------------------------------------------


def build(variants: dict[str, Variant]) -> Starlette:
    """The stand-in; ``app.state.seen`` holds (variant name, path, JSON body) per request."""

    async def answer(request: Request) -> Response:
        raw = await request.body()
        name = request.headers.get("x-variant", "")
        try:
            body = json.loads(raw) if raw else None
        except ValueError:
            body = raw.decode("utf-8", "replace")
        request.app.state.seen.append((name, request.url.path, body))
        variant = variants.get(name)
        if variant is None:
            return JSONResponse({"error": {"message": f"no variant {name!r}"}}, 404)
        headers = {"content-type": variant.content_type} if variant.content_type else {}
        if variant.encoding:
            headers["content-encoding"] = variant.encoding
        pieces = chunks(variant.body, name) if variant.stream else chunks(
            variant.body, name, 16, 64)

        async def sent() -> AsyncIterator[bytes]:
            for piece in pieces:
                yield piece

        return StreamingResponse(sent(), status_code=variant.status, headers=headers)

    app = Starlette(routes=[Route("/{rest:path}", answer, methods=["POST", "GET", "DELETE"])])
    app.state.seen = []
    return app
