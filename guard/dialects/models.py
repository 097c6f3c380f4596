"""The requested model, its provider, and the fallbacks, in every field a gateway reads them.

Route policies match globs on ``provider/model``, so an unprefixed model name
is qualified here from well-known name families. A name we cannot place keeps
no provider (``None``) rather than a guess: Llama or Qwen are served by many
providers, and a wrong provider would let an allowlist pass what it should not.
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import lru_cache
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

FALLBACK_FIELDS = ("fallback_models", "fallbacks", "models")
"""Body fields that name further models a gateway may send the prompt to: Opper's and guard's
``fallback_models``, LiteLLM's ``fallbacks`` (names or ``{"model": ...}``), OpenRouter's
``models``. Every one is read, whatever gateway guard fronts: a caller may write any of them."""


_FALLBACK_SET = frozenset(FALLBACK_FIELDS)


def model_name(value: Any) -> str | None:
    """A model name from a string, Opper's ``{"name": ...}`` or LiteLLM's ``{"model": ...}``."""
    if isinstance(value, dict):
        value = value.get("name", value.get("model"))
    return value if isinstance(value, str) and value else None


def read_models(body: Mapping[str, Any]) -> tuple[str | None, tuple[str, ...]]:
    """``(model, fallbacks)``: Opper's model list gives the primary and its tail; then the
    fallback fields (:data:`FALLBACK_FIELDS`), in order, without repeats."""
    value = body.get("model")
    tail: list[str] = []
    if isinstance(value, list):
        names = [n for n in map(model_name, value) if n is not None]
        model = names[0] if names else None
        tail = names[1:]
    else:
        model = model_name(value)
    if not tail and _FALLBACK_SET.isdisjoint(body):
        return model, ()  # the usual request: one model, no fallbacks
    for field in FALLBACK_FIELDS:
        extra = body.get(field)
        if isinstance(extra, list):
            tail.extend(n for n in map(model_name, extra) if n is not None)
    if model is None and tail and isinstance(body.get("models"), list):
        model, tail = tail[0], tail[1:]  # OpenRouter: `models` alone names the primary too
    return model, tuple(dict.fromkeys(tail))


@lru_cache(maxsize=4096)
def infer_provider(model: str | None, native: str | None = None) -> str | None:
    """The provider prefix of ``model``, else its family's maker, else ``native`` (the
    provider of an API only one provider speaks), else None. Cached: every request asks for
    its model at least three times (its envelope, each route policy, the final check)."""
    if model is None:
        return native
    prefix, slash, _ = model.partition("/")
    if slash and prefix:
        return prefix
    lower = model.lower()
    for start, provider in _FAMILIES:
        if lower.startswith(start):
            return provider
    return native


def qualify(model: str | None, provider: str | None) -> str | None:
    """``provider/model``; unchanged if already prefixed or the provider is unknown."""
    if model is None or provider is None or "/" in model:
        return model
    return f"{provider}/{model}"


def qualify_model(model: str, native: str | None = None) -> tuple[str, str | None]:
    """``(qualified model, provider)`` for a model name requested through an API whose native
    provider is ``native``.

    Route policies use it on rewritten models (aliases, ``set_model``) exactly as the
    envelope does on the requested one.
    """
    provider = infer_provider(model, native)
    return qualify(model, provider) or model, provider
