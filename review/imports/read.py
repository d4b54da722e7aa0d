"""Reading an imported file: its format (given or detected), its text, and its records via the
format's reader (review.formats), as a `Parsed` whatever the format."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from review.errors import ImportFormatError, InputError
from review.formats import detect
from review.formats.common import Parsed

# Format name (as --format takes it): how the search log names the platform by default.
PLATFORMS = {
    "ris": "RIS",
    "bibtex": "BibTeX",
    "nbib": "PubMed nbib (MEDLINE)",
    "wos": "Web of Science plain text",
    "csv": "CSV",
    "xlsx": "Excel workbook",
    "endnote": "EndNote XML",
    "csljson": "CSL-JSON",
}
FORMATS = tuple(PLATFORMS)
TABLES = ("csv", "xlsx")  # formats whose columns --map and --id-column name
ARMS = ("databases", "other")
# Spreadsheets usually hold a call for evidence or a website search; exports of databases are the rest.
DEFAULT_ARM = {fmt: "other" if fmt in TABLES else "databases" for fmt in FORMATS}


@dataclass(frozen=True)
class ReadOptions:
    """How to read a file: its format (None: detect it), its encoding and, for tables, columns."""

    fmt: str | None = None
    encoding: str | None = None
    mapping: Mapping[str, str] = field(default_factory=dict)
    id_column: str | None = None
    sheet: str | None = None


@dataclass(frozen=True)
class ReadFile:
    fmt: str
    detected: str | None  # why, when the format was detected rather than given
    parsed: Parsed


def read_file(data: bytes, name: str, source: str, options: ReadOptions) -> ReadFile:
    """The records of a file's bytes; ImportFormatError when it is not a file of records."""
    if options.fmt is None:
        found = detect.detect(data, name)
        fmt, why = found.fmt, found.reason
    else:
        detect.check(data, options.fmt, name)
        fmt, why = options.fmt, None
    check_options(fmt, options)
    try:
        parsed = _reader(fmt, data, name, source, options)()
    except ImportFormatError as exc:
        raise _with_hint(exc, data, fmt, name, given=options.fmt is not None) from None
    return ReadFile(fmt, why, parsed)


def check_options(fmt: str, options: ReadOptions) -> None:
    if fmt not in TABLES and (options.id_column or options.mapping):
        raise InputError(
            f"--id-column and --map apply to CSV and XLSX files only; this file is {PLATFORMS[fmt]}."
        )
    if fmt != "xlsx" and options.sheet:
        raise InputError(f"--sheet applies to XLSX workbooks only; this file is {PLATFORMS[fmt]}.")


def _reader(fmt: str, data: bytes, name: str, source: str, options: ReadOptions) -> Callable[[], Parsed]:
    from review.formats import bibtex, csljson, csvfile, endnote, nbib, ris, wos, xlsx

    if fmt == "xlsx":
        return lambda: xlsx.parse_xlsx(
            data, source, name, mapping=options.mapping, id_column=options.id_column, sheet=options.sheet
        )
    text = decode(data, name, options.encoding)
    readers: dict[str, Callable[[], Parsed]] = {
        "ris": lambda: ris.parse_ris(text, source, name),
        "bibtex": lambda: bibtex.parse_bibtex(text, source, name),
        "nbib": lambda: nbib.parse_nbib(text, source, name),
        "wos": lambda: wos.parse_wos(text, source, name),
        "endnote": lambda: endnote.parse_endnote_xml(text, source, name),
        "csljson": lambda: csljson.parse_csljson(text, source, name),
        "csv": lambda: csvfile.parse_csv(
            text, source, name, mapping=options.mapping, id_column=options.id_column
        ),
    }
    return readers[fmt]


def _with_hint(exc: ImportFormatError, data: bytes, fmt: str, name: str, *, given: bool) -> ImportFormatError:
    """A reader's refusal, with the format the file looks like when --format named another."""
    try:
        looks = detect.detect(data, name) if given else None
    except ImportFormatError:
        looks = None
    if looks is None or looks.fmt == fmt:
        return exc
    return ImportFormatError(
        f"{exc}\nThe file looks like {PLATFORMS[looks.fmt]} ({looks.reason}): import it with "
        f"--format {looks.fmt}, or leave --format out."
    )


def decode(data: bytes, name: str, encoding: str | None = None) -> str:
    """Text of a file: UTF-8 (with or without BOM) unless an encoding is given; errors name the line."""
    if encoding is None and data[:2] in (b"\xff\xfe", b"\xfe\xff"):
        encoding = "utf-16"  # what Excel and Web of Science write as "Unicode text"; the BOM says so
    elif encoding is None and detect.utf16_without_bom(data[: detect.SNIFF]):
        encoding = "utf-16-le"
    try:
        text = data.decode(encoding or "utf-8-sig")
    except LookupError as exc:
        raise InputError(f"Unknown encoding {encoding!r}: use a Python codec name such as cp1252.") from exc
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise ImportFormatError(
            f"{name} is not {encoding or 'UTF-8'} text (byte 0x{data[exc.start]:02x} on line {line}); "
            "nothing was imported. Save it as UTF-8, or give its encoding with --encoding (e.g. cp1252 "
            "for Windows Western European, gbk for Chinese, utf-16 for 'Unicode text')."
        ) from exc
    text = text.removeprefix("\ufeff")
    if not text.strip():
        raise ImportFormatError(f"{name} is empty; nothing was imported.")
    return text
