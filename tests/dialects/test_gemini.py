"""Gemini ``models/{m}:method`` (and Vertex's): paths, request texts, answers, errors, edits."""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from guard import Guard
from guard.dialects import dialect, endpoint, normalize
from guard.dialects.gemini import Gemini
from guard.envelope import Envelope, parse_response, resolve
from tests.dialects.support import EMAIL, REDACT, assert_edits_land_in_place, read
from tests.dialects.support import parse as parse_on

GENERATE = "/v1beta/models/gemini-2.5-flash:generateContent"


def parse(body: dict[str, Any], path: str = GENERATE) -> Envelope:
    return parse_on(body, path)


def redacted(body: dict[str, Any], path: str = GENERATE) -> dict[str, Any]:
    decision = REDACT.check_request_sync(body, path=path)
    assert decision.action in ("allow", "modify") and decision.body is not None
    return decision.body


# --- paths -------------------------------------------------------------------------------

@pytest.mark.parametrize(("path", "operation", "model", "stream"), [
    (GENERATE, "generate", "gemini-2.5-flash", False),
    ("/v1/models/gemini-2.5-flash:streamGenerateContent?alt=sse", "generate",
     "gemini-2.5-flash", True),
    ("/v1beta/models/gemini-2.5-flash:streamGenerateContent", "generate", "gemini-2.5-flash",
     True),  # without alt=sse: one JSON array
    ("/v1/projects/p/locations/us-central1/publishers/google/models/gemini-2.5-pro"
     ":generateContent", "generate", "gemini-2.5-pro", False),
    ("/v1beta1/publishers/google/models/gemini-2.5-pro:streamGenerateContent?alt=sse",
     "generate", "gemini-2.5-pro", True),
    ("/v1beta/tunedModels/my-tuned-7:generateContent", "generate", "my-tuned-7", False),
    ("/v1/projects/p/locations/l/endpoints/1234:generateContent", "generate", "1234", False),
    ("/v1beta/models/gemini-2.5-flash:countTokens", "count", "gemini-2.5-flash", False),
    ("/v1/projects/p/locations/l/publishers/google/models/gemini-2.5-flash:computeTokens",
     "count", "gemini-2.5-flash", False),
    ("/v1beta/models/gemini-embedding-001:embedContent", "embed", "gemini-embedding-001",
     False),
    ("/v1/models/gemini-embedding-001:batchEmbedContents", "embed", "gemini-embedding-001",
     False),
    ("/v1beta/models/gemini-2.5-flash:batchGenerateContent", "batch", "gemini-2.5-flash",
     False),
    ("/v1/projects/p/locations/l/publishers/google/models/imagen-4:predict", "generate",
     "imagen-4", False),
    # a gateway's model id holds a slash (Opper's compat path): the whole id is the model
    ("/v3/compat/v1beta/models/vertexai/gemini-2.5-flash:generateContent", "generate",
     "vertexai/gemini-2.5-flash", False),
    ("/v1beta/cachedContents", "other", None, False),
])
def test_paths_name_operation_model_and_stream(path: str, operation: str, model: str | None,
                                               stream: bool) -> None:
    found = endpoint(normalize(path))
    assert found is not None and found.dialect.name == "gemini.generate"
    assert (found.operation, found.model, found.stream) == (operation, model, stream)


@pytest.mark.parametrize("path", [
    "/v1beta/models/gemini-2.5-flash",  # GET the model: no body
    "/v1beta/models",
    "/v1/projects/p/locations/l/publishers/anthropic/models/claude:rawPredict",
    "/v1beta/models/gemini-2.5-flash:unknownMethod",
    "/v1beta/models/:generateContent",
    "/v1beta/files:generateContent",
])
def test_paths_that_name_no_gemini_method(path: str) -> None:
    found = endpoint(normalize(path))
    assert found is None or found.dialect.name != "gemini.generate"


def test_the_model_comes_from_the_path_and_the_stream_only_from_the_method() -> None:
    env = parse({"contents": [], "model": "models/other", "stream": True})
    assert (env.model, env.provider, env.qualified_model) == (
        "gemini-2.5-flash", "google", "google/gemini-2.5-flash")
    assert env.fallback_models == ()  # the API ignores a body's model
    assert env.stream is False  # Gemini streams by method, not by a body flag
    streamed = parse({"contents": []}, GENERATE.replace("generateContent",
                                                        "streamGenerateContent"))
    assert streamed.stream is True
    opper = parse({"contents": []},
                  "/v3/compat/v1beta/models/vertexai/gemini-2.5-flash:generateContent")
    assert (opper.model, opper.provider) == ("vertexai/gemini-2.5-flash", "vertexai")
    # a gateway's fallback fields name models route policies must see; they are not text
    fallbacks = parse({"contents": [], "fallback_models": ["gemini-2.5-pro"],
                       "models": ["gemini-2.0-flash"]})
    assert fallbacks.model == "gemini-2.5-flash"
    assert fallbacks.fallback_models == ("gemini-2.5-pro", "gemini-2.0-flash")
    assert fallbacks.segments == ()
    named = parse({"contents": [], "model": "models/gemini-2.5-flash",
                   "fallback_models": ["models/gemini-2.5-pro"]})
    assert named.fallback_models == ("gemini-2.5-pro",)  # the path's own model is no fallback


def test_model_path_rewrites_the_model_and_keeps_the_method() -> None:
    gemini = Gemini()
    path = normalize("/v1/projects/p/locations/l/publishers/google/models/gemini-2.5-flash"
                     ":streamGenerateContent?alt=sse")
    found = endpoint(path)
    assert found is not None
    assert gemini.model_path(path, found, "google/gemini-2.5-pro") == (
        "/v1/projects/p/locations/l/publishers/google/models/gemini-2.5-pro"
        ":streamGenerateContent")
    assert gemini.model_path(path, found, "gemini-2.5-pro").endswith(  # type: ignore[union-attr]
        "/models/gemini-2.5-pro:streamGenerateContent")
    assert gemini.model_path(path, found, "openai/gpt-4o") is None  # no Gemini path names it
    opper = normalize("/v3/compat/v1beta/models/vertexai/gemini-2.5-flash:generateContent")
    assert gemini.model_path(opper, found, "gemini-2.5-pro") == (
        "/v3/compat/v1beta/models/gemini-2.5-pro:generateContent")


# --- requests ----------------------------------------------------------------------------

SDK_BODY: dict[str, Any] = {  # what google-genai sends: camelCase keys, snake_case inside
    "contents": [
        {"role": "user", "parts": [
            {"text": "hi"},
            {"inlineData": {"data": "iVBORw0KGgo=", "mime_type": "image/png"}},
            {"fileData": {"file_uri": "gs://b/x.pdf", "mime_type": "application/pdf"}}]},
        {"role": "model", "parts": [
            {"text": "thinking...", "thought": True, "thoughtSignature": "c2lnbmF0dXJl"},
            {"functionCall": {"id": "call-1", "name": "lookup",
                              "args": {"who": "Ada", "type": "person"}}}]},
        {"role": "user", "parts": [
            {"functionResponse": {"id": "call-1", "name": "lookup",
                                  "response": {"output": "found Ada", "id": "rec-9"}}}]},
    ],
    "systemInstruction": {"role": "user", "parts": [{"text": "be nice"}]},
    "safetySettings": [{"category": "HARM_CATEGORY_HATE_SPEECH", "threshold": "BLOCK_NONE"}],
    "tools": [{"googleSearch": {}},
              {"functionDeclarations": [{"name": "lookup", "description": "finds people",
                                         "parameters_json_schema": {
                                             "type": "object",
                                             "properties": {"who": {"type": "string",
                                                                    "description": "a name"}}},
                                         }]}],
    "toolConfig": {"functionCallingConfig": {"mode": "ANY",
                                             "allowedFunctionNames": ["lookup"]}},
    "labels": {"team": "search"},
    "cachedContent": "cachedContents/abc",
    "generationConfig": {"temperature": 0.1, "maxOutputTokens": 100, "stopSequences": ["END"],
                         "responseMimeType": "application/json",
                         "responseJsonSchema": {"type": "object"},
                         "thinkingConfig": {"include_thoughts": True, "thinking_budget": 10,
                                            "thinkingLevel": "HIGH"}},
}


def test_the_sdk_body_every_text_and_nothing_else() -> None:
    env = parse(SDK_BODY)
    assert env.api == "gemini.generate" and env.operation == "generate"
    assert read(env) == [
        (("contents", 0, "parts", 0, "text"), "hi", "user", "message"),
        (("contents", 1, "parts", 0, "text"), "thinking...", "assistant", "message"),
        (("contents", 1, "parts", 1, "functionCall", "name"), "lookup", "assistant",
         "tool_arguments"),
        (("contents", 1, "parts", 1, "functionCall", "args", "who"), "Ada", "assistant",
         "tool_arguments"),
        # arguments are data: a key named "type" there holds text
        (("contents", 1, "parts", 1, "functionCall", "args", "type"), "person", "assistant",
         "tool_arguments"),
        (("contents", 2, "parts", 0, "functionResponse", "name"), "lookup", "tool",
         "tool_result"),
        (("contents", 2, "parts", 0, "functionResponse", "response", "output"), "found Ada",
         "tool", "tool_result"),
        (("contents", 2, "parts", 0, "functionResponse", "response", "id"), "rec-9", "tool",
         "tool_result"),
        (("systemInstruction", "parts", 0, "text"), "be nice", "system", "system"),
        (("tools", 1, "functionDeclarations", 0, "name"), "lookup", "other", "other"),
        (("tools", 1, "functionDeclarations", 0, "description"), "finds people", "other",
         "other"),
        (("tools", 1, "functionDeclarations", 0, "parameters_json_schema", "properties", "who",
          "description"), "a name", "other", "other"),
        (("labels", "team"), "search", "other", "other"),
        (("generationConfig", "stopSequences", 0), "END", "other", "other"),
    ]
    texts = {s.text for s in env.segments}
    for structural in ("call-1", "iVBORw0KGgo=", "image/png", "gs://b/x.pdf", "c2lnbmF0dXJl",
                       "HARM_CATEGORY_HATE_SPEECH", "BLOCK_NONE", "ANY", "cachedContents/abc",
                       "application/json", "HIGH", "user", "model"):
        assert structural not in texts
    assert [(m.role, m.text) for m in env.messages] == [
        ("user", "hi"), ("assistant", "thinking...\nlookup\nAda\nperson"),
        ("user", "lookup\nfound Ada\nrec-9"), ("system", "be nice")]
    assert env.max_tokens == 100 and env.stream is False and env.fallback_models == ()


def test_snake_case_spellings_read_the_same() -> None:
    body = {
        "contents": [
            {"role": "user", "parts": [
                {"text": "hi"},
                {"inline_data": {"data": "iVBORw0KGgo=", "mimeType": "image/png"}},
                {"file_data": {"fileUri": "gs://b/x.pdf", "mime_type": "application/pdf"}}]},
            {"role": "model", "parts": [{"function_call": {"id": "c1", "name": "f",
                                                           "args": {"q": "x"}}}]},
            {"role": "user", "parts": [{"function_response": {"id": "c1", "name": "f",
                                                              "response": {"out": "y"}}}]}],
        "system_instruction": {"parts": [{"text": "be nice"}]},
        "safety_settings": [{"category": "HARM_CATEGORY_HARASSMENT", "threshold": "OFF"}],
        "tool_config": {"function_calling_config": {"mode": "AUTO"}},
        "generation_config": {"max_output_tokens": 64, "stop_sequences": ["STOP!"],
                              "response_mime_type": "text/plain"},
    }
    env = parse(body)
    assert [(s.pointer[-1], s.text, s.role) for s in env.segments] == [
        ("text", "hi", "user"), ("name", "f", "assistant"), ("q", "x", "assistant"),
        ("name", "f", "tool"), ("out", "y", "tool"), ("text", "be nice", "system"),
        (0, "STOP!", "other")]
    assert env.max_tokens == 64
    # both spellings in one body: the API may read either, budgets reserve the larger
    both = {**body, "generationConfig": {"maxOutputTokens": 8}}
    assert parse(both).max_tokens == 64
    assert parse({"contents": [], "generationConfig": {"max_output_tokens": 9,
                                                        "maxOutputTokens": 3}}).max_tokens == 9
    assert parse({"contents": [], "generationConfig": {"maxOutputTokens": True}}).max_tokens \
        is None


def test_plain_string_turns_and_roles() -> None:
    env = parse({"contents": [{"role": "user", "parts": ["loose string"]},
                              {"role": "function", "parts": [{"text": "tool said"}]},
                              {"parts": [{"text": "no role"}]}],
                 "systemInstruction": "just a string"})
    assert [(s.text, s.role) for s in env.segments] == [
        ("loose string", "user"), ("tool said", "tool"), ("no role", "user"),
        ("just a string", "system")]


def test_count_tokens_with_a_wrapped_request() -> None:
    env = parse({"generateContentRequest": {
        "model": "models/gemini-2.5-flash",
        "contents": [{"role": "user", "parts": [{"text": "count me"}]}],
        "systemInstruction": {"parts": [{"text": "sys"}]},
        "generationConfig": {"maxOutputTokens": 5}}},
        "/v1beta/models/gemini-2.5-flash:countTokens")
    assert env.operation == "count"
    assert read(env) == [
        (("generateContentRequest", "contents", 0, "parts", 0, "text"), "count me", "user",
         "message"),
        (("generateContentRequest", "systemInstruction", "parts", 0, "text"), "sys", "system",
         "system")]
    assert [m.role for m in env.messages] == ["user", "system"]


def test_embed_content_and_batches_are_inputs() -> None:
    env = parse({"content": {"parts": [{"text": "embed me"}]}, "taskType": "RETRIEVAL_DOCUMENT",
                 "title": "A title", "outputDimensionality": 64},
                "/v1beta/models/gemini-embedding-001:embedContent")
    assert env.operation == "embed"
    assert read(env) == [(("content", "parts", 0, "text"), "embed me", "input", "input"),
                         (("title",), "A title", "other", "other")]
    assert [m.role for m in env.messages] == ["input"]
    batch = parse({"requests": [
        {"model": "models/gemini-embedding-001", "content": {"parts": [{"text": "one"}]},
         "taskType": "RETRIEVAL_QUERY"},
        {"model": "models/gemini-embedding-001", "content": {"parts": [{"text": "two"}]}}]},
        "/v1/models/gemini-embedding-001:batchEmbedContents")
    assert read(batch) == [
        (("requests", 0, "content", "parts", 0, "text"), "one", "input", "input"),
        (("requests", 1, "content", "parts", 0, "text"), "two", "input", "input")]
    assert [m.text for m in batch.messages] == ["one", "two"]


def test_cached_contents_are_read_because_later_calls_only_name_them() -> None:
    env = parse({"model": "models/gemini-2.5-flash", "ttl": "60s", "displayName": "notes",
                 "contents": [{"role": "user", "parts": [{"text": "remember this"}]}],
                 "systemInstruction": {"parts": [{"text": "sys"}]}},
                "/v1beta/cachedContents")
    assert env.operation == "other" and env.model == "gemini-2.5-flash"
    texts = [s.text for s in env.segments]
    assert "remember this" in texts and "sys" in texts and "notes" in texts
    assert "models/gemini-2.5-flash" not in texts


def test_edits_land_where_the_text_came_from_in_the_spelling_that_came() -> None:
    body = copy.deepcopy(SDK_BODY)
    body["contents"][0]["parts"][0]["text"] = f"mail {EMAIL} please"
    body["contents"][1]["parts"][1]["functionCall"]["args"]["who"] = EMAIL
    body["contents"][2]["parts"][0]["functionResponse"]["response"]["output"] = f"<{EMAIL}>"
    body["system_instruction"] = body.pop("systemInstruction")
    body["system_instruction"]["parts"][0]["text"] = f"owner: {EMAIL}"
    body["generationConfig"]["stopSequences"] = [EMAIL]
    out = redacted(body)
    assert out["contents"][0]["parts"][0]["text"] == "mail <EMAIL_ADDRESS> please"
    assert out["contents"][1]["parts"][1]["functionCall"]["args"] == {
        "who": "<EMAIL_ADDRESS>", "type": "person"}
    assert out["contents"][2]["parts"][0]["functionResponse"]["response"]["output"] == \
        "<<EMAIL_ADDRESS>>"
    assert out["system_instruction"]["parts"][0]["text"] == "owner: <EMAIL_ADDRESS>"
    assert "systemInstruction" not in out
    assert out["generationConfig"]["stopSequences"] == ["<EMAIL_ADDRESS>"]
    # everything else is the body as it came
    for key in ("safetySettings", "tools", "toolConfig", "labels", "cachedContent"):
        assert out[key] == body[key]
    assert out["contents"][0]["parts"][1:] == body["contents"][0]["parts"][1:]
    assert EMAIL not in json.dumps(out)


# --- a planted e-mail in any text field of a random body is redacted -------------------

_ID = st.text("abcdefghij0123456789-", min_size=1, max_size=8)
_WORDS = st.text("abcdefgh ", min_size=1, max_size=12).filter(str.strip)


def _spell(camel: str, snake: str) -> st.SearchStrategy[str]:
    return st.sampled_from([camel, snake])


@st.composite
def gemini_bodies(draw: st.DrawFn) -> tuple[dict[str, Any], list[Any]]:
    """A Gemini body in a random mix of spellings; an e-mail planted in one text field. Also
    returns the structural values, which must come back untouched."""
    structural: list[Any] = []
    slots: list[tuple[Any, Any]] = []  # (container, key) of every text field

    def text(holder: dict[str, Any] | list[Any], key: Any) -> None:
        holder[key] = draw(_WORDS)
        slots.append((holder, key))

    contents = []
    for _ in range(draw(st.integers(1, 3))):
        role = draw(st.sampled_from(["user", "model"]))
        parts: list[Any] = []
        for _ in range(draw(st.integers(1, 3))):
            kind = draw(st.sampled_from(["text", "inline", "call", "result", "file"]))
            if kind == "text":
                part: dict[str, Any] = {}
                text(part, "text")
            elif kind == "inline":
                data = {"data": draw(st.sampled_from(["iVBORw0KGgo=", "JVBERi0xLjQ="])),
                        draw(_spell("mimeType", "mime_type")): "image/png"}
                part = {draw(_spell("inlineData", "inline_data")): data}
                structural.append(data)
            elif kind == "file":
                data = {draw(_spell("fileUri", "file_uri")): "gs://bucket/x.pdf",
                        draw(_spell("mimeType", "mime_type")): "application/pdf"}
                part = {draw(_spell("fileData", "file_data")): data}
                structural.append(data)
            else:
                call_id = draw(_ID)
                structural.append(call_id)
                inner: dict[str, Any] = {}
                text(inner, "q")
                field = "args" if kind == "call" else "response"
                spelling = (draw(_spell("functionCall", "function_call")) if kind == "call"
                            else draw(_spell("functionResponse", "function_response")))
                part = {spelling: {"id": call_id, "name": "tool", field: inner}}
            parts.append(part)
        contents.append({"role": role, "parts": parts})
    body: dict[str, Any] = {"contents": contents}
    system: dict[str, Any] = {}
    text(system, "text")
    body[draw(_spell("systemInstruction", "system_instruction"))] = {"parts": [system]}
    config: dict[str, Any] = {draw(_spell("maxOutputTokens", "max_output_tokens")): 50,
                              draw(_spell("responseMimeType", "response_mime_type")):
                                  "text/plain"}
    stops = [""]
    text(stops, 0)
    config[draw(_spell("stopSequences", "stop_sequences"))] = stops
    body[draw(_spell("generationConfig", "generation_config"))] = config
    declaration: dict[str, Any] = {"name": "tool"}
    text(declaration, "description")
    body["tools"] = [{draw(_spell("functionDeclarations", "function_declarations")):
                      [declaration]}]
    settings_ = [{"category": "HARM_CATEGORY_HARASSMENT", "threshold": "BLOCK_NONE"}]
    body[draw(_spell("safetySettings", "safety_settings"))] = settings_
    structural.append(settings_)
    holder, key = draw(st.sampled_from(slots))
    holder[key] = f"{holder[key]} {EMAIL} end"
    return body, structural


@settings(max_examples=40, deadline=None)
@given(case=gemini_bodies())
def test_a_planted_email_in_any_text_field_is_redacted(case: tuple[dict[str, Any],
                                                                   list[Any]]) -> None:
    body, structural = case
    before = json.dumps(structural)
    out = redacted(body)
    assert EMAIL not in json.dumps(out)
    assert "<EMAIL_ADDRESS>" in json.dumps(out)
    assert json.dumps(structural) == before  # the input is not mutated
    flat = json.dumps(out)
    for value in structural:  # ids, enums, base64, references: forwarded as they came
        assert json.dumps(value)[1:-1] in flat


# --- answers -----------------------------------------------------------------------------

ANSWER: dict[str, Any] = {
    "candidates": [{
        "content": {"role": "model", "parts": [
            {"text": "a thought", "thought": True},
            {"text": "Hello!", "thoughtSignature": "c2ln"},
            {"functionCall": {"id": "fc-1", "name": "send", "args": {"to": "Ada"}}},
            {"executableCode": {"language": "PYTHON", "code": "print(1)"}},
            {"codeExecutionResult": {"outcome": "OUTCOME_OK", "output": "1"}}]},
        "finishReason": "STOP",
        "finishMessage": "done here",
        "index": 0,
        "safetyRatings": [{"category": "HARM_CATEGORY_HARASSMENT", "probability": "NEGLIGIBLE"}],
    }],
    "usageMetadata": {"promptTokenCount": 3, "candidatesTokenCount": 1,
                      "thoughtsTokenCount": 4, "totalTokenCount": 8,
                      "promptTokensDetails": [{"modality": "TEXT", "tokenCount": 3}]},
    "modelVersion": "gemini-2.5-flash",
    "responseId": "abc",
}


def test_read_answer_texts_finish_reason_and_usage() -> None:
    env = parse_response(ANSWER, 200, "gemini.generate")
    assert [(s.pointer, s.text) for s in env.segments] == [
        (("candidates", 0, "content", "parts", 0, "text"), "a thought"),
        (("candidates", 0, "content", "parts", 1, "text"), "Hello!"),
        (("candidates", 0, "content", "parts", 2, "functionCall", "name"), "send"),
        (("candidates", 0, "content", "parts", 2, "functionCall", "args", "to"), "Ada"),
        (("candidates", 0, "content", "parts", 3, "executableCode", "code"), "print(1)"),
        (("candidates", 0, "content", "parts", 4, "codeExecutionResult", "output"), "1"),
        (("candidates", 0, "finishMessage"), "done here"),
    ]
    assert env.finish_reason == "STOP"
    assert env.usage == ANSWER["usageMetadata"]
    for segment in env.segments:
        assert resolve(ANSWER, segment.pointer) == segment.text


def test_the_json_array_of_stream_generate_content_without_sse() -> None:
    chunks: list[dict[str, Any]] = [
        {"candidates": [{"content": {"role": "model", "parts": [{"text": "hel"}]}, "index": 0}],
         "usageMetadata": {"promptTokenCount": 3, "totalTokenCount": 3}},
        {"candidates": [{"content": {"role": "model", "parts": [{"text": "lo"}]},
                         "finishReason": "STOP", "index": 0}],
         "usageMetadata": {"promptTokenCount": 3, "candidatesTokenCount": 2,
                           "totalTokenCount": 5}},
    ]
    env = parse_response(chunks, 200, "gemini.generate")
    assert [(s.pointer, s.text) for s in env.segments] == [
        ((0, "candidates", 0, "content", "parts", 0, "text"), "hel"),
        ((1, "candidates", 0, "content", "parts", 0, "text"), "lo")]
    assert env.finish_reason == "STOP"
    assert env.usage["totalTokenCount"] == 5  # a running total: the last one counts
    path = "/v1beta/models/gemini-2.5-flash:streamGenerateContent"
    decision = REDACT.check_request_sync({"contents": [{"parts": [{"text": "hi"}]}]}, path=path)
    chunks[1]["candidates"][0]["content"]["parts"][0]["text"] = f"lo {EMAIL}"
    answer: Any = REDACT.check_response_sync(decision, json.dumps(chunks)).body
    assert answer[1]["candidates"][0]["content"]["parts"][0]["text"] == \
        "lo <EMAIL_ADDRESS>"
    assert answer[0] == chunks[0]


@pytest.mark.parametrize("body", [
    {"totalTokens": 7, "cachedContentTokenCount": 0,
     "promptTokensDetails": [{"modality": "TEXT", "tokenCount": 7}]},
    {"embedding": {"values": [0.1, 0.2]}},
    {"embeddings": [{"values": [0.1]}, {"values": [0.2]}]},
    {"promptFeedback": {"blockReason": "SAFETY", "safetyRatings": []},
     "usageMetadata": {"promptTokenCount": 3}},
])
def test_answers_without_text(body: dict[str, Any]) -> None:
    env = parse_response(body, 200, "gemini.generate")
    assert env.segments == () and env.finish_reason is None


def test_answer_edits_land_in_the_part() -> None:
    decision = REDACT.check_request_sync({"contents": [{"parts": [{"text": "hi"}]}]},
                                         path=GENERATE)
    body = copy.deepcopy(ANSWER)
    body["candidates"][0]["content"]["parts"][1]["text"] = f"write {EMAIL}"
    body["candidates"][0]["content"]["parts"][2]["functionCall"]["args"]["to"] = EMAIL
    out: Any = REDACT.check_response_sync(decision, json.dumps(body)).body
    parts = out["candidates"][0]["content"]["parts"]
    assert parts[1] == {"text": "write <EMAIL_ADDRESS>", "thoughtSignature": "c2ln"}
    assert parts[2]["functionCall"] == {"id": "fc-1", "name": "send",
                                        "args": {"to": "<EMAIL_ADDRESS>"}}


# --- errors ------------------------------------------------------------------------------

@pytest.mark.parametrize(("status", "state"), [
    (400, "INVALID_ARGUMENT"), (401, "UNAUTHENTICATED"), (403, "PERMISSION_DENIED"),
    (404, "NOT_FOUND"), (413, "INVALID_ARGUMENT"), (429, "RESOURCE_EXHAUSTED"),
    (500, "INTERNAL"), (503, "UNAVAILABLE"), (599, "INTERNAL"),
])
def test_error_body_is_googles(status: int, state: str) -> None:
    body = dialect("gemini.generate").error_body(status, "no", "pol")
    assert body["error"]["code"] == status and isinstance(body["error"]["code"], int)
    assert (body["error"]["message"], body["error"]["status"]) == ("no", state)


def test_a_denied_request_answers_in_googles_shape() -> None:
    guard = Guard.from_yaml("""version: 1
policies:
  - name: models
    type: route
    allow: ["openai/*"]
""")
    decision = guard.check_request_sync({"contents": [{"parts": [{"text": "hi"}]}]},
                                        path=GENERATE)
    assert decision.action == "deny"
    assert decision.error is not None
    error = decision.error["error"]
    assert error["code"] == decision.status and error["status"] == "PERMISSION_DENIED"
    # the Opper compat path names its model with a provider: routes see it too
    opper = guard.check_request_sync(
        {"contents": [{"parts": [{"text": "hi"}]}]},
        path="/v3/compat/v1beta/models/vertexai/gemini-2.5-flash:generateContent")
    assert opper.action == "deny" and opper.model == "vertexai/gemini-2.5-flash"


def test_apply_edits_land_where_each_text_came_from() -> None:
    assert_edits_land_in_place(SDK_BODY, GENERATE)
    assert_edits_land_in_place({"generateContentRequest": {
        "contents": [{"parts": [{"text": "a"}, {"functionCall": {"name": "f",
                                                                 "args": {"x": ["b"]}}}]}],
        "systemInstruction": {"parts": [{"text": "c"}]}}},
        "/v1beta/models/gemini-2.5-flash:countTokens")
    assert_edits_land_in_place({"requests": [{"content": {"parts": [{"text": "e"}]},
                                              "title": "t"}]},
                               "/v1/models/gemini-embedding-001:batchEmbedContents")
