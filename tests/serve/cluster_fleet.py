"""Helpers for the Redis Cluster serve tests: an upstream that reports usage, a ``guard
serve`` on the cluster, client processes, and what the cluster holds for a budget."""

from __future__ import annotations

import asyncio
import json
import os
import random
import subprocess
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
from redis.cluster import RedisCluster

from benchmarks.redis_cluster import Cluster
from tests.cli.test_serve import eventually
from tests.serve.servers import free_port

MAX_TOKENS = 20
POLICIES = """version: 1
settings: {{store: "{store}", decision_log: none}}
policies:
  - name: {name}-budget
    type: budget
    per: request.headers["x-team"]
    limit_tokens: {limit}
    window: month
  - name: {name}-rate
    type: rate_limit
    per: request.headers["x-user"]
    requests: {requests}
    window: day
    algorithm: fixed
"""


class UsageUpstream:
    """An OpenAI-shaped upstream whose answers report ``usage`` (at most the ``max_tokens``
    asked for, so a call never costs more than guard reserved), summed per team."""

    def __init__(self) -> None:
        self.tokens: dict[str, int] = {}
        self.calls: dict[str, int] = {}
        self._lock = threading.Lock()
        self._rng = random.Random(7)

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            return
        while (await receive()).get("more_body"):
            pass
        headers = dict(scope["headers"])
        who = (headers.get(b"x-team") or headers.get(b"x-user") or b"?").decode()
        with self._lock:
            completion = self._rng.randint(1, MAX_TOKENS)
            self.tokens[who] = self.tokens.get(who, 0) + 2 + completion
            self.calls[who] = self.calls.get(who, 0) + 1
        body = json.dumps({"id": "c", "object": "chat.completion", "model": "gpt-4o-mini",
                           "choices": [{"index": 0, "finish_reason": "stop", "message": {
                               "role": "assistant", "content": "ok"}}],
                           "usage": {"prompt_tokens": 2, "completion_tokens": completion,
                                     "total_tokens": 2 + completion}}).encode()
        await send({"type": "http.response.start", "status": 200,
                    "headers": [(b"content-type", b"application/json")]})
        await send({"type": "http.response.body", "body": body})


@contextmanager
def guard_serve(tmp_path: Path, upstream: str, policies: str,
                workers: int = 1) -> Iterator[str]:
    """``guard serve`` as an operator starts it; yields its base URL; stopped by its PID."""
    policy = tmp_path / "p.yaml"
    policy.write_text(policies)
    port, log = free_port(), tmp_path / "serve.log"
    env = {**os.environ, "GUARD_POLICIES": str(policy), "GUARD_UPSTREAM": upstream,
           "GUARD_PORT": str(port), "GUARD_WORKERS": str(workers)}
    env.pop("GUARD_STORE", None)  # the set's store: the cluster
    with log.open("wb") as err:
        proc = subprocess.Popen([sys.executable, "-m", "guard.cli.main", "serve"], env=env,
                                stdout=subprocess.DEVNULL, stderr=err)
        try:
            eventually(lambda: log.read_text().count("serving policies from") == workers
                       or proc.poll() is not None)
            assert proc.poll() is None, log.read_text()
            yield f"http://127.0.0.1:{port}"
        finally:
            proc.terminate()
            proc.wait(timeout=40)
    assert "Traceback" not in log.read_text(), log.read_text()


def ask(client: httpx.Client | httpx.AsyncClient, base: str, **headers: str) -> Any:
    return client.post(f"{base}/v1/chat/completions", headers=headers, json={
        "model": "gpt-4o-mini", "max_tokens": MAX_TOKENS,
        "messages": [{"role": "user", "content": "hi"}]})


async def _until_refused(client: httpx.AsyncClient, base: str, header: str, value: str,
                         codes: list[int]) -> None:
    while True:
        response = await ask(client, base, **{header: value})
        codes.append(response.status_code)
        if response.status_code != 200:
            return


async def _client_run(base: str, team: str, user: str, concurrent: int) -> list[int]:
    codes: list[int] = []
    limits = httpx.Limits(max_connections=concurrent * 2)
    async with httpx.AsyncClient(timeout=30, limits=limits) as client:
        await asyncio.gather(*(_until_refused(client, base, name, value, codes)
                               for _ in range(concurrent)
                               for name, value in (("x-team", team), ("x-user", user))))
    return codes


def client_process(base: str, team: str, user: str, concurrent: int, start: Any,
                   results: Any) -> None:
    """One client process (spawned): waits for the others, then runs its loops."""
    try:
        start.wait(timeout=60)
        results.put(asyncio.run(_client_run(base, team, user, concurrent)))
    except BaseException as exc:
        results.put(repr(exc))
        raise


def budget_state(cluster: Cluster, policy: str) -> tuple[float, float, int]:
    """Settled spend, live holds and live reservation count of ``policy``'s buckets."""
    port = next(n.port for n in cluster.nodes if n.process is not None)
    client = RedisCluster(host="127.0.0.1", port=port, decode_responses=True)
    try:
        settled = held = 0.0
        live = 0
        for name in client.scan_iter(match=f"guard:{{budget/{policy}/*", count=1000,
                                     target_nodes=RedisCluster.PRIMARIES):
            if name.endswith(":m"):
                meta = client.hgetall(name)
                settled += float(meta.get("settled", 0))
                held += float(meta.get("held", 0))
            elif name.endswith(":r"):
                live += int(client.hlen(name))
        return settled, held, live
    finally:
        client.close()
