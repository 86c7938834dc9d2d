"""Managed vocabularies: innovation themes, departments, licences, resource types, access rights."""

from __future__ import annotations

from sqlalchemy import Boolean, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from catalogue.models.base import Base


class Theme(Base):
    __tablename__ = "themes"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    group: Mapped[str] = mapped_column(String(32))
    label: Mapped[str] = mapped_column(String(200))
    retired: Mapped[bool] = mapped_column(Boolean, default=False)


class Department(Base):
    __tablename__ = "departments"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    label: Mapped[str] = mapped_column(String(200))
    retired: Mapped[bool] = mapped_column(Boolean, default=False)


class Licence(Base):
    """An SPDX licence; loaded from the SPDX licence list package."""

    __tablename__ = "licences"

    id: Mapped[str] = mapped_column(String(100), primary_key=True)
    name: Mapped[str] = mapped_column(Text)
    url: Mapped[str] = mapped_column(String(300))
    osi_approved: Mapped[bool] = mapped_column(Boolean, default=False)
    deprecated: Mapped[bool] = mapped_column(Boolean, default=False)


class ResourceType(Base):
    """A DataCite resourceTypeGeneral value, registered either as a dataset or a publication."""

    __tablename__ = "resource_types"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    label: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(16))


class AccessRight(Base):
    """A COAR access-right term."""

    __tablename__ = "access_rights"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    coar: Mapped[str] = mapped_column(String(16), unique=True)
    label: Mapped[str] = mapped_column(String(100))
