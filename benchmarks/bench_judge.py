"""What an LLM judge adds to a request: its own latency once, not on top of the other checks.

A stand-in judge (Starlette on uvicorn, loopback, in a thread) answers after ``JUDGE_MS``.
Another check of the same stage takes ``OTHER_MS`` (awaiting, as a store or a worker thread
does). Rows, each a full ``check_request``:

- judge + other check: the judge awaited at its turn, after the other check (``early``
  switched off: the sum) versus started at the stage's start (guard: about the larger one);
- added by the judge: the request with the other check alone versus with the judge too
  (guard adds about ``JUDGE_MS - OTHER_MS`` when the judge is the slower, not ``JUDGE_MS``);
- judge alone: the raw HTTP round trip (httpx, same pool) versus the policy (cache off), so
  the difference is guard's own cost per judged request.
"""

from __future__ import annotations

import asyncio
import json
import time
from itertools import count
from typing import Any

from benchmarks.timing import row
from tests.serve.servers import running

JUDGE_MS = 80
OTHER_MS = 60
BODY = {"model": "openai/gpt-5-mini",
        "messages": [{"role": "user", "content": "Summarise the quarterly report. " * 20}]}


def _judge_app() -> Any:
    from starlette.applications import Starlette
    from starlette.requests import Request
    from starlette.responses import JSONResponse
    from starlette.routing import Route

    async def chat(request: Request) -> JSONResponse:
        await request.body()
        await asyncio.sleep(JUDGE_MS / 1000)
        verdict = json.dumps({"flagged": False, "reason": ""})
        return JSONResponse({"choices": [{"index": 0, "message": {
            "role": "assistant", "content": verdict}}]})

    return Starlette(routes=[Route("/v1/chat/completions", chat, methods=["POST"])])


def _other_check() -> Any:
    from guard.checks.base import Check, Outcome, PolicyMeta

    class Other(Check):
        async def evaluate(self, ctx: Any) -> Outcome:
            await asyncio.sleep(OTHER_MS / 1000)
            return Outcome("pass")

    return Other(PolicyMeta("other", "rule", frozenset({"input"}), "enforce", "block", None,
                            "bench:1"))


def _guard(url: str, judged: bool, other: bool, early: bool = True) -> Any:
    from guard import Guard

    judge = ("  - {name: judge, type: llm, template: secrets, model: openai/gpt-5-mini, "
             "timeout_ms: 5000}\n" if judged else "")
    guard = Guard.from_yaml(f"version: 1\nsettings:\n  llm: {{endpoint: '{url}', "
                            f"cache_ttl_seconds: 0}}\npolicies:\n"
                            f"  - {{name: models, type: route, allow: ['openai/*']}}\n{judge}")
    if other:
        guard.engine.input_checks.insert(1, _other_check())  # between route and judge
    for check in guard.engine.input_checks:
        if check.early and not early:
            check.early = False  # the instance only: awaited at its turn, as without this work
    return guard


async def _mean_us(fn: Any, n: int) -> float:
    await fn()  # warm: connection open, CEL bound
    best = float("inf")
    for _ in range(3):
        start = time.perf_counter()
        for _ in range(n):
            await fn()
        best = min(best, (time.perf_counter() - start) / n)
    return best * 1e6


async def _measure(url: str, n: int) -> list[dict[str, Any]]:
    from guard.judge.client import JudgeClient
    from guard.judge.templates import system_prompt, template_prompt

    texts = count()

    def request(guard: Any) -> Any:
        body = {**BODY, "messages": [{"role": "user", "content": f"{next(texts)} report"}]}
        return lambda: guard.check_request(body, path="/v1/chat/completions")

    sequential = _guard(url, judged=True, other=True, early=False)
    concurrent = _guard(url, judged=True, other=True)
    other_only = _guard(url, judged=False, other=True)
    judge_only = _guard(url, judged=True, other=False)
    client = JudgeClient(url, None, 16)
    system = system_prompt(template_prompt("secrets", None))

    async def raw() -> Any:
        return await client.judge("openai/gpt-5-mini", system, f"{next(texts)} report", 5)

    seq_us = await _mean_us(request(sequential), n)
    conc_us = await _mean_us(request(concurrent), n)
    other_us = await _mean_us(request(other_only), n)
    raw_us = await _mean_us(raw, n)
    judged_us = await _mean_us(request(judge_only), n)
    for guard in (sequential, concurrent, other_only, judge_only):
        await guard.aclose()
    await client.aclose()
    label = f"judge {JUDGE_MS} ms + other check {OTHER_MS} ms"
    return [
        row(f"{label}: request latency", "judge awaited after (sum)", seq_us,
            "judge started early (guard)", conc_us),
        row(f"{label}: request latency", "other check alone", other_us,
            "other check + judge (guard)", conc_us),
        row(f"judge {JUDGE_MS} ms alone: request latency", "raw httpx judge call", raw_us,
            "guard check_request", judged_us),
    ]


def run(quick: bool = False) -> list[dict[str, Any]]:
    n = 5 if quick else 20
    with running(_judge_app()) as url:
        return asyncio.run(_measure(url, n))


if __name__ == "__main__":
    for item in run():
        print(f"{item['name']}: {item['baseline']} {item['baseline_us'] / 1000:.1f} ms, "
              f"{item['guard']} {item['guard_us'] / 1000:.1f} ms")
