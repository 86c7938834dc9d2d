"""What the API resources share: the application's database and the revision headers."""

from __future__ import annotations

import re

from flask import current_app, request

from catalogue.db import Database
from catalogue.errors import PreconditionFailed, PreconditionRequired
from catalogue.models import Record

_ETAG = re.compile(r'^(?:W/)?"?(\d{1,10})"?$')


def db() -> Database:
    database: Database = current_app.extensions["catalogue"].db
    return database


def etag_headers(record: Record) -> dict[str, str]:
    return {"ETag": f'"{record.revision}"'}


def require_if_match() -> int | None:
    """The revision the caller last read, from ``If-Match``; None for ``If-Match: *``.

    Changes without If-Match are refused (428): a client that does not say which revision
    it edited could silently overwrite someone else's change.
    """
    raw = request.headers.get("If-Match")
    if raw is None:
        raise PreconditionRequired(
            "Send the record's current ETag in an If-Match header (read the record first)."
        )
    raw = raw.strip()
    if raw == "*":
        return None
    match = _ETAG.match(raw)
    if match is None:
        raise PreconditionFailed(f"If-Match must be an ETag such as \"3\", not {raw!r}.")
    return int(match.group(1))
