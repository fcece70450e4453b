"""A short run of ``bench/load.py``: mixed traffic from 20 clients for 10 s (after warm-up).

The full run (60 s, 50 clients, p99 of dereferencing under 100 ms) is ``bench/load.py`` itself;
here the figures are printed and the test asserts what must hold on any machine: no errors
apart from the documented 429/503, every kind of request answered, and dereferencing p99 far
below what a stalled or starving server shows (seconds).
"""

from __future__ import annotations

import json
import subprocess
import sys

from tests.conftest import ROOT


def test_short_mixed_load(built_store):
    command = [sys.executable, str(ROOT / "bench" / "load.py"), "--store", str(built_store)]
    command += ["--duration", "10", "--users", "20", "--warmup", "10", "--json"]
    done = subprocess.run(command, capture_output=True, text=True, timeout=300)
    figures = json.loads(done.stdout.strip().splitlines()[-1])
    print(f"\nshort load (20 clients, 10 s): {json.dumps(figures, indent=1)}")
    assert figures["failures"] == 0, figures["errors"]
    for kind in ("dereference", "small query", "heavy query"):
        assert figures[kind]["requests"] > 0
        assert set(figures[kind]["statuses"]) <= {"200", "429", "503"}
    assert figures["dereference"]["p99_ms"] < 1000
