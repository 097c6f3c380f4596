"""The secrets and identifiers catalogs load, compile and stay apart."""

from __future__ import annotations

import pytest

from guard.content.catalog import EVIDENCE, identifier_rules, secret_rules
from guard.content.scanner import Detectors, Scanner
from guard.regex import compile_regex

SECRETS = Scanner(Detectors(secrets=True))
IDENTIFIERS = Scanner(Detectors(identifiers=True))


@pytest.mark.parametrize("rules", [secret_rules(), identifier_rules()])
def test_every_rule_compiles_and_has_a_unique_name(rules: tuple) -> None:  # type: ignore[type-arg]
    names = [r.name for r in rules]
    assert len(names) == len(set(names))
    for entry in rules:
        assert compile_regex(entry.regex) is not None and entry.evidence in EVIDENCE


def test_identifiers_and_secrets_do_not_share_names() -> None:
    assert not {r.name for r in secret_rules()} & {r.name for r in identifier_rules()}


@pytest.mark.parametrize(("text", "found"), [
    ("arn:aws:iam::210987654321:role/deployer", "arn:aws:iam::210987654321:role/deployer"),
    ("see https://orders-archive.s3.eu-west-1.amazonaws.com/2024/", "orders-archive"),
    ("https://s3.amazonaws.com/ledger-exports/q3.csv", "ledger-exports"),
    ("aws s3 cp s3://ml-checkpoints/run7 .", "ml-checkpoints"),
    ("gsutil ls gs://acme-raw-events", "acme-raw-events"),
    ("https://storage.googleapis.com/storage/v1/b/acme-media/o", "acme-media"),
    ('"accountId": "210987654321"', "210987654321"),
    ("210987654321.dkr.ecr.eu-west-1.amazonaws.com/api:7", "210987654321"),
    ("client 408123456789-q1w2e3r4t5y6u7i8o9p0a1s2d3f4g5h6.apps.googleusercontent.com",
     "408123456789-q1w2e3r4t5y6u7i8o9p0a1s2d3f4g5h6.apps.googleusercontent.com"),
    ("shop: tea-and-toast.myshopify.com", "tea-and-toast.myshopify.com"),
    ("AZURE_TENANT_ID=3f9a2c71-8b4e-4d0a-9c6e-1f2b3a4c5d6e",
     "3f9a2c71-8b4e-4d0a-9c6e-1f2b3a4c5d6e"),
    ("POSTGRES_USER=ledger_svc", "ledger_svc"),
])
def test_identifiers_find_and_redact_just_the_identifier(text: str, found: str) -> None:
    assert [text[h.start:h.end] for h in IDENTIFIERS.scan(text).hits] == [found]
    assert SECRETS.scan(text).hits == []  # never under `secrets: true`


@pytest.mark.parametrize("text", [
    "arn:aws:iam::aws:policy/ReadOnlyAccess",  # AWS-managed: public
    'return f"arn:aws:s3:::{bucket_name}/*"',
    "https://example-bucket.s3.amazonaws.com/key",
    "the endpoint is s3.amazonaws.com/",
    "https://storage.googleapis.com",
    "https://your-store.myshopify.com/admin",
    "DB_USER=$PGUSER",
])
def test_identifiers_skip_templates_examples_and_bare_endpoints(text: str) -> None:
    assert IDENTIFIERS.scan(text).hits == []
