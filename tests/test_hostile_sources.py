"""Hostile source files: ``hcn-ld build`` succeeds or names the bad file, and never breaks.

Hypothesis mutates copies of ``data/`` — fields set to random types, unicode and huge strings,
fields dropped or added, records duplicated, bytes spliced into the text, whole files replaced
by junk or invalid UTF-8 — and runs the real ``build`` command on each. Every outcome must be
either a publish, or exit status 1 with a message naming the broken file (a source error or a
SHACL report) and a store byte-for-byte as it was. Never a traceback.

``HCN_FUZZ_EXAMPLES`` sets how many inputs each test tries (default 60).
"""

from __future__ import annotations

import datetime as dt
import os
import re
import shutil
import tempfile
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from hcn_ld.build.sources import KINDS
from hcn_ld.cli import main
from tests.conftest import ROOT, run_cli
from tests.test_publish import snapshot

WHERE = re.compile(r"\b[\w-]+\.(yaml|csv):\d+")
EXAMPLES = int(os.environ.get("HCN_FUZZ_EXAMPLES", "60"))
FUZZ = settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    database=None,
)
YAML_FILES = [f"{kind}.yaml" for kind in KINDS]
CSV_FILES = ["places.csv", "countries.csv"]

# Text a data editor (or an attacker) might paste: every plane of unicode, control characters,
# markup, SPARQL and Turtle punctuation, and sometimes a lot of it.
texts = st.one_of(
    st.text(),
    st.text(alphabet=st.sampled_from("<>\"'{}\\\n\r\t\x00 #@:;.^_")),
    st.sampled_from(["", " ", "<script>alert(1)</script>", "../../etc/passwd", "null", "~"]),
    st.builds(lambda s, n: s * n, st.text(min_size=1, max_size=8), st.integers(1, 200_000)),
)
scalars = st.one_of(
    texts,
    st.integers(),
    st.integers(min_value=10**30, max_value=10**60),
    st.floats(),
    st.booleans(),
    st.none(),
    st.dates(),
    st.datetimes(),
)
values = st.recursive(
    scalars,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(texts, inner, max_size=4),
    max_leaves=10,
)


@st.composite
def yaml_mutation(draw) -> tuple[str, object]:
    """A YAML data file and a structural change to its records."""
    name = draw(st.sampled_from(YAML_FILES))
    records = yaml.safe_load((ROOT / "data" / name).read_text(encoding="utf-8")) or []
    if not records:
        return name, [draw(st.dictionaries(texts, values, max_size=4))]
    index = draw(st.integers(0, len(records) - 1))
    record = records[index]
    action = draw(st.sampled_from(["set", "drop", "add", "duplicate", "replace record"]))
    if action == "set":
        record[draw(st.sampled_from(sorted(record)))] = draw(values)
    elif action == "drop":
        del record[draw(st.sampled_from(sorted(record)))]
    elif action == "add":
        record[draw(texts)] = draw(values)
    elif action == "duplicate":
        records.append(dict(record))
    else:
        records[index] = draw(values)
    return name, records


@st.composite
def byte_mutation(draw) -> tuple[str, bytes]:
    """Any data file (YAML or CSV) with bytes spliced in, cut, or replaced by junk."""
    name = draw(st.sampled_from(YAML_FILES + CSV_FILES))
    original = (ROOT / "data" / name).read_bytes()
    action = draw(st.sampled_from(["splice", "truncate", "junk", "empty"]))
    if action == "splice":
        at = draw(st.integers(0, len(original)))
        return name, original[:at] + draw(st.binary(min_size=1, max_size=64)) + original[at:]
    if action == "truncate":
        return name, original[: draw(st.integers(0, len(original)))]
    if action == "junk":
        return name, draw(st.binary(max_size=2048))
    return name, b""


class Outcomes:
    """Counts what the fuzzed builds did, for the printed summary."""

    def __init__(self) -> None:
        self.tried = 0
        self.counts: dict[str, int] = {}

    def add(self, outcome: str) -> None:
        self.tried += 1
        self.counts[outcome] = self.counts.get(outcome, 0) + 1

    def __str__(self) -> str:
        return f"{self.tried} inputs tried: {self.counts}"


@pytest.fixture(scope="module")
def store(tmp_path_factory) -> Path:
    store = tmp_path_factory.mktemp("hostile") / "store"
    run_cli("build", "--store", str(store))
    return store


def build_with(store: Path, name: str, content: bytes, outcomes: Outcomes) -> None:
    """Build a copy of data/ with ``name`` replaced by ``content``; check the outcome."""
    with tempfile.TemporaryDirectory(prefix="hcn-hostile-") as scratch:
        data = Path(scratch) / "data"
        shutil.copytree(ROOT / "data", data)
        (data / name).write_bytes(content)
        before = snapshot(store)
        result = CliRunner().invoke(main, ["--data", str(data), "build", "--store", str(store)])
    output = result.output
    assert result.exception is None or isinstance(result.exception, SystemExit), (
        f"{name}: build raised {result.exception!r}\n{output}"
    )
    assert "Traceback" not in output
    if result.exit_code == 0:
        assert output.startswith("published ")
        outcomes.add("published")
        return
    assert result.exit_code == 1, output
    assert snapshot(store) == before, f"{name}: a failed build changed the store\n{output}"
    # The message names a data file and line: the broken one, or the one it now breaks
    # (emptying projects.yaml leaves events.yaml pointing at a project that is gone).
    assert WHERE.search(output), f"no file:line in the message for a broken {name}:\n{output}"
    if "source error:" in output:
        outcomes.add("source error")
    else:
        assert "validation failed; the published store is unchanged" in output, output
        outcomes.add("validation report")


def dump(records: object) -> bytes:
    return yaml.safe_dump(records, allow_unicode=True, sort_keys=False).encode("utf-8")


def test_mutated_records(store):
    outcomes = Outcomes()

    @FUZZ
    @given(yaml_mutation())
    def run(mutation: tuple[str, object]) -> None:
        name, records = mutation
        build_with(store, name, dump(records), outcomes)

    run()
    print(f"\nmutated records: {outcomes}")
    assert outcomes.tried >= min(EXAMPLES, 20)


def test_mutated_bytes(store):
    outcomes = Outcomes()

    @FUZZ
    @given(byte_mutation())
    def run(mutation: tuple[str, bytes]) -> None:
        build_with(store, *mutation, outcomes)

    run()
    print(f"\nmutated bytes: {outcomes}")
    assert outcomes.tried >= min(EXAMPLES, 20)


#: Found by test_mutated_bytes: an IRI rdflib takes but the store's loader refuses.
NUL_IN_IRI = (
    (ROOT / "data" / "countries.csv").read_bytes().replace(b",http://www.", b",\x00http://www.")
)


@pytest.mark.parametrize(
    "name, content",
    [
        ("projects.yaml", b"\xff\xfe not utf-8"),
        ("places.csv", b"town,iso2\nX,SI\n"),
        ("countries.csv", "iso2\n\u00e9\n".encode()),
        ("events.yaml", dump([{"ref": "x", "start": dt.date(2005, 1, 1)}])),
        ("projects.yaml", b"- &a [*a]\n"),
        ("themes.yaml", b"- ref: " + b"x" * 1_000_000 + b"\n  label: long\n"),
        ("countries.csv", NUL_IN_IRI),
    ],
    ids=[
        "invalid utf-8",
        "csv without key column",
        "csv row without fields",
        "no kind",
        "recursive alias",
        "megabyte ref",
        "NUL in an IRI cell",
    ],
)
def test_known_hostile_files(store, name, content):
    build_with(store, name, content, Outcomes())
