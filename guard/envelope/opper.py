"""Reading Opper ``/v3/call`` requests, and bodies of unknown shape.

An Opper call is a task: ``instructions`` (the system prompt) and ``input``,
which may be any JSON value. The input is user data, so every string leaf is
text, whatever its key (``{"name": "Ada Lovelace"}`` is a person's name, not an
identifier). Schemas describe shapes and are not scanned; ``examples`` are
few-shot data shown to the model and are.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from guard.envelope.walk import (
    NO_SKIP,
    ROLE_OTHER,
    STRUCTURAL_SKIP,
    UNKNOWN_SKIP,
    Collector,
    Handler,
    read_fields,
)

_CONFIG = frozenset(
    {
        "name", "model", "fallback_models", "tags", "configuration", "input_schema",
        "output_schema", "parent_span_id", "span_uuid", "hints", "tools", "stream",
        "evaluate", "max_tokens",
    }
)  # fmt: skip


def _instructions(c: Collector, value: Any) -> None:
    if value is None:
        return
    c.begin_message()
    c.walk(value, ("instructions",), "system", "instructions", STRUCTURAL_SKIP)
    c.end_message("system")


def _input(c: Collector, value: Any) -> None:
    """The whole input is one message of role ``input``, every string leaf scanned."""
    c.begin_message()
    c.walk(value, ("input",), "input", "input", NO_SKIP)
    c.end_message("input")


def _examples(c: Collector, value: Any) -> None:
    c.walk(value, ("examples",), "example", "other", NO_SKIP)


_HANDLERS: dict[str, Handler] = {
    "instructions": _instructions,
    "input": _input,
    "examples": _examples,
}


def read_call(c: Collector, body: Mapping[str, Any]) -> None:
    """Opper ``/v3/call``: instructions, input (any JSON), examples."""
    read_fields(c, body, _HANDLERS, _CONFIG)


def read_unknown(c: Collector, body: Mapping[str, Any]) -> None:
    """A body we do not recognise: every string leaf but a few obvious keys is text.

    All of it forms one message of role ``other`` so that message-based rules
    still see the text.
    """
    c.begin_message()
    c.walk(body if isinstance(body, dict) else dict(body), (), ROLE_OTHER, "other", UNKNOWN_SKIP)
    if c.segments:
        c.end_message(ROLE_OTHER)
