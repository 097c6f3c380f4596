"""Static checks of CEL source against the variables guard declares.

Both engines see ``request``, ``identity`` and ``response`` as open maps, so
neither would notice ``request.modle``: it would only fail (or silently be
false under ``has``) at run time. We parse the expression once with
cel-python's parser (always installed) and check every field selected on
those fixed-shape variables, plus every top-level name, at load time.
"""

from __future__ import annotations

from collections.abc import Collection, Iterator
from typing import Any

from guard.errors import CelError
from guard.policy.suggest import did_you_mean

DECLARED = ("request", "identity", "variables", "findings", "response", "now")

FIELDS: dict[str, tuple[str, ...]] = {
    "request": ("api", "path", "method", "headers", "model", "provider", "stream",
                "max_tokens", "messages", "text", "tags", "metadata", "body", "tokens",
                "operation", "api_key", "mcp"),
    "identity": ("key", "user", "team", "project"),
    "response": ("text", "usage", "finish_reason", "status"),
}

_MACROS = frozenset({"all", "exists", "exists_one", "map", "filter"})


def check_fields(source: str) -> None:
    """Raise :class:`CelError` for a syntax error, an unknown name or an unknown field."""
    messages = field_messages(parse(source))
    if messages:
        raise CelError(messages[0])


def field_messages(tree: Any, variables: Collection[str] | None = None) -> list[str]:
    """Every unknown name and unknown field of the parsed expression, one message each
    (``guard lint`` reports them all in one run); ``variables``: the names the set defines,
    when known (``variables.NAME`` of another name can only fail or be false)."""
    bound = set(_macro_variables(tree))
    messages = [f"undeclared reference to {name!r}{_hint(name, DECLARED)}; "
                f"available: {', '.join(DECLARED)}"
                for name in dict.fromkeys(_top_level_names(tree))
                if name not in DECLARED and name not in bound]
    for variable, field in dict.fromkeys(_selected_fields(tree)):
        if variable == "variables" and variables is not None and field not in variables \
                and variable not in bound:
            defined = ", ".join(sorted(variables)) or "none"
            messages.append(f"undefined variable {field!r}"
                            f"{_hint(field, tuple(variables))}; the set defines: {defined}")
        known = FIELDS.get(variable)
        if variable not in bound and known is not None and field not in known:
            messages.append(f"unknown field {field!r} of {variable}{_hint(field, known)}; "
                            f"expected one of {', '.join(known)}")
    return messages


def request_fields(source: str) -> frozenset[str] | None:
    """The ``request.X`` fields ``source`` reads, or ``None`` if it uses ``request`` otherwise.

    Binding is the costly part of CEL here, so the engine binds only the request
    fields some policy reads; an expression that indexes or passes ``request``
    whole (``request["body"]``) needs all of them.
    """
    tree = parse(source)
    uses = sum(1 for name in _top_level_names(tree) if name == "request")
    selected = [f for v, f in _selected_fields(tree) if v == "request"]
    return frozenset(selected) if len(selected) == uses else None


def parse(source: str) -> Any:
    """The lark tree of ``source``; :class:`CelError` with the parser's message if invalid."""
    import celpy
    from celpy import celparser

    try:
        return celpy.Environment().compile(source)
    except celparser.CELParseError as exc:
        raise CelError(_parse_message(exc)) from exc


def _parse_message(exc: Exception) -> str:
    text = str(exc.args[0] if exc.args else exc)
    return " ".join(text.split())[:300] or "syntax error"


def _hint(name: str, choices: tuple[str, ...]) -> str:
    return did_you_mean(name, choices)


def _walk(tree: Any) -> Iterator[Any]:
    stack = [tree]
    while stack:
        node = stack.pop()
        if hasattr(node, "data"):
            yield node
            stack.extend(reversed(node.children))


def _token(node: Any) -> str | None:
    for child in node.children:
        if not hasattr(child, "data"):
            return str(child)
    return None


def _ident(member: Any) -> str | None:
    """The identifier ``member`` is, when it is a bare name (``member > primary > ident``)."""
    if not hasattr(member, "data") or member.data != "member" or len(member.children) != 1:
        return None
    primary = member.children[0]
    if getattr(primary, "data", None) != "primary" or len(primary.children) != 1:
        return None
    ident = primary.children[0]
    return _token(ident) if getattr(ident, "data", None) == "ident" else None


def _top_level_names(tree: Any) -> Iterator[str]:
    for node in _walk(tree):
        if node.data == "ident":
            name = _token(node)
            if name is not None:
                yield name


def _selected_fields(tree: Any) -> Iterator[tuple[str, str]]:
    for node in _walk(tree):
        if node.data in ("member_dot", "member_dot_arg") and node.children:
            variable = _ident(node.children[0])
            field = _token(node)
            if variable is not None and field is not None and node.data == "member_dot":
                yield variable, field


def _macro_variables(tree: Any) -> Iterator[str]:
    """Names bound by ``x.exists(m, ...)`` and friends, which are not top-level variables."""
    for node in _walk(tree):
        if node.data == "member_dot_arg" and _token(node) in _MACROS:
            exprlist = next((c for c in node.children if getattr(c, "data", "") == "exprlist"),
                            None)
            if exprlist is not None and exprlist.children:
                first = [n for n in _walk(exprlist.children[0]) if n.data == "ident"]
                if len(first) == 1 and (name := _token(first[0])):
                    yield name
