"""What dedupe merges and what it keeps apart, class by class (methods §5): each class of duplicate
the matcher must find, and each class of different-but-related item it must never merge, with the
link it stores instead. Records are real ones from the labelled sets and recordings, or shaped
exactly as a database writes them."""

from __future__ import annotations

from typing import Any

import pytest

from review.dedupe import fields, people, venue
from review.dedupe import prepare as prepare_module
from review.dedupe.engine import cluster, find_candidates
from review.dedupe.match import Candidate
from review.dedupe.prepare import prepare
from review.dedupe.score import Policy

ARTICLE: dict[str, Any] = {
    "title": "Severe deficiency of the specific von Willebrand factor-cleaving protease (ADAMTS 13) "
    "activity in a subgroup of children with atypical hemolytic uremic syndrome",
    "authors": ["Veyradier, A.", "Obert, B.", "Haddad, E.", "Cloarec, S."],
    "year": 2003,
    "journal": "Journal of Pediatrics",
    "volume": "142",
    "issue": "3",
    "pages": "310-317",
}


def _rows(*records: dict[str, Any]) -> list[dict[str, Any]]:
    return [{"source": "t", **r, "id": k} for k, r in enumerate(records, start=1)]


def _pair(*records: dict[str, Any], policy: Policy | None = None) -> Candidate:
    """The one candidate two records make (fails if they were never compared)."""
    found = find_candidates(prepare(_rows(*records)), policy)
    assert len(found) == 1, found
    return found[0]


def _merged(*records: dict[str, Any], policy: Policy | None = None) -> bool:
    prep = prepare(_rows(*records))
    return len(set(cluster(prep, find_candidates(prep, policy)).roots.tolist())) == 1


def _variant(**changes: Any) -> dict[str, Any]:
    return {**ARTICLE, **changes}


# --- merged: the same work, written differently ------------------------------------------------


def test_a_nested_database_annotation_in_the_title_is_no_difference() -> None:
    noted = ARTICLE["title"] + ".[Erratum appears in J Pediatr. 2003 Jun;142(6):616 Note: Loirat, C [added]]"
    assert _merged(ARTICLE, _variant(title=noted))


@pytest.mark.parametrize(
    ("one", "other"),
    [
        ("[Clinical aspects of the complement system]. [Japanese]",
         "Clinical aspects of the complement system."),
        ("[Research on fast track surgery application in lung cancer surgery] LA: Chi",
         "Research on fast track surgery application in lung cancer surgery"),
        ("Antibiotic and antiseptic prophylaxis in thoracic surgery. A randomized study. <ORIGINAL> "
         "PROPHYLAXIE ANTIBIOTIQUE ET ANTISEPTIQUE EN CHIRURGIE THORACIQUE. ETUDE CONTROLEE",
         "Antibiotic and antiseptic prophylaxis in thoracic surgery. A randomized study"),
    ],
)  # fmt: skip
def test_translated_and_bilingual_titles_match_their_english_copy(one: str, other: str) -> None:
    assert _merged(_variant(title=one), _variant(title=other))


def test_a_title_given_with_its_translation_in_brackets_meets_the_copy_in_that_language() -> None:
    # Scopus writes "English [Original]"; OpenAlex holds the Turkish edition under its own title.
    english = "Sustainable financing of protected areas : a global review of challenges and options"
    turkish = "Korunan Alanlarin Sürdürülebilir Finansmani: Güçlükler ve Seçenekler Üzerine Kapsamli Bir"
    book: dict[str, Any] = {
        "authors": ["Thomas, Lee", "Valentine, Peter", "Emerton, L."],
        "year": 2006,
        "journal": "IUCN eBooks",
    }
    both, original = {**book, "title": f"{english} [{turkish}]"}, {**book, "title": turkish}
    assert fields.parallel_title(both["title"]) == (both["title"], turkish)
    assert _merged(both, original) and _merged(original, both)
    assert _merged(both, {**book, "title": english})


NOTES = [
    "[Review] [45 refs]",
    "[Erratum appears in J Pediatr 2003 142 616]",
    "[see comments on this article]",
]


@pytest.mark.parametrize("note", [*NOTES, "[Published erratum appears in BMJ]"])
def test_a_database_note_in_brackets_is_not_taken_for_a_translated_title(note: str) -> None:
    assert fields.parallel_title(f"{ARTICLE['title']} {note}")[1] == ""


def test_a_number_written_with_a_thousands_space_is_one_number_not_a_part() -> None:
    spaced = "A seven-year study of papillomavirus infection among 10 000 women in Guanacaste, Costa Rica"
    assert fields.series_marks(fields.title_key(spaced)) == fields.series_marks(
        fields.title_key(spaced.replace("10 000", "10,000"))
    )
    assert _merged(_variant(title=spaced), _variant(title=spaced.replace("10 000", "10000")))


def test_two_dois_of_two_registrants_at_one_address_are_one_article() -> None:
    # OpenAlex holds AMBIO 34(3):205 under its publisher's DOI and under BioOne's SICI DOI.
    publisher = _variant(doi="10.1579/0044-7447-34.3.205", pages="310-317")
    archive = _variant(doi="10.1639/0044-7447(2005)034[0205:icaaca]2.0.co;2", pages="310")
    assert _pair(publisher, archive).scores["levels"]["doi"] == "missing"
    assert _merged(publisher, archive)
    elsewhere = _variant(doi="10.1639/0044-7447(2005)034[0215:other]2.0.co;2", pages="318")
    assert not _merged(publisher, elsewhere)  # another page: two articles
    # A third DOI at the address, the publisher's again: never in one work with the publisher's first.
    third = _variant(doi="10.1579/0044-7447-34.3.999", pages="310")
    prep = prepare(_rows(publisher, archive, third))
    roots = cluster(prep, find_candidates(prep)).roots
    assert roots[0] != roots[2]


def test_a_title_cut_short_or_given_a_heading_is_found_inside_the_whole_one() -> None:
    cut = ARTICLE["title"][:110]  # databases truncate long titles
    headed = "ASCUS-LSIL Triage Study (ALTS) Group. " + ARTICLE["title"]
    assert _pair(ARTICLE, _variant(title=cut)).scores["levels"]["title"] == "contained"
    assert _merged(ARTICLE, _variant(title=cut))
    assert _merged(ARTICLE, _variant(title=headed))


def test_a_record_without_its_title_is_matched_on_its_address() -> None:
    assert _merged(ARTICLE, _variant(title=None))


def test_a_short_generic_title_merges_when_everything_else_agrees_and_not_otherwise() -> None:
    editorial = {**ARTICLE, "title": "Editorial", "pages": "309"}
    assert _merged(editorial, dict(editorial))
    elsewhere = {"title": "Editorial", "year": 2003, "journal": "Pediatric Nephrology"}
    assert not _merged(editorial, elsewhere)


@pytest.mark.parametrize(
    ("abbreviated", "full"),
    [
        ("J Am Soc Nephrol", "Journal of the American Society of Nephrology"),
        ("Curr Opin Rheumatol", "Current Opinion in Rheumatology"),
        ("Dtsch Med Wochenschr", "Deutsche Medizinische Wochenschrift"),
        ("Ann Fr Anesth Reanim", "Annales Francaises d'Anesthesie et de Reanimation"),
        ("JPEN. Journal of parenteral and enteral nutrition",
         "Jpen: Journal of Parenteral & Enteral Nutrition"),
        ("European Journal of Cardio-Thoracic Surgery", "European journal of cardiothoracic surgery"),
        ("Zhonghua jie he he hu xi za zhi = Chinese journal of tuberculosis and respiratory diseases",
         "Chinese Journal of Tuberculosis & Respiratory Diseases"),
    ],
)  # fmt: skip
def test_journal_abbreviations_agree_whichever_record_comes_first(abbreviated: str, full: str) -> None:
    assert venue.journals_agree(abbreviated, full) is True
    assert venue.journals_agree(full, abbreviated) is True
    assert _merged(_variant(journal=abbreviated), _variant(journal=full))
    assert _merged(_variant(journal=full), _variant(journal=abbreviated))


def test_different_journals_do_not_agree_in_either_order() -> None:
    assert venue.journals_agree("Journal of Pediatrics", "Journal of Pediatric Surgery") is False
    assert venue.journals_agree("Journal of Pediatric Surgery", "Journal of Pediatrics") is False
    assert venue.journals_agree("Pediatrics", "Pediatric Nephrology") is False


def test_author_lists_agree_in_any_order_with_a_typo_a_particle_or_names_swapped() -> None:
    ours = people.person_names(["Le Quintrec, M.", "Richards, A.", "Kathryn, Liszewski M.", "Kavanagh, D."])
    theirs = people.person_names("Quintrec, M. and Liszewski, M. K. and Kavanagh, D. and Ricards, A.")
    assert people.author_agreement(ours, theirs) == "all"
    assert people.author_agreement(theirs, ours) == "all"
    other = people.person_names(["Smith, J.", "Jones, K."])
    assert people.author_agreement(ours, other) == "none"


def test_a_null_written_for_the_given_names_leaves_one_full_name() -> None:
    """Some exports write a missing given-name part as the word `null` (`Si Hyun Kang, null`)."""
    nulls = people.person_names("Si Hyun Kang, null and Kim, D. K. and Kyung Mook Seo, null")
    assert nulls[0] == ("kang", "kim", "seo")
    swapped = people.person_names("Si Hyun, Kang and Kim, Don-Kyu and Kyung Mook, Seo")
    initials = people.person_names("Kang, S. H. and Kim, D. K. and Seo, K. M.")
    assert people.author_agreement(nulls, initials) == "all"
    assert people.author_agreement(nulls, swapped) == "all"


@pytest.mark.parametrize(
    "unsigned",
    ["Anonymous", "No authorship indicated", "indicated, No authorship", "[No author name available]"],
)
def test_an_unsigned_items_placeholder_is_no_author(unsigned: str) -> None:
    assert people.person_names([unsigned]) == ((), ())
    signed = people.person_names(["Lee, J. J."])
    assert people.author_agreement(people.person_names(unsigned), signed) == "missing"
    # Two unsigned items share no author: two editorials are not "by the same people".
    editorial = {
        "title": "Editorial",
        "journal": "Lancet",
        "volume": "372",
        "year": 2008,
        "authors": [unsigned],
    }
    pair = _pair({**editorial, "pages": "1"}, {**editorial, "pages": "1"})
    assert pair.scores["levels"]["authors"] == "missing"
    # A surname that starts like one is still a person.
    assert people.person_names(["Anon, A."]) == (("anon",), ("a",))


def test_an_organisation_for_one_copy_and_its_people_for_the_other_is_no_disagreement() -> None:
    group = people.person_names(["Group, ASCUS-LSIL Traige Study (ALTS)"])
    person = people.person_names(["Solomon, D"])
    assert people.author_agreement(group, person) == "missing"
    assert _merged(
        _variant(authors=["Solomon, D"]), _variant(authors=["Group, ASCUS-LSIL Traige Study (ALTS)"])
    )


@pytest.mark.parametrize(
    ("written", "pages"),
    [("S33-S40", (33, 40)), ("e182-5", (182, 185)), ("iii33", (33, 33)), ("123-9", (123, 129)),
     ("01-Jun", (1, 6)), ("2097-2108", (2097, 2108)), ("Suppl-48", None), ("2297-2108", None),
     ("pp. 12-20", (12, 20)), ("p. 7", (7, 7)), ("215 p", None), ("xii, 215 p.", None),
     ("180 pages", None), ("96pp", None)],
)  # fmt: skip
def test_pages_are_read_as_databases_write_them(written: str, pages: tuple[int, int] | None) -> None:
    assert venue.page_range(written) == pages


@pytest.mark.parametrize(
    ("written", "issue"),
    [("3", "3"), ("No. 3", "3"), ("3-4", "3-4"), ("Supplement 1", "s1"), ("SUPPL. 1", "s1"),
     ("(Supplement 1)", "s1"), ("Suppl", "s"), ("S2", "s2"), ("12345", None)],
)  # fmt: skip
def test_issues_are_read_as_databases_write_them(written: str, issue: str | None) -> None:
    assert venue.issue_number(written) == issue


def test_prefixed_and_abbreviated_page_ranges_agree() -> None:
    assert _merged(_variant(pages="S310-S317"), _variant(pages="310-7"))


def test_identical_grey_literature_at_one_address_is_merged_without_a_person() -> None:
    report = {
        "title": "Estimates of children with a parent in prison",
        "year": 2024,
        "publisher": "Ministry of Justice",
        "url": "https://www.gov.uk/government/publications/estimates-of-children-with-a-parent-in-prison",
    }
    copy = {
        **report,
        "url": "http://gov.uk/government/publications/estimates-of-children-with-a-parent-in-prison/",
    }
    pair = _pair(report, copy)
    assert (pair.rule, pair.band) == ("url", "auto")


@pytest.mark.parametrize(
    ("url", "key"),
    [
        ("https://www.gov.uk/government/publications/x/?utm_source=tw", "gov.uk/government/publications/x"),
        ("http://gov.uk/government/publications/x#section-2", "gov.uk/government/publications/x"),
        ("http://citeseerx.ist.psu.edu/viewdoc/summary?doi=10.1.1.31.1768",
         "citeseerx.ist.psu.edu/viewdoc/summary?doi=10.1.1.31.1768"),
        ("http://bvbr.bib-bvb.de:8991/F?func=service&amp;doc_number=021166209",
         "bvbr.bib-bvb.de:8991/f?doc_number=021166209&func=service"),
        ("https://www.example.org/index.html", None),
        ("https://example.org/?p=123", "example.org?p=123"),
    ],
)  # fmt: skip
def test_a_landing_page_keeps_the_query_that_names_the_record_and_drops_tracking(url: str, key: str) -> None:
    assert prepare_module.normalize_url(url) == key


def test_two_records_of_one_catalogue_are_not_one_work_for_sharing_its_script() -> None:
    script = "http://citeseerx.ist.psu.edu/viewdoc/summary?doi=10.1.1."
    one = {"title": "The PageRank citation ranking", "year": 1999, "url": script + "31"}
    other = {"title": "Carbon financing and community forestry", "year": 2009, "url": script + "474"}
    assert all(c.rule != "url" for c in find_candidates(prepare(_rows(one, other))))


# --- kept apart and linked: different items about one work ---------------------------------------


def test_an_erratum_is_linked_to_its_article_never_merged() -> None:
    erratum = _variant(
        title="Erratum: " + ARTICLE["title"], issue="6", pages="616", authors=["Veyradier, A."]
    )
    wos = _variant(title=ARTICLE["title"] + " (vol 142, pg 310, 2003)", issue="6", pages="616")
    for notice in (erratum, wos):
        pair = _pair(ARTICLE, notice)
        assert (pair.band, pair.relation) == ("related", "erratum")
        assert pair.scores["subject"] == 2  # the erratum is the record the link describes


def test_two_databases_copies_of_one_erratum_citing_its_article_are_merged_and_linked_to_it() -> None:
    original = {**ARTICLE, "issue": "3"}
    notice = {**ARTICLE, "issue": "6", "pages": "616", "authors": ["Veyradier, A."]}
    wos = {**notice, "title": ARTICLE["title"] + " (vol 142, pg 310, 2003)"}
    embase = {**notice, "title": ARTICLE["title"] + " (Journal of Pediatrics (2003) 142 (310-317))"}
    assert fields.cited_article(embase["title"]) == (ARTICLE["title"], True)
    pair = _pair(wos, embase)
    assert pair.band == "auto" and pair.scores["levels"]["title"] == "exact"
    for copy in (wos, embase):
        linked = _pair(original, copy)
        assert (linked.band, linked.relation, linked.scores["subject"]) == ("related", "erratum", 2)


def test_a_reply_is_linked_to_the_letter_it_answers() -> None:
    letter = {**ARTICLE, "title": "Atypical hemolytic uremic syndrome associated with group A streptococcus"}
    reply = {**letter, "title": letter["title"] + " - Reply", "authors": ["Shepherd, A. B."], "pages": "945"}
    pair = _pair(letter, reply)
    assert (pair.band, pair.relation, pair.scores["subject"]) == ("related", "comment", 2)


def test_a_book_review_is_linked_to_the_book_it_reviews() -> None:
    title = "Biodiversity, Conservation and Sustainable Development: Principles and Practices with Asian "
    title += "Examples"
    book = {"title": title, "authors": ["Tisdell, Clem"], "year": 1999, "doc_type": "book"}
    cited = ", Clem Tisdell, Edward Elgar Publishing Ltd, Cheltenham, 1999, 263 pp. ISBN 1-85898-735-0"
    review = {"title": title.replace(":", ".") + cited, "authors": ["Tisdell, Clem"], "year": 2000,
              "doc_type": "article", "journal": "Ecological Economics", "volume": "34", "issue": "1",
              "pages": "156-158"}  # fmt: skip
    pair = _pair(book, review)
    assert (pair.band, pair.relation, pair.scores["subject"]) == ("related", "comment", 2)


def test_a_reply_to_named_authors_is_linked_to_their_letter() -> None:
    letter = {**ARTICLE, "issue": "5", "pages": "1721-1722"}
    reply = {**letter, "title": ARTICLE["title"] + " - Reply to Veyradier et al", "pages": "1722-1722",
             "authors": ["Sheffield, V. C.", "Landau, D."]}  # fmt: skip
    pair = _pair(letter, reply)
    assert (pair.band, pair.relation, pair.scores["subject"]) == ("related", "comment", 2)


def test_a_statistics_release_is_linked_to_its_announcement_not_merged() -> None:
    title = "Management information on sexual assaults in prison custody"
    release = {"title": title, "year": 2015, "publisher": "Ministry of Justice"}
    notice = {**release, "title": "Intention to publish " + title.lower()}
    pair = _pair(release, notice)
    assert (pair.band, pair.relation, pair.scores["subject"]) == ("related", "announcement", 2)


def test_a_recurring_column_in_successive_issues_is_a_series() -> None:
    column = {"title": "Gateways to clinical trials", "authors": ["Bayes, M.", "Rabasseda, X."],
              "year": 2005, "journal": "Methods Find Exp Clin Pharmacol", "volume": "27"}  # fmt: skip
    issues = [{**column, "issue": str(k), "pages": str(100 * k + 1)} for k in (1, 2, 3, 4)]
    found = find_candidates(prepare(_rows(*issues)))
    assert found and {(c.band, c.relation) for c in found} == {("related", "series")}


# One editor's "Editorial Introduction" in each issue of JMIS volume 22 (2005-6), every one from page
# 5, the earlier issues under Taylor & Francis's DOIs and the later under M.E. Sharpe's.
EDITORIAL = {"title": "Editorial Introduction", "authors": ["Zwass, Vladimir"],
             "journal": "Journal of Management Information Systems", "volume": "22"}  # fmt: skip


def test_one_first_page_in_two_issues_does_not_join_pages_that_end_apart() -> None:
    first = {**EDITORIAL, "year": 2005, "issue": "1", "pages": "5--11"}
    third = {**EDITORIAL, "year": 2005, "issue": "3", "pages": "5--7"}
    assert (_pair(first, third).band, _pair(first, third).relation) == ("related", "series")
    # One article whose issue an export got wrong: the whole range agrees, or one side is a lone page.
    assert _merged(ARTICLE, _variant(issue="4"))
    assert _merged(ARTICLE, _variant(issue="4", pages="310-310"))


def test_two_registrants_dois_in_two_issues_are_two_items() -> None:
    second = {**EDITORIAL, "year": 2005, "issue": "2", "pages": "5--6"}
    fourth = {**EDITORIAL, "year": 2006, "issue": "4", "pages": "5--6"}
    second["doi"], fourth["doi"] = "10.1080/07421222.2005.11045854", "10.2753/MIS0742-1222220400"
    pair = _pair(second, fourth)
    assert pair.scores["levels"]["doi"] == "differ"
    assert not _merged(second, fourth)


def test_a_recurring_column_in_successive_volumes_is_a_series() -> None:
    # MIS Quarterly's "Editor's Comments", issue 1 of volumes 26 (2002) and 27 (2003) (digital_work).
    column = {
        "title": "Editor's Comments",
        "authors": ["Weber, Ron"],
        "journal": "MIS Quarterly",
        "issue": "1",
    }
    pair = _pair({**column, "volume": "26", "year": 2002}, {**column, "volume": "27", "year": 2003})
    assert (pair.band, pair.relation) == ("related", "series")


def test_a_meeting_abstract_and_the_paper_in_a_later_volume_of_one_journal_are_versions() -> None:
    # An ATS abstract in AJRCCM's meeting-abstracts volume (2010), the paper in a later volume (2011).
    journal = "American Journal of Respiratory and Critical Care Medicine"
    abstract = _variant(journal=journal, volume="181", issue="1", pages="MeetingAbstracts", year=2010)
    paper = _variant(journal=journal, volume="183", issue="3", pages="330-340", year=2011)
    pair = _pair(abstract, paper)
    assert (pair.band, pair.relation) == ("related", "conference_version")
    # One abstract, where one export writes the supplement's number as the volume (asysd_diabetes):
    # the same pages, or the same year, in one journal are no later volume.
    suppl = _variant(journal="Diabetes", volume="62", issue="SUPPL. 1", pages="A163", year=2013)
    for other in (
        {**suppl, "volume": "1", "issue": None},
        {**suppl, "volume": "1", "issue": None, "pages": None},
    ):
        assert _pair(suppl, other).relation is None


@pytest.mark.parametrize(
    ("one", "other"),
    [
        ("Family Court Statistics Quarterly: January to March 2024",
         "Family Court Statistics Quarterly: April to June 2024"),
        ("HMPPS Annual Digest, April 2022 to March 2023", "HMPPS Annual Digest, April 2023 to March 2024"),
        ("Coroners statistics: eighth annual summary", "Coroners statistics: ninth annual summary"),
    ],
)  # fmt: skip
def test_statistics_releases_of_one_series_are_linked_not_merged(one: str, other: str) -> None:
    release = {"year": 2024, "publisher": "Ministry of Justice", "doc_type": "official_statistics"}
    pair = _pair({**release, "title": one}, {**release, "title": other})
    assert (pair.band, pair.relation) == ("related", "series")


def test_one_title_released_by_one_organisation_in_two_years_is_a_series_and_one_year_is_one_work() -> None:
    path = "https://www.gov.uk/government/statistics/ad-hoc-alcohol-monitoring-statistics"
    release = {"title": "Ad Hoc Alcohol Monitoring Statistics", "year": 2021, "url": path,
               "publisher": "Ministry of Justice", "doc_type": "official_statistics"}  # fmt: skip
    later = {**release, "year": 2022, "url": path + "--2"}
    pair = _pair(release, later)
    assert (pair.band, pair.relation) == ("related", "series")
    assert _merged(release, {**release, "url": None})  # one year, one title, one organisation
    other = {**later, "publisher": "Home Office"}  # another organisation's title is not its series
    assert _pair(release, other).relation is None


def test_two_series_that_share_words_are_neither_merged_nor_linked() -> None:
    women = {"title": "Women and the Criminal Justice System 2021", "year": 2022}
    ethnicity = {"title": "Ethnicity and the Criminal Justice System 2022", "year": 2022}
    found = find_candidates(prepare(_rows(women, ethnicity)))
    assert all(c.band == "distinct" for c in found)


def test_numbered_parts_and_companion_trials_are_linked_as_parts() -> None:
    part = {**ARTICLE, "title": "Cervical cytology screening in the UK: part 1"}
    pair = _pair(part, {**part, "title": "Cervical cytology screening in the UK: part 2", "pages": "318-325"})
    assert (pair.band, pair.relation) == ("related", "part")


def test_a_conference_abstract_is_linked_to_the_journal_article_unless_the_protocol_says_one_work() -> None:
    abstract = _variant(doc_type="inproceedings", journal="American Society of Nephrology Annual Meeting",
                        volume=None, issue=None, pages="SA-PO123")  # fmt: skip
    paper = _variant(doc_type="article")
    pair = _pair(abstract, paper)
    assert (pair.band, pair.relation, pair.scores["subject"]) == ("related", "conference_version", 1)
    assert _pair(abstract, paper, policy=Policy(conference_is_work=True)).relation is None


def test_a_proceedings_paper_typed_a_chapter_by_one_database_is_the_same_paper() -> None:
    # Springer's CCIS 490 (digital_work): a conference paper to one export, a book chapter to another.
    paper = {
        "title": "Forensic identification of students outsourcing assignment projects from freelancer.com",
        "authors": ["Monnik, Michael", "Pan, Lei"], "year": 2014, "volume": "490", "pages": "183-190",
        "doc_type": "inproceedings",
        "journal": "Applications and Techniques in Information Security, ATIS 2014",
    }  # fmt: skip
    chapter = {**paper, "authors": ["Monnik, M.", "Pan, L."], "doc_type": "incollection",
               "journal": "Communications in Computer and Information Science"}  # fmt: skip
    assert _pair(paper, chapter).relation is None
    assert _merged(paper, chapter)
    # The same paper as a journal article is still a version of it.
    article = {
        **chapter,
        "doc_type": "article",
        "journal": "Computers & Security",
        "volume": "50",
        "pages": "1-12",
    }
    assert _pair(paper, article).relation == "conference_version"


def test_a_meeting_abstract_in_a_journal_supplement_is_linked_to_the_article_in_another_journal() -> None:
    abstract = _variant(journal="Circulation", volume="136", issue="Supplement 1", pages=None, year=2017)
    paper = _variant(journal="Int J Cardiol", volume="243", issue=None, pages="413-420", year=2017)
    pair = _pair(abstract, paper)
    assert (pair.band, pair.relation) == ("related", "conference_version")
    assert _pair(abstract, paper, policy=Policy(conference_is_work=True)).relation is None
    # In one journal a supplement is no other venue: the same abstract's copies still merge.
    assert _merged(abstract, {**abstract, "issue": "(Supplement 1)"})


@pytest.mark.parametrize("pages", ["e505", "S13-S14"])
def test_one_abstract_given_at_two_meetings_is_linked_not_dropped(pages: str) -> None:
    """A supplement's pages (`S42`) mark a meeting abstract as well as a supplement issue does: with the
    same title and people in another journal, it is the abstract given again (linked, kept apart)."""
    first = _variant(journal="Canadian Journal of Neurological Sciences", volume="37", pages="S42")
    again = _variant(journal="Stroke", volume="41", issue="7", pages=pages)
    pair = _pair(first, again)
    assert (pair.band, pair.relation) == ("related", "conference_version")
    # Without a meeting's mark (a guideline printed in two journals), it stays apart unlinked.
    printed = find_candidates(prepare(_rows({**first, "pages": "42-50"}, {**again, "pages": "505-9"})))
    assert [c.relation for c in printed if c.band != "distinct"] == []


def test_a_thesis_and_its_dissertation_abstracts_entry_wait_for_a_person() -> None:
    """A thesis's extent (`215 p`) is its length, not where it sits: no disagreement with the page
    that Dissertation Abstracts International, indexing it a year later, gives it."""
    title = "An intelligent rehabilitation system for cognitive rehabilitation"
    indexed = {"title": title, "authors": ["Yip, Chi Bun"], "year": 2012, "volume": "73", "issue": "3-B",
               "journal": "Dissertation Abstracts International: Section B", "pages": "1524"}  # fmt: skip
    thesis = {"title": title, "authors": ["Yip, Chi Bun"], "year": 2011, "volume": "Ph.D.", "pages": "215 p"}
    pair = _pair(indexed, thesis)
    assert pair.scores["levels"]["pages"] == "missing"
    assert pair.band == "review"


def test_a_year_one_apart_at_one_journal_and_volume_is_no_evidence_either_way() -> None:
    """Kidney Week 2010's abstracts are J Am Soc Nephrol volume 21; one database dates a copy 2011."""
    title = "Safety & Efficacy of Eculizumab in aHUS Patients Resistant to Plasma Therapy: Interim Analysis"
    abstract = {"title": title, "year": 2010, "journal": "J Am Soc Nephrol", "volume": "21",
                "authors": ["Legendre, CM", "Babu, S", "Furman, RR", "Sheerin, NS"]}  # fmt: skip
    typo = {**abstract, "title": title.replace("Eculizumab", "eculizamab"), "year": 2011}
    assert _pair(abstract, typo).scores["levels"]["year"] == "missing"
    assert _merged(abstract, typo)
    moved = {**typo, "volume": "22"}  # another volume: the year one apart counts against
    assert _pair(abstract, moved).scores["levels"]["year"] == "near"
    assert not _merged(abstract, moved)


def test_a_preprint_is_linked_to_its_publication_unless_the_protocol_says_one_work() -> None:
    preprint = _variant(doi="10.1101/2020.01.01.123456", doc_type="posted-content", journal="medRxiv")
    paper = _variant(doi="10.1016/j.jpeds.2003.01.001")
    pair = _pair(preprint, paper)
    assert (pair.band, pair.relation, pair.scores["subject"]) == ("related", "preprint", 1)
    assert _pair(preprint, paper, policy=Policy(preprint_is_work=True)).band != "related"


def test_a_cochrane_review_and_its_update_are_linked() -> None:
    review = {"title": "Treatment for POEMS syndrome", "authors": ["Kuwabara, S.", "Dispenzieri, A."],
              "journal": "Cochrane Database of Systematic Reviews", "year": 2008,
              "doi": "10.1002/14651858.CD006828"}  # fmt: skip
    update = {**review, "year": 2012, "doi": "10.1002/14651858.CD006828.pub2"}
    pair = _pair(review, update)
    assert (pair.band, pair.relation, pair.scores["subject"]) == ("related", "update", 2)


def test_different_dois_are_different_works_without_asking_a_person() -> None:
    pair = _pair(_variant(doi="10.1016/j.a.1"), _variant(doi="10.1016/j.a.2"))
    assert (pair.band, pair.scores["conflicts"]) == ("distinct", ["doi"])


def test_one_doi_on_records_in_another_journal_volume_and_pages_waits_for_a_person() -> None:
    # bib-dedupe's neuroimaging set: a meeting abstract (J Neurol Sci 138:366) carrying the DOI of the
    # article (Parkinsonism Relat Disord 28:41-48); gold keeps them apart.
    article = {
        "title": "Predicting disease progression in progressive supranuclear palsy in multicenter trials",
        "authors": ["Bang, J.", "Lobach, I. V."], "year": 2016, "doi": "10.1016/j.parkreldis.2016.04.014",
        "journal": "Parkinsonism & Related Disorders", "volume": "28", "pages": "41-48",
    }  # fmt: skip
    abstract = {**article, "journal": "Journal of the Neurological Sciences", "volume": "138", "pages": "366"}
    pair = _pair(article, abstract)
    assert (pair.band, pair.scores["conflicts"]) == ("review", ["journal", "volume", "pages"])
    # One of the three slipping is still one article under one DOI.
    assert _merged(article, {**abstract, "journal": article["journal"]})


def test_disjoint_supplement_pages_in_one_issue_are_different_abstracts() -> None:
    abstract = _variant(title="Eculizumab in atypical hemolytic uremic syndrome", issue="Suppl 3")
    pair = _pair({**abstract, "pages": "iii33"}, {**abstract, "pages": "iii40"})
    assert pair.band in ("distinct", "related") and not _merged(
        {**abstract, "pages": "iii33"}, {**abstract, "pages": "iii40"}
    )


def test_an_issue_column_of_record_numbers_is_ignored() -> None:
    # EndNote exports put the record number in `number`: nearly every record has its own.
    rows = [
        {**ARTICLE, "title": f"Study {k} of something else entirely", "issue": str(k % 97)} for k in range(60)
    ]
    pair_a, pair_b = _variant(issue="36"), _variant(issue="35")
    prep = prepare(_rows(*rows, pair_a, pair_b))
    assert prep.issue[-1] is None and prep.issue[-2] is None
    assert _merged(pair_a, pair_b)


@pytest.mark.parametrize(
    ("one", "other", "swapped"),
    [
        ("criminal court statistics quarterly", "family court statistics quarterly", True),
        ("family hubs evaluation final report", "family hubs evaluation interim report", True),
        ("sure start programme evaluation", "sure start program evaluation", False),  # spelling
        ("national evaluation of sure start", "natl evaluation of sure start", False),  # abbreviation
        ("family hubs evaluation", "family hubs evaluation final report", False),  # words added
        ("evaluation of family hubs", "family hubs evaluation of", False),  # order
    ],
)
def test_a_word_put_for_an_unrelated_word_is_told_from_a_spelling_or_an_added_word(
    one: str, other: str, swapped: bool
) -> None:
    assert fields.swapped_words(one, other) is swapped
    assert fields.swapped_words(other, one) is swapped


def test_reports_whose_titles_swap_a_word_are_different_items_not_a_persons_question() -> None:
    release = {"year": 2023, "publisher": "Ministry of Justice", "doc_type": "official_statistics"}
    criminal = {**release, "title": "Criminal court statistics quarterly: April to June 2023"}
    family = {**release, "title": "Family Court Statistics Quarterly: April to June 2023"}
    pair = _pair(criminal, family)
    assert (pair.band, pair.scores["conflicts"]) == ("distinct", ["title"])
    # A spelling is not a swap: the pair still reaches a person.
    spelt = {**release, "title": "Sure Start programme evaluation: interim findings"}
    american = {**spelt, "title": "Sure Start program evaluation: interim findings"}
    assert _pair(spelt, american).band != "distinct"
    # With people, a journal or pages to compare, those decide, not the one word.
    people = {"authors": ["Melhuish, E.", "Belsky, J."], "journal": "Lancet", "volume": "372"}
    first, second = {**criminal, **people, "pages": "1641"}, {**family, **people, "pages": "1641"}
    assert "conflicts" not in _pair(first, second).scores


def test_the_queue_never_holds_a_pair_with_a_hard_conflict() -> None:
    records = [
        _variant(doi="10.1/a"),
        _variant(doi="10.1/b"),
        _variant(year=1999),
        _variant(issue="4", pages="1-9"),
    ]
    assert all(c.band != "review" for c in find_candidates(prepare(_rows(*records))))


def test_different_titles_by_the_same_people_reach_a_person_only_at_one_address() -> None:
    # A translation at one journal, volume, issue and page range is one article (digital_work:
    # Industrielle Beziehungen 27(2) 205-226 in German and in English); at one lone page, or by only
    # most of its people, it is worth a person's look; with no pages on one side, it stays apart.
    german = _variant(title="Schwerer Mangel der spezifischen Protease bei Kindern mit atypischem Syndrom")
    assert _pair(ARTICLE, german).band == "auto"
    assert _pair({**ARTICLE, "pages": "310"}, {**german, "pages": "310"}).band == "review"
    assert _pair(ARTICLE, {**german, "authors": [*ARTICLE["authors"][:3], "Smith, J."]}).band == "review"
    assert not _merged(ARTICLE, {**german, "pages": None})  # no address to share: apart
    # The same first page in another issue, or proceedings that number every paper from page 1
    # (ECIS 1-13, AMCIS 1-10, digital_work), is no one address: two papers by one group.
    assert _pair(ARTICLE, {**german, "issue": "4"}).band == "distinct"
    paper = {"title": "Transforming Organizational Resource into Platform boundary Resources",
             "authors": ["Mohagheghzadeh, Amir", "Svahn, Fredrik"], "year": 2016,
             "pages": "1--13"}  # fmt: skip
    other = {**paper, "title": "Shifting Design Capability to Third-Party Developers - An affordance "
             "Perspective on Platform Boundary Resources", "pages": "1--10"}  # fmt: skip
    assert _pair(paper, other).band == "distinct"
    # Two meeting abstracts by one group printed on one page: one page is no whole address.
    abstract = {
        **paper,
        "journal": "Pediatric Nephrology",
        "volume": "26",
        "issue": "9",
        "pages": "1676-1677",
    }
    neighbour = {**abstract, "title": "Early diagnosis followed by complete renal recovery", "pages": "1676"}
    assert _pair(abstract, neighbour).band == "distinct"


@pytest.mark.parametrize(
    ("title", "kind"),
    [
        ("Erratum: Family hubs and the early years", "erratum"),
        ("Correction: Family hubs and the early years", "erratum"),
        ("Correction to: Family hubs and the early years", "erratum"),
        ('"Family hubs and the early years": Correction to Lee et al. (2014).', "erratum"),
        ('"Family hubs and the early years": Correction to Smith and Jones (2019)', "erratum"),
        ("Bias correction to rainfall in 2014", None),
        ("Family hubs and the early years (vol 12, pg 30, 2021)", "erratum"),
        ("Family hubs and the early years - Reply", "comment"),
        ("Family hubs and the early years - Reply to Buddles et al", "comment"),
        ("Family hubs and the early years: response to Smith and colleagues", "comment"),
        ("Family Hubs, A. Author, Policy Press, Bristol, 2021, 263 pp. ISBN 978-1-4473-0000-0", "comment"),
        ("Intention to publish further breakdowns of criminal histories of offenders", "announcement"),
        ("Pre-release access list: Family Court Statistics Quarterly", "announcement"),
        ("Intentional injury in the early years", None),
        ("Predictors of response to methotrexate", None),
        ("Pp65 antigenaemia after transplant", None),
        ("Correction of severe hyponatraemia in infants", None),
        ("Retraction of the lung in pleural infection", None),
        ("RE-AIM evaluation of family hubs in England", None),
        ("Re-evaluation of Sure Start local programmes", None),
    ],
)
def test_a_notice_is_told_by_how_its_title_opens_not_by_a_word_an_article_can_start_with(
    title: str, kind: str | None
) -> None:
    assert fields.notice(fields.title_key(title)) == kind
