"""Checks on a candidate secret that a regex alone cannot express.

Docs, examples and templates are full of values that sit where a secret would
(``password = changeme``, ``tvly-xxxx...``, ``user:secret@localhost``). Which
of them still count depends on what the match rests on, the rule's ``evidence``:

``prefix``
    A provider's distinctive prefix or signature (``xoxb-``, ``tvly-``, ``AKIA``,
    ``SSWS 00...``). Flagged even when the body is filler (``xxxx``, ``0000``,
    ``ABCDEFG``): the shape is unmistakable, redacting it costs nothing, and a
    hand-masked or template token is where the real one gets pasted next.
``slot``
    A place whose syntax makes the value a literal credential: a URI's
    ``user:password@``, a connection string's ``Password=``, a credential
    constructor's argument, Gradle's ``credentials {}``. A word there (``secret``,
    ``postgres``) is not a label but the password itself, and the weakest kind.
    Filler and masks (``****``, ``xxxx``, ``######``) are still dropped.
``name``
    A credential's name next to a free value (``password = ...``, ``api_key: ...``).
    Here the right-hand side is often not a secret at all (a label, a type, a
    field name, ``YOUR_PASSWORD``, a variable such as ``hashedPassword``), so every
    placeholder check applies.

Values a human marked as not real (``EXAMPLE``, ``your_key``, ``<password>``,
``${VAR}``) are dropped whatever the evidence: AWS ships ``AKIAIOSFODNN7EXAMPLE``
precisely so that it is not mistaken for a key. So are publishable keys (``pk_live_``,
``pk.eyJ``), which a provider issues to be shipped in web pages, and YAML tags (``!vault``,
``!Ref``), which say where the value is, not what it is.
"""

from __future__ import annotations

import base64
import binascii
import math
import re
from collections import Counter

from guard.content.catalog import SecretRule

MARKERS = (
    "example", "your", "placeholder", "changeme", "change_me", "redacted", "dummy", "sample",
    "replace", "insert", "secret_here", "password_here", "token_here", "key_here", "{{",
)
"""Substrings (case-insensitive) of a value its author marked as not real, or a template."""

TEMPLATE = re.compile(r"\$\{\w|#\{\w|%\(\w+\)")
"""A template's variable: ``${NAME``, ``#{name``, ``%(name)``. Followed by a name only: a
random secret (a Django key) may hold ``%(`` or ``${`` among its symbols."""

FILLER = (
    "xxxx", "****", "....", "none", "null", "undefined", "process.env", "os.environ", "getenv",
    "env(", "env[", "env.", "config.", "settings.", "args.", "self.", "this.", "arn:aws",
    "a1b2c3", "1234567", "abcdefg",
)
"""Substrings (case-insensitive) of filler, masks and references to a value elsewhere."""

PLACEHOLDER_VALUES = frozenset({"secret", "password", "passwd", "pass", "pwd", "true", "false",
                                "required", "optional", "string", "empty"})
"""Whole values that name a password instead of being one (only where a name is the evidence)."""

PLACEHOLDER_STARTS = ("$", "%", "#", "/", "+", "@", ":", "&", "=")
"""A value starting like this is a variable, a selector or a path, not a secret (but see
:func:`is_base64_run`: a random base64 value starts with ``/`` or ``+`` one time in 32)."""

PUBLIC_STARTS = ("pk_live_", "pk_test_", "pk.eyJ", "pk-lf-")
"""Publishable keys: the public half a provider issues for web pages (Stripe, Mapbox,
Langfuse), named like a key, never a secret."""

CODE_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_.]*")
NAME_HUMP = re.compile(r"[a-z][A-Z]|\.")
CREDENTIAL_PART = re.compile(r"(?i)password|passwd|secret|token|api_?key|credential")

YAML_TAG = re.compile(r"![A-Za-z][A-Za-z_]*")

HCL_REFERENCE = re.compile(
    r"(?:var|local|data|module|each|random_password|random_string|random_id)"
    r"(?:\.[A-Za-z_][A-Za-z0-9_\-]*)+(?:\[[^\]]*\])?")
"""A Terraform (HCL) reference: ``var.db_password``, ``random_password.db.result``,
``data.vault_generic_secret.api.data["token"]``: where the value comes from, not the value."""
RESOURCE_NAME = re.compile(r"(?i)arn:[a-z0-9\-]+:")
"""The head of an Amazon Resource Name: ``arn:aws:secretsmanager:...:secret:prod/db-AbC1dE``
names a secret's place; ``secret:`` in it is a segment, not an assignment."""

BASE64 = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/=")

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


def is_marked(value: str) -> bool:
    """Whether the author marked ``value`` as not real: an example, a template, a variable."""
    lowered = value.lower()
    return any(marker in lowered for marker in MARKERS) or _is_template(value) \
        or TEMPLATE.search(value) is not None


def is_filler(value: str) -> bool:
    """Filler, a mask or a reference: ``xxxx``, ``######``, ``os.environ[...]``, ``1234567``."""
    lowered = value.lower()
    return any(marker in lowered for marker in FILLER) or len(set(value)) == 1


def is_base64_run(value: str) -> bool:
    """A random base64 run, not a path or a ``+``-joined name: 20+ characters of the base64
    alphabet with upper and lower case letters and digits, upper case at least a fifth of the
    letters (paths are mostly lower case) and 4 bits of entropy. An AWS secret key or an
    Azure storage key that happens to start with ``/`` or ``+`` is one."""
    if len(value) < 20 or not set(value) <= BASE64 or entropy(value) < 4.0:
        return False
    letters = [c for c in value if c.isalpha()]
    upper = sum(c.isupper() for c in letters)
    return any(c.isdigit() for c in value) and 0 < upper < len(letters) \
        and upper * 5 >= len(letters)


def _placeholder_shape(value: str) -> bool:
    if value.startswith(("/", "+")):
        return not is_base64_run(value)
    return value.startswith(PLACEHOLDER_STARTS) or _is_uuid(value)


def _ends_a_sentence(value: str) -> bool:
    """``expired.`` in "my password: expired.": a word that ends a sentence, not a value."""
    word = value[:-1]
    return value.endswith(".") and word.isalpha() and word.islower()


def names_a_credential(value: str) -> bool:
    """A variable holding a credential, not its value (``hashedPassword``, ``form.password``):
    a name in camelCase or a member access, the credential word a third of it or more (a
    random token that happens to hold ``Secret`` is mostly something else). A credential
    word alone (``secret``) is :data:`PLACEHOLDER_VALUES`; a dressed-up one (``super$ecret``,
    ``mypassword``, ``smtp_password``) counts, as the public labelled set counts it."""
    part = CREDENTIAL_PART.search(value)
    return part is not None and CODE_NAME.fullmatch(value) is not None \
        and NAME_HUMP.search(value) is not None and 3 * len(part.group()) >= len(value)


def is_walk(value: str) -> bool:
    """``a1b2c3d4...``: most characters follow the one two places before (an interleaved
    walk of letters and digits, documentation's filler for a key's body)."""
    if len(value) < 12 or ord(value[2]) - ord(value[0]) != 1:  # a walk starts as one
        return False
    pairs = zip(value, value[2:], strict=False)  # each character and the one two places on
    steps = sum(ord(b) - ord(a) == 1 or a + b in ("90", "za") for a, b in pairs)
    return steps >= 0.6 * len(value)


def decodes_to_pair(value: str) -> bool:
    """Whether ``value`` is base64 of ``user:password`` (HTTP Basic, npm ``_auth``, a Docker
    ``auths`` entry), the password not a placeholder (it may hold spaces, a user may not)."""
    try:
        text = base64.b64decode(value + "=" * (-len(value) % 4), validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError):
        return False
    user, colon, password = text.partition(":")
    return bool(colon and user and password) and text.isprintable() \
        and not any(c.isspace() for c in user) and not is_marked(password) \
        and not is_filler(password) and password.lower() not in PLACEHOLDER_VALUES


COMMENT_MARKS = re.compile(
    r"(?i)[ \t](?:#|//)[ \t][^\n]{0,120}?(?<!not )(?<!not an )(?<!not a )"
    r"\b(?:example|sample|placeholder|dummy|fake|not real|change ?me|replace (?:it|this|me))\b")
"""A comment after the value, on its line, that says it is not real (``# example, change
me``): the author's mark, as ``EXAMPLE`` in the value is. ``#`` or ``//`` after a space and
before one: not a URL's ``//example.com`` nor a ``#`` inside a password."""

COMMENT_REACH = 160
"""Characters after a value searched for such a comment (a minified file is one line)."""


def commented_away(text: str, end: int) -> bool:
    """Whether the rest of the line after ``text[:end]`` marks the value as not real."""
    line_end = text.find("\n", end, end + COMMENT_REACH)
    return COMMENT_MARKS.search(text, end, line_end if line_end >= 0 else end + COMMENT_REACH) \
        is not None


TOKEN_REACH = 200
"""Characters before a value searched for the start of the token it is part of."""


def in_resource_name(text: str, start: int) -> bool:
    """Whether the value at ``start`` is part of a resource name (an ARN): the token it
    belongs to, back to the last space or quote on its line, starts ``arn:...:``."""
    head = start
    floor = max(0, start - TOKEN_REACH)
    while head > floor and text[head - 1] not in " \t\n\"'`=(,":
        head -= 1
    return RESOURCE_NAME.match(text, head) is not None


PROSE_AFTER = re.compile(r"[ \t]+[a-z]{2,}\b[ \t,.]")
"""After a value, another lower-case word and a space: a sentence going on."""


def reads_as_prose(text: str, start: int, end: int) -> bool:
    """``pwd: expected bytes, got ...``: a lower-case word after a name, with the sentence
    going on after it, is an error message or prose, not an unquoted value."""
    value = text[start:end]
    return value.isalpha() and value.islower() and start > 0 and text[start - 1] not in "\"'`" \
        and PROSE_AFTER.match(text, end) is not None


def is_secret(rule: SecretRule, value: str) -> bool:
    """Whether ``value``, matched by ``rule``, is plausibly a real secret.

    ``shape_checks`` is off for formats whose own shape would look like a placeholder:
    crypt hashes start with ``$``, some services issue UUIDs as keys.
    """
    if is_marked(value) or value.startswith(PUBLIC_STARTS) or YAML_TAG.fullmatch(value):
        return False
    if is_filler(value) if rule.evidence != "prefix" else is_walk(value):
        return False
    if rule.evidence == "name" and (value.lower() in PLACEHOLDER_VALUES or _ends_a_sentence(value)
                                    or names_a_credential(value)
                                    or HCL_REFERENCE.fullmatch(value) is not None):
        return False
    if rule.base64_pair and not decodes_to_pair(value):
        return False
    if rule.shape_checks and _placeholder_shape(value):
        return False
    if rule.needs_digit and not any(c.isdigit() for c in value):
        return False
    return entropy(value) >= rule.min_entropy
