"""What guard does with a request before any policy reads it: the one rule for what is guarded.

``GuardMiddleware``, ``guard serve``, ``guard check``, ``guard test`` and ``guard replay`` all
decide through :meth:`guard.library.Guard.check_request`, which applies this rule first:

1. The path is normalized (:mod:`guard.dialects.paths`); one that cannot be read one way
   only is refused (400). The upstream receives the normalized path.
2. A request ``settings.passthrough`` names (``"METHOD /path/glob"``) is forwarded
   uninspected, and counted as such in the metrics and the decision log. WebSocket
   connections are refused unless a ``WEBSOCKET`` entry names them.
3. A request without a body passes (the middleware reads it all the same: over HTTP/2 a
   body needs no length header).
4. A body in a ``Content-Encoding`` guard can undo (gzip, deflate, br) is decoded, within
   ``max_body_bytes`` (413 past it), and forwarded decoded; a stream cut short or followed
   by other data is refused (400), any other encoding too (415).
5. A body must be a JSON object read one way only (:mod:`guard.envelope.strict`): one that
   is not JSON gets 400 when it says it is (``application/json`` or no type), 415 otherwise
   (multipart forms, audio, ``text/plain``); JSON is recognised by its content, whatever its
   content type says.
6. A JSON body whose API guard does not know follows ``settings.unknown_api``: ``scan``
   (every string is text), ``block`` (400), or ``allow`` (forwarded uninspected, counted).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from fnmatch import fnmatchcase

from guard.codings import CodingError, codings, decode
from guard.dialects import RequestPath
from guard.errors import GuardError

FORMS = ("multipart/", "application/x-www-form-urlencoded")
"""Bodies guard cannot read as JSON however they are written."""


class IntakeError(GuardError):
    """A request refused before any policy: ``status`` and a ``code`` for the error body."""

    def __init__(self, status: int, message: str, code: str) -> None:
        super().__init__(message)
        self.status = status
        self.code = code


WEBSOCKET = "WEBSOCKET"
"""The method a passthrough entry names WebSocket connections with."""


@dataclass(frozen=True, slots=True)
class Passthrough:
    """One ``settings.passthrough`` entry: a method (or ``*``) and a path glob.

    ``*`` is any HTTP method; WebSocket connections only match a ``WEBSOCKET`` entry, and a
    ``WEBSOCKET`` entry matches nothing else: an HTTP request can name its method
    ``WEBSOCKET`` too, and must not pass unread for it.
    """

    method: str
    glob: str

    @classmethod
    def parse(cls, entry: str) -> Passthrough:
        method, _, glob = entry.strip().partition(" ")
        return cls(method.upper(), glob.strip().lower().rstrip("/") or "/")

    def matches(self, method: str, path: RequestPath, websocket: bool = False) -> bool:
        if websocket:
            named = self.method == WEBSOCKET
        else:
            named = self.method != WEBSOCKET and self.method in ("*", method.upper())
        return named and fnmatchcase(path.key, self.glob)


def passes(entries: Sequence[Passthrough], method: str, path: RequestPath, *,
           websocket: bool = False) -> bool:
    """Whether the operator lets ``method path`` (a WebSocket connection to ``path`` when
    ``websocket``) through uninspected."""
    return any(entry.matches(method, path, websocket) for entry in entries)


def decoded(body: bytes, headers: Mapping[str, str], limit: int) -> bytes:
    """``body`` with its ``Content-Encoding`` undone (at most ``limit`` bytes of it)."""
    header = headers.get("content-encoding", "")
    if not header:
        return body
    try:
        return decode(body, codings(header), limit)
    except CodingError as exc:
        status, code = _CODING_ERRORS[exc.kind]
        raise IntakeError(status, f"request body: {exc}", code) from exc


_CODING_ERRORS = {"unsupported": (415, "unsupported_encoding"),
                  "invalid": (400, "invalid_encoding"), "too_large": (413, "body_too_large")}


def not_json(headers: Mapping[str, str], message: str) -> IntakeError:
    """Why a body that is not a JSON object is refused: 400 if it claimed to be JSON."""
    content_type = headers.get("content-type", "").lower()
    if not content_type or "json" in content_type:
        return IntakeError(400, message, "invalid_request")
    return IntakeError(415, f"guard reads JSON request bodies only, not "
                       f"{content_type.split(';')[0].strip()!r}; the operator can let this "
                       "path through with settings.passthrough", "unsupported_media_type")


def form(headers: Mapping[str, str]) -> bool:
    """A form body (multipart or url-encoded), which guard never reads."""
    content_type = headers.get("content-type", "").lower()
    return content_type.startswith(FORMS)
