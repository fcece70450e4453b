"""Stage 4: the store the data is published into and served from (one interface, two kinds).

``open_store`` picks the implementation from the store spec::

    >>> type(open_store("var/store")).__name__
    'LocalStore'
"""

from __future__ import annotations

from hcn_ld.store.base import NoData, Store, StoreError
from hcn_ld.store.local import LocalStore

__all__ = ["NoData", "Store", "StoreError", "LocalStore", "open_store"]


def open_store(spec: str) -> Store:
    """A store for a spec: a directory path for the embedded pyoxigraph store."""
    return LocalStore(spec)
