"""Per-request evaluation state: the current body, CEL bindings and findings.

The engine keeps one :class:`Context` per request. CEL bindings are prepared
once and rebuilt only when something they expose changes (the body was edited,
a policy added findings), because binding is the expensive part of CEL here; a
rebind that leaves the request as it was keeps its converted value. For a big
request, binding and evaluation run in a worker thread (:mod:`guard.offload`).
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

from guard import offload
from guard.dialects import endpoint
from guard.envelope import Envelope, ResponseEnvelope, read_envelope, to_cel, with_models
from guard.errors import CelEvaluationError, CheckError
from guard.offload import is_big

if TYPE_CHECKING:
    from guard.cel import Bindings, CelEngine, Program
    from guard.limits.cost import CallEstimate
    from guard.limits.holds import Hold
    from guard.pii.pseudonyms import Pseudonyms
    from guard.pricing.prices import PriceTable


_CLEAN = frozenset({"findings", "now"})
"""Variables that cannot hold a NUL from traffic: detector and entity names of the policy set
and guard's catalogs, and a timestamp. Not searched for one before binding."""
_CLEAN_WITH_REQUEST = _CLEAN | {"request"}

FINDING_KINDS: dict[str, list[str]] = {"pii": [], "content": [], "llm": []}
"""What CEL sees before any policy found anything: `"EMAIL_ADDRESS" in findings.pii`
is false, not an error, when no PII policy ran or found something."""


@dataclass
class Context:
    """Everything checks can read (and the engine updates) while evaluating one request."""

    cel: CelEngine
    envelope: Envelope
    now: datetime
    stage: str = "input"
    identity: dict[str, str | None] = field(default_factory=dict)
    variables: dict[str, Any] = field(default_factory=dict)
    findings: dict[str, list[str]] = field(default_factory=dict)
    response: ResponseEnvelope | None = None
    pseudonyms: Pseudonyms | None = None  # PII pseudonym table: never logged, never exposed
    prices: PriceTable | None = None
    request_fields: frozenset[str] | None = None  # bind only these of `request` (None: all)
    holds: list[Hold] = field(default_factory=list)  # budget reservations of this request
    # judge calls started ahead of their policy's turn, by (policy, text digest); see run.py
    early: dict[tuple[str, str], asyncio.Future[Any]] = field(default_factory=dict)
    _estimate: tuple[Envelope, CallEstimate] | None = None
    _request: dict[str, Any] | None = None
    _bindings: Bindings | None = None
    # the last bindings and the `request` value they hold: a rebind after new findings or
    # variables carries the converted request over (see CelEngine.bind)
    _bound: tuple[Bindings, Any] | None = None

    @property
    def body(self) -> dict[str, Any]:
        return dict(self.envelope.body)

    def replace_body(self, body: dict[str, Any], *, text_changed: bool = True,
                     adds_nul: bool = True) -> None:
        """Re-read the request after an edit so later policies see what will be forwarded.

        Without text changes (a model rewrite) the segments stay valid and only
        the model fields are read again. ``adds_nul=False``: the edit wrote no NUL,
        so a request known to hold none still holds none.
        """
        env = self.envelope
        if text_changed:
            self.envelope = read_envelope(body, env.target, env.endpoint, env.method,
                                          env.headers, env.nul_free and not adds_nul)
        else:
            self.envelope = with_models(env, body)
        self._request = None
        self._bindings = None

    def replace_path(self, path: str) -> None:
        """Re-read the request on a new path (a model named in the path was rewritten)."""
        env = self.envelope
        target = env.target.with_path(path) if env.target is not None else None
        found = endpoint(target) if target is not None else None
        if target is None or found is None:
            raise CheckError(f"the rewritten path {path!r} names no endpoint")
        self.envelope = read_envelope(dict(env.body), target, found, env.method, env.headers,
                                      env.nul_free and "\x00" not in path)
        self._request = None
        self._bindings = None

    def call_estimate(self) -> CallEstimate:
        """The forwarded call's estimated maximum (computed once per version of the body)."""
        from guard.limits.cost import estimate_call
        from guard.pricing.prices import PriceTable

        if self._estimate is None or self._estimate[0] is not self.envelope:
            prices = self.prices if self.prices is not None else PriceTable()
            self._estimate = (self.envelope, estimate_call(self.envelope, prices))
        return self._estimate[1]

    async def estimated(self) -> CallEstimate:
        """:meth:`call_estimate`, in a worker thread for a big request: counting the
        tokens of megabytes of text is a tokenizer call that would hold the loop."""
        if self._estimate is not None and self._estimate[0] is self.envelope:
            return self._estimate[1]
        return await offload.run(is_big(self.envelope), self.call_estimate)

    def set_identity(self, identity: dict[str, str | None]) -> None:
        self.identity = identity
        self._bindings = None

    def set_response(self, response: ResponseEnvelope) -> None:
        """Enter (or update) the output stage: ``response`` in CEL reads this answer."""
        self.response = response
        self._bindings = None

    def add_findings(self, found: dict[str, list[str]]) -> None:
        for kind, names in found.items():
            known = self.findings.setdefault(kind, [])
            known.extend(n for n in names if n not in known)
        if found:
            self._bindings = None

    def set_variables(self, values: dict[str, Any]) -> None:
        if values:
            self.variables.update(values)
            self._bindings = None

    async def evaluate(self, program: Program) -> object:
        """Evaluate ``program`` against the current state; for a big request in a worker
        thread, binding included (100k messages take seconds to bind in pure-Python CEL,
        see :mod:`guard.offload`)."""
        return await offload.run(is_big(self.envelope), self.evaluate_now, program)

    def evaluate_now(self, program: Program) -> object:
        """:meth:`evaluate` on the calling thread, whatever the request's size."""
        return program.evaluate(self.bindings())

    async def evaluate_bool(self, program: Program) -> bool:
        value = await self.evaluate(program)
        if not isinstance(value, bool):
            raise CelEvaluationError(f"expected a bool, got {type(value).__name__}")
        return value

    def bindings(self) -> Bindings:
        if self._bindings is None:
            clean = _CLEAN_WITH_REQUEST if self.envelope.nul_free else _CLEAN
            data = self._data()
            same = ("request",) if self._bound is not None and \
                self._bound[1] is data["request"] else ()
            reuse = self._bound[0] if self._bound is not None else None
            self._bindings = self.cel.bind(data, clean, reuse, same)
            self._bound = (self._bindings, data["request"])
        return self._bindings

    def _data(self) -> dict[str, Any]:
        if self._request is None:
            self._request = to_cel(self.envelope, self.request_fields)
        return {
            "request": self._request,
            "identity": self.identity,
            "variables": self.variables,
            "findings": {**FINDING_KINDS, **self.findings},
            "response": self.response.view() if self.response else {},
            "now": self.now,
        }
