"""Co-editors of a work, and requests for access to restricted data.

Every step is an audit event on the record, so its history shows who was let in and why.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, selectinload

from catalogue.domain import clock
from catalogue.domain.errors import Conflict, Forbidden, InvalidInput, NotAuthenticated, NotFound
from catalogue.models import AccessRequest, Dataset, Record, RecordEditor, User, utcnow
from catalogue.services.audit import record_event
from catalogue.services.permissions import (
    Identity,
    can_decide_access,
    can_manage_editors,
    can_see_history,
    data_access,
)

# -- co-editors ---------------------------------------------------------------------------------


def editors(session: Session, identity: Identity, record: Record) -> list[RecordEditor]:
    if not can_see_history(identity, record):
        raise Forbidden("Only the editors and curators of this record see its co-editors.")
    return list(
        session.scalars(
            select(RecordEditor)
            .where(RecordEditor.concept_id == record.concept_id)
            .options(selectinload(RecordEditor.user))
            .order_by(RecordEditor.added_at)
        )
    )


def add_editor(
    session: Session, identity: Identity, record: Record, email: str | None, orcid: str | None
) -> RecordEditor:
    if not can_manage_editors(identity, record):
        raise Forbidden("Only the owner of this record (or an administrator) adds co-editors.")
    condition = User.email == email if email else User.orcid == orcid
    user = session.scalar(select(User).where(condition, User.active.is_(True)))
    if user is None:
        field = "email" if email else "orcid"
        raise InvalidInput({field: ["Nobody with this identity has logged in to the catalogue."]})
    if user.id == record.owner_id:
        raise Conflict("The owner already edits this record.")
    if session.get(RecordEditor, (record.concept_id, user.id)) is not None:
        raise Conflict(f"{user.name} already co-edits this record.")
    editor = RecordEditor(
        concept_id=record.concept_id, user_id=user.id, added_by_id=identity.user_id, user=user
    )
    editor.added_at = utcnow()
    session.add(editor)
    record_event(session, identity, record, "editor_added", {"user": user.id, "name": user.name})
    session.flush()
    return editor


def remove_editor(session: Session, identity: Identity, record: Record, user_id: int) -> None:
    if not can_manage_editors(identity, record):
        raise Forbidden("Only the owner of this record (or an administrator) removes co-editors.")
    editor = session.get(RecordEditor, (record.concept_id, user_id))
    if editor is None:
        raise NotFound("That person does not co-edit this record.")
    session.delete(editor)
    record_event(session, identity, record, "editor_removed", {"user": user_id})


# -- access requests ----------------------------------------------------------------------------


def request_access(
    session: Session, identity: Identity, dataset: Dataset, purpose: str
) -> AccessRequest:
    if identity.is_anonymous:
        raise NotAuthenticated("Log in to ask for access.")
    if dataset.status != "published":
        raise Conflict("Access can be asked for published datasets only.")
    if dataset.access_right_id == "metadata-only":
        raise Conflict("The data of this dataset is not available through the catalogue.")
    if data_access(identity, dataset, clock.today()) is not None:
        raise Conflict("You already have access to this dataset's data.")
    pending = session.scalar(
        select(AccessRequest.id).where(
            AccessRequest.concept_id == dataset.concept_id,
            AccessRequest.requester_id == identity.user_id,
            AccessRequest.status == "pending",
        )
    )
    if pending is not None:
        raise Conflict(f"Your request {pending} for this dataset is still pending.")
    access_request = AccessRequest(
        record_id=dataset.id,
        concept_id=dataset.concept_id,
        requester_id=identity.user_id,
        purpose=purpose.strip(),
        status="pending",
        created_at=utcnow(),
    )
    session.add(access_request)
    try:
        session.flush()
    except IntegrityError as exc:  # the same request, sent at the same moment (unique index)
        raise Conflict("Your request for this dataset is already pending.") from exc
    record_event(session, identity, dataset, "access_requested", {"request": access_request.id})
    return access_request


def _query() -> Any:
    return select(AccessRequest).options(
        selectinload(AccessRequest.requester), selectinload(AccessRequest.decided_by)
    )


def list_requests(session: Session, identity: Identity, status: str | None) -> list[AccessRequest]:
    """Data stewards see every request; everyone else their own."""
    if identity.is_anonymous:
        raise NotAuthenticated("Log in to see access requests.")
    query = _query().order_by(AccessRequest.id.desc())
    if not can_decide_access(identity):
        query = query.where(AccessRequest.requester_id == identity.user_id)
    if status:
        query = query.where(AccessRequest.status == status)
    return list(session.scalars(query))


def get_request(session: Session, identity: Identity, request_id: int) -> AccessRequest:
    found: AccessRequest | None = session.scalar(_query().where(AccessRequest.id == request_id))
    visible = found is not None and (
        found.requester_id == identity.user_id or can_decide_access(identity)
    )
    if found is None or not visible:
        raise NotFound("No such access request of yours.")
    return found


@dataclass(frozen=True)
class GrantTerms:
    """How long a grant lasts when the steward does not say, and at most (settings)."""

    days: int = 365
    max_days: int = 730


def _last_day(until: date | None, terms: GrantTerms) -> date:
    today = clock.today()
    if until is None:
        return today + timedelta(days=terms.days)
    if until <= today:
        raise InvalidInput({"until": ["Must be after today."]})
    latest = today + timedelta(days=terms.max_days)
    if until > latest:
        raise InvalidInput(
            {"until": [f"At most {terms.max_days} days from today ({latest.isoformat()})."]}
        )
    return until


def decide(
    session: Session,
    identity: Identity,
    request_id: int,
    decision: str,
    note: str | None,
    until: date | None = None,
    terms: GrantTerms = GrantTerms(),
) -> AccessRequest:
    """Approve (until ``until``, or for the default term) or deny a pending request."""
    if not can_decide_access(identity):
        raise Forbidden("Only data stewards decide access requests.")
    access_request = get_request(session, identity, request_id)
    if access_request.status != "pending":
        raise Conflict(f"This request was already {access_request.status}.")
    last_day = _last_day(until, terms) if decision == "approve" else None
    # Decided once, whoever else decides at the same moment: the update only applies while
    # the request is still pending, and the database serialises two updates of one row.
    status = "approved" if decision == "approve" else "denied"
    decided = session.execute(
        update(AccessRequest)
        .where(AccessRequest.id == request_id, AccessRequest.status == "pending")
        .values(
            status=status,
            decided_at=utcnow(),
            decided_by_id=identity.user_id,
            decision_note=(note or "").strip() or None,
            valid_until=last_day,
        )
        .execution_options(synchronize_session=False)
    )
    if decided.rowcount != 1:  # type: ignore[attr-defined]
        raise Conflict("This request was decided by someone else at the same moment.")
    session.refresh(access_request)
    details = {"note": note, "until": last_day.isoformat() if last_day else None}
    _audit(session, identity, access_request, f"access_{access_request.status}", details)
    session.refresh(access_request, ["decided_by"])
    return access_request


def revoke(
    session: Session, identity: Identity, request_id: int, note: str | None
) -> AccessRequest:
    """End a grant before its last day (data stewards); audited on the dataset."""
    if not can_decide_access(identity):
        raise Forbidden("Only data stewards revoke access.")
    access_request = get_request(session, identity, request_id)
    session.refresh(access_request, with_for_update=True)  # one revocation, whoever else tries
    if not access_request.active_on(clock.today()):
        raise Conflict("Only a grant that still gives access can be revoked.")
    access_request.status = "revoked"
    access_request.revoked_at = utcnow()
    access_request.revoked_by_id = identity.user_id
    _audit(session, identity, access_request, "access_revoked", {"note": note})
    return access_request


def _audit(
    session: Session,
    identity: Identity,
    access_request: AccessRequest,
    action: str,
    details: dict[str, Any],
) -> None:
    """A decision on ``access_request`` as an event in its dataset's audit trail."""
    dataset = session.get(Record, access_request.record_id)
    assert dataset is not None  # the request is deleted with its dataset
    who = {"request": access_request.id, "requester": access_request.requester_id}
    record_event(session, identity, dataset, action, who | details)
    session.flush()


def grants_ending(session: Session, within_days: int) -> list[AccessRequest]:
    """Grants whose last day is within ``within_days`` from today, soonest first (for the
    daily reminder to data stewards)."""
    today = clock.today()
    return list(
        session.scalars(
            _query()
            .where(
                AccessRequest.status == "approved",
                AccessRequest.valid_until >= today,
                AccessRequest.valid_until <= today + timedelta(days=within_days),
            )
            .order_by(AccessRequest.valid_until, AccessRequest.id)
        )
    )
