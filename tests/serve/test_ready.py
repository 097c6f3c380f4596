"""``/readyz``, ``/healthz`` and ``/metrics`` on ``guard serve``: answered by guard, never
forwarded, on real HTTP on loopback; readiness checks the set, the store and the upstream."""

from __future__ import annotations

import asyncio
import socket
import threading
from pathlib import Path
from typing import Any

import httpx
import pytest

from guard import Guard
from guard.serve.app import RESERVED, build_app
from guard.serve.ready import Readiness
from tests.serve.servers import free_port, running
from tests.serve.test_proxy import Recorder

POLICIES = """version: 1
settings: {store: "memory://", decision_log: none}
policies:
  - name: models
    type: route
    allow: ["openai/*"]
"""


@pytest.fixture
def policies(tmp_path: Path) -> Path:
    path = tmp_path / "policies.yaml"
    path.write_text(POLICIES)
    return path


def test_ready_when_set_store_and_upstream_answer(policies: Path) -> None:
    upstream = Recorder()
    with running(upstream) as up, running(build_app(policies, up)) as url:
        answer = httpx.get(f"{url}/readyz")
    assert answer.status_code == 200
    body = answer.json()
    assert body["status"] == "ready" and len(body["revision"]) == 12
    assert body["checks"] == {"policies": "ok", "store": "ok", "upstream": "ok"}
    assert upstream.seen == []  # reachable means a TCP connection: no request was sent


def test_not_ready_names_the_check_never_the_address(policies: Path) -> None:
    upstream = f"http://user:s3cret@127.0.0.1:{free_port()}/v1?key=k3y"  # nothing listens
    with running(build_app(policies, upstream)) as url:
        answer = httpx.get(f"{url}/readyz")
        alive = httpx.get(f"{url}/healthz")
    assert answer.status_code == 503 and alive.status_code == 200
    assert answer.json()["checks"]["upstream"] == "unreachable"
    assert answer.json()["checks"]["store"] == "ok"
    for secret in ("s3cret", "k3y", "127.0.0.1"):
        assert secret not in answer.text


@pytest.mark.parametrize("path", RESERVED)
@pytest.mark.parametrize("method", ["GET", "POST", "PUT", "DELETE", "HEAD"])
def test_reserved_paths_are_never_forwarded(policies: Path, path: str, method: str) -> None:
    upstream = Recorder()
    body = b'{"model": "openai/gpt-4o", "messages": [{"role": "user", "content": "hi"}]}'
    with running(upstream) as up, running(build_app(policies, up)) as url:
        httpx.request(method, f"{url}{path}", content=body,
                      headers={"content-type": "application/json"})
        httpx.request(method, f"{url}{path}?x=1")
    assert upstream.seen == []


@pytest.mark.parametrize("spelling", ["/healthz/", "//healthz", "/HEALTHZ", "/%68ealthz/x",
                                      "/readyz/../v1/chat/completions", "/metrics.json"])
def test_other_spellings_are_traffic_decided_before_forwarding(policies: Path,
                                                               spelling: str) -> None:
    """Anything that is not exactly a reserved path goes through the policies: a denied
    model is refused whatever path it is sent to, and only allowed ones reach the upstream."""
    upstream = Recorder()
    denied = b'{"model": "anthropic/claude-x", "messages": [{"role": "user", "content": "x"}]}'
    with (running(upstream) as up, running(build_app(policies, up)) as url,
          httpx.Client() as client):
        request = client.build_request("POST", url, content=denied,
                                       headers={"content-type": "application/json"})
        request.url = request.url.copy_with(raw_path=spelling.encode())
        answer = client.send(request)
    assert answer.status_code in (400, 403, 404, 405)
    assert all(b"claude" not in seen["body"] for seen in upstream.seen)


def test_metrics_elsewhere_answers_404_here_and_is_not_forwarded(policies: Path) -> None:
    upstream = Recorder()
    with running(upstream) as up, running(build_app(policies, up, metrics=False)) as url:
        answer = httpx.get(f"{url}/metrics")
    assert answer.status_code == 404 and upstream.seen == []


def test_metrics_port_serves_the_apps_metrics(policies: Path) -> None:
    from guard.serve.app import serve_metrics

    port = free_port()
    app = build_app(policies, "http://127.0.0.1:9", metrics=False)
    serve_metrics(app, "127.0.0.1", port)
    with running(app) as url:
        httpx.post(f"{url}/v1/chat/completions", json={"model": "mistral/x", "messages": []})
        text = httpx.get(f"http://127.0.0.1:{port}/metrics").text
    assert 'guard_decisions_total{action="deny",api="openai.chat"} 1.0' in text


class _Store:
    def __init__(self, behaviour: str) -> None:
        self.behaviour = behaviour

    async def usage(self, key: str, *, now: float) -> float:
        if self.behaviour == "slow":
            await asyncio.sleep(5)
        if self.behaviour == "broken":
            raise ConnectionError("redis://user:pw@10.0.0.1 refused")
        return 0.0


def _guard_with_store(store: _Store) -> Guard:
    guard = Guard.from_yaml(POLICIES)
    guard.compiled.store.get = lambda: store  # type: ignore[method-assign]
    return guard


@pytest.mark.parametrize(("behaviour", "expected"), [("slow", "timeout"),
                                                      ("broken", "unreachable")])
async def test_a_store_that_does_not_answer_is_not_ready(behaviour: str,
                                                         expected: str) -> None:
    with _listening() as port:
        guard = _guard_with_store(_Store(behaviour))
        ready = Readiness(lambda: guard, f"http://127.0.0.1:{port}", timeout=0.2)
        ok, report = await ready.report()
    assert not ok and report["checks"] == {"policies": "ok", "store": expected,
                                           "upstream": "ok"}
    assert "10.0.0.1" not in str(report)


async def test_probes_are_cached_so_a_flood_is_not_a_flood_upstream() -> None:
    listener = _listening()
    with listener as port:
        guard = Guard.from_yaml(POLICIES)
        ready = Readiness(lambda: guard, f"http://127.0.0.1:{port}", ttl=60)
        results = await asyncio.gather(*(ready.report() for _ in range(50)))
        await asyncio.sleep(0.2)
    assert all(ok for ok, _ in results)
    assert listener.count == 1


async def test_an_upstream_that_does_not_accept_in_time_is_a_timeout() -> None:
    guard = Guard.from_yaml(POLICIES)
    ready = Readiness(lambda: guard, "http://192.0.2.1:81", timeout=0.2)  # TEST-NET: no route
    ok, report = await ready.report()
    assert not ok and report["checks"]["upstream"] in ("timeout", "unreachable")


class _listening:
    """A loopback socket that accepts and counts connections (never reads or answers)."""

    def __enter__(self) -> int:
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(64)
        self.count = 0
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._accept, daemon=True)
        self.thread.start()
        port: int = self.sock.getsockname()[1]
        return port

    def _accept(self) -> None:
        self.sock.settimeout(0.05)
        while not self.stop.is_set():
            try:
                conn, _ = self.sock.accept()
            except OSError:
                continue
            self.count += 1
            conn.close()

    def __exit__(self, *exc: Any) -> None:
        self.stop.set()
        self.thread.join()
        self.sock.close()
