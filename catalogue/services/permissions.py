"""The one permission policy, used by the API, the search service and exports alike.

Each rule yields both the check for a single record and the filter for a query, so a listing
or a search can never show what reading the record itself would refuse.

Roles (a person may hold several):

- anonymous: published metadata only;
- researcher: creates records; edits own drafts and records and those they co-edit; adds
  co-editors to own records;
- librarian: reads every publication (drafts too) and its audit trail; edits the Open Access
  fields of any publication;
- data steward: curates every dataset (drafts too, the data behind restricted datasets
  included) and decides access requests;
- administrator: everything, plus vocabularies, users and roles.

A login session may do all its roles allow; a personal access token only what its scopes
allow as well (``read`` always, ``write`` for changes, ``admin`` for administration).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import ColumnElement, false, or_, true

from catalogue.domain.terms import SCOPES
from catalogue.models import KINDS, Dataset, Record
from search.query import Visibility

# Publication fields a librarian may change on anyone's publication.
OPEN_ACCESS_FIELDS = frozenset(
    {
        "journal",
        "peer_reviewed",
        "publisher_free_to_read",
        "publisher_license",
        "deposit",
        "short_work",
        "publicly_funded",
    }
)


@dataclass(frozen=True)
class Identity:
    """Who is calling, and what their credential allows.  Anonymous callers have no user id."""

    user_id: int | None = None
    name: str = "anonymous"
    roles: frozenset[str] = field(default_factory=frozenset)
    scopes: frozenset[str] = frozenset(SCOPES)
    # Works (concept ids) this person co-edits, and works whose restricted data they may use.
    co_edits: frozenset[str] = field(default_factory=frozenset)
    granted: frozenset[str] = field(default_factory=frozenset)
    # The server acting on its own (the command line's operator): no account, not anonymous.
    system: bool = False

    @property
    def is_anonymous(self) -> bool:
        return self.user_id is None and not self.system

    def has_role(self, role: str) -> bool:
        return role in self.roles

    def allows(self, scope: str) -> bool:
        return not self.is_anonymous and scope in self.scopes


ANONYMOUS = Identity(scopes=frozenset())


def _reads_all_of(identity: Identity, kind: str) -> bool:
    """Administrators read everything; data stewards every dataset; librarians every publication."""
    return (
        identity.has_role("administrator")
        or (kind == "dataset" and identity.has_role("data_steward"))
        or (kind == "publication" and identity.has_role("librarian"))
    )


def _curates(identity: Identity, kind: str) -> bool:
    """Who may change any record of ``kind`` as its owner may."""
    return identity.has_role("administrator") or (
        kind == "dataset" and identity.has_role("data_steward")
    )


def _edits_own(identity: Identity, record: Record) -> bool:
    """The owner and the co-editors of the work."""
    if identity.is_anonymous:
        return False
    return record.owner_id == identity.user_id or record.concept_id in identity.co_edits


def can_read(identity: Identity, record: Record) -> bool:
    if record.status != "draft":
        return True
    return _edits_own(identity, record) or _reads_all_of(identity, record.kind)


def read_filter(identity: Identity, kind: str) -> ColumnElement[bool]:
    """The SQL condition equivalent to ``can_read`` for every record of ``kind``."""
    if _reads_all_of(identity, kind):
        return true()
    if identity.is_anonymous:
        return Record.status != "draft"
    return or_(
        Record.status != "draft",
        Record.owner_id == identity.user_id,
        Record.concept_id.in_(sorted(identity.co_edits)) if identity.co_edits else false(),
    )


def search_visibility(identity: Identity) -> Visibility:
    """The same rule as ``can_read``, for the search engine to apply inside its query."""
    return Visibility(
        owner_id=None if identity.is_anonymous else str(identity.user_id),
        all_drafts_of=frozenset(kind for kind in KINDS if _reads_all_of(identity, kind)),
        concepts=identity.co_edits,
    )


def can_create(identity: Identity) -> bool:
    return identity.allows("write")


def can_edit(identity: Identity, record: Record) -> bool:
    """May change every field, publish, version, withdraw or discard."""
    if not identity.allows("write"):
        return False
    return _edits_own(identity, record) or _curates(identity, record.kind)


def can_edit_open_access(identity: Identity, record: Record) -> bool:
    """May change the ``OPEN_ACCESS_FIELDS`` of this publication (librarians)."""
    if can_edit(identity, record):
        return True
    return (
        identity.allows("write") and record.kind == "publication" and identity.has_role("librarian")
    )


def can_see_history(identity: Identity, record: Record) -> bool:
    return _edits_own(identity, record) or _reads_all_of(identity, record.kind)


def can_manage_editors(identity: Identity, record: Record) -> bool:
    """The owner adds and removes co-editors; so do administrators."""
    return identity.allows("write") and (
        (not identity.is_anonymous and record.owner_id == identity.user_id)
        or identity.has_role("administrator")
    )


def data_access(identity: Identity, dataset: Dataset, today: date) -> str | None:
    """Why the caller may follow this dataset's distribution links; None if they may not.

    Open data is for everyone; embargoed data once the embargo ends; restricted and
    metadata-only data for its editors, data stewards and people granted access.
    """
    if dataset.access_right_id == "open":
        return "open"
    embargo = dataset.embargo_until if dataset.access_right_id == "embargoed" else None
    if embargo is not None and embargo <= today:
        return "embargo ended"
    if _edits_own(identity, dataset) or _reads_all_of(identity, "dataset"):
        return "editor"
    if dataset.concept_id in identity.granted:
        return "granted"
    return None


def can_decide_access(identity: Identity) -> bool:
    return identity.allows("write") and (
        identity.has_role("data_steward") or identity.has_role("administrator")
    )


def can_enrich(identity: Identity, kind: str) -> bool:
    """May run enrichment jobs over every record of ``kind``: the staff curating that kind."""
    return identity.allows("write") and _reads_all_of(identity, kind)


def can_merge(identity: Identity, kind: str) -> bool:
    """May merge duplicate records of ``kind`` (one is withdrawn into the other): the staff
    curating that kind, as for enrichment."""
    return can_enrich(identity, kind)


def can_see_enrichment(identity: Identity, kind: str) -> bool:
    return not identity.is_anonymous and _reads_all_of(identity, kind)


def can_administer(identity: Identity) -> bool:
    return identity.allows("admin") and identity.has_role("administrator")
