"""One compiled matcher per content policy: which detectors fire, and where.

Each normalized view gets ``re2.Set`` passes holding every regex that runs on
it, so a segment costs a few linear passes per view however many keywords and
patterns the policy has; only the regexes a set reports are then run again to
find their spans. Spans are mapped back to the original text.

The regexes are split into sets (:mod:`guard.content.grouping`): one DFA over a
hundred heuristics needs more states than its cache holds on varied text and
rebuilds them over and over (~0.7 ms a message on the evaluation sets), while a
few smaller DFAs stay cached (~0.09 ms for the same texts). A set that cannot match
(none of the literals its regexes need occurs) is skipped. Each view's text is encoded
to UTF-8 once for all its sets.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any, NamedTuple

from guard.content.catalog import SecretRule
from guard.content.grouping import plan, probe
from guard.content.normalize import Normalized
from guard.content.partners import partner_spans
from guard.content.secrets import (
    commented_away,
    entropy,
    in_resource_name,
    is_secret,
    reads_as_prose,
)
from guard.regex import RegexError, compile_regex, compile_set, group_spans

SET_SIZE = 32
"""Regexes per ``re2.Set`` by default (measured on the injection heuristics: 16 costs more
passes, 48 starts to thrash)."""

SET_MEMORY = 64 << 20
"""RE2's memory budget for one policy's set (a cap, not an allocation): the default 8 MiB
is too small for the built-in heuristics plus a few dozen Unicode-aware keywords."""


@dataclass(frozen=True, slots=True)
class Hit:
    """A detector matched ``text[start:end]`` of the original segment text."""

    detector: str
    start: int
    end: int
    rank: int = -1  # catalog order of a secret hit: the lower rank names an overlap


@dataclass(frozen=True, slots=True)
class Entry:
    """One regex of a view, and what a match of it means."""

    detector: str
    source: str
    kind: str  # "secret", "keyword", "pattern", "injection", "encoded", "trigger", "probe"
    secret: SecretRule | None = None
    weight: float = 0.0
    label: str = ""  # an injection rule's own name, for the decision trace


@dataclass
class ViewMatch:
    """Which entries of a view matched a text, with their located hits."""

    matched: list[int] = field(default_factory=list)
    hits: list[Hit] = field(default_factory=list)


class ViewMatcher:
    """All regexes that run on one normalized view, behind ``re2.Set`` passes."""

    def __init__(self, entries: Sequence[Entry], set_size: int = SET_SIZE) -> None:
        self.entries = tuple(entries)
        self.regexes = [compile_regex(e.source) for e in self.entries]
        self.groups = [_secret_groups(r.groupindex) for r in self.regexes]
        self.partners = [compile_regex(e.secret.partner) if e.secret and e.secret.partner
                         else None for e in self.entries]
        self.sets = _sets(self.entries, set_size)

    def match(self, view: Normalized, locate: Callable[[Entry], bool]) -> ViewMatch:
        """Run the sets once (a gated set only when its probe matched in the first set);
        locate hits for the matched entries ``locate`` asks for."""
        result = ViewMatch()
        matched: list[int] = []
        first: Any = None  # ids the first set reports: its own entries, then the probes
        data = view.text.encode()
        for members, regex_set, gate, _ in self.sets:
            if gate >= 0 and gate not in first:
                continue
            ids: Any = regex_set.Match(data)  # the stubs say bool; it is a list of ids
            if first is None:
                first = ids or ()
            if ids:
                matched += [members[i] for i in ids if i < len(members)]
        for index in sorted(matched):
            entry = self.entries[index]
            result.matched.append(index)
            if locate(entry):
                result.hits.extend(self.hits(index, view))
        return result

    def spans(self, index: int, view: Normalized) -> list[tuple[int, int]]:
        """Spans (in ``view.text``) of entry ``index``: its ``secret`` group when it has one."""
        groups = self.groups[index]
        found = []
        for spans in group_spans(self.regexes[index], view.text):
            group = next((g for g in groups if spans[g][0] >= 0), None)
            if group is not None:
                found.append(spans[group])
        return found

    def hits(self, index: int, view: Normalized) -> list[Hit]:
        """Located, validated hits of entry ``index`` in original offsets (not where a comment
        on the value's line marks it as an example, unless a provider's prefix is the
        evidence); a rule with a ``partner`` adds the secret found beside each of its matches
        (and, when it is not reported alone, counts only where it has one)."""
        entry = self.entries[index]
        rule, partner = entry.secret, self.partners[index]
        rank = index if rule is not None else -1
        hits = []
        for start, end in self.spans(index, view):
            if rule is not None and not _stands(rule, view.text, start, end):
                continue
            spans = [(start, end)]
            if rule is not None and partner is not None:
                found = partner_spans(partner, rule, view.text, start, end)
                if not found and not rule.alone:
                    continue
                spans += found
            for first, last in spans:
                original = view.span(first, last)
                hits.append(Hit(entry.detector, original[0], original[1], rank))
        return hits


def _stands(rule: SecretRule, text: str, start: int, end: int) -> bool:
    """Whether ``text[start:end]``, found by ``rule``, is a secret in its place: the value
    itself (:func:`is_secret`), and, unless a provider's prefix is the evidence, no comment on
    its line marking it as an example and no sentence it is only a word of."""
    if not is_secret(rule, text[start:end]):
        return False
    return rule.evidence == "prefix" or not (commented_away(text, end) or (
        rule.evidence == "name" and (reads_as_prose(text, start, end)
                                     or in_resource_name(text, start))))


class SetPass(NamedTuple):
    """One ``re2.Set`` of a view: its entries' indices, the compiled set, and for a gated
    set the id of its probe in the first set (-1: not gated) and the probe's regex."""

    members: tuple[int, ...]
    regex_set: Any
    gate: int = -1
    probe: str = ""


def _sets(entries: tuple[Entry, ...], size: int) -> list[SetPass]:
    """The sets of a view; the probes of the gated ones follow the first set's entries."""
    groups = plan([e.source for e in entries], size)
    probes = [probe(group.needs) for group in groups if group.needs is not None]
    first = len(groups[0].members) if groups else 0
    sets, gate = [], first
    for number, group in enumerate(groups):
        sources = [entries[i].source for i in group.members] + (probes if number == 0 else [])
        if group.needs is None:
            sets.append(SetPass(group.members, _compiled_set(sources)))
        else:
            sets.append(SetPass(group.members, _compiled_set(sources), gate, probes[gate - first]))
            gate += 1
    return sets


def _compiled_set(sources: Sequence[str]) -> Any:
    import re2  # lazy: importing guard must not load RE2

    try:
        return compile_set(sources, SET_MEMORY)
    except re2.error as exc:
        raise RegexError(f"{len(sources)} of the keywords, patterns and built-in rules of this "
                         "policy do not fit in one RE2 set; split the policy") from exc


def _secret_groups(names: dict[str, int]) -> tuple[int, ...]:
    """The group(s) holding the secret: ``secret``, or ``secret_*`` when alternatives each
    need their own (RE2 names a group once); the whole match when there is none."""
    groups = tuple(i for name, i in sorted(names.items(), key=lambda item: item[1])
                   if name == "secret" or name.startswith("secret_"))
    return groups or (0,)


def named_hits(hits: list[Hit]) -> list[Hit]:
    """Hits that name a detector: of overlapping secret hits, only the earliest catalog entry.

    ``OPENAI_API_KEY=sk-proj-...`` is an ``openai_api_key``, not also a
    ``generic_secret_assignment``. Every hit is still redacted.
    """
    kept: list[Hit] = []
    taken = bytearray(max((h.end for h in hits), default=0) + 1)  # a mask: linear, not pairs
    for hit in sorted(hits, key=lambda h: (h.rank < 0, h.rank, h.start)):
        if hit.rank < 0:
            kept.append(hit)
        elif taken.find(1, hit.start, max(hit.end, hit.start + 1)) < 0:
            taken[hit.start:hit.end] = b"\x01" * (hit.end - hit.start)
            kept.append(hit)
    return sorted(kept, key=lambda h: h.start)


REPEAT_MIN_CHARS = 8
"""A found secret shorter than this (or below :data:`REPEAT_MIN_ENTROPY`) is not searched
for elsewhere: ``secret`` as a URL's password must not take every "secret" of the text."""

REPEAT_MIN_ENTROPY = 2.5

REPEAT_MAX_VALUES = 64
"""Distinct values searched for again in one text, at most."""

REPEAT_FIND_VALUES = 4
"""Up to this many values, a ``str.find`` pass each (no regex to compile); more, one RE2
pass of their alternation."""


def repeated_hits(text: str, hits: list[Hit]) -> list[Hit]:
    """Hits for each found secret's other occurrences in ``text``.

    A value, once a rule has found it a secret, is that secret wherever it stands: the
    token exported on one line and pasted into a ``curl`` header on the next, the password
    compared in code and set in config. Redacting the one place the rule saw would leave
    the value in the text. The search stays linear (:func:`_occurrences`); an occurrence
    inside a longer run of letters and digits is another word and is left alone.
    """
    values: dict[str, Hit] = {}
    for hit in hits:
        value = text[hit.start:hit.end]
        if hit.rank >= 0 and len(value) >= REPEAT_MIN_CHARS and value not in values \
                and entropy(value) >= REPEAT_MIN_ENTROPY and len(values) < REPEAT_MAX_VALUES:
            values[value] = hit
    if not values:
        return []
    taken = {(h.start, h.end) for h in hits}
    found = []
    for start, end in _occurrences(text, list(values)):
        if (start, end) in taken or _inside_a_word(text, start, end):
            continue
        hit = values[text[start:end]]
        found.append(Hit(hit.detector, start, end, hit.rank))
    return found


def _occurrences(text: str, values: list[str]) -> Iterator[tuple[int, int]]:
    """Spans of ``values`` in ``text``: ``str.find`` for a few (each pass linear), one RE2
    pass of their alternation for more."""
    if len(values) <= REPEAT_FIND_VALUES:
        for value in values:
            start = text.find(value)
            while start >= 0:
                yield start, start + len(value)
                start = text.find(value, start + len(value))
        return
    import re2

    regex = compile_regex("|".join(re2.escape(v) for v in sorted(values, key=len, reverse=True)))
    for match in regex.finditer(text):
        yield match.span()


def _inside_a_word(text: str, start: int, end: int) -> bool:
    return (start > 0 and text[start - 1].isalnum() and text[start].isalnum()) or \
        (end < len(text) and text[end].isalnum() and text[end - 1].isalnum())


def keyword_regex(folded_keyword: str) -> str:
    """A whole-word, separator-tolerant regex for a keyword already normalized."""
    import re2

    words = folded_keyword.split()
    body = "[^\\pL\\pN]*".join(re2.escape(word) for word in words)
    return f"(?:^|[^\\pL\\pN_])(?P<secret>{body})(?:[^\\pL\\pN_]|$)"


def flagged_source(regex: str, flags: str) -> str:
    """A user pattern with its flags inline, as an ``re2.Set`` needs them."""
    return f"(?{flags}){regex}" if flags else regex

