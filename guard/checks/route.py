"""``type: route``: which models may run, and where a call goes.

A route policy first rewrites the model (default, alias, ``set_model``), then
admits or refuses it by its allow/deny globs and provider allowlist, and
finally writes the fallbacks it admits. The engine re-checks the final model
against every matched route policy at the end, so allowlists intersect: a later
rewrite can never reach a model an earlier policy refused.
"""

from __future__ import annotations

from dataclasses import dataclass
from fnmatch import fnmatchcase
from typing import TYPE_CHECKING, Any

from guard.checks.base import Check, Outcome, PolicyMeta
from guard.envelope import qualify_model
from guard.errors import CheckError

if TYPE_CHECKING:
    from guard.cel import Program
    from guard.engine.context import Context
    from guard.envelope import Envelope


@dataclass(frozen=True)
class RouteRules:
    """The static part of a route policy."""

    allow: tuple[str, ...] = ()
    deny: tuple[str, ...] = ()
    providers: tuple[str, ...] = ()
    aliases: tuple[tuple[str, str], ...] = ()
    default_model: str | None = None
    fallbacks: tuple[str, ...] = ()
    message: str | None = None


class RouteCheck(Check):
    """Rewrites and admits models."""

    def __init__(self, meta: PolicyMeta, rules: RouteRules, set_model: Program | None) -> None:
        super().__init__(meta)
        self.rules = rules
        self.aliases = dict(rules.aliases)
        self.set_model = set_model

    async def evaluate(self, ctx: Context) -> Outcome:
        env = ctx.envelope
        target = self._target(ctx, env)
        refusal = self.refusal(target, env.api)
        if refusal:
            return Outcome("deny", self.rules.message or refusal, 403,
                           detail={"model": target})
        # fallbacks first: they may rewrite Opper's whole model list, the primary then lands in it
        updates = [*self.fallback_updates(env, self.rules.fallbacks),
                   *_primary_updates(env, target)]
        detail = {"model": target}
        if not updates:
            return Outcome("pass", detail=detail)
        return Outcome("modify", _describe(env, target, updates), 200, updates=updates,
                       detail=detail)

    def refusal(self, model: str | None, api: str) -> str | None:
        """Why ``model`` is not admitted by this policy, or ``None`` when it is."""
        if model is None:
            return "the request names no model" if self._restricts() else None
        qualified, provider = qualify_model(model, api)
        if self.rules.providers and provider not in self.rules.providers:
            shown = provider or "unknown"
            return f"provider {shown!r} of model {model!r} is not allowed"
        if any(fnmatchcase(qualified, glob) for glob in self.rules.deny):
            return f"model {qualified!r} is not allowed"
        if self.rules.allow and not any(fnmatchcase(qualified, g) for g in self.rules.allow):
            return f"model {qualified!r} is not allowed"
        return None

    def fallback_updates(self, env: Envelope, add: tuple[str, ...] = ()) -> list[Update]:
        """Keep admitted fallbacks only (Opper's list tail, ``fallback_models``), plus ``add``."""
        updates: list[Update] = []
        body = env.body
        listed = body.get("model")
        if isinstance(listed, list) and len(listed) > 1:
            tail = [self._aliased(item) for item in listed[1:]]
            kept = [item for item in tail if not self.refusal(_name(item), env.api)]
            if kept != listed[1:]:
                updates.append((("model",), [listed[0], *kept]))
        extra = body.get("fallback_models")
        requested = [self._aliased(i) for i in extra] if isinstance(extra, list) else []
        wanted = [*requested, *add]
        kept = list(dict.fromkeys(i for i in wanted if not self.refusal(_name(i), env.api)
                                  and isinstance(i, str)))
        if kept != (extra if isinstance(extra, list) else []):
            updates.append((("fallback_models",), kept))
        return updates

    def _aliased(self, item: Any) -> Any:
        return self.aliases.get(item, item) if isinstance(item, str) else item

    def _restricts(self) -> bool:
        return bool(self.rules.allow or self.rules.providers)

    def _target(self, ctx: Context, env: Envelope) -> str | None:
        target = env.model or self.rules.default_model
        if target is not None:
            target = self.aliases.get(target, target)
        if self.set_model is not None:
            value = ctx.evaluate(self.set_model)
            if value is not None and not isinstance(value, str):
                raise CheckError(f"set_model must give a string, got {type(value).__name__}")
            target = value or target
        return target


Update = tuple[tuple[str | int, ...], Any]


def _name(item: Any) -> str | None:
    """A model name from a string or Opper's ``{"name": ..., "options": ...}``."""
    if isinstance(item, dict):
        item = item.get("name")
    return item if isinstance(item, str) else None


def _primary_updates(env: Envelope, target: str | None) -> list[Update]:
    if target is None or target == env.model:
        return []
    listed = env.body.get("model")
    if isinstance(listed, list) and listed:
        pointer: tuple[str | int, ...] = ("model", 0, "name") if isinstance(listed[0], dict) \
            else ("model", 0)
        return [(pointer, target)]
    return [(("model",), target)]


def _describe(env: Envelope, target: str | None, updates: list[Update]) -> str:
    parts = []
    if target != env.model:
        parts.append(f"model {env.model or '(none)'} -> {target}")
    if any(p in (("fallback_models",), ("model",)) for p, _ in updates):
        parts.append("fallback models updated")
    return "; ".join(parts)
