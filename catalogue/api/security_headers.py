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

from flask import Flask, Response

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
    headers = dict(HEADERS)
    if https_only:
        headers["Strict-Transport-Security"] = "max-age=31536000; includeSubDomains"

    @app.after_request
    def _secure(response: Response) -> Response:
        for name, value in headers.items():
            response.headers.setdefault(name, value)
        return response
