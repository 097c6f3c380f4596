"""What the middleware and ``guard serve`` need besides the engine: see what guard decides.

- :class:`DecisionLog`: one JSON line per request, with hashes, names and counts only.
"""

from guard.observe.decision_log import DecisionLog, DecisionLogError

__all__ = ["DecisionLog", "DecisionLogError"]
