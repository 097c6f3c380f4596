"""What kind of value a CEL expression gives, as far as it can be told before a request.

Why: both engines see ``request`` as a map of dynamic values, so ``deny_if: request.model``
compiled, then failed on every request ("expected a bool") and answered 503 to all
traffic. The fields guard fills have fixed kinds (``request.model`` is a string,
``request.stream`` a bool), so a small inference over the parse tree tells a string where
a bool is needed at load time. Anything it cannot tell is ``dyn`` and never reported.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

DYN = "dyn"

FIELD_KINDS: dict[str, dict[str, str]] = {
    "request": {"api": "string", "path": "string", "method": "string", "headers": "map",
                "model": "string", "provider": "string", "stream": "bool",
                "max_tokens": "int", "messages": "list", "text": "string", "tags": "map",
                "metadata": "map", "body": DYN, "tokens": "int", "operation": "string",
                "api_key": "string", "mcp": "map"},
    "identity": {"key": "string", "user": "string", "team": "string", "project": "string"},
    "response": {"text": "string", "usage": "map", "finish_reason": "string",
                 "status": "int"},
}
_VARIABLES = {"request": "map", "identity": "map", "response": "map", "findings": "map",
              "variables": "map", "now": "timestamp"}
_LITERALS = {"STRING_LIT": "string", "MLSTRING_LIT": "string", "BYTES_LIT": "bytes",
             "MLBYTES_LIT": "bytes", "INT_LIT": "int", "UINT_LIT": "int",
             "FLOAT_LIT": "double", "BOOL_LIT": "bool", "NULL_LIT": "null"}
_FUNCTIONS = {"has": "bool", "size": "int", "int": "int", "uint": "int", "double": "double",
              "string": "string", "bool": "bool", "matches": "bool", "timestamp": "timestamp",
              "duration": "duration", "bytes": "bytes"}
_METHODS = {"startsWith": "bool", "endsWith": "bool", "contains": "bool", "matches": "bool",
            "exists": "bool", "all": "bool", "exists_one": "bool", "size": "int",
            "map": "list", "filter": "list", "lowerAscii": "string", "upperAscii": "string",
            "trim": "string", "replace": "string", "substring": "string"}
_PASS = frozenset({"member", "primary"})


def kind_of(node: Any) -> str:
    """The kind of value ``node`` (a lark tree of cel-python's grammar) evaluates to."""
    kids = node.children
    data = node.data
    if data == "expr":
        return _ternary(kids) if len(kids) == 3 else kind_of(kids[0])
    if data in ("conditionalor", "conditionaland"):
        return "bool" if len(kids) == 2 else kind_of(kids[0])
    if data in ("relation", "addition", "multiplication", "unary"):
        return _operator(kids)
    if data in _PASS or data == "paren_expr":
        return kind_of(next(k for k in kids if hasattr(k, "data")))
    return _leaf(node)


def _ternary(kids: list[Any]) -> str:
    first, second = kind_of(kids[1]), kind_of(kids[2])
    return first if first == second else DYN


def binary(node: Any) -> tuple[str, Any, Any] | None:
    """``(operator, left, right)`` of a relation, addition or multiplication node; the
    grammar hangs the left operand under the operator and the right one beside it."""
    kids = node.children
    if len(kids) == 2 and hasattr(kids[0], "data") and kids[0].data.startswith(
            ("relation_", "addition_", "multiplication_")):
        return kids[0].data, kids[0].children[0], kids[1]
    return None


def _operator(kids: list[Any]) -> str:
    op = kids[0]
    name = op.data
    if name.startswith("relation_") or name == "unary_not":
        return "bool"
    if name == "addition_add" and len(kids) == 2:
        left, right = kind_of(op.children[0]), kind_of(kids[1])
        return left if left == right and left in ("string", "list", "int", "double") else DYN
    if name.startswith(("addition_", "multiplication_", "unary_")):
        return DYN
    return kind_of(op)


def _leaf(node: Any) -> str:
    data = node.data
    if data == "literal":
        return _LITERALS.get(node.children[0].type, DYN)
    if data == "ident":
        return _VARIABLES.get(_name(node), DYN)
    if data == "ident_arg":
        return _FUNCTIONS.get(_name(node), DYN)
    if data == "member_dot_arg":
        return _METHODS.get(_name(node), DYN)
    if data == "member_dot":
        base = selected_variable(node)
        return FIELD_KINDS.get(base or "", {}).get(_name(node), DYN)
    if data == "member_index":  # request["model"] is request.model
        base = selected_variable(node)
        key = _literal(node.children[1])
        return FIELD_KINDS.get(base or "", {}).get(key[1:-1] if key else "", DYN)
    return {"list_lit": "list", "map_lit": "map"}.get(data, DYN)


def selected_variable(member_dot: Any) -> str | None:
    """``request`` for ``request.X`` (a field of one of guard's variables), else ``None``."""
    inner = member_dot.children[0]
    while getattr(inner, "data", None) in _PASS and len(inner.children) == 1:
        inner = inner.children[0]
    if getattr(inner, "data", None) != "ident":
        return None
    name = _name(inner)
    return name if name in FIELD_KINDS else None


def _literal(node: Any) -> str | None:
    """The quoted string literal ``node`` is made of alone, if it is one."""
    while hasattr(node, "data") and len(node.children) == 1:
        node = node.children[0]
    return str(node) if getattr(node, "type", None) == "STRING_LIT" else None


def _name(node: Any) -> str:
    for child in node.children:
        if not hasattr(child, "data"):
            return str(child)
    return ""


def conditions(tree: Any) -> Iterator[tuple[Any, str]]:
    """Every operand that must be a bool: of ``&&``, ``||``, ``!`` and a ternary's test,
    with the operator's name."""
    for node in tree.iter_subtrees():
        kids = node.children
        if node.data in ("conditionalor", "conditionaland") and len(kids) == 2:
            op = "||" if node.data == "conditionalor" else "&&"
            yield from ((kid, op) for kid in kids)
        elif node.data == "unary" and len(kids) == 2 and kids[0].data == "unary_not":
            yield kids[1], "!"
        elif node.data == "expr" and len(kids) == 3:
            yield kids[0], "?:"
