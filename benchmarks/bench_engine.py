"""The whole input stage: what a request costs with the example policies.

Baseline: ``json.loads`` of the same bytes (the least any gateway does with a body).
Guard: ``Guard.check_request`` with the bundled example set (routes, rules,
identity and variables), on both CEL engines.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from benchmarks.timing import per_call_us, per_call_us_async, row

POLICIES = Path(__file__).resolve().parents[1] / "policies"


def _request(messages: int) -> bytes:
    turns = [{"role": "user" if i % 2 == 0 else "assistant",
              "content": f"Message {i}: please summarise the attached notes about topic {i}."}
             for i in range(messages)]
    return json.dumps({"model": "fast", "messages": turns, "max_tokens": 256,
                       "user": "user-42"}).encode()


def run(quick: bool = False) -> list[dict[str, Any]]:
    from guard import Guard
    from guard.cel import available_engines

    iterations = 200 if quick else 2000
    rows = []
    body = _request(10)
    headers = {"authorization": "Bearer sk-test", "x-team": "eu"}
    baseline = per_call_us(lambda: json.loads(body), iterations * 5)
    for engine in available_engines():
        guard = Guard.from_path(POLICIES, cel_engine=engine)

        async def check(guard: Guard = guard) -> None:
            await guard.check_request(body, path="/v1/chat/completions", headers=headers)

        guarded = per_call_us_async(check, iterations)
        rows.append(row(f"check_request, example set ({engine})", "json.loads", baseline,
                        "guard", guarded))
    return rows


if __name__ == "__main__":
    from benchmarks.__main__ import table

    print(table(run(quick=True)))
