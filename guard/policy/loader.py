"""Load a policy set (one file or a directory) into validated models.

Every problem of every file is collected before failing, so a user sees all of
them at once. The result still has to be compiled (CEL, regexes) by
:func:`guard.engine.compile.compile_policies`, which adds its own problems.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path as FsPath
from typing import Any

from pydantic import TypeAdapter, ValidationError

from guard.errors import PolicyError, Problem
from guard.policy.document import Identity, PolicyFile, Price
from guard.policy.problems import model_keys, problem_at, problems_from_validation
from guard.policy.salvage import Salvaged, salvage
from guard.policy.settings import Settings
from guard.policy.source import (
    MAX_FILE_BYTES,
    Document,
    Path,
    format_path,
    read_yaml,
    too_large,
)
from guard.policy.types import Policy

_KNOWN_KEYS = model_keys(PolicyFile)
_POLICY: TypeAdapter[Policy] = TypeAdapter(Policy)


@dataclass(frozen=True)
class Located:
    """A value from a policy file together with the document and key path it came from."""

    doc: Document
    path: Path

    def problem(self, message: str, *sub: str | int, warning: bool = False) -> Problem:
        """A problem pointing at this value (or at ``sub`` inside it)."""
        full = (*self.path, *sub)
        return Problem(self.doc.file, self.doc.line_of(full), format_path(full), message,
                       "warning" if warning else "error")


@dataclass(frozen=True)
class PolicyEntry:
    """One policy and where it was written.

    ``repaired``: the key paths :func:`~guard.policy.salvage.salvage` replaced or dropped
    because they were invalid (already reported); such an entry is compiled only to find
    the policy's other problems.
    """

    policy: Policy
    where: Located
    repaired: frozenset[Path] = frozenset()


@dataclass
class PolicySet:
    """The merged, validated content of a policy set, not yet compiled."""

    source: str
    revision: str
    settings: Settings = field(default_factory=Settings)
    identity: Identity = field(default_factory=Identity)
    variables: dict[str, tuple[str, Located]] = field(default_factory=dict)
    pricing: dict[str, Price] = field(default_factory=dict)
    policies: list[PolicyEntry] = field(default_factory=list)
    carried_by: dict[str, Located] = field(default_factory=dict)  # set-wide block -> its file


def load_policy_set(path: str | FsPath) -> PolicySet:
    """Read and validate every file of the set; raise :class:`PolicyError` with all problems."""
    return _strict(read_policy_set(path))


def load_policy_text(text: str, name: str = "<policy>") -> PolicySet:
    """Load a policy set from one YAML string (handy for tests and embedding)."""
    return _strict(read_policy_text(text, name))


def read_policy_set(path: str | FsPath) -> tuple[PolicySet, list[Problem]]:
    """Like :func:`load_policy_set`, but return the valid part and the problems.

    The valid part can still be compiled, so its own problems (bad CEL, say)
    are reported in the same run as the schema problems of the rest.
    """
    files, problems = _policy_files(FsPath(path))
    texts = {f: _read_text(f, problems) for f in files}
    merged = PolicySet(source=str(path), revision=_revision(texts))
    for file, text in texts.items():
        if text is not None:
            _merge_file(merged, file, text, problems)
    return merged, problems


def read_policy_text(text: str, name: str = "<policy>") -> tuple[PolicySet, list[Problem]]:
    """:func:`read_policy_set` for one YAML string."""
    problems: list[Problem] = []
    merged = PolicySet(source=name, revision=_revision({FsPath(name): text}))
    _merge_file(merged, FsPath(name), text, problems)
    return merged, problems


def _strict(loaded: tuple[PolicySet, list[Problem]]) -> PolicySet:
    merged, problems = loaded
    if problems:
        raise PolicyError(sorted(problems))
    return merged


def _policy_files(path: FsPath) -> tuple[list[FsPath], list[Problem]]:
    if path.is_file():
        return [path], []
    if path.is_dir():
        files = sorted(p for p in path.iterdir() if p.suffix in (".yaml", ".yml")
                       and p.is_file() and not p.stem.endswith("_test"))
        if files:
            return files, []
        return [], [Problem(str(path), 0, "", "no *.yaml or *.yml policy files here")]
    return [], [Problem(str(path), 0, "", "no such file or directory")]


def _read_text(file: FsPath, problems: list[Problem]) -> str | None:
    """The file's text; never more than :data:`MAX_FILE_BYTES` of it is read."""
    try:
        with file.open("rb") as handle:
            raw = handle.read(MAX_FILE_BYTES + 1)
        if len(raw) > MAX_FILE_BYTES:
            problems.append(too_large(str(file), file.stat().st_size))
            return None
        return raw.decode("utf-8").replace("\r\n", "\n").replace("\r", "\n")  # as read_text
    except (OSError, UnicodeDecodeError) as exc:
        problems.append(Problem(str(file), 0, "", f"cannot read: {exc}"))
        return None


def _revision(texts: dict[FsPath, str | None]) -> str:
    digest = hashlib.sha256()
    for file, text in texts.items():
        digest.update(file.name.encode() + b"\0" + (text or "").encode() + b"\0")
    return digest.hexdigest()[:12]


def _merge_file(merged: PolicySet, file: FsPath, text: str, problems: list[Problem]) -> None:
    doc, found = read_yaml(text, str(file))
    problems.extend(found)
    if doc is None:
        return
    if not isinstance(doc.data, dict):
        problems.append(Problem(doc.file, 1, "", "a policy file must be a mapping with "
                                "`version: 1` and `policies:`"))
        return
    raw_policies = doc.data.get("policies")
    top = {**doc.data, "policies": []}
    try:  # policies are validated one by one below, so one bad policy hides nothing
        model: PolicyFile | None = PolicyFile.model_validate(top)
    except ValidationError as exc:
        problems.extend(problems_from_validation(exc, doc, _KNOWN_KEYS))
        model = _salvage(PolicyFile.model_validate, top, exc, Located(doc, ()), problems)
    if model is not None:
        _merge_model(merged, model, doc, problems)
    if isinstance(raw_policies, list):
        _merge_policies(merged, raw_policies, doc, problems)
    elif raw_policies is not None:
        problems.append(Located(doc, ()).problem("expected a list of policies", "policies"))


def _merge_policies(merged: PolicySet, raw: list[Any], doc: Document,
                    problems: list[Problem]) -> None:
    for index, data in enumerate(raw):
        where = Located(doc, ("policies", index))
        try:
            policy = _POLICY.validate_python(data)
        except ValidationError as exc:
            problems.extend(problems_from_validation(exc, doc, _KNOWN_KEYS, where.path))
            found = salvage(_POLICY.validate_python, data, exc)
            _late_problems(found, where, problems)
            if found.model is not None:  # checked on, so its other mistakes show in this run
                _add_policy(merged, PolicyEntry(found.model, where, found.repaired), problems)
            continue
        _add_policy(merged, PolicyEntry(policy, where), problems)


def _salvage(validate: Callable[[Any], PolicyFile], data: Any, exc: ValidationError,
             where: Located, problems: list[Problem]) -> PolicyFile | None:
    found = salvage(validate, data, exc)
    _late_problems(found, where, problems)
    return found.model


def _late_problems(found: Salvaged[Any], where: Located, problems: list[Problem]) -> None:
    problems.extend(problem_at(error, (*where.path, *path), where.doc, _KNOWN_KEYS)
                    for path, error in found.late)


def _merge_model(merged: PolicySet, model: PolicyFile, doc: Document,
                 problems: list[Problem]) -> None:
    here = Located(doc, ())
    if model.settings is not None:
        _merge_once(merged, "settings", here, problems)
        merged.settings = model.settings
    if model.identity is not None:
        _merge_once(merged, "identity", here, problems)
        merged.identity = model.identity
    for name, source in model.variables.items():
        _add_variable(merged, name, source, Located(doc, ("variables", name)), problems)
    merged.pricing.update(model.pricing)


def _merge_once(merged: PolicySet, key: str, here: Located, problems: list[Problem]) -> None:
    first = merged.carried_by.setdefault(key, here)
    if first is not here:
        line = first.doc.line_of((key,))
        problems.append(here.problem(f"at most one file of a set may carry `{key}` "
                                     f"(also in {first.doc.file}:{line})", key))


def _add_variable(merged: PolicySet, name: str, source: str, where: Located,
                  problems: list[Problem]) -> None:
    if name in merged.variables:
        first = merged.variables[name][1]
        problems.append(where.problem(f"variable {name!r} is already defined at "
                                      f"{first.doc.file}:{first.doc.line_of(first.path)}"))
        return
    merged.variables[name] = (source, where)


def _add_policy(merged: PolicySet, entry: PolicyEntry, problems: list[Problem]) -> None:
    for other in merged.policies:
        if ("name",) in entry.repaired or ("name",) in other.repaired:
            continue  # a stand-in name, not the user's
        if other.policy.name == entry.policy.name:
            first = other.where
            problems.append(entry.where.problem(
                f"duplicate policy name {entry.policy.name!r}, first defined at "
                f"{first.doc.file}:{first.doc.line_of((*first.path, 'name'))}", "name"))
            break  # still compiled, for its own problems: the set will not load anyway
    merged.policies.append(entry)
