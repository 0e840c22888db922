"""Aggregation and proving-time estimates, against hand-computed numbers and pandas."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from tests.report_fixtures import native_rows
from zkprof.metrics import write_rows
from zkprof.report.aggregate import STATS, TOTAL, aggregate_run, grouped_stats, natural_key
from zkprof.report.estimate import (
    bounded_makespan,
    grouped_estimates,
    round_robin_makespan,
    snake_provers,
)
from zkprof.report.load import ReportInputError, load_run


@pytest.fixture
def run_dir(tmp_path: Path) -> Path:
    write_rows(native_rows(), tmp_path / "results" / "prove" / "metrics.parquet")
    return tmp_path / "results"


def test_group_stats_by_hand(run_dir: Path) -> None:
    agg = aggregate_run(load_run(run_dir), provers=2)
    assert agg.groups == ["arith", "calls"]
    # arith cycles 1000, 2000, 3000: p90 = 2000 + 0.8 * 1000 (linear interpolation)
    assert [agg.stat("arith", "total_cycles", s) for s in STATS] == [
        3,
        6000,
        2000,
        2000,
        2800,
        1000,
        1000,
        3000,
    ]
    # calls: the failed and skipped cases are counted, never aggregated
    assert agg.stat("calls", "total_cycles", "count") == 2
    assert agg.stat("calls", "total_cycles", "sum") == 10000
    assert agg.stat(TOTAL, "total_cycles", "sum") == 16000
    assert agg.stat(TOTAL, "total_cycles", "median") == 3000
    assert agg.counts.loc["calls"].to_dict() == {
        "matched": 2,
        "mismatched": 0,
        "skipped": 1,
        "failed": 1,
        "total": 4,
    }
    assert agg.counts.loc[TOTAL, "total"] == 7


def test_estimates_by_hand(run_dir: Path) -> None:
    agg = aggregate_run(load_run(run_dir), provers=2)
    est = agg.estimates
    # all cases: 6, 4, 3, 2, 1 s; snake on 2 provers: [6, 1] and [4, 3] then 2 -> prover 1 = [4, 3, 2]
    assert est.loc[TOTAL].tolist() == [16.0, 6.0, 9.0]
    # arith: 3, 2, 1 -> [3] [2] then round 1 snakes back to prover 1: [2, 1] -> 3
    assert est.loc["arith"].tolist() == [6.0, 3.0, 3.0]
    assert est.loc["calls"].tolist() == [10.0, 6.0, 6.0]


def test_snake_deal() -> None:
    assert snake_provers(np.arange(7), 3).tolist() == [0, 1, 2, 2, 1, 0, 0]
    assert bounded_makespan(np.array([5.0, 4, 3, 3, 2, 1, np.nan]), 3) == 6.0  # [5,1] [4,2] [3,3]
    assert bounded_makespan(np.array([]), 4) == 0.0
    # within one longest job of the ideal, whatever the durations
    rng = np.random.default_rng(3)
    jobs = rng.lognormal(0, 1, 1000)
    assert jobs.sum() / 8 <= bounded_makespan(jobs, 8) <= jobs.sum() / 8 + jobs.max()
    # only the multiset counts: the order of the input does not change the result
    assert bounded_makespan(jobs, 8) == bounded_makespan(jobs[::-1].copy(), 8)


def test_grouped_estimates_match_per_group() -> None:
    rng = np.random.default_rng(5)
    d = rng.lognormal(0, 1, 500)
    codes = rng.integers(0, 4, 500)
    seq, unb, bnd = grouped_estimates(d, codes, 4, 5)
    for g in range(4):
        assert seq[g] == pytest.approx(d[codes == g].sum())
        assert unb[g] == d[codes == g].max()
        assert bnd[g] == pytest.approx(bounded_makespan(d[codes == g], 5))


def test_round_robin_is_openvm_profs() -> None:
    assert round_robin_makespan([0.09, 0.1, 0.05], 2) == pytest.approx(0.14)
    assert round_robin_makespan([1.0, 2.0], 10) == 2.0
    assert round_robin_makespan([], 3) == 0.0


def test_grouped_stats_match_pandas() -> None:
    rng = np.random.default_rng(11)
    values = rng.normal(size=2000)
    values[rng.random(2000) < 0.1] = np.nan
    codes = rng.integers(0, 9, 2000)
    codes[codes == 4] = 5  # an empty group
    out = grouped_stats(values, codes, 9)
    g = pd.DataFrame({"v": values, "c": codes}).groupby("c")["v"]
    expected = pd.DataFrame(
        {"count": g.count(), "sum": g.sum(), "mean": g.mean(), "median": g.median(),
         "p90": g.quantile(0.9), "std": g.std(), "min": g.min(), "max": g.max()}
    )  # fmt: skip
    assert np.allclose(out[expected.index.to_numpy()], expected.to_numpy())
    assert out[4, 0] == 0 and np.isnan(out[4, 1:]).all()


def test_natural_group_order() -> None:
    names = ["internal.10", "internal.2", "app", "internal.1"]
    assert sorted(names, key=natural_key) == ["app", "internal.1", "internal.2", "internal.10"]


def test_group_by_two_labels(tmp_path: Path) -> None:
    rows = native_rows()
    for i, row in enumerate(rows):
        row["fork"] = "Cancun" if i % 2 else "Prague"
    write_rows(rows, tmp_path / "m.parquet")
    agg = aggregate_run(
        load_run(tmp_path / "m.parquet", group_by=("group", "fork")), ("group", "fork")
    )
    assert agg.groups == ["arith/Cancun", "arith/Prague", "calls/Cancun", "calls/Prague"]
    assert agg.stat("arith/Prague", "total_cycles", "sum") == 4000


def test_input_errors(tmp_path: Path) -> None:
    with pytest.raises(ReportInputError, match="no such"):
        load_run(tmp_path / "missing")
    write_rows(native_rows(), tmp_path / "r" / "execute" / "metrics.parquet")
    write_rows(native_rows(), tmp_path / "r" / "prove" / "metrics.parquet")
    with pytest.raises(ReportInputError, match="holds runs for execute, prove"):
        load_run(tmp_path / "r")
    assert load_run(tmp_path / "r", action="execute").source.parent.name == "execute"
    with pytest.raises(ReportInputError, match="no column nope"):
        load_run(tmp_path / "r" / "prove", group_by=("nope",))


def test_benchmark_runs_on_a_small_table() -> None:
    from zkprof.report.bench import bench_report_million_rows

    text = bench_report_million_rows(rows=5000)
    assert "| one run | 5,000 |" in text
