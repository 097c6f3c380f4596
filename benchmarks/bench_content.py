"""Content matching: Python ``re`` one regex at a time vs one ``re2.Set`` pass.

The policy measured has 50 keywords and 20 patterns (the issue's sizing). Rows:

- raw matching: every regex with ``re.search`` vs one ``re2.Set.Match`` (no normalization);
- the whole content scan guard does per message (normalization, both views, secrets
  catalog, injection heuristics, keywords, patterns) vs the ``re`` loop alone, on English
  (ASCII) text and on accented text, which takes normalization's non-ASCII path.

Run alone (``python -m benchmarks.bench_content``) and given the evaluation sets
(``../shared/evalsets``), it prints the detection figures of :mod:`benchmarks.quality_content`
too (to stderr); ``python -m benchmarks`` prints them after its table.
"""

from __future__ import annotations

import re
import sys
from typing import Any

from benchmarks.quality_content import DEFAULT_DIR, report
from benchmarks.timing import per_call_us, row

KEYWORDS = tuple(f"codename{i} project" if i % 5 == 0 else f"internalword{i}" for i in range(50))
PATTERNS = tuple((f"id{i}", f"(?:TCK|REQ|EMP){i:02d}-[0-9]{{5}}", "i" if i % 2 else "")
                 for i in range(20))
SENTENCE = ("The quarterly report covers revenue, churn and the roadmap for the next release; "
            "please summarise the main risks and list open questions for the team. ")
ACCENTED = ("Le rapport trimestriel couvre le chiffre d'affaires, les résiliations et la feuille "
            "de route ; résumez les risques et listez les questions ouvertes de l'équipe. ")


def message(size: int, sentence: str = SENTENCE) -> str:
    """A benign message of about ``size`` characters, with one pattern match at the end."""
    text = (sentence * (size // len(sentence) + 1))[: size - 12]
    return text + " TCK00-12345"


def _python_re() -> list[Any]:
    keyword_regexes = [re.compile(rf"\b{re.escape(k)}\b", re.I) for k in KEYWORDS]
    flags = {"": 0, "i": re.I}
    return keyword_regexes + [re.compile(p, flags[f]) for _, p, f in PATTERNS]


def _re2_set() -> Any:
    import re2

    from guard.content.matcher import flagged_source, keyword_regex

    regex_set = re2.Set.SearchSet(re2.Options())
    for keyword in KEYWORDS:
        regex_set.Add(keyword_regex(keyword))
    for _, pattern, flags in PATTERNS:
        regex_set.Add(flagged_source(pattern, flags))
    regex_set.Compile()
    return regex_set


def run(quick: bool = False) -> list[dict[str, Any]]:
    from guard.content.scanner import Detectors, Scanner

    iterations = 200 if quick else 2000
    python = _python_re()
    regex_set = _re2_set()
    full = Scanner(Detectors(secrets=True, prompt_injection=True, keywords=KEYWORDS,
                             patterns=PATTERNS))
    rows = []
    for size in (2_000, 20_000):
        text = message(size)
        n = iterations if size == 2_000 else max(iterations // 10, 20)
        baseline = per_call_us(lambda t=text: [r.search(t) for r in python], n)
        matched = per_call_us(lambda t=text: regex_set.Match(t), n)
        scanned = per_call_us(lambda t=text: full.scan(t), n)
        label = f"{size // 1000} KB"
        rows.append(row(f"content: 50 keywords + 20 patterns, {label}", "re, one by one",
                        baseline, "re2.Set, one pass", matched))
        rows.append(row(f"content: full scan (+secrets, injection), {label}", "re, one by one",
                        baseline, "guard Scanner.scan", scanned))
        accented = message(size, ACCENTED)
        scanned = per_call_us(lambda t=accented: full.scan(t), n)
        rows.append(row(f"content: full scan, {label} accented text", "re, one by one",
                        per_call_us(lambda t=accented: [r.search(t) for r in python], n),
                        "guard Scanner.scan", scanned))
    return rows


def _print_quality() -> None:
    """Standalone runs only: ``python -m benchmarks`` prints quality after its table."""
    if not DEFAULT_DIR.is_dir():
        print(f"content quality: evaluation sets not found at {DEFAULT_DIR}", file=sys.stderr)
        return
    print("content detection quality (benchmarks/quality_content.py):", file=sys.stderr)
    for line in report(DEFAULT_DIR):
        print("  " + line, file=sys.stderr)


if __name__ == "__main__":
    from benchmarks.__main__ import table

    print(table(run(quick=True)))
    _print_quality()
