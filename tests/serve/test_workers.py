"""``guard serve --workers N`` as an operator runs it: one socket, N processes sharing the
store, each with its metrics port, SIGHUP to every worker, SIGTERM stops them all."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from guard.errors import GuardError
from guard.serve.workers import BALANCED, reuse_port_socket
from tests.cli.test_serve import eventually
from tests.serve.servers import free_port, free_ports, running
from tests.serve.test_proxy import Recorder

POLICIES = """version: 1
settings: {{store: "sqlite:///{db}", decision_log: none}}
policies:
  - name: three-a-minute
    type: rate_limit
    per: request.headers["x-team"]
    requests: 3
    window: minute
    algorithm: fixed
"""

pytestmark = pytest.mark.skipif(not hasattr(signal, "SIGHUP"), reason="POSIX signals")


def _children(pid: int) -> list[int]:
    """The spawned workers of ``pid`` (not multiprocessing's resource tracker)."""
    path = Path(f"/proc/{pid}/task/{pid}/children")
    pids = [int(p) for p in path.read_text().split()] if path.exists() else []
    return [p for p in pids if b"spawn_main" in Path(f"/proc/{p}/cmdline").read_bytes()]


@pytest.mark.skipif(not Path("/proc/self/task").exists(), reason="Linux /proc")
def test_two_workers_share_one_port_one_store_and_stop_together(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("GUARD_STORE", raising=False)  # the set's own store, not the suite's
    policy = tmp_path / "p.yaml"
    policy.write_text(POLICIES.format(db=tmp_path / "state.db"))
    port = free_ports(3)  # the proxy's, then worker 0's and worker 1's metrics ports
    metrics = port + 1
    log = tmp_path / "err.log"
    upstream = Recorder()
    with running(upstream) as up, log.open("wb") as err:
        env = {**os.environ, "GUARD_POLICIES": str(policy), "GUARD_UPSTREAM": up,
               "GUARD_PORT": str(port), "GUARD_WORKERS": "2",
               "GUARD_METRICS_PORT": str(metrics)}
        proc = subprocess.Popen([sys.executable, "-m", "guard.cli.main", "serve"], env=env,
                                stdout=subprocess.DEVNULL, stderr=err)
        try:
            eventually(lambda: log.read_text().count("serving policies from") == 2
                       or proc.poll() is not None)
            assert proc.poll() is None, log.read_text()
            workers = _children(proc.pid)
            assert len(workers) == 2
            statuses = [httpx.post(f"http://127.0.0.1:{port}/v1/chat/completions",
                                   json={"model": "m", "messages": []},
                                   headers={"x-team": "a", "connection": "close"})
                        for _ in range(8)]
            codes = [r.status_code for r in statuses]
            assert codes.count(200) == 3 and codes.count(429) == 5, codes  # one shared count
            scraped = [httpx.get(f"http://127.0.0.1:{p}/metrics").text
                       for p in (metrics, metrics + 1)]
            assert all("guard_decisions_total" in text for text in scraped)
            assert httpx.get(f"http://127.0.0.1:{port}/metrics").status_code == 404
            proc.send_signal(signal.SIGHUP)
            eventually(lambda: log.read_text().count("policies unchanged") == 2)
        finally:
            proc.terminate()
            code = proc.wait(timeout=40)
    assert code == 0, log.read_text()
    assert all(not Path(f"/proc/{pid}").exists() or
               "zombie" in Path(f"/proc/{pid}/status").read_text() for pid in workers)
    assert "Traceback" not in log.read_text(), log.read_text()
    assert len(upstream.seen) == 3


@pytest.mark.skipif(not Path("/proc/self/task").exists(), reason="Linux /proc")
def test_a_worker_whose_metrics_port_is_taken_stops_them_all_in_one_line(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Another program holds worker 1's metrics port: ``guard serve`` says which port and
    exits 2. It used to print an ``OSError`` traceback and restart the worker every
    second for as long as the port stayed taken (the flake of the test above, whose
    ``P + 1`` a busy suite's client connection sometimes held)."""
    monkeypatch.delenv("GUARD_STORE", raising=False)
    policy = tmp_path / "p.yaml"
    policy.write_text(POLICIES.format(db=tmp_path / "state.db"))
    port = free_ports(3)
    log = tmp_path / "err.log"
    with socket.create_server(("127.0.0.1", port + 2)), log.open("wb") as err:
        env = {**os.environ, "GUARD_POLICIES": str(policy), "GUARD_UPSTREAM": "http://127.0.0.1:9",
               "GUARD_PORT": str(port), "GUARD_WORKERS": "2",
               "GUARD_METRICS_PORT": str(port + 1)}
        proc = subprocess.Popen([sys.executable, "-m", "guard.cli.main", "serve"], env=env,
                                stdout=subprocess.DEVNULL, stderr=err)
        try:
            code = proc.wait(timeout=60)
        finally:
            proc.kill()
    text = log.read_text()
    assert code == 2, text
    assert f"worker 1: cannot listen on 127.0.0.1:{port + 2} for /metrics" in text, text
    assert "worker 1 could not start; stopping" in text
    assert "Traceback" not in text, text


def test_serve_metrics_names_the_port_it_cannot_listen_on(tmp_path: Path) -> None:
    from guard.serve.app import build_app, serve_metrics

    policy = tmp_path / "p.yaml"
    policy.write_text("version: 1\npolicies: []\n")
    app = build_app(policy, "http://127.0.0.1:9")
    with socket.create_server(("127.0.0.1", 0)) as taken:
        port = taken.getsockname()[1]
        with pytest.raises(GuardError, match=f"cannot listen on 127.0.0.1:{port} for /metrics"):
            serve_metrics(app, "127.0.0.1", port)


def test_each_worker_vets_the_sets_it_would_serve(tmp_path: Path) -> None:
    """The workers' memory:// refusal runs on every set a worker would build, so a reload
    cannot move N workers onto per-process counts either (a refused reload keeps the old
    set: tests/observe/test_reload.py)."""
    from guard.errors import GuardError
    from guard.serve.app import build_app
    from guard.serve.workers import ServeOptions, refuse_unshared_state

    policy = tmp_path / "p.yaml"
    policy.write_text('version: 1\nsettings: {store: "memory://"}\npolicies: []\n')
    options = ServeOptions(str(policy), "http://127.0.0.1:9", "127.0.0.1", 0, 2, None, None,
                           0, False)
    env = {k: v for k, v in os.environ.items() if k != "GUARD_STORE"}
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(os, "environ", env)
        with pytest.raises(GuardError, match="needs a shared store"):
            build_app(policy, options.upstream,
                      vet=lambda guard: refuse_unshared_state(options, guard.settings.store))


@pytest.mark.skipif(not BALANCED, reason="SO_REUSEPORT balancing is Linux's")
def test_each_worker_listens_on_its_own_socket_of_the_port() -> None:
    port = free_port()
    first = reuse_port_socket("127.0.0.1", port)
    second = reuse_port_socket("127.0.0.1", port)  # the kernel spreads connections over both
    try:
        assert first.getsockname() == second.getsockname()
    finally:
        first.close()
        second.close()
    taken = socket.create_server(("127.0.0.1", port))  # a listener that shares nothing
    try:
        with pytest.raises(GuardError, match=f"cannot listen on 127.0.0.1:{port}"):
            reuse_port_socket("127.0.0.1", port, listen=False)
    finally:
        taken.close()
