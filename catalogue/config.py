"""One typed settings object, read from the environment.

Every setting has a safe default for the embedded mode (SQLite, no services, bound to
127.0.0.1).  Production mode refuses to start with settings that are only safe on a
developer's machine.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

ENV_PREFIX = "CATALOGUE_"
_DEV_SECRET = "dev-only-secret-key-do-not-use-in-production"


class ConfigError(RuntimeError):
    """The settings are inconsistent or unsafe; the message says which setting to change."""


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
    search_path: str = ""
    secret_key: str = field(default=_DEV_SECRET, repr=False)
    base_url: str = "http://127.0.0.1:5000"
    max_content_length: int = 1024 * 1024
    dev_identity: bool | None = None
    index_after_commit: bool | None = None
    page_size_max: int = 100

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Settings:
        environ = os.environ if environ is None else environ
        values: dict[str, Any] = {}
        for f in fields(cls):
            raw = environ.get(ENV_PREFIX + f.name.upper())
            if raw is None:
                continue
            if f.name in {"dev_identity", "index_after_commit"}:
                values[f.name] = _as_bool(f.name, raw)
            elif f.name in {"max_content_length", "page_size_max"}:
                try:
                    values[f.name] = int(raw)
                except ValueError as exc:
                    raise ConfigError(f"{ENV_PREFIX}{f.name.upper()} must be an integer") from exc
            else:
                values[f.name] = raw
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
    def dev_identity_enabled(self) -> bool:
        """The development identity is on by default in development mode only."""
        return (not self.is_production) if self.dev_identity is None else self.dev_identity

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
        if self.max_content_length < 1024:
            raise ConfigError("CATALOGUE_MAX_CONTENT_LENGTH must be at least 1024 bytes")
        if self.is_production:
            problems = []
            if self.dev_identity_enabled:
                problems.append("CATALOGUE_DEV_IDENTITY must be off in production")
            if self.secret_key == _DEV_SECRET or len(self.secret_key) < 32:
                problems.append("CATALOGUE_SECRET_KEY must be set to 32 or more random characters")
            if not self.database_url:
                problems.append("CATALOGUE_DATABASE_URL must name the production database")
            if problems:
                raise ConfigError("refusing to start in production mode: " + "; ".join(problems))
        return self
