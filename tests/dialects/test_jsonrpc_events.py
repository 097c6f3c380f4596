"""Streams of whole JSON-RPC messages (MCP's Streamable HTTP answers) read as no known API.

Each SSE event there is one whole message, not a delta of a longer text: its strings are
checked whole and released in the event they came in. Held back across events as deltas
are, a message's strings went out blank ("jsonrpc": "") and came again in copies at the
end, so an MCP client through guard could not even initialise.
"""

from __future__ import annotations

import asyncio
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from guard import Guard
from guard.asgi.response import TEXT_TYPES
from guard.asgi.streams import StreamGuard
from guard.dialects import dialect
from guard.dialects.events import SSE
from guard.engine.output import evaluate_response, scan_text
from tests.dialects.support import relay

EMAIL = "ann.lee@example.com"
GUARD = Guard.from_yaml("""version: 1
policies:
  - {name: pii, type: pii, stages: [output], entities: [EMAIL_ADDRESS], action: redact}
  - {name: zeus, type: content, stages: [output], detect: {keywords: ["project zeus"]},
     action: block}
""")
CALL = {"jsonrpc": "2.0", "id": 7, "method": "tools/call",
        "params": {"name": "lookup", "arguments": {"q": "x"}}}


def result(text: str, id_: int = 7) -> dict[str, Any]:
    return {"jsonrpc": "2.0", "id": id_,
            "result": {"content": [{"type": "text", "text": text}], "isError": False}}


def relayed(messages: list[Any]) -> list[Any]:
    """``messages`` as SSE events through a StreamGuard; what the client decodes."""
    async def go() -> bytes:
        decision = await GUARD.check_request(CALL, path="/mcp")
        checks = [c for c in GUARD.engine.output_checks if c.meta.type in TEXT_TYPES]

        async def scan(text: str) -> Any:
            return await scan_text(checks, decision, text)

        async def whole(body: Any) -> Any:
            return await evaluate_response(GUARD.engine.output_checks, decision, body)

        s = StreamGuard(dialect(decision.api), SSE(), scan, None, 0, False, None, whole,
                        CALL)
        raw, _ = await relay(s, [SSE().encode(m, "message") for m in messages])
        return raw

    return [event.json() for event in SSE().feed(asyncio.run(go()))]


def test_each_message_goes_out_whole_in_its_own_event() -> None:
    messages = [{"jsonrpc": "2.0", "method": "notifications/progress",
                 "params": {"progressToken": "t1", "message": "working"}},
                result(f"found {EMAIL} in the directory")]
    seen = relayed(messages)
    assert len(seen) == 2
    assert seen[0] == messages[0]
    assert seen[1]["jsonrpc"] == "2.0" and seen[1]["id"] == 7
    text = seen[1]["result"]["content"][0]["text"]
    assert EMAIL not in text and text == "found <EMAIL_ADDRESS> in the directory"


def test_a_batch_of_messages_is_checked_whole() -> None:
    seen = relayed([[result("one", 1), result(f"two {EMAIL}", 2)]])
    assert len(seen) == 1 and [m["id"] for m in seen[0]] == [1, 2]
    assert EMAIL not in str(seen) and seen[0][0]["result"]["content"][0]["text"] == "one"


def test_a_blocked_message_ends_the_stream_with_an_error() -> None:
    seen = relayed([result("fine"), result("the plan for Project Zeus is"), result("after")])
    assert seen[0] == result("fine")
    assert "Zeus" not in str(seen) and "after" not in str(seen)
    assert len(seen) == 2 and "error" in seen[1]


@settings(max_examples=30, deadline=None)
@given(st.lists(st.text(alphabet="abc <>{}\"\\é\n", max_size=40), min_size=1, max_size=5))
def test_messages_with_nothing_to_change_pass_unchanged(texts: list[str]) -> None:
    messages = [result(text, i) for i, text in enumerate(texts)]
    assert relayed(messages) == messages
