"""``guard serve`` on a real Redis Cluster: many workers and client processes on one budget
and one rate limit, and a primary killed mid-run (see docs/deploy.md for the guarantee)."""

from __future__ import annotations

import asyncio
import multiprocessing
import time
from pathlib import Path
from typing import Any

import httpx

from benchmarks.redis_cluster import Cluster, Node
from guard.stores import store_from_url
from tests.serve.cluster_fleet import (
    MAX_TOKENS,
    POLICIES,
    UsageUpstream,
    ask,
    budget_state,
    client_process,
    guard_serve,
)
from tests.serve.servers import running

LIMIT = 3000
RATE = 120
CLIENTS = 4
CONCURRENT = 50


def test_workers_and_clients_share_one_budget_and_one_rate_limit(
        tmp_path: Path, redis_cluster: Cluster) -> None:
    upstream = UsageUpstream()
    policies = POLICIES.format(store=redis_cluster.url, name="fleet", limit=LIMIT,
                               requests=RATE)
    context = multiprocessing.get_context("spawn")
    start, results = context.Barrier(CLIENTS), context.Queue()
    with running(upstream) as up, guard_serve(tmp_path, up, policies, workers=3) as base:
        clients = [context.Process(target=client_process,
                                   args=(base, "team-a", "user-a", CONCURRENT, start, results))
                   for _ in range(CLIENTS)]
        for process in clients:
            process.start()
        outcomes = [results.get(timeout=120) for _ in clients]
        for process in clients:
            process.join(timeout=10)
    failures = [o for o in outcomes if isinstance(o, str)]
    assert not failures, failures[0]
    codes = [code for run in outcomes for code in run]
    assert set(codes) <= {200, 402, 429}, sorted(set(codes))
    assert upstream.calls["user-a"] == RATE  # the rate limit is exact across every process
    assert codes.count(429) == CLIENTS * CONCURRENT
    spent = upstream.tokens["team-a"]
    settled, held, live = budget_state(redis_cluster, "fleet-budget")
    print(f"\ncluster fleet: {upstream.calls['team-a']} budget calls, {spent} of {LIMIT} "
          f"tokens, store settled {settled:.0f}, held {held}, live holds {live}")
    assert spent <= LIMIT  # calls never cost more than reserved: no overspend at all
    assert (settled, held, live) == (spent, 0.0, 0)  # every hold settled, charged once
    assert spent >= LIMIT - 2 * 40  # and the budget was usable to within an estimate or two


def test_a_killed_primary_fails_closed_then_recovers(tmp_path: Path,
                                                     redis_cluster: Cluster) -> None:
    """While the budget's primary is gone: 503 in OpenAI's shape; once its replica took
    over: 200 again. Spend is never counted twice; what is lost is bounded by the calls in
    flight when the primary died. Afterwards the node is restarted (it rejoins as a
    replica), so the session's cluster is whole again."""
    upstream = UsageUpstream()
    policies = POLICIES.format(store=redis_cluster.url, name="failover", limit=10**6,
                               requests=10**6)
    with running(upstream) as up, guard_serve(tmp_path, up, policies) as base:
        with httpx.Client(timeout=30) as client:
            assert ask(client, base, **{"x-team": "t"}).status_code == 200
        key = _budget_key(redis_cluster, "failover-budget")
        victim = redis_cluster.primary_of(key)
        timeline = asyncio.run(_through_a_failover(base, victim))
        victim.start()
        redis_cluster.wait_ok()
    codes = [code for _, code, _ in timeline]
    assert set(codes) <= {200, 503} and 503 in codes, sorted(set(codes))
    for _, code, body in timeline:
        if code == 503:
            assert "state store unavailable" in body["error"]["message"]
            assert str(victim.port) not in str(body)
    last_503 = max(at for at, code, _ in timeline if code == 503)
    assert any(code == 200 for at, code, _ in timeline if at > last_503)  # recovered
    first_503 = min(at for at, code, _ in timeline if code == 503)
    settled = asyncio.run(_settled(redis_cluster.url, key))
    spent = upstream.tokens["t"]
    print(f"\nfailover: {codes.count(503)} of {len(codes)} answers 503 for "
          f"{last_503 - first_503:.1f} s; upstream {spent} tokens, store settled "
          f"{settled:.0f} (lost {spent - settled:.0f})")
    assert settled <= spent  # never counted twice
    assert spent - settled <= FAILOVER_CONCURRENT * (2 + MAX_TOKENS)  # the calls in flight


FAILOVER_CONCURRENT = 16


async def _through_a_failover(base: str, victim: Node) -> list[tuple[float, int, Any]]:
    """Requests from 16 loops; the victim is killed 0.3 s in; the loops stop 1 s after the
    first 200 that follows a 503 (or after 30 s)."""
    timeline: list[tuple[float, int, Any]] = []
    started = time.monotonic()
    done = asyncio.Event()

    async def loop(client: httpx.AsyncClient) -> None:
        while not done.is_set():
            response = await ask(client, base, **{"x-team": "t"})
            at = time.monotonic() - started
            body = response.json() if response.status_code == 503 else None
            timeline.append((at, response.status_code, body))

    async def watch() -> None:
        await asyncio.sleep(0.3)
        victim.stop(kill=True)
        while time.monotonic() - started < 30:
            outages = [at for at, code, _ in timeline if code == 503]
            if outages and any(code == 200 and at > outages[-1] for at, code, _ in timeline):
                await asyncio.sleep(1)
                break
            await asyncio.sleep(0.05)
        done.set()

    async with httpx.AsyncClient(timeout=30) as client:
        await asyncio.gather(watch(), *(loop(client) for _ in range(FAILOVER_CONCURRENT)))
    return timeline


async def _settled(url: str, name: str) -> float:
    """What the budget charged, once every hold left over has run out (``now`` is injected:
    a day later, every hold is past its ``hold_until``)."""
    store = store_from_url(url)
    try:
        key = name.removeprefix("guard:{").removesuffix("}:m")
        return await store.usage(key, now=time.time() + 86400)
    finally:
        await store.close()


def _budget_key(cluster: Cluster, policy: str) -> str:
    """The Redis name of ``policy``'s budget hash (bucket values are hashed in keys)."""
    from redis.cluster import RedisCluster

    port = next(n.port for n in cluster.nodes if n.process is not None)
    client = RedisCluster(host="127.0.0.1", port=port, decode_responses=True)
    try:
        names = list(client.scan_iter(match=f"guard:{{budget/{policy}/*}}:m",
                                      target_nodes=RedisCluster.PRIMARIES))
    finally:
        client.close()
    assert len(names) == 1, names
    return str(names[0])


