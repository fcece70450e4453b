"""Stage 5: the web application (dereferencing, SPARQL, HTML) over a published store.

>>> from hcn_ld.config import Settings
>>> app = create_app(Settings(store="var/store"))
>>> app.name
'hcn_ld.web'
"""

from __future__ import annotations

from dataclasses import dataclass

from flask import Flask, current_app

from hcn_ld.config import Settings
from hcn_ld.store import Store, open_store


@dataclass
class Site:
    """What every view needs: the settings and the store (opened lazily, after fork)."""

    settings: Settings
    store: Store


def create_app(settings: Settings, store: Store | None = None) -> Flask:
    """The Flask app serving ``settings.store`` (or ``store``) under ``settings.base``."""
    app = Flask(__name__)
    app.extensions["hcn"] = Site(settings, store or open_store(settings.store))
    from hcn_ld.web import sparql

    app.register_blueprint(sparql.blueprint)
    return app


def site() -> Site:
    """The :class:`Site` of the current app (inside a request or app context)."""
    return current_app.extensions["hcn"]
