"""The embedded store: pyoxigraph on disk, published as immutable generations.

Layout of a store directory::

    var/store/
      current -> generations/20261127T010203Z-1a2b   (symlink, swapped atomically)
      switches                                       (count of swaps, mapped by readers)
      generations/<id>/oxigraph/                     (RocksDB, never written after publish)
      generations/<id>/manifest.json                 (graphs, counts, publish info)
      generations/<id>/dumps/                        (whole-dataset dumps + checksums)
      generations/<id>/search.sqlite                 (full-text index, see hcn_ld.derived.search)

A publish copies the current generation (a RocksDB checkpoint: hard links, cheap), replaces
its own graphs in the copy (or, when they are most of the data, bulk-loads them into a fresh
store beside copies of the other graphs), lets the caller check the result (SHACL, see
:mod:`hcn_ld.build.pipeline`), and only then points ``current`` at it. Readers hold a
``Store.read_only`` handle on one generation and reopen when ``current`` moves, so they never
see a half-written store and a failed or killed publish changes nothing they serve.

    >>> import tempfile, pathlib
    >>> root = pathlib.Path(tempfile.mkdtemp()) / "store"
    >>> nt = root.parent / "g.nt"
    >>> _ = nt.write_text('<http://e/a> <http://e/p> "1" .\\n')
    >>> store = LocalStore(root)
    >>> version = store.publish([GraphFile("http://e/g", nt)])
    >>> store.graphs()
    {'http://e/g': 1}
    >>> bool(store.query("ASK { <http://e/a> ?p ?o }"))
    True
"""

from __future__ import annotations

import datetime as dt
import fcntl
import json
import mmap
import os
import secrets
import shutil
import subprocess
import sys
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from functools import partial
from pathlib import Path

import pyoxigraph as ox

from hcn_ld.derived.dumps import MANIFEST, write_dumps
from hcn_ld.derived.search import INDEX_NAME, write_index
from hcn_ld.store.base import Check, Deriving, GraphFile, NoData, QueryResult, Store, StoreError

#: Generations kept besides the current one (readers may still hold them open).
KEEP_OLD = 2
#: Generations up to this many quads get their dumps and search index before they are
#: served; larger ones get them from a background process started after the switch
#: (meanwhile the dumps and the search answer 503 with Retry-After). Environment:
#: ``HCN_LD_DERIVE_INLINE``.
DERIVE_INLINE = int(os.environ.get("HCN_LD_DERIVE_INLINE", 1_000_000))
#: Marker file of a background writer of derived files (holds its process id).
DERIVING = ".deriving"
#: A count of the switches of ``current`` (8 bytes), which readers map into memory: they
#: read the link again when it moved, not on every call (``readlink`` is a system call, about
#: 30 µs on an idle CPU, and each web request asked twice).
SWITCHES = "switches"
#: Seconds a reader trusts the count: the link is read again at least this often anyway (a
#: store directory replaced as a whole has a new count file the reader does not see).
TRUST_COUNT = 1.0


class LocalStore(Store):
    """A pyoxigraph store directory with atomic, generation-based publishing."""

    def __init__(self, root: str | os.PathLike[str], memory_triples: int = 0) -> None:
        self.root = Path(root)
        self._current = str(self.current_link)
        #: Generations with at most this many quads are read into memory on open (faster
        #: queries; generations never change, so the copy stays exact). 0: always on disk.
        self.memory_triples = memory_triples
        self._open_id: str | None = None
        self._handle: ox.Store | None = None
        self._manifest: dict[str, object] = {}
        #: The mapped switch count, and (count, generation, until when it is trusted).
        self._switches: mmap.mmap | None = None
        self._seen: tuple[bytes, str, float] = (b"", "", 0.0)

    # ---------------------------------------------------------------- reading

    @property
    def current_link(self) -> Path:
        return self.root / "current"

    def current_id(self) -> str:
        """The id of the generation being served; :class:`NoData` if none was published."""
        switches = self._switches
        count = switches[:8] if switches is not None else b""
        now = time.monotonic()
        seen_count, seen, until = self._seen
        if count and count == seen_count and now < until:
            return seen
        try:  # (str methods, not pathlib: this runs on every request)
            generation = os.readlink(self._current).rpartition("/")[2]
        except FileNotFoundError:
            raise NoData(f"no data published in {self.root}: run 'hcn-ld build'") from None
        if switches is None and generation != seen:  # new data: the count may be there now
            self._switches = _map_count(self.root / SWITCHES)
        self._seen = (count, generation, now + TRUST_COUNT)
        return generation

    def generation_dir(self, generation: str | None = None) -> Path:
        """The directory of a generation (default: the current one)."""
        return self.root / "generations" / (generation or self.current_id())

    def search_index(self) -> Path | None:
        path = self.generation_dir() / INDEX_NAME
        if path.exists():
            return path
        self._refuse_while_deriving()
        return None

    def _refuse_while_deriving(self) -> None:
        """:class:`Deriving` while a background process writes the current generation's
        dumps and search index (a dead writer's marker is ignored: the web derives them)."""
        marker = self.generation_dir() / DERIVING
        try:
            os.kill(int(marker.read_text()), 0)
        except (OSError, ValueError):
            return
        raise Deriving("the dumps and search index of the new data are being written")

    def _reader(self) -> ox.Store:
        generation = self.current_id()
        if generation != self._open_id or self._handle is None:
            path = self.generation_dir(generation)
            try:
                handle = ox.Store.read_only(str(path / "oxigraph"))
                manifest = json.loads((path / "manifest.json").read_text())
            except OSError as exc:
                raise StoreError(f"cannot open store generation {path}: {exc}") from exc
            if 0 < sum(manifest["graphs"].values()) <= self.memory_triples:
                memory = ox.Store()
                quads = handle.dump(format=ox.RdfFormat.N_QUADS)
                memory.load(quads, format=ox.RdfFormat.N_QUADS)
                handle = memory
            self._handle, self._open_id, self._manifest = handle, generation, manifest
        return self._handle

    def query(
        self,
        sparql: str,
        *,
        default_graphs: Sequence[str] | None = None,
        named_graphs: Sequence[str] | None = None,
        base_iri: str | None = None,
    ) -> QueryResult:
        store = self._reader()
        options: dict[str, object] = {"base_iri": base_iri}
        if default_graphs is None:
            options["use_default_graph_as_union"] = True
        else:
            options["default_graph"] = [ox.NamedNode(g) for g in default_graphs]
        if named_graphs is not None:
            options["named_graphs"] = [ox.NamedNode(g) for g in named_graphs]
        return store.query(sparql, **options)

    # The version is the current generation's id (no call in between: read on every request).
    version = current_id

    def graphs(self) -> dict[str, int]:
        self._reader()
        return dict(self._manifest["graphs"])  # type: ignore[arg-type]

    def info(self) -> dict[str, object]:
        self._reader()
        return {**self._manifest, "version": self._open_id}

    def dumps_folder(self) -> Path | None:
        folder = self.generation_dir() / "dumps"
        if (folder / MANIFEST).exists():
            return folder
        self._refuse_while_deriving()
        return None

    # ---------------------------------------------------------------- publishing

    @contextmanager
    def _lock(self) -> Iterator[None]:
        """One publisher at a time (the lock dies with its process, even on SIGKILL)."""
        self.root.mkdir(parents=True, exist_ok=True)
        with open(self.root / ".lock", "w") as handle:
            fcntl.flock(handle, fcntl.LOCK_EX)
            yield

    def publish(
        self,
        files: Sequence[GraphFile],
        info: Mapping[str, object] | None = None,
        check: Check | None = None,
    ) -> str:
        def load(store: ox.Store) -> None:
            for item in files:
                graph = ox.NamedNode(item.graph)
                if store.contains_named_graph(graph):
                    store.remove_graph(graph)
                item.load_into(store)

        return self._new_generation(load, info, check, replaced={f.graph for f in files})

    def update(self, sparql: str, *, base_iri: str | None = None) -> str:
        """Apply the update to a copy of the current generation, then switch to the copy.

        >>> import tempfile
        >>> store = LocalStore(tempfile.mkdtemp())
        >>> _ = store.update("INSERT DATA { GRAPH <http://e/g> { <http://e/a> <http://e/p> 1 } }")
        >>> store.graphs()
        {'http://e/g': 1}
        """
        return self._new_generation(
            lambda store: store.update(sparql, base_iri=base_iri), {"updated_by": "SPARQL Update"}
        )

    def _new_generation(
        self,
        change: Callable[[ox.Store], None],
        info: Mapping[str, object] | None,
        check: Check | None = None,
        replaced: set[str] | None = None,
    ) -> str:
        """Copy the current generation, ``change`` the copy, ``check`` it, switch to it.

        The copy is a RocksDB checkpoint, unless the ``replaced`` graphs hold most of the
        data: then the other graphs are copied into a fresh store (removing millions of
        quads costs more than loading the rest again). If ``change`` or ``check`` raises,
        the copy is removed and ``current`` is untouched.
        """
        with self._lock():
            now = dt.datetime.now(dt.UTC)
            generation = f"{now:%Y%m%dT%H%M%S%fZ}-{secrets.token_hex(3)}"
            target = self.generation_dir(generation)
            target.mkdir(parents=True)
            try:
                previous = self.current_id()
            except NoData:
                previous = None
            try:
                store = self._copy(previous, target / "oxigraph", replaced)
                change(store)
                store.optimize()  # compacted, queries (the check's too) run in parallel threads
                if check is not None:
                    check(store)
            except BaseException:
                store = None
                shutil.rmtree(target, ignore_errors=True)
                raise
            counts = {
                row["g"].value: int(row["n"].value)
                for row in store.query(  # type: ignore[union-attr]
                    "SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g"
                )
            }
            inline = sum(counts.values()) <= DERIVE_INLINE
            if inline:
                write_derived(store, target)
            store.flush()
            del store
            manifest = {
                "published": now.isoformat(timespec="seconds"),
                "previous": previous,
                "graphs": dict(sorted(counts.items())),
                **(info or {}),
            }
            (target / "manifest.json").write_text(json.dumps(manifest, indent=2, default=str))
            if not inline:
                _derive_in_background(target)
            self._switch(generation)
            self._collect(keep=generation)
            return generation

    def _copy(self, previous: str | None, path: Path, replaced: set[str] | None) -> ox.Store:
        """A writable copy of generation ``previous`` at ``path`` (empty if there is none)."""
        if previous is None:
            return ox.Store(str(path))
        source = ox.Store.read_only(str(self.generation_dir(previous) / "oxigraph"))
        counts = json.loads((self.generation_dir(previous) / "manifest.json").read_text())["graphs"]
        kept = {g: n for g, n in counts.items() if g not in (replaced or set())}
        if sum(counts.values()) - sum(kept.values()) <= sum(kept.values()):
            source.backup(str(path))
            return ox.Store(str(path))
        store = ox.Store(str(path))
        for graph in kept:
            name = ox.NamedNode(graph)
            data = source.dump(format=ox.RdfFormat.N_TRIPLES, from_graph=name)
            store.bulk_load(data, format=ox.RdfFormat.N_TRIPLES, to_graph=name)
        return store

    def _switch(self, generation: str) -> None:
        """Point ``current`` at a generation in one atomic rename."""
        temporary = self.root / f".current-{generation}"
        temporary.symlink_to(Path("generations") / generation)
        os.replace(temporary, self.current_link)
        fd = os.open(self.root, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
        # Then tell readers (publishes take turns: no other one counts meanwhile).
        fd = os.open(self.root / SWITCHES, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            count = int.from_bytes(os.pread(fd, 8, 0).ljust(8, b"\0"), "little")
            os.pwrite(fd, (count + 1).to_bytes(8, "little"), 0)
        finally:
            os.close(fd)

    def _collect(self, keep: str) -> None:
        """Keep ``keep`` and the :data:`KEEP_OLD` generations served before it; remove the rest.

        Following the manifests' ``previous`` links also removes what killed publishes left
        behind (we hold the lock, so no publish is running), and stray ``.current-*`` links.
        """
        served = [keep]
        while len(served) <= KEEP_OLD:
            try:
                manifest = json.loads(
                    (self.generation_dir(served[-1]) / "manifest.json").read_text()
                )
            except (OSError, ValueError):
                break
            if not manifest.get("previous"):
                break
            served.append(manifest["previous"])
        for path in (self.root / "generations").iterdir():
            if path.name not in served:
                shutil.rmtree(path, ignore_errors=True)
        for link in self.root.glob(".current-*"):
            link.unlink(missing_ok=True)


def write_derived(store: ox.Store, directory: Path) -> None:
    """Write the dumps (``directory/dumps``) and the search index of a generation's store."""
    query = partial(store.query, use_default_graph_as_union=True)
    write_dumps(query, directory / "dumps")
    write_index(query, directory)


def _derive_in_background(directory: Path) -> None:
    """Start a detached process writing the derived files of generation ``directory``."""
    process = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import sys, hcn_ld.store.local as m; m.derive(sys.argv[1])",
            directory,
        ],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        start_new_session=True,
    )
    (directory / DERIVING).write_text(str(process.pid))


def derive(directory: str) -> None:
    """The background writer's job (see :func:`_derive_in_background`)."""
    generation = Path(directory)
    write_derived(ox.Store.read_only(str(generation / "oxigraph")), generation)
    (generation / DERIVING).unlink(missing_ok=True)


def _map_count(path: Path) -> mmap.mmap | None:
    """The switch count at ``path`` mapped into memory (None while there is none)."""
    try:
        with open(path, "rb") as file:
            return mmap.mmap(file.fileno(), 8, access=mmap.ACCESS_READ)
    except (OSError, ValueError):  # not there yet, or not written yet
        return None
