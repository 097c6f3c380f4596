"""Who is calling, computed once per request from the set's ``identity`` block.

An identity expression that cannot be evaluated (a missing header, say) leaves
that field absent rather than failing the request: the contract says each may
be absent, and budgets skip requests whose bucket is absent. The API key is
hashed before anything else can see it.
"""

from __future__ import annotations

import hashlib
from typing import TYPE_CHECKING, Any

from guard.errors import CelEvaluationError

if TYPE_CHECKING:
    from guard.cel import Program
    from guard.engine.context import Context

IDENTITY_FIELDS = ("key", "user", "team", "project")


def hash_secret(value: str) -> str:
    """A stable, non-reversible stand-in for a secret (128 bits of SHA-256)."""
    return "sha256:" + hashlib.sha256(value.encode("utf-8")).hexdigest()[:32]


async def resolve_identity(programs: dict[str, Program], ctx: Context
                           ) -> dict[str, str | None]:
    """Evaluate each identity field; absent or failing ones become ``None``."""
    out: dict[str, str | None] = dict.fromkeys(IDENTITY_FIELDS)
    for name, program in programs.items():
        value = await _try(program, ctx)
        if value is None:
            continue
        text = str(value)
        out[name] = hash_secret(_strip_bearer(text)) if name == "key" else text
    return out


async def _try(program: Program, ctx: Context) -> Any:
    try:
        value = await ctx.evaluate(program)
    except CelEvaluationError:
        return None
    return value if value != "" else None


def _strip_bearer(value: str) -> str:
    """``Bearer sk-...`` and ``sk-...`` are the same key."""
    scheme, _, rest = value.partition(" ")
    return rest.strip() if rest and scheme.lower() == "bearer" else value
