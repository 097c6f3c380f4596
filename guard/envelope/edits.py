"""Writing changes back into a request body, exactly where the text came from.

Bodies are never mutated: the result shares every untouched subtree with
the input and copies only the containers along edited paths, so a one-word
redaction in a 4 MiB body costs a few small copies, not a deep copy.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from typing import Any

from guard.envelope.model import Edit, Pointer
from guard.envelope.strict import loads_strict


def resolve(body: Any, pointer: Pointer, inner: Pointer | None = None) -> Any:
    """The value at ``pointer`` (then at ``inner`` inside that JSON string).

    Raises ``ValueError`` when the path does not exist in the body.
    """
    node = body
    for key in pointer:
        node = _child(node, key, pointer)
    if inner is None:
        return node
    if not isinstance(node, str):
        raise ValueError(f"no JSON string at {list(pointer)}")
    return resolve(loads_strict(node), inner)


def apply_edits(body: Any, edits: Iterable[Edit]) -> Any:
    """A new body with every edit applied; ``body`` is left unchanged.

    Edits are grouped by the string they change. Within one segment they are
    spliced in offset order (equivalent to right to left); overlapping edits
    raise ``ValueError``, as does an edit whose segment text no longer matches
    the body. A JSON string edited through ``inner`` pointers is decoded once,
    edited and re-encoded compactly, keeping key order, so tool arguments stay
    valid JSON.
    """
    groups: dict[Pointer, dict[Pointer | None, list[Edit]]] = {}
    for edit in edits:
        by_inner = groups.setdefault(edit.segment.pointer, {})
        by_inner.setdefault(edit.segment.inner, []).append(edit)
    result = list(body) if isinstance(body, list) else dict(body)
    copies: dict[int, Any] = {id(result): result}
    for pointer, by_inner in groups.items():
        _assign(result, pointer, _edited_string(body, pointer, by_inner), copies, create=False)
    return result


def set_value(body: Any, pointer: Pointer, value: Any) -> Any:
    """A new body with ``value`` at ``pointer``; missing object keys are created.

    Used by route policies to rewrite ``model`` or write ``fallback_models``.
    """
    if not pointer:
        raise ValueError("cannot replace the whole body; give a non-empty pointer")
    result = list(body) if isinstance(body, list) else dict(body)
    _assign(result, pointer, value, {id(result): result}, create=True)
    return result


def splice(text: str, edits: Iterable[Edit]) -> str:
    """``text`` with each edit's ``[start, end)`` replaced; edits must not overlap."""
    ordered = sorted(edits, key=lambda e: (e.start, e.end))
    pieces: list[str] = []
    position = 0
    for edit in ordered:
        if not 0 <= edit.start <= edit.end <= len(text):
            raise ValueError(f"edit [{edit.start}, {edit.end}) is outside a text of {len(text)}")
        if edit.start < position:
            where = list(edit.segment.pointer)
            raise ValueError(f"edits overlap at offset {edit.start} of {where}")
        pieces += (text[position : edit.start], edit.replacement)
        position = edit.end
    pieces.append(text[position:])
    return "".join(pieces)


def _edited_string(
    body: Any, pointer: Pointer, by_inner: dict[Pointer | None, list[Edit]]
) -> str:
    current = resolve(body, pointer)
    if not isinstance(current, str):
        raise ValueError(f"no string at {list(pointer)} to edit")
    raw = by_inner.get(None)
    if raw is not None and len(by_inner) > 1:
        raise ValueError(f"{list(pointer)} is edited both as text and as JSON")
    if raw is not None:
        return splice(_checked(current, raw), raw)
    decoded = loads_strict(current)
    for inner, edits in by_inner.items():
        if inner is None:
            continue  # not reached: raw edits returned above
        leaf = _checked(resolve(decoded, inner), edits)
        if inner:
            _assign(decoded, inner, splice(leaf, edits), {}, create=False, copy=False)
        else:  # the JSON string held a JSON string
            decoded = splice(leaf, edits)
    return _encode_like(decoded, current)


def _checked(current: Any, edits: list[Edit]) -> str:
    """``current`` if it is still the text the edits were computed on."""
    if not isinstance(current, str) or any(e.segment.text != current for e in edits):
        where = list(edits[0].segment.pointer)
        raise ValueError(f"edit is stale: the body at {where} no longer holds the segment's text")
    return current


def _encode_like(value: Any, original: str) -> str:
    """JSON for ``value`` in the spacing and ASCII-ness of ``original`` (a close guess)."""
    item = ", " if ", " in original else ","
    key = ": " if ": " in original else ":"
    return json.dumps(value, ensure_ascii=original.isascii(), separators=(item, key))


def _child(node: Any, key: str | int, pointer: Pointer) -> Any:
    if isinstance(node, Mapping) and isinstance(key, str) and key in node:
        return node[key]
    is_index = isinstance(key, int) and not isinstance(key, bool)
    if isinstance(node, list) and isinstance(key, int) and is_index and 0 <= key < len(node):
        return node[key]
    raise ValueError(f"pointer {list(pointer)} does not exist in the body")


def _assign(
    root: Any,
    pointer: Pointer,
    value: Any,
    copies: dict[int, Any],
    *,
    create: bool,
    copy: bool = True,
) -> None:
    """Set ``value`` at ``pointer`` under ``root``, copying containers not yet copied.

    ``copies`` maps ids of containers this call owns (already copies) to them,
    which also keeps them alive so ids stay unique.
    """
    node = root
    for key in pointer[:-1]:
        if create and isinstance(node, dict) and isinstance(key, str) and key not in node:
            node[key] = {}
        child = _child(node, key, pointer)
        if copy and id(child) not in copies:
            child = list(child) if isinstance(child, list) else dict(child)
            copies[id(child)] = child
            node[key] = child
        node = child
    last = pointer[-1]
    if isinstance(node, dict) and isinstance(last, str) and (create or last in node):
        node[last] = value
    else:
        _child(node, last, pointer)  # raises unless the index exists
        node[last] = value
