"""guard: a guardrail and policy engine for LLM traffic."""
