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

import zlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from fnmatch import fnmatchcase

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
    codings = [c.strip().lower() for c in headers.get("content-encoding", "").split(",")
               if c.strip() and c.strip().lower() != "identity"]
    for coding in reversed(codings):  # applied in order, so undone last first
        body = _undo(coding, body, limit)
    return body


def _undo(coding: str, body: bytes, limit: int) -> bytes:
    if coding in ("gzip", "x-gzip"):
        return _inflate(31, body, limit)
    if coding == "deflate":  # zlib-wrapped as the RFC says, or raw as some clients send
        return _inflate(15 if _zlib_header(body) else -15, body, limit)
    if coding == "br":
        return _brotli(body, limit)
    raise IntakeError(415, f"request Content-Encoding {coding!r} is not one guard can "
                      "read (gzip, deflate, br)", "unsupported_encoding")


def _zlib_header(body: bytes) -> bool:
    """Whether ``body`` starts with a zlib header (RFC 1950): method 8, a window of at most
    32 KiB, a check that makes the pair a multiple of 31. Not just ``0x78``: a smaller
    window starts ``0x08``..``0x68``."""
    return (len(body) >= 2 and body[0] & 0x0F == 8 and body[0] >> 4 <= 7
            and ((body[0] << 8) | body[1]) % 31 == 0)


def _inflate(wbits: int, body: bytes, limit: int) -> bytes:
    """Inflate every gzip member (RFC 1952 lets a body hold several, and multi-member readers
    such as Go's and Python's read them all); anything after the end of the stream is
    refused, not dropped, since an upstream may read it."""
    out = b""
    while True:
        engine = zlib.decompressobj(wbits)
        try:
            chunk = engine.decompress(body, limit + 1 - len(out))  # never 0: no limit
            if len(out) + len(chunk) > limit or engine.unconsumed_tail:
                raise IntakeError(413, f"request body decodes to more than {limit} bytes",
                                  "body_too_large")
            chunk += engine.flush()
        except zlib.error as exc:
            raise IntakeError(400, "request body is not valid for its Content-Encoding: "
                              f"{exc}", "invalid_encoding") from exc
        if not engine.eof:
            raise IntakeError(400, "request body is cut short for its Content-Encoding",
                              "invalid_encoding")
        out += chunk
        if len(out) > limit:
            raise IntakeError(413, f"request body decodes to more than {limit} bytes",
                              "body_too_large")
        body = engine.unused_data
        if not body:
            return out
        if wbits != 31:
            raise IntakeError(400, "request body holds data after the end of its "
                              "Content-Encoding stream", "invalid_encoding")


def _brotli(body: bytes, limit: int) -> bytes:
    import brotli

    engine = brotli.Decompressor()
    try:
        out = engine.process(body, output_buffer_limit=limit + 1)
    except brotli.error as exc:
        raise IntakeError(400, f"request body is not valid brotli: {exc}",
                          "invalid_encoding") from exc
    if len(out) > limit:
        raise IntakeError(413, f"request body decodes to more than {limit} bytes",
                          "body_too_large")
    if not engine.is_finished():
        raise IntakeError(400, "request body is cut short for its Content-Encoding",
                          "invalid_encoding")
    return bytes(out)


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
