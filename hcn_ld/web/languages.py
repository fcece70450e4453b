"""Literals in the reader's language: ``Accept-Language`` -> wanted languages -> best label.

The interface is English; data literals are shown in the first language the browser asks for
that the data has, else untagged, else English, else any
(:func:`hcn_ld.derived.search.pick_language`).

    >>> with_fallbacks(["fr-BE", "de"])
    ['fr-be', 'fr', 'de', 'en']
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence

import pyoxigraph as ox
from flask import has_request_context, request

from hcn_ld.derived.search import pick_language
from hcn_ld.rdf.vocab import PREFIXES, sparql_prologue
from hcn_ld.store import Store
from hcn_ld.web.facets import sparql_iri

#: Properties that name a resource, best first.
LABELS = (
    "rdfs:label",
    "skos:prefLabel",
    "eurio:legalName",
    "eurio:name",
    "eurio:shortForm",
    "eurio:title",
    "dct:title",
    "schema:name",
    "foaf:name",
)


def with_fallbacks(languages: Iterable[str]) -> list[str]:
    """Language tags, each followed by its primary language, then English."""
    out: list[str] = []
    for tag in languages:
        for candidate in (tag.lower(), tag.lower().split("-")[0]):
            if candidate and candidate != "*" and candidate not in out:
                out.append(candidate)
    return out if "en" in out else [*out, "en"]


def wanted() -> list[str]:
    """The request's ``Accept-Language`` in preference order (English when absent)."""
    if not has_request_context():
        return ["en"]
    return with_fallbacks(lang for lang, _q in request.accept_languages)


def texts(
    store: Store, iris: Iterable[str], properties: Sequence[str] = LABELS
) -> dict[str, dict[str, str]]:
    """IRI -> language tag ('' for none) -> text, from the first of ``properties`` each IRI has."""
    nodes = sorted({sparql_iri(i) for i in iris})
    if not nodes:
        return {}
    rank = {p: n for n, p in enumerate(properties)}
    query = (
        sparql_prologue()
        + f"SELECT ?s ?p ?o WHERE {{ VALUES ?s {{ {' '.join(nodes)} }} "
        + f"VALUES ?p {{ {' '.join(properties)} }} ?s ?p ?o FILTER(isLiteral(?o)) }}"
    )
    found: dict[str, dict[str, tuple[int, str]]] = defaultdict(dict)
    expand = {_expand(p): p for p in properties}
    for row in store.query(query):
        literal = row["o"]
        assert isinstance(literal, ox.Literal)
        order = rank[expand[row["p"].value]]
        language = literal.language or ""
        current = found[row["s"].value].get(language)
        if current is None or (order, literal.value) < current:
            found[row["s"].value][language] = (order, literal.value)
    out = {}
    for iri, by_language in found.items():
        best = min(order for order, _ in by_language.values())
        out[iri] = {lang: text for lang, (order, text) in by_language.items() if order == best}
    return out


def labels(store: Store, iris: Iterable[str], languages: Sequence[str]) -> dict[str, str]:
    """IRI -> its label in the best of ``languages`` (IRIs without a label are left out)."""
    return {
        iri: text
        for iri, by_language in texts(store, iris).items()
        if (text := pick_language(by_language, languages))
    }


def _expand(curie: str) -> str:
    prefix, _, local = curie.partition(":")
    return PREFIXES[prefix] + local
