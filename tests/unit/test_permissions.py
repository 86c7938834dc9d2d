"""The permission policy, checked without a database."""

from __future__ import annotations

import pytest

from catalogue.models import Dataset, Publication, Record
from catalogue.permissions import ANONYMOUS, Identity, can_create, can_edit, can_read

OWNER = Identity(user_id=1, name="owner", roles=frozenset({"researcher"}))
OTHER = Identity(user_id=2, name="other", roles=frozenset({"researcher"}))
STEWARD = Identity(user_id=3, name="steward", roles=frozenset({"data_steward"}))
LIBRARIAN = Identity(user_id=4, name="librarian", roles=frozenset({"librarian"}))
ADMIN = Identity(user_id=5, name="admin", roles=frozenset({"administrator"}))


def record(model: type[Record], status: str) -> Record:
    return model(
        id="abcde-fghjk",
        kind=model.__mapper__.polymorphic_identity,
        status=status,
        owner_id=OWNER.user_id,
    )


@pytest.mark.parametrize(
    ("who", "model", "status", "reads", "edits"),
    [
        (ANONYMOUS, Dataset, "draft", False, False),
        (ANONYMOUS, Dataset, "published", True, False),
        (ANONYMOUS, Dataset, "withdrawn", True, False),
        (OWNER, Dataset, "draft", True, True),
        (OTHER, Dataset, "draft", False, False),
        (OTHER, Dataset, "published", True, False),
        (STEWARD, Dataset, "draft", True, True),
        (STEWARD, Publication, "draft", False, False),
        (LIBRARIAN, Publication, "draft", True, True),
        (LIBRARIAN, Dataset, "draft", False, False),
        (ADMIN, Dataset, "draft", True, True),
        (ADMIN, Publication, "published", True, True),
    ],
)
def test_read_and_edit(
    who: Identity, model: type[Record], status: str, reads: bool, edits: bool
) -> None:
    subject = record(model, status)
    assert can_read(who, subject) is reads
    assert can_edit(who, subject) is edits


def test_only_signed_in_people_create() -> None:
    assert not can_create(ANONYMOUS)
    assert can_create(OWNER)
