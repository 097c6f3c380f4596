"""Compile ``type: llm`` policies: the judge's endpoint, prompt and place in the order.

An llm policy needs an endpoint to talk to: ``settings.llm.endpoint``, or the
default the caller passes in (``guard serve`` passes its upstream). Without
either the set does not load, with a message that says how to fix it, rather
than fail on every request. Nothing is contacted at load time, so ``guard
lint`` and ``guard check`` of a set with a configured endpoint work offline.

A ``pii`` policy placed after an ``llm`` policy of the same stage is refused:
the judge must only ever see text the PII policies have already cleaned.
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING

from guard.checks.base import Check, PolicyMeta
from guard.checks.llm import LlmCheck, LlmRules
from guard.judge.cache import VerdictCache
from guard.judge.templates import template_prompt
from guard.policy.types import LlmPolicy

if TYPE_CHECKING:
    from guard.engine.compile import _Compiler
    from guard.errors import Problem
    from guard.judge.client import JudgeClient
    from guard.policy.loader import PolicyEntry, PolicySet

ENDPOINT_ENV = "GUARD_JUDGE_ENDPOINT"
"""Default judge endpoint when ``settings.llm.endpoint`` is not set (deployment config)."""


class JudgeParts:
    """The one client and cache all llm policies of a set share (made on first use)."""

    def __init__(self) -> None:
        self.client: JudgeClient | None = None
        self.cache: VerdictCache | None = None


def build_llm_check(compiler: _Compiler, meta: PolicyMeta, entry: PolicyEntry) -> Check:
    policy = entry.policy
    assert isinstance(policy, LlmPolicy)
    settings = compiler.settings.llm
    endpoint = settings.endpoint or compiler.judge_endpoint or os.environ.get(ENDPOINT_ENV)
    if not endpoint:
        compiler.problems.append(entry.where.problem(
            "an llm policy needs a judge endpoint: set settings.llm.endpoint to an "
            "OpenAI-compatible base URL (e.g. https://gateway.example/v1), or run it under "
            f"`guard serve`, whose upstream is the default (or set {ENDPOINT_ENV})", "type"))
        return Check(meta)
    from guard.judge.client import JudgeClient  # httpx: only for sets that use a judge

    parts = compiler.judge
    if parts.client is None or parts.cache is None:
        parts.client = JudgeClient(endpoint, settings.api_key_env, settings.max_concurrency)
        parts.cache = VerdictCache(settings.cache_ttl_seconds, settings.cache_size)
    rules = LlmRules(policy.model, template_prompt(policy.template, policy.prompt),
                     policy.action, policy.timeout_ms, policy.message)
    return LlmCheck(meta, rules, parts.client, parts.cache, compiler.revision)


def order_problems(policies: PolicySet) -> list[Problem]:
    """A ``pii`` policy after an ``llm`` policy that shares a stage with it."""
    problems = []
    judges: list[LlmPolicy] = []
    for entry in policies.policies:
        policy = entry.policy
        if isinstance(policy, LlmPolicy):
            judges.append(policy)
        elif policy.type == "pii":
            stages = set(getattr(policy, "stages", ["input"]))
            before = [j.name for j in judges if stages & set(j.stages)]
            if before:
                problems.append(entry.where.problem(
                    f"pii policy {policy.name!r} comes after llm policy {before[0]!r} in "
                    "the same stage; move it before, so the judge never sees what it "
                    "removes", "type"))
    return problems
