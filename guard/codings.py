"""HTTP content codings (gzip, deflate, br), undone as the bytes arrive.

Both directions need them: a request body in a coding guard can undo is decoded and
forwarded decoded (:mod:`guard.intake`), and an answer that comes encoded although guard
asked for ``identity`` is decoded before the output stage reads it (:mod:`guard.asgi.response`),
a stream chunk by chunk. Decoding is bounded: a few compressed bytes can stand for gigabytes,
so the output is capped (``limit``) and what passes the cap is an error, never a partial
read. Every gzip member is read (RFC 1952 allows several, and multi-member readers such as
Go's and Python's read them all); data after the end of a zlib or brotli stream is an error,
not dropped, since another reader may take it.
"""

from __future__ import annotations

import zlib
from typing import Any

from guard.errors import GuardError

SUPPORTED = ("gzip", "x-gzip", "deflate", "br")


class CodingError(GuardError):
    """A coding guard cannot undo (``unsupported``), bytes not valid for their coding
    (``invalid``), or more output than allowed (``too_large``)."""

    def __init__(self, kind: str, message: str) -> None:
        super().__init__(message)
        self.kind = kind


def codings(header: str) -> list[str]:
    """The codings a ``Content-Encoding`` value names, in the order they were applied."""
    names = [c.strip().lower() for c in header.split(",")]
    names = [n for n in names if n and n != "identity"]
    for name in names:
        if name not in SUPPORTED:
            raise CodingError("unsupported", f"Content-Encoding {name!r} is not one guard "
                              "can read (gzip, deflate, br)")
    return names


def decode(data: bytes, names: list[str], limit: int) -> bytes:
    """``data`` with ``names`` undone, whole (at most ``limit`` bytes out)."""
    decoder = Decoder(names, limit)
    return decoder.feed(data) + decoder.end()


class Decoder:
    """Undoes a list of codings incrementally: ``feed`` bytes, then ``end``."""

    def __init__(self, names: list[str], limit: int) -> None:
        self.stages: list[_Zlib | _Brotli] = [_stage(n) for n in reversed(names)]
        self.limit = limit
        self.produced = 0

    def feed(self, data: bytes) -> bytes:
        for stage in self.stages:
            data = stage.feed(data, self.limit - self.produced)
        self.produced += len(data)
        return data

    def end(self) -> bytes:
        out = b""
        for i, stage in enumerate(self.stages):
            tail = stage.end()
            for later in self.stages[i + 1:]:
                tail = later.feed(tail, self.limit - self.produced)
            out += tail
        self.produced += len(out)
        if self.produced > self.limit:
            raise _too_large(self.limit)
        return out


def _stage(name: str) -> _Zlib | _Brotli:
    if name == "br":
        return _Brotli()
    return _Zlib(31 if name in ("gzip", "x-gzip") else None)


def _too_large(limit: int) -> CodingError:
    return CodingError("too_large", f"the body decodes to more than {limit} bytes")


class _Zlib:
    """gzip (every member), or deflate: zlib-wrapped as the RFC says, or raw as some send."""

    def __init__(self, wbits: int | None) -> None:
        self.wbits = wbits
        self.engine: Any = None
        self.pending = b""  # deflate: bytes held until its flavour can be told

    def feed(self, data: bytes, room: int) -> bytes:
        data = self.pending + data
        if self.engine is None:
            if self.wbits is None and len(data) < 2:
                self.pending = data
                return b""
            self.wbits = self.wbits if self.wbits is not None else (
                15 if _zlib_header(data) else -15)
            self.engine = zlib.decompressobj(self.wbits)
        self.pending = b""
        out = b""
        while data:
            if self.engine.eof:
                if self.wbits != 31:
                    raise CodingError("invalid", "data after the end of the deflate stream")
                self.engine = zlib.decompressobj(31)  # the next gzip member
            try:
                out += self.engine.decompress(data, max(room - len(out), 0) + 1)
            except zlib.error as exc:
                raise CodingError("invalid", f"not valid for its coding: {exc}") from exc
            if len(out) > room or self.engine.unconsumed_tail:
                raise _too_large(room)
            data = self.engine.unused_data if self.engine.eof else b""
        return out

    def end(self) -> bytes:
        if self.engine is None:
            if self.pending:
                raise CodingError("invalid", "cut short for its coding")
            return b""
        tail: bytes = self.engine.flush()
        if not self.engine.eof:
            raise CodingError("invalid", "cut short for its coding")
        return tail


class _Brotli:
    def __init__(self) -> None:
        import brotli

        self.engine = brotli.Decompressor()
        self.error = brotli.error

    def feed(self, data: bytes, room: int) -> bytes:
        if not data:
            return b""
        if self.engine.is_finished():
            raise CodingError("invalid", "data after the end of the brotli stream")
        try:
            out = bytes(self.engine.process(data, output_buffer_limit=max(room, 0) + 1))
        except self.error as exc:
            raise CodingError("invalid", f"not valid brotli: {exc}") from exc
        if len(out) > room or not self.engine.can_accept_more_data():
            raise _too_large(room)
        return out

    def end(self) -> bytes:
        if not self.engine.is_finished():
            raise CodingError("invalid", "cut short for its coding")
        return b""


def _zlib_header(data: bytes) -> bool:
    """Whether ``data`` starts with a zlib header (RFC 1950): method 8, a window of at most
    32 KiB, a check that makes the pair a multiple of 31. Not just ``0x78``: a smaller
    window starts ``0x08``..``0x68``."""
    return (len(data) >= 2 and data[0] & 0x0F == 8 and data[0] >> 4 <= 7
            and ((data[0] << 8) | data[1]) % 31 == 0)
