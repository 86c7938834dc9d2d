"""The records harvesters page through (the DCAT catalogue, OAI-PMH, the FAIR Data Point):
published ones (and withdrawn ones, for protocols that report deletions), never drafts.

Pages are in record-id order and continue after the last id seen (keyset paging): a record
that changes during a harvest keeps its place, so a harvest neither skips nor repeats it,
and each page costs the same however deep it is.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session, selectinload, with_polymorphic

from catalogue.models import Dataset, Publication, Record
from catalogue.models.records import record_departments, record_themes

_ANY = with_polymorphic(Record, [Dataset, Publication])


@dataclass(frozen=True)
class Selection:
    """Which records: kinds, a theme or department (OAI sets), changed since/until."""

    kind: str | None = None
    theme: str | None = None
    department: str | None = None
    since: datetime | None = None
    until: datetime | None = None
    with_withdrawn: bool = False


def _where(query: Select[Any], chosen: Selection) -> Select[Any]:
    statuses = ("published", "withdrawn") if chosen.with_withdrawn else ("published",)
    query = query.where(_ANY.status.in_(statuses))
    if chosen.kind:
        query = query.where(_ANY.kind == chosen.kind)
    if chosen.theme:
        query = query.where(
            _ANY.id.in_(
                select(record_themes.c.record_id).where(record_themes.c.theme_id == chosen.theme)
            )
        )
    if chosen.department:
        members = select(record_departments.c.record_id).where(
            record_departments.c.department_id == chosen.department
        )
        query = query.where(_ANY.id.in_(members))
    if chosen.since:
        query = query.where(_ANY.updated_at >= chosen.since)
    if chosen.until:
        query = query.where(_ANY.updated_at <= chosen.until)
    return query


def page(session: Session, chosen: Selection, after: str | None, limit: int) -> Sequence[Record]:
    """Up to ``limit`` records after id ``after``, with what their wire form shows loaded."""
    query = _where(select(_ANY), chosen).order_by(_ANY.id).limit(limit)
    if after:
        query = query.where(_ANY.id > after)
    query = query.options(
        selectinload(_ANY.themes),
        selectinload(_ANY.departments),
        selectinload(_ANY.creators),
        selectinload(_ANY.contributors),
        selectinload(_ANY.related_identifiers),
        selectinload(_ANY.funding),
        selectinload(_ANY.Dataset.distributions),
        selectinload(_ANY.Dataset.fair_gaps),
        selectinload(_ANY.Publication.journal),
    )
    return list(session.scalars(query))


def count(session: Session, chosen: Selection) -> int:
    query = _where(select(func.count()).select_from(_ANY), chosen)
    return session.scalar(query) or 0


def earliest_change(session: Session) -> datetime | None:
    return first_and_last_change(session)[0]


def first_and_last_change(session: Session) -> tuple[datetime | None, datetime | None]:
    """When the first harvestable record changed, and the last one."""
    row = session.execute(
        select(func.min(Record.updated_at), func.max(Record.updated_at)).where(
            Record.status.in_(("published", "withdrawn"))
        )
    ).one()
    return row[0], row[1]
