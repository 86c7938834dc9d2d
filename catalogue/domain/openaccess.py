"""Open Access classification of a publication, from its stored inputs, as of a date.

Pure rules, no database: the same inputs and ``as_of`` always give the same answer, so a
classification can be recomputed when an embargo ends or a register changes, and each result
names the rules that decided it (``rules``), for the librarian reading it.

Two schemes side by side (see ``docs/domain.md``):

- the international status, Unpaywall's decision tree with OpenAlex's diamond:
  ``diamond``, ``gold``, ``hybrid``, ``bronze``, ``green``, ``closed`` (``embargoed`` flags a
  closed work whose repository copy opens on a known date), or ``unknown`` when nothing says
  whether the work is free to read;
- the Dutch national monitor category (UNL definitions, in the OAmonitor's order):
  ``gold``, ``hybrid``, ``green``, ``closed``;

plus Taverne eligibility (Dutch copyright act art. 25fa, applied as six months after
publication) and Plan S compliance.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Literal

Status = Literal["diamond", "gold", "hybrid", "bronze", "green", "closed", "unknown"]
Category = Literal["gold", "hybrid", "green", "closed"]
STATUSES: tuple[Status, ...] = (
    "diamond",
    "gold",
    "hybrid",
    "bronze",
    "green",
    "closed",
    "unknown",
)
CATEGORIES: tuple[Category, ...] = ("gold", "hybrid", "green", "closed")
OPEN_STATUSES = frozenset({"diamond", "gold", "hybrid", "bronze", "green"})
TAVERNE_MONTHS = 6
# The versions of a repository copy that count for the Dutch green (UNL definition) and for
# Plan S: the author's accepted manuscript or the published version. The OAmonitor's own code
# counts a copy of any version as green, a submitted preprint too; the catalogue follows the
# written definition (docs/open-access-and-fair.md).
ACCEPTED_OR_PUBLISHED = frozenset({"accepted", "published"})


@dataclass(frozen=True)
class Inputs:
    """What the classification is computed from (``None``: not known)."""

    publication_date: date | None = None
    journal_in_doaj: bool | None = None
    journal_apc: Decimal | None = None
    # Fully Open Access by another source's word (which one: ``journal_oa_source``), for a
    # journal DOAJ does not list.
    journal_fully_oa: bool | None = None
    journal_oa_source: str | None = None
    publisher_free_to_read: bool | None = None
    publisher_license: str | None = None
    in_national_deal: bool = False
    deposit_version: str | None = None
    deposit_url: str | None = None
    deposit_embargo_until: date | None = None
    deposit_license: str | None = None
    short_work: bool | None = None
    publicly_funded: bool | None = None


@dataclass(frozen=True)
class Classification:
    status: Status
    category: Category
    embargoed: bool
    opens_on: date | None
    taverne_eligible: bool
    taverne_date: date | None
    plan_s_compliant: bool
    as_of: date
    rules: tuple[str, ...] = field(default=())


def is_open_licence(spdx_id: str | None) -> bool:
    """A Creative Commons licence or public-domain dedication (what Unpaywall calls open)."""
    if not spdx_id:
        return False
    return spdx_id.upper().startswith(("CC-BY", "CC0", "CC-PDDC", "PDDL"))


def is_plan_s_licence(spdx_id: str | None) -> bool:
    """CC BY (any version), CC BY-SA or CC0: the licences Plan S accepts."""
    if not spdx_id:
        return False
    upper = spdx_id.upper()
    if upper.startswith("CC0"):
        return True
    return upper.startswith("CC-BY-") and not ("-NC" in upper or "-ND" in upper)


def add_months(day: date, months: int) -> date:
    """``day`` plus whole months, clamped to the month's last day (31 Aug + 6 = 28/29 Feb)."""
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def classify(inputs: Inputs, as_of: date) -> Classification:
    rules: list[str] = []
    repository = _repository_copy(inputs, as_of)
    status = _international(inputs, repository, rules)
    embargoed = (
        status == "closed"
        and inputs.deposit_url is not None
        and inputs.deposit_embargo_until is not None
        and inputs.deposit_embargo_until > as_of
    )
    if embargoed:
        rules.append("closed-embargoed: a repository copy opens on its embargo end")
    category = _dutch(inputs, repository, rules)
    taverne_eligible = bool(inputs.short_work and inputs.publicly_funded)
    taverne_date = None
    if taverne_eligible and inputs.publication_date is not None:
        taverne_date = add_months(inputs.publication_date, TAVERNE_MONTHS)
        rules.append("taverne: short, publicly funded work; may be shared six months on")
    plan_s = _plan_s(inputs, rules)
    return Classification(
        status=status,
        category=category,
        embargoed=embargoed,
        opens_on=inputs.deposit_embargo_until if embargoed else None,
        taverne_eligible=taverne_eligible,
        taverne_date=taverne_date,
        plan_s_compliant=plan_s,
        as_of=as_of,
        rules=tuple(rules),
    )


def _repository_copy(inputs: Inputs, as_of: date) -> bool:
    """A repository copy is free to read today (deposited, and any embargo has ended)."""
    if not inputs.deposit_url:
        return False
    return inputs.deposit_embargo_until is None or inputs.deposit_embargo_until <= as_of


def _international(inputs: Inputs, repository: bool, rules: list[str]) -> Status:
    if inputs.publisher_free_to_read:
        if inputs.journal_in_doaj:
            if inputs.journal_apc is not None and inputs.journal_apc == 0:
                rules.append("diamond: free to read in a fully OA journal without APC")
                return "diamond"
            rules.append("gold: free to read in a fully OA (DOAJ) journal that charges an APC")
            return "gold"
        if inputs.journal_fully_oa:
            # Unpaywall's gold too: a fully OA journal, whether DOAJ lists it or not.
            rules.append(
                f"gold: free to read in a fully OA journal ({inputs.journal_oa_source} says so; "
                "not in DOAJ)"
            )
            return "gold"
        if is_open_licence(inputs.publisher_license):
            rules.append("hybrid: free to read at the publisher under an open licence")
            return "hybrid"
        rules.append("bronze: free to read at the publisher without an open licence")
        return "bronze"
    if repository:
        rules.append("green: free to read from a repository copy")
        return "green"
    if inputs.publisher_free_to_read is None:
        rules.append("unknown: nothing says whether the publisher's version is free to read")
        return "unknown"
    rules.append("closed: not free to read anywhere")
    return "closed"


def _dutch(inputs: Inputs, repository: bool, rules: list[str]) -> Category:
    if inputs.journal_in_doaj:
        rules.append("nl-gold: journal in DOAJ")
        return "gold"
    if inputs.journal_fully_oa:
        rules.append(
            f"nl: the journal is fully OA ({inputs.journal_oa_source} says so) but not in DOAJ; "
            "the Dutch monitor counts gold for DOAJ journals only"
        )
    if inputs.in_national_deal:
        rules.append("nl-hybrid: journal or article in a national publisher deal")
        return "hybrid"
    if inputs.publisher_free_to_read and is_open_licence(inputs.publisher_license):
        rules.append("nl-hybrid: open with a licence on the publisher's site")
        return "hybrid"
    if repository and inputs.deposit_version in ACCEPTED_OR_PUBLISHED:
        rules.append("nl-green: accepted or published version in a repository")
        return "green"
    rules.extend(_why_not_open_in_the_dutch_monitor(inputs, repository))
    return "closed"


def _why_not_open_in_the_dutch_monitor(inputs: Inputs, repository: bool) -> list[str]:
    """The rules that made a work closed in the Dutch scheme, each one that applies: the
    librarian needs the reason that decided, not a catch-all."""
    reasons = []
    if inputs.publisher_free_to_read:
        reasons.append(
            "nl-closed: free to read at the publisher without an open licence "
            "(bronze counts as closed)"
        )
    if repository and inputs.deposit_version not in ACCEPTED_OR_PUBLISHED:
        reasons.append(
            f"nl-closed: the repository copy is the {inputs.deposit_version or 'unknown'} "
            "version; green needs the accepted or published version"
        )
    elif inputs.deposit_url and not repository:
        reasons.append(
            f"nl-closed: the repository copy is under embargo until {inputs.deposit_embargo_until}"
        )
    if not reasons:
        reasons.append(
            "nl-closed: not in DOAJ or a national deal, not open at the publisher, "
            "no repository copy"
        )
    return reasons


def _plan_s(inputs: Inputs, rules: list[str]) -> bool:
    """Open on the publication date under CC BY, via an OA venue, a deal or a repository."""
    venue = (
        inputs.publisher_free_to_read
        and is_plan_s_licence(inputs.publisher_license)
        and (inputs.journal_in_doaj or inputs.in_national_deal)
    )
    if venue:
        rules.append("plan-s: CC BY at an OA venue or under a transformative arrangement")
        return True
    repository = (
        inputs.deposit_url is not None
        and inputs.deposit_version in ACCEPTED_OR_PUBLISHED
        and is_plan_s_licence(inputs.deposit_license)
        and (
            inputs.deposit_embargo_until is None
            or (
                inputs.publication_date is not None
                and inputs.deposit_embargo_until <= inputs.publication_date
            )
        )
    )
    if repository:
        rules.append("plan-s: accepted or published version deposited under CC BY, no embargo")
        return True
    return False
