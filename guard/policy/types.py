"""One model per policy ``type``; together they form a discriminated union.

Fields mirror ``POLICY_LANGUAGE.md``. Cross-field rules (exactly one limit, at
least one detector...) are validated here so they are load errors with a line.
"""

from __future__ import annotations

import re
from typing import Annotated, Literal

from pydantic import Field, field_validator, model_validator

from guard.policy.base import Cel, Model, PolicyBase, Stage

Glob = Annotated[str, Field(min_length=1)]
Stages = Annotated[list[Stage], Field(min_length=1)]
PiiAction = Literal["redact", "mask", "hash", "replace", "pseudonymize", "block", "flag"]


class RoutePolicy(PolicyBase):
    """Which models may run, and where a call goes."""

    type: Literal["route"]
    allow: list[Glob] = Field([], description="Globs on the provider-prefixed model "
                              "(`openai/*`); empty = all.")
    deny: list[Glob] = Field([], description="Globs on the provider-prefixed model that are "
                             "never allowed, even when `allow` matches.")
    providers: list[str] = Field([], description="Allowlist of provider prefixes; empty = all.")
    aliases: dict[str, str] = Field({}, description="Rewrite a requested model name to "
                                    "another (`fast: openai/gpt-5-mini`).")
    default_model: str | None = Field(None, description="Model to use when the request "
                                      "names none.")
    set_model: Cel | None = Field(None, description="CEL string: a dynamic rewrite of the "
                                  "model (from findings, identity, ...); empty = no change.")
    fallbacks: list[str] = Field([], description="Added to the request's `fallback_models`.")
    message: str | None = Field(None, description="Shown to the caller when a model is "
                                "refused.")


class Recognizer(Model):
    """A custom PII recognizer, written without code."""

    entity: str = Field(min_length=1, pattern=r"^[A-Z][A-Z0-9_]*$",
                        description="Entity name it reports (upper case); a new name or a "
                        "built-in one this recognizer adds to.")
    patterns: list[str] = Field([], description="RE2 regular expressions.")
    context: list[str] = Field([], description="Words that, near a match, raise its score.")
    score: float = Field(0.6, ge=0, le=1, description="Score of a pattern match.")
    deny_list: list[Annotated[str, Field(min_length=1)]] = Field(
        [], description="Exact words or phrases to report (case-insensitive, whole words).")

    @model_validator(mode="after")
    def _has_something(self) -> Recognizer:
        if not self.patterns and not self.deny_list:
            raise ValueError("a recognizer needs `patterns` or `deny_list`")
        return self


class PiiPolicy(PolicyBase):
    """Presidio detection and anonymization."""

    type: Literal["pii"]
    stages: Stages = Field(["input"], description="Where it applies: input, output or both.")
    entities: list[str] = Field(
        ["EMAIL_ADDRESS", "PHONE_NUMBER", "CREDIT_CARD", "IBAN_CODE", "IP_ADDRESS", "US_SSN"],
        description="Entity types to detect.")
    min_score: float = Field(0.4, ge=0, le=1, description="Findings below this score are "
                             "ignored.")
    action: PiiAction = Field("redact", description="What to do with a finding.")
    actions: dict[str, PiiAction] = Field({}, description="Per-entity override of `action`.")
    replacement: str = Field("<{entity}>", description="Text for `redact` / `replace`; "
                             "`{entity}` is the entity type.")
    mask_char: str = Field("*", min_length=1, max_length=1, description="Character that "
                           "`mask` writes over a value.")
    mask_keep: int = Field(4, ge=0, description="Trailing characters `mask` leaves visible "
                           "(a value no longer than this is masked whole).")
    allow: list[str] = Field([], description="Values never treated as PII (compared "
                             "case-insensitively).")
    recognizers: list[Recognizer] = Field([], description="Custom recognizers.")
    message: str | None = Field(None, description="Shown to the caller on block.")

    @field_validator("replacement")
    @classmethod
    def _known_placeholders(cls, value: str) -> str:
        unknown = re.findall(r"\{[^}]*\}", value.replace("{entity}", ""))
        if unknown:
            raise ValueError(f"unknown placeholder {unknown[0]}; the only one is {{entity}}")
        return value


class Pattern(Model):
    """A named RE2 pattern of a content policy."""

    name: str = Field(min_length=1, description="Name reported in violations and findings.")
    regex: str = Field(min_length=1, description="RE2 syntax (no lookarounds or "
                       "backreferences).")
    flags: str = Field("", pattern=r"^[imsU]*$", description="RE2 flags: i (ignore case), "
                       "m (multi-line), s (dot matches newline), U (ungreedy).")


class Detect(Model):
    """What a content policy looks for."""

    secrets: bool = Field(False, description="Built-in catalog of API keys, tokens, private "
                          "keys, credentials in URLs.")
    identifiers: bool = Field(False, description="Built-in catalog of infrastructure "
                              "identifiers that are not secrets: ARNs, S3 and GCS buckets, "
                              "AWS account ids, Google OAuth client ids, Shopify domains "
                              "(a guard extension).")
    prompt_injection: bool = Field(False, description="Built-in prompt-injection heuristics.")
    keywords: list[str] = Field([], description="Case-insensitive whole words, after "
                                "normalization.")
    patterns: list[Pattern] = Field([], description="Named RE2 patterns.")
    max_chars: int | None = Field(None, gt=0, description="Limit on total input text.")
    injection_threshold: float = Field(1.0, gt=0, description="Score at which the "
                                       "prompt-injection heuristics fire; each matching "
                                       "heuristic adds its weight (0.2-1.0). Lower is "
                                       "stricter.")
    injection_threshold_tool: float | None = Field(None, gt=0, description="The same for "
                                                   "text in tool results (role `tool`, "
                                                   "`tool_result` blocks), scored on the "
                                                   "same evidence; default 0.6 times "
                                                   "`injection_threshold`.")
    decode_base64: bool = Field(True, description="Also scan the text that long base64 "
                                "runs decode to; a hit covers the whole encoded run.")
    injection_model: bool | None = Field(None, description="Add the learned prompt-"
                                         "injection signal (0-1, a linear model over word "
                                         "stems) to the heuristics' score; default: on "
                                         "with prompt_injection. Costs about 0.12 ms per "
                                         "2 KB of new text; false turns it off.")

    @model_validator(mode="after")
    def _has_detector(self) -> Detect:
        if not (self.secrets or self.identifiers or self.prompt_injection or self.keywords
                or self.patterns or self.max_chars):
            raise ValueError("enable at least one detector")
        if self.injection_model and not self.prompt_injection:
            raise ValueError("injection_model adds to prompt_injection's score: enable "
                             "prompt_injection too")
        return self


class ContentPolicy(PolicyBase):
    """Secrets, prompt injection, keywords and patterns."""

    type: Literal["content"]
    stages: Stages = Field(["input"], description="Where it applies: input, output or both.")
    detect: Detect = Field(description="What to look for.")
    action: Literal["block", "redact", "flag"] = Field("block", description="What to do "
                                                       "on a match.")
    replacement: str = Field("***", description="Text that replaces a redacted span.")
    message: str | None = Field(None, description="Shown to the caller on block.")


class BudgetPolicy(PolicyBase):
    """A spend cap per bucket and calendar window."""

    type: Literal["budget"]
    per: Cel = Field(description="CEL: the bucket (e.g. `identity.team`); requests where it "
                     "is absent are not counted.")
    limit_usd: float | None = Field(None, gt=0, description="Cap in US dollars.")
    limit_tokens: int | None = Field(None, gt=0, description="Cap in tokens.")
    window: Literal["minute", "hour", "day", "week", "month"] = Field(
        description="Calendar window, UTC.")
    alert_at: float | None = Field(None, gt=0, lt=1, description="Flag in the decision log "
                                   "when spend crosses this share.")
    message: str | None = Field(None, description="Shown to the caller when denied.")

    @model_validator(mode="after")
    def _one_limit(self) -> BudgetPolicy:
        if (self.limit_usd is None) == (self.limit_tokens is None):
            raise ValueError("set exactly one of `limit_usd` and `limit_tokens`")
        return self


class RateLimitPolicy(PolicyBase):
    """Requests and/or tokens per window per bucket."""

    type: Literal["rate_limit"]
    per: Cel = Field(description="CEL: the bucket (e.g. `identity.key`).")
    requests: int | None = Field(None, gt=0, description="Requests per window.")
    tokens: int | None = Field(None, gt=0, description="Tokens per window.")
    window: Literal["second", "minute", "hour", "day"] = Field(description="Window length.")
    algorithm: Literal["sliding", "fixed"] = Field("sliding", description="Sliding window "
                                                   "counter or fixed window.")
    message: str | None = Field(None, description="Shown to the caller when limited.")

    @model_validator(mode="after")
    def _one_limit(self) -> RateLimitPolicy:
        if self.requests is None and self.tokens is None:
            raise ValueError("set `requests`, `tokens` or both")
        return self


class LlmPolicy(PolicyBase):
    """A model as the judge."""

    type: Literal["llm"]
    stages: Stages = Field(["input"], description="Where it applies: input, output or both.")
    prompt: str | None = Field(None, min_length=1, description="What the judge should flag.")
    template: Literal["secrets", "toxicity", "pii", "prompt_injection"] | None = Field(
        None, description="A built-in prompt to start from.")
    model: str = Field(min_length=1, description="The judge model.")
    action: Literal["flag", "block"] = Field("flag", description="What to do when flagged.")
    timeout_ms: int = Field(3000, gt=0, le=120_000, description="Judge timeout.")
    message: str | None = Field(None, description="Shown to the caller on block.")

    @model_validator(mode="after")
    def _has_prompt(self) -> LlmPolicy:
        if self.prompt is None and self.template is None:
            raise ValueError("set `prompt` or `template`")
        return self


class ToolsPolicy(PolicyBase):
    """Which MCP tools a caller may call and see."""

    type: Literal["tools"]
    allow: list[Glob] = Field([], description="Globs on tool names (`fs_read*`); empty = all.")
    deny: list[Glob] = Field([], description="Globs on tool names that are never allowed, "
                             "even when `allow` matches.")
    message: str | None = Field(None, description="Shown to the caller when a tool is refused.")


class RulePolicy(PolicyBase):
    """Any CEL condition."""

    type: Literal["rule"]
    stages: Stages = Field(["input"], description="Where it applies: input, output or both.")
    deny_if: Cel = Field(description="CEL bool; the request is denied where it is true.")
    message: str = Field("request denied by policy", description="Shown to the caller.")
    status: int = Field(400, ge=400, le=599, description="HTTP status of the denial.")


Policy = Annotated[
    RoutePolicy | PiiPolicy | ContentPolicy | BudgetPolicy | RateLimitPolicy | LlmPolicy
    | RulePolicy | ToolsPolicy,
    Field(discriminator="type"),
]
POLICY_TYPES = ("route", "pii", "content", "budget", "rate_limit", "llm", "rule", "tools")
