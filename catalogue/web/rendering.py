"""What every page template can use: the caller, the language, labels, versioned assets, and
error pages in HTML for people (the API keeps its JSON errors).
"""

from __future__ import annotations

import hashlib
import html
import re
from functools import cache
from pathlib import Path
from typing import Any

from flask import Flask, g, render_template, request, url_for
from flask_babel import Babel
from flask_babel import lazy_gettext as _l
from markupsafe import Markup, escape
from sqlalchemy import select

from catalogue.api.context import reader
from catalogue.api.identity import csrf_token, current_identity
from catalogue.models import AccessRight, Department, ResourceType, Theme
from catalogue.web.labels import FACET_TITLES, FIXED_LABELS, device_label

STATIC = Path(__file__).parent / "static"
TRANSLATIONS = Path(__file__).parent / "translations"
LANGUAGES = ("en", "nl")
_MARK = re.compile(r"(</?mark>)")

STATUS_LABELS: dict[str, Any] = {
    "draft": _l("Draft"),
    "published": _l("Published"),
    "withdrawn": _l("Withdrawn"),
    # enrichment jobs
    "queued": _l("waiting for a worker"),
    "running": _l("running"),
    "done": _l("done"),
    "failed": _l("failed"),
    "cancelled": _l("cancelled"),
}


def choose_locale() -> str:
    """The language a person chose (``?lang=``, kept in a cookie), else their browser's."""
    chosen = request.args.get("lang") or request.cookies.get("lang")
    if chosen in LANGUAGES:
        return chosen
    return request.accept_languages.best_match(LANGUAGES) or "en"


@cache
def _fingerprint(filename: str) -> str:
    """A short hash of a static file's content: its URL changes when it does, so browsers
    may keep it for a year."""
    return hashlib.sha256((STATIC / filename).read_bytes()).hexdigest()[:10]


def asset(filename: str) -> str:
    return url_for("web.static", filename=filename, v=_fingerprint(filename))


def highlighted(fragment: str) -> Markup:
    """A search engine's highlight: text with ``<mark>`` around matches. Both engines escape
    the text; it is escaped again here all the same, keeping only the marks."""
    parts = _MARK.split(fragment)
    return Markup("").join(
        Markup(part) if part in ("<mark>", "</mark>") else escape(html.unescape(part))
        for part in parts
    )


def term_label(vocabulary: str, term_id: str) -> str:
    """A theme's, department's or access right's label (read once per request)."""
    if "term_labels" not in g:
        found: dict[tuple[str, str], str] = {}
        with reader() as session:
            for name, model in (
                ("theme", Theme),
                ("department", Department),
                ("access_right", AccessRight),
                ("resource_type", ResourceType),
            ):
                for key, label in session.execute(select(model.id, model.label)):
                    found[(name, key)] = label
        g.term_labels = found
    labels: dict[tuple[str, str], str] = g.term_labels
    return labels.get((vocabulary, term_id), term_id)


def switch_language(language: str) -> str:
    """This page's URL in another language (the choice is then kept in a cookie)."""
    args: dict[str, Any] = request.args.to_dict(flat=False)
    args["lang"] = [language]
    # The path's own values win over a query parameter of the same name (?theme= on
    # /themes/<theme>): url_for takes each name once.
    args.update(request.view_args or {})
    return url_for(request.endpoint or "web.home", **args)


def _template_globals() -> dict[str, Any]:
    return {
        "identity": current_identity(),
        "locale": choose_locale(),
        "asset": asset,
        "highlighted": highlighted,
        "term_label": term_label,
        "kind_label": lambda kind: FIXED_LABELS.get(("kind", kind), kind),
        "oa_label": lambda status: FIXED_LABELS.get(("open_access", status), status),
        "status_label": lambda status: STATUS_LABELS.get(status, status),
        "access_label": lambda right: term_label("access_right", right),
        "facet_title": lambda name: FACET_TITLES.get(name, name),
        "switch_language": switch_language,
        "csrf_token": csrf_token,
        "device_label": device_label,
    }


def wants_a_page() -> bool:
    """Whether this request is a person's browser asking for a page (not an API client)."""
    # The login's steps are pages (only a browser follows them); the API and the one JSON
    # answer under /auth/ keep JSON errors.
    if request.path in ("/auth/login", "/auth/callback"):
        return True
    if request.path.startswith("/api/") or request.path == "/auth/session":
        return False
    best = request.accept_mimetypes.best_match(["text/html", "application/json"])
    return best == "text/html"


def error_page(code: int, message: str) -> tuple[str, int]:
    return render_template("web/error.html", code=code, message=message), code


def init_web(app: Flask) -> None:
    """Languages, template helpers and the language cookie for the pages."""
    app.config.setdefault("BABEL_TRANSLATION_DIRECTORIES", str(TRANSLATIONS))
    Babel(app, locale_selector=choose_locale)
    app.context_processor(_template_globals)

    @app.after_request
    def _remember_language(response: Any) -> Any:
        if response.mimetype == "text/html":
            # The language follows the browser and the cookie: caches must keep them apart.
            response.vary.add("Accept-Language")
            response.vary.add("Cookie")
        chosen = request.args.get("lang")
        if chosen in LANGUAGES and request.cookies.get("lang") != chosen:
            response.set_cookie("lang", chosen, max_age=365 * 86400, samesite="Lax")
        return response
