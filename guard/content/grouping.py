"""Which regexes of a view share one ``re2.Set``: few passes, and DFAs that stay cached.

Every set costs one pass over the text, so fewer, larger sets are cheaper, until a set's
DFA needs more states than its cache holds and rebuilds them text after text. How many
states a set needs depends less on its size than on what its regexes keep alive at once:

- a *wide-start* regex begins with a character run whose length varies widely (a name of
  up to 30 characters before ``password``, a URL scheme of up to 20): a match may start at
  any of those characters, so the DFA carries a counter per start, and two such regexes in
  one set multiply their states. On a stream of varied code they thrashed a set of 32
  secrets rules (0.24 ms per text instead of ~0.005); they go in small sets of their own;
- the other regexes start with a literal, a fixed-length run, or an unbounded one (one
  counter that saturates), and share sets of the size the view asks for.

A wide set is also *gated*: every match of its regexes contains one of a few literals
(``password``, ``://``), and a literal probe for them rides along in the first set, whose
pass runs anyway. Where the probe finds none, the wide set cannot match and is skipped.
The grouping only decides which passes run; every regex that can match is run as before.
"""

from __future__ import annotations

import importlib
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

WIDE = 10
"""A leading run whose length may vary by this many characters or more is wide."""

WIDE_SET_SIZE = 3
"""Wide-start regexes per set: five in one set thrashed on varied code, three did not."""

_parser: Any = importlib.import_module("re._parser")  # the stdlib's own regex parser
_ops: Any = importlib.import_module("re._constants")
_CLASS = frozenset({"IN", "NOT_LITERAL", "ANY", "AT"})  # one character of a class, or none
_ONE_CHAR = _CLASS | {"LITERAL"}
_POSIX_CLASS = re.compile(r"\[:\^?[a-z]+:\]")  # RE2 syntax Python reads differently
_WARNS = ("[[", "--", "&&", "~~", "||")  # what Python's parser warns about (set operations)
Tree = list[tuple[Any, Any]]


@dataclass(frozen=True, slots=True)
class Group:
    """Indices of the regexes of one set, and for a gated set the literals one of which
    every match of its regexes contains."""

    members: tuple[int, ...]
    needs: frozenset[str] | None = None


def plan(sources: Sequence[str], size: int) -> list[Group]:
    """The sets of a view: narrow regexes by ``size``, then wide-start ones by three."""
    trees = [_parse(source) for source in sources]
    wide = [tree is not None and _wide(tree) for tree in trees]
    narrow = [Group(chunk) for chunk in _chunks([i for i, w in enumerate(wide) if not w], size)]
    gated = [Group(chunk, _needs([trees[i] for i in chunk]) if narrow else None)
             for chunk in _chunks([i for i, w in enumerate(wide) if w], WIDE_SET_SIZE)]
    return narrow + gated


def wide_start(source: str) -> bool:
    """True when a match of ``source`` can begin with a widely varying character run."""
    tree = _parse(source)
    return tree is not None and _wide(tree)


def probe(needs: frozenset[str]) -> str:
    """A regex matching wherever one of ``needs`` occurs, in any case."""
    import re2  # lazy: importing guard must not load RE2

    return "(?i:" + "|".join(re2.escape(literal) for literal in sorted(needs)) + ")"


def _parse(source: str) -> Tree | None:
    """``source`` read with Python's parser, which knows RE2's syntax but for a few forms
    it rejects (``\\pL``), reads otherwise (``[[:alpha:]]``) or warns about (``[a--]``);
    those give ``None`` and are grouped and run as every regex was before this grouping."""
    if _POSIX_CLASS.search(source) or any(mark in source for mark in _WARNS):
        return None
    try:
        return list(_parser.parse(source))
    except Exception:  # any failure only means "group it as before"
        return None


def _wide(items: Tree) -> bool:
    """Walk the leading elements: a literal ends the walk, single class characters (a
    boundary) are passed over."""
    for op, arg in items:
        name = str(op)
        if name in _CLASS:
            continue
        if name == "BRANCH":
            if all(_one_char(list(branch)) for branch in arg[1]):
                continue  # a boundary such as (?:^|[^a-z0-9])
            return any(_wide(list(branch)) for branch in arg[1])
        if name == "SUBPATTERN":
            return _wide(list(arg[3]))
        if name in ("MAX_REPEAT", "MIN_REPEAT"):
            low, high, body = arg
            if not _one_char(list(body)):
                return _wide(list(body))
            return bool(high < _ops.MAXREPEAT and high - low >= WIDE)
        return False
    return False


def _one_char(items: Tree) -> bool:
    return len(items) <= 1 and all(str(op) in _ONE_CHAR for op, _ in items)


def _needs(trees: list[Tree | None]) -> frozenset[str] | None:
    """Literals one of which every match of every tree contains (``None``: no such set)."""
    found: set[str] = set()
    for tree in trees:
        needs = _required(tree) if tree is not None else None
        if needs is None:
            return None
        found |= needs
    return frozenset(found)


def _required(items: Tree) -> frozenset[str] | None:
    """Literals one of which every match of the sequence ``items`` contains: of what each
    element requires (runs of literal characters, groups, alternations, repeats done at
    least once), the most selective, the one whose shortest literal is longest (the later
    one on a tie: ``key`` of ``api_?key``)."""
    options: list[frozenset[str]] = []
    run = ""
    for op, arg in items:
        name = str(op)
        if name == "LITERAL":
            run += chr(arg)
            continue
        if run and name == "BRANCH":  # Python's parser moved the branches' common prefix out
            options.append(frozenset(run + _leading(list(branch)) for branch in arg[1]))
        if run:
            options.append(frozenset({run}))
            run = ""
        needs = _element(name, arg)
        if needs:
            options.append(needs)
    if run:
        options.append(frozenset({run}))
    return max(reversed(options), key=lambda needs: min(map(len, needs)), default=None)


def _leading(items: Tree) -> str:
    """The literal characters a sequence starts with."""
    run = ""
    for op, arg in items:
        if str(op) != "LITERAL":
            break
        run += chr(arg)
    return run


def _element(name: str, arg: Any) -> frozenset[str] | None:
    if name == "SUBPATTERN":
        return _required(list(arg[3]))
    if name == "BRANCH":
        branches = [_required(list(branch)) for branch in arg[1]]
        if any(needs is None for needs in branches):
            return None
        return frozenset().union(*(needs for needs in branches if needs is not None))
    if name in ("MAX_REPEAT", "MIN_REPEAT") and arg[0] >= 1:
        return _required(list(arg[2]))
    return None


def _chunks(indices: list[int], size: int) -> list[tuple[int, ...]]:
    return [tuple(indices[i:i + size]) for i in range(0, len(indices), size)]
