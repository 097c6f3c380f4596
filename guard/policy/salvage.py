"""Repair a block that failed validation just enough to check the rest of it.

Why: a policy with one bad key (``action: blok``) used to be dropped whole, so its CEL,
regexes, entities and name were only checked on the next run, after the user fixed the
first mistake. Lint must report everything in one run. So once pydantic's errors are
recorded, we repair a copy of the data (drop the bad optional keys, put a harmless
stand-in where a required one is missing or wrong, replace a bad item of a list of
mappings in place so indices, hence lines, do not move) and validate again. The repaired
model is only ever used to find more problems: a set with problems never compiles.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

from pydantic import ValidationError
from pydantic_core import ErrorDetails

from guard.policy.problems import contains, error_path
from guard.policy.source import Path
from guard.policy.suggest import closest
from guard.policy.types import POLICY_TYPES

T = TypeVar("T")

_DROP = object()
_STAND_INS: dict[str, Any] = {
    "version": 1, "name": "salvaged", "deny_if": "true", "per": "true", "window": "day",
    "detect": {"max_chars": 1}, "model": "salvaged", "regex": "x", "entity": "SALVAGED",
}
"""Valid values of required keys, by key name (the same in every model that has it)."""
_ITEMS: dict[str, Callable[[Any], dict[str, Any]]] = {
    "patterns": lambda old: {"name": "x", "regex": "x"},
    "recognizers": lambda old: {"entity": _entity_of(old), "deny_list": ["x"]},
}
"""A valid stand-in for a bad item of a list of mappings, by the list's key."""
_ROOT_FIXES: dict[str, dict[str, Any]] = {
    "budget": {"limit_usd": 1, "limit_tokens": _DROP},
    "rate_limit": {"requests": 1},
    "llm": {"template": "secrets", "prompt": _DROP},
}
"""What satisfies a policy type's cross-field rule, when that is what failed."""
_ROUNDS = 8


@dataclass
class Salvaged(Generic[T]):
    """What :func:`salvage` made: the model (``None``: beyond repair), the paths it
    repaired, and the errors that showed only once those were repaired (pydantic checks
    a model's cross-field rules only when its fields are valid), with their paths."""

    model: T | None
    repaired: frozenset[Path]
    late: list[tuple[Path, ErrorDetails]] = field(default_factory=list)


def salvage(validate: Callable[[Any], T], data: Any, exc: ValidationError) -> Salvaged[T]:
    """The model ``validate`` makes of a repaired copy of ``data``."""
    data = copy.deepcopy(data)
    repaired: set[Path] = set()
    late: list[tuple[Path, ErrorDetails]] = []
    for round_ in range(_ROUNDS):
        located = [(error_path(data, e), e) for e in exc.errors()]
        if round_:
            late += [(p, e) for p, e in located if _untouched(p, repaired, data)]
        paths = sorted({p for p, _ in located}, key=len, reverse=True)
        if not any([_repair(data, path, repaired) for path in paths]):
            return Salvaged(None, frozenset(repaired), late)
        try:
            return Salvaged(validate(data), frozenset(repaired), late)
        except ValidationError as again:
            exc = again
    return Salvaged(None, frozenset(repaired), late)


def _untouched(path: Path, repaired: set[Path], data: Any) -> bool:
    """An error no repair of ours can have caused: not at, above or below a repaired path
    (a cross-field rule of a policy, at its top, is ours when it names a repaired key)."""
    if not path:
        fixes = _ROOT_FIXES.get(str(data.get("type"))) if isinstance(data, dict) else None
        return not any(r[:1] in {(k,) for k in fixes or ()} for r in repaired)
    return not any(r[:len(path)] == path or path[:len(r)] == r for r in repaired)


def _repair(root: Any, path: Path, repaired: set[Path]) -> bool:
    if not path:
        return _fix_root(root, repaired)
    parent = _node(root, path[:-1])
    key = path[-1]
    if isinstance(parent, list) and isinstance(key, int) and 0 <= key < len(parent):
        return _repair_item(root, parent, path, repaired)
    if not isinstance(parent, dict):
        return _repair(root, path[:-1], repaired) if len(path) > 1 else False
    if path == ("type",) and "type" in parent:  # check it as the type it resembles
        guess = closest(str(parent.get("type")), POLICY_TYPES)
        if guess is None:
            return False
        parent["type"] = guess
        repaired.add(path)
        return True
    if isinstance(key, str) and key in _STAND_INS and parent.get(key) != _STAND_INS[key]:
        parent[key] = copy.deepcopy(_STAND_INS[key])
    elif key in parent and not (isinstance(key, str) and key in _STAND_INS):
        del parent[key]
    else:  # missing without a stand-in: the mapping that needs it goes instead
        return _repair(root, path[:-1], repaired) if len(path) > 1 else False
    repaired.add(path)
    return True


def _repair_item(root: Any, items: list[Any], path: Path, repaired: set[Path]) -> bool:
    """A bad item of a list of mappings gets a stand-in in place; any other bad item makes
    the whole list bad (dropping it would renumber the items after it)."""
    index = path[-1]
    assert isinstance(index, int)
    owner = path[-2] if len(path) > 1 else None
    make = _ITEMS.get(owner) if isinstance(owner, str) else None
    if make is not None and isinstance(items[index], dict):
        stand_in = make(items[index])
        if items[index] != stand_in:
            items[index] = stand_in
            repaired.add(path)
            return True
    return _repair(root, path[:-1], repaired)


def _fix_root(root: Any, repaired: set[Path]) -> bool:
    fixes = _ROOT_FIXES.get(str(root.get("type"))) if isinstance(root, dict) else None
    if not fixes or all(root.get(k, _DROP) == v for k, v in fixes.items()):
        return False
    for key, value in fixes.items():
        if value is _DROP:
            root.pop(key, None)
        else:
            root[key] = value
        repaired.add((key,))
    return True


def _node(root: Any, path: Path) -> Any:
    node = root
    for part in path:
        if not contains(node, part):
            return None
        node = node[part]
    return node


def _entity_of(old: Any) -> str:
    """Keep a recognizer's entity name when it is a valid one, so the policy's
    ``entities`` that name it are not reported unknown."""
    entity = old.get("entity") if isinstance(old, dict) else None
    if isinstance(entity, str) and entity[:1].isupper() and entity.replace("_", "").isalnum() \
            and entity.isupper():
        return entity
    return str(_STAND_INS["entity"])
