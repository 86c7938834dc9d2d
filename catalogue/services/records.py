"""The record service: the rules of the record lifecycle, in one place.

draft -> published -> (new version: a new draft of the same concept) ... -> withdrawn.
Every change checks the caller's permission and the revision the caller last saw, and
writes an audit event in the same transaction.  Services never commit: the caller's unit
of work does, so a failure anywhere leaves nothing half-saved.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from datetime import date
from typing import Any, Generic, TypeVar

from marshmallow import Schema
from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

from catalogue.domain.errors import (
    Conflict,
    Forbidden,
    InvalidInput,
    NotAuthenticated,
    NotFound,
    PreconditionFailed,
)
from catalogue.domain.matching import work_key
from catalogue.models import (
    AuditEvent,
    Creator,
    Dataset,
    Department,
    Distribution,
    FundingReference,
    Journal,
    Publication,
    Record,
    RelatedIdentifier,
    Theme,
    utcnow,
)
from catalogue.services import documents, permissions
from catalogue.services.audit import record_event
from catalogue.services.fair import assess_dataset
from catalogue.services.openaccess import classify_publication, set_override
from catalogue.services.permissions import Identity
from schemas.records import DatasetSchema, PublicationSchema, editable_part

R = TypeVar("R", bound=Record)
RECORD_ID = re.compile(r"^[0-9a-z]{5}-[0-9a-z]{5}$")

# Fields copied from the loaded input straight onto columns of the same name.
_SCALARS = {
    "shared": (
        "doi",
        "title",
        "description",
        "publisher",
        "publication_date",
        "language",
        "version",
        "license_id",
        "keywords",
        "resource_type_id",
    ),
    "dataset": (
        "access_right_id",
        "embargo_until",
        "spatial_coverage",
        "personal_data",
        "health_data",
        "applicable_legislation",
    ),
    "publication": (
        "peer_reviewed",
        "publisher_free_to_read",
        "publisher_license_id",
        "short_work",
        "publicly_funded",
    ),
}


# How the databases name the unique indexes a version race runs into (PostgreSQL names the
# index, SQLite its columns).
_VERSION_RACE = ("version_number", "uq_records_open_draft", "records.concept_id")


class RecordService(Generic[R]):
    """Lifecycle of one kind of record (datasets or publications)."""

    def __init__(self, model: type[R], kind: str, schema: Schema) -> None:
        self.model = model
        self.kind = kind
        self.schema = schema

    # -- reading -------------------------------------------------------------------------

    def read(self, session: Session, identity: Identity, record_id: str) -> R:
        record = session.get(self.model, record_id) if RECORD_ID.match(record_id) else None
        if record is None or not permissions.can_read(identity, record):
            # Same answer for "absent" and "not yours": a draft's existence does not leak.
            raise NotFound(f"No {self.kind} with id {record_id!r}.")
        return record

    def eager_options(self) -> list[Any]:
        """Loader options that fetch everything shown about a record in a few queries."""
        options: list[Any] = [
            selectinload(self.model.themes),
            selectinload(self.model.departments),
            selectinload(self.model.creators),
            selectinload(self.model.contributors),
            selectinload(self.model.related_identifiers),
            selectinload(self.model.funding),
            selectinload(self.model.known_identifiers),
        ]
        if self.model is Dataset:
            options.append(selectinload(Dataset.distributions))
            options.append(selectinload(Dataset.fair_gaps))
        if self.model is Publication:
            options.append(selectinload(Publication.journal))
            options.append(selectinload(Publication.theme_suggestions))
        return options

    def versions(self, session: Session, identity: Identity, record_id: str) -> list[R]:
        record = self.read(session, identity, record_id)
        rows = session.scalars(
            select(self.model)
            .where(self.model.concept_id == record.concept_id)
            .where(permissions.read_filter(identity, self.kind))
            .order_by(self.model.version_number)
        ).all()
        return list(rows)

    def history(self, session: Session, identity: Identity, record_id: str) -> list[AuditEvent]:
        record = self.read(session, identity, record_id)
        if not permissions.can_see_history(identity, record):
            raise Forbidden("Only the record's editors and curators may see its history.")
        rows = session.scalars(
            select(AuditEvent)
            .where(AuditEvent.record_id == record.id)
            .options(selectinload(AuditEvent.actor))
            .order_by(AuditEvent.id)
        ).all()
        return list(rows)

    # -- writing -------------------------------------------------------------------------

    def create(
        self,
        session: Session,
        identity: Identity,
        data: dict[str, Any],
        publish: bool = False,
        sources: Mapping[str, str] | None = None,
        as_found: bool = False,
    ) -> R:
        """Register a draft; with ``publish``, register and publish it in one write (imports,
        the demo): the checks of both steps and both audit events, one revision.

        ``sources`` names where each field came from (a harvest), for the audit trail.  With
        ``as_found``, a work already published elsewhere is published as it was found: the
        checks that ask the person registering for more (a theme, a creator) do not hold it
        back; its themes are suggested and confirmed later."""
        if not permissions.can_create(identity):
            raise NotAuthenticated("Log in to register records.")
        record = self.model(kind=self.kind, status="draft", owner_id=identity.user_id)
        record.id = record.id or _fresh_id(session)
        record.concept_id = record.id
        record.version_number = 1
        record.is_latest = True
        with session.no_autoflush:  # a duplicate DOI must surface in _flush, as a 409
            self._apply(session, record, data)
        session.add(record)
        if not publish:
            self._flush(session, record)
            self._audit(
                session,
                identity,
                record,
                "create",
                {},
                self.editable_fields(record),
                sources=sources,
            )
            return record
        if not as_found:
            self._check_publishable(record)  # before anything is written: nothing half-saved
        draft = self.editable_fields(record)
        self._mark_published(record, previous=[], as_found=as_found)
        self._flush(session, record)
        self._audit(session, identity, record, "create", {}, draft, sources=sources)
        self._audit(session, identity, record, "publish", draft, self.editable_fields(record))
        return record

    def update(
        self,
        session: Session,
        identity: Identity,
        record_id: str,
        data: dict[str, Any],
        if_match: int | None,
    ) -> R:
        record = self._editable(
            session, identity, record_id, if_match, allowed=permissions.can_edit_open_access
        )
        return self._change(session, identity, record, data, "update")

    def enrich(
        self,
        session: Session,
        identity: Identity,
        record_id: str,
        data: dict[str, Any],
        sources: Mapping[str, str],
        network: dict[str, Any] | None,
        if_match: int | None,
        action: str = "enrich",
    ) -> R:
        """Save fields filled from the metadata services (``sources``: which service gave
        each) and a dataset's network FAIR checks: one revision, audited as ``action``
        (``enrich``, or ``harvest`` when a harvest or an import brought the values)."""
        record = self._editable(
            session, identity, record_id, if_match, allowed=permissions.can_edit_open_access
        )
        extra: dict[str, Any] = {}
        if network is not None and isinstance(record, Dataset):
            extra["fair_network"] = {"from": record.fair_network, "to": network}
            record.fair_network = network
        return self._change(session, identity, record, data, action, sources, extra)

    def _change(
        self,
        session: Session,
        identity: Identity,
        record: R,
        data: dict[str, Any],
        action: str,
        sources: Mapping[str, str] | None = None,
        extra: dict[str, Any] | None = None,
    ) -> R:
        if record.status == "withdrawn":
            raise Conflict("A withdrawn record cannot be edited.")
        before = self.editable_fields(record)
        with session.no_autoflush:  # a duplicate DOI must surface in _flush, as a 409
            self._apply(session, record, data)
        if not permissions.can_edit(identity, record):
            after = self.editable_fields(record)
            changed = {key for key in set(before) | set(after) if before.get(key) != after.get(key)}
            if outside := changed - permissions.OPEN_ACCESS_FIELDS:
                raise Forbidden(
                    "Librarians change only the Open Access fields of other people's "
                    f"publications, not: {', '.join(sorted(outside))}."
                )
        self._flush(session, record)
        self._audit(
            session,
            identity,
            record,
            action,
            before,
            self.editable_fields(record),
            sources=sources,
            extra=extra,
        )
        return record

    def publish(
        self, session: Session, identity: Identity, record_id: str, if_match: int | None
    ) -> R:
        record = self._editable(session, identity, record_id, if_match)
        if record.status != "draft":
            raise Conflict(f"Only drafts can be published; this record is {record.status}.")
        self._check_publishable(record)
        before = self.editable_fields(record)
        # The newest published version of a concept is its current one.  Asked before any
        # change, so the query flushes nothing: one publish, one revision.
        previous = list(
            session.scalars(
                select(self.model).where(
                    self.model.concept_id == record.concept_id,
                    self.model.id != record.id,
                    self.model.is_latest.is_(True),
                )
            )
        )
        self._mark_published(record, previous)
        self._flush(session, record)
        for other in previous:
            self._reindex_later(session, other)
        self._audit(session, identity, record, "publish", before, self.editable_fields(record))
        return record

    @staticmethod
    def _mark_published(record: Record, previous: Sequence[Record], as_found: bool = False) -> None:
        """The record becomes the published, current version of its work (published today,
        unless it was found published elsewhere: then its date is the one found, or none)."""
        now = utcnow()
        if record.publication_date is None and not as_found:
            record.publication_date = now.date()
            record.publication_year = now.year
        record.status = "published"
        record.published_at = now
        record.updated_at = now
        for other in previous:
            other.is_latest = False
            other.updated_at = now
        record.is_latest = True

    def new_version(self, session: Session, identity: Identity, record_id: str) -> R:
        source = self._editable(session, identity, record_id, None)
        if source.status != "published":
            raise Conflict("New versions start from a published record.")
        pending = session.scalar(
            select(self.model.id).where(
                self.model.concept_id == source.concept_id, self.model.status == "draft"
            )
        )
        if pending:
            raise Conflict(f"Version draft {pending} is already open; edit or publish it first.")
        highest = session.scalar(
            select(func.max(self.model.version_number)).where(
                self.model.concept_id == source.concept_id
            )
        )
        data = self.schema.load(self.editable_fields(source))
        data["doi"] = None  # a new version gets its own DOI when one is registered
        draft = self.model(kind=self.kind, status="draft", owner_id=source.owner_id)
        draft.id = _fresh_id(session)
        draft.concept_id = source.concept_id
        draft.version_number = (highest or 0) + 1
        draft.is_latest = False
        self._apply(session, draft, data)
        session.add(draft)
        self._flush(session, draft)
        self._audit(session, identity, draft, "new_version", {}, {"from_version": source.id})
        return draft

    def withdraw(
        self,
        session: Session,
        identity: Identity,
        record_id: str,
        reason: str,
        if_match: int | None,
    ) -> R:
        record = self._editable(session, identity, record_id, if_match)
        if record.status != "published":
            raise Conflict(
                "Only published records can be withdrawn; discard a draft with DELETE instead."
            )
        now = utcnow()
        record.status = "withdrawn"
        record.withdrawn_at = now
        record.withdrawal_reason = reason
        record.updated_at = now
        self._flush(session, record)
        self._audit(session, identity, record, "withdraw", {}, {"reason": reason})
        return record

    def merge(
        self,
        session: Session,
        identity: Identity,
        target_id: str,
        duplicate_id: str,
        if_match: int | None,
    ) -> R:
        """``duplicate`` is the same work as ``target``: it is withdrawn with a reason naming
        the target (its tombstone, DOI and history stay), and both audit trails say so.  The
        target's metadata is not touched: curators compare and correct it themselves."""
        if not permissions.can_merge(identity, self.kind):
            raise Forbidden(f"The staff curating {self.kind}s merge duplicates.")
        target = self._editable(session, identity, target_id, if_match, allowed=_anyone)
        duplicate = self.read(session, identity, duplicate_id)
        if duplicate.concept_id == target.concept_id:
            raise Conflict("Versions of one work are not duplicates of each other.")
        if {target.status, duplicate.status} != {"published"}:
            raise Conflict("Only published records are merged; withdrawn ones already are out.")
        reason = f"The same work as {target.id}, where its history continues (merged)."
        now = utcnow()
        duplicate.status, duplicate.withdrawn_at, duplicate.updated_at = "withdrawn", now, now
        duplicate.withdrawal_reason = reason
        self._flush(session, duplicate)
        self._audit(
            session,
            identity,
            duplicate,
            "withdraw",
            {},
            {"reason": reason, "merged_into": target.id},
        )
        self._audit(session, identity, target, "merge", {}, {"merged": duplicate.id})
        return target

    def override_open_access(
        self,
        session: Session,
        identity: Identity,
        record_id: str,
        override: dict[str, Any] | None,
        if_match: int | None,
    ) -> R:
        """A librarian's correction of the Open Access status (None removes it)."""
        record = self._editable(
            session, identity, record_id, if_match, allowed=permissions.can_edit_open_access
        )
        if not isinstance(record, Publication):
            raise NotFound("Only publications have an Open Access status.")
        set_override(session, identity, record, override)
        self._flush(session)
        self._reindex_later(session, record)
        return record

    def discard(
        self, session: Session, identity: Identity, record_id: str, if_match: int | None
    ) -> None:
        record = self._editable(session, identity, record_id, if_match)
        if record.status != "draft":
            raise Conflict("Only drafts can be discarded; withdraw a published record instead.")
        self._audit(
            session, identity, record, "discard", self.editable_fields(record), {}, render=False
        )
        session.delete(record)
        self._flush(session)

    # -- helpers -------------------------------------------------------------------------

    def _editable(
        self,
        session: Session,
        identity: Identity,
        record_id: str,
        if_match: int | None,
        allowed: Callable[[Identity, Record], bool] = permissions.can_edit,
    ) -> R:
        if identity.is_anonymous:
            raise NotAuthenticated("Log in to change records.")
        record = self.read(session, identity, record_id)
        if not allowed(identity, record):
            raise Forbidden("You may not change this record.")
        if if_match is not None and if_match != record.revision:
            raise PreconditionFailed(
                f"The record changed since you read it (you sent revision {if_match}, "
                f"it is now at {record.revision}); read it again and reapply your change."
            )
        return record

    def _derive(self, session: Session, record: Record) -> None:
        """What is computed from the record: the Open Access classification of a
        publication, the FAIR assessment of a dataset.  Before the flush, so one save is
        one revision."""
        with session.no_autoflush:  # the lookups must not flush the record before it is done
            if isinstance(record, Publication):
                classify_publication(session, record, date.today())
            elif isinstance(record, Dataset):
                assess_dataset(record)

    def _flush(self, session: Session, record: Record | None = None) -> None:
        from sqlalchemy.exc import IntegrityError
        from sqlalchemy.orm.exc import StaleDataError

        if record is not None:
            self._derive(session, record)
        try:
            session.flush()
        except StaleDataError as exc:
            raise PreconditionFailed(
                "The record was changed by someone else at the same moment; read it again."
            ) from exc
        except IntegrityError as exc:
            if "doi" in str(exc.orig).lower():
                raise Conflict(
                    "This DOI is already registered.", {"json": {"doi": ["Already registered."]}}
                ) from exc
            # Another request opened a version of this work at the same moment (the unique
            # indexes: one number per version, one open draft per work).
            if any(mark in str(exc.orig) for mark in _VERSION_RACE):
                raise Conflict(
                    "Another new version of this work was started at the same moment; "
                    "read the work's versions again."
                ) from exc
            raise

    def _check_publishable(self, record: Record) -> None:
        missing: dict[str, list[str]] = {}
        if not record.creators:
            missing["creators"] = ["At least one creator is needed to publish."]
        if not record.themes:
            missing["themes"] = ["At least one innovation theme is needed to publish."]
        if isinstance(record, Dataset):
            if not record.description:
                missing["description"] = ["A description is needed to publish a dataset."]
            if record.access_right_id == "open" and not record.license_id:
                missing["license"] = ["An open dataset needs a licence to be published."]
            if record.access_right_id in {"open", "embargoed"} and not record.distributions:
                missing["distributions"] = ["Link at least one distribution of the data."]
        if missing:
            raise InvalidInput(missing, "The record is not complete enough to publish.")

    def editable_fields(self, record: Record) -> dict[str, Any]:
        """The record as a person would send it: shown fields without the read-only ones."""
        return editable_part(self.schema, self.schema.dump(record))

    def _audit(
        self,
        session: Session,
        identity: Identity,
        record: Record,
        action: str,
        before: dict[str, Any],
        after: dict[str, Any],
        render: bool = True,
        sources: Mapping[str, str] | None = None,
        extra: dict[str, Any] | None = None,
    ) -> None:
        if action in {"create", "update", "publish", "discard", "enrich", "harvest"}:
            changes = {
                key: {"from": before.get(key), "to": after.get(key)}
                for key in sorted(set(before) | set(after))
                if before.get(key) != after.get(key)
            }
        else:
            changes = after
        for key, change in changes.items():
            # Where an enriched field came from: {"from": None, "to": ..., "source": "crossref"}
            given = sorted({s for name, s in (sources or {}).items() if name.split(".")[0] == key})
            if given:
                change["source"] = ", ".join(given)
        changes.update(extra or {})
        self._reindex_later(session, record, render=render)
        record_event(session, identity, record, action, changes)

    def _reindex_later(self, session: Session, record: Record, render: bool = True) -> None:
        """The search document and an outbox row, in this transaction: the index will follow.
        (Without ``render``, for a record about to be deleted: the worker removes it.)"""
        documents.index_at_commit(session, record, render)

    def _apply(self, session: Session, record: R, data: dict[str, Any]) -> None:
        """Copy validated input onto the record, checking the managed vocabularies."""
        errors: dict[str, Any] = {}
        for name in _SCALARS["shared"] + _SCALARS[self.kind]:
            if name in data:
                setattr(record, name, data[name])
            elif name in {"keywords", "applicable_legislation"}:
                setattr(record, name, [])
            elif name not in {
                "resource_type_id",
                "access_right_id",
                "personal_data",
                "health_data",
            }:
                setattr(record, name, None)
        record.publication_year = record.publication_date.year if record.publication_date else None
        record.updated_at = utcnow()

        record.themes = _terms(session, Theme, data.get("theme_ids", []), "themes", errors)
        record.departments = _terms(
            session, Department, data.get("department_ids", []), "departments", errors
        )
        record.creators = [
            Creator(role="creator", position=i, **item)
            for i, item in enumerate(data.get("creators", []))
        ]
        record.contributors = [
            Creator(position=i, **item) for i, item in enumerate(data.get("contributors", []))
        ]
        record.related_identifiers = [
            RelatedIdentifier(position=i, **item)
            for i, item in enumerate(data.get("related_identifiers", []))
        ]
        record.funding = [
            FundingReference(position=i, **item) for i, item in enumerate(data.get("funding", []))
        ]
        record.dates = [
            {**item, "date": item["date"].isoformat()} for item in data.get("dates", [])
        ]
        first = record.creators[0].name if record.creators else None
        record.match_key = work_key(record.title, record.publication_year, first)
        if isinstance(record, Dataset):
            _apply_dataset(record, data)
        if isinstance(record, Publication):
            _apply_publication(session, record, data)
        if record.doi:
            clash = session.scalar(
                select(Record.id).where(Record.doi == record.doi, Record.id != record.id)
            )
            if clash:
                raise Conflict(
                    f"DOI {record.doi} is already registered as record {clash}.",
                    {"json": {"doi": [f"Already registered as record {clash}."]}},
                )
        if errors:
            raise InvalidInput(errors)


def _apply_dataset(record: Dataset, data: dict[str, Any]) -> None:
    contact = data.get("contact_point") or {}
    record.contact_name = contact.get("name")
    record.contact_email = contact.get("email")
    period = data.get("temporal_coverage") or {}
    record.temporal_start = period.get("start")
    record.temporal_end = period.get("end")
    record.distributions = [
        Distribution(position=i, **item) for i, item in enumerate(data.get("distributions", []))
    ]


def _apply_publication(session: Session, record: Publication, data: dict[str, Any]) -> None:
    deposit = data.get("deposit") or {}
    record.deposit_version = deposit.get("version")
    record.deposit_url = deposit.get("url")
    record.deposit_embargo_until = deposit.get("embargo_until")
    record.deposit_license_id = deposit.get("license_id")
    journal = data.get("journal")
    record.journal = _journal(session, journal) if journal else None


def _journal(session: Session, given: dict[str, Any]) -> Journal:
    """The register's journal with one of the given ISSNs, else a new entry in the register."""
    issns = [issn for issn in (given.get("issn"), given.get("eissn")) if issn]
    if issns:
        found = session.scalars(
            select(Journal).where(Journal.issn.in_(issns) | Journal.eissn.in_(issns))
        ).first()
        if found is not None:
            return found
    journal = Journal(
        title=given["title"],
        issn=given.get("issn"),
        eissn=given.get("eissn"),
        publisher=given.get("publisher"),
        in_doaj=False,
    )
    session.add(journal)
    return journal


def _terms(
    session: Session,
    model: Any,
    ids: Sequence[str],
    field: str,
    errors: dict[str, Any],
) -> list[Any]:
    if not ids:
        return []
    # Each vocabulary is read once per session (a few dozen terms): a batch of registrations
    # does not ask the database for the same themes again and again.
    known: dict[Any, dict[str, Any]] = session.info.setdefault("vocabularies", {})
    found = known.get(model)
    if found is None:
        with session.no_autoflush:
            found = known[model] = {term.id: term for term in session.scalars(select(model))}
    problems = {
        index: [
            f"Unknown {field[:-1]} {term_id!r}; see /api/vocabularies/{field}."
            if term_id not in found
            else f"The {field[:-1]} {term_id!r} is retired; choose a current one."
        ]
        for index, term_id in enumerate(ids)
        if term_id not in found or found[term_id].retired
    }
    if problems:
        errors[field] = problems
    return [found[term_id] for term_id in ids if term_id in found]


def _fresh_id(session: Session) -> str:
    from catalogue.models.base import new_record_id

    while True:
        candidate = new_record_id()
        with session.no_autoflush:  # a lookup by key: nothing pending can change its answer
            if session.get(Record, candidate) is None:
                return candidate


def _anyone(identity: Identity, record: Record) -> bool:
    """For an operation whose own permission was checked already."""
    return True


def read_any(session: Session, identity: Identity, record_id: str) -> Record:
    """A record of either kind by its id, if ``identity`` may read it."""
    record = session.get(Record, record_id) if RECORD_ID.match(record_id) else None
    if record is None or not permissions.can_read(identity, record):
        raise NotFound(f"No record with id {record_id!r}.")
    return record


datasets = RecordService(Dataset, "dataset", DatasetSchema())
publications = RecordService(Publication, "publication", PublicationSchema())


def service_for(kind: str) -> RecordService[Any]:
    """The lifecycle service of ``kind`` ("dataset" or "publication")."""
    return datasets if kind == "dataset" else publications
