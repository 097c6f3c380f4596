"""Fake secrets of every format, generated (never stored) so no real-looking key sits in git."""

from __future__ import annotations

import base64
import random
import string

import pytest

ALNUM = string.ascii_letters + string.digits
LOWER = string.ascii_lowercase + string.digits


def _chars(rng: random.Random, n: int, alphabet: str = ALNUM) -> str:
    return "".join(rng.choice(alphabet) for _ in range(n))


def make_fakes(seed: int = 7) -> dict[str, str]:
    rng = random.Random(seed)
    openai = "sk-proj-" + _chars(rng, 48)
    fakes = {
        "openai": openai,
        "anthropic": "sk-ant-api03-" + _chars(rng, 90) + "AA",
        "aws_id": "AKIA" + _chars(rng, 16, string.ascii_uppercase + "234567"),
        "aws_secret": _chars(rng, 40, ALNUM + "/+"),
        "github": "ghp_" + _chars(rng, 36),
        "gitlab": "glpat-" + _chars(rng, 20),
        "slack": "xoxb-" + _chars(rng, 11, string.digits) + "-" + _chars(rng, 24),
        "stripe": "sk_live_" + _chars(rng, 24),
        "google": "AIza" + _chars(rng, 35),
        "jwt": "eyJ" + _chars(rng, 20) + ".eyJ" + _chars(rng, 30) + "." + _chars(rng, 43),
        "private_key": "-----BEGIN RSA PRIVATE KEY-----\n" + _chars(rng, 64) + "\n"
                       + _chars(rng, 64) + "\n-----END RSA PRIVATE KEY-----",
        "db_password": "Xq7" + _chars(rng, 12),
        "okta": "00" + _chars(rng, 40),
        "azure_devops": _chars(rng, 52) + "JQQJ99" + _chars(rng, 18) + "AZDO" + _chars(rng, 4),
        "atlassian": "ATATT3" + _chars(rng, 180) + "=" + _chars(rng, 8, "0123456789ABCDEF"),
        "salesforce": "00D" + _chars(rng, 12) + "!" + _chars(rng, 96),
        "crates": "cio" + _chars(rng, 32),
        "truenas": "3-" + _chars(rng, 64),
        "thingsboard": _chars(rng, 20),
        "bcrypt": "$2b$12$" + _chars(rng, 53, ALNUM + "./"),
        "uuid_key": "-".join(_chars(rng, n, "0123456789abcdef") for n in (8, 4, 4, 4, 12)),
        "backtick_password": "`" + _chars(rng, 14),
        "aws_id_a3t": "A3T" + _chars(rng, 17, string.ascii_uppercase + "234567"),
        "k8s_bootstrap": _chars(rng, 6, LOWER) + "." + _chars(rng, 16, LOWER),
        "tavily": "tvly-" + _chars(rng, 32),
        "newrelic": "NRAK-" + _chars(rng, 27, string.ascii_uppercase + string.digits),
        "symbols_password": _chars(rng, 8) + "#%!" + _chars(rng, 6),
    }
    fakes["openai_zw"] = openai[:10] + "\u200b" + openai[10:]
    fakes["openai_fullwidth"] = "".join(chr(ord(c) + 0xFEE0) if c.isalnum() else c
                                        for c in openai)
    fakes["openai_b64"] = base64.b64encode(f"my key is {openai}".encode()).decode()
    return fakes


@pytest.fixture(scope="session")
def fakes() -> dict[str, str]:
    return make_fakes()
