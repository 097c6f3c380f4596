"""More answer variants: the framings, codings, content types and odd JSON of an answer, each
applied to a channel of :mod:`tests.serve.answer_variants`."""

from __future__ import annotations

import json
from typing import Any

from tests.serve.answer_stand_in import CARD, EMAIL, SSN, TEXT, TOKEN, Variant, encoded, sse
from tests.serve.answer_variants import (
    JSON_TYPE,
    SSE_TYPE,
    chat_chunk,
    chat_events,
    chat_json,
    gemini_chunks,
    gemini_json,
    interaction_events,
    message_events,
    message_json,
    ollama_lines,
    response_json,
    responses_events,
)

TAIL = f" Again: {EMAIL}, {CARD}, {SSN}, {TOKEN}."
"""What the last event of a stream cut short carries."""


def _stream(name: str, api: str, body: bytes, **kw: Any) -> Variant:
    return Variant(name, api, body, kw.pop("content_type", SSE_TYPE), stream=True, **kw)


def _framings() -> list[Variant]:
    chat = chat_events("content", "f1")
    head = sse(chat_events("content", "f2", done=False)[:-2])  # no finish, usage, [DONE]
    last = json.dumps(chat_chunk({"content": TAIL}))
    cut = last[:last.index(TOKEN) + 10]  # cut inside the token, the rest of it planted
    messages = message_events("text", "f3")
    out = [
        _stream("chat.sse.crlf", "chat", sse(chat, "\r\n")),
        _stream("chat.sse.cr", "chat", sse(chat, "\r")),
        _stream("chat.sse.lf_crlf", "chat", sse(chat, "\n", "\r\n")),
        _stream("chat.sse.comments", "chat", sse(chat, comments=True)),
        _stream("chat.sse.bom", "chat", b"\xef\xbb\xbf" + sse(chat)),
        _stream("chat.sse.unterminated", "chat", head + f"data: {last}\n".encode()),
        _stream("chat.sse.unterminated_no_eol", "chat", head + f"data: {last}".encode()),
        _stream("chat.sse.cut", "chat", head + f"data: {cut}".encode()),
        _stream("chat.sse.planted_comment", "chat", head + f": {TAIL}\n\n".encode() + sse(
            chat[-3:])),
        _stream("chat.sse.planted_id", "chat", head + f"id: {TAIL}\ndata: [DONE]\n\n".encode()),
        _stream("chat.sse.planted_unknown_field", "chat", head + sse(chat[-3:-1]) + (
            f"note: {TAIL}\ndata: [DONE]\n\n".encode())),
        _stream("messages.sse.crlf", "messages", sse(messages, "\r\n")),
        _stream("messages.sse.cr", "messages", sse(messages, "\r")),
        _stream("messages.sse.lf_crlf", "messages", sse(messages, "\n", "\r\n")),
        _stream("messages.sse.comments", "messages", sse(messages, comments=True)),
        _stream("messages.sse.cut", "messages", sse(messages[:-3]) + (
            b'event: content_block_delta\ndata: {"type":"content_block_delta","index":0,'
            b'"delta":{"type":"text_delta","text":"' + TAIL[:-12].encode())),
        _stream("responses.sse.text.cr", "responses", sse(responses_events("text", "f4"), "\r")),
        _stream("gemini.sse.text.crlf", "gemini_sse",
                sse([(None, c) for c in gemini_chunks("text", "f5")], "\r\n")),
        _stream("interactions.sse.text.lf_crlf", "interactions",
                sse(interaction_events("text", "f6"), "\n", "\r\n")),
    ]
    lines = ollama_lines("content", "f7")
    out.append(_stream("ollama.ndjson.crlf", "ollama", lines.replace(b"\n", b"\r\n"),
                       content_type="application/x-ndjson"))
    unended = lines[:lines.rindex(b"\n", 0, -1) + 1] + json.dumps(
        {"model": "llama3.2", "message": {"role": "assistant", "content": TAIL},
         "done": False}).encode()
    out.append(_stream("ollama.ndjson.unterminated", "ollama", unended,
                       content_type="application/x-ndjson"))
    return out


_JSON_BODIES = {
    "chat.json.content": ("chat", chat_json(content=TEXT)),
    "messages.json.text": ("messages", message_json({"type": "text", "text": TEXT})),
    "gemini.json.text": ("gemini", gemini_json({"text": TEXT})),
    "responses.json.text": ("responses", response_json({
        "type": "message", "id": "msg_1", "status": "completed", "role": "assistant",
        "content": [{"type": "output_text", "text": TEXT, "annotations": []}]})),
}
_SSE_BODIES = {
    "chat.sse.content": ("chat", sse(chat_events("content", "e1"))),
    "messages.sse.text": ("messages", sse(message_events("text", "e2"))),
    "responses.sse.text": ("responses", sse(responses_events("text", "e3"))),
    "gemini.sse.text": ("gemini_sse", sse([(None, c) for c in gemini_chunks("text", "e4")])),
}


def _codings() -> list[Variant]:
    out = []
    plan = [("chat.json.content", c) for c in ("gzip", "deflate", "deflate-raw", "br")] + [
        ("messages.json.text", "gzip"), ("gemini.json.text", "br"),
        ("responses.json.text", "deflate")]
    for name, coding in plan:
        api, value = _JSON_BODIES[name]
        out.append(Variant(f"{name}.{coding}", api, encoded(json.dumps(value).encode(), coding),
                           JSON_TYPE, coding.split("-")[0], sdk=name.startswith("chat")))
    plan = [("chat.sse.content", c) for c in ("gzip", "deflate", "br")] + [
        ("messages.sse.text", "gzip"), ("responses.sse.text", "br"),
        ("gemini.sse.text", "deflate")]
    for name, coding in plan:
        api, body = _SSE_BODIES[name]
        out.append(_stream(f"{name}.{coding}", api, encoded(body, coding), encoding=coding,
                           sdk=name.startswith(("chat", "messages"))))
    lines = ollama_lines("content", "e5")
    out.append(_stream("ollama.ndjson.content.gzip", "ollama", encoded(lines, "gzip"),
                       content_type="application/x-ndjson", encoding="gzip"))
    body = json.dumps(chat_json(content=TEXT)).encode()
    half = len(body) // 2
    out.append(Variant("chat.json.content.gzip_members", "chat", encoded(body[:half], "gzip")
                       + encoded(body[half:], "gzip"), JSON_TYPE, "gzip"))
    out.append(Variant("chat.json.content.gzip_br", "chat", encoded(encoded(body, "gzip"), "br"),
                       JSON_TYPE, "gzip, br"))
    return out


def _content_types() -> list[Variant]:
    chat = json.dumps(chat_json(content=TEXT)).encode()
    stream = sse(chat_events("content", "t1"))
    return [
        Variant("chat.json.text_plain", "chat", chat, "text/plain; charset=utf-8", sdk=True),
        Variant("chat.json.octet_stream", "chat", chat, "application/octet-stream"),
        Variant("chat.json.no_type", "chat", chat, ""),
        Variant("messages.json.text_plain", "messages", json.dumps(message_json(
            {"type": "text", "text": TEXT})).encode(), "text/plain", sdk=True),
        Variant("chat.json.as_event_stream", "chat", chat, SSE_TYPE, unreadable=True),
        Variant("chat.json.as_ndjson", "chat", chat, "application/x-ndjson"),
        Variant("chat.sse.as_text_plain", "chat", stream, "text/plain", stream=True, sdk=True),
        Variant("chat.sse.as_octet_stream", "chat", stream, "application/octet-stream",
                stream=True),
    ]


def _escaped(text: str) -> str:
    """JSON text with each planted value's punctuation and digits as ``\\u`` escapes."""
    for value in (EMAIL, CARD, SSN, TOKEN):
        text = text.replace(value, "".join(
            f"\\u{ord(c):04x}" if c in "@-_0123456789" else c for c in value))
    return text


def _escaped_deltas(chunk: dict[str, Any]) -> str:
    """A chunk with its delta's text written with ``\\u`` escapes for digits and punctuation."""
    text = json.dumps(chunk)
    for choice in chunk["choices"]:
        piece = choice["delta"].get("content")
        if piece:
            text = text.replace(json.dumps(piece), '"' + "".join(
                f"\\u{ord(c):04x}" if c in "@-_0123456789" else c for c in piece) + '"', 1)
    return text


def _odd_json() -> list[Variant]:
    clean = json.dumps(chat_json(content="nothing to see"))
    planted_first = clean.replace('"content": "nothing to see"',
                                  f'"content": {json.dumps(TEXT)}, "content": "nothing"')
    choices = json.dumps(chat_json(content=TEXT)["choices"])
    top_first = clean.replace('"choices": ', f'"choices": {choices}, "choices": ', 1)
    events = [json.dumps(chat_chunk({"content": "ok"})).replace(
        '"content": "ok"', f'"content": {json.dumps(TEXT)}, "content": "ok"')]
    dup_stream = ("".join(f"data: {e}\n\n" for e in events) + "data: [DONE]\n\n").encode()
    escaped_events = "".join(f"data: {_escaped_deltas(c)}\n\n"
                             for _, c in chat_events("content", "j1")[:-1])
    out = [
        Variant("chat.json.duplicate_key", "chat", planted_first.encode(), JSON_TYPE),
        Variant("chat.json.duplicate_top_key", "chat", top_first.encode(), JSON_TYPE),
        _stream("chat.sse.duplicate_key", "chat", dup_stream),
        Variant("chat.json.escaped", "chat", _escaped(json.dumps(chat_json(content=TEXT)))
                .encode(), JSON_TYPE, sdk=True),
        _stream("chat.sse.escaped", "chat", (escaped_events + "data: [DONE]\n\n").encode()),
        Variant("chat.json.utf16", "chat", json.dumps(chat_json(content=TEXT)).encode(
            "utf-16"), JSON_TYPE),
        Variant("chat.json.truncated", "chat", json.dumps(chat_json(content=TEXT)).encode()[:-9],
                JSON_TYPE),
    ]
    return out


def _unreadable() -> list[Variant]:
    chat = json.dumps(chat_json(content=TEXT)).encode()
    return [
        Variant("chat.bytes", "chat", b"\xff\xfe\x00" + TEXT.encode() + b"\xc3", JSON_TYPE,
                unreadable=True),
        Variant("chat.json.bad_gzip", "chat", chat, JSON_TYPE, "gzip", unreadable=True),
        Variant("chat.json.unknown_coding", "chat", chat, JSON_TYPE, "zstd", unreadable=True),
        _stream("chat.sse.not_json", "chat", sse([(None, chat_chunk({"content": "Hi"})),
                                                  (None, f"plain {TEXT}")]), unreadable=True),
        _stream("chat.sse.bad_gzip", "chat", sse(chat_events("content", "u1")),
                encoding="gzip", unreadable=True),
    ]


def more() -> list[Variant]:
    return _framings() + _codings() + _content_types() + _odd_json() + _unreadable()
