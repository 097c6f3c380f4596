"""The requested model, its provider, and the fallbacks.

Route policies match globs on ``provider/model``, so an unprefixed model name
is qualified here from well-known name families. A name we cannot place keeps
no provider (``None``) rather than a guess: Llama or Qwen are served by many
providers, and a wrong provider would let an allowlist pass what it should not.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

_FAMILIES: tuple[tuple[str, str], ...] = (
    ("gpt-", "openai"),
    ("chatgpt-", "openai"),
    ("o1", "openai"),
    ("o3", "openai"),
    ("o4", "openai"),
    ("text-embedding-", "openai"),
    ("text-davinci", "openai"),
    ("text-moderation", "openai"),
    ("omni-moderation", "openai"),
    ("davinci", "openai"),
    ("babbage", "openai"),
    ("dall-e", "openai"),
    ("whisper", "openai"),
    ("tts-", "openai"),
    ("codex-", "openai"),
    ("computer-use-", "openai"),
    ("claude-", "anthropic"),
    ("gemini-", "google"),
    ("gemma-", "google"),
    ("mistral-", "mistral"),
    ("mixtral", "mistral"),
    ("codestral", "mistral"),
    ("ministral", "mistral"),
    ("pixtral", "mistral"),
    ("magistral", "mistral"),
    ("devstral", "mistral"),
    ("open-mistral", "mistral"),
    ("open-mixtral", "mistral"),
    ("command", "cohere"),
    ("embed-english", "cohere"),
    ("embed-multilingual", "cohere"),
    ("deepseek-", "deepseek"),
    ("grok-", "xai"),
    ("sonar", "perplexity"),
)
"""Name prefixes of model families and who makes them (checked in order)."""

_API_PROVIDERS = {"anthropic.messages": "anthropic"}
"""APIs that only one provider speaks natively (OpenAI's shapes are spoken by many)."""


def _name(value: Any) -> str | None:
    """A model name from a string, or Opper's ``{"name": ..., "options": ...}``."""
    if isinstance(value, dict):
        value = value.get("name")
    return value if isinstance(value, str) and value else None


def requested_models(body: Mapping[str, Any]) -> tuple[str | None, tuple[str, ...]]:
    """``(model, fallbacks)``: Opper's model list gives the primary and its tail.

    Fallbacks are the list tail followed by ``fallback_models``, without repeats.
    """
    value = body.get("model")
    tail: list[str] = []
    if isinstance(value, list):
        names = [n for n in map(_name, value) if n is not None]
        model = names[0] if names else None
        tail = names[1:]
    else:
        model = _name(value)
    extra = body.get("fallback_models")
    if isinstance(extra, list):
        tail.extend(n for n in map(_name, extra) if n is not None)
    return model, tuple(dict.fromkeys(tail))


def infer_provider(model: str | None, api: str) -> str | None:
    """The provider prefix of ``model``, else its family's maker, else the API's, else None."""
    if model is None:
        return _API_PROVIDERS.get(api)
    prefix, slash, _ = model.partition("/")
    if slash and prefix:
        return prefix
    lower = model.lower()
    for start, provider in _FAMILIES:
        if lower.startswith(start):
            return provider
    return _API_PROVIDERS.get(api)


def qualify(model: str | None, provider: str | None) -> str | None:
    """``provider/model``; unchanged if already prefixed or the provider is unknown."""
    if model is None or provider is None or "/" in model:
        return model
    return f"{provider}/{model}"


def qualify_model(model: str, api: str = "unknown") -> tuple[str, str | None]:
    """``(qualified model, provider)`` for a model name requested through ``api``.

    Route policies use it on rewritten models (aliases, ``set_model``) exactly
    as the envelope does on the requested one.
    """
    provider = infer_provider(model, api)
    return qualify(model, provider) or model, provider
