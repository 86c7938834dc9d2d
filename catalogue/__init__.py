"""The FAIR research data catalogue: Flask over PostgreSQL (or SQLite) and Elasticsearch."""

from catalogue.app import create_app

__all__ = ["create_app"]
