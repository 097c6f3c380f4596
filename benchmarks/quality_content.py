"""Detection quality of the content detectors on evaluation sets nobody on the team wrote.

    python -m benchmarks.quality_content [EVALSETS_DIR] [--misses N]

EVALSETS_DIR defaults to ``../shared/evalsets`` beside the repository. It reports
prompt-injection recall per attack source and false-positive rate per benign source
(``injection/injection_eval.jsonl``; ``--model`` adds the learned signal,
``detect.injection_model``), over-blocking on XSTest's safe prompts
(``injection/xstest.jsonl``; XSTest: Röttger et al., CC-BY-4.0), and secrets recall
with the false-positive rate on clean negatives (``secrets/noseyparker_examples.jsonl``),
also without the rules that label identifiers (:data:`IDENTIFIER_RULES`), and with the
opt-in ``identifiers`` detector on beside ``secrets``. The sets measure guard; they are
not a source of rules.
"""

from __future__ import annotations

import argparse
import json
import re
from collections import defaultdict
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from benchmarks.secrets_corpus import Case, cases, fresh_cases
from benchmarks.secrets_fresh import fresh2_cases
from benchmarks.secrets_fresh3 import fresh3_cases
from benchmarks.team_set import team_rows
from guard.checks.content import merged_spans
from guard.content.scanner import INJECTION, Detectors, Scanner
from guard.content.secrets import entropy

DEFAULT_DIR = Path(__file__).resolve().parents[2] / "shared" / "evalsets"

IDENTIFIER_RULES = frozenset({
    "np.arn.1", "np.s3.1", "np.s3.2", "np.gcs.1", "np.gcs.2", "np.aws.3", "np.google.1",
    "np.github.5", "np.linkedin.1", "np.twitter.1", "np.reactapp.1", "np.shopify.1", "np.age.1",
})
"""Nosey Parker rules whose matches are identifiers, not secrets (resource, bucket and domain
names, account and client ids, usernames, an age public key). ``secrets`` leaves them alone
by design, so its recall is reported with and without them; ``identifiers`` is the opt-in
detector for them."""


TOKEN = re.compile(r"""[^\s"'`,;()\[\]{}<>|?&]+""")
KEYED = re.compile(r"(?<=[A-Za-z_\]])[=:](?=\S)")
NOT_SECRET_KEY = re.compile(
    r"(?i)(?:(?:id|sid|user(?:name)?|login|name|domain|url|uri|host(?:name)?|endpoint|account|"
    r"region|channel|email|tenant|project|bucket|path|file|version|source|server|database|"
    r"catalog|port|provider|uses)[^a-z]*|\bkey=\W*)$")
"""A key whose value names a thing rather than hiding one (``client_id=``, ``Server=``)."""
IDENTIFIER_SHAPE = re.compile(
    r"(?:^AKIA|^ASIA|^AC[0-9a-f]{32}$|^sq0idp-|^age1|[:=]$|^[A-Z][a-z]+-[A-Za-z0-9]+$|^[0-9]+/|\\|"
    r"\.(?:com|net|io|org|cloud|local|internal)(?:[:/]|$)|^[0-9]+-|@[A-Za-z0-9.-]+\.[a-z]{2,})")
"""Values that are identifiers by their own shape: key ids, account SIDs, application ids,
hosts, client ids, command names (``Get-Item``), keys cut off before their value, a port's
path (``8081/artifactory``), Windows paths."""


def labelled_values(text: str) -> list[str]:
    """The secret values a public row holds, found without guard's catalog.

    The Nosey Parker rows label a row, not its value, so the value is read off the row:
    each credential-looking token (8+ characters, a digit, 3+ bits of entropy; with a
    ``/``, 20+ characters and 3.5 bits, so paths and ports stay out) that is not a URL, a
    host, a key id or the value of a key that names a thing (``client_id``, ``Server``).
    Approximate by design; what it finds left is listed with ``--misses``.
    """
    values = []
    for match in TOKEN.finditer(text):
        key = text[max(0, match.start() - 30):match.start()]
        parts = KEYED.split(match.group())
        for number, part in enumerate(parts):
            name = parts[number - 1] if number else key
            if (len(part) >= 8 and "//" not in part and any(c.isdigit() for c in part)
                    and entropy(part) >= 3.0 and not NOT_SECRET_KEY.search(name)
                    and not IDENTIFIER_SHAPE.search(part)
                    and ("/" not in part or (len(part) >= 20 and entropy(part) >= 3.5))):
                values.append(part)
    return values


def redact(text: str, scanner: Scanner) -> str:
    """``text`` with every hit replaced, as ``action: redact`` does."""
    out, position = [], 0
    for start, end in merged_spans([(h.start, h.end) for h in scanner.scan(text).hits]):
        out += [text[position:start], "[REDACTED]"]
        position = end
    out.append(text[position:])
    return "".join(out)


def _rows(path: Path) -> Iterator[dict[str, Any]]:
    with path.open(encoding="utf-8") as handle:
        for line in handle:
            if line.strip():
                yield json.loads(line)


def injection_quality(root: Path, model: bool = False) -> dict[str, dict[str, Any]]:
    """Per source: rows, label, and the share flagged (recall for attacks, FP rate for benign).

    ``model=True`` adds the learned signal (``detect.injection_model``) to the heuristics."""
    scanner = Scanner(Detectors(prompt_injection=True, injection_model=model))
    flagged: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    misses: dict[str, list[str]] = defaultdict(list)
    labels: dict[str, int] = {}
    for row in _rows(root / "injection" / "injection_eval.jsonl"):
        source = row["source"]
        if source == "cyberseceval_pi":
            source += "/" + row["category"].split("/")[0]
        labels[source] = row["label"]
        hit = INJECTION in scanner.scan(row["text"]).detectors
        flagged[source][0] += hit
        flagged[source][1] += 1
        if hit != bool(row["label"]):
            misses[source].append(row["text"])
    return {s: {"rows": n, "label": labels[s], "flagged": f / n, "misses": misses[s]}
            for s, (f, n) in sorted(flagged.items())}


def xstest_quality(root: Path, model: bool = False) -> dict[str, Any]:
    """Share of XSTest's safe prompts that the injection detector would block."""
    scanner = Scanner(Detectors(prompt_injection=True, injection_model=model))
    safe = [r["text"] for r in _rows(root / "injection" / "xstest.jsonl") if r["label"] == 0]
    blocked = [t for t in safe if INJECTION in scanner.scan(t).detectors]
    return {"rows": len(safe), "flagged": len(blocked) / len(safe), "misses": blocked}


def team_quality(model: bool = False) -> dict[str, dict[str, Any]]:
    """Per class of the team-written set: rows, label, share flagged as a user message and as
    a tool result (the same evidence; only the threshold differs). ``model=True`` adds the
    learned signal, as policies run it."""
    scanner = Scanner(Detectors(prompt_injection=True, injection_model=model))
    counts: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0])
    labels: dict[str, int] = {}
    misses: dict[str, list[str]] = defaultdict(list)
    for name, text, label in team_rows():
        labels[name] = label
        user = INJECTION in scanner.scan(text).detectors
        counts[name][0] += user
        counts[name][1] += INJECTION in scanner.scan(text, tool_result=True).detectors
        counts[name][2] += 1
        if user != bool(label):
            misses[name].append(text)
    return {n: {"rows": c, "label": labels[n], "user": u / c, "tool": t / c,
                "misses": misses[n]} for n, (u, t, c) in sorted(counts.items())}


def secrets_quality(root: Path, identifiers: bool = False) -> dict[str, Any]:
    """Recall on labelled secrets, false-positive rate on the clean negatives, and the share
    of detected rows whose secret value redaction removes (:func:`labelled_values`).

    With ``identifiers`` the ``identifiers`` detector runs beside ``secrets``.
    """
    scanner = Scanner(Detectors(secrets=True, identifiers=identifiers))
    positives: list[tuple[str, bool]] = []
    negatives: list[tuple[str, bool]] = []
    secrets: list[bool] = []
    kept: list[str] = []
    valued = 0
    for row in _rows(root / "secrets" / "noseyparker_examples.jsonl"):
        text = row["text"]
        found = bool(scanner.scan(text).hits)
        if row["label"] == 1:
            positives.append((f"{row['rule_name']}: {text[:160]!r}", found))
            if row["rule_id"] not in IDENTIFIER_RULES:
                secrets.append(found)
            values = labelled_values(text) if found else []
            valued += bool(values)
            redacted = redact(text, scanner) if values else ""
            left = [v for v in values if v in redacted]
            if left:
                kept.append(f"{row['rule_name']}: {left[0][:60]!r} left in {redacted[:160]!r}")
        elif row.get("clean_negative"):
            negatives.append((f"{row['rule_name']}: {text[:160]!r}", found))
    return {
        "positives": len(positives), "recall": sum(f for _, f in positives) / len(positives),
        "secret_positives": len(secrets), "secret_recall": sum(secrets) / len(secrets),
        "negatives": len(negatives), "fp_rate": sum(f for _, f in negatives) / len(negatives),
        "valued": valued, "removed": 1 - len(kept) / max(valued, 1), "kept": kept,
        "missed": [t for t, f in positives if not f],
        "false_positives": [t for t, f in negatives if f],
    }


def own_secrets_quality(seed: int = 18, fresh: bool = False) -> dict[str, Any]:
    """Recall, value-removed share and FP rate on :mod:`benchmarks.secrets_corpus` (with
    ``fresh``, its positives written after the rules too)."""
    return cases_quality(cases(seed) + (fresh_cases(seed) if fresh else []))


def fresh2_quality(seed: int = 18) -> dict[str, Any]:
    """The same measures on the second untuned round (:mod:`benchmarks.secrets_fresh`)."""
    return cases_quality(fresh2_cases(seed))


def fresh3_quality(seed: int = 18) -> dict[str, Any]:
    """The same measures on the third untuned round (:mod:`benchmarks.secrets_fresh3`)."""
    return cases_quality(fresh3_cases(seed))


def cases_quality(rows: list[Case]) -> dict[str, Any]:
    """Recall, share of detected positives whose every value redaction removes, FP rate."""
    scanner = Scanner(Detectors(secrets=True))
    found = removed = positives = negatives = flagged = 0
    misses: list[str] = []
    for case in rows:
        hit = bool(scanner.scan(case.text).hits)
        if not case.values:
            negatives += 1
            flagged += hit
            if hit:
                misses.append(f"fp {case.kind}: {case.text[:140]!r}")
            continue
        positives += 1
        found += hit
        redacted = redact(case.text, scanner) if hit else case.text
        gone = hit and not any(v in redacted for v in case.values)
        removed += gone
        if not gone:
            misses.append(f"{'kept' if hit else 'missed'} {case.kind}: {redacted[:140]!r}")
    return {"positives": positives, "recall": found / positives,
            "removed": removed / max(found, 1), "negatives": negatives,
            "fp_rate": flagged / negatives, "misses": misses}


def report(root: Path, show_misses: int = 0, model: bool = True) -> list[str]:
    """Readable lines: one per source and measure (injection as policies run it by default:
    with the learned signal; ``model=False`` for the heuristics alone)."""
    lines = []
    for source, q in injection_quality(root, model).items():
        measure = "recall" if q["label"] == 1 else "FP rate"
        lines.append(f"injection {source:<28} {measure:<8} {q['flagged']:6.1%}  (n={q['rows']})")
        lines += [f"    miss: {t[:200]!r}" for t in q["misses"][:show_misses]]
    xs = xstest_quality(root, model)
    lines.append(f"injection {'xstest (safe prompts)':<28} {'FP rate':<8} {xs['flagged']:6.1%}  "
                 f"(n={xs['rows']})")
    lines += [f"    fp: {t[:200]!r}" for t in xs["misses"][:show_misses]]
    for name, q in team_quality(model).items():
        measure = "recall" if q["label"] == 1 else "FP rate"
        lines.append(f"team      {name:<28} {measure:<8} {q['user']:6.1%}  as tool result "
                     f"{q['tool']:6.1%}  (n={q['rows']})")
        lines += [f"    miss: {t[:200]!r}" for t in q["misses"][:show_misses]]
    sq = secrets_quality(root)
    lines.append(f"secrets   {'noseyparker positives':<28} {'recall':<8} {sq['recall']:6.1%}  "
                 f"(n={sq['positives']})")
    lines.append(f"secrets   {'  without identifier rules':<28} {'recall':<8} "
                 f"{sq['secret_recall']:6.1%}  (n={sq['secret_positives']})")
    lines.append(f"secrets   {'noseyparker clean negatives':<28} {'FP rate':<8} "
                 f"{sq['fp_rate']:6.1%}  (n={sq['negatives']})")
    lines.append(f"secrets   {'  detected: value removed':<28} {'share':<8} "
                 f"{sq['removed']:6.1%}  (n={sq['valued']})")
    lines += [f"    missed {t}" for t in sq["missed"][:show_misses]]
    lines += [f"    kept {t}" for t in sq["kept"][:show_misses]]
    lines += [f"    fp {t}" for t in sq["false_positives"][:show_misses]]
    iq = secrets_quality(root, identifiers=True)
    lines.append(f"secrets   {'  + identifiers, positives':<28} {'recall':<8} "
                 f"{iq['recall']:6.1%}  (n={iq['positives']})")
    lines.append(f"secrets   {'  + identifiers, negatives':<28} {'FP rate':<8} "
                 f"{iq['fp_rate']:6.1%}  (n={iq['negatives']})")
    lines += [f"    missed (+identifiers) {t}" for t in iq["missed"][:show_misses]]
    lines += [f"    fp (+identifiers) {t}" for t in iq["false_positives"][:show_misses]
              if t not in sq["false_positives"]]
    own = own_secrets_quality(fresh=True)
    lines.append(f"secrets   {'own set positives (+fresh)':<28} {'recall':<8} "
                 f"{own['recall']:6.1%}  (n={own['positives']})")
    lines.append(f"secrets   {'  detected: value removed':<28} {'share':<8} "
                 f"{own['removed']:6.1%}")
    lines.append(f"secrets   {'own set negatives':<28} {'FP rate':<8} {own['fp_rate']:6.1%}  "
                 f"(n={own['negatives']})")
    lines += [f"    {t}" for t in own["misses"][:show_misses]]
    f2 = fresh2_quality()
    lines.append(f"secrets   {'fresh round 2 positives':<28} {'recall':<8} {f2['recall']:6.1%}  "
                 f"(n={f2['positives']})")
    lines.append(f"secrets   {'  detected: value removed':<28} {'share':<8} "
                 f"{f2['removed']:6.1%}")
    lines.append(f"secrets   {'fresh round 2 negatives':<28} {'FP rate':<8} "
                 f"{f2['fp_rate']:6.1%}  (n={f2['negatives']})")
    lines += [f"    {t}" for t in f2["misses"][:show_misses]]
    for name, q in (("fresh round 3", fresh3_quality()),):
        lines.append(f"secrets   {name + ' positives':<28} {'recall':<8} {q['recall']:6.1%}  "
                     f"(n={q['positives']})")
        lines.append(f"secrets   {'  detected: value removed':<28} {'share':<8} "
                     f"{q['removed']:6.1%}")
        lines.append(f"secrets   {name + ' negatives':<28} {'FP rate':<8} {q['fp_rate']:6.1%}  "
                     f"(n={q['negatives']})")
        lines += [f"    {t}" for t in q["misses"][:show_misses]]
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.quality_content")
    parser.add_argument("root", nargs="?", type=Path, default=DEFAULT_DIR)
    parser.add_argument("--misses", type=int, default=0, help="show up to N misses per set")
    parser.add_argument("--heuristics", action="store_true",
                        help="injection by the heuristics alone (detect.injection_model: "
                        "false; the default adds the learned signal, as policies do)")
    args = parser.parse_args()
    print("\n".join(report(args.root, args.misses, model=not args.heuristics)))


if __name__ == "__main__":
    main()
