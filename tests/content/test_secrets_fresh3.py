"""The third untuned secrets round (benchmarks/secrets_fresh3.py): every class's secret is
redacted, its look-alikes pass, and the checks added for it (a Discord webhook, Terraform
references, names inside an ARN) hold on variants the round does not hold."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from benchmarks.secrets_fresh3 import fresh3_cases
from guard.content.secrets import HCL_REFERENCE, in_resource_name
from tests.content.redaction import SECRETS, redact

FRESH_3 = fresh3_cases()
BY_DESIGN = {"stack trace plain"}
"""Look-alikes that stay flagged by design: a UUID after ``InvalidToken:`` is what an error
message says it received, which is often the very token (UUID keys are real credentials)."""


@pytest.mark.parametrize("case", [c for c in FRESH_3 if c.values], ids=lambda c: c.kind)
def test_every_class_of_the_third_round_redacts_its_value(case: object) -> None:
    redacted = redact(case.text)  # type: ignore[attr-defined]
    for value in case.values:  # type: ignore[attr-defined]
        assert value not in redacted


@pytest.mark.parametrize("case", [c for c in FRESH_3 if not c.values], ids=lambda c: c.kind)
def test_look_alikes_of_the_third_round(case: object) -> None:
    found = SECRETS.scan(case.text).hits  # type: ignore[attr-defined]
    assert bool(found) == (case.kind in BY_DESIGN)  # type: ignore[attr-defined]


@settings(max_examples=40, deadline=None)
@given(st.from_regex(r"[0-9]{17,20}", fullmatch=True),
       st.from_regex(r"[A-Za-z0-9_\-]{60,80}", fullmatch=True),
       st.sampled_from(["discord.com", "discordapp.com", "canary.discord.com"]),
       st.sampled_from(["{url}", "WEBHOOK={url}\n", "post('{url}', json=x)", '"url": "{url}"']))
def test_a_discord_webhooks_token_never_survives_redaction(snowflake: str, token: str,
                                                            host: str, layout: str) -> None:
    text = layout.format(url=f"https://{host}/api/webhooks/{snowflake}/{token}")
    assert token not in redact(text)


@pytest.mark.parametrize(("value", "reference"), [
    ("var.db_password", True), ("random_password.db.result", True),
    ('data.vault_generic_secret.api.data["token"]', True), ("local.api_token", True),
    ("module.secrets.password", True), ("Xk9mQ2vLp.data.x", False), ("variable2024!", False),
    ("data", False), ("datadog-Xk9mQ2vL7", False)])
def test_a_terraform_reference_is_where_a_value_comes_from(value: str, reference: bool) -> None:
    assert (HCL_REFERENCE.fullmatch(value) is not None) == reference


@pytest.mark.parametrize(("text", "flagged"), [
    ('  password = random_password.db.result\n', False),
    ('  password = var.db_password\n', False),
    ('  password = "Xk9#mQ2vLp7"\n', True),
    ("arn:aws:secretsmanager:eu-west-1:123456789012:secret:prod/api-token-Xk9mQ2", False),
    ('"SecretArn": "arn:aws:secretsmanager:us-east-1:1:secret:db-credentials-a1B2c3D4e5"',
     False),
    ("secret: prod/Xk9mQ2vLp7-db-AbC1dE8f", True),  # a plain assignment, no ARN
])
def test_references_and_resource_names_are_no_secrets(text: str, flagged: bool) -> None:
    assert bool(SECRETS.scan(text).hits) == flagged


def test_the_token_of_an_arn_is_found_from_any_of_its_segments() -> None:
    text = "x arn:aws:ssm:eu-west-1:1:parameter/secret:Xk9"
    assert in_resource_name(text, text.index("Xk9"))
    assert not in_resource_name("secret: Xk9", 8)
