"""Compile a loaded policy set once into runtime checks.

Everything that can be wrong with a policy is found here or in the loader:
CEL syntax and unknown names, regexes RE2 cannot run, policy types this
version cannot enforce. All problems are collected and raised together, each
with ``file:line: key.path``.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from guard.cel import CelEngine, Program, ResultKind, engine
from guard.cel.fields import request_fields
from guard.cel.lint import lint_cel
from guard.checks.base import Check, PolicyMeta
from guard.checks.content import content_check
from guard.checks.route import RouteCheck, RouteRules
from guard.checks.rule import RuleCheck
from guard.checks.tools import ToolRules, ToolsCheck
from guard.engine.compile_limits import build_budget_check, build_rate_limit_check
from guard.engine.compile_llm import JudgeParts, build_llm_check, order_problems
from guard.engine.compile_pii import build_pii_check, check_nlp_model
from guard.engine.privacy import Privacy, literal_models
from guard.errors import CelError, PolicyError, Problem
from guard.limits.store import StoreRef
from guard.policy.loader import Located, PolicyEntry, PolicySet, read_policy_set, read_policy_text
from guard.policy.settings import Settings
from guard.policy.types import ContentPolicy, RoutePolicy, RulePolicy, ToolsPolicy
from guard.pricing.prices import PriceTable
from guard.regex import RegexError, compile_regex

if TYPE_CHECKING:
    from guard.judge.client import JudgeClient

STORE_ENV = "GUARD_STORE"
"""Overrides ``settings.store``: one policy set, a different store per deployment (or test)."""


@dataclass
class CompiledPolicies:
    """A policy set ready to evaluate: immutable once built, swapped whole on reload."""

    source: str
    revision: str
    settings: Settings
    cel: CelEngine
    identity: dict[str, Program]
    variables: list[tuple[str, Program]]
    checks: list[Check]
    prices: PriceTable = field(default_factory=PriceTable)
    store: StoreRef = field(default_factory=lambda: StoreRef("memory://"))
    request_fields: frozenset[str] | None = None  # what CEL reads of `request`; None = all
    judge: JudgeClient | None = None  # shared by the set's llm policies, if any
    warnings: tuple[Problem, ...] = ()  # what will fail for some requests (`guard lint`)
    privacy: Privacy | None = None  # keyed hashes and known models, for the decision log


class _Compiler:
    """Collects problems while compiling, so every mistake is reported at once."""

    def __init__(self, cel: CelEngine, settings: Settings, revision: str = "",
                 judge_endpoint: str | None = None) -> None:
        self.cel = cel
        self.settings = settings
        self.revision = revision
        self.judge_endpoint = judge_endpoint  # default for settings.llm.endpoint
        self.judge = JudgeParts()
        self.store = StoreRef(os.environ.get(STORE_ENV) or settings.store)
        self.problems: list[Problem] = []
        self.warnings: list[Problem] = []
        self.variables: frozenset[str] | None = None  # the names the set defines
        self.request_fields: set[str] | None = set()

    def cel_program(self, source: str | None, kind: ResultKind, where: Located,
                    *key: str, absent_fails: bool = False) -> Program | None:
        """``source`` compiled, or ``None`` with every problem it has recorded.

        ``absent_fails``: an evaluation error fails the policy (``when``, ``deny_if``), so
        reads of keys a request may lack are warned about; identity, variables and
        buckets treat a failed read as absent.
        """
        if source is None:
            return None
        findings = lint_cel(source, kind, absent_fails=absent_fails, variables=self.variables)
        for finding in findings:
            found = where.problem(finding.message, *key, warning=finding.warning)
            (self.warnings if finding.warning else self.problems).append(found)
        if any(not finding.warning for finding in findings):
            return None
        try:
            program = self.cel.compile(source, expect=kind)
        except CelError as exc:
            self.problems.append(where.problem(f"invalid CEL: {exc}", *key))
            return None
        self._note_fields(source)
        return program

    def _note_fields(self, source: str) -> None:
        """Remember which request fields CEL reads, so only those are ever bound."""
        fields = request_fields(source)
        if fields is None or self.request_fields is None:
            self.request_fields = None
        else:
            self.request_fields |= fields

    def regex(self, pattern: str, flags: str, where: Located, *key: str | int) -> None:
        try:
            compile_regex(pattern, flags)
        except RegexError as exc:
            self.problems.append(where.problem(str(exc), *key))


def build_policies(path: str | Path, cel_engine: str | None = None, *,
                   judge_endpoint: str | None = None) -> CompiledPolicies:
    """Load and compile the set at ``path``, reporting schema and compile problems together.

    ``judge_endpoint`` is the default of ``settings.llm.endpoint`` (``guard serve``: the
    upstream).
    """
    policies, problems = read_policy_set(path)
    return compile_policies(policies, cel_engine, problems, judge_endpoint=judge_endpoint)


def build_policy_text(text: str, name: str = "<policy>", cel_engine: str | None = None, *,
                      judge_endpoint: str | None = None) -> CompiledPolicies:
    """:func:`build_policies` for one YAML string."""
    policies, problems = read_policy_text(text, name)
    return compile_policies(policies, cel_engine, problems, judge_endpoint=judge_endpoint)


def compile_policies(policies: PolicySet, cel_engine: str | None = None,
                     problems: Sequence[Problem] = (), *,
                     judge_endpoint: str | None = None) -> CompiledPolicies:
    """Compile ``policies``; raise :class:`PolicyError` listing every problem.

    ``problems`` are those already found while loading, reported in the same error.
    """
    compiler = _Compiler(engine(cel_engine), policies.settings, policies.revision,
                         judge_endpoint)
    compiler.problems.extend(problems)
    compiler.variables = frozenset(policies.variables)
    compiler.problems.extend(order_problems(policies))
    model_problem = check_nlp_model(policies.settings, policies.carried_by.get("settings"))
    if model_problem is not None:
        compiler.problems.append(model_problem)
    identity = _compile_identity(compiler, policies)
    variables = _compile_variables(compiler, policies)
    checks = [c for e in policies.policies if (c := _compile_check(compiler, policies, e))]
    warnings = sorted(set(compiler.warnings))
    if compiler.problems:
        raise PolicyError(sorted(set(compiler.problems)), warnings)
    fields = None if compiler.request_fields is None else frozenset(compiler.request_fields)
    prices = PriceTable(policies.pricing)
    privacy = Privacy.from_settings(policies.settings, _known_models(prices, checks),
                                    literal_models(n for c in checks if isinstance(c, ToolsCheck)
                                                   for n in (*c.rules.allow, *c.rules.deny)))
    return CompiledPolicies(policies.source, policies.revision, policies.settings,
                            compiler.cel, identity, variables, checks, prices, compiler.store,
                            fields, compiler.judge.client, tuple(warnings), privacy)


def _known_models(prices: PriceTable, checks: Sequence[Check]) -> set[str]:
    """Model names the set itself names: priced ones and those its route policies name
    literally (a glob names no model); the decision log writes only these as they are."""
    names = set(prices.prices)
    for check in checks:
        if isinstance(check, RouteCheck):
            rules = check.rules
            names |= literal_models([*rules.allow, *rules.deny, *rules.fallbacks,
                                     rules.default_model, *(n for p in rules.aliases for n in p)])
    return names


def _compile_identity(compiler: _Compiler, policies: PolicySet) -> dict[str, Program]:
    where = policies.carried_by.get("identity")
    out: dict[str, Program] = {}
    for name, source in policies.identity.model_dump().items():
        if source is not None and where is not None:
            program = compiler.cel_program(source, "any", where, "identity", name)
            if program is not None:
                out[name] = program
    return out


def _compile_variables(compiler: _Compiler, policies: PolicySet) -> list[tuple[str, Program]]:
    out: list[tuple[str, Program]] = []
    for name, (source, where) in policies.variables.items():
        program = compiler.cel_program(source, "any", where)
        if program is not None:
            out.append((name, program))
    return out


def _compile_check(compiler: _Compiler, policies: PolicySet, entry: PolicyEntry) -> Check | None:
    before = len(compiler.problems)
    meta = _meta(compiler, policies.settings, entry)
    build = _BUILDERS.get(entry.policy.type)
    if build is None:
        _validate_unbuilt(compiler, entry)
        compiler.problems.append(entry.where.problem(
            f"policy type {entry.policy.type!r} is not enforced by this version of guard yet",
            "type"))
        return None
    check = build(compiler, meta, entry)
    return check if len(compiler.problems) == before else None


def _meta(compiler: _Compiler, settings: Settings, entry: PolicyEntry) -> PolicyMeta:
    policy = entry.policy
    stages = getattr(policy, "stages", _STAGES.get(policy.type, ["input"]))
    where = entry.where
    return PolicyMeta(
        name=policy.name,
        type=policy.type,
        stages=frozenset(stages),
        mode=policy.mode or settings.mode,
        on_error=policy.on_error or settings.on_error,
        when=compiler.cel_program(policy.when, "bool", where, "when", absent_fails=True),
        location=f"{where.doc.file}:{where.doc.line_of(where.path)}",
    )


def _build_route(compiler: _Compiler, meta: PolicyMeta, entry: PolicyEntry) -> Check:
    policy = entry.policy
    assert isinstance(policy, RoutePolicy)
    rules = RouteRules(
        allow=tuple(policy.allow), deny=tuple(policy.deny), providers=tuple(policy.providers),
        aliases=tuple(policy.aliases.items()), default_model=policy.default_model,
        fallbacks=tuple(policy.fallbacks), message=policy.message,
        gateway=compiler.settings.gateway,
    )
    set_model = compiler.cel_program(policy.set_model, "string", entry.where, "set_model",
                                     absent_fails=True)
    return RouteCheck(meta, rules, set_model)


def _build_tools(compiler: _Compiler, meta: PolicyMeta, entry: PolicyEntry) -> Check:
    policy = entry.policy
    assert isinstance(policy, ToolsPolicy)
    return ToolsCheck(meta, ToolRules(tuple(policy.allow), tuple(policy.deny), policy.message))


def _build_rule(compiler: _Compiler, meta: PolicyMeta, entry: PolicyEntry) -> Check:
    policy = entry.policy
    assert isinstance(policy, RulePolicy)
    deny_if = compiler.cel_program(policy.deny_if, "bool", entry.where, "deny_if",
                                   absent_fails=True)
    return RuleCheck(meta, deny_if, policy.message, policy.status)  # type: ignore[arg-type]


def _build_content(compiler: _Compiler, meta: PolicyMeta, entry: PolicyEntry) -> Check:
    policy = entry.policy
    assert isinstance(policy, ContentPolicy)
    before = len(compiler.problems)
    for i, pattern in enumerate(policy.detect.patterns):
        compiler.regex(pattern.regex, pattern.flags, entry.where, "detect", "patterns", i, "regex")
    if len(compiler.problems) > before:
        return Check(meta)  # discarded by the caller: the problems are reported instead
    try:
        return content_check(meta, policy, compiler.settings.scan_memo)
    except RegexError as exc:
        compiler.problems.append(entry.where.problem(str(exc), "detect"))
        return Check(meta)


def _validate_unbuilt(compiler: _Compiler, entry: PolicyEntry) -> None:
    """Check the CEL of policy types not enforced yet, so lint still helps."""
    policy: Any = entry.policy
    if isinstance(getattr(policy, "per", None), str):
        compiler.cel_program(policy.per, "any", entry.where, "per")


def _build_pii(compiler: _Compiler, meta: PolicyMeta, entry: PolicyEntry) -> Check:
    return build_pii_check(compiler, meta, entry) or Check(meta)  # None: problems recorded


_BUILDERS: dict[str, Callable[[_Compiler, PolicyMeta, PolicyEntry], Check]] = {
    "route": _build_route,
    "rule": _build_rule,
    "content": _build_content,
    "pii": _build_pii,
    "budget": build_budget_check,
    "rate_limit": build_rate_limit_check,
    "llm": build_llm_check,
    "tools": _build_tools,
}
_STAGES = {"tools": ["input", "output"]}
"""Policy types without ``stages`` that act on both: tools deny calls and filter lists."""
