"""The extraction form in the browser: typed fields, suggestions with their page and quote, each
value saved as it is entered (through review.extract, as `review extract` saves them)."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine
from sqlmodel import col, select
from starlette.testclient import TestClient

from review.db import session_scope
from review.models import ExtractionValue
from tests.web_helpers import WebSite, csrf_of, included_study, make_site

JSON = {"accept": "application/json"}


@pytest.fixture
def site(engine: Engine, review_dir: Path) -> WebSite:
    return make_site(engine, review_dir)


def _values(site: WebSite, reviewer: str) -> list[ExtractionValue]:
    with session_scope(site.engine) as session:
        mine = select(ExtractionValue).where(col(ExtractionValue.reviewer) == reviewer)
        return list(session.exec(mine.order_by(col(ExtractionValue.id))))


Fields = dict[str, str | list[str]]


def _post(client: TestClient, work_id: int, fields: Fields, json: bool = True) -> Any:
    page = client.get(f"/extract/{work_id}")
    data: dict[str, str | list[str]] = {"csrf": csrf_of(page.text)}
    data |= {f"f:{k}": v for k, v in fields.items()}
    return client.post(f"/extract/{work_id}", data=data, headers=JSON if json else {})


def test_the_list_names_the_included_studies(site: WebSite, review_dir: Path) -> None:
    client = site.sign_in("reviewer1")
    assert "No study is included at full text yet" in client.get("/extract").text
    work_id, _ = included_study(site.engine, review_dir)
    page = client.get("/extract").text
    assert f'<a href="/extract/{work_id}">Sure Start evaluation</a>' in page
    assert "<td>extract</td>" in page


def test_the_form_offers_suggestions_with_their_page_and_quote(site: WebSite, review_dir: Path) -> None:
    work_id, _ = included_study(site.engine, review_dir)
    page = site.sign_in("reviewer1").get(f"/extract/{work_id}")
    assert page.status_code == 200
    design = page.text.split('id="field-design.design"')[1].split('class="field"')[0]
    assert "<option selected>RCT</option>" in design
    assert "suggested (p. 2: “This randomised controlled trial" in design
    nations = page.text.split('id="field-setting.nations"')[1].split('class="field"')[0]
    assert 'value="England" checked' in nations and 'value="Wales">' in nations
    assert re.search(r'<input type="text" id="in-study.year" name="f:study.year" value="2012"', page.text)
    assert _values(site, "reviewer1") == []  # suggestions are offered, not saved for the person


def test_a_field_is_saved_as_it_is_entered_with_who_and_the_quote(site: WebSite, review_dir: Path) -> None:
    work_id, doc_id = included_study(site.engine, review_dir)
    client = site.sign_in("reviewer1")
    answer = _post(client, work_id, {"design.design": "RCT"})
    assert answer.status_code == 200, answer.text
    assert answer.json() == {"written": 1, "errors": {}, "conflicts": 0}
    (row,) = _values(site, "reviewer1")
    assert (row.work_id, row.field, row.value, row.role) == (work_id, "design.design", "RCT", "extractor")
    assert (row.document_id, row.page_no) == (doc_id, 2)  # the suggestion accepted keeps its provenance
    assert row.quote is not None and row.quote.startswith("This randomised")
    assert _post(client, work_id, {"design.design": "RCT"}).json()["written"] == 0
    _post(client, work_id, {"study.citation": "Melhuish et al. 2012"})
    rows = _values(site, "reviewer1")
    citation = ("study.citation", "Melhuish et al. 2012", None)
    assert [(r.field, r.value, r.quote) for r in rows][1:] == [citation]
    shown = client.get(f"/extract/{work_id}").text.split('id="field-study.citation"')[1]
    assert 'value="Melhuish et al. 2012"' in shown and 'data-origin="yours"' in shown


def test_a_wrong_value_is_named_and_not_saved(site: WebSite, review_dir: Path) -> None:
    work_id, _ = included_study(site.engine, review_dir)
    client = site.sign_in("reviewer1")
    got = _post(client, work_id, {"study.year": "twenty twelve", "study.funder": "DfE"}).json()
    assert got["written"] == 1
    wrong = "study.year: 'twenty twelve' is not a whole number (a whole number, e.g. 1234)."
    assert got["errors"] == {"study.year": wrong}
    blank = _post(client, work_id, {"study.citation": ""}).json()
    assert "this field is required" in blank["errors"]["study.citation"]
    assert [(r.field, r.value) for r in _values(site, "reviewer1")] == [("study.funder", "DfE")]


def test_choices_and_the_no_script_form_save_every_field_shown(site: WebSite, review_dir: Path) -> None:
    work_id, _ = included_study(site.engine, review_dir)
    client = site.sign_in("reviewer1")
    fields: dict[str, str | list[str]] = {"setting.nations": ["England", "Wales"], "design.design": "cohort"}
    answer = _post(client, work_id, fields, json=False)
    assert answer.status_code == 303
    assert "Saved 2 value(s)" in client.get(f"/extract/{work_id}").text
    assert {r.field: r.value for r in _values(site, "reviewer1")} == {
        "setting.nations": ["England", "Wales"],
        "design.design": "cohort",
    }


def test_a_second_reviewer_verifies_the_first_extractors_values(site: WebSite, review_dir: Path) -> None:
    work_id, _ = included_study(site.engine, review_dir)
    _post(site.sign_in("reviewer1"), work_id, {"design.design": "cohort"})
    two = site.sign_in("reviewer2")
    page = two.get(f"/extract/{work_id}").text
    assert "Verifying as reviewer2" in page
    assert "extractor reviewer1" in page and "<option selected>cohort</option>" in page
    assert "<td>verify</td>" in two.get("/extract").text
    assert _post(two, work_id, {"design.design": "RCT"}).json()["conflicts"] == 1
    (row,) = _values(site, "reviewer2")
    assert (row.role, row.value) == ("verifier", "RCT")


def test_a_study_not_included_is_refused(site: WebSite) -> None:
    client = site.sign_in("reviewer1")
    page = client.get(f"/extract/{site.works[0]}")
    assert page.status_code == 400
    assert "is not included at full text" in page.text
    answer = _post(client, site.works[0], {"design.design": "RCT"})
    assert answer.status_code == 400
    assert "not included at full text" in answer.json()["error"]


def test_writers_do_not_extract(site: WebSite, review_dir: Path) -> None:
    work_id, _ = included_study(site.engine, review_dir)
    writer = site.sign_in_writer()
    assert writer.get("/extract").status_code == 403
    assert writer.get(f"/extract/{work_id}").status_code == 403
    page = writer.get("/status")
    posted = writer.post(f"/extract/{work_id}", data={"csrf": csrf_of(page.text), "f:design.design": "RCT"})
    assert posted.status_code == 403
    assert site.client().get(f"/extract/{work_id}").status_code == 401
    with session_scope(site.engine) as session:
        assert session.exec(select(ExtractionValue).where(col(ExtractionValue.role) != "prefill")).all() == []
