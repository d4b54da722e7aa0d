"""Import benchmark: `review import` of a 100,000-record file in every format, beside parsing alone.

Records are the real Cohen 2006 screening sets (title, abstract, authors, year), repeated with fresh
IDs up to --records and written in each format (RIS, BibTeX and CSV by our own writers; the others
here, in the shape each database writes). For each format, in the same run:

- bare parser: the third-party parser our reader wraps, alone (rispy, bibtexparser, csv, openpyxl,
  ElementTree, json); for nbib and Web of Science, which no package we use parses, our reader alone;
- import: `review.imports.run` into a new SQLite store (detect, decode, check, parse, store, log);
- reader: our reader alone (decode, check and parse, nothing stored);
- the ratios import / bare parser (the issue's bound: within 2x) and import / reader (what storing
  adds), and a re-import of the same file.

    python -m tests.bench imports --shared ../shared [--records 100000] [--formats ris,csv]
"""

from __future__ import annotations

import argparse
import csv
import functools
import io
import json
import tempfile
import textwrap
import time
import xml.etree.ElementTree as ET
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

from review.db import init_db, make_engine, session_scope
from review.formats import write_bibtex, write_csv, write_ris
from review.imports import ImportOptions
from review.imports import run as import_run

FORMATS = ("ris", "bibtex", "nbib", "wos", "csv", "xlsx", "endnote", "csljson")
SUFFIX = {"ris": ".ris", "bibtex": ".bib", "nbib": ".nbib", "wos": ".txt", "csv": ".csv", "xlsx": ".xlsx",
          "endnote": ".xml", "csljson": ".json"}  # fmt: skip


def load_rows(shared: Path, n: int) -> list[dict[str, Any]]:
    base: list[dict[str, Any]] = []
    for path in sorted((shared / "data" / "screening" / "cohen_2006").glob("*.csv")):
        with path.open(encoding="utf-8") as fh:
            for row in csv.DictReader(fh):
                base.append(
                    {
                        "title": row["title"],
                        "abstract": row["abstract"],
                        "authors": [a.strip() for a in row["authors"].split(";") if a.strip()],
                        "year": int(row["year"]) if row["year"].isdigit() else None,
                        "journal": "Journal of Benchmarks",
                        "volume": str(1 + len(base) % 40),
                        "pages": f"{len(base) % 300 + 1}-{len(base) % 300 + 12}",
                        "doc_type": "article",
                    }
                )
    return [{**base[i % len(base)], "id": f"C{i}", "doi": f"10.5555/bench.{i}"} for i in range(n)]


# --- files in each format ---------------------------------------------------------------------


def _wrapped(tag: str, value: str, pad: str) -> list[str]:
    lines = textwrap.wrap(value, 76) or [""]
    return [f"{tag}{lines[0]}", *(pad + line for line in lines[1:])]


def write_nbib(rows: Sequence[dict[str, Any]]) -> str:
    out: list[str] = []
    for row in rows:
        out += [f"PMID- {row['id'][1:]}", *_wrapped("TI  - ", row["title"], " " * 6)]
        out += _wrapped("AB  - ", row["abstract"] or "", " " * 6) if row["abstract"] else []
        out += [f"FAU - {a}" for a in row["authors"]]
        out += [f"DP  - {row['year'] or ''}", f"JT  - {row['journal']}", f"VI  - {row['volume']}"]
        out += [f"PG  - {row['pages']}", f"LID - {row['doi']} [doi]", ""]
    return "\n".join(out)


def write_wos(rows: Sequence[dict[str, Any]]) -> str:
    out = ["FN Clarivate Analytics Web of Science", "VR 1.0"]
    for row in rows:
        authors = row["authors"] or ["Anonymous"]
        out += ["PT J", f"AF {authors[0]}", *(f"   {a}" for a in authors[1:])]
        out += [*_wrapped("TI ", row["title"], "   "), f"SO {row['journal'].upper()}"]
        out += _wrapped("AB ", row["abstract"], "   ") if row["abstract"] else []
        out += [f"PY {row['year'] or ''}", f"VL {row['volume']}", f"DI {row['doi']}"]
        out += [f"UT WOS:{int(row['id'][1:]):015d}", "ER", ""]
    return "\n".join([*out, "EF"])


def _style(text: str) -> str:
    return f'<style face="normal" font="default" size="100%">{escape(text)}</style>'


def write_endnote(rows: Sequence[dict[str, Any]]) -> str:
    out = ['<?xml version="1.0" encoding="UTF-8" ?><xml><records>']
    for row in rows:
        authors = "".join(f"<author>{_style(a)}</author>" for a in row["authors"])
        out.append(
            f'<record><rec-number>{row["id"][1:]}</rec-number><ref-type name="Journal Article">17</ref-type>'
            f"<contributors><authors>{authors}</authors></contributors>"
            f"<titles><title>{_style(row['title'])}</title>"
            f"<secondary-title>{_style(row['journal'])}</secondary-title></titles>"
            f"<volume>{_style(row['volume'])}</volume><pages>{_style(row['pages'])}</pages>"
            f"<dates><year>{_style(str(row['year'] or ''))}</year></dates>"
            f"<electronic-resource-num>{_style(row['doi'])}</electronic-resource-num>"
            f"<abstract>{_style(row['abstract'] or '')}</abstract></record>"
        )
    return "\n".join([*out, "</records></xml>"])


def write_csljson(rows: Sequence[dict[str, Any]]) -> str:
    def person(name: str) -> dict[str, str]:
        family, _, given = name.partition(",")
        return {"family": family.strip(), "given": given.strip()}

    items = [
        {
            "id": row["id"],
            "type": "article-journal",
            "title": row["title"],
            "abstract": row["abstract"],
            "author": [person(a) for a in row["authors"]],
            "issued": {"date-parts": [[row["year"]]]} if row["year"] else None,
            "container-title": row["journal"],
            "volume": row["volume"],
            "page": row["pages"],
            "DOI": row["doi"],
        }
        for row in rows
    ]
    return json.dumps([{k: v for k, v in item.items() if v} for item in items], indent=2)


def write_xlsx(rows: Sequence[dict[str, Any]], path: Path) -> None:
    from openpyxl import Workbook

    book = Workbook(write_only=True)
    sheet = book.create_sheet("records")
    columns = ["id", "title", "abstract", "authors", "year", "journal", "volume", "pages", "doi"]
    sheet.append(["ID", "Title", "Abstract", "Authors", "Year", "Journal", "Volume", "Pages", "DOI"])
    for row in rows:
        sheet.append(["; ".join(row[c]) if c == "authors" else row[c] for c in columns])
    book.save(path)


def write_file(fmt: str, rows: Sequence[dict[str, Any]], path: Path) -> None:
    if fmt == "xlsx":
        write_xlsx(rows, path)
        return
    writers: dict[str, Callable[[Sequence[dict[str, Any]]], str]] = {
        "ris": write_ris, "bibtex": write_bibtex, "csv": write_csv, "nbib": write_nbib,
        "wos": write_wos, "endnote": write_endnote, "csljson": write_csljson,
    }  # fmt: skip
    path.write_text(writers[fmt](rows), encoding="utf-8")


# --- parsing alone --------------------------------------------------------------------------------


def bare_parser(fmt: str, path: Path) -> tuple[str, Callable[[], object]]:
    """The parser our reader wraps, alone, on the file (its name, and a call that parses)."""
    import rispy
    from bibtexparser.entrypoint import parse_string
    from openpyxl import load_workbook

    text = path.read_text(encoding="utf-8") if fmt != "xlsx" else ""
    if fmt in ("nbib", "wos"):
        return _own_reader(fmt, text)
    parsers: dict[str, tuple[str, Callable[[], object]]] = {
        "ris": ("rispy.loads", lambda: rispy.loads(text)),
        "bibtex": ("bibtexparser.parse_string", lambda: parse_string(text)),
        "csv": ("csv.DictReader", lambda: list(csv.DictReader(io.StringIO(text)))),
        "xlsx": ("openpyxl read-only rows", lambda: list(load_workbook(path, read_only=True).active.values)),
        "endnote": ("ElementTree.fromstring", lambda: ET.fromstring(text)),
        "csljson": ("json.loads", lambda: json.loads(text)),
    }
    return parsers[fmt]


def _own_reader(fmt: str, text: str) -> tuple[str, Callable[[], object]]:
    from review.formats import nbib, wos

    if fmt == "nbib":
        return "our nbib reader alone", lambda: nbib.parse_nbib(text, "b")
    return "our WoS reader alone", lambda: wos.parse_wos(text, "b")


def timed(fn: Callable[[], Any]) -> tuple[float, Any]:
    start = time.perf_counter()
    out = fn()
    return time.perf_counter() - start, out


def reader_alone(fmt: str, path: Path) -> Callable[[], object]:
    """Our reader on the file, without storing (decode and parse, as the import does)."""
    from review.imports.read import ReadOptions, read_file

    data = path.read_bytes()
    options = ReadOptions(fmt, id_column=ID_COLUMN.get(fmt))
    return lambda: read_file(data, path.name, "b", options)


ID_COLUMN = {"csv": "id", "xlsx": "ID"}  # the tables' own ID column, as a user would name it


def bench_format(fmt: str, rows: Sequence[dict[str, Any]], root: Path) -> tuple[str, ...]:
    path = root / f"bench{SUFFIX[fmt]}"
    write_file(fmt, rows, path)
    name, parse = bare_parser(fmt, path)
    t_bare, _ = timed(parse)
    t_reader, _ = timed(reader_alone(fmt, path))
    engine = make_engine(root / f"{fmt}.db")
    init_db(engine)
    options = ImportOptions(id_column=ID_COLUMN.get(fmt))
    times = []
    for _ in ("import", "re-import"):
        with session_scope(engine) as session:
            t, res = timed(
                functools.partial(
                    import_run, session, path, None, "b", sources_dir=root / fmt, options=options
                )
            )
        assert res.read == len(rows) and not res.refused and not res.repeated, (
            fmt,
            res.read,
            res.refused[:3],
        )
        times.append(t)
    engine.dispose()
    n, first = len(rows), times[0]
    return (fmt, f"{n:,}", name, f"{t_bare:.2f}", f"{t_reader:.2f}", f"{first:.2f}", f"{n / first:,.0f}",
            f"{first / t_bare:.2f}x", f"{first / t_reader:.2f}x", f"{times[1]:.2f}")  # fmt: skip


def main(shared: Path, argv: list[str]) -> None:
    parser = argparse.ArgumentParser(prog="bench imports")
    parser.add_argument("--records", type=int, default=100_000)
    parser.add_argument("--formats", default=",".join(FORMATS), help="comma-separated subset")
    args = parser.parse_args(argv)
    rows = load_rows(shared, args.records)
    header = ("format", "records", "bare parser", "bare s", "reader s", "import s", "import rec/s",
              "import/bare", "import/reader", "re-import s")  # fmt: skip
    table: list[tuple[str, ...]] = []
    with tempfile.TemporaryDirectory() as tmp:
        for fmt in args.formats.split(","):
            table.append(bench_format(fmt, rows, Path(tmp)))
            print(f"  {fmt}: done", flush=True)
    widths = [max(len(h), *(len(r[i]) for r in table)) for i, h in enumerate(header)]
    for line in (header, *table):
        print("  ".join(c.ljust(w) if i in (0, 2) else c.rjust(w) for i, (c, w) in
                        enumerate(zip(line, widths, strict=True))))  # fmt: skip


if __name__ == "__main__":
    cli = argparse.ArgumentParser(prog="python -m tests.bench.imports")
    cli.add_argument("--shared", type=Path, default=Path("..") / "shared")
    known, rest = cli.parse_known_args()
    main(known.shared, rest)
