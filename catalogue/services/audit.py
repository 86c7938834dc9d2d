"""The audit trail: events about a record, and security events about no record."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy.orm import Session

from catalogue.models import AuditEvent, Record, utcnow
from catalogue.services.permissions import Identity


def record_event(
    session: Session, identity: Identity, record: Record, action: str, details: Mapping[str, Any]
) -> None:
    """Who did ``action`` to ``record``, at which revision, with what details."""
    session.add(
        AuditEvent(
            record_id=record.id,
            actor_id=identity.user_id,
            action=action,
            revision=record.revision,
            changes=dict(details),
            at=utcnow(),
        )
    )


def security_event(
    session: Session, action: str, actor_id: int | None, details: Mapping[str, Any]
) -> None:
    """A login, a refused credential, a token, role or vocabulary change."""
    session.add(AuditEvent(actor_id=actor_id, action=action, changes=dict(details), at=utcnow()))
