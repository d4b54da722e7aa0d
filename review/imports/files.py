"""Files named in an imported CSV or workbook (say, call-for-evidence PDFs), checked and copied under
`sources/imports/files/<sha256>.<ext>` for the full-text stage; and the kept copy of the imported file
itself, under `sources/imports/<sha256>.<ext>`."""

from __future__ import annotations

import hashlib
import os
import re
import tempfile
from pathlib import Path

from review.errors import ImportFormatError, InputError
from review.records import RecordIn

MAX_LISTED = 20  # unusable files listed in one error
FILES = "files"  # under sources/imports/
Numbered = list[tuple[int | None, RecordIn]]  # records with the line they start on


def keep_copy(data: bytes, digest: str, suffix: str, sources_dir: Path) -> str:
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
