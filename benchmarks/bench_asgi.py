"""The middleware: a bare gateway app vs the same app wrapped in ``GuardMiddleware``.

The app is the stand-in gateway of the tests (``tests/asgi/upstream.py``: it answers a
chat request by echoing it). The policies are route + rule + content (secrets and
prompt injection), a 2 KB chat request. Rows:

- in-process: one request through the ASGI callable, no server, per-request time
  (``scan_memo: 0``: the repeated body is read afresh every time, as new text would be);
- in-process, a 10-turn chat whose every request re-sends the messages before it: mean
  time per request over whole new conversations, with the memo of re-sent history (the
  default) and without;
- over uvicorn on loopback (uvloop, httptools, as ``guard serve`` runs): requests per
  second from the load generator of :mod:`benchmarks.load` in another process (32
  keep-alive connections), bare app vs guarded app loaded in turn, best of three rounds
  each, all of it on the same two cores; and the server's own CPU time per request. Two
  bare apps: the echoing stand-in (the worst case for a ratio: it does almost nothing,
  ~100 µs a request) and a gateway that relays each call to a model API in another
  process (guard's own proxy without policies; what a gateway costs at the least);
- streaming: time to the first content byte of a streamed answer whose upstream waits
  20 ms between chunks, direct vs through ``guard serve`` (no output policies, and with
  an output content policy, which holds text back).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import resource
import sys
import time
from collections.abc import Iterator
from typing import Any

from benchmarks.load import run_load
from benchmarks.timing import per_call_us_async, row

POLICIES = """version: 1
settings: {store: "memory://", decision_log: none, scan_memo: 0}  # the same body, read afresh
policies:
  - {name: models, type: route, allow: ["openai/*"]}
  - {name: size, type: rule, deny_if: "size(request.messages) > 50"}
  - name: filters
    type: content
    detect: {secrets: true, prompt_injection: true}
"""
OUTPUT = POLICIES + """  - name: out
    type: content
    stages: [output]
    detect: {keywords: ["project zeus"]}
    action: redact
"""
TEXT = ("Please summarise the attached meeting notes for the team and list the open "
        "questions. ") * 24
BODY = json.dumps({"model": "gpt-4o-mini", "messages": [{"role": "user", "content": TEXT}]})


def _apps(policies: str = POLICIES) -> tuple[Any, Any]:
    from guard import Guard, GuardMiddleware
    from tests.asgi.upstream import build

    bare = build(record=False)
    return bare, GuardMiddleware(bare, guard=Guard.from_yaml(policies))


def _call(app: Any, bodies: Iterator[bytes] | None = None) -> Any:
    """One request through ``app`` per call: ``BODY``, or the next of ``bodies``."""
    scope = {"type": "http", "method": "POST", "path": "/v1/chat/completions",
             "raw_path": b"/v1/chat/completions", "query_string": b"", "root_path": "",
             "scheme": "http", "server": ("gw", 80), "client": ("127.0.0.1", 1),
             "http_version": "1.1", "asgi": {"version": "3.0"}}

    async def once() -> None:
        body = next(bodies) if bodies is not None else BODY.encode()
        headers = [(b"content-type", b"application/json"),
                   (b"content-length", str(len(body)).encode())]
        sent = False

        async def receive() -> dict[str, Any]:
            nonlocal sent
            if not sent:
                sent = True
                return {"type": "http.request", "body": body, "more_body": False}
            await asyncio.sleep(3600)
            return {"type": "http.disconnect"}

        async def send(message: dict[str, Any]) -> None:
            return None

        await app({**scope, "headers": headers}, receive, send)

    return once


def _served(app: Any, seconds: float) -> dict[str, float]:
    """Requests per second from the load generator, and the server's CPU time per request
    (it runs in a thread of this otherwise idle process: the load generator's CPU is not
    counted, so this figure moves little with the machine's other work)."""
    from tests.serve.servers import running

    def cpu() -> float:
        usage = resource.getrusage(resource.RUSAGE_SELF)
        return usage.ru_utime + usage.ru_stime

    with running(app, fast=True) as url:
        return run_load(url, BODY, seconds=seconds, warmup=min(1.0, seconds / 3), single=0,
                        cpu=cpu)


async def _first_byte(url: str, body: dict[str, Any]) -> float:
    import httpx

    async with httpx.AsyncClient(base_url=url, timeout=30) as client:
        best = float("inf")
        for _ in range(5):
            start = time.perf_counter()
            async with client.stream("POST", "/v1/chat/completions", json=body) as r:
                async for chunk in r.aiter_text():
                    if '"content":"' in chunk.replace(" ", "") and '"content":""' not in (
                            chunk.replace(" ", "")):
                        break
            best = min(best, time.perf_counter() - start)
        return best * 1e6


def _ttft_rows() -> list[dict[str, Any]]:
    import tempfile
    from pathlib import Path

    from guard.serve.app import build_app
    from tests.asgi import upstream
    from tests.serve.servers import running

    upstream.DELAY = 0.02
    body = {"model": "gpt-4o-mini", "stream": True,
            "messages": [{"role": "user", "content": "tell me about the plan " * 8}]}
    rows = []
    with tempfile.TemporaryDirectory() as tmp, running(upstream.build(record=False)) as up:
        direct = asyncio.run(_first_byte(up, body))
        for label, text in (("no output policy", POLICIES), ("output policy", OUTPUT)):
            path = Path(tmp) / f"{label}.yaml"
            path.write_text(text)
            with running(build_app(path, up)) as guarded:
                rows.append(row(f"stream: first token ({label})", "upstream direct", direct,
                                "through guard serve", asyncio.run(_first_byte(guarded, body))))
    upstream.DELAY = 0.0
    return rows


def run(quick: bool = False) -> list[dict[str, Any]]:
    bare, guarded = _apps()
    n = 300 if quick else 2000
    rows = [row("middleware: chat 2 KB, in-process", "bare ASGI app",
                per_call_us_async(_call(bare), n), "GuardMiddleware",
                per_call_us_async(_call(guarded), n))]
    rows += _conversation_rows(bare, 20 if quick else 100)
    seconds = 3.0 if quick else 8.0
    rounds = 1 if quick else 3
    rows += _load_rows("echo app", bare, guarded, seconds, rounds)
    with _relaying() as (relay, guarded_relay):
        rows += _load_rows("relaying gateway", relay, guarded_relay, seconds, rounds)
    return rows + _ttft_rows()


TURNS = 10


def _conversation(salt: int) -> list[bytes]:
    """The requests of one chat: turn k re-sends the k - 1 messages before it (2 KB each)."""
    messages = [{"role": ("user", "assistant")[i % 2], "content": f"[{salt}.{i}] {TEXT}"}
                for i in range(TURNS)]
    return [json.dumps({"model": "gpt-4o-mini", "messages": messages[:k]}).encode()
            for k in range(1, TURNS + 1)]


def _conversation_rows(bare: Any, conversations: int) -> list[dict[str, Any]]:
    """Mean time per request over whole conversations, every one new (so nothing is
    remembered from another): with the memo of re-sent history (the default) and without."""
    from guard import Guard, GuardMiddleware

    remembering = POLICIES.replace("scan_memo: 0", "scan_memo: 4096")
    apps = {"bare": bare, "memo": GuardMiddleware(bare, guard=Guard.from_yaml(remembering)),
            "no memo": GuardMiddleware(bare, guard=Guard.from_yaml(POLICIES))}
    salts = iter(range(10**9))
    us = {}
    for label, app in apps.items():
        bodies = (body for _ in iter(int, 1) for body in _conversation(next(salts)))
        us[label] = per_call_us_async(_call(app, bodies), conversations * TURNS)
    name = f"middleware: {TURNS}-turn chat, 2 KB a message"
    return [row(f"{name}, re-sent history remembered", "bare ASGI app", us["bare"],
                "GuardMiddleware", us["memo"]),
            row(f"{name}, scan_memo: 0", "bare ASGI app", us["bare"], "GuardMiddleware",
                us["no memo"])]


def _load_rows(label: str, bare: Any, guarded: Any, seconds: float, rounds: int
               ) -> list[dict[str, Any]]:
    bare_load, guarded_load = _alternated(bare, guarded, seconds, rounds)
    print(f"uvicorn, {label}: bare {bare_load['rps']:.0f} req/s, guarded "
          f"{guarded_load['rps']:.0f} req/s ({guarded_load['rps'] / bare_load['rps']:.2f}x); "
          f"server CPU per request {bare_load['cpu_us']:.0f} vs {guarded_load['cpu_us']:.0f} us",
          file=sys.stderr)
    return [row(f"uvicorn, {label}: req/s (us = 1e6/rps)", "bare", 1e6 / bare_load["rps"],
                "GuardMiddleware", 1e6 / guarded_load["rps"]),
            row(f"uvicorn, {label}: server CPU/request", "bare", bare_load["cpu_us"],
                "GuardMiddleware", guarded_load["cpu_us"])]


@contextlib.contextmanager
def _relaying() -> Iterator[tuple[Any, Any]]:
    """A gateway that does what gateways do, relay each call to a model API: guard's own
    proxy with no policies in front of the stand-in in a process of its own (so the
    stand-in's CPU is not counted), bare and wrapped in ``GuardMiddleware``."""
    import os
    import tempfile
    from pathlib import Path

    from benchmarks.bench_litellm import UPSTREAM_SCRIPT
    from benchmarks.processes import free_port, process
    from guard import Guard, GuardMiddleware
    from guard.serve.proxy import ProxyOptions, build_proxy

    port = free_port()
    up = f"http://127.0.0.1:{port}"
    with tempfile.TemporaryDirectory() as tmp, process(
            "stand-in", [sys.executable, "-c", UPSTREAM_SCRIPT, str(port)], dict(os.environ),
            Path(tmp) / "upstream.log", f"{up}/_bench/last", 60):
        relay = build_proxy(ProxyOptions(up))
        yield relay, GuardMiddleware(relay, guard=Guard.from_yaml(POLICIES))


def _alternated(bare: Any, guarded: Any, seconds: float, rounds: int
                ) -> tuple[dict[str, float], dict[str, float]]:
    """Bare and guarded loaded in turn, ``rounds`` times each; the best round of each
    (the machine's other work only ever slows a round down)."""
    runs: dict[str, list[dict[str, float]]] = {"bare": [], "guarded": []}
    for _ in range(rounds):
        runs["bare"].append(_served(bare, seconds))
        runs["guarded"].append(_served(guarded, seconds))
    best = {name: max(results, key=lambda r: r["rps"]) for name, results in runs.items()}
    return best["bare"], best["guarded"]


if __name__ == "__main__":
    from benchmarks.__main__ import table

    print(table(run(quick=True)))
