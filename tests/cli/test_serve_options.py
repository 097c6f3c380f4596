"""``guard serve`` options from ``GUARD_*`` variables: every option has one, flags win,
``--help`` names them; ``--workers`` refuses state that would not be shared."""

from __future__ import annotations

import argparse
from pathlib import Path

import pytest

from guard.cli.main import main
from guard.cli.options import resolve_policies
from guard.cli.serve_options import add_serve_options, env_name, flag
from guard.errors import GuardError

ENV = {"GUARD_POLICIES": "/etc/guard", "GUARD_UPSTREAM": "http://gw:4000",
       "GUARD_HOST": "0.0.0.0", "GUARD_PORT": "9000", "GUARD_WORKERS": "4",
       "GUARD_METRICS_PORT": "9100", "GUARD_METRICS_HOST": "10.0.0.5",
       "GUARD_STREAM_HOLDBACK": "64", "GUARD_RELOAD": "true"}


def parse(argv: list[str], environ: dict[str, str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(exit_on_error=False)
    add_serve_options(parser, environ)
    args = parser.parse_args(argv)
    resolve_policies(args)  # the set: its argument, -p, or GUARD_POLICIES
    return args


def test_every_option_comes_from_its_variable() -> None:
    args = parse([], ENV)
    assert (args.policies, args.upstream, args.host, args.port) == ("/etc/guard",
                                                                   "http://gw:4000",
                                                                   "0.0.0.0", 9000)
    assert (args.workers, args.metrics_port, args.metrics_host) == (4, 9100, "10.0.0.5")
    assert args.stream_holdback == 64 and flag(args.reload, "GUARD_RELOAD") is True


def test_every_option_has_a_variable_named_in_help() -> None:
    parser = argparse.ArgumentParser()
    add_serve_options(parser, {})
    flags = [a.option_strings for a in parser._actions if a.dest != "help"]
    names = {env_name(f) for spelled in flags for f in spelled
             if f.startswith("--") and not f.startswith("--no-")}
    assert names == set(ENV)
    text = parser.format_help()
    for name in ENV:
        assert name in text


def test_flags_win_over_variables() -> None:
    args = parse(["--port", "7000", "-p", "here", "--upstream", "http://x", "--no-reload",
                  "--workers", "2"], ENV)
    assert (args.port, args.policies, args.upstream, args.workers) == (7000, "here",
                                                                       "http://x", 2)
    assert flag(args.reload, "GUARD_RELOAD") is False


def test_defaults_without_variables_and_empty_ones_count_as_unset() -> None:
    args = parse(["-p", "x", "--upstream", "http://u"], {"GUARD_PORT": "", "GUARD_HOST": ""})
    assert (args.host, args.port, args.workers, args.metrics_port) == ("127.0.0.1", 8080, 1,
                                                                       None)
    assert flag(args.reload, "GUARD_RELOAD") is False


def test_policies_and_upstream_are_required_unless_set() -> None:
    with pytest.raises(SystemExit):
        parse([], {})
    with pytest.raises(SystemExit):
        parse([], {"GUARD_POLICIES": "x"})


@pytest.mark.parametrize("value", ["1", "yes", "ON", "True"])
def test_switch_values_that_mean_on(value: str) -> None:
    assert flag(value, "GUARD_RELOAD") is True


def test_a_bad_switch_value_is_an_error_naming_the_variable() -> None:
    with pytest.raises(GuardError, match="GUARD_RELOAD='maybe'"):
        flag("maybe", "GUARD_RELOAD")


def test_a_bad_number_names_the_variable(capsys: pytest.CaptureFixture[str],
                                         monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GUARD_PORT", "eighty")
    with pytest.raises(SystemExit):
        main(["serve", "-p", "x", "--upstream", "http://u"])
    assert "GUARD_PORT" in capsys.readouterr().err


def test_zero_workers_is_refused(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        main(["serve", "-p", "x", "--upstream", "http://u", "--workers", "0"])
    assert "whole number >= 1" in capsys.readouterr().err


def test_many_workers_refuse_a_memory_store(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                            capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.delenv("GUARD_STORE", raising=False)
    policy = tmp_path / "p.yaml"
    policy.write_text('version: 1\nsettings: {store: "memory://"}\npolicies: []\n')
    code = main(["serve", "-p", str(policy), "--upstream", "http://127.0.0.1:9",
                 "--workers", "3"])
    err = capsys.readouterr().err
    assert code == 2 and "--workers 3 needs a shared store" in err and "memory://" in err


def test_many_workers_refuse_a_memory_store_from_guard_store(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("GUARD_STORE", "memory://")  # overrides the set's shared store
    policy = tmp_path / "p.yaml"
    policy.write_text(f'version: 1\nsettings: {{store: "sqlite:///{tmp_path}/s.db"}}\n'
                      'policies: []\n')
    code = main(["serve", "-p", str(policy), "--upstream", "http://127.0.0.1:9",
                 "--workers", "2"])
    assert code == 2 and "GUARD_STORE is memory://" in capsys.readouterr().err


def test_the_set_given_as_argument_or_flag_wins_over_its_variable() -> None:
    assert parse(["/other"], ENV).policies == "/other"
    assert parse(["-p", "/flagged"], ENV).policies == "/flagged"
