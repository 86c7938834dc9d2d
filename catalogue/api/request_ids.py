"""Each request's id: the caller's (or its proxy's) ``X-Request-Id`` when acceptable, else a
new one; answered in the ``X-Request-Id`` header, carried by the request's log lines and by
the outbox rows of the changes it made (docs/operations.md)."""

from __future__ import annotations

from flask import Flask, Response, request

from catalogue.domain import tracing

HEADER = "X-Request-Id"


def carry_request_ids(app: Flask) -> None:
    def start() -> None:
        tracing.start(request.headers.get(HEADER))

    def answer(response: Response) -> Response:
        request_id = tracing.current()
        if request_id is not None:
            response.headers[HEADER] = request_id
        return response

    def end(_error: BaseException | None) -> None:
        tracing.end()

    app.before_request(start)
    app.after_request(answer)
    app.teardown_request(end)
