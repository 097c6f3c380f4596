# ruff: noqa: RUF001  (text in other scripts, and look-alike letters, on purpose)
"""The generated training and held-out corpus (fixed seed: the same rows every run).

Rows are ``{"text", "label", "cls", "split"}``, and ``core`` for an attack placed among
ordinary texts: the attack alone, which is what the fit learns from (the ordinary texts
around it must not be learnt as evidence). Every fourth template of each class
(attack or benign) and every fourth standard-library paragraph is ``heldout``: the model
is fitted on ``train`` only, so the held-out figures measure phrasings it never saw.
The public evaluation sets are never read here.
"""

from __future__ import annotations

import base64
import codecs
import random
import re
from collections.abc import Iterator

from training import attacks, benign, games, languages, locales
from training.grammar import GRAMMAR

SEED = 18
SLOT = re.compile(r"\{([a-z_]+)\}")
_PARTS = (GRAMMAR, attacks.EXTRA, languages.LOCAL, benign.EXTRA, games.EXTRA, locales.SLOTS)
SLOTS: dict[str, list[str]] = {k: v for part in _PARTS for k, v in part.items()}
assert len(SLOTS) == sum(map(len, _PARTS)), "a slot name is defined twice"
HOMOGLYPHS = {"a": "а", "e": "е", "o": "о", "i": "і", "c": "с", "p": "р"}
INVISIBLE = ["\u200b", "\u200c", "\u2060", "\ufeff"]


def expand(template: str, rng: random.Random, depth: int = 0) -> str:
    """Fill every ``{slot}`` with a random filler, recursively (``{{`` stays a brace)."""
    if depth > 4:
        return template
    parts = template.replace("{{", "\0").replace("}}", "\1")
    filled = SLOT.sub(lambda m: expand(rng.choice(SLOTS[m.group(1)]), rng, depth + 1), parts)
    text = filled.replace("\0", "{").replace("\1", "}")
    return re.sub(r" +([.,:;!?])", r"\1", re.sub(r"  +", " ", text)).strip()


def split_of(index: int) -> str:
    return "heldout" if index % 4 == 3 else "train"


def rows(per_template: int = 40, seed: int = SEED) -> Iterator[dict[str, object]]:
    """Every distinct row of the corpus, attacks and benign, in a fixed order (a template
    without slots gives one row, not ``per_template`` copies that would outweigh others)."""
    seen: set[str] = set()
    for row in _all_rows(per_template, seed):
        if row["text"] not in seen:
            seen.add(str(row["text"]))
            yield row


def _all_rows(per_template: int, seed: int) -> Iterator[dict[str, object]]:
    rng = random.Random(seed)
    for cls, templates in attacks.CLASSES.items():
        for index, template in enumerate(templates):
            for _ in range(per_template):
                text = _attack(cls, template, rng)
                yield {"text": _variant(text, rng), "label": 1, "cls": cls,
                       "split": split_of(index)}
    for index, template in enumerate(benign.BENIGN):
        for _ in range(per_template):
            text = expand(template, rng)
            yield {"text": _variant(text, rng, attack=False), "label": 0, "cls": "benign",
                   "split": split_of(index)}
    for cls in ("goal_hijack", "latent"):
        for index, template in enumerate(attacks.CLASSES[cls]):
            for _ in range(per_template // 2):
                yield {"text": _variant(expand(twin(template), rng), rng, attack=False),
                       "label": 0, "cls": "carrier", "split": split_of(index)}
    for index, text in enumerate(benign.stdlib_texts(rng, 7000)):
        yield {"text": text, "label": 0, "cls": "stdlib", "split": split_of(index)}
    yield from _mixed(rng, per_template)


def twin(template: str) -> str:
    """The harmless carrier of an attack template: the application's own request and its
    data without the injected part ("Summarize the report: ..."), so the words of the
    carrier are learnt as neutral and only what is injected counts."""
    if "{hidden_note}" in template:
        return template.replace("{hidden_note}", "{cover}")
    if "{cover}" in template:
        return template[:template.index("{cover}") + len("{cover}")]
    return "{cover}"


def _attack(cls: str, template: str, rng: random.Random) -> str:
    if cls != "encoded":
        return expand(template, rng)
    inner = expand(rng.choice(attacks.OVERRIDE), rng)
    blob = rng.choice([
        base64.b64encode(inner.encode()).decode(), inner.encode().hex(),
        codecs.encode(inner, "rot13")])
    return expand(template.replace("{blob}", blob).replace("{reversed}", inner[::-1]), rng)


def _mixed(rng: random.Random, count: int) -> Iterator[dict[str, object]]:
    """An attack after or before ordinary text, and two benign texts together: where
    an attack sits in a message is no signal."""
    train = [t for i, t in enumerate(benign.BENIGN) if split_of(i) == "train"]
    held = [t for i, t in enumerate(benign.BENIGN) if split_of(i) == "heldout"]
    for split, pool in (("train", train), ("heldout", held)):
        for _ in range(count * 15):
            cls = rng.choice(list(attacks.CLASSES))
            templates = [t for i, t in enumerate(attacks.CLASSES[cls]) if split_of(i) == split]
            covers = [expand(rng.choice(pool), rng) for _ in range(rng.randint(1, 3))]
            attack = _attack(cls, rng.choice(templates), rng)
            covers.insert(rng.randint(0, len(covers)), attack)
            yield {"text": rng.choice(["\n\n", " ", "\n"]).join(covers), "label": 1,
                   "cls": "mixed", "split": split, "core": attack}
            parts = [expand(rng.choice(pool), rng) for _ in range(rng.randint(2, 5))]
            yield {"text": rng.choice(["\n\n", " ", "\n"]).join(parts), "label": 0,
                   "cls": "benign_mixed", "split": split}


def _variant(text: str, rng: random.Random, attack: bool = True) -> str:
    """The evasions an attacker tries (case, spacing, look-alikes, invisible characters),
    on both classes: the model must learn from words, not from their disguise. A benign
    text is sometimes repeated: repetition is the flooding heuristic's business, and must
    not turn harmless words into evidence."""
    if not attack and rng.random() < 0.08:
        return " ".join([text] * rng.randint(2, 4))
    roll = rng.random()
    if roll < 0.1:
        return text.upper()
    if roll < 0.15:
        return text.lower()
    if roll < 0.2:
        return "".join(HOMOGLYPHS.get(c, c) if rng.random() < 0.3 else c for c in text)
    if roll < 0.25:
        return "".join(c + rng.choice(INVISIBLE) if c.isalpha() and rng.random() < 0.3
                       else c for c in text)
    if roll < 0.3:
        return re.sub(" ", lambda _: " " * rng.randint(1, 3), text)
    return text
