"""Waking the indexing worker the moment changes are committed (PostgreSQL LISTEN/NOTIFY).

A transaction that queued search changes sends ``NOTIFY catalogue_outbox`` (delivered at its
commit, never for a rollback); workers ``LISTEN`` on their own connection and wake at once
instead of at their next poll. Polling stays: it is the fallback when the listening
connection is lost (it is opened again) and the only way on SQLite.
"""

from __future__ import annotations

import logging
import threading
import time
from typing import Any

import psycopg
from sqlalchemy import Engine, text
from sqlalchemy.orm import Session

log = logging.getLogger(__name__)

CHANNEL = "catalogue_outbox"


def notify(session: Session) -> None:
    """Within the transaction: wake the workers once it commits (PostgreSQL only)."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text(f"NOTIFY {CHANNEL}"))


class Listener:
    """A worker's own connection listening on the channel; ``wait`` returns early when a
    notification comes, else after ``timeout`` (the polling interval)."""

    def __init__(self, engine: Engine) -> None:
        self.enabled = engine.dialect.name == "postgresql"
        # psycopg's own connection string (SQLAlchemy's URL without its driver name).
        self._dsn = engine.url.set(drivername="postgresql").render_as_string(hide_password=False)
        self._connection: Any = None

    def wait(self, timeout: float, stop: threading.Event) -> bool:
        """Wait up to ``timeout`` for a notification (or ``stop``); whether one came. Without
        a listening connection (SQLite, or the database away) this is a plain poll wait."""
        if not self.enabled:
            stop.wait(timeout)
            return False
        try:
            if self._connection is None or self._connection.closed:
                self._connection = psycopg.connect(self._dsn, autocommit=True)
                self._connection.execute(f"LISTEN {CHANNEL}")
            deadline = time.monotonic() + timeout
            # In slices of at most a second, so that a stopping worker stops promptly.
            woken = False
            while not woken and not stop.is_set() and (left := deadline - time.monotonic()) > 0:
                woken = any(
                    True for _ in self._connection.notifies(timeout=min(left, 1.0), stop_after=1)
                )
            if woken:
                # One batch takes every change: the notifications that came meanwhile (one
                # per commit) need no wake-up of their own.
                for _ in self._connection.notifies(timeout=0):
                    pass
            return woken
        except psycopg.Error as exc:  # the database went away: poll until it is back
            log.warning("listening for outbox changes failed (%s); polling meanwhile", exc)
            self.close()
            stop.wait(timeout)
            return False

    def close(self) -> None:
        if self._connection is not None:
            try:
                self._connection.close()
            finally:
                self._connection = None
