"""The people register: replaced from the HR system's CSV, read to place works in departments.

CSV columns: ``orcid`` and/or ``email`` (one is needed), ``name``, ``department`` (a
department id), ``from`` and ``until`` (YYYY-MM-DD, both days included; empty: open).  A file
replaces the whole register, and only when every row is right: a register missing the people
of one bad row would quietly take their publications out of their departments.

A work's departments are those its authors (known by ORCID iD; a row with only an email is
known by the ORCID iD of the catalogue user with that email) were in on its publication date.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Mapping
from datetime import date
from typing import Any

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from catalogue.domain.errors import InvalidInput
from catalogue.models import Department, Person, User
from schemas.identifiers import normalise_orcid

COLUMNS = ("orcid", "email", "name", "department", "from", "until")
_CACHE = "people register"


def replace_register(session: Session, text: str) -> int:
    """The register replaced by the CSV ``text``; how many rows it holds now.  Raises
    InvalidInput naming each bad row's line and field, and then changes nothing."""
    reader = csv.DictReader(io.StringIO(text))
    names = [name.strip().lower() for name in reader.fieldnames or []]
    if "department" not in names or not {"orcid", "email"} & set(names):
        raise InvalidInput(
            {"file": [f"The first line must name the columns: {', '.join(COLUMNS)}."]}
        )
    departments = set(session.scalars(select(Department.id)))
    people: list[Person] = []
    problems: dict[str, list[str]] = {}
    for record in reader:
        row = {(k or "").strip().lower(): (v or "").strip() for k, v in record.items() if k}
        line = f"line {reader.line_num}"
        try:
            people.append(_person(row, departments))
        except ValueError as exc:
            problems.setdefault(line, []).append(str(exc))
    if problems:
        raise InvalidInput(problems, "Nothing was changed: correct these rows first.")
    session.execute(delete(Person))
    session.add_all(people)
    session.flush()
    session.info.pop(_CACHE, None)
    return len(people)


def _person(row: Mapping[str, str], departments: set[str]) -> Person:
    orcid = row.get("orcid") or None
    if orcid:
        try:
            orcid = normalise_orcid(orcid)
        except ValueError as exc:
            raise ValueError(f"orcid: {exc}") from exc
    email = (row.get("email") or "").lower() or None
    if not (orcid or email):
        raise ValueError("orcid or email: give at least one")
    department = row.get("department", "")
    if department not in departments:
        raise ValueError(f"department: unknown {department!r}; see /api/vocabularies/departments")
    start, end = _day(row.get("from"), "from"), _day(row.get("until"), "until")
    if start and end and end < start:
        raise ValueError("until: before from")
    return Person(
        orcid=orcid,
        email=email,
        name=row.get("name") or None,
        department_id=department,
        from_date=start,
        until_date=end,
    )


def _day(value: str | None, name: str) -> date | None:
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError as exc:
        raise ValueError(f"{name}: {value!r} is not a date (YYYY-MM-DD)") from exc


def departments_on(session: Session, creators: Iterable[Mapping[str, Any]], day: Any) -> list[str]:
    """The departments the creators (by ORCID iD) were in on ``day`` (an ISO date or a
    date; none without one)."""
    if not day:
        return []
    on = day if isinstance(day, date) else _day(str(day), "day")
    periods = _register(session)
    found = {
        department
        for creator in creators
        for department, start, end in periods.get(str(creator.get("orcid") or ""), [])
        if on is not None and (start is None or start <= on) and (end is None or on <= end)
    }
    return sorted(found)


def _register(session: Session) -> dict[str, list[tuple[str, date | None, date | None]]]:
    """ORCID iD -> [(department, from, until)], read once per session."""
    cached: dict[str, list[tuple[str, date | None, date | None]]] | None = session.info.get(_CACHE)
    if cached is not None:
        return cached
    with_both = select(func.lower(User.email), User.orcid).where(
        User.email.is_not(None), User.orcid.is_not(None)
    )
    users: dict[str, str] = {email: orcid for email, orcid in session.execute(with_both)}
    register: dict[str, list[tuple[str, date | None, date | None]]] = {}
    for person in session.scalars(select(Person)):
        orcid = person.orcid or users.get(person.email or "")
        if orcid:
            register.setdefault(orcid, []).append(
                (person.department_id, person.from_date, person.until_date)
            )
    session.info[_CACHE] = register
    return register
