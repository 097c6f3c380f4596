"""Sized answers relayed whole (one body message with its length) and written with their
head in one go by guard's protocol; streams' heads not held back. Over real HTTP."""

from __future__ import annotations

import asyncio
import socket
from typing import Any

import httpx

from guard.serve.protocol import ReadLimits, protocol_class
from guard.serve.proxy import ProxyOptions, build_proxy
from tests.serve.servers import running

Message = dict[str, Any]


async def _upstream(scope: Message, receive: Any, send: Any) -> None:
    """Answers ``/short`` with fewer bytes than it declares (the connection then closes),
    anything else with a sized JSON body."""
    if scope["type"] != "http":
        return
    while (await receive()).get("more_body"):
        pass
    body = b'{"ok":true,"pad":"' + b"x" * 3000 + b'"}'
    declared = len(body) + (50 if scope["path"] == "/v1/short" else 0)
    await send({"type": "http.response.start", "status": 200,
                "headers": [(b"content-type", b"application/json"),
                            (b"content-length", str(declared).encode())]})
    await send({"type": "http.response.body", "body": body})


def _raw_get(url: str, path: str) -> bytes:
    host, port = url.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=5) as sock:
        sock.sendall(f"GET {path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n".encode())
        reply = b""
        while chunk := sock.recv(65536):
            reply += chunk
    return reply


def test_a_sized_answer_goes_out_with_its_length_not_chunked() -> None:
    with running(_upstream) as up, running(build_proxy(ProxyOptions(up))) as url:
        reply = _raw_get(url, "/v1/models")
    head, _, body = reply.partition(b"\r\n\r\n")
    lines = head.lower().split(b"\r\n")
    assert lines[0].startswith(b"http/1.1 200")
    assert f"content-length: {len(body)}".encode() in lines
    assert not any(line.startswith(b"transfer-encoding") for line in lines)
    assert body.startswith(b'{"ok":true') and body.endswith(b'"}')


def test_a_sized_answer_cut_short_is_a_502_in_the_apis_shape() -> None:
    with running(_upstream) as up, running(build_proxy(ProxyOptions(up))) as url:
        r = httpx.post(f"{url}/v1/short", json={"model": "m", "messages": []})
    assert r.status_code == 502
    assert r.json()["error"]["code"] == "upstream_unreachable"
    assert "127.0.0.1" not in r.text


async def _late_body(scope: Message, receive: Any, send: Any) -> None:
    """Starts its answer, then sends the body 0.3 s later: sized, or a stream (``/sse``)."""
    if scope["type"] != "http":
        return
    while (await receive()).get("more_body"):
        pass
    stream = scope["path"] == "/sse"
    body = b"data: 1\n\n" if stream else b'{"ok":true}'
    headers = [(b"content-type", b"text/event-stream" if stream else b"application/json")]
    if not stream:
        headers.append((b"content-length", str(len(body)).encode()))
    await send({"type": "http.response.start", "status": 200, "headers": headers})
    await asyncio.sleep(0.3)
    await send({"type": "http.response.body", "body": body})


def _first_read(url: str, path: str, method: str = "GET") -> bytes:
    host, port = url.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=5) as sock:
        sock.sendall(f"{method} {path} HTTP/1.1\r\nHost: x\r\n\r\n".encode())
        return sock.recv(65536)


def test_guards_protocol_writes_a_sized_head_with_its_body_and_a_streams_head_at_once(
) -> None:
    with running(_late_body, fast=True, http=protocol_class(ReadLimits())) as url:
        sized = _first_read(url, "/v1/models")
        stream = _first_read(url, "/sse")
        head = _first_read(url, "/v1/models", "HEAD")
    assert sized.startswith(b"HTTP/1.1 200") and sized.endswith(b'\r\n\r\n{"ok":true}')
    assert stream.startswith(b"HTTP/1.1 200") and stream.endswith(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 200") and head.endswith(b"\r\n\r\n")
