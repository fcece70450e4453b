"""Settings shared by the CLI, the pipeline and the web app (defaults, env vars, paths)."""

from __future__ import annotations

import os
from dataclasses import dataclass, replace
from pathlib import Path

#: The repository root: ``ontology/``, ``shapes/`` and ``data/`` live here.
ROOT = Path(__file__).resolve().parent.parent

DEFAULT_BASE = "https://w3id.org/hcn/"
#: The CORDIS knowledge graph's SPARQL endpoint, where ``hcn-ld link`` looks organisations up.
DEFAULT_CORDIS_ENDPOINT = "https://cordis.europa.eu/datalab/sparql"


@dataclass(frozen=True)
class Settings:
    """Where things are and how IRIs look.

    >>> Settings().base
    'https://w3id.org/hcn/'
    >>> Settings(base="https://example.org/x/").base
    'https://example.org/x/'
    """

    base: str = DEFAULT_BASE
    store: str = "var/store"
    data_dir: Path = ROOT / "data"
    ontology_dir: Path = ROOT / "ontology"
    shapes_dir: Path = ROOT / "shapes"
    cordis_endpoint: str = DEFAULT_CORDIS_ENDPOINT
    #: Serve the base on the request's own origin (links, headers, RDF bodies); turn off when the
    #: server answers on the base's real domain.
    rewrite_base: bool = True
    #: Dereferencing style: ``False`` answers ``{base}id/..`` with 200 and ``Content-Location``
    #: naming the document; ``True`` answers 303 See Other to it (``{iri}.ttl``, ``{iri}.html``).
    redirect: bool = False
    #: Links shown per page of a resource's description, each way (longer ones are paged).
    page_size: int = 500
    #: SPARQL endpoint limits: seconds per query, rows per answer, characters per query.
    query_timeout: float = 30.0
    row_limit: int = 10_000
    max_query_length: int = 100_000
    #: Query executors copy a store generation of at most this many triples into memory.
    memory_triples: int = 1_000_000
    #: SERVICE endpoints federated queries may call (none by default).
    service_allowlist: tuple[str, ...] = ()
    #: Bearer token that enables SPARQL Update (read-only when unset).
    update_token: str | None = None
    #: Threads per web worker (on the embedded store each runs its queries in its own executor
    #: process; on a remote store, itself).
    threads: int = 8
    #: Per-client rate limit of /sparql in each worker: requests per second, burst (0 = off).
    sparql_rate: float = 20.0
    sparql_burst: int = 100
    #: Largest request body accepted (bytes); bigger ones get 413.
    max_request_bytes: int = 2 * 1024 * 1024
    #: Addresses of reverse proxies whose ``X-Forwarded-For`` names the real client.
    trusted_proxies: tuple[str, ...] = ("127.0.0.1", "::1")

    def with_(self, **changes: object) -> Settings:
        """A copy with some settings changed (``None`` values are ignored)."""
        return replace(self, **{k: v for k, v in changes.items() if v is not None})


def _flag(name: str) -> bool | None:
    value = os.environ.get(name)
    return None if value is None else value.strip().lower() in ("1", "true", "yes", "on")


def from_env() -> Settings:
    """Settings from ``HCN_BASE``, ``HCN_STORE``, ``HCN_DATA``, ``HCN_REWRITE_BASE``,
    ``HCN_REDIRECT``, ``HCN_PAGE_SIZE``, ``HCN_UPDATE_TOKEN`` and ``HCN_CORDIS_ENDPOINT``
    where set."""
    settings = Settings()
    return settings.with_(
        base=os.environ.get("HCN_BASE"),
        store=os.environ.get("HCN_STORE"),
        data_dir=Path(os.environ["HCN_DATA"]) if os.environ.get("HCN_DATA") else None,
        rewrite_base=_flag("HCN_REWRITE_BASE"),
        redirect=_flag("HCN_REDIRECT"),
        page_size=int(os.environ["HCN_PAGE_SIZE"]) if os.environ.get("HCN_PAGE_SIZE") else None,
        update_token=os.environ.get("HCN_UPDATE_TOKEN") or None,
        cordis_endpoint=os.environ.get("HCN_CORDIS_ENDPOINT"),
    )
