"""``type: tools``: calls of tools not admitted are denied, tool lists filtered."""

from __future__ import annotations

import asyncio
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from guard import Guard
from guard.checks.tools import ToolRules

TWO = Guard.from_yaml("""version: 1
policies:
  - {name: readers, type: tools, allow: ["fs_*", "web_fetch"], deny: ["fs_delete*"]}
  - name: support
    type: tools
    when: '"x-team" in request.headers && request.headers["x-team"] == "support"'
    deny: ["fs_write*"]
    message: support may not write
""")


def call(name: Any, id_: int = 1) -> dict[str, Any]:
    return {"jsonrpc": "2.0", "id": id_, "method": "tools/call",
            "params": {"name": name, "arguments": {}}}


def decide(guard: Guard, body: Any, team: str = "ops") -> Any:
    return asyncio.run(guard.check_request(body, path="/mcp", headers={"x-team": team}))


def test_a_call_must_pass_every_matched_policy() -> None:
    assert decide(TWO, call("fs_read")).action == "allow"
    assert decide(TWO, call("fs_write")).action == "allow"
    refused = decide(TWO, call("fs_write"), team="support")
    assert refused.status == 403 and refused.error["error"]["message"] == "support may not write"
    for name in ("fs_delete_all", "shell", "FS_READ", None, 3):
        decision = decide(TWO, call(name))
        assert decision.action == "deny" and decision.error["id"] == 1, name


def test_other_methods_and_other_apis_pass() -> None:
    assert decide(TWO, {"jsonrpc": "2.0", "id": 2, "method": "resources/read",
                        "params": {"uri": "file:///shell"}}).action == "allow"
    chat = asyncio.run(TWO.check_request({"model": "m", "messages": []},
                                         path="/v1/chat/completions"))
    assert chat.action == "allow"


def listing(names: list[Any]) -> dict[str, Any]:
    return {"jsonrpc": "2.0", "id": 5, "result": {"tools": [
        {"name": n, "description": f"does {n}"} for n in names], "nextCursor": "c"}}


def listed(guard: Guard, names: list[Any], team: str = "ops") -> list[Any]:
    decision = decide(guard, {"jsonrpc": "2.0", "id": 5, "method": "tools/list"}, team)
    result = asyncio.run(guard.check_response(decision, listing(names)))
    assert result.body["result"]["nextCursor"] == "c" and result.body["id"] == 5
    return [tool["name"] for tool in result.body["result"]["tools"]]


def test_a_tool_list_shows_only_what_may_be_called() -> None:
    names = ["fs_read", "fs_write", "fs_delete", "web_fetch", "shell"]
    assert listed(TWO, names) == ["fs_read", "fs_write", "web_fetch"]
    assert listed(TWO, names, team="support") == ["fs_read", "web_fetch"]


def test_a_monitored_policy_filters_nothing_but_says_so() -> None:
    guard = Guard.from_yaml("""version: 1
policies:
  - {name: t, type: tools, deny: ["shell"], mode: monitor}
""")
    assert listed(guard, ["shell", "fs"]) == ["shell", "fs"]
    assert decide(guard, call("shell")).action == "allow"


def test_a_tool_list_of_another_method_is_left_alone() -> None:
    decision = decide(TWO, call("fs_read"))
    result = asyncio.run(TWO.check_response(decision, listing(["shell"])))
    assert [t["name"] for t in result.body["result"]["tools"]] == ["shell"]


def test_a_tools_policy_alone_does_not_make_other_apis_answers_read() -> None:
    guard = Guard.from_yaml("""version: 1
policies:
  - {name: t, type: tools, deny: ["shell"]}
""")
    assert all(not c.applies("openai.chat") for c in guard.engine.output_checks)
    assert all(c.applies("mcp") for c in guard.engine.output_checks)


_NAMES = st.text(alphabet="abc_*?", max_size=6)


@settings(max_examples=200, deadline=None)
@given(st.lists(_NAMES, max_size=3), st.lists(_NAMES, max_size=3), st.text("abc_", max_size=6))
def test_deny_wins_and_an_empty_allow_admits(allow: list[str], deny: list[str],
                                             name: str) -> None:
    rules = ToolRules(tuple(allow), tuple(deny))
    if ToolRules((), tuple(deny)).admits(name) is False:
        assert not rules.admits(name)
    if not allow and not deny:
        assert rules.admits(name)
    if rules.admits(name):
        assert ToolRules(tuple(allow), ()).admits(name)
