"""What a resource's description holds: its Concise Bounded Description, incoming links, labels.

``describe(store, iri, page, page_size)`` reads one page of a resource from any ``Store``:

* its own triples (blank-node objects followed, as in a CBD),
* the triples that point at it from other resources (incoming links),
* the labels of every resource and property it mentions, so pages can show names.

Resources with very many links are paged (``page_size`` links each way per page); a page
says whether there is a next one, and the renderers add ``hydra:next`` links, never cutting
silently. Quads keep their named graph so N-Quads/TriG can show where each fact comes from.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

import pyoxigraph as ox
from rdflib.namespace import DCTERMS, FOAF, RDFS, SKOS

from hcn_ld.rdf.vocab import EURIO, SCHEMA
from hcn_ld.store import Store

#: Properties that name a resource, best first.
LABEL_PROPERTIES = (
    RDFS.label,
    SKOS.prefLabel,
    DCTERMS.title,
    EURIO.title,
    EURIO.shortForm,
    SCHEMA.name,
    FOAF.name,
)
_LABELS = " ".join(f"<{p}>" for p in LABEL_PROPERTIES)
_ANY = "(<urn:hcn:any>|!<urn:hcn:any>)*"


@dataclass
class Description:
    """One page of a resource's description."""

    iri: str
    #: The resource's own triples, then those of the blank nodes it leads to.
    out: list[ox.Quad]
    #: Triples of other resources that point at this one.
    incoming: list[ox.Quad]
    #: Label triples of the resources and properties mentioned.
    label_quads: list[ox.Quad] = field(default_factory=list)
    page: int = 1
    has_next: bool = False

    @property
    def quads(self) -> list[ox.Quad]:
        return self.out + self.incoming + self.label_quads

    @property
    def labels(self) -> dict[str, str]:
        """IRI -> its best label (see :data:`LABEL_PROPERTIES`), from the labels read and
        from the description itself."""
        return best_labels(self.label_quads + self.out)

    @property
    def exists(self) -> bool:
        return bool(self.out or self.incoming)


def describe(store: Store, iri: str, page: int = 1, page_size: int = 500) -> Description:
    """Page ``page`` of the description of ``iri`` (``exists`` is false for an unknown IRI).

    Raises ``ValueError`` when ``iri`` is not a valid IRI.
    """
    node = str(ox.NamedNode(iri))
    window = f"LIMIT {page_size + 1} OFFSET {(page - 1) * page_size}"
    out = [
        ox.Quad(ox.NamedNode(iri), row["p"], row["o"], row["g"])
        for row in store.query(f"SELECT ?g ?p ?o WHERE {{ GRAPH ?g {{ {node} ?p ?o }} }} {window}")
    ]
    incoming = [
        ox.Quad(row["s"], row["p"], ox.NamedNode(iri), row["g"])
        for row in store.query(
            f"SELECT ?g ?s ?p WHERE {{ GRAPH ?g {{ ?s ?p {node} }} FILTER(!isBlank(?s)) }} {window}"
        )
    ]
    has_next = len(out) > page_size or len(incoming) > page_size
    out, incoming = out[:page_size], incoming[:page_size]
    if any(isinstance(q.object, ox.BlankNode) for q in out):
        out = [q for q in out if not isinstance(q.object, ox.BlankNode)] + _blank_closure(
            store, node
        )
    described = Description(iri, out, incoming, page=page, has_next=has_next)
    described.label_quads = label_quads(store, mentioned(described.out + described.incoming))
    return described


def _blank_closure(store: Store, node: str) -> list[ox.Quad]:
    """The resource's blank-node objects and everything said about them (in one query, so
    blank-node identities agree)."""
    rows = store.query(
        f"SELECT DISTINCT ?g ?p0 ?b ?s ?p ?o WHERE {{ GRAPH ?g {{ {node} ?p0 ?b "
        f"FILTER(isBlank(?b)) ?b {_ANY} ?s FILTER(isBlank(?s)) ?s ?p ?o }} }}"
    )
    quads: dict[ox.Quad, None] = {}
    for row in rows:
        quads[ox.Quad(ox.NamedNode(node[1:-1]), row["p0"], row["b"], row["g"])] = None
        quads[ox.Quad(row["s"], row["p"], row["o"], row["g"])] = None
    return list(quads)


def mentioned(quads: Iterable[ox.Quad]) -> list[str]:
    """Every IRI a set of quads mentions (subjects, predicates, objects), in order, once."""
    seen: dict[str, None] = {}
    for quad in quads:
        for term in (quad.subject, quad.predicate, quad.object):
            if isinstance(term, ox.NamedNode):
                seen[term.value] = None
    return list(seen)


def label_quads(store: Store, iris: list[str]) -> list[ox.Quad]:
    """The label triples (:data:`LABEL_PROPERTIES`) of ``iris`` found in the store."""
    if not iris:
        return []
    values = " ".join(str(ox.NamedNode(i)) for i in iris)
    rows = store.query(
        f"SELECT ?g ?r ?p ?l WHERE {{ VALUES ?p {{ {_LABELS} }} VALUES ?r {{ {values} }} "
        f"GRAPH ?g {{ ?r ?p ?l }} FILTER(isLiteral(?l)) }}"
    )
    return [ox.Quad(row["r"], row["p"], row["l"], row["g"]) for row in rows]


def labels(store: Store, iris: list[str]) -> dict[str, str]:
    """IRI -> best label, for the ``iris`` that have one."""
    return best_labels(label_quads(store, iris))


def best_labels(quads: Iterable[ox.Quad]) -> dict[str, str]:
    """The best label per subject: by :data:`LABEL_PROPERTIES` order, English or untagged first."""
    rank = {str(p): i for i, p in enumerate(LABEL_PROPERTIES)}
    best: dict[str, tuple[int, int, str]] = {}
    for quad in quads:
        literal = quad.object
        if not isinstance(literal, ox.Literal) or quad.predicate.value not in rank:
            continue
        language = literal.language or ""
        score = (rank[quad.predicate.value], 0 if language in ("", "en") else 1, literal.value)
        key = quad.subject.value
        if key not in best or score < best[key]:
            best[key] = score
    return {key: score[2] for key, score in best.items()}
