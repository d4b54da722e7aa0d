"""`review import`: records from a RIS, BibTeX, PubMed nbib or CSV file, logged as a search run.

The whole file is read and checked before anything is stored; a copy is kept under
`sources/imports/<sha256>`, and the run's message holds the options that read it, so the store can
be rebuilt from sources/. Re-importing the same file updates the same records (upsert on source
and source ID) and adds one more search-log entry.

PRISMA-S asks what an export cannot say: the strategy as typed at the database, the day it was
run there and the interface (`--strategy`, `--searched-on`, `--interface`); they are kept on the
run, or the appendix says they were not recorded. A CSV column mapped to `file` names files (say,
call-for-evidence PDFs) that are copied under `sources/imports/files/<sha256>.<ext>` for the
full-text stage; every one must be readable before anything is stored.
"""

from __future__ import annotations

import hashlib
import os
import re
import shlex
import tempfile
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from sqlmodel import Session

from review.db import utcnow
from review.errors import ImportFormatError, InputError
from review.formats import assign_ids, read_bibtex, read_nbib, read_ris
from review.formats.csvfile import read_csv_numbered
from review.records import RecordIn, finish_run, start_run, upsert_records

ARMS = ("databases", "other")
DEFAULT_ARM = {"ris": "databases", "bibtex": "databases", "nbib": "databases", "csv": "other"}
PLATFORMS = {"ris": "RIS", "bibtex": "BibTeX", "nbib": "PubMed nbib (MEDLINE)", "csv": "CSV"}
RESERVED_SOURCES = ("openalex", "govuk")
MAX_STRATEGY = 1024 * 1024  # bytes: a bigger "strategy" is a wrong file (an export, say)
MAX_LISTED = 20  # unusable files listed in one error
FILES = "files"  # under sources/imports/
Numbered = list[tuple[int | None, RecordIn]]  # records with their line in the file (CSV only)


@dataclass(frozen=True)
class ImportOptions:
    """How to read the file (PRISMA arm, CSV ID column and column mapping, text encoding) and what
    PRISMA-S needs that the file cannot say."""

    arm: str | None = None
    id_column: str | None = None
    mapping: Mapping[str, str] = field(default_factory=dict)
    encoding: str | None = None
    strategy: str | None = None  # verbatim, or "@path" to read it from a file ("@@" for a literal "@")
    searched_on: str | None = None  # YYYY-MM-DD, the day the database was searched
    interface: str | None = None  # e.g. "Ovid", "EBSCOhost", "Scopus web"


@dataclass(frozen=True)
class SearchFacts:
    """The PRISMA-S facts given for an import, checked."""

    strategy: str | None
    searched_on: date | None
    interface: str | None


@dataclass(frozen=True)
class ImportResult:
    run_id: int
    read: int  # records in the file
    new: int  # not in the store before
    present: int  # already in the store (same source and source ID)
    repeated: int  # records in the file that repeat another's ID
    stored_as: str  # the copy under sources/, relative to the review folder
    files: int = 0  # records whose named file was kept for the full-text stage
    not_pdf: int = 0  # of those, files that are not PDFs (the full-text stage cannot read them)
    unmapped_files: int = 0  # records naming a file in a column recognised, not mapped, as `file`


def run(
    session: Session,
    path: Path,
    fmt: str,
    source: str,
    *,
    sources_dir: Path,
    options: ImportOptions | None = None,
    protocol_hash: str | None = None,
) -> ImportResult:
    """Import one file under a source name, as one search-log entry; nothing is stored if any line is bad."""
    opts = options or ImportOptions()
    arm = _check_args(fmt, source, opts)
    facts = search_facts(opts)
    data = _read_bytes(path)
    digest = hashlib.sha256(data).hexdigest()
    numbered = parse_numbered(decode(data, path.name, opts.encoding), fmt, source, path.name, opts)
    records = [r for _, r in numbered]
    named = named_files(numbered, path) if "file" in opts.mapping else []
    stored_as = _keep_copy(data, digest, path.suffix, sources_dir)
    not_pdf = keep_files(named, sources_dir)
    search = start_run(
        session,
        source=source,
        search_name=path.name,
        arm=arm,
        platform=facts.interface or default_platform(fmt, path.name),
        request=f"{path} sha256:{digest}",
        filters=None,
        protocol_hash=protocol_hash,
    )
    search.strategy, search.searched_on = facts.strategy, facts.searched_on
    upserted = upsert_records(session, search.id, records)
    search.total_reported = search.retrieved = len(records)
    search.pages = 1
    search.raw_path, search.raw_sha256 = stored_as, digest
    finish_run(search, status="complete", message=f"imported with: {_options(fmt, arm, opts)}")
    unique = len({r.source_id for r in records})
    unmapped = 0 if "file" in opts.mapping else sum(1 for r in records if (r.extra or {}).get("file"))
    assert search.id is not None
    return ImportResult(
        search.id,
        len(records),
        upserted.new,
        unique - upserted.new,
        len(records) - unique,
        stored_as,
        len(named),
        not_pdf,
        unmapped,
    )


def default_platform(fmt: str, name: str) -> str:
    """What the log says of an import's platform when no --interface is given."""
    return f"{PLATFORMS[fmt]} file {name}"


def search_facts(options: ImportOptions) -> SearchFacts:
    """The --strategy, --searched-on and --interface values, checked (a strategy file read)."""
    interface = None
    if options.interface is not None:
        interface = options.interface.strip()
        if not interface or "\n" in interface:
            raise InputError(
                f"--interface {options.interface!r} is not a name: give the platform searched on one line, "
                'e.g. --interface Ovid or --interface "Scopus web".'
            )
    return SearchFacts(_strategy(options.strategy), _searched_on(options.searched_on), interface)


def _strategy(value: str | None) -> str | None:
    if value is None:
        return None
    text = value
    if value.startswith("@") and not value.startswith("@@"):
        text = _strategy_file(Path(value[1:].strip()).expanduser())
    elif value.startswith("@@"):
        text = value[1:]
    if not text.strip():
        raise InputError(
            "--strategy is empty: give the search strategy exactly as typed at the database, "
            "or @FILE to read it from a text file."
        )
    return text


def _strategy_file(path: Path) -> str:
    try:
        if path.stat().st_size > MAX_STRATEGY:
            raise InputError(
                f"--strategy @{path}: the file is over 1 MB, too big for a search strategy; "
                "give the text file holding the strategy as typed at the database."
            )
        return path.read_bytes().decode("utf-8-sig")
    except OSError as exc:
        raise InputError(
            f"--strategy @{path}: cannot read the file ({exc.strerror}); give the path of a text file "
            "holding the strategy, or the strategy itself without @."
        ) from exc
    except UnicodeDecodeError as exc:
        raise InputError(f"--strategy @{path}: the file is not UTF-8 text; save it as UTF-8.") from exc


def _searched_on(value: str | None) -> date | None:
    if value is None:
        return None
    text = value.strip()
    example = "e.g. --searched-on 2026-03-14"
    try:
        if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
            raise ValueError(text)
        day = date.fromisoformat(text)
    except ValueError:
        raise InputError(
            f"--searched-on {value!r} is not a date: give the day the database was searched as "
            f"YYYY-MM-DD, {example}."
        ) from None
    today = max(date.today(), utcnow().date())  # the searcher's local day may be ahead of UTC
    if day > today:
        raise InputError(
            f"--searched-on {text} is in the future (today is {today.isoformat()}): give the day the "
            f"search was run at the database, {example}."
        )
    return day


def parse(text: str, fmt: str, source: str, name: str, options: ImportOptions) -> list[RecordIn]:
    """Records of a decoded file, each with a source ID (derived when the file has none)."""
    return [r for _, r in parse_numbered(text, fmt, source, name, options)]


def parse_numbered(text: str, fmt: str, source: str, name: str, options: ImportOptions) -> Numbered:
    """Like `parse`, each record with its line in the file (CSV; None for the other formats)."""
    readers: dict[str, Callable[[], Sequence[RecordIn]]] = {
        "ris": lambda: read_ris(text, source, name),
        "bibtex": lambda: read_bibtex(text, source, name),
        "nbib": lambda: read_nbib(text, source, name),
    }
    numbered: Numbered
    if fmt == "csv":
        csv = read_csv_numbered(text, source, name, mapping=options.mapping, id_column=options.id_column)
        numbered = [(line, r) for line, r in csv]
    else:
        numbered = [(None, r) for r in readers[fmt]()]
    assign_ids([r for _, r in numbered])
    return numbered


def decode(data: bytes, name: str, encoding: str | None = None) -> str:
    """Text of a file: UTF-8 (with or without BOM) unless an encoding is given; errors name the line."""
    if encoding is None and data[:2] in (b"\xff\xfe", b"\xfe\xff"):
        encoding = "utf-16"  # what Excel writes as "Unicode text"; its BOM says so
    try:
        text = data.decode(encoding or "utf-8-sig")
    except LookupError as exc:
        raise InputError(f"Unknown encoding {encoding!r}: use a Python codec name such as cp1252.") from exc
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise ImportFormatError(
            f"{name} is not {encoding or 'UTF-8'} text (byte 0x{data[exc.start]:02x} on line {line}); "
            "nothing was imported. Save it as UTF-8, or give its encoding with --encoding (e.g. cp1252)."
        ) from exc
    text = text.removeprefix("\ufeff")
    if not text.strip():
        raise ImportFormatError(f"{name} is empty; nothing was imported.")
    return text


def _check_args(fmt: str, source: str, options: ImportOptions) -> str:
    if fmt not in PLATFORMS:
        raise InputError(f"Unknown format {fmt!r}: use one of {', '.join(PLATFORMS)}.")
    if not source.strip() or source.lower() in RESERVED_SOURCES:
        raise InputError(
            f"Source name {source!r} cannot be used for an import: give a name of your own, "
            "e.g. --source scopus or --source call-for-evidence."
        )
    if fmt != "csv" and (options.id_column or options.mapping):
        raise InputError("--id-column and --map apply to CSV files only.")
    arm = options.arm or DEFAULT_ARM[fmt]
    if arm not in ARMS:
        raise InputError(f"Unknown arm {arm!r}: use {' or '.join(ARMS)}.")
    return arm


def _read_bytes(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except OSError as exc:
        raise InputError(f"Cannot read {path}: {exc.strerror}.") from exc


def _keep_copy(data: bytes, digest: str, suffix: str, sources_dir: Path) -> str:
    """Write the file once under sources/imports/, named by its content hash."""
    folder = sources_dir / "imports"
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / f"{digest}{suffix.lower()}"
    if not target.exists():
        fd, tmp = tempfile.mkstemp(dir=folder, prefix=".import-")
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        os.replace(tmp, target)
    return f"{sources_dir.name}/imports/{target.name}"


def _options(fmt: str, arm: str, options: ImportOptions) -> str:
    """The `review import` options that re-read the kept copy exactly as this import read the file."""
    parts = [f"--format {fmt}", f"--arm {arm}"]
    parts += [f"--id-column {shlex.quote(options.id_column)}"] if options.id_column else []
    parts += [f"--map {shlex.quote(f'{fld}={col}')}" for fld, col in options.mapping.items()]
    parts += [f"--encoding {options.encoding}"] if options.encoding else []
    return " ".join(parts)


def named_files(numbered: Numbered, csv_path: Path) -> list[tuple[RecordIn, Path]]:
    """Each record's named file (relative to the CSV's folder, or absolute), all checked readable."""
    found, errors = [], []
    for line, record in numbered:
        cell = (record.extra or {}).get("file")
        if not cell:
            continue
        file = csv_path.parent / Path(cell).expanduser()
        problem = _file_problem(cell, file)
        if problem:
            errors.append(f"line {line}: {cell!r} {problem}")
        else:
            found.append((record, file))
    if errors:
        more = f"\n  ... and {len(errors) - MAX_LISTED} more" if len(errors) > MAX_LISTED else ""
        raise ImportFormatError(
            f"{len(errors)} file(s) named in {csv_path.name} cannot be read; nothing was imported. Names "
            f"are relative to the CSV's folder ({csv_path.parent}): fix them or put the files there, "
            "then import again:\n  " + "\n  ".join(errors[:MAX_LISTED]) + more
        )
    return found


def _file_problem(cell: str, file: Path) -> str | None:
    if re.match(r"(?i)https?://", cell):
        return "is a web address, not a file: map that column with --map url=COLUMN instead"
    try:
        if not file.exists():
            return f"not found (looked for {file})"
        if not file.is_file():
            return f"is not a file ({file})"
        with file.open("rb") as handle:
            if not handle.read(1):
                return f"is empty ({file})"
    except OSError as exc:
        return f"cannot be read: {exc.strerror} ({file})"
    return None


def keep_files(named: list[tuple[RecordIn, Path]], sources_dir: Path) -> int:
    """Copy each named file under sources/imports/files/ by its hash and note it in the record's
    `extra` (file, file_sha256, file_path); returns how many are not PDFs."""
    kept: dict[Path, tuple[str, str, bool]] = {}
    for record, file in named:
        if file not in kept:
            kept[file] = _copy_file(file, sources_dir / "imports" / FILES)
        digest, name, _ = kept[file]
        rel = f"{sources_dir.name}/imports/{FILES}/{name}"
        record.extra = {**(record.extra or {}), "file_sha256": digest, "file_path": rel}
    return sum(1 for record, file in named if not kept[file][2])


def _copy_file(file: Path, folder: Path) -> tuple[str, str, bool]:
    """(sha256, stored name, is a PDF) of a file copied (streamed, hashed) into `folder`."""
    folder.mkdir(parents=True, exist_ok=True)
    suffix = file.suffix.lower() if re.fullmatch(r"\.[a-z0-9]{1,8}", file.suffix.lower()) else ""
    fd, tmp = tempfile.mkstemp(dir=folder, prefix=".import-")
    sha, head = hashlib.sha256(), b""
    try:
        with os.fdopen(fd, "wb") as out, file.open("rb") as handle:
            while chunk := handle.read(1024 * 1024):
                head = head or chunk[:1024]
                sha.update(chunk)
                out.write(chunk)
        name = f"{sha.hexdigest()}{suffix}"
        os.replace(tmp, folder / name)
    except OSError as exc:
        Path(tmp).unlink(missing_ok=True)
        raise InputError(f"Cannot copy {file} into {folder}: {exc.strerror}. Nothing was imported.") from exc
    return sha.hexdigest(), name, b"%PDF-" in head
