"""Request paths as guard decides on them: one spelling per endpoint, or a refusal.

Servers disagree on what a path means: ``//v1//chat/completions``, ``/v1/./chat/completions``,
``/v1/x/../chat/completions``, ``/v1/chat/completions;x=1`` and ``/V1/Chat/Completions`` each
reach the chat endpoint on some server and a 404 on another. guard decides on one spelling and
sends the upstream exactly that spelling, so what guard matched is what the upstream serves:
empty segments and ``.`` are dropped, ``..`` is resolved, ``;`` parameters are cut off each
segment, percent-escapes of plain characters are decoded. Case and a trailing slash are kept in
the path forwarded but ignored for matching (:attr:`RequestPath.key`).

A path whose meaning depends on the server reading it is refused: an escaped ``/``, ``\\``,
``%``, ``;``, ``?`` or ``#`` (one server splits on it, another does not), a backslash,
whitespace or a control character (Unicode's too: servers that strip or split on them differ
from those that do not), ``..`` above the root, text that is not UTF-8 (bytes, or a lone
surrogate in a ``str``, which no wire spelling carries).

Only a target that starts with a scheme (``http://host/v1/...``) is an absolute form; a
``://`` further on (``/proxy/http://x/v1``) is part of the path.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from urllib.parse import quote

from guard.errors import RequestError


class PathError(RequestError):
    """A path guard cannot read one way only."""


_AMBIGUOUS_ESCAPED = frozenset("/\\%;?#")
_SAFE = "/:@!$&'()*+,=-._~"  # RFC 3986 pchar minus ';' (cut above), plus '/'
_HEX = frozenset("0123456789abcdefABCDEF")
_ABSOLUTE = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*://")
_REFUSED = re.compile(
    "[\x00-\x20\x7f-\x9f\\\\\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f"
    "\u3000\ud800-\udfff]")
"""Control characters (C0, DEL, C1), whitespace (what ``str.isspace`` says), a backslash,
surrogates: what no path guard forwards may hold."""


@dataclass(frozen=True, slots=True)
class RequestPath:
    """A normalized path: ``path`` is forwarded, ``key`` is matched, ``query`` rides along."""

    path: str  # decoded, normalized, case kept: "/v1beta/models/gemini-2.5-flash:generateContent"
    key: str  # lower case, no trailing slash: what dialects match
    query: str = ""  # the raw query string, without "?"
    raw: str = ""  # the path percent-encoded for the wire (what the upstream receives)

    def __post_init__(self) -> None:
        if not self.raw:
            object.__setattr__(self, "raw", quote(self.path, safe=_SAFE))

    def __hash__(self) -> int:  # the endpoint cache asks on every request: hash the key once
        return hash(self.key) ^ hash(self.path) ^ hash(self.query)

    @property
    def segments(self) -> tuple[str, ...]:
        """The segments of :attr:`key`, lower case: what endpoints are matched on."""
        return tuple(self.key.split("/")[1:]) if self.key != "/" else ()

    @property
    def parts(self) -> tuple[str, ...]:
        """The segments as given (case kept): where a path names a model."""
        return tuple(p for p in self.path.split("/") if p)

    def ends(self, *names: str) -> int:
        """Where the segments end with ``names``: the index of the first, or -1."""
        segments = self.segments
        start = len(segments) - len(names)
        return start if start >= 0 and segments[start:] == names else -1

    def stored_item(self, collection: str) -> bool:
        """``{collection}/{id}`` or ``{collection}/{id}/cancel``: one stored item (a
        response, an interaction) fetched or cancelled, which answers with the item."""
        segments = self.segments
        if segments[-1:] == ("cancel",):
            segments = segments[:-1]
        return len(segments) >= 2 and segments[-2] == collection and segments[-1] not in (
            "input_tokens", "compact", "cancel")

    @property
    def target(self) -> str:
        """Path and query, as a request line carries them."""
        return self.raw + ("?" + self.query if self.query else "")

    def with_path(self, path: str) -> RequestPath:
        return normalize(path, self.query)


@lru_cache(maxsize=4096)
def normalize(path: str | bytes, query: str | bytes = "") -> RequestPath:
    """The one spelling of ``path`` (raw, as on the request line); :class:`PathError` if none.

    A ``?`` in ``path`` starts the query (when ``query`` is not given apart). Cached on the
    raw input, as ASGI servers give it: a gateway sees few distinct paths and queries.
    """
    if isinstance(path, bytes | bytearray):
        given, mark, rest = bytes(path).partition(b"?")  # a query is not the path's text
        try:
            path = given.decode("utf-8") + (mark + rest).decode("latin-1")
        except UnicodeDecodeError as exc:
            raise PathError("request path is not UTF-8") from exc
    if isinstance(query, bytes | bytearray):
        query = bytes(query).decode("latin-1")
    if "?" in path:
        path, _, inline = path.partition("?")
        query = query or inline
    return _normalized(path, query)


def _normalized(path: str, query: str) -> RequestPath:
    if "#" in path:
        raise PathError("request path holds a '#' fragment")
    absolute = _ABSOLUTE.match(path)
    if absolute is not None:  # an absolute-form request target: only its path counts
        slash = path.find("/", absolute.end())
        path = path[slash:] if slash >= 0 else "/"
    segments: list[str] = []
    for part in path.split("/"):
        segment = _decoded(part.split(";", 1)[0])
        if segment in ("", "."):
            continue
        if segment == "..":
            if not segments:
                raise PathError("request path climbs above its root with '..'")
            segments.pop()
            continue
        segments.append(segment)
    text = "/" + "/".join(segments)
    if path.endswith("/") and segments:
        text += "/"
    key = ("/" + "/".join(segments)).lower()
    return RequestPath(text, key, query)


def _decoded(segment: str) -> str:
    """One segment with its escapes decoded; refused when they hide a separator."""
    if "%" in segment:
        segment = _unescape(segment)
    refused = _REFUSED.search(segment)
    if refused is not None:
        raise PathError(f"request path holds a {_name(refused.group())}")
    return segment


def _unescape(segment: str) -> str:
    out = bytearray()
    i = 0
    while i < len(segment):
        char = segment[i]
        if char == "%":
            pair = segment[i + 1 : i + 3]
            if len(pair) < 2 or not set(pair) <= _HEX:
                raise PathError("request path holds a '%' that starts no escape")
            value = int(pair, 16)
            if chr(value) in _AMBIGUOUS_ESCAPED:
                raise PathError(f"request path holds an escaped {chr(value)!r}")
            out.append(value)
            i += 3
        else:
            out += char.encode("utf-8", "surrogatepass")
            i += 1
    try:
        return out.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise PathError("request path is not UTF-8 once unescaped") from exc


def _name(char: str) -> str:
    if char == "\\":
        return "backslash"
    if "\ud800" <= char <= "\udfff":
        return "lone surrogate (not UTF-8)"
    return f"control or space character {char!r}"
