"""Loading and listing the vocabularies.

Standards (SPDX licences, DataCite resource types, COAR access rights) are synchronised from
their data on every ``catalogue db upgrade``.  The catalogue's own vocabularies (themes,
departments) are seeded from the data files in ``catalogue/vocabularies/``: missing terms are
added, while terms already in the database keep the labels administrators gave them.
"""

from __future__ import annotations

import json
from importlib import resources
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from catalogue.domain.errors import Forbidden
from catalogue.models import AccessRight, Department, Licence, ResourceType, Theme
from catalogue.services.audit import security_event
from catalogue.services.permissions import Identity, can_administer
from schemas.vocabularies import access_rights, resource_types, spdx_licences, spdx_url

VOCABULARIES: dict[str, Any] = {
    "themes": Theme,
    "departments": Department,
    "licences": Licence,
    "resource-types": ResourceType,
    "access-rights": AccessRight,
}


def seed_terms(vocabulary: str) -> list[dict[str, Any]]:
    """The terms a new catalogue starts with (``themes`` or ``departments``)."""
    path = resources.files("catalogue").joinpath("vocabularies", f"{vocabulary}.json")
    terms: list[dict[str, Any]] = json.loads(path.read_text(encoding="utf-8"))["terms"]
    return terms


def sync_vocabularies(session: Session) -> dict[str, int]:
    """Bring the vocabulary tables up to date; returns how many terms each now has."""
    for term in seed_terms("themes"):
        if session.get(Theme, term["id"]) is None:
            session.add(Theme(id=term["id"], group=term["group"], label=term["label"]))
    for term in seed_terms("departments"):
        if session.get(Department, term["id"]) is None:
            session.add(Department(id=term["id"], label=term["label"]))
    for licence_id, licence in spdx_licences().items():
        session.merge(
            Licence(
                id=licence_id,
                name=licence.name,
                url=spdx_url(licence_id),
                osi_approved=bool(licence.osi_approved),
                deprecated=bool(licence.deprecated_id),
            )
        )
    for term in resource_types().values():
        session.merge(ResourceType(id=term["id"], label=term["label"], kind=term["kind"]))
    for term in access_rights().values():
        session.merge(AccessRight(id=term["id"], coar=term["coar"], label=term["label"]))
    session.flush()
    return {
        name: len(session.scalars(select(model.id)).all()) for name, model in VOCABULARIES.items()
    }


# The catalogue's own vocabularies, which administrators maintain; the others follow standards.
EDITABLE = {"themes": Theme, "departments": Department}


def save_term(
    session: Session, identity: Identity, vocabulary: str, term_id: str, data: dict[str, Any]
) -> tuple[Any, bool]:
    """Add or change a theme or department (administrators); returns it and whether it is new.

    Terms are never deleted (records refer to them): ``retired`` terms stay on the records that
    have them, and new records cannot use them.
    """
    if not can_administer(identity):
        raise Forbidden("Only administrators (with the admin scope) maintain vocabularies.")
    model = EDITABLE[vocabulary]
    term = session.get(model, term_id)
    before = {key: getattr(term, key) for key in data} if term is not None else {}
    created = term is None
    if term is None:
        term = model(id=term_id, retired=False)
        session.add(term)
    for key, value in data.items():
        setattr(term, key, value)
    session.flush()
    security_event(
        session,
        "vocabulary_changed",
        identity.user_id,
        {"vocabulary": vocabulary, "term": term_id, "from": before, "to": data},
    )
    return term, created


def list_terms(session: Session, vocabulary: str, q: str | None = None) -> list[Any]:
    model = VOCABULARIES[vocabulary]
    query = select(model).order_by(model.id)
    if q:
        needle = f"%{q.lower()}%"
        label = model.name if model is Licence else model.label
        query = query.where(label.ilike(needle) | model.id.ilike(needle))
    return list(session.scalars(query))
