"""How ``Guard.check_request`` cost grows with the number of policies and the message size.

Two curves, each measured in one run so the ratios hold on a shared machine:

- policies: 1, 10 and 100 policies of a realistic mix generated here (route policies
  scoped to a team, CEL rules, content policies with keywords and patterns) on the same
  2 KB chat request. The 1-policy row's baseline is ``json.loads`` of the body; the 10-
  and 100-policy rows' baseline is the 1-policy set, so their ratio *is* the growth.
- size: a fixed set (route, CEL rule, content with secrets and injection) on chat
  requests of 200 B, 2 KB, 20 KB and 200 KB (turns of at most 2 KB, as a long
  conversation has), baseline ``json.loads`` of the same bytes; then the same set plus a
  PII policy on 200 B, 2 KB and 20 KB of support-ticket prose holding one value of each
  entity (200 KB of PII would take seconds per call, past the ``--quick`` budget); and on
  2 KB, 20 KB and 200 KB of contact rows (an e-mail, a phone, a card and an IP each), the
  costliest PII text per character (200 KB only without ``--quick``; its set raises
  ``max_scan_chars`` so that it is measured rather than refused).

Whether growth is linear is printed to stderr: µs per policy and µs per KB for each
point, and the ratio of the largest point's cost per unit to a middle one's (about 1:
linear; well above 1: worse than linear). Every call gets one of several distinct bodies,
so no cache can stand in for work.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import random
import sys
import time
from collections.abc import Callable, Iterator
from typing import Any

from benchmarks.timing import per_call_us, row

PATH = "/v1/chat/completions"
HEADERS = {"authorization": "Bearer sk-test", "x-team": "team0"}
SIZES = (200, 2_000, 20_000, 200_000)
PII_SIZES = (200, 2_000, 20_000)
DENSE_SIZES = (2_000, 20_000, 200_000)
POLICY_COUNTS = (1, 10, 100)
DISTINCT = 8  # bodies cycled through per measurement
PROSE = ("The quarterly report covers revenue, churn and the roadmap for the next release; "
         "please summarise the main risks and list open questions for the team. ")
FIXED_SET = """\
version: 1
settings:
  scan_memo: 0  # every body is new text, as if never seen (bodies are cycled)
  max_scan_chars: 100000000  # the 200 KB dense curve is measured, not refused (413)
identity:
  team: request.headers["x-team"]
policies:
  - name: approved-models
    type: route
    allow: ["openai/gpt-5*", "anthropic/claude-*"]
    aliases: {fast: openai/gpt-5-mini}
  - name: output-token-cap
    type: rule
    deny_if: request.max_tokens != null && request.max_tokens > 8192
    message: "max_tokens may be at most 8192"
  - name: no-secrets
    type: content
    detect: {secrets: true, prompt_injection: true}
    action: redact
"""
PII_POLICY = """\
  - name: pii
    type: pii
    entities: [EMAIL_ADDRESS, PHONE_NUMBER, CREDIT_CARD, IBAN_CODE, IP_ADDRESS, US_SSN]
    action: redact
"""


def _route(i: int) -> str:
    return (f"  - name: route-{i}\n    type: route\n    when: identity.team == \"team{i}\"\n"
            f"    allow: [\"openai/gpt-5*\", \"anthropic/claude-*\"]\n"
            f"    aliases: {{fast: openai/gpt-5-mini}}\n")


RULES = ('request.max_tokens != null && request.max_tokens > {n}',
         'size(request.messages) > {n}',
         'request.stream && !has(request.body.user)',
         '"x-block-{n}" in request.headers && request.headers["x-block-{n}"] == "1"')


def _rule(i: int) -> str:
    condition = RULES[i % len(RULES)].format(n=8192 + i)
    return (f"  - name: rule-{i}\n    type: rule\n    deny_if: '{condition}'\n"
            f"    message: \"rule {i}\"\n")


def _content(i: int) -> str:
    keywords = ", ".join(f'"codename{i}x{k}"' for k in range(5))
    return (f"  - name: content-{i}\n    type: content\n    detect:\n"
            f"      keywords: [{keywords}]\n"
            f"      patterns: [{{name: ticket{i}, regex: 'T{i}K-[0-9]{{5}}', flags: i}}]\n"
            f"    action: flag\n")


def policy_set(count: int) -> str:
    """``count`` policies cycling route, rule, rule, content (the 1-policy set: one route)."""
    makers = (_route, _rule, _rule, _content)
    body = "".join(makers[i % len(makers)](i) for i in range(count))
    return ("version: 1\nsettings: {scan_memo: 0}\nidentity:\n  team: request.headers[\"x-team\"]"
            "\npolicies:\n" + body)


def chat_body(text: str, seed: int) -> bytes:
    """A chat request carrying ``text`` in user/assistant turns of at most 2,000 characters."""
    turns = [text[i:i + 2000] for i in range(0, len(text), 2000)] or [""]
    messages = [{"role": "user" if n % 2 == 0 else "assistant", "content": t}
                for n, t in enumerate(turns)]
    messages[0]["content"] = f"[{seed}] " + messages[0]["content"]
    return json.dumps({"model": "fast", "messages": messages, "max_tokens": 256,
                       "user": "user-42"}).encode()


def prose(size: int) -> str:
    return (PROSE * (size // len(PROSE) + 1))[:size]


def pii_prose(size: int, seed: int) -> str:
    """Support-ticket prose with one value of each entity (shared with bench_pii)."""
    from benchmarks.bench_pii import message

    return message(random.Random(seed), size)


def dense_pii(size: int, seed: int) -> str:
    """Contact rows, each an e-mail, a phone after "call", a card and an IP (bench_pii's)."""
    from benchmarks.bench_pii import dense

    return dense(random.Random(seed), size)


def measure(guard: Any, bodies: list[bytes], quick: bool) -> float:
    """Microseconds per ``check_request``, iterations sized to a time budget per round.

    Costs span 50 µs to tens of ms across the rows, so a fixed iteration count would be
    either noise or minutes; every request must be allowed, or the row measures a refusal.
    """
    loop = asyncio.new_event_loop()
    cycle: Iterator[bytes] = itertools.cycle(bodies)

    def once() -> None:
        decision = loop.run_until_complete(
            guard.check_request(next(cycle), path=PATH, headers=HEADERS))
        if not decision.allowed:
            raise RuntimeError(f"benchmark request refused: {decision.violations}")

    try:
        cost = _calibrate(once)
        budget = 0.04 if quick else 0.4
        return per_call_us(once, max(3, int(budget / cost)), rounds=2 if cost > 1 else 5)
    finally:
        loop.close()


def _calibrate(fn: Callable[[], Any]) -> float:
    """Seconds per call after a warm-up call (lazy builds, first-use caches)."""
    fn()
    start = time.perf_counter()
    for _ in range(3):
        fn()
    return (time.perf_counter() - start) / 3


def _json_us(bodies: list[bytes]) -> float:
    body = bodies[0]
    return per_call_us(lambda: json.loads(body), max(20, 2_000_000 // len(body)))


def policy_rows(quick: bool) -> list[dict[str, Any]]:
    from guard import Guard

    bodies = [chat_body(prose(2000), seed) for seed in range(DISTINCT)]
    costs = {n: measure(Guard.from_yaml(policy_set(n)), bodies, quick) for n in POLICY_COUNTS}
    rows = [row("scaling: 1 policy (route), chat 2 KB", "json.loads", _json_us(bodies),
                "check_request", costs[1])]
    rows += [row(f"scaling: {n} policies (mix), chat 2 KB", "1 policy (route)", costs[1],
                 "check_request", costs[n]) for n in POLICY_COUNTS[1:]]
    per = {n: (costs[n] - costs[1]) / (n - 1) for n in POLICY_COUNTS[1:]}
    _say("policies: " + ", ".join(f"{n}: {costs[n]:.0f} us" for n in POLICY_COUNTS)
         + "; per added policy: " + ", ".join(f"1->{n}: {p:.1f} us" for n, p in per.items())
         + f"; 100/10 per-policy ratio {per[100] / per[10]:.2f} (about 1: linear)")
    return rows


def size_rows(quick: bool, label: str, pii: bool, dense: bool = False) -> list[dict[str, Any]]:
    """One row per size for the fixed set (``pii``: plus a PII policy, on PII prose;
    ``dense``: on contact rows, the costliest PII text per character)."""
    from guard import Guard

    guard = Guard.from_yaml(FIXED_SET + (PII_POLICY if pii else ""))
    sizes = (DENSE_SIZES[:2] if quick else DENSE_SIZES) if dense else (
        PII_SIZES if pii else SIZES)
    text = dense_pii if dense else (pii_prose if pii else lambda size, _: prose(size))
    rows, points = [], {}
    for size in sizes:
        texts = [text(size, s) for s in range(DISTINCT)]
        bodies = [chat_body(t, s) for s, t in enumerate(texts)]
        cost = measure(guard, bodies, quick)
        points[size] = (len(bodies[0]) / 1000, cost)
        rows.append(row(f"scaling: {label}, {_kb(size)}", "json.loads", _json_us(bodies),
                        "check_request", cost))
    _say(f"{label}: {_growth(points)}")
    return rows


def _growth(points: dict[int, tuple[float, float]]) -> str:
    """Per-KB cost at each size, and the marginal cost per KB between neighbouring sizes.

    Per-KB cost falls with size while the fixed per-request cost is amortised, so the
    largest/2 KB per-KB ratio only says "not worse than linear" when it is at most ~1; the
    marginal costs (what each further KB costs) are equal when growth is truly linear.
    """
    sizes = sorted(points)
    per_kb = {s: us / kb for s, (kb, us) in points.items()}
    marginal = [(a, b, (points[b][1] - points[a][1]) / (points[b][0] - points[a][0]))
                for a, b in itertools.pairwise(sizes)]
    base = 2_000 if 2_000 in per_kb else sizes[0]
    return (", ".join(f"{_kb(s)}: {v:.1f} us/KB" for s, v in per_kb.items())
            + f"; {_kb(sizes[-1])}/{_kb(base)} per-KB ratio {per_kb[sizes[-1]] / per_kb[base]:.2f}"
            + "; each further KB: " + ", ".join(f"{_kb(a)}->{_kb(b)} {m:.1f} us"
                                                for a, b, m in marginal)
            + (f" (last/previous {marginal[-1][2] / marginal[-2][2]:.2f}; about 1: linear)"
               if len(marginal) > 1 else ""))


def _kb(size: int) -> str:
    return f"{size} B" if size < 1000 else f"{size // 1000} KB"


def _say(line: str) -> None:
    print(f"scaling: {line}", file=sys.stderr, flush=True)


def run(quick: bool = False) -> list[dict[str, Any]]:
    return (policy_rows(quick) + size_rows(quick, "route+rule+content", pii=False)
            + size_rows(quick, "+ pii", pii=True)
            + size_rows(quick, "+ pii, PII-dense", pii=True, dense=True))


if __name__ == "__main__":
    from benchmarks.__main__ import table

    print(table(run(quick=True)))
