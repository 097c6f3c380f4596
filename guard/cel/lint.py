"""Every problem of one CEL expression, for ``guard lint`` and the compiler.

Why: an engine's compile stops at the first problem and cannot see what fails only at run
time. Here one parse gives all of them: a syntax error (with a hint when ``=`` was meant as
``==``), every unknown name or field, a value of the wrong kind where a bool or a string
is needed (errors), and reads of keys a request may lack (warnings: the policy then fails
on those requests; the message shows the guarded form).
"""

from __future__ import annotations

import re
from collections.abc import Collection
from dataclasses import dataclass
from typing import Any

from guard.cel.absent import absent_reads
from guard.cel.fields import field_messages, parse
from guard.cel.kinds import DYN, conditions, kind_of
from guard.cel.result import ResultKind
from guard.errors import CelError

_STRINGS = re.compile(r'"(?:[^"\\]|\\.)*"|\'(?:[^\'\\]|\\.)*\'')
_ASSIGN = re.compile(r"(?<![=!<>])=(?!=)")
_SHORT = 60
_CHAIN = re.compile(r"[\w.]+(\[(\"[^\"]*\"|'[^']*'|\d+)\])*")


@dataclass(frozen=True)
class CelFinding:
    """One problem of an expression; a warning does not stop the set from loading."""

    message: str
    warning: bool = False


def lint_cel(source: str, expect: ResultKind = "any", *, absent_fails: bool = False,
             variables: Collection[str] | None = None) -> list[CelFinding]:
    """Errors first; warnings (``absent_fails``: an evaluation error fails the policy, so
    reads of often-absent keys are reported) only when there is no error. ``variables``:
    the names the set defines (``None``: not checked)."""
    try:
        tree = parse(source)
    except CelError as exc:
        return [CelFinding(f"invalid CEL: {exc}{_assign_hint(source)}")]
    errors = [f"invalid CEL: {m}" for m in field_messages(tree, variables)]
    errors += _kind_messages(tree, source, expect)
    if errors:
        return [CelFinding(m) for m in errors]
    if not absent_fails:
        return []
    return [CelFinding(_absent_message(read.text, read.guard, source), warning=True)
            for read in absent_reads(tree, source)]


def _assign_hint(source: str) -> str:
    if _ASSIGN.search(_STRINGS.sub('""', source)):
        return "; `=` is not a CEL operator: to compare, write `==`"
    return ""


def _kind_messages(tree: Any, source: str, expect: ResultKind) -> list[str]:
    messages = []
    whole = kind_of(tree)
    if expect in ("bool", "string") and whole not in (expect, DYN) and \
            not (expect == "string" and whole == "null"):
        messages.append(f"expected a {expect}, but this expression gives {_a(whole)}"
                        f"{_fix(source.strip(), whole, expect)}")
    for node, op in conditions(tree):
        kind = kind_of(node)
        if kind not in ("bool", DYN):
            text = _text(node, source)
            messages.append(f"`{op}` needs a bool, but `{text}` is {_a(kind)}"
                            f"{_fix(text, kind, 'bool')}")
    return messages


def _a(kind: str) -> str:
    return f"an {kind}" if kind[0] in "aeiou" else f"a {kind}"


def _fix(text: str, kind: str, expect: str) -> str:
    if expect != "bool" or len(text) > _SHORT or not _CHAIN.fullmatch(text):
        return ""
    if kind == "string":
        return f'; compare it, e.g. `{text} == "..."` or `{text}.startsWith("...")`'
    if kind in ("int", "double"):
        return f"; compare it, e.g. `{text} > 0`"
    if kind in ("list", "map"):
        return f"; test its size, e.g. `size({text}) > 0`"
    return ""


def _absent_message(read: str, guard: str, source: str) -> str:
    whole = " ".join(source.split())
    shown = whole if len(whole) <= 2 * _SHORT else "..."
    return (f"`{read}` is absent from requests that do not set it, and reading it then "
            "fails the policy (503 under `on_error: block`); test it first: "
            f"`{guard} && {shown}`")


def _text(node: Any, source: str) -> str:
    return " ".join(source[node.meta.start_pos:node.meta.end_pos].split())
