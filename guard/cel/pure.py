"""The portable engine: ``cel-python`` (pure Python, the reference).

We use its default interpreted runner: the compiled runner is faster but
mishandles ``has(x.y) && x.y == ...``, and the first Environment created fixes
the runner for the whole process. Bindings convert the plain data to CEL
values once; results are converted back to plain Python.
"""

from __future__ import annotations

import datetime
from collections.abc import Collection, Mapping
from typing import Any

from guard.cel.fields import parse
from guard.cel.result import ResultKind, check_result
from guard.cel.values import without_nul
from guard.errors import CelError, CelEvaluationError


class PureProgram:
    """One compiled expression."""

    __slots__ = ("expect", "program", "source")

    def __init__(self, source: str, program: Any, expect: ResultKind) -> None:
        self.source = source
        self.program = program
        self.expect = expect

    def evaluate(self, bindings: Any) -> object:
        from celpy.evaluation import CELEvalError

        try:
            value = self.program.evaluate(bindings)
        except CELEvalError as exc:
            raise CelEvaluationError(_message(exc)) from exc
        if isinstance(value, CELEvalError):
            raise CelEvaluationError(_message(value))
        return check_result(to_python(value), self.expect)


class PureEngine:
    """``cel-python`` behind guard's engine interface."""

    name = "cel-python"

    def __init__(self) -> None:
        import celpy

        from guard.cel.pure_ops import overrides

        self.env = celpy.Environment()
        self.functions = overrides()

    def compile(self, source: str, expect: ResultKind = "any") -> PureProgram:
        tree = parse(source)
        try:
            return PureProgram(source, self.env.program(tree, functions=self.functions), expect)
        except Exception as exc:  # the library raises assorted types for bad programs
            raise CelError(str(exc)) from exc

    def bind(self, data: Mapping[str, object], clean: Collection[str] = (),
             reuse: Any = None, same: Collection[str] = ()) -> Any:
        """CEL values of ``data``, converted now: the costly part, so the variables in
        ``same`` are taken from ``reuse`` as they were converted then."""
        import celpy

        kept = same if reuse is not None else ()
        return {name: reuse[name] if name in kept else
                _to_cel(value if name in clean else without_nul(value), celpy)
                for name, value in data.items()}


def _to_cel(value: object, celpy: Any) -> Any:
    if isinstance(value, datetime.datetime):
        return celpy.celtypes.TimestampType(value)
    return celpy.json_to_cel(value)


def _message(exc: Any) -> str:
    args = getattr(exc, "args", ())
    return str(args[0]) if args else str(exc)


def to_python(value: Any) -> object:
    """CEL values (celtypes) to plain Python."""
    from celpy import celtypes

    if value is None or isinstance(value, celtypes.NullType):
        return None
    if isinstance(value, celtypes.BoolType):
        return bool(value)
    if isinstance(value, celtypes.IntType | celtypes.UintType):
        return int(value)
    if isinstance(value, celtypes.DoubleType):
        return float(value)
    if isinstance(value, celtypes.StringType):
        return str(value)
    if isinstance(value, celtypes.TimestampType):
        return datetime.datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    if isinstance(value, celtypes.ListType):
        return [to_python(v) for v in value]
    if isinstance(value, celtypes.MapType):
        return {to_python(k): to_python(v) for k, v in value.items()}
    return value
