"""CPU per upstream call: guard's own HTTP/1.1 client against aiohttp (issue 22).

The upstream call was ~115-165 µs of a guarded request's CPU with aiohttp
(``bench_stages``). This isolates it: the stand-in upstream of
:mod:`benchmarks.bench_litellm` runs in a process of its own, and this process relays the
2 KB chat body of ``bench_stages`` to it over loopback keep-alive connections, from
``--concurrency`` tasks on uvloop, reading each answer whole; CPU time of this process only
(``time.process_time``), so the upstream's own work is not counted. The two clients are
loaded in alternated rounds in one run (the machine's other work moves both alike) and the
median of each is reported, with their ratio. aiohttp is set up as ``guard serve`` had it
(no cookies, no redirects, no decompression, no headers of its own).

    python -m benchmarks.bench_client [--seconds 2] [--rounds 5] [--concurrency 8]
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import time
from collections.abc import Awaitable, Callable
from typing import Any

from benchmarks.bench_stages import BODY, _stand_in
from benchmarks.timing import row

HEADERS = [(b"content-type", b"application/json"), (b"authorization", b"Bearer sk-bench"),
           (b"Accept-Encoding", b"identity")]
PATH = "/v1/chat/completions"
Call = Callable[[], Awaitable[int]]


def _guard_client(up: str) -> tuple[Call, Callable[[], Awaitable[None]]]:
    from guard.serve.upstream import ProxyOptions, UpstreamPool

    pool = UpstreamPool(ProxyOptions(up))
    body = BODY.encode()

    async def call() -> int:
        answer = await pool.request("POST", PATH.encode(), list(HEADERS), body)
        try:
            return len(await answer.read())
        finally:
            answer.release()

    return call, pool.close


def _aiohttp_client(up: str) -> tuple[Call, Callable[[], Awaitable[None]]]:
    import aiohttp

    connector = aiohttp.TCPConnector(limit=200, limit_per_host=0, keepalive_timeout=30)
    session = aiohttp.ClientSession(
        connector=connector, cookie_jar=aiohttp.DummyCookieJar(), auto_decompress=False,
        trust_env=False, skip_auto_headers=("User-Agent", "Accept", "Accept-Encoding",
                                            "Content-Type"),
        timeout=aiohttp.ClientTimeout(total=None, sock_connect=5, sock_read=300))
    headers = [(k.decode(), v.decode()) for k, v in HEADERS]
    url = up + PATH
    body = BODY.encode()

    async def call() -> int:
        async with session.request("POST", url, headers=headers, data=body,
                                   allow_redirects=False) as answer:
            return len(await answer.read())

    return call, session.close


async def _window(call: Call, seconds: float, concurrency: int) -> float:
    """CPU µs per call over a loaded window (after a short warm-up)."""
    async def worker(until: float, counter: list[int]) -> None:
        while time.monotonic() < until:
            await call()
            counter[0] += 1

    await asyncio.gather(*(worker(time.monotonic() + 0.3, [0]) for _ in range(concurrency)))
    counter = [0]
    cpu = time.process_time()
    until = time.monotonic() + seconds
    await asyncio.gather(*(worker(until, counter) for _ in range(concurrency)))
    return (time.process_time() - cpu) / max(counter[0], 1) * 1e6


async def _compare(up: str, seconds: float, rounds: int,
                   concurrency: int) -> dict[str, list[float]]:
    clients = {"aiohttp": _aiohttp_client(up), "guard client": _guard_client(up)}
    results: dict[str, list[float]] = {name: [] for name in clients}
    try:
        for _ in range(rounds):
            for name, (call, _close) in clients.items():
                results[name].append(await _window(call, seconds, concurrency))
    finally:
        for _call, close in clients.values():
            await close()
    return results


def measure(seconds: float, rounds: int, concurrency: int) -> dict[str, list[float]]:
    import uvloop

    with _stand_in() as up:
        return uvloop.run(_compare(up, seconds, rounds, concurrency))


def run(quick: bool = False) -> list[dict[str, Any]]:
    results = measure(0.5 if quick else 2.0, 2 if quick else 5, 8)
    old, new = (statistics.median(results[k]) for k in ("aiohttp", "guard client"))
    return [row("upstream call, 2 KB chat (CPU/call)", "aiohttp", old, "guard client", new)]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=2.0)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--concurrency", type=int, default=8)
    args = parser.parse_args()
    results = measure(args.seconds, args.rounds, args.concurrency)
    for name, values in results.items():
        shown = " ".join(f"{v:.1f}" for v in values)
        print(f"{name:<14} median {statistics.median(values):7.1f} µs CPU/call  ({shown})")
    ratio = statistics.median(results["guard client"]) / statistics.median(results["aiohttp"])
    print(f"ratio guard client / aiohttp: {ratio:.2f}")


if __name__ == "__main__":
    main()
