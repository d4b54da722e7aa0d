"""`review init`: a new review folder with a template protocol and an empty store."""

from __future__ import annotations

from dataclasses import dataclass
from importlib.resources import files
from pathlib import Path

from review.errors import InputError
from review.protocol import PROTOCOL_FILE

FOLDERS = ("protocol", "sources", "extracted")
GITIGNORE = "review.db\nreview.db-*\nfulltexts/\n.review-cache/\n"


@dataclass(frozen=True)
class InitResult:
    root: Path
    protocol: Path
    created: tuple[str, ...]


def run(root: Path) -> InitResult:
    """Create the folders and the template protocol; never overwrite an existing protocol."""
    protocol = root / PROTOCOL_FILE
    if protocol.exists():
        raise InputError(
            f"{protocol} already exists: this folder is a review already. "
            "Edit that protocol, or choose a new folder."
        )
    created = []
    for name in FOLDERS:
        folder = root / name
        if not folder.exists():
            folder.mkdir(parents=True)
            created.append(name + "/")
    template = files("review.data").joinpath("protocol_template.toml").read_text(encoding="utf-8")
    protocol.write_text(template, encoding="utf-8")
    gitignore = root / ".gitignore"
    if not gitignore.exists():
        gitignore.write_text(GITIGNORE, encoding="utf-8")
    return InitResult(root=root, protocol=protocol, created=tuple(created))
