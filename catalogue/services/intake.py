"""Works from outside (a harvest, an import file) taken into the catalogue, one at a time.

A work is matched to a publication by its DOI (in any spelling: identifiers are stored in one
canonical form; a merged duplicate's DOI leads to the record it was merged into), then by
its other identifiers (PubMed, OpenAlex, its place in an ORCID record, its OAI identifier),
then (deposits, ORCID works without a DOI) by its title, year and first author.  A new work
is registered and published as found (a repository deposit never is: it is evidence for a
publication, or unmatched); a known one changes only as :mod:`catalogue.domain.merge`
allows (never a person's value), audited as ``harvest`` with the source of every field.
Works are placed in departments by the people register and suggested themes by the rules.  What the
source said is kept per record (``record_sources``): the same work found again with the same
values is *unchanged* without the record even being read, which is what makes a daily
re-harvest cheap.

Like every service this one never commits: a harvest commits each work with its job's
progress, an import's dry run rolls everything back.
"""

from __future__ import annotations

import contextlib
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from marshmallow import ValidationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from catalogue.domain.errors import Forbidden, InvalidInput, NotAuthenticated, ServiceError
from catalogue.domain.matching import work_key
from catalogue.domain.merge import Merged, canonical, digest, is_empty, merge
from catalogue.models import Publication, Record, RecordIdentifier, RecordSource, utcnow
from catalogue.services import openaccess, people, permissions, theme_rules
from catalogue.services.permissions import Identity
from catalogue.services.records import publications
from schemas.identifiers import normalise_doi

# The other identifiers a work is matched by, in the order they are tried after the DOI.
SCHEMES = ("pmid", "openalex", "orcid-work", "oai")
# Where a merged duplicate went: (MERGED, duplicate id) -> the record it was merged into.
MERGED = "merged-from"
# ``unmatched``: a repository deposit that is evidence for no publication (none matches it,
# or it is not a free copy).
OUTCOMES = ("created", "updated", "unchanged", "conflict", "unmatched", "failed")


class NotAWork(ValueError):
    """Something a source gave that cannot be taken in as a work, with the reason in words."""

    outcome = "failed"  # how it is counted


@dataclass
class Incoming:
    """A work as a source describes it: publication fields in the API's wire form."""

    source: str  # openalex, orcid, oai, csv, ris, bibtex
    item: str  # how the source names it, for reports: an OpenAlex id, "line 12"
    fields: dict[str, Any]
    identifiers: dict[str, str] = field(default_factory=dict)  # scheme -> value
    # What the source says beyond the record: {"journal_fully_oa": True} (OpenAlex).
    facts: dict[str, Any] = field(default_factory=dict)
    # What finds the record but is not to be written to it (a repository's word on a
    # publication's DOI, title, year and first author): {"doi", "title", "year", "author"}.
    hints: dict[str, Any] = field(default_factory=dict)
    # The source no longer has the item (a deposit deleted from the repository).
    deleted: bool = False

    @property
    def digest(self) -> str:
        said = {"fields": self.fields, "identifiers": self.identifiers, "facts": self.facts}
        return digest({**said, "deleted": self.deleted})


@dataclass
class Outcome:
    """What taking one work in did (or, in a dry run, would do)."""

    item: str
    action: str  # one of OUTCOMES
    record_id: str | None = None
    taken: list[str] = field(default_factory=list)  # fields set from the source
    kept: list[str] = field(default_factory=list)  # a person's values the source disagrees with
    skipped: dict[str, Any] = field(default_factory=dict)  # the source's invalid values
    reason: str | None = None


def match(session: Session, incoming: Incoming) -> str | None:
    """The id of the record ``incoming`` describes, if the catalogue has it: by DOI, by the
    other identifiers, and (a deposit) by its title, year and first author."""
    doi = _doi(incoming)
    if doi:
        found = session.scalar(select(Record.id).where(Record.doi == doi))
        if found:
            # A duplicate merged into another record keeps its DOI: the work is the other.
            merged = session.get(RecordIdentifier, (MERGED, found))
            return merged.record_id if merged is not None else found
    for scheme in SCHEMES:
        value = incoming.identifiers.get(scheme)
        if value:
            known = session.get(RecordIdentifier, (scheme, value))
            if known is not None:
                return known.record_id
    hints = incoming.hints
    if hints.get("title") and hints.get("year") and hints.get("author"):
        return _by_title(session, str(hints["title"]), int(hints["year"]), str(hints["author"]))
    return None


def _doi(incoming: Incoming) -> str | None:
    doi = incoming.fields.get("doi") or incoming.hints.get("doi")
    return doi if isinstance(doi, str) and doi else None


def _by_title(session: Session, title: str, year: int, author: str) -> str | None:
    """The one publication with this title, year and first author (the fingerprint every
    record keeps, :func:`catalogue.domain.matching.work_key`); None when none or several."""
    key = work_key(title, year, author)
    if key is None:
        return None
    found = session.scalars(
        select(Record.id).where(Record.kind == "publication", Record.match_key == key).limit(2)
    ).all()
    return found[0] if len(found) == 1 else None


def unchanged(session: Session, works: Sequence[Incoming]) -> list[bool]:
    """For each work, whether taking it in would find it ``unchanged``: matched (as
    :func:`match` does, in the same order) to a record for which its source said exactly
    this last time.  A handful of queries for a whole page, instead of a few per work."""
    works = [_placed(session, _normalised(work)) for work in works]
    dois = {doi for work in works if (doi := _doi(work))}
    by_doi = dict(session.execute(select(Record.doi, Record.id).where(Record.doi.in_(dois))).all())
    by_scheme: dict[str, dict[str, str]] = {}
    for scheme in SCHEMES:
        values = {work.identifiers[scheme] for work in works if work.identifiers.get(scheme)}
        rows = session.execute(
            select(RecordIdentifier.value, RecordIdentifier.record_id).where(
                RecordIdentifier.scheme == scheme, RecordIdentifier.value.in_(values)
            )
        )
        by_scheme[scheme] = dict(rows.all())
    matched: list[str | None] = []
    for work in works:
        found = by_doi.get(_doi(work) or "")
        for scheme in SCHEMES:
            found = found or by_scheme[scheme].get(work.identifiers.get(scheme) or "")
        matched.append(found)
    sources = {work.source for work in works}
    said = {
        (record_id, source): known
        for record_id, source, known in session.execute(
            select(RecordSource.record_id, RecordSource.source, RecordSource.digest).where(
                RecordSource.record_id.in_({m for m in matched if m}),
                RecordSource.source.in_(sources),
            )
        )
    }
    return [
        record_id is not None and said.get((record_id, work.source)) == work.digest
        for record_id, work in zip(matched, works, strict=True)
    ]


def take_in(
    session: Session, identity: Identity, incoming: Incoming, dry_run: bool = False
) -> Outcome:
    """Register or update the publication ``incoming`` describes, in the caller's transaction.

    Service errors (a DOI registered as a dataset, a record the caller may not change) come
    back as a ``failed`` outcome naming the reason; the transaction is then the caller's to
    roll back.  A ``dry_run`` checks and merges as the real thing would, and writes nothing.
    """
    try:
        incoming = _placed(session, _normalised(incoming))
        record_id = match(session, incoming)
        if incoming.deleted:
            if record_id is None:
                return Outcome(incoming.item, "unchanged", reason="deleted; matched nothing")
            return _forget(session, identity, incoming, record_id, dry_run)
        if record_id is None and incoming.source == "oai":
            return Outcome(incoming.item, "unmatched", reason=_unmatched(incoming))
        if record_id is None:
            return _create(session, identity, incoming, dry_run)
        return _update(session, identity, incoming, record_id, dry_run)
    except ServiceError as exc:
        return Outcome(incoming.item, "failed", reason=_reason(exc))


def _normalised(incoming: Incoming) -> Incoming:
    for given in (incoming.fields, incoming.hints):
        doi = given.get("doi")
        if isinstance(doi, str):
            # Not a DOI: left as given, for the schema to name when the fields are loaded.
            with contextlib.suppress(ValueError):
                given["doi"] = normalise_doi(doi)
    return incoming


def _placed(session: Session, incoming: Incoming) -> Incoming:
    """A work's departments from the people register, when the source names none: those
    its authors were in on its publication date."""
    fields = incoming.fields
    creators = fields.get("creators")
    if "departments" not in fields and isinstance(creators, list):
        found = people.departments_on(session, creators, fields.get("publication_date"))
        if found:
            fields["departments"] = found
    return incoming


def merge_duplicate(
    session: Session, identity: Identity, target_id: str, duplicate_id: str, if_match: int | None
) -> Publication:
    """Merge a duplicate publication into ``target``: the duplicate is withdrawn naming it
    (:meth:`RecordService.merge`), and whatever finds the duplicate from outside (its
    identifiers, what each source said, its DOI) finds the target from now on."""
    target = publications.merge(session, identity, target_id, duplicate_id, if_match)
    for known in session.scalars(
        select(RecordIdentifier).where(RecordIdentifier.record_id == duplicate_id)
    ):
        known.record_id = target_id
    kept = set(
        session.scalars(select(RecordSource.source).where(RecordSource.record_id == target_id))
    )
    for said in session.scalars(select(RecordSource).where(RecordSource.record_id == duplicate_id)):
        if said.source in kept:
            session.delete(said)
        else:
            said.record_id = target_id
    session.add(RecordIdentifier(scheme=MERGED, value=duplicate_id, record_id=target_id))
    session.flush()
    return target


def _unmatched(incoming: Incoming) -> str:
    hints = incoming.hints
    named = f"DOI {hints['doi']}" if hints.get("doi") else f"{hints.get('title', '?')!r}"
    return f"no publication matches {named} ({hints.get('year', '?')}, {hints.get('author', '?')})"


def _forget(
    session: Session, identity: Identity, incoming: Incoming, record_id: str, dry_run: bool
) -> Outcome:
    """The source no longer has the item: what it gave goes, unless a person changed it."""
    said = session.get(RecordSource, (record_id, incoming.source))
    record = session.get(Record, record_id)
    if said is None or said.digest == incoming.digest or not isinstance(record, Publication):
        return Outcome(incoming.item, "unchanged", record_id)
    current = publications.editable_fields(record)
    gone = [
        name
        for name, value in said.fields.items()
        if not is_empty(current.get(name)) and canonical(current.get(name)) == canonical(value)
    ]
    if gone and dry_run:
        if not permissions.can_edit_open_access(identity, record):
            raise Forbidden("You may not change this record.")
    elif gone:
        data = publications.schema.load({k: v for k, v in current.items() if k not in gone})
        sources = {name: incoming.source for name in gone}
        publications.enrich(
            session, identity, record_id, data, sources, None, record.revision, action="harvest"
        )
    if not dry_run:
        _remember(session, record_id, incoming)
    return Outcome(incoming.item, "updated" if gone else "unchanged", record_id, gone)


def _create(session: Session, identity: Identity, incoming: Incoming, dry_run: bool) -> Outcome:
    data, skipped = _loaded(incoming.fields, {})
    sources = {name: incoming.source for name in canonical(incoming.fields) if name not in skipped}
    if dry_run:
        if not permissions.can_create(identity):
            raise NotAuthenticated("Log in to register records.")
        return Outcome(incoming.item, "created", None, sorted(sources), skipped=skipped)
    record = publications.create(
        session, identity, data, publish=True, sources=sources, as_found=True
    )
    _remember(session, record.id, incoming)
    _learn(session, record, incoming)
    theme_rules.suggest(session, record)
    return Outcome(incoming.item, "created", record.id, sorted(sources), skipped=skipped)


def _update(
    session: Session, identity: Identity, incoming: Incoming, record_id: str, dry_run: bool
) -> Outcome:
    said = session.get(RecordSource, (record_id, incoming.source))
    if said is not None and said.digest == incoming.digest:
        return Outcome(incoming.item, "unchanged", record_id)
    record = session.get(Record, record_id)
    if not isinstance(record, Publication):
        return Outcome(
            incoming.item,
            "failed",
            record_id,
            reason=f"DOI {incoming.fields.get('doi')} is registered as a dataset ({record_id}).",
        )
    if record.status == "withdrawn":
        if not dry_run:
            _remember(session, record_id, incoming)
        return Outcome(incoming.item, "unchanged", record_id, reason="withdrawn: left as it is")
    current = publications.editable_fields(record)
    allowed = None if permissions.can_edit(identity, record) else permissions.OPEN_ACCESS_FIELDS
    merged = merge(current, incoming.fields, said.fields if said is not None else None, allowed)
    data, skipped = _loaded(merged.fields, current, merged)
    if merged.taken and dry_run:
        if not permissions.can_edit_open_access(identity, record):
            raise Forbidden("You may not change this record.")
    elif merged.taken:
        sources = {name: incoming.source for name in merged.taken}
        publications.enrich(
            session, identity, record_id, data, sources, None, record.revision, action="harvest"
        )
    if not dry_run:
        _remember(session, record_id, incoming)
        _learn(session, record, incoming)
        theme_rules.suggest(session, record)
    action = "conflict" if merged.kept else "updated" if merged.taken else "unchanged"
    return Outcome(incoming.item, action, record_id, merged.taken, merged.kept, skipped)


def _loaded(
    fields: dict[str, Any], current: dict[str, Any], merged: Merged | None = None
) -> tuple[dict[str, Any], dict[str, Any]]:
    """``fields`` through the publication schema.  A source's value that does not validate is
    left out (the record keeps its own) and returned in ``skipped`` with the message."""
    try:
        return publications.schema.load(fields), {}
    except ValidationError as exc:
        errors: dict[str, Any] = exc.messages if isinstance(exc.messages, dict) else {}
    retry = dict(fields)
    for name in errors:
        if name in current:
            retry[name] = current[name]
        else:
            retry.pop(name, None)
        if merged is not None:
            merged.taken = [t for t in merged.taken if t.split(".")[0] != name]
    try:
        return publications.schema.load(retry), errors
    except ValidationError as exc:
        # What is left is the record's own values, which load; a new work without a valid
        # title is the one failure a source causes on its own.
        raise InvalidInput(errors, "The work cannot be registered.") from exc


def _remember(session: Session, record_id: str, incoming: Incoming) -> None:
    """What the source said, for the next time; and the work's other identifiers."""
    said = session.get(RecordSource, (record_id, incoming.source))
    if said is None:
        said = RecordSource(record_id=record_id, source=incoming.source)
        session.add(said)
    said.digest = incoming.digest
    said.fields = canonical(incoming.fields)
    said.facts = canonical(incoming.facts) or None
    said.seen_at = utcnow()
    for scheme, value in incoming.identifiers.items():
        if value and session.get(RecordIdentifier, (scheme, value)) is None:
            session.add(RecordIdentifier(scheme=scheme, value=value, record_id=record_id))


def _learn(session: Session, record: Publication, incoming: Incoming) -> None:
    """What the source says of the record's journal goes to the register (with the source
    and the day), and the journal's publications are classified again when it changed."""
    fully_oa = incoming.facts.get("journal_fully_oa")
    if isinstance(fully_oa, bool) and record.journal is not None:
        openaccess.learn_fully_oa(session, record.journal, fully_oa, incoming.source)


def _reason(exc: ServiceError) -> str:
    details = f" {exc.errors}" if getattr(exc, "errors", None) else ""
    return f"{exc.message}{details}"[:500]
