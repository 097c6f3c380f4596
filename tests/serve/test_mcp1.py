"""The mcp 1.x client through ``guard serve``, in a subprocess (``mcp1_client.py``).

1.x raises on any non-2xx answer and tears its session down; guard answers a refused
JSON-RPC request with HTTP 200 and a JSON-RPC error, so 1.x raises ``McpError`` for that
call and the session carries on. The 1.x SDK lives in ``.venv/mcp1`` (see the README's
set-up; CI installs it), apart from the 2.x the test process imports.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from tests.serve.mcp_servers import guarded
from tests.serve.test_mcp import POLICIES

ROOT = Path(__file__).resolve().parents[2]
MCP1 = ROOT / ".venv" / "mcp1"
INSTALL = ("pip install --no-deps --require-hashes --target .venv/mcp1 "
           "-r tests/requirements-mcp1.txt")
SCRIPT = Path(__file__).with_name("mcp1_client.py")


def run_mcp1(url: str) -> dict[str, Any]:
    """What the 1.x agent got, step by step (its own process, 1.x first on its path)."""
    env = {**os.environ, "PYTHONPATH": str(MCP1)}
    done = subprocess.run([sys.executable, "-W", "error::DeprecationWarning", str(SCRIPT), url],
                          env=env, capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stderr[-4000:]
    got: dict[str, Any] = json.loads(done.stdout.splitlines()[-1])
    return got


@pytest.mark.skipif(not (MCP1 / "mcp").is_dir(), reason=f"mcp 1.x not installed: {INSTALL}")
@pytest.mark.parametrize("json_response", [False, True], ids=["sse", "json"])
def test_the_1x_client_gets_refusals_as_call_errors_and_keeps_its_session(
        tmp_path: Path, json_response: bool) -> None:
    with guarded(tmp_path, POLICIES, json_response) as served:
        got = run_mcp1(served.url)
    assert got["mcp"].startswith("1.")
    assert got["session"]  # the Mcp-Session-Id reached the 1.x client through guard
    assert got["tools"] == ["fetch_page", "read_file", "send_email"]
    assert got["sent"] == {"result": {"result": "sent to jane.roe@example.com: hi"}}
    assert "jane.roe@example.com" not in repr(served.received.of("send_email"))
    assert got["deleted"] == {"error": {
        "code": -32003, "message": "tool not allowed for support",
        "data": {"type": "guard_violation", "code": "support-tools", "status": 403}}}
    assert served.received.of("delete_file") == []
    assert got["fetched"]["error"]["message"] == "prompt injection in a tool result"
    assert got["read"] == {"result": {"result": "contents of after.txt"}}  # still in session
