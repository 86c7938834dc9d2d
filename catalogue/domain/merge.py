"""What an outside source may change in a record, and what it must leave alone.

A source (OpenAlex, an import file...) says what a work's fields are.  The record may hold
values a person entered; those are never overwritten.  The rule is a three-way merge per
field, with what the source said the last time it was asked (``last``) as the common base:

- an empty field takes the source's value;
- a field still holding what the source said last time (nobody has touched it since) follows
  the source when the source changes its mind;
- any other field holds a person's value: it stays.  When the source says something new
  about it, that is a *conflict*: reported, never resolved by overwriting.

A journal is merged part by part (a person who named the journal still gains its ISSNs).
Values are compared in a canonical form (no empty parts, keys sorted), so a field read back
from the database equals what was written even when absent keys come back as nulls.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any


def is_empty(value: Any) -> bool:
    """``None``, empty text and empty collections; ``False`` is a value ("not free to read")."""
    return value is None or value == "" or value == [] or value == {}


def is_placeholder(record: Mapping[str, Any], name: str) -> bool:
    """The provisional title of a record started from its DOI (a title is required even of a
    draft, so such a record carries its DOI as title until the metadata arrives)."""
    doi = record.get("doi")
    title = record.get(name)
    return (
        name == "title"
        and isinstance(doi, str)
        and isinstance(title, str)
        and title.strip().lower() == doi.strip().lower()
    )


def canonical(value: Any) -> Any:
    """``value`` without empty parts at any depth (``False`` and ``0`` are kept)."""
    if isinstance(value, dict):
        kept = {key: canonical(item) for key, item in value.items()}
        return {key: item for key, item in sorted(kept.items()) if not is_empty(item)}
    if isinstance(value, list):
        return [canonical(item) for item in value]
    return value


def digest(fields: Mapping[str, Any]) -> str:
    """A fingerprint of what a source said: equal fields, equal digests."""
    text = json.dumps(canonical(dict(fields)), sort_keys=True, ensure_ascii=False, default=str)
    return hashlib.sha256(text.encode()).hexdigest()


_BY_PART = frozenset({"journal"})


@dataclass
class Merged:
    """The record's fields after the merge, and what happened to each field the source gave."""

    fields: dict[str, Any]
    taken: list[str] = field(default_factory=list)  # changed to the source's value
    kept: list[str] = field(default_factory=list)  # a person's value, the source disagrees


def merge(
    current: Mapping[str, Any],
    incoming: Mapping[str, Any],
    last: Mapping[str, Any] | None = None,
    allowed: frozenset[str] | None = None,
) -> Merged:
    """``current`` with what ``incoming`` may change (see the module's rule).

    ``last`` is what the same source said before (None: never asked, so only empty fields
    are filled); ``allowed`` limits the fields that may change at all (a librarian's harvest
    changes only the Open Access fields of other people's publications: the source's new
    values for the others are reported as kept).
    """
    before = last or {}
    result = dict(current)
    merged = Merged(result)
    for name, value in incoming.items():
        may_change = allowed is None or name in allowed
        if (
            name in _BY_PART
            and may_change
            and isinstance(value, dict)
            and isinstance(current.get(name), dict)
        ):
            parts = merge(current[name], value, before.get(name) if name in before else None)
            result[name] = parts.fields
            merged.taken += [f"{name}.{part}" for part in parts.taken]
            merged.kept += [f"{name}.{part}" for part in parts.kept]
            continue
        new = canonical(value)
        now = canonical(current.get(name))
        if is_empty(new) or new == now:
            continue
        untouched = is_empty(now) or is_placeholder(current, name)
        if may_change and (untouched or (name in before and canonical(before[name]) == now)):
            result[name] = value
            merged.taken.append(name)
        elif not untouched and canonical(before.get(name)) != new:
            merged.kept.append(name)  # a person's value; the source has something new
    return merged
