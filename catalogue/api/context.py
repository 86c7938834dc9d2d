"""What the API resources share: the request's database session and the revision headers.

Each request has one session, closed when the request ends, so the response can still be
rendered from the records after their transaction has committed.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager

from flask import current_app, g, request
from sqlalchemy.orm import Session

from catalogue.adapters.db import Database
from catalogue.domain.errors import PreconditionFailed, PreconditionRequired
from catalogue.models import Record

_ETAG = re.compile(r'^(?:W/)?"?(\d{1,10})"?$')


def db() -> Database:
    database: Database = current_app.extensions["catalogue"].db
    return database


def session() -> Session:
    """This request's session."""
    if "db_session" not in g:
        g.db_session = db().new_session()
    current: Session = g.db_session
    return current


@contextmanager
def reader() -> Iterator[Session]:
    """The request's session, for reading."""
    yield session()


@contextmanager
def transaction() -> Iterator[Session]:
    """The request's unit of work: committed if the block succeeds, rolled back if it raises
    (what follows a commit, such as indexing at once, is the unit of work's own hook)."""
    current = session()
    try:
        yield current
        current.commit()
    except BaseException:
        current.rollback()
        raise


def close_session(_exc: BaseException | None = None) -> None:
    current: Session | None = g.pop("db_session", None)
    if current is not None:
        current.close()


def etag_headers(record: Record) -> dict[str, str]:
    return {"ETag": f'"{record.revision}"'}


def require_if_match() -> int:
    """The revision the caller last read, from ``If-Match``.

    Changes without If-Match, or with ``*``, are refused (428): a client that does not say
    which revision it edited could silently overwrite someone else's change.  A weak tag
    (``W/"3"``, as compressing proxies rewrite ETags) names the same revision: the number
    identifies the row's version exactly.
    """
    raw = request.headers.get("If-Match")
    if raw is None:
        raise PreconditionRequired(
            "Send the record's current ETag in an If-Match header (read the record first)."
        )
    raw = raw.strip()
    if raw == "*":
        # "Whatever it is now" is exactly the lost update the lock is there to prevent.
        raise PreconditionRequired(
            'If-Match: * is not accepted: send the ETag of the revision you edited, such as "3".'
        )
    match = _ETAG.match(raw)
    if match is None:
        raise PreconditionFailed(f'If-Match must be an ETag such as "3", not {raw!r}.')
    return int(match.group(1))
