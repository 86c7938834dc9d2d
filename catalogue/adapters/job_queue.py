"""What the worker's jobs (enrichment, harvests and imports) share: taking one, giving it
back, cancelling it.  Workers claim with ``FOR UPDATE SKIP LOCKED`` on PostgreSQL, so several
can run; a running job whose worker went quiet (no heartbeat for ``STALE_AFTER``) is taken
over.  A cancelled job is never taken again; its worker notices at its next step (each step
reads the job's row locked, so a cancellation and a worker's update never overwrite each
other) and stops there, with everything it saved kept and counted."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy import or_, select

from catalogue.adapters.db import Database
from catalogue.domain.errors import Conflict, Forbidden
from catalogue.models import utcnow
from catalogue.services.permissions import Identity

STALE_AFTER = timedelta(minutes=5)


def claim(
    db: Database, model: Any, job_id: int | None = None, failed_too: bool = False
) -> int | None:
    """Take the oldest queued job of ``model`` (or ``job_id``; a failed one too when
    ``failed_too``: asked for by its id, it resumes); None when there is none to take."""
    with db.unit_of_work() as session:
        stale = utcnow() - STALE_AFTER
        takeable = [
            model.status == "queued",
            (model.status == "running") & (model.heartbeat_at < stale),
        ]
        query = select(model).order_by(model.id).limit(1)
        if job_id is not None:
            query = query.where(model.id == job_id)
            if failed_too:
                takeable.append(model.status == "failed")
        job = session.scalar(query.where(or_(*takeable)).with_for_update(skip_locked=True))
        if job is None:
            return None
        job.status = "running"
        job.started_at = job.started_at or utcnow()
        job.heartbeat_at = utcnow()
        job.finished_at = None
        found: int = job.id
        return found


def release(db: Database, model: Any, job_id: int) -> None:
    """Put a job that was stopped back in the queue; it resumes where it stopped."""
    with db.unit_of_work() as session:
        job = session.get(model, job_id)
        if job is not None and job.status == "running":
            job.status = "queued"


def cancel(job: Any, identity: Identity) -> None:
    """Cancel ``job`` (read with its row locked) for ``identity``: who queued it, or an
    administrator; only while it is queued or running."""
    if job.requested_by_id != identity.user_id and not identity.has_role("administrator"):
        raise Forbidden("Only the person who queued a job, or an administrator, may cancel it.")
    if job.status not in ("queued", "running"):
        raise Conflict(f"Job {job.id} is {job.status}: only a queued or running job can stop.")
    job.status = "cancelled"
    job.finished_at = utcnow()
