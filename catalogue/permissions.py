"""The one permission policy.

Each rule yields both the check for a single record and the filter for a query, so a listing
(and, later, a search) can never show what reading the record itself would refuse.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import ColumnElement, false, or_, true

from catalogue.models import KINDS, Record
from search.query import Visibility

ROLES = ("researcher", "librarian", "data_steward", "administrator")


@dataclass(frozen=True)
class Identity:
    """Who is calling.  Anonymous callers have no user id and no roles."""

    user_id: int | None = None
    name: str = "anonymous"
    roles: frozenset[str] = field(default_factory=frozenset)

    @property
    def is_anonymous(self) -> bool:
        return self.user_id is None

    def has_role(self, role: str) -> bool:
        return role in self.roles


ANONYMOUS = Identity()


def _curates(identity: Identity, kind: str) -> bool:
    """Administrators curate everything; data stewards datasets; librarians publications."""
    return (
        identity.has_role("administrator")
        or (kind == "dataset" and identity.has_role("data_steward"))
        or (kind == "publication" and identity.has_role("librarian"))
    )


def can_read(identity: Identity, record: Record) -> bool:
    if record.status != "draft":
        return True
    return _owns(identity, record) or _curates(identity, record.kind)


def read_filter(identity: Identity, kind: str) -> ColumnElement[bool]:
    """The SQL condition equivalent to ``can_read`` for every record of ``kind``."""
    if _curates(identity, kind):
        return true()
    mine = Record.owner_id == identity.user_id if not identity.is_anonymous else false()
    return or_(Record.status != "draft", mine)


def search_visibility(identity: Identity) -> Visibility:
    """The same rule as ``can_read``, for the search engine to apply inside its query."""
    return Visibility(
        owner_id=None if identity.is_anonymous else str(identity.user_id),
        all_drafts_of=frozenset(kind for kind in KINDS if _curates(identity, kind)),
    )


def can_create(identity: Identity) -> bool:
    return not identity.is_anonymous


def can_edit(identity: Identity, record: Record) -> bool:
    return _owns(identity, record) or _curates(identity, record.kind)


def _owns(identity: Identity, record: Record) -> bool:
    return not identity.is_anonymous and record.owner_id == identity.user_id
