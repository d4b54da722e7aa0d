"""`review import`: one file of records, checked whole, stored, and logged as a search run.

The format is detected when not given. By default a damaged entry stops the import and nothing is
stored; with `skip_invalid` the good entries are stored and each skipped one is kept in the search
log (`search_run.refused/refusals`), as are records with nothing to screen. A copy of the file is
kept under `sources/imports/<sha256>`, and the run's message holds the options that read it, so the
store can be rebuilt from sources/.

Importing a corrected file under the same source updates its records and the works built from them
(changed records are compared again by dedupe); a byte-identical file is the same search run again,
not a new one. Another file under a source imported before is an update of the earlier import (a
database's export re-run for a review update): its run says so (`filters["update_of"]`, with the
records new to the source and those already imported), and only the new records count as new.
"""

from __future__ import annotations

import dataclasses
import hashlib
import shlex
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from sqlmodel import Session, col, select

from review.errors import ImportFormatError, InputError
from review.formats.common import MAX_ERRORS, Parsed, Problem
from review.imports import changes, files
from review.imports.facts import SearchFacts, search_facts
from review.imports.prepare import Prepared, field_counts, prepare
from review.imports.read import ARMS, DEFAULT_ARM, PLATFORMS, ReadFile, ReadOptions, read_file
from review.models import SearchRun
from review.records import RecordIn, finish_run, start_run, upsert_records
from review.stagerun import stage_run

RESERVED_SOURCES = ("openalex", "govuk")
MAX_KEPT_REFUSALS = 1000  # refusals listed in the search log; the count is always whole


@dataclass(frozen=True)
class ImportOptions:
    """How to read the file and what PRISMA-S needs that the file cannot say."""

    arm: str | None = None
    id_column: str | None = None
    mapping: Mapping[str, str] = field(default_factory=dict)
    encoding: str | None = None
    sheet: str | None = None  # an XLSX workbook's sheet (default: the first)
    skip_invalid: bool = False  # store the good entries of a damaged file, list the others
    strategy: str | None = None  # verbatim, or "@path" to read it from a file ("@@" for a literal "@")
    searched_on: str | None = None  # YYYY-MM-DD, the day the database was searched
    interface: str | None = None  # e.g. "Ovid", "EBSCOhost", "Scopus web"


@dataclass(frozen=True)
class ImportResult:
    run_id: int
    fmt: str
    detected: str | None  # why the format was chosen, when --format was left out
    read: int  # records in the file
    new: int  # stored now, not in the store before
    present: int  # already in the store (same source and source ID), unchanged or changed
    changed: int  # of those, records the file changes (their works refreshed, compared again)
    repeated: int  # exact repeats of another record in the file, stored once
    kept_apart: tuple[str, ...]  # IDs given to records that share an ID with a different record
    refused: tuple[Problem, ...]  # entries skipped as damaged, and records with nothing to screen
    fields: dict[str, int]  # summary name -> records stored with that field
    notes: tuple[str, ...]  # what the reader said (dialect recognised, keys repeated...)
    stored_as: str  # the copy under sources/, relative to the review folder
    same_file: bool = False  # byte-identical to the file of run_id: no new search run
    update_of: int | None = None  # the earlier import of the same source this file updates
    files: int = 0  # records whose named file was kept for the full-text stage
    not_pdf: int = 0  # of those, files that are not PDFs (the full-text stage cannot read them)
    unmapped_files: int = 0  # records naming a file in a column recognised, not mapped, as `file`


def run(
    session: Session,
    path: Path | Sequence[Path],
    fmt: str | None,
    source: str,
    *,
    sources_dir: Path,
    options: ImportOptions | None = None,
    protocol_hash: str | None = None,
) -> ImportResult:
    """Import a file, or the files of one search's export (a database that exports 1,000 records
    a file), under a source name as one search run (see the module's docstring)."""
    opts = options or ImportOptions()
    _check_args(fmt, source, opts)
    with stage_run(session, "import", protocol_hash=protocol_hash) as logged:
        result = _import(session, [path] if isinstance(path, Path) else path, fmt, source, sources_dir, opts,
                         protocol_hash)  # fmt: skip
        logged.counts = {"search_run": result.run_id, "read": result.read, "new": result.new,
                         "present": result.present, "changed": result.changed, "repeated": result.repeated,
                         "refused": len(result.refused), "files": result.files}  # fmt: skip
    return result


def _import(
    session: Session,
    paths: Sequence[Path],
    fmt: str | None,
    source: str,
    sources_dir: Path,
    opts: ImportOptions,
    protocol_hash: str | None,
) -> ImportResult:
    facts = search_facts(opts.strategy, opts.searched_on, opts.interface)
    loaded = [_load(p, source, fmt, opts) for p in paths]
    read = _merged(loaded)
    _refuse_damage(read.parsed, _label(loaded), opts.skip_invalid)
    named = _named(loaded) if "file" in opts.mapping else []
    ready = prepare(read.parsed.entries)
    refused = (*read.parsed.problems, *ready.blank)
    stored_as = "; ".join(files.keep_copy(f.data, f.digest, f.path.suffix, sources_dir) for f in loaded)
    not_pdf = files.keep_files(named, sources_dir)
    search, same = _search_run(session, source, loaded, read.fmt, opts.arm or DEFAULT_ARM[read.fmt], facts,
                               protocol_hash)  # fmt: skip
    changed = changes.find_changed(session, source, ready.records)
    upserted = upsert_records(session, search.id, ready.records)
    changes.apply_changes(session, source, changed)
    update_of = _mark_update(search, same, upserted.new, len(ready.records) - upserted.new)
    _log(search, read.fmt, opts, ready, refused, stored_as, _digest(loaded))
    assert search.id is not None
    return ImportResult(
        run_id=search.id,
        fmt=read.fmt,
        detected=read.detected,
        read=len(read.parsed.entries) + len(read.parsed.problems),
        new=upserted.new,
        present=len(ready.records) - upserted.new,
        changed=len(changed),
        repeated=ready.repeated,
        kept_apart=ready.kept_apart,
        refused=tuple(refused),
        fields=field_counts(ready.records),
        notes=tuple(read.parsed.notes),
        stored_as=stored_as,
        same_file=same,
        files=len(named),
        not_pdf=not_pdf,
        update_of=update_of,
        unmapped_files=0 if "file" in opts.mapping else sum(1 for r in ready.records if _names_file(r)),
    )


@dataclass(frozen=True)
class _File:
    path: Path
    data: bytes
    digest: str
    read: ReadFile


def _load(path: Path, source: str, fmt: str | None, opts: ImportOptions) -> _File:
    data = _read_bytes(path)
    read = read_file(data, path.name, source, ReadOptions(fmt, opts.encoding, opts.mapping, opts.id_column,
                                                          opts.sheet))  # fmt: skip
    return _File(path, data, hashlib.sha256(data).hexdigest(), read)


def _merged(loaded: Sequence[_File]) -> ReadFile:
    """The files of one export as one: their records in file order, problems naming their file."""
    if len(loaded) == 1:
        return loaded[0].read
    kinds = {f.read.fmt for f in loaded}
    if len(kinds) > 1:
        said = ", ".join(f"{f.path.name} is {PLATFORMS[f.read.fmt]}" for f in loaded)
        raise InputError(f"The files of one import must be one export in one format: {said}. Import each "
                         "format on its own.")  # fmt: skip
    first = loaded[0].read
    parsed = Parsed(first.parsed.kind)
    for f in loaded:
        parsed.entries += f.read.parsed.entries
        parsed.problems += [dataclasses.replace(p, file=f.path.name) for p in f.read.parsed.problems]
        parsed.notes += [f"{f.path.name}: {note}" for note in f.read.parsed.notes]
    return ReadFile(first.fmt, first.detected, parsed)


def _named(loaded: Sequence[_File]) -> list[tuple[RecordIn, Path]]:
    """Files named in each table, relative to that table's folder."""
    return [pair for f in loaded for pair in files.named_files(f.read.parsed.entries, f.path)]


def _label(loaded: Sequence[_File]) -> str:
    names = [f.path.name for f in loaded]
    return names[0] if len(names) == 1 else f"{names[0]} and {len(names) - 1} more file(s)"


def _digest(loaded: Sequence[_File]) -> str:
    """A file's sha256; for several files, the sha256 of theirs in order (the same files again match)."""
    if len(loaded) == 1:
        return loaded[0].digest
    return hashlib.sha256(" ".join(f.digest for f in loaded).encode()).hexdigest()


def _names_file(record: RecordIn) -> bool:
    return bool((record.extra or {}).get("file"))


def _refuse_damage(parsed: Parsed, name: str, skip_invalid: bool) -> None:
    """Without --skip-invalid, any damaged entry stops the import before anything is stored."""
    problems = parsed.problems
    if not problems or skip_invalid:
        return
    good = len(parsed.entries)
    more = f"\n  ... and {len(problems) - MAX_ERRORS} more" if len(problems) > MAX_ERRORS else ""
    listed = "\n  ".join(str(p) for p in problems[:MAX_ERRORS])
    raise ImportFormatError(
        f"{name}: {len(problems)} of its entries cannot be read as {parsed.kind}; nothing was imported. "
        f"Fix these lines and import again:\n  {listed}{more}\n"
        f"Or import with --skip-invalid to store the {good} good entries and log the skipped ones."
    )


def _search_run(
    session: Session,
    source: str,
    loaded: Sequence[_File],
    fmt: str,
    arm: str,
    facts: SearchFacts,
    protocol_hash: str | None,
) -> tuple[SearchRun, bool]:
    """The search-log entry for this import: the earlier run of byte-identical files of the same
    source (True), or a new one."""
    digest = _digest(loaded)
    earlier = session.exec(
        select(SearchRun)
        .where(SearchRun.source == source, SearchRun.raw_sha256 == digest, SearchRun.status == "complete")
        .order_by(col(SearchRun.id))
    ).first()
    if earlier is not None:
        _update_facts(earlier, facts)
        return earlier, True
    before = session.exec(
        select(SearchRun.id)
        .where(SearchRun.source == source, SearchRun.status == "complete")
        .order_by(col(SearchRun.id).desc())
    ).first()
    name = " + ".join(f.path.name for f in loaded)
    search = start_run(
        session,
        source=source,
        search_name=name,
        arm=arm,
        platform=facts.interface or default_platform(fmt, name),
        request="; ".join(f"{f.path} sha256:{f.digest}" for f in loaded),
        filters=None if before is None else {"update_of": before},
        protocol_hash=protocol_hash,
    )
    search.strategy, search.searched_on = facts.strategy, facts.searched_on
    return search, False


def _mark_update(search: SearchRun, same: bool, new: int, present: int) -> int | None:
    """An update of an earlier import keeps, on its run, how many records are new to the source."""
    earlier = (search.filters or {}).get("update_of")
    if same or earlier is None:
        return None
    search.filters = {"update_of": earlier, "new": new, "already_imported": present}
    return int(earlier)


def _update_facts(search: SearchRun, facts: SearchFacts) -> None:
    """PRISMA-S facts given again with the same file fill in or correct the run's."""
    search.strategy = facts.strategy or search.strategy
    search.searched_on = facts.searched_on or search.searched_on
    search.platform = facts.interface or search.platform


def _log(
    search: SearchRun,
    fmt: str,
    opts: ImportOptions,
    ready: Prepared,
    refused: tuple[Problem, ...],
    stored_as: str,
    digest: str,
) -> None:
    search.total_reported = len(ready.records) + ready.repeated + len(refused)
    search.retrieved = len(ready.records)
    search.pages = 1
    search.raw_path, search.raw_sha256 = stored_as, digest
    search.refused = len(refused)
    search.refusals = [{"line": p.line, "reason": str(p)} for p in refused[:MAX_KEPT_REFUSALS]] or None
    finish_run(search, status="complete", message=f"imported with: {_options(fmt, search.arm, opts)}")


def default_platform(fmt: str, name: str) -> str:
    """What the log says of an import's platform when no --interface is given."""
    return f"{PLATFORMS[fmt]} file {name}"


def _check_args(fmt: str | None, source: str, options: ImportOptions) -> None:
    if fmt is not None and fmt not in PLATFORMS:
        raise InputError(f"Unknown format {fmt!r}: use one of {', '.join(PLATFORMS)}.")
    if not source.strip() or source.lower() in RESERVED_SOURCES:
        raise InputError(
            f"Source name {source!r} cannot be used for an import: give a name of your own, "
            "e.g. --source scopus or --source call-for-evidence."
        )
    if options.arm is not None and options.arm not in ARMS:
        raise InputError(f"Unknown arm {options.arm!r}: use {' or '.join(ARMS)}.")


def _read_bytes(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except OSError as exc:
        raise InputError(f"Cannot read {path}: {exc.strerror}.") from exc


def _options(fmt: str, arm: str, options: ImportOptions) -> str:
    """The `review import` options that re-read the kept copy exactly as this import read the file."""
    parts = [f"--format {fmt}", f"--arm {arm}"]
    parts += [f"--id-column {shlex.quote(options.id_column)}"] if options.id_column else []
    parts += [f"--map {shlex.quote(f'{fld}={col}')}" for fld, col in options.mapping.items()]
    parts += [f"--sheet {shlex.quote(options.sheet)}"] if options.sheet else []
    parts += [f"--encoding {options.encoding}"] if options.encoding else []
    parts += ["--skip-invalid"] if options.skip_invalid else []
    return " ".join(parts)
