"""One function per ``guard`` subcommand; each returns its exit code."""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
from typing import Any

from guard.cli.render import render_decision
from guard.errors import GuardError, PolicyError


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
    result = asyncio.run(_evaluate(guard, body, args, headers))
    as_json = args.json or args.format == "json" or (
        args.format is None and not sys.stdout.isatty())
    if as_json:
        print(json.dumps(result, indent=2, ensure_ascii=False))
    else:
        print(render_decision(result, explain=args.explain))
    return 1 if result["action"] == "deny" else 0


async def _evaluate(guard: Any, body: bytes, args: argparse.Namespace,
                    headers: dict[str, str]) -> dict[str, Any]:
    from guard.envelope import default_path, detect_api

    path = args.path or _inferred_path(body, detect_api, default_path)
    decision = await guard.check_request(body, path=path, headers=headers)
    result: dict[str, Any] = decision.to_json()
    result["trace"] = [t.to_json() for t in decision.trace]
    if not args.response:
        await guard.release(decision)  # nothing will settle it: hold nothing
    elif decision.action != "deny":
        final = await guard.check_response(decision, _read_input(args.response))
        result["response"] = final.body
        result["violations"] += [v.to_json() for v in final.violations]
        result["trace"] += [t.to_json() for t in final.trace]
        if final.action == "deny":
            result["action"], result["status"] = "deny", final.status
    await guard.aclose()
    return result


def _inferred_path(body: bytes, detect_api: Any, default_path: Any) -> str:
    try:
        data = json.loads(body)
    except ValueError:
        return ""
    return str(default_path(detect_api("", data))) if isinstance(data, dict) else ""


def serve(args: argparse.Namespace) -> int:
    """Run the proxy on uvicorn (uvloop and httptools); the set is compiled before listening."""
    import uvicorn

    from guard.serve.app import build_app

    app = build_app(args.policies, args.upstream, stream_holdback=args.stream_holdback,
                    reload=args.reload)
    uvicorn.run(app, host=args.host, port=args.port, loop="uvloop", http="httptools",
                log_level="warning")
    return 0


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
