"""Shared pieces of the policy models.

Every model is strict (``extra="forbid"``, so a misspelt key is an error and not
silently ignored) and frozen (a compiled policy set never changes under a
running request). Every field carries a description: it is also the
documentation that ``guard schema`` prints.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

Cel = Annotated[str, Field(min_length=1, json_schema_extra={"format": "cel"})]
Mode = Literal["enforce", "monitor"]
OnError = Literal["block", "allow"]
Stage = Literal["input", "output"]


class Model(BaseModel):
    """Base of every policy-file model: strict and immutable."""

    model_config = ConfigDict(extra="forbid", frozen=True, strict=False)


class PolicyBase(Model):
    """Fields every policy has, whatever its type."""

    name: str = Field(
        min_length=1,
        max_length=100,
        pattern=r"^[A-Za-z0-9][A-Za-z0-9_.:-]*$",
        description="Unique name of the policy across the whole set; it appears in "
        "violations, error responses (`code`) and the decision log.",
    )
    description: str = Field("", description="Free text for people reading the policy.")
    when: Cel | None = Field(
        None, description="CEL condition; the policy applies only where it is true."
    )
    mode: Mode | None = Field(
        None, description="`enforce` or `monitor` (record, never block or edit); "
        "overrides `settings.mode`."
    )
    on_error: OnError | None = Field(
        None, description="What happens when this policy's check itself fails: `block` "
        "(fail closed, 503) or `allow` (fail open, logged); overrides `settings.on_error`."
    )
