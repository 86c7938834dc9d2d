"""One contract, two backends: the same questions get the same answers from Elasticsearch and
from the embedded SQLite FTS5 backend.  Where the embedded one deliberately does less (its
relevance order), the test compares sets and says so.
"""

from __future__ import annotations

import json
import random
import uuid
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from search import SearchEngine
from search.elastic import ElasticBackend
from search.embedded import EmbeddedBackend, _Transaction
from search.query import (
    FACETS,
    DeleteAction,
    FacetValue,
    IndexAction,
    SearchBackend,
    SearchRequest,
    Visibility,
)
from tests.conftest import search_config


def doc(
    id: str,
    title: str,
    *,
    kind: str = "dataset",
    status: str = "published",
    owner: str = "1",
    themes: tuple[str, ...] = ("genetics",),
    year: int | None = 2024,
    keywords: tuple[str, ...] = (),
    description: str = "",
    creators: tuple[str, ...] = ("Jansen, Anna",),
    latest: bool = True,
) -> dict[str, Any]:
    record = {
        "id": id,
        "kind": kind,
        "title": title,
        "keywords": list(keywords),
        "creators": [{"name": name} for name in creators],
    }
    return {
        "id": id,
        "kind": kind,
        "status": status,
        "is_latest": latest,
        "concept_id": id,
        "revision": 1,
        "owner_id": owner,
        "doi": None,
        "title": title,
        "description": description,
        "keywords": list(keywords),
        "creators": list(creators),
        "orcids": [],
        "journal": None,
        "themes": list(themes),
        "departments": [],
        "resource_type": "Dataset" if kind == "dataset" else "JournalArticle",
        "access_right": "open" if kind == "dataset" else None,
        "license": "CC-BY-4.0",
        "open_access": None,
        "publication_year": year,
        "publication_date": f"{year}-06-01" if year else None,
        "updated": "2026-01-01T00:00:00",
        "record": json.dumps(record),  # as the catalogue renders it: JSON text
    }


CORPUS = [
    doc(
        "a0001-00001",
        "Migraine cohort in Leiden",
        keywords=("migraine", "headache"),
        themes=("neuroscience",),
        year=2024,
        description="Headache diaries of adults.",
    ),
    doc(
        "a0001-00002",
        "Migraine genetics in families",
        keywords=("migraine",),
        themes=("neuroscience", "genetics"),
        year=2023,
    ),
    doc(
        "a0001-00003",
        "Heart failure registry",
        themes=("cardiovascular",),
        year=2022,
        description="Patients with heart failure after infarction.",
    ),
    doc(
        "a0001-00004",
        "Failure of the heart valve: a model",
        themes=("cardiovascular",),
        year=2021,
        creators=("Bakker, Pieter",),
    ),
    doc(
        "a0001-00005",
        "Lupus nephritis biopsies",
        themes=("auto-immunity",),
        year=2024,
        kind="publication",
    ),
    doc(
        "a0001-00006",
        "Malaria vaccination trial",
        themes=("infection",),
        year=None,
        kind="publication",
        creators=("Visser, Noor",),
    ),
    doc(
        "a0001-00007", "Secret migraine draft", status="draft", owner="2", themes=("neuroscience",)
    ),
    doc("a0001-00008", "Withdrawn migraine data", status="withdrawn", themes=("neuroscience",)),
    doc(
        "a0001-00009", "Old version of the migraine cohort", latest=False, themes=("neuroscience",)
    ),
    doc("a0001-00010", "<script>alert(1)</script> migraine markup", themes=("neuroscience",)),
]
PUBLIC = {
    "a0001-00001",
    "a0001-00002",
    "a0001-00003",
    "a0001-00004",
    "a0001-00005",
    "a0001-00006",
    "a0001-00010",
}


@pytest.fixture(params=["elasticsearch", "embedded"])
def backend(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[SearchBackend]:
    found: Any
    if request.param == "elasticsearch":
        es_url = request.getfixturevalue("es_url")
        engine = SearchEngine(
            search_config(es_url, index_prefix=f"contract-{uuid.uuid4().hex[:8]}")
        )
        found = ElasticBackend(engine)
    else:
        found = EmbeddedBackend(tmp_path / "search.sqlite")
    found.ensure_index()
    report = found.write([IndexAction(d["id"], 1, d) for d in CORPUS], refresh=True)
    assert report.written == len(CORPUS)
    yield found
    found.drop_indices()


def ids(backend: SearchBackend, **kwargs: Any) -> list[str]:
    return [hit.id for hit in backend.search(SearchRequest(size=50, **kwargs)).hits]


def test_anonymous_callers_see_current_published_records_only(backend: SearchBackend) -> None:
    assert set(ids(backend)) == PUBLIC


def test_words_are_all_required(backend: SearchBackend) -> None:
    assert set(ids(backend, text="migraine")) == {"a0001-00001", "a0001-00002", "a0001-00010"}
    assert ids(backend, text="migraine leiden") == ["a0001-00001"]
    # Relevance: title matches weigh more than description ones on both backends.
    assert ids(backend, text="headache")[0] == "a0001-00001"


def test_phrases_exclusions_prefixes_and_alternatives(backend: SearchBackend) -> None:
    assert set(ids(backend, text="heart failure")) == {"a0001-00003", "a0001-00004"}
    assert ids(backend, text='"heart failure"') == ["a0001-00003"]
    assert set(ids(backend, text="migraine -leiden")) == {"a0001-00002", "a0001-00010"}
    assert set(ids(backend, text="migr*")) == {"a0001-00001", "a0001-00002", "a0001-00010"}
    assert set(ids(backend, text="lupus | malaria")) == {"a0001-00005", "a0001-00006"}
    assert set(ids(backend, text="-migraine")) == PUBLIC - {
        "a0001-00001",
        "a0001-00002",
        "a0001-00010",
    }


@pytest.mark.parametrize(
    ("text", "found"),
    [
        ('"unbalanced', set()),
        ("((( AND", set()),
        ("title:x OR", set()),  # no field syntax: three words that occur nowhere
        ("NEAR(a b)", set()),  # no FTS5 operator: the words near, a and b
        ("a~2 b^3", set()),  # no fuzziness or boost: the words a, 2, b, 3
        ("-", set()),  # nothing to search for finds nothing
        ("\\", set()),
        ("*", PUBLIC),  # a bare wildcard is everything
        ("migraine (((", {"a0001-00001", "a0001-00002", "a0001-00010"}),
    ],
)
def test_no_user_syntax_breaks_a_query(backend: SearchBackend, text: str, found: set[str]) -> None:
    result = backend.search(SearchRequest(text=text, size=50))
    assert {hit.id for hit in result.hits} == found
    assert result.total == len(found)


def test_drafts_show_only_to_their_owner_and_curators(backend: SearchBackend) -> None:
    drafts = {"statuses": ("draft",)}
    assert ids(backend, **drafts) == []
    assert ids(backend, visibility=Visibility(owner_id="1"), **drafts) == []
    assert ids(backend, visibility=Visibility(owner_id="2"), **drafts) == ["a0001-00007"]
    steward = Visibility(owner_id="9", all_drafts_of=frozenset({"dataset"}))
    assert ids(backend, visibility=steward, **drafts) == ["a0001-00007"]
    librarian = Visibility(owner_id="9", all_drafts_of=frozenset({"publication"}))
    assert ids(backend, visibility=librarian, **drafts) == []


def test_facet_counts_obey_permissions_and_other_filters(backend: SearchBackend) -> None:
    everything = backend.search(SearchRequest(visibility=Visibility(owner_id="2")))
    themes = {v.key: v.count for v in everything.facets["theme"]}
    # The owner's draft is not counted among published records: statuses filter first.
    assert themes == {
        "neuroscience": 3,
        "genetics": 1,
        "cardiovascular": 2,
        "auto-immunity": 1,
        "infection": 1,
    }
    assert [v.key for v in everything.facets["year"]] == ["2024", "2023", "2022", "2021"]

    chosen = backend.search(SearchRequest(filters={"theme": ("cardiovascular",)}))
    assert chosen.total == 2
    # The chosen facet still counts its alternatives; the others count within the choice.
    assert {v.key: v.count for v in chosen.facets["theme"]}["neuroscience"] == 3
    assert {v.key: v.count for v in chosen.facets["year"]} == {"2022": 1, "2021": 1}
    assert {v.key: v.count for v in chosen.facets["kind"]} == {"dataset": 2}


def test_filters_combine(backend: SearchBackend) -> None:
    found = ids(backend, filters={"theme": ("neuroscience", "infection"), "kind": ("publication",)})
    assert found == ["a0001-00006"]
    assert set(ids(backend, filters={"year": ("2024",)})) == {
        "a0001-00001",
        "a0001-00005",
        "a0001-00010",
    }
    assert ids(backend, filters={"creator": ("Bakker, Pieter",)}) == ["a0001-00004"]


def test_sorting(backend: SearchBackend) -> None:
    newest = ids(backend, sort="newest")
    assert newest[:2] == ["a0001-00001", "a0001-00005"] or newest[:2] == [
        "a0001-00001",
        "a0001-00010",
    ]
    assert newest[-1] == "a0001-00006"  # no date: last
    titles = ids(backend, sort="title")
    assert titles[0] == "a0001-00010"  # '<' sorts before letters
    assert titles[1:3] == ["a0001-00004", "a0001-00003"]  # failure..., heart...


def test_paging_with_pages_and_with_after(backend: SearchBackend) -> None:
    first = backend.search(SearchRequest(sort="title", size=3))
    second = backend.search(SearchRequest(sort="title", size=3, page=2))
    assert first.total == second.total == len(PUBLIC)
    assert not {h.id for h in first.hits} & {h.id for h in second.hits}
    seen: list[str] = []
    after = None
    while True:
        page = backend.search(SearchRequest(sort="title", size=3, after=after, facets=False))
        seen += [hit.id for hit in page.hits]
        if page.next_after is None:
            break
        after = page.next_after
    assert seen == ids(backend, sort="title")


def test_highlights_mark_matches_and_escape_markup(backend: SearchBackend) -> None:
    result = backend.search(SearchRequest(text="markup"))
    [hit] = result.hits
    title = hit.highlights["title"][0]
    assert "<mark>markup</mark>" in title
    assert "<script>" not in title and "&lt;script&gt;" in title


def test_long_descriptions_give_short_marked_snippets(backend: SearchBackend) -> None:
    filler = "Participants were followed for several years at the outpatient clinic. " * 12
    long = doc(
        "a0001-00009",
        "Sleep registry",
        description=filler + "Actigraphy measured the sleep of every participant. " + filler,
    )
    backend.write([IndexAction("a0001-00009", 1, long)], refresh=True)
    [hit] = backend.search(SearchRequest(text="actigraphy")).hits
    snippets = hit.highlights["description"]
    assert any("<mark>Actigraphy</mark>" in snippet for snippet in snippets)
    # Snippets around the match, not the whole text: a hit list stays readable.
    assert sum(len(snippet) for snippet in snippets) < len(long["description"]) / 2


def test_records_stored_as_objects_before_read_the_same(backend: SearchBackend) -> None:
    """Documents rendered before records were stored as JSON text still read, until a
    ``reindex --render``."""
    old = doc("a0001-00010", "Tinnitus registry", keywords=("hearing",))
    old["record"] = json.loads(old["record"])
    backend.write([IndexAction("a0001-00010", 1, old)], refresh=True)
    [hit] = backend.search(SearchRequest(text="tinnitus")).hits
    assert (hit.kind, hit.record) == ("dataset", old["record"])
    assert json.loads(hit.record_json) == old["record"]
    assert [s.text for s in backend.suggest("tinn", Visibility())] == ["Tinnitus registry"]


def test_external_versions_refuse_older_writes_and_survive_deletes(
    backend: SearchBackend,
) -> None:
    newer = doc("a0001-00003", "Heart failure registry, second edition")
    assert backend.write([IndexAction("a0001-00003", 5, newer)], refresh=True).written == 1
    older = backend.write([IndexAction("a0001-00003", 4, CORPUS[2])], refresh=True)
    assert older.stale == 1
    assert ids(backend, text="edition") == ["a0001-00003"]

    backend.write([DeleteAction("a0001-00003", 6)], refresh=True)
    late = backend.write([IndexAction("a0001-00003", 5, newer)], refresh=True)
    assert late.stale == 1
    assert "a0001-00003" not in ids(backend)


def test_versions_stream_in_id_order(backend: SearchBackend) -> None:
    listed = list(backend.versions())
    assert [record_id for record_id, _ in listed] == sorted(d["id"] for d in CORPUS)
    assert {version for _, version in listed} == {1}
    assert backend.count() == len(CORPUS)


def test_suggestions_respect_permissions(backend: SearchBackend) -> None:
    found = backend.suggest("migr", Visibility())
    texts = {s.text for s in found}
    assert {"Migraine cohort in Leiden", "Migraine genetics in families", "migraine"} <= texts
    assert "Secret migraine draft" not in texts
    assert {s.text for s in backend.suggest("bakk", Visibility())} == {"Bakker, Pieter"}


# -- Every query shape against an oracle ---------------------------------------------------
# A seeded catalogue of a few hundred documents, and the answers a plain Python computation
# over it gives: each backend must give exactly these (filters, multi-select facet counts,
# listings per kind and sort, deep paging), not merely answers that look plausible.

NAMES = ("Jansen, Anna", "Bakker, Pieter", "Visser, Noor", "de Vries, Sem", "Smit, Lotte")
NAMES += ("Mulder, Daan", "Bos, Julia", "Meijer, Finn", "Peters, Tess", "Hendriks, Luuk")
WORDS = ("cohort", "registry", "imaging", "trial", "genome", "sleep", "heart", "lupus", "atlas")


def shaped_corpus(size: int = 240, seed: int = 7) -> list[dict[str, Any]]:
    rng = random.Random(seed)
    found = []
    for n in range(size):
        kind = rng.choice(("dataset", "publication"))
        year = rng.choice((None, *range(2015, 2027)))
        document = doc(
            f"b{n:04d}-{n:05d}",
            " ".join(rng.sample(WORDS, 3)).capitalize() + f" {n}",
            kind=kind,
            status=rng.choices(("published", "draft", "withdrawn"), (8, 1, 1))[0],
            owner=str(rng.randint(1, 3)),
            themes=tuple(rng.sample(("genetics", "neuroscience", "infection", "oncology"), 2)),
            year=year,
            creators=tuple(rng.sample(NAMES, rng.randint(1, 3))),
            latest=rng.random() > 0.1,
        )
        document["publication_date"] = year and f"{year}-{rng.randint(1, 12):02d}-01"
        document["departments"] = rng.sample(("cardiology", "neurology", "radiology"), 1)
        document["license"] = rng.choice(("CC-BY-4.0", "CC0-1.0", "MIT"))
        if kind == "dataset":
            document["access_right"] = rng.choice(("open", "embargoed", "restricted"))
        else:
            document["access_right"] = None
            document["open_access"] = rng.choice(("gold", "green", "hybrid", "closed"))
        found.append(document)
    return found


SHAPED = shaped_corpus()


def oracle_visible() -> list[dict[str, Any]]:
    """What anonymous callers may see: current versions of published records."""
    return [d for d in SHAPED if d["status"] == "published" and d["is_latest"]]


def oracle_values(document: dict[str, Any], facet: str) -> list[str]:
    value = document[FACETS[facet]]
    return [str(v) for v in (value if isinstance(value, list) else [value]) if v is not None]


def oracle_matches(filters: dict[str, tuple[str, ...]]) -> list[dict[str, Any]]:
    return [
        d
        for d in oracle_visible()
        if all(set(oracle_values(d, facet)) & set(values) for facet, values in filters.items())
    ]


def oracle_facets(filters: dict[str, tuple[str, ...]]) -> dict[str, list[tuple[str, int]]]:
    """Multi-select counts: each facet counted within every filter but its own."""
    counted = {}
    for facet in FACETS:
        within = oracle_matches({f: v for f, v in filters.items() if f != facet})
        counts = Counter(value for d in within for value in oracle_values(d, facet))
        if facet == "year":
            counted[facet] = sorted(counts.items(), reverse=True)
        else:
            counted[facet] = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))[:50]
    return counted


def oracle_order(documents: list[dict[str, Any]], sort: str) -> list[str]:
    dated = [d for d in documents if d["publication_date"]]
    undated = sorted((d for d in documents if not d["publication_date"]), key=lambda d: d["id"])
    if sort == "title":
        return [d["id"] for d in sorted(documents, key=lambda d: (d["title"].lower(), d["id"]))]
    if sort == "oldest":
        dated.sort(key=lambda d: (d["publication_date"], d["id"]))
    else:  # newest: later dates first, the same date by id
        dated.sort(key=lambda d: d["id"])
        dated.sort(key=lambda d: d["publication_date"], reverse=True)
    return [d["id"] for d in dated + undated]


@pytest.fixture(scope="module", params=["elasticsearch", "embedded"])
def shaped(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[SearchBackend]:
    found: Any
    if request.param == "elasticsearch":
        engine = SearchEngine(
            search_config(
                request.getfixturevalue("es_url"), index_prefix=f"shapes-{uuid.uuid4().hex[:8]}"
            )
        )
        found = ElasticBackend(engine)
    else:
        found = EmbeddedBackend(tmp_path_factory.mktemp("shapes") / "search.sqlite")
    found.ensure_index()
    assert found.write([IndexAction(d["id"], 1, d) for d in SHAPED], refresh=True).written == 240
    yield found
    found.drop_indices()


def as_pairs(values: list[FacetValue]) -> list[tuple[str, int]]:
    return [(value.key, value.count) for value in values]


@pytest.mark.parametrize("facet", list(FACETS))
def test_each_filter_alone_finds_exactly_its_records(shaped: SearchBackend, facet: str) -> None:
    frequent = Counter(v for d in oracle_visible() for v in oracle_values(d, facet))
    value = min(frequent, key=lambda v: (-frequent[v], v))
    expected = {d["id"] for d in oracle_matches({facet: (value,)})}
    assert expected  # the corpus has records with every facet
    result = shaped.search(SearchRequest(filters={facet: (value,)}, size=250))
    assert result.total == len(expected)
    assert {hit.id for hit in result.hits} == expected


def test_two_filters_and_every_facet_count(shaped: SearchBackend) -> None:
    filters = {"theme": ("genetics", "oncology"), "year": ("2019", "2020", "2021")}
    result = shaped.search(SearchRequest(filters=filters, size=250))
    expected = oracle_matches(filters)
    assert 0 < result.total == len(expected)
    assert {hit.id for hit in result.hits} == {d["id"] for d in expected}
    counted = {facet: as_pairs(values) for facet, values in result.facets.items()}
    assert counted == oracle_facets(filters)


@pytest.mark.parametrize("kind", ["dataset", "publication"])
@pytest.mark.parametrize("sort", ["newest", "oldest", "title"])
def test_listings_per_kind_in_every_order(shaped: SearchBackend, kind: str, sort: Any) -> None:
    filters = {"kind": (kind,)}
    expected = oracle_order(oracle_matches(filters), sort)
    first = shaped.search(SearchRequest(filters=filters, sort=sort, size=20))
    assert first.total == len(expected)
    assert [hit.id for hit in first.hits] == expected[:20]
    third = shaped.search(SearchRequest(filters=filters, sort=sort, size=20, page=3))
    assert [hit.id for hit in third.hits] == expected[40:60]


def test_deep_paging_walks_the_whole_list_once(shaped: SearchBackend) -> None:
    walked: list[str] = []
    after = None
    while True:
        page = shaped.search(SearchRequest(sort="newest", size=13, after=after, facets=False))
        walked += [hit.id for hit in page.hits]
        if page.next_after is None:
            break
        after = page.next_after
    assert walked == oracle_order(oracle_visible(), "newest")


def test_drafts_of_the_owner_are_counted_in_facets(shaped: SearchBackend) -> None:
    mine = [d for d in SHAPED if d["status"] == "draft" and d["owner_id"] == "2"]
    result = shaped.search(
        SearchRequest(visibility=Visibility(owner_id="2"), statuses=("draft",), size=250)
    )
    assert {hit.id for hit in result.hits} == {d["id"] for d in mine}
    kinds = Counter(d["kind"] for d in mine)
    assert dict(as_pairs(result.facets["kind"])) == dict(kinds)


def test_embedded_writes_go_on_while_a_search_is_reading(tmp_path: Path) -> None:
    """A search in the middle of reading (its read transaction open) does not hold up a write,
    and does not see it until its next read: SQLite's write-ahead log, one writer connection,
    searches on connections of their own."""
    backend = EmbeddedBackend(tmp_path / "search.sqlite")
    backend.write([IndexAction(d["id"], 1, d) for d in CORPUS])
    new = doc("a0001-00011", "Tinnitus cohort")
    with backend._reading() as reading, _Transaction(reading):
        before = reading.execute("SELECT count(*) FROM documents").fetchone()[0]
        assert backend.write([IndexAction(new["id"], 1, new)]).written == 1
        assert reading.execute("SELECT count(*) FROM documents").fetchone()[0] == before
    assert ids(backend, text="tinnitus") == ["a0001-00011"]


def test_a_record_naming_the_same_creator_twice_is_counted_once_and_can_change(
    backend: SearchBackend,
) -> None:
    twice = doc("a0001-00012", "Twin registry", creators=("Smit, Lotte", "Smit, Lotte"))
    backend.write([IndexAction(twice["id"], 1, twice)], refresh=True)
    lotte = backend.search(SearchRequest(filters={"creator": ("Smit, Lotte",)}))
    assert lotte.total == 1
    assert {v.key: v.count for v in lotte.facets["creator"]}["Smit, Lotte"] == 1
    once = doc("a0001-00012", "Twin registry", creators=("Smit, Lotte",))
    backend.write([IndexAction(once["id"], 2, once)], refresh=True)
    backend.write([DeleteAction(once["id"], 3)], refresh=True)
    assert backend.search(SearchRequest(filters={"creator": ("Smit, Lotte",)})).total == 0
