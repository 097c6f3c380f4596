"""Model prices: the built-in table (``guard/data/prices.yaml``) under a set's ``pricing:``.

A model is looked up by its provider-prefixed name; a dated or tagged variant
(``openai/gpt-4o-2024-08-06``, ``mistral/mistral-large-latest``) takes the price of
the longest table entry it extends with ``-``, so snapshots need no entries of
their own while ``gpt-4o-mini`` still never gets ``gpt-4o``'s price (it has its own).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from importlib import resources

import yaml

from guard.policy.document import Price

DEFAULT_MAX_OUTPUT = 4096
"""Reserved output tokens when neither the request nor the table gives a cap."""


@dataclass(frozen=True, slots=True)
class ModelPrice:
    """USD per million tokens, and the output cap to reserve by default."""

    model: str  # the table entry that matched
    input: float
    output: float
    max_output: int

    def cost(self, input_tokens: int, output_tokens: int) -> float:
        """USD for a call of that many tokens."""
        return (input_tokens * self.input + output_tokens * self.output) / 1_000_000


class PriceTable:
    """The built-in prices with a policy set's overrides on top."""

    def __init__(self, overrides: Mapping[str, Price] | None = None) -> None:
        self.prices = {**builtin_prices(), **dict(overrides or {})}

    def lookup(self, model: str | None) -> ModelPrice | None:
        """The price of ``model`` (provider-prefixed), or ``None`` when unknown."""
        if not model:
            return None
        name = model
        while True:
            price = self.prices.get(name)
            if price is not None:
                return _priced(name, price)
            cut = name.rfind("-")
            if cut <= name.find("/"):
                return None
            name = name[:cut]


def _priced(name: str, price: Price) -> ModelPrice:
    cap = DEFAULT_MAX_OUTPUT if price.max_output is None else price.max_output
    return ModelPrice(name, price.input, price.output, cap)


@cache
def builtin_prices() -> dict[str, Price]:
    """The table shipped with guard, validated once."""
    text = resources.files("guard").joinpath("data/prices.yaml").read_text("utf-8")
    return {name: Price.model_validate(fields) for name, fields in yaml.safe_load(text).items()}
