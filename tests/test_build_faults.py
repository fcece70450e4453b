"""A build killed at any point (SIGKILL) never damages the served store; the next build works.

The builds are real ``hcn-ld build`` processes. Their stderr is a pseudo-terminal, so they show
the progress bar a user sees ("reading and mapping data/", "validating ...", "publishing"); the
test kills on those words, on what appears in the store directory (a new generation, its
database files, its manifest), and after random delays. Afterwards it works out from the store
directory where the kill landed and checks that ``current`` is a complete generation — the last
good one, or the new one if the kill came after the swap — which opens and answers queries, and
that a server running on the store all along keeps answering.
"""

from __future__ import annotations

import fcntl
import json
import os
import pty
import random
import signal
import struct
import subprocess
import termios
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path

import pytest
import requests

from hcn_ld.store.local import LocalStore
from tests.conftest import HCN_LD, run_cli
from tests.support.server import running_server

PARTNERS = "SELECT ?n WHERE { ?p <https://w3id.org/hcn/ontology#partnerCount> ?n }"


class Build:
    """A running ``hcn-ld build`` whose progress bar (on a pseudo-terminal) can be watched."""

    def __init__(self, store: Path, data: Path | None = None) -> None:
        self.store = store
        self.before = current(store)
        self.existing = set(os.listdir(store / "generations"))
        master, slave = pty.openpty()
        fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 200, 0, 0))
        os.set_blocking(master, False)
        args = [HCN_LD, *(["--data", str(data)] if data else []), "build", "--store", str(store)]
        self.started = time.monotonic()
        self.process = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=slave)
        os.close(slave)
        self.master = master
        self.progress = ""

    def read(self) -> str:
        try:
            self.progress += os.read(self.master, 65536).decode("utf-8", "replace")
        except (BlockingIOError, OSError):
            pass
        return self.progress

    def kill_when(self, condition: Callable[[Build], bool], timeout: float = 60) -> bool:
        """SIGKILL the build as soon as ``condition`` holds; False if it finished first."""
        deadline = time.monotonic() + timeout
        while self.process.poll() is None and time.monotonic() < deadline:
            self.read()
            if condition(self):
                self.process.send_signal(signal.SIGKILL)
                break
        killed = self.process.wait(timeout=timeout) == -signal.SIGKILL
        os.close(self.master)
        return killed

    def new_generations(self) -> list[Path]:
        """The generations this build created."""
        folder = self.store / "generations"
        return [p for p in folder.iterdir() if p.name not in self.existing]


def current(store: Path) -> str:
    return Path(os.readlink(store / "current")).name


def says(words: str, delay: float = 0.0) -> Callable[[Build], bool]:
    """Kill once the progress bar shows ``words`` (plus ``delay`` seconds)."""
    seen: list[float] = []

    def condition(build: Build) -> bool:
        if not seen and words in build.progress:
            seen.append(time.monotonic())
        return bool(seen) and time.monotonic() - seen[0] >= delay

    return condition


def appears(relative: str) -> Callable[[Build], bool]:
    """Kill once a new generation holds ``relative`` ("" = the generation directory itself)."""

    def condition(build: Build) -> bool:
        for generation in build.new_generations():
            target = generation / relative
            if target.exists() and (not target.is_dir() or not relative or any(target.iterdir())):
                return True
        return False

    return condition


def after(seconds: float) -> Callable[[Build], bool]:
    """Kill ``seconds`` after the build started."""
    return lambda build: time.monotonic() - build.started >= seconds


def where_it_landed(build: Build) -> str:
    """Where the kill landed, read from what it left in the store directory."""
    new = build.new_generations()
    if current(build.store) != build.before:
        return "after the swap"
    if not new:
        return "before creating a generation (mapping, validation)"
    if any((g / "manifest.json").exists() for g in new):
        return "between manifest and swap"
    return "while loading the new generation"


def assert_serves_a_complete_generation(store: Path, allowed: set[str]) -> None:
    generation = current(store)
    assert generation in allowed, f"current -> {generation}, expected one of {allowed}"
    manifest = json.loads((store / "generations" / generation / "manifest.json").read_text())
    served = LocalStore(store)
    assert served.graphs() == manifest["graphs"]
    for graph, triples in manifest["graphs"].items():
        answer = served.query(f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH <{graph}> {{ ?s ?p ?o }} }}")
        assert int(next(iter(answer))["n"].value) == triples > 0
    assert [row["n"].value for row in served.query(PARTNERS)] == ["12"]


def timed_build(store: Path) -> float:
    start = time.monotonic()
    run_cli("build", "--store", str(store))
    return time.monotonic() - start


@pytest.fixture
def store(tmp_path) -> Path:
    store = tmp_path / "store"
    run_cli("build", "--store", str(store))
    return store


TARGETED = {
    "mapping": says("reading and mapping"),
    "validation": says("validating"),
    "publishing": says("publishing"),
    "new generation created": appears(""),
    "database being loaded": appears("oxigraph"),
    "manifest written": appears("manifest.json"),
}


def test_killed_builds_never_damage_the_served_store(store):
    rng = random.Random(os.environ.get("HCN_FAULT_SEED", "7"))
    duration = timed_build(store)
    kills = [(name, condition) for name, condition in TARGETED.items()]
    kills += [
        (f"random {delay:.2f}s", after(delay))
        for delay in (rng.uniform(0, duration * 1.2) for _ in range(10))
    ]
    landed: Counter[str] = Counter()
    served = {g.name for g in (store / "generations").iterdir()}  # all from finished builds
    with running_server(store) as url:  # a server keeps answering from the last good data
        for name, condition in kills:
            good = current(store)
            build = Build(store)
            killed = build.kill_when(condition)
            stage = where_it_landed(build) if killed else "finished before the kill"
            landed[stage] += 1
            allowed = {good} if stage != "after the swap" and killed else {good, current(store)}
            assert_serves_a_complete_generation(store, allowed)
            served.add(current(store))
            if name in ("mapping", "validation", "publishing"):
                assert killed and stage != "after the swap", f"{name}: {stage}"
            answer = requests.get(url + "sparql", params={"query": PARTNERS}, timeout=30)
            assert answer.status_code == 200, answer.text
            assert [b["n"]["value"] for b in answer.json()["results"]["bindings"]] == ["12"]
            page = requests.get(url + "id/project/healthclusternet", timeout=30)
            assert page.status_code == 200 and "HealthClusterNET" in page.text
    # The next build after all that succeeds and is served; no half-written generation remains.
    last = current(store)
    run_cli("build", "--store", str(store))
    assert current(store) != last
    assert_serves_a_complete_generation(store, {current(store)})
    # Only generations that were served are kept: what the killed builds left behind is gone.
    served.add(current(store))
    kept = {g.name for g in (store / "generations").iterdir()}
    assert current(store) in kept and kept <= served
    assert not list(store.glob(".current-*"))
    print(f"\n{len(kills)} killed builds (one build takes {duration:.2f}s): {dict(landed)}")


def test_killed_build_of_changed_data_serves_old_or_new_never_a_mix(store, data_copy):
    """A kill during a build of changed data never exposes a mix of old and new values."""
    text = (data_copy / "projects.yaml").read_text(encoding="utf-8")
    (data_copy / "projects.yaml").write_text(text.replace("partner_count: 12", "partner_count: 13"))
    for condition in (says("publishing"), appears("oxigraph"), appears("manifest.json")):
        good = current(store)
        build = Build(store, data_copy)
        build.kill_when(condition)
        served = [row["n"].value for row in LocalStore(store).query(PARTNERS)]
        assert served == (["12"] if current(store) == good else ["13"])
        if current(store) != good:  # the kill came after the swap; go back to the real data
            run_cli("build", "--store", str(store))


def test_concurrent_builds_all_finish_and_current_is_complete(store):
    procs = [
        subprocess.Popen(
            [HCN_LD, "build", "--store", str(store)],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(3)
    ]
    versions = set()
    for proc in procs:
        out, err = proc.communicate(timeout=300)
        assert proc.returncode == 0, out + err
        versions.add(out.split("(version ")[1].split(";")[0])
    assert len(versions) == 3  # each published its own generation, one after the other
    assert current(store) in versions
    assert_serves_a_complete_generation(store, versions)
