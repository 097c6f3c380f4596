"""guard's upstream client sending streamed request bodies: framing, early answers, stalls."""

from __future__ import annotations

import asyncio

import pytest

from guard.serve.connection import ReadTimeout
from tests.serve.raw_upstreams import Upstream, answering, ok, pool_for, serving


async def test_a_body_of_unknown_length_goes_chunked() -> None:
    async def parts() -> object:
        for part in (b"ab", b"", b"cde"):
            yield part

    async with serving(answering(ok())) as up:
        pool = pool_for(up)
        answer = await pool.request("POST", b"/", [], parts())  # type: ignore[arg-type]
        answer.release()
        await pool.close()
    head, body = up.requests[0]
    assert b"Transfer-Encoding: chunked\r\n" in head and body == b"abcde"


async def test_an_early_answer_stops_a_streamed_upload_and_the_connection_is_not_reused() -> None:
    async def refuse(reader: asyncio.StreamReader, writer: asyncio.StreamWriter,
                     up: Upstream) -> None:
        await reader.readuntil(b"\r\n\r\n")  # the head only: the body is never read
        writer.write(b"HTTP/1.1 413 Too Large\r\nContent-Length: 3\r\n\r\nbig")
        await writer.drain()
        await asyncio.sleep(3)

    async def huge() -> object:
        for _ in range(256):
            yield b"x" * (1 << 20)

    async with serving(refuse) as up:
        pool = pool_for(up)
        answer = await asyncio.wait_for(
            pool.request("POST", b"/", [], huge()), 2)  # type: ignore[arg-type]
        assert (answer.status, await answer.read()) == (413, b"big")
        answer.release()
        assert answer.connection.closed  # the upstream may still be reading the request
        await pool.close()


async def test_an_upstream_that_reads_nothing_times_out_a_streamed_upload() -> None:
    async def deaf(reader: asyncio.StreamReader, writer: asyncio.StreamWriter,
                   up: Upstream) -> None:
        await asyncio.sleep(5)

    async def huge() -> object:
        for _ in range(256):
            yield b"x" * (1 << 20)

    async with serving(deaf) as up:
        pool = pool_for(up, read_timeout=0.3)
        with pytest.raises(ReadTimeout):
            await asyncio.wait_for(pool.request("POST", b"/", [], huge()),  # type: ignore[arg-type]
                                   3)
        await pool.close()
