"""One function per ``guard`` subcommand; each returns its exit code."""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import os
import sys
from typing import TYPE_CHECKING, Any

from guard.cli.render import render_decision
from guard.errors import GuardError, PolicyError

if TYPE_CHECKING:
    from guard.library import Guard


def lint(args: argparse.Namespace) -> int:
    from guard.engine.compile import build_policies

    try:
        compiled = build_policies(args.path)
    except PolicyError as exc:
        if not args.json:
            raise
        problems = [{"file": p.file, "line": p.line, "path": p.path, "message": p.message}
                    for p in exc.problems]
        print(json.dumps({"ok": False, "problems": problems}, indent=2))
        return 2
    count = len(compiled.checks)
    if args.json:
        print(json.dumps({"ok": True, "policies": count, "revision": compiled.revision}))
    else:
        print(f"ok: {count} policies, revision {compiled.revision} "
              f"(CEL engine: {compiled.cel.name})")
    return 0


def check(args: argparse.Namespace) -> int:
    from guard.engine.compile import STORE_ENV
    from guard.library import Guard

    # offline by default: budgets and rate limits count in a private store, not the real one
    if args.store:
        os.environ[STORE_ENV] = args.store
    os.environ.setdefault(STORE_ENV, "memory://")
    guard = Guard.from_path(args.policies)
    body = _read_input(args.request)
    headers = _parse_headers(args.header)
    response = _read_input(args.response) if args.response else None
    result = asyncio.run(_evaluate(guard, body, args.path, args.method, headers, response,
                                   args.explain))
    as_json = args.json or args.format == "json" or (
        args.format is None and not sys.stdout.isatty())
    if as_json:
        print(json.dumps(result, indent=2, ensure_ascii=False))
    else:
        print(render_decision(result, explain=args.explain))
    return 1 if result["action"] == "deny" else 0


async def _evaluate(guard: Guard, body: bytes, path: str, method: str,
                    headers: dict[str, str], response: bytes | None,
                    explain: bool) -> dict[str, Any]:
    from guard.cli.explain import attach, instrument
    from guard.testing.exchange import run_exchange

    readings = instrument(guard) if explain else None
    try:
        exchange = await run_exchange(guard, body, path=path, method=method, headers=headers,
                                      response=response)
    finally:
        await guard.aclose()
    result = exchange.to_json()
    if readings is not None:
        attach(result["trace"], readings)
    return result


def serve(args: argparse.Namespace) -> int:
    """Run the proxy on uvicorn (uvloop and httptools, with the set's header and body read
    limits: :mod:`guard.serve.protocol`); the set is compiled before listening."""
    import uvicorn

    from guard.serve.app import build_app, freeze_heap
    from guard.serve.protocol import ReadLimits, protocol_class
    from guard.urls import shown_url

    _log_to_stderr()
    app = build_app(args.policies, args.upstream, stream_holdback=args.stream_holdback,
                    reload=args.reload)
    http = protocol_class(ReadLimits.from_settings(app.source().settings))
    freeze_heap()
    logging.getLogger("guard").info("starting on http://%s:%d, forwarding to %s", args.host,
                                    args.port, shown_url(args.upstream))
    uvicorn.run(app, host=args.host, port=args.port, loop="uvloop", http=http,
                log_level="warning")
    return 0


def _log_to_stderr() -> None:
    """guard's own events (start, reloads, failed checks, unwritable decision log) on
    stderr, one line each; Python's default would drop the informational ones, so a SIGHUP
    went unanswered. Decisions go to the decision log, not here."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(asctime)s guard %(levelname)s: %(message)s"))
    logger = logging.getLogger("guard")
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    logger.propagate = False


def schema(args: argparse.Namespace) -> int:
    from guard.policy.document import PolicyFile

    document = PolicyFile.model_json_schema()
    document["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    print(json.dumps(document, indent=2))
    return 0


def _read_input(name: str) -> bytes:
    if name == "-":
        return sys.stdin.buffer.read()
    try:
        with open(name, "rb") as handle:
            return handle.read()
    except OSError as exc:
        raise GuardError(f"cannot read {name}: {exc.strerror}") from exc


def _parse_headers(values: list[str]) -> dict[str, str]:
    headers: dict[str, str] = {}
    for value in values:
        name, sep, rest = value.partition(":")
        if not sep or not name.strip():
            raise GuardError(f"bad header {value!r}; expected 'Name: value'")
        headers[name.strip().lower()] = rest.strip()
    return headers
