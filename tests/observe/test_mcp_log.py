"""The decision log of MCP exchanges: the method and the tool, never a caller's free text."""

from __future__ import annotations

import asyncio
import json
from typing import Any

from guard import Guard
from guard.observe.events import decision_line

GUARD = Guard.from_yaml("""version: 1
policies:
  - {name: tools, type: tools, allow: ["fs_*", "send_email"], deny: ["fs_delete"]}
  - {name: pii, type: pii, entities: [EMAIL_ADDRESS], action: redact}
""")
EMAIL = "ann.lee@example.com"


def line(method: str, tool: Any = None, **arguments: Any) -> dict[str, Any]:
    body: dict[str, Any] = {"jsonrpc": "2.0", "id": 1, "method": method}
    if tool is not None:
        body["params"] = {"name": tool, "arguments": arguments}
    decision = asyncio.run(GUARD.check_request(body, path="/mcp"))
    return json.loads(decision_line(decision))  # type: ignore[no-any-return]


def test_a_call_is_logged_with_its_method_and_tool() -> None:
    record = line("tools/call", "send_email", to=EMAIL)
    assert record["api"] == "mcp" and record["action"] == "modify"
    assert record["mcp"] == {"method": "tools/call", "tool": "send_email"}
    assert EMAIL not in json.dumps(record)
    denied = line("tools/call", "fs_delete")
    assert denied["action"] == "deny" and denied["mcp"]["tool"] == "fs_delete"


def test_a_tool_no_policy_names_and_an_unknown_method_are_not_written_as_they_are() -> None:
    record = line("tools/call", f"fs_{EMAIL}")  # admitted by a glob, named by none
    assert record["mcp"]["tool"].startswith("hmac:") and EMAIL not in json.dumps(record)
    assert line(f"x/{EMAIL}")["mcp"] == {"method": "other", "tool": None}
    assert line("tools/list")["mcp"] == {"method": "tools/list", "tool": None}
