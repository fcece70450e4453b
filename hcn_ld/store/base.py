"""The store interface: publish whole named graphs atomically, answer SPARQL over them."""

from __future__ import annotations

import tempfile
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import pyoxigraph as ox

#: Checks new graphs before they are published (raises to refuse them), see ``publish``.
Check = Callable[[ox.Store], None]

#: What a query returns: solutions (SELECT), a boolean (ASK) or triples (CONSTRUCT/DESCRIBE).
QueryResult = ox.QuerySolutions | ox.QueryBoolean | ox.QueryTriples


class StoreError(Exception):
    """The store cannot do what was asked (unreachable, corrupt, locked)."""


#: What the web tells clients when the store fails (the details, which may name internal
#: addresses, go to the server's log only), and the seconds after which to retry.
UNAVAILABLE = "the data store is unavailable right now; please try again in a moment"
RETRY_AFTER = 5


class QueryTimeout(StoreError):
    """The query ran past its time limit and was stopped (or given up on)."""


class NoData(StoreError):
    """Nothing has been published into this store yet."""


class Deriving(StoreError):
    """The dumps and search index of the current version are still being written."""


@dataclass(frozen=True)
class GraphFile:
    """One named graph to publish: its IRI and the N-Triples file(s) holding its triples."""

    graph: str
    #: one file, or several (maybe an iterator yielding each once it is written)
    path: Path | Iterable[Path]

    @property
    def paths(self) -> Iterable[Path]:
        return (self.path,) if isinstance(self.path, Path) else self.path

    def load_into(self, store: ox.Store) -> None:
        """Bulk-load the file(s) into the named graph of ``store`` (without re-checking every
        term: hcn-ld writes these N-Triples from parsed terms)."""
        graph = ox.NamedNode(self.graph)
        for path in self.paths:
            store.bulk_load(
                path=str(path), format=ox.RdfFormat.N_TRIPLES, to_graph=graph, lenient=True
            )

    def __post_init__(self) -> None:
        # Remote stores write the IRI into SPARQL Update text: only a valid IRI gets there.
        ox.NamedNode(self.graph)  # ValueError otherwise


class Store(ABC):
    """A published dataset: named graphs, one per source, and SPARQL over them.

    Readers see one consistent version at a time; ``publish`` replaces some graphs and
    leaves the others as they are, all at once or not at all.
    """

    @abstractmethod
    def query(
        self,
        sparql: str,
        *,
        default_graphs: Sequence[str] | None = None,
        named_graphs: Sequence[str] | None = None,
        base_iri: str | None = None,
    ) -> QueryResult:
        """Run a SPARQL query.

        Without ``default_graphs`` the default graph is the union of all named graphs;
        with them, exactly those graphs (SPARQL 1.1 Protocol ``default-graph-uri``).
        ``named_graphs`` restricts what ``GRAPH`` sees (``named-graph-uri``).
        Relative IRIs resolve against ``base_iri``. Raises ``SyntaxError`` for a malformed query.
        """

    def update(self, sparql: str, *, base_iri: str | None = None) -> str:
        """Apply a SPARQL 1.1 Update, all of it or nothing; returns the new version.

        Readers keep seeing the previous version until the update is complete.
        Raises ``SyntaxError`` for a malformed update; stores that take no updates raise
        :class:`StoreError` (this default).
        """
        raise StoreError(f"{type(self).__name__} does not accept SPARQL Update")

    @abstractmethod
    def version(self) -> str:
        """An opaque id of the published data; it changes with every publish."""

    @abstractmethod
    def graphs(self) -> dict[str, int]:
        """Named graph IRI -> number of triples."""

    @abstractmethod
    def info(self) -> dict[str, object]:
        """What the last publish recorded (``published`` time, build details) plus ``version``."""

    def dumps_folder(self) -> Path | None:
        """Where the dumps of the current version were written at publish time, if anywhere.

        Stores that do not keep dumps return ``None``; the web app then writes them itself
        (see :mod:`hcn_ld.derived.dumps`).
        """
        return None

    @abstractmethod
    def publish(
        self,
        files: Sequence[GraphFile],
        info: Mapping[str, object] | None = None,
        check: Check | None = None,
    ) -> str:
        """Replace the named graphs of ``files`` with their contents; returns the new version.

        ``check`` is given a pyoxigraph store holding the new graphs (the embedded store:
        the new version itself) before anything is served; if it raises, nothing changes.
        """

    def search_index(self) -> Path | None:
        """The full-text index written with the current version at publish time, if any.

        Stores that write none return ``None``; the web app then builds one per version on
        first use (see :func:`hcn_ld.derived.search.index_for`).
        """
        return None


def check_in_scratch(files: Sequence[GraphFile], check: Check) -> None:
    """Run ``check`` on a scratch pyoxigraph store holding only ``files`` (for stores that
    cannot hand over their own new version)."""
    with tempfile.TemporaryDirectory(prefix="hcn-check-") as scratch:
        store = ox.Store(scratch)
        for item in files:
            item.load_into(store)
        try:
            check(store)
        finally:
            del store
