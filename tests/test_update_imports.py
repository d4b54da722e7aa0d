"""A later export of a source imported before is an update of that import: only new records are new."""

from __future__ import annotations

from pathlib import Path

from sqlmodel import Session, col, select

from review import imports, searchlog, versions
from review.models import SearchRun
from review.protocol import load_protocol
from review.report import update
from tests.conftest import ReviewRunner


def _ris(path: Path, titles: list[str]) -> Path:
    entries = [f"TY  - JOUR\nID  - r{i}\nTI  - {t}\nPY  - 2020\nER  - \n" for i, t in enumerate(titles)]
    path.write_text("\n".join(entries), encoding="utf-8")
    return path


def _import(session: Session, review_dir: Path, path: Path) -> imports.ImportResult:
    return imports.run(session, path, "ris", "scopus", sources_dir=review_dir / "sources")


def test_a_later_export_updates_the_earlier_import(
    session: Session, review_dir: Path, tmp_path: Path
) -> None:
    first = _import(session, review_dir, _ris(tmp_path / "a.ris", ["Family hubs", "Sure Start"]))
    assert first.update_of is None
    versions.close(session, load_protocol(review_dir), "v1", "reviewer1", root=review_dir)
    later = _ris(tmp_path / "b.ris", ["Family hubs", "Sure Start", "Start for Life"])
    second = _import(session, review_dir, later)
    assert (second.update_of, second.new, second.present) == (first.run_id, 1, 2)
    run = session.get(SearchRun, second.run_id)
    assert run is not None
    assert run.filters == {"update_of": first.run_id, "new": 1, "already_imported": 2}
    again = _import(session, review_dir, later)  # the same file again: the same run, not another update
    assert again.same_file and again.update_of is None and again.run_id == second.run_id
    runs = session.exec(select(SearchRun).order_by(col(SearchRun.id))).all()
    assert runs[0].filters is None and len(runs) == 2
    appendix = searchlog.render_markdown(searchlog.run(session))
    assert f"- Update of the import in search {first.run_id}: 1 records new, 2 already imported" in appendix
    since = versions.latest(session)
    assert since is not None
    found = update.compute(session, since)
    # Only the record new to the source is identified by the update; the two imported before are not.
    assert (found.identified, found.found_again) == (1, 0)
    assert [r.update_of for r in found.runs] == [first.run_id]


def test_version_close_cli_lists_what_still_waits(run: ReviewRunner, tmp_path: Path) -> None:
    imported = run("import", str(_ris(tmp_path / "a.ris", ["Family hubs"])), "--source", "scopus")
    assert imported.exit_code == 0, imported.output
    closed = run("version", "close", "v1", "--reviewer", "reviewer1")
    assert closed.exit_code == 0, closed.output
    assert "0 included studies" in closed.output
    assert "databases: 1 records or works still waiting" in closed.output
