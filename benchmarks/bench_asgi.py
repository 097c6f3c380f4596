"""The middleware: a bare gateway app vs the same app wrapped in ``GuardMiddleware``.

The app is the stand-in gateway of the tests (``tests/asgi/upstream.py``: it answers a
chat request by echoing it). The policies are route + rule + content (secrets and
prompt injection), a 2 KB chat request. Rows:

- in-process: one request through the ASGI callable, no server, per-request time;
- over uvicorn on loopback: requests per second from a load generator in another process
  (httpx, 32 keep-alive connections, each its own client), bare app vs guarded app, one
  after the other in the same run (all of it on the same two cores);
- streaming: time to the first content byte of a streamed answer whose upstream waits
  20 ms between chunks, direct vs through ``guard serve`` (no output policies, and with
  an output content policy, which holds text back).
"""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
import time
from typing import Any

from benchmarks.timing import per_call_us_async, row

POLICIES = """version: 1
settings: {store: "memory://", decision_log: none}
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

    bare = build()
    return bare, GuardMiddleware(bare, guard=Guard.from_yaml(policies))


def _call(app: Any) -> Any:
    body = BODY.encode()
    scope = {"type": "http", "method": "POST", "path": "/v1/chat/completions",
             "raw_path": b"/v1/chat/completions", "query_string": b"", "root_path": "",
             "scheme": "http", "server": ("gw", 80), "client": ("127.0.0.1", 1),
             "headers": [(b"content-type", b"application/json"),
                         (b"content-length", str(len(body)).encode())],
             "http_version": "1.1", "asgi": {"version": "3.0"}}

    async def once() -> None:
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

        await app(dict(scope), receive, send)

    return once


def _load(url: str, seconds: float) -> float:
    """Requests per second from a load generator in another process."""
    code = f"""
import asyncio, time, httpx
BODY = {BODY!r}
async def worker(client, stop, counts):
    while time.perf_counter() < stop:
        r = await client.post("/v1/chat/completions", content=BODY,
                              headers={{"content-type": "application/json"}})
        counts.append(r.status_code)
async def main():
    # one small client per connection: a single shared httpx pool is slower than the server
    limits = httpx.Limits(max_connections=1, max_keepalive_connections=1)
    clients = [httpx.AsyncClient(base_url={url!r}, limits=limits, timeout=30) for _ in range(32)]
    await clients[0].post("/v1/chat/completions", content=BODY,
                          headers={{"content-type": "application/json"}})
    counts = []
    start = time.perf_counter()
    stop = start + {seconds}
    await asyncio.gather(*(worker(c, stop, counts) for c in clients))
    print(len(counts) / (time.perf_counter() - start))
    for c in clients:
        await c.aclose()
asyncio.run(main())
"""
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True, timeout=seconds + 60)
    return float(out.stdout.strip())


def _served_rps(app: Any, seconds: float) -> float:
    from tests.serve.servers import running

    with running(app) as url:
        return _load(url, seconds)


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
    with tempfile.TemporaryDirectory() as tmp, running(upstream.build()) as up:
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
    seconds = 3.0 if quick else 10.0
    bare_rps, guarded_rps = _served_rps(bare, seconds), _served_rps(guarded, seconds)
    rows.append(row("uvicorn: requests/s (us = 1e6/rps)", "bare app", 1e6 / bare_rps,
                    "GuardMiddleware", 1e6 / guarded_rps))
    print(f"uvicorn throughput: bare {bare_rps:.0f} req/s, guarded {guarded_rps:.0f} req/s "
          f"({guarded_rps / bare_rps:.2f}x)", file=sys.stderr)
    return rows + _ttft_rows()


if __name__ == "__main__":
    from benchmarks.__main__ import table

    print(table(run(quick=True)))
