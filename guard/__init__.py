"""guard: a guardrail and policy engine for LLM traffic.

The names below are imported lazily, so ``import guard`` stays cheap and never
pulls in Presidio, spaCy or a CEL engine before they are needed.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from guard.errors import GuardError, PolicyError, Problem

if TYPE_CHECKING:
    from guard.asgi.middleware import GuardMiddleware
    from guard.engine.decision import Decision, ResponseDecision, Violation
    from guard.library import Guard

__all__ = ["Decision", "Guard", "GuardError", "GuardMiddleware", "PolicyError", "Problem",
           "ResponseDecision", "Violation"]
__version__ = "0.1.0"

_LAZY = {
    "Guard": "guard.library",
    "GuardMiddleware": "guard.asgi.middleware",
    "Decision": "guard.engine.decision",
    "ResponseDecision": "guard.engine.decision",
    "Violation": "guard.engine.decision",
}


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'guard' has no attribute {name!r}")
    import importlib

    return getattr(importlib.import_module(module), name)
