"""The one registry of RDF and SPARQL-result formats, shared by dereferencing, SPARQL and the CLI.

>>> by_name("turtle").media_type
'text/turtle'
>>> by_extension("nt").name
'ntriples'
>>> by_media_type("application/sparql-results+json").name
'json'
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import pyoxigraph as ox
from werkzeug.datastructures import MIMEAccept
from werkzeug.http import parse_accept_header


@dataclass(frozen=True)
class Format:
    """A serialization: its name, media types, file extension and pyoxigraph format."""

    name: str
    media_type: str
    extension: str
    label: str
    #: ``None`` for formats pyoxigraph does not write (HTML pages).
    oxigraph: ox.RdfFormat | ox.QueryResultsFormat | None
    aliases: tuple[str, ...] = ()
    #: True for formats that carry named graphs (N-Quads, TriG).
    datasets: bool = False

    @property
    def media_types(self) -> tuple[str, ...]:
        return (self.media_type, *self.aliases)

    @property
    def is_rdf(self) -> bool:
        return isinstance(self.oxigraph, ox.RdfFormat)


RDF_FORMATS: tuple[Format, ...] = (
    Format(
        "turtle", "text/turtle", "ttl", "Turtle", ox.RdfFormat.TURTLE, ("application/x-turtle",)
    ),
    Format("jsonld", "application/ld+json", "jsonld", "JSON-LD", ox.RdfFormat.JSON_LD),
    Format(
        "rdfxml",
        "application/rdf+xml",
        "rdf",
        "RDF/XML",
        ox.RdfFormat.RDF_XML,
        ("application/xml",),
    ),
    Format("ntriples", "application/n-triples", "nt", "N-Triples", ox.RdfFormat.N_TRIPLES),
    Format("nquads", "application/n-quads", "nq", "N-Quads", ox.RdfFormat.N_QUADS, datasets=True),
    Format("trig", "application/trig", "trig", "TriG", ox.RdfFormat.TRIG, datasets=True),
)

RESULT_FORMATS: tuple[Format, ...] = (
    Format(
        "json",
        "application/sparql-results+json",
        "srj",
        "SPARQL JSON",
        ox.QueryResultsFormat.JSON,
        ("application/json",),
    ),
    Format(
        "xml",
        "application/sparql-results+xml",
        "srx",
        "SPARQL XML",
        ox.QueryResultsFormat.XML,
        ("application/xml",),
    ),
    Format("csv", "text/csv", "csv", "CSV", ox.QueryResultsFormat.CSV),
    Format("tsv", "text/tab-separated-values", "tsv", "TSV", ox.QueryResultsFormat.TSV),
)

#: Human-readable pages (resource pages, the query UI).
HTML = Format("html", "text/html", "html", "HTML", None, ("application/xhtml+xml",))
#: Plain JSON answers of the site's own APIs (search results); not an RDF or SPARQL format.
JSON = Format("json", "application/json", "json", "JSON", None)

ALL_FORMATS = RDF_FORMATS + RESULT_FORMATS + (HTML,)


def by_name(name: str, formats: tuple[Format, ...] = ALL_FORMATS) -> Format:
    """The format called ``name`` (or with that extension); ``KeyError`` if none."""
    for candidate in formats:
        if name in (candidate.name, candidate.extension):
            return candidate
    raise KeyError(name)


def by_extension(extension: str, formats: tuple[Format, ...] = ALL_FORMATS) -> Format:
    """The format whose file extension is ``extension``; ``KeyError`` if none."""
    for candidate in formats:
        if candidate.extension == extension:
            return candidate
    raise KeyError(extension)


def by_media_type(media_type: str, formats: tuple[Format, ...] = ALL_FORMATS) -> Format:
    """The first format that answers to ``media_type``; ``KeyError`` if none."""
    for candidate in formats:
        if media_type in candidate.media_types:
            return candidate
    raise KeyError(media_type)


@lru_cache(maxsize=1024)  # the same few Accept headers come again and again
def negotiate(accept: str | None, offered: tuple[Format, ...], default: Format) -> Format | None:
    """The offered format the ``Accept`` header prefers (q-values honoured).

    A missing or empty header, or ``*/*``, gets ``default``; ``None`` when nothing offered
    is acceptable (answer 406).

    >>> negotiate("text/turtle;q=0.5, application/ld+json", RDF_FORMATS, RDF_FORMATS[0]).name
    'jsonld'
    >>> negotiate("image/png", RDF_FORMATS, RDF_FORMATS[0]) is None
    True
    """
    if not accept or not accept.strip():
        return default
    by_type = {media_type: fmt for fmt in (default, *offered) for media_type in fmt.media_types}
    best = parse_accept_header(accept, MIMEAccept).best_match(list(by_type))
    return by_type[best] if best else None
