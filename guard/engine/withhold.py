"""Withholding one item of a listing instead of refusing the whole answer.

An MCP server's ``tools/list`` (and its prompt and resource listings) is a list of items an
agent picks from. When an output policy blocks such an answer (a tool description carrying
an injection: "tool poisoning"), refusing the whole list leaves the agent with no tools at
all, and the mcp 2.x client, which lists the tools again to check every call's result, then
fails every call of its session. So the items are judged one by one: each one an output
policy would block is left out (a ``modify`` the decision log records), and what is left is
judged whole again. Which lists may be cut so is the dialect's business
(``Dialect.listing``); this runs only on the denial path, so normal traffic pays nothing.
"""

from __future__ import annotations

import copy
from typing import TYPE_CHECKING, Any

from guard.engine.decision import Violation
from guard.engine.run import run_checks
from guard.envelope import parse_response

if TYPE_CHECKING:
    from guard.checks.base import Check
    from guard.engine.context import Context
    from guard.engine.run import Apply


async def withheld(checks: list[Check], ctx: Context, body: Any, status: int,
                   apply: Apply) -> tuple[Any, list[Violation]] | None:
    """``body`` without the items of its listing that an output policy blocks, and a
    violation per item left out; ``None`` when the answer holds no listing, or every item
    passes alone (the denial is the whole answer's, and stands)."""
    envelope = ctx.envelope
    where = envelope.dialect.listing(envelope.body, body)
    if where is None:
        return None
    items = _at(body, where)
    kept: list[Any] = []
    violations: list[Violation] = []
    for item in items:
        alone = copy.copy(body)
        _put(alone, where, [item])
        ctx.set_response(parse_response(alone, status, envelope.dialect))
        run = await run_checks(checks, ctx, apply)
        if run.denial is None:
            kept.append(item)
            continue
        name = item.get("name") if isinstance(item, dict) else None
        violations.append(Violation(run.denial.policy, f"withheld {name!r} from the list: "
                                    f"{run.denial.message}", "modify"))
    if not violations:
        return None
    cut = copy.copy(body)
    _put(cut, where, kept)
    return cut, violations


def _at(body: Any, pointer: tuple[str, ...]) -> list[Any]:
    node = body
    for key in pointer:
        node = node[key]
    return list(node)


def _put(body: Any, pointer: tuple[str, ...], value: list[Any]) -> None:
    """Set ``value`` at ``pointer`` in ``body``, a shallow copy: each level is copied on the
    way down, so the caller's answer is never changed."""
    node = body
    for key in pointer[:-1]:
        node[key] = copy.copy(node[key])
        node = node[key]
    node[pointer[-1]] = value
