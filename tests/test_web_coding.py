"""Coding stakeholder evidence in the browser: one segment at a time with the codebook beside it,
saved at once with who and when through review.evidence.coding, blinded between coders, and
pseudonymised text only."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from sqlalchemy import Engine
from sqlmodel import col, select
from starlette.testclient import TestClient

from review.db import session_scope, utcnow
from review.evidence import imports, withdraw
from review.evidence.read import Attributes
from review.models import EvidenceCoding, EvidenceSegment
from review.web import auth
from review.web.app import WebConfig, create_app
from tests.web_helpers import WebSite, csrf_of, make_site

DATA = Path(__file__).parent / "data" / "evidence"
REAL_NAMES = ("Sarah", "Whitfield", "Margaret", "Okafor", "okafor@", "Daniel Price", "Priya", "Raman")
SEGMENT = re.compile(r'<h1 id="segment">Segment (\d+)</h1>')


@pytest.fixture
def site(engine: Engine, review_dir: Path) -> WebSite:
    site = make_site(engine, review_dir, n=0)
    with session_scope(engine) as session:
        imports.import_files(session, [DATA / "interview.vtt", DATA / "responses.xlsx"], Attributes())
    return site


def _segments(site: WebSite) -> list[int]:
    with session_scope(site.engine) as session:
        return [s for s in session.exec(select(EvidenceSegment.id).order_by(col(EvidenceSegment.id))) if s]


def _codings(site: WebSite) -> list[EvidenceCoding]:
    with session_scope(site.engine) as session:
        return list(session.exec(select(EvidenceCoding).order_by(col(EvidenceCoding.id))))


def _shown(html: str) -> int:
    found = SEGMENT.search(html)
    assert found, html
    return int(found.group(1))


def _code(client: TestClient, segment: int, *codes: str, note: str = "", **extra: str) -> int:
    page = client.get(f"/coding/{segment}")
    form: dict[str, str | list[str]] = {
        "csrf": csrf_of(page.text),
        "code": list(codes),
        "note": note,
        **extra,
    }
    return client.post(f"/coding/{segment}", data={**form, **extra}).status_code


def test_the_first_segment_not_coded_shows_with_the_codebook(site: WebSite) -> None:
    segments = _segments(site)
    page = site.sign_in("reviewer1").get("/coding")
    assert page.status_code == 200
    assert _shown(page.text) == segments[0]
    assert f"0/{len(segments)} segments coded by you" in page.text
    assert "Thank you for joining." in page.text and "interview · interview.vtt" in page.text
    assert "turn 1, 00:00:01-00:00:06, Interviewer" in page.text
    book = site.protocol.codebook
    assert book is not None
    for code in book.codes():
        assert f'name="code" value="{code}"' in page.text
    assert book.themes[0].definition in page.text
    assert '<a href="/coding">Code evidence</a>' in page.text


def test_codes_are_saved_at_once_with_who_and_when(site: WebSite) -> None:
    client = site.sign_in("reviewer1")
    first, second = _segments(site)[:2]
    before = utcnow()
    assert _code(client, first, "governance", "leadership", note="  the board  ") == 303
    (row,) = _codings(site)
    assert (row.segment_id, row.coder, row.role, row.via) == (first, "reviewer1", "coder", "web")
    assert (row.codes, row.note) == (["governance", "leadership"], "the board")
    assert before <= row.created_at.replace(tzinfo=before.tzinfo) <= utcnow()
    page = client.get("/coding")
    assert f"Saved segment {first}: governance, leadership." in page.text
    assert _shown(page.text) == second and "1/" in page.text
    assert _code(client, second, none="1") == 303  # coded: no code applies
    assert _codings(site)[-1].codes == []
    assert _code(client, second, none="1") == 303
    assert len(_codings(site)) == 2 and "unchanged" in client.get("/coding").text


def test_a_coder_changes_their_codes_on_a_segment_they_coded(site: WebSite) -> None:
    client = site.sign_in("reviewer1")
    first = _segments(site)[0]
    _code(client, first, "funding")
    page = client.get(f"/coding/{first}").text
    assert 'value="funding" checked' in page and "You coded it: funding" in page
    assert _code(client, first, "outreach") == 303
    assert [c.codes for c in _codings(site)] == [["funding"], ["outreach"]]  # both kept, the latest stands


@pytest.mark.parametrize(
    ("codes", "extra", "says"),
    [
        ((), {}, "Tick at least one code, or press"),
        (("governance",), {"none": "1"}, "Tick codes or press"),
        (("not-a-code",), {}, "unknown code(s) not-a-code"),
    ],
)
def test_bad_codes_are_refused_and_nothing_is_kept(
    site: WebSite, codes: tuple[str, ...], extra: dict[str, str], says: str
) -> None:
    client = site.sign_in("reviewer1")
    segment = _segments(site)[0]
    page = client.get(f"/coding/{segment}")
    form = {"csrf": csrf_of(page.text), "code": list(codes), **extra}
    answer = client.post(f"/coding/{segment}", data=form)
    assert answer.status_code == 400 and says in answer.text
    assert _codings(site) == []


def test_only_pseudonyms_are_shown(site: WebSite) -> None:
    client = site.sign_in("reviewer1")
    seen = ""
    for segment in _segments(site):
        seen += client.get(f"/coding/{segment}").text
    seen += client.get("/coding").text
    assert "P00" in seen  # the pseudonyms stand in for the names
    assert not [name for name in REAL_NAMES if name.lower() in seen.lower()]


def test_a_coder_never_sees_another_coders_codes_until_both_have_coded(site: WebSite) -> None:
    one, two = site.sign_in("reviewer1"), site.sign_in("reviewer2")
    segment = _segments(site)[1]
    assert _code(two, segment, "governance", note="reviewer2's private note") == 303
    blind = one.get(f"/coding/{segment}").text + one.get("/coding").text
    assert "reviewer2" not in blind and "private note" not in blind
    assert 'value="governance" checked' not in blind
    assert _code(one, segment, "outreach") == 303
    seeing = one.get(f"/coding/{segment}").text
    assert "reviewer2 (coder) coded it: governance (note: reviewer2&#39;s private note)" in seeing
    assert "You coded it: outreach" in seeing
    assert 'id="locked"' in seeing and 'id="save"' not in seeing  # both coded: the adjudicator's now
    answer = one.post(f"/coding/{segment}", data={"csrf": csrf_of(seeing), "code": ["governance"]})
    assert answer.status_code == 400 and "settled by an adjudicator" in answer.text
    assert [(c.coder, c.codes) for c in _codings(site)] == [
        ("reviewer2", ["governance"]),
        ("reviewer1", ["outreach"]),
    ]


def test_a_coder_codes_only_as_themselves(site: WebSite) -> None:
    client = site.sign_in("reviewer1")
    segment = _segments(site)[0]
    assert _code(client, segment, "funding", coder="reviewer2", role="adjudicator") == 303
    (row,) = _codings(site)
    assert (row.coder, row.role) == ("reviewer1", "coder")


def test_coding_needs_sign_in_csrf_and_a_reviewer(site: WebSite) -> None:
    segment = _segments(site)[0]
    anonymous = site.client()
    assert anonymous.get("/coding").status_code == 401
    assert anonymous.get(f"/coding/{segment}").status_code == 401
    assert anonymous.post(f"/coding/{segment}", data={"code": "funding"}).status_code == 401
    client = site.sign_in("reviewer1")
    assert client.post(f"/coding/{segment}", data={"code": "funding"}).status_code == 403
    assert client.post(f"/coding/{segment}", data={"code": "funding", "csrf": "guessed"}).status_code == 403
    writer = site.sign_in_writer()
    assert writer.get("/coding").status_code == 403
    assert writer.get(f"/coding/{segment}").status_code == 403
    assert _codings(site) == []
    adjudicator = site.sign_in(
        "adjudicator"
    )  # a protocol reviewer: codes as `review evidence code` lets them
    assert _code(adjudicator, segment, "funding") == 303
    assert [(c.coder, c.role) for c in _codings(site)] == [("adjudicator", "coder")]


def test_a_withdrawn_documents_segments_are_not_offered(site: WebSite) -> None:
    with session_scope(site.engine) as session:
        first = session.get(EvidenceSegment, _segments(site)[0])
        assert first is not None
        withdraw.withdraw(session, first.document_id, "reviewer1", "consent withdrawn")
        gone = [
            s
            for s in session.exec(
                select(EvidenceSegment.id).where(EvidenceSegment.document_id == first.document_id)
            )
        ]
    client = site.sign_in("reviewer1")
    page = client.get("/coding").text
    assert _shown(page) not in gone and "Thank you for joining." not in page
    answer = client.get(f"/coding/{gone[0]}")
    assert answer.status_code == 400 and "which was withdrawn" in answer.text
    form = {"csrf": csrf_of(page), "code": ["funding"]}
    assert client.post(f"/coding/{gone[0]}", data=form).status_code == 400
    assert _codings(site) == []


def test_the_whole_queue_then_nothing_left(site: WebSite) -> None:
    client = site.sign_in("reviewer2")
    segments = _segments(site)
    for _ in segments:
        assert _code(client, _shown(client.get("/coding").text), none="1") == 303
    page = client.get("/coding").text
    assert "Nothing left for you to code" in page and f"{len(segments)} of {len(segments)}" in page
    assert sorted(c.segment_id for c in _codings(site)) == segments


def test_a_protocol_without_a_codebook_says_how_to_add_one(engine: Engine, review_dir: Path) -> None:
    protocol = make_site(engine, review_dir, n=0).protocol.model_copy(update={"codebook": None})
    with session_scope(engine) as session:
        secret = auth.signing_secret(session)
    site = WebSite(create_app(WebConfig(engine, protocol, secret)), engine, protocol, [])
    client = site.sign_in("reviewer1")
    page = client.get("/coding")
    assert page.status_code == 400 and "has no [codebook]" in page.text
    assert "Code evidence" not in client.get("/status").text
