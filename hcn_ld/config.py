"""Settings shared by the CLI, the pipeline and the web app (defaults, env vars, paths)."""

from __future__ import annotations

import os
from dataclasses import dataclass, replace
from pathlib import Path

#: The repository root: ``ontology/``, ``shapes/`` and ``data/`` live here.
ROOT = Path(__file__).resolve().parent.parent

DEFAULT_BASE = "https://w3id.org/hcn/"


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
    #: SPARQL endpoint limits: seconds per query, rows per answer, characters per query.
    query_timeout: float = 30.0
    row_limit: int = 10_000
    max_query_length: int = 100_000
    #: SERVICE endpoints federated queries may call (none by default).
    service_allowlist: tuple[str, ...] = ()
    #: Bearer token that enables SPARQL Update (read-only when unset).
    update_token: str | None = None

    def with_(self, **changes: object) -> Settings:
        """A copy with some settings changed (``None`` values are ignored)."""
        return replace(self, **{k: v for k, v in changes.items() if v is not None})


def from_env() -> Settings:
    """Settings from ``HCN_BASE``, ``HCN_STORE``, ``HCN_DATA``, ``HCN_UPDATE_TOKEN`` where set."""
    settings = Settings()
    return settings.with_(
        base=os.environ.get("HCN_BASE"),
        store=os.environ.get("HCN_STORE"),
        data_dir=Path(os.environ["HCN_DATA"]) if os.environ.get("HCN_DATA") else None,
        update_token=os.environ.get("HCN_UPDATE_TOKEN") or None,
    )
