"""The Open Access classifier, branch by branch; each case cites the rule it checks.

Rules as written in docs/domain.md: the international status follows Unpaywall's decision
(with OpenAlex's diamond), the Dutch category the UNL/OAmonitor order, Taverne the Dutch
copyright act art. 25fa (six months), Plan S its compliance routes.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from decimal import Decimal

import pytest

from catalogue.domain.openaccess import Inputs, add_months, classify

AS_OF = date(2026, 11, 23)
PUBLISHED = date(2026, 3, 1)
DEPOSIT = "https://repository.example.org/123"

CLOSED = Inputs(publication_date=PUBLISHED, publisher_free_to_read=False)
DOAJ_NO_APC = replace(
    CLOSED, publisher_free_to_read=True, journal_in_doaj=True, journal_apc=Decimal(0)
)
DOAJ_APC = replace(DOAJ_NO_APC, journal_apc=Decimal("1750.00"))
DOAJ_APC_UNKNOWN = replace(DOAJ_NO_APC, journal_apc=None)
HYBRID = replace(CLOSED, publisher_free_to_read=True, publisher_license="CC-BY-4.0")
BRONZE = replace(CLOSED, publisher_free_to_read=True)
GREEN_AAM = replace(CLOSED, deposit_url=DEPOSIT, deposit_version="accepted")
GREEN_PREPRINT = replace(CLOSED, deposit_url=DEPOSIT, deposit_version="submitted")
EMBARGOED = replace(GREEN_AAM, deposit_embargo_until=date(2027, 3, 1))
EMBARGO_OVER = replace(GREEN_AAM, deposit_embargo_until=date(2026, 9, 1))
DEAL_CLOSED = replace(CLOSED, in_national_deal=True)
UNKNOWN = Inputs(publication_date=PUBLISHED)


@pytest.mark.parametrize(
    ("rule", "inputs", "status", "category", "embargoed"),
    [
        (
            "intl 2a: publisher, DOAJ, no APC -> diamond; NL: DOAJ -> gold",
            DOAJ_NO_APC,
            "diamond",
            "gold",
            False,
        ),
        ("intl 2a: publisher, DOAJ, APC -> gold", DOAJ_APC, "gold", "gold", False),
        ("intl 2a: APC not known is not diamond", DOAJ_APC_UNKNOWN, "gold", "gold", False),
        (
            "intl 2b: publisher, open licence -> hybrid; NL: licence -> hybrid",
            HYBRID,
            "hybrid",
            "hybrid",
            False,
        ),
        (
            "intl 2b: publisher, no licence -> bronze; NL: bronze counts as closed",
            BRONZE,
            "bronze",
            "closed",
            False,
        ),
        (
            "intl 3: repository copy -> green; NL: AAM in repository -> green",
            GREEN_AAM,
            "green",
            "green",
            False,
        ),
        (
            "intl 3: a preprint is green; NL counts accepted/published only",
            GREEN_PREPRINT,
            "green",
            "closed",
            False,
        ),
        (
            "intl 1: nowhere free -> closed, embargoed when the copy opens later",
            EMBARGOED,
            "closed",
            "closed",
            True,
        ),
        ("intl 3: an ended embargo is green", EMBARGO_OVER, "green", "green", False),
        (
            "intl 1: nowhere free -> closed; NL: national deal -> hybrid",
            DEAL_CLOSED,
            "closed",
            "hybrid",
            False,
        ),
        ("intl: not known whether free to read -> unknown", UNKNOWN, "unknown", "closed", False),
        ("intl 1: known not free -> closed", CLOSED, "closed", "closed", False),
    ],
)
def test_status_and_category(
    rule: str, inputs: Inputs, status: str, category: str, embargoed: bool
) -> None:
    result = classify(inputs, AS_OF)
    assert (result.status, result.category, result.embargoed) == (status, category, embargoed), rule
    assert result.as_of == AS_OF
    assert result.rules, "every result names the rules that decided it"


def test_an_embargo_ends_when_as_of_passes_it() -> None:
    before = classify(EMBARGOED, date(2027, 2, 28))
    after = classify(EMBARGOED, date(2027, 3, 1))
    assert (before.status, before.embargoed, before.opens_on) == ("closed", True, date(2027, 3, 1))
    assert (after.status, after.embargoed, after.opens_on) == ("green", False, None)


@pytest.mark.parametrize(
    ("rule", "inputs", "eligible", "opens"),
    [
        (
            "art. 25fa: short and publicly funded -> six months after publication",
            replace(CLOSED, short_work=True, publicly_funded=True),
            True,
            date(2026, 9, 1),
        ),
        (
            "art. 25fa: not short (e.g. a book) -> not eligible",
            replace(CLOSED, short_work=False, publicly_funded=True),
            False,
            None,
        ),
        (
            "art. 25fa: not publicly funded -> not eligible",
            replace(CLOSED, short_work=True, publicly_funded=False),
            False,
            None,
        ),
        (
            "art. 25fa: unknown funding is not eligible",
            replace(CLOSED, short_work=True),
            False,
            None,
        ),
        (
            "art. 25fa: 31 August + 6 months is the last day of February",
            replace(
                CLOSED, publication_date=date(2025, 8, 31), short_work=True, publicly_funded=True
            ),
            True,
            date(2026, 2, 28),
        ),
    ],
)
def test_taverne(rule: str, inputs: Inputs, eligible: bool, opens: date | None) -> None:
    result = classify(inputs, AS_OF)
    assert (result.taverne_eligible, result.taverne_date) == (eligible, opens), rule


@pytest.mark.parametrize(
    ("rule", "inputs", "compliant"),
    [
        ("plan S: CC BY in a DOAJ journal", replace(DOAJ_APC, publisher_license="CC-BY-4.0"), True),
        (
            "plan S: CC BY under a transformative arrangement",
            replace(HYBRID, in_national_deal=True),
            True,
        ),
        ("plan S: hybrid outside a deal is not compliant", HYBRID, False),
        (
            "plan S: CC BY-NC is not accepted",
            replace(DOAJ_APC, publisher_license="CC-BY-NC-4.0"),
            False,
        ),
        ("plan S: CC0 is accepted", replace(DOAJ_APC, publisher_license="CC0-1.0"), True),
        (
            "plan S: AAM under CC BY, no embargo",
            replace(GREEN_AAM, deposit_license="CC-BY-4.0"),
            True,
        ),
        (
            "plan S: a preprint does not count",
            replace(GREEN_PREPRINT, deposit_license="CC-BY-4.0"),
            False,
        ),
        (
            "plan S: an embargoed AAM does not count",
            replace(EMBARGOED, deposit_license="CC-BY-4.0"),
            False,
        ),
        ("plan S: a deposit without an open licence does not count", GREEN_AAM, False),
        ("plan S: closed", CLOSED, False),
    ],
)
def test_plan_s(rule: str, inputs: Inputs, compliant: bool) -> None:
    assert classify(inputs, AS_OF).plan_s_compliant is compliant, rule


def test_add_months_clamps_to_the_end_of_the_month() -> None:
    assert add_months(date(2024, 8, 31), 6) == date(2025, 2, 28)
    assert add_months(date(2023, 8, 31), 6) == date(2024, 2, 29)
    assert add_months(date(2025, 12, 15), 1) == date(2026, 1, 15)


@pytest.mark.parametrize(
    ("inputs", "decided_by"),
    [
        (GREEN_PREPRINT, ["the repository copy is the submitted version"]),
        (BRONZE, ["bronze counts as closed"]),
        (
            replace(BRONZE, deposit_url=DEPOSIT, deposit_version="submitted"),
            ["bronze counts as closed", "the repository copy is the submitted version"],
        ),
        (EMBARGOED, ["under embargo until 2027-03-01"]),
        (CLOSED, ["no repository copy"]),
    ],
)
def test_a_closed_dutch_category_names_the_rule_that_decided(
    inputs: Inputs, decided_by: list[str]
) -> None:
    """Issue 13, 12: a preprint-only work said "bronze counts as closed"."""
    result = classify(inputs, AS_OF)

    closed_rules = [rule for rule in result.rules if rule.startswith("nl-closed")]
    assert result.category == "closed"
    assert len(closed_rules) == len(decided_by)
    for rule, reason in zip(closed_rules, decided_by, strict=True):
        assert reason in rule


def test_a_fully_open_journal_outside_doaj_is_gold_and_the_dutch_scheme_says_why_not() -> None:
    inputs = Inputs(
        publication_date=date(2024, 3, 1),
        journal_in_doaj=False,
        journal_fully_oa=True,
        journal_oa_source="openalex",
        publisher_free_to_read=True,
        publisher_license="CC-BY-4.0",
    )
    result = classify(inputs, date(2025, 1, 1))
    assert (result.status, result.category) == ("gold", "hybrid")
    assert (
        "gold: free to read in a fully OA journal (openalex says so; not in DOAJ)" in result.rules
    )
    assert any(rule.startswith("nl: the journal is fully OA (openalex") for rule in result.rules)
    # Without the register's word it is hybrid, as before.
    assert classify(replace(inputs, journal_fully_oa=None), date(2025, 1, 1)).status == "hybrid"
