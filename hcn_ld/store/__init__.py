"""Stage 4: the store the data is published into and served from (one interface, two kinds).

``open_store`` picks the implementation from the store spec::

    >>> type(open_store("var/store")).__name__
    'LocalStore'
    >>> type(open_store("sparql+http://127.0.0.1:7878/query")).__name__
    'RemoteStore'
"""

from __future__ import annotations

from hcn_ld.store.base import NoData, Store, StoreError
from hcn_ld.store.local import LocalStore
from hcn_ld.store.remote import RemoteStore, is_remote

__all__ = ["NoData", "Store", "StoreError", "LocalStore", "RemoteStore", "is_remote", "open_store"]


def open_store(spec: str, *, timeout: float | None = None) -> Store:
    """A store for a spec: ``sparql+http(s)://…`` for a SPARQL 1.1 server
    (see :mod:`hcn_ld.store.remote`; ``timeout``: seconds it may take to answer a query),
    otherwise a directory of the embedded pyoxigraph store."""
    if not is_remote(spec):
        return LocalStore(spec)
    return RemoteStore(spec) if timeout is None else RemoteStore(spec, timeout=timeout)
