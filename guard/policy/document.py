"""The top level of one policy file."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field

from guard.policy.base import Cel, Model
from guard.policy.settings import Settings
from guard.policy.types import Policy

MAX_PRICE = 1_000_000.0
"""The most a price may say (USD per million tokens): costs of any token count a request
or an answer can carry (64-bit integers) stay finite."""

Identifier = Annotated[str, Field(pattern=r"^[A-Za-z_][A-Za-z0-9_]*$")]


class Identity(Model):
    """Who is calling: CEL expressions, each may be absent."""

    key: Cel | None = Field(None, description="The API key; stored and logged only as a hash.")
    user: Cel | None = Field(None, description="The end user.")
    team: Cel | None = Field(None, description="The team.")
    project: Cel | None = Field(None, description="The project.")


class Price(Model):
    """USD per million tokens."""

    input: float = Field(ge=0, le=MAX_PRICE, description="USD per million input tokens.")
    output: float = Field(ge=0, le=MAX_PRICE, description="USD per million output tokens.")
    max_output: int | None = Field(None, ge=0, le=2**53, description="The model's output "
                                   "cap: what a budget reserves when a request sets no "
                                   "`max_tokens`.")


class PolicyFile(Model):
    """One guard policy file (a set is one file or a directory of them)."""

    version: Literal[1] = Field(description="Policy language version; must be 1.")
    settings: Settings | None = Field(None, description="At most one file of a set.")
    identity: Identity | None = Field(None, description="Who is calling.")
    variables: dict[Identifier, Cel] = Field({}, description="Name -> CEL expression, "
                                             "available as `variables.NAME`.")
    pricing: dict[str, Price] = Field({}, description="`provider/model` -> price; "
                                      "overrides the built-in table.")
    policies: list[Policy] = Field([], description="The rules, evaluated in order.")
