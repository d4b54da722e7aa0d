"""Candidate URLs: every record of a work, best first, each URL once."""

from __future__ import annotations

from sqlmodel import Session

from review.db import utcnow
from review.fulltext.find import candidates
from review.models import Record
from tests.factories import add_works


def test_all_records_of_a_work_give_candidates_in_order(session: Session):
    best = {"pdf_url": "https://repo.example/a.pdf", "license": "cc-by", "version": "acceptedVersion"}
    other = {"pdf_url": "https://journal.example/a.pdf", "license": None, "version": "publishedVersion"}
    extra = {"best_oa_location": best, "locations": [other, best, {"pdf_url": None}],
             "open_access": {"oa_url": "https://journal.example/a"}}  # fmt: skip
    (work,) = add_works(session, [{"title": "Family hubs", "extra": extra}], source="openalex")
    attachments = [
        {"url": "https://www.gov.uk/government/publications/x/report", "attachment_type": "html"},
        {"url": "https://assets.publishing.service.gov.uk/media/1/report.pdf", "attachment_type": "file",
         "content_type": "application/pdf", "title": "Report"},
        {"url": "https://example.org/elsewhere", "attachment_type": "external"},
    ]  # fmt: skip
    now = utcnow()
    session.add(Record(source="govuk", source_id="/x", work_id=work, created_at=now, updated_at=now,
                       extra={"attachments": attachments}))  # fmt: skip
    session.flush()
    found = candidates(session, [work])[work]
    assert [(c.origin, c.url) for c in found] == [
        ("openalex_best_oa", "https://repo.example/a.pdf"),
        ("openalex_location", "https://journal.example/a.pdf"),
        ("openalex_oa_url", "https://journal.example/a"),
        ("govuk_attachment", "https://assets.publishing.service.gov.uk/media/1/report.pdf"),
        ("govuk_html", "https://www.gov.uk/government/publications/x/report"),
    ]
    assert (found[0].licence, found[0].version) == ("cc-by", "acceptedVersion")
    assert found[3].title == "Report"


def test_a_work_without_urls_has_no_candidates(session: Session):
    (work,) = add_works(
        session, [{"title": "Print only", "extra": {"best_oa_location": None, "locations": []}}]
    )
    assert candidates(session, [work]) == {work: []}


def test_an_imported_record_offers_its_own_link_last(session: Session):
    (work,) = add_works(
        session,
        [{"title": "Family hub evidence", "url": "https://council.example/evidence.pdf"}],
        source="call-for-evidence",
    )
    (landing,) = add_works(
        session, [{"title": "Landing", "url": "https://doi.org/10.1/x"}], source="openalex"
    )
    (local,) = add_works(session, [{"title": "Local", "url": "file:///etc/passwd"}], source="scopus")
    found = candidates(session, [work, landing, local])
    assert [(c.origin, c.url) for c in found[work]] == [
        ("record_url", "https://council.example/evidence.pdf")
    ]
    assert (
        found[landing] == [] and found[local] == []
    )  # harvested landing pages and non-web links are not tried
