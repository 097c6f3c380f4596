"""Preparing plain data for CEL, identically for both engines.

cel-expr-python truncates strings at the first NUL character on the way in
(``"ab\\x00c"`` arrives as ``"ab"``), so a rule like
``request.text.contains("secret")`` could be dodged by a NUL before the word.
We replace NUL with U+FFFD (same length, no meaning) in every string before
binding, on both engines so they keep agreeing. Containers without a NUL are
returned as they are, without copying.
"""

from __future__ import annotations

from typing import Any

_NUL = "\x00"
_REPLACEMENT = "\ufffd"
_NUL_REPR = "\\x00"


def may_hold_nul(value: Any) -> bool:
    """Whether some string in ``value`` may hold a NUL: one C-speed ``repr``, where a NUL
    shows as ``\\x00``. A false alarm (a literal backslash-x-0-0) only costs a walk."""
    return _NUL_REPR in repr(value)


def without_nul(value: Any) -> Any:
    """``value`` with NUL replaced in every string (keys included).

    Almost no request carries a NUL, so :func:`may_hold_nul` decides whether the walk
    is needed at all.
    """
    if not may_hold_nul(value):
        return value
    return _without_nul(value)


def _without_nul(value: Any) -> Any:
    if isinstance(value, str):
        return value.replace(_NUL, _REPLACEMENT) if _NUL in value else value
    if isinstance(value, dict):
        return _mapping(value)
    if isinstance(value, list):
        items = [_without_nul(v) for v in value]
        return value if all(a is b for a, b in zip(items, value, strict=True)) else items
    return value


def _mapping(value: dict[Any, Any]) -> dict[Any, Any]:
    changed = False
    out: dict[Any, Any] = {}
    for key, item in value.items():
        new_key, new_item = _without_nul(key), _without_nul(item)
        changed = changed or new_key is not key or new_item is not item
        out[new_key] = new_item
    return out if changed else value
