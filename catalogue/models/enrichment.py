"""Enrichment from the scholarly metadata services: the answers kept, and the jobs that ask.

Every answer a service gives is kept (``enrichment_answers``): it is the cache that spares the
service a second question within the cache period, and the evidence a librarian can read when
a publication's Open Access status changed after an enrichment. Answers no record uses are
pruned after a retention period (catalogue/adapters/enrichment/kept_answers.py).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Boolean, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from catalogue.models.base import Base, UTCDateTime, utcnow


class EnrichmentAnswer(Base):
    __tablename__ = "enrichment_answers"

    source: Mapped[str] = mapped_column(String(16), primary_key=True)
    doi: Mapped[str] = mapped_column(String(255), primary_key=True)
    status: Mapped[int] = mapped_column(Integer)
    body: Mapped[Any] = mapped_column(JSON, nullable=True)
    fetched_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class EnrichmentJob(Base):
    """Enrich the records of one kind (all with a DOI, or the listed ones) from some sources.

    Runs in a worker, record by record in id order; ``cursor`` is the last record done, so a
    job whose worker died (no heartbeat for a while) is picked up where it stopped.
    """

    __tablename__ = "enrichment_jobs"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))
    record_ids: Mapped[list[str] | None] = mapped_column(JSON, nullable=True)
    sources: Mapped[list[str]] = mapped_column(JSON)
    refresh: Mapped[bool] = mapped_column(Boolean, default=False)
    # The person the job acts for: it may change only what they may change.
    requested_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    status: Mapped[str] = mapped_column(String(16), default="queued", index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    heartbeat_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    total: Mapped[int] = mapped_column(Integer, default=0)
    processed: Mapped[int] = mapped_column(Integer, default=0)
    changed: Mapped[int] = mapped_column(Integer, default=0)
    failed: Mapped[int] = mapped_column(Integer, default=0)
    cursor: Mapped[str | None] = mapped_column(String(16))
    # The most recent problems: [{record, doi, source, reason}], newest last, at most 50.
    problems: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)


class ServiceBudget(Base):
    """The next free moment to ask an outside service, shared by every worker process: each
    request reserves its slot here (catalogue/adapters/service_budget.py), so two workers
    never ask a service faster than its rate together."""

    __tablename__ = "service_budgets"

    service: Mapped[str] = mapped_column(String(64), primary_key=True)
    next_at: Mapped[datetime] = mapped_column(UTCDateTime)
