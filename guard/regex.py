"""Regular expressions from policy files, always on RE2.

RE2 runs in linear time, so no policy (or request) can make guard spend
exponential time on a crafted input. RE2 rejects lookarounds and
backreferences; we say so plainly instead of echoing the library's message.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

from guard.errors import GuardError

_UNSUPPORTED = (
    ("(?=", "lookahead `(?=...)`"),
    ("(?!", "negative lookahead `(?!...)`"),
    ("(?<=", "lookbehind `(?<=...)`"),
    ("(?<!", "negative lookbehind `(?<!...)`"),
    ("(?>", "atomic group `(?>...)`"),
)


class RegexError(GuardError):
    """A pattern RE2 cannot compile."""


def compile_regex(pattern: str, flags: str = "") -> Any:
    """Compile ``pattern`` with RE2 (``flags`` from ``imsU``); raise :class:`RegexError`."""
    import re2  # lazy: only policies with patterns need it

    options = re2.Options()
    options.log_errors = False  # the error is ours to report, not absl's on stderr
    source = f"(?{flags}){pattern}" if flags else pattern
    try:
        return re2.compile(source, options)
    except re2.error as exc:
        raise RegexError(_explain(pattern, exc)) from exc


def compile_set(sources: Sequence[str], max_mem: int) -> Any:
    """One RE2 search set of ``sources`` (``Match`` gives the indexes that match a text),
    within ``max_mem`` bytes; raises ``re2.error`` when they cannot be compiled together."""
    import re2

    options = re2.Options()
    options.log_errors = False
    options.max_mem = max_mem
    regex_set = re2.Set.SearchSet(options)
    for source in sources:
        regex_set.Add(source)
    regex_set.Compile()
    return regex_set


def group_spans(regex: Any, text: str) -> Iterator[Sequence[tuple[int, int]]]:
    """Per match of the RE2 ``regex`` in ``text``, in ``finditer`` order: the span of every
    group (``(-1, -1)`` for a group that took no part).

    An ASCII text is searched as its bytes, whose offsets are its character offsets, with
    the same steps as the wrapper's ``finditer``, whose offset bookkeeping (a few µs a
    match: it re-encodes and counts characters) it then does without.
    """
    import re2

    raw = getattr(regex, "_regexp", None)  # google-re2 internals: absent, fall back
    anchor = getattr(getattr(re2, "_Anchor", None), "UNANCHORED", None)
    if raw is None or anchor is None or not text.isascii():
        for match in regex.finditer(text):
            yield [match.span(g) for g in range(regex.groups + 1)]
        return
    data = text.encode()
    position, end = 0, len(data)
    while True:
        spans = raw.Match(anchor, data, position, end)
        if spans[0][0] < 0:
            return
        yield spans
        if position == end:
            return
        position = position + 1 if position == spans[0][1] else spans[0][1]


def spans(regex: Any, text: str) -> Iterator[tuple[int, int]]:
    """The span of each match of the RE2 ``regex`` in ``text``, as ``finditer`` finds them."""
    return (found[0] for found in group_spans(regex, text))


def _explain(pattern: str, exc: Exception) -> str:
    for marker, name in _UNSUPPORTED:
        if marker in pattern:
            return f"RE2 does not support {name}; rewrite the pattern without it"
    if _has_backreference(pattern):
        return "RE2 does not support backreferences (\\1); rewrite the pattern without them"
    reason = exc.args[0] if exc.args else exc
    if isinstance(reason, bytes):
        reason = reason.decode("utf-8", "replace")
    return f"invalid regular expression: {reason}"


def _has_backreference(pattern: str) -> bool:
    return any(pattern[i] == "\\" and pattern[i + 1 : i + 2].isdigit() and pattern[i + 1] != "0"
               for i in range(len(pattern) - 1))
