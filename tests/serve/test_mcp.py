"""MCP through ``guard serve``: a real MCP server (the mcp 2.x SDK's ``MCPServer``) and the
SDK's own ``Client``, over Streamable HTTP on loopback.

Every scenario runs in three ways: the initialize handshake with a session and SSE answers
(the server's default), the same with JSON answers, and the 2026 protocol the client probes
by default (``server/discover``, no session). What an agent sends a tool is input text, what
a tool returns is output text; a refusal is a JSON-RPC error the SDK raises as ``MCPError``
and the session goes on.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import pytest
from mcp import MCPError

from tests.serve.mcp_servers import INJECTION, TOOLS, Stack, Wire, connect, guarded

EMAIL = "jane.roe@example.com"
INJECTED = "prompt injection in a tool result"
POLICIES = """version: 1
identity:
  team: request.headers["x-team"]
settings: {store: "memory://", decision_log: "file:LOG"}
policies:
  - name: contacts
    type: pii
    entities: [EMAIL_ADDRESS]
    action: pseudonymize
  - name: injection
    type: content
    stages: [output]
    detect: {prompt_injection: true}
    message: "prompt injection in a tool result"
  - name: support-tools
    type: tools
    when: identity.team == "support"
    deny: ["delete_*"]
    message: "tool not allowed for support"
"""


@dataclass(frozen=True)
class Mode:
    """How the server answers and which protocol the client speaks."""

    json_response: bool
    client: Literal["legacy", "auto"]


MODES = {"sse": Mode(False, "legacy"), "json": Mode(True, "legacy"),
         "modern": Mode(False, "auto")}


@pytest.fixture(scope="module", params=sorted(MODES))
def stack(request: pytest.FixtureRequest,
          tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Stack, Mode]]:
    mode = MODES[request.param]
    with guarded(tmp_path_factory.mktemp("mcp"), POLICIES, mode.json_response) as running:
        yield running, mode


async def test_an_email_reaches_the_tool_as_a_token_and_comes_back_restored(
        stack: tuple[Stack, Mode]) -> None:
    served, mode = stack
    async with connect(served.url, mode=mode.client) as client:
        result = await client.call_tool("send_email", {"to": EMAIL, "body": f"I am {EMAIL}"})
    seen = served.received.of("send_email")[-1]
    assert EMAIL not in repr(seen)
    assert seen["to"] and seen["body"] == f"I am {seen['to']}"  # one value, one token
    expected = f"sent to {EMAIL}: I am {EMAIL}"
    assert [part.text for part in result.content] == [expected]  # type: ignore[union-attr]
    assert result.structured_content == {"result": expected}
    assert not result.is_error


async def test_concurrent_agents_each_get_their_own_address_back(
        stack: tuple[Stack, Mode]) -> None:
    served, mode = stack
    people = [f"agent{n}@example.com" for n in range(4)]

    async def send(person: str) -> str:
        async with connect(served.url, mode=mode.client) as client:
            result = await client.call_tool("send_email", {"to": person, "body": "ping"})
        return result.content[0].text  # type: ignore[union-attr]

    got = await asyncio.gather(*(send(person) for person in people))
    assert got == [f"sent to {person}: ping" for person in people]
    assert not any(person in repr(served.received.calls) for person in people)


async def test_an_injection_in_a_tool_result_is_an_error_and_the_session_goes_on(
        stack: tuple[Stack, Mode]) -> None:
    served, mode = stack
    before = len(served.received.of("fetch_page"))
    async with connect(served.url, mode=mode.client) as client:
        with pytest.raises(MCPError, match=INJECTED) as refused:
            await client.call_tool("fetch_page", {"url": "https://weather.example"})
        after = await client.call_tool("read_file", {"path": "notes.txt"})
    assert len(served.received.of("fetch_page")) == before + 1  # the tool ran; its result died
    assert refused.value.code == -32003
    assert refused.value.data == {"type": "guard_violation", "code": "injection",
                                  "status": 400}
    assert INJECTION not in str(refused.value)
    assert after.structured_content == {"result": "contents of notes.txt"}


async def test_a_denied_tool_is_an_error_and_is_missing_from_the_list(
        stack: tuple[Stack, Mode]) -> None:
    served, mode = stack
    async with connect(served.url, {"x-team": "support"}, mode=mode.client) as support:
        listed = await support.list_tools()
        with pytest.raises(MCPError, match="tool not allowed for support") as refused:
            await support.call_tool("delete_file", {"path": "support.txt"})
        still = await support.call_tool("read_file", {"path": "support.txt"})
    assert sorted(tool.name for tool in listed.tools) == sorted(set(TOOLS) - {"delete_file"})
    assert refused.value.code == -32003
    assert refused.value.data == {"type": "guard_violation", "code": "support-tools",
                                  "status": 403}
    assert {"path": "support.txt"} not in served.received.of("delete_file")
    assert still.structured_content == {"result": "contents of support.txt"}


async def test_the_policy_applies_only_where_its_condition_holds(
        stack: tuple[Stack, Mode]) -> None:
    served, mode = stack
    async with connect(served.url, {"x-team": "ops"}, mode=mode.client) as ops:
        listed = await ops.list_tools()
        deleted = await ops.call_tool("delete_file", {"path": "ops.txt"})
    assert sorted(tool.name for tool in listed.tools) == sorted(TOOLS)
    assert deleted.structured_content == {"result": "deleted ops.txt"}
    assert {"path": "ops.txt"} in served.received.of("delete_file")


async def test_the_session_id_reaches_the_client_and_holds_over_calls(
        stack: tuple[Stack, Mode]) -> None:
    served, mode = stack
    wire = Wire()
    async with connect(served.url, wire=wire, mode=mode.client) as client:
        for n in range(3):
            result = await client.call_tool("read_file", {"path": f"f{n}.txt"})
            assert result.structured_content == {"result": f"contents of f{n}.txt"}
    posts = wire.posts()
    assert all("x-guard-decision-id" in headers for headers in posts)
    sessions = {headers.get("mcp-session-id") for headers in posts}
    if mode.client == "auto":
        assert sessions == {None}  # the 2026 protocol has no session
    else:
        assert len(sessions) == 1 and None not in sessions, sessions
        assert {"DELETE"} <= {method for method, _, _ in wire.exchanges}  # ended by id


@pytest.mark.parametrize("answers", ["sse", "json"])
async def test_the_decision_log_has_one_mcp_line_per_exchange(tmp_path: Path,
                                                             answers: str) -> None:
    mode = MODES[answers]
    wire = Wire()
    with guarded(tmp_path, POLICIES, mode.json_response) as served:
        async with connect(served.url, {"x-team": "support"}, wire, mode.client) as client:
            await client.list_tools()
            await client.call_tool("send_email", {"to": EMAIL, "body": "hi"})
            with pytest.raises(MCPError):
                await client.call_tool("delete_file", {"path": "x"})
    lines = served.lines()
    assert len(wire.posts()) == 5  # initialize, notifications/initialized, list, two calls
    ids = [headers["x-guard-decision-id"] for _, _, headers in wire.exchanges]
    assert sorted(line["decision_id"] for line in lines) == sorted(ids)  # the GET and DELETE too
    assert {line["api"] for line in lines} == {"mcp"}
    by_id = {line["decision_id"]: line for line in lines}
    posted = [by_id[headers["x-guard-decision-id"]]["mcp"] for headers in wire.posts()]
    assert [logged["method"] for logged in posted] == [
        "initialize", "notifications/initialized", "tools/list", "tools/call", "tools/call"]
    tools = [logged["tool"] for logged in posted]
    assert tools[:3] == [None, None, None] and None not in tools[3:]
    # no policy names either tool (a glob is no name): each is kept as a keyed hash
    assert tools[3] != tools[4] and not {"send_email", "delete_file"} & set(tools)
    denied = [line for line in lines if line["action"] == "deny"]
    assert len(denied) == 1 and denied[0]["mcp"] == posted[4]
    assert [v["policy"] for v in denied[0]["violations"]] == ["support-tools"]
    assert EMAIL not in served.log.read_text()


REDACT = """version: 1
settings: {store: "memory://", decision_log: none}
policies:
  - name: contacts
    type: pii
    entities: [EMAIL_ADDRESS]
    action: redact
"""


async def test_a_redacted_email_never_reaches_the_tool(tmp_path: Path) -> None:
    with guarded(tmp_path, REDACT) as served:
        async with connect(served.url) as client:
            result = await client.call_tool("send_email", {"to": EMAIL, "body": f"from {EMAIL}"})
    seen = served.received.of("send_email")
    assert len(seen) == 1 and EMAIL not in repr(seen)
    assert EMAIL not in repr(result.content)  # nothing to restore: the tool never had it


FLAG = """version: 1
settings: {store: "memory://", decision_log: "file:LOG"}
policies:
  - name: injection
    type: content
    stages: [output]
    detect: {prompt_injection: true}
    action: flag
"""


async def test_a_flagged_injection_passes_and_the_log_says_so(tmp_path: Path) -> None:
    with guarded(tmp_path, FLAG) as served:
        async with connect(served.url) as client:
            result = await client.call_tool("fetch_page", {"url": "https://weather.example"})
    assert INJECTION in result.content[0].text  # type: ignore[union-attr]
    flagged = [line for line in served.lines()
               if any(v["policy"] == "injection" for v in line["violations"])]
    assert len(flagged) == 1
    assert flagged[0]["api"] == "mcp" and flagged[0]["action"] != "deny"
    assert flagged[0]["violations"] == [
        {**flagged[0]["violations"][0], "policy": "injection", "stage": "output",
         "action": "flag"}]


PER_TOOL = """version: 1
settings: {store: "memory://", decision_log: none}
policies:
  - {name: per-tool, type: rate_limit, per: request.mcp.tool, requests: 2, window: minute,
     message: "read_file is busy"}
"""


async def test_a_rate_limit_per_tool_refuses_that_tool_only(tmp_path: Path) -> None:
    with guarded(tmp_path, PER_TOOL) as served:
        async with connect(served.url) as client:
            for n in range(2):
                await client.call_tool("read_file", {"path": f"{n}.txt"})
            with pytest.raises(MCPError, match="read_file is busy") as limited:
                await client.call_tool("read_file", {"path": "2.txt"})
            other = await client.call_tool("fetch_page", {"url": "https://a.example"})
            listed = await client.list_tools()  # no tool: counted in no bucket
    assert limited.value.code == -32003
    assert limited.value.data == {"type": "guard_violation", "code": "per-tool", "status": 429}
    assert [args["path"] for args in served.received.of("read_file")] == ["0.txt", "1.txt"]
    assert other.content and len(listed.tools) == len(TOOLS)


@pytest.mark.parametrize("answers", ["sse", "json"])
async def test_a_poisoned_tool_is_left_out_of_the_list_and_the_rest_still_work(
        tmp_path: Path, answers: str) -> None:
    mode = MODES[answers]
    with guarded(tmp_path, POLICIES, mode.json_response, poisoned=True) as served:
        async with connect(served.url, mode=mode.client) as client:
            listed = await client.list_tools()
            # The SDK lists the tools again to check a call's result: that list is the
            # same cut one, so calls of the tools left work as on a clean server.
            result = await client.call_tool("read_file", {"path": "a.txt"})
    names = [tool.name for tool in listed.tools]
    assert "summarize" not in names and sorted(names) == sorted(TOOLS)
    assert all(INJECTION not in (tool.description or "") for tool in listed.tools)
    assert result.content and not result.is_error
    assert served.received.calls == [("read_file", {"path": "a.txt"})]
