"""Database engine and sessions, using SQLAlchemy's own session handling.

Services never commit: a request opens one unit of work, which commits everything the
service did at once, or nothing.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import orjson
from sqlalchemy import Engine, create_engine, event
from sqlalchemy.orm import Session, sessionmaker

from catalogue.adapters.outbox_wakeup import notify
from catalogue.services.documents import CHANGES_SEARCH


def make_engine(url: str, **kwargs: Any) -> Engine:
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"timeout": 30}, **kwargs)
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    # pre-ping: after a database restart the pool hands out fresh connections, so the
    # service recovers on its own.
    return create_engine(
        url,
        pool_pre_ping=True,
        pool_size=10,
        max_overflow=10,
        json_deserializer=_read_json,
        **kwargs,
    )


def _read_json(text: str | bytes) -> Any:
    """A JSON column's value: orjson reads them (stored search documents above all) several
    times faster; the standard library still reads the rare value orjson refuses (a number
    beyond a double's range, which PostgreSQL's jsonb can hold)."""
    try:
        return orjson.loads(text)
    except orjson.JSONDecodeError:
        return json.loads(text)


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def _before_commit(session: Session) -> None:
    """Run what the services asked to do once their work is complete (``session.info
    ["before_commit"]``, by name): still inside the transaction, so it commits with it."""
    hooks = session.info.pop("before_commit", {})  # e.g. services.documents: render, queue
    for hook in hooks.values():
        hook(session)
    if session.info.get(CHANGES_SEARCH):
        notify(session)  # the indexing workers wake when this commits


class Database:
    """The engine and a session factory, bound to one application.

    Every session it makes, whoever opens it (a request, a command, a worker, a job), is the
    same unit of work: the services' before-commit hooks run inside the transaction, and
    ``after_search_change`` (set by the application: outside production, index at once) runs
    after a commit that queued changes for the search index.
    """

    def __init__(self, url: str) -> None:
        self.engine = make_engine(url)
        self._sessions = sessionmaker(self.engine, expire_on_commit=False)
        self.after_search_change: Callable[[], None] | None = None
        event.listen(self._sessions, "before_commit", _before_commit)
        event.listen(self._sessions, "after_commit", self._after_commit)
        # What a transaction queued dies with it (session.info is only the unit of work's).
        event.listen(self._sessions, "after_rollback", lambda session: session.info.clear())

    def _after_commit(self, session: Session) -> None:
        if session.info.pop(CHANGES_SEARCH, False) and self.after_search_change is not None:
            self.after_search_change()

    @contextmanager
    def unit_of_work(self) -> Iterator[Session]:
        """One transaction: committed when the block ends, rolled back if it raises."""
        with self._sessions.begin() as session:
            yield session

    @contextmanager
    def reader(self) -> Iterator[Session]:
        """A session for reading; nothing it does is committed."""
        with self._sessions() as session:
            yield session

    def new_session(self) -> Session:
        return self._sessions()

    def dispose(self) -> None:
        self.engine.dispose()
