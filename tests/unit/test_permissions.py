"""The permission policy, checked without a database."""

from __future__ import annotations

from datetime import date

import pytest

from catalogue.models import Dataset, Publication, Record
from catalogue.services.permissions import (
    ANONYMOUS,
    Identity,
    can_administer,
    can_create,
    can_decide_access,
    can_edit,
    can_edit_open_access,
    can_manage_editors,
    can_read,
    can_see_history,
    data_access,
)

OWNER = Identity(user_id=1, name="owner", roles=frozenset({"researcher"}))
OTHER = Identity(user_id=2, name="other", roles=frozenset({"researcher"}))
STEWARD = Identity(user_id=3, name="steward", roles=frozenset({"data_steward"}))
LIBRARIAN = Identity(user_id=4, name="librarian", roles=frozenset({"librarian"}))
ADMIN = Identity(user_id=5, name="admin", roles=frozenset({"administrator"}))
CO_EDITOR = Identity(user_id=6, name="co", roles=frozenset({"researcher"}), co_edits={"work-1"})
READ_ONLY_OWNER = Identity(
    user_id=1, name="owner", roles=frozenset({"researcher"}), scopes={"read"}
)
TODAY = date(2026, 11, 23)


def record(model: type[Record], status: str) -> Record:
    return model(
        id="abcde-fghjk",
        concept_id="work-1",
        kind=model.__mapper__.polymorphic_identity,
        status=status,
        owner_id=OWNER.user_id,
    )


@pytest.mark.parametrize(
    ("who", "model", "status", "reads", "edits", "history"),
    [
        (ANONYMOUS, Dataset, "draft", False, False, False),
        (ANONYMOUS, Dataset, "published", True, False, False),
        (ANONYMOUS, Dataset, "withdrawn", True, False, False),
        (OWNER, Dataset, "draft", True, True, True),
        (READ_ONLY_OWNER, Dataset, "draft", True, False, True),
        (CO_EDITOR, Dataset, "draft", True, True, True),
        (OTHER, Dataset, "draft", False, False, False),
        (OTHER, Dataset, "published", True, False, False),
        (STEWARD, Dataset, "draft", True, True, True),
        (STEWARD, Publication, "draft", False, False, False),
        # Librarians read every publication and its history, and edit only its OA fields.
        (LIBRARIAN, Publication, "draft", True, False, True),
        (LIBRARIAN, Publication, "published", True, False, True),
        (LIBRARIAN, Dataset, "draft", False, False, False),
        (ADMIN, Dataset, "draft", True, True, True),
        (ADMIN, Publication, "published", True, True, True),
    ],
)
def test_read_edit_and_history(
    who: Identity, model: type[Record], status: str, reads: bool, edits: bool, history: bool
) -> None:
    subject = record(model, status)
    assert can_read(who, subject) is reads
    assert can_edit(who, subject) is edits
    assert can_see_history(who, subject) is history


@pytest.mark.parametrize(
    ("who", "allowed"),
    [(LIBRARIAN, True), (OWNER, True), (ADMIN, True), (STEWARD, False), (OTHER, False)],
)
def test_open_access_fields_of_publications(who: Identity, allowed: bool) -> None:
    assert can_edit_open_access(who, record(Publication, "published")) is allowed
    assert not can_edit_open_access(LIBRARIAN, record(Dataset, "published"))


def test_only_signed_in_people_with_write_scope_create() -> None:
    assert not can_create(ANONYMOUS)
    assert can_create(OWNER)
    assert not can_create(READ_ONLY_OWNER)


def test_owner_and_administrators_manage_co_editors() -> None:
    subject = record(Dataset, "published")
    assert can_manage_editors(OWNER, subject)
    assert can_manage_editors(ADMIN, subject)
    assert not can_manage_editors(CO_EDITOR, subject)
    assert not can_manage_editors(STEWARD, subject)


def test_roles_for_access_decisions_and_administration() -> None:
    assert can_decide_access(STEWARD) and can_decide_access(ADMIN)
    assert not can_decide_access(LIBRARIAN) and not can_decide_access(OWNER)
    assert can_administer(ADMIN)
    assert not can_administer(
        Identity(user_id=5, roles=frozenset({"administrator"}), scopes={"read", "write"})
    )
    assert not can_administer(STEWARD)


def dataset(access_right: str, embargo_until: date | None = None) -> Dataset:
    subject = record(Dataset, "published")
    assert isinstance(subject, Dataset)
    subject.access_right_id = access_right
    subject.embargo_until = embargo_until
    return subject


GRANTED = Identity(user_id=7, name="granted", roles=frozenset({"researcher"}), granted={"work-1"})


@pytest.mark.parametrize(
    ("who", "access_right", "embargo_until", "reason"),
    [
        (ANONYMOUS, "open", None, "open"),
        (ANONYMOUS, "embargoed", date(2026, 11, 24), None),
        (ANONYMOUS, "embargoed", TODAY, "embargo ended"),
        (ANONYMOUS, "restricted", None, None),
        (OTHER, "restricted", None, None),
        (OWNER, "restricted", None, "editor"),
        (CO_EDITOR, "metadata-only", None, "editor"),
        (STEWARD, "restricted", None, "editor"),
        (LIBRARIAN, "restricted", None, None),
        (GRANTED, "restricted", None, "granted"),
        (GRANTED, "embargoed", date(2027, 1, 1), "granted"),
    ],
)
def test_who_may_follow_the_links_to_the_data(
    who: Identity, access_right: str, embargo_until: date | None, reason: str | None
) -> None:
    assert data_access(who, dataset(access_right, embargo_until), TODAY) == reason
