"""HTTP plumbing shared by the views: rendered-representation cache, validators, CORS, Link.

Each worker keeps the representations it rendered, keyed by the store version (so a publish
makes them stale at once), the served origin, the resource and the format::

    >>> cache = RenderCache(size=2)
    >>> cache.get(("v1", "a"), lambda: representation(b"A", "text/plain")).body
    b'A'
    >>> cache.get(("v1", "a"), lambda: representation(b"changed", "text/plain")).body
    b'A'
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections import OrderedDict
from collections.abc import Callable, Hashable, Iterable
from dataclasses import dataclass
from threading import Lock
from typing import Any

from flask import Response, request

from hcn_ld.rdf.formats import Format
from hcn_ld.web.replay import REPLAYABLE

#: Caches may keep a representation a minute, then revalidate it with its ETag.
CACHE_CONTROL = "public, max-age=60"
#: Headers a browser script may read on a cross-origin response.
EXPOSED = "ETag, Last-Modified, Link, Content-Location, Vary, Location, X-SPARQL-Truncated"
#: Headers of every response: any origin may read it (all endpoints are read-only).
CORS = (("Access-Control-Allow-Origin", "*"), ("Access-Control-Expose-Headers", EXPOSED))


@dataclass(frozen=True)
class Representation:
    """A rendered response body with its media type, strong ETag and extra headers."""

    body: bytes
    media_type: str
    etag: str
    headers: tuple[tuple[str, str], ...] = ()


def representation(
    body: bytes | str, media_type: str, headers: Iterable[tuple[str, str]] = ()
) -> Representation:
    """A :class:`Representation` whose ETag is a hash of its bytes and media type."""
    data = body.encode() if isinstance(body, str) else body
    digest = hashlib.blake2b(data + media_type.encode(), digest_size=12).hexdigest()
    return Representation(data, media_type, digest, tuple(headers))


class RenderCache:
    """A bounded least-recently-used map of rendered representations (one per worker).

    Views also keep other per-version results here (statistics, dump folders). ``size`` bounds
    the total ``weigh(value)`` of the values kept (by default their number)::

        >>> answers = RenderCache(size=10, weigh=len)
        >>> answers.put("a", b"123456"); answers.put("b", b"12345"); answers.find("a") is None
        True
    """

    def __init__(self, size: int = 4096, weigh: Callable[[Any], int] = lambda _: 1) -> None:
        self.size = size
        self.weigh = weigh
        self.weight = 0
        self._items: OrderedDict[Hashable, Any] = OrderedDict()
        self._lock = Lock()

    def get(self, key: Hashable, produce: Callable[[], Any]) -> Any:
        """The cached representation for ``key``, produced (and kept) on a miss."""
        found = self.find(key)
        if found is None:
            found = produce()
            self.put(key, found)
        return found

    def find(self, key: Hashable) -> Any | None:
        """The value kept for ``key``, or ``None``."""
        with self._lock:
            found = self._items.get(key)
            if found is not None:
                self._items.move_to_end(key)
            return found

    def put(self, key: Hashable, value: Any) -> None:
        """Keep ``value`` for ``key``, dropping the least recently used values beyond ``size``."""
        weight = self.weigh(value)
        if weight > self.size:
            return
        with self._lock:
            previous = self._items.pop(key, None)
            if previous is not None:
                self.weight -= self.weigh(previous)
            self._items[key] = value
            self.weight += weight
            while self.weight > self.size:
                self.weight -= self.weigh(self._items.popitem(last=False)[1])


def content_type(media_type: str) -> str:
    """``media_type`` with ``charset=utf-8`` for textual types."""
    binary = media_type in ("application/gzip", "application/octet-stream")
    return media_type if binary else f"{media_type}; charset=utf-8"


def alternates(links: Iterable[tuple[str, Format]]) -> str:
    """A ``Link`` header value announcing alternate representations."""
    return ", ".join(f'<{url}>; rel="alternate"; type="{fmt.media_type}"' for url, fmt in links)


def respond(
    rep: Representation,
    *,
    last_modified: dt.datetime | None = None,
    negotiated: bool = False,
    headers: Iterable[tuple[str, str]] = (),
) -> Response:
    """A 200 (or 304 for a matching conditional request) carrying ``rep``.

    Such responses depend only on the request line, origin headers and ``Vary`` headers, so
    they are marked for the replay cache (:mod:`hcn_ld.web.replay`).
    """
    response = Response(rep.body, content_type=content_type(rep.media_type))
    response.set_etag(rep.etag)
    response.headers["Cache-Control"] = CACHE_CONTROL
    if last_modified is not None:
        response.last_modified = last_modified
    for name, value in (*rep.headers, *headers):
        response.headers.add(name, value)
    if negotiated:
        response.vary.add("Accept")
    request.environ[REPLAYABLE] = True
    return response.make_conditional(request)


def add_cors(response: Response) -> Response:
    """Let any origin read every response (all endpoints are read-only); answer preflights."""
    response.headers.update(CORS)
    if request.method == "OPTIONS":
        response.headers["Access-Control-Allow-Methods"] = "GET, HEAD, POST, OPTIONS"
        response.headers["Access-Control-Allow-Headers"] = request.headers.get(
            "Access-Control-Request-Headers", "Accept, Content-Type, If-None-Match"
        )
        response.headers["Access-Control-Max-Age"] = "86400"
    return response


#: Highest ``?page=`` honoured; larger numbers (which SPARQL's OFFSET cannot hold) are empty.
MAX_PAGE = 1_000_000


def page_number() -> int:
    """The ``?page=`` of the current request: 1 when absent or invalid, at most :data:`MAX_PAGE`."""
    return min(max(request.args.get("page", 1, type=int) or 1, 1), MAX_PAGE)
