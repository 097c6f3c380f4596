"""Every text channel of every API's stream, through the output checks and the restore.

The machinery is :mod:`tests.dialects.test_streams` (its specs and ``run``); here each case
is one channel of one API: an event sequence built around a text given in two halves, and
how a caller reads that text back. Each runs twice: with an e-mail address split across the
halves under an output ``redact`` policy (no byte of the address may reach the caller, in
the channel or in any copy of it: ``.done`` events, snapshots, closing events), and with a
pseudonym planted on input and split the same way (it must come back restored, everywhere).
A channel that arrives whole (a name, a tool's result, a copy that never streamed) gets the
two halves joined.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any

import pytest

from tests.dialects.test_streams import (
    ANTHROPIC,
    CHAT,
    EMAIL,
    GEMINI,
    INTERACTIONS,
    INTERACTIONS_LEGACY,
    OLLAMA_GENERATE,
    OPENRESPONSES,
    OPPER,
    RESPONSES,
    RESPONSES_USAGE,
    Seen,
    Spec,
    line,
    run,
    sse,
)

MODES = {  # the halves, the text a caller must read back, the guard, the request
    "redact": ("mail ann.lee@exa", "mple.com now", "mail <EMAIL_ADDRESS> now", "output", "hi"),
    "pseudonyms": ("mail <EMAIL_", "ADDRESS_1> now", f"mail {EMAIL} now", "pseudonyms",
                   f"please mail {EMAIL}"),
}


@dataclass(frozen=True)
class Case:
    name: str
    spec: Spec
    events: Callable[[str, str], list[bytes]]
    read: Callable[[Seen], str]


def dig(node: Any, *path: Any) -> Any:
    for key in path:
        ok = isinstance(node, dict) or (isinstance(node, list) and key < len(node))
        node = node[key] if ok and (isinstance(node, list) or key in node) else None
    return node


def joined(seen: Seen, *path: Any, where: Callable[[Any], bool] = lambda d: True) -> str:
    """Every string at ``path`` in the events ``where`` accepts, in order."""
    return "".join(v for _, d in seen if where(d) for v in [dig(d, *path)]
                   if isinstance(v, str))


def of(kind: str, field: str = "type") -> Callable[[Any], bool]:
    return lambda d: isinstance(d, dict) and d.get(field) == kind


def to(text: str) -> str:  # the ``to`` of JSON arguments
    return str(json.loads(text)["to"])


# --- OpenAI chat ---------------------------------------------------------------------------

def chunk(delta: dict[str, Any], finish: str | None = None) -> bytes:
    return sse({"id": "c1", "object": "chat.completion.chunk", "created": 1, "model": "gpt-4o",
                "choices": [{"index": 0, "delta": delta, "finish_reason": finish}]})


def chat(*deltas: dict[str, Any]) -> list[bytes]:
    return [*(chunk(d) for d in deltas), chunk({}, "stop"), sse("[DONE]")]


def call(fields: dict[str, Any]) -> dict[str, Any]:
    return {"tool_calls": [{"index": 0, "function": fields}]}


def _chat_streamed(field: str) -> Case:
    return Case(f"chat {field}", CHAT, lambda a, b: chat({field: a}, {field: b}),
                lambda seen: joined(seen, "choices", 0, "delta", field))


CHAT_CASES = [
    *(_chat_streamed(f) for f in ("refusal", "reasoning_content", "reasoning")),
    Case("chat audio transcript", CHAT, lambda a, b: chat(
        {"audio": {"id": "audio_1", "data": "UklGRg==", "transcript": a}},
        {"audio": {"data": "UklGRg==", "transcript": b}}),
        lambda seen: joined(seen, "choices", 0, "delta", "audio", "transcript")),
    Case("chat legacy function_call", CHAT, lambda a, b: chat(
        {"function_call": {"name": "send", "arguments": ""}},
        {"function_call": {"arguments": '{"to": "' + a}},
        {"function_call": {"arguments": b + '"}'}}),
        lambda seen: to(joined(seen, "choices", 0, "delta", "function_call", "arguments"))),
    Case("chat tool call arguments", CHAT, lambda a, b: chat(
        {"tool_calls": [{"index": 0, "id": "call_1", "type": "function",
                         "function": {"name": "send", "arguments": ""}}]},
        call({"arguments": '{"to": "' + a}), call({"arguments": b + '"}'})),
        lambda seen: to(joined(seen, "choices", 0, "delta", "tool_calls", 0, "function",
                               "arguments"))),
    Case("chat tool call name", CHAT, lambda a, b: chat(
        {"tool_calls": [{"index": 0, "id": "call_1", "type": "function",
                         "function": {"name": a + b, "arguments": "{}"}}]}),
        lambda seen: joined(seen, "choices", 0, "delta", "tool_calls", 0, "function", "name")),
    Case("chat legacy function_call name", CHAT, lambda a, b: chat(
        {"function_call": {"name": a + b, "arguments": "{}"}}),
        lambda seen: joined(seen, "choices", 0, "delta", "function_call", "name")),
]


# --- OpenAI Responses ------------------------------------------------------------------------

def ev(kind: str, **fields: Any) -> bytes:
    return sse({"type": kind, **fields}, kind)


def completed(*output: dict[str, Any]) -> bytes:
    return ev("response.completed", response={"id": "r", "status": "completed",
                                              "usage": RESPONSES_USAGE, "output": list(output)})


def streamed(prefix: str, place: dict[str, Any], done: str | None,
             item: Callable[[str], dict[str, Any]], json_text: bool = False,
             delta: Callable[[str], Any] = lambda t: t) -> Callable[[str, str], list[bytes]]:
    """A Responses stream of one channel: deltas, its ``.done`` repeating the text, the item
    done and the closing snapshot (each a copy that must carry the released text)."""
    def events(a: str, b: str) -> list[bytes]:
        if json_text:
            a, b = '{"to": "' + a, b + '"}'
        whole = a + b
        out = [ev("response.output_item.added", output_index=0, item=item(""))]
        out += [ev(f"{prefix}.delta", **place, delta=delta(p)) for p in (a, b)]
        out.append(ev(f"{prefix}.done", **place, **({done: whole} if done else {})))
        return [*out, ev("response.output_item.done", output_index=0, item=item(whole)),
                completed(item(whole))]
    return events


def deltas_of(kind: str, *path: Any, json_text: bool = False) -> Callable[[Seen], str]:
    return lambda seen: (to if json_text else str)(joined(seen, "delta", *path, where=of(kind)))


AT, CI = {"item_id": "it_1", "output_index": 0}, {"item_id": "it_1", "output_index": 0,
                                                 "content_index": 0}


def reasoning(t: str) -> dict[str, Any]:
    return {"type": "reasoning", "id": "rs_1", "encrypted_content": "gAAAAB",
            "summary": [], "content": [{"type": "reasoning_text", "text": t}]}


RESPONSES_CASES = [
    Case("responses refusal", RESPONSES, streamed("response.refusal", CI, "refusal", lambda t: {
        "type": "message", "role": "assistant", "content": [{"type": "refusal", "refusal": t}]}),
        deltas_of("response.refusal.delta")),
    Case("responses reasoning_text", RESPONSES,
         streamed("response.reasoning_text", CI, "text", reasoning),
         deltas_of("response.reasoning_text.delta")),
    Case("openresponses reasoning", OPENRESPONSES,
         streamed("response.reasoning", CI, "text", reasoning),
         deltas_of("response.reasoning.delta")),
    Case("responses reasoning summary", RESPONSES, streamed(
        "response.reasoning_summary_text", {**AT, "summary_index": 0}, "text", lambda t: {
            "type": "reasoning", "summary": [{"type": "summary_text", "text": t}]}),
        deltas_of("response.reasoning_summary_text.delta")),
    Case("responses function call arguments", RESPONSES, streamed(
        "response.function_call_arguments", AT, "arguments", lambda t: {
            "type": "function_call", "call_id": "c1", "name": "send", "arguments": t},
        json_text=True), deltas_of("response.function_call_arguments.delta", json_text=True)),
    Case("responses mcp call arguments", RESPONSES, streamed(
        "response.mcp_call_arguments", AT, "arguments", lambda t: {
            "type": "mcp_call", "server_label": "crm", "name": "send", "arguments": t},
        json_text=True), deltas_of("response.mcp_call_arguments.delta", json_text=True)),
    Case("responses custom tool input", RESPONSES, streamed(
        "response.custom_tool_call_input", AT, "input", lambda t: {
            "type": "custom_tool_call", "call_id": "c1", "name": "note", "input": t}),
        deltas_of("response.custom_tool_call_input.delta")),
    Case("responses code interpreter code", RESPONSES, streamed(
        "response.code_interpreter_call_code", AT, "code", lambda t: {
            "type": "code_interpreter_call", "container_id": "cntr_1", "code": t,
            "outputs": []}), deltas_of("response.code_interpreter_call_code.delta")),
    Case("responses shell command", RESPONSES, streamed(
        "response.shell_call_command", {"output_index": 0, "command_index": 0}, "command",
        lambda t: {"type": "shell_call", "call_id": "c1", "action": {"commands": [t]}}),
        deltas_of("response.shell_call_command.delta")),
    Case("responses shell output", RESPONSES, streamed(
        "response.shell_call_output_content", {**AT, "command_index": 0}, None, lambda t: {
            "type": "shell_call_output", "call_id": "c1", "output": [
                {"stdout": t, "stderr": "", "outcome": {"type": "exit", "exit_code": 0}}]},
        delta=lambda t: {"stdout": t}),
        deltas_of("response.shell_call_output_content.delta", "stdout")),
    Case("responses audio transcript", RESPONSES, lambda a, b: [
        ev("response.audio.delta", delta="UklGRg=="),
        ev("response.audio.transcript.delta", delta=a),
        ev("response.audio.transcript.delta", delta=b),
        ev("response.audio.transcript.done"), completed()],
        deltas_of("response.audio.transcript.delta")),
    Case("responses delta of an unknown stream", RESPONSES, lambda a, b: [
        ev("response.future_text.delta", **CI, delta=a),
        ev("response.future_text.delta", **CI, delta=b),
        ev("response.future_text.done", **CI, text=a + b), completed()],
        deltas_of("response.future_text.delta")),
    Case("responses done without deltas", RESPONSES, lambda a, b: [
        ev("response.output_text.done", **CI, text=a + b),
        ev("response.content_part.done", **CI, part={"type": "output_text", "text": a + b}),
        ev("response.output_item.done", output_index=0, item={
            "type": "message", "content": [{"type": "output_text", "text": a + b}]}),
        completed({"type": "message", "content": [{"type": "output_text", "text": a + b}]})],
        lambda seen: joined(seen, "text", where=of("response.output_text.done"))),
    Case("responses whole item", RESPONSES, lambda a, b: [
        ev("response.output_item.added", output_index=0, item={
            "type": "web_search_call", "id": "ws_1", "action": {"type": "search"}}),
        ev("response.output_item.done", output_index=0, item={
            "type": "web_search_call", "id": "ws_1",
            "action": {"type": "search", "query": a + b}}),
        completed({"type": "web_search_call", "action": {"type": "search", "query": a + b}})],
        lambda seen: joined(seen, "item", "action", "query")),
    Case("responses snapshot in progress", RESPONSES, lambda a, b: [
        ev("response.in_progress", response={"id": "r", "status": "in_progress", "output": [
            {"type": "message", "content": [{"type": "output_text", "text": a + b}]}]}),
        completed()],
        lambda seen: joined(seen, "response", "output", 0, "content", 0, "text",
                            where=of("response.in_progress"))),
    Case("responses annotation", RESPONSES, lambda a, b: [
        ev("response.output_text.annotation.added", **CI, annotation_index=0, annotation={
            "type": "url_citation", "url": "https://example.org", "title": a + b}),
        completed()],
        lambda seen: joined(seen, "annotation", "title")),
]


# --- Anthropic -----------------------------------------------------------------------------

def anthropic(*events: dict[str, Any]) -> list[bytes]:
    start = {"type": "message_start", "message": {
        "id": "msg_1", "type": "message", "role": "assistant", "content": [],
        "usage": {"input_tokens": 4, "output_tokens": 1}}}
    end = [{"type": "message_delta", "delta": {"stop_reason": "end_turn"},
            "usage": {"output_tokens": 9}}, {"type": "message_stop"}]
    return [sse(e, str(e["type"])) for e in (start, *events, *end)]


def block(index: int, content: dict[str, Any]) -> list[dict[str, Any]]:
    """A block that arrives whole: its start and its stop."""
    return [{"type": "content_block_start", "index": index, "content_block": content},
            {"type": "content_block_stop", "index": index}]


def delta(index: int, **fields: Any) -> dict[str, Any]:
    return {"type": "content_block_delta", "index": index, "delta": fields}


def _starts(seen: Seen, *path: Any) -> str:  # what blocks opened with
    return joined(seen, "content_block", *path, where=of("content_block_start"))


ANTHROPIC_CASES = [
    Case("anthropic text in its block's start", ANTHROPIC, lambda a, b: anthropic(
        {"type": "content_block_start", "index": 0,
         "content_block": {"type": "text", "text": a}},
        delta(0, type="text_delta", text=b), {"type": "content_block_stop", "index": 0}),
        lambda seen: _starts(seen, "text") + joined(seen, "delta", "text")),
    Case("anthropic thinking", ANTHROPIC, lambda a, b: anthropic(
        {"type": "content_block_start", "index": 0,
         "content_block": {"type": "thinking", "thinking": "", "signature": ""}},
        delta(0, type="thinking_delta", thinking=a), delta(0, type="thinking_delta", thinking=b),
        delta(0, type="signature_delta", signature="c2ln"),
        {"type": "content_block_stop", "index": 0}),
        lambda seen: joined(seen, "delta", "thinking")),
    Case("anthropic citation", ANTHROPIC, lambda a, b: anthropic(
        {"type": "content_block_start", "index": 0,
         "content_block": {"type": "text", "text": "", "citations": []}},
        delta(0, type="citations_delta", citation={
            "type": "char_location", "cited_text": a + b, "document_index": 0,
            "document_title": "notes", "start_char_index": 0, "end_char_index": 9}),
        delta(0, type="text_delta", text="see the notes"),
        {"type": "content_block_stop", "index": 0}),
        lambda seen: joined(seen, "delta", "citation", "cited_text")),
    Case("anthropic web search results", ANTHROPIC, lambda a, b: anthropic(*block(0, {
        "type": "web_search_tool_result", "tool_use_id": "srvtoolu_1", "content": [
            {"type": "web_search_result", "url": "https://example.org", "title": a + b,
             "encrypted_content": "EqgfCioIARgB", "page_age": None}]})),
        lambda seen: _starts(seen, "content", 0, "title")),
    Case("anthropic tool use with its input", ANTHROPIC, lambda a, b: anthropic(*block(0, {
        "type": "tool_use", "id": "toolu_1", "name": "send", "input": {"to": a + b}})),
        lambda seen: _starts(seen, "input", "to")),
    Case("anthropic code execution result", ANTHROPIC, lambda a, b: anthropic(*block(0, {
        "type": "bash_code_execution_tool_result", "tool_use_id": "srvtoolu_1", "content": {
            "type": "bash_code_execution_result", "stdout": a + b, "stderr": "",
            "return_code": 0, "content": []}})),
        lambda seen: _starts(seen, "content", "stdout")),
    Case("anthropic mcp tool result", ANTHROPIC, lambda a, b: anthropic(*block(0, {
        "type": "mcp_tool_result", "tool_use_id": "mcptoolu_1", "is_error": False,
        "content": [{"type": "text", "text": a + b}]})),
        lambda seen: _starts(seen, "content", 0, "text")),
]


# --- Gemini, Interactions, Opper, Ollama ---------------------------------------------------

def gemini(parts: list[dict[str, Any]], **candidate: Any) -> list[bytes]:
    return [sse({"candidates": [{"content": {"role": "model", "parts": parts}, "index": 0,
                                 "finishReason": "STOP", **candidate}]})]


def _part(seen: Seen, *path: Any) -> str:  # what the candidate's parts hold
    return joined(seen, "candidates", 0, "content", "parts", *path)


def step(kind: str, **fields: Any) -> bytes:
    return sse({"event_type": kind, **fields}, kind)


def opper(*events: dict[str, Any], complete: dict[str, Any] | None = None) -> list[bytes]:
    usage = {"input_tokens": 4, "output_tokens": 9}
    out = [sse(e) for e in events] + [sse({"type": "done", "usage": usage})]
    if complete is not None:
        out.append(sse({"meta": {"usage": usage}, **complete}, "complete"))
    return [*out, sse("[DONE]")]


OTHER_CASES = [
    Case("gemini executable code", GEMINI, lambda a, b: gemini(
        [{"executableCode": {"language": "PYTHON", "code": a + b}}]),
        lambda seen: _part(seen, 0, "executableCode", "code")),
    Case("gemini code execution result", GEMINI, lambda a, b: gemini(
        [{"codeExecutionResult": {"outcome": "OUTCOME_OK", "output": a + b}}]),
        lambda seen: _part(seen, 0, "codeExecutionResult", "output")),
    Case("gemini grounding metadata", GEMINI, lambda a, b: gemini(
        [{"text": "It is so."}], groundingMetadata={
            "webSearchQueries": [a + b], "groundingSupports": [
                {"segment": {"startIndex": 0, "endIndex": 9, "text": a + b}}]}),
        lambda seen: joined(seen, "candidates", 0, "groundingMetadata", "webSearchQueries", 0)),
    Case("interactions legacy content.start", INTERACTIONS_LEGACY, lambda a, b: [
        step("content.start", index=0, content={"type": "text", "text": a + b}),
        step("content.stop", index=0)],
        lambda seen: joined(seen, "content", "text", where=of("content.start", "event_type"))),
    Case("interactions code execution result", INTERACTIONS, lambda a, b: [
        step("step.delta", index=0, delta={"type": "code_execution_result", "result": a + b,
                                           "signature": "c2ln"}),
        step("step.stop", index=0)],
        lambda seen: joined(seen, "delta", "result")),
    Case("interactions created with steps", INTERACTIONS, lambda a, b: [
        step("interaction.created", interaction={"id": "v1", "status": "in_progress", "steps": [
            {"type": "model_output", "content": [{"type": "text", "text": a + b}]}]})],
        lambda seen: joined(seen, "interaction", "steps", 0, "content", 0, "text")),
    Case("opper tool call arguments", OPPER, lambda a, b: opper(
        {"type": "tool_call_start", "tool_call_index": 0, "tool_call_id": "call_1",
         "tool_call_name": "send"},
        {"type": "tool_call_delta", "tool_call_index": 0, "tool_call_args": '{"to": "' + a},
        {"type": "tool_call_delta", "tool_call_index": 0, "tool_call_args": b + '"}'}),
        lambda seen: to(joined(seen, "tool_call_args"))),
    Case("opper tool call name", OPPER, lambda a, b: opper(
        {"type": "tool_call_start", "tool_call_index": 0, "tool_call_id": "call_1",
         "tool_call_name": a + b}),
        lambda seen: joined(seen, "tool_call_name")),
    Case("opper complete data object", OPPER, lambda a, b: opper(
        complete={"data": {"to": a + b}}), lambda seen: joined(seen, "data", "to")),
    Case("opper complete meta", OPPER, lambda a, b: opper(
        {"type": "content", "delta": "Done."}, complete={"data": "Done.", "meta": {
            "message": a + b, "usage": {"input_tokens": 4}, "trace_uuid": "t-1"}}),
        lambda seen: joined(seen, "meta", "message")),
    Case("ollama generate thinking", OLLAMA_GENERATE, lambda a, b: [
        line({"model": "llama3.2", "response": "", "thinking": a, "done": False}),
        line({"model": "llama3.2", "response": "", "thinking": b, "done": False}),
        line({"model": "llama3.2", "response": "", "done": True, "done_reason": "stop"})],
        lambda seen: joined(seen, "thinking")),
]

CASES = [*CHAT_CASES, *RESPONSES_CASES, *ANTHROPIC_CASES, *OTHER_CASES]


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
@pytest.mark.parametrize("mode", list(MODES))
def test_every_text_channel_is_checked_and_restored(case: Case, mode: str) -> None:
    a, b, expected, guard, request = MODES[mode]
    spec = replace(case.spec, events=lambda pieces, closed: case.events(a, b))
    seen, s, raw = run(spec, [], guard=guard, request=request)
    assert s.denial is None
    assert case.read(seen) == expected
    if mode == "redact":  # nowhere: not in the channel, not in any copy of it
        assert b"ann.lee" not in raw and b"mple.com" not in raw
    else:
        assert b"ADDRESS_1" not in raw
