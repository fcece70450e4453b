"""Large imports partition by partition: N-Triples streamed to a file, SHACL per batch in parallel.

An importer that can cut its data into self-contained partitions (KEEP: one project with its
partners, organisations, events and places) never builds one giant rdflib graph: each
partition's triples are appended to an N-Triples file (for the store's bulk loader) and
validated with pyshacl together with a few neighbours in a process pool; the reports are
merged, each finding once. For shapes that only look at a node's neighbourhood (all of
``shapes/``) this finds exactly what whole-graph validation finds
(``tests/test_partitions.py`` proves it on a corpus with planted errors).

With a cache folder, the findings of every partition are kept under the hash of its triples
(and of the shapes and ontology), so an incremental import validates only changed partitions::

    report, timings = prepare(parts, Path("keep.nt"), settings, cache=Path("var/cache"))
"""

from __future__ import annotations

import hashlib
import os
import pickle
import time
from collections.abc import Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from rdflib import Graph, Literal, URIRef
from rdflib.plugins.serializers.nt import _nt_row

from hcn_ld.config import Settings
from hcn_ld.mapping import Mapped
from hcn_ld.sources import Origin
from hcn_ld.validation import Finding, Report, ontology_graph, shapes_graph, sort_findings
from hcn_ld.validation import validate as validate_graph

Triple = tuple[URIRef, URIRef, URIRef | Literal]

#: Partitions validated together in one pyshacl call (amortises its start-up per graph).
BATCH = 40


@dataclass
class Partition:
    """The triples of one self-contained part of an import, and the source of each IRI."""

    triples: list[Triple]
    origins: dict[URIRef, Origin] = field(default_factory=dict)

    def ntriples(self) -> str:
        """The triples as N-Triples text."""
        return "".join(_nt_row(t) for t in self.triples)


@dataclass
class Timings:
    """Seconds spent per stage of :func:`prepare` (mapping overlaps validation in time)."""

    mapping: float = 0.0
    validation: float = 0.0
    partitions: int = 0
    cached: int = 0


# ------------------------------------------------------------------ worker side

_WORKER: dict[str, object] = {}


def _start_worker(settings: Settings) -> None:
    _WORKER.update(
        settings=settings, shapes=shapes_graph(settings), ontology=ontology_graph(settings)
    )


def _validate_batch(
    batch: list[tuple[str, dict[URIRef, Origin]]],
) -> list[tuple[list[Finding], str]]:
    """Validate partitions together; each gets the findings about its own nodes (and the
    SHACL report triples of those findings as N-Triples)."""
    graph = Graph()
    origins: dict[URIRef, Origin] = {}
    for text, part_origins in batch:
        graph.parse(data=text, format="nt")
        origins.update(part_origins)
    report = validate_graph(
        Mapped(graph, origins),
        _WORKER["settings"],  # type: ignore[arg-type]
        shapes=_WORKER["shapes"],  # type: ignore[arg-type]
        ontology=_WORKER["ontology"],  # type: ignore[arg-type]
    )
    if not report.findings:
        return [([], "") for _ in batch]
    subjects = [{line.split(" ", 1)[0][1:-1] for line in text.splitlines()} for text, _ in batch]
    report_text = report.graph.serialize(format="nt")
    out = []
    for own in subjects:
        findings = [f for f in report.findings if f.focus in own]
        out.append((findings, report_text if findings else ""))
    return out


# ------------------------------------------------------------------ parent side


def _fingerprint(settings: Settings) -> str:
    digest = hashlib.sha256()
    for folder in (settings.shapes_dir, settings.ontology_dir):
        for path in sorted(folder.glob("*.ttl")):
            digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


class _Cache:
    """Findings per partition, by hash of (shapes, ontology, partition triples)."""

    def __init__(self, folder: Path | None, settings: Settings) -> None:
        self.folder = folder
        self.salt = _fingerprint(settings) if folder else ""
        if folder:
            folder.mkdir(parents=True, exist_ok=True)

    def key(self, text: str) -> str:
        return hashlib.sha256((self.salt + text).encode()).hexdigest()

    def get(self, key: str) -> tuple[list[Finding], str] | None:
        if not self.folder:
            return None
        path = self.folder / f"{key}.pickle"
        return pickle.loads(path.read_bytes()) if path.exists() else None

    def put(self, key: str, value: tuple[list[Finding], str]) -> None:
        if self.folder:
            (self.folder / f"{key}.pickle").write_bytes(pickle.dumps(value))


def prepare(
    parts: Iterable[Partition],
    out: Path,
    settings: Settings,
    *,
    workers: int | None = None,
    cache: Path | None = None,
) -> tuple[Report, Timings]:
    """Write every partition to ``out`` (N-Triples) and validate them in a process pool.

    Returns the merged report (each finding once, ordered as :func:`validate` orders them)
    and the time spent. Only ``BATCH``-sized groups of partitions are in flight at once, so
    memory stays flat however large the import.
    """
    timings = Timings()
    store = _Cache(cache, settings)
    results: list[tuple[list[Finding], str]] = []
    pending: list[tuple[Future, list[str]]] = []
    workers = workers or os.cpu_count() or 1
    started = time.perf_counter()
    waited = 0.0

    def collect(limit: int) -> None:
        nonlocal waited
        while len(pending) > limit:
            future, keys = pending.pop(0)
            before = time.perf_counter()
            answers = future.result()
            waited += time.perf_counter() - before
            for key, answer in zip(keys, answers, strict=True):
                store.put(key, answer)
                results.append(answer)

    with (
        ProcessPoolExecutor(workers, initializer=_start_worker, initargs=(settings,)) as pool,
        out.open("w", encoding="utf-8") as sink,
    ):
        for batch in _batches(parts, store, results, sink, timings):
            keys = [store.key(text) for text, _ in batch]
            pending.append((pool.submit(_validate_batch, batch), keys))
            collect(limit=2 * workers)
        collect(limit=0)
    total = time.perf_counter() - started
    timings.validation = waited
    timings.mapping = total - waited
    return _merge(results), timings


def _batches(
    parts: Iterable[Partition],
    cache: _Cache,
    results: list[tuple[list[Finding], str]],
    sink,
    timings: Timings,
) -> Iterator[list[tuple[str, dict[URIRef, Origin]]]]:
    batch: list[tuple[str, dict[URIRef, Origin]]] = []
    for part in parts:
        text = part.ntriples()
        sink.write(text)
        timings.partitions += 1
        known = cache.get(cache.key(text))
        if known is not None:
            timings.cached += 1
            results.append(known)
            continue
        batch.append((text, part.origins))
        if len(batch) == BATCH:
            yield batch
            batch = []
    if batch:
        yield batch


def _merge(results: list[tuple[list[Finding], str]]) -> Report:
    graph = Graph()
    seen: dict[tuple, Finding] = {}
    reports: set[str] = set()
    for findings, report_text in results:
        for finding in findings:
            key = (finding.severity, finding.focus, finding.path, finding.message, finding.value)
            seen.setdefault(key, finding)
        if report_text and report_text not in reports:  # one batch's report, parsed once
            reports.add(report_text)
            graph.parse(data=report_text, format="nt")
    return Report(graph, sort_findings(seen.values()))
