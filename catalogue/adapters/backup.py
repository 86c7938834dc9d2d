"""Backups of the catalogue's database, and restoring one into an empty database.

The database is the whole truth: records, their versions, the audit trail, accounts, jobs and
the stored search documents.  The search index is not backed up; a restore rebuilds it from
the database (``Indexer.reindex``), which is as fast as the engine's bulk rate.

PostgreSQL: ``pg_dump --format=custom`` (a consistent snapshot taken while the catalogue runs,
compressed) and ``pg_restore`` in one transaction (a failed restore leaves the database as
empty as it was).  SQLite: the database's own online backup, page by page.  The password
goes to the tools through their environment, never on a command line others can read.
"""

from __future__ import annotations

import glob
import os
import shutil
import sqlite3
import subprocess
from dataclasses import dataclass
from pathlib import Path

from psycopg.conninfo import make_conninfo
from sqlalchemy import inspect
from sqlalchemy.engine import URL, Engine


class BackupFailed(Exception):
    """The backup or restore could not be made; the message says why."""


@dataclass(frozen=True)
class PostgresTools:
    """Where ``pg_dump`` and ``pg_restore`` are: on the PATH, in ``bin_dir``, or in Debian's
    ``/usr/lib/postgresql/<version>/bin`` (newest first)."""

    bin_dir: str | None = None

    def find(self, name: str) -> str:
        places = [self.bin_dir] if self.bin_dir else []
        places += sorted(glob.glob("/usr/lib/postgresql/*/bin"), reverse=True)
        for place in places:
            candidate = Path(place, name)
            if candidate.is_file() and os.access(candidate, os.X_OK):
                return str(candidate)
        found = shutil.which(name)
        if found is None:
            raise BackupFailed(
                f"{name} was not found: install PostgreSQL's client tools (Debian: "
                "postgresql-client) or name their folder with --pg-bin."
            )
        return found


def create(engine: Engine, target: Path, tools: PostgresTools | None = None) -> Path:
    """Write a backup of ``engine``'s database to ``target`` (not overwriting a file)."""
    if target.exists():
        raise BackupFailed(f"{target} exists already: choose a new file name.")
    target.parent.mkdir(parents=True, exist_ok=True)
    url = engine.url
    if url.get_backend_name() == "sqlite":
        _sqlite_copy(_sqlite_path(url), target)
        return target
    tool = (tools or PostgresTools()).find("pg_dump")
    _run([tool, "--format=custom", "--no-owner", "--no-privileges", f"--file={target}"], url)
    return target


def restore(engine: Engine, source: Path, tools: PostgresTools | None = None) -> None:
    """Restore the backup ``source`` into ``engine``'s database, which must be empty: a
    restore never mixes two catalogues, nor overwrites one."""
    if not source.is_file():
        raise BackupFailed(f"There is no backup at {source}.")
    tables = inspect(engine).get_table_names()
    if tables:
        raise BackupFailed(
            f"The database is not empty ({len(tables)} tables): restore into a new, empty "
            "database, then point CATALOGUE_DATABASE_URL at it."
        )
    engine.dispose()  # no connection of ours may hold the database meanwhile
    url = engine.url
    if url.get_backend_name() == "sqlite":
        _sqlite_copy(source, _sqlite_path(url))
        return
    tool = (tools or PostgresTools()).find("pg_restore")
    _run(
        [tool, "--no-owner", "--no-privileges", "--exit-on-error", "--single-transaction"],
        url,
        argument=str(source),
    )


def _run(command: list[str], url: URL, argument: str | None = None) -> None:
    """Run a PostgreSQL tool against ``url``'s database."""
    query = {key: str(value) for key, value in url.query.items()}
    conninfo = make_conninfo(
        host=url.host or "", port=str(url.port or ""), dbname=url.database or "",
        user=url.username or "", **query,
    )  # fmt: skip
    environment = {**os.environ, "PGPASSWORD": url.password or ""}
    arguments = [*command, f"--dbname={conninfo}", *([argument] if argument else [])]
    done = subprocess.run(arguments, env=environment, capture_output=True, text=True)
    if done.returncode != 0:
        tool = Path(command[0]).name
        raise BackupFailed(f"{tool} failed: {done.stderr.strip() or done.returncode}")


def _sqlite_path(url: URL) -> Path:
    if not url.database or url.database == ":memory:":
        raise BackupFailed("An in-memory database has nothing to back up or restore into.")
    return Path(url.database)


def _sqlite_copy(source: Path, target: Path) -> None:
    """SQLite's online backup: consistent even while the catalogue writes."""
    reading, writing = sqlite3.connect(source), sqlite3.connect(target)
    try:
        reading.backup(writing)
    except sqlite3.DatabaseError as exc:
        raise BackupFailed(f"{source} is not a SQLite database the catalogue made: {exc}") from exc
    finally:
        reading.close()
        writing.close()
