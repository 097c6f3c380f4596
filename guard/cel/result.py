"""What a CEL expression must give back, checked the same way for both engines."""

from __future__ import annotations

from typing import Literal

from guard.errors import CelEvaluationError

ResultKind = Literal["bool", "string", "any", "list"]


def check_result(value: object, expect: ResultKind) -> object:
    """``value`` if it fits ``expect``; a string counts as a one-item list."""
    if expect == "bool" and not isinstance(value, bool):
        raise CelEvaluationError(f"expected a bool, got {_kind(value)}")
    if expect == "string" and value is not None and not isinstance(value, str):
        raise CelEvaluationError(f"expected a string, got {_kind(value)}")
    if expect == "list":
        if isinstance(value, str):
            return [value]
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise CelEvaluationError(f"expected a list of strings, got {_kind(value)}")
    return value


def _kind(value: object) -> str:
    return "null" if value is None else type(value).__name__
