"""``catalogue harvest``, ``import``, ``people`` and ``theme-rules``: the institution's works
from OpenAlex, ORCID and the repository (now or every day), from files (CSV, RIS, BibTeX),
the people register that places them in departments, and the rules that suggest themes."""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Any

import click
from flask.cli import with_appcontext
from rich.table import Table
from sqlalchemy import select

from catalogue.cli.commands import (
    _find_user,
    _harvester,
    _progress,
    _state,
    console,
    import_,
    main,
)
from catalogue.models import HarvestJob, utcnow
from catalogue.services.intake import OUTCOMES


@main.group()
def harvest() -> None:
    """Harvest the institution's works (OpenAlex), researchers' works (ORCID) and the
    repository's deposits (OAI-PMH): queue, run, status, daily.

    A harvest registers new works and keeps known ones current: matched by DOI, PubMed,
    OpenAlex or ORCID id (deposits also by title, year and first author), never overwriting
    what a person entered.  `catalogue worker` runs queued harvests; the commands below run
    them here, with a progress bar (Ctrl-C stops, `harvest run` resumes).
    """


@harvest.command("openalex")
@click.option("--as", "who", required=True, help="Librarian the harvest acts for (id or email)")
@click.option(
    "--ror",
    "rors",
    multiple=True,
    help="Institution's ROR id (repeatable; default: CATALOGUE_HARVEST_RORS, else the "
    "institution's own)",
)
@click.option("--from-year", type=int, help="First publication year [default: last year]")
@click.option("--to-year", type=int, help="Last publication year [default: this year]")
@click.option("--queue", "queue_only", is_flag=True, help="Only queue it, for the worker")
@with_appcontext
def harvest_openalex(
    who: str, rors: tuple[str, ...], from_year: int | None, to_year: int | None, queue_only: bool
) -> None:
    """Harvest the works of the institution's authors from OpenAlex."""
    this_year = utcnow().year
    job_id = _queue(who, list(rors), from_year or this_year - 1, to_year or this_year)
    if not queue_only:
        _run(job_id)


@harvest.command("orcid")
@click.option("--as", "who", required=True, help="Librarian the harvest acts for (id or email)")
@click.option(
    "--orcid",
    "orcids",
    multiple=True,
    help="This researcher's ORCID iD (repeatable) [default: everyone with an ORCID iD]",
)
@click.option("--from-year", type=int, help="First publication year [default: last year]")
@click.option("--to-year", type=int, help="Last publication year [default: this year]")
@click.option("--queue", "queue_only", is_flag=True, help="Only queue it, for the worker")
@with_appcontext
def harvest_orcid(
    who: str, orcids: tuple[str, ...], from_year: int | None, to_year: int | None, queue_only: bool
) -> None:
    """Researchers' works from ORCID's public API (each with a DOI read from Crossref),
    published in a range of years."""
    from catalogue.adapters.harvest.jobs import queue_researchers
    from catalogue.domain.errors import ServiceError

    this_year = utcnow().year
    with _state().db.unit_of_work() as session:
        user = _find_user(session, who)
        try:
            job = queue_researchers(
                session,
                user,
                list(orcids) or None,
                from_year or this_year - 1,
                to_year or this_year,
            )
        except ServiceError as exc:
            raise click.UsageError(f"{exc.message} {exc.errors or ''}".strip()) from exc
        job_id = job.id
        count = len(job.parameters["orcids"])
        console.print(f"harvest {job_id} queued: the works of {count} researcher(s) from ORCID")
    if not queue_only:
        _run(job_id)


@harvest.command("oai")
@click.option("--as", "who", required=True, help="Librarian the harvest acts for (id or email)")
@click.option(
    "--url", help="The repository's OAI-PMH address [default: CATALOGUE_REPOSITORY_OAI_URL]"
)
@click.option(
    "--set", "oai_set", help="Only this OAI-PMH set [default: CATALOGUE_REPOSITORY_OAI_SET]"
)
@click.option(
    "--from",
    "since",
    type=click.DateTime(formats=["%Y-%m-%d"]),
    help="Only records changed since this day [default: since the last harvest of it]",
)
@click.option("--queue", "queue_only", is_flag=True, help="Only queue it, for the worker")
@with_appcontext
def harvest_oai(
    who: str, url: str | None, oai_set: str | None, since: Any, queue_only: bool
) -> None:
    """Deposits in the institutional repository (OAI-PMH, oai_dc) as green Open Access
    evidence: each becomes the deposit of the publication it matches (by DOI, or by title,
    year and first author), with its version, embargo end and URL."""
    job_id = _queue_deposits(who, url, oai_set, since.date() if since else None)
    if not queue_only:
        _run(job_id)


@harvest.command("daily")
@click.option("--as", "who", required=True, help="Librarian the harvest acts for (id or email)")
@click.option("--queue", "queue_only", is_flag=True, help="Only queue it, for the worker")
@with_appcontext
def harvest_daily(who: str, queue_only: bool) -> None:
    """This year's and last year's works again (for cron or a systemd timer): new works are
    registered, changed ones updated, the rest left alone; then, when
    CATALOGUE_REPOSITORY_OAI_URL is set, the repository's deposits changed since the last
    harvest of it."""
    this_year = utcnow().year
    jobs = [_queue(who, [], this_year - 1, this_year)]
    if _state().settings.repository_oai_url:
        jobs.append(_queue_deposits(who, None, None, None))
    failed = False
    for job_id in jobs if not queue_only else []:
        try:
            _run(job_id)
        except SystemExit:
            failed = True
    if failed:
        raise SystemExit(1)


@harvest.command("run")
@click.argument("job_id", type=int, required=False)
@with_appcontext
def harvest_run(job_id: int | None) -> None:
    """Run queued harvests here (or JOB_ID, also a failed one: it resumes where it stopped)."""
    if job_id is not None:
        _run(job_id)
        return
    ran = 0
    while (claimed := _harvester().claim()) is not None:
        ran += 1
        _run(claimed, claimed=True)
    if not ran:
        console.print("no queued harvest")


@harvest.command("cancel")
@click.argument("job_id", type=int)
@with_appcontext
def harvest_cancel(job_id: int) -> None:
    """Cancel harvest or import JOB_ID (queued or running): its worker stops after the batch
    of works it is on; what it took in stays."""
    from catalogue.adapters.harvest.jobs import cancel_harvest
    from catalogue.domain.errors import ServiceError
    from catalogue.services.accounts import OPERATOR

    try:
        with _state().db.unit_of_work() as session:
            job = cancel_harvest(session, OPERATOR, job_id)
            console.print(f"harvest {job.id} cancelled after {job.processed} works")
    except ServiceError as exc:
        raise click.UsageError(exc.message) from exc


@harvest.command("status")
@click.option("--limit", default=10, show_default=True, help="How many recent harvests")
@with_appcontext
def harvest_status(limit: int) -> None:
    """The most recent harvests: progress, counts, the latest problems."""
    with _state().db.reader() as session:
        jobs = list(session.scalars(select(HarvestJob).order_by(HarvestJob.id.desc()).limit(limit)))
    if not jobs:
        console.print("no harvest yet")
    for job in jobs:
        console.print(
            f"{job.id} {job.status}, {job.source} {_what(job)} "
            f"(queued {job.created_at:%Y-%m-%d %H:%M}): {_summary(job)}",
            soft_wrap=True,
        )
    if jobs:
        _problems(jobs[0])


def _queue(who: str, rors: list[str], from_year: int, to_year: int) -> int:
    from catalogue.adapters.harvest.jobs import queue_harvest
    from catalogue.domain.errors import ServiceError

    state = _state()
    with state.db.unit_of_work() as session:
        user = _find_user(session, who)
        try:
            job = queue_harvest(
                session,
                user,
                "openalex",
                rors or state.settings.harvested_rors,
                from_year,
                to_year,
            )
        except ServiceError as exc:
            raise click.UsageError(f"{exc.message} {exc.errors or ''}".strip()) from exc
        parameters = job.parameters
        console.print(
            f"harvest {job.id} queued: works of {', '.join(parameters['rors'])} "
            f"published {from_year}-{to_year}"
        )
        return job.id


def _queue_deposits(who: str, url: str | None, oai_set: str | None, since: Any) -> int:
    from catalogue.adapters.harvest.jobs import last_deposit_harvest, queue_deposits
    from catalogue.domain.errors import ServiceError

    state = _state()
    address = url or state.settings.repository_oai_url
    if not address:
        raise click.UsageError("name the repository: --url, or set CATALOGUE_REPOSITORY_OAI_URL")
    with state.db.unit_of_work() as session:
        user = _find_user(session, who)
        since = since or last_deposit_harvest(session, address)
        chosen = oai_set or state.settings.repository_oai_set or None
        try:
            job = queue_deposits(session, user, address, chosen, since)
        except ServiceError as exc:
            raise click.UsageError(f"{exc.message} {exc.errors or ''}".strip()) from exc
        changed = f" changed since {since}" if since else ""
        console.print(f"harvest {job.id} queued: deposits in {address}{changed}")
        return job.id


def _run(job_id: int, claimed: bool = False, label: str = "harvest") -> None:
    harvester = _harvester()
    if not claimed and harvester.claim(job_id) is None:
        raise click.UsageError(f"harvest {job_id} is not waiting to run (see `harvest status`)")
    with _progress() as progress:
        task = progress.add_task(f"{label} {job_id}", total=None)

        def show(job: HarvestJob) -> None:
            progress.update(task, total=job.total, completed=job.processed)

        try:
            job = harvester.run(job_id, progress=show)
        except KeyboardInterrupt:
            harvester.release(job_id)
            console.print(f"{label} {job_id} stopped; `catalogue harvest run` resumes it")
            raise SystemExit(130) from None
    console.print(f"{label} {job.id} {job.status}: {_summary(job)}", soft_wrap=True)
    _problems(job)
    if job.status == "failed":
        raise SystemExit(1)


def _what(job: HarvestJob) -> str:
    parameters = job.parameters
    if "from_year" in parameters:
        return f"{parameters['from_year']}-{parameters['to_year']}"
    if "url" in parameters:
        return str(parameters["url"])
    return str(parameters.get("name") or "file")


def _summary(job: HarvestJob) -> str:
    total = f"/{job.total}" if job.total is not None else ""
    return (
        f"{job.processed}{total} works, {job.created} created, {job.updated} updated, "
        f"{job.unchanged} unchanged, {job.conflicts} conflicts, "
        + (f"{job.unmatched} unmatched, " if job.source == "oai" else "")
        + f"{job.failed} failed"
    )


def _problems(job: HarvestJob) -> None:
    for problem in job.problems[-5:]:
        where = [str(problem[k]) for k in ("level", "item", "record") if problem.get(k)]
        console.print(f"  {' '.join(where)}: {problem['reason']}", soft_wrap=True)


@import_.command("template")
def import_template() -> None:
    """Print the CSV template (every column the import reads, and an example row)."""
    from catalogue.services.imports import template

    click.echo(template(), nl=False)


def _import_command(fmt: str) -> None:
    @import_.command(
        fmt, help=f"Import the publications of a {fmt.upper()} FILE (try --dry-run first)."
    )
    @click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
    @click.option("--as", "who", required=True, help="Librarian the import acts for (id or email)")
    @click.option("--dry-run", is_flag=True, help="Show what would happen; save nothing")
    @with_appcontext
    def command(file: Path, who: str, dry_run: bool) -> None:
        from catalogue.adapters.harvest.jobs import queue_import
        from catalogue.domain.errors import ServiceError
        from catalogue.services.accounts import identity_of
        from catalogue.services.imports import dry_run as try_file

        try:
            text = file.read_bytes().decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            raise click.UsageError(f"{file} is not UTF-8 text: save it as UTF-8") from exc
        state = _state()
        if dry_run:
            with state.db.reader() as session:
                identity = identity_of(session, _find_user(session, who))
                outcomes = try_file(session, identity, fmt, text)
            _report(outcomes)
            return
        with state.db.unit_of_work() as session:
            try:
                job_id = queue_import(session, _find_user(session, who), fmt, text, file.name).id
            except ServiceError as exc:
                raise click.UsageError(f"{exc.message} {exc.errors or ''}".strip()) from exc
        console.print(f"import {job_id} queued: {file.name}")
        _run(job_id, label="import")


for _fmt in ("csv", "ris", "bibtex"):
    _import_command(_fmt)


def _report(outcomes: list[Any]) -> None:
    """A dry run's outcomes, work by work, then the counts."""
    table = Table(title="Dry run: nothing was saved")
    for column in ("where", "would be", "record", "why"):
        table.add_column(column)
    for outcome in outcomes:
        why = outcome.reason or ""
        if outcome.kept:
            why = f"kept a person's {', '.join(outcome.kept)}"
        if outcome.skipped:
            why = "; ".join([why, *(f"{k}: {v}" for k, v in outcome.skipped.items())]).strip("; ")
        table.add_row(outcome.item, outcome.action, outcome.record_id or "", why)
    console.print(table)
    counted = Counter(outcome.action for outcome in outcomes)
    console.print(", ".join(f"{counted[action]} {action}" for action in OUTCOMES))


@main.group()
def people() -> None:
    """The people register: who works in which department, and when (from the HR system).

    Harvested and imported publications are placed in the departments their authors (by
    ORCID iD) were in on the publication date.
    """


@people.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@with_appcontext
def people_import(file: Path) -> None:
    """Replace the register with a CSV FILE (columns orcid, email, name, department, from,
    until); nothing changes unless every row is right."""
    from catalogue.domain.errors import ServiceError
    from catalogue.services.people import replace_register

    with _state().db.unit_of_work() as session:
        try:
            count = replace_register(session, file.read_text(encoding="utf-8-sig"))
        except ServiceError as exc:
            for where, messages in (exc.errors or {}).get("json", {}).items():
                console.print(f"  {where}: {'; '.join(messages)}", soft_wrap=True)
            raise click.UsageError(exc.message) from exc
    console.print(f"the people register holds {count} rows")


@main.group("theme-rules")
def theme_rules_group() -> None:
    """The rules that suggest innovation themes for harvested and imported works (edited
    with ``PUT /api/theme-rules``)."""


@theme_rules_group.command("apply")
@click.option("--chunk", default=200, show_default=True, help="Works per transaction")
@with_appcontext
def theme_rules_apply(chunk: int) -> None:
    """Refresh every harvested and imported work's suggested themes from the rules as they
    are now (after the rules changed; harvests refresh the works they find changed)."""
    from catalogue.services import theme_rules

    state = _state()
    with state.db.reader() as session:
        works = theme_rules.works_the_rules_suggest_for(session)
    changed = 0
    with _progress() as progress:
        task = progress.add_task("Applying the theme rules", total=len(works))
        for start in range(0, len(works), chunk):
            part = works[start : start + chunk]
            with state.db.unit_of_work() as session:
                changed += theme_rules.apply(session, part)
            progress.advance(task, len(part))
    console.print(f"{len(works)} works: suggestions changed for {changed}")
