"""The Node peer: Portkey's open-source gateway with its regex guardrails vs ``guard serve``.

The same job as :mod:`benchmarks.bench_litellm`, in front of the same stand-in upstream (a
process of its own): refuse a request that mentions ``project zeus`` (Portkey's
``default.regexMatch`` with ``not: true`` and ``deny: true``, case folded by character
classes since its regex takes no flags), and mask e-mail addresses in requests and answers,
streamed or not (``default.regexReplace``, as ``[EMAIL_REDACTED]``). Portkey takes its
routing and guardrails per request, in the ``x-portkey-config`` header; every request of the
load carries it. Both are checked to really block and mask, then loaded in turn (requests
per second, the proxy's CPU time per request, median and p99 latency loaded, median alone,
a streamed answer's first and last token).

Streams are not compared: Portkey 1.15.2 on Node 20 answers every streamed request here with
500 ``{"status": "failure", "message": "Something went wrong"}`` (its log: ``TypeError:
immutable`` from undici, as it adds a header to the upstream's streamed response), with or
without guardrails.

Portkey is not a dependency of guard: install the npm package somewhere of its own and name
the directory holding ``node_modules`` in ``GUARD_BENCH_PORTKEY``::

    npm install --prefix /tmp/portkey @portkey-ai/gateway@1.15.2
    GUARD_BENCH_PORTKEY=/tmp/portkey python -m benchmarks --only portkey

Without it the module prints how to install it and returns no rows. Nothing leaves the
machine: the gateway's only upstream is the stand-in on 127.0.0.1 (a custom host Portkey
trusts by default), and it runs headless (no console).
"""

from __future__ import annotations

import json
import os
import shutil
import sys
import tempfile
from pathlib import Path
from typing import Any

from benchmarks import bench_litellm as peer
from benchmarks.processes import free_port, process
from benchmarks.timing import row

ENV = "GUARD_BENCH_PORTKEY"
PACKAGE = "@portkey-ai/gateway"
INSTALL = (f"bench_portkey: skipped, Portkey's gateway not found. Install it apart from "
           f"guard and name it: npm install --prefix /tmp/portkey {PACKAGE}@1.15.2; then "
           f"{ENV}=/tmp/portkey python -m benchmarks --only portkey")
EMAIL_RULE = r"/[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}/g"
KEYWORD_RULE = r"[Pp][Rr][Oo][Jj][Ee][Cc][Tt]\s+[Zz][Ee][Uu][Ss]"


def portkey_config(upstream: str) -> dict[str, Any]:
    """Routing to the stand-in and the two guardrails, as Portkey's config header says them."""
    mask = {"rule": EMAIL_RULE, "redactText": peer.TAG}
    return {
        "provider": "openai", "api_key": "sk-stand-in", "custom_host": f"{upstream}/v1",
        "input_guardrails": [
            {"id": "keyword", "deny": True,
             "default.regexMatch": {"rule": KEYWORD_RULE, "not": True}},
            {"id": "email-in", "default.regexReplace": mask},
        ],
        "output_guardrails": [{"id": "email-out", "default.regexReplace": mask}],
    }


def find_portkey() -> Path | None:
    """The gateway's start script under ``$GUARD_BENCH_PORTKEY``, when ``node`` runs too."""
    named = os.environ.get(ENV)
    if not named or shutil.which("node") is None:
        return None
    script = Path(named) / "node_modules" / PACKAGE / "build" / "start-server.js"
    if not script.is_file():
        print(f"bench_portkey: {ENV}={named} holds no {PACKAGE} (no {script})",
              file=sys.stderr)
        return None
    return script


def portkey_version(script: Path) -> str:
    manifest = script.parent.parent / "package.json"
    return str(json.loads(manifest.read_text()).get("version", "?"))


def run(quick: bool = False) -> list[dict[str, Any]]:
    script = find_portkey()
    if script is None:
        print(INSTALL, file=sys.stderr)
        return []
    results: dict[str, dict[str, Any]] = {}
    with tempfile.TemporaryDirectory(prefix="bench-portkey-") as tmp:
        work = Path(tmp)
        with peer.stand_in_process(work) as up:
            results["direct"] = peer.measure("direct", up, None, up, quick)

            config = portkey_config(up)
            peer.HEADERS["portkey"] = {"x-portkey-config": json.dumps(config)}
            peer.STREAMLESS.add("portkey")
            port = free_port()
            url = f"http://127.0.0.1:{port}"
            env = {**os.environ, "NODE_ENV": "production"}
            argv = ["node", str(script), f"--port={port}", "--headless"]
            with process("portkey", argv, env, work / "portkey.log", url, 60) as group:
                results["peer"] = peer.measure("portkey", url, group, up, quick)

            with peer.guard_process(work, up) as (url, group):
                results["guard"] = peer.measure("guard", url, group, up, quick)
    return _rows(results, portkey_version(script))


def _rows(results: dict[str, dict[str, Any]], version: str) -> list[dict[str, Any]]:
    direct, other, guard = results["direct"], results["peer"], results["guard"]
    print(f"bench_portkey: Portkey {version} {other['rps']:.0f} req/s "
          f"({other['cpu_us'] / 1e3:.2f} ms CPU each), guard serve {guard['rps']:.0f} req/s "
          f"({guard['cpu_us'] / 1e3:.2f} ms CPU each), the stand-in alone "
          f"{direct['rps']:.0f} req/s", file=sys.stderr)
    label, mine = f"Portkey gateway {version}", "guard serve"
    return [
        row("peer: requests/s (us = 1e6/rps)", label, 1e6 / other["rps"], mine,
            1e6 / guard["rps"]),
        row("peer: proxy CPU per request", label, other["cpu_us"], mine, guard["cpu_us"]),
        row(f"peer: p50 latency, {peer.CONNECTIONS} clients", label,
            other["p50_loaded_us"], mine, guard["p50_loaded_us"]),
        row("peer: p99 latency, loaded", label, other.get("p99_loaded_us", 0.0), mine,
            guard.get("p99_loaded_us", 0.0)),
        row("peer: p50 latency, 1 client", label, other["p50_alone_us"], mine,
            guard["p50_alone_us"]),
    ]


if __name__ == "__main__":
    from benchmarks.__main__ import table

    print(table(run(quick="--full" not in sys.argv)))
