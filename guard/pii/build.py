"""Build detectors from validated PII policies: the only module that loads Presidio.

Recognizers are built explicitly and shared: one instance per (entity, phone
regions) and one NLP engine per spaCy pipeline for the whole process, whatever
the number of policies or reloads. ``PHONE_NUMBER`` is guard's own recognizer
(:mod:`guard.pii.phones`); ``CREDIT_CARD`` is Presidio's with guard's issuer
ranges (:mod:`guard.pii.cards`) beside its pattern. Nothing here can reach
the network: the e-mail recognizer's public-suffix list is the copy bundled
with ``tldextract``, and a spaCy pipeline that is not installed is a load
error, never a download (Presidio's own loader would try one).
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from functools import cache
from pathlib import Path
from typing import Any

from guard.errors import GuardError
from guard.pii.cards import an_imei, card_pattern
from guard.pii.catalog import CONTEXT_PHONE_REGIONS, NER_ENTITIES, PATTERN_ENTITIES
from guard.pii.detector import Detector
from guard.pii.ibans import AnyCase
from guard.pii.phones import PhoneNumbers
from guard.pii.recognizers import (
    CustomPattern,
    DenyList,
    NerRecognizer,
    PresidioPattern,
    Recognizer,
    Refusal,
)
from guard.pii.shapes import not_an_ssn
from guard.pii.versions import not_an_address
from guard.policy.types import PiiPolicy

os.environ.setdefault("TLDEXTRACT_PUBLIC_SUFFIX_LIST_URLS", "")


def install_hint(name: str) -> str:
    """What to tell a user whose ``nlp_model`` is missing."""
    return (f"spaCy pipeline {name!r} is not installed (guard never downloads models); "
            f"install it into guard's environment, e.g. `pip install {name.replace('_', '-')}`, "
            "or give the path of a pipeline directory")


def nlp_model_installed(name: str) -> bool:
    """Whether spaCy can load ``name`` offline (an installed package or a local directory)."""
    import importlib.util

    return importlib.util.find_spec(name) is not None if name.isidentifier() \
        else Path(name).is_dir()


def build_detector(policy: PiiPolicy, nlp_model: str | None,
                   phone_regions: Sequence[str]) -> Detector:
    """The detector of one policy (its entities already validated)."""
    recognizers: list[Recognizer] = []
    custom_entities = {r.entity for r in policy.recognizers}
    for entity in dict.fromkeys(policy.entities):
        if entity in PATTERN_ENTITIES:
            recognizers.append(pattern_recognizer(entity, tuple(phone_regions)))
    ner = [e for e in policy.entities if e in NER_ENTITIES and e not in custom_entities]
    if ner and nlp_model:
        recognizers.append(NerRecognizer(ner, nlp_engine(nlp_model), _spacy_recognizer()))
    for custom in policy.recognizers:
        if custom.patterns:
            recognizers.append(CustomPattern(custom.entity, custom.patterns, custom.score,
                                             custom.context))
        if custom.deny_list:
            recognizers.append(DenyList(custom.entity, custom.deny_list))
    return Detector(recognizers, policy.min_score, policy.allow)


@cache
def pattern_recognizer(entity: str, phone_regions: tuple[str, ...],
                       windowed: bool = True) -> Recognizer:
    """The shared recognizer of a pattern entity; ``windowed=False`` analyzes whole
    texts and skips nothing (the reference of the property tests)."""
    spec = PATTERN_ENTITIES[entity]
    if entity == "PHONE_NUMBER":
        assert spec.candidate is not None
        return PhoneNumbers(phone_regions, CONTEXT_PHONE_REGIONS, spec.candidate, windowed)
    from presidio_analyzer import predefined_recognizers

    factory = getattr(predefined_recognizers, spec.recognizer)
    return PresidioPattern(entity, _presidio_recognizer(entity, factory), spec.candidate,
                           spec.windowed and windowed, REFUSALS.get(entity))


REFUSALS: dict[str, Refusal] = {"IP_ADDRESS": not_an_address, "US_SSN": not_an_ssn,
                                "CREDIT_CARD": an_imei}
"""guard's checks after Presidio's: versions, OIDs and network blocks are not addresses,
SSNs of areas the SSA never issues (9xx: ITINs and unassigned) and nine digits a field
names otherwise are not SSNs, a number an IMEI or barcode word names is not a card."""

SSN_CONTEXT = ("ss",)
"""Added to Presidio's SSN context words: ``SS#``, ``SS No.``."""


def _presidio_recognizer(entity: str, factory: Any) -> Any:
    if entity == "CREDIT_CARD":
        return _card_recognizer()
    if entity == "IBAN_CODE":
        return AnyCase(factory())
    if entity == "US_SSN":
        return factory(context=[*factory.CONTEXT, *SSN_CONTEXT])
    return factory()


def _card_recognizer() -> Any:
    """Presidio's card recognizer (Luhn) on guard's pattern of issuer ranges, lengths and
    groupings alone: Presidio's own pattern also takes 4-3-3-3 and 7-7 groupings and a
    card's digits out of a longer run of groups (``1234 4111 1111 1111 1111``)."""
    from presidio_analyzer import Pattern
    from presidio_analyzer.predefined_recognizers import CreditCardRecognizer

    ranges = Pattern("Card networks' issuer ranges and lengths (guard)", card_pattern(), 0.3)
    return CreditCardRecognizer(patterns=[ranges])


@cache
def _spacy_recognizer() -> Any:
    from presidio_analyzer.predefined_recognizers import SpacyRecognizer

    return SpacyRecognizer(supported_entities=sorted(NER_ENTITIES))


@cache
def nlp_engine(name: str) -> Any:
    """Presidio's spaCy engine for an installed pipeline; raise when it is not installed."""
    if not nlp_model_installed(name):
        raise GuardError(install_hint(name))
    from presidio_analyzer.nlp_engine import NlpEngineProvider

    config = {"nlp_engine_name": "spacy", "models": [{"lang_code": "en", "model_name": name}]}
    engine: Any = NlpEngineProvider(nlp_configuration=config).create_engine()
    for pipeline in engine.nlp.values():
        entities_only(pipeline)
    return engine


ENTITY_PIPES = frozenset({"ner", "entity_ruler", "span_ruler"})
"""The components that set a document's entities, all guard reads of a pipeline."""


def entities_only(pipeline: Any) -> None:
    """Turn off every component that neither sets entities nor feeds one that does.

    Presidio runs the whole pipeline (tagger, parser, lemmatizer: half the time of a small
    English model) to offer lemmas and dependencies that guard's recognizers never read;
    the entities come out the same (``ner`` has its own embedding layer, unless it listens
    to a shared ``tok2vec`` or ``transformer``, which then stays on).
    """
    fed = {name for name, component in pipeline.pipeline
           if ENTITY_PIPES & set(getattr(component, "listening_components", ()))}
    for name in list(pipeline.pipe_names):
        if name not in ENTITY_PIPES and name not in fed:
            pipeline.disable_pipe(name)
