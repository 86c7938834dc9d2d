"""The ``catalogue`` command: database, vocabularies, demo and server.

Built on Flask's CLI, so ``catalogue run``, ``catalogue routes`` and ``catalogue shell`` work
too.  Settings come from ``CATALOGUE_*`` environment variables (see the README).
"""

from __future__ import annotations

import dataclasses
import os
import shutil
import signal
import socket
import sys
import threading
from collections.abc import Iterator, Sequence
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import click
from flask import Flask, current_app
from flask.cli import FlaskGroup, with_appcontext
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeElapsedColumn
from rich.table import Table
from sqlalchemy import func, select
from sqlalchemy.orm import Session
from werkzeug.serving import run_simple

from catalogue.adapters import metrics, migrate
from catalogue.adapters.indexing import Indexer
from catalogue.app import CatalogueState, create_app
from catalogue.config import Settings
from catalogue.domain.terms import ROLES, SCOPES
from catalogue.models import Record, ReportSnapshot, Theme, User, utcnow
from catalogue.services import fair as fair_service
from catalogue.services import openaccess as openaccess_service
from catalogue.services import registers
from catalogue.services.accounts import (
    OPERATOR,
    grant_roles,
    identity_of,
    issue_token,
    prune_security_events,
)
from catalogue.services.exports import Site
from catalogue.services.sessions import prune_sessions

console = Console(stderr=True)


def _progress() -> Progress:
    """A progress bar with a count and the time elapsed, for the long commands."""
    return Progress(
        "[progress.description]{task.description}",
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=console,
    )


def _state() -> CatalogueState:
    """The application's parts, for a command that needs the database ready."""
    state = _bare_state()
    settings = state.settings
    where = (
        f"{Path(settings.data_dir).resolve()}/catalogue.sqlite"
        if settings.is_sqlite
        else "CATALOGUE_DATABASE_URL"
    )
    advice = (
        "Run `catalogue db upgrade` (or `catalogue demo` for a catalogue with demo data) "
        "first, from the folder that holds var/, or set CATALOGUE_DATA_DIR."
    )
    if settings.is_sqlite and not Path(settings.data_dir, "catalogue.sqlite").exists():
        raise click.ClickException(f"There is no catalogue database at {where}. {advice}")
    found, wanted = migrate.current(state.db.engine), migrate.newest()
    if found != wanted:
        raise click.ClickException(
            f"The catalogue database at {where} is at revision {found or 'none (empty)'}, "
            f"the code needs {wanted}. {advice}"
        )
    return state


def _bare_state() -> CatalogueState:
    """The application's parts, whatever state the database is in."""
    state: CatalogueState = current_app.extensions["catalogue"]
    return state


def _make_app() -> Flask:
    return create_app()


@click.group(cls=FlaskGroup, create_app=_make_app, add_version_option=False)
def main() -> None:
    """FAIR research data catalogue."""


@main.group()
def db() -> None:
    """Create and migrate the database schema."""


def _upgrade_and_sync(state: CatalogueState) -> dict[str, int]:
    from catalogue.services.vocabularies import sync_vocabularies

    if state.settings.is_sqlite:
        Path(state.settings.data_dir).mkdir(parents=True, exist_ok=True)
    migrate.upgrade(state.db.engine)
    with state.db.unit_of_work() as session:
        return sync_vocabularies(session)


@db.command("upgrade")
@with_appcontext
def db_upgrade() -> None:
    """Migrate the schema to the newest revision and synchronise the vocabularies."""
    counts = _upgrade_and_sync(_bare_state())
    revision = migrate.current(_bare_state().db.engine)
    console.print(
        f"[green]Database at revision {revision}[/]; vocabularies: "
        + ", ".join(f"{count} {name}" for name, count in counts.items())
    )


@db.command("downgrade")
@click.argument("revision")
@with_appcontext
def db_downgrade(revision: str) -> None:
    """Migrate the schema back to REVISION ('base' removes every table)."""
    migrate.downgrade(_bare_state().db.engine, revision)
    console.print(f"Database at revision {migrate.current(_bare_state().db.engine) or 'base'}")


@db.command("current")
@with_appcontext
def db_current() -> None:
    """Show the schema revision of the database."""
    click.echo(migrate.current(_bare_state().db.engine) or "base (empty database)")


@main.command()
@click.option("--datasets", "n_datasets", default=1000, show_default=True, help="Datasets to make.")
@click.option(
    "--publications",
    "n_publications",
    default=2000,
    show_default=True,
    help="Publications to make.",
)
@click.option("--seed", default=2026, show_default=True, help="Same seed, same catalogue.")
@click.option(
    "--reset",
    is_flag=True,
    help="Delete the embedded database and generate the demo data again "
    "(without it, data from an earlier run is served as it is).",
)
@click.option(
    "--serve/--no-serve",
    default=True,
    show_default=True,
    help="Serve the catalogue once the data is loaded.",
)
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True, help="Port to serve on.")
def demo(
    n_datasets: int, n_publications: int, seed: int, reset: bool, serve: bool, host: str, port: int
) -> None:
    """Create the embedded database, load demo data (once) and serve on 127.0.0.1."""
    from catalogue.cli.demo import load_demo

    if serve:
        _check_port_free(host, port)
    settings = Settings.from_env()
    if "CATALOGUE_BASE_URL" not in os.environ:
        # Exports, signposting and sitemaps name the catalogue's address: the one served.
        settings = dataclasses.replace(settings, base_url=f"http://{host}:{port}")
    if reset:
        if not settings.is_sqlite:
            raise click.UsageError("--reset only empties the embedded SQLite database.")
        shutil.rmtree(Path(settings.data_dir).resolve(), ignore_errors=True)
    app = create_app(settings)
    state: CatalogueState = app.extensions["catalogue"]
    _upgrade_and_sync(state)
    with state.db.reader() as session:
        existing = session.scalar(select(func.count()).select_from(Record)) or 0
    if existing:
        console.print(
            f"Using the {existing:,} records already in {settings.data_dir}/ "
            "([bold]--reset[/] generates the demo data again)."
        )
        if fair_service.assessed_by_older_rules(state.db):
            # Data from an earlier release: its FAIR scores follow the rules of today.
            _reassess_all(state)
        with _progress() as progress:
            task = progress.add_task("Checking the search index", total=None)
            state.indexer.verify(repair=True)
            progress.update(task, total=1, completed=1)
    else:
        _load_demo(state, load_demo, n_datasets, n_publications, seed)
    if serve:
        console.print(
            f"Serving on [bold]http://{host}:{port}/[/] - open it in a browser (Log in: act as "
            f"any demo person); API docs at http://{host}:{port}/api/docs, or try [bold]curl "
            f"http://{host}:{port}/api/datasets?theme=genetics[/].  Ctrl-C stops."
        )
        # The in-process worker retries whatever indexing after a request could not do.
        stop = threading.Event()
        threading.Thread(target=state.indexer.run, args=(stop,), daemon=True).start()
        # And runs enrichment jobs ("fill from the DOI" on the record form), harvests and
        # imports, as a worker would.
        runners = (_enricher(), _harvester())
        threading.Thread(target=_run_jobs, args=(runners, stop, 1.0), daemon=True).start()
        # Flask ignores app.run() inside its own CLI, so serve with werkzeug directly.
        run_simple(host, port, app, threaded=True)
        stop.set()


def _check_port_free(host: str, port: int) -> None:
    """Before minutes of work: is the port free?"""
    with socket.socket() as probe:
        # As the server will: connections of a just-stopped server, waiting out TIME_WAIT,
        # must not make a restart fail.
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError as exc:
            raise click.UsageError(
                f"Cannot serve on {host}:{port} ({exc.strerror}); another program uses it. "
                f"Choose another port with --port, e.g. --port {port + 1}."
            ) from exc


def _load_demo(
    state: CatalogueState, load: Any, n_datasets: int, n_publications: int, seed: int
) -> None:
    total = n_datasets + n_publications
    with _progress() as progress:
        task = progress.add_task("Registering demo records", total=total)
        counts = load(
            state.db,
            n_datasets,
            n_publications,
            seed,
            progress=lambda n: progress.advance(task, n),
        )
        # Each transaction was indexed as it committed; whatever is left (none, unless the
        # index was unavailable) is indexed now.  Changes are counted, not records.
        if waiting := state.indexer.status().backlog:
            task = progress.add_task("Indexing for search", total=waiting)
            state.indexer.drain_with_progress(lambda n: progress.advance(task, n))
    table = Table(title="Demo catalogue")
    table.add_column("what")
    table.add_column("count", justify="right")
    for name, count in counts.items():
        table.add_row(name, str(count))
    console.print(table)


def _indexer() -> Indexer:
    return _state().indexer


@main.command()
@click.option("--once", is_flag=True, help="Process what is ready, then stop.")
@click.option("--batch", default=500, show_default=True, help="Changes per bulk request.")
@click.option("--poll", default=0.5, show_default=True, help="Seconds between empty polls.")
@click.option(
    "--enrichment/--no-enrichment",
    default=True,
    show_default=True,
    help="Also run queued enrichment and harvest jobs (in a thread of their own).",
)
@click.option(
    "--indexing/--no-indexing",
    default=True,
    show_default=True,
    help="Index changes from the outbox (--no-indexing: a worker for the jobs alone).",
)
@click.option(
    "--metrics-port",
    type=click.IntRange(1, 65535),
    help="Serve this worker's metrics for Prometheus on this port (docs/operations.md).",
)
@click.option(
    "--metrics-host", default="127.0.0.1", show_default=True, help="Address to serve them on."
)
@with_appcontext
def worker(
    once: bool,
    batch: int,
    poll: float,
    enrichment: bool,
    indexing: bool,
    metrics_port: int | None,
    metrics_host: str,
) -> None:
    """Index changes from the outbox into the search engine, and run enrichment and harvest
    jobs (run as many workers as you like)."""
    indexer = _indexer()
    if metrics_port is not None:
        metrics.serve(metrics_port, metrics_host, indexer)
    if once:
        outcome = indexer.drain(batch)
        console.print(
            f"{outcome.claimed} changes: {outcome.written} written, {outcome.stale} already "
            f"newer in the index, {outcome.failed} failed"
        )
        raise SystemExit(1 if outcome.failed else 0)
    if not (indexing or enrichment):
        raise click.UsageError("--no-indexing and --no-enrichment leave nothing to do.")
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    jobs = threading.Thread(target=_run_jobs, args=((_enricher(), _harvester()), stop), daemon=True)
    if enrichment:
        jobs.start()
    console.print("Worker started; Ctrl-C or SIGTERM stops it after the current batch.")
    try:
        if indexing:
            indexer.run(stop, poll_seconds=poll, limit=batch)
        else:
            jobs.join()
    except KeyboardInterrupt:
        stop.set()


def _run_jobs(runners: Sequence[Any], stop: threading.Event, poll: float = 5.0) -> None:
    """Claim and run enrichment and harvest jobs until ``stop``, one at a time, in the order
    given; a failure is logged, never fatal."""
    import logging

    log = logging.getLogger("catalogue.worker")
    while not stop.is_set():
        ran = False
        for runner in runners:
            try:
                job_id = runner.claim()
                if job_id is not None:
                    job = runner.run(job_id, stop=stop)
                    log.info("%s job %s %s", type(runner).__name__, job.id, job.status)
                    ran = True
            except Exception:
                log.exception("%s job failed; trying again later", type(runner).__name__)
        if not ran:
            stop.wait(poll)


@main.group()
def search() -> None:
    """Search index: status, reindex, verify."""


@search.command("status")
@with_appcontext
def search_status() -> None:
    """Backlog of changes waiting to be indexed, the oldest one, failures, and the cluster's
    health with its unassigned shards."""
    status = _indexer().status()
    table = Table(title="Search index")
    table.add_column("what")
    table.add_column("value", justify="right")
    table.add_row("records in the database", str(status.records))
    table.add_row("changes waiting", str(status.backlog))
    table.add_row("oldest waiting since", str(status.oldest_pending or "-"))
    table.add_row("changes failing (retrying)", str(status.failing))
    table.add_row(
        "documents of an older format (run `catalogue search reindex`)", str(status.older_format)
    )
    try:
        table.add_row("documents in the index", str(_state().backend.count()))
    except Exception as exc:
        table.add_row("documents in the index", f"unavailable ({type(exc).__name__})")
    engine = _state().search
    if engine is not None:
        try:
            health = engine.health()
        except Exception as exc:
            table.add_row("cluster health", f"unavailable ({type(exc).__name__})")
        else:
            table.add_row(
                "cluster health", f"{health['status']}, {health['number_of_nodes']} nodes"
            )
            table.add_row("active shards", str(health["active_shards"]))
            table.add_row("unassigned shards", str(health["unassigned_shards"]))
    console.print(table)
    for error in status.recent_errors:
        console.print(f"[red]recent error:[/] {error}")


@search.command("reindex")
@click.option(
    "--render",
    is_flag=True,
    help="Render every stored search document again first, not only those missing, out of "
    "date or of an older format.",
)
@with_appcontext
def search_reindex(render: bool) -> None:
    """Build a fresh index from the database and swap it in; searches keep working.

    Documents missing, out of date or of an older format (after an upgrade) are rendered
    again first."""
    indexer = _indexer()
    total = indexer.status().records
    with _progress() as progress:
        if render:
            task = progress.add_task("Rendering documents", total=total)
            indexer.render(everything=True, progress=lambda n: progress.advance(task, n))
        task = progress.add_task("Reindexing", total=total)
        index = indexer.reindex(progress=lambda n: progress.advance(task, n))
    console.print(f"[green]Alias now points to {index}[/]")


@search.command("verify")
@click.option("--repair/--no-repair", default=True, show_default=True)
@with_appcontext
def search_verify(repair: bool) -> None:
    """Compare ids and versions in the database and the index; repair the differences."""
    report = _indexer().verify(repair=repair)
    console.print(
        f"{report.checked} ids checked: {len(report.missing)} missing from the index, "
        f"{len(report.stale)} stale, {len(report.extra)} not in the database"
        + (" - repaired" if report.repaired else "")
    )
    if not report.ok and not repair:
        raise SystemExit(1)


@main.group()
def users() -> None:
    """People and roles: list, grant roles, issue a token (operators, first administrator)."""


def _find_user(session: Session, who: str) -> User:
    condition = (
        User.id == int(who) if who.isdigit() else (User.email == who) | (User.subject == who)
    )
    user = session.scalar(select(User).where(condition))
    if user is None:  # a first name is enough when only one person has it ("anna")
        named = session.scalars(select(User).where(User.name.ilike(f"{who} %"))).all()
        user = named[0] if len(named) == 1 else None
    if user is None:
        raise click.BadParameter(
            f"no single user {who!r} (give an id, an email, a subject or a first name; "
            "`catalogue users list` shows everyone)"
        )
    return user


@users.command("list")
@with_appcontext
def users_list() -> None:
    """Everyone known to the catalogue, with their roles."""
    table = Table(title="Users")
    for column in ("id", "name", "email", "roles", "active", "last login"):
        table.add_column(column)
    with _state().db.reader() as session:
        for user in session.scalars(select(User).order_by(User.id)):
            table.add_row(
                str(user.id),
                user.name,
                user.email or "",
                ", ".join(user.roles),
                "yes" if user.active else "no",
                str(user.last_login_at or "-"),
            )
    console.print(table)


@users.command("grant")
@click.argument("who")
@click.argument("roles", nargs=-1, required=True, type=click.Choice(ROLES))
@with_appcontext
def users_grant(who: str, roles: tuple[str, ...]) -> None:
    """Give WHO (id, email or subject) these ROLES, besides the ones they have.

    How the first administrator comes to be: they log in once, then an operator runs
    ``catalogue users grant them@example.org administrator``.
    """
    with _state().db.unit_of_work() as session:
        user = grant_roles(session, OPERATOR, _find_user(session, who).id, roles)
        console.print(f"{user.name}: {', '.join(user.roles)}")


@users.command("token")
@click.argument("who")
@click.option("--name", default="command line", show_default=True, help="What the token is for")
@click.option(
    "--scope", "scopes", multiple=True, type=click.Choice(SCOPES), help="write, admin (read always)"
)
@click.option("--days", default=30, show_default=True, type=click.IntRange(1, 3650))
@with_appcontext
def users_token(who: str, name: str, scopes: tuple[str, ...], days: int) -> None:
    """Issue a personal access token for WHO and print its secret (shown this once)."""
    with _state().db.unit_of_work() as session:
        user = _find_user(session, who)
        identity = identity_of(session, user)
        expires = utcnow() + timedelta(days=days)
        token, secret = issue_token(session, identity, name, scopes, expires)
        console.print(f"token {token.id} for {user.name}, scopes {', '.join(token.scopes)}")
    click.echo(secret)


def _retention_cutoff(given_days: int | None, setting_days: int, what: str) -> datetime | None:
    """The moment before which ``what`` goes: ``--older-than-days``, else the retention
    setting; None (said so) when the setting keeps them for ever."""
    days = given_days or setting_days
    if days == 0:
        console.print(f"{what} are kept for ever (retention 0): nothing pruned.")
        return None
    return utcnow() - timedelta(days=days)


@main.group("access")
def access_group() -> None:
    """Access grants to restricted data (deciding them: /api/access-requests, the web pages)."""


@access_group.command("ending")
@click.option("--within", default=30, show_default=True, type=click.IntRange(0), help="Days ahead")
@with_appcontext
def access_ending(within: int) -> None:
    """The grants whose last day is within --within days, soonest first: run it daily and
    send it to the data stewards (docs/operations.md)."""
    from catalogue.services.access import grants_ending

    table = Table(title=f"Access grants ending within {within} days")
    for column in ("request", "dataset", "requester", "last day"):
        table.add_column(column)
    with _state().db.reader() as session:
        ending = grants_ending(session, within)
        for grant in ending:
            table.add_row(
                str(grant.id), grant.record_id, grant.requester.name, str(grant.valid_until)
            )
    if ending:
        console.print(table)
    console.print(f"{len(ending)} grants end within {within} days.")


@main.group("security-events")
def security_events_group() -> None:
    """The security events' retention (reading them: /api/security-events, /admin)."""


@security_events_group.command("prune")
@click.option(
    "--older-than-days",
    type=click.IntRange(1),
    help="Keep this many days  [default: CATALOGUE_SECURITY_EVENT_RETENTION_DAYS, 730]",
)
@with_appcontext
def security_events_prune(older_than_days: int | None) -> None:
    """Delete the security events older than the retention period (run it daily, like the
    daily harvest: docs/operations.md); the pruning is itself a security event.  Login
    sessions that ended or went idle over a month ago go too."""
    state = _state()
    with state.db.unit_of_work() as session:
        gone = prune_sessions(session)
    console.print(f"Deleted {gone} login sessions that ended over a month ago.")
    older_than = _retention_cutoff(
        older_than_days, state.settings.security_event_retention_days, "Security events"
    )
    if older_than is None:
        return
    with state.db.unit_of_work() as session:
        pruned = prune_security_events(session, older_than)
    console.print(f"Pruned {pruned} security events from before {older_than:%Y-%m-%d %H:%M} UTC.")


def _reclassify(ids: list[str], as_of: date, label: str) -> dict[str, int]:
    """Classify these publications again, in batches of one transaction, with progress."""
    totals = {"checked": 0, "changed": 0}
    with _progress() as progress:
        task = progress.add_task(label, total=len(ids))
        for start in range(0, len(ids), 500):
            batch = ids[start : start + 500]
            with _state().db.unit_of_work() as session:
                for key, value in openaccess_service.reclassify(session, batch, as_of).items():
                    totals[key] += value
            progress.advance(task, len(batch))
    return totals


_AS_OF = click.option(
    "--as-of",
    type=click.DateTime(formats=["%Y-%m-%d"]),
    default=None,
    help="The date to classify as of (YYYY-MM-DD; default today)",
)


@main.group()
def oa() -> None:
    """Open Access classification."""


@oa.command("reclassify")
@_AS_OF
@with_appcontext
def oa_reclassify(as_of: datetime | None) -> None:
    """Classify every publication again (embargoes end; run it daily)."""
    day = as_of.date() if as_of else date.today()
    with _state().db.reader() as session:
        ids = openaccess_service.publication_ids(session)
    totals = _reclassify(ids, day, f"classifying as of {day}")
    console.print(f"{totals['checked']} publications checked, {totals['changed']} changed")


@main.group()
def fair() -> None:
    """FAIR assessment."""


@fair.command("reassess")
@with_appcontext
def fair_reassess() -> None:
    """Assess every dataset again with the current rules (after an upgrade that changed
    them: each assessment names its rules' version)."""
    totals = _reassess_all(_state())
    console.print(f"{totals['checked']} datasets assessed, {totals['changed']} scores changed")


def _reassess_all(state: CatalogueState) -> dict[str, int]:
    """Every dataset assessed again, in batches of one transaction, with a progress bar."""
    with state.db.reader() as session:
        ids = fair_service.dataset_ids(session)
    totals = {"checked": 0, "changed": 0}
    with _progress() as progress:
        task = progress.add_task("Assessing the datasets' FAIRness", total=len(ids))
        for start in range(0, len(ids), 500):
            batch = ids[start : start + 500]
            with state.db.unit_of_work() as session:
                for key, value in fair_service.reassess(session, batch).items():
                    totals[key] += value
            progress.advance(task, len(batch))
    return totals


@main.group()
def export() -> None:
    """The catalogue for machines, as files."""


@export.command("dcat")
@click.option(
    "--output",
    "-o",
    type=click.Path(dir_okay=False, path_type=Path),
    required=True,
    help="The Turtle file to write ('-' for standard output).",
)
@click.option("--kind", type=click.Choice(["dataset", "publication"]), help="Only this kind.")
@with_appcontext
def export_dcat(output: Path, kind: str | None) -> None:
    """The whole catalogue in DCAT-AP (Health-RI profile) as Turtle, as anyone may see it,
    written page by page in constant memory."""
    from catalogue.services.exports import dcat, harvest
    from catalogue.services.exports.public import as_anyone_sees

    state = _state()
    settings = state.settings
    with state.db.reader() as session:
        chosen = harvest.Selection(kind=kind)
        counts = {
            k: harvest.count(session, harvest.Selection(kind=k)) for k in ("dataset", "publication")
        }
        total = harvest.count(session, chosen)
        themes = tuple(session.execute(select(Theme.id, Theme.label).order_by(Theme.id)))
    site = Site.of(settings, themes)

    def pages() -> Iterator[list[dict[str, Any]]]:
        after = None
        while True:
            with state.db.reader() as session:
                records = harvest.page(session, chosen, after, 1000)
                if not records:
                    return
                after = records[-1].id
                shown = [as_anyone_sees(record) for record in records]
            progress.advance(task, len(shown))
            yield shown

    target = sys.stdout if str(output) == "-" else output.open("w", encoding="utf-8")
    with _progress() as progress, target:
        task = progress.add_task("writing DCAT-AP", total=total)
        for chunk in dcat.stream_turtle(pages(), site, counts):
            target.write(chunk)
    if str(output) != "-":
        console.print(f"{total:,} records written to {output}")


@main.group("import")
def import_() -> None:
    """Publications from files (CSV, RIS, BibTeX; `catalogue import template` for the CSV
    columns) and the registers (the DOAJ journal list, national publisher deals).

    Try a publications file with --dry-run first: it shows what would be created, updated,
    left alone and why, and saves nothing.  Known works (by DOI or PubMed id) change only
    where nobody has edited them; a bad row is reported with its line and field, the rest
    goes on.
    """


@import_.command("doaj")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@_AS_OF
@click.option(
    "--partial", is_flag=True, help="The file is not the whole DOAJ list: nobody leaves DOAJ"
)
@with_appcontext
def import_doaj(path: Path, as_of: datetime | None, partial: bool) -> None:
    """Import DOAJ's journal CSV (https://doaj.org/csv) into the journal register, then
    classify the publications of the journals that changed."""
    day = as_of.date() if as_of else date.today()
    try:
        with _state().db.unit_of_work() as session:
            counts, journals = registers.import_doaj(session, path, day, complete=not partial)
            ids = openaccess_service.publication_ids(session, journals)
    except registers.RegisterError as exc:
        raise click.ClickException(f"{path}: {exc}") from exc
    console.print(", ".join(f"{value} {key}" for key, value in counts.items()))
    totals = _reclassify(ids, date.today(), "classifying affected publications")
    console.print(f"{totals['changed']} of {totals['checked']} affected publications changed")


@import_.command("deals")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@with_appcontext
def import_deals(path: Path) -> None:
    """Replace the national deal list (CSV with columns issn or doi, and deal), then
    classify the publications it touches."""
    try:
        with _state().db.unit_of_work() as session:
            counts, changed = registers.import_deals(session, path)
            ids = openaccess_service.publications_touching(session, changed)
    except registers.RegisterError as exc:
        raise click.ClickException(f"{path}: {exc}") from exc
    console.print(", ".join(f"{value} {key}" for key, value in counts.items()))
    totals = _reclassify(ids, date.today(), "classifying affected publications")
    console.print(f"{totals['changed']} of {totals['checked']} affected publications changed")


@main.group()
def report() -> None:
    """Reports: frozen yearly snapshots."""


@report.command("snapshot")
@click.option("--year", type=click.IntRange(1900, 3000), required=True, help="Publication year")
@click.option("--by", "taken_by", default=None, help="Who takes it (for the record)")
@with_appcontext
def report_snapshot(year: int, taken_by: str | None) -> None:
    """Freeze the Open Access and FAIR figures of one year as they are today.

    Stores both reports for the year, overall and per theme and department; later changes to
    the records do not alter a snapshot.  See them at /api/reports/snapshots.
    """
    from catalogue.services.reports import fair_report, open_access_report
    from search.reports import ReportQuery

    figures: dict[str, Any] = {}
    backend = _state().backend
    with _state().db.reader() as session:
        for group_by in (None, "theme", "department"):
            suffix = f"_by_{group_by}" if group_by else ""
            query = ReportQuery(year_from=year, year_to=year, group_by=group_by)
            figures[f"open_access{suffix}"] = open_access_report(session, backend, query)
            # The scope concerns publications only.
            figures[f"fair{suffix}"] = fair_report(session, backend, query)
    with _state().db.unit_of_work() as session:
        snapshot = ReportSnapshot(
            report="yearly",
            year=year,
            parameters={"scope": ReportQuery().scope},
            taken_at=utcnow(),
            taken_by=taken_by,
            figures=figures,
        )
        session.add(snapshot)
        session.flush()
        console.print(f"snapshot {snapshot.id}: {year} as measured on {snapshot.taken_at:%Y-%m-%d}")


@main.group()
def enrich() -> None:
    """Enrichment from Crossref, Unpaywall, OpenAlex, DataCite and doi.org: queue, run, status.

    A job fills the empty fields of records with a DOI (never what a person entered), gathers
    Open Access evidence for publications and the network FAIR checks for datasets.  `catalogue
    worker` runs queued jobs; `catalogue enrich run` runs them here, with a progress bar.
    """


def _harvester() -> Any:
    from catalogue.adapters.harvest.jobs import Harvester

    return Harvester(_state().db, _state().settings)


def _enricher() -> Any:
    from catalogue.adapters.enrichment.jobs import Enricher

    return Enricher(_state().db, _state().settings)


@enrich.command("queue")
@click.argument("kind", type=click.Choice(["publications", "datasets"]))
@click.option("--as", "who", required=True, help="Staff member the job acts for (id or email)")
@click.option("--id", "record_ids", multiple=True, help="Only this record (repeatable)")
@click.option("--source", "sources", multiple=True, help="Only this source (repeatable)")
@click.option("--refresh", is_flag=True, help="Ask again even when a fresh answer is kept")
@with_appcontext
def enrich_queue(
    kind: str, who: str, record_ids: tuple[str, ...], sources: tuple[str, ...], refresh: bool
) -> None:
    """Queue a job enriching all PUBLICATIONS or DATASETS with a DOI (or the --id ones)."""
    from catalogue.adapters.enrichment.jobs import queue_job
    from catalogue.domain.errors import ServiceError

    with _state().db.unit_of_work() as session:
        user = _find_user(session, who)
        try:
            job = queue_job(session, user, kind[:-1], record_ids, sources, refresh)
        except ServiceError as exc:
            raise click.UsageError(f"{exc.message} {exc.errors or ''}".strip()) from exc
        console.print(f"job {job.id} queued: {kind} from {', '.join(job.sources)}")


@enrich.command("run")
@click.argument("job_id", type=int, required=False)
@with_appcontext
def enrich_run(job_id: int | None) -> None:
    """Run queued jobs here (or just JOB_ID), with progress; Ctrl-C stops (resumable)."""
    enricher = _enricher()
    ran = 0
    while (claimed := enricher.claim(job_id)) is not None:
        ran += 1
        with _progress() as progress:
            task = progress.add_task(f"job {claimed}", total=None)

            def show(job: Any, task: Any = task) -> None:
                progress.update(task, total=job.total, completed=job.processed)

            try:
                job = enricher.run(claimed, progress=show)
            except KeyboardInterrupt:
                enricher.release(claimed)
                console.print(f"job {claimed} stopped; `catalogue enrich run` resumes it")
                raise SystemExit(130) from None
        console.print(
            f"job {job.id} {job.status}: {job.processed} records, {job.changed} changed, "
            f"{job.failed} with problems"
        )
        for problem in job.problems[-5:]:
            where = [str(problem[k]) for k in ("level", "record", "source") if problem.get(k)]
            console.print(f"  {' '.join(where)}: {problem['reason']}")
        if job_id is not None:
            break
    if not ran:
        console.print("no queued job" if job_id is None else f"job {job_id} is not queued")


@enrich.command("cancel")
@click.argument("job_id", type=int)
@with_appcontext
def enrich_cancel(job_id: int) -> None:
    """Cancel job JOB_ID (queued or running): its worker stops after the record it is on;
    what it saved stays."""
    from catalogue.adapters.enrichment.jobs import cancel_job
    from catalogue.domain.errors import ServiceError

    try:
        with _state().db.unit_of_work() as session:
            job = cancel_job(session, OPERATOR, job_id)
            console.print(f"job {job.id} cancelled after {job.processed} records")
    except ServiceError as exc:
        raise click.UsageError(exc.message) from exc


@enrich.command("prune")
@click.option(
    "--older-than-days",
    type=click.IntRange(1),
    help="Keep unused answers this many days  [default: "
    "CATALOGUE_ENRICHMENT_ANSWER_RETENTION_DAYS, 365]",
)
@with_appcontext
def enrich_prune(older_than_days: int | None) -> None:
    """Delete the kept answers of the services that no record uses (no record carries their
    DOI) and that are older than the retention period; a record's evidence is never pruned."""
    from catalogue.adapters.enrichment.kept_answers import kept_count, prune_answers

    state = _state()
    older_than = _retention_cutoff(
        older_than_days, state.settings.enrichment_answer_retention_days, "Kept answers"
    )
    if older_than is None:
        return
    with state.db.unit_of_work() as session:
        pruned = prune_answers(session, older_than)
        left = kept_count(session)
    each = ", ".join(f"{source} {count}" for source, count in sorted(pruned.items()))
    console.print(
        f"Pruned {sum(pruned.values())} kept answers no record uses, from before "
        f"{older_than:%Y-%m-%d}{f' ({each})' if each else ''}; {left} kept."
    )


@enrich.command("status")
@click.option("--limit", default=10, show_default=True, help="How many recent jobs")
@with_appcontext
def enrich_status(limit: int) -> None:
    """The most recent jobs: progress, changes, problems."""
    from catalogue.models import EnrichmentJob

    table = Table(title="Enrichment jobs")
    for column in ("job", "kind", "sources", "status", "done", "changed", "problems", "created"):
        table.add_column(column, justify="right" if column in {"job", "done"} else "left")
    with _state().db.reader() as session:
        jobs = session.scalars(select(EnrichmentJob).order_by(EnrichmentJob.id.desc()).limit(limit))
        for job in jobs:
            table.add_row(
                str(job.id),
                job.kind,
                ", ".join(job.sources),
                job.status,
                f"{job.processed}/{job.total}",
                str(job.changed),
                str(job.failed),
                f"{job.created_at:%Y-%m-%d %H:%M}",
            )
    console.print(table)
