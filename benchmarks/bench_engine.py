"""The whole input stage: what a request costs with the example policies.

Baseline: ``json.loads`` of the same bytes (the least any gateway does with a body).
Guard: ``Guard.check_request`` with the bundled example set (routes, rules,
identity and variables), on both CEL engines. Every call's messages are new text (a
counter in each), so the content and PII policies' memo of re-sent history never helps.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from benchmarks.timing import per_call_us, per_call_us_async, row

POLICIES = Path(__file__).resolve().parents[1] / "policies"


def _request(messages: int, call: int = 0) -> bytes:
    turns = [{"role": "user" if i % 2 == 0 else "assistant",
              "content": f"Message {i}.{call}: please summarise the attached notes about "
                         f"topic {i}."}
             for i in range(messages)]
    return json.dumps({"model": "fast", "messages": turns, "max_tokens": 256,
                       "user": "user-42"}).encode()


def run(quick: bool = False) -> list[dict[str, Any]]:
    from guard import Guard
    from guard.cel import available_engines

    iterations = 200 if quick else 2000
    rows = []
    bodies = [_request(10, call) for call in range(iterations * 5 + 1)]  # 5 rounds, all new
    headers = {"authorization": "Bearer sk-test", "x-team": "eu"}
    baseline = per_call_us(lambda: json.loads(bodies[0]), iterations * 5)
    for engine in available_engines():
        guard = Guard.from_path(POLICIES, cel_engine=engine)
        fresh = iter(bodies)

        async def check(guard: Guard = guard, fresh: Iterator[bytes] = fresh) -> None:
            await guard.check_request(next(fresh), path="/v1/chat/completions",
                                      headers=headers)

        guarded = per_call_us_async(check, iterations)
        rows.append(row(f"check_request, example set ({engine})", "json.loads", baseline,
                        "guard", guarded))
    return rows


if __name__ == "__main__":
    from benchmarks.__main__ import table

    print(table(run(quick=True)))
