"""The dedupe stage on a store: bands, works, incremental runs, people's decisions, undo, GOV.UK links."""

from __future__ import annotations

from typing import Any

import pytest
from sqlmodel import Session, col, select

from review import dedupe, tally
from review.db import utcnow
from review.errors import InputError
from review.models import DedupeEvent, DedupePair, ScreeningDecision, StageRun, Work
from tests.dedupe_helpers import add_records, special_cases, work_of

PAPER: dict[str, Any] = {
    "title": "Universal free school meals and attainment in English primary schools",
    "authors": ["Holford, Angus", "Rabe, Birgitta"],
    "year": 2022,
    "journal": "Education Economics",
    "volume": "30",
    "pages": "112-130",
}


def _variant(**changes: Any) -> dict[str, Any]:
    return {**PAPER, **changes}


def test_every_record_gets_a_work_and_duplicates_share_one(session: Session) -> None:
    ids = add_records(
        session,
        [
            _variant(doi="10.1080/09645292.2021.1"),
            _variant(doi="https://doi.org/10.1080/09645292.2021.1", title=PAPER["title"].upper()),
            _variant(title="Universal free school meals and attainment in English primary schools."),
            {"title": "A different study of nursery places in Leeds", "year": 2021},
        ],
    )
    result = dedupe.run(session)
    works = work_of(session, ids)
    assert None not in works
    assert works[0] == works[1] == works[2] != works[3]
    assert (result.examined, result.new, result.works) == (4, 4, 2)
    single = session.get(Work, works[3])
    assert single is not None and (single.title, single.year) == (
        "A different study of nursery places in Leeds",
        2021,
    )


def test_special_cases_follow_the_gold_groups(session: Session) -> None:
    items, gold = special_cases()
    ids = add_records(session, items, source="bib")
    dedupe.run(session)
    by_source_id = dict(zip([i["source_id"] for i in items], work_of(session, ids), strict=True))
    for group in gold:
        assert len({by_source_id[s] for s in group}) == 1, group
    merged = {s for group in gold for s in group}
    singles = [w for s, w in by_source_id.items() if s not in merged]
    assert len(set(singles)) == len(singles)  # yearly editorials, conference vs journal: kept apart


def test_a_hard_conflict_keeps_records_apart_without_asking_a_person(session: Session) -> None:
    ids = add_records(
        session,
        [
            _variant(doi="10.1080/aaaa.1"),
            _variant(doi="10.1080/aaaa.2"),  # same title, different DOI: different works
            _variant(year=2019, authors=["Smith, Jo"]),  # three years apart, other people
        ],
    )
    dedupe.run(session)
    assert len(set(work_of(session, ids))) == 3
    pairs = {(p.record_a, p.record_b): p for p in session.exec(select(DedupePair))}
    assert pairs[(ids[0], ids[1])].band == "distinct"
    assert (pairs[(ids[0], ids[1])].scores or {})["conflicts"] == ["doi"]
    assert (pairs[(ids[0], ids[2])].scores or {})["conflicts"] == ["year"]
    assert dedupe.pending_count(session) == 0


def test_merge_is_explained(session: Session) -> None:
    add_records(session, [_variant(), _variant(title=PAPER["title"] + " (abstract)")])
    dedupe.run(session)
    pair = session.exec(select(DedupePair)).one()
    assert (pair.band, pair.decision, pair.decided_by) == ("auto", "merge", "automation")
    assert pair.rule == "match_score"
    scores = pair.scores or {}
    assert scores["levels"] == {
        "title": "exact",  # "(abstract)" is a database's note, not part of the title
        "authors": "all",
        "journal": "agree",
        "year": "same",
        "volume": "same",
        "issue": "missing",
        "pages": "same",
        "doi": "missing",
        "publisher": "missing",
    }
    assert scores["p"] >= 0.999 and scores["weight"] > 10


def test_canonical_work_takes_the_richest_fields(session: Session) -> None:
    ids = add_records(
        session,
        [
            _variant(),
            _variant(abstract="We use a policy change in 2014...", doi="10.1080/09645292.2021.1"),
        ],
    )
    dedupe.run(session)
    work = session.get(Work, work_of(session, ids)[0])
    assert work is not None
    assert (work.doi, work.abstract) == ("10.1080/09645292.2021.1", "We use a policy change in 2014...")


def test_incremental_run_keeps_work_ids_and_compares_only_new(session: Session) -> None:
    first = add_records(
        session, [_variant(), {"title": "Another study of early years funding", "year": 2020}]
    )
    dedupe.run(session)
    before = work_of(session, first)
    later = add_records(session, [_variant(doi="10.1080/09645292.2021.1")], source="openalex")
    result = dedupe.run(session)
    assert work_of(session, first) == before
    assert work_of(session, later) == [before[0]]
    assert (result.new, result.works_created) == (1, 0)
    again = dedupe.run(session)
    assert (again.new, again.auto_merges) == (0, 0)
    runs = session.exec(select(StageRun).where(col(StageRun.stage) == "dedupe")).all()
    assert [(r.counts or {})["new_records"] for r in runs] == [2, 1, 0]
    assert "Fellegi-Sunter" in (runs[0].counts or {})["method"]


# The same title and year, nothing else to go on: likely, not sure (a person decides).
BARE = {"title": PAPER["title"], "year": PAPER["year"]}


def _queued_pair(session: Session) -> tuple[list[int], dedupe.PairView]:
    ids = add_records(session, [_variant(), BARE])
    dedupe.run(session)
    view = dedupe.next_pending(session)
    assert view is not None
    return ids, view


def test_person_merges_a_queued_pair(session: Session) -> None:
    ids, view = _queued_pair(session)
    assert {view.left["id"], view.right["id"]} == set(ids)
    work = dedupe.decide(session, view.pair_id, "merge", "reviewer1")
    assert work_of(session, ids) == [work, work]
    assert dedupe.next_pending(session) is None
    event = session.exec(select(DedupeEvent)).one()
    assert (event.action, event.reviewer) == ("merge", "reviewer1")


def test_keep_both_answers_every_pair_between_the_two_works(session: Session) -> None:
    ids = add_records(session, [_variant(), _variant(), BARE])
    dedupe.run(session)
    assert dedupe.pending_count(session) == 1
    view = dedupe.next_pending(session)
    assert view is not None
    dedupe.decide(session, view.pair_id, "keep_both", "reviewer1")
    assert dedupe.pending_count(session) == 0
    decided = session.exec(select(DedupePair).where(col(DedupePair.record_b) == ids[2])).all()
    assert {(p.decision, p.decided_by) for p in decided} == {("keep_both", "reviewer1")}


def test_keep_both_survives_a_rerun_with_a_bridging_record(session: Session) -> None:
    ids, view = _queued_pair(session)
    dedupe.decide(session, view.pair_id, "keep_both", "reviewer1")
    # a new record that matches both must not chain them together
    add_records(session, [BARE], source="other")
    dedupe.run(session)
    works = work_of(session, ids)
    assert works[0] != works[1]
    pair = session.get(DedupePair, view.pair_id)
    assert pair is not None and (pair.decision, pair.decided_by) == ("keep_both", "reviewer1")


def test_undo_splits_and_later_runs_respect_it(session: Session) -> None:
    ids = add_records(session, [_variant(), _variant(), _variant()])
    dedupe.run(session)
    work = work_of(session, ids)[0]
    assert work is not None
    result = dedupe.undo(session, work, "reviewer1", [ids[2]])
    assert work_of(session, ids) == [work, work, result.new_work_ids[0]]
    add_records(session, [_variant()], source="late")
    dedupe.run(session)
    assert work_of(session, ids)[2] != work_of(session, ids)[0]
    full = dedupe.undo(session, work, "reviewer1")
    assert len(set(work_of(session, ids))) == 3
    assert full.work_id == work
    events = session.exec(select(DedupeEvent.action)).all()
    assert set(events) == {"undo"}


def test_undo_refuses_a_single_record_work(session: Session) -> None:
    ids = add_records(session, [_variant()])
    dedupe.run(session)
    with pytest.raises(InputError, match="nothing to split"):
        dedupe.undo(session, work_of(session, ids)[0] or 0, "reviewer1")


def _screen(session: Session, work_id: int | None) -> None:
    assert work_id is not None
    session.add(
        ScreeningDecision(
            work_id=work_id,
            stage="title_abstract",
            reviewer="reviewer1",
            decision="include",
            created_at=utcnow(),
        )
    )
    session.flush()
    tally.refresh(session, [work_id])


def test_merge_keeps_the_screened_work_id(session: Session) -> None:
    first = add_records(session, [{"title": "Filler record about teacher pay", "year": 2020}, _variant()])
    dedupe.run(session)
    screened = work_of(session, first)[1]
    _screen(session, screened)
    late = add_records(session, [_variant()], source="late")
    dedupe.run(session)
    assert work_of(session, late) == [screened]


def test_two_screened_works_are_flagged_not_merged(session: Session) -> None:
    ids = add_records(session, [_variant(doi="10.1080/one"), _variant(doi="10.1080/other")])
    dedupe.run(session)
    a, b = work_of(session, ids)
    assert a != b
    _screen(session, a)
    _screen(session, b)
    bridge = add_records(session, [_variant()], source="late")
    result = dedupe.run(session)
    assert result.flagged and bridge[0] in result.flagged[0]
    assert len({*work_of(session, ids)}) == 2
    pair = dedupe.next_pending(session)
    assert pair is not None
    with pytest.raises(InputError, match="screening"):
        dedupe.decide(session, pair.pair_id, "merge", "reviewer1")


REPORT_TITLE = "Evaluation of the 30 hours free childcare entitlement: final report"


def test_govuk_page_and_the_openalex_record_of_the_report_go_to_a_person(session: Session) -> None:
    govuk = {
        "title": REPORT_TITLE,
        "year": 2021,
        "publisher": "Department for Education",
        "doc_type": "research",
        "govuk_base_path": "/government/publications/evaluation-of-30-hours",
    }
    openalex = {
        "title": "Evaluation of the 30 Hours Free Childcare Entitlement: Final Report",
        "year": 2020,
        "publisher": "Department for Education",
        "doc_type": "report",
        "openalex_id": "W3123456789",
    }
    other_org = {**openalex, "publisher": "Welsh Government", "openalex_id": "W3999"}
    ids = add_records(session, [govuk], source="govuk") + add_records(
        session, [openalex, other_org], "openalex"
    )
    dedupe.run(session)
    # The same title and organisation, a year apart: one report, or next year's edition of it.
    pairs = {(p.record_a, p.record_b): p for p in session.exec(select(DedupePair))}
    assert pairs[(ids[0], ids[1])].band == "review"
    assert (pairs[(ids[0], ids[1])].scores or {})["levels"]["publisher"] == "agree"
    # The likelier pair first: one title, one year, two publishers (the Welsh edition?), then ours.
    first = dedupe.next_pending(session)
    assert first is not None and {first.left["id"], first.right["id"]} == {ids[1], ids[2]}
    dedupe.decide(session, first.pair_id, "keep_both", "reviewer1")
    view = dedupe.next_pending(session)
    assert view is not None and {view.left["id"], view.right["id"]} == {ids[0], ids[1]}
    assert view.scores["p"] < first.scores["p"]
    dedupe.decide(session, view.pair_id, "merge", "reviewer1")
    works = work_of(session, ids)
    assert works[0] == works[1] != works[2]
    assert (pairs[(ids[1], ids[2])].scores or {})["levels"]["publisher"] == "disagree"


def test_chains_stop_at_conflicting_dois_and_the_size_cap() -> None:
    from review.dedupe.cluster import MAX_CLUSTER
    from review.dedupe.engine import cluster, find_candidates
    from review.dedupe.prepare import prepare

    base = {"source": "t", "title": PAPER["title"], "authors": PAPER["authors"], "year": 2022}
    rows = [
        {**base, "id": 1, "doi": "10.1080/one"},
        {**base, "id": 2},
        {**base, "id": 3, "doi": "10.1080/two"},
    ]
    result = cluster(prep := prepare(rows), find_candidates(prep))
    assert len(set(result.roots.tolist())) == 2
    assert [why for _, why in result.refused] == ["different_dois_in_cluster"]
    many = [{**base, "id": k} for k in range(1, MAX_CLUSTER + 6)]
    roots = cluster(prep := prepare(many), find_candidates(prep)).roots.tolist()
    assert max(roots.count(r) for r in roots) == MAX_CLUSTER


def test_pair_codes_come_sorted_and_once_whether_or_not_their_chunks_are_in_order() -> None:
    import numpy as np

    from review.dedupe.match import unique_codes

    in_order = [np.array([1, 5, 9], dtype=np.int64), np.array([2, 5, 12], dtype=np.int64), np.array([9])]
    shuffled = [np.array([9, 1, 5], dtype=np.int64), np.array([12, 2, 5], dtype=np.int64)]
    assert unique_codes(in_order).tolist() == [1, 2, 5, 9, 12]
    assert unique_codes(shuffled).tolist() == [1, 2, 5, 9, 12]
    assert in_order == [] and unique_codes([]).tolist() == []


def test_title_sort_orders_follow_the_bytes_of_each_title_then_author_and_year() -> None:
    from review.dedupe import match
    from review.dedupe.prepare import prepare

    titles = [
        "Family hubs: evaluation",
        "family hubs evaluation of the start for life programme in england and wales part two",
        "family hubs evaluation of the start for life programme in england and wales part one",
        "Éducation précoce",
        "Sure Start children's centres",
        "sure start childrens centres",
        "a",
    ]
    rows = [
        {"id": k + 1, "title": t, "authors": [f"Author{k % 3}, A"], "year": 2000 + (k % 2)}
        for k, t in enumerate(titles)
    ]
    prep = prepare(rows)
    first, year = prep.coded("first_author"), prep.year
    for which in (0, 1, 2):
        order = match._order(prep, which).tolist()
        key = match._prefixes(
            [
                prep.title[k]
                if which == 0
                else prep.title[k][::-1]
                if which == 1
                else prep.title[k][: prep.main_len[k]]
                for k in range(len(prep))
            ]
        )
        expected = sorted(range(len(prep)), key=lambda k: (bytes(key[k]), int(first[k]), int(year[k])))
        assert order == expected, which


def test_a_probability_just_short_of_the_automatic_threshold_never_reads_as_reaching_it() -> None:
    from review.dedupe import weights

    assert weights.kept(0.99895) == 0.9989 and weights.kept(0.999) == 0.999
    assert weights.text(0.99875) == "match probability 0.9987"
    assert weights.text(0.5) == "match probability 0.5000"
