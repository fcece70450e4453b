"""The build: sources -> RDF -> SHACL -> atomic publish, with progress and a report on failure.

hcn-ld build       # = build(Settings())
hcn-ld validate    # = check(Settings())
"""

from __future__ import annotations

import hashlib
import os
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path

import pyoxigraph as ox
from rdflib import Graph, URIRef
from tqdm import tqdm

from hcn_ld.build import partitions
from hcn_ld.build.importers.common import ImportLog
from hcn_ld.build.mapping import Mapped, map_sources
from hcn_ld.build.shaclsparql import validate_store
from hcn_ld.build.sources import load_sources
from hcn_ld.build.validation import Report, ontology_graph, validate
from hcn_ld.config import Settings
from hcn_ld.rdf import uris
from hcn_ld.rdf.uris import Minter
from hcn_ld.store import is_remote, open_store
from hcn_ld.store.base import GraphFile

#: Threads that validate a large import (the store answers their queries in parallel).
THREADS = os.cpu_count() or 1

#: The named graphs a build publishes (under ``{base}graph/``).
DATA_GRAPH = "healthclusternet"
ONTOLOGY_GRAPH = "ontology"


class BuildFailed(Exception):
    """Validation found violations; nothing was published."""

    def __init__(self, report: Report, report_path: Path) -> None:
        super().__init__(f"validation failed: {len(report.violations)} violation(s)")
        self.report = report
        self.report_path = report_path


@dataclass
class BuildResult:
    """What a build did."""

    mapped: Mapped
    report: Report
    version: str | None = None
    #: what was validated ("all", or how many changed nodes of an incremental build)
    validated: str = "all"
    cache: partitions.IncrementalCache | None = None
    fingerprints: dict[str, str] = field(default_factory=dict)


def map_data(settings: Settings) -> Mapped:
    """Read ``data/`` and map it to RDF (raises ``SourceError`` naming the file and record)."""
    return map_sources(load_sources(settings.data_dir), Minter(settings.base))


def check(settings: Settings, progress: Callable[[str], None] | None = None) -> BuildResult:
    """Map and validate without publishing."""
    say = progress or (lambda _step: None)
    say("reading and mapping data/")
    mapped = map_data(settings)
    say(f"validating {len(mapped.graph)} triples against shapes/")
    return BuildResult(mapped, validate(mapped, settings))


def cache_path(settings: Settings, source: str) -> Path:
    """Where incremental builds and imports into the store keep what they know about
    ``source`` (inside a store directory; for a remote store, under ``var/cache``)."""
    if is_remote(settings.store):
        store = hashlib.sha256(settings.store.encode()).hexdigest()[:16]
        return Path("var") / "cache" / store / f"{source}.json"
    return Path(settings.store) / "cache" / f"{source}.json"


def report_path(settings: Settings) -> Path:
    """Where a failed build writes its full SHACL report (beside a store directory; for a
    remote store, ``var/reports``)."""
    folder = Path("var") if is_remote(settings.store) else Path(settings.store).parent
    return folder / "reports" / "validation-report.ttl"


def publish_mapped(
    settings: Settings,
    graphs: dict[str, Graph],
    report: Report,
    info: dict[str, object] | None = None,
) -> str:
    """Publish validated graphs (source name -> graph) as ``{base}graph/{source}`` into the
    store; returns the new version.

    The build and the CORDIS importer call this after their own mapping and validation, so
    every source goes through the same atomic publish; a report with violations is refused.
    (Large imports go through :func:`import_partitioned` instead.)
    """
    refuse_violations(settings, report)
    minter = Minter(settings.base)
    details = {"base": settings.base, "validation": _validation_info(report), **(info or {})}
    with tempfile.TemporaryDirectory(prefix="hcn-publish-") as scratch:
        files = []
        for source, graph in graphs.items():
            path = Path(scratch) / f"{uris.slug(source)}.nt"
            graph.serialize(destination=path, format="nt", encoding="utf-8")
            files.append(GraphFile(str(minter.graph(source)), path))
        return open_store(settings.store).publish(files, details)


def refuse_violations(settings: Settings, report: Report) -> None:
    """:class:`BuildFailed` (full report written beside the store) if ``report`` has violations."""
    if not report.conforms:
        raise BuildFailed(report, report.write(report_path(settings)))


@dataclass
class Imported:
    """What :func:`import_partitioned` did, with seconds per stage."""

    version: str
    report: Report
    log: ImportLog
    mapped: partitions.Written
    seconds: dict[str, float]
    #: partitions re-validated (all of them unless incremental)
    validated: str


def import_partitioned(
    settings: Settings,
    source: str,
    items: Sequence[object],
    make: Callable[[object, ImportLog], partitions.Partition | None],
    log: ImportLog,
    *,
    workers: int | None = None,
    incremental: bool = False,
) -> Imported:
    """Map ``items`` in worker processes (:class:`hcn_ld.build.partitions.MappingJob`) while
    bulk-loading each finished file as ``{base}graph/{source}`` into a new version of the
    store, validate it there with the shapes compiled to SPARQL (:mod:`hcn_ld.build.shaclsparql`)
    and switch to it only if it conforms (:class:`BuildFailed` otherwise; nothing changes).

    ``incremental``: only the partitions new or changed since the last incremental import of
    ``source`` into this store are validated; the findings about the others are carried over.
    """
    graph = str(Minter(settings.base).graph(source))
    cache = (
        partitions.IncrementalCache.open(cache_path(settings, source), settings)
        if incremental
        else None
    )
    previous = cache.fingerprints if cache else None
    seconds: dict[str, float] = {}
    checked: list[tuple[Report, partitions.Written, set[str] | None]] = []
    info: dict[str, object] = {"base": settings.base}
    started = time.perf_counter()
    with (
        tempfile.TemporaryDirectory(prefix=f"hcn-{source}-") as scratch,
        partitions.MappingJob(
            items, make, Path(scratch), workers=workers, previous=previous
        ) as job,
    ):

        def check(store: ox.Store) -> None:
            mapped, mapping_log = job.result()
            log.counts.update(mapping_log.counts)
            log.errors += mapping_log.errors
            seconds["mapping"] = mapped.seconds
            seconds["load"] = time.perf_counter() - started
            before = time.perf_counter()
            focus = mapped.changed_subjects if previous else None
            report = _validate_new(store, settings, graph, mapped, focus)
            if focus is not None and cache is not None:
                report = cache.carry_over(report, focus, partial(_present, store, graph))
            seconds["validation"] = time.perf_counter() - before
            checked.append((report, mapped, focus))
            refuse_violations(settings, report)
            info["import"] = {"source": source, **log.counts, "bad_rows": len(log.errors)}
            info["validation"] = _validation_info(report)

        version = open_store(settings.store).publish([GraphFile(graph, job.files())], info, check)
    seconds["publish"] = time.perf_counter() - started - seconds["load"] - seconds["validation"]
    [(report, mapped, focus)] = checked
    if cache is not None:
        cache.save(mapped.fingerprints, report)
    validated = "all" if focus is None else f"{len(focus)} changed subjects"
    return Imported(version, report, log, mapped, seconds, validated)


def _validate_new(
    store: ox.Store,
    settings: Settings,
    graph: str,
    mapped: partitions.Written,
    focus: set[str] | None,
) -> Report:
    """Validate the new ``graph`` in ``store``; with ``focus``, only the changed partitions,
    each meaningful alone, in a scratch store of their own (the findings about their nodes)."""
    name = ox.NamedNode(graph)
    if focus is None:
        return validate_store(store, settings, graph=name, origins=mapped.origins, workers=THREADS)
    scratch = ox.Store()
    GraphFile(graph, tuple(mapped.changed_files)).load_into(scratch)
    report = validate_store(scratch, settings, graph=name, origins=mapped.origins)
    return Report(report.graph, [f for f in report.findings if f.focus in focus])


def _present(store: ox.Store, graph: str, subjects: set[str]) -> set[str]:
    """Those of ``subjects`` that are subjects in ``graph``."""
    values = " ".join(f"<{s}>" for s in subjects if not s.startswith("_:"))
    query = f"SELECT DISTINCT ?s {{ VALUES ?s {{ {values} }} GRAPH <{graph}> {{ ?s ?p ?o }} }}"
    return {row["s"].value for row in store.query(query)}  # type: ignore[index,union-attr]


def _validation_info(report: Report) -> dict[str, object]:
    return {
        "conforms": report.conforms,
        "violations": len(report.violations),
        "warnings": len(report.warnings),
    }


def build(
    settings: Settings, *, show_progress: bool = False, incremental: bool = False
) -> BuildResult:
    """Map, validate and publish ``data/`` into the store; :class:`BuildFailed` on violations.

    ``incremental``: validate only the nodes of source records whose triples changed since
    the last build (and the nodes pointing at them); carry the other findings over.
    """
    steps = tqdm(total=4, desc="build", disable=not show_progress, unit="step")

    def say(step: str) -> None:
        steps.set_postfix_str(step)
        steps.update(1)

    try:
        if incremental:
            say("reading and mapping data/")
            result = _check_changed(settings, map_data(settings))
        else:
            result = check(settings, say)
        say("publishing")
        graphs = {DATA_GRAPH: result.mapped.graph, ONTOLOGY_GRAPH: ontology_graph(settings)}
        result.version = publish_mapped(settings, graphs, result.report)
        if result.cache is not None:
            result.cache.save(result.fingerprints, result.report)
        say("done")
    finally:
        steps.close()
    return result


def _check_changed(settings: Settings, mapped: Mapped) -> BuildResult:
    """Validate the nodes of changed records (see :func:`build`)."""
    cache = partitions.IncrementalCache.open(cache_path(settings, DATA_GRAPH), settings)
    fingerprints, changed = partitions.changed_records(mapped, cache.fingerprints)
    if not cache.fingerprints:  # first incremental build: everything
        report = validate(mapped, settings)
    else:
        graph = mapped.graph
        changed |= {str(s) for s, _, o in graph if str(o) in changed}
        report = validate(mapped, settings, focus=changed) if changed else Report(Graph())
        report = cache.carry_over(
            report,
            changed,
            lambda subjects: {s for s in subjects if (URIRef(s), None, None) in graph},
        )
    result = BuildResult(mapped, report, cache=cache, fingerprints=fingerprints)
    result.validated = "all" if not cache.fingerprints else f"{len(changed)} changed nodes"
    return result
