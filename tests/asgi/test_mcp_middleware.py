"""MCP through ``GuardMiddleware``: the mcp 2.x SDK's ``MCPServer`` app wrapped in-process,
served by uvicorn on loopback, driven by the SDK's ``Client`` (SSE and JSON answers).

The key scenarios of ``tests/serve/test_mcp.py`` without the proxy: an e-mail address in a
tool's arguments reaches the tool as a token and comes back restored, a denied tool is an
``MCPError`` carrying guard's message and missing from ``tools/list``, and the session lives
on after a refusal.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from mcp import MCPError

from guard import Guard, GuardMiddleware
from tests.serve.mcp_servers import TOOLS, Received, build, connect
from tests.serve.servers import running
from tests.serve.test_mcp import EMAIL

POLICIES = """version: 1
settings: {store: "memory://", decision_log: none}
policies:
  - name: contacts
    type: pii
    entities: [EMAIL_ADDRESS]
    action: pseudonymize
  - name: no-deletes
    type: tools
    deny: ["delete_*"]
    message: "deleting is not allowed here"
"""


@pytest.fixture(scope="module", params=[False, True], ids=["sse", "json"])
def wrapped(request: pytest.FixtureRequest) -> Iterator[tuple[str, Received]]:
    app, received = build(json_response=request.param)
    guarded: Any = GuardMiddleware(app, guard=Guard.from_yaml(POLICIES))
    with running(guarded) as url:
        yield url + "/mcp", received


async def test_an_email_reaches_the_tool_as_a_token_and_comes_back(
        wrapped: tuple[str, Received]) -> None:
    url, received = wrapped
    async with connect(url) as client:
        result = await client.call_tool("send_email", {"to": EMAIL, "body": f"I am {EMAIL}"})
    seen = received.of("send_email")[-1]
    assert EMAIL not in repr(seen) and seen["body"] == f"I am {seen['to']}"
    assert result.structured_content == {"result": f"sent to {EMAIL}: I am {EMAIL}"}


async def test_a_denied_tool_is_an_error_and_missing_from_the_list(
        wrapped: tuple[str, Received]) -> None:
    url, received = wrapped
    async with connect(url) as client:
        listed = await client.list_tools()
        with pytest.raises(MCPError, match="deleting is not allowed here") as refused:
            await client.call_tool("delete_file", {"path": "a.txt"})
        after = await client.call_tool("read_file", {"path": "a.txt"})
    assert sorted(tool.name for tool in listed.tools) == sorted(set(TOOLS) - {"delete_file"})
    assert refused.value.code == -32003
    assert refused.value.data == {"type": "guard_violation", "code": "no-deletes",
                                  "status": 403}
    assert received.of("delete_file") == []
    assert after.structured_content == {"result": "contents of a.txt"}
