"""``guard serve``'s options, each also read from a ``GUARD_*`` environment variable.

Containers and process managers configure a service through its environment, not its
command line, so every option has a variable (``--upstream`` / ``GUARD_UPSTREAM``). A flag
given on the command line wins over its variable; an empty variable counts as unset.
``--help`` names each variable next to its default.
"""

from __future__ import annotations

import argparse
import os
from collections.abc import Callable, Mapping
from typing import Any

from guard.cli.options import add_policies, upstream_url
from guard.errors import GuardError

TRUE = frozenset({"1", "true", "yes", "on"})
FALSE = frozenset({"0", "false", "no", "off"})


def env_name(flag: str) -> str:
    """``--metrics-port`` -> ``GUARD_METRICS_PORT``."""
    return "GUARD_" + flag.lstrip("-").replace("-", "_").upper()


def add_serve_options(p: argparse.ArgumentParser,
                      environ: Mapping[str, str] | None = None) -> None:
    """Add every ``guard serve`` option to ``p``, with its variable's value as default."""
    env = {k: v for k, v in (os.environ if environ is None else environ).items() if v != ""}

    def option(flag: str, *names: str, help: str, default: Any = None, **kw: Any) -> None:
        var = env_name(flag)
        value = env.get(var, default)
        shown = f"default: {default}; " if default is not None else ""
        if "type" in kw:
            kw["type"] = _named(kw["type"], var)
        p.add_argument(*names, flag, default=value, help=f"{help} ({shown}env {var})", **kw)

    add_policies(p, usage_tail="--upstream URL",
                 what="policy file or directory (env GUARD_POLICIES)")
    p.set_defaults(policies_env=env.get("GUARD_POLICIES"))
    option("--upstream", metavar="URL", required="GUARD_UPSTREAM" not in env,
           type=upstream_url, help="the OpenAI- or Anthropic-compatible gateway to forward to "
           "(an http:// or https:// URL with a host, checked before the policies load)")
    option("--host", default="127.0.0.1", help="address to listen on")
    option("--port", type=int, default=8080, help="port to listen on")
    option("--workers", type=_positive, default=1, metavar="N",
           help="worker processes on the one port (and the policy set's "
           "store: N > 1 refuses a memory:// store, whose budgets would not be shared)")
    option("--metrics-port", type=int, metavar="PORT",
           help="serve /metrics on this port instead of the proxy's (worker i of N on "
           "PORT+i); the proxy port then answers /metrics with 404")
    option("--metrics-host", metavar="ADDRESS",
           help="address the metrics port listens on (default: --host)")
    option("--stream-holdback", type=int, default=0, metavar="CHARS",
           help="with output policies, hold back at least this many characters of "
           "streamed text (beyond the word being written and trailing number groups)")
    var = env_name("--reload")
    p.add_argument("--reload", action=argparse.BooleanOptionalAction,
                   default=env.get(var),
                   help="recompile the policy set when its files change (SIGHUP always "
                   f"does); a set that does not compile is logged and the old one keeps "
                   f"serving (default: off; env {var}=1)")


def flag(value: bool | str | None, var: str) -> bool:
    """A switch's value: the flag's (a bool) or its variable's text, read when the command
    runs (a bad ``GUARD_RELOAD`` is an error of ``guard serve``, not of ``guard lint``)."""
    if isinstance(value, bool):
        return value
    if value is None or value.lower() in FALSE:
        return False
    if value.lower() in TRUE:
        return True
    raise GuardError(f"{var}={value!r}: expected one of 1, true, yes, on, 0, false, no, off")


def _named(convert: Callable[[str], Any], var: str) -> Callable[[str], Any]:
    """``convert``, with an error that also names the variable the text may come from."""
    def typed(text: str) -> Any:
        try:
            return convert(text)
        except (ValueError, argparse.ArgumentTypeError) as exc:
            if isinstance(exc, argparse.ArgumentTypeError):  # it quotes the text itself
                raise argparse.ArgumentTypeError(f"{exc} (flag or {var})") from None
            raise argparse.ArgumentTypeError(f"{text!r} (flag or {var}): not a number") from None

    typed.__name__ = getattr(convert, "__name__", "value")
    return typed


def _positive(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected a whole number >= 1, got {text}")
    return value
