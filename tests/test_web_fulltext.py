"""Full-text screening in the browser: the stored PDF beside the card (the browser's own viewer),
or a link to the GOV.UK page, and the text read from it with the protocol's terms marked."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import Engine

from review.db import session_scope
from review.models import Document
from tests.fulltext_helpers import make_pdf
from tests.web_helpers import STUDY_PAGES, included_study, make_site

FT = "/screen?stage=full-text"


def test_the_stored_pdf_and_its_text_are_beside_the_card(engine: Engine, review_dir: Path) -> None:
    site = make_site(engine, review_dir)
    work_id, doc_id = included_study(engine, review_dir, screened=False)
    client = site.sign_in("reviewer1")
    page = client.get(FT).text
    assert f"Work {work_id}:" in page
    assert f'<iframe class="pdf" src="/documents/{doc_id}"' in page
    text = page.split(f'id="page-{doc_id}-2"')[1].split("</div></div>")[0]
    assert "randomised controlled trial" in text
    assert '<mark class="term-include">Sure Start</mark>' in text  # a highlight term of the protocol
    pdf = client.get(f"/documents/{doc_id}")
    assert pdf.status_code == 200 and pdf.content == make_pdf(STUDY_PAGES)
    assert pdf.headers["content-type"] == "application/pdf"
    assert pdf.headers["content-security-policy"] == "frame-ancestors 'self'"  # framed by this site only
    assert pdf.headers["x-frame-options"] == "SAMEORIGIN"
    assert "<iframe" not in client.get("/screen").text  # title/abstract: no full text shown


def test_a_govuk_page_is_linked_and_its_text_shown(engine: Engine, review_dir: Path) -> None:
    site = make_site(engine, review_dir)
    _, doc_id = included_study(engine, review_dir, pdf=False, screened=False)
    client = site.sign_in("reviewer1")
    page = client.get(FT).text
    assert f'id="web-page-{doc_id}"' in page
    assert "https://www.gov.uk/government/publications/sure-start" in page
    assert "<iframe" not in page
    assert "randomised controlled trial" in page
    assert client.get(f"/documents/{doc_id}").status_code == 404  # no stored file to serve


def test_only_stored_pdfs_inside_the_review_folder_are_served(engine: Engine, review_dir: Path) -> None:
    site = make_site(engine, review_dir)
    _, doc_id = included_study(engine, review_dir)
    client = site.sign_in("reviewer1")
    with session_scope(engine) as session:
        doc = session.get(Document, doc_id)
        assert doc is not None
        doc.content_type = "text/html"  # a stored web page would run as this site: never served
        session.add(doc)
    assert client.get(f"/documents/{doc_id}").status_code == 404
    with session_scope(engine) as session:
        doc = session.get(Document, doc_id)
        assert doc is not None
        doc.content_type, doc.path = "application/pdf", "../../outside.pdf"
        session.add(doc)
    (review_dir.parent.parent / "outside.pdf").write_bytes(b"%PDF-1.4 not for you")
    refused = client.get(f"/documents/{doc_id}")
    assert refused.status_code == 400 and "leaves the review folder" in refused.text
    assert client.get("/documents/999999").status_code == 404


def test_documents_need_a_reviewer(engine: Engine, review_dir: Path) -> None:
    site = make_site(engine, review_dir)
    _, doc_id = included_study(engine, review_dir)
    assert site.client().get(f"/documents/{doc_id}").status_code == 401
    assert site.sign_in_writer().get(f"/documents/{doc_id}").status_code == 403
