"""The LLM judge behind ``type: llm``: its HTTP client, verdict cache and prompt templates.

Kept apart from :mod:`guard.checks.llm` so the check stays about policy
semantics (which text, which outcome) and this package about talking to a
model: one endpoint, bounded concurrency, strict parsing, no text retained.

Modules are imported where used: ``guard.judge.client`` brings httpx, which
``import guard`` does not need.
"""
