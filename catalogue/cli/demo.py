"""Realistic demo data, generated from a seed so every run gives the same catalogue.

The records go through the record service like any registration, so they obey the same rules
(validation, vocabularies, audit trail).  Open Access and data sharing grow over the years and
differ between themes, so the reports have trends and contrasts to show.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy.orm import Session

from catalogue.adapters.db import Database
from catalogue.models import Journal, NationalDeal
from catalogue.services.accounts import ensure_dev_users, identity_of
from catalogue.services.records import RecordService, datasets, publications
from schemas.records import DatasetSchema, PublicationSchema

INSTITUTION = {"name": "Leiden University Medical Center", "ror": "https://ror.org/05xvt9f17"}
REPOSITORY = "https://scholarlypublications.universiteitleiden.nl"
PARTNER = {"name": "Leiden University", "ror": "https://ror.org/027bh9e22"}

GIVEN = [
    "Anna",
    "Bram",
    "Chen",
    "Daan",
    "Eva",
    "Fatima",
    "Gijs",
    "Hanna",
    "Iris",
    "Jan",
    "Kiki",
    "Lars",
    "Maria",
    "Noor",
    "Omar",
    "Pieter",
    "Quinten",
    "Roos",
    "Sanne",
    "Tom",
    "Umut",
    "Vera",
    "Willem",
    "Xin",
    "Yara",
    "Zeynep",
    "Lotte",
    "Sem",
    "Julia",
    "Ruben",
]
FAMILY = [
    "de Vries",
    "Jansen",
    "van den Berg",
    "Bakker",
    "Visser",
    "Smit",
    "Meijer",
    "de Boer",
    "Mulder",
    "de Groot",
    "Bos",
    "Vos",
    "Peters",
    "Hendriks",
    "van Leeuwen",
    "Dekker",
    "Brouwer",
    "de Wit",
    "Dijkstra",
    "Smits",
    "Yilmaz",
    "Wang",
    "El Amrani",
    "Kaya",
    "Nguyen",
    "Verhoeven",
    "Kok",
    "Jacobs",
    "van Dijk",
    "Schouten",
]

# Per theme: topics, and how readily the field shares (shifts the open-access odds).
THEMES: dict[str, tuple[list[str], float]] = {
    "academic-pharma": (["drug repurposing", "pharmacokinetics", "first-in-human dosing"], -0.15),
    "neuroscience": (["migraine", "Huntington's disease", "cerebral small vessel disease"], 0.0),
    "cardiovascular": (["heart failure", "atrial fibrillation", "congenital heart disease"], 0.0),
    "genetics": (["rare variants", "Duchenne muscular dystrophy", "polygenic risk"], 0.12),
    "cell-tissue-organ": (["kidney transplantation", "organoids", "graft rejection"], -0.05),
    "cancer": (["colorectal cancer", "melanoma immunotherapy", "leukaemia"], 0.03),
    "auto-immunity": (["rheumatoid arthritis", "lupus", "type 1 diabetes"], -0.05),
    "infection": (["malaria vaccination", "tuberculosis", "antimicrobial resistance"], 0.1),
    "lifecourse": (["healthy ageing", "preterm birth", "frailty"], 0.0),
    "prevention-lifestyle": (["obesity", "smoking cessation", "physical activity"], 0.05),
}
EXTRA_THEMES = [
    "oncology",
    "regenerative-medicine",
    "population-health",
    "data-driven-healthcare-ai",
    "biomedical-imaging",
    "data-science-bioinformatics",
    "technology-facilities",
]
DEPARTMENTS = {
    "academic-pharma": ["clinical-epidemiology", "internal-medicine"],
    "neuroscience": ["neurology", "psychiatry", "radiology"],
    "cardiovascular": ["cardiology", "radiology", "anatomy-embryology"],
    "genetics": ["human-genetics", "clinical-genetics", "biomedical-data-sciences"],
    "cell-tissue-organ": ["nephrology", "surgery", "anatomy-embryology"],
    "cancer": ["medical-oncology", "pathology", "haematology", "surgery"],
    "auto-immunity": ["rheumatology", "immunology", "dermatology"],
    "infection": ["infectious-diseases", "parasitology", "immunology"],
    "lifecourse": ["gerontology-geriatrics", "paediatrics", "public-health-primary-care"],
    "prevention-lifestyle": ["public-health-primary-care", "gastroenterology-hepatology"],
}
STUDY = [
    "Cohort study",
    "Randomised controlled trial",
    "Cross-sectional study",
    "Genome-wide association study",
    "Imaging study",
    "Registry analysis",
    "Single-cell atlas",
    "Longitudinal follow-up",
    "Case-control study",
]
POPULATION = [
    "adults in Leiden",
    "children and adolescents",
    "older adults",
    "patients in the Netherlands",
    "a multi-centre European cohort",
    "healthy volunteers",
]
# (title, issn, eissn, publisher, in DOAJ, APC in EUR or None)
JOURNALS = [
    ("The Lancet", "0140-6736", "1474-547X", "Elsevier", False, None),
    (
        "New England Journal of Medicine",
        "0028-4793",
        "1533-4406",
        "Massachusetts Medical Society",
        False,
        None,
    ),
    ("BMJ", "0959-8138", "1756-1833", "BMJ", False, None),
    ("JAMA", "0098-7484", "1538-3598", "American Medical Association", False, None),
    ("Circulation", "0009-7322", "1524-4539", "Wolters Kluwer", False, None),
    ("Blood", "0006-4971", "1528-0020", "American Society of Hematology", False, None),
    ("Brain", "0006-8950", "1460-2156", "Oxford University Press", False, None),
    ("Neurology", "0028-3878", "1526-632X", "Wolters Kluwer", False, None),
    ("Nucleic Acids Research", "0305-1048", "1362-4962", "Oxford University Press", True, 3500),
    ("PLOS ONE", None, "1932-6203", "Public Library of Science", True, 1800),
    ("Nature Communications", None, "2041-1723", "Springer Nature", True, 6000),
    ("Scientific Reports", None, "2045-2322", "Springer Nature", True, 2200),
    ("eLife", None, "2050-084X", "eLife Sciences", True, 2500),
    ("BMJ Open", None, "2044-6055", "BMJ", True, 2300),
    ("Wellcome Open Research", None, "2398-502X", "F1000", True, 0),
    ("Journal of Open Source Software", None, "2475-9066", "Open Journals", True, 0),
    (
        "Nederlands Tijdschrift voor Geneeskunde",
        "0028-2162",
        "1876-8784",
        "Bohn Stafleu",
        False,
        None,
    ),
]
DATASET_FORMATS = [
    ("CSV", "text/csv"),
    ("NIfTI", "application/gzip"),
    ("VCF", "text/plain"),
    ("FASTQ", "application/gzip"),
    ("SPSS", "application/x-spss-sav"),
    ("JSON", "application/json"),
]
DATA_LICENCES = ["CC-BY-4.0", "CC0-1.0", "CC-BY-NC-4.0", "ODbL-1.0", "CC-BY-SA-4.0"]
FUNDERS = [
    ("ZonMw", "https://ror.org/01yaj9a77"),
    ("NWO", "https://ror.org/04jsz6e67"),
    ("European Commission", "https://ror.org/00k4n6c32"),
    ("Dutch Heart Foundation", None),
    ("KWF Dutch Cancer Society", None),
]


def orcid_with_check_digit(base15: str) -> str:
    """Complete 15 digits into an ORCID iD with its ISO 7064 11,2 check digit."""
    total = 0
    for digit in base15:
        total = (total + int(digit)) * 2
    result = (12 - total % 11) % 11
    check = "X" if result == 10 else str(result)
    digits = base15 + check
    return "-".join(digits[i : i + 4] for i in range(0, 16, 4))


@dataclass(frozen=True)
class Person:
    given: str
    family: str
    orcid: str | None

    def as_creator(self, rng: random.Random) -> dict[str, Any]:
        affiliations = [INSTITUTION] + ([PARTNER] if rng.random() < 0.2 else [])
        return {
            "name": f"{self.family}, {self.given}",
            "given_name": self.given,
            "family_name": self.family,
            "orcid": self.orcid,
            "affiliations": affiliations,
        }


class DemoGenerator:
    def __init__(self, seed: int) -> None:
        self.rng = random.Random(seed)
        self.people = [
            Person(
                self.rng.choice(GIVEN),
                self.rng.choice(FAMILY),
                orcid_with_check_digit("00000002" + f"{self.rng.randrange(10**7):07d}")
                if self.rng.random() < 0.8
                else None,
            )
            for _ in range(400)
        ]
        self.serial = 0

    def _year(self) -> int:
        # More output in recent years; 2026 is the year in progress.
        return self.rng.choices(
            range(2015, 2027), weights=[5, 6, 6, 7, 8, 9, 10, 10, 11, 11, 12, 6]
        )[0]

    def _date(self, year: int) -> date:
        last = min(date(year, 12, 31), date.today())
        first = date(year, 1, 1)
        return first + timedelta(days=self.rng.randrange(max((last - first).days, 1)))

    def _common(self, theme: str, year: int) -> dict[str, Any]:
        rng = self.rng
        topics, _ = THEMES[theme]
        topic = rng.choice(topics)
        themes = [theme, *rng.sample(EXTRA_THEMES, k=rng.choice([0, 0, 1, 1, 2]))]
        creators = [p.as_creator(rng) for p in rng.sample(self.people, k=rng.randint(1, 8))]
        self.serial += 1
        return {
            "title": f"{rng.choice(STUDY)} of {topic} in {rng.choice(POPULATION)}",
            "description": (
                f"We studied {topic} in {rng.choice(POPULATION)}. This record describes the "
                f"{year} work of the {theme.replace('-', ' ')} theme, its methods and outcomes."
            ),
            "creators": creators,
            "publication_date": self._date(year).isoformat(),
            "themes": themes,
            "departments": rng.sample(DEPARTMENTS[theme], k=rng.randint(1, 2)),
            "keywords": [topic, rng.choice(["cohort", "biomarkers", "imaging", "omics", "trial"])],
            "language": "en",
            "funding": [
                {
                    k: v
                    for k, v in {
                        "funder_name": name,
                        "funder_identifier": ror,
                        "award_number": f"{rng.randrange(10**8):08d}",
                    }.items()
                    if v
                }
                for name, ror in rng.sample(FUNDERS, k=rng.choice([0, 1, 1, 2]))
            ],
        }

    def _openness(self, theme: str, year: int) -> float:
        """Probability that a work from this theme and year is openly available."""
        return min(0.97, 0.35 + 0.055 * (year - 2015) + THEMES[theme][1])

    def dataset(self) -> dict[str, Any]:
        rng = self.rng
        theme = rng.choice(list(THEMES))
        year = self._year()
        data = self._common(theme, year)
        openness = self._openness(theme, year)
        roll = rng.random()
        if roll < openness * 0.9:
            access = "open"
        elif roll < openness:
            access = "embargoed"
        elif roll < openness + (1 - openness) * 0.7:
            access = "restricted"
        else:
            access = "metadata-only"
        data["access_right"] = access
        if access == "embargoed":
            data["embargo_until"] = (
                date.today() + timedelta(days=rng.randint(10, 700))
            ).isoformat()
        if access in {"open", "embargoed"} or rng.random() < 0.5:
            data["license"] = rng.choice(DATA_LICENCES)
        if rng.random() < 0.75:
            data["doi"] = f"10.34894/demo-ds{self.serial:06d}"
        if access in {"open", "embargoed"} or rng.random() < 0.3:
            fmt, media = rng.choice(DATASET_FORMATS)
            landing = (
                f"https://dataverse.nl/dataset.xhtml?persistentId=doi:10.34894/DEMO{self.serial}"
            )
            data["distributions"] = [
                {
                    "title": f"{fmt} files",
                    "access_url": landing,
                    "download_url": f"https://dataverse.nl/api/access/datafile/{self.serial}"
                    if access == "open"
                    else None,
                    "format": fmt,
                    "media_type": media,
                    "byte_size": rng.randrange(10**4, 10**11),
                    "checksum": "sha256:" + f"{rng.getrandbits(256):064x}",
                }
            ]
        if access in {"restricted", "metadata-only"}:
            data["personal_data"] = True
            data["health_data"] = True
            data["applicable_legislation"] = ["http://data.europa.eu/eli/reg/2016/679/oj"]
        data["contact_point"] = {"name": "Research data desk", "email": "researchdata@lumc.example"}
        start = date(year - rng.randint(1, 6), rng.randint(1, 12), 1)
        data["temporal_coverage"] = {"start": start.isoformat(), "end": f"{year}-01-01"}
        data["spatial_coverage"] = rng.choice(
            ["Leiden, the Netherlands", "The Netherlands", "Europe"]
        )
        data["publisher"] = "DataverseNL"
        data["resource_type"] = rng.choices(["Dataset", "Image", "Software"], weights=[8, 1, 1])[0]
        return data

    def publication(self) -> dict[str, Any]:
        rng = self.rng
        theme = rng.choice(list(THEMES))
        year = self._year()
        data = self._common(theme, year)
        open_ = rng.random() < self._openness(theme, year)
        # Open work appears in fully Open Access journals about half the time; closed work
        # never does (everything in a DOAJ journal is free to read).
        fully_open = open_ and rng.random() < 0.5
        title, issn, eissn, publisher, in_doaj, _apc = rng.choice(
            [journal for journal in JOURNALS if journal[4] == fully_open]
        )
        data["journal"] = {
            k: v
            for k, v in {
                "title": title,
                "issn": issn,
                "eissn": eissn,
                "publisher": publisher,
            }.items()
            if v
        }
        data["publisher"] = publisher
        data["doi"] = f"10.5555/demo.{year}.{self.serial:06d}"
        data["resource_type"] = rng.choices(
            ["JournalArticle", "Preprint", "BookChapter", "ConferencePaper", "Dissertation"],
            weights=[85, 5, 4, 4, 2],
        )[0]
        data["peer_reviewed"] = data["resource_type"] != "Preprint"
        data["short_work"] = data["resource_type"] in {
            "JournalArticle",
            "BookChapter",
            "ConferencePaper",
        }
        data["publicly_funded"] = bool(data["funding"]) or rng.random() < 0.6
        if in_doaj:
            data["publisher_free_to_read"] = True
            data["publisher_license"] = "CC-BY-4.0"
        elif open_ and rng.random() < 0.45:  # hybrid, or bronze without a licence
            data["publisher_free_to_read"] = True
            data["publisher_license"] = "CC-BY-4.0" if rng.random() < 0.75 else None
        else:
            data["publisher_free_to_read"] = False
        # Open work not free at the publisher is in the repository; some other work is
        # deposited too, usually under an embargo.
        if (open_ and not data["publisher_free_to_read"]) or rng.random() < 0.15:
            published = date.fromisoformat(data["publication_date"])
            embargo = published + timedelta(days=rng.choice([0, 0, 180, 365]))
            data["deposit"] = {
                "version": rng.choice(["accepted", "accepted", "published", "submitted"]),
                "url": f"{REPOSITORY}/handle/1887/{100000 + self.serial}",
                "embargo_until": embargo.isoformat() if embargo > published else None,
                # Rights retention (Plan S) spreads with the years.
                "license": "CC-BY-4.0" if rng.random() < (year - 2015) / 12 else None,
            }
        return data


# Journals in the demo's national publisher deals (the Dutch deals cover these publishers).
DEAL_PUBLISHERS = {"Elsevier": "Elsevier 2024-2027", "Wolters Kluwer": "Wolters Kluwer 2023-2026"}


def seed_registers(session: Session) -> None:
    """The journal register as a DOAJ import would leave it, and a national deal list."""
    for title, issn, eissn, publisher, in_doaj, apc in JOURNALS:
        session.add(
            Journal(
                title=title,
                issn=issn,
                eissn=eissn,
                publisher=publisher,
                in_doaj=in_doaj,
                apc_amount=Decimal(apc) if in_doaj and apc is not None else None,
                apc_currency="EUR" if in_doaj and apc else None,
                doaj_as_of=date(2026, 11, 1),
            )
        )
        if publisher in DEAL_PUBLISHERS:
            for identifier in filter(None, (issn, eissn)):
                session.add(
                    NationalDeal(
                        identifier=identifier, scheme="issn", deal=DEAL_PUBLISHERS[publisher]
                    )
                )
    session.flush()


def load_demo(
    db: Database,
    n_datasets: int,
    n_publications: int,
    seed: int,
    progress: Callable[[int], None] | None = None,
    batch: int = 250,
) -> dict[str, int]:
    """Register and publish the demo records in batches of one transaction each."""
    generator = DemoGenerator(seed)
    counts = {"datasets": 0, "publications": 0, "drafts": 0, "withdrawn": 0, "versions": 0}
    plan = [("dataset", i) for i in range(n_datasets)] + [
        ("publication", i) for i in range(n_publications)
    ]
    generator.rng.shuffle(plan)
    schemas = {"dataset": DatasetSchema(), "publication": PublicationSchema()}
    services: dict[str, RecordService[Any]] = {"dataset": datasets, "publication": publications}
    with db.unit_of_work() as session:
        # The development login's people own the demo records, so each can find their own.
        owners = [identity_of(session, user) for user in ensure_dev_users(session)]
        seed_registers(session)
    for start in range(0, len(plan), batch):
        with db.unit_of_work() as session:
            for kind, _ in plan[start : start + batch]:
                raw = generator.dataset() if kind == "dataset" else generator.publication()
                data = schemas[kind].load(raw)
                owner = generator.rng.choice(owners)
                service = services[kind]
                roll = generator.rng.random()
                # Registered and published in one step, through the same checks and audit.
                record = service.create(session, owner, data, publish=roll >= 0.05)
                counts[f"{kind}s"] += 1
                if roll < 0.05:
                    counts["drafts"] += 1
                    continue
                if roll > 0.99:
                    service.withdraw(
                        session,
                        owner,
                        record.id,
                        "Withdrawn at the request of the authors: consent was "
                        "revoked for part of the cohort.",
                        record.revision,
                    )
                    counts["withdrawn"] += 1
                elif roll > 0.96:
                    draft = service.new_version(session, owner, record.id)
                    draft_data = service.editable_fields(draft)
                    draft_data["version"] = "2.0"
                    service.update(
                        session, owner, draft.id, schemas[kind].load(draft_data), draft.revision
                    )
                    service.publish(session, owner, draft.id, draft.revision)
                    counts["versions"] += 1
        if progress:
            progress(min(batch, len(plan) - start))
    return counts
