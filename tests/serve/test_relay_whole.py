"""Sized answers relayed whole (one body message with its length), over real HTTP."""

from __future__ import annotations

import socket
from typing import Any

import httpx

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
