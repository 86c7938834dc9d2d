"""The FAIR research data catalogue: a Flask service over PostgreSQL (or SQLite) and Elasticsearch."""

from catalogue.app import create_app

__all__ = ["create_app"]
