"""The people register: who works in which department, and when (the HR system's export).

One row per person and period: a move to another department is a new row.  A harvested
publication is assigned the departments its institutional authors (known by ORCID iD) were
in on its publication date (:mod:`catalogue.services.people`).
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import Date, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from catalogue.models.base import Base


class Person(Base):
    __tablename__ = "people"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    orcid: Mapped[str | None] = mapped_column(String(19), index=True)
    email: Mapped[str | None] = mapped_column(String(255), index=True)
    name: Mapped[str | None] = mapped_column(String(255))
    department_id: Mapped[str] = mapped_column(ForeignKey("departments.id"))
    # The period in the department, both days included; open ends are None.
    from_date: Mapped[date | None] = mapped_column(Date)
    until_date: Mapped[date | None] = mapped_column(Date)
