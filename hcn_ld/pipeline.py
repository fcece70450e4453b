"""The build: sources -> RDF -> SHACL -> atomic publish, with progress and a report on failure.

hcn-ld build       # = build(Settings())
hcn-ld validate    # = check(Settings())
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from tqdm import tqdm

from hcn_ld.config import Settings
from hcn_ld.mapping import Mapped, map_sources
from hcn_ld.sources import load_sources
from hcn_ld.store import open_store
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
    """Where a failed build writes its full SHACL report (beside the store)."""
    return Path(settings.store).parent / "reports" / "validation-report.ttl"


def build(settings: Settings, *, show_progress: bool = False) -> BuildResult:
    """Map, validate and publish ``data/`` into the store; :class:`BuildFailed` on violations."""
    steps = tqdm(total=4, desc="build", disable=not show_progress, unit="step")

    def say(step: str) -> None:
        steps.set_postfix_str(step)
        steps.update(1)

    result = check(settings, say)
    if not result.report.conforms:
        steps.close()
        raise BuildFailed(result.report, result.report.write(report_path(settings)))
    say("publishing")
    minter = Minter(settings.base)
    with tempfile.TemporaryDirectory(prefix="hcn-build-") as scratch:
        data_file = Path(scratch) / "data.nt"
        ontology_file = Path(scratch) / "ontology.nt"
        result.mapped.graph.serialize(destination=data_file, format="nt", encoding="utf-8")
        ontology_graph(settings).serialize(destination=ontology_file, format="nt", encoding="utf-8")
        files = [
            GraphFile(str(minter.graph(DATA_GRAPH)), data_file),
            GraphFile(str(minter.graph(ONTOLOGY_GRAPH)), ontology_file),
        ]
        info = {
            "base": settings.base,
            "validation": {
                "conforms": True,
                "violations": 0,
                "warnings": len(result.report.warnings),
            },
        }
        result.version = open_store(settings.store).publish(files, info)
    say("done")
    steps.close()
    return result
