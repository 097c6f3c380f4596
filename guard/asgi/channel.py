"""One stream of answer text (a choice, a content block, tool-call arguments) on its way out.

Text is released only when it is confirmed safe. Without output policies that
is at once (only a pseudonym token split across chunks waits for its end).
With them, the channel holds back the last ``holdback`` characters and never
releases part of a word, so every match of up to ``holdback`` characters, and
every match inside one whitespace-free run (keys, e-mails, URLs), is seen whole
by the output checks before any of it leaves. Pseudonyms are restored after the
checks, as for whole answers.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from guard.engine.output import TextScan
from guard.engine.run import Denial
from guard.pii.pseudonyms import Restorer

Scan = Callable[[str], Awaitable[TextScan]]
MAX_WORD = 512
"""A whitespace-free run longer than this is released even unfinished (bounded memory)."""


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
        self.holdback = holdback if scan is not None else 0
        self.pending = ""
        self.violations: dict[str, object] = {}

    async def feed(self, text: str) -> Released:
        self.pending += text
        return await self._release(final=False)

    async def finish(self) -> Released:
        released = await self._release(final=True)
        tail = self.restorer.flush() if self.restorer is not None else ""
        return Released(released.text + tail, released.denial)

    async def _release(self, final: bool) -> Released:
        if self.scan is not None and self.pending:
            scanned = await self.scan(self.pending)
            for violation in scanned.violations:
                self.violations.setdefault(violation.policy, violation)
            if scanned.denial is not None:
                self.pending = ""
                return Released("", scanned.denial)
            self.pending = scanned.text
        cut = len(self.pending) if final else self._cut()
        out, self.pending = self.pending[:cut], self.pending[cut:]
        return Released(self._restore(out))

    def _cut(self) -> int:
        if self.holdback == 0:
            return len(self.pending)
        limit = len(self.pending) - self.holdback
        if limit <= 0:
            return 0
        space = max(self.pending.rfind(c, 0, limit + 1) for c in " \n\t")
        if space >= 0:
            return space + 1
        return limit if limit > MAX_WORD else 0

    def _restore(self, text: str) -> str:
        if self.restorer is None or not text:
            return text
        return self.restorer.feed(text)
