"""The secret value never survives ``action: redact``; the second untuned round's classes and
look-alikes; the placeholder checks added with it (issue 18)."""

from __future__ import annotations

import base64
import re
from pathlib import Path

import pytest
import yaml
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from benchmarks.secrets_corpus import cases, fresh_cases
from benchmarks.secrets_fresh import fresh2_cases
from benchmarks.secrets_fresh3 import fresh3_cases
from guard.content.catalog import SecretRule, secret_rules
from guard.content.partners import partner_spans
from guard.content.secrets import (
    decodes_to_pair,
    entropy,
    is_filler,
    is_marked,
    is_secret,
    is_walk,
    names_a_credential,
)
from guard.regex import compile_regex
from tests.content.conftest import make_fakes
from tests.content.redaction import SECRETS, redact

FRESH_2 = fresh2_cases()
BY_DESIGN = {"doc url"}
"""Look-alikes of the round that stay flagged by design: ``USER:PASSWORD@HOST`` is a URL's
credential slot, where a word is the password (docs/policies.md, Placeholders)."""

CORPUS = yaml.safe_load((Path(__file__).parents[1] / "data" / "content_corpus.yaml")
                        .read_text("utf-8"))
SAMPLES = [c["text"].format(**make_fakes()) for c in CORPUS["secrets"]] + [
    c.text for c in cases() + fresh_cases() + FRESH_2 + fresh3_cases() if c.values]
PAIRED = [r for r in secret_rules() if r.partner and r.evidence == "prefix"]
"""Key ids with their secret beside them (the generic rule's partner is a client id beside a
named secret, tested on the samples above)."""


@pytest.mark.parametrize("case", [c for c in FRESH_2 if c.values], ids=lambda c: c.kind)
def test_every_class_of_the_second_round_redacts_its_value(case: object) -> None:
    redacted = redact(case.text)  # type: ignore[attr-defined]
    for value in case.values:  # type: ignore[attr-defined]
        assert value not in redacted


@pytest.mark.parametrize("case", [c for c in FRESH_2 if not c.values], ids=lambda c: c.kind)
def test_look_alikes_of_the_second_round(case: object) -> None:
    found = SECRETS.scan(case.text).hits  # type: ignore[attr-defined]
    assert bool(found) == (case.kind in BY_DESIGN)  # type: ignore[attr-defined]


def _values(rule: SecretRule, text: str) -> list[str]:
    """What ``rule`` itself takes for a secret in ``text``: its accepted value groups, and
    the partners found beside each (a rule not reported alone takes nothing where it has
    no partner: an account id without its token is no secret)."""
    regex = compile_regex(rule.regex)
    groups = [i for name, i in regex.groupindex.items() if name.startswith("secret")] or [0]
    partner = compile_regex(rule.partner) if rule.partner else None
    values = []
    for match in regex.finditer(text):
        for group in groups:
            start, end = match.span(group)
            if start < 0 or not is_secret(rule, text[start:end]):
                continue
            found = ([text[a:b] for a, b in partner_spans(partner, rule, text, start, end)]
                     if partner is not None else [])
            if partner is not None and not found and not rule.alone:
                continue
            values += [text[start:end], *found]
    return values


@settings(max_examples=60, deadline=None)
@given(st.sampled_from(SAMPLES), st.text(alphabet=" abc.,;:=\n", max_size=30),
       st.text(alphabet=" xyz.,;:=\n", max_size=30))
def test_no_value_a_rule_takes_for_a_secret_survives_redaction(
        sample: str, before: str, after: str) -> None:
    text = f"{before}\n{sample}\n{after}"
    redacted = redact(text)
    for rule in secret_rules():
        for value in _values(rule, text):
            assert value not in redacted, (rule.name, value)


def _group(source: str, name: str = "secret") -> str:
    """The text of the named group of a regex source (balanced parentheses)."""
    start = source.index(f"(?P<{name}>") + len(f"(?P<{name}>")
    depth, position = 1, start
    while depth:
        char = source[position]
        if char == "\\":
            position += 2
            continue
        depth += {"(": 1, ")": -1}.get(char, 0)
        position += 1
    return source[start:position - 1]


LAYOUTS = ("{id}\n{secret}\n", "id={id}, secret={secret}", "{id},{secret}\n",
           '{{"id": "{id}",\n  "secret": "{secret}"}}', "{id}\n\n{secret}", "{secret} {id}",
           "| {id} | {secret} |")


@settings(max_examples=25, deadline=None)
@pytest.mark.parametrize("rule", PAIRED, ids=lambda r: r.name)
@given(data=st.data())
def test_the_secret_beside_every_paired_id_is_redacted(rule: SecretRule, data: st.DataObject
                                                       ) -> None:
    key_id = data.draw(st.from_regex(re.compile(_group(rule.regex)), fullmatch=True))
    secret = data.draw(st.from_regex(re.compile(_group(rule.partner)), fullmatch=True))
    assume(is_secret(rule, key_id) and key_id not in secret and secret not in key_id)
    assume(entropy(secret) >= rule.partner_entropy + 0.3 and not is_filler(secret)
           and not is_marked(secret))
    text = data.draw(st.sampled_from(LAYOUTS)).format(id=key_id, secret=secret)
    assert secret not in redact(text)


@pytest.mark.parametrize(("value", "walk"), [
    ("a1b2c3d4e5f6g7h8i9j0k1l2", True), ("a1b2c3d4e5f6g7h8i9j0k1l2m3n4o5p6q7r8NRAL", True),
    ("aabbccddeeffgg", True), ("ABCDEFGHIJKLMNOP", False), ("0000000000000000", False),
    ("q8Zk2Lw9Xv4Rt7Yp1Mn5", False), ("a1b2c3", False)])
def test_an_interleaved_walk_is_filler_even_behind_a_prefix(value: str, walk: bool) -> None:
    assert is_walk(value) == walk
    prefix = SecretRule("r", "a test rule", "x", evidence="prefix")
    assert is_secret(prefix, value) != walk


def test_base64_auth_must_decode_to_a_user_and_a_real_password() -> None:
    def b64(text: str) -> str:
        return base64.b64encode(text.encode()).decode()
    assert decodes_to_pair(b64("deploy:Xk9#mQ2v"))
    assert decodes_to_pair(b64("ci:Tr0ub4dor&3").rstrip("="))  # padding dropped
    assert not decodes_to_pair(b64("deploy:${NPM_PASS}"))  # a template
    assert not decodes_to_pair(b64("deploy:xxxxxxxx"))  # filler
    assert decodes_to_pair(b64("Aladdin:open sesame"))  # a password may hold spaces
    assert not decodes_to_pair(b64("username:password"))  # a placeholder pair
    assert not decodes_to_pair(b64("no colon here"))
    assert not decodes_to_pair("HTTPBasicAuth")  # a name, not base64 of a pair
    assert not decodes_to_pair(base64.b64encode(bytes(range(200, 240))).decode())


@pytest.mark.parametrize(("value", "named"), [
    ("hashedPassword", True), ("form.password", True), ("user.apiKey", True),
    ("newToken2", True), ("Password123", False), ("smtp_password", False),
    ("secretAbc9Xk2Lq8Zm4Np7Rt5Vw3Yb6Cd", False), ("super$ecret", False)])
def test_a_variable_named_for_a_credential_is_not_its_value(value: str, named: bool) -> None:
    assert names_a_credential(value) == named


@pytest.mark.parametrize("text", [
    "const stripe = Stripe('pk_live_51HxQ2eLk9ZqW3rT7yU8iO0pA');",
    "mapboxgl.accessToken = 'pk.eyJ1IjoiY29ycCIsImEiOiJja2x4Nzd6aDAwMDJ0MnBwN3RpN3J6In0.Ab3dEf';",
    "db_password: !vault |\n  $ANSIBLE_VAULT;1.1;AES256",
    "SecretString: !Ref DatabasePassword",
    "return {{ username, password: hashedPassword, token: issueToken(user) }};",
])
def test_public_keys_yaml_tags_and_variables_are_no_secret(text: str) -> None:
    assert SECRETS.scan(text).hits == []


@pytest.mark.parametrize(("text", "flagged"), [
    ("password: 'P@ssw0rd9'   # example, change me", False),
    ("DB_PASSWORD=Xk9mQ2vLp // placeholder for CI", False),
    ("GITHUB_TOKEN=ghp_aB3dE6gH9jK2mN5pQ8sT1vW4yZ7bC0eF3hJ6 # example", True),  # a prefix
    ("password=Xk9mQ2vL https://example.com", True), ("Password=Abc123x;Database=sample", True),
    ("token: k3Y9xQ2mZ8vLk3Y9xQ2mZ8vL # prod, not an example", True),
    ("password: Xk9#mQ2vL\n# example below", True),  # another line
])
def test_a_comment_on_the_values_line_can_mark_it_as_an_example(text: str, flagged: bool
                                                                ) -> None:
    assert bool(SECRETS.scan(text).hits) == flagged


@pytest.mark.parametrize(("text", "flagged"), [
    ('raise TypeError("pwd: expected bytes, got %s" % type(pwd))', False),
    ("password: required field, see the form", False),
    ("password = hunterxyz", True), ("password: Hunter2x and more", True),
    ("password = 'swordfish' and more", True),  # quoted: a value
])
def test_a_word_a_sentence_goes_on_after_is_prose(text: str, flagged: bool) -> None:
    assert bool(SECRETS.scan(text).hits) == flagged


@pytest.mark.parametrize(("text", "secret"), [
    ("CREATE ROLE app LOGIN PASSWORD 'R0le!Pass';", "R0le!Pass"),
    ("CREATE LOGIN etl WITH PASSWORD = 'Etl#2026x';", "Etl#2026x"),
    ("create user scott identified by tiger9;", "tiger9"),
    ("SET PASSWORD FOR 'bob'@'%' = 'B0b!pass';", "B0b!pass"),
    ("enable secret 0 Cisc0Enable!", "Cisc0Enable!"),
    ("masterauth R3plica!Pw", "R3plica!Pw"),
    ('<add key="SmtpPassword" value="M4il!Pass"/>', "M4il!Pass"),
    ("<apiKey>k3Y9xQ2mZ8vL</apiKey>", "k3Y9xQ2mZ8vL"),
    ('props.setProperty("mail.smtp.password", "Sm7p!Pass");', "Sm7p!Pass"),
    ("session = HTTPBasicAuth('svc', 'B4sic!Pw')", "B4sic!Pw"),
    ("*:*:*:postgres:Pg9!superpw", "Pg9!superpw"),
    ("wpa_psk=\"W1f1!Psk9\"", "W1f1!Psk9"),
    ('<entry key="smtp.password">M4il!Pass</entry>', "M4il!Pass"),
    ("<Password>\n  <Value>Unatt3nd!Pw</Value>\n</Password>", "Unatt3nd!Pw"),
    ("env:\n- name: DB_PASSWORD\n  value: \"K8s!Pass9\"", "K8s!Pass9"),
    ('{"name": "API_TOKEN", "value": "ecs7Tok3nValue9x"}', "ecs7Tok3nValue9x"),
])
def test_new_password_classes_redact_their_value(text: str, secret: str) -> None:
    assert secret not in redact(text)


@pytest.mark.parametrize("text", [
    "log in with password authentication enabled", "the user identified by name is admin",
    "Time: 12:30:45 and 10:20:30:40", "requirepass", "<password></password>",
    '<property name="password" value="${db.password}"/>', "auth: true",
    "auth = HTTPBasicAuth(user, password)", "12:00:00:01:Z",
    "<passwordPolicy>strict</passwordPolicy>", "<secretName>db-creds</secretName>",
    '<param name="tokenizer" value="standard"/>', "CREATE USER app IDENTIFIED BY VALUES 'S:AB';",
    "fields = ('username', 'password', 'email1')", "Authorization: Basic dXNlcm5hbWU6cGFzc3dvcmQ=",
    "- name: DB_PASSWORD\n  valueFrom:\n    secretKeyRef:\n      name: db",
])
def test_near_misses_of_the_new_password_classes(text: str) -> None:
    assert SECRETS.scan(text).hits == []


def test_a_secret_right_after_an_id_of_its_own_shape_is_redacted() -> None:
    """A key id that the partner pattern also matches consumes the line break after it; the
    search for the secret beside it must start at the id's end, not past that break."""
    key_id = "GOOG000000000000001112223344556789ABCDEF"
    secret = "0000000000000111223344556789BCDEFGHIJKLA"
    assert secret not in redact(f"{key_id}\n{secret}\n")
