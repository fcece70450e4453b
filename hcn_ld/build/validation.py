"""Stage 3: validate mapped RDF against the SHACL shapes and explain the result to a data editor.

>>> from hcn_ld.config import Settings
>>> from hcn_ld.build.pipeline import map_data
>>> report = validate(map_data(Settings()), Settings())
>>> report.conforms
True
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from dataclasses import dataclass, field
from pathlib import Path

import pyshacl
from rdflib import BNode, Graph, URIRef
from rdflib.namespace import RDF

from hcn_ld.build.mapping import Mapped
from hcn_ld.build.sources import Origin
from hcn_ld.config import Settings
from hcn_ld.rdf.vocab import SH


@dataclass(frozen=True)
class Finding:
    """One SHACL result, with the source record behind its focus node where known."""

    severity: str
    focus: str
    path: str
    message: str
    value: str
    origin: Origin | None

    def line(self) -> str:
        """One readable line: where, what, why."""
        where = f"{self.origin}: " if self.origin else ""
        path = f" {self.path}" if self.path else ""
        value = f" (value: {self.value})" if self.value else ""
        return f"{self.severity}: {where}<{self.focus}>{path}{value}\n    {self.message}"


@dataclass
class Report:
    """The outcome of a validation: findings, and the full SHACL report graph."""

    graph: Graph
    findings: list[Finding] = field(default_factory=list)

    @property
    def violations(self) -> list[Finding]:
        return [f for f in self.findings if f.severity == "Violation"]

    @property
    def warnings(self) -> list[Finding]:
        return [f for f in self.findings if f.severity != "Violation"]

    @property
    def conforms(self) -> bool:
        """True when nothing is a violation (warnings are allowed)."""
        return not self.violations

    def summary(self, limit: int = 20) -> str:
        """A short report: counts, then the first ``limit`` violations and warnings."""
        lines = [f"{len(self.violations)} violation(s), {len(self.warnings)} warning(s)"]
        shown = (self.violations + self.warnings)[:limit]
        lines += [finding.line() for finding in shown]
        if len(self.findings) > limit:
            lines.append(f"... and {len(self.findings) - limit} more (see the full report)")
        return "\n".join(lines)

    def write(self, path: Path) -> Path:
        """Write the full SHACL report as Turtle; returns the path."""
        path.parent.mkdir(parents=True, exist_ok=True)
        self.graph.serialize(destination=path, format="turtle")
        return path


def load_turtle_dir(folder: Path) -> Graph:
    """All ``*.ttl`` files of a folder in one graph."""
    graph = Graph()
    for path in sorted(folder.glob("*.ttl")):
        graph.parse(path, format="turtle")
    return graph


def shapes_graph(settings: Settings) -> Graph:
    """The SHACL shapes in ``shapes/``."""
    return load_turtle_dir(settings.shapes_dir)


def ontology_graph(settings: Settings) -> Graph:
    """The hcn-ld ontology in ``ontology/`` (mixed into the data so subclasses count)."""
    return load_turtle_dir(settings.ontology_dir)


def _short(term: object) -> str:
    return "" if term is None else str(term)


def path_text(graph: Graph, path: object) -> str:
    """A result path as text: the property IRI, or ``^IRI`` for an inverse path.

    >>> g = Graph()
    >>> _ = g.add((BNode("p"), SH.inversePath, URIRef("http://example.org/knows")))
    >>> path_text(g, BNode("p"))
    '^http://example.org/knows'
    """
    inverse = graph.value(path, SH.inversePath) if isinstance(path, BNode) else None  # type: ignore[arg-type]
    return f"^{inverse}" if inverse is not None else _short(path)


def findings_of(report: Graph, origins: dict[URIRef, Origin]) -> list[Finding]:
    """The results of a SHACL report graph, violations first, then by source position."""
    found = []
    for result in report.subjects(RDF.type, SH.ValidationResult):
        focus = report.value(result, SH.focusNode)
        severity = report.value(result, SH.resultSeverity)
        found.append(
            Finding(
                severity=_short(severity).rsplit("#", 1)[-1],
                focus=_short(focus),
                path=path_text(report, report.value(result, SH.resultPath)),
                message=_short(report.value(result, SH.resultMessage)),
                value=_short(report.value(result, SH.value)),
                origin=origins.get(focus),  # type: ignore[arg-type]
            )
        )

    return sort_findings(found)


def sort_findings(findings: Iterable[Finding]) -> list[Finding]:
    """Violations first, then by source file and line, focus node, path and message."""

    def order(f: Finding) -> tuple:
        origin = f.origin or Origin("~", 0)
        return (f.severity != "Violation", origin.file, origin.line, f.focus, f.path, f.message)

    return sorted(findings, key=order)


def validate(
    mapped: Mapped,
    settings: Settings,
    *,
    shapes: Graph | None = None,
    ontology: Graph | None = None,
    focus: Collection[str] | None = None,
) -> Report:
    """Validate ``mapped`` with pyshacl; shapes and ontology are read from settings if not given.

    With ``focus`` (IRIs, not empty), only those nodes are validated.
    """
    _, report_graph, _ = pyshacl.validate(
        mapped.graph,
        shacl_graph=shapes if shapes is not None else shapes_graph(settings),
        ont_graph=ontology if ontology is not None else ontology_graph(settings),
        inference="none",
        abort_on_first=False,
        allow_warnings=True,
        advanced=True,
        focus_nodes=sorted(focus) if focus else None,
    )
    return Report(report_graph, findings_of(report_graph, mapped.origins))
