"""Run the web app under gunicorn: ``hcn-ld serve`` (workers fork, then open the store).

Workers are ``gthread`` workers: each keeps HTTP connections alive and answers on
``--threads`` threads, so crawlers and browsers re-use connections (sync workers close every
connection, which halves throughput on small responses) and a slow query holds up one thread.
"""

from __future__ import annotations

import multiprocessing

from gunicorn.app.base import BaseApplication

from hcn_ld.config import Settings
from hcn_ld.web import create_app


class _Gunicorn(BaseApplication):
    def __init__(self, settings: Settings, options: dict[str, object]) -> None:
        self.settings = settings
        self.options = options
        super().__init__()

    def load_config(self) -> None:
        for key, value in self.options.items():
            self.cfg.set(key, value)

    def load(self):
        # Called in each worker after fork: every worker opens its own read-only store handle.
        return create_app(self.settings)


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
    options: dict[str, object] = {
        "bind": f"{host}:{port}",
        "workers": workers or default_workers(),
        "worker_class": "gthread",
        "threads": settings.threads,
        "keepalive": 5,
        # Queries stop at settings.query_timeout; gunicorn only reaps workers stuck beyond it.
        "timeout": max(120, int(settings.query_timeout) + 30),
        "graceful_timeout": 10,
        # One shared $HOME/.gunicorn/gunicorn.ctl would clash between servers (tests run several).
        "control_socket_disable": True,
    }
    if access_log:
        options["accesslog"] = "-"
    _Gunicorn(settings, options).run()
