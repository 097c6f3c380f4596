"""The peer: the LiteLLM proxy with its built-in content filter vs ``guard serve``.

Both proxies do the same job in front of the same stand-in upstream (``tests/asgi/upstream.py``
in a process of its own, uvicorn on loopback): refuse a request that mentions a keyword
(``project zeus``), and mask e-mail addresses in requests and in answers, streamed or not,
as ``[EMAIL_REDACTED]``. Each proxy runs as its own process with one worker (``litellm
--config ...``; guard's ``build_app`` on uvicorn with uvloop and httptools, exactly what
``guard serve`` runs), is checked to really block and mask, then loaded in turn:

- requests per second from a load generator in another process (:mod:`benchmarks.load`:
  aiohttp, 32 concurrent keep-alive connections, a 2 KB chat request carrying one e-mail
  address, whose echoed answer carries another), the median latency under that load and
  for one client alone, and the CPU time the proxy's processes spent per request (the
  throughput one core of the proxy gives, whatever the load generator and the upstream
  take of the others);
- a streamed answer whose upstream waits 20 ms between 5-character chunks: time to the first
  non-empty content delta and to the end of the stream.

LiteLLM is not a dependency of guard: install it into a virtualenv of its own and name its
executable (or the virtualenv) in ``GUARD_BENCH_LITELLM``, or put ``litellm`` on ``PATH``::

    python3 -m venv /tmp/litellm-venv && /tmp/litellm-venv/bin/pip install 'litellm[proxy]'
    GUARD_BENCH_LITELLM=/tmp/litellm-venv/bin/litellm python -m benchmarks --only litellm

Without it the module prints how to install it and returns no rows. Nothing leaves the
machine: LiteLLM runs with ``LITELLM_LOCAL_MODEL_COST_MAP=True`` (no price-map download),
no database and no callbacks, and every address is 127.0.0.1.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable, Iterator, MutableMapping
from pathlib import Path
from typing import Any

from benchmarks.load import run_load
from benchmarks.processes import cpu_seconds, free_port, process
from benchmarks.timing import row

Message = MutableMapping[str, Any]
Send = Callable[[Message], Awaitable[None]]
Receive = Callable[[], Awaitable[Message]]

ENV = "GUARD_BENCH_LITELLM"
INSTALL = (f"bench_litellm: skipped, LiteLLM not found. Install it apart from guard and "
           f"name it: python3 -m venv /tmp/litellm-venv && /tmp/litellm-venv/bin/pip "
           f"install 'litellm[proxy]'; then {ENV}=/tmp/litellm-venv/bin/litellm "
           f"python -m benchmarks --only litellm")
ROOT = Path(__file__).resolve().parent.parent

MASTER_KEY = "sk-bench-master"
KEYWORD = "project zeus"
TAG = "[EMAIL_REDACTED]"
CALLER_EMAIL = "jane.doe@example.com"
SEED, LEAKED = "[[contact]]", "ops.lead@example.org"
"""The upstream shim turns SEED into LEAKED before the stand-in echoes it: an address that
neither proxy saw in the request comes back in the answer, so output masking has work."""

CONNECTIONS = 32
TEXT = ("Please summarise the attached meeting notes for the team and list the open "
        "questions. ") * 23
BODY = json.dumps({"model": "gpt-4o-mini", "messages": [{"role": "user", "content": (
    f"{TEXT}Reply to {CALLER_EMAIL} and copy {SEED} on the answer.")}]})
STREAM_TEXT = "tell me about the plan " * 8
STREAM_DELAY = 0.02

GUARD_POLICIES = f"""version: 1
settings: {{store: "memory://", scan_memo: 0}}  # every request read afresh, as LiteLLM does
policies:
  - name: keyword
    type: content
    detect: {{keywords: ["{KEYWORD}"]}}
    action: block
  - name: email
    type: pii
    stages: [input, output]
    entities: [EMAIL_ADDRESS]
    action: redact
    replacement: "{TAG}"
"""


def litellm_config(upstream: str) -> str:
    """LiteLLM's built-in content filter doing guard's job: the keyword and e-mail addresses
    in requests (``pre_call``), e-mail addresses in answers (``post_call``, streams too)."""
    return f"""model_list:
  - model_name: gpt-4o-mini
    litellm_params:
      model: openai/gpt-4o-mini
      api_base: {upstream}/v1
      api_key: sk-stand-in
guardrails:
  - guardrail_name: keyword-and-email-in
    litellm_params:
      guardrail: litellm_content_filter
      mode: pre_call
      default_on: true
      blocked_words:
        - {{keyword: "{KEYWORD}", action: BLOCK}}
      patterns:
        - {{pattern_type: prebuilt, pattern_name: email, action: MASK}}
  - guardrail_name: email-out
    litellm_params:
      guardrail: litellm_content_filter
      mode: post_call
      default_on: true
      patterns:
        - {{pattern_type: prebuilt, pattern_name: email, action: MASK}}
general_settings:
  master_key: {MASTER_KEY}
"""


UPSTREAM_SCRIPT = """
import sys, uvicorn
from benchmarks.bench_litellm import stand_in
uvicorn.run(stand_in(), host="127.0.0.1", port=int(sys.argv[1]), loop="uvloop",
            http="httptools", log_level="warning")
"""

GUARD_SCRIPT = """
import sys, uvicorn
from guard.serve.app import build_app, freeze_heap
app = build_app(sys.argv[1], sys.argv[2])
freeze_heap()  # as guard serve does
uvicorn.run(app, host="127.0.0.1", port=int(sys.argv[3]),
            loop="uvloop", http="httptools", log_level="warning")
"""

def litellm_env() -> dict[str, str]:
    """LiteLLM's environment: no database, no callbacks, no price-map download, warnings
    only (no access log), nothing proxied off the machine."""
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("DATABASE_", "LITELLM_", "OPENAI_", "REDIS_"))}
    env.update(LITELLM_LOCAL_MODEL_COST_MAP="True", LITELLM_LOG="WARNING",
               NO_PROXY="127.0.0.1,localhost", PYTHONUNBUFFERED="1")
    return env


def find_litellm() -> str | None:
    """The LiteLLM executable: ``$GUARD_BENCH_LITELLM`` (the executable or its virtualenv),
    else ``litellm`` on ``PATH``."""
    named = os.environ.get(ENV)
    if named:
        path = Path(named)
        if path.is_dir():
            path = path / "bin" / "litellm"
        if path.is_file() and os.access(path, os.X_OK):
            return str(path)
        print(f"bench_litellm: {ENV}={named} is not a LiteLLM executable or virtualenv",
              file=sys.stderr)
        return None
    return shutil.which("litellm")


def litellm_version(executable: str) -> str:
    python = Path(executable).with_name("python")
    if not python.exists():
        return "?"
    out = subprocess.run([str(python), "-c", "from importlib.metadata import version; "
                          "print(version('litellm'))"], capture_output=True, text=True,
                         timeout=60, check=False)
    return out.stdout.strip() or "?"


def stand_in() -> Any:
    """The stand-in gateway behind a shim that writes LEAKED where a request says SEED.

    The shim also answers the benchmark itself: ``GET /_bench/last`` gives how many requests
    reached the stand-in and the last one, ``POST /_bench/delay?s=0.02`` sets the pause
    between streamed chunks (the stand-in runs in a process of its own).
    """
    from tests.asgi import upstream

    app = upstream.build(record=False)
    received: list[dict[str, Any]] = app.state.requests
    count = 0

    async def reply(send: Send, data: object) -> None:
        body = json.dumps(data).encode()
        await send({"type": "http.response.start", "status": 200,
                    "headers": [(b"content-type", b"application/json"),
                                (b"content-length", str(len(body)).encode())]})
        await send({"type": "http.response.body", "body": body})

    async def shim(scope: Message, receive: Receive, send: Send) -> None:
        nonlocal count
        if scope["type"] != "http":
            await app(scope, receive, send)
            return
        if scope["path"] == "/_bench/last":
            await reply(send, {"count": count, "last": received[-1] if received else None})
            return
        if scope["path"] == "/_bench/delay":
            upstream.DELAY = float(scope["query_string"].decode().partition("s=")[2] or 0)
            await reply(send, {"delay": upstream.DELAY})
            return
        parts, more = [], True
        while more:
            message = await receive()
            parts.append(message.get("body", b""))
            more = bool(message.get("more_body", False))
        body = b"".join(parts).replace(SEED.encode(), LEAKED.encode())
        headers = [(k, v) for k, v in scope["headers"] if k != b"content-length"]
        headers.append((b"content-length", str(len(body)).encode()))
        replayed = False

        async def replay() -> Message:
            nonlocal replayed
            if replayed:
                return await receive()
            replayed = True
            return {"type": "http.request", "body": body, "more_body": False}

        count += 1
        if len(received) > 100:
            del received[:-1]
        await app({**scope, "headers": headers}, replay, send)

    return shim


HEADERS: dict[str, dict[str, str]] = {"litellm": {"authorization": f"Bearer {MASTER_KEY}"}}
"""What each peer's requests carry besides the body (Portkey's config header is added by
:mod:`benchmarks.bench_portkey`)."""


STREAMLESS: set[str] = set()
"""Peers whose streamed answers fail here (Portkey 1.15.2 on Node 20): not measured."""


def _headers(peer: str) -> dict[str, str]:
    return HEADERS.get(peer, {})


def _verify(peer: str, url: str, upstream: str) -> None:
    """Fail unless the proxy blocks the keyword and masks e-mail both ways (JSON and SSE):
    a benchmark of a misconfigured peer is worthless."""
    import httpx

    def chat(content: str, stream: bool = False) -> httpx.Response:
        body = {"model": "gpt-4o-mini", "stream": stream,
                "messages": [{"role": "user", "content": content}]}
        return httpx.post(f"{url}/v1/chat/completions", json=body, headers=_headers(peer),
                          timeout=30)

    def seen() -> tuple[int, str]:
        data = httpx.get(f"{upstream}/_bench/last", timeout=10).json()
        return int(data["count"]), json.dumps(data["last"])

    def check(condition: bool, what: str, detail: object) -> None:
        if not condition:
            raise AssertionError(f"{peer} does not {what}: {detail!r}")

    before, _ = seen()
    r = chat(f"What is the status of {KEYWORD.title()}?")
    check(400 <= r.status_code < 500 and seen()[0] == before, "block the keyword",
          (r.status_code, r.text[:300]))

    r = chat(f"Write to {CALLER_EMAIL} today")
    _, forwarded = seen()
    check(r.status_code == 200 and CALLER_EMAIL not in forwarded and TAG in forwarded,
          "mask e-mail in the request", forwarded[:300])

    r = chat(f"Write to {SEED} today")
    answer = r.json()["choices"][0]["message"]["content"] if r.status_code == 200 else r.text
    check(LEAKED in seen()[1], "let the stand-in leak an address", seen()[1][:300])
    check(LEAKED not in answer and TAG in answer, "mask e-mail in the answer", answer)

    if peer in STREAMLESS:
        return
    r = chat(f"Write to {SEED} today, then tell me about the plan for the week", stream=True)
    streamed = "".join(_deltas(r.text.splitlines()))
    check(r.status_code == 200 and LEAKED not in streamed and TAG in streamed,
          "mask e-mail in a streamed answer", streamed or r.text[:300])


def _deltas(lines: list[str]) -> Iterator[str]:
    for line in lines:
        if line.startswith("data:") and line[5:].strip() not in ("", "[DONE]"):
            for choice in json.loads(line[5:]).get("choices") or []:
                text = (choice.get("delta") or {}).get("content")
                if text:
                    yield text


def _load(peer: str, url: str, group: int | None, seconds: float, single: int
          ) -> dict[str, float]:
    """The load generator in another process; the proxy's CPU time is read as it starts
    and stops the measured window."""
    return run_load(url, BODY, headers=_headers(peer), connections=CONNECTIONS,
                    seconds=seconds, warmup=min(2.0, seconds / 2), single=single,
                    cpu=(lambda: cpu_seconds(group)) if group else None)


async def _stream(url: str, headers: dict[str, str], rounds: int) -> dict[str, float]:
    """Median time to the first non-empty content delta and to the end of a streamed answer,
    and how many events carried content."""
    import httpx

    body = {"model": "gpt-4o-mini", "stream": True,
            "messages": [{"role": "user", "content": STREAM_TEXT}]}
    firsts, lasts, events = [], [], []
    async with httpx.AsyncClient(base_url=url, timeout=60, headers=headers) as client:
        for _ in range(rounds):
            start, first, count = time.perf_counter(), 0.0, 0
            async with client.stream("POST", "/v1/chat/completions", json=body) as r:
                async for line in r.aiter_lines():
                    if any(True for _ in _deltas([line])):
                        count += 1
                        first = first or time.perf_counter() - start
            lasts.append(time.perf_counter() - start)
            firsts.append(first)
            events.append(count)
    return {"first_us": statistics.median(firsts) * 1e6, "last_us": statistics.median(lasts) * 1e6,
            "events": statistics.median(events)}


def measure(peer: str, url: str, group: int | None, upstream: str, quick: bool
             ) -> dict[str, Any]:
    import httpx

    if group is not None:
        _verify(peer, url, upstream)
    result: dict[str, Any] = _load(peer, url, group, 3.0 if quick else 10.0,
                                   100 if quick else 300)
    httpx.post(f"{upstream}/_bench/delay?s={STREAM_DELAY}", timeout=10)
    try:
        if peer not in STREAMLESS:
            result["stream"] = asyncio.run(_stream(url, _headers(peer), 3 if quick else 7))
    finally:
        httpx.post(f"{upstream}/_bench/delay?s=0", timeout=10)
    return result


def run(quick: bool = False) -> list[dict[str, Any]]:
    executable = find_litellm()
    if executable is None:
        print(INSTALL, file=sys.stderr)
        return []
    results: dict[str, dict[str, Any]] = {}
    with tempfile.TemporaryDirectory(prefix="bench-litellm-") as tmp:
        work = Path(tmp)
        config = work / "litellm.yaml"
        with stand_in_process(work) as up:
            results["direct"] = measure("direct", up, None, up, quick)

            config.write_text(litellm_config(up))
            env = litellm_env()
            port = free_port()
            url = f"http://127.0.0.1:{port}"
            argv = [executable, "--config", str(config), "--host", "127.0.0.1", "--port",
                    str(port), "--num_workers", "1"]
            with process("litellm", argv, env, work / "litellm.log",
                          f"{url}/health/liveliness", 120) as group:
                results["litellm"] = measure("litellm", url, group, up, quick)

            with guard_process(work, up) as (url, group):
                results["guard"] = measure("guard", url, group, up, quick)
    return _rows(results, litellm_version(executable))


@contextlib.contextmanager
def stand_in_process(work: Path) -> Iterator[str]:
    """The stand-in upstream (:func:`stand_in`) in a process of its own; yields its URL."""
    port = free_port()
    up = f"http://127.0.0.1:{port}"
    with process("stand-in", [sys.executable, "-c", UPSTREAM_SCRIPT, str(port)],
                 dict(os.environ), work / "upstream.log", f"{up}/_bench/last", 60):
        yield up


@contextlib.contextmanager
def guard_process(work: Path, upstream: str) -> Iterator[tuple[str, int]]:
    """``guard serve``'s app with the peers' policies in front of ``upstream``; yields its
    URL and process group."""
    policies = work / "policies.yaml"
    policies.write_text(GUARD_POLICIES)
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    argv = [sys.executable, "-c", GUARD_SCRIPT, str(policies), upstream, str(port)]
    with process("guard", argv, dict(os.environ), work / "guard.log", f"{url}/healthz",
                 60) as group:
        yield url, group


def _rows(results: dict[str, dict[str, Any]], version: str) -> list[dict[str, Any]]:
    direct, lite, guard = results["direct"], results["litellm"], results["guard"]
    print(f"bench_litellm: LiteLLM {version} {lite['rps']:.0f} req/s "
          f"({lite['cpu_us'] / 1e3:.2f} ms CPU each), guard serve {guard['rps']:.0f} req/s "
          f"({guard['cpu_us'] / 1e3:.2f} ms CPU each), the stand-in alone "
          f"{direct['rps']:.0f} req/s; a streamed answer of "
          f"{direct['stream']['events']:.0f} content events arrives in "
          f"{lite['stream']['events']:.0f} through LiteLLM, "
          f"{guard['stream']['events']:.0f} through guard; first token direct "
          f"{direct['stream']['first_us'] / 1e3:.1f} ms", file=sys.stderr)
    label, mine = f"LiteLLM {version}", "guard serve"
    return [
        row("peer: requests/s (us = 1e6/rps)", label, 1e6 / lite["rps"], mine,
            1e6 / guard["rps"]),
        row("peer: proxy CPU per request", label, lite["cpu_us"], mine, guard["cpu_us"]),
        row(f"peer: p50 latency, {CONNECTIONS} clients", label, lite["p50_loaded_us"], mine,
            guard["p50_loaded_us"]),
        row("peer: p99 latency, loaded", label, lite.get("p99_loaded_us", 0.0), mine,
            guard.get("p99_loaded_us", 0.0)),
        row("peer: p50 latency, 1 client", label, lite["p50_alone_us"], mine,
            guard["p50_alone_us"]),
        row("peer: stream, first token", label, lite["stream"]["first_us"], mine,
            guard["stream"]["first_us"]),
        row("peer: stream, last token", label, lite["stream"]["last_us"], mine,
            guard["stream"]["last_us"]),
    ]


if __name__ == "__main__":
    from benchmarks.__main__ import table

    print(table(run(quick="--full" not in sys.argv)))
