"""The institution's output brought in from outside: identifiers, what each source said, jobs.

- ``record_identifiers``: the other identifiers a work is known by (PubMed, OpenAlex), one
  row each and unique, so a work found again under any of them is the same record.
- ``record_sources``: per record and source, what the source said the last time it was asked
  (its fields, and a digest of them).  A harvest that finds the same digest changes nothing;
  one that finds new values changes only the fields still holding what the source said
  before, never what a person entered since (:mod:`catalogue.domain.merge`).
- ``harvest_jobs``: a harvest or a file import (CSV, RIS, BibTeX), run by the worker page by
  page; ``cursor`` is the service's cursor for the next page, ``page`` the page being worked
  through and ``position`` how far, so a stopped job resumes where it stopped without asking
  the service again.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from catalogue.models.base import Base, UTCDateTime, utcnow


class RecordIdentifier(Base):
    __tablename__ = "record_identifiers"

    scheme: Mapped[str] = mapped_column(String(16), primary_key=True)
    value: Mapped[str] = mapped_column(String(255), primary_key=True)
    record_id: Mapped[str] = mapped_column(ForeignKey("records.id", ondelete="CASCADE"), index=True)


class RecordSource(Base):
    __tablename__ = "record_sources"

    record_id: Mapped[str] = mapped_column(
        ForeignKey("records.id", ondelete="CASCADE"), primary_key=True
    )
    source: Mapped[str] = mapped_column(String(16), primary_key=True)
    digest: Mapped[str] = mapped_column(String(64))
    fields: Mapped[dict[str, Any]] = mapped_column(JSON)
    # What it said beyond the record's fields (``Incoming.facts``): the topics it files the work
    # under, which the theme rules read.
    facts: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    seen_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class HarvestJob(Base):
    __tablename__ = "harvest_jobs"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    source: Mapped[str] = mapped_column(String(16))
    # What to harvest: {"rors": [...], "from_year": 2023, "to_year": 2024} for OpenAlex;
    # {"name": "export.csv"} for an import.
    parameters: Mapped[dict[str, Any]] = mapped_column(JSON)
    requested_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    status: Mapped[str] = mapped_column(String(16), default="queued", index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    heartbeat_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    total: Mapped[int | None] = mapped_column(Integer)  # as the service counts them
    processed: Mapped[int] = mapped_column(Integer, default=0)
    created: Mapped[int] = mapped_column(Integer, default=0)
    updated: Mapped[int] = mapped_column(Integer, default=0)
    unchanged: Mapped[int] = mapped_column(Integer, default=0)
    conflicts: Mapped[int] = mapped_column(Integer, default=0)
    unmatched: Mapped[int] = mapped_column(Integer, default=0)  # deposits evidence for nothing
    failed: Mapped[int] = mapped_column(Integer, default=0)
    cursor: Mapped[str | None] = mapped_column(Text)
    # Deferred: the page is read once when its work starts, not with every work's progress.
    page: Mapped[list[Any] | None] = mapped_column(JSON, deferred=True)
    position: Mapped[int] = mapped_column(Integer, default=0)
    # An import's file, as uploaded (deferred: read once, when the job starts).
    upload: Mapped[str | None] = mapped_column(Text, deferred=True)
    # The most recent problems: [{item, record, level, reason, at}], newest last, at most 50.
    problems: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)


class ThemeRule(Base):
    """Administrators' rule: records in this department, or with this keyword (or OpenAlex
    keyword), are suggested this innovation theme."""

    __tablename__ = "theme_rules"
    __table_args__ = (UniqueConstraint("kind", "value", "theme_id", name="uq_theme_rules_rule"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))  # department, keyword
    value: Mapped[str] = mapped_column(String(200))  # a department id, a keyword (lower case)
    theme_id: Mapped[str] = mapped_column(ForeignKey("themes.id"))


class ThemeSuggestion(Base):
    """A theme suggested for a record by the rules, with why; shown until a person confirms
    it (adds it to the record's themes) and never counted as one of its themes."""

    __tablename__ = "theme_suggestions"

    record_id: Mapped[str] = mapped_column(
        ForeignKey("records.id", ondelete="CASCADE"), primary_key=True
    )
    theme_id: Mapped[str] = mapped_column(ForeignKey("themes.id"), primary_key=True)
    reason: Mapped[str] = mapped_column(String(255))
