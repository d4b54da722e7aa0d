"""Schema migrations as frozen SQL: every store, new or old, is built by the same steps in order.

Version 1 is the first schema, as the schema-1 models (git 66a4b94) created it: the SQL in
`review/data/schema/001_<dialect>.sql` (v001.py). Each later version is a list of steps, one concern each,
written in plain SQL per dialect when the version was made and never changed afterwards: a step
imports no model and no stage code, so upgrading an old store means what it meant when the step
was written, whatever the code has become since. `db.init_db` applies a version's steps and its
version bump in one transaction (tests/test_migrations.py checks the result against review/models/).

A later change adds a version as a module `vNNN.py` beside this one, with
`STEPS = (Step("what it does", ...), ...)`: it is found by its name, and SCHEMA_VERSION (the version
the models in review/models/ declare) is the highest found. A released version's steps are never
edited, renumbered or split: stores record the version they are at, so a version must keep meaning
what it meant.
"""

from __future__ import annotations

import importlib
import pkgutil

from review.migrations.steps import AddColumn, Statement, Step, both, state_checks


def _versions() -> dict[int, tuple[Step, ...]]:
    found = {}
    for module in pkgutil.iter_modules(__path__):
        if module.name[:1] == "v" and module.name[1:].isdigit():
            found[int(module.name[1:])] = importlib.import_module(f"{__name__}.{module.name}").STEPS
    if sorted(found) != list(range(1, len(found) + 1)):
        raise RuntimeError(f"Schema versions must run 1, 2, 3, ... without a gap: found {sorted(found)}.")
    return found


MIGRATIONS: dict[int, tuple[Step, ...]] = _versions()
SCHEMA_VERSION = max(MIGRATIONS)

__all__ = ["MIGRATIONS", "SCHEMA_VERSION", "AddColumn", "Statement", "Step", "both", "state_checks"]
