"""The fast engine: Google's C++ CEL (``cel-expr-python``, ``import cel_expr_python``).

It type-checks at compile time (so ``when: request.model`` is refused for not
being a bool) and returns evaluation errors as values of type ERROR, which we
turn into :class:`CelEvaluationError`. One Activation is built per binding and
shared by every expression evaluated against it. Its evaluator stops a comprehension
after about 10,000 iterations (``request.messages.exists(...)`` over more messages): that
is an evaluation error too, so the policy's ``on_error`` applies.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from typing import Any

from guard.cel.fields import DECLARED
from guard.cel.result import ResultKind, check_result
from guard.cel.values import without_nul
from guard.errors import CelError, CelEvaluationError

_STATIC = {"bool": "BOOL", "string": "STRING", "list": "LIST"}


class CppProgram:
    """One compiled expression."""

    __slots__ = ("expect", "expr", "source")

    def __init__(self, source: str, expr: Any, expect: ResultKind) -> None:
        self.source = source
        self.expr = expr
        self.expect = expect

    def evaluate(self, bindings: Any) -> object:
        try:
            value = self.expr.eval(bindings)
        except RuntimeError as exc:  # its iteration budget: ~10,000 macro steps a call
            raise CelEvaluationError(_clean(str(exc))) from exc
        if value.type().name() == "ERROR":
            raise CelEvaluationError(_clean(str(value.value())))
        return check_result(plain(value), self.expect)


def plain(value: Any) -> Any:
    """A CEL value as plain Python, never through ``plain_value()``.

    In cel-expr-python 0.1.3 ``plain_value()`` drops one reference to ``None`` for
    every null it returns (also inside lists and maps); enough nulls and the
    interpreter aborts (``Fatal Python error: none_dealloc``). ``value()`` gives
    scalars, and accessors for the items of lists and maps, which we walk here.
    """
    kind = value.type().name()
    if kind == "NULL":
        return None
    if kind.startswith("LIST"):
        return [plain(item) for item in value.value()]
    if kind.startswith("MAP"):
        return {key: plain(item) for key, item in value.value().items()}
    result = value.value()
    return bytes(result) if isinstance(result, bytearray) else result


class CppEngine:
    """``cel-expr-python`` behind guard's engine interface."""

    name = "cel-expr-python"

    def __init__(self) -> None:
        from cel_expr_python import cel

        self._cel = cel
        dyn_map = cel.Type.Map(cel.Type.STRING, cel.Type.DYN)
        variables = {name: dyn_map for name in DECLARED if name != "now"}
        self.env = cel.NewEnv(variables={**variables, "now": cel.Type.TIMESTAMP})

    def compile(self, source: str, expect: ResultKind = "any") -> CppProgram:
        try:
            expr = self.env.compile(source)
        except RuntimeError as exc:
            raise CelError(_clean(str(exc))) from exc
        _check_static_type(expr, expect)
        return CppProgram(source, expr, expect)

    def bind(self, data: Mapping[str, object], clean: Collection[str] = (),
             reuse: Any = None, same: Collection[str] = ()) -> Any:
        """An Activation over ``data`` (converted by the C++ side when evaluated, so there
        is nothing to carry over from ``reuse``)."""
        return self.env.Activation({name: value if name in clean else without_nul(value)
                                    for name, value in data.items()})


def _check_static_type(expr: Any, expect: ResultKind) -> None:
    wanted = _STATIC.get(expect)
    actual = expr.return_type().name()
    if wanted and actual not in ("DYN", wanted) and not actual.startswith(wanted):
        if expect == "list" and actual == "STRING":
            return
        raise CelError(f"expected a {expect} expression, this one gives {actual.lower()}")


def _clean(message: str) -> str:
    """Drop the engine's status-code prefix and bracketed codes; keep the caret excerpt."""
    for prefix in ("INVALID_ARGUMENT: ", "NOT_FOUND: ", "UNKNOWN: ", "INTERNAL: "):
        message = message.replace(prefix, "")
    message = message.replace(" [INVALID_ARGUMENT]", "").replace(" [INTERNAL]", "")
    message = message.replace("ERROR: <input>:", "at ")
    return " ".join(message.split())
