"""What the sources may add to a record: only what is empty, never what a person entered.

Sources are asked in a fixed order of trust (for publications: Crossref, the publisher's own
registration, then Unpaywall and OpenAlex; for datasets: DataCite), and the first source that
has a value fills an empty field.  A journal already named keeps its name and only gains the
ISSNs or publisher it lacks.  ``False`` is a value (a source said "not free to read"), so only
``None``, empty text and empty lists count as empty; so does a title that is only the
record's own DOI (:func:`catalogue.domain.merge.is_placeholder`).
"""

from __future__ import annotations

import copy
from collections.abc import Iterable
from typing import Any

from catalogue.adapters.enrichment.sources import Found
from catalogue.domain.merge import is_empty, is_placeholder


def fill(
    current: dict[str, Any], found: Iterable[Found], allowed: frozenset[str] | None = None
) -> tuple[dict[str, Any], dict[str, str]]:
    """``current`` (a record in its editable wire form) with the empty fields filled.

    Returns the filled record and, for each field filled, the source that gave it
    (``journal.issn`` for a part of the journal).  ``allowed`` limits the fields that may be
    filled (a librarian's job fills only the Open Access fields of other people's work).
    """
    result = copy.deepcopy(current)
    given: dict[str, str] = {}
    for answer in found:
        for name, value in answer.fields.items():
            if (allowed is not None and name not in allowed) or is_empty(value):
                continue
            journal = result.get("journal")
            if name == "journal" and isinstance(journal, dict) and not is_empty(journal):
                for part, part_value in value.items():
                    key = f"journal.{part}"
                    if is_empty(journal.get(part)) and key not in given:
                        journal[part] = part_value
                        given[key] = answer.source
                continue
            empty = is_empty(result.get(name)) or is_placeholder(result, name)
            if empty and name not in given:
                result[name] = copy.deepcopy(value)
                given[name] = answer.source
    return result, given
