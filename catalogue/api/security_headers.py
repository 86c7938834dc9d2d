"""The response headers that keep browsers from misusing what the catalogue serves.

Set on every answer, JSON, CSV and pages alike (issue 13, item 9):

- ``X-Content-Type-Options: nosniff``: a JSON or CSV answer holding ``<script>`` in a title is
  never run as a page by a browser guessing its type.
- ``Content-Security-Policy``: scripts only from the catalogue's own files, never inline, so
  text that slipped through escaping cannot run; no plug-ins; no framing by other sites
  (``frame-ancestors``, with ``X-Frame-Options`` for older browsers); forms post only here.
  Inline *styles* are allowed: the API docs' Swagger UI sets them, and a style cannot run code.
- ``Referrer-Policy``: other sites see that a visitor came from the catalogue, not which
  record or search.
- ``Strict-Transport-Security`` in production only, where the base URL must be https.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any

from flask import Flask

if TYPE_CHECKING:
    from _typeshed.wsgi import StartResponse, WSGIApplication, WSGIEnvironment

CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self' 'unsafe-inline'",
        "img-src 'self' data:",
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)

HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "strict-origin-when-cross-origin",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=(), interest-cohort=()",
}


def add_security_headers(app: Flask, *, https_only: bool) -> None:
    """Add the headers to every answer that does not set its own, pages, API and errors alike.

    At the WSGI level rather than as an ``after_request`` hook: appending to the header list
    costs a tenth of setting each header on Flask's response object, and answers that never
    reach the hooks get them too.
    """
    headers = dict(HEADERS)
    if https_only:
        headers["Strict-Transport-Security"] = "max-age=31536000; includeSubDomains"
    app.wsgi_app = _WithHeaders(app.wsgi_app, headers)  # type: ignore[method-assign]


class _WithHeaders:
    def __init__(self, app: WSGIApplication, headers: dict[str, str]) -> None:
        self.app = app
        self.headers = [(name.lower(), (name, value)) for name, value in headers.items()]

    def __call__(self, environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        def start(
            status: str, answer: list[tuple[str, str]], exc_info: Any = None
        ) -> Callable[[bytes], object]:
            present = {name.lower() for name, _ in answer}
            answer.extend(header for lower, header in self.headers if lower not in present)
            return start_response(status, answer, exc_info)

        return self.app(environ, start)
