"""How a request reaches a resource: the blueprint every resource uses and the id converter.

Both exist so that what a careless or hostile client sends ends as a clear 4xx before any
resource code runs: a request body is parsed once, by orjson, with a nesting limit, and a
numeric id outside the database's range matches no route (404) instead of overflowing a
64-bit column further down (a 500 on SQLite, a 400 on PostgreSQL).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, NoReturn, TypeVar

import flask_smorest
import orjson
from flask import Request
from webargs import core
from webargs.flaskparser import FlaskParser, abort, is_json_request
from werkzeug.routing import IntegerConverter, Map

# Records are a few levels deep (a creator's affiliation in a list is five); 32 leaves room
# for growth and keeps every recursive walk over a body far below Python's recursion limit.
MAX_JSON_DEPTH = 32
LARGEST_ID = 2**63 - 1  # BIGINT and SQLite INTEGER
F = TypeVar("F", bound=Callable[..., Any])


class IdConverter(IntegerConverter):
    """``<id:name>``: a positive integer a database id column can hold."""

    def __init__(self, url_map: Map) -> None:
        super().__init__(url_map, min=1, max=LARGEST_ID)


# How flask-smorest documents the converter in the OpenAPI description.
ID_SCHEMA = {"type": "integer", "format": "int64", "minimum": 1, "maximum": LARGEST_ID}


def nesting_depth(value: Any, limit: int) -> int:
    """How deeply lists and objects nest in ``value``, counting no further than ``limit + 1``.

    Iterative, so a hostile body cannot exhaust the stack while it is being measured.
    """
    deepest = 0
    pending: list[tuple[Any, int]] = [(value, 1)]
    while pending:
        item, depth = pending.pop()
        if isinstance(item, dict):
            children = item.values()
        elif isinstance(item, list):
            children = item  # type: ignore[assignment]
        else:
            continue
        deepest = max(deepest, depth)
        if deepest > limit:
            return deepest
        pending.extend((child, depth + 1) for child in children)
    return deepest


class JsonBodyParser(FlaskParser):
    """Request bodies through orjson: strict UTF-8 (a lone surrogate such as ``\\ud800`` is
    refused, no database could store it) and no deeper than :data:`MAX_JSON_DEPTH`.

    Every operation with a JSON body declares it required, so a missing body is a 400
    rather than an empty object that might pass validation.
    """

    def _raw_load_json(self, req: Request) -> Any:
        if not is_json_request(req):
            return core.missing
        raw = req.get_data(cache=True)
        if not raw.strip():
            return core.missing
        try:
            body = orjson.loads(raw)
        except orjson.JSONDecodeError as exc:
            if "depth" in str(exc):
                _too_deep()
            abort(400, exc=exc, messages={"json": [f"Invalid JSON body: {exc}."]})
        if nesting_depth(body, MAX_JSON_DEPTH) > MAX_JSON_DEPTH:
            _too_deep()
        return body

    def load_json(self, req: Request, schema: Any) -> Any:
        body = super().load_json(req, schema)
        if body is core.missing:
            abort(
                400,
                messages={"json": ["A JSON body is required (Content-Type: application/json)."]},
            )
        return body


def _too_deep() -> NoReturn:
    abort(400, messages={"json": [f"The JSON body is nested more than {MAX_JSON_DEPTH} levels."]})


class Blueprint(flask_smorest.Blueprint):  # type: ignore[misc]  # untyped library
    """A group of API resources, with the catalogue's request parser."""

    ARGUMENTS_PARSER = JsonBodyParser()


IF_MATCH_HEADER = {
    "in": "header",
    "name": "If-Match",
    "required": True,
    "schema": {"type": "string"},
    "description": (
        'The ETag of the revision you edited, such as "3" (the ETag header of your last read; '
        'a weak W/"3" names the same revision). `*` is refused.'
    ),
}


def revision_checked(blp: Blueprint) -> Callable[[F], F]:
    """Documents an operation that changes a record only if ``If-Match`` names its current
    revision (checked by :func:`catalogue.api.context.require_if_match`)."""

    def decorate(func: F) -> F:
        func = blp.alt_response(428, description="If-Match is missing, or is *")(func)
        func = blp.alt_response(
            412, description="If-Match is not the current revision: read the record again"
        )(func)
        documented: F = blp.doc(parameters=[IF_MATCH_HEADER])(func)
        return documented

    return decorate
