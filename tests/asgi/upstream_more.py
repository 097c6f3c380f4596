"""More of the stand-in gateway: Gemini, Interactions, Opper, Ollama and OpenAI's side endpoints.

Each answers in its API's real shape (the google-genai and openai SDKs parse them), echoing
the last user text so tests see what guard forwarded and what the caller got back. Every
request, whatever its path, is also kept raw (method, path as sent, headers, body bytes) in
``Seen`` records, so a test can check what the upstream received byte for byte.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Awaitable, Callable, MutableMapping
from dataclasses import dataclass
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response, StreamingResponse
from starlette.routing import Route

Message = MutableMapping[str, Any]
USAGE = {"promptTokenCount": 11, "candidatesTokenCount": 7, "totalTokenCount": 18}


@dataclass
class Seen:
    """One request as the upstream received it."""

    method: str
    path: str  # raw, as on the request line (percent-encoded)
    query: str
    headers: dict[str, str]
    body: bytes


class Recorder:
    """Pure ASGI: keeps every request raw, then hands it on with its body replayed."""

    def __init__(self, app: Callable[..., Awaitable[None]], seen: list[Seen]) -> None:
        self.app = app
        self.seen = seen

    async def __call__(self, scope: Message, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        chunks = []
        while True:
            message = await receive()
            chunks.append(message.get("body", b""))
            if not message.get("more_body"):
                break
        body = b"".join(chunks)
        self.seen.append(Seen(scope["method"], (scope.get("raw_path") or b"").decode(),
                              scope.get("query_string", b"").decode(),
                              {k.decode().lower(): v.decode() for k, v in scope["headers"]},
                              body))
        sent = False

        async def replayed() -> Message:
            nonlocal sent
            if sent:
                return await receive()
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}

        await self.app(scope, replayed, send)


def sse(data: Any, name: str | None = None) -> str:
    head = f"event: {name}\n" if name else ""
    return f"{head}data: {json.dumps(data)}\n\n"


def pieces(text: str, size: int = 5) -> list[str]:
    return [text[i:i + size] for i in range(0, len(text), size)] or [""]


def gemini_text(body: dict[str, Any]) -> str:
    contents = body.get("contents") or []
    parts = (contents[-1].get("parts") or []) if contents else []
    return " ".join(p.get("text", "") for p in parts if isinstance(p, dict))


async def gemini(request: Request) -> Response:
    body = await request.json()
    model, _, method = request.path_params["target"].rpartition(":")
    text = "Echo: " + gemini_text(body)
    if method == "countTokens":
        return JSONResponse({"totalTokens": 11})
    if method != "streamGenerateContent":
        return JSONResponse({"candidates": [{"content": {"role": "model", "parts": [
            {"text": text}]}, "finishReason": "STOP", "index": 0}],
            "usageMetadata": USAGE, "modelVersion": model, "responseId": "r1"})

    async def events() -> AsyncIterator[str]:
        chunks = pieces(text)
        for i, piece in enumerate(chunks):
            candidate: dict[str, Any] = {"content": {"role": "model", "parts": [
                {"text": piece}]}, "index": 0}
            if i == len(chunks) - 1:
                candidate["finishReason"] = "STOP"
            yield sse({"candidates": [candidate], "usageMetadata": USAGE,
                       "modelVersion": model, "responseId": "r1"})

    return StreamingResponse(events(), media_type="text/event-stream")


def interaction_text(body: dict[str, Any]) -> str:
    value = body.get("input")
    if isinstance(value, str):
        return value
    items = value if isinstance(value, list) else [value]
    texts = []
    for item in items:
        if isinstance(item, dict):
            texts.append(str(item.get("text", "")))
            texts += [str(c.get("text", "")) for c in item.get("content") or []
                      if isinstance(c, dict)]
    return " ".join(t for t in texts if t)


async def interactions(request: Request) -> Response:
    body = await request.json()
    text = "Echo: " + interaction_text(body)
    usage = {"total_input_tokens": 11, "total_output_tokens": 7, "total_tokens": 18}
    final = {"id": "v1_int", "object": "interaction", "status": "completed",
             "model": body.get("model"), "created": "2026-12-04T00:00:00Z",
             "updated": "2026-12-04T00:00:00Z",
             "steps": [{"type": "model_output", "content": [{"type": "text", "text": text}]}],
             "usage": usage}
    if not body.get("stream"):
        return JSONResponse(final)

    async def events() -> AsyncIterator[str]:
        started = {"id": "v1_int", "object": "interaction", "status": "in_progress"}
        yield sse({"event_type": "interaction.created", "interaction": started},
                  "interaction.created")
        yield sse({"event_type": "step.start", "index": 0, "step": {"type": "model_output"}},
                  "step.start")
        for piece in pieces(text):
            yield sse({"event_type": "step.delta", "index": 0,
                       "delta": {"type": "text", "text": piece}}, "step.delta")
        yield sse({"event_type": "step.stop", "index": 0}, "step.stop")
        done = {**final, "steps": []}
        yield sse({"event_type": "interaction.completed", "interaction": done},
                  "interaction.completed")

    return StreamingResponse(events(), media_type="text/event-stream")


async def moderations(request: Request) -> Response:
    body = await request.json()
    inputs = body.get("input")
    count = len(inputs) if isinstance(inputs, list) else 1
    result = {"flagged": False, "categories": {"violence": False},
              "category_scores": {"violence": 0.01},
              "category_applied_input_types": {"violence": ["text"]}}
    return JSONResponse({"id": "modr-1", "model": body.get("model", "omni-moderation-latest"),
                         "results": [result] * count})


async def images(request: Request) -> Response:
    body = await request.json()
    return JSONResponse({"created": 1, "data": [
        {"b64_json": "iVBORw0KGgo=", "revised_prompt": "Drawn: " + str(body.get("prompt"))}]})


async def speech(request: Request) -> Response:
    await request.body()
    return Response(b"ID3\x03\x00fake-mp3-bytes", media_type="audio/mpeg")


async def opper_call(request: Request) -> Response:
    body = await request.json()
    text = "Echo: " + json.dumps(body.get("input"))
    meta = {"usage": {"input_tokens": 11, "output_tokens": 7}, "cost": 0.0001}
    if not request.url.path.endswith("/stream") and not body.get("stream"):
        return JSONResponse({"data": text, "meta": meta})

    async def events() -> AsyncIterator[str]:
        for piece in pieces(text):
            yield sse({"type": "content", "delta": piece})
        yield sse({"type": "done", "usage": meta["usage"]})
        yield sse({"data": text, "meta": meta}, "complete")
        yield "data: [DONE]\n\n"

    return StreamingResponse(events(), media_type="text/event-stream")


async def ollama_chat(request: Request) -> Response:
    body = await request.json()
    messages = body.get("messages") or [{}]
    text = "Echo: " + str(messages[-1].get("content", ""))
    model = body.get("model")
    if body.get("stream") is False:
        return JSONResponse({"model": model, "message": {"role": "assistant", "content": text},
                             "done": True, "done_reason": "stop", "prompt_eval_count": 11,
                             "eval_count": 7})

    async def lines() -> AsyncIterator[str]:
        for piece in pieces(text):
            yield json.dumps({"model": model, "message": {"role": "assistant",
                                                          "content": piece},
                              "done": False}) + "\n"
        yield json.dumps({"model": model, "message": {"role": "assistant", "content": ""},
                          "done": True, "done_reason": "stop", "prompt_eval_count": 11,
                          "eval_count": 7}) + "\n"

    return StreamingResponse(lines(), media_type="application/x-ndjson")


async def anything(request: Request) -> Response:
    """Any other path and method: an echo of what came, as JSON."""
    raw = await request.body()
    try:
        echoed: Any = json.loads(raw) if raw else None
    except ValueError:
        echoed = raw.decode("utf-8", "replace")
    return JSONResponse({"echo": echoed, "path": request.url.path})


METHODS = ["GET", "POST", "PUT", "PATCH", "DELETE"]
ROUTES = [
    Route("/{version}/models/{target}", gemini, methods=["POST"]),
    Route("/{version}/projects/{p}/locations/{l}/publishers/google/models/{target}", gemini,
          methods=["POST"]),
    Route("/{version}/interactions", interactions, methods=["POST"]),
    Route("/v1/moderations", moderations, methods=["POST"]),
    Route("/v1/images/generations", images, methods=["POST"]),
    Route("/v1/audio/speech", speech, methods=["POST"]),
    Route("/v3/call", opper_call, methods=["POST"]),
    Route("/v3/call/stream", opper_call, methods=["POST"]),
    Route("/api/chat", ollama_chat, methods=["POST"]),
    Route("/{rest:path}", anything, methods=METHODS),
]
"""Mounted after the OpenAI and Anthropic routes of :mod:`tests.asgi.upstream`."""
