"""Imports of the journal register (the DOAJ journal list) and of national publisher deals.

Both read CSV as published, streaming (the DOAJ list has ~22,000 rows), and return the ids of
the journals whose facts changed, so only their publications are classified again.

DOAJ's CSV (https://doaj.org/csv) names its columns in English sentences; the ones used:
``Journal title``, ``Journal ISSN (print version)``, ``Journal EISSN (online version)``,
``Publisher``, ``APC`` (Yes/No), ``APC amount`` (``1500 USD``; several amounts separated by
``;``, the first is kept).  The deals CSV has a column ``issn`` or ``doi`` and a column ``deal``.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterator
from datetime import date
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import IO

from sqlalchemy import delete, or_, select
from sqlalchemy.orm import Session

from catalogue.models import Journal, NationalDeal
from schemas.identifiers import normalise_doi, normalise_issn

DOAJ_TITLE = "Journal title"
DOAJ_ISSN = "Journal ISSN (print version)"
DOAJ_EISSN = "Journal EISSN (online version)"
DOAJ_PUBLISHER = "Publisher"
DOAJ_APC = "APC"
DOAJ_APC_AMOUNT = "APC amount"
_AMOUNT = re.compile(r"^\s*([0-9][0-9.,]*)\s*([A-Za-z]{3})?")


class RegisterError(ValueError):
    """The file is not in the expected layout; the message says what is missing, and where."""


def _issn(raw: str | None) -> str | None:
    if not raw or not raw.strip():
        return None
    try:
        return normalise_issn(raw)
    except ValueError:
        return None


def _apc(has_apc: str, amount: str) -> tuple[Decimal | None, str | None]:
    """(amount, currency); (0, None) for journals that charge nothing; None when unknown."""
    if has_apc.strip().lower() == "no":
        return Decimal(0), None
    match = _AMOUNT.match(amount.split(";")[0]) if amount else None
    if not match:
        return None, None
    try:
        value = Decimal(match.group(1).replace(",", ""))
    except InvalidOperation:
        return None, None
    return value, (match.group(2) or "").upper() or None


def _rows(stream: IO[str], required: set[str]) -> Iterator[dict[str, str]]:
    reader = csv.DictReader(stream)
    missing = required - set(reader.fieldnames or [])
    if missing:
        raise RegisterError(f"the CSV has no column(s) {', '.join(sorted(missing))}")
    yield from reader


def import_doaj(
    session: Session, path: Path, as_of: date, complete: bool = True
) -> tuple[dict[str, int], set[int]]:
    """Mark the journals in the DOAJ list as such, with their APC; add unknown ones.

    With ``complete`` (the whole DOAJ list), journals no longer in it lose their membership.
    """
    counts = {"rows": 0, "skipped": 0, "added": 0, "updated": 0, "left_doaj": 0}
    changed: set[int] = set()
    seen: set[int] = set()
    with path.open(newline="", encoding="utf-8-sig") as stream:
        required = {DOAJ_TITLE, DOAJ_ISSN, DOAJ_EISSN, DOAJ_APC, DOAJ_APC_AMOUNT}
        for line, row in enumerate(_rows(stream, required), start=2):
            counts["rows"] += 1
            issn, eissn = _issn(row[DOAJ_ISSN]), _issn(row[DOAJ_EISSN])
            if not (issn or eissn) or not row[DOAJ_TITLE].strip():
                counts["skipped"] += 1
                continue
            identifiers = [value for value in (issn, eissn) if value]
            journal = session.scalar(
                select(Journal).where(
                    or_(Journal.issn.in_(identifiers), Journal.eissn.in_(identifiers))
                )
            )
            if journal is None:
                journal = Journal(title=row[DOAJ_TITLE].strip(), issn=issn, eissn=eissn)
                session.add(journal)
                counts["added"] += 1
            amount, currency = _apc(row[DOAJ_APC], row[DOAJ_APC_AMOUNT])
            facts = (True, amount, currency)
            if (journal.in_doaj, journal.apc_amount, journal.apc_currency) != facts:
                journal.in_doaj, journal.apc_amount, journal.apc_currency = facts
                counts["updated"] += 1
                session.flush()
                changed.add(journal.id)
            journal.issn = journal.issn or issn
            journal.eissn = journal.eissn or eissn
            journal.publisher = journal.publisher or row.get(DOAJ_PUBLISHER) or None
            journal.doaj_as_of = as_of
            session.flush()
            seen.add(journal.id)
            if line % 1000 == 0:
                session.expunge_all()  # constant memory over the whole list
    if complete:
        for journal in session.scalars(select(Journal).where(Journal.in_doaj.is_(True))):
            if journal.id not in seen:
                journal.in_doaj, journal.doaj_as_of = False, as_of
                changed.add(journal.id)
                counts["left_doaj"] += 1
    session.flush()
    return counts, changed


def import_deals(session: Session, path: Path) -> tuple[dict[str, int], list[str]]:
    """Replace the national deal list; returns counts and the identifiers that changed."""
    entries: dict[str, tuple[str, str]] = {}
    with path.open(newline="", encoding="utf-8-sig") as stream:
        reader = csv.DictReader(stream)
        columns = set(reader.fieldnames or [])
        if "deal" not in columns or not ({"issn", "doi"} & columns):
            raise RegisterError("the CSV needs a column 'deal' and a column 'issn' or 'doi'")
        for line, row in enumerate(reader, start=2):
            raw_issn, raw_doi = (row.get("issn") or "").strip(), (row.get("doi") or "").strip()
            try:
                if raw_issn:
                    entries[normalise_issn(raw_issn)] = ("issn", row["deal"].strip())
                elif raw_doi:
                    entries[normalise_doi(raw_doi)] = ("doi", row["deal"].strip())
            except ValueError as exc:
                raise RegisterError(f"line {line}: {exc}") from exc
    before = set(session.scalars(select(NationalDeal.identifier)))
    session.execute(delete(NationalDeal))
    session.add_all(
        NationalDeal(identifier=identifier, scheme=scheme, deal=deal or "unnamed deal")
        for identifier, (scheme, deal) in entries.items()
    )
    session.flush()
    changed = sorted(before ^ set(entries))
    counts = {"entries": len(entries), "added": len(set(entries) - before)}
    counts["removed"] = len(before - set(entries))
    return counts, changed
