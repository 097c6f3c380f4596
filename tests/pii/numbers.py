"""Numbers the PII tests build: card-like digits with a valid check digit."""

from __future__ import annotations


def luhn_digit(payload: str) -> str:
    """The check digit that makes ``payload`` + digit pass the Luhn test."""
    total = 0
    for i, char in enumerate(reversed(payload)):
        d = int(char) * (2 if i % 2 == 0 else 1)
        total += d - 9 if d > 9 else d
    return str(-total % 10)
