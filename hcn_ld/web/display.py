"""How RDF is shown on pages: labels instead of IRIs, links under the served origin, tables.

>>> compact("http://data.europa.eu/s66#title")
'eurio:title'
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field

import pyoxigraph as ox

from hcn_ld.rdf.vocab import PREFIXES
from hcn_ld.web.describe import LABEL_PROPERTIES
from hcn_ld.web.urls import Urls

RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"


def compact(iri: str) -> str:
    """``eurio:title`` for ``http://data.europa.eu/s66#title`` (the IRI if no prefix fits)."""
    for prefix, namespace in PREFIXES.items():
        if iri.startswith(namespace) and len(iri) > len(namespace):
            return f"{prefix}:{iri[len(namespace) :]}"
    return iri


def humanize(iri: str) -> str:
    """A readable name from an IRI's local name: ``hasTotalCost`` -> ``has total cost``.

    >>> humanize("http://data.europa.eu/s66#hasTotalCost")
    'has total cost'
    """
    local = re.split(r"[#/]", iri.rstrip("/#"))[-1]
    return re.sub(r"(?<=[a-z0-9])(?=[A-Z])", " ", local).replace("_", " ").lower() or iri


@dataclass
class Value:
    """One value shown on a page: a link, a literal or a nested blank node."""

    text: str
    url: str | None = None
    note: str = ""
    nested: list[Property] = field(default_factory=list)


@dataclass
class Property:
    """A property row: its label, link and values."""

    label: str
    url: str
    curie: str
    values: list[Value]


@dataclass
class Subject:
    """A block of a page about one subject: its anchor, name, link and property rows."""

    anchor: str
    title: str
    url: str
    types: list[Value]
    properties: list[Property]


class Display:
    """Shows quads with the labels known for their IRIs, linking under the served origin."""

    def __init__(self, urls: Urls, labels: dict[str, str], quads: Iterable[ox.Quad]) -> None:
        self.urls = urls
        #: Rows shown before the others (names first), the rest by label.
        self.first = {urls.public(str(p)) for p in LABEL_PROPERTIES}
        self.labels = labels
        self.by_subject: dict[object, list[ox.Quad]] = {}
        for quad in quads:
            self.by_subject.setdefault(quad.subject, []).append(quad)

    def name(self, iri: str) -> str:
        return self.labels.get(iri) or compact(iri)

    def link(self, iri: str) -> Value:
        return Value(self.name(iri), self.urls.public(iri))

    def value(self, term: ox.NamedNode | ox.BlankNode | ox.Literal) -> Value:
        if isinstance(term, ox.NamedNode):
            return self.link(term.value)
        if isinstance(term, ox.BlankNode):
            return Value("", nested=self.properties(self.by_subject.get(term, [])))
        note = f"@{term.language}" if term.language else compact(term.datatype.value)
        return Value(term.value, note="" if note == "xsd:string" else note)

    def properties(self, quads: Iterable[ox.Quad], skip: tuple[str, ...] = ()) -> list[Property]:
        """Rows of ``quads`` grouped by predicate (``skip`` leaves some predicates out)."""
        grouped: dict[str, list[Value]] = {}
        for quad in quads:
            if quad.predicate.value in skip:
                continue
            values = grouped.setdefault(quad.predicate.value, [])
            shown = self.value(quad.object)
            if shown not in values:
                values.append(shown)
        rows = [self.row(p, values) for p, values in grouped.items()]
        return sorted(rows, key=lambda row: (row.url not in self.first, row.label.lower()))

    def row(self, predicate: str, values: list[Value]) -> Property:
        label = self.labels.get(predicate) or humanize(predicate)
        return Property(label, self.urls.public(predicate), compact(predicate), values)

    def types(self, subject: ox.NamedNode) -> list[str]:
        return [
            q.object.value
            for q in self.by_subject.get(subject, [])
            if q.predicate.value == RDF_TYPE
        ]

    def subject(self, iri: str) -> Subject:
        """The block for one named subject (rdf:type shown apart from the other rows)."""
        node = ox.NamedNode(iri)
        anchor = iri.rsplit("#", 1)[-1] if "#" in iri else ""
        return Subject(
            anchor,
            self.labels.get(iri) or iri.rstrip("/").rsplit("/", 1)[-1].rsplit("#", 1)[-1],
            self.urls.public(iri),
            [self.link(t) for t in self.types(node)],
            self.properties(self.by_subject.get(node, []), skip=(RDF_TYPE,)),
        )

    def named_subjects(self) -> list[str]:
        """The IRIs of every named subject, in order of appearance."""
        return [s.value for s in self.by_subject if isinstance(s, ox.NamedNode)]
