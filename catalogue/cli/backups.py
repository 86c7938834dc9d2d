"""``catalogue backup``: a backup of the database, and restoring one into an empty database
with the search index rebuilt from it (docs/operations.md)."""

from __future__ import annotations

from pathlib import Path

import click
from flask.cli import with_appcontext

from catalogue.adapters import backup, migrate
from catalogue.cli.commands import _bare_state, _progress, _upgrade_and_sync, console, main

_PG_BIN = click.option(
    "--pg-bin",
    envvar="CATALOGUE_PG_BIN",
    type=click.Path(file_okay=False),
    help="Folder of pg_dump and pg_restore (default: the PATH, or Debian's own)",
)


@main.group("backup")
def backup_group() -> None:
    """Back the database up, restore a backup (the search index is rebuilt from it)."""


@backup_group.command("create")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@_PG_BIN
@with_appcontext
def backup_create(file: Path, pg_bin: str | None) -> None:
    """Write a backup of the database to FILE, while the catalogue runs (PostgreSQL: pg_dump's
    custom format; SQLite: its online backup).  The search index needs none."""
    engine = _bare_state().db.engine
    try:
        backup.create(engine, file, backup.PostgresTools(pg_bin))
    except backup.BackupFailed as exc:
        raise click.ClickException(str(exc)) from exc
    revision = migrate.current(engine)
    console.print(f"[green]Backup written[/] to {file} ({file.stat().st_size:,} bytes, "
                  f"schema revision {revision})")  # fmt: skip


@backup_group.command("restore")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@_PG_BIN
@click.option(
    "--reindex/--no-reindex", default=True, show_default=True, help="Rebuild the search index"
)
@with_appcontext
def backup_restore(file: Path, pg_bin: str | None, reindex: bool) -> None:
    """Restore the backup FILE into the configured database, which must be empty; migrate it
    if the backup is older than the code, then rebuild the search index from it."""
    state = _bare_state()
    try:
        backup.restore(state.db.engine, file, backup.PostgresTools(pg_bin))
    except backup.BackupFailed as exc:
        raise click.ClickException(str(exc)) from exc
    found = migrate.current(state.db.engine)
    console.print(f"[green]Restored[/] {file} (schema revision {found})")
    if found != migrate.newest():
        _upgrade_and_sync(state)
        console.print(f"migrated to revision {migrate.current(state.db.engine)}")
    if not reindex:
        console.print("Run `catalogue search reindex` before the catalogue serves searches.")
        return
    total = state.indexer.status().records
    with _progress() as progress:
        task = progress.add_task("Rebuilding the search index", total=total)
        index = state.indexer.reindex(progress=lambda n: progress.advance(task, n))
    console.print(f"[green]Search index rebuilt[/]: {index}, {total} records")
