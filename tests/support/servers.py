"""Run a throw-away SPARQL server on 127.0.0.1 (Oxigraph server, Virtuoso) for tests and benches.

    >>> with oxigraph_server(Path(tempfile.mkdtemp())) as spec:   # doctest: +SKIP
    ...     open_store(spec).publish(...)

Each context manager starts the server on a free port with its data in ``folder``, waits until
it answers SPARQL, yields the store spec for :func:`hcn_ld.store.open_store`, and stops it.
"""

from __future__ import annotations

import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from hcn_ld.store.base import StoreError

#: Seconds to wait for a server to come up.
START_TIMEOUT = 120

VIRTUOSO_INI = """\
[Database]
DatabaseFile = {db}/virtuoso.db
ErrorLogFile = {db}/virtuoso.log
LockFile = {db}/virtuoso.lck
TransactionFile = {db}/virtuoso.trx
xa_persistent_file = {db}/virtuoso.pxa
ErrorLogLevel = 7
FileExtend = 200
MaxCheckpointRemap = 2000
Striping = 0
TempStorage = TempDatabase

[TempDatabase]
DatabaseFile = {db}/virtuoso-temp.db
TransactionFile = {db}/virtuoso-temp.trx
MaxCheckpointRemap = 2000
Striping = 0

[Parameters]
ServerPort = 127.0.0.1:{sql_port}
DisableUnixSocket = 1
MaxClientConnections = 10
CheckpointInterval = 60
CaseMode = 2
DirsAllowed = ., {db}, /usr/share/virtuoso-opensource-7/vad
NumberOfBuffers = {buffers}
MaxDirtyBuffers = {dirty}
MaxQueryMem = 1G
ThreadsPerQuery = 2

[HTTPServer]
ServerPort = 127.0.0.1:{http_port}
ServerRoot = /var/lib/virtuoso-opensource-7/vsp
MaxClientConnections = 10
ServerThreads = 10
Charset = UTF-8

[SPARQL]
ResultSetMaxRows = 10000000
MaxQueryExecutionTime = {timeout}
MaxQueryCostEstimationTime = 0
"""


def free_port() -> int:
    """A TCP port nobody listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _wait(url: str, process: subprocess.Popen, log: Path) -> None:
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise StoreError(f"server exited with {process.returncode}: {log.read_text()[-2000:]}")
        try:
            with urllib.request.urlopen(url, timeout=5) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.3)
    raise StoreError(f"server did not answer {url} within {START_TIMEOUT} s")


@contextmanager
def _running(command: list[str], ready_url: str, log: Path) -> Iterator[None]:
    with open(log, "wb") as out:
        process = subprocess.Popen(command, stdout=out, stderr=subprocess.STDOUT)
    try:
        _wait(ready_url, process, log)
        yield
    finally:
        process.terminate()
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def oxigraph_binary() -> str:
    """The ``oxigraph`` command of PyPI's ``oxigraph`` package (beside this Python, or on PATH)."""
    beside = Path(sys.executable).parent / "oxigraph"
    found = str(beside) if beside.exists() else shutil.which("oxigraph")
    if not found:
        raise StoreError("the Oxigraph server is missing: pip install oxigraph")
    return found


@contextmanager
def oxigraph_server(folder: Path, *, timeout: int = 600) -> Iterator[str]:
    """An Oxigraph server on its own database in ``folder``; yields its store spec.

    The server stops any query after ``timeout`` seconds (clients that gave up earlier
    cannot stop it over the SPARQL protocol)."""
    port = free_port()
    folder.mkdir(parents=True, exist_ok=True)
    command = [
        oxigraph_binary(),
        "serve",
        "--location",
        str(folder / "db"),
        "--bind",
        f"127.0.0.1:{port}",
        "--timeout-s",
        str(timeout),
    ]
    ready = f"http://127.0.0.1:{port}/query?query=ASK%7B%7D"
    with _running(command, ready, folder / "oxigraph.log"):
        yield f"sparql+http://127.0.0.1:{port}/query"


@contextmanager
def virtuoso_server(folder: Path, *, memory_gb: float = 0.5, timeout: int = 600) -> Iterator[str]:
    """A Virtuoso 7 on a fresh database in ``folder`` (user dba/dba); yields its store spec.

    Queries stop after ``timeout`` seconds; ``memory_gb`` sizes its buffer pool."""
    binary = shutil.which("virtuoso-t")
    if not binary:
        raise StoreError("Virtuoso is missing: run scripts/test-deps/20-virtuoso.sh")
    folder.mkdir(parents=True, exist_ok=True)
    http_port, sql_port = free_port(), free_port()
    buffers = int(memory_gb * 1e9 / 8700 * 0.66)
    ini = folder / "virtuoso.ini"
    ini.write_text(
        VIRTUOSO_INI.format(
            db=folder,
            sql_port=sql_port,
            http_port=http_port,
            buffers=buffers,
            dirty=buffers * 3 // 4,
            timeout=timeout,
        )
    )
    command = [binary, "+foreground", "+configfile", str(ini)]
    ready = f"http://127.0.0.1:{http_port}/sparql?query=ASK%7B%7D"
    with _running(command, ready, folder / "virtuoso.out"):
        yield f"sparql+http://dba:dba@127.0.0.1:{http_port}/sparql"


@contextmanager
def scratch_folder() -> Iterator[Path]:
    """A temporary folder for a server's database, removed afterwards."""
    with tempfile.TemporaryDirectory(prefix="hcn-server-") as folder:
        yield Path(folder)
