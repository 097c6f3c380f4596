"""An agent on the mcp 1.x SDK, run by ``test_mcp1.py`` in a subprocess whose PYTHONPATH
puts ``.venv/mcp1`` first (both SDK lines import as ``mcp``, so 1.x cannot share the test
process with 2.x). It imports nothing of guard's or the tests'.

``python mcp1_client.py URL`` makes one session as the support team and prints, as one JSON
line, what each step got. A step that raises ``McpError`` is recorded and the session goes
on: the point is that guard's refusals reach 1.x as JSON-RPC errors (HTTP 200), which it
raises for that call only, where any non-2xx answer would end the whole session.
"""

from __future__ import annotations

import asyncio
import json
import sys
from collections.abc import Awaitable
from datetime import timedelta
from importlib.metadata import version
from typing import Any

import httpx
from mcp import ClientSession, McpError
from mcp.client.streamable_http import streamable_http_client

EMAIL = "jane.roe@example.com"


async def step(call: Awaitable[Any]) -> dict[str, Any]:
    """The result's structured content, or the error's code, message and data."""
    try:
        result = await call
    except McpError as exc:
        return {"error": {"code": exc.error.code, "message": exc.error.message,
                          "data": exc.error.data}}
    return {"result": result.structuredContent}


async def run(url: str) -> dict[str, Any]:
    got: dict[str, Any] = {"mcp": version("mcp")}
    async with httpx.AsyncClient(headers={"x-team": "support"}, timeout=30) as http, \
            streamable_http_client(url, http_client=http) as (read, write, session_id), \
            ClientSession(read, write, read_timeout_seconds=timedelta(seconds=30)) as session:
        await session.initialize()
        got["session"] = session_id()
        got["tools"] = sorted(tool.name for tool in (await session.list_tools()).tools)
        got["sent"] = await step(session.call_tool("send_email", {"to": EMAIL, "body": "hi"}))
        got["deleted"] = await step(session.call_tool("delete_file", {"path": "one.txt"}))
        got["fetched"] = await step(session.call_tool("fetch_page", {"url": "https://a.example"}))
        got["read"] = await step(session.call_tool("read_file", {"path": "after.txt"}))
    return got


if __name__ == "__main__":
    print(json.dumps(asyncio.run(run(sys.argv[1]))))
