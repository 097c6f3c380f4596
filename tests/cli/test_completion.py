"""``guard completion bash|zsh|fish``: scripts written from the parser, run in the real
shells (zsh and fish tests are skipped where the shell is not installed)."""

from __future__ import annotations

import shutil
import subprocess

import pytest

from guard.cli.completion import commands, script
from guard.cli.main import build_parser
from tests.cli.test_cli import ROOT, guard


def run(shell: str, code: str) -> str:
    return subprocess.run([shell, *(["-f"] if shell == "zsh" else []), "-c", code],
                          capture_output=True, text=True, cwd=ROOT, timeout=60,
                          check=True).stdout


BASH_CASES = [
    (["guard", "ch"], ["check"]),
    (["guard", "i"], ["init"]),
    (["guard", "check", "--fo"], ["--format"]),
    (["guard", "check", "--format", ""], ["text", "json"]),
    (["guard", "replay", "--format", "j"], ["json"]),
    (["guard", "completion", ""], ["bash", "zsh", "fish"]),
    (["guard", "serve", "--port", ""], []),
    (["guard", "check", "-p", "policies/req"], ["policies/requests"]),
    (["guard", "lint", "polic"], ["policies"]),
]


@pytest.fixture(scope="module")
def bash_script() -> str:
    result = guard("completion", "bash")
    assert result.returncode == 0
    return result.stdout


@pytest.mark.parametrize(("words", "expected"), BASH_CASES)
def test_bash_completes(bash_script: str, words: list[str], expected: list[str]) -> None:
    line = " ".join(f"'{w}'" for w in words)
    out = run("bash", bash_script + f"COMP_WORDS=({line}); COMP_CWORD={len(words) - 1}; "
              '_guard_complete; printf "%s\\n" "${COMPREPLY[@]}"')
    assert [w for w in out.splitlines() if w] == expected


def test_bash_file_names_with_spaces_stay_whole(bash_script: str, tmp_path: object) -> None:
    out = run("bash", f"cd {tmp_path} && touch 'my request.json' && " + bash_script
              + "COMP_WORDS=(guard check P my); COMP_CWORD=3; _guard_complete; "
              'printf "%s\\n" "${COMPREPLY[@]}"')
    assert out.splitlines() == ["my request.json"]


def test_every_command_and_option_is_in_every_script() -> None:
    parser = build_parser()
    for shell in ("bash", "zsh", "fish"):
        text = script(shell, parser)
        for command in commands(parser):
            assert command.name in text
            for option in command.options:
                for flag in option.flags:
                    assert (flag.lstrip("-") if shell == "fish" else flag) in text


@pytest.mark.skipif(shutil.which("zsh") is None, reason="zsh not installed")
def test_zsh_registers_and_answers() -> None:
    code = guard("completion", "zsh").stdout + """
print -r -- "$_comps[guard]"
COMP_WORDS=(guard check --format ''); COMP_CWORD=3
emulate sh -c _guard_complete; print -r -- "${COMPREPLY[*]}"
COMP_WORDS=(guard completion ''); COMP_CWORD=2
emulate sh -c _guard_complete; print -r -- "${COMPREPLY[*]}"
"""
    lines = run("zsh", code).splitlines()
    assert lines == ["_bash_complete -o filenames -F _guard_complete", "text json",
                     "bash zsh fish"]


@pytest.mark.skipif(shutil.which("fish") is None, reason="fish not installed")
def test_fish_completes() -> None:
    code = guard("completion", "fish").stdout + """
complete -C 'guard ch'; echo ==
complete -C 'guard check --format '; echo ==
complete -C 'guard serve --po'; echo ==
complete -C 'guard check -p policies/req'
"""
    blocks = run("fish", code).split("==\n")
    assert [line.split("\t")[0] for line in blocks[0].splitlines()] == ["check"]
    assert sorted(line.split("\t")[0] for line in blocks[1].splitlines()) == ["json", "text"]
    assert [line.split("\t")[0] for line in blocks[2].splitlines()] == ["--policies", "--port"]
    assert blocks[3].split() == ["policies/requests/"]


def test_unknown_shell_is_a_usage_error() -> None:
    result = guard("completion", "tcsh")
    assert result.returncode == 2 and "invalid choice: 'tcsh'" in result.stderr
