"""Format detection: each database's export is recognised by how it starts, binary files by their bytes."""

from __future__ import annotations

import pytest

from review.errors import ImportFormatError
from review.formats.detect import binary_kind, detect

STARTS = [
    ("ris", "\ufeffTY  - JOUR\r\nAU  - Hughes, R.\r\nER  - \r\n"),
    ("ris", "Provider: Ovid Technologies\n\nTY  - JOUR\nTI  - T\nER  -\n"),  # text before the first record
    ("nbib", "\nPMID- 31234567\nOWN - NLM\nSTAT- MEDLINE\nTI  - A title.\n"),
    ("wos", "FN Clarivate Analytics Web of Science\nVR 1.0\nPT J\nAU Smith, J\nTI A title\nER\n\nEF\n"),
    ("wos", "\ufeffFN Thomson Reuters Web of Science™\nVR 1.0\nPT J\nAU Okafor, C\nER\nEF"),
    ("bibtex", "% Encoding: UTF-8\n\n@Article{hughes2022,\n  author = {Hughes, Rachel},\n}\n"),
    ("bibtex", "@ARTICLE{Hughes2022,\nauthor={Hughes, R.},\ntitle={A title},\n}\n"),
    ("bibtex", "@comment{jabref-meta: databaseType:bibtex;}\n@book{k, title = {T}}"),
    ("endnote", '<?xml version="1.0" encoding="UTF-8" ?><xml><records><record><rec-number>1</rec-number>'),
    (
        "csljson",
        '[\n\t{\n\t\t"id": "http://zotero.org/users/1/items/AB",\n\t\t"type": "report",\n\t\t"title": "T"',
    ),
    ("csljson", '[{"type":"article-journal","title":"T","author":[{"family":"Lewis","given":"Jane"}]}]'),
    (
        "csv",
        '\ufeff"Authors","Author full names","Title","Year"\n"New K.C.","New, Kevin","T",2020\n',
    ),
    (
        "csv",
        "PT\tAU\tBA\tBE\tGP\tAF\tTI\tSO\tUT\nJ\tSmith, J\t\t\t\tSmith, John\tA title\tJOURNAL\tWOS:1\t\n",
    ),
    ("csv", "About the data: Exported on Mar 15, 2022.\nRank,Publication ID,DOI,Title\n1,pub.1,10.1/x,T\n"),
    ("csv", "Title;Year\nA report;2020\n"),
]


@pytest.mark.parametrize(("fmt", "start"), STARTS)
def test_each_export_is_recognised_by_how_it_starts(fmt: str, start: str) -> None:
    found = detect(start.encode("utf-8"), "export")
    assert found.fmt == fmt and found.reason


def test_utf16_text_is_text_with_or_without_bom() -> None:
    tab = "PT\tAU\tTI\tUT\nJ\tSmith, J\tA title\tWOS:1\n"
    assert detect(tab.encode("utf-16"), "x").fmt == "csv"
    assert detect(tab.encode("utf-16-le"), "x").fmt == "csv"
    assert binary_kind(tab.encode("utf-16-le")) is None


def test_a_file_of_no_known_format_says_what_was_looked_for() -> None:
    with pytest.raises(ImportFormatError, match=r"no `TY  - ` line \(RIS\).*--format"):
        detect(b"Dear reviewers, please find attached\n", "letter.txt")
    assert binary_kind(b"abc\x00def") == "binary"
