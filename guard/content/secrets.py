"""Checks on a candidate secret that a regex alone cannot express.

Formats with a fixed prefix (``ghp_``, ``AKIA``) need nothing more; generic
assignments (``password = ...``, ``api_key: ...``) also match placeholders in
docs and examples, which these checks drop.
"""

from __future__ import annotations

import math
from collections import Counter

from guard.content.catalog import SecretRule

PLACEHOLDERS = (
    "example", "xxxx", "****", "....", "your", "${", "{{", "%(", "placeholder",
    "changeme", "change_me", "redacted", "dummy", "sample", "replace", "insert", "secret_here",
    "password_here", "token_here", "key_here", "none", "null", "undefined", "process.env",
    "os.environ", "getenv", "env(", "env[", "env.", "config.", "settings.", "args.", "self.",
    "this.", "arn:aws", "a1b2c3", "1234567", "abcdefg",
)
"""Substrings (case-insensitive) that mark a value as a placeholder, not a secret."""

PLACEHOLDER_VALUES = frozenset({"secret", "password", "passwd", "pass", "pwd", "changeme",
                                "true", "false", "required", "optional", "string", "empty"})
"""Whole values that name a password instead of being one."""

PLACEHOLDER_STARTS = ("$", "%", "#", "/", "+", "@", ":", "&", "=")
"""A value starting like this is a variable, a selector or a path, not a secret."""

_UUID = "8-4-4-4-12"


def _is_uuid(value: str) -> bool:
    parts = value.split("-")
    shape = "-".join(str(len(p)) for p in parts)
    return shape == _UUID and all(c in "0123456789abcdefABCDEF" for c in "".join(parts))


def entropy(value: str) -> float:
    """Shannon entropy in bits per character."""
    if not value:
        return 0.0
    counts = Counter(value)
    size = len(value)
    return -sum(n / size * math.log2(n / size) for n in counts.values())


def _is_template(value: str) -> bool:
    """``<password>``, ``prefix<KEY>``: an angle-bracketed name. A lone ``>`` is just a symbol."""
    opening = value.find("<")
    return (opening >= 0 and ">" in value[opening:]) or value.startswith(("<", ">"))


def is_secret(rule: SecretRule, value: str) -> bool:
    """Whether ``value``, matched by ``rule``, is plausibly a real secret.

    ``shape_checks`` is off for formats whose own shape would look like a placeholder:
    crypt hashes start with ``$``, some services issue UUIDs as keys.
    """
    lowered = value.lower()
    if any(marker in lowered for marker in PLACEHOLDERS) or _is_template(value):
        return False
    if lowered in PLACEHOLDER_VALUES:
        return False
    if rule.shape_checks and (value.startswith(PLACEHOLDER_STARTS) or _is_uuid(value)):
        return False
    if rule.needs_digit and not any(c.isdigit() for c in value):
        return False
    return entropy(value) >= rule.min_entropy
