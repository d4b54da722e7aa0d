"""OpenAlex harvesting over real HTTP against the replay server: paging, faults, resume, rebuild."""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import Engine
from sqlmodel import col, select

from review import search
from review.db import session_scope
from review.errors import SearchError
from review.http import HostLimiter
from review.models import Record, RecordHit
from review.records import sha256_file
from review.search.api import redact
from review.search.openalex import invert_abstract, parse_work, strip_commas
from tests.conftest import ReviewRunner, wipe_store
from tests.replay import ReplayServer, Reply
from tests.search_helpers import (
    BUDGET_429,
    FAST,
    OA,
    OA_IDS,
    OA_PAGES,
    PER_SECOND_429,
    counts,
    harvest_source,
    load,
    records_of,
    replay_env,
    runs,
    sessions_for,
    write_protocol,
)

WORKS = f"{OA}/works"
SECOND_PAGE = {"cursor": OA_PAGES[0]["meta"]["next_cursor"]}


@pytest.fixture
def replay(monkeypatch: pytest.MonkeyPatch, review_dir: Path) -> Iterator[ReplayServer]:
    yield from replay_env(monkeypatch, review_dir)


def oa_records(engine: Engine) -> dict[str, Record]:
    return records_of(engine, "openalex")


def harvest(review_dir: Path, engine: Engine, **kw: object) -> search.SearchResult:
    result: search.SearchResult = harvest_source(review_dir, engine, "openalex", **kw)
    return result


# --- parsing --------------------------------------------------------------------------------


def test_work_maps_to_a_record() -> None:
    work = OA_PAGES[0]["results"][1]  # W2154174829: a PubMed-indexed review
    rec = parse_work(work)
    assert rec.source_id == rec.openalex_id == "W2154174829"
    assert rec.doi == work["doi"].removeprefix("https://doi.org/").lower()
    assert rec.pmid == "12295970"
    assert rec.abstract and rec.abstract.split()[0] in work["abstract_inverted_index"]
    assert len(rec.abstract.split()) == sum(len(p) for p in work["abstract_inverted_index"].values())
    first = work["authorships"][0]["author"]["display_name"]
    assert rec.authors and rec.authors[0] == f"{first.rsplit(' ', 1)[1]}, {first.rsplit(' ', 1)[0]}"
    assert rec.journal == work["primary_location"]["source"]["display_name"]
    assert rec.issn == work["primary_location"]["source"]["issn_l"]
    assert rec.doc_type == "review" and rec.year == work["publication_year"]
    assert rec.extra and set(rec.extra) == {
        "best_oa_location",
        "locations",
        "open_access",
        "institutions",
        "relevance_score",
    }
    assert rec.extra["relevance_score"] == work["relevance_score"]


def test_work_without_abstract_or_source_keeps_what_it_has() -> None:
    no_abstract = parse_work(OA_PAGES[1]["results"][0])  # W2041234663
    assert no_abstract.abstract is None and no_abstract.title
    no_source = parse_work(OA_PAGES[1]["results"][1])  # W100927044: a report without a source
    assert no_source.journal is None and no_source.url


def test_abstracts_match_pyalex_inversion() -> None:
    from pyalex.api import invert_abstract as pyalex_invert

    indexes = [w["abstract_inverted_index"] for p in OA_PAGES for w in p["results"]]
    indexes += [{"a": [0, 2], "b": [1]}, {"shared": [0], "slot": [0]}, {"late": [7]}]
    for index in filter(None, indexes):
        assert invert_abstract(index) == pyalex_invert(index)
    assert invert_abstract({}) is None and invert_abstract(None) is None


def test_commas_are_stripped_from_search_filter_values() -> None:
    assert strip_commas("biodiversity, finance ,policy") == "biodiversity finance policy"


# --- harvesting -----------------------------------------------------------------------------


def test_cli_harvests_every_cursor_page_and_logs_the_run(
    replay: ReplayServer, run: ReviewRunner, engine: Engine, review_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("OPENALEX_API_KEY", "secret-key-123")
    result = run("search", "--source", "openalex")
    assert result.exit_code == 0, result.output + result.stderr
    assert set(oa_records(engine)) == OA_IDS
    (logged,) = runs(engine)
    assert (logged.status, logged.retrieved, logged.total_reported, logged.pages) == ("complete", 5, 5, 3)
    assert logged.cost_usd == pytest.approx(0.003)
    assert logged.request is not None
    assert logged.request.startswith(replay.url + WORKS) and "cursor=%2A" in logged.request
    assert "secret-key-123" not in logged.request
    assert logged.raw_path and sha256_file(review_dir / logged.raw_path) == logged.raw_sha256
    sent = replay.hits(WORKS)
    assert len(sent) == 3
    assert all(r.headers["Authorization"] == "Bearer secret-key-123" for r in sent)
    assert sent[0].headers["From"] == "team@example.org"
    assert all("secret-key-123" not in r.url for r in sent)
    filt = sent[0].query["filter"][0]
    assert filt == "title_and_abstract.search:biodiversity AND finance policy,publication_year:1990-2010"


def test_rerunning_a_finished_search_adds_a_run_but_no_duplicate_records(
    replay: ReplayServer, run: ReviewRunner, engine: Engine
) -> None:
    assert run("search", "--source", "openalex").exit_code == 0
    assert run("search", "--source", "openalex").exit_code == 0
    assert counts(engine) == {"records": 5, "hits": 10, "runs": 2}


def test_per_second_429_waits_for_retry_after_then_completes(
    replay: ReplayServer, review_dir: Path, engine: Engine
) -> None:
    replay.fault(WORKS, PER_SECOND_429, when=SECOND_PAGE)
    client = dataclasses.replace(FAST, sleep=time.sleep)
    began = time.monotonic()
    result = harvest(review_dir, engine, client=client)
    assert time.monotonic() - began >= 1.0
    assert [r.status for r in result.runs] == ["complete"]
    assert len(replay.hits(WORKS)) == 4


def test_daily_budget_429_stops_keeps_records_and_the_rerun_resumes(
    replay: ReplayServer, run: ReviewRunner, engine: Engine
) -> None:
    replay.fault(WORKS, BUDGET_429, when=SECOND_PAGE)
    result = run("search", "--source", "openalex")
    assert result.exit_code == 1
    assert "Insufficient budget" in result.stderr and "UTC to resume" in result.stderr
    (stopped,) = runs(engine)
    assert (stopped.status, stopped.retrieved) == ("budget_exhausted", 2)
    assert stopped.resume_state and stopped.resume_state["cursor"] == SECOND_PAGE["cursor"]
    assert len(oa_records(engine)) == 2

    result = run("search", "--source", "openalex")
    assert result.exit_code == 0, result.stderr
    assert "(resumed)" in result.output
    assert counts(engine) == {"records": 5, "hits": 5, "runs": 1}
    assert runs(engine)[0].status == "complete"
    assert replay.hits(WORKS)[-2].query["cursor"] == [SECOND_PAGE["cursor"]]


def test_503_is_retried(replay: ReplayServer, review_dir: Path, engine: Engine) -> None:
    replay.fault(WORKS, Reply({"error": "busy", "message": "try later"}, status=503), times=2)
    assert [r.status for r in harvest(review_dir, engine).runs] == ["complete"]
    assert len(replay.hits(WORKS)) == 5


def test_a_timeout_is_retried(replay: ReplayServer, review_dir: Path, engine: Engine) -> None:
    replay.fault(WORKS, Reply(OA_PAGES[1], delay=0.8), when={"cursor": SECOND_PAGE["cursor"]})
    assert [r.status for r in harvest(review_dir, engine).runs] == ["complete"]
    assert len(oa_records(engine)) == 5


def test_persistent_timeouts_give_a_clear_error_and_keep_the_pages_so_far(
    replay: ReplayServer, run: ReviewRunner, engine: Engine
) -> None:
    replay.fault(WORKS, Reply(OA_PAGES[1], delay=0.8), times=3, when=SECOND_PAGE)
    result = run("search", "--source", "openalex")
    assert result.exit_code == 1
    assert "Error:" in result.stderr and "timed out after 3 tries" in result.stderr
    assert "resumes where it stopped" in result.stderr
    assert runs(engine)[0].status == "failed" and len(oa_records(engine)) == 2
    assert run("search", "--source", "openalex").exit_code == 0
    assert counts(engine) == {"records": 5, "hits": 5, "runs": 1}


def test_truncated_json_is_retried_and_persistent_truncation_loses_nothing(
    replay: ReplayServer, review_dir: Path, engine: Engine
) -> None:
    replay.fault(WORKS, Reply(OA_PAGES[1], truncate=True), when=SECOND_PAGE)
    assert [r.status for r in harvest(review_dir, engine).runs] == ["complete"]
    replay.fault(WORKS, Reply(OA_PAGES[1], truncate=True), times=3, when=SECOND_PAGE)
    with pytest.raises(SearchError, match="malformed JSON after 3 tries"):
        harvest(review_dir, engine)
    assert counts(engine)["records"] == 5


def test_an_interrupted_run_resumes_without_duplicates(
    replay: ReplayServer, review_dir: Path, engine: Engine
) -> None:
    def kill(_n: int) -> None:
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        harvest(review_dir, engine, progress=kill)
    (stopped,) = runs(engine)
    assert (stopped.status, stopped.retrieved) == ("interrupted", 2)
    result = harvest(review_dir, engine)
    assert result.runs[0].resumed and result.runs[0].status == "complete"
    assert counts(engine) == {"records": 5, "hits": 5, "runs": 1}
    with session_scope(engine) as s:
        ranks = list(s.exec(select(RecordHit.rank).order_by(col(RecordHit.rank))))
    assert ranks == [0, 1, 2, 3, 4]


def test_a_400_quotes_openalex(replay: ReplayServer, run: ReviewRunner, engine: Engine) -> None:
    replay.fault(WORKS, Reply(load("openalex/error_400_invalid_filter.json"), status=400))
    result = run("search", "--source", "openalex")
    assert result.exit_code == 1
    assert "Error: OpenAlex rejected search 'biodiversity' (HTTP 400)" in result.stderr
    assert "DOESNTEXIST is not a valid field" in result.stderr
    assert runs(engine)[0].status == "failed"


def test_a_401_says_to_set_the_key(replay: ReplayServer, run: ReviewRunner) -> None:
    replay.fault(WORKS, Reply(load("openalex/error_401.json"), status=401))
    result = run("search", "--source", "openalex")
    assert result.exit_code == 1 and "OPENALEX_API_KEY" in result.stderr
    assert "API key not found" in result.stderr


def test_max_records_stops_early(replay: ReplayServer, review_dir: Path, engine: Engine) -> None:
    write_protocol(
        review_dir,
        '[sources.openalex]\nper_page = 2\n[[sources.openalex.searches]]\nname = "few"\n'
        'search = "biodiversity finance"\nmax_records = 3\n',
    )
    result = harvest(review_dir, engine)
    assert result.runs[0].retrieved == 3 and len(replay.hits(WORKS)) == 2
    request = runs(engine)[0].request
    assert request is not None and "search=biodiversity+finance" in request
    assert "from_publication_date:1998-01-01" in request  # the protocol's dates


def test_dry_run_shows_counts_and_credits_and_stores_nothing(
    replay: ReplayServer, run: ReviewRunner, engine: Engine
) -> None:
    result = run("search", "--source", "openalex", "--dry-run")
    assert result.exit_code == 0, result.stderr
    assert "openalex/biodiversity: 5 records, 3 requests, 30 credits ($0.0030)" in result.output
    assert replay.hits(WORKS)[0].query["per-page"] == ["1"]
    assert counts(engine) == {"records": 0, "hits": 0, "runs": 0}


def test_dry_run_out_of_budget_is_a_clear_error(replay: ReplayServer, run: ReviewRunner) -> None:
    replay.fault(WORKS, BUDGET_429)
    result = run("search", "--source", "openalex", "--dry-run")
    assert result.exit_code == 1 and "Insufficient budget" in result.stderr and "UTC" in result.stderr


def test_rebuild_reproduces_the_records_after_the_database_is_deleted(
    replay: ReplayServer, run: ReviewRunner, review_dir: Path, db_url: str
) -> None:
    assert run("search").exit_code == 0
    before = _snapshot(db_url)
    wipe_store(db_url)
    served = len(replay.requests)
    result = run("search", "--rebuild")
    assert result.exit_code == 0, result.stderr
    assert "Rebuilt 12 records (12 new) from 2 archives" in result.output
    assert len(replay.requests) == served  # offline
    assert _snapshot(db_url) == before
    assert run("search", "--rebuild").exit_code == 0  # idempotent
    assert _snapshot(db_url) == before


def _snapshot(db_url: str) -> tuple[object, ...]:
    from review.db import make_engine

    eng = make_engine(db_url)
    with session_scope(eng) as s:
        recs = sorted((r.source, r.source_id, r.title, r.abstract, r.doi) for r in s.exec(select(Record)))
        extras = sorted((r.source_id, str(r.extra)) for r in s.exec(select(Record)))
        log = sorted((r.search_name, r.status, r.retrieved, r.raw_sha256) for r in runs(eng))
    eng.dispose()
    return tuple(recs), tuple(extras), tuple(log)


def test_unknown_source_is_a_usage_error_listing_the_sources(run: ReviewRunner) -> None:
    result = run("search", "--source", "pubmed")
    assert result.exit_code == 2
    assert "openalex" in result.stderr and "govuk" in result.stderr


def test_unknown_search_name_lists_the_names(replay: ReplayServer, run: ReviewRunner) -> None:
    result = run("search", "--name", "nope")
    assert result.exit_code == 1
    assert "No search named 'nope'" in result.stderr and "biodiversity, moj-stats" in result.stderr


def test_rate_limiter_spaces_requests() -> None:
    waits: list[float] = []
    limiter = HostLimiter(10.0, waits.append)
    for _ in range(3):
        limiter.wait("api.openalex.org")
    assert len(waits) == 2 and waits[0] == pytest.approx(0.1, abs=0.02)


def test_api_keys_are_removed_from_logged_urls() -> None:
    url = "https://api.openalex.org/works?filter=type:article&api_key=abc&per-page=2&cursor=%2A"
    assert redact(url) == "https://api.openalex.org/works?filter=type:article&per-page=2&cursor=*"


def test_rebuild_takes_no_other_options(run: ReviewRunner) -> None:
    result = run("search", "--rebuild", "--dry-run")
    assert result.exit_code == 2 and "--rebuild" in result.stderr


KILL_SCRIPT = """
import os, sys
from pathlib import Path
from review import search
from review.db import init_db, make_engine, session_scope
from review.http import ClientSettings
from review.protocol import load_protocol
from review.settings import from_env

client = ClientSettings(read_timeout=0.5, tries=1, rps=1000.0)
root, db = Path(sys.argv[1]), sys.argv[2]
engine = make_engine(db)
init_db(engine)
kill = lambda n: os._exit(9)  # a hard kill right after the first page is committed
search.run(lambda: session_scope(engine), load_protocol(root), root, settings=from_env(os.environ),
           source="openalex", client=client, progress=kill)
"""


def test_a_hard_kill_is_resumed_and_its_archive_still_rebuilds(
    replay: ReplayServer, review_dir: Path, db_url: str, engine: Engine
) -> None:
    import subprocess
    import sys

    from review.db import init_db, make_engine
    from review.search import archive

    killed = subprocess.run([sys.executable, "-c", KILL_SCRIPT, str(review_dir), db_url], timeout=60)
    assert killed.returncode == 9
    (stopped,) = runs(engine)
    assert (stopped.status, stopped.retrieved) == ("running", 2)
    assert stopped.raw_path and not archive.is_whole(review_dir / stopped.raw_path)

    result = harvest(review_dir, engine)
    assert result.runs[0].resumed and result.runs[0].status == "complete"
    assert counts(engine) == {"records": 5, "hits": 5, "runs": 1}
    assert archive.is_whole(review_dir / stopped.raw_path)

    fresh = make_engine(review_dir / "fresh.db")
    init_db(fresh)
    rebuilt = search.rebuild(sessions_for(fresh), review_dir)
    assert (rebuilt.archives, rebuilt.new) == (1, 5)
    fresh.dispose()


@given(
    st.dictionaries(
        st.text(alphabet="abcxyz.,", min_size=1, max_size=6),
        st.lists(st.integers(min_value=0, max_value=40), min_size=1, max_size=4),
        max_size=25,
    )
)
def test_abstract_inversion_matches_pyalex_on_any_index(index: dict[str, list[int]]) -> None:
    """Gaps, shared positions and repeats included: the same text as pyalex's own inversion."""
    from pyalex.api import invert_abstract as pyalex_invert

    assert invert_abstract(index) == (pyalex_invert(index) or None)
