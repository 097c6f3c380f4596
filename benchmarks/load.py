"""The load generator of the HTTP benchmarks: a process of its own, aiohttp on uvloop.

A load generator shares the machine's two cores with what it measures, so it must cost
as little as it can: aiohttp spends ~85 µs of CPU per request here, where httpx spent
~650 µs (one pool per connection) to ~2 ms (one pool of 32) and capped every server it
measured. ``run_load`` starts it, reads the server's CPU seconds (``cpu``) exactly as the
measured window starts and stops, and returns requests per second, the server's CPU per
request, the median and 99th-percentile latency under load and the median for one client
alone; any answer that is
not 200 fails the run.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent


def run_load(url: str, body: str, *, headers: dict[str, str] | None = None,
             connections: int = 32, seconds: float = 5.0, warmup: float = 1.0,
             single: int = 100, cpu: Callable[[], float] | None = None,
             path: str = "/v1/chat/completions", number: str | None = None) -> dict[str, float]:
    """Load ``url`` + ``path`` with ``body`` from another process. ``number``, a substring
    of ``body``, is replaced by a count in each request: JSON-RPC requests in flight at once
    on one MCP session need ids of their own."""
    cfg = {"url": url, "body": body, "headers": headers or {}, "connections": connections,
           "seconds": seconds, "warmup": warmup, "single": single, "path": path,
           "number": number}
    proc = subprocess.Popen([sys.executable, "-m", "benchmarks.load", json.dumps(cfg)],
                            stdout=subprocess.PIPE, text=True, cwd=ROOT)
    result: dict[str, float] | None = None
    seconds_at: dict[str, float] = {}
    try:
        assert proc.stdout is not None
        for line in proc.stdout:
            if line.strip() in ("start", "stop"):
                seconds_at[line.strip()] = cpu() if cpu is not None else 0.0
            elif line.strip():
                result = json.loads(line)
        if proc.wait(timeout=3 * seconds + 120) != 0 or result is None:
            raise RuntimeError(f"the load generator failed against {url}")
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    if result["errors"]:
        raise AssertionError(f"{url}: {result['errors']:.0f} requests failed under load")
    result["cpu_us"] = (seconds_at["stop"] - seconds_at["start"]) / result["requests"] * 1e6
    return result


async def _generate(cfg: dict[str, Any]) -> dict[str, float]:
    import aiohttp

    bodies = _bodies(cfg["body"], cfg.get("number"))
    headers = {"content-type": "application/json", **cfg["headers"]}
    url = cfg["url"].rstrip("/") + cfg.get("path", "/v1/chat/completions")
    codes: list[int] = []

    async def post(session: aiohttp.ClientSession, latencies: list[float]) -> None:
        start = time.perf_counter()
        async with session.post(url, data=next(bodies), headers=headers) as answer:
            await answer.read()
            codes.append(answer.status)
        latencies.append(time.perf_counter() - start)

    async def worker(session: aiohttp.ClientSession, stop: float,
                     latencies: list[float]) -> None:
        while time.perf_counter() < stop:
            await post(session, latencies)

    connector = aiohttp.TCPConnector(limit=cfg["connections"])
    timeout = aiohttp.ClientTimeout(total=60)
    async with aiohttp.ClientSession(connector=connector, timeout=timeout) as session:
        warm = time.perf_counter() + cfg["warmup"]
        await asyncio.gather(*(worker(session, warm, []) for _ in range(cfg["connections"])))
        loaded: list[float] = []
        print("start", flush=True)
        start = time.perf_counter()
        await asyncio.gather(*(worker(session, start + cfg["seconds"], loaded)
                               for _ in range(cfg["connections"])))
        elapsed = time.perf_counter() - start
        print("stop", flush=True)
        alone: list[float] = []
        stop = time.perf_counter() + cfg["seconds"]
        while len(alone) < cfg["single"] and time.perf_counter() < stop:
            await post(session, alone)
    return {"rps": len(loaded) / elapsed, "requests": len(loaded),
            "p50_loaded_us": statistics.median(loaded) * 1e6,
            "p99_loaded_us": statistics.quantiles(loaded, n=100)[98] * 1e6
            if len(loaded) > 1 else 0.0,
            "p50_alone_us": statistics.median(alone) * 1e6 if alone else 0.0,
            "errors": sum(code != 200 for code in codes)}


def _bodies(body: str, number: str | None) -> Iterator[bytes]:
    """``body`` again and again, ``number`` in it replaced by 1, 2, 3..."""
    if not number:
        return itertools.repeat(body.encode())
    before, after = (part.encode() for part in body.split(number, 1))
    return (b"%s%d%s" % (before, n, after) for n in itertools.count(1))


def main() -> None:
    import uvloop

    print(json.dumps(uvloop.run(_generate(json.loads(sys.argv[1])))), flush=True)


if __name__ == "__main__":
    main()
