"""Stage 1: read the human-edited source records in ``data/`` (YAML and CSV, one file per kind).

Every record remembers where it came from, so that a mapping or validation error can name
the file and the record::

    >>> from hcn_ld.config import ROOT
    >>> src = load_sources(ROOT / "data")
    >>> src.projects[0]["ref"], src.projects[0].origin.line > 0
    ('healthclusternet', True)
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

#: The YAML files of a data folder, one per kind of record.
KINDS = ("projects", "programmes", "themes", "events", "event-series", "outputs", "records")


class SourceError(Exception):
    """A source file or record that cannot be read or mapped; says which one and why."""

    def __init__(self, origin: Origin, message: str) -> None:
        super().__init__(f"{origin}: {message}")
        self.origin = origin
        self.message = message


@dataclass(frozen=True)
class Origin:
    """Where a record stands: file, line (1-based) and its ``ref``."""

    file: str
    line: int
    ref: str = ""

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}"
        return f"{where} (record {self.ref!r})" if self.ref else where


class Record(dict[str, Any]):
    """A source record: a dict of its fields plus ``origin``."""

    origin: Origin

    @classmethod
    def at(cls, fields: dict[str, Any], origin: Origin) -> Record:
        record = cls(fields)
        record.origin = origin
        return record

    def required(self, key: str) -> Any:
        """The field's value, or a :class:`SourceError` naming the record."""
        value = self.get(key)
        if value is None or value == "":
            raise SourceError(self.origin, f"missing field {key!r}")
        return value


@dataclass
class Sources:
    """All records of one data folder, by kind; places and countries keyed by name / ISO2."""

    projects: list[Record]
    programmes: list[Record]
    themes: list[Record]
    events: list[Record]
    event_series: list[Record]
    outputs: list[Record]
    records: list[Record]
    places: dict[str, Record]
    countries: dict[str, Record]
    files: list[Path]


def read_text(path: Path, label: str) -> str:
    """A source file's text; a file that is not UTF-8 is a :class:`SourceError` saying where."""
    data = path.read_bytes()
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise SourceError(Origin(label, line), f"not UTF-8 text (byte {exc.start})") from None


def read_yaml_records(path: Path, label: str | None = None) -> list[Record]:
    """The records of a YAML file holding a list of mappings, each with its line number."""
    label = label or path.name
    text = read_text(path, label)
    try:
        node = yaml.compose(text)
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark else 1
        raise SourceError(Origin(label, line), f"not valid YAML: {exc}") from None
    if data is None:
        return []
    if not isinstance(data, list) or not isinstance(node, yaml.SequenceNode):
        raise SourceError(Origin(label, 1), "expected a list of records")
    records = []
    for item, item_node in zip(data, node.value, strict=True):
        line = item_node.start_mark.line + 1
        if not isinstance(item, dict):
            raise SourceError(Origin(label, line), "a record must be a mapping of fields")
        ref = item.get("ref", "")
        if isinstance(ref, bool) or not isinstance(ref, str | int):
            raise SourceError(Origin(label, line), f"ref: {ref!r} is not a name")
        ref = str(ref)
        records.append(Record.at(item, Origin(label, line, ref)))
    return records


def read_csv_records(path: Path, key: str, label: str | None = None) -> dict[str, Record]:
    """The rows of a CSV file keyed by column ``key`` (line numbers count the header as 1)."""
    label = label or path.name
    reader = csv.DictReader(io.StringIO(read_text(path, label), newline=""))
    if key not in (reader.fieldnames or []):
        raise SourceError(Origin(label, 1), f"no column {key!r} in the header")
    rows = {}
    try:
        for number, row in enumerate(reader, start=2):
            if None in row or not row[key]:
                raise SourceError(Origin(label, number), f"a row needs {key!r} and no extra cells")
            rows[row[key]] = Record.at(row, Origin(label, number, row[key]))
    except csv.Error as exc:
        raise SourceError(Origin(label, reader.line_num), f"not valid CSV: {exc}") from None
    return rows


def load_sources(data_dir: Path) -> Sources:
    """Read every source file of ``data_dir``; a missing kind is an empty list."""
    by_kind = {}
    files = []
    for kind in KINDS:
        path = data_dir / f"{kind}.yaml"
        if path.exists():
            files.append(path)
        by_kind[kind.replace("-", "_")] = read_yaml_records(path) if path.exists() else []
    places = read_csv_records(data_dir / "places.csv", key="city")
    countries = read_csv_records(data_dir / "countries.csv", key="iso2")
    files += [data_dir / "places.csv", data_dir / "countries.csv"]
    return Sources(**by_kind, places=places, countries=countries, files=files)


def iter_records(sources: Sources) -> Iterator[Record]:
    """Every YAML record of the sources, in file order."""
    for kind in KINDS:
        yield from getattr(sources, kind.replace("-", "_"))
