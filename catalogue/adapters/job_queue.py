"""What the worker's jobs (enrichment, harvests and imports) share: taking one and giving it
back.  Workers claim with ``FOR UPDATE SKIP LOCKED`` on PostgreSQL, so several can run; a
running job whose worker went quiet (no heartbeat for ``STALE_AFTER``) is taken over."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy import or_, select

from catalogue.adapters.db import Database
from catalogue.models import utcnow

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
