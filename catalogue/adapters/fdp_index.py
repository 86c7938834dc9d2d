"""Telling a FAIR Data Point index that the catalogue changed (its "ping").

FDP indexes (the reference one, Health-RI's) crawl the FAIR Data Points that ping them: a
``POST`` of ``{"clientUrl": "<the FDP's URL>"}``. The catalogue pings when records change
(once they are indexed), at most once per ``fdp_ping_seconds``: a burst of changes is one ping, sent
at the end of the interval, in a thread of its own so no request or indexing waits for it.
A failed ping is logged and tried again with the next change.
"""

from __future__ import annotations

import logging
import threading
import time

import requests

log = logging.getLogger(__name__)


class IndexPinger:
    def __init__(self, index_url: str, fdp_url: str, interval: float, timeout: float = 10.0):
        self.index_url = index_url
        self.fdp_url = fdp_url
        self.interval = interval
        self.timeout = timeout
        self._lock = threading.Lock()
        self._last = float("-inf")
        self._scheduled: threading.Timer | None = None

    def changed(self) -> None:
        """Published records changed: ping now, or at the end of the current interval."""
        with self._lock:
            if self._scheduled is not None:
                return  # a ping is already on its way; it will announce this change too
            wait = max(0.0, self._last + self.interval - time.monotonic())
            self._scheduled = threading.Timer(wait, self._ping)
            self._scheduled.daemon = True
            self._scheduled.start()

    def _ping(self) -> None:
        with self._lock:
            self._scheduled = None
            self._last = time.monotonic()
        try:
            answer = requests.post(
                self.index_url, json={"clientUrl": self.fdp_url}, timeout=self.timeout
            )
            answer.raise_for_status()
            log.info("pinged the FAIR Data Point index %s", self.index_url)
        except requests.RequestException as exc:
            log.warning("pinging the FAIR Data Point index failed: %s", exc)
