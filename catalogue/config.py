"""One typed settings object, read from the environment.

Every setting has a safe default for the embedded mode (SQLite, no services, bound to
127.0.0.1).  Production mode refuses to start with settings that are only safe on a
developer's machine.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any, get_args, get_type_hints

ENV_PREFIX = "CATALOGUE_"
_DEV_SECRET = "dev-only-secret-key-do-not-use-in-production"


class ConfigError(RuntimeError):
    """The settings are inconsistent or unsafe; the message says which setting to change."""


def _parse(name: str, raw: str, kind: Any) -> Any:
    """``raw`` as the annotated type of setting ``name`` (str, int, float or bool, optional)."""
    wanted = {arg for arg in get_args(kind) if arg is not type(None)} or {kind}
    if wanted == {bool}:
        return _as_bool(name, raw)
    for number, what in ((int, "an integer"), (float, "a number")):
        if wanted == {number}:
            try:
                return number(raw)
            except ValueError as exc:
                raise ConfigError(f"{ENV_PREFIX}{name.upper()} must be {what}") from exc
    if wanted == {str}:
        return raw
    raise TypeError(f"setting {name} has a type the environment cannot give: {kind}")


def _as_bool(name: str, raw: str) -> bool:
    value = raw.strip().lower()
    if value in {"1", "true", "yes", "on"}:
        return True
    if value in {"0", "false", "no", "off", ""}:
        return False
    raise ConfigError(f"{ENV_PREFIX}{name.upper()} must be true or false, not {raw!r}")


@dataclass(frozen=True)
class Settings:
    """The catalogue's configuration.  Field ``x`` is read from ``CATALOGUE_X``."""

    env: str = "development"
    data_dir: str = "var"
    database_url: str = ""
    elasticsearch_url: str = ""
    elasticsearch_api_key: str = ""
    elasticsearch_username: str = ""
    elasticsearch_password: str = field(default="", repr=False)
    elasticsearch_ca_certs: str = ""
    index_prefix: str = "catalogue"
    # New indices: primary shards, and replicas (a number, or a range such as 0-1 that the
    # engine keeps to the nodes there are); docs/operations.md sizes them.
    index_shards: int = 1
    index_replicas: str = "0-1"
    search_path: str = ""
    secret_key: str = field(default=_DEV_SECRET, repr=False)
    base_url: str = "http://127.0.0.1:5000"
    # Who runs the catalogue: named in every export (the publisher when a record names none,
    # the catalogue's publisher in DCAT and the FAIR Data Point).
    catalogue_name: str = "FAIR research data catalogue"
    institution_name: str = "Leiden University Medical Center"
    institution_ror: str = "https://ror.org/05xvt9f17"
    # A FAIR Data Point index to ping when published records change (empty: none), and the
    # least time between two pings.
    fdp_index_url: str = ""
    fdp_ping_seconds: float = 300.0
    max_content_length: int = 1024 * 1024
    dev_login: bool | None = None
    index_after_commit: bool | None = None
    # Single sign-on (OpenID Connect): the provider's discovery URL and this client's credentials.
    oidc_discovery_url: str = ""
    oidc_client_id: str = ""
    oidc_client_secret: str = field(default="", repr=False)
    oidc_scope: str = "openid email profile"
    # Roles from the provider's claims: ``claim value=role`` pairs, comma separated, read from
    # the claim named by ``oidc_role_claim`` (a string or a list of strings, such as groups).
    oidc_role_claim: str = "groups"
    oidc_role_map: str = ""
    # Every person who logs in is at least this (empty: nothing until a role is granted).
    oidc_default_role: str = "researcher"
    # Accept the provider's JWT access tokens whose audience is this (empty: not accepted).
    oidc_api_audience: str = ""
    session_hours: int = 8
    token_max_days: int = 365
    # Access grants: how long a data steward's approval lasts unless they say, and at most.
    access_grant_days: int = 365
    access_grant_max_days: int = 730
    # How long security events are kept: `catalogue security-events prune` (0: for ever).
    security_event_retention_days: int = 730
    anonymous_rate_limit: str = "300 per minute"
    rate_limit_storage: str = "local://"  # catalogue.api.ratelimit: in-process counters
    # Log lines: json, text, or auto (JSON in production); and the level (docs/operations.md).
    log_format: str = "auto"
    log_level: str = "INFO"
    # When set, /metrics answers only "Authorization: Bearer <this>" (docs/operations.md).
    metrics_token: str = field(default="", repr=False)
    # How many reverse proxies in front of the app set X-Forwarded-For (for client addresses).
    proxy_hops: int = 0
    # Enrichment from Crossref, Unpaywall, OpenAlex, DataCite and doi.org.  The services ask
    # every client for a contact address (sent in the user agent, and to Unpaywall as a
    # parameter); without one, enrichment jobs do not run.
    contact_email: str = ""
    # Where each service is (empty: its public address); a mirror or a test server.
    crossref_url: str = ""
    unpaywall_url: str = ""
    openalex_url: str = ""
    datacite_url: str = ""
    doi_url: str = ""
    orcid_url: str = ""  # ORCID's public API (harvests by researcher)
    enrichment_timeout: float = 10.0
    # Requests per second to each service (0: the service's published polite rate).
    enrichment_per_second: float = 0.0
    # Answers younger than this are reused instead of asking the service again.
    enrichment_cache_days: int = 30
    # Kept answers no record uses are pruned after this (`catalogue enrich prune`; 0: never).
    enrichment_answer_retention_days: int = 365
    # The institutions whose works a harvest brings in: ROR ids, comma separated (empty: the
    # institution's own, ``institution_ror``); and an OpenAlex API key, if the institution has one.
    harvest_rors: str = ""
    openalex_api_key: str = field(default="", repr=False)
    # The institutional repository's OAI-PMH address (and set), for deposits as green Open
    # Access evidence; the daily harvest includes it when set.
    repository_oai_url: str = ""
    repository_oai_set: str = ""

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Settings:
        """Settings from ``CATALOGUE_*`` variables, each read as its field's annotated type."""
        environ = os.environ if environ is None else environ
        types = get_type_hints(cls)
        values: dict[str, Any] = {}
        for f in fields(cls):
            raw = environ.get(ENV_PREFIX + f.name.upper())
            if raw is not None:
                values[f.name] = _parse(f.name, raw, types[f.name])
        return cls(**values).validated()

    def to_environ(self) -> dict[str, str]:
        """The ``CATALOGUE_*`` variables that give these settings (for child processes)."""
        environ = {}
        for f in fields(self):
            value = getattr(self, f.name)
            if value is not None:
                text = str(value).lower() if isinstance(value, bool) else str(value)
                environ[ENV_PREFIX + f.name.upper()] = text
        return environ

    @property
    def is_production(self) -> bool:
        return self.env == "production"

    @property
    def dev_login_enabled(self) -> bool:
        """The development login (pick a demo user) is on by default in development mode only."""
        return (not self.is_production) if self.dev_login is None else self.dev_login

    def enrichment_url(self, source: str) -> str:
        """The configured address of an enrichment source (empty: its public one)."""
        url: str = getattr(self, f"{source}_url", "")
        return url

    @property
    def harvested_rors(self) -> list[str]:
        """The ROR ids a harvest asks for, when the command or request names none."""
        named = [ror.strip() for ror in self.harvest_rors.split(",") if ror.strip()]
        return named or [self.institution_ror]

    @property
    def oidc_enabled(self) -> bool:
        return bool(self.oidc_discovery_url)

    @property
    def role_map(self) -> dict[str, str]:
        """``oidc_role_map`` parsed: claim value -> role."""
        from catalogue.domain.terms import ROLES

        mapping = {}
        for pair in filter(None, (p.strip() for p in self.oidc_role_map.split(","))):
            value, sep, role = pair.rpartition("=")
            if not sep or not value.strip() or role.strip() not in ROLES:
                raise ConfigError(
                    "CATALOGUE_OIDC_ROLE_MAP must be 'claim value=role' pairs separated by "
                    f"commas, with roles from {', '.join(ROLES)}; got {pair!r}"
                )
            mapping[value.strip()] = role.strip()
        return mapping

    @property
    def index_after_commit_enabled(self) -> bool:
        """Index changes right after each request commits (read-your-writes search).

        On by default outside production; in production ``catalogue worker`` processes index.
        """
        if self.index_after_commit is None:
            return not self.is_production
        return self.index_after_commit

    @property
    def effective_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite:///{Path(self.data_dir).resolve() / 'catalogue.sqlite'}"

    @property
    def embedded_search_path(self) -> str:
        """Where the embedded search backend keeps its index when Elasticsearch is not used."""
        return self.search_path or str(Path(self.data_dir).resolve() / "search.sqlite")

    @property
    def is_sqlite(self) -> bool:
        return self.effective_database_url.startswith("sqlite")

    def validated(self) -> Settings:
        if self.env not in {"development", "production"}:
            raise ConfigError("CATALOGUE_ENV must be 'development' or 'production'")
        if self.index_shards < 1 or not re.fullmatch(r"\d+|\d+-(\d+|all)", self.index_replicas):
            raise ConfigError(
                "CATALOGUE_INDEX_SHARDS must be 1 or more, CATALOGUE_INDEX_REPLICAS a number "
                "or a range such as 0-1"
            )
        if self.log_format not in {"auto", "json", "text"}:
            raise ConfigError("CATALOGUE_LOG_FORMAT must be 'auto', 'json' or 'text'")
        if self.log_level.upper() not in {"DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"}:
            raise ConfigError("CATALOGUE_LOG_LEVEL must be DEBUG, INFO, WARNING or ERROR")
        if self.max_content_length < 1024:
            raise ConfigError("CATALOGUE_MAX_CONTENT_LENGTH must be at least 1024 bytes")
        if self.enrichment_answer_retention_days < 0:
            raise ConfigError("CATALOGUE_ENRICHMENT_ANSWER_RETENTION_DAYS must be 0 or more days")
        if not 1 <= self.access_grant_days <= self.access_grant_max_days:
            raise ConfigError(
                "CATALOGUE_ACCESS_GRANT_DAYS must be at least 1 and at most "
                "CATALOGUE_ACCESS_GRANT_MAX_DAYS"
            )
        if self.security_event_retention_days < 0:
            raise ConfigError("CATALOGUE_SECURITY_EVENT_RETENTION_DAYS must be 0 or more days")
        self.role_map  # noqa: B018 - raises ConfigError when the mapping is malformed
        if self.oidc_enabled and not (self.oidc_client_id and self.oidc_client_secret):
            raise ConfigError(
                "CATALOGUE_OIDC_CLIENT_ID and CATALOGUE_OIDC_CLIENT_SECRET are needed with "
                "CATALOGUE_OIDC_DISCOVERY_URL"
            )
        if self.contact_email and "@" not in self.contact_email:
            raise ConfigError("CATALOGUE_CONTACT_EMAIL must be an email address")
        if self.enrichment_timeout <= 0 or self.enrichment_per_second < 0:
            raise ConfigError(
                "CATALOGUE_ENRICHMENT_TIMEOUT must be positive and "
                "CATALOGUE_ENRICHMENT_PER_SECOND zero or more"
            )
        if self.is_production:
            problems = []
            if self.dev_login_enabled:
                problems.append("CATALOGUE_DEV_LOGIN must be off in production")
            if not self.oidc_enabled:
                problems.append("CATALOGUE_OIDC_DISCOVERY_URL must name the login provider")
            if not self.base_url.startswith("https://"):
                problems.append("CATALOGUE_BASE_URL must be an https:// address")
            if self.secret_key == _DEV_SECRET or len(self.secret_key) < 32:
                problems.append("CATALOGUE_SECRET_KEY must be set to 32 or more random characters")
            if not self.database_url:
                problems.append("CATALOGUE_DATABASE_URL must name the production database")
            if problems:
                raise ConfigError("refusing to start in production mode: " + "; ".join(problems))
        return self
