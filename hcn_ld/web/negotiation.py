"""Content negotiation for everything with an IRI: one resource, many representations.

A request names a representation by suffix (``/id/place/graz.ttl``), by ``?format=``
(``ttl``, ``turtle`` or ``text/turtle``) or by ``Accept`` (q-values honoured); HTML is the default.
:func:`serve` then answers, depending on ``Settings.redirect``:

* ``redirect=False`` (default): 200 with the representation and ``Content-Location`` naming the
  document URL (``{iri}.ttl``) - one round trip, what Trifid and LodView do;
* ``redirect=True``: 303 See Other to that document URL (the Cool-URIs 303 pattern).

Document URLs (with a suffix) always answer 200. Every answer has ``Vary: Accept``, ``Link``
headers to the alternates, a strong ``ETag`` per representation, ``Last-Modified``, and 304 for
matching conditional requests. Representations are rendered once per worker and store version.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from functools import lru_cache

import pyoxigraph as ox
from flask import abort, redirect, render_template, request
from werkzeug.exceptions import NotAcceptable

from hcn_ld.rdf.formats import HTML, RDF_FORMATS, Format, by_media_type, by_name, negotiate
from hcn_ld.web import site
from hcn_ld.web.http import Representation, alternates, page_number, representation, respond
from hcn_ld.web.languages import wanted
from hcn_ld.web.render import render
from hcn_ld.web.urls import Urls, for_request

#: What a resource is offered in, HTML first (the default).
OFFERED: tuple[Format, ...] = (HTML, *RDF_FORMATS)
_BY_SUFFIX = {f".{fmt.extension}": fmt for fmt in OFFERED}


@dataclass
class Loaded:
    """What a loader found for an IRI: its quads and how to show them as HTML."""

    quads: list[ox.Quad]
    template: str
    context: dict[str, object] = field(default_factory=dict)
    #: Extra response headers (e.g. ``Link: rel=next``).
    headers: tuple[tuple[str, str], ...] = ()


#: ``loader(iri, page, urls)`` -> :class:`Loaded`, or ``None`` for an unknown IRI.
Loader = Callable[[str, int, Urls], Loaded | None]


def split_suffix(path: str) -> tuple[str, Format | None]:
    """``("id/place/graz", turtle)`` for ``"id/place/graz.ttl"``; no suffix -> ``(path, None)``."""
    stem, dot, extension = path.rpartition(".")
    fmt = _BY_SUFFIX.get(f".{extension}") if dot and "/" not in extension else None
    return (stem, fmt) if fmt else (path, None)


def not_acceptable() -> NotAcceptable:
    """The 406 error: its page lists the offered formats (see :mod:`hcn_ld.web.errors`)."""
    return NotAcceptable(
        "Offered formats: " + ", ".join(f"{f.media_type} (.{f.extension})" for f in OFFERED)
    )


def requested_format(suffix: Format | None) -> Format:
    """The format asked for by suffix, ``?format=`` or ``Accept``; raises 406 when none fits."""
    if suffix is not None:
        return suffix
    override = request.args.get("format")
    if override:
        try:
            return by_name(override, OFFERED)
        except KeyError:
            try:
                return by_media_type(override, OFFERED)
            except KeyError:
                raise not_acceptable() from None
    chosen = _negotiate(request.headers.get("Accept"))
    if chosen is None:
        raise not_acceptable()
    return chosen


@lru_cache(maxsize=512)
def _negotiate(accept: str | None) -> Format | None:
    """:func:`~hcn_ld.rdf.formats.negotiate` over :data:`OFFERED`, remembered per header value."""
    return negotiate(accept, OFFERED, HTML)


def serve(path: str, loader: Loader) -> object:
    """Answer a request for the resource at ``path`` (relative to the base) using ``loader``."""
    current = site()
    urls = for_request(current.settings)
    stem, suffix = split_suffix(path)
    fmt = requested_format(suffix)
    iri = urls.iri_for_path(stem)
    page = page_number()
    version = current.store.version()
    negotiated = suffix is None
    languages = tuple(wanted()) if fmt is HTML else ()
    key = ("resource", version, urls.served, iri, fmt.name, page, negotiated, languages)
    rep = current.cache.get(key, lambda: _render(iri, page, fmt, urls, loader, negotiated))
    if negotiated and current.settings.redirect:
        response = redirect(urls.document(iri, fmt.extension, page), 303)
        response.vary.add("Accept")
        return response
    response = respond(rep, last_modified=current.last_modified(version), negotiated=negotiated)
    if languages:
        response.vary.add("Accept-Language")
    return response


def _render(
    iri: str, page: int, fmt: Format, urls: Urls, loader: Loader, negotiated: bool
) -> Representation:
    """Load and render one representation, with its ``Link`` (and ``Content-Location``)."""
    try:
        loaded = loader(iri, page, urls)
    except ValueError:  # not an IRI
        loaded = None
    if loaded is None:
        abort(404)
    if fmt is HTML:
        formats = [(f, urls.document(iri, f.extension, page)) for f in OFFERED]
        body = render_template(
            loaded.template, urls=urls, iri=iri, formats=formats, page=page, **loaded.context
        )
    else:
        body = render(loaded.quads, fmt, urls)
    links = alternates((urls.document(iri, f.extension, page), f) for f in OFFERED)
    headers = [*loaded.headers, ("Link", links)]
    if negotiated:
        headers.append(("Content-Location", urls.document(iri, fmt.extension, page)))
    return representation(body, fmt.media_type, headers)
