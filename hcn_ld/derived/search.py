"""Full-text search: an SQLite FTS5 index built from any store by SPARQL, ranked, with snippets.

pyoxigraph has no full-text index, so one is derived from the published data: the embedded
store writes it at publish time into the new generation (before it is served); for other stores
:func:`index_for` builds it on first use into a cache keyed by the store's version::

    >>> import pathlib, tempfile
    >>> from hcn_ld.store import LocalStore
    >>> from hcn_ld.store.base import GraphFile
    >>> folder = pathlib.Path(tempfile.mkdtemp())
    >>> nt = folder / "g.nt"
    >>> title = '<http://e/p> <http://data.europa.eu/s66#title> "Health clusters"@en .'
    >>> _ = nt.write_text(title + "\\n")
    >>> store = LocalStore(folder / "store")
    >>> _ = store.publish([GraphFile("http://e/g", nt)])
    >>> [hit.iri for hit in index_for(store).search("health").hits]
    ['http://e/p']

Indexed per resource (an IRI with a title, label or name): title and labels, acronyms,
descriptions, names of the organisations taking part, and places (events' and organisations'
places, with their countries). Matching ignores case and accents; every word must match
(the last one as a prefix); ranking is BM25 with titles and acronyms weighted highest.
"""

from __future__ import annotations

import hashlib
import json
import math
import os
import re
import sqlite3
import tempfile
import unicodedata
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import pyoxigraph as ox
from markupsafe import Markup, escape

from hcn_ld.rdf.vocab import sparql_prologue

if TYPE_CHECKING:  # the embedded store imports this module to index at publish time
    from hcn_ld.store.base import QueryResult, Store

#: Runs a SPARQL query over the whole dataset (default graph = union of the named graphs).
Query = Callable[[str], "QueryResult"]

#: File name of the index inside a store generation directory.
INDEX_NAME = "search.sqlite"
#: Layout version of the index file (``PRAGMA user_version``); an index of another layout,
#: e.g. written by an older hcn-ld, is not used but rebuilt (see :func:`index_for`).
LAYOUT = 2
#: Indexed columns and their BM25 weights.
COLUMNS = {"title": 10.0, "acronym": 20.0, "description": 1.0, "organisations": 3.0, "places": 2.0}
#: Types whose instances are parts of other resources, not worth a search hit of their own.
SKIP_TYPES = {
    "http://data.europa.eu/s66#MonetaryAmount",
    "http://data.europa.eu/s66#Acronym",
    "http://purl.org/dc/terms/PeriodOfTime",
}
#: Rank factor for resources whose name or acronym starts with the query text.
NAME_BONUS = 2.0
_MARK_OPEN, _MARK_CLOSE = "\ue000", "\ue001"
_WORD = re.compile(r"\w+", re.UNICODE)

_QUERIES = {
    "label": """SELECT ?s ?text WHERE {
        VALUES ?p { rdfs:label skos:prefLabel eurio:legalName schema:name foaf:name }
        ?s ?p ?text . FILTER(isIRI(?s) && isLiteral(?text)) }""",
    "title": """SELECT ?s ?text WHERE {
        VALUES ?p { eurio:title dct:title }
        ?s ?p ?text . FILTER(isIRI(?s) && isLiteral(?text)) }""",
    "acronym": """SELECT ?s ?text WHERE {
        ?s eurio:hasAcronym/eurio:shortForm ?text . FILTER(isIRI(?s)) }""",
    "description": """SELECT ?s ?text WHERE {
        VALUES ?p { eurio:description dct:description dct:abstract hcn:achievements
                    rdfs:comment skos:definition }
        ?s ?p ?text . FILTER(isIRI(?s) && isLiteral(?text)) }""",
    "organisations": """SELECT ?s ?text WHERE {
        ?s eurio:hasInvolvedParty/eurio:isRoleOf ?org .
        ?org eurio:legalName|rdfs:label|skos:altLabel ?text . FILTER(isIRI(?s)) }""",
    # Places first (a DISTINCT subquery), then their names: written as one join of unions,
    # Oxigraph took minutes on the CORDIS sample; this shape takes a fraction of a second.
    "places": """SELECT ?s ?text WHERE {
        { SELECT DISTINCT ?s ?place WHERE {
            { ?s locn:location ?place } UNION { ?event dct:isPartOf ?s ; locn:location ?place }
            UNION { ?s eurio:hasInvolvedParty/eurio:isRoleOf/eurio:hasSite ?place } } }
        { ?place rdfs:label ?text } UNION { ?place eurio:hasAddress/eurio:addressLocality ?text }
        UNION { ?place hcn:country/rdfs:label ?text } UNION { ?place hcn:country/eurio:name ?text }
        UNION { ?place eurio:hasGeographicalLocation/rdfs:label ?text }
        UNION { ?place eurio:hasGeographicalLocation/eurio:name ?text }
        UNION { ?place locn:adminUnitL1/rdfs:label ?text }
        FILTER(isIRI(?s) && isLiteral(?text)) }""",
    "type": "SELECT ?s ?type WHERE { ?s a ?type . FILTER(isIRI(?s)) }",
    "incoming": """SELECT ?s (COUNT(*) AS ?n) WHERE {
        ?x ?p ?s . FILTER(isIRI(?s) && ?p != rdf:type) } GROUP BY ?s""",
    "type_label": """SELECT ?type ?text WHERE {
        ?s a ?type . ?type rdfs:label ?text . FILTER(isLiteral(?text)) }""",
}


@dataclass
class _Document:
    columns: dict[str, list[str]] = field(default_factory=lambda: defaultdict(list))
    labels: dict[str, str] = field(default_factory=dict)
    titles: dict[str, str] = field(default_factory=dict)
    types: list[str] = field(default_factory=list)
    incoming: int = 0


def _rows(query: Query, sparql: str) -> Iterable[tuple[str, ox.Literal | ox.NamedNode]]:
    for solution in query(sparql_prologue() + sparql):
        first, second = solution[0], solution[1]
        if first is not None and second is not None:
            yield first.value, second


def collect(query: Query) -> dict[str, _Document]:
    """Everything to index, read by SPARQL through ``query``: IRI -> document."""
    documents: dict[str, _Document] = defaultdict(_Document)
    for kind in ("label", "title"):
        for iri, text in _rows(query, _QUERIES[kind]):
            document = documents[iri]
            if text.value not in document.columns["title"]:
                document.columns["title"].append(text.value)
            language = getattr(text, "language", None) or ""
            (document.labels if kind == "label" else document.titles).setdefault(
                language, text.value
            )
    for column in ("acronym", "description", "organisations", "places"):
        for iri, text in _rows(query, _QUERIES[column]):
            if iri in documents and text.value not in documents[iri].columns[column]:
                documents[iri].columns[column].append(text.value)
    for iri, type_ in _rows(query, _QUERIES["type"]):
        if iri in documents:
            documents[iri].types.append(type_.value)
    for iri, count in _rows(query, _QUERIES["incoming"]):
        if iri in documents:
            documents[iri].incoming = int(count.value)
    return {
        iri: doc
        for iri, doc in documents.items()
        if not doc.types or not set(doc.types) <= SKIP_TYPES
    }


def write_index(query: Query, directory: Path) -> Path:
    """Build the index of the data ``query`` sees as ``directory/search.sqlite`` (written
    whole, then renamed into place)."""
    target = Path(directory) / INDEX_NAME
    documents = collect(query)
    type_labels: dict[str, str] = {}
    for type_, text in _rows(query, _QUERIES["type_label"]):
        if getattr(text, "language", None) in (None, "", "en") or type_ not in type_labels:
            type_labels[type_] = text.value
    handle, scratch = tempfile.mkstemp(prefix=".search-", suffix=".tmp", dir=directory)
    os.close(handle)
    try:
        with sqlite3.connect(scratch) as db:
            names = ", ".join(COLUMNS)
            db.execute(
                f"CREATE VIRTUAL TABLE search USING fts5({names}, "
                "tokenize = 'unicode61 remove_diacritics 2')"
            )
            db.execute(
                "CREATE TABLE docs (id INTEGER PRIMARY KEY, iri TEXT UNIQUE, boost REAL, "
                "names TEXT, meta TEXT)"
            )
            db.execute(f"PRAGMA user_version = {LAYOUT}")
            for number, (iri, doc) in enumerate(sorted(documents.items()), start=1):
                types = sorted(doc.types, key=lambda t: (t not in type_labels, t))
                meta = {
                    "labels": doc.labels or doc.titles,
                    "titles": doc.titles,
                    "types": types,
                    "type_labels": {t: type_labels[t] for t in types if t in type_labels},
                }
                boost = 1 + 0.5 * math.log1p(doc.incoming)
                known = [*doc.labels.values(), *doc.columns.get("acronym", [])]
                key = "|" + "|".join(fold(n) for n in known) + "|"
                db.execute(
                    "INSERT INTO docs VALUES (?, ?, ?, ?, ?)",
                    (number, iri, boost, key, json.dumps(meta)),
                )
                values = [" \n ".join(doc.columns.get(c, [])) for c in COLUMNS]
                marks = ", ".join("?" * (len(COLUMNS) + 1))
                insert = f"INSERT INTO search (rowid, {names}) VALUES ({marks})"
                db.execute(insert, (number, *values))
        os.replace(scratch, target)
    finally:
        Path(scratch).unlink(missing_ok=True)
    return target


def fold(text: str) -> str:
    """Lower case, accents dropped, white space folded: how names are compared.

    >>> fold("  Hämeenlinna  Castle")
    'hameenlinna castle'
    """
    decomposed = unicodedata.normalize("NFKD", text)
    plain = "".join(c for c in decomposed if not unicodedata.combining(c))
    return " ".join(plain.lower().split())


def match_expression(text: str) -> str | None:
    """An FTS5 query for what a user typed: every word must occur, the last as a prefix.

    Words are quoted, so FTS5 operators in the input have no effect::

        >>> match_expression('health  cluster')
        '"health" "cluster"*'
        >>> match_expression('a" OR b*')
        '"a" "OR" "b"*'
        >>> match_expression("  ") is None
        True
    """
    words = _WORD.findall(text)
    if not words:
        return None
    return " ".join([*(f'"{w}"' for w in words[:-1]), f'"{words[-1]}"*'])


@dataclass
class Hit:
    """One search result: the resource, its label in the best language, its types, a snippet."""

    iri: str
    label: str
    labels: dict[str, str]
    title: str | None
    types: list[str]
    type_labels: dict[str, str]
    snippet: str
    score: float

    @property
    def kind(self) -> str:
        """What the resource is: the label of its first labelled type, else a type's local name."""
        if self.type_labels:
            return next(iter(self.type_labels.values()))
        return re.split(r"[/#]", self.types[0].rstrip("/#"))[-1] if self.types else ""

    @property
    def snippet_html(self) -> Markup:
        """The snippet, escaped, with the matched words in ``<mark>``."""
        marked = str(escape(self.snippet))
        return Markup(marked.replace(_MARK_OPEN, "<mark>").replace(_MARK_CLOSE, "</mark>"))

    @property
    def snippet_text(self) -> str:
        """The snippet as plain text, matched words in ``[...]``."""
        return self.snippet.replace(_MARK_OPEN, "[").replace(_MARK_CLOSE, "]")

    def as_json(self) -> dict[str, object]:
        return {
            "iri": self.iri,
            "label": self.label,
            "title": self.title,
            "types": self.types,
            "kind": self.kind,
            "snippet": self.snippet_text,
            "score": round(self.score, 4),
        }


@dataclass
class Results:
    """A page of hits and the total number of matches."""

    query: str
    total: int
    hits: list[Hit]


class SearchIndex:
    """A read-only handle on an index file."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)

    def usable(self) -> bool:
        """Whether the file exists and has this version's layout."""
        if not self.path.exists():
            return False
        with sqlite3.connect(f"file:{self.path}?mode=ro", uri=True) as db:
            return db.execute("PRAGMA user_version").fetchone()[0] == LAYOUT

    def search(
        self,
        text: str,
        *,
        limit: int = 20,
        offset: int = 0,
        languages: Iterable[str] = ("en",),
    ) -> Results:
        """Ranked hits for ``text``, best first; labels in the first wanted language."""
        expression = match_expression(text)
        if expression is None:
            return Results(text, 0, [])
        weights = ", ".join(str(w) for w in COLUMNS.values())
        with sqlite3.connect(f"file:{self.path}?mode=ro", uri=True) as db:
            total = db.execute(
                "SELECT count(*) FROM search WHERE search MATCH ?", (expression,)
            ).fetchone()[0]
            rows = db.execute(
                f"""SELECT docs.iri, docs.meta,
                           bm25(search, {weights}) * docs.boost
                           * (CASE WHEN instr(docs.names, ?) > 0 THEN {NAME_BONUS} ELSE 1 END)
                           AS rank,
                           snippet(search, -1, ?, ?, '…', 16)
                    FROM search JOIN docs ON docs.id = search.rowid
                    WHERE search MATCH ? ORDER BY rank, docs.iri LIMIT ? OFFSET ?""",
                ("|" + fold(text), _MARK_OPEN, _MARK_CLOSE, expression, limit, offset),
            ).fetchall()
        languages = list(languages)
        hits = []
        for iri, meta_json, rank, snippet in rows:
            meta = json.loads(meta_json)
            labels = meta["labels"]
            hits.append(
                Hit(
                    iri=iri,
                    label=pick_language(labels, languages) or iri,
                    labels=labels,
                    title=pick_language(meta["titles"], languages),
                    types=meta["types"],
                    type_labels=meta["type_labels"],
                    snippet=" ".join(snippet.split()),
                    score=-rank,
                )
            )
        return Results(text, total, hits)


def pick_language(texts: dict[str, str], languages: Iterable[str]) -> str | None:
    """The text in the first wanted language the data has, else untagged, English, any.

    >>> pick_language({"en": "Final conference", "fr": "Conférence finale"}, ["fr-BE", "en"])
    'Conférence finale'
    >>> pick_language({"": "Graz"}, ["de"])
    'Graz'
    """
    for language in languages:
        for tag in (language.lower(), language.lower().split("-")[0]):
            if tag in texts:
                return texts[tag]
    for fallback in ("", "en"):
        if fallback in texts:
            return texts[fallback]
    return next(iter(texts.values()), None)


def index_for(store: Store, cache: Path | None = None) -> SearchIndex:
    """The index of the store's current version: the one published with it, else (none, or
    one of an older layout) one built now into ``cache`` (default: the system temporary
    folder), keyed by store, version and layout."""
    published = store.search_index()
    if published is not None and SearchIndex(published).usable():
        return SearchIndex(published)
    version = store.version()
    identity = f"{getattr(store, 'root', id(store))}|{version}|{LAYOUT}"
    key = hashlib.sha256(identity.encode()).hexdigest()
    folder = (cache or Path(tempfile.gettempdir()) / "hcn-ld-search") / key[:16]
    index = SearchIndex(folder / INDEX_NAME)
    if not index.usable():
        folder.mkdir(parents=True, exist_ok=True)
        write_index(store.query, folder)
    return index
