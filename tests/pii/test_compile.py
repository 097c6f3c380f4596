"""Load-time problems of PII policies: every one located, all reported together."""

from __future__ import annotations

import subprocess
import sys

import pytest

from guard import Guard
from guard.errors import PolicyError


def problems(text: str) -> list[str]:
    with pytest.raises(PolicyError) as caught:
        Guard.from_yaml(text, name="p.yaml")
    return [str(p) for p in caught.value.problems]


def test_unknown_entities_actions_and_bad_patterns_are_reported_at_once() -> None:
    found = problems("""version: 1
policies:
  - name: pii
    type: pii
    entities: [EMAIL_ADRESS, PHONE_NUMBER, FOO]
    actions: {CREDIT_CARD: block}
    recognizers:
      - entity: EMPLOYEE_ID
        patterns: ['EMP-(?=\\d)']
""")
    assert found == [
        "p.yaml:5: policies[0].entities[0]: unknown entity 'EMAIL_ADRESS' (did you mean "
        "'EMAIL_ADDRESS'?); built-in entities are listed by `guard schema`, or add a "
        "`recognizers:` entry for it",
        "p.yaml:5: policies[0].entities[2]: unknown entity 'FOO'; built-in entities are listed "
        "by `guard schema`, or add a `recognizers:` entry for it",
        "p.yaml:6: policies[0].actions.CREDIT_CARD: 'CREDIT_CARD' is not detected by this "
        "policy; add it to `entities` or give it a recognizer",
        "p.yaml:9: policies[0].recognizers[0].patterns[0]: RE2 does not support lookahead "
        "`(?=...)`; rewrite the pattern without it",
    ]


def test_ner_entities_need_a_model() -> None:
    [problem] = problems("version: 1\npolicies:\n  - {name: p, type: pii, entities: [PERSON]}\n")
    assert problem.startswith("p.yaml:3: policies[0].entities[0]: PERSON is found by "
                              "named-entity recognition: set settings.pii.nlp_model")


def test_a_model_that_is_not_installed_is_a_located_error_never_a_download() -> None:
    [problem] = problems("""version: 1
settings:
  pii:
    nlp_model: xx_not_a_real_pipeline
policies:
  - {name: p, type: pii, entities: [PERSON]}
""")
    assert problem.startswith("p.yaml:4: settings.pii.nlp_model: spaCy pipeline "
                              "'xx_not_a_real_pipeline' is not installed (guard never downloads")


def test_operator_options_are_validated() -> None:
    found = problems("""version: 1
policies:
  - name: p
    type: pii
    replacement: "<{kind}>"
    mask_char: "**"
    mask_keep: -1
    action: erase
""")
    assert [f.split(": ")[1] for f in found] == [
        "policies[0].replacement", "policies[0].mask_char", "policies[0].mask_keep",
        "policies[0].action"]
    assert "unknown placeholder {kind}; the only one is {entity}" in found[0]


def test_custom_entities_and_deny_lists_load() -> None:
    g = Guard.from_yaml("""version: 1
policies:
  - name: p
    type: pii
    entities: [EMAIL_ADDRESS, CODENAME]
    actions: {CODENAME: block}
    recognizers:
      - {entity: CODENAME, deny_list: [zeus]}
""")
    d = g.check_request_sync({"model": "m", "messages": [{"role": "user", "content": "Zeus!"}]},
                             path="/v1/chat/completions")
    assert d.action == "deny" and d.findings["pii"] == ["CODENAME"]


def test_import_guard_loads_neither_presidio_nor_spacy() -> None:
    code = ("import sys, guard; from guard import Guard; "
            "Guard.from_yaml('version: 1\\npolicies: "
            "[{name: r, type: rule, deny_if: \"false\"}]'); "
            "print(sorted({m.split('.')[0] for m in sys.modules} & {'spacy', 'presidio_analyzer', "
            "'presidio_anonymizer'}))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
