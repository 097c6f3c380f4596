"""How caller-controlled values appear in the decision log: keyed hashes, known names only.

Identity values (a user id is often an e-mail address, a team a name anyone can guess) and
budget buckets are written as HMAC-SHA256 under the deployment key that ``action: hash``
already uses (:mod:`guard.pii.keys`: ``$GUARD_HASH_KEY``, else ``.guard/hash.key``). A plain
SHA-256 of a value can be reversed by hashing a list of candidate e-mails or team names;
without the key it cannot. The hashes stay stable across restarts and across instances that
share the key, so lines still join; rotating the key changes every hash from then on.

A model name is chosen by the caller and may hold anything (an e-mail, a prompt): it is
written as it is only when the policy set knows it (the price table, a route policy's
models and aliases), else as a keyed hash. An MCP tool's name likewise: as it is when a tools
policy names it literally.
"""

from __future__ import annotations

import hmac
import logging
import re
from collections.abc import Callable, Iterable, Mapping
from functools import partial
from typing import TYPE_CHECKING

from guard.dialects.models import qualify_model
from guard.errors import GuardError

if TYPE_CHECKING:
    from guard.policy.settings import Settings

log = logging.getLogger("guard")

PREFIX = "hmac:"
UNAVAILABLE = "hmac:unavailable"
"""Written in place of a hash when the key cannot be read: never the value itself."""
SNAPSHOT = re.compile(r"-(?:20[2-3]\d-?[01]\d-?[0-3]\d|[01]\d-?[0-3]\d|latest|preview)")
"""A dated or tagged variant of a known model (``-2024-08-06``, ``-20250514``, ``-0613``,
``-latest``): the only suffixes a known name may carry and still be written as it is."""
GLOB = frozenset("*?[")
MAX_REMEMBERED = 4096
"""Hashes and model verdicts kept (a bounded table: the caller chooses the values)."""


class Privacy:
    """Keyed hashes and the set of model names a policy set knows."""

    def __init__(self, key: Callable[[], bytes], models: Iterable[str] = (),
                 tools: Iterable[str] = ()) -> None:
        self.key = key
        self.models = frozenset(models)
        self.tools = frozenset(tools)
        self._shown: dict[tuple[str, str | None], bool] = {}
        self._failed = False
        self._hashes: dict[str, str] = {}  # a line hashes the same few callers again and again

    @classmethod
    def from_settings(cls, settings: Settings, models: Iterable[str] = (),
                      tools: Iterable[str] = ()) -> Privacy:
        """The key of ``settings.pii`` (read on first use, like ``action: hash``)."""
        from guard.pii.keys import hash_key

        return cls(partial(hash_key, settings.pii.hash_key_env, settings.pii.hash_key_file),
                   models, tools)

    def hash(self, value: str) -> str:
        """``hmac:`` + 128 bits of HMAC-SHA256 of ``value``; never raises (a log line must
        still be written when the key cannot be read: then :data:`UNAVAILABLE`)."""
        known = self._hashes.get(value)
        if known is not None:
            return known
        try:
            key = self.key()
        except GuardError as exc:
            if not self._failed:
                log.warning("decision log: identity hashes unavailable (%s)", exc)
                self._failed = True
            return UNAVAILABLE
        digest = hmac.digest(key, value.encode("utf-8", "surrogatepass"), "sha256")
        hashed = PREFIX + digest[:16].hex()
        if len(self._hashes) >= MAX_REMEMBERED:
            self._hashes.clear()  # callers are few and repeat: a full table is rare
        self._hashes[value] = hashed
        return hashed

    def identity(self, identity: Mapping[str, str | None]) -> dict[str, str]:
        """Present identity fields, each as a keyed hash (the key too: it arrives as an
        unkeyed SHA-256, which a list of weak keys would reverse)."""
        return {name: self.hash(value) for name, value in identity.items() if value is not None}

    def model(self, model: str | None, native: str | None = None) -> str | None:
        """``model`` as it is when known, else its keyed hash."""
        if model is None:
            return None
        return model if self.knows(model, native) else self.hash(model)

    def tool(self, name: str) -> str:
        """An MCP tool's name as it is when a tools policy names it, else its keyed hash
        (the caller chooses the name it calls)."""
        return name if name in self.tools else self.hash(name)

    def knows(self, model: str, native: str | None = None) -> bool:
        """Whether ``model`` is a name of the set (or a dated variant of one)."""
        remembered = self._shown.get((model, native))
        if remembered is None:
            remembered = self._known(model) or self._known(qualify_model(model, native)[0])
            if len(self._shown) < MAX_REMEMBERED:
                self._shown[(model, native)] = remembered
        return remembered

    def _known(self, model: str) -> bool:
        if model in self.models:
            return True
        cut = model.find("-")
        while cut > 0:
            if model[:cut] in self.models and SNAPSHOT.fullmatch(model, cut) is not None:
                return True
            cut = model.find("-", cut + 1)
        return False


def literal_models(names: Iterable[str | None]) -> set[str]:
    """The names among ``names`` that are model names, not globs."""
    return {n for n in names if n and GLOB.isdisjoint(n)}
