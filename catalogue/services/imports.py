"""Import files: CSV from the research information system, RIS and BibTeX from reference
managers, read into works the intake takes in (:mod:`catalogue.services.intake`).

Each file becomes *rows*: ``{"line": n, "values": {...}}`` (the line where the work starts,
and its values as the file gives them) or ``{"line": n, "error": "..."}`` for a part of the
file that could not be read at all.  Rows are plain JSON, so a job can keep them and resume;
:func:`to_incoming` turns one into publication fields, or says with its line and field why
it cannot.  Parsing is the well-kept libraries' (``csv``, ``rispy``, ``bibtexparser``).
"""

from __future__ import annotations

import contextlib
import csv
import io
import re
from collections.abc import Callable
from typing import Any

import rispy
from bibtexparser import middlewares
from bibtexparser.entrypoint import parse_string
from sqlalchemy.orm import Session

from catalogue.services.intake import Incoming, NotAWork, Outcome, take_in
from catalogue.services.permissions import Identity
from schemas.identifiers import normalise_doi

FORMATS = ("csv", "ris", "bibtex")

# The CSV columns, in the template's order, with what each holds.  Lists are separated by
# semicolons; only ``title`` is required.
CSV_COLUMNS = {
    "title": "The work's title (required)",
    "doi": "DOI, in any spelling (10.1234/abc, https://doi.org/10.1234/abc)",
    "pmid": "PubMed id",
    "publication_date": "YYYY-MM-DD",
    "resource_type": "JournalArticle (default), Preprint, Book, BookChapter, ConferencePaper, "
    "Dissertation, Report...",
    "authors": "Family, Given; Family, Given; ... in the order of the byline",
    "orcids": "ORCID iDs in the order of the authors, empty between semicolons where unknown",
    "journal": "Journal title",
    "issn": "Print ISSN",
    "eissn": "Electronic ISSN",
    "publisher": "Publisher",
    "language": "ISO 639 code, such as en or nl",
    "keywords": "keyword; keyword",
    "abstract": "Abstract",
    "peer_reviewed": "yes or no",
    "publisher_free_to_read": "yes or no: free to read on the publisher's site",
    "publisher_license": "SPDX id of the publisher's licence, such as CC-BY-4.0",
    "deposit_url": "URL of the copy in a repository",
    "deposit_version": "published, accepted or submitted",
    "deposit_embargo_until": "YYYY-MM-DD the repository copy opens",
}

# RIS reference types and BibTeX entry types, as the catalogue's resource types.
RIS_TYPES = {
    "JOUR": "JournalArticle",
    "JFULL": "JournalArticle",
    "EJOUR": "JournalArticle",
    "MGZN": "JournalArticle",
    "CHAP": "BookChapter",
    "ECHAP": "BookChapter",
    "BOOK": "Book",
    "EBOOK": "Book",
    "EDBOOK": "Book",
    "CONF": "ConferencePaper",
    "CPAPER": "ConferencePaper",
    "RPRT": "Report",
    "THES": "Dissertation",
    "STAND": "Standard",
}
BIBTEX_TYPES = {
    "article": "JournalArticle",
    "inproceedings": "ConferencePaper",
    "conference": "ConferencePaper",
    "incollection": "BookChapter",
    "inbook": "BookChapter",
    "book": "Book",
    "phdthesis": "Dissertation",
    "techreport": "Report",
    "proceedings": "ConferenceProceeding",
}
_YES = {"yes", "y", "true", "1", "ja", "j"}
_NO = {"no", "n", "false", "0", "nee"}
_PMID = re.compile(r"^\d{1,9}$")


def template() -> str:
    """The CSV template: the header and one example row."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    example = {
        "title": "Outcomes of migraine care in a Dutch cohort",
        "doi": "10.1234/example.2024.001",
        "publication_date": "2024-03-01",
        "authors": "Jansen, Anna; de Boer, Piet",
        "orcids": "0000-0002-1825-0097;",
        "journal": "Journal of Clinical Research",
        "issn": "0378-5955",
        "language": "en",
        "keywords": "migraine; outcomes",
        "peer_reviewed": "yes",
        "publisher_free_to_read": "yes",
        "publisher_license": "CC-BY-4.0",
    }
    writer.writerow([example.get(column, "") for column in CSV_COLUMNS])
    return out.getvalue()


def rows(fmt: str, text: str) -> list[dict[str, Any]]:
    """The works of a file, one row each, in the order of the file.  A row naming a work an
    earlier row named (the same DOI or PubMed id) is an error row: taking both in would make
    the later one win, and every later import of the same file change the work back and forth."""
    readers: dict[str, Callable[[str], list[dict[str, Any]]]] = {
        "csv": _csv_rows,
        "ris": _ris_rows,
        "bibtex": _bibtex_rows,
    }
    found = readers[fmt](text)
    seen: dict[str, Any] = {}
    for index, row in enumerate(found):
        try:
            work = to_incoming(fmt, row)
        except NotAWork:
            continue
        keys = [f"{scheme}:{value}" for scheme, value in work.identifiers.items()]
        with contextlib.suppress(ValueError):
            keys.append(f"doi:{normalise_doi(str(work.fields.get('doi') or ''))}")
        earlier = next((seen[key] for key in keys if key in seen), None)
        if earlier is not None:
            found[index] = {
                "line": row.get("line"),
                "error": f"the same work (DOI or PubMed id) as line {earlier}: keep one of them",
            }
            continue
        for key in keys:
            seen.setdefault(key, row.get("line"))
    return found


def to_incoming(fmt: str, row: dict[str, Any]) -> Incoming:
    """A row as publication fields; NotAWork naming the field when it cannot be (the row's
    line names it in reports)."""
    if row.get("error"):
        raise NotAWork(str(row["error"]))
    values: dict[str, Any] = row.get("values") or {}
    fields, identifiers = {"csv": _from_csv, "ris": _from_ris, "bibtex": _from_bibtex}[fmt](values)
    if not fields.get("title"):
        raise NotAWork("title: a title is required")
    return Incoming(fmt, f"line {row.get('line', '?')}", fields, identifiers)


# -- CSV ---------------------------------------------------------------------------------


def _csv_rows(text: str) -> list[dict[str, Any]]:
    first = text.split("\n", 1)[0]
    # Spreadsheets in Dutch settings save with semicolons.
    delimiter = ";" if first.count(";") > first.count(",") else ","
    reader = csv.DictReader(io.StringIO(text), delimiter=delimiter)
    names = [name.strip().lower() for name in reader.fieldnames or []]
    if "title" not in names:
        return [{"line": 1, "error": "the first line must name the columns, title among them"}]
    unknown = [name for name in names if name and name not in CSV_COLUMNS]
    if unknown:
        known = ", ".join(CSV_COLUMNS)
        return [{"line": 1, "error": f"unknown columns {unknown}; the columns are: {known}"}]
    found = []
    for record in reader:
        values = {
            (key or "").strip().lower(): (value or "").strip()
            for key, value in record.items()
            if key is not None and isinstance(value, str)
        }
        if any(values.values()):
            # The line where the row ends (a quoted value may span lines), as editors number.
            found.append({"line": reader.line_num, "values": values})
    return found


def _from_csv(values: dict[str, str]) -> tuple[dict[str, Any], dict[str, str]]:
    fields: dict[str, Any] = {}
    for name in ("title", "doi", "publication_date", "publisher", "language"):
        if values.get(name):
            fields[name] = values[name]
    if values.get("resource_type"):
        fields["resource_type"] = values["resource_type"]
    if values.get("abstract"):
        fields["description"] = values["abstract"]
    names = _split(values.get("authors", ""))
    orcids = values.get("orcids", "").split(";") if values.get("orcids") else []
    creators = []
    for position, name in enumerate(names):
        creator = _person(name)
        orcid = orcids[position].strip() if position < len(orcids) else ""
        if orcid:
            creator["orcid"] = orcid
        creators.append(creator)
    if creators:
        fields["creators"] = creators
    if values.get("journal"):
        fields["journal"] = {"title": values["journal"]}
        for part in ("issn", "eissn"):
            if values.get(part):
                fields["journal"][part] = values[part]
    if keywords := _split(values.get("keywords", "")):
        fields["keywords"] = keywords
    for name in ("peer_reviewed", "publisher_free_to_read"):
        if values.get(name):
            fields[name] = _yes_no(values[name], name)
    if values.get("publisher_license"):
        fields["publisher_license"] = values["publisher_license"]
    if values.get("deposit_url"):
        fields["deposit"] = {
            "url": values["deposit_url"],
            "version": values.get("deposit_version") or "accepted",
        }
        if values.get("deposit_embargo_until"):
            fields["deposit"]["embargo_until"] = values["deposit_embargo_until"]
    return fields, _pmid(values.get("pmid"))


# -- RIS ---------------------------------------------------------------------------------


def _ris_rows(text: str) -> list[dict[str, Any]]:
    # Where each reference starts, for reports by line (rispy does not say).
    starts = [n for n, line in enumerate(text.splitlines(), start=1) if line.startswith("TY  -")]
    try:
        entries = rispy.loads(text, skip_unknown_tags=True)
    except Exception as exc:  # rispy raises plain IOError/ValueError on a broken file
        return [{"line": starts[0] if starts else 1, "error": f"not a RIS file: {exc}"}]
    return [
        {"line": starts[i] if i < len(starts) else "?", "values": _plain(entry)}
        for i, entry in enumerate(entries)
    ]


def _from_ris(values: dict[str, Any]) -> tuple[dict[str, Any], dict[str, str]]:
    fields: dict[str, Any] = {}
    title = _first(values, "title", "primary_title")
    if title:
        fields["title"] = title
    kind = str(values.get("type_of_reference") or "JOUR").upper()
    if kind not in RIS_TYPES:
        raise NotAWork(f"TY: {kind} is not a publication type the catalogue counts")
    fields["resource_type"] = RIS_TYPES[kind]
    if doi := _first(values, "doi"):
        fields["doi"] = doi
    if date := _ris_date(values.get("date")):
        fields["publication_date"] = date
    names = [str(n) for n in (values.get("authors") or values.get("first_authors") or [])]
    if names:
        fields["creators"] = [_person(name) for name in names]
    journal = _first(values, "journal_name", "alternate_title3", "secondary_title")
    if journal and fields["resource_type"] == "JournalArticle":
        fields["journal"] = {"title": journal}
        if issn := _first(values, "issn"):
            fields["journal"]["issn"] = issn.split()[0]
    for source, target in (("publisher", "publisher"), ("abstract", "description")):
        if text := _first(values, source):
            fields[target] = text
    if language := _first(values, "language"):
        fields["language"] = language
    if keywords := [str(k).strip() for k in values.get("keywords") or [] if str(k).strip()]:
        fields["keywords"] = keywords
    # PubMed's RIS puts the PMID in AN; other databases put their own numbers there.
    database = str(values.get("name_of_database") or "").lower()
    pmid = _first(values, "accession_number") if "pubmed" in database or not database else None
    return fields, _pmid(pmid, strict=False)


def _ris_date(value: Any) -> str | None:
    """``2024/03/01`` (RIS) as ``2024-03-01``; partial dates are not completed by guesswork."""
    parts = str(value or "").strip().replace("-", "/").split("/")
    if len(parts) >= 3 and all(p.strip().isdigit() for p in parts[:3]):
        year, month, day = (int(p) for p in parts[:3])
        return f"{year:04d}-{month:02d}-{day:02d}"
    return None


# -- BibTeX ------------------------------------------------------------------------------


def _bibtex_rows(text: str) -> list[dict[str, Any]]:
    library = parse_string(
        text,
        append_middleware=[
            middlewares.LatexDecodingMiddleware(),
            middlewares.SeparateCoAuthors(),
            middlewares.SplitNameParts(),
        ],
    )
    found: list[tuple[int, dict[str, Any]]] = []
    for entry in library.entries:
        values: dict[str, Any] = {"ENTRYTYPE": entry.entry_type, "ID": entry.key}
        for field in entry.fields:
            if field.key.lower() == "author" and isinstance(field.value, list):
                values["author"] = [
                    {
                        "family": " ".join([*name.von, *name.last]).strip("{} "),
                        "given": " ".join(name.first).strip("{} "),
                    }
                    for name in field.value
                ]
            else:
                values[field.key.lower()] = str(field.value)
        line = (entry.start_line or 0) + 1  # bibtexparser counts lines from 0
        found.append((line, {"line": line, "values": values}))
    for block in library.failed_blocks:
        line = (block.start_line or 0) + 1
        found.append((line, {"line": line, "error": "not a BibTeX entry (check its braces)"}))
    return [row for _, row in sorted(found, key=lambda pair: pair[0])]


def _from_bibtex(values: dict[str, Any]) -> tuple[dict[str, Any], dict[str, str]]:
    fields: dict[str, Any] = {}
    kind = str(values.get("ENTRYTYPE") or "").lower()
    if kind not in BIBTEX_TYPES:
        raise NotAWork(f"@{kind} is not a publication type the catalogue counts")
    fields["resource_type"] = BIBTEX_TYPES[kind]
    if values.get("title"):
        fields["title"] = " ".join(str(values["title"]).replace("{", "").replace("}", "").split())
    if values.get("doi"):
        fields["doi"] = values["doi"]
    authors = values.get("author") or []
    if authors:
        fields["creators"] = [
            _named(author.get("family", ""), author.get("given", "")) for author in authors
        ]
    if values.get("journal"):
        fields["journal"] = {"title": values["journal"]}
        if values.get("issn"):
            fields["journal"]["issn"] = str(values["issn"]).split(",")[0].strip()
    if values.get("publisher"):
        fields["publisher"] = values["publisher"]
    if values.get("abstract"):
        fields["description"] = values["abstract"]
    if values.get("keywords"):
        fields["keywords"] = _split(str(values["keywords"]).replace(",", ";"))
    if values.get("language") and len(str(values["language"])) <= 3:
        fields["language"] = values["language"]
    return fields, _pmid(values.get("pmid"))


# -- shared ------------------------------------------------------------------------------


def _person(name: str) -> dict[str, Any]:
    """``Family, Given`` (or a name as written, kept whole) as a creator."""
    family, sep, given = name.partition(",")
    return _named(family, given) if sep else {"name": name.strip()}


def _named(family: str, given: str) -> dict[str, Any]:
    family, given = family.strip(), given.strip()
    person: dict[str, Any] = {"name": ", ".join(p for p in (family, given) if p)}
    if family:
        person["family_name"] = family
    if given:
        person["given_name"] = given
    return person


def _split(text: str) -> list[str]:
    return [part.strip() for part in text.split(";") if part.strip()]


def _first(values: dict[str, Any], *names: str) -> str | None:
    for name in names:
        value = values.get(name)
        if isinstance(value, list):
            value = value[0] if value else None
        if value is not None and str(value).strip():
            return str(value).strip()
    return None


def _plain(entry: dict[str, Any]) -> dict[str, Any]:
    """rispy's entry as JSON (it may hold tuples)."""
    return {key: list(value) if isinstance(value, tuple) else value for key, value in entry.items()}


def _yes_no(value: str, name: str) -> bool:
    lowered = value.strip().lower()
    if lowered in _YES:
        return True
    if lowered in _NO:
        return False
    raise NotAWork(f"{name}: {value!r} is not yes or no")


def _pmid(value: Any, strict: bool = True) -> dict[str, str]:
    text = str(value or "").strip()
    if not text:
        return {}
    if not _PMID.match(text):
        if strict:
            raise NotAWork(f"pmid: {text!r} is not a PubMed id (digits only)")
        return {}
    return {"pmid": text}


def dry_run(session: Session, identity: Identity, fmt: str, text: str) -> list[Outcome]:
    """What importing the file would do, work by work, with nothing saved (the caller's
    session is only read: it is never committed)."""
    outcomes = []
    for row in rows(fmt, text):
        try:
            incoming = to_incoming(fmt, row)
        except NotAWork as exc:
            outcomes.append(Outcome(f"line {row.get('line', '?')}", "failed", reason=str(exc)))
            continue
        outcomes.append(take_in(session, identity, incoming, dry_run=True))
    return outcomes
