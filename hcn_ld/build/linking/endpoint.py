"""Where link targets are looked up: a SPARQL endpoint over HTTP, or a local store (offline).

Both answer the same SELECT text with rows of plain strings, so the linker does not care
whether CORDIS is the real endpoint, an Oxigraph server in a test, or a local import::

    >>> Endpoint  # doctest: +ELLIPSIS
    <class '...Endpoint'>
"""

from __future__ import annotations

from abc import ABC, abstractmethod

import pyoxigraph as ox
from SPARQLWrapper import JSON, POST, SPARQLWrapper

from hcn_ld.store.base import Store

Rows = list[dict[str, str]]


class Endpoint(ABC):
    """Answers SPARQL SELECT queries with rows of ``variable -> string value``."""

    name: str

    @abstractmethod
    def select(self, sparql: str) -> Rows:
        """Run a SELECT; unbound variables are absent from a row."""


class SparqlEndpoint(Endpoint):
    """A remote SPARQL 1.1 endpoint, queried with SPARQLWrapper (POST, JSON results)."""

    def __init__(self, url: str, timeout: int = 120) -> None:
        self.name = url
        self.client = SPARQLWrapper(url, agent="hcn-ld linker (https://w3id.org/hcn/)")
        self.client.setMethod(POST)
        self.client.setReturnFormat(JSON)
        self.client.setTimeout(timeout)

    def select(self, sparql: str) -> Rows:
        self.client.setQuery(sparql)
        data = self.client.queryAndConvert()
        return [{k: v["value"] for k, v in b.items()} for b in data["results"]["bindings"]]


class StoreEndpoint(Endpoint):
    """A published :class:`hcn_ld.store.base.Store`: our own data, or CORDIS offline."""

    def __init__(self, store: Store, name: str = "local store") -> None:
        self.name = name
        self.store = store

    def select(self, sparql: str) -> Rows:
        result = self.store.query(sparql)
        if not isinstance(result, ox.QuerySolutions):
            raise ValueError("expected a SELECT query")
        names = [v.value for v in result.variables]
        return [{n: row[n].value for n in names if row[n] is not None} for row in result]
