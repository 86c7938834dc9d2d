"""The relational model: PostgreSQL (or SQLite when embedded) is the source of truth."""

from catalogue.models.accounts import (
    REQUEST_STATUSES,
    AccessRequest,
    ApiToken,
    LoginSession,
    RecordEditor,
    SeenLogoutToken,
    User,
    UserRole,
)
from catalogue.models.base import Base, utcnow
from catalogue.models.enrichment import EnrichmentAnswer, EnrichmentJob, ServiceBudget
from catalogue.models.harvest import (
    HarvestJob,
    RecordIdentifier,
    RecordSource,
    ThemeRule,
    ThemeSuggestion,
)
from catalogue.models.outbox import OutboxEntry, SearchDocument
from catalogue.models.people import Person
from catalogue.models.records import (
    KINDS,
    STATUSES,
    AuditEvent,
    Creator,
    Dataset,
    Distribution,
    FairGap,
    FundingReference,
    Journal,
    NationalDeal,
    Publication,
    Record,
    RelatedIdentifier,
    ReportSnapshot,
)
from catalogue.models.vocabularies import AccessRight, Department, Licence, ResourceType, Theme

VOCABULARY_TABLES = frozenset(
    {"themes", "departments", "licences", "resource_types", "access_rights"}
)


def data_tables() -> list[str]:
    """Every table but the vocabularies, dependents first: what emptying a catalogue empties."""
    return [
        table.name
        for table in reversed(Base.metadata.sorted_tables)
        if table.name not in VOCABULARY_TABLES
    ]


__all__ = [
    "KINDS",
    "REQUEST_STATUSES",
    "STATUSES",
    "AccessRequest",
    "AccessRight",
    "ApiToken",
    "AuditEvent",
    "Base",
    "Creator",
    "Dataset",
    "Department",
    "Distribution",
    "EnrichmentAnswer",
    "EnrichmentJob",
    "FairGap",
    "FundingReference",
    "HarvestJob",
    "Journal",
    "Licence",
    "LoginSession",
    "NationalDeal",
    "OutboxEntry",
    "Person",
    "Publication",
    "Record",
    "RecordEditor",
    "RecordIdentifier",
    "RecordSource",
    "RelatedIdentifier",
    "ReportSnapshot",
    "ResourceType",
    "SearchDocument",
    "SeenLogoutToken",
    "ServiceBudget",
    "Theme",
    "ThemeRule",
    "ThemeSuggestion",
    "User",
    "UserRole",
    "data_tables",
    "utcnow",
]
