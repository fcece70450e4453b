"""Large imports: partitions mapped in parallel worker processes straight into N-Triples.

An importer that can cut its data into self-contained partitions (KEEP: one project with its
partners, organisations, events and places) never builds one giant rdflib graph. Worker
processes map a share of the items each and append every partition's triples to their own
N-Triples file, ready for the store's bulk loader; nodes shared by many partitions
(organisations, programmes, places) are described identically in each, so a worker writes a
subject's triples only the first time it meets it. Validation then runs over the loaded
store (:mod:`hcn_ld.build.shaclsparql`).

With the fingerprints of a previous import (a hash of each partition's triples), the subjects
of new or changed partitions are collected, and the whole triples of those partitions written
apart, so that they can be validated alone::

    job = MappingJob(projects, mapper.project, Path("scratch"), previous=fingerprints)
    written, log = job.result()
    written.files, written.changed_subjects, written.changed_files
"""

from __future__ import annotations

import hashlib
import json
import multiprocessing
import os
import queue
import time
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from rdflib import Literal, URIRef
from rdflib.plugins.serializers.nt import _nt_row

from hcn_ld.build.mapping import Mapped
from hcn_ld.build.sources import Origin
from hcn_ld.build.validation import Finding, Report, sort_findings
from hcn_ld.config import Settings

if TYPE_CHECKING:
    from hcn_ld.build.importers.common import ImportLog

Triple = tuple[URIRef, URIRef, URIRef | Literal]

#: Size of the N-Triples files workers write: the store's bulk loader holds about a file in
#: memory (3.5 M triples in one file: 1.6 GB; in files of 40 MB: 0.3 GB).
FILE_BYTES = 40_000_000


@dataclass
class Partition:
    """The triples of one self-contained part of an import, and the source of each IRI.

    ``key`` names the partition across imports (KEEP: the project IRI); ``shared`` holds the
    triples describing nodes that other partitions describe identically (organisations,
    programmes, places), written once per worker.
    """

    key: str
    triples: list[Triple]
    shared: list[Triple] = field(default_factory=list)
    origins: dict[URIRef, Origin] = field(default_factory=dict)

    def all_triples(self) -> list[Triple]:
        """Its own triples, then the shared ones."""
        return self.triples + self.shared


@dataclass
class Written:
    """What a :class:`MappingJob` wrote: N-Triples files, and what is known about them."""

    files: list[Path] = field(default_factory=list)
    origins: dict[URIRef, Origin] = field(default_factory=dict)
    #: partition key -> SHA-256 of its triples (only when asked for, see ``previous``)
    fingerprints: dict[str, str] = field(default_factory=dict)
    #: subjects of partitions that are new or changed since ``previous`` (None: not asked)
    changed_subjects: set[str] | None = None
    #: the whole triples (shared ones too) of those partitions, to validate them alone
    changed_files: list[Path] = field(default_factory=list)
    partitions: int = 0
    lines: int = 0
    seconds: float = 0.0


#: What forked workers map: (items, function, previous fingerprints or None, log factory,
#: queue of completed files); set by :class:`MappingJob` before it forks them.
_JOB: tuple[Any, ...] = ()


def _map_share(share: tuple[int, int, str]) -> tuple[Written, Any]:
    """Map ``items[start:stop]`` into files ``{prefix}-NNN.nt`` (runs in a forked worker)."""
    start, stop, prefix = share
    items, make, previous, new_log, done = _JOB
    log = new_log()
    result = Written(changed_subjects=set() if previous is not None else None)
    written: set[str] = set()  # shared rows written so far
    out = changed = None
    try:
        for item in items[start:stop]:
            part = make(item, log)
            if part is None:
                continue
            result.partitions += 1
            own = [_nt_row(t) for t in part.triples]
            shared = [_nt_row(t) for t in part.shared]
            if previous is not None:
                digest = fingerprint(own + shared)
                result.fingerprints[part.key] = digest
                if previous.get(part.key) != digest:
                    subjects = {str(t[0]) for t in part.all_triples()}
                    result.changed_subjects.update(subjects)  # type: ignore[union-attr]
                    if changed is None:
                        result.changed_files.append(Path(f"{prefix}-changed.nt"))
                        changed = open(result.changed_files[-1], "w", encoding="utf-8")  # noqa: SIM115
                    changed.write("".join(own + shared))
            new = [row for row in dict.fromkeys(shared) if row not in written]
            written.update(new)
            if out is None or out.tell() > FILE_BYTES:
                if out is not None:
                    out.close()
                    done.put(str(result.files[-1]))
                result.files.append(Path(f"{prefix}-{len(result.files):03d}.nt"))
                out = open(result.files[-1], "w", encoding="utf-8")  # noqa: SIM115
            out.write("".join(own))
            out.write("".join(new))
            result.lines += len(own) + len(new)
            for iri, origin in part.origins.items():
                result.origins.setdefault(iri, origin)
    finally:
        for file in (out, changed):
            if file is not None:
                file.close()
    if out is not None:
        done.put(str(result.files[-1]))
    done.put(None)
    return result, log


class MappingJob:
    """Items being mapped by forked worker processes into N-Triples files in ``folder``; each
    file can be used (loaded) as soon as it is complete, while the workers go on::

        with MappingJob(projects, mapper.project, Path("scratch"), workers=2) as job:
            for path in job.files():
                store.bulk_load(path=str(path), format=RdfFormat.N_TRIPLES)
            written, log = job.result()

    ``make(item, log)`` returns an item's partition (or ``None``, having logged why). With
    ``previous`` fingerprints, each partition's fingerprint is computed and the subjects of
    new or changed partitions are collected in ``changed_subjects``.
    """

    def __init__(
        self,
        items: Sequence[Any],
        make: Callable[[Any, ImportLog], Partition | None],
        folder: Path,
        *,
        workers: int | None = None,
        previous: dict[str, str] | None = None,
    ) -> None:
        from hcn_ld.build.importers.common import ImportLog

        global _JOB
        self.started = time.perf_counter()
        self.previous = previous
        workers = max(1, min(workers or os.cpu_count() or 1, len(items) or 1))
        step = max(1, -(-len(items) // workers))
        shares = [
            (start, min(start + step, len(items)), str(folder / f"part-{n:03d}"))
            for n, start in enumerate(range(0, len(items), step))
        ] or [(0, 0, str(folder / "part-000"))]
        fork = multiprocessing.get_context("fork")
        self.done = fork.Queue()
        _JOB = (items, make, previous, ImportLog, self.done)
        self.pool = ProcessPoolExecutor(len(shares), mp_context=fork)
        self.futures = [self.pool.submit(_map_share, share) for share in shares]
        self._result: tuple[Written, ImportLog] | None = None

    def __enter__(self) -> MappingJob:
        return self

    def __exit__(self, *exc: object) -> None:
        global _JOB
        self.pool.shutdown(cancel_futures=True)
        _JOB = ()

    def files(self) -> Iterator[Path]:
        """The files, each once it is complete, until every worker has finished."""
        finished = 0
        while finished < len(self.futures):
            try:
                message = self.done.get(timeout=0.5)
            except queue.Empty:
                for future in self.futures:
                    if future.done() and future.exception() is not None:
                        raise future.exception() from None  # type: ignore[misc]
                continue
            if message is None:
                finished += 1
            else:
                yield Path(message)

    def result(self) -> tuple[Written, ImportLog]:
        """What the workers wrote, and the merged import log (waits for them)."""
        from hcn_ld.build.importers.common import ImportLog

        if self._result is None:
            mapped = Written(changed_subjects=set() if self.previous is not None else None)
            log = ImportLog()
            for future in self.futures:
                part, part_log = future.result()
                mapped.files += part.files
                mapped.changed_files += part.changed_files
                for iri, origin in part.origins.items():
                    mapped.origins.setdefault(iri, origin)
                mapped.fingerprints.update(part.fingerprints)
                if part.changed_subjects is not None:
                    mapped.changed_subjects |= part.changed_subjects  # type: ignore[operator]
                mapped.partitions += part.partitions
                mapped.lines += part.lines
                log.counts.update(part_log.counts)
                log.errors += part_log.errors
            mapped.seconds = time.perf_counter() - self.started
            self._result = (mapped, log)
        return self._result


def fingerprint(rows: list[str]) -> str:
    """The fingerprint of a partition: SHA-256 of its N-Triples rows, as mapped."""
    return hashlib.sha256("".join(rows).encode()).hexdigest()


def changed_records(mapped: Mapped, previous: dict[str, str]) -> tuple[dict[str, str], set[str]]:
    """Fingerprints of the records of a mapped graph (each subject's triples belong to the
    source record it came from), and the subjects of records new or changed since
    ``previous``."""
    groups: dict[str, list[Triple]] = {}
    for triple in mapped.graph:
        origin = mapped.origins.get(triple[0])  # type: ignore[call-overload]
        groups.setdefault(f"{origin.file}#{origin.ref}" if origin else "", []).append(triple)  # type: ignore[arg-type]
    fingerprints, changed = {}, set()
    for key, triples in groups.items():
        fingerprints[key] = fingerprint(sorted(_nt_row(t) for t in triples))
        if previous.get(key) != fingerprints[key]:
            changed |= {str(t[0]) for t in triples}
    return fingerprints, changed


@dataclass
class IncrementalCache:
    """The fingerprints and findings of the last import of a source, kept as JSON beside the
    store and valid only for the shapes and ontology they were made with::

        cache = IncrementalCache.open(Path("var/cache/keep.json"), settings)
        job = MappingJob(items, make, folder, previous=cache.fingerprints)
    """

    path: Path
    salt: str
    fingerprints: dict[str, str] = field(default_factory=dict)
    findings: list[Finding] = field(default_factory=list)

    @classmethod
    def open(cls, path: Path, settings: Settings) -> IncrementalCache:
        """The cache at ``path``; empty if missing, unreadable or made with other shapes."""
        salt = hashlib.sha256()
        for folder in (settings.shapes_dir, settings.ontology_dir):
            for ttl in sorted(folder.glob("*.ttl")):
                salt.update(ttl.read_bytes())
        cache = cls(path, salt.hexdigest())
        try:
            data = json.loads(path.read_text())
        except (OSError, ValueError):
            return cache
        if data.get("salt") == cache.salt:
            cache.fingerprints = data["fingerprints"]
            cache.findings = [
                Finding(**{**f, "origin": Origin(**f["origin"]) if f["origin"] else None})
                for f in data["findings"]
            ]
        return cache

    def carry_over(
        self, report: Report, focus: set[str], present: Callable[[set[str]], set[str]]
    ) -> Report:
        """``report`` (about the ``focus`` subjects) plus the earlier findings about subjects
        outside it that ``present`` says are still there."""
        earlier = [f for f in self.findings if f.focus not in focus]
        kept = present({f.focus for f in earlier})
        findings = report.findings + [f for f in earlier if f.focus in kept]
        return Report(report.graph, sort_findings(findings))

    def save(self, fingerprints: dict[str, str], report: Report) -> None:
        """Keep what an import that was published found (written whole, then renamed)."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        data = {
            "salt": self.salt,
            "fingerprints": fingerprints,
            "findings": [asdict(f) for f in report.findings],
        }
        scratch = self.path.with_suffix(".partial")
        scratch.write_text(json.dumps(data))
        os.replace(scratch, self.path)
