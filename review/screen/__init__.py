"""The screen stage: protocol rules, queues by design, decisions, spreadsheets and progress.

- `rules.run(session, protocol, stage)`: automatic exclusions from the protocol's [rules];
- `assign.run(session, protocol, stage, reviewers)`: queues from the screening design;
- `decide.record` / `decide.undo` / `decide.add_note`: append-only decision events;
- `queue.build` / `queue.items`: a reviewer's queue and the cards to show;
- `sheets.export` / `sheets.import_file`: the CSV/XLSX round trip;
- `progress.run`: where each reviewer and the stage stand.
"""

from __future__ import annotations

from review.screen import assign, decide, progress, queue, rules, sheets

__all__ = ["assign", "decide", "progress", "queue", "rules", "sheets"]
