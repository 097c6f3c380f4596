"""The generated training corpus: reproducible, split by template, apart from the public sets."""

from __future__ import annotations

import json
import os
import random
from collections import Counter
from itertools import islice
from pathlib import Path

import pytest

from training import attacks, benign
from training.corpus import SLOT, SLOTS, expand, rows, split_of

EVALSETS = Path(os.environ.get("GUARD_EVALSETS",
                               Path(__file__).parents[3] / "shared" / "evalsets"))


def test_the_corpus_is_the_same_every_run() -> None:
    first = list(islice(rows(per_template=3), 400))
    assert first == list(islice(rows(per_template=3), 400))


def test_every_slot_is_defined_and_expands() -> None:
    templates = [t for ts in attacks.CLASSES.values() for t in ts] + benign.BENIGN
    for template in templates + [f for fillers in SLOTS.values() for f in fillers]:
        unescaped = template.replace("{{", "").replace("}}", "")
        assert set(SLOT.findall(unescaped)) <= set(SLOTS) | {"blob", "reversed"}, template
    for template in templates:
        if "{blob}" not in template and "{reversed}" not in template:  # filled by _attack
            assert expand(template, random.Random(1)).strip()


def test_every_fourth_template_is_held_out() -> None:
    assert [split_of(i) for i in range(8)] == ["train"] * 3 + ["heldout"] + ["train"] * 3 + [
        "heldout"]
    assert SLOTS["ignore"] and SLOTS["cover"]


def test_the_training_code_never_reads_the_public_sets() -> None:
    sources = "".join(p.read_text("utf-8") for p in (Path(__file__).parents[2] / "training")
                      .glob("*.py"))
    assert "injection_eval" not in sources and "xstest" not in sources
    assert "evalsets" not in sources.replace("public evaluation sets", "")


@pytest.mark.skipif(not EVALSETS.is_dir(), reason=f"no evaluation sets at {EVALSETS}")
def test_no_public_evaluation_text_is_in_the_corpus() -> None:
    public = {json.loads(line)["text"].strip() for name in ("injection_eval", "xstest")
              for line in (EVALSETS / "injection" / f"{name}.jsonl").read_text("utf-8")
              .split("\n") if line.strip()}
    corpus = Counter(str(r["text"]).strip() for r in rows(per_template=5))
    assert not public & set(corpus)
