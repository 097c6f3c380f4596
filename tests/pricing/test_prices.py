"""The price table: built-in entries, overrides, dated variants."""

from __future__ import annotations

import pytest

from guard.policy.document import Price
from guard.pricing.prices import DEFAULT_MAX_OUTPUT, PriceTable


@pytest.mark.parametrize(("model", "entry"), [
    ("openai/gpt-4o", "openai/gpt-4o"),
    ("openai/gpt-4o-2024-08-06", "openai/gpt-4o"),
    ("openai/gpt-4o-mini", "openai/gpt-4o-mini"),
    ("openai/gpt-4o-mini-2024-07-18", "openai/gpt-4o-mini"),
    ("anthropic/claude-sonnet-4-5-20250929", "anthropic/claude-sonnet-4-5"),
    ("mistral/mistral-large-latest", "mistral/mistral-large"),
    ("google/gemini-2.5-flash", "google/gemini-2.5-flash"),
])
def test_dated_and_tagged_variants_take_their_family_price(model: str, entry: str) -> None:
    price = PriceTable().lookup(model)
    assert price is not None and price.model == entry


@pytest.mark.parametrize("model", ["openai/gpt-9", "openai/gpt", "gpt-4o", "", None,
                                   "acme/gpt-4o"])
def test_unknown_models_have_no_price(model: str | None) -> None:
    assert PriceTable().lookup(model) is None


def test_overrides_win_and_add_models() -> None:
    table = PriceTable({"openai/gpt-4o": Price(input=1.0, output=2.0),
                        "acme/house-model": Price(input=0.5, output=0.5, max_output=1000)})
    gpt = table.lookup("openai/gpt-4o-2024-08-06")
    house = table.lookup("acme/house-model")
    assert gpt is not None and (gpt.input, gpt.output, gpt.max_output) == (
        1.0, 2.0, DEFAULT_MAX_OUTPUT)
    assert house is not None and house.max_output == 1000


def test_cost_is_per_million_tokens() -> None:
    price = PriceTable().lookup("openai/gpt-4o")
    assert price is not None
    assert price.cost(1_000_000, 0) == 2.5
    assert price.cost(2000, 1000) == pytest.approx(0.015)
