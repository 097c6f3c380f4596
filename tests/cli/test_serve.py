"""``guard serve`` as an operator runs it: a real process, its stderr, SIGHUP.

The upstream named is never contacted (only ``/healthz`` is asked for), so any free
loopback port stands in for it.
"""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest

from tests.serve.servers import free_port

ROUTES = """version: 1
settings: {{store: "memory://", decision_log: none}}
policies:
  - name: models
    type: route
    allow: [{allow}]
"""

pytestmark = pytest.mark.skipif(not hasattr(signal, "SIGHUP"), reason="POSIX signals")


@contextmanager
def serving(policies: Path, log: Path) -> Iterator[subprocess.Popen[bytes]]:
    port = free_port()
    upstream = (f"http://gateway-user:s3cret@127.0.0.1:{free_port()}/v1?key=query-s3cret"
                "&sig=more-s3cret")  # never contacted
    argv = [sys.executable, "-m", "guard.cli.main", "serve", "-p", str(policies),
            "--upstream", upstream, "--port", str(port)]
    with log.open("wb") as err:
        proc = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=err)
    try:
        eventually(lambda: _healthy(port) or proc.poll() is not None)
        assert proc.poll() is None, log.read_text()
        yield proc
    finally:
        proc.terminate()
        proc.wait(timeout=20)


def _healthy(port: int) -> bool:
    try:
        return httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1).status_code == 200
    except httpx.HTTPError:
        return False


def eventually(condition: Callable[[], bool], timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.05)


def test_start_says_where_and_what_without_credentials(tmp_path: Path) -> None:
    (tmp_path / "routes.yaml").write_text(ROUTES.format(allow='"openai/*"'))
    log = tmp_path / "stderr.log"
    with serving(tmp_path, log):
        eventually(lambda: "serving policies from" in log.read_text())
    text = log.read_text()
    assert "starting on http://127.0.0.1:" in text and ", forwarding to http://127.0.0.1:" in text
    assert f"serving policies from {tmp_path}: revision " in text
    assert "s3cret" not in text and "gateway-user" not in text and "key=" not in text
    assert "forwarding to http://127.0.0.1:" in text and "/v1\n" in text


def test_every_sighup_gets_an_answer_on_stderr(tmp_path: Path) -> None:
    policy = tmp_path / "policies" / "routes.yaml"
    policy.parent.mkdir()
    policy.write_text(ROUTES.format(allow='"openai/*"'))
    log = tmp_path / "stderr.log"
    with serving(policy.parent, log) as proc:
        proc.send_signal(signal.SIGHUP)
        eventually(lambda: "policies unchanged" in log.read_text())
        policy.write_text(ROUTES.format(allow='"anthropic/*"'))
        proc.send_signal(signal.SIGHUP)
        eventually(lambda: "policies reloaded" in log.read_text())
        policy.write_text(ROUTES.format(allow='"openai/*"').replace("allow:", "allwo:"))
        proc.send_signal(signal.SIGHUP)
        eventually(lambda: "policy reload failed" in log.read_text())
    lines = log.read_text().splitlines()
    assert any(line.endswith(f"SIGHUP: reloading policies from {policy.parent}")
               for line in lines)
    assert any("routes.yaml:6: policies[0].allwo: unknown key 'allwo'" in line
               for line in lines)
    assert "Traceback" not in log.read_text()


def test_the_real_server_refuses_a_megabyte_header_with_431(tmp_path: Path) -> None:
    """The CLI runs guard's own protocol (uvicorn's httptools alone takes 1 MB headers)."""
    policies = tmp_path / "p.yaml"
    policies.write_text(ROUTES.format(allow='"openai/*"'))
    with serving(policies, tmp_path / "err.log") as proc:
        port = int(proc.args[proc.args.index("--port") + 1])
        r = httpx.post(f"http://127.0.0.1:{port}/v1/chat/completions", json={},
                       headers={"x-big": "a" * 1024 * 1024}, timeout=30)
    assert r.status_code == 431 and r.json()["error"]["code"] == "headers_too_large"
