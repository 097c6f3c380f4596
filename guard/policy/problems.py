"""Turn pydantic validation errors into located, readable problems.

Pydantic locates errors by model path, which for a discriminated union includes
the tag (``policies.2.route.alow``). We walk that path against the YAML data to
recover the real key path and its line, and reword the messages users see most.
"""

from __future__ import annotations

import difflib
from typing import Any

from pydantic import BaseModel, ValidationError
from pydantic_core import ErrorDetails

from guard.errors import Problem
from guard.policy.source import Document, Path, format_path


def problems_from_validation(
    exc: ValidationError, doc: Document, known_keys: frozenset[str], prefix: Path = ()
) -> list[Problem]:
    """One problem per pydantic error, located in ``doc`` (``prefix``: where the data sits)."""
    return [_problem(error, doc, known_keys, prefix) for error in exc.errors()]


def _problem(
    error: ErrorDetails, doc: Document, known_keys: frozenset[str], prefix: Path
) -> Problem:
    path = _data_path(doc.data, (*prefix, *error["loc"]))
    if error["type"] == "union_tag_invalid":
        path = (*path, "type")
    message = _message(error, path, known_keys)
    return Problem(doc.file, doc.line_of(path), format_path(path), message)


def _data_path(data: Any, loc: tuple[int | str, ...]) -> Path:
    """Follow ``loc`` through ``data``, skipping union tags pydantic inserted."""
    path: list[str | int] = []
    node = data
    for part in loc:
        if _contains(node, part):
            node = node[part]
        elif _is_tag(part, node) or (isinstance(part, str) and "[" in part):
            continue  # a union tag, or pydantic's label for a function validator
        else:
            node = None
        path.append(part)
    return tuple(path)


def _contains(node: Any, part: int | str) -> bool:
    if isinstance(node, dict):
        return part in node
    return isinstance(node, list) and isinstance(part, int) and 0 <= part < len(node)


def _is_tag(part: int | str, node: Any) -> bool:
    return isinstance(node, dict) and isinstance(part, str) and node.get("type") == part


def _message(error: ErrorDetails, path: Path, known_keys: frozenset[str]) -> str:
    kind = error["type"]
    if kind == "extra_forbidden":
        return _unknown_key(str(path[-1]) if path else "", known_keys)
    if kind == "missing":
        return "required key is missing"
    if kind == "union_tag_invalid":
        ctx = error.get("ctx", {})
        return (f"unknown policy type {ctx.get('tag')!r}; expected one of "
                f"{ctx.get('expected_tags', '').replace(chr(39), '')}")
    if kind == "union_tag_not_found":
        return "`type` is required (route, pii, content, budget, rate_limit, llm, rule)"
    if kind == "literal_error":
        expected = error.get("ctx", {}).get("expected", "")
        return f"expected one of {expected.replace(chr(39), '').replace(' or ', ', ')}"
    message = error["msg"]
    return message[len("Value error, "):] if message.startswith("Value error, ") else message


def _unknown_key(key: str, known_keys: frozenset[str]) -> str:
    close = difflib.get_close_matches(key, sorted(known_keys), n=1, cutoff=0.7)
    hint = f"; did you mean {close[0]!r}?" if close else ""
    return f"unknown key {key!r}{hint}"


def model_keys(*models: type[BaseModel]) -> frozenset[str]:
    """Every field name of ``models`` and the models nested in them."""
    keys: set[str] = set()
    seen: set[type[BaseModel]] = set()
    stack = list(models)
    while stack:
        model = stack.pop()
        if model in seen:
            continue
        seen.add(model)
        keys.update(model.model_fields)
        stack.extend(_nested_models(model))
    return frozenset(keys)


def _nested_models(model: type[BaseModel]) -> list[type[BaseModel]]:
    found: list[type[BaseModel]] = []
    for field in model.model_fields.values():
        found.extend(_models_in(field.annotation))
    return found


def _models_in(annotation: Any) -> list[type[BaseModel]]:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return [annotation]
    return [m for arg in getattr(annotation, "__args__", ()) for m in _models_in(arg)]
