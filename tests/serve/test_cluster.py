"""``guard serve`` on a real Redis Cluster: many workers and client processes on one budget
and one rate limit, and a primary killed mid-run (see docs/deploy.md for the guarantee)."""

from __future__ import annotations

import multiprocessing
import time
from pathlib import Path

import httpx

from benchmarks.redis_cluster import Cluster
from tests.serve.cluster_fleet import (
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
    """While the budget's primary is gone: 503 in OpenAI's shape; after the replica takes
    over: 200 again. Then the node is restarted (it rejoins as a replica)."""
    upstream = UsageUpstream()
    policies = POLICIES.format(store=redis_cluster.url, name="failover", limit=10**6,
                               requests=10**6)
    with running(upstream) as up, guard_serve(tmp_path, up, policies) as base, \
            httpx.Client(timeout=30) as client:
        assert ask(client, base, **{"x-team": "t"}).status_code == 200
        victim = redis_cluster.primary_of(_budget_key(redis_cluster, "failover-budget"))
        victim.stop(kill=True)
        codes, started, recovered = [], time.monotonic(), None
        while time.monotonic() - started < 30:
            response = ask(client, base, **{"x-team": "t"})
            codes.append(response.status_code)
            if response.status_code == 503:
                error = response.json()["error"]
                assert "state store unavailable" in error["message"]
                assert str(victim.port) not in response.text
            elif response.status_code == 200 and 503 in codes:
                recovered = time.monotonic() - started
                break
            time.sleep(0.05)
        assert set(codes) <= {200, 503} and 503 in codes and recovered is not None, codes
        victim.start()
        redis_cluster.wait_ok()
    settled, held, live = budget_state(redis_cluster, "failover-budget")
    print(f"\nfailover: {codes.count(503)} answers 503, recovered after {recovered:.1f} s; "
          f"upstream {upstream.tokens['t']} tokens, store settled {settled:.0f}")
    assert (held, live) == (0.0, 0)
    assert settled == upstream.tokens["t"]  # one request at a time: nothing was in flight


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


