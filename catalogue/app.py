"""The application factory."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from authlib.integrations.flask_client import OAuth
from elasticsearch import TransportError
from flask import Flask, Response, jsonify, request
from flask_smorest import Api
from sqlalchemy.exc import DataError, DBAPIError, OperationalError
from werkzeug.exceptions import HTTPException, InternalServerError
from werkzeug.middleware.proxy_fix import ProxyFix

from catalogue.adapters import logs
from catalogue.adapters.db import Database
from catalogue.adapters.fdp_index import IndexPinger
from catalogue.adapters.indexing import Indexer
from catalogue.api import metrics
from catalogue.api.context import close_session
from catalogue.api.flask_app import CatalogueFlask
from catalogue.api.health import PROBE_PATHS
from catalogue.api.identity import check_csrf, current_identity, require_login_for_changes
from catalogue.api.jsonio import OrjsonProvider
from catalogue.api.ratelimit import limit_anonymous_use
from catalogue.api.request_ids import carry_request_ids
from catalogue.api.routing import ID_SCHEMA, IdConverter
from catalogue.api.security_headers import add_security_headers
from catalogue.config import Settings
from catalogue.domain.errors import ServiceError
from catalogue.web import (
    admin,
    coeditors,
    crawlers,
    dashboards,
    editor,
    login,
    machine,
    mine,
    oai,
    pages,
    stewardship,
    worklists,
)
from catalogue.web import (
    enrichment as enrichment_pages,
)
from catalogue.web.rendering import error_page, init_web, wants_a_page
from search import SearchConfig, SearchEngine
from search.elastic import ElasticBackend
from search.embedded import EmbeddedBackend
from search.query import SearchBackend, SearchFailed

log = logging.getLogger(__name__)


@dataclass
class CatalogueState:
    """What one application instance holds: its settings, database and search engine."""

    settings: Settings
    db: Database
    search: SearchEngine | None
    backend: SearchBackend
    indexer: Indexer


def create_app(settings: Settings | None = None) -> Flask:
    settings = settings or Settings.from_env()
    logs.configure(settings.log_format, settings.log_level, settings.is_production)
    # No application-wide static folder: each blueprint serves its own files.
    app = CatalogueFlask(__name__, instance_relative_config=False, static_folder=None)
    app.json = OrjsonProvider(app)
    app.config.update(
        SECRET_KEY=settings.secret_key,
        MAX_CONTENT_LENGTH=settings.max_content_length,
        API_TITLE="FAIR research data catalogue",
        API_VERSION="1",
        OPENAPI_VERSION="3.0.3",
        OPENAPI_URL_PREFIX="/api",
        OPENAPI_JSON_PATH="openapi.json",  # the docs page is catalogue.api.docs
        API_SPEC_OPTIONS={
            "info": {
                "description": (
                    "Register, find and reuse datasets and publications. Reads need no "
                    "account; changes need a login and an If-Match header with the ETag "
                    "(revision) you last read. In every request body, text may not hold "
                    "control characters (tab and newline excepted), bidirectional override "
                    "characters are removed, booleans are true or false, and bodies nest at "
                    "most 32 levels."
                )
            }
        },
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=settings.is_production,
        SESSION_COOKIE_NAME="catalogue_session",
        PERMANENT_SESSION_LIFETIME=timedelta(hours=settings.session_hours),
        SERVER_NAME=None,
    )
    search = None
    if settings.elasticsearch_url:
        search = SearchEngine(
            SearchConfig(
                url=settings.elasticsearch_url,
                api_key=settings.elasticsearch_api_key,
                username=settings.elasticsearch_username,
                password=settings.elasticsearch_password,
                ca_certs=settings.elasticsearch_ca_certs,
                index_prefix=settings.index_prefix,
                shards=settings.index_shards,
                replicas=settings.index_replicas,
            )
        )
    db = Database(settings.effective_database_url)
    backend: SearchBackend
    if search is not None:
        backend = ElasticBackend(search)
    else:
        backend = EmbeddedBackend(settings.embedded_search_path, settings.index_prefix)
    pinger = (
        IndexPinger(
            settings.fdp_index_url,
            settings.base_url.rstrip("/") + "/fdp",
            settings.fdp_ping_seconds,
        )
        if settings.fdp_index_url
        else None
    )
    indexer = Indexer(db, backend, on_change=pinger.changed if pinger else None)
    if settings.index_after_commit_enabled:
        # Read-your-writes search: a change is indexed before its request (or command)
        # answers; in production `catalogue worker` processes index instead.
        db.after_search_change = indexer.index_now
    app.extensions["catalogue"] = CatalogueState(
        settings=settings, db=db, search=search, backend=backend, indexer=indexer
    )

    if settings.proxy_hops:
        app.wsgi_app = ProxyFix(  # type: ignore[method-assign]
            app.wsgi_app, x_for=settings.proxy_hops, x_proto=settings.proxy_hops
        )
    if settings.oidc_enabled:
        oauth = OAuth(app)
        app.extensions["catalogue_sso"] = oauth.register(
            "sso",
            client_id=settings.oidc_client_id,
            client_secret=settings.oidc_client_secret,
            server_metadata_url=settings.oidc_discovery_url,
            # PKCE as well as the client secret: a stolen authorisation code is useless.
            client_kwargs={
                "scope": settings.oidc_scope,
                "code_challenge_method": "S256",
                "timeout": 10,
            },
        )
    metrics.time_requests(app)  # first: its clock spans every other hook
    carry_request_ids(app)
    add_security_headers(app, https_only=settings.is_production)
    _limit_anonymous_use(app, settings)
    # Order matters: the rate limit first, then CSRF, then "log in to change anything".
    app.before_request(check_csrf)
    app.before_request(require_login_for_changes)

    app.url_map.converters["id"] = IdConverter
    api = Api(app)
    api.register_converter(IdConverter, lambda _converter: dict(ID_SCHEMA))
    from catalogue.api import (
        access,
        accounts,
        auth,
        docs,
        enrichment,
        harvests,
        health,
        imports,
        records,
        reports,
        theme_rules,
        vocabularies,
    )
    from catalogue.api import search as search_api

    api.register_blueprint(records.datasets_blp)
    api.register_blueprint(records.publications_blp)
    api.register_blueprint(access.blp)
    api.register_blueprint(enrichment.blp)
    api.register_blueprint(harvests.blp)
    api.register_blueprint(imports.blp)
    api.register_blueprint(search_api.blp)
    api.register_blueprint(reports.blp)
    api.register_blueprint(reports.worklists_blp)
    api.register_blueprint(vocabularies.blp)
    api.register_blueprint(theme_rules.blp)
    api.register_blueprint(accounts.blp)
    api.register_blueprint(health.blp)
    api.register_blueprint(health.probes)
    app.register_blueprint(metrics.blp)
    app.register_blueprint(auth.blp)
    app.register_blueprint(docs.blp)
    app.register_blueprint(pages.blp)
    app.register_blueprint(dashboards.blp)
    app.register_blueprint(mine.blp)
    app.register_blueprint(editor.blp)
    app.register_blueprint(stewardship.blp)
    app.register_blueprint(worklists.blp)
    app.register_blueprint(admin.blp)
    app.register_blueprint(login.blp)
    app.register_blueprint(coeditors.blp)
    app.register_blueprint(enrichment_pages.blp)
    app.register_blueprint(machine.blp)
    app.register_blueprint(crawlers.blp)
    app.register_blueprint(oai.blp)
    init_web(app)
    _register_error_handlers(app)
    app.teardown_appcontext(close_session)

    return app


UNLIMITED_PATHS = (*PROBE_PATHS, metrics.METRICS_PATH)


def _limit_anonymous_use(app: Flask, settings: Settings) -> None:
    """Anonymous callers are rate-limited per client address; signed-in callers, the
    liveness and readiness probes and Prometheus' scrapes are not."""

    def exempt() -> bool:
        if request.path in UNLIMITED_PATHS:  # probes and scrapes are never refused
            return True
        try:
            return not current_identity().is_anonymous
        except ServiceError:
            return False  # a refused credential counts as anonymous use

    limit_anonymous_use(
        app,
        limit=settings.anonymous_rate_limit,
        storage_uri=settings.rate_limit_storage,
        exempt=exempt,
    )


def _error(code: int, message: str, errors: Any = None) -> tuple[Response, int]:
    """The one error format: ``{code, status, message, errors}``, ``errors`` empty when no
    field is to blame."""
    from http import HTTPStatus

    body = {
        "code": code,
        "status": HTTPStatus(code).phrase,
        "message": message,
        "errors": errors or {},
    }
    return jsonify(body), code


def _register_error_handlers(app: Flask) -> None:
    @app.errorhandler(ServiceError)
    def _service_error(exc: ServiceError) -> tuple[Response | str, int]:
        if wants_a_page():
            return error_page(exc.status, exc.message)
        response, code = _error(exc.status, exc.message, exc.errors)
        if code == 401:
            response.headers["WWW-Authenticate"] = 'Bearer realm="catalogue"'
        return response, code

    @app.errorhandler(DataError)
    def _unstorable(exc: DataError) -> tuple[Response, int]:
        # Input validation should have caught it; answer as bad input, never as a crash.
        log.warning("database refused a value: %s", type(exc.orig).__name__)
        return _error(400, "The request holds a value the database cannot store.")

    @app.errorhandler(TransportError)
    def _search_unavailable(exc: TransportError) -> tuple[Response, int]:
        log.warning("search engine unavailable: %s", type(exc).__name__)
        response, code = _error(503, "Search is unavailable; try again shortly.")
        response.headers["Retry-After"] = "5"
        return response, code

    @app.errorhandler(SearchFailed)
    def _search_failed(exc: SearchFailed) -> tuple[Response, int]:
        if not exc.transient:
            log.error("search refused: %s", exc)
            return _error(500, "Internal error; it has been logged.")
        log.warning("search failed: %s", exc)
        response, code = _error(503, "Search is unavailable; try again shortly.")
        response.headers["Retry-After"] = "5"
        return response, code

    @app.errorhandler(OperationalError)
    @app.errorhandler(DBAPIError)
    def _database_unavailable(exc: DBAPIError) -> tuple[Response, int]:
        if isinstance(exc, OperationalError) or exc.connection_invalidated:
            log.warning("database unavailable: %s", type(exc.orig).__name__)
            response, code = _error(503, "The database is unavailable; try again shortly.")
            response.headers["Retry-After"] = "5"
            return response, code
        log.exception("database error")
        return _error(500, "Internal error; it has been logged.")

    @app.errorhandler(InternalServerError)
    def _internal(exc: InternalServerError) -> tuple[Response | str, int]:
        # Never a stack trace to users; the log has it.
        log.error("unhandled error", exc_info=exc.original_exception)
        if wants_a_page():
            return error_page(500, "Internal error; it has been logged.")
        return _error(500, "Internal error; it has been logged.")

    @app.errorhandler(HTTPException)
    def _http(exc: HTTPException) -> tuple[Response | str, int]:
        if wants_a_page() and exc.code != 405:
            return error_page(exc.code or 500, exc.description or "")
        data = getattr(exc, "data", None) or {}
        errors = data.get("errors") or data.get("messages")
        message = data.get("message") or exc.description or ""
        if errors and not data.get("message"):
            message = "The request has invalid fields; see errors."
        response, code = _error(exc.code or 500, message, errors)
        for key, value in (data.get("headers") or {}).items():
            response.headers[key] = value
        if exc.code == 405 and (allowed := exc.get_headers()):
            for key, value in allowed:
                if key.lower() == "allow":
                    response.headers["Allow"] = value
        return response, code
