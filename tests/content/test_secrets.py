"""Which placeholder-looking values still count, by the evidence a rule rests on."""

from __future__ import annotations

import pytest

from guard.content.catalog import SecretRule
from guard.content.secrets import entropy, is_filler, is_marked, is_secret


def rule(evidence: str = "name", **fields: object) -> SecretRule:
    return SecretRule("r", "a test rule", "x", evidence=evidence, **fields)  # type: ignore[arg-type]


@pytest.mark.parametrize("value", ["AKIAIOSFODNN7EXAMPLE", "your_api_key", "<password>",
                                   "${DB_PASS}", "{{ vault_pw }}", "#{datastore}", "REDACTED"])
def test_values_marked_as_not_real_never_count(value: str) -> None:
    assert is_marked(value)
    assert not any(is_secret(rule(e), value) for e in ("name", "slot", "prefix"))


@pytest.mark.parametrize("value", ["xxxxxxxxxxxx", "**********", "0000000000", "abcdefghij",
                                   "a1b2c3d4e5", "os.environ['PW']", "null"])
def test_filler_counts_only_behind_a_distinctive_prefix(value: str) -> None:
    assert is_filler(value)
    assert is_secret(rule("prefix"), value)
    assert not is_secret(rule("slot"), value)
    assert not is_secret(rule("name"), value)


@pytest.mark.parametrize("value", ["secret", "password", "pass"])
def test_a_word_in_a_credential_slot_is_the_password(value: str) -> None:
    assert is_secret(rule("slot"), value)
    assert not is_secret(rule("name"), value)  # `password = secret` may name, not be


def test_shape_checks_drop_variables_and_uuids_unless_the_format_is_one() -> None:
    uuid = "7d444840-9dc0-11d1-b245-5ffdce74fad2"
    assert not is_secret(rule("slot"), "$PGPASSWORD")
    assert not is_secret(rule("prefix"), uuid)
    assert is_secret(rule(shape_checks=False), uuid)


def test_entropy_and_digits_still_apply() -> None:
    assert not is_secret(rule(min_entropy=3.0), "hello")
    assert not is_secret(rule(needs_digit=True), "NoDigitsHere")
    assert is_secret(rule(needs_digit=True, min_entropy=2.0), "Kq8mZ2pLx")
    assert entropy("") == 0.0 and entropy("ab") == 1.0


def test_an_unknown_evidence_is_refused() -> None:
    with pytest.raises(ValueError, match="evidence must be one of name, slot, prefix"):
        rule("strong")


@pytest.mark.parametrize(("text", "found"), [
    ("pwd = getcwd();", False), ("password = get_password(user)", False),
    ("password = foo[0]", False), ("password = hunter2x", True),
    ("db_password: S3cr3tPa55\n", True), ("export PASS=abcd1234 && run", True)])
def test_a_password_assignment_ends_where_its_value_ends(text: str, found: bool) -> None:
    # a call or an index after the "value" makes it code, not a password
    from guard.content.scanner import Detectors, Scanner

    hits = Scanner(Detectors(secrets=True)).scan(text).hits
    assert bool(hits) is found


@pytest.mark.parametrize(("value", "kept"), [
    ("/Xk2p9QvLr8sT4wZ1yB6nM3cF7hJ0dG5aE+uIoPq", True),  # base64 that starts with "/"
    ("+N7FFcdfNUakmDKXAzRAGHYqlrJAyhwVwz2eTGSw", True),
    ("/usr/local/share/applications/firefox2", False),  # a path
    ("/Users/Ann/Library/Application/Support1", False),  # mostly lower case: a path
    ("+abcdefghijklmnopqrstuvwxyz0123456", False),  # no upper case
    ("/short1A", False),
])
def test_a_leading_slash_or_plus_is_a_path_unless_the_value_is_random_base64(
        value: str, kept: bool) -> None:
    assert is_secret(rule("prefix"), value) is kept


@pytest.mark.parametrize(("value", "marked"), [
    ("${DB_PASS}", True), ("#{datastore}", True), ("%(password)s", True), ("{{ pw }}", True),
    ("k3^%(+=x@v9-q!w&39w4+n3*k*$abcd", False),  # a Django key's symbols, not a template
    ("ab${-x", False),
])
def test_a_template_needs_a_name_after_its_opening(value: str, marked: bool) -> None:
    assert is_marked(value) is marked


def test_a_word_that_ends_a_sentence_is_no_password() -> None:
    assert not is_secret(rule(), "expired.")
    assert is_secret(rule(), "hunter2.")
    assert is_secret(rule("slot"), "expired.")
