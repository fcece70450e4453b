"""Stage 5: the web application (dereferencing, HTML, VoID, dumps) over a published store.

One module per page type registers its routes (:data:`PAGES`); add a module's name there to add
a page type (the SPARQL endpoint is ``sparql``).

>>> from hcn_ld.config import Settings
>>> app = create_app(Settings(store="var/store"))
>>> app.name
'hcn_ld.web'
"""

from __future__ import annotations

import datetime as dt
import importlib
from collections.abc import Callable, Hashable
from dataclasses import dataclass, field

from flask import Flask, Response, current_app

from hcn_ld.config import Settings
from hcn_ld.store import Store, open_store
from hcn_ld.web import limits
from hcn_ld.web.http import RenderCache, add_cors, representation, respond
from hcn_ld.web.replay import ReplayCache

#: Modules that each define a ``blueprint`` (one page type each).
PAGES = (
    "errors",
    "home",
    "resources",
    "lists",
    "dumps",
    "sitemap",
    "ontology",
    "sparql",
    "search",
    "projects",
)


@dataclass
class Site:
    """What every view needs: the settings, the store (opened lazily, after fork), a cache."""

    settings: Settings
    store: Store
    cache: RenderCache = field(default_factory=RenderCache)
    _modified: tuple[str, dt.datetime | None] = ("", None)

    def last_modified(self, version: str | None = None) -> dt.datetime | None:
        """When the data being served (``version``: the current one) was published."""
        version = version or self.store.version()
        if self._modified[0] != version:
            published = self.store.info().get("published")
            when = dt.datetime.fromisoformat(str(published)) if published else None
            self._modified = (version, when)
        return self._modified[1]

    def page(self, key: Hashable, produce: Callable[[], str | bytes], media_type: str) -> Response:
        """A response rendered once per store version and ``key`` (include the served origin)."""
        version = self.store.version()
        rep = self.cache.get((version, key), lambda: representation(produce(), media_type))
        return respond(rep, last_modified=self.last_modified(version))


def create_app(settings: Settings, store: Store | None = None) -> Flask:
    """The Flask app serving ``settings.store`` (or ``store``) under ``settings.base``."""
    app = Flask(__name__)
    # Pages and lookups wait for a remote store no longer than a query may run.
    current = Site(settings, store or open_store(settings.store, timeout=settings.query_timeout))
    app.extensions["hcn"] = current
    for name in PAGES:
        app.register_blueprint(importlib.import_module(f"hcn_ld.web.{name}").blueprint)
    from hcn_ld.web.lookups import Lookups  # imports the views, which import this module

    app.wsgi_app = ReplayCache(Lookups(app, app.wsgi_app), current.store.version)
    app.after_request(add_cors)
    limits.install(app, settings)
    app.jinja_env.trim_blocks = True
    app.jinja_env.lstrip_blocks = True
    return app


def site() -> Site:
    """The :class:`Site` of the current app (inside a request or app context)."""
    return current_app.extensions["hcn"]
