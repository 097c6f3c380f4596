"""The answer parser of guard's upstream connection: however the bytes arrive, the same answer."""

from __future__ import annotations

import asyncio
import socket

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from guard.serve.connection import MAX_HEAD, MAX_INTERIM, Answer, Connection, UpstreamError

NAMES = st.from_regex(r"X-[A-Za-z0-9!#$%&'*+.^_`|~-]{1,12}", fullmatch=True)
VALUES = st.from_regex(r"[!-~]([ -~]{0,20}[!-~])?", fullmatch=True)


@st.composite
def responses(draw: st.DrawFn) -> tuple[bytes, int, list[tuple[bytes, bytes]], bytes, str]:
    """A valid answer's bytes, and the status, headers and body it carries."""
    status = draw(st.sampled_from([200, 201, 400, 404, 429, 500, 503]))
    headers = [(n.encode(), v.encode()) for n, v in draw(st.lists(st.tuples(NAMES, VALUES),
                                                                   max_size=6))]
    body = draw(st.binary(max_size=3000))
    framing = draw(st.sampled_from(["length", "chunked", "close"]))
    if framing == "length":
        headers.append((b"Content-Length", b"%d" % len(body)))
        payload = body
    elif framing == "chunked":
        headers.append((b"Transfer-Encoding", b"chunked"))
        cuts = sorted(draw(st.lists(st.integers(0, len(body)), max_size=5)))
        parts = [body[a:b] for a, b in zip([0, *cuts], [*cuts, len(body)], strict=True)]
        payload = b"".join(b"%x\r\n%s\r\n" % (len(p), p) for p in parts if p) + b"0\r\n\r\n"
    else:
        payload = body
    informational = b"HTTP/1.1 100 Continue\r\n\r\n" if draw(st.booleans()) else b""
    head = b"HTTP/1.1 %d X\r\n" % status + b"".join(n + b": " + v + b"\r\n" for n, v in headers)
    return informational + head + b"\r\n" + payload, status, headers, body, framing


async def _read(pieces: list[bytes], until_close: bool) -> tuple[Answer, bytes]:
    """Feed ``pieces`` one ``data_received`` each into a connection on a real socket."""
    ours, theirs = socket.socketpair()
    connection = Connection(5.0, lambda _: None)
    transport, _ = await asyncio.get_running_loop().create_connection(
        lambda: connection, sock=ours)
    try:
        answer = connection.start(head_only=False)
        for piece in pieces:
            connection.data_received(piece)
        if until_close:
            theirs.close()  # the answer ends with the connection
        await answer.head()
        return answer, await answer.read()
    finally:
        transport.close()
        theirs.close()
        await asyncio.sleep(0)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(responses(), st.lists(st.integers(0, 4000), max_size=8))
def test_any_split_of_an_answer_reads_the_same(
        response: tuple[bytes, int, list[tuple[bytes, bytes]], bytes, str],
        cuts: list[int]) -> None:
    raw, status, headers, body, framing = response
    points = sorted({min(c, len(raw)) for c in cuts})
    pieces = [raw[a:b] for a, b in zip([0, *points], [*points, len(raw)], strict=True)]
    answer, read = asyncio.run(_read([p for p in pieces if p], framing == "close"))
    assert (answer.status, answer.headers, read) == (status, headers, body)
    assert answer.complete


def _refused(pieces: list[bytes]) -> str:
    try:
        asyncio.run(_read(pieces, until_close=False))
    except UpstreamError as exc:
        return str(exc)
    raise AssertionError("the answer was accepted")


def test_a_head_trickled_past_the_bound_is_refused_without_ending() -> None:
    """No header ends and no read times out (a byte keeps coming): the bytes are bounded."""
    line = b"X-Pad: " + b"a" * 1000
    pieces = [b"HTTP/1.1 200 OK\r\n", line] + [b"a" * 1000] * (MAX_HEAD // 1000 + 2)
    assert "over" in _refused(pieces)
    many = [b"HTTP/1.1 200 OK\r\n"] + [line + b"\r\n"] * (MAX_HEAD // 1000 + 2)
    assert "over" in _refused(many)


def test_an_endless_run_of_informational_answers_is_refused() -> None:
    assert "informational" in _refused([b"HTTP/1.1 100 Continue\r\n\r\n"] * (MAX_INTERIM + 2))


def test_a_large_body_in_the_same_read_as_a_small_head_is_no_large_head() -> None:
    body = b"x" * (MAX_HEAD * 2)
    whole = b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n" % len(body) + body
    answer, read = asyncio.run(_read([whole], until_close=False))
    assert answer.status == 200 and read == body
