"""One function per ``guard`` subcommand; each returns its exit code."""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import os
import sys
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from guard.cli.render import render_decision
from guard.errors import GuardError, PolicyError, Problem

if TYPE_CHECKING:
    from guard.library import Guard


def lint(args: argparse.Namespace) -> int:
    """Every error and warning of the set in one run. Exit 2 on errors; warnings (what
    will fail for some requests) exit 0, or 1 under ``--strict``."""
    from guard.engine.compile import build_policies

    try:
        compiled = build_policies(args.policies)
    except PolicyError as exc:
        _print_problems(args, exc.problems, exc.warnings, {"ok": False})
        return 2
    summary = {"ok": True, "policies": len(compiled.checks), "revision": compiled.revision}
    if args.json or compiled.warnings:
        _print_problems(args, (), compiled.warnings, summary)
    if not args.json:
        print(f"ok: {len(compiled.checks)} policies, revision {compiled.revision} "
              f"(CEL engine: {compiled.cel.name})")
    return 1 if compiled.warnings and args.strict else 0


def _print_problems(args: argparse.Namespace, errors: Sequence[Problem],
                    warnings: Sequence[Problem], summary: dict[str, Any]) -> None:
    """Errors and warnings in file order: as lines on stderr, or one JSON document."""
    found = sorted((*errors, *warnings))
    if args.json:
        problems = [{"file": p.file, "line": p.line, "path": p.path, "message": p.message,
                     "severity": p.severity} for p in found]
        print(json.dumps({**summary, "errors": len(errors), "warnings": len(warnings),
                          "problems": problems}, indent=2))
        return
    for problem in found:
        print(problem, file=sys.stderr)
    print(f"{len(errors)} error(s), {len(warnings)} warning(s)", file=sys.stderr)


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
    as_json = args.json or (args.format is None and not sys.stdout.isatty())
    if as_json:
        print(json.dumps(result, indent=2, ensure_ascii=False))
    else:
        print(render_decision(result, explain=args.explain))
    unreadable = _not_json(args.request, body, headers)
    if unreadable and result["action"] == "deny":
        # the decision above is what the proxy would answer; the exit code says the input
        # was at fault (2), not a policy (1)
        print(f"guard: {unreadable}", file=sys.stderr)
        return 2
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
    limits: :mod:`guard.serve.protocol`), in ``--workers`` processes; the set is read before
    listening (and compiled, with one worker). Options come from flags or ``GUARD_*``."""
    from guard.cli.serve_options import flag
    from guard.policy.loader import load_policy_set
    from guard.serve.workers import ServeOptions, refuse_unshared_state, run

    options = ServeOptions(args.policies, args.upstream, args.host, args.port, args.workers,
                           args.metrics_port, args.metrics_host, args.stream_holdback,
                           flag(args.reload, "GUARD_RELOAD"))
    refuse_unshared_state(options, load_policy_set(options.policies).settings.store)
    _log_to_stderr()
    return run(options)


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


def _not_json(name: str, body: bytes, headers: dict[str, str]) -> str | None:
    """Why the request file is not JSON, or None. Refused for that, it is an input error
    (exit 2), not a request a policy denied (exit 1); one the set lets through unread (a
    passthrough endpoint) is not. An empty body (``-X GET``) and an encoded one
    (``Content-Encoding``, which guard decodes first) are left to the decision."""
    if not body.strip() or "content-encoding" in headers:
        return None
    try:
        json.loads(body)
    except ValueError as exc:  # JSONDecodeError, or bytes that are no Unicode at all
        where = "standard input" if name == "-" else name
        return f"{where} is not JSON: {exc}"
    return None


def _parse_headers(values: list[str]) -> dict[str, str]:
    headers: dict[str, str] = {}
    for value in values:
        name, sep, rest = value.partition(":")
        if not sep or not name.strip():
            raise GuardError(f"bad header {value!r}; expected 'Name: value'")
        headers[name.strip().lower()] = rest.strip()
    return headers
