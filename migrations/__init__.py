"""Alembic migrations: the schema history of the relational database."""
