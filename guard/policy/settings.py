"""The ``settings:`` block: behaviour of the whole policy set."""

from __future__ import annotations

import re
from typing import Annotated, Literal

from pydantic import AfterValidator, Field, field_validator

from guard.policy.base import Mode, Model, OnError

_STORE_SCHEMES = ("memory://", "sqlite://", "redis://", "rediss://", "redis+cluster://",
                  "rediss+cluster://", "redis+sentinel://", "rediss+sentinel://")
_ENTRY = re.compile(r"(\*|[A-Za-z]+) +(/.*)")
_NEVER_IN_A_PATH = re.compile(r"[\s\x00-\x1f\x7f-\x9f%;#\\]")


def _passthrough_entry(entry: str) -> str:
    """One ``"METHOD /path/glob"``; refused when no request could ever match it.

    Requests are matched on their normalized path (:mod:`guard.dialects.paths`), which has
    no empty, ``.`` or ``..`` segment, no escape, no whitespace: a glob holding one would
    silently match nothing, and the operator would see 415s for what they meant to let
    through. Checked one entry at a time so the error names the entry's own line.
    """
    match = _ENTRY.fullmatch(entry.strip())
    if match is None:
        raise ValueError(f"{entry!r}: expected \"METHOD /path/glob\" (METHOD may be `*` or "
                         "WEBSOCKET), e.g. \"POST /v1/audio/transcriptions\"")
    glob = match.group(2)
    segments = glob.rstrip("/").split("/")[1:]
    if _NEVER_IN_A_PATH.search(glob) or any(s in ("", ".", "..") for s in segments):
        raise ValueError(f"{entry!r}: no request path can match {glob!r}: paths are matched "
                         "normalized (no empty, '.' or '..' segment, no '%' escape, ';', '#', "
                         "backslash or whitespace)")
    return entry


class PiiSettings(Model):
    """Settings of the PII detector shared by all `pii` policies."""

    nlp_model: str | None = Field(
        None, description="A spaCy pipeline package (installed) or pipeline directory for "
        "NER-based entities (PERSON, LOCATION, ORGANIZATION, NRP); none = pattern "
        "recognizers only. guard never downloads a model."
    )
    phone_regions: list[Annotated[str, Field(pattern=r"^[A-Z]{2}$")]] = Field(
        ["US", "GB", "DE", "FR", "IN", "CA", "BR", "IL"], min_length=1,
        description="Regions (ISO 3166 alpha-2) whose national phone formats are "
        "recognized on their own; numbers written with a `+country` prefix are found "
        "whatever the list, and about 45 more regions' national formats after a phone word "
        "or label (`tel:`, `mobile`, `(office)`).")
    hash_key_env: str = Field("GUARD_HASH_KEY", min_length=1, description="Environment "
                              "variable holding the key of `action: hash` (at least 16 "
                              "bytes; share it between instances for stable hashes).")
    hash_key_file: str = Field(".guard/hash.key", min_length=1, description="Where the "
                               "hash key is kept when the variable is not set; created "
                               "with a random key (mode 0600) on first use.")


class LlmSettings(Model):
    """Where `llm` policies send their judge calls."""

    endpoint: str | None = Field(
        None, description="An OpenAI-compatible base URL; under `guard serve` the "
        "upstream by default."
    )
    api_key_env: str | None = Field(
        None, description="Name of the environment variable that holds the judge's API key."
    )
    max_concurrency: int = Field(16, gt=0, le=1024, description="Judge calls in flight at "
                                 "once per process; more wait (within their `timeout_ms`).")
    cache_ttl_seconds: float = Field(300, ge=0, description="How long a verdict is reused "
                                     "for the same policy and text (0: never).")
    cache_size: int = Field(10_000, ge=0, description="Verdicts kept at most (least "
                            "recently used dropped first); only hashes, never the text.")


class Settings(Model):
    """Behaviour of the whole policy set; at most one file of a set may carry it."""

    mode: Mode = Field("enforce", description="`enforce`, or `monitor`: evaluate and log "
                       "everything, never block or change traffic.")
    on_error: OnError = Field("block", description="What a policy does when its check "
                              "itself fails: `block` (fail closed, 503) or `allow`.")
    store: str = Field("sqlite:///.guard/state.db", description="State for budgets and "
                       "rate limits: `memory://`, `sqlite:///PATH`, `redis://HOST:PORT/DB`, "
                       "`redis+cluster://HOST:PORT,...`, `redis+sentinel://HOST:PORT,.../SERVICE`.")
    reservation_timeout: int = Field(600, gt=0, description="Seconds a budget reservation "
                                     "is held when its call never reports back (a crashed "
                                     "worker, a dropped stream); then it is released.")
    max_body_bytes: int = Field(4 * 1024 * 1024, gt=0, description="Larger request "
                                "bodies get 413.")
    max_scan_chars: int = Field(4_000_000, gt=0, description="The most work reading one "
                                "request's text may take, in characters, for the policy "
                                "that reads it at most cost (content, pii, llm): each "
                                "character counts 1, each UTF-8 byte past a character's "
                                "first 4 more, and under a PII policy each digit and `@` "
                                "200 more (what the detectors' analysis costs). Past it the "
                                "request gets 413, before any policy runs: never a partial "
                                "scan. A whole answer past it (for the output policies) "
                                "gets 502. The default is about a second of PII scanning.")
    max_header_bytes: int = Field(64 * 1024, ge=1024, le=16 * 1024 * 1024,
                                  description="Request line and header fields together, in "
                                  "bytes; a request with more gets 431.")
    header_timeout: float = Field(10.0, gt=0, le=3600, description="Seconds a client has "
                                  "to send a request's line and headers, from its first byte "
                                  "(`guard serve`: from the connection or the last answer); "
                                  "a slower one gets 408 and the connection is closed.")
    body_timeout: float = Field(30.0, gt=0, le=3600, description="Seconds a client has to "
                                "send a whole request body, on every path (guarded, "
                                "`passthrough` or not LLM traffic); a slower one gets 408.")
    decision_log: str = Field("stdout", description="`stdout`, `file:PATH` (JSON lines), "
                              "or `none`.")
    unknown_api: Literal["scan", "block", "allow"] = Field(
        "scan", description="A request with a JSON body whose API guard does not know: "
        "`scan` (every string in it is text for the content, PII and llm policies), `block` "
        "(400 in OpenAI's error shape), or `allow` (forwarded uninspected, counted in the "
        "metrics and the decision log).")
    passthrough: list[Annotated[str, AfterValidator(_passthrough_entry)]] = Field(
        [], description="`\"METHOD /path/glob\"` entries (`*` for any HTTP method, "
        "`WEBSOCKET` for WebSocket connections, which `*` does not cover) that are forwarded "
        "uninspected, and counted as such; the glob is matched, case aside, against the "
        "normalized path. Any other request whose body guard cannot read as JSON (multipart "
        "forms, audio, plain text) gets 415.")
    gateway: Literal["none", "opper", "litellm", "openrouter"] = Field(
        "none", description="The gateway guard fronts, for request fields only it reads: "
        "route `fallbacks` are written as Opper's `fallback_models`, LiteLLM's `fallbacks` "
        "or OpenRouter's `models`; with `none` they are not written.")
    scan_memo: int = Field(4096, ge=0, description="Texts each content and PII policy "
                           "remembers its findings for, per caller, by digest (never the "
                           "text): a conversation's re-sent history is scanned once. 0: "
                           "scan every text every time.")
    pii: PiiSettings = Field(default_factory=PiiSettings, description="PII detector "
                             "settings.")
    llm: LlmSettings = Field(default_factory=LlmSettings, description="LLM judge settings.")

    @field_validator("store")
    @classmethod
    def _known_store(cls, value: str) -> str:
        if not value.startswith(_STORE_SCHEMES):
            raise ValueError("expected a URL starting with memory://, sqlite:///, redis://, "
                             "redis+cluster:// or redis+sentinel://")
        return value

    @field_validator("decision_log")
    @classmethod
    def _known_log(cls, value: str) -> str:
        if value in ("stdout", "none") or re.fullmatch(r"file:.+", value):
            return value
        raise ValueError("expected `stdout`, `none` or `file:PATH`")
