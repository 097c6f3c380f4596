"""Shared arguments: the policy set as argument or ``-p``, ``--format``/``--json``,
defaults in ``--help``, the upstream URL checked before anything loads."""

from __future__ import annotations

import argparse

import pytest
from hypothesis import given
from hypothesis import strategies as st

from guard.cli.main import build_parser, main
from guard.cli.options import resolve_policies, upstream_url
from tests.cli.test_cli import POLICIES, guard


def parse(*argv: str) -> argparse.Namespace:
    args = build_parser().parse_args(argv)
    resolve_policies(args)
    return args


@pytest.mark.parametrize(("positional", "flagged"), [
    (["lint", "P"], ["lint", "-p", "P"]),
    (["test", "P"], ["test", "--policies", "P"]),
    (["check", "P", "r.json"], ["check", "-p", "P", "r.json"]),
    (["check", "P", "-"], ["check", "-", "-p", "P"]),
    (["replay", "P", "t.jsonl"], ["replay", "t.jsonl", "-p", "P"]),
    (["serve", "P", "--upstream", "http://gw"], ["serve", "-p", "P", "--upstream", "http://gw"]),
])
def test_the_policy_set_as_argument_or_with_p_is_the_same(positional: list[str],
                                                          flagged: list[str]) -> None:
    a, b = parse(*positional), parse(*flagged)
    drop = {"parser", "first", "second", "func"}
    assert {k: v for k, v in vars(a).items() if k not in drop} == \
           {k: v for k, v in vars(b).items() if k not in drop}
    assert a.policies == "P"


@pytest.mark.parametrize(("argv", "message"), [
    (["lint"], "the policy set is required"),
    (["check", "-p", "P"], "the REQUEST argument is required"),
    (["check"], "the policy set is required"),
    (["check", "-p", "P", "Q", "r.json"], "given twice"),
    (["replay", "P"], "the TRAFFIC argument is required"),
    (["serve", "--upstream", "http://gw"], "the policy set is required"),
])
def test_missing_or_doubled_policies_are_usage_errors(argv: list[str], message: str,
                                                      capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exc:
        main(argv)
    assert exc.value.code == 2
    err = capsys.readouterr().err
    assert err.startswith("usage: guard " + argv[0]) and message in err


@pytest.mark.parametrize("command", [["lint", "P"], ["test", "P"], ["check", "P", "r"],
                                     ["replay", "P", "t"]])
def test_json_is_an_alias_of_format_json(command: list[str]) -> None:
    assert parse(*command, "--json").format == "json"
    assert parse(*command, "--format", "json").format == "json"
    assert parse(*command, "--format", "text").format == "text"


def test_check_format_defaults_to_automatic_lint_to_text() -> None:
    assert parse("check", "P", "r").format is None
    assert parse("lint", "P").format == "text"


def test_help_shows_defaults() -> None:
    text = " ".join(guard("serve", "--help").stdout.split())
    assert "(default: 127.0.0.1; env GUARD_HOST)" in text  # serve's name their variable
    assert "(default: 8080; env GUARD_PORT)" in text
    assert "(default: None)" not in text and "(default: False)" not in text
    replay = guard("replay", "--help").stdout
    assert "(default: 3)" in replay and "(default: text)" in replay
    assert "exit codes: 0 ok or allowed, 1 denied" in guard("--help").stdout


@pytest.mark.parametrize("url", ["http://127.0.0.1:4000", "https://gw.example/v1",
                                 "https://user:pw@gw.example:8443/openai?api-version=1",
                                 "http://[::1]:8080/"])
def test_upstream_urls_accepted(url: str) -> None:
    assert upstream_url(url) == url


@pytest.mark.parametrize("url", ["notaurl", "gw.example:8080", "ftp://gw.example",
                                 "http://", "https:///v1", "http://gw:99999",
                                 "http://gw:port", "http://gw/a b", "http://gw/#x",
                                 "unix:///run/gw.sock", "http://[::1"])
def test_upstream_urls_refused(url: str) -> None:
    with pytest.raises(argparse.ArgumentTypeError):
        upstream_url(url)


@given(st.text(max_size=40), st.text(alphabet="abcdefghijklmnop0123456789", min_size=6,
                                     max_size=12))
def test_a_refused_url_never_echoes_its_password(rest: str, password: str) -> None:
    url = f"http://user:{password}@{rest}"
    try:
        upstream_url(url)
    except argparse.ArgumentTypeError as exc:
        assert password not in str(exc).replace(rest, "")


def test_serve_with_a_bad_upstream_exits_2_before_loading_policies(tmp_path: object) -> None:
    result = guard("serve", "/nonexistent/policies", "--upstream", "notaurl")
    assert result.returncode == 2
    assert "argument --upstream: the value is not an http:// or https:// URL" in result.stderr
    assert "Traceback" not in result.stderr and "nonexistent" not in result.stderr
    secret = guard("serve", "-p", str(POLICIES), "--upstream", "ftp://me:hunter22@gw")
    assert secret.returncode == 2 and "hunter22" not in secret.stderr
    query = guard("serve", "-p", str(POLICIES), "--upstream", "http://gw/v1?key=k3y#zq9x")
    assert query.returncode == 2 and "'http://gw/v1'" in query.stderr
    assert "k3y" not in query.stderr and "zq9x" not in query.stderr
