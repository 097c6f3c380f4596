"""Where the CPU of one guarded request goes, stage by stage (issue 22).

Requests/s moves with whatever else the machine runs; CPU time per request and the shares
of it each stage takes move much less, so this is what the proxy's speed work is driven by.
Two paths, the same 2 KB chat request (one e-mail address in it, which the pii policy
masks) and the same policies (route + rule + content with secrets and prompt injection +
pii mask, decision log to a file):

- ``guard serve``: :func:`guard.serve.app.build_app` on uvicorn in this process's main
  thread (uvloop, guard's httptools protocol, heap frozen: what ``guard serve`` runs), the
  stand-in upstream of :mod:`benchmarks.bench_litellm` in a process of its own, loaded by
  :mod:`benchmarks.load` from another process (32 keep-alive connections);
- in-process ``GuardMiddleware`` around the echoing stand-in app, no server.

For each: the CPU time per request (``time.process_time`` over the loaded window, no
profiler running), then a second window sampled by ``SIGPROF`` every 0.5 ms of the
process's CPU time. Each sample is put in the stage of the innermost frame of its stack
that belongs to a stage (:data:`STAGES`; the standard library's frames, json's included,
count for the guard code that called them), and a stage's µs is its share of the samples
times the CPU per request. A signal is handled between two bytecodes, so C work (uvloop,
httptools, RE2) counts for the Python frame that runs next after it: close to the caller
for library calls, less exact for the loop's own C work, which shows as the callbacks it
runs (``server`` and ``event loop``).

    python -m benchmarks.bench_stages [--seconds 8] [--top 25]

``--top N`` also prints the N Python functions taking the most samples (self time).
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import gc
import json
import os
import signal
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from types import FrameType
from typing import Any

from benchmarks.timing import row

POLICIES = """version: 1
settings: {{store: "memory://", decision_log: "file:{log}", scan_memo: 0}}
policies:
  - {{name: models, type: route, allow: ["openai/*"]}}
  - {{name: size, type: rule, deny_if: "size(request.messages) > 50"}}
  - name: filters
    type: content
    detect: {{secrets: true, prompt_injection: true}}
  - name: contacts
    type: pii
    entities: [EMAIL_ADDRESS, PHONE_NUMBER]
    action: mask
"""
TEXT = ("Please summarise the attached meeting notes for the team and list the open "
        "questions. ") * 23
EMPTY = POLICIES.split("policies:")[0] + "policies: []\n"
"""No policy: what the guarded path costs around the checks (``--empty``)."""


def peers_policies() -> str:
    """Issue 22's job, the one the peer benchmarks give LiteLLM and Portkey (``--peers``):
    a keyword block and e-mail addresses redacted in and out, decision log to a file."""
    from benchmarks.bench_litellm import GUARD_POLICIES

    head, rest = GUARD_POLICIES.split("policies:", 1)
    head = head.replace("scan_memo: 0}", 'scan_memo: 0, decision_log: "file:{log}"}')
    return head.replace("{", "{{").replace("}", "}}").replace("{{log}}", "{log}") + \
        "policies:" + rest.replace("{", "{{").replace("}", "}}")
BODY = json.dumps({"model": "gpt-4o-mini", "messages": [
    {"role": "user", "content": TEXT + "Send the summary to jane.doe@example.com today."}]})

STAGES: tuple[tuple[str, str], ...] = (
    ("bench_stages.py", "(profiler)"),
    ("guard/observe/decision_log", "decision log"),
    ("guard/observe/events", "decision log"),
    ("guard/observe/entries", "decision log"),
    ("guard/observe/", "metrics"),
    ("prometheus_client/", "metrics"),
    ("guard/envelope/strict", "JSON parse (strict)"),
    ("guard/checks/content", "check: content"),
    ("guard/content/", "check: content"),
    ("guard/injection", "check: content"),
    ("guard/checks/pii", "check: pii"),
    ("guard/pii/", "check: pii"),
    ("presidio", "check: pii"),
    ("phonenumbers/", "check: pii"),
    ("guard/checks/route", "check: route"),
    ("guard/checks/rule", "check: rule"),
    ("guard/cel/", "check: CEL"),
    ("cel", "check: CEL"),
    ("guard/envelope/", "envelope"),
    ("guard/dialects/", "envelope"),
    ("guard/intake", "envelope"),
    ("guard/engine/", "engine (run, context, decision)"),
    ("guard/checks/", "engine (run, context, decision)"),
    ("guard/library", "engine (run, context, decision)"),
    ("guard/offload", "engine (run, context, decision)"),
    ("guard/asgi/response", "answer wrapper"),
    ("guard/asgi/streams", "answer wrapper"),
    ("guard/asgi/body", "body read"),
    ("guard/asgi/", "middleware"),
    ("guard/serve/proxy", "forwarding"),
    ("guard/serve/upstream", "upstream client"),
    ("guard/serve/connection", "upstream client"),
    ("yarl/", "upstream client"),  # aiohttp's, before guard had its own client
    ("multidict", "upstream client"),
    ("aiohttp/", "upstream client"),
    ("guard/serve/protocol", "server (uvicorn, httptools)"),
    ("uvicorn/", "server (uvicorn, httptools)"),
    ("tests/asgi/", "app (echo stand-in)"),
    ("starlette/", "app (echo stand-in)"),
    ("asyncio/", "event loop"),
    ("uvloop", "event loop"),
)
"""(path fragment, stage): the first fragment found in a frame's file names its stage."""


class Sampler:
    """CPU-time samples of the main thread's stack (``SIGPROF``), bucketed after the run."""

    def __init__(self, interval: float = 0.0005) -> None:
        self.interval = interval
        self.stacks: list[tuple[Any, ...]] = []
        signal.signal(signal.SIGPROF, self._sample)

    def _sample(self, signum: int, frame: FrameType | None) -> None:
        codes = []
        while frame is not None:
            codes.append(frame.f_code)
            frame = frame.f_back
        self.stacks.append(tuple(codes))

    def start(self) -> None:
        self.stacks.clear()
        signal.setitimer(signal.ITIMER_PROF, self.interval, self.interval)

    def stop(self) -> None:
        signal.setitimer(signal.ITIMER_PROF, 0, 0)

    def shares(self) -> dict[str, float]:
        counts: collections.Counter[str] = collections.Counter(
            _stage(stack) for stack in self.stacks)
        total = sum(counts.values()) or 1
        return {stage: n / total for stage, n in counts.most_common()}

    def top(self, n: int) -> list[tuple[str, float]]:
        counts = collections.Counter(f"{_short(s[0].co_filename)}:{s[0].co_name}"
                                     for s in self.stacks if s)
        total = sum(counts.values()) or 1
        return [(name, k / total) for name, k in counts.most_common(n)]


def _stage(stack: tuple[Any, ...]) -> str:
    for code in stack:
        name = code.co_filename
        for fragment, stage in STAGES:
            if fragment in name:
                return stage
    return "other"


def _short(path: str) -> str:
    for cut in ("site-packages/", "/work/wt/perf/", "/lib/python3"):
        if cut in path:
            return path.split(cut, 1)[1]
    return path


def report(title: str, cpu_us: float, sampler: Sampler, top: int) -> list[str]:
    lines = [f"{title}: {cpu_us:.0f} µs of CPU per request ({len(sampler.stacks)} samples)",
             f"  {'stage':<34} {'µs':>8} {'share':>7}"]
    for stage, share in sampler.shares().items():
        lines.append(f"  {stage:<34} {share * cpu_us:>8.1f} {share:>7.1%}")
    if top:
        lines.append(f"  top {top} functions by self samples:")
        lines += [f"    {share:>6.1%}  {name}" for name, share in sampler.top(top)]
    return lines


# --- guard serve ----------------------------------------------------------------------


@contextmanager
def _stand_in() -> Iterator[str]:
    from benchmarks.bench_litellm import UPSTREAM_SCRIPT
    from benchmarks.processes import free_port, process

    port = free_port()
    up = f"http://127.0.0.1:{port}"
    with tempfile.TemporaryDirectory() as tmp, process(
            "stand-in", [sys.executable, "-c", UPSTREAM_SCRIPT, str(port)], dict(os.environ),
            Path(tmp) / "upstream.log", f"{up}/_bench/last", 60):
        yield up


def serve_windows(seconds: float, sampler: Sampler, policies: str = POLICIES) -> float:
    """Load ``guard serve`` twice in this process's main thread: CPU per request of the
    first window (no sampling), samples of the second. Returns the CPU µs per request."""
    import uvicorn

    from benchmarks.load import run_load
    from guard.serve.app import build_app, freeze_heap
    from guard.serve.protocol import ReadLimits, protocol_class
    from tests.serve.servers import free_port

    with tempfile.TemporaryDirectory() as tmp, _stand_in() as up:
        path = Path(tmp) / "policies.yaml"
        path.write_text(policies.format(log=Path(tmp) / "decisions.jsonl"))
        app = build_app(path, up)
        port = free_port()
        config = uvicorn.Config(app, host="127.0.0.1", port=port, loop="uvloop",
                                http=protocol_class(ReadLimits()), log_level="warning",
                                lifespan="on", proxy_headers=False)
        server = uvicorn.Server(config)
        results: dict[str, float] = {}

        marks: list[float] = []

        def sampled() -> float:  # called at the window's start, then at its end
            (sampler.stop if marks else sampler.start)()
            marks.append(time.process_time())
            return marks[-1]

        def load() -> None:
            try:
                while not server.started:
                    time.sleep(0.05)
                url = f"http://127.0.0.1:{port}"
                plain = run_load(url, BODY, seconds=seconds, single=0, cpu=time.process_time)
                results["cpu_us"] = plain["cpu_us"]
                results["rps"] = plain["rps"]
                run_load(url, BODY, seconds=seconds, single=0, warmup=0.2, cpu=sampled)
            finally:
                server.should_exit = True

        threshold = gc.get_threshold()
        freeze_heap()  # as guard serve does; undone after, for the benchmarks run next
        threading.Thread(target=load, daemon=True).start()
        try:
            server.run()
        finally:
            gc.unfreeze()
            gc.set_threshold(*threshold)
        print(f"guard serve: {results.get('rps', 0):.0f} req/s", file=sys.stderr)
        return results["cpu_us"]


# --- in-process middleware -----------------------------------------------------------


def inprocess(n: int, sampler: Sampler, policies: str = POLICIES) -> tuple[float, float]:
    """CPU µs per request through ``GuardMiddleware`` and through the bare echo app."""
    from benchmarks.bench_asgi import _call
    from guard import Guard, GuardMiddleware
    from tests.asgi.upstream import build

    with tempfile.TemporaryDirectory() as tmp:
        bare = build(record=False)
        text = policies.format(log=Path(tmp) / "decisions.jsonl")
        guarded = GuardMiddleware(bare, guard=Guard.from_yaml(text))

        async def cpu(app: Any, sample: bool) -> float:
            call = _call(app, iter(lambda: BODY.encode(), None))
            for _ in range(n // 10):
                await call()
            if sample:
                sampler.start()
            start = time.process_time()
            for _ in range(n):
                await call()
            spent = time.process_time() - start
            if sample:
                sampler.stop()
            return spent / n * 1e6

        async def all_of_it() -> tuple[float, float]:
            bare_us = min([await cpu(bare, False) for _ in range(3)])
            guarded_us = min([await cpu(guarded, False) for _ in range(3)])
            await cpu(guarded, True)
            return bare_us, guarded_us

        return asyncio.run(all_of_it())


def run(quick: bool = False, seconds: float | None = None, top: int = 0,
        policies: str = POLICIES) -> list[dict[str, Any]]:
    seconds = seconds or (3.0 if quick else 8.0)
    sampler = Sampler()
    bare_us, guarded_us = inprocess(300 if quick else 3000, sampler, policies)
    lines = report("in-process GuardMiddleware (echo app)", guarded_us, sampler, top)
    lines.insert(1, f"  (bare echo app alone: {bare_us:.0f} µs; guard adds "
                    f"{guarded_us - bare_us:.0f} µs)")
    serve_us = serve_windows(seconds, sampler, policies)
    lines += report("guard serve (stand-in upstream in its own process)", serve_us, sampler,
                    top)
    print("\n".join(lines), file=sys.stderr)
    return [row("stages: in-process middleware CPU/request", "bare echo app", bare_us,
                "GuardMiddleware", guarded_us),
            row("stages: guard serve CPU/request", "in-process guard", guarded_us - bare_us,
                "guard serve", serve_us)]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--seconds", type=float, default=8.0)
    parser.add_argument("--top", type=int, default=0)
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--empty", action="store_true", help="no policy: the path alone")
    parser.add_argument("--peers", action="store_true",
                        help="issue 22's job: keyword block + e-mail redacted in and out")
    args = parser.parse_args()
    policies = EMPTY if args.empty else peers_policies() if args.peers else POLICIES
    run(args.quick, args.seconds, args.top, policies)


if __name__ == "__main__":
    main()
