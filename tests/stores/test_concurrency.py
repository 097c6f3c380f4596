"""Many processes, many concurrent requests, one budget: never overspent, not wasted.

Four spawned processes start together (a barrier) and each runs 50 concurrent request
loops against one budget key: reserve the estimate, "call the model", settle an actual
cost of 50-100 % of the estimate, again until refused. Then each process runs one more
loop alone until refused. The globally last refusal happens when every other process
has finished, so nothing is held any more: the budget was then filled to within one
estimate of the limit, which is what the "usable" assertion checks.
"""

from __future__ import annotations

import asyncio
import multiprocessing
import random
import traceback
import uuid
from dataclasses import dataclass
from typing import Any

import pytest

from guard.stores import Store, store_from_url

LIMIT = 100.0
ESTIMATE = 0.25
PROCESSES = 4
CONCURRENT = 50
NOW = 1_700_000_000.0


@dataclass
class Tally:
    requests: int = 0
    spent: float = 0.0
    peak: float = 0.0  # the highest usage an admitted reservation reported


async def request_loop(store: Store, key: str, rng: random.Random, tally: Tally) -> None:
    while True:
        admission = await store.reserve(key, ESTIMATE, LIMIT, now=NOW, hold_until=NOW + 60,
                                        expires_at=NOW + 3600)
        if admission.reservation is None:
            return
        tally.peak = max(tally.peak, admission.used)
        await asyncio.sleep(rng.random() / 1000)  # the upstream call
        actual = round(ESTIMATE * rng.uniform(0.5, 1.0), 4)
        await store.settle(admission.reservation, actual, now=NOW)
        tally.requests += 1
        tally.spent += actual


async def spend(url: str, key: str, seed: int) -> Tally:
    store, rng, tally = store_from_url(url), random.Random(seed), Tally()
    try:
        await asyncio.gather(*(request_loop(store, key, rng, tally) for _ in range(CONCURRENT)))
        await request_loop(store, key, rng, tally)
    finally:
        await store.close()
    return tally


def worker(url: str, key: str, seed: int, start: Any, results: Any) -> None:
    """One process: wait for the others, then spend (runs in a spawned interpreter).

    A failure is sent back as its traceback, so the test fails at once and says why
    instead of waiting for a tally that never comes.
    """
    try:
        start.wait(timeout=30)
        results.put(asyncio.run(spend(url, key, seed)))
    except BaseException:
        results.put(traceback.format_exc())
        raise


def run_processes(url: str) -> tuple[list[Tally], float]:
    context = multiprocessing.get_context("spawn")
    key, start, results = f"race/{uuid.uuid4().hex}", context.Barrier(PROCESSES), context.Queue()
    processes = [context.Process(target=worker, args=(url, key, seed, start, results))
                 for seed in range(PROCESSES)]
    for process in processes:
        process.start()
    tallies = [results.get(timeout=60) for _ in processes]
    failures = [t for t in tallies if isinstance(t, str)]
    assert not failures, f"a spending process failed:\n{failures[0]}"
    for process in processes:
        process.join(timeout=10)
        assert process.exitcode == 0
    store = store_from_url(url)
    used = asyncio.run(store.usage(key, now=NOW))
    asyncio.run(store.close())
    return tallies, used


@pytest.mark.parametrize("url", ["sqlite", "redis", "cluster"], indirect=True)
def test_one_budget_shared_by_processes_is_never_overspent(url: str) -> None:
    tallies, used = run_processes(url)
    spent = sum(t.spent for t in tallies)
    print(f"\n{url.partition(':')[0]}: {[t.requests for t in tallies]} requests, "
          f"settled {spent:.4f} of {LIMIT} ({spent / LIMIT:.2%}), store says {used:.4f}")
    assert sum(1 for t in tallies if t.requests) >= 2  # they really raced (shares vary)
    assert max(t.peak for t in tallies) <= LIMIT + 1e-9
    assert used == pytest.approx(spent)  # no lost update, no double charge
    assert LIMIT - ESTIMATE <= spent <= LIMIT + 1e-9
