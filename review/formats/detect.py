"""Which export format a file is, from its bytes: what `review import` does when --format is left out.

Binary files are named for what they are (a PDF, a Word document, a ZIP archive, an old Excel
workbook), never handed to a text reader that would call them "not UTF-8". Text is recognised by
the first line that only its format writes; a file that matches none is refused with what was
looked for, so the user can give --format.
"""

from __future__ import annotations

import io
import re
import zipfile
from dataclasses import dataclass
from typing import NoReturn

from review.errors import ImportFormatError

TEXT_FORMATS = ("ris", "bibtex", "nbib", "wos", "csv", "endnote", "csljson")
SNIFF = 64 * 1024  # bytes looked at: enough for a long header or a preamble before the first record

_RIS = re.compile(r"^TY {1,2}- ", re.M)  # the reader says if one space is too few
_NBIB = re.compile(r"^PMID- ?\d", re.M)
_WOS_HEAD = re.compile(r"^(FN |VR |PT [A-Z]\s*$)", re.M)
_WOS_FIELDS = re.compile(r"^(AU|TI|SO|UT) \S", re.M)
_BIBTEX = re.compile(r"^\s*@\s*[A-Za-z]+\s*[{(]", re.M)
_XML_RECORDS = re.compile(r"<records>|<record>")
# Lines before a table's header: Dimensions' "About the data: ...", Excel's "sep=;".
_PREAMBLE = re.compile(r'^\ufeff?"?(About the data|sep=.$)')
_CSL = re.compile(r'^\s*[\[{]\s*(\{\s*)?"[A-Za-z-]+"\s*:')
_CSL_FIELDS = re.compile(r'"(type|title|issued|container-title)"\s*:')


@dataclass(frozen=True)
class Detected:
    fmt: str
    reason: str  # says why, e.g. "a line starts with `TY  - `"


def detect(data: bytes, name: str) -> Detected:
    """The format of a file's bytes, and why; ImportFormatError for a file no reader can take."""
    binary = binary_kind(data)
    if binary == "xlsx":
        return Detected("xlsx", "it is a ZIP holding xl/workbook.xml")
    if binary:
        refuse(name, binary)
    text = _head_text(data)
    found = _text_format(text)
    if found is None:
        raise ImportFormatError(
            f"Cannot tell what format {name} is: no `TY  - ` line (RIS), no `@type{{` entry (BibTeX), "
            "no `PMID- ` line (PubMed), no `FN`/`PT` header (Web of Science), no <records> (EndNote "
            "XML), no JSON items (CSL-JSON) and no delimited header row (CSV). Nothing was imported. "
            "Give the format with --format."
        )
    return found


def check(data: bytes, fmt: str, name: str) -> None:
    """Refuse a file whose bytes are not of the format given with --format, naming what it is."""
    binary = binary_kind(data)
    if fmt == "xlsx" and binary != "xlsx":
        what = _BINARY_NAMES[binary] if binary else "a text file"
        raise ImportFormatError(
            f"{name} is {what}, not an Excel workbook (.xlsx); nothing was imported. "
            "Leave --format out to have the format detected."
        )
    if fmt != "xlsx" and binary == "xlsx":
        raise ImportFormatError(
            f"{name} is an Excel workbook (.xlsx), not a {fmt.upper()} text file; nothing was imported. "
            "Import it with --format xlsx (or leave --format out)."
        )
    if fmt != "xlsx" and binary:
        refuse(name, binary)


_BINARY_NAMES = {
    "pdf": "a PDF document",
    "docx": "a Word document (.docx)",
    "zip": "a ZIP archive",
    "ole": "an Excel 97-2003 workbook or other old Office file (.xls/.doc)",
    "gzip": "a gzip-compressed file",
    "binary": "a binary file (it holds NUL bytes)",
}
_BINARY_FIXES = {
    "pdf": "a full text goes to the full-text stage (`review fulltext add`); import the database's "
    "export of the records instead",
    "docx": "save the references as RIS, BibTeX or CSV from the reference manager or database",
    "zip": "unzip it and import the export inside",
    "ole": "open it in Excel and save it as .xlsx (Excel Workbook) or CSV UTF-8",
    "gzip": "decompress it (gunzip) and import the file inside",
    "binary": "export the records again as RIS, BibTeX, CSV or XLSX",
}


def refuse(name: str, kind: str) -> NoReturn:
    """Refuse a binary file, saying what it is and what to import instead."""
    what, fix = _BINARY_NAMES[kind], _BINARY_FIXES[kind]
    raise ImportFormatError(f"{name} is {what}, not a file of records; nothing was imported: {fix}.")


def binary_kind(data: bytes) -> str | None:
    """ "xlsx", "docx", "zip", "pdf", "ole", "gzip" or "binary" for a binary file; None for text."""
    if data.startswith(b"PK\x03\x04"):
        return _zip_kind(data)
    for magic, kind in ((b"%PDF-", "pdf"), (b"\xd0\xcf\x11\xe0", "ole"), (b"\x1f\x8b", "gzip")):
        if data.startswith(magic):
            return kind
    head = data[:SNIFF]
    if head[:2] in (b"\xff\xfe", b"\xfe\xff") or utf16_without_bom(head):
        return None  # UTF-16 text holds NUL bytes by nature
    return "binary" if b"\x00" in head else None


def utf16_without_bom(head: bytes) -> bool:
    # ASCII text in UTF-16LE: every second byte NUL (some exports write no BOM).
    return len(head) >= 4 and head[1::2].count(0) > 0.9 * len(head[1::2]) and head[0] != 0


def _zip_kind(data: bytes) -> str:
    try:
        names = set(zipfile.ZipFile(io.BytesIO(data)).namelist())
    except zipfile.BadZipFile:
        return "zip"
    if "xl/workbook.xml" in names:
        return "xlsx"
    return "docx" if "word/document.xml" in names else "zip"


def _head_text(data: bytes) -> str:
    head = data[:SNIFF]
    if head[:2] in (b"\xff\xfe", b"\xfe\xff"):
        return head.decode("utf-16", errors="ignore")
    if utf16_without_bom(head):
        return head.decode("utf-16-le", errors="ignore")
    return head.decode("utf-8", errors="ignore").removeprefix("\ufeff")


def _text_format(text: str) -> Detected | None:
    stripped = text.lstrip()
    if stripped.startswith(("<?xml", "<xml")) and _XML_RECORDS.search(text):
        return Detected("endnote", "it is XML with <records>")
    if _CSL.match(text) and _CSL_FIELDS.search(text):
        return Detected("csljson", "it is JSON whose items have CSL fields")
    if stripped.startswith("FN ") or (_WOS_HEAD.search(text) and _WOS_FIELDS.search(text)):
        return Detected("wos", "it has the `FN`/`PT` tagged lines Web of Science writes")
    if _RIS.search(text):
        return Detected("ris", "a line starts with `TY  - `")
    if _NBIB.search(text):
        return Detected("nbib", "a line starts with `PMID- `")
    if _BIBTEX.search(text):
        return Detected("bibtex", "it has `@type{key,` entries")
    return _delimited(text)


def _delimited(text: str) -> Detected | None:
    lines = [line for line in text.splitlines() if line.strip() and not _PREAMBLE.match(line)]
    for line in lines[:3]:
        for delimiter, label in (("\t", "tab"), (";", "semicolon"), (",", "comma"), ("|", "bar")):
            if line.count(delimiter) >= 1 and len(lines) > 1:
                return Detected("csv", f"its header row is {label}-separated")
    return None
