"""Enrichment jobs: queued by staff, run by a worker, record by record, never in a request.

A job asks each of its sources about each record's DOI (the answer comes from the kept answers
when one is fresh enough), fills what is empty
(:mod:`catalogue.adapters.enrichment.fill`), records the
network FAIR checks of datasets, and saves the record through the record service: one save,
one revision, audited as ``enrich`` with the source of every filled field, classified or
assessed again, and indexed.  It acts for the person who queued it and may change only what
they may change.

Workers claim jobs with ``FOR UPDATE SKIP LOCKED`` on PostgreSQL, so several can run; a job
whose worker stopped sending heartbeats is taken over and resumes after its ``cursor``.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from marshmallow import ValidationError
from sqlalchemy import func, select
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from catalogue.adapters import job_queue
from catalogue.adapters.db import Database
from catalogue.adapters.enrichment.fill import fill
from catalogue.adapters.enrichment.http import PoliteClient, ServiceUnavailable, user_agent
from catalogue.adapters.enrichment.sources import SOURCES, Found, Source
from catalogue.adapters.service_budget import budget_for
from catalogue.config import Settings
from catalogue.domain.errors import Conflict, Forbidden, InvalidInput, NotFound, ServiceError
from catalogue.models import (
    Dataset,
    EnrichmentAnswer,
    EnrichmentJob,
    Publication,
    Record,
    User,
    utcnow,
)
from catalogue.services import permissions
from catalogue.services.accounts import identity_of
from catalogue.services.openaccess import learn_fully_oa

log = logging.getLogger(__name__)

KINDS = {"publication": Publication, "dataset": Dataset}
PROBLEMS_KEPT = 50


def default_sources(kind: str) -> list[str]:
    return [name for name, source in SOURCES.items() if kind in source.kinds]


def queue_job(
    session: Session,
    requested_by: User,
    kind: str,
    record_ids: Sequence[str] | None = None,
    sources: Sequence[str] | None = None,
    refresh: bool = False,
) -> EnrichmentJob:
    """A new queued job; refuses sources that do not serve ``kind``."""
    if kind not in KINDS:
        raise InvalidInput({"kind": [f"Must be one of: {', '.join(KINDS)}."]})
    chosen = list(sources) if sources else default_sources(kind)
    wrong = [name for name in chosen if name not in SOURCES or kind not in SOURCES[name].kinds]
    if wrong:
        raise InvalidInput(
            {"sources": [f"For {kind}s choose from: {', '.join(default_sources(kind))}."]}
        )
    if record_ids:
        found = set(
            session.scalars(
                select(Record.id).where(Record.id.in_(set(record_ids)), Record.kind == kind)
            )
        )
        unknown = {
            position: [f"No {kind} with the id {record_id!r}."]
            for position, record_id in enumerate(record_ids)
            if record_id not in found
        }
        if unknown:
            raise InvalidInput({"record_ids": unknown})
    job = EnrichmentJob(
        kind=kind,
        record_ids=sorted(set(record_ids)) if record_ids else None,
        sources=chosen,
        refresh=refresh,
        requested_by_id=requested_by.id,
        status="queued",
        total=0,
        processed=0,
        changed=0,
        failed=0,
        problems=[],
    )
    session.add(job)
    session.flush()
    return job


def queue_for_record(
    session: Session, identity: permissions.Identity, record: Record
) -> EnrichmentJob:
    """A job enriching one record, for someone who may change it (its owner, say)."""
    if not permissions.can_edit_open_access(identity, record):
        raise Forbidden("You may not change this record.")
    if record.status == "withdrawn":
        raise Conflict("A withdrawn record is not enriched.")
    if not record.doi:
        raise Conflict(
            "Add the DOI first: enrichment looks the record up by its DOI.",
            {"json": {"doi": ["Needed to enrich the record."]}},
        )
    user = session.get(User, identity.user_id)
    if user is None:
        raise Forbidden("Log in to enrich a record.")
    return queue_job(session, user, record.kind, [record.id])


def visible_jobs(
    session: Session, identity: permissions.Identity, limit: int = 20
) -> list[EnrichmentJob]:
    """The most recent jobs ``identity`` may follow, newest first: those they asked for, and
    as staff those of what they curate (librarians: publications; data stewards: datasets;
    administrators: all)."""
    if identity.is_anonymous:
        return []
    kinds = [kind for kind in KINDS if permissions.can_see_enrichment(identity, kind)]
    visible = EnrichmentJob.requested_by_id == identity.user_id
    if kinds:
        visible = visible | EnrichmentJob.kind.in_(kinds)
    query = select(EnrichmentJob).where(visible).order_by(EnrichmentJob.id.desc()).limit(limit)
    return list(session.scalars(query))


def visible_job(session: Session, identity: permissions.Identity, job_id: int) -> EnrichmentJob:
    """One job ``identity`` may follow (NotFound otherwise, saying nothing of others' jobs)."""
    job = session.get(EnrichmentJob, job_id)
    mine = job is not None and job.requested_by_id == identity.user_id
    if job is None or not (mine or permissions.can_see_enrichment(identity, job.kind)):
        raise NotFound(f"No enrichment job {job_id} you may see.")
    return job


def cancel_job(session: Session, identity: permissions.Identity, job_id: int) -> EnrichmentJob:
    """Cancel a queued or running job (who queued it, or an administrator); a running one
    stops after the record it is on."""
    session.get(EnrichmentJob, job_id, with_for_update=True)  # waits for the worker's step
    job = visible_job(session, identity, job_id)
    job_queue.cancel(job, identity)
    return job


@dataclass
class Step:
    """What happened to one record."""

    record_id: str
    changed: bool
    problems: list[dict[str, Any]]


class Enricher:
    """Runs enrichment jobs against the configured services."""

    def __init__(self, db: Database, settings: Settings) -> None:
        self.db = db
        self.settings = settings
        self._clients: dict[str, PoliteClient] = {}
        self._lock = threading.Lock()

    # -- the services --------------------------------------------------------------------

    def client(self, source: Source) -> PoliteClient:
        with self._lock:
            if source.name not in self._clients:
                settings = self.settings
                rate = settings.enrichment_per_second or source.per_second
                self._clients[source.name] = PoliteClient(
                    settings.enrichment_url(source.name) or source.default_url,
                    user_agent(settings.base_url, settings.contact_email),
                    rate,
                    timeout=settings.enrichment_timeout,
                    budget=budget_for(self.db.engine, source.name, rate),
                )
            return self._clients[source.name]

    def ask(self, source: Source, doi: str, refresh: bool = False) -> Found | None:
        """What ``source`` says of ``doi``: the kept answer if fresh, else a new one (kept)."""
        fresh_after = utcnow() - timedelta(days=self.settings.enrichment_cache_days)
        if not refresh:
            with self.db.reader() as session:
                kept = session.get(EnrichmentAnswer, (source.name, doi))
                if kept is not None and kept.fetched_at >= fresh_after:
                    return source.parse(kept.status, kept.body)
        params = {"email": self.settings.contact_email} if source.sends_email else None
        answer = self.client(source).get(source.path(doi), params)
        with self.db.unit_of_work() as session:
            session.merge(
                EnrichmentAnswer(
                    source=source.name,
                    doi=doi,
                    status=answer.status,
                    body=answer.body,
                    fetched_at=utcnow(),
                )
            )
        return source.parse(answer.status, answer.body)

    # -- jobs ----------------------------------------------------------------------------

    def claim(self, job_id: int | None = None) -> int | None:
        """Take a queued job (or one whose worker went quiet); None when there is none."""
        return job_queue.claim(self.db, EnrichmentJob, job_id)

    def release(self, job_id: int) -> None:
        """Put a job that was stopped back in the queue; it resumes after its cursor."""
        job_queue.release(self.db, EnrichmentJob, job_id)

    def run(
        self,
        job_id: int,
        progress: Callable[[EnrichmentJob], None] | None = None,
        stop: threading.Event | None = None,
    ) -> EnrichmentJob:
        """Work through a claimed job; returns it finished (or as it was when stopped)."""
        with self.db.unit_of_work() as session:
            job = _job(session, job_id)
            if not self.settings.contact_email:
                # Crossref, OpenAlex and Unpaywall ask every client for a contact address.
                job.status, job.finished_at = "failed", utcnow()
                job.problems = [
                    _problem("", "", None, "Set CATALOGUE_CONTACT_EMAIL before enriching.")
                ]
                session.flush()
                session.expunge(job)
                return job
            counted = select(func.count()).select_from(_targets(job).subquery())
            job.total = session.scalar(counted) or 0
            kind, sources, refresh = job.kind, job.sources, job.refresh
            requester_id, cursor = job.requested_by_id, job.cursor
        cancelled = False
        for record_id, doi in self._records(job_id, cursor):
            if cancelled or (stop is not None and stop.is_set()):
                break
            step = self.enrich_one(requester_id, kind, record_id, doi, sources, refresh)
            with self.db.unit_of_work() as session:
                job = _job(session, job_id, locked=True)
                cancelled = job.status == "cancelled"  # the record just done still counts
                job.processed += 1
                job.changed += int(step.changed)
                job.failed += int(any(p["level"] == "failed" for p in step.problems))
                job.cursor = record_id
                job.heartbeat_at = utcnow()
                if step.problems:
                    job.problems = (job.problems + step.problems)[-PROBLEMS_KEPT:]
                if progress:
                    progress(job)
        with self.db.unit_of_work() as session:
            job = _job(session, job_id, locked=True)
            if job.status == "cancelled":
                pass  # stays cancelled, with what it did counted
            elif stop is not None and stop.is_set():
                job.status = "queued"  # stopped with its worker: resumes after its cursor
            else:
                job.status = "done"
                job.finished_at = utcnow()
            session.flush()
            session.expunge(job)
            return job

    def _records(self, job_id: int, cursor: str | None) -> Iterator[tuple[str, str]]:
        """(id, DOI) of the job's records after ``cursor``, a page at a time."""
        while True:
            with self.db.reader() as session:
                job = _job(session, job_id)
                query = _targets(job).order_by(Record.id).limit(100)
                if cursor is not None:
                    query = query.where(Record.id > cursor)
                page = [(rid, doi) for rid, doi in session.execute(query)]
            if not page:
                return
            yield from page
            cursor = page[-1][0]

    def enrich_one(
        self,
        requester_id: int,
        kind: str,
        record_id: str,
        doi: str,
        sources: Sequence[str],
        refresh: bool = False,
    ) -> Step:
        """Ask the sources about one record and save what they add."""
        problems: list[dict[str, Any]] = []
        found: list[Found] = []
        for name in sources:
            try:
                answer = self.ask(SOURCES[name], doi, refresh)
            except ServiceUnavailable as exc:
                problems.append(_problem(record_id, doi, name, str(exc)))
                continue
            if answer is not None:
                found.append(answer)
        if not found:
            return Step(record_id, False, problems)
        try:
            with self.db.unit_of_work() as session:
                changed = _save(session, requester_id, kind, record_id, found, problems, doi)
        except ServiceError as exc:
            problems.append(_problem(record_id, doi, None, exc.message))
            changed = False
        except OperationalError:
            raise  # the database is gone: the job stops, and resumes here later
        except Exception as exc:
            # One record must not stall a job over thousands; the log has the details.
            log.exception("enriching %s failed", record_id)
            reason = f"internal error ({type(exc).__name__})"
            problems.append(_problem(record_id, doi, None, reason))
            changed = False
        return Step(record_id, changed, problems)


def _save(
    session: Session,
    requester_id: int,
    kind: str,
    record_id: str,
    found: list[Found],
    problems: list[dict[str, Any]],
    doi: str,
) -> bool:
    """Fill the record from ``found`` and save it, in the caller's transaction."""
    from catalogue.services.records import datasets, publications

    service = publications if kind == "publication" else datasets
    user = session.get(User, requester_id)
    if user is None or not user.active:
        raise NotFound("The person who asked for this enrichment is no longer active.")
    identity = identity_of(session, user)
    record = service.read(session, identity, record_id)
    # A librarian's job fills only the Open Access fields of other people's publications.
    allowed = None if permissions.can_edit(identity, record) else permissions.OPEN_ACCESS_FIELDS
    current = service.editable_fields(record)
    filled, given = fill(current, found, allowed)
    network: dict[str, Any] | None = None
    if isinstance(record, Dataset):
        before = {k: v for k, v in (record.fair_network or {}).items() if k != "checked_at"}
        checks = {k: v for answer in found for k, v in answer.network.items()}
        if {**before, **checks} != before:
            network = {**before, **checks, "checked_at": utcnow().isoformat()}
    changed = False
    if given or network is not None:
        data = _load(service.schema, filled, current, given, record_id, doi, problems)
        # (every value the sources gave may have been skipped: then nothing to save)
        if given or network is not None:
            service.enrich(session, identity, record_id, data, given, network, record.revision)
            changed = True
    return _learn_journal(session, record, found) or changed


def _learn_journal(session: Session, record: Record, found: list[Found]) -> bool:
    """The journal register learns the first source's word on the journal being fully Open
    Access (Unpaywall's ``journal_is_oa``, OpenAlex's ``is_oa``)."""
    if not isinstance(record, Publication) or record.journal is None:
        return False
    for answer in found:
        fully_oa = answer.facts.get("journal_fully_oa")
        if isinstance(fully_oa, bool):
            return learn_fully_oa(session, record.journal, fully_oa, answer.source)
    return False


def _load(
    schema: Any,
    filled: dict[str, Any],
    current: dict[str, Any],
    given: dict[str, str],
    record_id: str,
    doi: str,
    problems: list[dict[str, Any]],
) -> dict[str, Any]:
    """``filled`` through the record schema; a source's value that does not validate is left
    out (and reported), the person's own values stay as they were."""
    try:
        loaded: dict[str, Any] = schema.load(filled)
        return loaded
    except ValidationError as exc:
        errors: dict[str, Any] = exc.messages if isinstance(exc.messages, dict) else {}
    retry = dict(filled)
    for name in errors:
        source = given.pop(name, None) or next(
            (given.pop(k) for k in list(given) if k.startswith(f"{name}.")), None
        )
        if source is not None:
            problems.append(
                _problem(record_id, doi, source, f"{name}: {errors[name]}", level="skipped")
            )
            if name in current:
                retry[name] = current[name]
            else:
                retry.pop(name, None)
    loaded = schema.load(retry)  # what is left is the person's own record: it loads
    return loaded


def _targets(job: EnrichmentJob) -> Any:
    model = KINDS[job.kind]
    query = select(model.id, model.doi).where(model.doi.is_not(None), model.status != "withdrawn")
    if job.record_ids is not None:
        query = query.where(model.id.in_(job.record_ids))
    return query


def _job(session: Session, job_id: int, locked: bool = False) -> EnrichmentJob:
    job = session.get(EnrichmentJob, job_id, with_for_update=locked)
    if job is None:
        raise NotFound(f"No enrichment job {job_id}.")
    return job


def _problem(
    record_id: str, doi: str, source: str | None, reason: str, level: str = "failed"
) -> dict[str, Any]:
    return {
        "record": record_id,
        "doi": doi,
        "source": source,
        "level": level,
        "reason": reason[:500],
        "at": utcnow().isoformat(),
    }
