"""How to cite a record: as text people paste into a reference list (APA 7 and Vancouver),
and as the files reference managers import (BibTeX, RIS, CSL-JSON). Built from the record's
wire form, so a citation holds exactly what the caller may see.

APA 7 for data and articles: "Family, G., & Family, G. (Year). *Title* (Version v) [Data
set]. Publisher. https://doi.org/..."

Vancouver (the ICMJE/NLM style of medical journals, after *Citing Medicine*): "Family GG,
Family GG, et al. Title. Journal. Year. doi:..." and for data "Family GG. Title [dataset].
Version v. Publisher; Year. doi:..." (six authors, then "et al."). The catalogue keeps no
volume, issue or pages, so an article's citation ends with the year and the DOI.
"""

from __future__ import annotations

import json
import re
from typing import Any

# What each reference format calls the catalogue's resource types (DataCite's).
_BIBTEX_TYPES = {
    "JournalArticle": "article",
    "BookChapter": "incollection",
    "Book": "book",
    "ConferencePaper": "inproceedings",
    "Dissertation": "phdthesis",
    "Preprint": "unpublished",
    "Report": "techreport",
}
_RIS_TYPES = {
    "JournalArticle": "JOUR",
    "BookChapter": "CHAP",
    "Book": "BOOK",
    "ConferencePaper": "CPAPER",
    "Dissertation": "THES",
    "Preprint": "UNPB",
    "Report": "RPRT",
    "Software": "COMP",
    "Dataset": "DATA",
}
_CSL_TYPES = {
    "JournalArticle": "article-journal",
    "BookChapter": "chapter",
    "Book": "book",
    "ConferencePaper": "paper-conference",
    "Dissertation": "thesis",
    "Preprint": "article",
    "Report": "report",
    "Software": "software",
    "Dataset": "dataset",
}


def _author(name: str) -> str:
    """'Jansen, Anna Maria' -> 'Jansen, A. M.'; an organisation's name stays whole."""
    family, comma, given = name.partition(",")
    if not comma:
        return name.strip()
    initials = " ".join(f"{part[0]}." for part in given.replace("-", " ").split() if part)
    return f"{family.strip()}, {initials}" if initials else family.strip()


def _authors(creators: list[dict[str, Any]]) -> str:
    names = [_author(creator["name"]) for creator in creators if creator.get("name")]
    if not names:
        return ""
    if len(names) == 1:
        return names[0]
    if len(names) <= 20:
        return ", ".join(names[:-1]) + ", & " + names[-1]
    return ", ".join(names[:19]) + ", . . . " + names[-1]


def apa(record: dict[str, Any]) -> dict[str, str]:
    """The APA citation in parts (authors, year, title, rest), so a page can italicise the
    title without building HTML from text."""
    year = record.get("publication_year") or "n.d."
    title = record.get("title") or ""
    rest: list[str] = []
    if record.get("kind") == "dataset":
        version = f"Version {record['version']}" if record.get("version") else ""
        bracket = "[Data set]"
        title_suffix = f" ({version}) {bracket}" if version else f" {bracket}"
        if record.get("publisher"):
            rest.append(str(record["publisher"]))
    else:
        title_suffix = ""
        journal = (record.get("journal") or {}).get("title")
        if journal:
            rest.append(str(journal))
    if record.get("doi"):
        rest.append(f"https://doi.org/{record['doi']}")
    return {
        "authors": _authors(record.get("creators") or []),
        "year": str(year),
        "title": title,
        "title_suffix": title_suffix,
        "rest": ". ".join(rest),
    }


def _vancouver_author(name: str) -> str:
    """'Jansen, Anna-Maria' -> 'Jansen AM'; an organisation's name stays whole."""
    family, comma, given = name.partition(",")
    if not comma:
        return name.strip()
    initials = "".join(part[0] for part in given.replace("-", " ").split() if part)
    return f"{family.strip()} {initials}".strip()


VANCOUVER_AUTHORS = 6  # listed before "et al."


def vancouver(record: dict[str, Any]) -> str:
    names = [
        _vancouver_author(creator["name"])
        for creator in record.get("creators") or []
        if creator.get("name")
    ]
    authors = ", ".join(names[:VANCOUVER_AUTHORS])
    if len(names) > VANCOUVER_AUTHORS:
        authors += ", et al"
    title = (record.get("title") or "").rstrip(".")
    year = str(record.get("publication_year") or "")
    parts = [authors] if authors else []
    if record.get("kind") == "dataset":
        parts.append(f"{title} [dataset]")
        if record.get("version"):
            parts.append(f"Version {record['version']}")
        published = "; ".join(p for p in (record.get("publisher") or "", year) if p)
        if published:
            parts.append(published)
    else:
        parts.append(title)
        journal = (record.get("journal") or {}).get("title")
        if journal:
            parts.append(str(journal))
        if year:
            parts.append(year)
    text = ". ".join(part for part in parts if part) + "."
    if record.get("doi"):
        text += f" doi:{record['doi']}"
    return text


def _names(record: dict[str, Any]) -> list[tuple[str, str]]:
    """(family, given) of each creator; an organisation is all family name."""
    found = []
    for creator in record.get("creators") or []:
        family, _comma, given = (creator.get("name") or "").partition(",")
        found.append((family.strip(), given.strip()))
    return found


_BIBTEX_SPECIAL = {
    "\\": "\\textbackslash{}",
    "~": "\\textasciitilde{}",
    "^": "\\textasciicircum{}",
    **{ch: "\\" + ch for ch in "{}%&$#_"},
}


def _bibtex_value(text: str) -> str:
    """Text inside BibTeX braces, special characters escaped, so a title cannot close the
    field or run a command in the reader's LaTeX."""
    return "".join(_BIBTEX_SPECIAL.get(ch, ch) for ch in text)


_AND = re.compile(r"\band\b", re.IGNORECASE)


def _bibtex_name_part(text: str) -> str:
    """A part of a name, braced when it holds the word "and", which BibTeX would otherwise
    read as the start of the next author ("Smith and Wesson, J." is one person)."""
    escaped = _bibtex_value(text)
    return "{" + escaped + "}" if _AND.search(text) else escaped


def _bibtex_author(family: str, given: str) -> str:
    if not given:  # an organisation: braces keep BibTeX from splitting its name
        return "{" + _bibtex_value(family) + "}"
    return f"{_bibtex_name_part(family)}, {_bibtex_name_part(given)}"


def bibtex(record: dict[str, Any]) -> str:
    kind = record.get("resource_type") or ""
    entry = "dataset" if record.get("kind") == "dataset" else _BIBTEX_TYPES.get(kind, "misc")
    fields: list[tuple[str, str]] = [
        ("title", record.get("title") or ""),
        ("author", " and ".join(_bibtex_author(f, g) for f, g in _names(record))),
        ("year", str(record.get("publication_year") or "")),
        ("journal", (record.get("journal") or {}).get("title") or ""),
        ("publisher", record.get("publisher") or ""),
        ("version", record.get("version") or ""),
        ("doi", record.get("doi") or ""),
        ("url", f"https://doi.org/{record['doi']}" if record.get("doi") else ""),
        ("keywords", ", ".join(record.get("keywords") or [])),
    ]
    body = ",\n".join(
        f"  {name} = {{{value if name == 'author' else _bibtex_value(value)}}}"
        for name, value in fields
        if value
    )
    return f"@{entry}{{{record['id']},\n{body}\n}}\n"


def ris(record: dict[str, Any]) -> str:
    kind = record.get("resource_type") or ""
    lines = [("TY", "DATA" if record.get("kind") == "dataset" else _RIS_TYPES.get(kind, "GEN"))]
    lines += [("AU", f"{f}, {g}" if g else f) for f, g in _names(record)]
    lines += [
        ("TI", record.get("title") or ""),
        ("PY", str(record.get("publication_year") or "")),
        ("DA", str(record.get("publication_date") or "").replace("-", "/")),
        ("JO", (record.get("journal") or {}).get("title") or ""),
        ("PB", record.get("publisher") or ""),
        ("ET", record.get("version") or ""),
        ("DO", record.get("doi") or ""),
        ("UR", f"https://doi.org/{record['doi']}" if record.get("doi") else ""),
        ("AB", record.get("description") or ""),
    ]
    lines += [("KW", keyword) for keyword in record.get("keywords") or []]
    # One tag per line: a value's own line breaks would start a new tag.
    text = "".join(f"{tag}  - {' '.join(str(value).split())}\r\n" for tag, value in lines if value)
    return text + "ER  - \r\n"


def csl_json(record: dict[str, Any]) -> str:
    kind = record.get("resource_type") or ""
    item: dict[str, Any] = {
        "id": record["id"],
        "type": "dataset" if record.get("kind") == "dataset" else _CSL_TYPES.get(kind, "document"),
        "title": record.get("title"),
        "author": [{"family": f, "given": g} if g else {"literal": f} for f, g in _names(record)],
    }
    if record.get("publication_date"):
        parts = [int(p) for p in str(record["publication_date"]).split("-")]
        item["issued"] = {"date-parts": [parts]}
    optional = {
        "container-title": (record.get("journal") or {}).get("title"),
        "publisher": record.get("publisher"),
        "version": record.get("version"),
        "DOI": record.get("doi"),
        "URL": f"https://doi.org/{record['doi']}" if record.get("doi") else None,
        "abstract": record.get("description"),
        "keyword": ", ".join(record.get("keywords") or []) or None,
    }
    item.update({key: value for key, value in optional.items() if value})
    return json.dumps([item], ensure_ascii=False, indent=2) + "\n"
