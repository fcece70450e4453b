"""Run SPARQL queries for the web: in a killable child process, or in the calling thread.

pyoxigraph cannot cancel a running query, so each web worker keeps one child process
(``python -m hcn_ld.sparql.executor STORE``) holding its own store handle (read-only for the
embedded store, or an in-memory copy of a small enough generation). The child
serializes results straight into the requested format and sends the bytes back in frames;
when a query overruns its time limit the parent kills the child (freeing the CPU at once),
and the next query starts a fresh one. A worker's threads share an :class:`ExecutorPool`::

    executor = ExecutorPool("var/store", timeout=30)
    frames = executor.run(Request("SELECT * { ?s ?p ?o } LIMIT 3", "json", "turtle"))
    header = next(frames)            # Frame("H", {"format": "json", "truncated": False})
    body = b"".join(f.data for f in frames)

Frames on the child's stdout: one byte of type, four bytes of length, the payload.
``R`` ready (once, after start-up), ``H`` header (JSON), ``D`` data, ``E`` error (JSON:
status, message), ``Z`` end of answer. The child buffers its frames and writes them in
pieces of about CHUNK bytes (a small answer is one write), and the parent reads whatever is
there in one go: a small query costs one wake-up each way.

:func:`written` answers in the calling thread, whole and without frames: lookups that cannot
run long, and the queries of a remote store, which need no child: they wait on the network, and
the HTTP client gives up at the time limit (the server stops the query at its own limit).
"""

from __future__ import annotations

import ctypes
import json
import os
import select
import signal
import struct
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from functools import partial
from types import MappingProxyType
from typing import IO, NamedTuple

from hcn_ld.rdf import formats
from hcn_ld.rdf.formats import Format
from hcn_ld.rdf.vocab import PREFIXES
from hcn_ld.sparql import results
from hcn_ld.sparql import text as sparqltext
from hcn_ld.store import LocalStore, Store, StoreError, open_store
from hcn_ld.store.base import QueryResult, QueryTimeout

_FRAME = struct.Struct(">cI")
#: Scheduling priority of queries that run longer than DEMOTE_AFTER seconds and of a child's
#: start-up: below the web workers and quick queries, so that queries running up to their time
#: limit leave the CPU to page requests and cheap queries first.
NICENESS = 10
#: Seconds a query runs at the worker's priority before it is lowered to NICENESS.
DEMOTE_AFTER = 0.1
CHUNK = 64 * 1024
#: Bytes the parent asks for per read (several frames of a streamed answer at once).
READ_SIZE = 4 * CHUNK
#: Seconds a new child may take to start and read the store.
STARTUP = 120


class Request(NamedTuple):
    """One query: its text, dataset, the format names to answer in, and the row limit."""

    sparql: str
    #: Format for SELECT/ASK results, and for CONSTRUCT/DESCRIBE graphs.
    result_format: str = "json"
    graph_format: str = "turtle"
    #: Tuples, so that a request can key a cache (they travel to the child as JSON lists).
    default_graphs: Sequence[str] | None = None
    named_graphs: Sequence[str] | None = None
    base_iri: str | None = None
    limit: int | None = None


class Answer(NamedTuple):
    """A whole answer: its format's name, whether rows were cut at the limit, its bytes."""

    format: str
    truncated: bool
    body: bytes = b""


class NoAnswer(Exception):
    """A query that gets no answer, with the HTTP status to say so (an ``E`` frame)."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status


class Frame(NamedTuple):
    """One message from the child: ``kind`` (H, D, E, Z) and its payload."""

    kind: str
    data: bytes = b""
    meta: Mapping[str, object] = MappingProxyType({})


class Executor:
    """The parent side: one child process, (re)started on demand, killed on timeout."""

    def __init__(self, store: str, timeout: float, memory_triples: int = 0) -> None:
        self.store = store
        self.timeout = timeout
        self.memory_triples = memory_triples
        self._child: subprocess.Popen[bytes] | None = None
        self._frames: _FrameReader | None = None

    def _process(self) -> subprocess.Popen[bytes]:
        """The running child; a new one is started and waited for (its start-up, reading the
        store, does not count against a query's time limit)."""
        if self._child is None or self._child.poll() is not None:
            self._child = _spawn(
                [
                    sys.executable,
                    "-m",
                    "hcn_ld.sparql.executor",
                    self.store,
                    str(self.memory_triples),
                ]
            )
            self._frames = _FrameReader(self._child.stdout.fileno())  # type: ignore[union-attr]
            try:
                self._frames.read(time.monotonic() + STARTUP)
            except (QueryTimeout, EOFError) as exc:
                self.stop()
                raise StoreError(f"query executor did not start: {exc!r}") from None
        return self._child

    def stop(self) -> None:
        """Kill the child (it is restarted by the next query)."""
        if self._child is not None:
            self._child.kill()
            self._child.wait()
            self._child = self._frames = None

    def run(self, request: Request) -> Iterator[Frame]:
        """The child's answer as frames, ending before ``Z``; raises :class:`QueryTimeout`.

        Leaving the iterator before the end (a client that hangs up) kills the child, as its
        stream is then in an unknown state.
        """
        child = self._process()
        frames = self._frames
        assert frames is not None
        deadline = time.monotonic() + self.timeout
        finished = False
        try:
            child.stdin.write(json.dumps(request._asdict()).encode() + b"\n")  # type: ignore[union-attr]
            while True:
                kind, payload = frames.read(deadline)
                if kind == "Z":
                    finished = True
                    return
                yield (
                    Frame(kind, meta=json.loads(payload)) if kind in "HE" else Frame(kind, payload)
                )
        except (BrokenPipeError, EOFError) as exc:
            raise StoreError(f"query executor died: {exc}") from None
        finally:
            if not finished:
                self.stop()


_spawner: tuple[int, ThreadPoolExecutor] | None = None


def _spawn(command: list[str]) -> subprocess.Popen[bytes]:
    """Start a child from this process's one long-lived spawning thread: a child dies with the
    thread that started it (PR_SET_PDEATHSIG), and the web server's request threads come and go."""
    global _spawner
    if _spawner is None or _spawner[0] != os.getpid():  # none yet, or inherited through fork
        _spawner = (os.getpid(), ThreadPoolExecutor(1, thread_name_prefix="hcn-spawner"))
    options = {"stdin": subprocess.PIPE, "stdout": subprocess.PIPE, "bufsize": 0}
    return _spawner[1].submit(subprocess.Popen, command, **options).result()


class ExecutorPool:
    """Executors for the threads of one web worker: each query borrows an idle one.

    At most as many child processes as queries running at once in this worker.
    """

    def __init__(self, store: str, timeout: float, memory_triples: int = 0) -> None:
        self.options = (store, timeout, memory_triples)
        self._idle: list[Executor] = []
        self._lock = threading.Lock()

    def run(self, request: Request) -> Iterator[Frame]:
        """Like :meth:`Executor.run`, on a borrowed executor given back when the answer ends."""
        with self._lock:
            executor = self._idle.pop() if self._idle else Executor(*self.options)
        try:
            yield from executor.run(request)
        finally:
            with self._lock:
                self._idle.append(executor)


class _FrameReader:
    """Frames from a file descriptor, read in as large pieces as are there (one ``os.read``
    for a small answer), waiting for each at most until a deadline."""

    def __init__(self, fd: int) -> None:
        self.fd = fd
        self.buffer = bytearray()

    def read(self, deadline: float) -> tuple[str, bytes]:
        """The next frame's kind and payload; :class:`QueryTimeout` past ``deadline``."""
        self._fill(_FRAME.size, deadline)
        kind, length = _FRAME.unpack_from(self.buffer)
        end = _FRAME.size + length
        self._fill(end, deadline)
        payload = bytes(self.buffer[_FRAME.size : end])
        del self.buffer[:end]
        return kind.decode(), payload

    def _fill(self, size: int, deadline: float) -> None:
        while len(self.buffer) < size:
            remaining = deadline - time.monotonic()
            if remaining <= 0 or not select.select([self.fd], [], [], remaining)[0]:
                raise QueryTimeout
            chunk = os.read(self.fd, max(size - len(self.buffer), READ_SIZE))
            if not chunk:
                raise EOFError("executor closed its output")
            self.buffer += chunk


# ----------------------------------------------------------------------------- the child


#: Where :func:`answer` puts its frames.
Emit = Callable[[Frame], None]


class _FrameWriter:
    """A binary file object that emits what is written as ``D`` frames of about CHUNK bytes."""

    def __init__(self, emit: Emit) -> None:
        self.emit = emit
        self.buffer = bytearray()

    def write(self, data: bytes) -> int:
        self.buffer += data
        if len(self.buffer) >= CHUNK:
            self.flush()
        return len(data)

    def flush(self) -> None:
        if self.buffer:
            self.emit(Frame("D", bytes(self.buffer)))
            self.buffer.clear()


def send(out: IO[bytes], frame: Frame) -> None:
    """Write one frame (``H`` and ``E`` carry their meta as JSON)."""
    data = json.dumps(frame.meta).encode() if frame.kind in "HE" else frame.data
    out.write(_FRAME.pack(frame.kind.encode(), len(data)) + data)


def _error(status: int, message: str) -> Frame:
    return Frame("E", meta={"status": status, "message": message})


def answer(store: Store, request: Request, emit: Emit) -> None:
    """Run one query and emit its frames (without the final ``Z``): with a row limit the
    answer is written at once (its rows are read into memory to be cut), without one it
    streams as it is written.

    :class:`QueryTimeout` is raised, for the caller to answer.
    """
    try:
        if request.limit is not None:
            whole = written(store, request)
            emit(Frame("H", meta={"format": whole.format, "truncated": whole.truncated}))
            for start in range(0, len(whole.body), CHUNK):
                emit(Frame("D", whole.body[start : start + CHUNK]))
            return
        bounded, fmt = _bounded(store, request)
    except NoAnswer as exc:
        emit(_error(exc.status, str(exc)))
        return
    emit(Frame("H", meta={"format": fmt.name, "truncated": False}))
    writer = _FrameWriter(emit)
    try:
        results.write(bounded, fmt, writer, _prefixes(request, bounded.kind))
    except OSError as exc:
        # Evaluation errors of a streamed result surface after the header went out.
        writer.flush()
        emit(_error(500, f"query failed: {exc}"))
        return
    writer.flush()


def written(store: Store, request: Request) -> Answer:
    """The whole answer to a query, in memory: a lookup's, or a remote store's, in the
    calling thread (frames cost a tenth of a lookup's time there), or a limited one.

    Raises :class:`NoAnswer` and :class:`QueryTimeout`.

        >>> store = LocalStore("var/store")
        >>> written(store, Request("ASK { ?s ?p ?o }", "csv", limit=10))
        Answer(format='csv', truncated=False, body=b'true')
    """
    sparql = request.limit is not None and sparqltext.capped(request.sparql, request.limit + 1)
    if sparql:  # a SELECT lookup capped at one row over the limit: written by pyoxigraph
        fmt = _format("solutions", request)
        body = results.whole(_query(store, request, sparql), fmt, request.limit)  # type: ignore
        if body is not None:
            return Answer(fmt.name, False, body)
        # More rows than the limit: asked again, to be cut at the limit.
    bounded, fmt = _bounded(store, request)
    try:
        body = results.write(bounded, fmt, None, _prefixes(request, bounded.kind))
    except OSError as exc:
        raise NoAnswer(500, f"query failed: {exc}") from None
    return Answer(fmt.name, bounded.truncated, body)  # type: ignore[arg-type]


def _bounded(store: Store, request: Request) -> tuple[results.Bounded, Format]:
    """The query's result cut to the request's limit, and the format to write it in."""
    try:
        bounded = results.bound(_query(store, request, request.sparql), request.limit)
    except OSError as exc:
        raise NoAnswer(500, f"query failed: {exc}") from None
    return bounded, _format(bounded.kind, request)


def _prefixes(request: Request, kind: str) -> Mapping[str, str]:
    """The prefixes to write an answer with: a graph is written with the prefixes its query
    declared, as the query's author reads them (and fewer than the dataset's: a one-resource
    answer was mostly declarations)."""
    return (kind == "graph" and sparqltext.declared_prefixes(request.sparql)) or PREFIXES


def _query(store: Store, request: Request, sparql: str) -> QueryResult:
    """The result of ``sparql`` with the request's dataset; :class:`NoAnswer` if none."""
    try:
        return store.query(
            sparql,
            default_graphs=request.default_graphs,
            named_graphs=request.named_graphs,
            base_iri=request.base_iri,
        )
    except SyntaxError as exc:
        raise NoAnswer(400, f"malformed query: {exc}") from None
    except ValueError as exc:  # an invalid dataset or base IRI: the child must live on
        raise NoAnswer(400, f"invalid query request: {exc}") from None
    except QueryTimeout:
        raise
    except StoreError as exc:  # e.g. a remote store that is unreachable: the web says 503
        print(f"query failed: {exc}", file=sys.stderr)
        raise NoAnswer(503, "store unavailable") from None
    except OSError as exc:
        raise NoAnswer(500, f"query failed: {exc}") from None


def _format(kind: str, request: Request) -> Format:
    """The format the request asks for an answer of this ``kind``; :class:`NoAnswer` (406)
    if it cannot be written in it."""
    if kind == "graph":
        name, offered, what = request.graph_format, formats.RDF_FORMATS, "an RDF graph"
    else:
        name, offered, what = request.result_format, formats.RESULT_FORMATS, "a table or a boolean"
    try:
        return formats.by_name(name, offered)
    except KeyError:
        raise NoAnswer(
            406, f"the answer to this query is {what}, which cannot be written as {name}"
        ) from None


def _die_with_parent() -> None:
    """Ask Linux to kill this process when its parent (the web worker) dies."""
    try:
        ctypes.CDLL(None).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass


class _Serving(threading.Thread):
    """The thread answering requests, at the process's normal priority until a query of its
    runs past DEMOTE_AFTER: the watching main thread then lowers this thread's priority
    (Linux: per thread) and, as it cannot be raised back, the thread hands over to a fresh
    one after that answer."""

    def __init__(self, store: Store, requests: IO[bytes], out: IO[bytes]) -> None:
        super().__init__(daemon=True)
        self.store, self.requests, self.out = store, requests, out
        self.tid = 0
        self.started: float | None = None
        self.demoted = False
        #: Set when the thread stops after a demoted answer, for a fresh one to go on.
        self.handed_over = False

    def run(self) -> None:
        self.tid = threading.get_native_id()
        for line in self.requests:
            self.started = time.monotonic()
            answer(self.store, Request(**json.loads(line)), partial(send, self.out))
            send(self.out, Frame("Z"))
            self.out.flush()
            self.started = None
            if self.demoted:
                self.handed_over = True
                return

    def demote_if_slow(self) -> None:
        """Lower this thread's priority if its query has been running past DEMOTE_AFTER."""
        started = self.started
        if started is not None and not self.demoted and time.monotonic() - started > DEMOTE_AFTER:
            _lower_priority(self.tid)
            self.demoted = True


def _lower_priority(tid: int) -> None:
    try:
        os.setpriority(os.PRIO_PROCESS, tid, NICENESS)
    except OSError:  # the thread just ended
        pass


def _start_up(store: Store) -> None:
    """Open (or copy into memory) the current version, at low priority (on its own thread)."""
    _lower_priority(threading.get_native_id())
    try:
        store.graphs()
    except StoreError:
        pass  # no data yet: each query answers with the error


def main(spec: str, memory_triples: int = 0) -> None:
    """The child loop: one JSON request per line on stdin, frames on stdout.

    An embedded store of at most ``memory_triples`` quads is queried from an in-memory copy.
    """
    _die_with_parent()
    store = open_store(spec)
    if isinstance(store, LocalStore):
        store.memory_triples = memory_triples
    loading = threading.Thread(target=_start_up, args=(store,))
    loading.start()
    loading.join()
    # Frames are gathered and written in pieces of about CHUNK bytes; each answer ends with a
    # flush, so a small one reaches the parent in a single write.
    out = os.fdopen(sys.stdout.fileno(), "wb", buffering=2 * CHUNK)
    sys.stdout = sys.stderr
    send(out, Frame("R"))
    out.flush()
    while True:
        serving = _Serving(store, sys.stdin.buffer, out)
        serving.start()
        while serving.is_alive():
            serving.join(DEMOTE_AFTER / 2)
            serving.demote_if_slow()
        if not serving.handed_over:
            return  # end of input, or the thread failed: the parent sees the output close


if __name__ == "__main__":
    main(sys.argv[1], int(sys.argv[2]) if len(sys.argv) > 2 else 0)
