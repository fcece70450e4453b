"""The shapes reject broken copies of the data with messages a data editor understands."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.conftest import run_cli


def edit(path: Path, old: str, new: str, count: int = 1) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, f"{old!r} not in {path.name}"
    path.write_text(text.replace(old, new, count), encoding="utf-8")


def validate(data: Path):
    return run_cli("--data", str(data), "validate", check=False)


def test_the_real_data_conforms():
    result = run_cli("validate")
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.startswith("0 violation(s)")


BROKEN = {
    "missing title": (
        "projects.yaml",
        "  title: >-\n",
        "  untitled: >-\n",
        "A project needs exactly one title (field 'title' in projects.yaml).",
        "projects.yaml:3 (record 'healthclusternet')",
    ),
    "end before start": (
        "projects.yaml",
        "end: 2007-12-30",
        "end: 2004-12-30",
        "not after its end date",
        "projects.yaml:3 (record 'healthclusternet')",
    ),
    "rate 1.5": (
        "projects.yaml",
        'eu_cofinancing_rate: "0.447"',
        'eu_cofinancing_rate: "1.5"',
        "is a fraction from 0 to 1",
        "projects.yaml:3 (record 'healthclusternet')",
    ),
    "event without place": (
        "events.yaml",
        "  place: Graz\n",
        "",
        "An event needs exactly one place (field 'place', a city of places.csv).",
        "record 'policy-forum-capital-investment-graz-2006-06'",
    ),
    "event ending before it starts": (
        "events.yaml",
        "  end: 2007-06",
        "  end: 2007-04",
        "An event ends before it starts",
        "record 'workshop-regional-health-innovation-potsdam-2007-05'",
    ),
    "website figure not a count": (
        "outputs.yaml",
        "  pages: 87",
        "  pages: -87",
        "page count (field 'pages') is one whole number of at least 0",
        "record 'healthclusternet-website'",
    ),
}


@pytest.mark.parametrize("case", BROKEN, ids=list(BROKEN))
def test_broken_copy_is_rejected_with_its_message(case, data_copy):
    file, old, new, message, where = BROKEN[case]
    edit(data_copy / file, old, new)
    result = validate(data_copy)
    assert result.returncode != 0
    assert re.search(r"^[1-9]\d* violation\(s\)", result.stdout, re.M), result.stdout
    assert message in result.stdout
    assert where in result.stdout
    assert "validation-report.ttl" in result.stderr


def test_missing_description_is_only_a_warning(data_copy):
    edit(data_copy / "projects.yaml", "  description: >-\n", "  notes: >-\n")
    result = validate(data_copy)
    assert result.returncode == 0, result.stdout
    assert "0 violation(s), 1 warning(s)" in result.stdout
    assert "The project has no description" in result.stdout


SOURCE_ERRORS = {
    "bad YAML": (
        "events.yaml",
        "  kind: policy-forum\n",
        "  kind: [policy-forum\n",
        "events.yaml:",
        "not valid YAML",
    ),
    "unknown place": (
        "events.yaml",
        "place: Graz",
        "place: Atlantis",
        "events.yaml:",
        "unknown place 'Atlantis'",
    ),
    "malformed date": (
        "events.yaml",
        "start: 2005-06",
        "start: June 2005",
        "record 'workshop-procurement-maribor-2005-06'",
        "'June 2005' is neither YYYY-MM-DD nor YYYY-MM",
    ),
    "unknown theme": (
        "events.yaml",
        "theme: procurement",
        "theme: pottery",
        "record 'workshop-procurement-maribor-2005-06'",
        "no record 'pottery' in themes",
    ),
}


@pytest.mark.parametrize("case", SOURCE_ERRORS, ids=list(SOURCE_ERRORS))
def test_source_errors_name_file_and_record(case, data_copy, tmp_path):
    file, old, new, where, why = SOURCE_ERRORS[case]
    edit(data_copy / file, old, new)
    result = run_cli("--data", str(data_copy), "build", "--store", str(tmp_path / "s"), check=False)
    assert result.returncode != 0
    assert where in result.stderr and why in result.stderr, result.stderr
    assert not (tmp_path / "s" / "current").exists()
