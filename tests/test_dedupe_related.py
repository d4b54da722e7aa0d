"""Related links: records dedupe keeps apart but links (an erratum and its article, a series...)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy import Engine, inspect, text
from sqlmodel import Session, select

from review import status
from review.db import init_db, schema_version, session_scope, utcnow
from review.dedupe import next_pending, pending_count
from review.dedupe.relations import RELATIONS, Related, related_by_work, related_counts, related_works
from review.models import SCHEMA_VERSION, DedupePair, Record, Work
from review.report.methods import _related as methods_related
from review.screen import decide, queue
from tests.conftest import ReviewRunner
from tests.screen_helpers import assign_to, kept_works, protocol_at

ARTICLE = "Family hubs and the early years: an evaluation"
ERRATUM = "Erratum: Family hubs and the early years: an evaluation"
SERIES = "Family hubs annual report 2023"


@dataclass(frozen=True)
class Store:
    """Three works of one record each: an article, its erratum and another item of its series."""

    article: int
    erratum: int
    series: int
    records: dict[int, int]  # work -> its record


def _record_of(session: Session, work: int) -> int:
    rid = session.exec(select(Record.id).where(Record.work_id == work)).one()
    assert rid is not None
    return rid


def link(
    session: Session,
    a: int,
    b: int,
    relation: str | None,
    *,
    subject: int | None = None,
    band: str = "related",
) -> int:
    """Store a pair of records as the matcher does (record_a < record_b); returns its id."""
    scores = {"title": 0.62} | ({"subject": subject} if subject is not None else {})
    pair = DedupePair(record_a=min(a, b), record_b=max(a, b), rule="notice", scores=scores, band=band,
                      relation=relation, created_at=utcnow())  # fmt: skip
    session.add(pair)
    session.flush()
    assert pair.id is not None
    return pair.id


@pytest.fixture
def store(engine: Engine) -> Store:
    with session_scope(engine) as s:
        a, e, x = kept_works(s, 3)
        records = {w: _record_of(s, w) for w in (a, e, x)}
        for work, title in ((a, ARTICLE), (e, ERRATUM), (x, SERIES)):
            s.exec(select(Record).where(Record.work_id == work)).one().title = title
            s.exec(select(Work).where(Work.id == work)).one().title = title
        link(s, records[a], records[e], "erratum", subject=records[e])
        link(s, records[a], records[x], "series")
    return Store(a, e, x, records)


# --- related_works ----------------------------------------------------------------------------------


def test_related_works_reads_each_link_from_each_side(engine: Engine, store: Store) -> None:
    rec = store.records
    with session_scope(engine) as s:
        from_article = related_works(s, store.article)
        from_erratum = related_works(s, store.erratum)
        from_series = related_works(s, store.series)
    assert from_article == [
        Related("erratum", "corrected by", rec[store.erratum], store.erratum, ERRATUM),
        Related("series", "another item of the same series as", rec[store.series], store.series, SERIES),
    ]
    assert from_erratum == [
        Related("erratum", "erratum or correction of", rec[store.article], store.article, ARTICLE)
    ]
    assert from_series == [
        Related("series", "another item of the same series as", rec[store.article], store.article, ARTICLE)
    ]


def test_a_link_without_a_recorded_direction_is_not_guessed(engine: Engine) -> None:
    with session_scope(engine) as s:
        one, two = kept_works(s, 2)
        link(s, _record_of(s, one), _record_of(s, two), "preprint")
        (seen,) = related_works(s, one)
        (back,) = related_works(s, two)
    assert (seen.relation, seen.label, back.label) == ("preprint", "linked (preprint) with", seen.label)


def test_every_kind_reads_both_ways(engine: Engine) -> None:
    labels = {}
    with session_scope(engine) as s:
        subject, other = kept_works(s, 2)
        a = _record_of(s, subject)
        pair = s.get(DedupePair, link(s, a, _record_of(s, other), None, subject=a))
        assert pair is not None
        for name in RELATIONS:  # one pair of records holds one link: the same pair as each kind
            pair.relation = name
            s.flush()
            labels[name] = (related_works(s, subject)[0].label, related_works(s, other)[0].label)
    assert labels["erratum"] == ("erratum or correction of", "corrected by")
    assert labels["comment"] == ("comment on or reply to", "commented on by")
    assert labels["conference_version"] == ("conference version of", "journal version of")
    assert labels["preprint"] == ("preprint of", "published version of")
    assert labels["update"] == ("update of", "updated by")
    assert labels["series"] == ("another item of the same series as",) * 2
    assert labels["part"] == ("another part of the same study as",) * 2


def test_pairs_now_in_one_work_are_not_shown_or_counted(engine: Engine, store: Store) -> None:
    with session_scope(engine) as s:
        erratum = s.get(Record, store.records[store.erratum])
        assert erratum is not None
        erratum.work_id = store.article  # a person merged them after all
        s.flush()
        assert [r.relation for r in related_works(s, store.article)] == ["series"]
        assert related_counts(s) == {"series": 1}


def test_many_works_at_once_match_one_at_a_time(engine: Engine, store: Store) -> None:
    ids = [store.article, store.erratum, store.series]
    with session_scope(engine) as s:
        together = related_by_work(s, ids)
        alone = {w: related_works(s, w) for w in ids}
        every = related_by_work(s, [*ids, *range(10_000, 10_600)])  # a whole queue: links read once
    assert together == alone
    assert {w: every[w] for w in ids} == alone


# --- the person's queue ------------------------------------------------------------------------------


def test_related_pairs_never_enter_the_review_queue(engine: Engine, store: Store) -> None:
    with session_scope(engine) as s:
        assert pending_count(s) == 0 and next_pending(s) is None
        one, two = kept_works(s, 2)
        doubtful = link(s, _record_of(s, one), _record_of(s, two), None, band="review")
        assert pending_count(s) == 1
        shown = next_pending(s)
        assert shown is not None and shown.pair_id == doubtful
        assert next_pending(s, skip={doubtful}) is None


# --- review log ----------------------------------------------------------------------------------------


def test_log_says_what_the_link_is(run: ReviewRunner, store: Store) -> None:
    rec = store.records
    result = run("log", str(store.erratum))
    assert result.exit_code == 0, result.output
    sentence = (
        f"record {rec[store.erratum]} (Erratum: Family hubs and the early years: an evaluation) "
        f"is an erratum or correction of record {rec[store.article]} ({ARTICLE})"
    )
    assert sentence in result.output
    assert "matched by" not in result.output
    series = run("log", str(store.series))
    assert f"record {rec[store.article]} ({ARTICLE}) is another item of the same series as" in series.output
    events = json.loads(run("log", str(store.erratum), "--json").output)
    (dedupe,) = [e for e in events if e["kind"] == "dedupe"]
    assert (dedupe["detail"]["band"], dedupe["detail"]["relation"]) == ("related", "erratum")


# --- the screen ---------------------------------------------------------------------------------------


def test_screen_card_shows_related_works(run: ReviewRunner, engine: Engine, store: Store) -> None:
    with session_scope(engine) as s:
        assign_to(s, [store.article], "reviewer1")
        (item,) = queue.items(s, [store.article], "title_abstract", "reviewer1")
    assert [r.other_work_id for r in item.related] == [store.erratum, store.series]
    result = run("screen", "--reviewer", "reviewer1", input="q")
    assert result.exit_code == 0, result.output
    assert f'Related: corrected by work {store.erratum} "{ERRATUM}"' in result.output
    assert f'Related: another item of the same series as work {store.series} "{SERIES}"' in result.output


def test_full_text_card_shows_related_works_and_stays_short(
    run: ReviewRunner, engine: Engine, store: Store, review_dir: Path
) -> None:
    with session_scope(engine) as s:
        more = kept_works(s, 3)
        for other in more:
            link(
                s, store.records[store.erratum], _record_of(s, other), "erratum", subject=_record_of(s, other)
            )
        assign_to(s, [store.erratum], "reviewer1")
        decide.record(s, protocol_at(review_dir), work_id=store.erratum, stage="title_abstract",
                      reviewer="reviewer1", decision="include")  # fmt: skip
        assign_to(s, [store.erratum], "reviewer1", stage="full_text")
    result = run("screen", "--reviewer", "reviewer1", "--stage", "full-text", input="q")
    assert result.exit_code == 0, result.output
    related = [line for line in result.output.splitlines() if line.startswith("Related:")]
    assert related == [
        f'Related: erratum or correction of work {store.article} "{ARTICLE}"',
        f'Related: corrected by work {more[0]} "Children\'s centre study 0"',
        "Related: +2 more",
    ]


# --- counts ------------------------------------------------------------------------------------------


def test_counts_by_kind_in_status_and_methods(run: ReviewRunner, engine: Engine, store: Store) -> None:
    with session_scope(engine) as s:
        assert related_counts(s) == {"erratum": 1, "series": 1}
        assert methods_related(s) == (
            " 2 pairs of records were kept apart as related items, not duplicates "
            "(1 erratum, 1 item of a series)."
        )
        report = status.run(s)
    assert report.related == {"erratum": 1, "series": 1}
    assert "Related items kept apart but linked: 1 erratum, 1 item of a series" in status.render(report)


def test_no_links_no_sentence(engine: Engine) -> None:
    with session_scope(engine) as s:
        kept_works(s, 2)
        assert related_counts(s) == {} and methods_related(s) == ""
        assert "Related items" not in status.render(status.run(s))


# --- schema 4 -----------------------------------------------------------------------------------------


def _pair_schema(engine: Engine) -> tuple[set[str], dict[str, tuple[list[str | None], str]]]:
    """The pair table's columns, and its indexes with their columns and WHERE (as the database says)."""
    found = inspect(engine)
    columns = {c["name"] for c in found.get_columns("dedupe_pair")}
    indexes = {
        i["name"]: (i["column_names"], " ".join(str(w) for w in i.get("dialect_options", {}).values()))
        for i in found.get_indexes("dedupe_pair")
        if i["name"]
    }
    return columns, indexes


def test_a_schema_3_store_gains_the_relation_column(engine: Engine) -> None:
    fresh = _pair_schema(engine)
    with session_scope(engine) as s:
        a, b = kept_works(s, 2)
        link(s, _record_of(s, a), _record_of(s, b), None, band="review")
    with engine.begin() as conn:  # make it a schema 3 store: no relation column, no index for links
        conn.execute(text("DROP INDEX ix_dedupe_pair_related"))
        conn.execute(text("DROP INDEX ix_dedupe_pair_related_b"))
        conn.execute(text("ALTER TABLE dedupe_pair DROP COLUMN relation"))
        conn.execute(text("UPDATE meta SET value = '3' WHERE key = 'schema_version'"))
    old_columns, old_indexes = _pair_schema(engine)
    assert "relation" not in old_columns and "ix_dedupe_pair_related" not in old_indexes
    init_db(engine)
    assert schema_version(engine) == SCHEMA_VERSION
    assert _pair_schema(engine) == fresh
    assert fresh[1]["ix_dedupe_pair_related"][0] == ["record_a", "record_b"]
    assert fresh[1]["ix_dedupe_pair_related_b"][0] == ["record_b"]
    assert "related" in fresh[1]["ix_dedupe_pair_related"][1]  # partial: links only
    with session_scope(engine) as s:
        assert s.exec(select(DedupePair.relation)).all() == [None]
        assert pending_count(s) == 1  # the open-pair index still serves the queue
    init_db(engine)  # and running it again changes nothing
    assert _pair_schema(engine) == fresh
