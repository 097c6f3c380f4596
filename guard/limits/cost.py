"""What a call is expected to cost before it runs, and what it cost afterwards.

Before: input tokens (a real tokenizer for OpenAI models, else the labelled
estimate; token ids given as input count one each) plus the output the call may
produce (its output cap, else the model's from the price table), once per answer
it asks for (``n``, ``best_of``, ``candidateCount``). After: the ``usage`` the provider
reports, in any of the shapes the supported APIs use. Anthropic's cache writes
and reads are counted as plain input tokens: a little more than the bill,
never less.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from guard.envelope import Envelope
from guard.envelope.parse import MAX_CAP
from guard.pricing.prices import DEFAULT_MAX_OUTPUT, ModelPrice, PriceTable
from guard.pricing.tokens import count_input_tokens

_INPUT_KEYS = ("prompt_tokens", "input_tokens", "cache_creation_input_tokens",
               "cache_read_input_tokens", "promptTokenCount", "toolUsePromptTokenCount",
               "total_input_tokens", "prompt_eval_count")
_OUTPUT_KEYS = ("completion_tokens", "output_tokens", "candidatesTokenCount",
                "thoughtsTokenCount", "total_output_tokens", "total_thought_tokens",
                "eval_count")
"""Usage counts in every dialect's spelling (OpenAI, Anthropic, Gemini's ``usageMetadata``,
Interactions, Ollama); no API uses two of them for one count."""
_FREE = frozenset({"count", "other", "moderate", "fetch"})
"""Operations that generate nothing and cost nothing: token counts, stored items, moderation,
requests without a body."""


@dataclass(frozen=True, slots=True)
class CallEstimate:
    """The most a call may cost, as known before it runs."""

    model: str | None
    input_tokens: int
    output_tokens: int  # the output reserved: max_tokens or the model's cap
    exact_input: bool  # False: the chars/4 estimate
    price: ModelPrice | None

    @property
    def tokens(self) -> int:
        return self.input_tokens + self.output_tokens

    @property
    def usd(self) -> float | None:
        return None if self.price is None else self.price.cost(self.input_tokens,
                                                               self.output_tokens)


def estimate_call(envelope: Envelope, prices: PriceTable) -> CallEstimate:
    """The estimate for ``envelope``'s request as it will be forwarded."""
    model = envelope.qualified_model
    price = prices.lookup(model)
    if envelope.operation in _FREE:
        return CallEstimate(model, 0, 0, True, price)
    counted = count_input_tokens(envelope, model)
    if envelope.operation == "embed":
        output = 0
    elif envelope.max_tokens is not None:
        output = envelope.max_tokens
    else:
        output = price.max_output if price is not None else DEFAULT_MAX_OUTPUT
    return CallEstimate(model, counted.tokens + envelope.token_ids, output * envelope.choices,
                        counted.exact, price)


def usage_tokens(usage: Mapping[str, Any] | None) -> tuple[int, int] | None:
    """(input, output) tokens from a response's ``usage``, or ``None`` when it has none."""
    if not usage:
        return None
    input_tokens = sum(_count(usage.get(key)) for key in _INPUT_KEYS)
    output_tokens = sum(_count(usage.get(key)) for key in _OUTPUT_KEYS)
    if input_tokens == 0 and output_tokens == 0:
        total = _count(usage.get("total_tokens", usage.get("totalTokenCount")))
        return (total, 0) if total else None
    return input_tokens, output_tokens


def _count(value: Any) -> int:
    """A usage count as given, if it is one; one past :data:`MAX_CAP` is read as the cap
    (JSON integers have no limit, and costs are floats: 10**400 tokens must charge the most
    a budget can, not overflow)."""
    if not isinstance(value, int) or isinstance(value, bool) or value <= 0:
        return 0
    return min(value, MAX_CAP)
