"""guard serve freezes its start-up heap (and collects its young generation less often); a
reload collects the old set and freezes again.

Run in a child process: freezing the test process's heap would keep every later test's
garbage from the cyclic collector.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

SCRIPT = """
import gc, sys
from guard.serve.app import build_app, freeze_heap
app = build_app(sys.argv[1], "http://127.0.0.1:9")
assert gc.get_freeze_count() == 0
freeze_heap()
frozen = gc.get_freeze_count()
assert frozen > 1000, frozen
assert gc.get_threshold()[0] == 10_000  # young objects collected less often than at 700
with open(sys.argv[1], "a") as f:
    f.write("  - {name: extra, type: rule, deny_if: 'false'}\\n")
from guard.observe import PolicyReloader
reloader = next(c.cell_contents for c in app.source.__closure__
                if isinstance(c.cell_contents, PolicyReloader))  # behind the middleware
before = app.source().revision
assert reloader.reload()
fresh = app.source()
assert gc.is_tracked(fresh)
assert not any(o is fresh for o in gc.get_objects())  # frozen: in no generation the GC scans
assert app.source().revision != before
print("ok")
"""

POLICIES = """version: 1
settings: {store: "memory://", decision_log: none}
policies:
  - {name: size, type: rule, deny_if: "size(request.messages) > 50"}
"""


def test_serve_freezes_its_heap_and_refreezes_after_a_reload(tmp_path: Path) -> None:
    policies = tmp_path / "p.yaml"
    policies.write_text(POLICIES)
    done = subprocess.run([sys.executable, "-c", SCRIPT, str(policies)], capture_output=True,
                          text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.strip() == "ok"
