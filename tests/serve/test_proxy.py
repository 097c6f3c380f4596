"""The forwarding proxy on its own: what reaches the upstream, what comes back, over real HTTP."""

from __future__ import annotations

import asyncio
import socket
import threading
import time
from typing import Any

import httpx
import pytest

from guard.serve.protocol import ReadLimits, protocol_class
from guard.serve.proxy import ProxyOptions, build_proxy
from tests.serve.servers import running

Message = dict[str, Any]


class Recorder:
    """A raw ASGI upstream that records each request and answers as its path says."""

    def __init__(self) -> None:
        self.seen: list[dict[str, Any]] = []
        self.hung_up = threading.Event()

    async def __call__(self, scope: Message, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            return
        body = b""
        while True:
            message = await receive()
            body += message.get("body", b"")
            if not message.get("more_body"):
                break
        self.seen.append({"raw_path": scope["raw_path"], "query": scope["query_string"],
                          "headers": scope["headers"], "body": body})
        path = scope["path"]
        if path.endswith("/slow-stream"):
            await self._slow_stream(receive, send)
        elif path.startswith("/silent"):
            await asyncio.sleep(3)
            await _answer(send, 200, b"late")
        elif path.endswith("/redirect"):
            await _answer(send, 307, b"", [(b"location", b"http://elsewhere.invalid/x")])
        elif path.endswith("/cookies"):
            await _answer(send, 200, b"{}", [(b"set-cookie", b"a=1; Path=/"),
                                              (b"set-cookie", b"b=2; Path=/")])
        else:
            await _answer(send, 200, b'{"ok":true}')

    async def _slow_stream(self, receive: Any, send: Any) -> None:
        await send({"type": "http.response.start", "status": 200,
                    "headers": [(b"content-type", b"text/event-stream")]})
        gone = asyncio.ensure_future(receive())
        for index in range(100):
            await send({"type": "http.response.body", "body": f"data: {index}\n\n".encode(),
                        "more_body": True})
            await asyncio.wait([gone], timeout=0.05)
            if gone.done():
                self.hung_up.set()
                return
        gone.cancel()
        await send({"type": "http.response.body", "body": b"", "more_body": False})


async def _answer(send: Any, status: int, body: bytes,
                  headers: list[tuple[bytes, bytes]] | None = None) -> None:
    await send({"type": "http.response.start", "status": status,
                "headers": [(b"content-length", str(len(body)).encode()), *(headers or [])]})
    await send({"type": "http.response.body", "body": body})


def _headers(seen: dict[str, Any]) -> dict[str, str]:
    return {k.decode(): v.decode() for k, v in seen["headers"]}


def test_forwards_path_query_and_end_to_end_headers_only() -> None:
    upstream = Recorder()
    with running(upstream) as up, running(build_proxy(ProxyOptions(up + "/gw/"))) as url:
        r = httpx.post(f"{url}/v1/files/a%2Fb?purpose=x%20y&k=1", content=b"hi", headers={
            "authorization": "Bearer sk-test", "x-team": "blue", "te": "trailers",
            "proxy-authorization": "Basic c2VjcmV0", "keep-alive": "timeout=5",
            "expect": "100-continue"})
    assert r.status_code == 200 and r.json() == {"ok": True}
    seen = upstream.seen[-1]
    assert seen["raw_path"] == b"/gw/v1/files/a%2Fb"  # encoded as sent, under the base path
    assert seen["query"] == b"purpose=x%20y&k=1"
    headers = _headers(seen)
    assert headers["authorization"] == "Bearer sk-test" and headers["x-team"] == "blue"
    assert headers["host"] == up.removeprefix("http://")
    assert not {"te", "proxy-authorization", "keep-alive", "expect"} & set(headers)
    assert "user-agent" in headers and "aiohttp" not in headers["user-agent"]  # httpx's own
    assert seen["body"] == b"hi"


def test_an_absolute_url_in_the_request_line_still_goes_to_the_upstream() -> None:
    upstream = Recorder()
    with running(upstream) as up, running(build_proxy(ProxyOptions(up))) as url:
        host, port = url.removeprefix("http://").split(":")
        with socket.create_connection((host, int(port)), timeout=5) as sock:
            sock.sendall(b"GET http://other.invalid/v1/models HTTP/1.1\r\n"
                         b"Host: other.invalid\r\nConnection: close\r\n\r\n")
            reply = b""
            while chunk := sock.recv(65536):
                reply += chunk
    assert reply.startswith(b"HTTP/1.1 200")
    assert upstream.seen[-1]["raw_path"] == b"/v1/models"
    assert _headers(upstream.seen[-1])["host"] == up.removeprefix("http://")


def test_cookies_are_relayed_but_never_kept_between_callers() -> None:
    upstream = Recorder()
    with running(upstream) as up, running(build_proxy(ProxyOptions(up))) as url:
        first = httpx.get(f"{url}/cookies")
        httpx.get(f"{url}/v1/models")
    assert first.headers.get_list("set-cookie") == ["a=1; Path=/", "b=2; Path=/"]
    assert "cookie" not in _headers(upstream.seen[-1])


def test_redirects_are_relayed_not_followed() -> None:
    upstream = Recorder()
    with running(upstream) as up, running(build_proxy(ProxyOptions(up))) as url:
        r = httpx.get(f"{url}/redirect")
    assert r.status_code == 307 and r.headers["location"] == "http://elsewhere.invalid/x"
    assert len(upstream.seen) == 1


def test_a_large_body_streams_through_with_its_length() -> None:
    upstream = Recorder()
    body = bytes(range(256)) * (3 * 4096 + 7)  # ~3 MB, over the one-write threshold
    with running(upstream) as up, running(build_proxy(ProxyOptions(up))) as url:
        r = httpx.post(f"{url}/v1/files", content=body)
        chunked = httpx.post(f"{url}/v1/files", content=iter([b"ab", b"cd"]))
    assert r.status_code == 200 and chunked.status_code == 200
    assert upstream.seen[0]["body"] == body
    assert _headers(upstream.seen[0])["content-length"] == str(len(body))
    assert upstream.seen[1]["body"] == b"abcd"


@pytest.mark.parametrize("http", [None, protocol_class(ReadLimits())],
                         ids=["any server: a task on receive", "guard's: the connection future"])
def test_a_caller_that_hangs_up_cancels_the_upstream_call(http: Any) -> None:
    upstream = Recorder()
    with running(upstream) as up, running(build_proxy(ProxyOptions(up)), http=http) as url:
        with httpx.stream("POST", f"{url}/v1/slow-stream", content=b"{}") as r:
            first = next(r.iter_raw())
        deadline = time.monotonic() + 5
        while not upstream.hung_up.is_set() and time.monotonic() < deadline:
            time.sleep(0.02)
    assert first.startswith(b"data: 0")
    assert upstream.hung_up.is_set()  # the upstream saw the proxy hang up too


def test_an_upstream_silent_past_the_read_timeout_gives_504_in_the_apis_shape() -> None:
    upstream = Recorder()
    with running(upstream) as up, running(build_proxy(
            ProxyOptions(upstream=up + "/silent", read_timeout=0.2))) as url:
        r = httpx.post(f"{url}/v1/messages", content=b"{}")
    assert r.status_code == 504
    assert r.json()["type"] == "error"  # Anthropic's shape, for an Anthropic path
    assert "did not answer in time" in r.json()["error"]["message"]


def test_health_is_answered_locally() -> None:
    upstream = Recorder()
    with running(upstream) as up, running(build_proxy(ProxyOptions(up))) as url:
        assert httpx.get(f"{url}/healthz").json() == {"status": "ok"}
    assert upstream.seen == []


def test_head_and_empty_answers_pass_through() -> None:
    upstream = Recorder()
    with running(upstream) as up, running(build_proxy(ProxyOptions(up))) as url:
        head = httpx.head(f"{url}/v1/models")
        get = httpx.get(f"{url}/v1/models")
    assert head.status_code == 200 and head.content == b""
    assert get.json() == {"ok": True}
    assert upstream.seen[0]["body"] == b"" and "content-length" not in _headers(upstream.seen[0])


def test_the_upstreams_own_query_goes_first_on_every_request() -> None:
    upstream = Recorder()
    base = "/gw?api-version=2024-10&key=op%20key"
    with running(upstream) as up, running(build_proxy(ProxyOptions(up + base))) as url:
        httpx.post(f"{url}/v1/chat/completions?alt=sse", content=b"{}")
        httpx.post(f"{url}/v1/chat/completions", content=b"{}")
    assert [s["raw_path"] for s in upstream.seen] == [b"/gw/v1/chat/completions"] * 2
    assert [s["query"] for s in upstream.seen] == [b"api-version=2024-10&key=op%20key&alt=sse",
                                                   b"api-version=2024-10&key=op%20key"]


def _raw(url: str, request: bytes, then_close: bool = False) -> bytes:
    host, port = url.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=5) as sock:
        sock.sendall(request)
        if then_close:
            time.sleep(0.3)
            return b""
        return sock.recv(65536)


def test_a_cr_in_a_callers_header_never_reaches_the_upstream() -> None:
    upstream = Recorder()
    with running(upstream) as up, running(build_proxy(ProxyOptions(up))) as url:
        answer = _raw(url, b"POST /v1/x HTTP/1.1\r\nHost: a\r\nX-A: 1\rX-Smuggled: 1\r\n"
                           b"Content-Length: 2\r\n\r\n{}")
    assert answer.startswith(b"HTTP/1.1 400")
    assert upstream.seen == []


class BodyEnds:
    """An upstream that records whether each request body arrived whole or was cut."""

    def __init__(self) -> None:
        self.outcomes: list[str] = []

    async def __call__(self, scope: Message, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            return
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                self.outcomes.append("cut")
                return
            if not message.get("more_body"):
                self.outcomes.append("whole")
                await _answer(send, 200, b"{}")
                return


def test_a_caller_that_hangs_up_mid_upload_never_gives_the_upstream_a_whole_body() -> None:
    upstream = BodyEnds()
    with running(upstream) as up, running(build_proxy(ProxyOptions(up))) as url:
        _raw(url, b"POST /v1/files HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n"
                  b"5\r\nhello\r\n", then_close=True)
        deadline = time.monotonic() + 5
        while not upstream.outcomes and time.monotonic() < deadline:
            time.sleep(0.02)
    assert upstream.outcomes == ["cut"]
