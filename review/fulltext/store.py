"""The review's file store: full texts named by their sha256 under `<review>/fulltexts/`.

Names come only from the content's hash, never from a URL or a file name, so nothing a server or
a file says can place a file elsewhere. Files are written to a temporary name in the store and
moved into place with `os.replace`, so a reader never sees half a file.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import IO

from review.errors import InputError

STORE = "fulltexts"


@dataclass(frozen=True)
class Stored:
    """A file in the store: its hash, its path relative to the review folder, and its size."""

    sha256: str
    path: str
    size: int


def store_dir(root: Path) -> Path:
    """`<root>/fulltexts`, created if needed; refused if it resolves outside the review folder."""
    base = root.resolve()
    if not base.is_dir():
        raise InputError(f"The review folder {base} does not exist: give it with --dir.")
    folder = (base / STORE).resolve()
    if not folder.is_relative_to(base):
        raise InputError(f"{base / STORE} points outside the review folder {base}: make it a real folder.")
    folder.mkdir(exist_ok=True)
    return folder


def resolve(root: Path, relative: str) -> Path:
    """The absolute path of a stored file, refusing any path that leaves the review folder."""
    base = root.resolve()
    path = (base / relative).resolve()
    if not path.is_relative_to(base):
        raise InputError(f"Stored path {relative!r} leaves the review folder: the store is corrupt.")
    return path


class TempFile:
    """A file being written into the store; `commit()` names it by its hash, otherwise it vanishes."""

    def __init__(self, root: Path, suffix: str) -> None:
        self.root, self.suffix = root.resolve(), suffix
        self.folder = store_dir(root)
        self.size = 0
        self._hash = hashlib.sha256()
        self._file: IO[bytes] | None = None

    def __enter__(self) -> TempFile:
        self._file = tempfile.NamedTemporaryFile(dir=self.folder, prefix=".part-", delete=False)
        return self

    def write(self, data: bytes) -> None:
        assert self._file is not None
        self._file.write(data)
        self._hash.update(data)
        self.size += len(data)

    def commit(self) -> Stored:
        assert self._file is not None
        self._file.close()
        sha = self._hash.hexdigest()
        dest = self.folder / sha[:2] / f"{sha}{self.suffix}"
        dest.parent.mkdir(exist_ok=True)
        os.replace(self._file.name, dest)
        self._file = None
        return Stored(sha, dest.relative_to(self.root).as_posix(), self.size)

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        if self._file is not None:
            self._file.close()
            Path(self._file.name).unlink(missing_ok=True)


def store_file(root: Path, source: Path, suffix: str) -> Stored:
    """Copy a file into the store (streamed, hashed on the way)."""
    with TempFile(root, suffix) as temp, source.open("rb") as handle:
        while chunk := handle.read(1024 * 1024):
            temp.write(chunk)
        return temp.commit()


def store_bytes(root: Path, data: bytes, suffix: str) -> Stored:
    """Store bytes already in memory (a GOV.UK HTML body)."""
    with TempFile(root, suffix) as temp:
        temp.write(data)
        return temp.commit()
