"""Dedupe on labelled pairs, where a set's records are not to be had but its hard pairs are.

`python -m tests.bench dedupe_pairs --pairs-dir DIR`: every subfolder of DIR holding bib-dedupe's
lists of the pairs it got wrong on a benchmark set (its repository keeps them under data/<set>/ for
sets whose records it does not store, e.g. neuroimaging, cardiac, depression, srsr):
`matches_FN_list.csv` (duplicates it missed: gold calls each pair one work) and
`matches_FP_list.csv` (pairs it merged that gold keeps apart). Two rows per pair share a `case`;
the fields are bib-dedupe's prepared ones (titles lower-cased, containers shortened, some DOIs and
author lists run together), so the outcome is read as a check for classes, not as set-level
recall. Each pair goes through `find_candidates` and `cluster` on its own, and the table counts
what became of it: merged, queued for a person, linked as related (by kind), kept apart as
distinct, or never compared. Their licences are their authors': the lists stay outside this
repository.
"""

from __future__ import annotations

import argparse
import csv
from collections import Counter
from pathlib import Path
from typing import Any

LISTS = {"FN": "matches_FN_list.csv", "FP": "matches_FP_list.csv"}
WANTED = {"FN": "merged or queued", "FP": "anything but merged"}


def record(row: dict[str, str], k: int) -> dict[str, Any]:
    """One prepared row as the record `prepare` reads (`author_full` split on " and ")."""
    names = row.get("author_full") or row.get("author") or ""
    year = (row.get("year") or "").split(".")[0]
    return {
        "id": k,
        "source": "pairs",
        "source_id": row.get("ID", str(k)),
        "title": row.get("title") or None,
        "authors": [a.strip() for a in names.split(" and ") if a.strip()] or None,
        "year": int(year) if year.isdigit() else None,
        "volume": row.get("volume") or None,
        "issue": row.get("number") or None,
        "pages": row.get("pages") or None,
        "doi": row.get("doi") or None,
        "journal": row.get("container_title") or row.get("journal") or None,
        "doc_type": row.get("ENTRYTYPE") or None,
    }


def outcome(rows: list[dict[str, str]]) -> str:
    """What dedupe makes of one pair on its own."""
    from review.dedupe.engine import cluster, find_candidates
    from review.dedupe.prepare import prepare

    prep = prepare([record(rows[0], 1), record(rows[1], 2)])
    found = find_candidates(prep)
    roots = cluster(prep, found).roots
    if roots[0] == roots[1]:
        return "merged"
    if not found:
        return "never compared"
    pair = found[0]
    return f"related:{pair.relation}" if pair.band == "related" else str(pair.band)


def pairs_of(path: Path) -> list[list[dict[str, str]]]:
    """The list's rows grouped by `case`; a case without exactly two rows is left out (counted)."""
    with path.open(encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f))
    cases: dict[str, list[dict[str, str]]] = {}
    for row in rows:
        cases.setdefault(row["case"], []).append(row)
    return list(cases.values())


def bench_folder(folder: Path) -> list[str]:
    """A table line per list in `folder`."""
    lines = []
    for kind, name in LISTS.items():
        path = folder / name
        if not path.is_file():
            continue
        tally = Counter(outcome(p) if len(p) == 2 else "not a pair" for p in pairs_of(path))
        text = ", ".join(f"{k} {v}" for k, v in tally.most_common()) or "no pairs"
        lines.append(f"{folder.name + ' ' + kind:<18} {sum(tally.values()):>5}  {text}")
    return lines


def main(shared: Path, argv: list[str]) -> None:
    parser = argparse.ArgumentParser(prog="python -m tests.bench dedupe_pairs")
    parser.add_argument("--pairs-dir", type=Path, action="append", default=[], help="folders of list folders")
    args, _ = parser.parse_known_args(argv)
    if not args.pairs_dir:
        print("no --pairs-dir given: nothing to measure (see this module's docstring)")
        return
    print(
        "FN: gold one work (wanted: " + WANTED["FN"] + "); FP: gold different (wanted: " + WANTED["FP"] + ")"
    )
    print(f"{'list':<18} {'pairs':>5}  outcomes")
    for base in args.pairs_dir:
        for folder in sorted(p for p in base.iterdir() if p.is_dir()):
            for line in bench_folder(folder):
                print(line, flush=True)
