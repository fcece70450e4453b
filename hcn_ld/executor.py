"""Run SPARQL queries in a killable child process that streams serialized results back.

pyoxigraph cannot cancel a running query, so each web worker keeps one child process
(``python -m hcn_ld.executor STORE``) holding its own store handle (read-only for the
embedded store, or an in-memory copy of a small enough generation). The child
serializes results straight into the requested format and sends the bytes back in frames;
when a query overruns its time limit the parent kills the child (freeing the CPU at once),
and the next query starts a fresh one::

    executor = Executor("var/store", timeout=30)
    frames = executor.run(Request("SELECT * { ?s ?p ?o } LIMIT 3", "json", "turtle"))
    header = next(frames)            # Frame("H", {"kind": "solutions", "format": "json", ...})
    body = b"".join(f.data for f in frames)

Frames on the child's stdout: one byte of type, four bytes of length, the payload.
``R`` ready (once, at start), ``H`` header (JSON), ``D`` data, ``E`` error (JSON: status,
message), ``Z`` end of answer.
"""

from __future__ import annotations

import ctypes
import json
import os
import queue
import select
import signal
import struct
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass, field
from typing import IO

from hcn_ld import formats, results
from hcn_ld.store import LocalStore, Store, StoreError, open_store

_FRAME = struct.Struct(">cI")
#: Scheduling priority of the child: below the web workers, so that queries running up to
#: their time limit (and children starting up) leave the CPU to page requests first.
NICENESS = 10
#: Seconds a new child may take to start (import, open the store) before it is given up.
STARTUP = 60.0
CHUNK = 64 * 1024


@dataclass(frozen=True)
class Request:
    """One query: its text, dataset, the format names to answer in, and the row limit."""

    sparql: str
    #: Format for SELECT/ASK results, and for CONSTRUCT/DESCRIBE graphs.
    result_format: str = "json"
    graph_format: str = "turtle"
    default_graphs: list[str] | None = None
    named_graphs: list[str] | None = None
    base_iri: str | None = None
    limit: int | None = None


@dataclass(frozen=True)
class Frame:
    """One message from the child: ``kind`` (H, D, E, Z) and its payload."""

    kind: str
    data: bytes = b""
    meta: dict[str, object] = field(default_factory=dict)


class QueryTimeout(Exception):
    """The query ran past its time limit and was stopped."""


class Executor:
    """The parent side: one child process, (re)started on demand, killed on timeout."""

    def __init__(self, store: str, timeout: float, memory_triples: int = 0) -> None:
        self.store = store
        self.timeout = timeout
        self.memory_triples = memory_triples
        self._child: subprocess.Popen[bytes] | None = None

    def _process(self) -> subprocess.Popen[bytes]:
        """The child, started if needed and ready (its start-up does not count as query time)."""
        if self._child is None or self._child.poll() is not None:
            self._child = subprocess.Popen(
                # Started under nice(1): its start-up, too, yields the CPU to the web threads.
                ["nice", "-n", str(NICENESS), sys.executable, "-m", "hcn_ld.executor"]
                + [self.store, str(self.memory_triples)],
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                bufsize=0,
            )
            try:
                _read_frame(self._child.stdout, time.monotonic() + STARTUP)  # type: ignore[arg-type]
            except (QueryTimeout, EOFError) as exc:
                self.stop()
                raise StoreError(f"query executor did not start: {exc!r}") from None
        return self._child

    def stop(self) -> None:
        """Kill the child (it is restarted by the next query)."""
        if self._child is not None:
            self._child.kill()
            self._child.wait()
            self._child = None

    def run(self, request: Request) -> Iterator[Frame]:
        """The child's answer as frames, ending before ``Z``; raises :class:`QueryTimeout`.

        Leaving the iterator before the end (a client that hangs up) kills the child, as its
        stream is then in an unknown state.
        """
        child = self._process()
        deadline = time.monotonic() + self.timeout
        finished = False
        try:
            child.stdin.write(json.dumps(asdict(request)).encode() + b"\n")  # type: ignore[union-attr]
            while True:
                kind, payload = _read_frame(child.stdout, deadline)  # type: ignore[arg-type]
                if kind == "Z":
                    finished = True
                    return
                if kind in "HE":
                    yield Frame(kind, meta=json.loads(payload))
                else:
                    yield Frame(kind, payload)
        except (BrokenPipeError, EOFError) as exc:
            raise StoreError(f"query executor died: {exc}") from None
        finally:
            if not finished:
                self.stop()


class ExecutorPool:
    """A web worker's executors, shared by its threads: a query takes an idle one (or starts
    one) and gives it back when its answer has been read.

    The first query also starts ``warm`` more in the background, so that later queries rarely
    wait for a child to start (which takes seconds on a busy machine)::

        pool = ExecutorPool(lambda: Executor("var/store", 30), warm=8)
        body = b"".join(f.data for f in pool.run(request) if f.kind == "D")
    """

    def __init__(self, make: Callable[[], Executor], warm: int = 0) -> None:
        self.make = make
        self.warm = warm
        self._idle: queue.LifoQueue[Executor] = queue.LifoQueue()
        self._started = threading.Event()

    def _warm_up(self) -> None:
        for _ in range(self.warm):
            executor = self.make()
            try:
                executor._process()
            except StoreError:
                break
            self._idle.put(executor)
        # The children die with the thread that started them (PR_SET_PDEATHSIG is per thread):
        # this one stays, asleep, as long as the worker.
        threading.Event().wait()

    def run(self, request: Request) -> Iterator[Frame]:
        """Like :meth:`Executor.run`, on an idle executor of the pool."""
        if not self._started.is_set():
            self._started.set()
            threading.Thread(target=self._warm_up, daemon=True).start()
        try:
            executor = self._idle.get_nowait()
        except queue.Empty:
            executor = self.make()
        try:
            yield from executor.run(request)
        finally:
            self._idle.put(executor)


def _read_frame(stream: IO[bytes], deadline: float) -> tuple[str, bytes]:
    head = _read_exactly(stream, _FRAME.size, deadline)
    kind, length = _FRAME.unpack(head)
    return kind.decode(), _read_exactly(stream, length, deadline)


def _read_exactly(stream: IO[bytes], size: int, deadline: float) -> bytes:
    data = bytearray()
    while len(data) < size:
        remaining = deadline - time.monotonic()
        if remaining <= 0 or not select.select([stream], [], [], remaining)[0]:
            raise QueryTimeout
        chunk = os.read(stream.fileno(), size - len(data))
        if not chunk:
            raise EOFError("executor closed its output")
        data += chunk
    return bytes(data)


# ----------------------------------------------------------------------------- the child


class _FrameWriter:
    """A binary file object that sends what is written as ``D`` frames of about CHUNK bytes."""

    def __init__(self, out: IO[bytes]) -> None:
        self.out = out
        self.buffer = bytearray()

    def write(self, data: bytes) -> int:
        self.buffer += data
        if len(self.buffer) >= CHUNK:
            self.flush()
        return len(data)

    def flush(self) -> None:
        if self.buffer:
            send(self.out, "D", bytes(self.buffer))
            self.buffer.clear()


def send(out: IO[bytes], kind: str, payload: bytes | dict[str, object] = b"") -> None:
    """Write one frame."""
    data = json.dumps(payload).encode() if isinstance(payload, dict) else payload
    out.write(_FRAME.pack(kind.encode(), len(data)) + data)


def answer(store: Store, request: Request, out: IO[bytes]) -> None:
    """Run one query and write its frames (without the final ``Z``)."""
    try:
        result = store.query(
            request.sparql,
            default_graphs=request.default_graphs,
            named_graphs=request.named_graphs,
            base_iri=request.base_iri,
        )
    except SyntaxError as exc:
        send(out, "E", {"status": 400, "message": f"malformed query: {exc}"})
        return
    except ValueError as exc:  # an invalid dataset or base IRI: the child must live on
        send(out, "E", {"status": 400, "message": f"invalid query request: {exc}"})
        return
    except StoreError as exc:  # e.g. a remote store that is unreachable: the web says 503
        print(f"query failed: {exc}", file=sys.stderr)
        send(out, "E", {"status": 503, "message": "store unavailable"})
        return
    except OSError as exc:
        send(out, "E", {"status": 500, "message": f"query failed: {exc}"})
        return
    try:
        bounded = results.bound(result, request.limit)
    except OSError as exc:
        send(out, "E", {"status": 500, "message": f"query failed: {exc}"})
        return
    kind = bounded.kind
    name = request.graph_format if kind == "graph" else request.result_format
    offered = formats.RDF_FORMATS if kind == "graph" else formats.RESULT_FORMATS
    try:
        fmt = formats.by_name(name, offered)
    except KeyError:
        what = "an RDF graph" if kind == "graph" else "a table or a boolean"
        message = f"the answer to this query is {what}, which cannot be written as {name}"
        send(out, "E", {"status": 406, "message": message})
        return
    send(out, "H", {"kind": kind, "format": fmt.name, "truncated": bounded.truncated})
    writer = _FrameWriter(out)
    try:
        results.write(bounded, fmt, writer)
    except OSError as exc:
        # Evaluation errors of a streamed result surface after the header went out.
        writer.flush()
        send(out, "E", {"status": 500, "message": f"query failed: {exc}"})
        return
    writer.flush()


def _die_with_parent() -> None:
    """Ask Linux to kill this process when its parent (the web worker) dies."""
    try:
        ctypes.CDLL(None).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass


def main(spec: str, memory_triples: int = 0) -> None:
    """The child loop: one JSON request per line on stdin, frames on stdout.

    An embedded store of at most ``memory_triples`` quads is queried from an in-memory copy.
    """
    _die_with_parent()
    store = open_store(spec)
    if isinstance(store, LocalStore):
        store.memory_triples = memory_triples
    out = os.fdopen(sys.stdout.fileno(), "wb", buffering=0)
    sys.stdout = sys.stderr
    send(out, "R")  # ready
    for line in sys.stdin.buffer:
        answer(store, Request(**json.loads(line)), out)
        send(out, "Z")


if __name__ == "__main__":
    main(sys.argv[1], int(sys.argv[2]) if len(sys.argv) > 2 else 0)
