"""guard's upstream client against real loopback servers that misbehave on purpose."""

from __future__ import annotations

import asyncio
import socket

import pytest

from guard.serve.connection import HIGH_WATER, Disconnected, ReadTimeout, UpstreamError
from guard.serve.upstream import Answer, ProxyOptions, UnsafeRequest, UpstreamPool
from tests.serve.raw_upstreams import Upstream, answering, ok, pool_for, read_request, serving

CHUNKED = (b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
           b"5;name=value\r\nhello\r\n6\r\n world\r\n0\r\nX-Trailer: t\r\n\r\n")


async def fetch(pool: UpstreamPool, method: str = "POST", body: bytes | None = b"{}",
                headers: list[tuple[bytes, bytes]] | None = None) -> tuple[Answer, bytes]:
    answer = await pool.request(method, b"/v1/x?a=1", headers or [], body)
    try:
        return answer, await answer.read()
    finally:
        answer.release()


async def test_the_request_is_written_as_given_with_host_and_length_only() -> None:
    async with serving(answering(ok(), ok(), ok())) as up:
        pool = pool_for(up)
        answer, body = await fetch(pool, headers=[(b"authorization", b"Bearer k"),
                                                  (b"x-b", b"1"), (b"x-b", b"2")])
        await fetch(pool, "GET", None)
        await fetch(pool, "DELETE", None)
        await pool.close()
    assert (answer.status, body) == (200, b"ok")
    port = up.url.rsplit(":", 1)[1].encode()
    assert up.requests[0] == (b"POST /v1/x?a=1 HTTP/1.1\r\nHost: 127.0.0.1:" + port +
                              b"\r\nauthorization: Bearer k\r\nx-b: 1\r\nx-b: 2\r\n"
                              b"Content-Length: 2\r\n\r\n", b"{}")
    assert b"content-length" not in up.requests[1][0].lower()  # a GET without a body
    assert b"Content-Length: 0\r\n" in up.requests[2][0]  # a DELETE without one says so


async def test_a_keep_alive_connection_carries_the_next_request() -> None:
    async with serving(answering(ok(), CHUNKED, ok(b"third"))) as up:
        pool = pool_for(up)
        bodies = [(await fetch(pool))[1] for _ in range(3)]
        await pool.close()
    assert bodies == [b"ok", b"hello world", b"third"]
    assert up.connections == 1


async def test_chunk_extensions_and_trailers_are_read_and_not_relayed() -> None:
    async with serving(answering(CHUNKED)) as up:
        pool = pool_for(up)
        answer, body = await fetch(pool)
        await pool.close()
    assert body == b"hello world"
    assert answer.headers == [(b"Transfer-Encoding", b"chunked")]


@pytest.mark.parametrize("answer", [
    ok(extra=b"Connection: close\r\n"),
    b"HTTP/1.0 200 OK\r\nContent-Length: 2\r\n\r\nok",
])
async def test_an_upstream_that_says_close_is_not_asked_again_on_that_connection(
        answer: bytes) -> None:
    async with serving(answering(answer, answer)) as up:
        pool = pool_for(up)
        assert (await fetch(pool))[1] == b"ok"
        assert (await fetch(pool))[1] == b"ok"
        await pool.close()
    assert up.connections == 2


async def test_an_answer_without_length_is_read_until_the_connection_closes() -> None:
    answer = b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n\r\n" + b"x" * 100_000
    async with serving(answering(answer, close=True)) as up:
        pool = pool_for(up)
        assert (await fetch(pool))[1] == b"x" * 100_000
        await pool.close()


@pytest.mark.parametrize("cut", [
    b"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nonly part",
    b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n",
    b"HTTP/1.1 200 OK\r\nContent-Le",
    b"",
])
async def test_an_answer_cut_short_is_an_error_not_a_short_answer(cut: bytes) -> None:
    async with serving(answering(cut, close=True)) as up:
        pool = pool_for(up)
        with pytest.raises(Disconnected):
            await fetch(pool)
        await pool.close()


async def test_an_answer_that_is_not_http_is_an_error() -> None:
    async with serving(answering(b"SSH-2.0-OpenSSH\r\n\r\n", close=True)) as up:
        pool = pool_for(up)
        with pytest.raises(UpstreamError):
            await fetch(pool)
        await pool.close()


async def test_a_body_that_stalls_past_the_read_timeout_fails_and_closes() -> None:
    async def stall(reader: asyncio.StreamReader, writer: asyncio.StreamWriter,
                    up: Upstream) -> None:
        await read_request(reader)
        writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nhalf")
        await reader.read()  # until the client gives up

    async with serving(stall) as up:
        pool = pool_for(up, read_timeout=0.2)
        answer = await pool.request("POST", b"/", [], b"")
        assert await answer.chunk() == b"half"
        with pytest.raises(ReadTimeout):
            await answer.chunk()
        answer.release()
        await asyncio.sleep(0.1)
        assert up.closed == 1  # the client closed it
        await pool.close()


async def test_an_upstream_silent_past_the_read_timeout_times_out() -> None:
    async def silent(reader: asyncio.StreamReader, writer: asyncio.StreamWriter,
                     up: Upstream) -> None:
        await reader.read()

    async with serving(silent) as up:
        pool = pool_for(up, read_timeout=0.2)
        with pytest.raises(ReadTimeout):
            await fetch(pool)
        await pool.close()


async def test_idle_connections_expire_after_keepalive_seconds() -> None:
    async with serving(answering(ok(), ok())) as up:
        pool = pool_for(up, keepalive_seconds=0.2)
        await fetch(pool)
        await asyncio.sleep(0.6)
        assert up.closed == 1  # closed by the pool's sweep, not by the server
        await fetch(pool)
        await pool.close()
    assert up.connections == 2


def _closing_after_first() -> tuple[list[bytes], object]:
    """Answers the first request, reads the second and closes unanswered: a keep-alive
    connection the upstream dropped just as guard reused it."""
    seen: list[bytes] = []

    async def handler(reader: asyncio.StreamReader, writer: asyncio.StreamWriter,
                      up: Upstream) -> None:
        if up.connections == 1:
            seen.append((await read_request(reader))[0])
            writer.write(ok())
            await writer.drain()
        seen.append((await read_request(reader))[0])
        if up.connections > 1:
            writer.write(ok(b"fresh"))
            await writer.drain()
            await reader.read()

    return seen, handler


async def test_a_get_on_a_dropped_keep_alive_connection_is_retried_once() -> None:
    seen, handler = _closing_after_first()
    async with serving(handler) as up:  # type: ignore[arg-type]
        pool = pool_for(up)
        await fetch(pool, "GET", None)
        assert (await fetch(pool, "GET", None))[1] == b"fresh"
        await pool.close()
    assert len(seen) == 3 and up.connections == 2


async def test_a_post_on_a_dropped_keep_alive_connection_is_never_sent_twice() -> None:
    seen, handler = _closing_after_first()
    async with serving(handler) as up:  # type: ignore[arg-type]
        pool = pool_for(up)
        await fetch(pool)
        with pytest.raises(Disconnected):
            await fetch(pool)
        await pool.close()
    assert len(seen) == 2 and up.connections == 1


async def test_a_slow_reader_pauses_the_socket_instead_of_buffering() -> None:
    size = 32 << 20
    sent = asyncio.Event()

    async def flood(reader: asyncio.StreamReader, writer: asyncio.StreamWriter,
                    up: Upstream) -> None:
        await read_request(reader)
        writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n" % size)
        writer.write(b"x" * size)
        await writer.drain()
        sent.set()
        await reader.read()

    async with serving(flood) as up:
        pool = pool_for(up)
        answer = await pool.request("GET", b"/", [], None)
        await asyncio.sleep(0.5)
        assert not sent.is_set()  # the upstream is held back: guard stopped reading
        assert answer._unread < HIGH_WATER + (1 << 20)
        assert len(await answer.read()) == size
        answer.release()
        await pool.close()


async def test_a_head_answer_ends_at_its_headers_whatever_length_it_names() -> None:
    head = b"HTTP/1.1 200 OK\r\nContent-Length: 5000\r\n\r\n"
    async with serving(answering(head)) as up:
        pool = pool_for(up)
        answer, body = await fetch(pool, "HEAD", None)
        await pool.close()
    assert (answer.status, body, answer.header(b"content-length")) == (200, b"", b"5000")


async def test_204_and_304_carry_no_body_and_keep_the_connection() -> None:
    answers = (b"HTTP/1.1 204 No Content\r\n\r\n",
               b"HTTP/1.1 304 Not Modified\r\nContent-Length: 7\r\n\r\n", ok())
    async with serving(answering(*answers)) as up:
        pool = pool_for(up)
        statuses = [(await fetch(pool, "GET", None))[0].status for _ in range(3)]
        await pool.close()
    assert statuses == [204, 304, 200] and up.connections == 1


async def test_informational_answers_are_skipped() -> None:
    answer = (b"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 103 Early Hints\r\nLink: </a>\r\n\r\n"
              + ok(extra=b"Set-Cookie: a=1\r\nSet-Cookie: b=2\r\n"))
    async with serving(answering(answer, ok())) as up:
        pool = pool_for(up)
        first, body = await fetch(pool)
        await fetch(pool)
        await pool.close()
    assert (first.status, body) == (200, b"ok")
    assert first.headers == [(b"Content-Length", b"2"), (b"Set-Cookie", b"a=1"),
                             (b"Set-Cookie", b"b=2")]  # in order, repeats kept
    assert up.connections == 1


@pytest.mark.parametrize("header", [(b"x-a", b"1\r\nX-Smuggled: 1"), (b"x-a", b"1\nGET / HT"),
                                    (b"x-a\r\nX-B", b"1"), (b"x-a", b"\x00")])
async def test_a_header_that_would_split_the_request_is_refused(
        header: tuple[bytes, bytes]) -> None:
    async with serving(answering(ok())) as up:
        pool = pool_for(up)
        with pytest.raises(UnsafeRequest):
            await fetch(pool, headers=[header])
        await pool.close()
    assert up.connections == 0  # nothing was written


async def test_a_reader_cancelled_mid_answer_closes_the_connection() -> None:
    async def drip(reader: asyncio.StreamReader, writer: asyncio.StreamWriter,
                   up: Upstream) -> None:
        await read_request(reader)
        writer.write(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n")
        while True:
            writer.write(b"1\r\nx\r\n")
            await writer.drain()
            await asyncio.sleep(0.02)

    async def consume(pool: UpstreamPool) -> None:
        await fetch(pool)

    async with serving(drip) as up:
        pool = pool_for(up)
        task = asyncio.ensure_future(consume(pool))
        await asyncio.sleep(0.2)
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
        await asyncio.sleep(0.1)
        assert up.closed == 1
        await pool.close()


async def test_no_more_connections_than_the_limit() -> None:
    live = [0, 0]

    async def slow(reader: asyncio.StreamReader, writer: asyncio.StreamWriter,
                   up: Upstream) -> None:
        live[0] += 1
        live[1] = max(live)
        while True:
            await read_request(reader)
            await asyncio.sleep(0.05)
            writer.write(ok())

    async with serving(slow) as up:
        pool = pool_for(up, max_connections=2)
        await asyncio.gather(*(fetch(pool) for _ in range(8)))
        await pool.close()
    assert up.connections == 2 and live[1] == 2


async def test_an_unreachable_upstream_is_an_upstream_error() -> None:
    with socket.socket() as unused:
        unused.bind(("127.0.0.1", 0))
        port = unused.getsockname()[1]
    pool = UpstreamPool(ProxyOptions(f"http://127.0.0.1:{port}"))
    with pytest.raises(UpstreamError):
        await fetch(pool)
    await pool.close()


async def test_an_ipv6_literal_upstream_gets_a_bracketed_host() -> None:
    if not socket.has_ipv6:
        pytest.skip("no IPv6 here")
    try:
        async with serving(answering(ok()), host="::1") as up:
            pool = pool_for(up)
            await fetch(pool)
            await pool.close()
    except OSError:
        pytest.skip("no IPv6 loopback here")
    assert b"\r\nHost: [::1]:" in up.requests[0][0]
