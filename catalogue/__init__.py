"""The FAIR research data catalogue: Flask over PostgreSQL (or SQLite) and Elasticsearch.

Importing the package loads nothing: ``catalogue.app.create_app`` builds the application,
and a pure module (``catalogue.domain.fair``) can be used without Flask or a database.
"""
