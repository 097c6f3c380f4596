"""``guard serve --workers N``: how throughput grows with worker processes.

The peers' job (:mod:`benchmarks.bench_litellm`: a keyword refused, e-mail addresses masked
in requests and answers) in front of the same stand-in upstream, served by ``guard serve``
itself (the CLI, as an operator runs it) with 1, 2 and 4 workers sharing one SQLite store,
each loaded in turn by :mod:`benchmarks.load` (32 connections): requests per second, the
CPU time all workers spent per request, median latency. The baseline of each row is one
worker, so the ratio is the speed-up (below 1: faster).

On a machine of two cores the load generator and the stand-in take a share of the same
cores, so the curve flattens early; it shows what a worker adds where cores are free, and
that more workers than cores cost little. The core count is printed with the rows.
"""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path
from typing import Any

from benchmarks import bench_litellm as peer
from benchmarks.load import run_load
from benchmarks.processes import cpu_seconds, free_port, process
from benchmarks.timing import row

WORKERS = (1, 2, 4)


def _serve(policies: Path, upstream: str, port: int, workers: int) -> list[str]:
    command = str(Path(sys.executable).with_name("guard"))  # the CLI beside this Python
    return [command, "serve", "-p", str(policies), "--upstream",
            upstream, "--port", str(port), "--workers", str(workers)]


def _load(url: str, group: int, quick: bool) -> dict[str, float]:
    seconds = 3.0 if quick else 10.0
    return run_load(url, peer.BODY, connections=peer.CONNECTIONS, seconds=seconds,
                    warmup=min(2.0, seconds / 2), single=50 if quick else 200,
                    cpu=lambda: cpu_seconds(group))


def run(quick: bool = False) -> list[dict[str, Any]]:
    results: dict[int, dict[str, float]] = {}
    with tempfile.TemporaryDirectory(prefix="bench-workers-") as tmp:
        work = Path(tmp)
        policies = work / "policies.yaml"
        store = work / "state.db"
        policies.write_text(peer.GUARD_POLICIES.replace('"memory://"', f'"sqlite:///{store}"'))
        with peer.stand_in_process(work) as up:
            for workers in WORKERS:
                port = free_port()
                url = f"http://127.0.0.1:{port}"
                with process(f"guard x{workers}", _serve(policies, up, port, workers),
                             dict(os.environ), work / f"guard{workers}.log",
                             f"{url}/healthz", 120) as group:
                    results[workers] = _load(url, group, quick)
    return _rows(results)


def _rows(results: dict[int, dict[str, float]]) -> list[dict[str, Any]]:
    one = results[1]
    curve = ", ".join(f"{n} worker(s) {r['rps']:.0f} req/s ({r['cpu_us'] / 1e3:.2f} ms CPU)"
                      for n, r in results.items())
    print(f"bench_workers: {os.cpu_count()} cores; {curve}", file=sys.stderr)
    rows = []
    for workers, result in results.items():
        if workers == 1:
            continue
        label, mine = "guard serve, 1 worker", f"guard serve, {workers} workers"
        rows += [
            row(f"workers: requests/s (us = 1e6/rps), {workers}", label, 1e6 / one["rps"],
                mine, 1e6 / result["rps"]),
            row(f"workers: CPU per request, {workers}", label, one["cpu_us"], mine,
                result["cpu_us"]),
            row(f"workers: p50 latency loaded, {workers}", label, one["p50_loaded_us"], mine,
                result["p50_loaded_us"]),
        ]
    return rows


if __name__ == "__main__":
    from benchmarks.__main__ import table

    print(table(run(quick="--full" not in sys.argv)))
