"""A case's expectations against what guard decided: a list of readable differences.

Each difference says what was expected and what happened, so a FAIL line is
enough to start fixing a policy (or the test) without re-running anything.
"""

from __future__ import annotations

import json
from typing import Any

from guard.testing.cases import Expect
from guard.testing.exchange import Exchange


def differences(expect: Expect, exchange: Exchange) -> list[str]:
    """Every way ``exchange`` differs from ``expect`` (empty: the case passes)."""
    found = [*_action(expect, exchange), *_violations(expect, exchange)]
    forwarded = exchange.request.body if exchange.action != "deny" else None
    found += _contains("request", expect.request_contains, forwarded, present=True)
    found += _contains("request", expect.request_excludes, forwarded, present=False)
    found += _contains("response", expect.response_contains, exchange.answer, present=True)
    found += _contains("response", expect.response_excludes, exchange.answer, present=False)
    return found


def describe_action(exchange: Exchange) -> str:
    """``deny 403 (approved-models)``, ``modify 200``: the action as a person reads it."""
    blocker = exchange.blocking_policy()
    return f"{exchange.action} {exchange.status}" + (f" ({blocker})" if blocker else "")


def _action(expect: Expect, exchange: Exchange) -> list[str]:
    found = []
    if expect.action != exchange.action:
        found.append(f"action: expected {expect.action}, got {describe_action(exchange)}")
    if expect.status is not None and expect.status != exchange.status:
        found.append(f"status: expected {expect.status}, got {exchange.status}")
    return found


def _violations(expect: Expect, exchange: Exchange) -> list[str]:
    if expect.violations is None:
        return []
    wanted = set(expect.violations)
    got = {v.policy for v in exchange.violations}
    if wanted == got:
        return []
    notes = []
    if wanted - got:
        notes.append("missing " + ", ".join(sorted(wanted - got)))
    if got - wanted:
        notes.append("unexpected " + ", ".join(sorted(got - wanted)))
    return [f"violations: expected [{', '.join(sorted(wanted))}], got "
            f"[{', '.join(sorted(got))}] ({'; '.join(notes)})"]


def _contains(what: str, needles: list[str], value: Any, *, present: bool) -> list[str]:
    if not needles:
        return []
    if value is None:
        return [f"{what}: nothing to search (no {what} body)"] if present else []
    haystack = _searchable(value)
    verb = "does not contain" if present else "contains"
    return [f"{what} {verb} {needle!r}" for needle in needles
            if (any(needle in text for text in haystack)) != present]


def _searchable(value: Any) -> list[str]:
    """The body as JSON text, plus each of its strings as written (quotes unescaped)."""
    texts = [json.dumps(value, ensure_ascii=False)]
    stack = [value]
    while stack:
        node = stack.pop()
        if isinstance(node, str):
            texts.append(node)
        elif isinstance(node, dict):
            stack.extend(node.values())
        elif isinstance(node, list):
            stack.extend(node)
    return texts
