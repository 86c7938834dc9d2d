"""Classifying publications, and librarians' overrides of the result.

The classification is computed whenever a publication is saved (``classify_publication``) and
again for many at once by ``catalogue oa reclassify`` (embargoes end, registers change).  An
override keeps the computed value beside it, with the evidence and the note.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.orm import Session, selectinload

from catalogue.domain import openaccess
from catalogue.domain.errors import Forbidden
from catalogue.models import Journal, NationalDeal, Publication, utcnow
from catalogue.services import documents
from catalogue.services.audit import record_event
from catalogue.services.permissions import Identity, can_edit_open_access

# Changes the catalogue makes by itself (reclassification) have no person as their actor.
SYSTEM = Identity(name="catalogue")


def in_national_deal(session: Session, publication: Publication) -> bool:
    journal = publication.journal
    identifiers = [publication.doi] + ([journal.issn, journal.eissn] if journal else [])
    wanted = [identifier for identifier in identifiers if identifier]
    if not wanted:
        return False
    found = session.scalar(select(NationalDeal.id).where(NationalDeal.identifier.in_(wanted)))
    return found is not None


def inputs_of(session: Session, publication: Publication) -> openaccess.Inputs:
    journal = publication.journal
    return openaccess.Inputs(
        publication_date=publication.publication_date,
        journal_in_doaj=journal.in_doaj if journal else None,
        journal_apc=journal.apc_amount if journal else None,
        journal_fully_oa=journal.fully_oa if journal else None,
        journal_oa_source=journal.fully_oa_source if journal else None,
        publisher_free_to_read=publication.publisher_free_to_read,
        publisher_license=publication.publisher_license_id,
        in_national_deal=in_national_deal(session, publication),
        deposit_version=publication.deposit_version,
        deposit_url=publication.deposit_url,
        deposit_embargo_until=publication.deposit_embargo_until,
        deposit_license=publication.deposit_license_id,
        short_work=publication.short_work,
        publicly_funded=publication.publicly_funded,
    )


def classify_publication(session: Session, publication: Publication, as_of: date) -> bool:
    """Store the classification of ``publication`` as of ``as_of``; True if it changed."""
    result = openaccess.classify(inputs_of(session, publication), as_of)
    values: dict[str, Any] = {
        "oa_status": result.status,
        "oa_category": result.category,
        "oa_embargoed": result.embargoed,
        "oa_opens_on": result.opens_on,
        "taverne_eligible": result.taverne_eligible,
        "taverne_date": result.taverne_date,
        "plan_s_compliant": result.plan_s_compliant,
        "oa_rules": list(result.rules),
    }
    changed = any(getattr(publication, key) != value for key, value in values.items())
    for key, value in values.items():
        setattr(publication, key, value)
    publication.oa_as_of = as_of
    return changed


def set_override(
    session: Session,
    identity: Identity,
    publication: Publication,
    override: dict[str, Any] | None,
) -> None:
    """Replace the librarian's override (None removes it); the computed value stays."""
    if not can_edit_open_access(identity, publication):
        raise Forbidden("Librarians correct the Open Access status of publications.")
    before = publication.oa_override
    if override is not None:
        override = {
            **override,
            "by": identity.name,
            "by_id": identity.user_id,
            "at": utcnow().isoformat(),
        }
    publication.oa_override = override
    publication.updated_at = utcnow()
    session.flush()
    record_event(
        session,
        identity,
        publication,
        "open_access_override" if override else "open_access_override_removed",
        {"from": before, "to": override},
    )


def learn_fully_oa(session: Session, journal: Journal, fully_oa: bool, source: str) -> bool:
    """The register learns ``source``'s word on ``journal`` being fully Open Access (with the
    source and the day); the journal's publications are classified again when it changed."""
    if journal.fully_oa == fully_oa:
        return False
    today = utcnow().date()
    journal.fully_oa, journal.fully_oa_source, journal.fully_oa_as_of = fully_oa, source, today
    session.flush()
    reclassify(session, publication_ids(session, [journal.id]), today)
    return True


def reclassify(session: Session, publication_ids: Sequence[str], as_of: date) -> dict[str, int]:
    """Classify these publications again as of ``as_of``; changed ones are audited and
    indexed again.  Returns how many were checked and changed."""
    counts = {"checked": 0, "changed": 0}
    publications = session.scalars(
        select(Publication)
        .where(Publication.id.in_(publication_ids))
        .options(selectinload(Publication.journal))
    )
    for publication in publications:
        counts["checked"] += 1
        before = (publication.oa_status, publication.oa_category, publication.oa_embargoed)
        if not classify_publication(session, publication, as_of):
            continue
        counts["changed"] += 1
        session.flush()
        after = (publication.oa_status, publication.oa_category, publication.oa_embargoed)
        record_event(
            session,
            SYSTEM,
            publication,
            "reclassified",
            {"as_of": as_of.isoformat(), "from": list(before), "to": list(after)},
        )
        documents.index_at_commit(session, publication)
    return counts


def publication_ids(session: Session, journal_ids: Iterable[int] | None = None) -> list[str]:
    """Ids of all publications, or of those in these journals."""
    query = select(Publication.id).order_by(Publication.id)
    if journal_ids is not None:
        query = query.where(Publication.journal_id.in_(list(journal_ids)))
    return list(session.scalars(query))


def publications_touching(session: Session, identifiers: Sequence[str]) -> list[str]:
    """Ids of the publications with one of these DOIs, or in a journal with one of these ISSNs."""
    if not identifiers:
        return []
    wanted = list(identifiers)
    by_journal = select(Journal.id).where(or_(Journal.issn.in_(wanted), Journal.eissn.in_(wanted)))
    query = select(Publication.id).where(
        or_(Publication.doi.in_(wanted), Publication.journal_id.in_(by_journal))
    )
    return sorted(session.scalars(query))
