"""``/metrics`` for Prometheus, and the timing of every request (docs/operations.md).

Requests are timed from the first ``before_request`` hook to the last ``after_request`` one,
labelled by the URL rule that answered (``/api/datasets/<record_id>``, never the path:
the label stays bounded whatever URLs callers invent).  With ``CATALOGUE_METRICS_TOKEN`` set,
``/metrics`` answers only ``Authorization: Bearer <token>``.
"""

from __future__ import annotations

import hmac
import time

from flask import Blueprint, Flask, Response, current_app, g, request

from catalogue.adapters import metrics

blp = Blueprint("metrics", __name__)
METRICS_PATH = "/metrics"


def time_requests(app: Flask) -> None:
    """Time every request.  Call before any other hook is registered: the clock starts before
    the others' work and stops after it."""

    def start() -> None:
        g.metrics_started = time.perf_counter()

    def stop(response: Response) -> Response:
        started = g.pop("metrics_started", None)
        if started is not None:
            rule = request.url_rule.rule if request.url_rule is not None else "unmatched"
            elapsed = time.perf_counter() - started
            metrics.observe_request(rule, request.method, response.status_code, elapsed)
        return response

    app.before_request(start)
    app.after_request(stop)


@blp.get(METRICS_PATH)
def scrape() -> Response:
    """The metrics in Prometheus' text format."""
    token = current_app.extensions["catalogue"].settings.metrics_token
    if token:
        given = request.headers.get("Authorization", "").removeprefix("Bearer ").strip()
        if not hmac.compare_digest(given.encode(), token.encode()):
            return Response(
                "Give the metrics token: Authorization: Bearer <token>\n",
                status=401,
                mimetype="text/plain",
                headers={"WWW-Authenticate": 'Bearer realm="metrics"'},
            )
    body = metrics.exposition(current_app.extensions["catalogue"].indexer)
    return Response(body, content_type=metrics.CONTENT_TYPE, headers={"Cache-Control": "no-store"})
