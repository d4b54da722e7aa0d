"""Reading raw archives that a hard kill may have left unterminated, and repairing them.

`RawArchive` flushes after every line, so everything written before a kill is decodable, but
the last gzip member then has no end marker: plain gzip readers fail on it, and a member
appended after it would be unreadable. These readers stop cleanly at such an end instead.
"""

from __future__ import annotations

import gzip
import os
import zlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import orjson

CHUNK = 1 << 20


def _lines(path: Path) -> Iterator[bytes]:
    """Complete lines of every gzip member, up to the first unterminated or damaged place."""
    with path.open("rb") as fh:
        member, pending = zlib.decompressobj(31), b""
        while chunk := fh.read(CHUNK):
            while chunk:
                try:
                    pending += member.decompress(chunk)
                except zlib.error:
                    return
                chunk = b""
                if member.eof:
                    chunk, member = member.unused_data, zlib.decompressobj(31)
            *complete, pending = pending.split(b"\n")
            yield from complete


def entries(path: Path) -> Iterator[dict[str, Any]]:
    """The archive's entries, skipping torn lines; safe on an archive cut short by a kill."""
    for line in _lines(path):
        try:
            entry = orjson.loads(line)
        except orjson.JSONDecodeError:
            continue
        if isinstance(entry, dict):
            yield entry


def is_whole(path: Path) -> bool:
    """True when every gzip member of the file is complete."""
    try:
        with gzip.open(path, "rb") as fh:
            while fh.read(CHUNK):
                pass
    except (EOFError, OSError, zlib.error):
        return False
    return True


def repair(path: Path) -> bool:
    """Rewrite an unterminated archive as one clean member (before appending to it).

    Returns:
        True if the file needed and got a repair.
    """
    if not path.exists() or is_whole(path):
        return False
    temp = path.with_name(path.name + ".repair")
    with gzip.open(temp, "wb") as out:
        for line in _lines(path):
            out.write(line + b"\n")
    os.replace(temp, path)
    return True
