"""Proving predictions in the reports: the prediction check of a prove run (report.md section,
summary line, Bencher measures, plot) and the estimate report of an execute run."""

from __future__ import annotations

import json
import struct
from pathlib import Path

import pytest

from tests.report_fixtures import (
    calibration_doc,
    estimate_rows,
    native_rows,
    predicted,
    prediction_rows,
)
from zkprof.metrics import write_rows
from zkprof.report.bencher import MAX_MEASURE_CHARS, PREDICTION_ERROR_SUFFIX
from zkprof.report.estimate_report import estimate_suite, write_estimate
from zkprof.report.fmt import format_bytes, format_duration
from zkprof.report.load import ReportInputError, load_run
from zkprof.report.pipeline import write_reports
from zkprof.report.plots import PLOT_FILES, PREDICTION_PLOT
from zkprof.report.predictions import check_predictions

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def png_size(path: Path) -> tuple[int, int]:
    data = path.read_bytes()
    assert data.startswith(PNG_MAGIC)
    width, height = struct.unpack(">II", data[16:24])  # the IHDR chunk comes first
    return width, height


def write_run(rows: list[dict], folder: Path) -> Path:
    path = folder / "metrics.parquet"
    write_rows(rows, path)
    return path


# --- the prediction check ---------------------------------------------------------------------


def test_two_errors_give_their_mean_as_median(tmp_path: Path) -> None:
    # +10% and -20%: median |error| 15%, bias (median signed error) -5%, worst -20%.
    path = write_run(prediction_rows()[:2], tmp_path)
    check = check_predictions(load_run(path))
    assert check is not None
    assert check.cases == 2
    time = check.error("prove_ms")
    assert time is not None
    assert time.cases == 2
    assert time.median_abs_pct == pytest.approx(15.0)
    assert time.median_pct == pytest.approx(-5.0)
    assert time.worst_pct == pytest.approx(-20.0)
    assert (time.worst_case, time.worst_predicted, time.worst_measured) == ("arith_2", 1600, 2000)


def test_check_over_proved_cases_only(tmp_path: Path) -> None:
    # See prediction_rows: the failed case is never compared, the mismatched one is.
    check = check_predictions(load_run(write_run(prediction_rows(), tmp_path)))
    assert check is not None
    assert check.cases == 3
    expected = {
        # metric: cases, median |error|, bias, worst, worst case
        "prove_ms": (3, 20.0, 10.0, 30.0, "calls_1"),
        "peak_rss_bytes": (3, 10.0, 10.0, 50.0, "calls_1"),
        "receipt_bytes": (2, 5.0, 5.0, 10.0, "arith_2"),
    }
    assert [e.metric for e in check.errors] == list(expected)
    for metric, (cases, median_abs, bias, worst, case_id) in expected.items():
        error = check.error(metric)
        assert error is not None
        assert error.cases == cases
        assert error.median_abs_pct == pytest.approx(median_abs)
        assert error.median_pct == pytest.approx(bias)
        assert error.worst_pct == pytest.approx(worst)
        assert error.worst_case == case_id


def test_execute_rows_are_not_compared(tmp_path: Path) -> None:
    # An execute row's peak RSS is of executing, not proving: beside a proving prediction it would
    # read as a huge error.
    rows = [
        predicted(
            "arith",
            "a",
            action="execute",
            prove_ms=None,
            predicted_prove_ms=1000.0,
            peak_rss_bytes=10**8,
            predicted_peak_rss_bytes=10**9,
        )
    ]
    assert check_predictions(load_run(write_run(rows, tmp_path))) is None


def test_report_files_with_predictions(tmp_path: Path) -> None:
    out = tmp_path / "report"
    paths = write_reports(write_run(prediction_rows(), tmp_path / "prove"), out)
    assert [p.name for p in paths] == ["report.md", "bencher.json", "summary.md", *PLOT_FILES]

    report = (out / "report.md").read_text()
    section = report.split("## Prediction check\n", 1)[1].split("\n## ", 1)[0]
    assert report.index("## Proving time estimate") < report.index("## Prediction check")
    assert report.index("## Prediction check") < report.index("## Cases by status")
    assert section.startswith("\n3 proved cases (matched or mismatched) have a prediction")
    table_lines = [line for line in section.splitlines() if line.startswith("| ")]
    assert table_lines == [
        "| measurement | unit | cases | median abs. error | bias (median error) | worst error "
        "| worst case | predicted | measured |",
        "| proving time (`prove_ms`) | ms | 3 | 20.0% | +10.0% | +30.0% | calls_1 | 5.20 s | 4.00 s |",
        "| peak RSS (`peak_rss_bytes`) | bytes | 3 | 10.0% | +10.0% | +50.0% | calls_1 "
        "| 1.40 GiB | 954 MiB |",
        "| receipt bytes (`receipt_bytes`) | bytes | 2 | 5.0% | +5.0% | +10.0% | arith_2 "
        "| 269 KiB | 244 KiB |",
    ]

    summary = (out / "summary.md").read_text()
    assert summary.endswith(
        "\n\nPrediction check of **prove** (3 proved cases), median absolute error: "
        "proving time 20.0%, peak RSS 10.0%, receipt bytes 5.0%.\n"
    )

    doc = json.loads((out / "bencher.json").read_text())
    measures = {
        name: value["value"]
        for name, value in doc["prove"].items()
        if name.endswith(PREDICTION_ERROR_SUFFIX)
    }
    assert measures == pytest.approx(
        {
            f"prove_ms{PREDICTION_ERROR_SUFFIX}": 20.0,
            f"peak_rss_bytes{PREDICTION_ERROR_SUFFIX}": 10.0,
            f"receipt_bytes{PREDICTION_ERROR_SUFFIX}": 5.0,
        }
    )
    assert all(len(name) <= MAX_MEASURE_CHARS for name in measures)
    # The run's measures only: groups have none.
    assert not any(
        name.endswith(PREDICTION_ERROR_SUFFIX) for bench in ("prove::arith", "prove::calls")
        for name in doc[bench]
    )  # fmt: skip

    # A scatter plot, not the one-line message (which is a short, wide image).
    width, height = png_size(out / PREDICTION_PLOT)
    assert height > 400 and height > width * 0.8


def test_reports_without_predictions_are_unchanged(tmp_path: Path) -> None:
    # No predicted_* values: no section, no summary line, no measure; the plot says so.
    out = tmp_path / "report"
    write_reports(write_run(native_rows(), tmp_path / "prove"), out)
    assert "Prediction check" not in (out / "report.md").read_text()
    assert "Prediction check" not in (out / "summary.md").read_text()
    assert PREDICTION_ERROR_SUFFIX not in (out / "bencher.json").read_text()
    width, height = png_size(out / PREDICTION_PLOT)
    assert height < 300 and width > 2 * height


def test_predictions_of_cases_that_failed_only(tmp_path: Path) -> None:
    out = tmp_path / "report"
    write_reports(write_run(prediction_rows()[3:], tmp_path / "prove"), out)
    assert "Prediction check" not in (out / "report.md").read_text()
    _, height = png_size(out / PREDICTION_PLOT)
    assert height < 300


# --- the estimate report ----------------------------------------------------------------------


def test_estimate_numbers(tmp_path: Path) -> None:
    # estimate_rows on 2 provers. arith: 60 + 120 + 180 s = 360 s; longest 180 s; on 2 provers
    # 180 | 120 + 60. All: 9000 s; longest 8640 s; on 2 provers 8640 + 60 | 180 + 120 -> 8700 s.
    path = write_run(estimate_rows(), tmp_path / "execute")
    estimate = estimate_suite(path, provers=2, calibration=calibration_doc())
    arith, calls = estimate.groups
    assert (arith.sequential_s, arith.unbounded_s, arith.bounded_s) == (360.0, 180.0, 180.0)
    assert (calls.sequential_s, calls.unbounded_s, calls.bounded_s) == (8640.0, 8640.0, 8640.0)
    total = estimate.total
    assert (total.sequential_s, total.unbounded_s, total.bounded_s) == (9000.0, 8640.0, 8700.0)
    assert (total.cases, total.predicted_cases) == (6, 4)
    assert (calls.cases, calls.predicted_cases) == (3, 1)
    # Equal peaks (arith_2, arith_3): the smaller case id.
    assert (total.peak_rss_bytes, total.peak_rss_case) == (3 * 10**9, "arith_2")
    assert total.receipt_bytes == 2_000_000
    assert estimate.predicted_by_status == {"matched": 3, "mismatched": 1}
    assert estimate.without_by_status == {"failed": 1, "skipped": 1}
    assert estimate.segments_by_po2 == {18: 1, 16: 4, 14: 2, 13: 2}
    # Calibrated: 14 and 16. po2 13 in arith_1 and arith_3, po2 18 in calls_1.
    assert estimate.extrapolated_po2s == {13: 2, 18: 1}


def test_estimate_files(tmp_path: Path) -> None:
    path = write_run(estimate_rows(), tmp_path / "execute")
    out = tmp_path / "estimate"
    paths = write_estimate(path, out, provers=2, calibration=calibration_doc())
    assert paths == [out / "estimate.md", out / "estimate.json"]

    doc = json.loads((out / "estimate.json").read_text())
    assert doc["provers"] == 2
    assert doc["cases"] == {
        "total": 6,
        "predicted": 4,
        "predicted_by_status": {"matched": 3, "mismatched": 1},
        "without_prediction_by_status": {"failed": 1, "skipped": 1},
    }
    assert doc["total"] == {
        "cases": 6,
        "predicted_cases": 4,
        "sequential_s": 9000.0,
        "unbounded_s": 8640.0,
        "bounded_s": 8700.0,
        "peak_rss_bytes": 3_000_000_000,
        "peak_rss_case": "arith_2",
        "receipt_bytes": 2_000_000,
    }
    assert doc["groups"]["arith"]["bounded_s"] == 180.0
    assert doc["extrapolated_po2s"] == {"13": 2, "18": 1}
    assert doc["machine"]["cpu_model"] == "Test CPU 9000"
    assert doc["machine"]["threads"] == 2

    md = (out / "estimate.md").read_text()
    assert "Cases: 4 with predictions (3 matched, 1 mismatched); 2 without, left out " in md
    assert "(1 failed, 1 skipped)." in md
    assert (
        "Machine: Test CPU 9000 (2 logical cores, 1.86 GiB memory) on host `prover-1`; 2 proving "
        "threads, risc0 3.0.3, calibrated 2025-01-02T03:04:05Z. The predictions assume this machine"
    ) in md
    # 3 GB predicted against 2 GB of memory.
    assert "exceeds this machine's memory (1.86 GiB)" in md
    assert "| group | cases | sequential | unbounded provers | 2 provers |" in md
    assert "| **Total** | 4 of 6 | 2.50 h | 2.40 h | 2.42 h | 2.79 GiB | 1.91 MiB |" in md
    assert "| arith | 3 of 3 | 6.00 min | 3.00 min | 3.00 min | 2.79 GiB | 732 KiB |" in md
    assert "| calls | 1 of 3 | 2.40 h | 2.40 h | 2.40 h | 2.33 GiB | 1.19 MiB |" in md
    assert "Largest predicted peak RSS: 2.79 GiB (case `arith_2`, group arith)" in md
    assert "Receipts (composite): 1.91 MiB in all, 488 KiB a case on average." in md
    assert "Segments to prove: 9 (po2 18: 1, po2 16: 4, po2 14: 2, po2 13: 2)." in md
    assert "did not measure po2 13 (2 cases), po2 18 (1 case);" in md


def test_estimate_without_calibration(tmp_path: Path) -> None:
    # The predictions are in the rows: without the calibration the machine and the extrapolated
    # po2s are unknown, and said to be.
    path = write_run(estimate_rows(), tmp_path / "execute")
    write_estimate(tmp_path / "execute", tmp_path / "out", provers=32)
    doc = json.loads((tmp_path / "out" / "estimate.json").read_text())
    assert doc["machine"] is None and doc["extrapolated_po2s"] is None
    assert doc["metrics"] == str(path)
    md = (tmp_path / "out" / "estimate.md").read_text()
    assert "Machine: no calibration given here" in md
    assert "Extrapolated" not in md and "exceeds" not in md
    assert "| **Total** | 4 of 6 | 2.50 h | 2.40 h | 2.40 h |" in md


def test_estimate_reads_the_calibration_leniently(tmp_path: Path) -> None:
    path = write_run(estimate_rows(), tmp_path / "execute")
    bare = calibration_doc(hardware="?", threads=None)
    del bare["created"]
    estimate = estimate_suite(path, provers=2, calibration=bare)
    assert estimate.machine is not None
    assert estimate.machine.cpu_model is None and estimate.machine.threads is None
    assert estimate.machine.risc0_version == "3.0.3"
    write_estimate(path, tmp_path / "out", provers=2, calibration=bare)
    md = (tmp_path / "out" / "estimate.md").read_text()
    assert "Machine: an unnamed CPU; risc0 3.0.3. The predictions assume this machine" in md
    # A calibration predictions cannot use: no extrapolation note rather than no report.
    estimate = estimate_suite(path, provers=2, calibration={"schema": "other"})
    assert estimate.extrapolated_po2s is None


@pytest.mark.parametrize(
    "rows",
    [native_rows(action="execute"), [r for r in estimate_rows() if r["status"] == "failed"]],
    ids=["no predictions", "only a failed case"],
)
def test_estimate_refuses_a_run_without_predictions(tmp_path: Path, rows: list[dict]) -> None:
    path = write_run(rows, tmp_path / "execute")
    with pytest.raises(ReportInputError, match="run with a calibration") as err:
        write_estimate(path, tmp_path / "out", provers=2)
    assert str(err.value).startswith(f"{path}: no case has proving predictions")
    assert not (tmp_path / "out").exists()


def test_human_units() -> None:
    assert format_duration(42) == "42.0 s"
    assert format_duration(90) == "1.50 min"
    assert format_duration(9000) == "2.50 h"
    assert format_duration(3 * 86400) == "72.0 h (3.00 days)"
    assert format_bytes(512) == "512 B"
    assert format_bytes(1500) == "1.46 KiB"
    assert format_bytes(2_000_000) == "1.91 MiB"
    assert format_bytes(12_345_000_000) == "11.5 GiB"
