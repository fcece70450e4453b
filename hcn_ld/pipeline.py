"""The build: sources -> RDF -> SHACL -> atomic publish, with progress and a report on failure.

hcn-ld build       # = build(Settings())
hcn-ld validate    # = check(Settings())
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from rdflib import Graph
from tqdm import tqdm

from hcn_ld import uris
from hcn_ld.config import Settings
from hcn_ld.mapping import Mapped, map_sources
from hcn_ld.sources import load_sources
from hcn_ld.store import is_remote, open_store
from hcn_ld.store.base import GraphFile
from hcn_ld.uris import Minter
from hcn_ld.validation import Report, ontology_graph, validate

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
    """Publish validated graphs (source name -> graph) into the store; returns the new version.

    Importers call this after their own mapping and validation, so every source goes through
    the same atomic publish; a report with violations is refused.
    """
    refuse_violations(settings, report)
    with tempfile.TemporaryDirectory(prefix="hcn-publish-") as scratch:
        files = {}
        for source, graph in graphs.items():
            path = Path(scratch) / f"{uris.slug(source)}.nt"
            graph.serialize(destination=path, format="nt", encoding="utf-8")
            files[source] = path
        return publish_files(settings, files, report, info)


def refuse_violations(settings: Settings, report: Report) -> None:
    """:class:`BuildFailed` (full report written beside the store) if ``report`` has violations."""
    if not report.conforms:
        raise BuildFailed(report, report.write(report_path(settings)))


def publish_files(
    settings: Settings,
    files: dict[str, Path],
    report: Report,
    info: dict[str, object] | None = None,
) -> str:
    """Publish validated N-Triples files (source name -> file) as ``{base}graph/{source}``.

    The path for large imports, whose triples are streamed to a file and never held in one
    rdflib graph (:mod:`hcn_ld.partitions`); refuses a report with violations.
    """
    refuse_violations(settings, report)
    minter = Minter(settings.base)
    graph_files = [GraphFile(str(minter.graph(source)), path) for source, path in files.items()]
    validation = {"conforms": True, "violations": 0, "warnings": len(report.warnings)}
    details = {"base": settings.base, "validation": validation, **(info or {})}
    return open_store(settings.store).publish(graph_files, details)


def build(settings: Settings, *, show_progress: bool = False) -> BuildResult:
    """Map, validate and publish ``data/`` into the store; :class:`BuildFailed` on violations."""
    steps = tqdm(total=4, desc="build", disable=not show_progress, unit="step")

    def say(step: str) -> None:
        steps.set_postfix_str(step)
        steps.update(1)

    try:
        result = check(settings, say)
        say("publishing")
        graphs = {DATA_GRAPH: result.mapped.graph, ONTOLOGY_GRAPH: ontology_graph(settings)}
        result.version = publish_mapped(settings, graphs, result.report)
        say("done")
    finally:
        steps.close()
    return result
