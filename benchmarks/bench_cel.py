"""CEL evaluation: pure-Python cel-python (baseline) vs Google's C++ cel-expr-python.

Per request guard binds the variables once and evaluates several expressions
against that binding, so both are measured: one bind, and one evaluation of
each typical expression.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from benchmarks.timing import per_call_us, row

EXPRESSIONS = {
    "startsWith": 'request.model.startsWith("openai/")',
    "size > n": "size(request.messages) > 50",
    "has && ==": 'has(request.body.user) && request.body.user == "bob"',
    "header in && ==": '"x-team" in request.headers && request.headers["x-team"] == "eu"',
}


def _data() -> dict[str, Any]:
    messages = [{"role": "user", "text": f"message number {i} " * 8} for i in range(10)]
    body = {"model": "openai/gpt-5-mini", "user": "bob", "max_tokens": 256,
            "messages": [{"role": m["role"], "content": m["text"]} for m in messages]}
    request = {"api": "openai.chat", "path": "/v1/chat/completions", "method": "POST",
               "headers": {"x-team": "eu", "authorization": "Bearer sk"}, "model": body["model"],
               "provider": "openai", "stream": False, "max_tokens": 256, "messages": messages,
               "text": "\n".join(m["text"] for m in messages), "tags": {}, "metadata": {},
               "body": body, "tokens": 400}
    return {"request": request, "identity": {"key": None, "user": "bob", "team": "eu",
                                             "project": None},
            "variables": {}, "findings": {}, "response": {}, "now": datetime.now(UTC)}


def run(quick: bool = False) -> list[dict[str, Any]]:
    from guard.cel import available_engines, engine

    if len(available_engines()) < 2:
        return []
    iterations = 300 if quick else 3000
    data = _data()
    pure, fast = engine("cel-python"), engine("cel-expr-python")
    rows = [row("cel bind (chat request, 10 messages)", pure.name,
                per_call_us(lambda: pure.bind(data), iterations // 3),
                fast.name, per_call_us(lambda: fast.bind(data), iterations))]
    pure_bound, fast_bound = pure.bind(data), fast.bind(data)
    for label, source in EXPRESSIONS.items():
        slow_program, fast_program = pure.compile(source), fast.compile(source)
        rows.append(row(f"cel eval: {label}", pure.name,
                        per_call_us(lambda p=slow_program: p.evaluate(pure_bound), iterations),
                        fast.name,
                        per_call_us(lambda p=fast_program: p.evaluate(fast_bound), iterations)))
    return rows


if __name__ == "__main__":
    from benchmarks.__main__ import table

    print(table(run(quick=True)))
