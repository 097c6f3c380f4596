"""``type: route``: which models may run, and where a call goes.

A route policy first rewrites the model (default, alias, ``set_model``), then admits or
refuses it by its allow/deny globs and provider allowlist, and finally keeps the fallbacks it
admits. The engine re-checks the final model against every matched route policy at the end,
so allowlists intersect: a later rewrite can never reach a model an earlier policy refused.

Every model a request names must pass: the primary, the fallbacks in every field a gateway
reads them (:data:`~guard.dialects.models.FALLBACK_FIELDS`; refused ones are dropped), each
entry of a batch (a refused one denies the request), and a model named in the path
(Gemini's ``models/{m}:generateContent``: a rewrite there rewrites the path). A request that
calls no model (``request.operation`` ``other`` or ``fetch``, naming none) has nothing to route.
The policy's own ``fallbacks`` are written in the fronted gateway's field
(``settings.gateway``), only on APIs that take fallbacks.
"""

from __future__ import annotations

from dataclasses import dataclass
from fnmatch import fnmatchcase
from typing import TYPE_CHECKING, Any

from guard.checks.base import Check, Outcome, PolicyMeta
from guard.dialects.base import MODELLESS
from guard.dialects.models import FALLBACK_FIELDS, model_name
from guard.envelope import qualify_model
from guard.errors import CheckError

if TYPE_CHECKING:
    from guard.cel import Program
    from guard.engine.context import Context
    from guard.envelope import Envelope

_FALLBACK_SET = frozenset(FALLBACK_FIELDS)
REMEMBERED = 4096
"""Distinct models a route policy remembers its verdict on (callers name few)."""
GATEWAY_FIELDS = {"opper": "fallback_models", "litellm": "fallbacks", "openrouter": "models"}
"""Where each gateway reads the fallback models of a request."""


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
    gateway: str = "none"


class RouteCheck(Check):
    """Rewrites and admits models."""

    def __init__(self, meta: PolicyMeta, rules: RouteRules, set_model: Program | None) -> None:
        super().__init__(meta)
        self.rules = rules
        self.aliases = dict(rules.aliases)
        self.set_model = set_model
        self._refusals: dict[tuple[str | None, str | None], str | None] = {}

    async def evaluate(self, ctx: Context) -> Outcome:
        env = ctx.envelope
        if env.model is None and env.operation in MODELLESS:
            return Outcome("pass")
        target = await self._target(ctx, env)
        refusal = self.refusal(target, env.dialect.provider) or self.others_refusal(env)
        if refusal:
            return Outcome("deny", self.rules.message or refusal, 403,
                           detail={"model": target})
        path = self._path(env, target)
        if path == "":
            return Outcome("deny", self.rules.message or f"model {target!r} cannot be named "
                           f"on a {env.api} path", 403, detail={"model": target})
        # fallbacks first: they may rewrite Opper's whole model list, the primary then lands in it
        updates = [*self.fallback_updates(env, self._added(env)),
                   *([] if path else _primary_updates(env, target))]
        detail = {"model": target}
        if not updates and not path:
            return Outcome("pass", detail=detail)
        return Outcome("modify", _describe(env, target, updates, path), 200, updates=updates,
                       detail=detail, path=path)

    def refusal(self, model: str | None, native: str | None) -> str | None:
        """Why ``model`` is not admitted by this policy, or ``None`` when it is (remembered:
        the answer depends on the model alone, and each request asks at least twice)."""
        key = (model, native)
        if key in self._refusals:
            return self._refusals[key]
        reason = self._refusal(model, native)
        if len(self._refusals) < REMEMBERED:
            self._refusals[key] = reason
        return reason

    def _refusal(self, model: str | None, native: str | None) -> str | None:
        if model is None:
            return "the request names no model" if self._restricts() else None
        qualified, provider = qualify_model(model, native)
        if self.rules.providers and provider not in self.rules.providers:
            shown = provider or "unknown"
            return f"provider {shown!r} of model {model!r} is not allowed"
        if any(fnmatchcase(qualified, glob) for glob in self.rules.deny):
            return f"model {qualified!r} is not allowed"
        if self.rules.allow and not any(fnmatchcase(qualified, g) for g in self.rules.allow):
            return f"model {qualified!r} is not allowed"
        return None

    def others_refusal(self, env: Envelope) -> str | None:
        """Each call of a batch names its own model: one refused refuses the request."""
        for model in env.other_models:
            reason = self.refusal(self.aliases.get(model, model), env.dialect.provider)
            if reason:
                return reason
        return None

    def fallback_updates(self, env: Envelope, add: tuple[str, ...] = ()) -> list[Update]:
        """Keep admitted fallbacks only, in every field a gateway reads them, plus ``add``
        in the fronted gateway's field."""
        updates: list[Update] = []
        body = env.body
        if not add and _FALLBACK_SET.isdisjoint(body) and not isinstance(body.get("model"),
                                                                        list):
            return updates  # the usual request: no fallbacks to keep or to write
        listed = body.get("model")
        if isinstance(listed, list) and len(listed) > 1:
            tail = [self._aliased(item) for item in listed[1:]]
            kept = [item for item in tail if self._admits(item, env)]
            if kept != listed[1:]:
                updates.append((("model",), [listed[0], *kept]))
        written = GATEWAY_FIELDS.get(self.rules.gateway) if add else None
        for field in FALLBACK_FIELDS:
            given = body.get(field)
            if not isinstance(given, list) and field != written:
                continue
            current = given if isinstance(given, list) else []
            wanted = [self._aliased(i) for i in current] + (list(add) if field == written
                                                             else [])
            kept = list(_unique(i for i in wanted if self._admits(i, env)))
            if kept != current:
                updates.append(((field,), kept))
        return updates

    def _added(self, env: Envelope) -> tuple[str, ...]:
        """The policy's fallbacks, where the gateway has a field for them and the API takes it."""
        if self.rules.gateway == "none" or not env.dialect.takes_fallbacks:
            return ()
        return self.rules.fallbacks

    def _path(self, env: Envelope, target: str | None) -> str | None:
        """For a model named in the path: the path naming ``target`` ("" if none can)."""
        if env.endpoint.model is None or target is None or target == env.model \
                or env.target is None:
            return None
        return env.dialect.model_path(env.target, env.endpoint, target) or ""

    def _admits(self, item: Any, env: Envelope) -> bool:
        name = model_name(item)
        return name is not None and not self.refusal(name, env.dialect.provider)

    def _aliased(self, item: Any) -> Any:
        return self.aliases.get(item, item) if isinstance(item, str) else item

    def _restricts(self) -> bool:
        return bool(self.rules.allow or self.rules.providers)

    async def _target(self, ctx: Context, env: Envelope) -> str | None:
        target = env.model or self.rules.default_model
        if target is not None:
            target = self.aliases.get(target, target)
        if self.set_model is not None:
            value = await ctx.evaluate(self.set_model)
            if value is not None and not isinstance(value, str):
                raise CheckError(f"set_model must give a string, got {type(value).__name__}")
            target = value or target
        return target


Update = tuple[tuple[str | int, ...], Any]


def _unique(items: Any) -> Any:
    seen: list[Any] = []
    for item in items:
        if item not in seen:
            seen.append(item)
            yield item


def _primary_updates(env: Envelope, target: str | None) -> list[Update]:
    if target is None or target == env.model:
        return []
    listed = env.body.get("model")
    if isinstance(listed, list) and listed:
        pointer: tuple[str | int, ...] = ("model", 0, "name") if isinstance(listed[0], dict) \
            else ("model", 0)
        return [(pointer, target)]
    if listed is None and isinstance(env.body.get("models"), list) and env.body["models"]:
        return [(("models", 0), target)]  # OpenRouter's list alone names the primary
    return [(("model",), target)]


def _describe(env: Envelope, target: str | None, updates: list[Update],
              path: str | None) -> str:
    parts = []
    if target != env.model:
        parts.append(f"model {env.model or '(none)'} -> {target}")
    if path:
        parts.append("path names the model")
    if any(p[0] in FALLBACK_FIELDS or p == ("model",) for p, _ in updates):
        parts.append("fallback models updated")
    return "; ".join(parts)
