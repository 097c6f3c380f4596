"""What the generic view costs per KB: a JSON body of no known API, every string read.

An unknown or future endpoint is read whole (every string leaf is text, with its pointer), so
its cost is that of the walk plus the policies over all of its text. Two comparisons, each at
2 KB and 64 KB so the cost per KB can be seen to stay flat:

- reading alone (``parse_request`` on an unknown path) against ``json.loads`` of the bytes;
- the whole decision (``check_request``, a PII and a content policy) against the same text
  sent as a chat request, the known API it is nearest to.

The worst input class for the walk is many short strings (one segment each); it is measured
too.

    python -m benchmarks.bench_generic [--quick]
"""

from __future__ import annotations

import argparse
import asyncio
import functools
import json
from typing import Any

from benchmarks.timing import per_call_us, per_call_us_async, row
from guard import Guard
from guard.envelope import parse_request

POLICIES = """version: 1
settings: {store: "memory://", decision_log: none, scan_memo: 0}
policies:
  - {name: contacts, type: pii, entities: [EMAIL_ADDRESS, PHONE_NUMBER], action: redact}
  - {name: secrets, type: content, detect: {secrets: true, prompt_injection: true}}
"""
_NOTE = "Ticket {i}: the customer asked about the quarterly invoice and the renewal date. "


def records(kilobytes: int) -> dict[str, Any]:
    """An unknown API's body: nested records of prose, ids and numbers."""
    items = []
    i = 0
    while len(json.dumps(items)) < kilobytes * 1024:
        items.append({"id": f"r-{i}", "score": i * 0.5, "tags": ["open", f"team-{i % 7}"],
                      "detail": {"summary": _NOTE.format(i=i), "owner": f"agent {i}"}})
        i += 1
    return {"model": "custom-model", "records": items}


def short_strings(kilobytes: int) -> dict[str, Any]:
    """The walk's worst class: as many leaves as the bytes allow."""
    return {"values": [f"w{i % 1000}" for i in range(kilobytes * 1024 // 8)]}


def as_chat(body: dict[str, Any]) -> dict[str, Any]:
    """The same text as one chat message: what a known API would cost."""
    text = "\n".join(s.text for s in parse_request(body, path="/v1/records").segments)
    return {"model": "gpt-4o-mini", "messages": [{"role": "user", "content": text}]}


def run(quick: bool = False) -> list[dict[str, Any]]:
    n = 30 if quick else 200
    guard = Guard.from_yaml(POLICIES)
    rows = []
    for kilobytes in (2, 64):
        for name, body in (("records", records(kilobytes)),
                           ("short strings", short_strings(kilobytes))):
            raw = json.dumps(body).encode()
            size = len(raw) / 1024
            loads = per_call_us(functools.partial(json.loads, raw), n * 5)
            parse = per_call_us(functools.partial(parse_request, raw, path="/v1/records"),
                                n * 5)
            rows.append(row(f"generic parse, {name} {size:.0f} KB ({parse / size:.1f} us/KB)",
                            "json.loads", loads, "parse_request", parse))
        body = records(kilobytes)
        raw, chat = json.dumps(body).encode(), json.dumps(as_chat(body)).encode()
        size = len(raw) / 1024
        known = _decide(guard, chat, "/v1/chat/completions", n)
        generic = _decide(guard, raw, "/v1/records", n)
        rows.append(row(f"generic check_request {size:.0f} KB ({generic / size:.0f} us/KB)",
                        "same text as chat", known, "generic view", generic))
    return rows


def _decide(guard: Guard, raw: bytes, path: str, n: int) -> float:
    async def once() -> None:
        await guard.check_request(raw, path=path, headers={"content-type": "application/json"})

    asyncio.run(once())  # warm: detectors built, memo off
    return per_call_us_async(once, max(5, n // 10))


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.bench_generic")
    parser.add_argument("--quick", action="store_true", help="fewer iterations")
    args = parser.parse_args()
    from benchmarks.__main__ import table

    print(table(run(quick=args.quick)))


if __name__ == "__main__":
    main()
