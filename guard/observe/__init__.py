"""What the middleware and ``guard serve`` need besides the engine: see what guard decides.

- :class:`DecisionLog`: one JSON line per request, with hashes, names and counts only;
- :class:`Metrics`: Prometheus counters and histograms, in a registry of their own;
- :class:`PolicyReloader`: recompile the policy set on change or SIGHUP, swap atomically;
- :class:`Observer`: the two above as the middleware uses them, once per exchange.
"""

from guard.observe.decision_log import DecisionLog, DecisionLogError
from guard.observe.metrics import Metrics
from guard.observe.observer import Observer
from guard.observe.reload import PolicyReloader

__all__ = ["DecisionLog", "DecisionLogError", "Metrics", "Observer", "PolicyReloader"]
