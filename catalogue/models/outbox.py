"""The transactional outbox: every change to a record leaves a row here, in the same
transaction, so a search-engine outage delays indexing but never loses a change.

Processed rows are kept for a while (``processed_at``): a reindex replays the changes made
while it ran from them.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from catalogue.models.base import Base, UTCDateTime, utcnow


class OutboxEntry(Base):
    __tablename__ = "search_outbox"

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    record_id: Mapped[str] = mapped_column(String(16))
    # The record's revision when it changed; a delete is written one above it.
    revision: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_error: Mapped[str | None] = mapped_column(Text)
    processed_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)
    # The request that made the change (X-Request-Id), for the worker's log line about it.
    request_id: Mapped[str | None] = mapped_column(String(64))


class SearchDocument(Base):
    """A record's search document at ``revision``, written in the same transaction as the record."""

    __tablename__ = "search_documents"

    record_id: Mapped[str] = mapped_column(
        ForeignKey("records.id", ondelete="CASCADE"), primary_key=True
    )
    revision: Mapped[int] = mapped_column(Integer)
    document: Mapped[dict[str, Any]] = mapped_column(JSON)
    # The document format it was rendered in (``services.documents.FORMAT``; 0: before formats
    # were numbered): a reindex renders the older ones again first.
    format: Mapped[int] = mapped_column(Integer, server_default="0", index=True)
