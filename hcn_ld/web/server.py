"""Run the web app under Granian: ``hcn-ld serve`` (workers fork, then open the store).

Granian's HTTP/1.1 server is written in Rust: connections, keep-alive, slow clients and request
parsing cost no Python time, and each worker runs the WSGI app on ``--threads`` threads, so a
slow query holds up one thread. Measured against gunicorn's ``gthread`` workers (one fresh
connection per request, as ``bench/sparql.py`` sends them): a response replayed from memory
in 1.1 ms instead of 1.4 ms, where the Oxigraph server answers a one-resource lookup in 1.2 ms.

Workers are forked from the server process: they find the settings in :data:`_SETTINGS` and
build the app with :func:`app` (each worker opens its own read-only store handle).
"""

from __future__ import annotations

import multiprocessing
from collections.abc import Callable

from granian import Granian
from granian.constants import Interfaces

from hcn_ld.config import Settings
from hcn_ld.web import create_app

_SETTINGS: Settings | None = None


def app() -> Callable:
    """The WSGI app of one worker (Granian calls this factory after forking it): the Flask
    app's middleware stack, called directly (``Flask.__call__`` only passes the call on)."""
    assert _SETTINGS is not None, "serve() sets the settings before forking workers"
    return create_app(_SETTINGS).wsgi_app


def default_workers() -> int:
    """One worker per core, plus one."""
    return multiprocessing.cpu_count() + 1


def serve(
    settings: Settings,
    host: str,
    port: int,
    workers: int | None = None,
    *,
    access_log: bool = False,
) -> None:
    """Serve until interrupted (``access_log``: one line per request on stdout)."""
    global _SETTINGS
    _SETTINGS = settings
    multiprocessing.set_start_method("fork", force=True)
    Granian(
        f"{__name__}:app",
        factory=True,
        address=host,
        port=port,
        interface=Interfaces.WSGI,
        workers=workers or default_workers(),
        blocking_threads=settings.threads,
        # Threads that start query processes stay: the processes die with their thread.
        blocking_threads_idle_timeout=600,
        # A worker that dies (killed, out of memory) is replaced.
        respawn_failed_workers=True,
        respawn_interval=0.5,
        workers_kill_timeout=10,
        websockets=False,
        log_access=access_log,
    ).serve()
