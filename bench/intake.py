"""How fast the institution's works come in: a harvest of N works from the local stand-in for
OpenAlex (tests.fake_services, over real HTTP) into PostgreSQL, beside reading the same pages
from the stand-in alone (the limit), and the same harvest again with nothing changed.

    bash bench/run.sh intake --works 10000

Reports works per second for each, the re-harvest's speed-up over the first harvest, and the
process's resident memory after a tenth and after all of the first harvest (flat: the job
holds one page at a time).  One run, so the ratios compare like with like.
"""

from __future__ import annotations

import argparse
import dataclasses
import time
from pathlib import Path

from bench import data
from bench.search import prepared_state, settings_from_env
from catalogue.adapters.harvest.feed import START
from catalogue.adapters.harvest.jobs import Harvester, queue_harvest
from catalogue.app import CatalogueState
from catalogue.models import HarvestJob
from catalogue.services.accounts import ensure_user
from tests import service_answers
from tests.fake_services import fake_services

LUMC = "https://ror.org/05xvt9f17"


def rss_mib() -> float:
    pages = int(Path("/proc/self/statm").read_text().split()[1])
    return pages * 4096 / 2**20


def harvest(
    state: CatalogueState, harvester: Harvester, watch: bool = False
) -> tuple[HarvestJob, float, list[float]]:
    with state.db.unit_of_work() as session:
        lotte = ensure_user(session, "bench-lotte", "Lotte Bench", ["librarian"])
        job_id = queue_harvest(session, lotte, "openalex", [LUMC], 2024, 2024).id
    memory: list[float] = []

    def sample(job: HarvestJob) -> None:
        if watch and job.total and job.processed in {job.total // 10, job.total}:
            memory.append(rss_mib())

    assert harvester.claim(job_id) == job_id
    started = time.perf_counter()
    job = harvester.run(job_id, progress=sample if watch else None)
    return job, time.perf_counter() - started, memory


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--works", type=int, default=10_000, help="works the stand-in lists")
    args = parser.parse_args()
    settings = settings_from_env(contact_email="bench@example.org", enrichment_per_second=1000.0)
    state = prepared_state(settings)
    data.empty(state.db.engine)
    state.backend.drop_indices()
    with fake_services() as services:
        services.openalex_works = [
            service_answers.openalex_work(n, year=2024) for n in range(args.works)
        ]
        harvester = Harvester(state.db, dataclasses.replace(settings, openalex_url=services.url))
        # The limit: every page from the stand-in, parsed, nothing saved.
        parameters = {"rors": [LUMC], "from_year": 2024, "to_year": 2024}
        feed = harvester.feed(HarvestJob(source="openalex", parameters=parameters))
        started = time.perf_counter()
        cursor: str | None = START
        read = 0
        while cursor is not None:
            page = feed.fetch(cursor)
            read += len([feed.parse(raw) for raw in page.items])
            cursor = page.next_cursor
        alone = time.perf_counter() - started

        first, first_s, memory = harvest(state, harvester, watch=True)
        again, again_s, _ = harvest(state, harvester)
    assert (first.created, again.unchanged) == (args.works, args.works), (first, again)
    print(f"{'':34}{'works':>8}{'seconds':>9}{'works/s':>10}")
    for name, count, seconds in (
        ("stand-in alone (the limit)", read, alone),
        ("first harvest (all created)", first.created, first_s),
        ("re-harvest (all unchanged)", again.unchanged, again_s),
    ):
        print(f"{name:34}{count:>8}{seconds:>9.1f}{count / seconds:>10.0f}")
    print(f"re-harvest speed-up over the first: {first_s / again_s:.1f}x")
    if len(memory) == 2:
        print(f"resident memory after 10%: {memory[0]:.0f} MiB, after 100%: {memory[1]:.0f} MiB")


if __name__ == "__main__":
    main()
