"""What a client may send to ``guard serve``, and how slowly, over real sockets.

Headers over ``settings.max_header_bytes`` get 431; a head or a body that trickles in gets
408 within its timeout, on every path (guarded, passthrough, not LLM traffic at all); what
the parser refuses gets a 400 in JSON. Each answer is in the shape of the API the path
names. Timeouts here are short (a fraction of a second) and each bound is generous by
orders of magnitude: the invariant is "a 408 arrives, not a hang".
"""

from __future__ import annotations

import contextlib
import json
import socket
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

from guard.serve.app import build_app
from guard.serve.protocol import ReadLimits, protocol_class
from tests.asgi.upstream import build
from tests.serve.servers import running

POLICIES = """version: 1
settings:
  store: "memory://"
  decision_log: none
  max_header_bytes: 8192
  header_timeout: 0.5
  body_timeout: 0.5
  passthrough: ["POST /v1/audio/*"]
policies:
  - {name: contacts, type: pii, entities: [EMAIL_ADDRESS], action: redact}
"""
LIMITS = ReadLimits(max_header_bytes=8192, header_timeout=0.5, body_timeout=0.5)
BODY = b'{"model": "gpt-4o-mini", "messages": [{"role": "user", "content": "hi"}]}'


@contextmanager
def serving(tmp_path: Path) -> Iterator[tuple[str, int]]:
    (tmp_path / "p.yaml").write_text(POLICIES)
    with running(build()) as upstream, running(build_app(tmp_path / "p.yaml", upstream),
                                               http=protocol_class(LIMITS)) as url:
        host, _, port = url.removeprefix("http://").partition(":")
        yield host, int(port)


def exchange(address: tuple[str, int], pieces: list[bytes], pause: float = 0.0,
             wait: float = 30.0) -> tuple[int, dict[str, str], Any, float]:
    """Send ``pieces`` (``pause`` s apart, stopping when the server answers or closes);
    the status, headers and JSON body of the answer, and the seconds it took."""
    started = time.monotonic()
    with socket.create_connection(address, timeout=wait) as sock:
        for piece in pieces:
            try:
                sock.sendall(piece)
            except OSError:  # the server answered and closed: read what it said
                break
            if pause and _answered(sock, pause):
                break
        raw = _read_all(sock)
    head, _, body = raw.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    headers = dict(line.lower().split(": ", 1) for line in lines[1:] if ": " in line)
    status = int(lines[0].split()[1])
    answer = body if status == 200 else json.loads(body)  # a 200 may come chunked
    return status, headers, answer, time.monotonic() - started


def _answered(sock: socket.socket, pause: float) -> bool:
    sock.settimeout(pause)
    try:
        sock.recv(1, socket.MSG_PEEK)
    except TimeoutError:
        return False
    finally:
        sock.settimeout(30)
    return True  # a byte, or the end: the server answered or closed


def _read_all(sock: socket.socket) -> bytes:
    chunks = []
    while chunk := sock.recv(65536):
        chunks.append(chunk)
    return b"".join(chunks)


def request(path: str, body: bytes = BODY, extra: bytes = b"") -> bytes:
    return (f"POST {path} HTTP/1.1\r\nhost: gw\r\ncontent-type: application/json\r\n"
            f"content-length: {len(body)}\r\n").encode() + extra + b"\r\n"


@pytest.mark.parametrize(("path", "family"), [("/v1/chat/completions", "openai"),
                                              ("/v1/messages", "anthropic"),
                                              ("/v1beta/models/gemini-2.5-flash:"
                                               "generateContent", "google")])
@pytest.mark.parametrize("size", [16 * 1024, 1024 * 1024])
def test_headers_over_the_limit_get_431_in_the_apis_shape(tmp_path: Path, path: str,
                                                         family: str, size: int) -> None:
    with serving(tmp_path) as address:
        big = b"x-big: " + b"a" * size + b"\r\n"
        status, headers, body, _ = exchange(address, [request(path, extra=big) + BODY])
    assert status == 431 and headers["connection"] == "close"
    assert_shape(body, family)


def test_many_small_headers_over_the_limit_get_431(tmp_path: Path) -> None:
    with serving(tmp_path) as address:
        many = b"".join(b"x-h%d: %s\r\n" % (i, b"v" * 50) for i in range(400))
        status, _, body, _ = exchange(address, [request("/v1/chat/completions", extra=many)])
    assert status == 431 and body["error"]["code"] == "headers_too_large"


def test_headers_within_the_limit_and_a_large_body_pass(tmp_path: Path) -> None:
    with serving(tmp_path) as address:
        padded = json.dumps({**json.loads(BODY), "user": "u" * 200_000}).encode()
        extra = b"x-ok: " + b"a" * 6000 + b"\r\nconnection: close\r\n"
        status, _, body, _ = exchange(address, [request("/v1/chat/completions", padded, extra)
                                                + padded])
    assert status == 200, body


@pytest.mark.parametrize("path", ["/v1/chat/completions", "/v1/audio/transcriptions", "/x"])
def test_a_head_sent_slowly_gets_408(tmp_path: Path, path: str) -> None:
    with serving(tmp_path) as address:
        head = request(path)
        pieces = [head[i:i + 4] for i in range(0, len(head), 4)]
        status, _, body, took = exchange(address, pieces, pause=0.1)
    assert status == 408 and took < 20
    assert "header" in json.dumps(body)


@pytest.mark.parametrize(("path", "family"), [("/v1/chat/completions", "openai"),
                                              ("/v1/messages", "anthropic"),
                                              ("/v1/audio/transcriptions", "openai"),
                                              ("/any/path", "openai"),
                                              ("/healthz", "openai"),
                                              ("/readyz", "openai"),
                                              ("/metrics", "openai")])
def test_a_body_sent_slowly_gets_408_on_every_path(tmp_path: Path, path: str,
                                                  family: str) -> None:
    with serving(tmp_path) as address:
        pieces = [request(path)] + [BODY[i:i + 2] for i in range(0, len(BODY), 2)]
        status, _, body, took = exchange(address, pieces, pause=0.1)
    assert status == 408 and took < 20, body
    assert_shape(body, family)


def test_an_answer_before_the_body_ends_the_connection(tmp_path: Path) -> None:
    """The middleware's 408 comes while the body still trickles in: what comes after it is
    that body, not a next request, so it gets no second answer (the connection closes)."""
    with serving(tmp_path) as address, socket.create_connection(address, timeout=30) as sock:
        sock.sendall(request("/v1/chat/completions") + BODY[:10])
        sock.recv(1, socket.MSG_PEEK)  # the middleware's 408 has begun
        for at in range(10, len(BODY), 4):
            with contextlib.suppress(OSError):
                sock.sendall(BODY[at:at + 4])
            time.sleep(0.1)
        raw = _read_all(sock)
    assert raw.startswith(b"HTTP/1.1 408") and raw.count(b"HTTP/1.1") == 1, raw


def test_a_body_that_never_comes_gets_408(tmp_path: Path) -> None:
    with serving(tmp_path) as address:
        status, _, _, took = exchange(address, [request("/v1/audio/transcriptions")])
    assert status == 408 and took < 20


def test_an_idle_connection_is_closed_without_an_answer(tmp_path: Path) -> None:
    with serving(tmp_path) as address, socket.create_connection(address, timeout=30) as sock:
        started = time.monotonic()
        assert sock.recv(100) == b"" and time.monotonic() - started < 20


def test_what_the_parser_refuses_is_a_json_400(tmp_path: Path) -> None:
    with serving(tmp_path) as address:
        status, headers, body, _ = exchange(address, [b"POST /v1/chat/completions HTTP/1.1\r\n"
                                                      b"host: gw\r\nbad header\r\n\r\n"])
    assert status == 400 and headers["content-type"] == "application/json"
    assert_shape(body, "openai")


def test_keep_alive_requests_each_get_their_own_head_timeout(tmp_path: Path) -> None:
    with serving(tmp_path) as address, socket.create_connection(address, timeout=30) as sock:
        for _ in range(3):
            sock.sendall(request("/v1/chat/completions") + BODY)
            time.sleep(0.3)  # within the head timeout each time, 0.9 s in all
            assert b"200 OK" in sock.recv(65536)


def assert_shape(body: Any, family: str) -> None:
    if family == "anthropic":
        assert body["type"] == "error" and body["error"]["message"]
    elif family == "google":
        assert body["error"]["status"] and body["error"]["message"]
    else:
        assert body["error"]["type"] == "invalid_request_error" and body["error"]["message"]
