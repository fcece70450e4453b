"""The dumps page ``/dumps/``: whole-dataset files with sizes and SHA-256 checksums.

GET /dumps/              -> list of dumps (HTML)
GET /dumps/hcn.nt.gz     -> a dump (ETag = its SHA-256; conditional requests answered)
GET /dumps/SHA256SUMS    -> checksums in ``sha256sum -c`` format
"""

from __future__ import annotations

import hashlib
import os
import shutil
import tempfile
from pathlib import Path

from flask import Blueprint, abort, render_template, send_file

from hcn_ld.derived.dumps import CHECKSUMS, MANIFEST, read_manifest, write_dumps
from hcn_ld.store.base import RETRY_AFTER, Deriving
from hcn_ld.web import site
from hcn_ld.web.urls import for_request

blueprint = Blueprint("dumps", __name__)


def dumps_folder() -> Path:
    """The folder holding the dumps of the served version (written now if the store keeps none)."""
    current = site()
    folder = current.store.dumps_folder()
    if folder is not None:
        return folder
    return current.cache.get(("dumps", current.store.version()), _write_own)


def _write_own() -> Path:
    store = site().store
    key = hashlib.sha256(f"{site().settings.store}|{store.version()}".encode()).hexdigest()[:16]
    folder = Path(tempfile.gettempdir()) / "hcn-ld-dumps" / key
    if not (folder / MANIFEST).exists():
        folder.parent.mkdir(parents=True, exist_ok=True)
        scratch = Path(tempfile.mkdtemp(prefix=".partial-", dir=folder.parent))
        write_dumps(store.query, scratch)
        try:
            os.replace(scratch, folder)
        except OSError:  # another worker finished first
            shutil.rmtree(scratch, ignore_errors=True)
    return folder


def dump_entries() -> list[dict[str, object]]:
    """What :func:`hcn_ld.derived.dumps.write_dumps` recorded for the served version (nothing while
    they are being written)."""
    try:
        return read_manifest(dumps_folder())
    except Deriving:
        return []


@blueprint.route("/dumps/")
def index():
    urls = for_request(site().settings)
    dumps = dump_entries()
    page = render_template("dumps.html", urls=urls, dumps=dumps, checksums=urls.dumps(CHECKSUMS))
    if dumps:
        return page
    return page, 503, {"Retry-After": str(RETRY_AFTER)}


@blueprint.route("/dumps/<name>")
def download(name: str):
    entries = {e["name"]: e for e in dump_entries()}
    folder = dumps_folder()
    if name == CHECKSUMS:
        return send_file(folder / CHECKSUMS, mimetype="text/plain", conditional=True)
    if name not in entries:
        abort(404)
    entry = entries[name]
    return send_file(
        folder / name,
        mimetype=str(entry["media_type"]),
        as_attachment=name.endswith(".gz"),
        conditional=True,
        etag=str(entry["sha256"]),
        last_modified=site().last_modified(),
    )
