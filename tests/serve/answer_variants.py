"""The answer variants of :mod:`tests.serve.answer_stand_in`: one text channel of one API each,
or one framing or coding of a channel. Every variant carries the planted values (``TEXT`` or,
in tool calls, ``ARGS``); streams send them in pieces cut mid-value."""

from __future__ import annotations

import json
from typing import Any

from tests.serve.answer_stand_in import ARGS, TEXT, Event, Variant, encoded, ndjson, split, sse

SSE_TYPE = "text/event-stream"
JSON_TYPE = "application/json"
CHAT_USAGE = {"prompt_tokens": 11, "completion_tokens": 7, "total_tokens": 18}

# --- OpenAI chat ------------------------------------------------------------------------------


def chat_json(**message: Any) -> dict[str, Any]:
    return {"id": "c1", "object": "chat.completion", "created": 1, "model": "gpt-4o-mini",
            "choices": [{"index": 0, "finish_reason": "stop", "logprobs": None,
                         "message": {"role": "assistant", "content": None, **message}}],
            "usage": CHAT_USAGE}


def chat_chunk(delta: dict[str, Any], finish: str | None = None,
               usage: dict[str, Any] | None = None) -> dict[str, Any]:
    chunk: dict[str, Any] = {"id": "c1", "object": "chat.completion.chunk", "created": 1,
                             "model": "gpt-4o-mini",
                             "choices": [{"index": 0, "delta": delta, "finish_reason": finish}]}
    if usage is not None:
        chunk["choices"], chunk["usage"] = [], usage
    return chunk


def chat_events(field: str, seed: str, text: str = TEXT,
                usage: dict[str, Any] = CHAT_USAGE, done: bool = True) -> list[Event]:
    """A streamed chat answer whose ``field`` (content, refusal, reasoning_content, or
    ``tool``: a call's arguments) carries ``text`` in small pieces."""
    events: list[Event] = [(None, chat_chunk({"role": "assistant", "content": ""}))]
    if field in ("function_call", "audio"):  # legacy calls; audio transcripts
        inner = "arguments" if field == "function_call" else "transcript"
        first = {"name": "send", "arguments": ""} if field == "function_call" else {"id": "a1"}
        events.append((None, chat_chunk({field: first})))
        events += [(None, chat_chunk({field: {inner: piece}}))
                   for piece in split(ARGS if inner == "arguments" else text, seed)]
    elif field == "tool":
        call = {"index": 0, "id": "call_1", "type": "function",
                "function": {"name": "send", "arguments": ""}}
        events.append((None, chat_chunk({"tool_calls": [call]})))
        events += [(None, chat_chunk({"tool_calls": [{"index": 0, "function": {
            "arguments": piece}}]})) for piece in split(ARGS, seed)]
    else:
        events += [(None, chat_chunk({field: piece})) for piece in split(text, seed)]
    events.append((None, chat_chunk({}, "tool_calls" if field == "tool" else "stop")))
    events.append((None, chat_chunk({}, usage=usage)))
    return events + ([(None, "[DONE]")] if done else [])


# --- OpenAI Responses -------------------------------------------------------------------------

RESPONSES_USAGE = {"input_tokens": 11, "output_tokens": 7, "total_tokens": 18}
_KINDS = {  # kind -> (event prefix, .done field, the output item)
    "text": ("response.output_text", "text", {
        "type": "message", "id": "msg_1", "status": "completed", "role": "assistant",
        "content": [{"type": "output_text", "text": TEXT, "annotations": []}]}),
    "refusal": ("response.refusal", "refusal", {
        "type": "message", "id": "msg_1", "status": "completed", "role": "assistant",
        "content": [{"type": "refusal", "refusal": TEXT}]}),
    "summary": ("response.reasoning_summary_text", "text", {
        "type": "reasoning", "id": "rs_1", "summary": [{"type": "summary_text", "text": TEXT}]}),
    "args": ("response.function_call_arguments", "arguments", {
        "type": "function_call", "id": "fc_1", "call_id": "call_1", "name": "send",
        "arguments": ARGS, "status": "completed"}),
}


def response_json(item: dict[str, Any], usage: dict[str, Any] = RESPONSES_USAGE,
                  status: str = "completed") -> dict[str, Any]:
    return {"id": "resp_1", "object": "response", "created_at": 1, "model": "gpt-4o-mini",
            "status": status, "output": [item] if item else [], "usage": usage,
            "parallel_tool_calls": True, "tool_choice": "auto", "tools": []}


def responses_events(kind: str, seed: str, deltas: bool = True, items: bool = True,
                     usage: dict[str, Any] = RESPONSES_USAGE) -> list[Event]:
    """A streamed Responses answer of one output item; ``deltas`` off: the text only in the
    ``.done`` events and the copies; ``items`` off: only ``response.completed`` has it."""
    prefix, field, item = _KINDS[kind]
    text = ARGS if kind == "args" else TEXT
    where: dict[str, Any] = {"item_id": item["id"], "output_index": 0}
    if kind in ("text", "refusal"):
        where["content_index"] = 0
    if kind == "summary":
        where["summary_index"] = 0
    n = iter(range(1, 1000))
    created = response_json({}, {}, "in_progress")
    events: list[Event] = [("response.created", {"type": "response.created",
                                                  "response": created, "sequence_number": 0})]
    if items:
        empty = {**item, **({"content": []} if "content" in item else {}),
                 **({"summary": []} if "summary" in item else {}),
                 **({"arguments": ""} if "arguments" in item else {})}
        events.append(("response.output_item.added", {
            "type": "response.output_item.added", "output_index": 0, "item": empty,
            "sequence_number": next(n)}))
    if items and deltas:
        for piece in split(text, seed):
            name = f"{prefix}.delta"
            events.append((name, {"type": name, **where, "delta": piece,
                                  "sequence_number": next(n)}))
    if items:
        name = f"{prefix}.done"
        events.append((name, {"type": name, **where, field: text, "sequence_number": next(n)}))
        if kind in ("text", "refusal"):
            events.append(("response.content_part.done", {
                "type": "response.content_part.done", **where, "part": item["content"][0],
                "sequence_number": next(n)}))
        events.append(("response.output_item.done", {
            "type": "response.output_item.done", "output_index": 0, "item": item,
            "sequence_number": next(n)}))
    events.append(("response.completed", {"type": "response.completed",
                                          "response": response_json(item, usage),
                                          "sequence_number": next(n)}))
    return events


# --- Anthropic Messages -----------------------------------------------------------------------

MESSAGES_USAGE = {"input_tokens": 11, "output_tokens": 7}


def message_json(*blocks: dict[str, Any]) -> dict[str, Any]:
    return {"id": "msg_1", "type": "message", "role": "assistant", "model": "claude-sonnet-4-6",
            "content": list(blocks), "stop_reason": "end_turn", "stop_sequence": None,
            "usage": MESSAGES_USAGE}


def message_events(kind: str, seed: str, text: str = TEXT,
                   usage: tuple[int, int] = (11, 7)) -> list[Event]:
    """A streamed Messages answer of one block: ``text``, ``thinking``, ``tool`` (input JSON
    deltas), ``start_text`` / ``start_tool`` (the block arrives whole in its start event)."""
    start = {"id": "msg_1", "type": "message", "role": "assistant", "model": "claude-sonnet-4-6",
             "content": [], "stop_reason": None, "stop_sequence": None,
             "usage": {"input_tokens": usage[0], "output_tokens": 1}}
    blocks = {"text": {"type": "text", "text": ""},
              "thinking": {"type": "thinking", "thinking": "", "signature": ""},
              "tool": {"type": "tool_use", "id": "tu_1", "name": "send", "input": {}},
              "start_text": {"type": "text", "text": text},
              "start_tool": {"type": "tool_use", "id": "tu_1", "name": "send",
                             "input": json.loads(ARGS)}}
    events: list[Event] = [("message_start", {"type": "message_start", "message": start}),
                           ("content_block_start", {"type": "content_block_start", "index": 0,
                                                    "content_block": blocks[kind]})]
    delta = {"text": ("text_delta", "text", text), "thinking": ("thinking_delta", "thinking",
                                                                text),
             "tool": ("input_json_delta", "partial_json", ARGS)}.get(kind)
    if delta is not None:
        events += [("content_block_delta", {"type": "content_block_delta", "index": 0,
                                            "delta": {"type": delta[0], delta[1]: piece}})
                   for piece in split(delta[2], seed)]
    if kind == "thinking":
        events.append(("content_block_delta", {"type": "content_block_delta", "index": 0,
                                               "delta": {"type": "signature_delta",
                                                         "signature": "c2ln"}}))
    events += [("content_block_stop", {"type": "content_block_stop", "index": 0}),
               ("message_delta", {"type": "message_delta",
                                  "delta": {"stop_reason": "end_turn", "stop_sequence": None},
                                  "usage": {"output_tokens": usage[1]}}),
               ("message_stop", {"type": "message_stop"})]
    return events


# --- Gemini, Interactions, Opper, Ollama ------------------------------------------------------

GEMINI_USAGE = {"promptTokenCount": 11, "candidatesTokenCount": 7, "totalTokenCount": 18}


def gemini_json(*parts: dict[str, Any], finish: str | None = "STOP",
                usage: dict[str, Any] = GEMINI_USAGE) -> dict[str, Any]:
    candidate: dict[str, Any] = {"content": {"role": "model", "parts": list(parts)}, "index": 0}
    if finish:
        candidate["finishReason"] = finish
    return {"candidates": [candidate], "usageMetadata": usage,
            "modelVersion": "gemini-2.5-flash", "responseId": "r1"}


def gemini_chunks(kind: str, seed: str, text: str = TEXT,
                  usage: dict[str, Any] = GEMINI_USAGE) -> list[dict[str, Any]]:
    if kind == "call":
        return [gemini_json({"functionCall": {"name": "send", "args": json.loads(ARGS)}},
                            usage=usage)]
    pieces = split(text, seed)
    extra = {"thought": True} if kind == "thought" else {}
    out = [gemini_json({"text": piece, **extra}, finish=None, usage=usage) for piece in pieces]
    return [*out, gemini_json({"text": ""}, usage=usage)]


INTERACTION_USAGE = {"total_input_tokens": 11, "total_output_tokens": 7, "total_tokens": 18}


def interaction_json(*steps: dict[str, Any]) -> dict[str, Any]:
    return {"id": "v1_int", "object": "interaction", "status": "completed",
            "model": "gemini-2.5-flash", "created": "2026-01-01T00:00:00Z",
            "updated": "2026-01-01T00:00:00Z", "steps": list(steps), "usage": INTERACTION_USAGE}


def interaction_events(kind: str, seed: str) -> list[Event]:
    """``text`` or ``thought`` deltas; ``completed``: the text only in the closing event."""
    events: list[Event] = [("interaction.created", {
        "event_type": "interaction.created",
        "interaction": {"id": "v1_int", "object": "interaction", "status": "in_progress"}})]
    step = {"type": "thought" if kind == "thought" else "model_output"}
    final = interaction_json()
    if kind == "completed":
        final = interaction_json({"type": "model_output",
                                  "content": [{"type": "text", "text": TEXT}]})
    else:
        events.append(("step.start", {"event_type": "step.start", "index": 0, "step": step}))
        for piece in split(TEXT, seed):
            delta = ({"type": "thought_summary", "content": {"type": "text", "text": piece}}
                     if kind == "thought" else {"type": "text", "text": piece})
            events.append(("step.delta", {"event_type": "step.delta", "index": 0,
                                          "delta": delta}))
        events.append(("step.stop", {"event_type": "step.stop", "index": 0}))
    events.append(("interaction.completed", {"event_type": "interaction.completed",
                                             "interaction": final}))
    return events


OPPER_META = {"usage": {"input_tokens": 11, "output_tokens": 7}, "cost": 0.0001}


def opper_events(seed: str, complete: bool = True) -> list[Event]:
    events: list[Event] = [(None, {"type": "content", "delta": p}) for p in split(TEXT, seed)]
    events.append((None, {"type": "done", "usage": OPPER_META["usage"]}))
    if complete:
        events.append(("complete", {"data": TEXT, "meta": OPPER_META}))
    return [*events, (None, "[DONE]")]


def ollama_lines(field: str, seed: str) -> bytes:
    base = {"model": "llama3.2", "created_at": "2026-01-01T00:00:00Z"}
    if field == "tool_calls":
        call = {"function": {"name": "send", "arguments": json.loads(ARGS)}}
        lines = [{**base, "message": {"role": "assistant", "content": "",
                                      "tool_calls": [call]}, "done": False}]
    else:
        lines = [{**base, "message": {"role": "assistant", "content": "", field: piece},
                  "done": False} for piece in split(TEXT, seed)]
    lines.append({**base, "message": {"role": "assistant", "content": ""}, "done": True,
                  "done_reason": "stop", "prompt_eval_count": 11, "eval_count": 7})
    return ndjson(lines)


# --- the catalog ------------------------------------------------------------------------------


def _json(name: str, api: str, value: Any, **kw: Any) -> Variant:
    return Variant(name, api, json.dumps(value).encode(), kw.pop("content_type", JSON_TYPE), **kw)


def _sse(name: str, api: str, events: list[Event], **kw: Any) -> Variant:
    framing = {k: kw.pop(k) for k in ("end", "blank", "comments") if k in kw}
    return Variant(name, api, sse(events, **framing), SSE_TYPE, stream=True, **kw)


def _coded(variant: Variant, coding: str) -> Variant:
    header = "deflate" if coding.startswith("deflate") else coding
    return Variant(f"{variant.name}.{coding}", variant.api, encoded(variant.body, coding),
                   variant.content_type, header, variant.stream)


def catalog() -> dict[str, Variant]:
    """Every variant by name."""
    from tests.serve.answer_variants_more import more

    found = [*_openai(), *_others(), *more()]
    by_name = {v.name: v for v in found}
    assert len(by_name) == len(found), "variant names must be unique"
    return by_name


def _openai() -> list[Variant]:
    tool_call = {"id": "call_1", "type": "function", "function": {"name": "send",
                                                                  "arguments": ARGS}}
    chat = [
        _json("chat.json.content", "chat", chat_json(content=TEXT), sdk=True),
        _json("chat.json.refusal", "chat", chat_json(refusal=TEXT)),
        _json("chat.json.tool_calls", "chat", chat_json(tool_calls=[tool_call]), sdk=True),
        _json("chat.json.function_call", "chat", chat_json(
            function_call={"name": "send", "arguments": ARGS})),
        _json("chat.json.audio", "chat", chat_json(audio={
            "id": "audio_1", "data": "UklGRg==", "expires_at": 1, "transcript": TEXT})),
        _json("chat.json.reasoning_content", "chat", chat_json(content="ok",
                                                                reasoning_content=TEXT)),
        _json("chat.json.logprobs", "chat", {**chat_json(content="ok"), "choices": [
            {"index": 0, "finish_reason": "stop", "message": {"role": "assistant",
                                                              "content": "ok"},
             "logprobs": {"content": [{"token": TEXT, "logprob": -0.1, "bytes": None,
                                       "top_logprobs": [{"token": TEXT, "logprob": -0.2}]}]}}
        ]}),
        _sse("chat.sse.logprobs", "chat", [
            (None, {**chat_chunk({"content": "ok"}), "choices": [
                {"index": 0, "delta": {"content": "ok"}, "finish_reason": None,
                 "logprobs": {"content": [{"token": piece, "logprob": -0.1}]}}]})
            for piece in TEXT.split(" ")] + [(None, chat_chunk({}, "stop")), (None, "[DONE]")]),
        _json("chat.json.two_choices", "chat", {**chat_json(content="ok"), "choices": [
            {"index": i, "finish_reason": "stop", "message": {"role": "assistant",
                                                              "content": TEXT}}
            for i in range(2)]}),
    ]
    sse_chat = [
        _sse("chat.sse.content", "chat", chat_events("content", "c1"), sdk=True),
        _sse("chat.sse.refusal", "chat", chat_events("refusal", "c2")),
        _sse("chat.sse.tool_args", "chat", chat_events("tool", "c3"), sdk=True),
        _sse("chat.sse.reasoning_content", "chat", chat_events("reasoning_content", "c4")),
        _sse("chat.sse.function_call", "chat", chat_events("function_call", "c5")),
        _sse("chat.sse.audio_transcript", "chat", chat_events("audio", "c6")),
    ]
    responses = [
        _json(f"responses.json.{kind}", "responses", response_json(item),
              sdk=kind in ("text", "args"))
        for kind, (_, _, item) in _KINDS.items()
    ]
    responses += [_sse(f"responses.sse.{kind}", "responses", responses_events(kind, kind),
                       sdk=True) for kind in _KINDS]
    responses += [_sse(f"responses.sse.{kind}.done_only", "responses",
                       responses_events(kind, kind, deltas=False)) for kind in _KINDS]
    responses.append(_sse("responses.sse.completed_only", "responses",
                          responses_events("text", "x", items=False), sdk=True))
    return chat + sse_chat + responses


def _others() -> list[Variant]:
    messages = [
        _json("messages.json.text", "messages", message_json({"type": "text", "text": TEXT}),
              sdk=True),
        _json("messages.json.thinking", "messages", message_json(
            {"type": "thinking", "thinking": TEXT, "signature": "c2ln"},
            {"type": "text", "text": "ok"}), sdk=True),
        _json("messages.json.tool_use", "messages", message_json(
            {"type": "tool_use", "id": "tu_1", "name": "send", "input": json.loads(ARGS)}),
            sdk=True),
    ]
    messages += [_sse(f"messages.sse.{kind}", "messages", message_events(kind, kind),
                      sdk=True) for kind in ("text", "thinking", "tool", "start_text",
                                             "start_tool")]
    started = message_events("text", "m1", text="ok")
    started[0][1]["message"]["content"] = [{"type": "text", "text": TEXT}]
    messages.append(_sse("messages.sse.in_message_start", "messages", started, sdk=True))
    gemini = [
        _json("gemini.json.text", "gemini", gemini_json({"text": TEXT}), sdk=True),
        _json("gemini.json.thought", "gemini", gemini_json({"text": TEXT, "thought": True},
                                                           {"text": "ok"}), sdk=True),
        _json("gemini.json.call", "gemini", gemini_json(
            {"functionCall": {"name": "send", "args": json.loads(ARGS)}}), sdk=True),
    ]
    gemini += [_sse(f"gemini.sse.{kind}", "gemini_sse",
                    [(None, c) for c in gemini_chunks(kind, kind)], sdk=True)
               for kind in ("text", "thought", "call")]
    gemini.append(Variant("gemini.array.text", "gemini_array", (
        "[" + ",\r\n".join(json.dumps(c) for c in gemini_chunks("text", "a")) + "]").encode(),
        JSON_TYPE))
    interactions = [
        _json("interactions.json.text", "interactions", interaction_json(
            {"type": "model_output", "content": [{"type": "text", "text": TEXT}]})),
        _json("interactions.json.call", "interactions", interaction_json(
            {"type": "function_call", "id": "fc_1", "name": "send",
             "arguments": json.loads(ARGS)})),
    ]
    interactions += [_sse(f"interactions.sse.{kind}", "interactions",
                          interaction_events(kind, kind))
                     for kind in ("text", "thought", "completed")]
    opper = [
        _json("opper.json.text", "opper", {"data": TEXT, "meta": OPPER_META}),
        _json("opper.json.object", "opper", {"data": json.loads(ARGS), "meta": OPPER_META}),
        _sse("opper.sse.deltas", "opper_stream", opper_events("o1")),
        _sse("opper.sse.complete_only", "opper_stream", [
            ("complete", {"data": TEXT, "meta": OPPER_META}), (None, "[DONE]")]),
    ]
    ollama = [Variant(f"ollama.ndjson.{field}", "ollama", ollama_lines(field, field),
                      "application/x-ndjson", stream=True)
              for field in ("content", "thinking", "tool_calls")]
    ollama.append(_json("ollama.json", "ollama", {
        "model": "llama3.2", "message": {"role": "assistant", "content": TEXT}, "done": True,
        "done_reason": "stop", "prompt_eval_count": 11, "eval_count": 7}))
    return messages + gemini + interactions + opper + ollama
