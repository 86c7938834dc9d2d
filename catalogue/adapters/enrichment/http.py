"""A polite HTTP client for the scholarly metadata services.

Timeouts on every request; retries with exponential backoff on connection errors, 429 and 5xx
(honouring ``Retry-After``, capped so a long one cannot stall a job); a request rate per
service; and a user agent naming the catalogue and a contact address, as Crossref, OpenAlex
and Unpaywall ask of every client ("polite pool").  The retrying is urllib3's own.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from importlib import metadata
from typing import Any, Protocol

import requests
from requests.adapters import HTTPAdapter
from urllib3.util.retry import Retry

RETRIED_STATUSES = (429, 500, 502, 503, 504)


class CappedRetry(Retry):
    """urllib3's retry, but a ``Retry-After`` longer than ``max_retry_after`` is shortened."""

    def __init__(self, *args: Any, max_retry_after: float = 60.0, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.max_retry_after = max_retry_after

    def new(self, **kwargs: Any) -> CappedRetry:
        # urllib3 makes a new Retry for every attempt; the cap must travel with it.
        fresh = super().new(**kwargs)
        fresh.max_retry_after = self.max_retry_after
        return fresh

    def get_retry_after(self, response: Any) -> float | None:
        wanted = super().get_retry_after(response)
        return None if wanted is None else min(wanted, self.max_retry_after)


class Budget(Protocol):
    def wait(self) -> None:
        """Return when the next request may go."""


class Throttle:
    """At most ``per_second`` requests a second from this process, spaced evenly."""

    def __init__(self, per_second: float) -> None:
        self.interval = 1.0 / per_second if per_second > 0 else 0.0
        self._next = 0.0
        self._lock = threading.Lock()

    def wait(self) -> None:
        with self._lock:
            now = time.monotonic()
            start = max(now, self._next)
            self._next = start + self.interval
        if start > now:
            time.sleep(start - now)


@dataclass(frozen=True)
class Answer:
    """What a service said: the HTTP status and the parsed JSON body (None if not JSON)."""

    status: int
    body: Any


class ServiceUnavailable(Exception):
    """The service could not be reached, or kept failing after every retry."""


class PoliteClient:
    def __init__(
        self,
        base_url: str,
        agent: str,
        per_second: float,
        timeout: float = 10.0,
        retries: int = 4,
        backoff: float = 0.5,
        max_retry_after: float = 60.0,
        budget: Budget | None = None,
    ) -> None:
        """``budget`` spaces the requests (shared by every worker: service_budget.py);
        without one, ``per_second`` from this client alone."""
        self.base_url = base_url.rstrip("/")
        self.timeout = (min(timeout, 5.0), timeout)  # connect, read
        self.throttle: Budget = budget if budget is not None else Throttle(per_second)
        retry = CappedRetry(
            total=retries,
            backoff_factor=backoff,
            status_forcelist=RETRIED_STATUSES,
            allowed_methods=frozenset({"GET", "HEAD"}),
            respect_retry_after_header=True,
            raise_on_status=False,  # the last answer comes back; we decide what it means
            max_retry_after=max_retry_after,
        )
        self.session = requests.Session()
        adapter = HTTPAdapter(max_retries=retry)
        self.session.mount("http://", adapter)
        self.session.mount("https://", adapter)
        self.session.headers["User-Agent"] = agent
        self.session.headers["Accept"] = "application/json"

    def get(self, path: str, params: dict[str, str] | None = None) -> Answer:
        """A JSON answer (``body`` None when it is not JSON)."""
        response = self._send(path, params)
        try:
            body = response.json()
        except ValueError:
            body = None
        return Answer(response.status_code, body)

    def get_bytes(self, path: str, params: dict[str, str] | None = None) -> tuple[int, bytes]:
        """The status and the body as sent (XML, say)."""
        response = self._send(path, params, accept="application/xml, text/xml;q=0.9, */*;q=0.1")
        return response.status_code, response.content

    def _send(
        self, path: str, params: dict[str, str] | None, accept: str | None = None
    ) -> requests.Response:
        self.throttle.wait()
        headers = {"Accept": accept} if accept else None
        try:
            response = self.session.get(
                self.base_url + path, params=params, timeout=self.timeout, headers=headers
            )
        except requests.RequestException as exc:
            raise ServiceUnavailable(f"{type(exc).__name__}: {exc}") from exc
        if response.status_code in RETRIED_STATUSES:
            raise ServiceUnavailable(f"HTTP {response.status_code} after retries")
        return response


def user_agent(homepage: str, contact_email: str) -> str:
    """``fair-catalogue/0.1.0 (+https://our.catalogue; mailto:us@example.org)``."""
    try:
        version = metadata.version("fair-catalogue")
    except metadata.PackageNotFoundError:
        version = "dev"
    return f"fair-catalogue/{version} (+{homepage}; mailto:{contact_email})"
