"""Request limits: per-client rate limiting of ``/sparql`` (429 + Retry-After) and body size (413).

Each worker keeps a token bucket per client address: ``sparql_rate`` requests per second on
average, bursts of up to ``sparql_burst``. A client that empties its bucket gets ``429 Too Many
Requests`` with ``Retry-After`` (whole seconds until a token is back). Buckets live in each
worker, so with ``W`` workers a client may reach up to ``W`` times the rate; set the rate with
that in mind (or put a shared limit in the reverse proxy, see ``SECURITY.md``).

Behind a reverse proxy every request comes from the proxy's address: the client is then the
last ``X-Forwarded-For`` entry, trusted only when the request comes from ``trusted_proxies``.

    >>> bucket = TokenBucket(rate=1.0, burst=2)
    >>> bucket.take(now=0.0), bucket.take(now=0.0), bucket.take(now=0.0)
    (0.0, 0.0, 1.0)
    >>> bucket.take(now=1.0)
    0.0
"""

from __future__ import annotations

import math
import threading
import time
from collections import OrderedDict

from flask import Flask, Response, request

from hcn_ld.config import Settings

#: Paths whose requests are rate limited.
LIMITED_PATHS = ("/sparql",)
#: Client buckets kept per worker (least recently seen ones are dropped first).
MAX_CLIENTS = 10_000
#: Key of the app's :class:`RateLimiter` in ``app.extensions`` (absent when rates are off).
LIMITER = "hcn-limiter"


class TokenBucket:
    """``burst`` tokens, refilled at ``rate`` per second; :meth:`take` spends one."""

    def __init__(self, rate: float, burst: int) -> None:
        self.rate = rate
        self.burst = burst
        self.tokens = float(burst)
        self.stamp: float | None = None

    def take(self, now: float) -> float:
        """Spend a token: 0.0 when there was one, else the seconds until there will be one."""
        if self.stamp is not None:
            self.tokens = min(self.burst, self.tokens + (now - self.stamp) * self.rate)
        self.stamp = now
        if self.tokens >= 1:
            self.tokens -= 1
            return 0.0
        return (1 - self.tokens) / self.rate


class RateLimiter:
    """Token buckets by client address, bounded in number, safe to share between threads."""

    def __init__(self, rate: float, burst: int) -> None:
        self.rate = rate
        self.burst = burst
        self._buckets: OrderedDict[str, TokenBucket] = OrderedDict()
        self._lock = threading.Lock()

    def wait(self, client: str, now: float | None = None) -> float:
        """0.0 if ``client`` may go ahead now, else the seconds it should wait."""
        now = time.monotonic() if now is None else now
        with self._lock:
            bucket = self._buckets.pop(client, None) or TokenBucket(self.rate, self.burst)
            self._buckets[client] = bucket
            while len(self._buckets) > MAX_CLIENTS:
                self._buckets.popitem(last=False)
            return bucket.take(now)


def client_address(settings: Settings, environ: dict | None = None) -> str:
    """The client of the current request (or of the WSGI ``environ``): the proxy's
    ``X-Forwarded-For`` entry if trusted."""
    if environ is None:
        environ = request.environ
    address = environ.get("REMOTE_ADDR") or ""
    forwarded = environ.get("HTTP_X_FORWARDED_FOR")
    if forwarded and address in settings.trusted_proxies:
        return forwarded.split(",")[-1].strip() or address
    return address


def install(app: Flask, settings: Settings) -> None:
    """Apply the settings' body size limit and ``/sparql`` rate limit to ``app``."""
    app.config["MAX_CONTENT_LENGTH"] = settings.max_request_bytes
    if settings.sparql_rate <= 0:
        return
    limiter = app.extensions[LIMITER] = RateLimiter(settings.sparql_rate, settings.sparql_burst)

    @app.before_request
    def limit_rate() -> Response | None:
        if request.path not in LIMITED_PATHS:
            return None
        wait = limiter.wait(client_address(settings))
        if not wait:
            return None
        seconds = max(1, math.ceil(wait))
        response = Response(
            f"too many requests: this endpoint allows {settings.sparql_rate:g} queries per "
            f"second per client (bursts of {settings.sparql_burst}); retry in {seconds} s\n",
            status=429,
            mimetype="text/plain",
        )
        response.headers["Retry-After"] = str(seconds)
        return response
