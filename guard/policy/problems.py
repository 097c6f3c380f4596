"""Turn pydantic validation errors into located, readable problems.

Pydantic locates errors by model path, which for a discriminated union includes
the tag (``policies.2.route.alow``). We walk that path against the YAML data to
recover the real key path and its line, and reword the messages users see most.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ValidationError
from pydantic_core import ErrorDetails

from guard.errors import Problem
from guard.policy.source import Document, Path, format_path
from guard.policy.suggest import closest, did_you_mean
from guard.policy.types import POLICY_TYPES

KeyIndex = dict[str, frozenset[str]]
"""Every key of a model tree → the keys it may appear under (``""``: the top level, the
field name of a list for its items)."""


def problems_from_validation(
    exc: ValidationError, doc: Document, known_keys: KeyIndex, prefix: Path = ()
) -> list[Problem]:
    """One problem per pydantic error, located in ``doc`` (``prefix``: where the data sits)."""
    return [_problem(error, doc, known_keys, prefix) for error in exc.errors()]


def _problem(
    error: ErrorDetails, doc: Document, known_keys: KeyIndex, prefix: Path
) -> Problem:
    path = data_path(doc.data, (*prefix, *error["loc"]))
    if error["type"] == "union_tag_invalid":
        path = (*path, "type")
    return problem_at(error, path, doc, known_keys)


def error_path(data: Any, error: ErrorDetails) -> Path:
    """Where in ``data`` (the data validated) pydantic's ``error`` is."""
    path = data_path(data, error["loc"])
    return (*path, "type") if error["type"] == "union_tag_invalid" else path


def problem_at(error: ErrorDetails, path: Path, doc: Document, known_keys: KeyIndex
               ) -> Problem:
    """The problem ``error`` is, at ``path`` (from the top of ``doc``)."""
    message = _message(error, path, known_keys)
    if error["type"] == "extra_forbidden" and path:
        message = _unknown_key(str(path[-1]), _home_of(doc.data, path), known_keys)
    return Problem(doc.file, doc.line_of(path), format_path(path), message)


def data_path(data: Any, loc: tuple[int | str, ...]) -> Path:
    """Follow ``loc`` through ``data``, skipping union tags pydantic inserted."""
    path: list[str | int] = []
    node = data
    for part in loc:
        if contains(node, part):
            node = node[part]
        elif _is_tag(part, node) or (isinstance(part, str) and "[" in part):
            continue  # a union tag, or pydantic's label for a function validator
        else:
            node = None
        path.append(part)
    return tuple(path)


def contains(node: Any, part: int | str) -> bool:
    if isinstance(node, dict):
        return part in node
    return isinstance(node, list) and isinstance(part, int) and 0 <= part < len(node)


def _is_tag(part: int | str, node: Any) -> bool:
    return isinstance(node, dict) and isinstance(part, str) and node.get("type") == part


def _message(error: ErrorDetails, path: Path, known_keys: KeyIndex) -> str:
    kind = error["type"]
    if kind == "missing":
        return "required key is missing"
    if kind == "union_tag_invalid":
        ctx = error.get("ctx", {})
        expected = ctx.get("expected_tags", "").replace(chr(39), "")
        return (f"unknown policy type {ctx.get('tag')!r}"
                f"{did_you_mean(str(ctx.get('tag')), expected.split(', '))}; "
                f"expected one of {expected}")
    if kind == "union_tag_not_found":
        return f"`type` is required ({', '.join(POLICY_TYPES)})"
    if kind == "literal_error":
        expected = error.get("ctx", {}).get("expected", "")
        return f"expected one of {expected.replace(chr(39), '').replace(' or ', ', ')}"
    message = error["msg"]
    return message[len("Value error, "):] if message.startswith("Value error, ") else message


def _home_of(data: Any, path: Path) -> tuple[str, Any]:
    """The key an unknown key sits under (a list's name for its items) and the mapping that
    holds it."""
    node = data
    for part in path[:-1]:
        node = node[part] if contains(node, part) else None
    where = ""
    for i, part in enumerate(path[:-1]):
        if isinstance(part, str):
            where = f"{part}[]" if i + 1 < len(path) - 1 and isinstance(path[i + 1], int) \
                else part
    return where, node


def _unknown_key(key: str, home: tuple[str, Any], keys: KeyIndex) -> str:
    """Name the key's right place when it is valid elsewhere (``secrets`` at a policy's top
    level belongs under ``detect``), else the closest key there is."""
    where, node = home
    homes = keys.get(key, frozenset()) - {where}
    kind = node.get("type") if isinstance(node, dict) else None
    if key in keys and not homes and isinstance(kind, str):
        return f"unknown key {key!r} for type {kind!r}"
    if homes:
        return f"unknown key {key!r} here; it is a key of {_homes(homes)}"
    here = [k for k, at in keys.items() if where in at]
    close = closest(key, here, 0.7) if here else closest(key, keys, 0.7)
    hint = f"; did you mean {close!r}?" if close and close != key else ""
    return f"unknown key {key!r}{hint}"


def _homes(homes: frozenset[str]) -> str:
    named = sorted(homes)
    shown = [_home_label(home) for home in named[:3]]
    more = f" (and {len(named) - 3} more)" if len(named) > 3 else ""
    return " or ".join(shown) + more


def _home_label(home: str) -> str:
    if home == "":
        return "the top level"
    return f"each item of {home[:-2]!r}" if home.endswith("[]") else repr(home)


def model_keys(root: type[BaseModel]) -> KeyIndex:
    """Every field name of ``root`` and the models nested in it, with where each belongs."""
    homes: dict[str, set[str]] = {}
    seen: set[tuple[type[BaseModel], str]] = set()
    stack: list[tuple[type[BaseModel], str]] = [(root, "")]
    while stack:
        model, home = stack.pop()
        if (model, home) in seen:
            continue
        seen.add((model, home))
        for name, field in model.model_fields.items():
            homes.setdefault(name, set()).add(home)
            home_of_nested = f"{name}[]" if _is_list(field.annotation) else name
            stack.extend((nested, home_of_nested) for nested in _models_in(field.annotation))
    return {name: frozenset(where) for name, where in homes.items()}


def _is_list(annotation: Any) -> bool:
    if getattr(annotation, "__origin__", None) in (list, tuple):
        return True
    return any(_is_list(arg) for arg in getattr(annotation, "__args__", ()))


def _models_in(annotation: Any) -> list[type[BaseModel]]:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return [annotation]
    return [m for arg in getattr(annotation, "__args__", ()) for m in _models_in(arg)]
