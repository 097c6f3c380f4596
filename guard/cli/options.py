"""The arguments several ``guard`` commands share, spelled and checked one way.

Every command that reads a policy set takes it either as its first argument or
with ``-p`` (``guard lint policies/`` and ``guard lint -p policies/`` are the same),
every command that prints a report takes ``--format text|json`` with ``--json``
as its alias, and ``--help`` shows each option's default. Usage mistakes exit 2
through argparse, before anything is loaded.
"""

from __future__ import annotations

import argparse
from typing import Any
from urllib.parse import urlsplit

POLICIES_HELP = "a policy file or a directory of them"
FORMATS = ("text", "json")


class DefaultsFormatter(argparse.HelpFormatter):
    """``--help`` says each option's default, unless the help already does or there is
    none worth saying (a flag, an unset option)."""

    def _get_help_string(self, action: argparse.Action) -> str | None:
        text = action.help or ""
        default = action.default
        if ("default" in text or default in (None, False, [], argparse.SUPPRESS)
                or not action.option_strings):
            return text
        return f"{text} (default: %(default)s)"


class Parser(argparse.ArgumentParser):
    """An argument parser whose subcommands inherit the defaults-showing help."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("formatter_class", DefaultsFormatter)
        super().__init__(*args, **kwargs)


def add_policies(p: argparse.ArgumentParser, operand: str | None = None,
                 operand_help: str = "", *, what: str = POLICIES_HELP,
                 usage_tail: str = "") -> None:
    """``[-p] POLICIES [OPERAND]``: the policy set as the first argument or with ``-p``,
    then the command's own operand (a request file, a traffic file), if it has one."""
    operands = " ".join(filter(None, ["[-p] POLICIES", (operand or "").upper(), usage_tail]))
    p.usage = f"%(prog)s {operands} [options]"
    p.add_argument("-p", "--policies", metavar="POLICIES",
                   help="the same as the POLICIES argument")
    p.add_argument("first", nargs="?", metavar="POLICIES", help=f"{what} (or -p POLICIES)")
    if operand is not None:
        p.add_argument("second", nargs="?", metavar=operand.upper(), help=operand_help)
    p.set_defaults(operand=operand, parser=p, second=None)


def resolve_policies(args: argparse.Namespace) -> None:
    """Sort ``first``/``second`` into ``policies`` and the operand; a usage error (exit 2,
    with the command's usage) when one is missing or the policies are given twice."""
    parser: argparse.ArgumentParser = args.parser
    first, second = args.first, args.second
    if args.policies is None and first is None and getattr(args, "policies_env", None):
        args.policies = args.policies_env  # `guard serve`'s GUARD_POLICIES: a flag wins
    if args.policies is None:
        if first is None:
            parser.error("the policy set is required: give it as the first argument or "
                         "with -p POLICIES")
        args.policies, value = first, second
    else:
        if second is not None:
            parser.error("the policy set is given twice (with -p and as an argument)")
        value = first
    if args.operand is not None:
        if value is None:
            parser.error(f"the {args.operand.upper()} argument is required")
        setattr(args, args.operand, value)
    elif value is not None:  # pragma: no cover - argparse has no slot for it
        parser.error(f"unexpected argument {value!r}")


def add_format(p: argparse.ArgumentParser, *, default: str | None = "text",
               note: str = "") -> None:
    """``--format text|json`` and ``--json``, its alias (both kept: scripts use either)."""
    p.add_argument("--format", choices=FORMATS, default=default,
                   help="output format" + (f" ({note})" if note else ""))
    p.add_argument("--json", dest="format", action="store_const", const="json",
                   help="the same as --format json")


def upstream_url(value: str) -> str:
    """An ``http://`` or ``https://`` URL with a host, checked before policies load
    (a bad one would otherwise fail at the first request, or with a traceback). A refusal
    shows the URL as :func:`guard.urls.shown_url` does: never its password or query, and
    nothing of a value that names no host (it may be a key pasted in the wrong place)."""
    from guard.urls import NOT_A_URL, shown_url

    shown = shown_url(value)
    named = "the value" if shown == NOT_A_URL else repr(shown)
    try:
        parts = urlsplit(value)
        parts.port  # noqa: B018 - raises ValueError on a port that is no number 0-65535
    except ValueError:
        raise argparse.ArgumentTypeError(f"{named} is not a URL (its host or port cannot "
                                         "be read)") from None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise argparse.ArgumentTypeError(
            f"{named} is not an http:// or https:// URL with a host "
            "(e.g. https://gateway.example/v1)")
    if any(c.isspace() for c in value) or parts.fragment:
        raise argparse.ArgumentTypeError(f"{named}: a URL has no spaces or #fragment")
    return value
