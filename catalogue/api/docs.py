"""``/api/docs``: the interactive API documentation (Swagger UI over ``/api/openapi.json``).

Served by the catalogue rather than flask-smorest's page, whose inline script the
Content-Security-Policy would block; Swagger UI's files come from a PyPI package, so the docs
work with no internet.
"""

from __future__ import annotations

import swagger_ui_bundle
from flask import Blueprint, Response, current_app, render_template, send_from_directory, url_for

blp = Blueprint(
    "docs_page",
    __name__,
    url_prefix="/api/docs",
    template_folder="templates",
    static_folder="static",
    static_url_path="/static",
)


@blp.get("")
def page() -> str:
    return render_template(
        "api_docs.html",
        title=current_app.config["API_TITLE"],
        assets=url_for("docs_page.swagger_ui_assets", filename=""),
        spec_url=url_for("api-docs.openapi_json"),
    )


@blp.get("/assets/<path:filename>")
def swagger_ui_assets(filename: str) -> Response:
    return send_from_directory(swagger_ui_bundle.swagger_ui_path, filename, max_age=86400)
