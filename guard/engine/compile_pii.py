"""Compile ``type: pii`` policies: validate entities and recognizers, build detectors.

Everything a user can get wrong is a located problem, reported with the rest
of the set: an entity nobody recognizes (with a suggestion), an NER entity
without ``settings.pii.nlp_model``, a pipeline that is not installed, an
``actions`` key the policy does not detect, a custom pattern RE2 cannot run.
Only a policy without problems loads Presidio and builds its detector.
"""

from __future__ import annotations

from functools import partial
from typing import TYPE_CHECKING

from guard.checks.base import Check, PolicyMeta
from guard.checks.pii import PiiCheck, PiiRules
from guard.errors import GuardError
from guard.pii.catalog import NER_ENTITIES, PATTERN_ENTITIES
from guard.pii.operators import OperatorConfig
from guard.policy.loader import Located, PolicyEntry
from guard.policy.settings import Settings
from guard.policy.suggest import did_you_mean
from guard.policy.types import PiiPolicy

if TYPE_CHECKING:
    from guard.engine.compile import _Compiler
    from guard.errors import Problem


def check_nlp_model(settings: Settings, where: Located | None) -> Problem | None:
    """A problem when ``settings.pii.nlp_model`` names a pipeline that cannot load offline."""
    from guard.pii.build import install_hint, nlp_model_installed

    name = settings.pii.nlp_model
    if name is None or where is None or nlp_model_installed(name):
        return None
    return where.problem(install_hint(name), "settings", "pii", "nlp_model")


def entity_problems(policy: PiiPolicy, where: Located, nlp_model: str | None) -> list[Problem]:
    """Unknown entities, NER entities without a model, ``actions`` for undetected entities."""
    custom = {r.entity for r in policy.recognizers}
    problems = [p for i, entity in enumerate(policy.entities)
                if (p := _entity_problem(entity, custom, nlp_model, where, i))]
    detected = set(policy.entities) | custom
    problems += [where.problem(f"{entity!r} is not detected by this policy; add it to "
                               "`entities` or give it a recognizer", "actions", entity)
                 for entity in policy.actions if entity not in detected]
    return problems


def _entity_problem(entity: str, custom: set[str], nlp_model: str | None, where: Located,
                    index: int) -> Problem | None:
    if entity in PATTERN_ENTITIES or entity in custom:
        return None
    if entity in NER_ENTITIES:
        if nlp_model:
            return None
        return where.problem(f"{entity} is found by named-entity recognition: set "
                             "settings.pii.nlp_model to an installed spaCy pipeline",
                             "entities", index)
    known = sorted({*PATTERN_ENTITIES, *NER_ENTITIES})
    hint = did_you_mean(entity, known)
    return where.problem(f"unknown entity {entity!r}{hint}; built-in entities are listed by "
                         "`guard schema`, or add a `recognizers:` entry for it",
                         "entities", index)


def build_pii_check(compiler: _Compiler, meta: PolicyMeta, entry: PolicyEntry) -> Check | None:
    """The policy's check, or ``None`` after recording its problems with ``compiler``."""
    policy = entry.policy
    assert isinstance(policy, PiiPolicy)
    where = entry.where
    before = len(compiler.problems)
    compiler.problems += entity_problems(policy, where, compiler.settings.pii.nlp_model)
    for i, recognizer in enumerate(policy.recognizers):
        for j, pattern in enumerate(recognizer.patterns):
            compiler.regex(pattern, "", where, "recognizers", i, "patterns", j)
    if len(compiler.problems) > before:
        return None
    return _check(meta, policy, compiler.settings, where, compiler.problems)


def _check(meta: PolicyMeta, policy: PiiPolicy, settings: Settings, where: Located,
           problems: list[Problem]) -> Check | None:
    from guard.pii.build import build_detector, nlp_model_installed
    from guard.pii.keys import hash_key

    nlp_model = settings.pii.nlp_model
    uses_ner = bool(nlp_model) and any(e in NER_ENTITIES for e in policy.entities)
    if uses_ner and nlp_model and not nlp_model_installed(nlp_model):
        return None  # reported once, at settings.pii.nlp_model
    try:
        detector = build_detector(policy, nlp_model, settings.pii.phone_regions)
    except GuardError as exc:
        problems.append(where.problem(str(exc)))
        return None
    rules = PiiRules(policy.action, tuple(policy.actions.items()),
                     OperatorConfig(policy.replacement, policy.mask_char, policy.mask_keep),
                     policy.message)
    key = partial(hash_key, settings.pii.hash_key_env, settings.pii.hash_key_file)
    return PiiCheck(meta, rules, detector, key, always_offload=uses_ner,
                    memo_size=settings.scan_memo)
