"""Operators that make cel-python agree with the C++ engine.

cel-python follows an older CEL spec: ``1 == 1.0`` and ``0 == "alice"`` are
errors there, while current CEL (and cel-expr-python) compares numbers across
int/uint/double and answers ``false`` for values of different kinds. Without
this, the same policy would deny on one engine and fail on the other.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any


def overrides() -> dict[str, Callable[..., Any]]:
    """Replacement implementations for cel-python's comparison operators."""
    from celpy import celtypes, evaluation

    numeric = (celtypes.IntType, celtypes.UintType, celtypes.DoubleType)
    base = evaluation.base_functions

    def is_number(value: Any) -> bool:
        return isinstance(value, numeric) and not isinstance(value, celtypes.BoolType)

    def kind(value: Any) -> Any:
        return "number" if is_number(value) else type(value)

    def equal(a: Any, b: Any) -> Any:
        if isinstance(a, evaluation.CELEvalError) or isinstance(b, evaluation.CELEvalError):
            return a if isinstance(a, evaluation.CELEvalError) else b
        if is_number(a) and is_number(b):
            return celtypes.BoolType(float(a) == float(b))
        if a is None or b is None or kind(a) != kind(b):
            return celtypes.BoolType(a is None and b is None)
        if isinstance(a, celtypes.ListType):
            return celtypes.BoolType(len(a) == len(b) and all(
                bool(equal(x, y)) for x, y in zip(a, b, strict=True)))
        if isinstance(a, celtypes.MapType):
            return celtypes.BoolType(a.keys() == b.keys() and all(
                bool(equal(a[k], b[k])) for k in a))
        return base["_==_"](a, b)

    def not_equal(a: Any, b: Any) -> Any:
        result = equal(a, b)
        return result if isinstance(result, evaluation.CELEvalError) else \
            celtypes.BoolType(not result)

    def ordered(name: str) -> Callable[[Any, Any], Any]:
        def compare(a: Any, b: Any) -> Any:
            if is_number(a) and is_number(b) and type(a) is not type(b):
                return base[name](celtypes.DoubleType(float(a)), celtypes.DoubleType(float(b)))
            if kind(a) != kind(b):  # bool is an int in Python, but not comparable to one in CEL
                return evaluation.CELEvalError(f"no matching overload for {name}", TypeError, None)
            return base[name](a, b)
        return compare

    def contains(item: Any, container: Any) -> Any:
        if isinstance(container, celtypes.ListType):
            return celtypes.BoolType(any(bool(equal(item, x)) for x in container))
        if isinstance(container, celtypes.MapType):
            return base["_in_"](item, container)
        return evaluation.CELEvalError("no matching overload for @in", TypeError, None)

    return {"_==_": equal, "_!=_": not_equal, "_in_": contains,
            **{op: ordered(op) for op in ("_<_", "_<=_", "_>_", "_>=_")}}
