"""What a budget and a rate limit add to a request, per store.

Baseline: a policy set with one route policy. Guard: the same set plus a USD budget and a
requests-per-minute rate limit on the caller's key, with the request checked and its
response settled (the full budget flow: estimate, reserve, hit, settle), on the in-memory
store and on the embedded SQLite default. Each request comes from a different key, so every
call creates and updates state rather than hitting a warm row. The Redis figures are in
``bench_stores`` (store operations alone).
"""

from __future__ import annotations

import asyncio
import os
import tempfile
from itertools import count
from typing import Any

from benchmarks.timing import per_call_us_async, row

ROUTE = """version: 1
identity:
  key: request.headers["authorization"]
policies:
  - {name: models, type: route, allow: ["openai/*"]}
"""
LIMITS = """  - {name: spend, type: budget, per: identity.key, limit_usd: 100, window: month}
  - {name: pace, type: rate_limit, per: identity.key, requests: 1000, window: minute}
"""
BODY = {"model": "gpt-4o-mini", "max_tokens": 200,
        "messages": [{"role": "user", "content": "Summarise the quarterly report. " * 60}]}
ANSWER = {"choices": [{"index": 0, "message": {"role": "assistant", "content": "Done."}}],
          "usage": {"prompt_tokens": 400, "completion_tokens": 50}}


def _guard(text: str, store: str) -> Any:
    from guard import Guard

    os.environ["GUARD_STORE"] = store
    try:
        return Guard.from_yaml(text)
    finally:
        del os.environ["GUARD_STORE"]


def _flow(guard: Any) -> Any:
    keys = count()

    async def once() -> None:
        headers = {"authorization": f"Bearer k{next(keys)}"}
        decision = await guard.check_request(BODY, path="/v1/chat/completions",
                                             headers=headers)
        await guard.check_response(decision, ANSWER)

    return once


def run(quick: bool = False) -> list[dict[str, Any]]:
    n = 100 if quick else 1000
    baseline = per_call_us_async(_flow(_guard(ROUTE, "memory://")), n)
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for label, url in (("memory", "memory://"), ("sqlite", f"sqlite:///{tmp}/state.db")):
            guard = _guard(ROUTE + LIMITS, url)
            measured = per_call_us_async(_flow(guard), n)
            asyncio.run(guard.aclose())
            rows.append(row(f"budget + rate limit per request ({label})", "route policy only",
                            baseline, "+ budget, rate limit", measured))
    return rows


if __name__ == "__main__":
    from benchmarks.__main__ import table

    print(table(run(quick=True)))
