"""CEL behind one small interface, on the fastest engine available.

Two engines implement it: Google's C++ CEL (``cel-expr-python``, ~40x faster
here) when importable, and ``cel-python`` (pure Python, always installed) as
the portable reference. ``GUARD_CEL_ENGINE`` forces one. Both share the static
field checks of :mod:`guard.cel.fields`, and one test suite runs against both
so they cannot drift apart. Engines are imported only when first asked for.
"""

from __future__ import annotations

import functools
import importlib.util
import os
from collections.abc import Collection, Mapping
from typing import Any, Protocol

from guard.cel.fields import DECLARED, FIELDS, check_fields
from guard.cel.result import ResultKind
from guard.errors import GuardError

__all__ = ["DECLARED", "FIELDS", "Bindings", "CelEngine", "Program", "ResultKind",
           "available_engines", "engine"]

Bindings = Any
"""Engine-specific prepared variables for one evaluation context (opaque)."""

_MODULES = {"cel-expr-python": "cel_expr_python", "cel-python": "celpy"}


class Program(Protocol):
    """A compiled expression."""

    source: str

    def evaluate(self, bindings: Bindings) -> object: ...


class CelEngine(Protocol):
    """What guard needs of a CEL implementation."""

    name: str

    def compile(self, source: str, expect: ResultKind = "any") -> Program: ...

    def bind(self, data: Mapping[str, object], clean: Collection[str] = (),
             reuse: Bindings | None = None, same: Collection[str] = ()) -> Bindings:
        """Bindings of ``data``; the variables named in ``clean`` are known to hold no NUL
        (every other string has its NULs replaced, see :mod:`guard.cel.values`). Those named
        in ``same`` hold what they held in the earlier bindings ``reuse``: an engine that
        converts values ahead of evaluation carries them over instead of converting again."""
        ...


class _Checked:
    """Adds guard's static field checks in front of an engine's own compile."""

    def __init__(self, inner: Any) -> None:
        self.inner = inner
        self.name: str = inner.name

    def compile(self, source: str, expect: ResultKind = "any") -> Program:
        check_fields(source)
        program: Program = self.inner.compile(source, expect)
        return program

    def bind(self, data: Mapping[str, object], clean: Collection[str] = (),
             reuse: Bindings | None = None, same: Collection[str] = ()) -> Bindings:
        return self.inner.bind(data, clean, reuse, same)


def available_engines() -> list[str]:
    """Installed engines, fastest first."""
    return [name for name, module in _MODULES.items() if importlib.util.find_spec(module)]


def engine(name: str | None = None) -> CelEngine:
    """The engine called ``name``; by default ``GUARD_CEL_ENGINE`` or the fastest installed."""
    chosen = name or os.environ.get("GUARD_CEL_ENGINE") or available_engines()[0]
    return _engine(chosen)


@functools.cache
def _engine(name: str) -> CelEngine:
    if name == "cel-expr-python":
        from guard.cel.cpp import CppEngine

        return _Checked(CppEngine())
    if name == "cel-python":
        from guard.cel.pure import PureEngine

        return _Checked(PureEngine())
    raise GuardError(f"unknown CEL engine {name!r}; expected one of {', '.join(_MODULES)}")
