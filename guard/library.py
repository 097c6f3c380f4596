"""The Python entry point: :class:`Guard`.

``Guard.from_path("policies/")`` loads and compiles a policy set once;
``await guard.check_request(...)`` and ``await guard.check_response(...)``
evaluate traffic against it. Bad request bodies never raise: they become a
denial in the API's own error shape, like any other.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TypeVar

from guard import intake, offload
from guard.dialects import (
    EMPTY,
    GENERIC,
    Endpoint,
    PathError,
    RequestPath,
    bodyless,
    normalize,
    resolve,
)
from guard.dialects import endpoint as path_endpoint
from guard.engine.compile import CompiledPolicies, build_policies, build_policy_text
from guard.engine.decision import Decision, PolicyTrace, ResponseDecision, Violation
from guard.engine.engine import Engine
from guard.engine.ids import decision_id as new_decision_id
from guard.engine.output import evaluate_response
from guard.envelope import Envelope, decode_body, parse_request, read_envelope
from guard.envelope.parse import UnusableJSON, text_nul_free
from guard.envelope.reading import read_answer
from guard.errors import RequestError
from guard.intake import IntakeError, Passthrough
from guard.limits.holds import release, settle
from guard.pii.pseudonyms import Restorer
from guard.responses import BAD_REQUEST, UPSTREAM, error_body, request_of
from guard.scanwork import ANALYZED_WORK, NON_ASCII_WORK

Body = bytes | str | Mapping[str, Any]
T = TypeVar("T")


class Guard:
    """A compiled policy set and the engine that enforces it."""

    def __init__(self, compiled: CompiledPolicies) -> None:
        self.compiled = compiled
        self.engine = Engine(compiled)
        self.passthrough = tuple(map(Passthrough.parse, compiled.settings.passthrough))

    @classmethod
    def from_path(cls, path: str | Path, *, cel_engine: str | None = None,
                  judge_endpoint: str | None = None) -> Guard:
        """Load and compile a policy file or directory; raises ``PolicyError``.

        ``judge_endpoint``: where ``llm`` policies call their judge when
        ``settings.llm.endpoint`` is not set (``guard serve`` passes its upstream).
        """
        return cls(build_policies(path, cel_engine, judge_endpoint=judge_endpoint))

    @classmethod
    def from_yaml(cls, text: str, *, name: str = "<policy>", cel_engine: str | None = None,
                  judge_endpoint: str | None = None) -> Guard:
        """Load and compile a policy set written as one YAML string."""
        return cls(build_policy_text(text, name, cel_engine, judge_endpoint=judge_endpoint))

    @property
    def revision(self) -> str:
        return self.compiled.revision

    @property
    def settings(self) -> Any:
        return self.compiled.settings

    async def check_request(self, body: Body, *, path: str | RequestPath = "",
                            method: str = "POST", headers: Mapping[str, str] | None = None,
                            now: datetime | None = None) -> Decision:
        """Evaluate a request; the decision says what to forward or what to answer.

        The rule of :mod:`guard.intake` comes first: the path is normalized (the decision's
        ``path`` is what to forward), passthrough entries and bodies guard cannot read are
        answered before any policy runs.
        """
        lowered = {k.lower(): v for k, v in (headers or {}).items()}
        try:
            target = path if isinstance(path, RequestPath) else (normalize(path) if path
                                                                 else None)
        except PathError as exc:
            return self._reject(GENERIC.name, 400, str(exc), "invalid_path")
        if target is not None and self.passes(method, target):
            return self.uninspected(target, method, "passthrough")
        return await self.decide(body, target, method, lowered, now)

    async def decide(self, body: Body, target: RequestPath | None, method: str,
                     headers: dict[str, str], now: datetime | None = None) -> Decision:
        """:meth:`check_request` past the path and passthrough rules, for a caller that
        applied them itself (the middleware): ``headers`` already by lower-case name.

        A request without a body (a ``GET``, a ``DELETE``) on a path is decided as an empty
        one of the API its answer belongs to (:func:`guard.dialects.bodyless`): rules and
        rate limits see it, it runs no model, and its answer meets the output policies. It
        is forwarded without a body (``state["bodyless"]``)."""
        if target is not None and not body and "content-encoding" not in headers:
            return await self._bodyless(target, method, headers, now)
        named = path_endpoint(target) if target is not None else None
        api = named.dialect.name if named is not None else GENERIC.name
        if isinstance(body, str):
            try:
                body = body.encode()
            except UnicodeEncodeError:  # a lone surrogate: no UTF-8 body carries one
                return self._reject(api, 400, "request body holds a lone surrogate "
                                    "(\\ud800-\\udfff), which is not UTF-8", "invalid_request")
        refused = self._refuse_early(body, api)
        if refused is not None:
            return refused
        big = not isinstance(body, Mapping) and (len(body) >= offload.OFFLOAD_BYTES
                                                 or "content-encoding" in headers)
        read = await offload.run(big, self._envelope, body, target, named, method, headers)
        if isinstance(read, Decision):
            return read
        raw, envelope, decoded = read
        decision = await self.engine.evaluate(envelope, now)
        if raw is not None:
            decision.state["forward"] = raw  # what guard read: the body with its coding undone
            decision.state["decoded"] = decoded
        return decision

    async def _bodyless(self, target: RequestPath, method: str, headers: dict[str, str],
                        now: datetime | None) -> Decision:
        named = bodyless(target, headers)
        empty = EMPTY.get(named.dialect.name, b"{}")
        envelope = read_envelope(decode_body(empty), target, named, method, headers, True)
        decision = await self.engine.evaluate(envelope, now)
        decision.state["bodyless"] = True
        return decision

    def passes(self, method: str, target: RequestPath, *, websocket: bool = False) -> bool:
        """Whether ``settings.passthrough`` lets ``method target`` through uninspected
        (a WebSocket connection to ``target`` when ``websocket``: only ``WEBSOCKET`` entries
        name those)."""
        return bool(self.passthrough) and intake.passes(self.passthrough, method, target,
                                                         websocket=websocket)

    def uninspected(self, target: RequestPath | None, method: str, reason: str) -> Decision:
        """The decision to forward a request as it is, unread (logged and counted)."""
        decision_id = new_decision_id()
        found = path_endpoint(target) if target is not None else None
        decision = Decision(
            decision_id=decision_id, revision=self.revision,
            api=found.dialect.name if found is not None else GENERIC.name, action="allow",
            status=200, violations=[], body=None, headers={"x-guard-decision-id": decision_id},
            path=target.path if target is not None else "", inspected=False,
            trace=[PolicyTrace(reason, "intake", "input", True, "pass", 0.0,
                               detail={"method": method.upper()})])
        decision.state["target"] = target
        return decision

    def _envelope(self, body: Body, target: RequestPath | None, named: Endpoint | None,
                  method: str, headers: dict[str, str]
                  ) -> Decision | tuple[bytes | None, Envelope, bool]:
        """The request read (in a worker thread when it is big): the body as forwarded,
        its envelope and whether a coding was undone; or the refusal."""
        api = named.dialect.name if named is not None else GENERIC.name
        try:
            raw, data, decoded = self._read(body, headers)
        except IntakeError as exc:  # a JSON-RPC batch is refused in JSON-RPC's shape
            return self._reject("mcp" if exc.code == "jsonrpc_batch" else api, exc.status,
                                str(exc), exc.code)
        found = named or resolve(target, data)
        if found.dialect is GENERIC and self.settings.unknown_api != "scan":
            if self.settings.unknown_api == "allow":
                return self.uninspected(target, method, "unknown_api")
            return self._reject(GENERIC.name, 400, "guard does not recognise this request's "
                                "API shape", "unknown_api")
        try:  # a shape the dialect cannot walk (nested past MAX_DEPTH) is the caller's error
            envelope = read_envelope(data, target, found, method, headers,
                                     raw is not None and text_nul_free(raw))
        except RequestError as exc:
            return self._reject(found.dialect.name, 400, str(exc), "invalid_request")
        refused = self._refuse_work(envelope, api)
        return refused if refused is not None else (raw, envelope, decoded)

    def _read(self, body: Body, headers: Mapping[str, str]
              ) -> tuple[bytes | None, dict[str, Any], bool]:
        """The body as forwarded (content coding undone), as a JSON object, and whether a
        coding was undone."""
        if isinstance(body, Mapping):
            _strict_mapping(body)
            return None, decode_body(body), False
        given = body.encode() if isinstance(body, str) else bytes(body)
        if intake.form(headers):
            raise intake.not_json(headers, "")
        raw = intake.decoded(given, headers, self.settings.max_body_bytes)
        try:
            return raw, decode_body(raw), raw is not given
        except UnusableJSON as exc:
            raise IntakeError(400, str(exc), exc.code) from exc
        except RequestError as exc:
            raise intake.not_json(headers, str(exc)) from exc

    async def check_response(self, decision: Decision, response_body: Body,
                             *, status: int = 200,
                             now: datetime | None = None) -> ResponseDecision:
        """Run the output stage over the upstream's response to ``decision``'s request.

        Budgets are settled from the response's ``usage`` (released when ``status`` says
        the upstream failed); a budget crossing its ``alert_at`` adds a flag.
        """
        if not decision.inspected:  # forwarded unread: its answer passes unread too
            return ResponseDecision(decision.decision_id, "allow", status,
                                    _parsed(response_body), [])
        if decision.action == "deny" or "context" not in decision.state:
            return ResponseDecision(decision.decision_id, "deny", decision.status,
                                    decision.error, decision.violations)
        body = _parsed(response_body)
        try:
            result = await evaluate_response(self.engine.output_checks, decision, body, status,
                                             self.settings.max_scan_chars)
        except RequestError:  # an answer no dialect can walk
            result = _unreadable(decision, "it is nested too deeply")
        usage = answered_usage(decision)
        result.violations += await self.settle(decision, usage, status=status, now=now)
        return result

    async def settle(self, decision: Decision, usage: Mapping[str, Any] | None, *,
                     status: int = 200, now: datetime | None = None) -> list[Violation]:
        """Charge the request's budgets what the call cost (its ``usage``), once.

        For streams, call this with the final chunk's usage. An upstream error
        (``status`` >= 400) charges nothing; a success without usage charges the
        reserved estimate. Returns a flag for each budget that crossed ``alert_at``.
        """
        ctx = decision.state.get("context")
        holds = getattr(ctx, "holds", [])
        if not holds:  # no budget held anything: nothing to charge (most requests)
            return []
        stamp = (now or datetime.now(UTC)).timestamp()
        if status >= 400:
            await release(holds, now=stamp)
            return []
        alerts = await settle(holds, usage, now=stamp)
        return [Violation(policy, message, "flag", status=status) for policy, message in alerts]

    async def release(self, decision: Decision, *, now: datetime | None = None) -> None:
        """Give back the request's budget reservations: the call did not happen."""
        holds = getattr(decision.state.get("context"), "holds", [])
        if holds:
            await release(holds, now=(now or datetime.now(UTC)).timestamp())

    async def aclose(self) -> None:
        """Close the state store's and the judge's connections (a Guard is not used
        afterwards)."""
        await self.compiled.store.close()
        if self.compiled.judge is not None:
            await self.compiled.judge.aclose()

    def restorer(self, decision: Decision) -> Restorer | None:
        """A chunk-by-chunk restorer of ``decision``'s pseudonyms, for streamed answers.

        ``None`` when the request had nothing pseudonymized. Feed it the text of
        each chunk; ``flush`` at the end of the stream.
        """
        ctx = decision.state.get("context")
        pseudonyms = getattr(ctx, "pseudonyms", None)
        return pseudonyms.restorer() if pseudonyms else None

    def check_request_sync(self, body: Body, **kwargs: Any) -> Decision:
        """:meth:`check_request` for code without an event loop."""
        return asyncio.run(self._closing(self.check_request(body, **kwargs)))

    def check_response_sync(self, decision: Decision, response_body: Body,
                            **kwargs: Any) -> ResponseDecision:
        """:meth:`check_response` for code without an event loop."""
        return asyncio.run(self._closing(self.check_response(decision, response_body,
                                                             **kwargs)))

    async def _closing(self, work: Awaitable[T]) -> T:
        """Run ``work``, then close the judge's connections: this loop ends with the call."""
        try:
            return await work
        finally:
            if self.compiled.judge is not None:
                await self.compiled.judge.aclose()

    def envelope(self, body: Body, *, path: str = "",
                 headers: Mapping[str, str] | None = None) -> Envelope:
        """The normalized view guard takes of a request (for tooling and tests)."""
        return parse_request(body, path=path, headers=headers or {})

    def _refuse_early(self, body: Body, api: str) -> Decision | None:
        limit = self.settings.max_body_bytes
        size = len(body.encode()) if isinstance(body, str) else (
            len(body) if isinstance(body, bytes | bytearray) else 0)
        if size > limit:
            message = f"request body is {size} bytes; the limit is {limit}"
            return self._reject(api, 413, message, "body_too_large")
        return None

    def _refuse_work(self, envelope: Envelope, api: str) -> Decision | None:
        """413 for text that would cost more to scan than ``settings.max_scan_chars``
        allows: refused whole before any policy runs, never scanned in part."""
        bound = self.settings.max_scan_chars
        work = self.engine.work_over(envelope, bound)
        if work is None:
            return None
        message = (f"request text is too much to scan: {work:,} characters of work (a "
                   f"character counts 1, each UTF-8 byte past its first {NON_ASCII_WORK} more, "
                   f"under a PII policy each digit and @ {ANALYZED_WORK} more); "
                   f"settings.max_scan_chars is {bound:,}")
        return self._reject(api, 413, message, "scan_too_large")

    def refuse(self, api: str, status: int, message: str, code: str) -> Decision:
        """A denial before any policy (a path or body guard cannot read), logged like any."""
        return self._reject(api, status, message, code)

    def _reject(self, api: str, status: int, message: str, code: str) -> Decision:
        decision_id = new_decision_id()
        return Decision(
            decision_id=decision_id, revision=self.revision, api=api, action="deny",
            status=status, violations=[Violation(code, message, "deny", status=status)],
            body=None, error=error_body(api, status, message, code, BAD_REQUEST),
            headers={"x-guard-decision-id": decision_id},
        )


def _unreadable(decision: Decision, reason: str) -> ResponseDecision:
    """An answer guard cannot read: the API's 502, as for bytes that are no JSON nor text."""
    message = f"guard cannot read the upstream's answer: {reason}"
    body = error_body(decision.api, 502, message, "unreadable_answer", UPSTREAM,
                      request_of(decision))
    return ResponseDecision(decision.decision_id, "deny", 502, body,
                            [Violation("unreadable_answer", message, "deny", status=502)])


def _strict_mapping(body: Mapping[str, Any]) -> None:
    """Refuse a parsed body that is not JSON read one way only, as a JSON text would be.

    A caller's dict is sent upstream as JSON, so it meets the rules of
    :mod:`guard.envelope.strict` once written out: ``"model"`` beside ``"Model"``, or ``1``
    beside ``"1"``, is ambiguous there; a lone surrogate would make every scanner fail
    (a 503 under ``on_error: block``, unscanned text under ``allow``); NaN, bytes or a cycle
    are no JSON at all.
    """
    try:
        text = json.dumps(body, ensure_ascii=False, allow_nan=False)
        decode_body(text)
    except (TypeError, ValueError, RecursionError) as exc:
        raise IntakeError(400, f"request body is not JSON: {exc}", "invalid_request") from exc
    except RequestError as exc:
        raise IntakeError(400, str(exc), "invalid_request") from exc


def answered_usage(decision: Decision) -> dict[str, Any] | None:
    """The usage the answer's dialect read (``usage``, Gemini's ``usageMetadata``, Opper's
    ``meta.usage``, Ollama's counts), once the output stage has run."""
    response = getattr(decision.state.get("context"), "response", None)
    return dict(response.usage) if response is not None and response.usage else None


def _parsed(body: Any) -> Any:
    """An answer as the output stage reads it: JSON as its value (bytes read by their
    content, :mod:`guard.envelope.reading`), else text; a JSON value given parsed as it is."""
    if isinstance(body, Mapping):
        return dict(body)
    if isinstance(body, bytes | bytearray):
        reading = read_answer(bytes(body))
        return reading.value if reading.kind != "bytes" else None
    if isinstance(body, str):
        try:
            return json.loads(body)
        except ValueError:
            return body
    return body
