"""Prioritisation metrics on known orders, the simulation, and `review screen simulate`."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from review.errors import InputError
from review.screen import metrics, simulate
from review.screen.rank import MODEL_TEXT

SAMPLE = Path(__file__).parent / "data" / "screen" / "donners_2021_sample.csv"


def test_metrics_on_a_known_order() -> None:
    # 20 records, 4 includes at positions 1, 2, 5 and 16
    order = [1, 1, 0, 0, 1] + [0] * 10 + [1] + [0] * 4
    m = metrics.evaluate(order)
    assert (m.records, m.includes) == (20, 4)
    assert m.n95 == m.n100 == 16  # 95% of 4 includes is all 4
    assert m.wss95 == pytest.approx((20 - 16) / 20 - 0.05)
    assert m.rrf10 == pytest.approx(2 / 4)  # the first 2 records (10%) hold 2 includes
    assert metrics.records_to_recall(order, 0.5) == 2


def test_wss_of_a_perfect_order_and_loss_bounds() -> None:
    perfect = [1] * 20 + [0] * 380
    assert metrics.records_to_recall(perfect, 0.95) == 19
    assert metrics.wss(perfect) == pytest.approx((400 - 19) / 400 - 0.05)
    assert metrics.loss(perfect) == pytest.approx(0.0)
    assert metrics.loss(perfect[::-1]) == pytest.approx(1.0)


def test_metrics_need_both_classes() -> None:
    with pytest.raises(ValueError, match="include and one exclude"):
        metrics.evaluate([0, 0, 0])


def test_read_labelled_csv_accepts_common_label_spellings(tmp_path: Path) -> None:
    path = tmp_path / "s.csv"
    path.write_text("title,abstract,lab\nA,x,yes\nB,,Exclude\nC,y,1.0\nD,z,FALSE\n", encoding="utf-8")
    data = simulate.read_labelled_csv(path, "lab")
    assert data.labels == (1, 0, 1, 0)
    assert data.texts[1] == "B "


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("title,abstract,lab\nA,x,1\nB,y,\n", "line 3"),
        ("title,abstract,lab\nA,x,1\nB,y,perhaps\n", "'perhaps'"),
        ("title,abstract,lab\nA,x,1\nB,y,1\n", "at least one include and one exclude"),
        ("name,abstract,lab\nA,x,1\nB,y,0\n", "no column 'title'"),
    ],
)
def test_read_labelled_csv_errors_say_what_to_fix(tmp_path: Path, content: str, message: str) -> None:
    path = tmp_path / "bad.csv"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(InputError, match=message):
        simulate.read_labelled_csv(path, "lab")


def test_simulation_beats_random_on_a_real_sample() -> None:
    data = simulate.read_labelled_csv(SAMPLE, "label_included")
    result = simulate.simulate(data, seed=1, random_runs=5)
    labels = np.asarray(data.labels)
    assert labels[result.prior[0]] == 1 and labels[result.prior[1]] == 0
    assert result.order[:2] == result.prior
    assert sorted(result.order) == list(range(len(labels)))  # every record screened once
    assert result.ranked.records == 100 and result.ranked.includes == 15
    assert result.ranked.wss95 > result.random["wss95"]
    assert result.ranked.n100 < result.random["n100"]


def test_same_seed_same_result_other_seed_other_start() -> None:
    data = simulate.read_labelled_csv(SAMPLE, "label_included")
    labels = np.asarray(data.labels)
    assert simulate.seeded_start(labels, 3) == simulate.seeded_start(labels, 3)
    starts = {simulate.seeded_start(labels, s) for s in range(10)}
    assert len(starts) > 1


def test_large_sets_retrain_in_growing_batches() -> None:
    assert simulate.batch_size(500, simulate.EVERY_DECISION_MAX) == 1
    assert simulate.batch_size(10, 50_000) == 1
    assert simulate.batch_size(1000, 50_000) == 20
    assert "every decision" in simulate.retrain_text(1000)
    assert "2%" in simulate.retrain_text(50_000)


def test_cli_simulate_json_has_the_documented_keys(run) -> None:
    result = run(
        "screen", "simulate", str(SAMPLE), "--label-column", "label_included", "--json", "--seed", "1"
    )
    assert result.exit_code == 0, result.output
    out = json.loads(result.output)
    assert {"records", "includes", "wss95", "rrf10", "n95", "n100", "random"} <= set(out)
    assert {"wss95", "rrf10", "n95", "n100"} <= set(out["random"])
    assert (out["records"], out["includes"]) == (100, 15)


def test_cli_simulate_table_and_errors(run, tmp_path: Path) -> None:
    result = run("screen", "simulate", str(SAMPLE), "--label-column", "label_included")
    assert result.exit_code == 0, result.output
    assert "WSS@95" in result.output and "random" in result.output
    # the model simulated is named in full, wrapped to the terminal
    assert " ".join(result.output.split()).endswith(f"model: {MODEL_TEXT}.")
    assert max(len(line) for line in result.output.splitlines()) <= 80
    result = run("screen", "simulate", str(SAMPLE), "--label-column", "nope")
    assert result.exit_code == 1
    assert "Error:" in result.stderr and "--label-column" in result.stderr
    result = run("screen", "simulate", str(tmp_path / "missing.csv"), "--label-column", "x")
    assert result.exit_code == 2
