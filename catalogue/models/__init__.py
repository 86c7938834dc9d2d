"""The relational model: PostgreSQL (or SQLite when embedded) is the source of truth."""

from catalogue.models.base import Base, utcnow
from catalogue.models.outbox import OutboxEntry, SearchDocument
from catalogue.models.records import (
    KINDS,
    STATUSES,
    AuditEvent,
    Creator,
    Dataset,
    Distribution,
    FundingReference,
    Journal,
    Publication,
    Record,
    RelatedIdentifier,
    User,
)
from catalogue.models.vocabularies import AccessRight, Department, Licence, ResourceType, Theme

__all__ = [
    "KINDS",
    "STATUSES",
    "AccessRight",
    "AuditEvent",
    "Base",
    "Creator",
    "Dataset",
    "Department",
    "Distribution",
    "FundingReference",
    "Journal",
    "Licence",
    "OutboxEntry",
    "Publication",
    "Record",
    "RelatedIdentifier",
    "ResourceType",
    "SearchDocument",
    "Theme",
    "User",
    "utcnow",
]
