"""``/api/health``: is the database there, is the search engine there."""

from __future__ import annotations

import time
from typing import Any

from flask import current_app
from flask.views import MethodView
from marshmallow import Schema, fields
from sqlalchemy import text

from catalogue.api.context import reader
from catalogue.api.routing import Blueprint

blp = Blueprint("health", __name__, url_prefix="/api/health", description="Service health.")


class ComponentSchema(Schema):
    status = fields.String(metadata={"enum": ["ok", "unavailable"]})
    latency_ms = fields.Float(allow_none=True)
    detail = fields.String(allow_none=True)


class HealthSchema(Schema):
    status = fields.String(metadata={"enum": ["ok", "degraded", "unavailable"]})
    database = fields.Nested(ComponentSchema)
    search = fields.Nested(ComponentSchema)


def _database() -> dict[str, Any]:
    started = time.perf_counter()
    try:
        with reader() as session:
            session.execute(text("SELECT 1"))
    except Exception as exc:  # any failure means "unavailable"; the type says why
        return {"status": "unavailable", "detail": type(exc).__name__}
    return {"status": "ok", "latency_ms": round((time.perf_counter() - started) * 1000, 2)}


def _search() -> dict[str, Any]:
    started = time.perf_counter()
    reachable, detail = current_app.extensions["catalogue"].backend.ping()
    if not reachable:
        return {"status": "unavailable", "detail": detail}
    latency = round((time.perf_counter() - started) * 1000, 2)
    return {"status": "ok", "latency_ms": latency, "detail": detail}


@blp.route("")
class Health(MethodView):
    @blp.response(200, HealthSchema)
    @blp.alt_response(503, schema=HealthSchema, description="The database is unavailable")
    def get(self) -> Any:
        """Status of the database and the search engine."""
        database, search = _database(), _search()
        if database["status"] != "ok":
            overall, code = "unavailable", 503
        elif search["status"] == "unavailable":
            overall, code = "degraded", 200
        else:
            overall, code = "ok", 200
        return {"status": overall, "database": database, "search": search}, code
