"""Reads of keys a request may not have, which fail the expression when it lacks them.

Why: ``request.body.temperature > 1`` linted clean, then every request without a
``temperature`` failed the policy (a 503 under ``on_error: block``). Keys under the maps the
caller fills (``request.body``, ``headers``, ``tags``, ``metadata``, ``response.usage``)
and the fields guard leaves null when a request does not say (``request.max_tokens``,
``request.model``...) are "often absent". A read of one is reported unless the expression
also tests it (``has(...)``, ``"key" in ...``, ``!= null``), with the tested form to copy.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from guard.cel.kinds import binary, selected_variable

_OPEN_MAPS = frozenset({("request", "body"), ("request", "headers"), ("request", "tags"),
                        ("request", "metadata"), ("response", "usage")})
_NULLABLE = frozenset({("request", "model"), ("request", "provider"),
                       ("request", "max_tokens"), ("request", "operation"),
                       ("request", "api_key"), ("response", "finish_reason"),
                       ("identity", "key"), ("identity", "user"), ("identity", "team"),
                       ("identity", "project")})
_ORDERING = frozenset({"relation_lt", "relation_le", "relation_gt", "relation_ge"})


@dataclass(frozen=True)
class AbsentRead:
    """One read that fails when its key is absent, and the test that guards it."""

    path: tuple[str, ...]
    text: str
    guard: str


def absent_reads(tree: Any, source: str) -> list[AbsentRead]:
    """The unguarded reads of often-absent keys in ``tree`` (parsed from ``source``)."""
    guarded = set(_guards(tree, source))
    found: dict[str, AbsentRead] = {}
    for read in _reads(tree, source):
        if read.path not in guarded:
            found.setdefault(read.text, read)
    return list(found.values())


def _reads(tree: Any, source: str) -> Iterator[AbsentRead]:
    for node in tree.iter_subtrees_topdown():
        if node.data == "ident_arg" and _name(node) == "has":
            continue  # has()'s argument is a test, not a read (its subtree is skipped below)
        path = _chain(node, source)
        if path is None or len(path) != 3 or _inside_has(node, tree):
            continue
        if path[:2] in _OPEN_MAPS:
            text = _text(node, source)
            yield AbsentRead(path, text, _open_guard(node, path, source))
    yield from _null_reads(tree, source)


def _null_reads(tree: Any, source: str) -> Iterator[AbsentRead]:
    """A null field compared by order (``>``...) or given to a method fails; ``==`` is fine."""
    for node in tree.iter_subtrees():
        operands: list[Any] = []
        op = binary(node) if node.data == "relation" else None
        if op is not None and op[0] in _ORDERING:
            operands = [op[1], op[2]]
        elif node.data == "member_dot_arg":
            operands = [node.children[0]]
        for operand in operands:
            member = _member_dot(operand)
            path = _chain(member, source)
            if path is not None and len(path) == 2 and path in _NULLABLE:
                text = _text(member, source)
                yield AbsentRead(path, text, f"{text} != null")


def _guards(tree: Any, source: str) -> Iterator[tuple[str, ...] | None]:
    """The paths the expression tests: ``has(p)``, ``"k" in p``, ``p != null``."""
    for node in tree.iter_subtrees():
        if node.data == "ident_arg" and _name(node) == "has":
            yield _chain(_member_dot(node), source)
        op = binary(node) if node.data == "relation" else None
        if op is None:
            continue
        name, left, right = op
        if name == "relation_in":
            literal = _string_literal(left)
            container = _chain(_member_dot(right), source)
            if literal is not None and container is not None:
                yield (*container, literal[1:-1])
        elif name == "relation_ne" and "null" in (_text(left, source), _text(right, source)):
            yield from (_chain(_member_dot(side), source) for side in (left, right))


def _open_guard(node: Any, path: tuple[str, ...], source: str) -> str:
    base = _text(node.children[0], source)
    if node.data == "member_index":
        return f"{_text(node.children[1], source)} in {base}"
    return f"has({base}.{path[2]})"


def _chain(node: Any, source: str) -> tuple[str, ...] | None:
    """``("request", "body", "x")`` for ``request.body.x`` or ``request.body["x"]``."""
    if getattr(node, "data", None) not in ("member_dot", "member_index"):
        return None
    inner = node.children[0]
    if node.data == "member_index":
        key = _string_literal(node.children[1])
        if key is None:
            return None
        last = key[1:-1]
    else:
        last = _name(node)
    if getattr(inner, "data", None) == "member" and len(inner.children) == 1 and \
            getattr(inner.children[0], "data", None) in ("member_dot", "member_index"):
        head = _chain(inner.children[0], source)
        return (*head, last) if head is not None else None
    variable = selected_variable(node) if node.data == "member_dot" else None
    return (variable, last) if variable is not None else None


def _member_dot(node: Any) -> Any:
    """The member_dot / member_index a subtree is made of alone, if it is one."""
    while hasattr(node, "data"):
        if node.data in ("member_dot", "member_index"):
            return node
        kids = [k for k in node.children if hasattr(k, "data")]
        if node.data == "ident_arg" and kids:  # has(x): its one argument
            kids = kids[0].children
        if len(kids) != 1:
            return None
        node = kids[0]
    return None


def _string_literal(node: Any) -> str | None:
    while hasattr(node, "data") and len(node.children) == 1:
        node = node.children[0]
    if getattr(node, "type", None) == "STRING_LIT":
        return str(node)
    return None


def _inside_has(node: Any, tree: Any) -> bool:
    start, end = node.meta.start_pos, node.meta.end_pos
    return any(h.meta.start_pos <= start and end <= h.meta.end_pos
               for h in tree.iter_subtrees() if h.data == "ident_arg" and _name(h) == "has")


def _text(node: Any, source: str) -> str:
    return " ".join(source[node.meta.start_pos:node.meta.end_pos].split())


def _name(node: Any) -> str:
    for child in node.children:
        if not hasattr(child, "data"):
            return str(child)
    return ""
