"""The three-way merge that keeps a person's values from being overwritten by a source."""

from __future__ import annotations

from catalogue.domain.merge import canonical, digest, merge


def test_an_empty_field_takes_the_sources_value() -> None:
    merged = merge({"title": "T", "keywords": []}, {"keywords": ["Outcomes"]})
    assert merged.fields["keywords"] == ["Outcomes"]
    assert (merged.taken, merged.kept) == (["keywords"], [])


def test_never_asked_before_a_persons_value_stays_and_is_reported() -> None:
    merged = merge({"title": "Mine"}, {"title": "Theirs"}, last=None)
    assert merged.fields["title"] == "Mine"
    assert (merged.taken, merged.kept) == ([], ["title"])


def test_a_value_nobody_touched_follows_the_source() -> None:
    merged = merge({"title": "Old"}, {"title": "New"}, last={"title": "Old"})
    assert merged.fields["title"] == "New"
    assert merged.taken == ["title"]


def test_a_value_a_person_changed_stays_and_is_a_conflict_only_when_the_source_moves() -> None:
    edited = {"title": "Edited"}
    moved = merge(edited, {"title": "New"}, last={"title": "Old"})
    assert (moved.fields["title"], moved.kept) == ("Edited", ["title"])
    same = merge(edited, {"title": "Old"}, last={"title": "Old"})
    assert (same.fields["title"], same.kept, same.taken) == ("Edited", [], [])


def test_a_journal_is_merged_part_by_part() -> None:
    current = {"journal": {"title": "J Clin Res", "issn": None}}
    incoming = {"journal": {"title": "Journal of Clinical Research", "issn": "0378-5955"}}
    merged = merge(current, incoming)
    assert merged.fields["journal"] == {"title": "J Clin Res", "issn": "0378-5955"}
    assert (merged.taken, merged.kept) == (["journal.issn"], ["journal.title"])


def test_only_allowed_fields_change() -> None:
    incoming = {"title": "T", "deposit": {"url": "https://r.example/1"}}
    empty = merge({}, incoming, None, frozenset({"deposit"}))
    assert (empty.taken, empty.kept) == (["deposit"], []) and "title" not in empty.fields
    # A value the caller may not change, which the source disagrees with, is reported kept.
    theirs = merge({"title": "Mine"}, incoming, None, frozenset({"deposit"}))
    assert (theirs.fields["title"], theirs.kept) == ("Mine", ["title"])


def test_empty_parts_and_key_order_do_not_make_values_differ() -> None:
    stored = {"name": "A", "orcid": None, "affiliations": [], "given_name": None}
    assert canonical(stored) == canonical({"name": "A"})
    assert digest({"b": 1, "a": [{"x": None, "y": False}]}) == digest({"a": [{"y": False}], "b": 1})
    assert digest({"a": False}) != digest({"a": None})
