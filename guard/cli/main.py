"""``guard`` command: parse arguments, dispatch to one function per subcommand.

Exit codes follow the contract: 0 ok / allowed, 1 denied (or a policy test failed),
2 a usage or input error (a bad option, an unreadable or non-JSON file, a policy set
that does not compile). Expected errors print a message, never a traceback; a reader
that closes the pipe early changes neither (:mod:`guard.cli.pipes`).
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Callable, Sequence
from typing import cast

from guard.cli import commands
from guard.cli.options import Parser, add_format, add_policies, resolve_policies
from guard.cli.pipes import tolerate_closed_stdout
from guard.cli.serve_options import add_serve_options
from guard.errors import GuardError, PolicyError

EXIT_ERROR = 2


def build_parser() -> argparse.ArgumentParser:
    parser = Parser(prog="guard", description="Guardrails and policies for LLM traffic.",
                    epilog="exit codes: 0 ok or allowed, 1 denied or a test failed, "
                    "2 usage or input error")
    parser.add_argument("--version", action="version", version=f"guard {_version()}")
    sub = cast("argparse._SubParsersAction[argparse.ArgumentParser]",  # subparsers are Parsers
               parser.add_subparsers(dest="command", required=True, metavar="COMMAND"))
    _add_lint(sub)
    _add_check(sub)
    _add_schema(sub)
    _add_serve(sub)
    _add_test(sub)
    _add_replay(sub)
    _add_init(sub)
    _add_completion(sub)
    return parser


def _add_lint(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser("lint", help="validate a policy set; report every problem at once",
                       description="Validate a policy set and report every error and warning "
                       "in one run. Exit 0: no errors (warnings are printed); 1: warnings "
                       "under --strict; 2: errors.")
    add_policies(p)
    add_format(p)
    p.add_argument("--strict", action="store_true", help="exit 1 when there are warnings "
                   "(expressions that fail on requests lacking a key they read)")
    p.set_defaults(func=commands.lint)


def _add_check(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser("check", help="evaluate one request (and response) offline")
    add_policies(p, "request", "request JSON file, or - for standard input")
    p.add_argument("--response", help="response JSON file: also run the output stage")
    p.add_argument("--path", default="", help="request path, with its query if any (default: "
                   "inferred from the body)")
    p.add_argument("-X", "--method", default="POST", help="request method (default: POST)")
    p.add_argument("-H", "--header", action="append", default=[], metavar="'Name: value'",
                   help="a request header (repeatable)")
    add_format(p, default=None, note="default: text on a terminal, JSON otherwise")
    p.add_argument("--explain", action="store_true", help="show every policy's trace")
    p.add_argument("--store", metavar="URL", help="count budgets and rate limits in this "
                   "store (default: a private in-memory one, so a check changes no real state)")
    p.set_defaults(func=commands.check)


def _add_schema(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser("schema", help="print the JSON Schema of policy files")
    p.set_defaults(func=commands.schema)


def _add_serve(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser("serve", help="run the guarding reverse proxy in front of a gateway",
                       description="Run the guarding reverse proxy in front of a gateway. "
                       "What a client may send comes from the policy set's settings: "
                       "max_header_bytes (431 past it), header_timeout and body_timeout "
                       "(408 past them, on every path), max_body_bytes (413). Every option "
                       "can also come from its GUARD_* environment variable; a flag wins.")
    add_serve_options(p)
    p.set_defaults(func=commands.serve)


def _add_test(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser("test", help="run policy test cases (*_test.yaml) against their sets")
    add_policies(p, what="a *_test.yaml file, or a directory searched for them")
    p.add_argument("--coverage", action="store_true",
                   help="also report the policies no case exercises")
    add_format(p)
    p.set_defaults(func=_lazy("guard.cli.testing", "test"))


def _add_replay(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser("replay", help="what a policy set would have done to recorded traffic")
    add_policies(p, "traffic", "JSON lines: a request body, or {request, path, headers, "
                 "response, time} per line")
    p.add_argument("--against", metavar="OLD_POLICIES",
                   help="compare with this (older) set: newly blocked, newly allowed")
    p.add_argument("--examples", type=int, default=3, metavar="N",
                   help="example lines kept per count")
    add_format(p)
    p.set_defaults(func=_lazy("guard.cli.replay", "replay"))


def _add_init(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser("init", help="write a starter policy set with its tests, commented")
    p.add_argument("directory", nargs="?", default=".", metavar="DIR",
                   help="where to write it, created if missing; an existing file is never "
                   "overwritten (default: the current directory)")
    p.set_defaults(func=_lazy("guard.cli.init", "init"))


def _add_completion(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser("completion", help="print a shell completion script",
                       description="Print a completion script for your shell. Bash: "
                       'eval "$(guard completion bash)" in ~/.bashrc; zsh: source <(guard '
                       "completion zsh) in ~/.zshrc; fish: guard completion fish > "
                       "~/.config/fish/completions/guard.fish")
    p.add_argument("shell", choices=("bash", "zsh", "fish"))
    p.set_defaults(func=_lazy("guard.cli.completion", "completion"))


def _lazy(module: str, name: str) -> Callable[[argparse.Namespace], int]:
    """A subcommand imported only when it runs: ``guard schema`` need not load the engine."""
    def run(args: argparse.Namespace) -> int:
        command: Callable[[argparse.Namespace], int] = getattr(importlib.import_module(module),
                                                               name)
        return command(args)

    return run


def _version() -> str:
    from guard import __version__

    return __version__


def main(argv: Sequence[str] | None = None) -> int:
    with tolerate_closed_stdout() as release:
        return _run(argv, release)


def _run(argv: Sequence[str] | None, release_stdout: Callable[[], None]) -> int:
    args = build_parser().parse_args(argv)
    if args.command == "serve":  # its decision log counts lines a closed stdout drops
        release_stdout()
    if hasattr(args, "operand"):
        resolve_policies(args)
    if hasattr(args, "format"):
        args.json = args.format == "json"
    try:
        code: int = args.func(args)
    except PolicyError as exc:
        for problem in exc.problems:
            print(problem, file=sys.stderr)
        print(f"{len(exc.problems)} problem(s)", file=sys.stderr)
        return EXIT_ERROR
    except GuardError as exc:
        print(f"guard: {exc}", file=sys.stderr)
        return EXIT_ERROR
    except KeyboardInterrupt:
        return 130
    return code


if __name__ == "__main__":
    sys.exit(main())
