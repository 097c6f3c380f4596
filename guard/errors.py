"""One error hierarchy for guard.

Everything guard raises on purpose derives from :class:`GuardError`, so callers
can catch one type. Policy loading collects many :class:`Problem` records and
raises them together as one :class:`PolicyError`, because a user fixing a
policy set wants every mistake at once, not one per run.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

Severity = Literal["error", "warning"]


class GuardError(Exception):
    """Base of every error guard raises on purpose."""


@dataclass(frozen=True, order=True)
class Problem:
    """One thing wrong with a policy set, located as precisely as we can.

    An ``error`` stops the set from loading; a ``warning`` (something that will fail at
    run time for some requests) does not, and is shown by ``guard lint``.
    """

    file: str
    line: int
    path: str
    message: str
    severity: Severity = "error"

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}" if self.line else self.file
        message = f"warning: {self.message}" if self.severity == "warning" else self.message
        return f"{where}: {self.path}: {message}" if self.path else f"{where}: {message}"


class PolicyError(GuardError):
    """A policy set could not be loaded; carries every problem found (``problems``: the
    errors, ``warnings``: what lint would also report)."""

    def __init__(self, problems: Sequence[Problem], warnings: Sequence[Problem] = ()) -> None:
        self.problems = tuple(problems)
        self.warnings = tuple(warnings)
        super().__init__("\n".join(str(p) for p in self.problems))


class CelError(GuardError):
    """A CEL expression failed to compile (syntax, undeclared name, wrong type)."""


class CelEvaluationError(GuardError):
    """A CEL expression failed at run time (missing key, bad overload...)."""


NOT_JSON = "request body is not valid JSON"
"""How a refusal of unparsable JSON begins (JSON-RPC answers it with its own Parse error)."""


class RequestError(GuardError):
    """A request body could not be understood (not JSON, not an object...)."""


class CheckError(GuardError):
    """A policy's check itself failed; handled by the policy's ``on_error``.

    ``public`` is what the caller's 503 may say (by default the message): never an address,
    a file path or an exception's name, which go to guard's logger with the message.
    """

    def __init__(self, message: str, public: str | None = None) -> None:
        super().__init__(message)
        self.public = message if public is None else public
