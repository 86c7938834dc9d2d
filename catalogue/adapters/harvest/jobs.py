"""Harvest jobs: queued by staff (or a daily timer), run by a worker a page at a time.

Sources: OpenAlex (the institution's works), ORCID (researchers' works), a repository over
OAI-PMH (deposits), and uploaded files (CSV, RIS, BibTeX: one page, the whole file).

A page fetched from the service is kept in the job with the cursor of the page after it,
then worked through ``BATCH`` works at a time, each batch saved in one transaction together
with the job's counts and position (each work in a savepoint of its own).  A job stopped
anywhere (Ctrl-C, a worker that died, the database gone) resumes after the last saved batch,
without asking the service for a page twice and without counting a work twice.  Running the
same harvest again changes nothing: every work comes back ``unchanged``, found so from a few
queries per page (see :mod:`catalogue.services.intake`).

Jobs are claimed as enrichment jobs are (:mod:`catalogue.adapters.job_queue`).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from catalogue.adapters import job_queue
from catalogue.adapters.db import Database
from catalogue.adapters.enrichment.http import PoliteClient, ServiceUnavailable, user_agent
from catalogue.adapters.harvest.feed import START, Feed, Page
from catalogue.adapters.harvest.oai import OaiFeed
from catalogue.adapters.harvest.openalex import OpenAlexFeed
from catalogue.adapters.harvest.orcid import OrcidFeed
from catalogue.adapters.service_budget import budget_for
from catalogue.config import Settings
from catalogue.domain.errors import InvalidInput, NotFound
from catalogue.models import EnrichmentAnswer, HarvestJob, User, utcnow
from catalogue.services import imports, permissions
from catalogue.services.accounts import identity_of
from catalogue.services.intake import Incoming, NotAWork, Outcome, take_in, unchanged
from schemas.identifiers import normalise_orcid, normalise_ror

log = logging.getLogger(__name__)

SOURCES = ("openalex", "oai", "orcid")
# Where each service is when the settings name no other address.
PUBLIC_URLS = {
    "openalex": "https://api.openalex.org",
    "crossref": "https://api.crossref.org",
    "orcid": "https://pub.orcid.org",
}
PROBLEMS_KEPT = 50
EARLIEST_YEAR = 1900
# Works taken in per transaction: fewer commits, and a stop loses at most this much work
# (never counts: the progress is saved in the same transaction).
BATCH = 25
# The job's count for each outcome of a work.
COUNTERS = {
    "created": "created",
    "updated": "updated",
    "unchanged": "unchanged",
    "conflict": "conflicts",
    "unmatched": "unmatched",
    "failed": "failed",
}


class FileFeed:
    """An uploaded file as one page: its rows (kept in the job, so a stop resumes there)."""

    keeps_answers = False  # the job keeps the file itself

    def __init__(self, fmt: str, text: str) -> None:
        self.source = fmt
        self.text = text

    def fetch(self, cursor: str) -> Page:
        found = imports.rows(self.source, self.text)
        return Page(found, None, len(found))

    def parse(self, raw: Any) -> Incoming:
        return imports.to_incoming(self.source, raw)


def queue_harvest(
    session: Session,
    requested_by: User,
    source: str,
    rors: list[str],
    from_year: int,
    to_year: int,
) -> HarvestJob:
    """A new queued harvest of the institution's works (ROR ids) over a range of years."""
    errors: dict[str, list[str]] = {}
    if source not in SOURCES:
        errors["source"] = [f"Must be one of: {', '.join(SOURCES)}."]
    normalised = []
    for ror in rors:
        try:
            normalised.append(normalise_ror(ror))
        except ValueError as exc:
            errors.setdefault("rors", []).append(str(exc))
    if not rors:
        errors["rors"] = ["Name at least one institution by its ROR id."]
    _check_years(from_year, to_year, errors)
    if errors:
        raise InvalidInput(errors)
    parameters = {"rors": normalised, "from_year": from_year, "to_year": to_year}
    return _queued(session, HarvestJob(source=source, parameters=parameters), requested_by)


def queue_deposits(
    session: Session,
    requested_by: User,
    url: str,
    oai_set: str | None = None,
    since: date | None = None,
) -> HarvestJob:
    """A new queued harvest of a repository's deposits over OAI-PMH (changed since a day)."""
    if not url.startswith(("http://", "https://")) or len(url) > 1000:
        raise InvalidInput({"url": ["Give the repository's OAI-PMH address (http or https)."]})
    parameters: dict[str, Any] = {"url": url}
    if oai_set:
        parameters["set"] = oai_set[:200]
    if since:
        parameters["from"] = since.isoformat()
    return _queued(session, HarvestJob(source="oai", parameters=parameters), requested_by)


def queue_researchers(
    session: Session,
    requested_by: User,
    orcids: list[str] | None,
    from_year: int,
    to_year: int,
) -> HarvestJob:
    """A new queued harvest of researchers' works from ORCID (``orcids``, or every active
    person with an ORCID iD in the catalogue) published in a range of years."""
    errors: dict[str, list[str]] = {}
    if orcids is None:
        orcids = sorted(
            set(session.scalars(select(User.orcid).where(User.orcid.is_not(None), User.active)))
        )
        if not orcids:
            errors["orcids"] = ["Nobody in the catalogue has an ORCID iD yet; name one."]
    normalised = []
    for orcid in orcids:
        try:
            normalised.append(normalise_orcid(orcid))
        except ValueError as exc:
            errors.setdefault("orcids", []).append(str(exc))
    _check_years(from_year, to_year, errors)
    if errors:
        raise InvalidInput(errors)
    parameters = {"orcids": normalised, "from_year": from_year, "to_year": to_year}
    return _queued(session, HarvestJob(source="orcid", parameters=parameters), requested_by)


def _check_years(from_year: int, to_year: int, errors: dict[str, list[str]]) -> None:
    this_year = utcnow().year
    if not EARLIEST_YEAR <= from_year <= to_year <= this_year + 1:
        errors["from_year"] = [
            f"Give a range of years between {EARLIEST_YEAR} and {this_year + 1}, "
            "the first not after the last."
        ]


def last_deposit_harvest(session: Session, url: str) -> date | None:
    """The day the last finished harvest of this repository started: the next one asks only
    for what changed since (OAI-PMH's ``from``)."""
    finished = session.scalars(
        select(HarvestJob)
        .where(HarvestJob.source == "oai", HarvestJob.status == "done")
        .order_by(HarvestJob.id.desc())
        .limit(50)
    )
    for job in finished:
        if job.parameters.get("url") == url and job.started_at is not None:
            return job.started_at.date()
    return None


def _queued(session: Session, job: HarvestJob, requested_by: User) -> HarvestJob:
    """``job`` queued for ``requested_by``, its counts at zero."""
    job.requested_by_id = requested_by.id
    job.status = "queued"
    for counter in ("processed", *COUNTERS.values(), "position"):
        setattr(job, counter, 0)
    job.cursor = START
    job.problems = []
    session.add(job)
    session.flush()
    return job


def queue_import(
    session: Session, requested_by: User, fmt: str, text: str, name: str = ""
) -> HarvestJob:
    """A new queued import of a file (CSV, RIS or BibTeX); refuses one with no work in it."""
    if fmt not in imports.FORMATS:
        raise InvalidInput({"format": [f"Must be one of: {', '.join(imports.FORMATS)}."]})
    found = imports.rows(fmt, text)
    if not found:
        raise InvalidInput({"file": [f"No work found in this {fmt} file."]})
    if len(found) == 1 and found[0].get("error"):
        raise InvalidInput({"file": [f"line {found[0]['line']}: {found[0]['error']}"]})
    job = HarvestJob(source=fmt, parameters={"name": name[:200]}, upload=text)
    return _queued(session, job, requested_by)


def visible_harvests(
    session: Session, identity: permissions.Identity, limit: int = 20
) -> list[HarvestJob]:
    """The most recent harvests, for the staff who may run them (and their own, for others)."""
    if identity.is_anonymous:
        return []
    query = select(HarvestJob).order_by(HarvestJob.id.desc()).limit(limit)
    if not permissions.can_enrich(identity, "publication"):
        query = query.where(HarvestJob.requested_by_id == identity.user_id)
    return list(session.scalars(query))


def visible_harvest(session: Session, identity: permissions.Identity, job_id: int) -> HarvestJob:
    job = session.get(HarvestJob, job_id)
    mine = job is not None and job.requested_by_id == identity.user_id
    if job is None or not (mine or permissions.can_enrich(identity, "publication")):
        raise NotFound(f"No harvest {job_id} you may see.")
    return job


def cancel_harvest(session: Session, identity: permissions.Identity, job_id: int) -> HarvestJob:
    """Cancel a queued or running harvest or import (who queued it, or an administrator); a
    running one stops after the batch of works it is on."""
    session.get(HarvestJob, job_id, with_for_update=True)  # waits for the worker's step
    job = visible_harvest(session, identity, job_id)
    job_queue.cancel(job, identity)
    return job


class Harvester:
    """Runs harvest jobs against the configured services."""

    def __init__(self, db: Database, settings: Settings) -> None:
        self.db = db
        self.settings = settings
        self._clients: dict[str, PoliteClient] = {}
        self._lock = threading.Lock()

    def client(self, source: str) -> PoliteClient:
        with self._lock:
            if source not in self._clients:
                settings = self.settings
                rate = settings.enrichment_per_second or 5.0
                self._clients[source] = PoliteClient(
                    settings.enrichment_url(source) or PUBLIC_URLS[source],
                    user_agent(settings.base_url, settings.contact_email),
                    rate,
                    timeout=settings.enrichment_timeout,
                    budget=budget_for(self.db.engine, source, rate),
                )
            return self._clients[source]

    def feed(self, job: HarvestJob) -> Feed:
        if job.source in imports.FORMATS:
            return FileFeed(job.source, job.upload or "")
        parameters = job.parameters
        if job.source == "oai":
            settings = self.settings
            rate = settings.enrichment_per_second or 2.0
            client = PoliteClient(
                parameters["url"],
                user_agent(settings.base_url, settings.contact_email),
                rate,
                timeout=settings.enrichment_timeout,
                budget=budget_for(self.db.engine, f"oai {parameters['url']}", rate),
            )
            return OaiFeed(client, "oai_dc", parameters.get("set"), parameters.get("from"))
        if job.source == "orcid":
            return OrcidFeed(
                self.client("orcid"),
                self.client("crossref"),
                parameters["orcids"],
                parameters["from_year"],
                parameters["to_year"],
            )
        return OpenAlexFeed(
            self.client(job.source),
            parameters["rors"],
            parameters["from_year"],
            parameters["to_year"],
            self.settings.contact_email,
            self.settings.openalex_api_key,
        )

    # -- claiming ------------------------------------------------------------------------

    def claim(self, job_id: int | None = None) -> int | None:
        """Take a queued job (or one whose worker went quiet; a failed one only by its id)."""
        return job_queue.claim(self.db, HarvestJob, job_id, failed_too=True)

    def release(self, job_id: int) -> None:
        """Put a job that was stopped back in the queue; it resumes where it stopped."""
        job_queue.release(self.db, HarvestJob, job_id)

    # -- running -------------------------------------------------------------------------

    def run(
        self,
        job_id: int,
        progress: Callable[[HarvestJob], None] | None = None,
        stop: threading.Event | None = None,
    ) -> HarvestJob:
        """Work through a claimed job; returns it finished (or as it was when stopped)."""
        with self.db.unit_of_work() as session:
            job = _job(session, job_id)
            if job.source not in imports.FORMATS and not self.settings.contact_email:
                # OpenAlex, ORCID and Crossref ask every client for a contact address.
                return self._end(session, job, "failed", "Set CATALOGUE_CONTACT_EMAIL first.")
            feed = self.feed(job)
            user = session.get(User, job.requested_by_id)
            if user is None or not user.active:
                return self._end(session, job, "failed", "The person who asked is not active.")
            identity = identity_of(session, user)
        while not (stop is not None and stop.is_set()):
            with self.db.reader() as session:
                job = _job(session, job_id)
                page, position, cursor = job.page, job.position, job.cursor
                if job.status == "cancelled":
                    break
            if page is None:
                if cursor is None:
                    break  # every page done
                try:
                    fetched = feed.fetch(cursor)
                except ServiceUnavailable as exc:
                    with self.db.unit_of_work() as session:
                        return self._end(session, _job(session, job_id), "failed", str(exc))
                with self.db.unit_of_work() as session:
                    job = _job(session, job_id)
                    job.page, job.position, job.cursor = fetched.items, 0, fetched.next_cursor
                    job.total = fetched.total if fetched.total is not None else job.total
                    job.heartbeat_at = utcnow()
                continue
            if not page[position:]:  # an empty page: nothing to take, move on
                with self.db.unit_of_work() as session:
                    _job(session, job_id).page = None
                continue
            same = self._unchanged(feed, page, position)
            cancelled = False
            while position < len(page) and not (cancelled or (stop is not None and stop.is_set())):
                end = min(len(page), position + BATCH)
                cancelled = self._take(feed, identity, job_id, page, range(position, end), same)
                position = end
                if progress is not None:
                    with self.db.reader() as session:
                        progress(_job(session, job_id))
        with self.db.unit_of_work() as session:
            job = _job(session, job_id, locked=True)
            if job.status == "cancelled" or (stop is not None and stop.is_set()):
                if job.status != "cancelled":
                    job.status = "queued"  # stopped with its worker: resumes where it stopped
                session.flush()
                session.expunge(job)
                return job
            return self._end(session, job, "done")

    def _unchanged(self, feed: Feed, page: list[Any], position: int) -> set[int]:
        """The positions in ``page`` (from ``position``) of works known exactly as they are."""
        works: dict[int, Incoming] = {}
        for index in range(position, len(page)):
            try:
                works[index] = feed.parse(page[index])
            except NotAWork:
                continue
        with self.db.reader() as session:
            same = unchanged(session, list(works.values()))
        return {index for index, is_same in zip(works, same, strict=True) if is_same}

    def _take(
        self,
        feed: Feed,
        identity: permissions.Identity,
        job_id: int,
        page: list[Any],
        positions: range,
        same: set[int],
    ) -> bool:
        """Take some works of the page in, with the job's progress, in one transaction (each
        work in a savepoint of its own: one that fails leaves nothing behind, the rest stay).
        Whether the job is cancelled: then nothing is taken (the job's row is locked for the
        batch, so a cancellation waits for the batch under way and stops the next one)."""
        with self.db.unit_of_work() as session:
            job = _job(session, job_id, locked=True)
            if job.status == "cancelled":
                return True
            outcomes = []
            for index in positions:
                raw = page[index]
                if index in same:  # the source says nothing new: nothing to read or write
                    outcomes.append(Outcome(_name(raw), "unchanged"))
                    continue
                try:
                    incoming = feed.parse(raw)
                except NotAWork as exc:
                    outcomes.append(Outcome(_name(raw), exc.outcome, reason=str(exc)))
                else:
                    outcomes.append(self._save(session, identity, feed, incoming, raw))
            job.processed += len(outcomes)
            problems = []
            for outcome in outcomes:
                counter = COUNTERS[outcome.action]
                setattr(job, counter, getattr(job, counter) + 1)
                problems += _problems(outcome)
            if problems:
                job.problems = (job.problems + problems)[-PROBLEMS_KEPT:]
            job.position = positions.stop
            if positions.stop == len(page):
                job.page = None
            job.heartbeat_at = utcnow()
            return False

    def _save(
        self,
        session: Session,
        identity: permissions.Identity,
        feed: Feed,
        incoming: Incoming,
        raw: Any,
    ) -> Outcome:
        """``take_in`` in a savepoint: a work that fails leaves nothing of itself behind."""
        savepoint = session.begin_nested()
        try:
            outcome = take_in(session, identity, incoming)
            doi = incoming.fields.get("doi")
            taken = outcome.action in {"created", "updated", "conflict"}
            if feed.keeps_answers and taken and isinstance(doi, str):
                # The source's answer is the evidence behind the values (and what enrichment
                # would have asked for: it need not ask again).
                session.merge(
                    EnrichmentAnswer(
                        source=feed.source, doi=doi, status=200, body=raw, fetched_at=utcnow()
                    )
                )
            session.flush()
        except OperationalError:
            savepoint.rollback()
            raise  # the database is gone: the job stops, and resumes at this work later
        except Exception as exc:
            # One work must not stall a harvest of thousands; the log has the details.
            log.exception("harvesting %s failed", incoming.item)
            savepoint.rollback()
            return Outcome(incoming.item, "failed", reason=f"internal error ({type(exc).__name__})")
        if outcome.action == "failed":
            savepoint.rollback()
        else:
            savepoint.commit()
        return outcome

    def _end(
        self, session: Session, job: HarvestJob, status: str, reason: str | None = None
    ) -> HarvestJob:
        job.status, job.finished_at = status, utcnow()
        if reason:
            job.problems = [*job.problems, _problem("", "failed", reason)][-PROBLEMS_KEPT:]
        session.flush()
        session.expunge(job)
        return job


def _problems(outcome: Outcome) -> list[dict[str, Any]]:
    found = []
    record = outcome.record_id
    if outcome.action in {"failed", "unmatched"}:
        reason = outcome.reason or outcome.action
        found.append(_problem(outcome.item, outcome.action, reason, record))
    for name, messages in outcome.skipped.items():
        found.append(_problem(outcome.item, "skipped", f"{name}: {messages}", record))
    if outcome.kept:
        kept = ", ".join(outcome.kept)
        found.append(
            _problem(outcome.item, "conflict", f"kept the values a person entered: {kept}", record)
        )
    return found


def _problem(item: str, level: str, reason: str, record: str | None = None) -> dict[str, Any]:
    return {
        "item": item,
        "record": record,
        "level": level,
        "reason": reason[:500],
        "at": utcnow().isoformat(),
    }


def _name(raw: Any) -> str:
    """How a work is named in reports before it could be read: its id, or its line."""
    if isinstance(raw, dict) and raw.get("id"):
        return str(raw["id"])[:100]
    if isinstance(raw, dict) and raw.get("line"):
        return f"line {raw['line']}"
    return "?"


def _job(session: Session, job_id: int, locked: bool = False) -> HarvestJob:
    job = session.get(HarvestJob, job_id, with_for_update=locked)
    if job is None:
        raise NotFound(f"No harvest job {job_id}.")
    return job
