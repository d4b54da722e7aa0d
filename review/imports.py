"""`review import`: records from a RIS, BibTeX, PubMed nbib or CSV file, logged as a search run.

The whole file is read and checked before anything is stored; a copy is kept under
`sources/imports/<sha256>`, and the run's message holds the options that read it, so the store can
be rebuilt from sources/. Re-importing the same file updates the same records (upsert on source
and source ID) and adds one more search-log entry.
"""

from __future__ import annotations

import hashlib
import os
import shlex
import tempfile
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from sqlmodel import Session

from review.errors import ImportFormatError, InputError
from review.formats import assign_ids, read_bibtex, read_csv, read_nbib, read_ris
from review.records import RecordIn, finish_run, start_run, upsert_records

ARMS = ("databases", "other")
DEFAULT_ARM = {"ris": "databases", "bibtex": "databases", "nbib": "databases", "csv": "other"}
PLATFORMS = {"ris": "RIS", "bibtex": "BibTeX", "nbib": "PubMed nbib (MEDLINE)", "csv": "CSV"}
RESERVED_SOURCES = ("openalex", "govuk")


@dataclass(frozen=True)
class ImportOptions:
    """How to read the file: PRISMA arm, CSV ID column and column mapping, text encoding."""

    arm: str | None = None
    id_column: str | None = None
    mapping: Mapping[str, str] = field(default_factory=dict)
    encoding: str | None = None


@dataclass(frozen=True)
class ImportResult:
    run_id: int
    read: int  # records in the file
    new: int  # not in the store before
    present: int  # already in the store (same source and source ID)
    repeated: int  # records in the file that repeat another's ID
    stored_as: str  # the copy under sources/, relative to the review folder


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
    data = _read_bytes(path)
    digest = hashlib.sha256(data).hexdigest()
    records = parse(decode(data, path.name, opts.encoding), fmt, source, path.name, opts)
    stored_as = _keep_copy(data, digest, path.suffix, sources_dir)
    search = start_run(
        session,
        source=source,
        search_name=path.name,
        arm=arm,
        platform=f"{PLATFORMS[fmt]} file {path.name}",
        request=f"{path} sha256:{digest}",
        filters=None,
        protocol_hash=protocol_hash,
    )
    upserted = upsert_records(session, search.id, records)
    search.total_reported = search.retrieved = len(records)
    search.pages = 1
    search.raw_path, search.raw_sha256 = stored_as, digest
    finish_run(search, status="complete", message=f"imported with: {_options(fmt, arm, opts)}")
    unique = len({r.source_id for r in records})
    assert search.id is not None
    return ImportResult(
        search.id, len(records), upserted.new, unique - upserted.new, len(records) - unique, stored_as
    )


def parse(text: str, fmt: str, source: str, name: str, options: ImportOptions) -> list[RecordIn]:
    """Records of a decoded file, each with a source ID (derived when the file has none)."""
    readers: dict[str, Callable[[], list[RecordIn]]] = {
        "ris": lambda: read_ris(text, source, name),
        "bibtex": lambda: read_bibtex(text, source, name),
        "nbib": lambda: read_nbib(text, source, name),
        "csv": lambda: read_csv(text, source, name, mapping=options.mapping, id_column=options.id_column),
    }
    records = readers[fmt]()
    assign_ids(records)
    return records


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
