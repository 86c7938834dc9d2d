"""Worklists: the records someone should act on next.

- ``taverne``: closed (or bronze) publications that may be shared under the Taverne amendment,
  with the date they may be (library staff deposit them);
- ``embargoes``: publications whose repository copy and datasets whose data open within
  ``days`` days;
- ``unknown``: publications whose Open Access status cannot be told from what is recorded;
- ``fair``: published datasets that fail an essential FAIR indicator, with what to fix.

Only published, current versions: what is public anyway.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from sqlalchemy import and_, exists, func, or_, select
from sqlalchemy.orm import Session

from catalogue.models import Dataset, Publication, Record
from catalogue.models.records import record_departments, record_themes

WORKLISTS = {
    "taverne": "Closed publications that may be shared under the Taverne amendment, and when",
    "embargoes": "Repository copies and datasets whose embargo ends within the given days",
    "unknown": "Publications whose Open Access status is unknown",
    "fair": "Published datasets failing an essential FAIR indicator",
    "duplicates": "Publications that may be one work: the same title, year and first author",
}
NOT_PERMANENTLY_OPEN = ("closed", "bronze")


def _status() -> Any:
    return func.coalesce(Publication.oa_override["status"].as_string(), Publication.oa_status)


def _scope(model: Any, themes: tuple[str, ...], departments: tuple[str, ...]) -> list[Any]:
    conditions = [model.status == "published", model.is_latest.is_(True)]
    if themes:
        conditions.append(
            exists().where(
                and_(record_themes.c.record_id == model.id, record_themes.c.theme_id.in_(themes))
            )
        )
    if departments:
        conditions.append(
            exists().where(
                and_(
                    record_departments.c.record_id == model.id,
                    record_departments.c.department_id.in_(departments),
                )
            )
        )
    return conditions


def worklist(
    session: Session,
    name: str,
    today: date,
    days: int = 30,
    themes: tuple[str, ...] = (),
    departments: tuple[str, ...] = (),
    page: int = 1,
    size: int = 50,
) -> dict[str, Any]:
    """One page of a worklist: ``{name, description, total, page, size, items}``."""
    statement: Any
    if name == "taverne":
        statement = (
            select(Publication)
            .where(
                *_scope(Publication, themes, departments),
                Publication.taverne_eligible.is_(True),
                _status().in_(NOT_PERMANENTLY_OPEN),
            )
            .order_by(Publication.taverne_date, Publication.id)
        )
    elif name == "embargoes":
        # Two short lists, merged by the date they open.
        until = today + timedelta(days=days)
        publications = session.scalars(
            select(Publication).where(
                *_scope(Publication, themes, departments),
                Publication.oa_embargoed.is_(True),
                Publication.oa_opens_on <= until,
            )
        )
        datasets = session.scalars(
            select(Dataset).where(
                *_scope(Dataset, themes, departments),
                Dataset.access_right_id == "embargoed",
                Dataset.embargo_until <= until,
            )
        )
        merged = sorted(
            (_item(record, today) for record in [*publications, *datasets]),
            key=lambda item: (item["opens_on"] or "", item["id"]),
        )
        start = (page - 1) * size
        return _page(name, len(merged), page, size, merged[start : start + size])
    elif name == "unknown":
        statement = (
            select(Publication)
            .where(
                *_scope(Publication, themes, departments),
                or_(_status().is_(None), _status() == "unknown"),
            )
            .order_by(Publication.publication_year.desc(), Publication.id)
        )
    elif name == "fair":
        statement = (
            select(Dataset)
            .where(
                *_scope(Dataset, themes, departments),
                Dataset.fair_essential_passed.is_not(True),
            )
            .order_by(Dataset.fair_score, Dataset.id)
        )
    elif name == "duplicates":
        shared = (
            select(Publication.match_key)
            .where(*_scope(Publication, (), ()), Publication.match_key.is_not(None))
            .group_by(Publication.match_key)
            .having(func.count() > 1)
        )
        statement = (
            select(Publication)
            .where(*_scope(Publication, themes, departments), Publication.match_key.in_(shared))
            .order_by(Publication.match_key, Publication.id)
        )
    else:
        raise KeyError(name)
    total = session.scalar(select(func.count()).select_from(statement.order_by(None).subquery()))
    records = list(session.scalars(statement.offset((page - 1) * size).limit(size)))
    items = [_item(record, today) for record in records]
    if name == "duplicates":
        _same_as(session, records, items)
    return _page(name, total or 0, page, size, items)


def _same_as(session: Session, records: list[Publication], items: list[dict[str, Any]]) -> None:
    """Each listed publication with the others sharing its title, year and first author."""
    keys = {record.match_key for record in records}
    groups: dict[str | None, list[str]] = {}
    rows = session.execute(
        select(Publication.match_key, Publication.id)
        .where(*_scope(Publication, (), ()), Publication.match_key.in_(keys))
        .order_by(Publication.id)
    )
    for key, record_id in rows:
        groups.setdefault(key, []).append(record_id)
    for record, item in zip(records, items, strict=True):
        item["same_as"] = [
            other for other in groups.get(record.match_key, []) if other != record.id
        ]


def _page(name: str, total: int, page: int, size: int, items: list[Any]) -> dict[str, Any]:
    return {
        "name": name,
        "description": WORKLISTS[name],
        "total": total,
        "page": page,
        "size": size,
        "items": items,
    }


def _item(record: Record, today: date) -> dict[str, Any]:
    item: dict[str, Any] = {
        "id": record.id,
        "kind": record.kind,
        "title": record.title,
        "doi": record.doi,
        "publication_year": record.publication_year,
        "themes": record.theme_ids,
        "departments": record.department_ids,
    }
    if isinstance(record, Publication):
        opens = record.oa_opens_on
        item |= {
            "status": record.effective_oa_status,
            "taverne_date": record.taverne_date.isoformat() if record.taverne_date else None,
            "shareable_now": bool(record.taverne_date and record.taverne_date <= today),
            "opens_on": opens.isoformat() if opens else None,
        }
    elif isinstance(record, Dataset):
        assessment = record.fair_assessment or {}
        item |= {
            "opens_on": record.embargo_until.isoformat() if record.embargo_until else None,
            "fair_score": record.fair_score,
            "essential_gaps": assessment.get("essential_gaps", []),
            "hints": [gap["hint"] for gap in assessment.get("gaps", [])],
        }
    return item
