"""The screen stage: protocol rules, queues by design, decisions, spreadsheets and progress.

- `rules.run(session, protocol, stage)`: automatic exclusions from the protocol's [rules];
- `assign.run(session, protocol, stage, reviewers)`: queues from the screening design;
- `decide.record` / `decide.undo` / `decide.add_note`: append-only decision events;
- `queue.build` / `queue.items`: a reviewer's queue and the cards to show;
- `sitting.Sitting`: one reviewer screening one stage (when to re-rank, the order basis, the next
  work), used alike by the terminal and the web; `card.card_text`: what a card shows;
- `sheets.export` / `sheets.import_file`: the CSV/XLSX round trip;
- `progress.run`: where each reviewer and the stage stand.
"""

from __future__ import annotations

from review.screen import assign, decide, progress, queue, rules, sheets

__all__ = ["assign", "decide", "progress", "queue", "rules", "sheets"]
