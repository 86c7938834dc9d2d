"""The request a piece of work belongs to, so its log lines can be found together: the app's
line for a change and the indexing worker's line for the same change carry one request id.

A context variable: each request (and each thread) sees its own.
"""

from __future__ import annotations

import re
import uuid
from contextvars import ContextVar

_current: ContextVar[str | None] = ContextVar("request_id", default=None)
# What a caller (or a proxy in front) may give as X-Request-Id: short, and safe in a log.
_ACCEPTABLE = re.compile(r"[A-Za-z0-9._:-]{1,64}")


def start(given: str | None = None) -> str:
    """Begin a request: the id it was given (when acceptable) or a new one."""
    request_id = given if given and _ACCEPTABLE.fullmatch(given) else uuid.uuid4().hex
    _current.set(request_id)
    return request_id


def end() -> None:
    _current.set(None)


def current() -> str | None:
    """The id of the request being served here, if any."""
    return _current.get()
