"""The anonymous rate limit (:func:`limit_anonymous_use`), and in-process counters for it
(``CATALOGUE_RATE_LIMIT_STORAGE=local://``, the default).

The ``limits`` library's own ``memory://`` storage expires counters with a timer thread that it
starts again whenever none is running: under a steady stream of requests that is a new thread
for nearly every request, measured at 0.5 ms of CPU per request (a tenth of what a search costs
the app).  These counters expire lazily instead: a window whose time is up reads as empty, and
the keys of ended windows are swept at most once a minute by a call that holds the lock anyway.

Only fixed windows (the catalogue's strategy) are served.
Counters are per process, like ``memory://``: several processes need a shared storage such as
Redis to share one limit.
"""

from __future__ import annotations

import logging
import math
import threading
import time
from collections.abc import Callable

from flask import Flask, Response, g, request
from limits import parse
from limits.errors import StorageError
from limits.storage import Storage, storage_from_string
from werkzeug.exceptions import TooManyRequests

log = logging.getLogger(__name__)

SWEEP_EVERY = 60.0  # seconds between sweeps of ended windows


class LocalCounters(Storage):
    STORAGE_SCHEME = ["local"]  # noqa: RUF012  (the registry of limits reads it as it is)

    def __init__(
        self, uri: str | None = None, wrap_exceptions: bool = False, **options: float | str | bool
    ) -> None:
        super().__init__(uri, wrap_exceptions=wrap_exceptions, **options)
        self._windows: dict[str, tuple[int, float]] = {}  # key -> (count, window ends at)
        self._lock = threading.Lock()
        self._next_sweep = 0.0
        self.clock: Callable[[], float] = time.time

    @property
    def base_exceptions(self) -> type[Exception] | tuple[type[Exception], ...]:
        return ValueError

    def incr(self, key: str, expiry: int, amount: int = 1) -> int:
        now = self.clock()
        with self._lock:
            if now >= self._next_sweep:
                self._windows = {k: w for k, w in self._windows.items() if w[1] > now}
                self._next_sweep = now + SWEEP_EVERY
            count, ends = self._windows.get(key, (0, now))
            if ends <= now:  # no window yet, or it ended: a new one starts now
                count, ends = 0, now + expiry
            self._windows[key] = (count + amount, ends)
            return count + amount

    def get(self, key: str) -> int:
        count, ends = self._windows.get(key, (0, 0.0))
        return count if ends > self.clock() else 0

    def get_expiry(self, key: str) -> float:
        now = self.clock()
        _, ends = self._windows.get(key, (0, now))
        return max(ends, now)

    def check(self) -> bool:
        return True

    def reset(self) -> int | None:
        with self._lock:
            cleared = len(self._windows)
            self._windows = {}
        return cleared

    def clear(self, key: str) -> None:
        with self._lock:
            self._windows.pop(key, None)


def limit_anonymous_use(
    app: Flask, *, limit: str, storage_uri: str, exempt: Callable[[], bool]
) -> None:
    """At most ``limit`` requests per client address and endpoint from anonymous callers.

    Written on the ``limits`` library rather than through Flask-Limiter, which resolved the
    limits that apply to each request anew: a sixth of what the app spent on a search
    (docs/benchmarks.md).  Counted in fixed windows, one counter per address and endpoint, in
    ``storage_uri`` (``local://`` in process, ``redis://`` shared by processes).  Every
    counted answer says where the caller stands (``X-RateLimit-Limit``, ``-Remaining``,
    ``-Reset``); a refusal is a 429 with ``Retry-After``.  When the storage does not answer
    the request is served and a warning logged: a broken counter must not take the
    catalogue down with it.
    """
    item = parse(limit)
    storage = storage_from_string(storage_uri, wrap_exceptions=True)
    if not isinstance(storage, Storage):
        raise ValueError(
            f"CATALOGUE_RATE_LIMIT_STORAGE: {storage_uri!r} is not a storage for a WSGI app"
        )

    def count() -> None:
        if exempt():
            return
        key = item.key_for("anonymous", request.remote_addr or "-", request.endpoint or "-")
        try:
            used = storage.incr(key, item.get_expiry())
            resets = storage.get_expiry(key)
        except StorageError as exc:
            log.warning("rate limit storage unavailable: %s", exc)
            return
        g.rate_limit = (used, resets)
        if used > item.amount:
            raise TooManyRequests(
                f"More than {item.amount} requests per {item.get_expiry()} s from one address "
                "without signing in; try again later."
            )

    def answer(response: Response) -> Response:
        counted = g.pop("rate_limit", None)
        if counted is not None:
            used, resets = counted
            response.headers["X-RateLimit-Limit"] = str(item.amount)
            response.headers["X-RateLimit-Remaining"] = str(max(0, item.amount - used))
            response.headers["X-RateLimit-Reset"] = str(int(resets))
            if response.status_code == 429:
                wait = max(1, math.ceil(resets - time.time()))
                response.headers["Retry-After"] = str(wait)
        return response

    app.before_request(count)
    app.after_request(answer)
