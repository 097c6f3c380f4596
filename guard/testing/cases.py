"""The policy test file format (``*_test.yaml``) and how test files are found and read.

The models are as strict as the policy models (unknown keys are errors, with
"did you mean"), and problems are located at ``file:line: key.path`` by the same
machinery (:mod:`guard.policy.source`, :mod:`guard.policy.problems`): a test file
is written by the same people, in the same editor, as the policies it tests.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from pydantic import Field, ValidationError

from guard.errors import GuardError, PolicyError, Problem
from guard.policy.base import Model
from guard.policy.problems import model_keys, problems_from_validation
from guard.policy.source import Document, format_path, read_yaml

TEST_SUFFIXES = ("_test.yaml", "_test.yml")


class Expect(Model):
    """What the case expects guard to decide; only the keys given are compared."""

    action: Literal["allow", "modify", "deny"] = Field(
        description="The final action: `allow`, `modify` (forwarded with changes) or `deny`.")
    status: int | None = Field(None, ge=100, le=599, description="The HTTP status the caller "
                               "would get (200 unless denied).")
    violations: list[str] | None = Field(None, description="Names of every policy that fired "
                                         "(denied, changed, flagged or failed), in any order; "
                                         "`[]` means none may fire.")
    request_contains: list[str] = Field([], description="Substrings of the forwarded body.")
    request_excludes: list[str] = Field([], description="Never in the forwarded body.")
    response_contains: list[str] = Field([], description="Substrings of what the caller "
                                         "receives: the guarded answer, or the error body.")
    response_excludes: list[str] = Field([], description="Never in what the caller receives.")


class Case(Model):
    """One request (and optionally its answer) and what guard should decide about it."""

    name: str = Field(min_length=1, description="Shown on the PASS/FAIL line; unique in a file.")
    description: str = Field("", description="Free text for people reading the test.")
    path: str = Field("", description="Request path; default: the one the body's shape implies.")
    headers: dict[str, str] = Field({}, description="Request headers.")
    request: dict[str, Any] = Field(description="The request body.")
    response: dict[str, Any] | None = Field(None, description="The upstream's answer: also "
                                            "run the output stage (and settle budgets).")
    repeat: int = Field(1, ge=1, le=10_000, description="Send the request this many times in "
                        "the case's own store (to reach a rate limit or budget); the "
                        "expectations are about the last.")
    expect: Expect = Field(description="What guard should decide.")


class PolicyTestFile(Model):
    """A ``*_test.yaml`` file: cases run against the policy set of its directory."""

    cases: list[Case] = Field(min_length=1, description="The test cases, run in order.")


_KNOWN_KEYS = model_keys(PolicyTestFile)


@dataclass(frozen=True)
class LocatedCase:
    """A case with the file and line it was written at."""

    file: Path
    line: int
    case: Case


def find_test_files(path: Path) -> list[Path]:
    """``path`` itself, or every ``*_test.yaml`` under it (hidden directories skipped)."""
    if path.is_file():
        return [path]
    if not path.is_dir():
        raise GuardError(f"{path}: no such file or directory")
    found = sorted(p for suffix in TEST_SUFFIXES for p in path.rglob(f"*{suffix}")
                   if p.is_file() and not _hidden(p.relative_to(path)))
    if not found:
        raise GuardError(f"{path}: no *_test.yaml files here or below")
    return found


def load_cases(files: list[Path]) -> list[LocatedCase]:
    """Every case of every file; raise :class:`PolicyError` with all problems of all files."""
    cases: list[LocatedCase] = []
    problems: list[Problem] = []
    for file in files:
        cases.extend(_load_file(file, problems))
    if problems:
        raise PolicyError(sorted(problems))
    return cases


def _load_file(file: Path, problems: list[Problem]) -> list[LocatedCase]:
    try:
        text = file.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        problems.append(Problem(str(file), 0, "", f"cannot read: {exc}"))
        return []
    doc, found = read_yaml(text, str(file))
    problems.extend(found)
    if doc is None:
        return []
    if not isinstance(doc.data, dict):
        problems.append(Problem(str(file), 1, "", "a test file is a mapping with `cases:`"))
        return []
    try:
        model = PolicyTestFile.model_validate(doc.data)
    except ValidationError as exc:
        problems.extend(problems_from_validation(exc, doc, _KNOWN_KEYS))
        return []
    problems.extend(_duplicate_names(model, doc))
    return [LocatedCase(file, doc.line_of(("cases", i)), case)
            for i, case in enumerate(model.cases)]


def _duplicate_names(model: PolicyTestFile, doc: Document) -> list[Problem]:
    seen: dict[str, int] = {}
    problems = []
    for i, case in enumerate(model.cases):
        path = ("cases", i, "name")
        if case.name in seen:
            problems.append(Problem(doc.file, doc.line_of(path), format_path(path),
                                    f"duplicate case name {case.name!r} (first at line "
                                    f"{seen[case.name]})"))
        seen.setdefault(case.name, doc.line_of(path))
    return problems


def _hidden(relative: Path) -> bool:
    return any(part.startswith(".") for part in relative.parts)
