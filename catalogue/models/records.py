"""Datasets and publications.

Joined-table inheritance: ``records`` holds the metadata both kinds share (named after the
DataCite metadata schema), ``datasets`` and ``publications`` hold what is specific to each.
Every version of a work is its own row; versions of one work share a ``concept_id``.
``revision`` is the row version counter: SQLAlchemy refuses to write over a newer row, and
the API exposes it as the ETag.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    CheckConstraint,
    Column,
    Date,
    Float,
    ForeignKey,
    Index,
    Integer,
    Numeric,
    String,
    Table,
    Text,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from catalogue.models.accounts import User
from catalogue.models.base import Base, UTCDateTime, new_record_id, utcnow
from catalogue.models.vocabularies import Department, Theme

if TYPE_CHECKING:
    from catalogue.models.harvest import RecordIdentifier, ThemeSuggestion

STATUSES = ("draft", "published", "withdrawn")
# The kept identifiers a record shows (the others are the catalogue's own bookkeeping).
PUBLIC_SCHEMES = ("pmid", "openalex")
KINDS = ("dataset", "publication")

record_themes = Table(
    "record_themes",
    Base.metadata,
    Column("record_id", ForeignKey("records.id", ondelete="CASCADE"), primary_key=True),
    Column("theme_id", ForeignKey("themes.id"), primary_key=True, index=True),
)

record_departments = Table(
    "record_departments",
    Base.metadata,
    Column("record_id", ForeignKey("records.id", ondelete="CASCADE"), primary_key=True),
    Column("department_id", ForeignKey("departments.id"), primary_key=True, index=True),
)


class Journal(Base):
    """A journal in the register: identifiers, DOAJ membership and article processing charge."""

    __tablename__ = "journals"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    title: Mapped[str] = mapped_column(Text)
    issn: Mapped[str | None] = mapped_column(String(9), unique=True)
    eissn: Mapped[str | None] = mapped_column(String(9), unique=True)
    publisher: Mapped[str | None] = mapped_column(Text)
    in_doaj: Mapped[bool] = mapped_column(Boolean, default=False)
    apc_amount: Mapped[Decimal | None] = mapped_column(Numeric(12, 2))
    apc_currency: Mapped[str | None] = mapped_column(String(3))
    doaj_as_of: Mapped[date | None] = mapped_column(Date)
    # Fully Open Access by another source's word (OpenAlex's ``is_oa``), for journals DOAJ does
    # not list: which source said so, and when.
    fully_oa: Mapped[bool | None] = mapped_column(Boolean)
    fully_oa_source: Mapped[str | None] = mapped_column(String(32))
    fully_oa_as_of: Mapped[date | None] = mapped_column(Date)


class Record(Base):
    __tablename__ = "records"
    __table_args__ = (
        CheckConstraint(f"status IN {STATUSES!r}", name="status"),
        CheckConstraint(f"kind IN {KINDS!r}", name="kind"),
        # Two requests for a new version at the same moment must not both make "version 2".
        Index("uq_records_concept_version", "concept_id", "version_number", unique=True),
        # ...nor each start a draft of it: one open draft per work (new versions read the
        # highest number before writing, so two could otherwise take 2 and 3).
        Index(
            "uq_records_open_draft",
            "concept_id",
            unique=True,
            postgresql_where=text("status = 'draft'"),
            sqlite_where=text("status = 'draft'"),
        ),
    )

    id: Mapped[str] = mapped_column(String(16), primary_key=True, default=new_record_id)
    kind: Mapped[str] = mapped_column(String(16))
    concept_id: Mapped[str] = mapped_column(String(16), index=True)
    version_number: Mapped[int] = mapped_column(Integer, default=1)
    is_latest: Mapped[bool] = mapped_column(Boolean, default=True)
    status: Mapped[str] = mapped_column(String(16), default="draft", index=True)
    revision: Mapped[int] = mapped_column(Integer)

    doi: Mapped[str | None] = mapped_column(String(255), unique=True)
    title: Mapped[str] = mapped_column(Text)
    description: Mapped[str | None] = mapped_column(Text)
    publisher: Mapped[str | None] = mapped_column(Text)
    publication_date: Mapped[date | None] = mapped_column(Date)
    publication_year: Mapped[int | None] = mapped_column(Integer, index=True)
    resource_type_id: Mapped[str] = mapped_column(ForeignKey("resource_types.id"), index=True)
    language: Mapped[str | None] = mapped_column(String(8))
    version: Mapped[str | None] = mapped_column(String(64))
    license_id: Mapped[str | None] = mapped_column(ForeignKey("licences.id"))
    keywords: Mapped[list[str]] = mapped_column(JSON, default=list)
    subjects: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    dates: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    # Title, year and first author's family name, fingerprinted (catalogue.domain.matching):
    # records sharing it are listed as possible duplicates.
    match_key: Mapped[str | None] = mapped_column(String(40), index=True)

    owner_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    withdrawn_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    withdrawal_reason: Mapped[str | None] = mapped_column(Text)

    owner: Mapped[User | None] = relationship()
    themes: Mapped[list[Theme]] = relationship(secondary=record_themes, order_by=Theme.id)
    departments: Mapped[list[Department]] = relationship(
        secondary=record_departments, order_by=Department.id
    )
    creators: Mapped[list[Creator]] = relationship(
        primaryjoin="and_(Creator.record_id == Record.id, Creator.role == 'creator')",
        order_by="Creator.position",
        cascade="all, delete-orphan",
        overlaps="contributors",
    )
    contributors: Mapped[list[Creator]] = relationship(
        primaryjoin="and_(Creator.record_id == Record.id, Creator.role != 'creator')",
        order_by="Creator.position",
        cascade="all, delete-orphan",
        overlaps="creators",
    )
    related_identifiers: Mapped[list[RelatedIdentifier]] = relationship(
        order_by="RelatedIdentifier.position", cascade="all, delete-orphan"
    )
    funding: Mapped[list[FundingReference]] = relationship(
        order_by="FundingReference.position", cascade="all, delete-orphan"
    )
    theme_suggestions: Mapped[list[ThemeSuggestion]] = relationship(
        order_by="ThemeSuggestion.theme_id", cascade="all, delete-orphan"
    )
    # The other identifiers the work is known by (kept by harvests), read only here.
    known_identifiers: Mapped[list[RecordIdentifier]] = relationship(
        order_by="RecordIdentifier.scheme", viewonly=True
    )

    __mapper_args__ = {
        "polymorphic_on": "kind",
        "version_id_col": revision,
    }

    # Read-only views used when the record is shown on the wire.
    @property
    def theme_ids(self) -> list[str]:
        return [theme.id for theme in self.themes]

    @property
    def department_ids(self) -> list[str]:
        return [department.id for department in self.departments]

    @property
    def alternate_identifiers(self) -> list[dict[str, str]]:
        """PubMed and OpenAlex ids of the work (what DataCite calls alternate identifiers)."""
        return [
            {"scheme": known.scheme, "identifier": known.value}
            for known in self.known_identifiers
            if known.scheme in PUBLIC_SCHEMES
        ]

    @property
    def suggested_themes(self) -> list[dict[str, str]]:
        """The themes the rules suggest that no person has confirmed yet, with why."""
        confirmed = set(self.theme_ids)
        return [
            {"theme": s.theme_id, "reason": s.reason}
            for s in self.theme_suggestions
            if s.theme_id not in confirmed
        ]

    @property
    def withdrawal(self) -> dict[str, Any] | None:
        if self.status != "withdrawn":
            return None
        return {"reason": self.withdrawal_reason, "date": self.withdrawn_at}


class Dataset(Record):
    __tablename__ = "datasets"

    id: Mapped[str] = mapped_column(ForeignKey("records.id", ondelete="CASCADE"), primary_key=True)
    access_right_id: Mapped[str] = mapped_column(ForeignKey("access_rights.id"), default="open")
    embargo_until: Mapped[date | None] = mapped_column(Date)
    contact_name: Mapped[str | None] = mapped_column(String(255))
    contact_email: Mapped[str | None] = mapped_column(String(255))
    temporal_start: Mapped[date | None] = mapped_column(Date)
    temporal_end: Mapped[date | None] = mapped_column(Date)
    spatial_coverage: Mapped[str | None] = mapped_column(Text)
    personal_data: Mapped[bool] = mapped_column(Boolean, default=False)
    health_data: Mapped[bool] = mapped_column(Boolean, default=False)
    applicable_legislation: Mapped[list[str]] = mapped_column(JSON, default=list)

    # The FAIR assessment (catalogue.domain.fair), computed whenever the dataset is saved; the
    # optional network checks' results (does the DOI resolve...) are kept apart, never guessed.
    fair_score: Mapped[float | None] = mapped_column(Float)
    fair_essential_passed: Mapped[bool | None] = mapped_column(Boolean, index=True)
    fair_assessment: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    fair_assessed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    fair_network: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    # What the FAIR report counts, as whole tenths of a percent: sums stay exact, so SQL and
    # Elasticsearch give the same means.  ``fair_bucket``: the score's decile (0, 10 ... 90).
    fair_score10: Mapped[int | None] = mapped_column(Integer)
    fair_f10: Mapped[int | None] = mapped_column(Integer)
    fair_a10: Mapped[int | None] = mapped_column(Integer)
    fair_i10: Mapped[int | None] = mapped_column(Integer)
    fair_r10: Mapped[int | None] = mapped_column(Integer)
    fair_bucket: Mapped[int | None] = mapped_column(Integer)
    fair_gaps: Mapped[list[FairGap]] = relationship(cascade="all, delete-orphan")

    distributions: Mapped[list[Distribution]] = relationship(
        order_by="Distribution.position", cascade="all, delete-orphan"
    )

    __mapper_args__ = {"polymorphic_identity": "dataset"}

    @property
    def contact_point(self) -> dict[str, Any] | None:
        if not self.contact_email:
            return None
        return {"name": self.contact_name, "email": self.contact_email}

    @property
    def temporal_coverage(self) -> dict[str, Any] | None:
        if not (self.temporal_start or self.temporal_end):
            return None
        return {"start": self.temporal_start, "end": self.temporal_end}


class FairGap(Base):
    """A FAIR test a dataset fails (one row each), for the report's most frequent gaps."""

    __tablename__ = "fair_gaps"

    dataset_id: Mapped[str] = mapped_column(
        ForeignKey("datasets.id", ondelete="CASCADE"), primary_key=True
    )
    test_id: Mapped[str] = mapped_column(String(32), primary_key=True, index=True)


class ReportSnapshot(Base):
    """A report's figures frozen on a date: later changes to the records do not alter it."""

    __tablename__ = "report_snapshots"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    report: Mapped[str] = mapped_column(String(32))
    year: Mapped[int] = mapped_column(Integer, index=True)
    parameters: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    taken_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    taken_by: Mapped[str | None] = mapped_column(String(255))
    figures: Mapped[dict[str, Any]] = mapped_column(JSON)


class Publication(Record):
    __tablename__ = "publications"

    id: Mapped[str] = mapped_column(ForeignKey("records.id", ondelete="CASCADE"), primary_key=True)
    journal_id: Mapped[int | None] = mapped_column(ForeignKey("journals.id"), index=True)
    peer_reviewed: Mapped[bool | None] = mapped_column(Boolean)
    publisher_free_to_read: Mapped[bool | None] = mapped_column(Boolean)
    publisher_license_id: Mapped[str | None] = mapped_column(ForeignKey("licences.id"))
    deposit_version: Mapped[str | None] = mapped_column(String(16))
    deposit_url: Mapped[str | None] = mapped_column(Text)
    deposit_embargo_until: Mapped[date | None] = mapped_column(Date)
    short_work: Mapped[bool | None] = mapped_column(Boolean)
    publicly_funded: Mapped[bool | None] = mapped_column(Boolean)
    deposit_license_id: Mapped[str | None] = mapped_column(ForeignKey("licences.id"))

    # The Open Access classification computed from the fields above (catalogue.domain.openaccess),
    # as of ``oa_as_of``; ``oa_override`` is a librarian's correction, kept beside it.
    oa_status: Mapped[str | None] = mapped_column(String(16), index=True)
    oa_category: Mapped[str | None] = mapped_column(String(16))
    oa_embargoed: Mapped[bool] = mapped_column(Boolean, default=False)
    oa_opens_on: Mapped[date | None] = mapped_column(Date)
    taverne_eligible: Mapped[bool] = mapped_column(Boolean, default=False)
    taverne_date: Mapped[date | None] = mapped_column(Date)
    plan_s_compliant: Mapped[bool] = mapped_column(Boolean, default=False)
    oa_as_of: Mapped[date | None] = mapped_column(Date)
    oa_rules: Mapped[list[str]] = mapped_column(JSON, default=list)
    oa_override: Mapped[dict[str, Any] | None] = mapped_column(JSON)

    journal: Mapped[Journal | None] = relationship()

    __mapper_args__ = {"polymorphic_identity": "publication"}

    @property
    def effective_oa_status(self) -> str | None:
        """The librarian's status when overridden, else the computed one."""
        return (self.oa_override or {}).get("status") or self.oa_status

    @property
    def open_access(self) -> dict[str, Any] | None:
        if self.oa_status is None:
            return None
        override = self.oa_override
        return {
            "status": self.effective_oa_status,
            "category": (override or {}).get("category") or self.oa_category,
            "embargoed": self.oa_embargoed,
            "opens_on": self.oa_opens_on,
            "taverne_eligible": self.taverne_eligible,
            "taverne_date": self.taverne_date,
            "plan_s_compliant": self.plan_s_compliant,
            "as_of": self.oa_as_of,
            "rules": self.oa_rules,
            "computed": {"status": self.oa_status, "category": self.oa_category},
            "override": override,
        }

    @property
    def deposit(self) -> dict[str, Any] | None:
        if not self.deposit_url:
            return None
        return {
            "version": self.deposit_version,
            "url": self.deposit_url,
            "embargo_until": self.deposit_embargo_until,
            "license_id": self.deposit_license_id,
        }


class NationalDeal(Base):
    """A journal (by ISSN) or an article (by DOI) covered by a national publisher deal."""

    __tablename__ = "national_deals"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    identifier: Mapped[str] = mapped_column(String(255), unique=True)
    scheme: Mapped[str] = mapped_column(String(8))
    deal: Mapped[str] = mapped_column(Text)


class Creator(Base):
    """A creator (``role='creator'``) or contributor (``role`` = DataCite contributorType)."""

    __tablename__ = "record_creators"

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    record_id: Mapped[str] = mapped_column(ForeignKey("records.id", ondelete="CASCADE"), index=True)
    role: Mapped[str] = mapped_column(String(32), default="creator")
    position: Mapped[int] = mapped_column(Integer)
    name: Mapped[str] = mapped_column(String(255))
    given_name: Mapped[str | None] = mapped_column(String(255))
    family_name: Mapped[str | None] = mapped_column(String(255))
    orcid: Mapped[str | None] = mapped_column(String(19), index=True)
    affiliations: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)


class RelatedIdentifier(Base):
    __tablename__ = "related_identifiers"

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    record_id: Mapped[str] = mapped_column(ForeignKey("records.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    identifier: Mapped[str] = mapped_column(Text)
    scheme: Mapped[str] = mapped_column(String(32))
    relation_type: Mapped[str] = mapped_column(String(64))
    resource_type: Mapped[str | None] = mapped_column(String(64))


class FundingReference(Base):
    __tablename__ = "funding_references"

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    record_id: Mapped[str] = mapped_column(ForeignKey("records.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    funder_name: Mapped[str] = mapped_column(Text)
    funder_identifier: Mapped[str | None] = mapped_column(String(255))
    award_number: Mapped[str | None] = mapped_column(String(255))
    award_title: Mapped[str | None] = mapped_column(Text)


class Distribution(Base):
    """Where a dataset's data can be had: the catalogue links to data, it does not hold it."""

    __tablename__ = "distributions"

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    dataset_id: Mapped[str] = mapped_column(
        ForeignKey("datasets.id", ondelete="CASCADE"), index=True
    )
    position: Mapped[int] = mapped_column(Integer)
    title: Mapped[str | None] = mapped_column(Text)
    access_url: Mapped[str] = mapped_column(Text)
    download_url: Mapped[str | None] = mapped_column(Text)
    media_type: Mapped[str | None] = mapped_column(String(255))
    format: Mapped[str | None] = mapped_column(String(64))
    byte_size: Mapped[int | None] = mapped_column(BigInteger)
    checksum: Mapped[str | None] = mapped_column(String(200))


class AuditEvent(Base):
    """Who did what to which record, when, and which fields changed (before and after)."""

    __tablename__ = "audit_events"

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    # Not a foreign key: the history of a discarded draft outlives the draft.
    record_id: Mapped[str | None] = mapped_column(String(16), index=True)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    action: Mapped[str] = mapped_column(String(32))
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    revision: Mapped[int | None] = mapped_column(Integer)
    changes: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)

    actor: Mapped[User | None] = relationship()
