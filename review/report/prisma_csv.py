"""The PRISMA flow counts as the CSV the PRISMA2020 R package reads (`PRISMA_data()`).

Columns and row keys follow the package's template (inst/extdata/PRISMA.csv): data, node, box,
description, boxtext, tooltips, url, n. Reasons go in `n` as "Reason, n; Reason, n".
The package's other-methods arm has no screening boxes: works found only by other methods
that were removed as duplicates or excluded at title/abstract appear in our SVG and methods text,
not in this file.
"""

from __future__ import annotations

import re

from review.formats.csvfile import write_csv
from review.report.prisma import ArmCounts, PrismaCounts, source_label

SEPARATORS = re.compile(r"\s*[,;]\s*")
COLUMNS = ("data", "node", "box", "description", "boxtext", "tooltips", "url", "n")
# (data, node, box, boxtext, how the description extends boxtext): the package's rows, in its order.
ROWS = (
    ("previous_studies", "node5", "box1", "Studies included in previous version of review", ""),
    ("previous_reports", "NA", "box1", "Reports of studies included in previous version of review", ""),
    ("database_results", "node7", "box2", "Databases", "from"),
    ("database_specific_results", "NA", "box2", "Specific Databases", "from"),
    ("register_results", "NA", "box2", "Registers", "from"),
    ("website_results", "node17", "box11", "Websites", "from"),
    ("organisation_results", "NA", "box11", "Organisations", "from"),
    ("citations_results", "NA", "box11", "Citation searching", "from"),
    ("duplicates", "node8", "box3", "Duplicate records", ""),
    ("excluded_automatic", "NA", "box3", "Records marked as ineligible by automation tools", ""),
    ("excluded_other", "NA", "box3", "Records removed for other reasons", ""),
    ("records_screened", "node9", "box4", "Records screened", "dbr"),
    ("records_excluded", "node10", "box5", "Records excluded", "dbr"),
    ("dbr_sought_reports", "node11", "box6", "Reports sought for retrieval", "dbr"),
    ("dbr_notretrieved_reports", "node12", "box7", "Reports not retrieved", "dbr"),
    ("other_sought_reports", "node18", "box12", "Reports sought for retrieval", "other"),
    ("other_notretrieved_reports", "node19", "box13", "Reports not retrieved", "other"),
    ("dbr_assessed", "node13", "box8", "Reports assessed for eligibility", "dbr"),
    ("dbr_excluded", "node14", "box9", "Reports excluded", "dbr"),
    ("other_assessed", "node20", "box14", "Reports assessed for eligibility", "other"),
    ("other_excluded", "node21", "box15", "Reports excluded", "other"),
    ("new_studies", "node15", "box10", "New studies included in review", ""),
    ("new_reports", "NA", "box10", "Reports of new included studies", ""),
    ("total_studies", "node22", "box16", "Total studies included in review", ""),
    ("total_reports", "NA", "box16", "Reports of total included studies", ""),
)
_DESCRIBE = {
    "": "{}",
    "from": "Records identified from: {}",
    "dbr": "{} (databases and registers)",
    "other": "{} (other)",
}


def values(c: PrismaCounts, previous: int = 0) -> dict[str, str]:
    """The `n` of every row; `previous` is the studies of the previous version (an update's diagram)."""
    db, other = c.databases, c.other
    return {
        "previous_studies": str(previous),
        "previous_reports": str(previous),
        "database_results": str(db.records),
        "database_specific_results": pairs({source_label(k): v for k, v in db.identified.items()}),
        "register_results": "0",
        "website_results": str(other.kinds["websites"]),
        "organisation_results": str(other.kinds["organisations"]),
        "citations_results": str(other.kinds["citations"]),
        "duplicates": str(db.duplicates),
        "excluded_automatic": str(db.automation),
        "excluded_other": "0",
        "records_screened": str(db.screened),
        "records_excluded": str(db.excluded),
        "dbr_sought_reports": str(db.sought),
        "dbr_notretrieved_reports": str(db.not_retrieved_total),
        "other_sought_reports": str(other.sought),
        "other_notretrieved_reports": str(other.not_retrieved_total),
        "dbr_assessed": str(db.assessed),
        "dbr_excluded": _reasons(db, c.reason_texts),
        "other_assessed": str(other.assessed),
        "other_excluded": _reasons(other, c.reason_texts),
        "new_studies": str(c.included),
        "new_reports": str(c.included),
        "total_studies": str(previous + c.included),
        "total_reports": str(previous + c.included),
    }


def pairs(found: dict[str, int]) -> str:
    """ "Name, n; Name, n" as the package splits it (commas inside names would split it wrongly)."""
    return "; ".join(f"{SEPARATORS.sub(' ', k)}, {n}" for k, n in found.items())


def _reasons(arm: ArmCounts, texts: dict[str, str]) -> str:
    named = {
        f"{code} {texts[code]}" if code in texts else code: n for code, n in arm.excluded_reports.items()
    }
    return pairs(named) or "0"


def to_csv(c: PrismaCounts, previous: int = 0) -> str:
    """The CSV text, one row per box (with `previous`, the update diagram's: see `values`)."""
    n = values(c, previous)
    rows = []
    for data, node, box, boxtext, how in ROWS:
        desc = _DESCRIBE[how].format(boxtext)
        rows.append({"data": data, "node": node, "box": box, "description": desc, "boxtext": boxtext})
        rows[-1].update({"tooltips": desc, "url": f"{data}.html", "n": n[data]})
    return write_csv(rows, COLUMNS)
