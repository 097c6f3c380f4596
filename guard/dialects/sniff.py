"""Which API a body speaks when its path does not say: by counting fields only one API uses.

The path is authoritative when it names a known endpoint (:mod:`guard.dialects`); only a
path that names none (``guard check`` without ``--path``, a gateway's own route) is decided
here:

* ``messages`` list: Anthropic vs OpenAI chat vs Ollama. Anthropic-only: top-level
  ``system``, ``tool_use``/``tool_result``/``thinking``/``document`` blocks,
  images with a ``source``, ``top_k``/``stop_sequences``/``thinking``,
  ``metadata.user_id``, tools with ``input_schema``. Chat-only: roles
  ``system``/``developer``/``tool``/``function``, ``tool_calls``,
  ``image_url``/``input_audio``/``file`` parts, ``max_completion_tokens``,
  ``response_format``, ``n``, ``seed``... Ollama: ``options``, ``keep_alive``, ``think``,
  ``format``. A tie (``{"model", "max_tokens", "messages": [{"role": "user", "content":
  "hi"}]}`` is valid for both) goes to Anthropic for a ``claude`` model, else to chat.
* ``input``: Opper call (``name``, schemas, ``tags``, a model list, an object
  input) vs Responses (``max_output_tokens``, ``previous_response_id``,
  ``reasoning``, item lists...) vs Embeddings (``encoding_format``,
  ``dimensions``, a list of strings or tokens, an ``embed`` model) vs Google Interactions
  (``system_instruction``, ``generation_config``, ``agent``, ``previous_interaction_id``).
  A tie goes to Responses, then Opper.
* ``contents`` list: Gemini ``generateContent``.
* ``prompt`` string or list: legacy Completions (Ollama's ``generate`` with its own fields).
* ``name`` with ``instructions`` or a schema but no ``input``: Opper call.
* ``"jsonrpc": "2.0"``: MCP.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any


def api_for_body(body: Mapping[str, Any]) -> str:
    """Guess the API from the body's fields alone (see the module docstring)."""
    if body.get("jsonrpc") == "2.0":
        return "mcp"
    messages = body.get("messages")
    if isinstance(messages, list):
        if _count(body, _OLLAMA_KEYS):
            return "ollama.chat"
        return _chat_or_anthropic(body, messages)
    if isinstance(body.get("contents"), list):
        return "gemini.generate"
    if "input" in body:
        if _count(body, _INTERACTIONS_KEYS):
            return "google.interactions"
        return _input_api(body)
    prompt = body.get("prompt")
    if isinstance(prompt, str) or (isinstance(prompt, list) and _strings_or_tokens(prompt)):
        return "ollama.generate" if _count(body, _OLLAMA_KEYS | {"system", "template", "raw"}) \
            else "openai.completions"
    if isinstance(body.get("name"), str) and _count(body, _OPPER_KEYS) > 1:
        return "opper.call"
    return "unknown"


_OLLAMA_KEYS = frozenset({"options", "keep_alive", "think", "format"})
_INTERACTIONS_KEYS = frozenset({"system_instruction", "generation_config", "agent",
                                "previous_interaction_id", "response_modalities"})
_ANTHROPIC_KEYS = frozenset(
    {
        "system", "top_k", "stop_sequences", "thinking", "anthropic_version", "container",
        "mcp_servers",
    }
)  # fmt: skip
_ANTHROPIC_BLOCKS = frozenset(
    {
        "tool_use", "tool_result", "thinking", "redacted_thinking", "document",
        "server_tool_use", "web_search_tool_result", "search_result", "container_upload",
    }
)  # fmt: skip
_CHAT_KEYS = frozenset(
    {
        "max_completion_tokens", "n", "logprobs", "top_logprobs", "response_format",
        "frequency_penalty", "presence_penalty", "seed", "stream_options", "functions",
        "function_call", "logit_bias", "parallel_tool_calls", "modalities", "reasoning_effort",
        "prediction", "audio", "stop", "user", "web_search_options",
    }
)  # fmt: skip
_CHAT_ROLES = frozenset({"system", "developer", "tool", "function"})
_CHAT_PARTS = frozenset({"image_url", "input_audio", "file", "refusal"})
_CHAT_MESSAGE_KEYS = frozenset({"tool_calls", "function_call", "tool_call_id"})


def _count(body: Mapping[str, Any], keys: frozenset[str]) -> int:
    return sum(1 for key in keys if key in body)


def _chat_or_anthropic(body: Mapping[str, Any], messages: list[Any]) -> str:
    anthropic = _count(body, _ANTHROPIC_KEYS) + _tool_style(body, "input_schema")
    chat = _count(body, _CHAT_KEYS) + _tool_style(body, "function")
    metadata = body.get("metadata")
    if isinstance(metadata, dict) and "user_id" in metadata:
        anthropic += 1
    for message in messages:
        if not isinstance(message, dict):
            continue
        if _chat_only_message(message):
            chat += 2
        content = message.get("content")
        if isinstance(content, list):
            a, c = _block_votes(content)
            anthropic, chat = anthropic + a, chat + c
    if anthropic == chat:
        return "anthropic.messages" if _claude(body.get("model")) else "openai.chat"
    return "anthropic.messages" if anthropic > chat else "openai.chat"


def _chat_only_message(message: dict[Any, Any]) -> bool:
    role = message.get("role")
    if isinstance(role, str) and role in _CHAT_ROLES:
        return True
    return not _CHAT_MESSAGE_KEYS.isdisjoint(message)


def _block_votes(content: list[Any]) -> tuple[int, int]:
    anthropic = chat = 0
    for block in content:
        if not isinstance(block, dict):
            continue
        kind = block.get("type")
        if not isinstance(kind, str):
            continue
        if kind in _ANTHROPIC_BLOCKS or (kind == "image" and "source" in block):
            anthropic += 2
        elif kind in _CHAT_PARTS:
            chat += 2
    return anthropic, chat


def _tool_style(body: Mapping[str, Any], key: str) -> int:
    tools = body.get("tools")
    if isinstance(tools, list) and any(isinstance(t, dict) and key in t for t in tools):
        return 1
    return 0


def _claude(model: Any) -> bool:
    return isinstance(model, str) and ("claude" in model.lower() or model.startswith("anthropic/"))


_OPPER_KEYS = frozenset(
    {
        "name", "input_schema", "output_schema", "tags", "configuration", "parent_span_id",
        "hints", "examples", "instructions",
    }
)  # fmt: skip
_RESPONSES_KEYS = frozenset(
    {
        "max_output_tokens", "previous_response_id", "reasoning", "text", "include", "store",
        "truncation", "tool_choice", "parallel_tool_calls", "conversation", "background",
        "prompt", "max_tool_calls", "top_logprobs",
    }
)  # fmt: skip
_EMBEDDING_KEYS = frozenset({"encoding_format", "dimensions", "input_type"})


def _input_api(body: Mapping[str, Any]) -> str:
    value = body.get("input")
    model = body.get("model")
    # ``instructions`` is shared by Opper and Responses: it counts for neither.
    opper = _count(body, _OPPER_KEYS - {"instructions"}) + isinstance(model, list | dict)
    opper += not isinstance(value, str | list)
    responses = _count(body, _RESPONSES_KEYS)
    responses += isinstance(value, list) and any(isinstance(x, dict) for x in value)
    embeddings = _count(body, _EMBEDDING_KEYS)
    embeddings += isinstance(value, list) and bool(value) and _strings_or_tokens(value)
    embeddings += isinstance(model, str) and "embed" in model.lower()
    best = max(responses, opper, embeddings)
    if responses == best:
        return "openai.responses"
    return "opper.call" if opper == best else "openai.embeddings"


def _strings_or_tokens(items: list[Any]) -> bool:
    """A list of strings, token ids, or lists of token ids (embeddings, completions)."""
    return all(
        isinstance(x, str | int) or (isinstance(x, list) and all(isinstance(t, int) for t in x))
        for x in items
    )
