"""The built-in detector catalogs, kept as data in ``guard/data/``.

Secrets, identifier and prompt-injection rules change far more often than the
code that runs them, so they live in YAML files that can be reviewed like any
other rule change. They are read once per process, on first use.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from typing import Any

import yaml

from guard.content.normalize import fold_char

SEPARATOR = "[^a-z0-9]*"
"""What a space in an injection rule stands for: any run of non-alphanumerics, or none."""


EVIDENCE = ("name", "slot", "prefix")
"""What a match of a rule rests on, weakest first: a credential's name next to a free value,
a slot whose syntax makes the value a literal credential, or a provider's distinctive prefix
or signature. It decides which placeholder-looking values still count
(:func:`guard.content.secrets.is_secret`)."""


@dataclass(frozen=True, slots=True)
class SecretRule:
    """One named secret (or identifier) format."""

    name: str
    description: str
    regex: str
    min_entropy: float = 0.0
    needs_digit: bool = False
    shape_checks: bool = True  # False: a leading ``$`` or a UUID shape is the format itself
    evidence: str = "name"  # one of EVIDENCE: which placeholder-looking values still count
    multiline: bool = False  # the format itself spans lines (PEM, .netrc, a YAML block)
    partner: str = ""  # the secret that goes with this match (a key id's secret), nearby
    partner_entropy: float = 3.5  # bits per character the partner must reach
    alone: bool = True  # False: the match is an identifier, reported only with its partner
    base64_pair: bool = False  # the value must be base64 of ``user:password`` (HTTP Basic)

    def __post_init__(self) -> None:
        if self.evidence not in EVIDENCE:
            raise ValueError(f"{self.name}: evidence must be one of {', '.join(EVIDENCE)}")
        if not self.alone and not self.partner:
            raise ValueError(f"{self.name}: a rule that is not reported alone needs a partner")


@dataclass(frozen=True, slots=True)
class InjectionRule:
    """One weighted prompt-injection signal (``regex`` already expanded)."""

    name: str
    weight: float
    regex: str
    lever: bool = False  # persuasion: adds to an ask, never one alone (see ``lever_cap``)
    part: str = ""  # one of PARTS: a half of the pasted-instruction signal

    def __post_init__(self) -> None:
        if self.part not in PARTS:
            raise ValueError(f"{self.name}: part must be one of {', '.join(PARTS)}")


PARTS = ("", "document", "reader")
"""The halves of the ``pasted_instruction`` signal: a request to work on a document the text
carries (``document``), and a line addressed to the model that reads it (``reader``). A
document pasted by a user that speaks to its AI reader is the same evidence as that document
fetched by a tool, whatever the role (:class:`guard.content.scanner.Scanner`)."""


@dataclass(frozen=True, slots=True)
class RepetitionRule:
    """Weight added when one word occurs ``min_count`` times and is ``min_share`` of all words
    (and, with ``min_run``, comes that many times back to back)."""

    name: str
    weight: float
    min_count: int
    min_share: float
    min_run: int = 0


@dataclass(frozen=True, slots=True)
class DialogueRule:
    """Weight of a fabricated transcript that primes the model, by its number of answers."""

    name: str
    weight: float
    min_answers: int


@dataclass(frozen=True, slots=True)
class InjectionCatalog:
    rules: tuple[InjectionRule, ...]
    lever_cap: float = 0.5
    repetition: tuple[RepetitionRule, ...] = ()
    dialogue: tuple[DialogueRule, ...] = ()
    signals: dict[str, float] = field(default_factory=dict)


@cache
def secret_rules() -> tuple[SecretRule, ...]:
    """The secrets catalog, in file order (earlier entries win overlaps); a name written in
    another script (``пароль``, ``contraseña``) is folded as the scanned text is."""
    return tuple(SecretRule(**{**entry, "regex": fold_plain(entry["regex"])})
                 for entry in _load("secrets.yaml"))


@cache
def identifier_rules() -> tuple[SecretRule, ...]:
    """Infrastructure identifiers (ARNs, buckets, account ids): not secrets, so opt-in."""
    return tuple(SecretRule(**entry) for entry in _load("identifiers.yaml"))


@cache
def injection_catalog() -> InjectionCatalog:
    """The injection heuristics with their separators expanded."""
    data = _load("injection.yaml")
    rules = tuple(InjectionRule(r["name"], float(r["weight"]), fold_literals(
                      expand_spaces(r["regex"])), bool(r.get("lever", False)),
                      str(r.get("part", "")))
                  for r in data["rules"])
    repetition = tuple(RepetitionRule(**r) for r in data.get("repetition", ()))
    dialogue = tuple(DialogueRule(**r) for r in data.get("dialogue", ()))
    signals = {name: float(weight) for name, weight in data.get("signals", {}).items()}
    return InjectionCatalog(rules, float(data["lever_cap"]), repetition, dialogue, signals)


def expand_spaces(regex: str) -> str:
    """Replace each space outside a character class by :data:`SEPARATOR`."""
    out: list[str] = []
    in_class = escaped = False
    for char in regex:
        if escaped:
            escaped = False
        elif char == "\\":
            escaped = True
        elif char == "[" and not in_class:
            in_class = True
        elif char == "]" and in_class:
            in_class = False
        elif char == " " and not in_class:
            out.append(SEPARATOR)
            continue
        out.append(char)
    return "".join(out)


def fold_literals(regex: str) -> str:
    """Normalize the non-ASCII letters of a rule as the scanned text is normalized.

    Rules can then be written in their own script ("игнорируй", "contraseña")
    and still match the folded view, where look-alikes became Latin letters
    and accents were dropped. Regex syntax is ASCII, so it is left untouched.
    """
    return "".join(c if c.isascii() else fold_char(c, True) for c in regex)


def fold_plain(regex: str) -> str:
    """The non-ASCII letters of a rule as the case-preserving view has them."""
    return "".join(c if c.isascii() else fold_char(c, False) for c in regex)


def _load(name: str) -> Any:
    text = resources.files("guard").joinpath(f"data/{name}").read_text("utf-8")
    return yaml.safe_load(text)
