"""Every URL the web app shows is built here, and the base IRI is mapped onto the request's origin.

The data keeps its canonical IRIs (``https://w3id.org/hcn/...``). When the app answers on another
origin (``http://127.0.0.1:8080/``) and ``Settings.rewrite_base`` is on, every IRI under the base
is shown under that origin instead, so links lead back to this server::

    >>> urls = Urls("https://w3id.org/hcn/", "http://127.0.0.1:8080/")
    >>> urls.public("https://w3id.org/hcn/id/project/healthclusternet")
    'http://127.0.0.1:8080/id/project/healthclusternet'
    >>> urls.canonical("http://127.0.0.1:8080/ontology#Theme")
    'https://w3id.org/hcn/ontology#Theme'
    >>> urls.document("https://w3id.org/hcn/id/place/graz", "ttl")
    'http://127.0.0.1:8080/id/place/graz.ttl'
    >>> urls.page("id/place/", page=2)
    'http://127.0.0.1:8080/id/place/?page=2'
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import urlencode

import pyoxigraph as ox
from flask import request
from werkzeug.wrappers import Request

from hcn_ld.config import Settings

#: Where the dataset description (VoID + DCAT-AP) lives, relative to the base.
DATASET_PATH = "id/dataset/hcn"
ONTOLOGY_PATH = "ontology"
SHAPES_PATH = "shapes"
CONTEXT_PATH = "context.jsonld"


@dataclass(frozen=True)
class Urls:
    """The canonical base and where it is served for this request (equal when not rewriting)."""

    base: str
    served: str

    @property
    def rewriting(self) -> bool:
        return self.base != self.served

    # ------------------------------------------------------------ IRIs <-> URLs

    def public(self, iri: str) -> str:
        """The URL a client should follow for ``iri`` (unchanged if outside the base)."""
        if self.rewriting and iri.startswith(self.base):
            return self.served + iri[len(self.base) :]
        return iri

    def canonical(self, url: str) -> str:
        """The IRI in the data for a URL of this server (unchanged if outside it)."""
        if self.rewriting and url.startswith(self.served):
            return self.base + url[len(self.served) :]
        return url

    def term(
        self, term: ox.NamedNode | ox.BlankNode | ox.Literal
    ) -> ox.NamedNode | ox.BlankNode | ox.Literal:
        """An RDF term with its IRI made public (literals and blank nodes unchanged)."""
        if self.rewriting and isinstance(term, ox.NamedNode) and term.value.startswith(self.base):
            return ox.NamedNode(self.served + term.value[len(self.base) :])
        return term

    def iri_for_path(self, path: str) -> str:
        """The canonical IRI a request path (relative to the app root) names."""
        return self.base + path.lstrip("/")

    # ------------------------------------------------------------ pages of this server

    def page(self, path: str = "", **params: object) -> str:
        """A URL of this server: ``path`` relative to the served base, with query parameters."""
        query = urlencode({k: v for k, v in params.items() if v is not None})
        return self.served + path.lstrip("/") + (f"?{query}" if query else "")

    def document(self, iri: str, extension: str, page: int = 1) -> str:
        """The document URL of one representation of ``iri`` (``{iri}.{extension}``)."""
        url = f"{self.public(iri)}.{extension}"
        return url + (f"?page={page}" if page > 1 else "")

    def resource(self, iri: str, page: int = 1) -> str:
        """The (negotiated) URL of a resource, optionally at a page of its links."""
        return self.public(iri) + (f"?page={page}" if page > 1 else "")

    def sparql(self, query: str) -> str:
        """The SPARQL endpoint with a ready query."""
        return self.page("sparql", query=query)

    def ontology(self) -> str:
        return self.page(ONTOLOGY_PATH)

    def dataset(self) -> str:
        return self.page(DATASET_PATH)

    def context(self) -> str:
        """The published JSON-LD ``@context``."""
        return self.page(CONTEXT_PATH)

    def type_list(self, type_: str, page: int = 1) -> str:
        """The list page of all resources of one kind: ``{base}id/{type}/``."""
        return self.page(f"id/{type_}/", page=page if page > 1 else None)

    def class_list(self, class_iri: str, page: int = 1) -> str:
        """The list page of the instances of one class."""
        return self.page("class", iri=class_iri, page=page if page > 1 else None)

    def search(self, text: str | None = None) -> str:
        return self.page("search", q=text)

    def dumps(self, name: str = "") -> str:
        return self.page(f"dumps/{name}")


#: A host name or address with an optional port (what may appear in a served IRI).
_HOST = re.compile(r"(?:[A-Za-z0-9][A-Za-z0-9.-]{0,252}|\[[0-9A-Fa-f:.]{2,45}\])(?::\d{1,5})?")


def served_base(settings: Settings, request: Request = request) -> str:
    """Where the base is served for the current (or the given) request (``X-Forwarded-*``
    honoured)."""
    if not settings.rewrite_base:
        return settings.base
    headers = request.headers
    proto = headers.get("X-Forwarded-Proto", request.scheme).split(",")[0].strip().lower()
    host = headers.get("X-Forwarded-Host", request.host).split(",")[0].strip()
    if proto not in ("http", "https"):
        proto = request.scheme
    if not _HOST.fullmatch(host):
        # A forged Host / X-Forwarded-Host must not reach IRIs, links or RDF bodies.
        host = request.host if _HOST.fullmatch(request.host) else "localhost"
    return f"{proto}://{host}{request.script_root}/"


def for_request(settings: Settings) -> Urls:
    """The :class:`Urls` of the current request."""
    return Urls(settings.base, served_base(settings))
