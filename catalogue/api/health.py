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


probes = Blueprint(
    "probes",
    __name__,
    description="Liveness and readiness, for an orchestrator or a load balancer "
    "(not rate-limited).",
)
PROBE_PATHS = ("/livez", "/readyz")


class ProbeSchema(Schema):
    status = fields.String(metadata={"enum": ["live", "ready", "not ready"]})
    database = fields.Nested(ComponentSchema, required=False)
    search = fields.Nested(ComponentSchema, required=False)


@probes.route("/livez")
class Live(MethodView):
    @probes.response(200, ProbeSchema)
    def get(self) -> Any:
        """The process answers. Touches nothing else: a database outage must not get every
        app process restarted."""
        return {"status": "live"}


@probes.route("/readyz")
class Ready(MethodView):
    @probes.response(200, ProbeSchema)
    @probes.alt_response(503, schema=ProbeSchema, description="The database is unavailable")
    def get(self) -> Any:
        """Ready for requests: the database answers. The search engine is reported but does
        not decide (without it records still read and save; the outbox keeps the changes)."""
        database, search = _database(), _search()
        ready = database["status"] == "ok"
        body = {"status": "ready" if ready else "not ready", "database": database, "search": search}
        return body, 200 if ready else 503
