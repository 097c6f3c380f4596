"""What reading a request into an Envelope costs, against ``json.loads`` of the same bytes.

``json.loads`` is the least any gateway does with a body, so the ratio is the
price of normalizing (walking, segments, messages, detection). Editing is
compared with ``copy.deepcopy``, the obvious way to get a modified copy.

    python -m benchmarks.bench_envelope [--quick]
"""

from __future__ import annotations

import argparse
import copy
import functools
import json
from typing import Any

from benchmarks.timing import per_call_us, row
from guard.envelope import Edit, apply_edits, parse_request

_SENTENCE = "Please summarise the attached notes about the quarterly plan for team {i}. "


def chat_small() -> bytes:
    """About 2 KB: a system prompt and a few turns of plain text."""
    turns: list[dict[str, Any]] = [{"role": "system", "content": "You are a concise assistant."}]
    turns += [
        {"role": "user" if i % 2 == 0 else "assistant", "content": _SENTENCE.format(i=i) * 3}
        for i in range(7)
    ]
    return json.dumps(
        {"model": "openai/gpt-4o-mini", "messages": turns, "max_tokens": 256}
    ).encode()


def chat_tools() -> bytes:
    """About 20 KB: an agent loop with content parts, tool calls and tool results."""
    turns: list[dict[str, Any]] = [{"role": "system", "content": "You are an agent."}]
    for i in range(26):
        arguments = {"query": _SENTENCE.format(i=i), "filters": {"team": f"t{i}", "limit": 5}}
        turns += [
            {"role": "user", "content": [{"type": "text", "text": _SENTENCE.format(i=i) * 2}]},
            {
                "role": "assistant",
                "content": None,
                "tool_calls": [
                    {
                        "id": f"call_{i}",
                        "type": "function",
                        "function": {"name": "search", "arguments": json.dumps(arguments)},
                    }
                ],
            },
            {"role": "tool", "tool_call_id": f"call_{i}", "content": _SENTENCE.format(i=i) * 3},
        ]
    return json.dumps({"model": "gpt-4o", "messages": turns, "stream": True}).encode()


def anthropic_request() -> bytes:
    """About 6 KB: system blocks, text, tool_use and tool_result blocks."""
    turns: list[dict[str, Any]] = []
    for i in range(10):
        turns += [
            {"role": "user", "content": [{"type": "text", "text": _SENTENCE.format(i=i) * 2}]},
            {
                "role": "assistant",
                "content": [
                    {"type": "text", "text": "Looking it up."},
                    {
                        "type": "tool_use",
                        "id": f"toolu_{i}",
                        "name": "search",
                        "input": {"query": _SENTENCE.format(i=i), "limit": 5},
                    },
                ],
            },
            {
                "role": "user",
                "content": [
                    {
                        "type": "tool_result",
                        "tool_use_id": f"toolu_{i}",
                        "content": _SENTENCE.format(i=i) * 2,
                    },
                ],
            },
        ]
    system = [{"type": "text", "text": "You are careful.", "cache_control": {"type": "ephemeral"}}]
    return json.dumps(
        {"model": "claude-sonnet-4-5", "max_tokens": 1024, "system": system, "messages": turns}
    ).encode()


def five_edits(body: bytes, path: str) -> tuple[dict[str, Any], list[Edit]]:
    """Five redactions spread over the request (tool arguments included)."""
    env = parse_request(body, path=path)
    step = max(1, len(env.segments) // 5)
    edits = [Edit(s, 0, min(6, len(s.text)), "<REDACTED>") for s in env.segments[::step][:5]]
    return dict(env.body), edits


def run(quick: bool = False) -> list[dict[str, Any]]:
    n = 300 if quick else 3000
    rows = []
    cases = [
        ("chat", chat_small(), "/v1/chat/completions"),
        ("chat + tool calls", chat_tools(), "/v1/chat/completions"),
        ("anthropic messages", anthropic_request(), "/v1/messages"),
    ]
    for name, body, path in cases:
        label = f"parse_request, {name} ({len(body) / 1024:.1f} KB)"
        baseline = per_call_us(functools.partial(json.loads, body), n)
        guarded = per_call_us(functools.partial(parse_request, body, path=path), n)
        rows.append(row(label, "json.loads", baseline, "parse_request", guarded))
    parsed, edits = five_edits(chat_tools(), "/v1/chat/completions")
    baseline = per_call_us(lambda: copy.deepcopy(parsed), max(30, n // 10))
    guarded = per_call_us(lambda: apply_edits(parsed, edits), n)
    rows.append(
        row("apply_edits, 5 edits, 20 KB chat", "copy.deepcopy", baseline, "apply_edits", guarded)
    )
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.bench_envelope")
    parser.add_argument("--quick", action="store_true", help="fewer iterations")
    args = parser.parse_args()
    from benchmarks.__main__ import table

    print(table(run(quick=args.quick)))


if __name__ == "__main__":
    main()
