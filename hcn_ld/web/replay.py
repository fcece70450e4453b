"""Replay cache: answer a repeated GET from memory without running Flask (per worker).

Views mark a response as replayable with :func:`replayable` (``respond()`` does, for every
representation with an ETag). The middleware keeps such 200 responses keyed by the store
version, the request line, the headers that decide the served origin and the format/language,
and the request headers the response ``Vary``-es on, as an HTTP cache would. A hit is answered
directly, with 304 when ``If-None-Match`` matches; a publish changes the version, so nothing
stale is replayed. A view whose answer depends on anything else must not use ``respond()`` (or
must set ``request.environ[REPLAYABLE] = False`` after it).

A response is kept from the second time its request comes: requests made once (a crawler
walking the pages, a script's fresh queries) evict nothing and cost no copy. Recording was a
twentieth of a fresh one-resource SPARQL lookup's time on an idle machine (``bench/sparql.py``).

    >>> def app(environ, start_response):
    ...     environ[REPLAYABLE] = True
    ...     start_response("200 OK", [("ETag", '"x"'), ("Vary", "Accept")])
    ...     return [b"hello"]
    >>> cached = ReplayCache(app, lambda: "v1")
    >>> env = {"REQUEST_METHOD": "GET", "PATH_INFO": "/a", "HTTP_ACCEPT": "text/turtle"}
    >>> for _ in range(2):
    ...     body = b"".join(cached(dict(env), lambda status, headers, exc_info=None: None))
    ...     print(body, len(cached.items))
    b'hello' 0
    b'hello' 1
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable, Iterable
from functools import lru_cache
from threading import Lock

#: Environ key a view sets to allow replaying its response.
REPLAYABLE = "hcn.replayable"
#: Environ key holding the data version the cache read for the request (not set when
#: the cache stands aside): the app can key its answers by it without reading it again.
VERSION = "hcn.version"
#: Request parts (WSGI environ keys) that always take part in the key; ``Accept`` and
#: ``Accept-Language`` too, even where a response forgets to list them in ``Vary``.
_KEYED = (
    "HTTP_ACCEPT",
    "HTTP_ACCEPT_LANGUAGE",
    "PATH_INFO",
    "QUERY_STRING",
    "SCRIPT_NAME",
    "HTTP_HOST",
    "HTTP_X_FORWARDED_HOST",
    "HTTP_X_FORWARDED_PROTO",
    "wsgi.url_scheme",
)
_304_HEADERS = ("etag", "vary", "cache-control", "last-modified", "content-location", "link")
_304_HEADERS += ("access-control-allow-origin", "access-control-expose-headers")

Entry = tuple[str, list[tuple[str, str]], bytes, str]


class ReplayCache:
    """WSGI middleware replaying responses views marked with :data:`REPLAYABLE`."""

    def __init__(self, app, version: Callable[[], str], size: int = 4096) -> None:
        self.app = app
        self.version = version
        self.size = size
        self.items: OrderedDict[tuple, Entry] = OrderedDict()
        #: Request key -> the ``Vary`` header sets its responses had (usually one).
        self.varies: dict[tuple, set[tuple[str, ...]]] = {}
        #: Hashes of the request keys seen once (a collision only keeps a response early).
        self.asked: set[int] = set()
        self._lock = Lock()

    def __call__(self, environ: dict, start_response) -> Iterable[bytes]:
        if environ.get("REQUEST_METHOD") != "GET" or "HTTP_IF_MODIFIED_SINCE" in environ:
            return self.app(environ, start_response)
        try:
            base = (self.version(), *map(environ.get, _KEYED))
        except Exception:  # no data yet, store unreadable: the app answers with the error
            return self.app(environ, start_response)
        environ[VERSION] = base[0]
        for varies in tuple(self.varies.get(base, ())):
            key = base + tuple(map(environ.get, varies))
            with self._lock:
                entry = self.items.get(key)
                if entry is not None:
                    self.items.move_to_end(key)
            if entry is not None:
                return self._replay(entry, environ, start_response)
        asked = hash(base)
        if asked not in self.asked:
            if len(self.asked) >= 4 * self.size:
                self.asked.clear()
            self.asked.add(asked)
            return self.app(environ, start_response)
        return self._record(base, environ, start_response)

    def _replay(self, entry: Entry, environ: dict, start_response) -> Iterable[bytes]:
        status, headers, body, etag = entry
        if etag and etag in environ.get("HTTP_IF_NONE_MATCH", ""):
            kept = [(k, v) for k, v in headers if k.lower() in _304_HEADERS]
            start_response("304 NOT MODIFIED", kept)
            return [b""]
        start_response(status, headers)
        return [body]

    def _record(self, base: tuple, environ: dict, start_response) -> Iterable[bytes]:
        captured: list = []

        def capture(status, headers, exc_info=None):
            captured[:] = [status, headers]
            return start_response(status, headers, exc_info)

        chunks = self.app(environ, capture)
        if not (environ.get(REPLAYABLE) and captured and captured[0].startswith("200")):
            return chunks
        try:
            body = b"".join(chunks)
        finally:
            close = getattr(chunks, "close", None)
            if close:
                close()
        status, headers = captured
        vary = etag = ""
        for name, value in headers:
            lowered = name.lower()
            if lowered == "vary":
                vary = value
            elif lowered == "etag":
                etag = value
        varies = _environ_keys(vary)
        key = base + tuple(map(environ.get, varies))
        with self._lock:
            self.varies.setdefault(base, set()).add(varies)
            self.items[key] = (status, list(headers), body, etag)
            while len(self.items) > self.size:
                self.items.popitem(last=False)
            if len(self.varies) > self.size:
                self.varies.clear()
        return [body]


@lru_cache(maxsize=64)
def _environ_keys(vary: str) -> tuple[str, ...]:
    """The WSGI environ keys of the request headers a ``Vary`` value names.

    >>> _environ_keys("Accept, Accept-Language")
    ('HTTP_ACCEPT', 'HTTP_ACCEPT_LANGUAGE')
    """
    names = (name.strip() for name in vary.split(","))
    return tuple("HTTP_" + name.upper().replace("-", "_") for name in names if name)
