"""One stream of answer text (a choice, a content block, tool-call arguments) on its way out.

Text leaves only once the output checks have seen it, and as early as that can
be said: a channel holds back the word still being written (so a key, an
address or a URL, which contain no spaces, is always checked whole), a trailing
run of number groups (so ``+1 415 555 0199`` or a card in groups of four is not
let out group by group), and at least ``holdback`` characters when set. Each
check runs over the held text plus the last released characters, so a phrase
that began in text already sent is still recognised: a block then ends the
stream before its last word leaves, a redaction covers what is still held.
Pseudonyms are restored after the checks, as for whole answers.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from guard.engine.decision import PolicyTrace, merged
from guard.engine.output import TextScan
from guard.engine.run import Denial
from guard.pii.pseudonyms import Restorer

Scan = Callable[[str], Awaitable[TextScan]]
MAX_WORD = 512
"""A whitespace-free run longer than this is released even unfinished (bounded memory)."""
MAX_NUMBERS = 96
"""How far back a trailing run of number groups may hold text."""
CONTEXT = 256
"""Released characters each check sees again, for phrases that began in them."""
_SPACE = " \n\t"


@dataclass
class Released:
    """What a channel lets out after a piece of text: text, or the denial that ends it."""

    text: str
    denial: Denial | None = None


class Channel:
    """Holds back, checks, restores and releases one text stream."""

    def __init__(self, scan: Scan | None, restorer: Restorer | None, holdback: int) -> None:
        self.scan = scan
        self.restorer = restorer
        self.holdback = holdback
        self.pending = ""
        self.context = ""  # the tail of what was released, as the model wrote it
        self.parts: list[str] = []  # all that was released, as the checks left it
        self.violations: dict[str, object] = {}
        self.traces: dict[str, PolicyTrace] = {}  # each policy's scans, merged

    @property
    def checked(self) -> str:
        """All that was released, as the checks left it (before restore)."""
        return "".join(self.parts)

    async def feed(self, text: str) -> Released:
        self.pending += text
        return await self._release(final=False)

    async def finish(self) -> Released:
        released = await self._release(final=True)
        tail = self.restorer.flush() if self.restorer is not None else ""
        return Released(released.text + tail, released.denial)

    async def _release(self, final: bool) -> Released:
        if self.scan is None:
            out, self.pending = self.pending, ""
            self.parts.append(out)
            return Released(self._restore(out))
        cut = len(self.pending) if final else held_from(self.pending, self.holdback)
        if cut == 0:
            return Released("")
        scanned = await self.scan(self.context + self.pending)
        for violation in scanned.violations:
            self.violations.setdefault(violation.policy, violation)
        for trace in scanned.trace:
            known = self.traces.get(trace.policy)
            self.traces[trace.policy] = trace if known is None else merged(known, trace)
        if scanned.denial is not None:
            self.pending = ""
            return Released("", scanned.denial)
        self.pending = _after_context(scanned.text, self.context)
        cut = len(self.pending) if final else held_from(self.pending, self.holdback)
        out, self.pending = self.pending[:cut], self.pending[cut:]
        self.context = (self.context + out)[-CONTEXT:]
        self.parts.append(out)
        return Released(self._restore(out))

    def _restore(self, text: str) -> str:
        if self.restorer is None or not text:
            return text
        return self.restorer.feed(text)


def held_from(text: str, holdback: int = 0) -> int:
    """Where the held part of ``text`` starts: everything before it may be released."""
    space = max(text.rfind(c) for c in _SPACE)
    if space < 0:
        return max(0, len(text) - MAX_WORD)
    cut = space + 1
    floor = max(0, cut - MAX_NUMBERS)
    while cut > floor:
        start = max(text.rfind(c, 0, cut - 1) for c in _SPACE) + 1
        if not _numeric(text[start:cut - 1]):
            break
        cut = start
    return max(0, min(cut, len(text) - holdback))


def _numeric(word: str) -> bool:
    """A group that may belong to a phone, card, account or id number."""
    return (bool(word) and any(c.isdigit() for c in word)) or word in ("+", "(", "-")


def _after_context(edited: str, context: str) -> str:
    """The held text after a check: what follows the (unchanged) context.

    When a redaction reached back into the context (a phrase that began in
    released text), what was released stays released; the replacement and the
    rest follow it.
    """
    if edited.startswith(context):
        return edited[len(context):]
    common = 0
    for a, b in zip(edited, context, strict=False):
        if a != b:
            break
        common += 1
    return edited[common:]
