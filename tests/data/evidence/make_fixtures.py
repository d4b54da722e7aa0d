# ruff: noqa: E501  (transcript lines are data: kept as a transcript writes them)
"""Write the stakeholder-evidence fixtures (tests/data/evidence/) and the demo's sample documents
(review/data/evidence_demo/): a call-for-evidence workbook, an emailed submission (DOCX), an
interview (WebVTT, Teams style), a focus group (SRT) and family-voice notes. Every person and place
detail is fictional. Run: .venv/bin/python tests/data/evidence/make_fixtures.py
"""

from __future__ import annotations

from pathlib import Path

import docx
from openpyxl import Workbook

ROOT = Path(__file__).resolve().parents[3]
HEADER = [
    "ID", "Start time", "Completion time", "Email", "Name", "In what capacity are you responding?",
    "Type of organisation", "Region",
    "Q1. What helps integrated early years services (Family Hubs, children's centres) work well in your area?",
    "Q2. What gets in the way?",
    "Q3. Is there anything else you would like to tell us?",
]  # fmt: skip
CAMPAIGN = (
    "We call on the government to guarantee ring-fenced, long-term funding for every Family Hub so that "
    "no family loses its local children's centre. Short-term grants mean services close just as parents "
    "come to trust them."
)
ROWS = [
    [1, "2025-03-03 09:12", "2025-03-03 09:40", "m.okafor@example.org", "Margaret Okafor", "Practitioner",
     "Local authority", "North West",
     "Having health visitors, midwives and our family support workers in the same Family Hub building "
     "means we can do warm handovers: a mum seen by the midwife in the morning can meet the infant feeding "
     "team the same day. A monthly partnership board chaired by the director of children's services keeps "
     "health and the council pulling the same way.",
     "Funding arrives in one-year grants, so every spring we lose trained staff to jobs with a future. "
     "Health and council systems do not talk to each other: I cannot see whether a family has missed "
     "their two-year check.",
     "Margaret Okafor, hub manager, happy to be contacted. Our parent panel redesigned the stay-and-play "
     "timetable and attendance went up."],
    [2, "2025-03-04 20:01", "2025-03-04 20:15", "", "Daniel Price", "Parent", "Not applicable",
     "Yorkshire and the Humber",
     "The hub is two buses from our estate, so it only worked for us once the family support worker "
     "started a group in the community centre round the corner. She came to our house first, which made "
     "it easier to go.",
     "Nobody told me about the baby group until my health visitor rang. Leaflets in the hub don't reach "
     "dads who never go in.",
     ""],
    [3, "2025-03-05 11:30", "2025-03-05 12:02", "p.raman@example.ac.uk", "Priya Raman", "Expert",
     "University or research organisation", "London",
     "Areas that share a single family record across midwifery, health visiting and early help identify "
     "need earlier. Information-sharing agreements signed at the start of a hub programme matter more "
     "than the software.",
     "Workforce churn: outreach roles are the first cut and the hardest to refill; training budgets go "
     "with them.",
     "Evaluate the hubs over five years, not one."],
    [4, "2025-03-06 08:00", "2025-03-06 08:03", "", "Tom Hughes", "Parent", "Not applicable", "South West",
     CAMPAIGN, "", ""],
    [5, "2025-03-06 08:10", "2025-03-06 08:12", "", "Aisha Khan", "Parent", "Not applicable", "South West",
     CAMPAIGN.replace("We call on", "I call on"), "", ""],
    [6, "2025-03-06 09:21", "2025-03-06 09:24", "", "Lucy Brennan", "Parent", "Not applicable", "South West",
     CAMPAIGN + " Please keep our centre open.", "", ""],
]  # fmt: skip
SUBMISSION = [
    "Submission to the call for evidence on integrated early years services",
    "From: Helen Carter, Chief Executive, Bright Beginnings Trust (a charity running four Family Hubs)",
    "Co-location works when it is more than sharing a building. In our hubs the health visiting clinic, "
    "the speech and language drop-in and the welfare rights adviser share one reception, so a parent "
    "asks once and is walked to the right person.",
    "Data sharing remains the largest barrier. Each partner holds its own record and consent is asked "
    "three times. A single consent, explained once by someone the family trusts, would help.",
    "Our workforce is stretched: family support workers hold caseloads of forty. Joint training with "
    "health colleagues has done more for joined-up working than any restructure.",
    "Helen Carter would be glad to give oral evidence.",
]
VTT = """WEBVTT

00:00:01.000 --> 00:00:06.500
<v Interviewer>Thank you for joining. Could you start with what made your children's centre work?</v>

00:00:07.000 --> 00:00:19.000
<v Sarah Whitfield>For me it was governance. We had a partnership board with health, the council and two parent representatives, and it met every month.</v>

00:00:19.200 --> 00:00:31.000
<v Sarah Whitfield>The board owned one set of outcomes, so nobody could say that was the other agency's problem.</v>

00:00:31.500 --> 00:00:36.000
<v Interviewer>Thanks, Sarah. And what would you tell a new Family Hub lead about reaching families?</v>

00:00:36.500 --> 00:00:52.000
<v Sarah Whitfield>Go to them. Our outreach workers knocked on doors on the estates and ran sessions in the library. The families who most needed us never came through the front door first.</v>

00:00:52.500 --> 00:01:05.000
<v Sarah Whitfield>And secure the funding for more than a year, or you spend your time writing bids instead of running services.</v>
"""
SRT = """1
00:00:02,000 --> 00:00:08,000
Facilitator: What helps parents feel the hub is for them?

2
00:00:08,500 --> 00:00:20,000
Grace Mensah: Being asked. The parent forum chose the opening hours and now the Saturday session is full.

3
00:00:20,500 --> 00:00:31,000
Owen Lloyd: The staff know us by name. When the health visitor and the nursery share a room you only tell your story once.

4
00:00:31,500 --> 00:00:40,000
Grace Mensah: I agree with Owen. But the data thing is real: I had to fill the same form three times.
"""
NOTES = """Family voices: notes from a stay-and-play session, Riverside Family Hub, 12 March 2025.

One mother said the hub was the first place she felt listened to after her baby was born; the infant feeding peer supporter visited her at home twice.

A father said he only came because the outreach worker met him at the food bank. He asked for a dads' group on Saturdays.

Parents asked to sit on the hub's steering group; two have since joined.
"""
ATTRIBUTES = [
    ["file", "stream", "role", "organisation_type", "region", "names"],
    ["submission.docx", "call-for-evidence", "voluntary sector", "Charity", "West Midlands", "Helen Carter"],
    ["interview.vtt", "interview", "expert", "Local authority (former)", "East of England", ""],
    ["focus-group.srt", "focus-group", "parent", "", "North East", ""],
    ["family-voice.txt", "family-voice", "parent", "", "South East", ""],
]


def write(folder: Path) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    book = Workbook()
    ws = book.active
    ws.title = "Responses"
    ws.append(HEADER)
    for row in ROWS:
        ws.append(row)
    book.save(folder / "responses.xlsx")
    document = docx.Document()
    for paragraph in SUBMISSION:
        document.add_paragraph(paragraph)
    document.save(str(folder / "submission.docx"))
    (folder / "interview.vtt").write_text(VTT, encoding="utf-8")
    (folder / "focus-group.srt").write_text(SRT, encoding="utf-8")
    (folder / "family-voice.txt").write_text(NOTES, encoding="utf-8")
    (folder / "attributes.csv").write_text(
        "\n".join(",".join(r) for r in ATTRIBUTES) + "\n", encoding="utf-8"
    )


if __name__ == "__main__":
    write(ROOT / "tests" / "data" / "evidence")
    write(ROOT / "review" / "data" / "evidence_demo")
