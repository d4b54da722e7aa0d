"""Stakeholder evidence, part by part: transcripts, pseudonyms, campaigns, Krippendorff's alpha, the
codebook in the protocol (no store, or one made by hand)."""

from __future__ import annotations

from pathlib import Path

import pytest

from review.agreement import stats
from review.errors import InputError, ProtocolError
from review.evidence import transcripts
from review.evidence.campaign import campaigns
from review.evidence.read import Attributes, read
from review.protocol import load_protocol
from review.states import EvidenceStream, SegmentKind

DATA = Path(__file__).parent / "data" / "evidence"
TEMPLATE = Path(__file__).parent.parent / "review" / "data" / "protocol_template.toml"


# --- transcripts ----------------------------------------------------------------------------------


def test_a_teams_vtt_gives_one_turn_per_speaker_with_times() -> None:
    turns = transcripts.parse_vtt((DATA / "interview.vtt").read_text(), "interview.vtt")
    assert [t.speaker for t in turns] == ["Interviewer", "Sarah Whitfield", "Interviewer", "Sarah Whitfield"]
    # Two cues of one speaker in a row are one turn: the first's start, the last's end.
    assert (turns[1].start_ms, turns[1].end_ms) == (7000, 31000)
    assert turns[1].text.startswith("For me it was governance.") and turns[1].text.endswith(
        "agency's problem."
    )
    assert turns[3].start_ms == 36500 and turns[3].end_ms == 65000


def test_an_srt_file_names_speakers_by_their_prefix() -> None:
    turns = transcripts.parse_srt((DATA / "focus-group.srt").read_text(), "focus-group.srt")
    assert [t.speaker for t in turns] == ["Facilitator", "Grace Mensah", "Owen Lloyd", "Grace Mensah"]
    assert turns[2].start_ms == 20500 and turns[2].text.startswith("The staff know us by name.")


def test_a_malformed_timing_names_the_file_line_field_and_fix() -> None:
    text = (
        "WEBVTT\n\n00:00:01.000 --> 00:00:05.000\n<v A>Hello</v>\n\n00:00:07 --> 00:00:09.000\n<v B>Hi</v>\n"
    )
    with pytest.raises(InputError) as err:
        transcripts.parse_vtt(text, "bad.vtt")
    assert "bad.vtt, line 6, timing: '00:00:07' is not a cue timing" in str(err.value)
    assert "Write it as 00:01:02.500 --> 00:01:05.000" in str(err.value)


def test_a_vtt_without_its_header_is_refused() -> None:
    with pytest.raises(InputError, match=r"x.vtt, line 1, header: a WebVTT file starts with WEBVTT"):
        transcripts.parse_vtt("00:00:01.000 --> 00:00:02.000\nHi\n", "x.vtt")


def test_plain_lines_with_speakers_become_turns_and_continue() -> None:
    lines = ["Interviewer: How did it start?", "[00:01:05] Jo Bloggs: With a board.", "It met monthly.", ""]
    turns = transcripts.parse_lines(lines)
    assert [(t.speaker, t.text, t.start_ms) for t in turns] == [
        ("Interviewer", "How did it start?", None),
        ("Jo Bloggs", "With a board.\nIt met monthly.", 65000),
    ]
    assert transcripts.has_speakers(turns)


# --- reading files ------------------------------------------------------------------------------------


def test_a_response_workbook_gives_one_document_per_row_and_an_answer_per_question() -> None:
    docs = read(DATA / "responses.xlsx", Attributes())
    assert len(docs) == 6
    first = docs[0]
    assert first.stream is EvidenceStream.CALL_FOR_EVIDENCE and first.source_row == 2
    assert first.respondent == "Margaret Okafor" and "m.okafor@example.org" in first.names
    assert (first.attributes.role, first.attributes.organisation_type, first.attributes.region) == (
        "Practitioner",
        "Local authority",
        "North West",
    )
    assert [s.kind for s in first.segments] == [SegmentKind.ANSWER] * 3
    assert first.segments[1].label == "Q2. What gets in the way?"
    assert str(docs[1].segments[-1].label).startswith("Q2.")  # a blank answer is no segment


def test_a_docx_submission_gives_paragraphs() -> None:
    (doc,) = read(DATA / "submission.docx", Attributes(EvidenceStream.CALL_FOR_EVIDENCE))
    assert doc.kind == "docx" and len(doc.segments) == 6
    assert {s.kind for s in doc.segments} == {SegmentKind.PARAGRAPH}
    assert doc.segments[2].text.startswith("Co-location works when")


def test_a_file_without_a_stream_says_how_to_give_one() -> None:
    with pytest.raises(InputError, match=r"submission.docx: which stream is it\? Give --stream"):
        read(DATA / "submission.docx", Attributes())


def test_a_workbook_without_question_columns_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "names.csv"
    path.write_text("Name,Email\nJo Bloggs,jo@example.org\n", encoding="utf-8")
    with pytest.raises(InputError, match=r"names.csv, row 1: no question columns found"):
        read(path, Attributes())


# --- campaigns ------------------------------------------------------------------------------------------


def test_near_identical_answers_form_one_campaign_and_short_or_different_ones_do_not() -> None:
    base = "We call on the government to guarantee ring-fenced long-term funding for every Family Hub."
    answers = {
        1: base,
        2: base.replace("We call", "I call"),
        3: base + " Please keep our centre open.",
        4: "Outreach workers knocking on doors reached families the hub never saw.",
        5: "Yes",
        6: "Yes",
    }
    (found,) = campaigns(answers, 90)
    assert (found.lead, found.members, found.size) == (1, (1, 2, 3), 3)
    # At 100 only responses whose words are all in the other's stay together ("I call" is a new word).
    assert [c.members for c in campaigns(answers, 100)] == [(1, 3)]


# --- Krippendorff's alpha against hand-computed values -----------------------------------------------------


def test_alpha_and_kappa_of_a_two_coder_table_worked_by_hand() -> None:
    # 10 segments: both apply the code on 4, neither on 4, each alone on 1.
    # kappa: p_o = 0.8, p_e = 0.5*0.5 + 0.5*0.5 = 0.5, kappa = 0.3/0.5 = 0.6.
    # alpha: coincidences o_11 = 8, o_00 = 8, o_10 = o_01 = 2; n_1 = n_0 = 10, n = 20;
    #        alpha = 1 - (n - 1) * (o_10 + o_01) / (2 * n_1 * n_0) = 1 - 19 * 4 / 200 = 0.62.
    a = [True] * 4 + [True, False] + [False] * 4
    b = [True] * 4 + [False, True] + [False] * 4
    assert stats.compute(a, b, seed=1).kappa == pytest.approx(0.6)
    alpha = stats.krippendorff_alpha(list(zip(a, b, strict=True)), seed=1)
    assert alpha.alpha == pytest.approx(0.62)
    assert (alpha.units, alpha.values) == (10, 20)
    assert alpha.ci is not None and alpha.ci.low <= 0.62 <= alpha.ci.high


def test_alpha_with_missing_values_matches_krippendorffs_published_example() -> None:
    # Krippendorff (2011), "Computing Krippendorff's alpha-reliability", nominal data with
    # missing values: 4 observers, 12 units; alpha = 0.743.
    n = None
    coders = [
        [1, 2, 3, 3, 2, 1, 4, 1, 2, n, n, n],
        [1, 2, 3, 3, 2, 2, 4, 1, 2, 5, n, 3],
        [n, 3, 3, 3, 2, 3, 4, 2, 2, 5, 1, n],
        [1, 2, 3, 3, 2, 4, 4, 1, 2, 5, 1, n],
    ]
    found = stats.krippendorff_alpha(list(zip(*coders, strict=True)), seed=1, replicates=200)
    assert found.alpha == pytest.approx(0.743, abs=5e-4)
    assert found.units == 11  # the last unit has one value and cannot be paired


def test_alpha_is_undefined_when_one_category_is_all_there_is() -> None:
    assert stats.krippendorff_alpha([(True, True), (True, True)], seed=1).alpha is None


# --- the codebook in the protocol --------------------------------------------------------------------------


def test_the_template_protocol_has_the_seven_preconditions() -> None:
    protocol = load_protocol(TEMPLATE)
    assert protocol.codebook is not None
    assert [t.code for t in protocol.codebook.themes] == [
        "governance",
        "funding",
        "workforce",
        "data-sharing",
        "co-location",
        "outreach",
        "family-involvement",
    ]
    assert protocol.codebook.codes()["funding-stability"] == "funding"
    assert protocol.codebook.literature_field == "delivery.preconditions"


def test_a_codebook_naming_a_choice_the_field_lacks_is_refused(tmp_path: Path) -> None:
    text = TEMPLATE.read_text().replace('literature = ["outreach"]', 'literature = ["door knocking"]')
    path = tmp_path / "protocol.toml"
    path.write_text(text)
    with pytest.raises(
        ProtocolError, match=r"codebook theme 'outreach': literature values \['door knocking'\]"
    ):
        load_protocol(path)


def test_a_code_used_twice_is_refused(tmp_path: Path) -> None:
    text = TEMPLATE.read_text().replace('code = "leadership"', 'code = "funding"')
    path = tmp_path / "protocol.toml"
    path.write_text(text)
    with pytest.raises(
        ProtocolError, match=r"codes must be unique across themes and sub-themes; repeated: funding"
    ):
        load_protocol(path)
