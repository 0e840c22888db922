"""Proving predictions in the workflow: the estimate action, predictions beside measurements, and
prove jobs planned from a calibration (memory, po2 lowered or the case refused)."""

from __future__ import annotations

import math
import shutil
from pathlib import Path

import pytest

from zkprof import metrics
from zkprof.calibrate import load_calibration
from zkprof.calibration import CalibrationOp, calibration_input
from zkprof.paths import REPO_ROOT
from zkprof.predict import predict

from .test_workflow import EXAMPLES, run_metrics, snakemake

GUEST = str(REPO_ROOT / "native" / "guests" / "calibration")


def lcg_inputs(folder: Path, rounds: int) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / f"lcg_{rounds}.bin").write_bytes(calibration_input(CalibrationOp.LCG_ROUNDS, rounds))
    return folder


def test_estimate_action(tmp_path: Path, small_calibration: Path) -> None:
    shutil.copytree(EXAMPLES / "transfer", tmp_path / "tests" / "transfer")
    snakemake(tmp_path, action="estimate", calibration=str(small_calibration))
    df = run_metrics(tmp_path, "execute")
    ran = df[df["status"] == metrics.MATCHED]
    assert len(ran) >= 2
    calibration = load_calibration(small_calibration)
    for _, row in ran.iterrows():
        # For a job like this one: the row's own base RSS plus the calibrated zkVM part.
        expected = predict(row["segment_po2s"], calibration, row["base_rss_bytes"])
        assert row["predicted_prove_ms"] == pytest.approx(expected.predicted_prove_ms)
        assert row["predicted_peak_rss_bytes"] == expected.predicted_peak_rss_bytes
    estimate = (tmp_path / "results" / "estimate" / "estimate.md").read_text()
    assert "transfer" in estimate
    assert (tmp_path / "results" / "estimate" / "estimate.json").stat().st_size > 0
    # The estimate reuses the execute results: a plain execute run now has nothing to do.
    out = snakemake(tmp_path, calibration=str(small_calibration))
    assert not list((tmp_path / "results" / "execute" / "batches").glob(".*"))
    assert "run_cases" not in out.stdout + out.stderr


def test_prove_plan_lowers_po2_to_fit_and_refuses_what_cannot(
    tmp_path: Path, small_calibration: Path
) -> None:
    calibration = load_calibration(small_calibration)
    rss14 = predict([14], calibration).predicted_peak_rss_bytes
    rss15 = predict([15], calibration).predicted_peak_rss_bytes
    assert rss14 < rss15
    inputs = lcg_inputs(tmp_path / "inputs", 2_000)
    settings = {
        "action": "prove",
        "guest": GUEST,
        "inputs_dir": str(inputs),
        "segment_po2": 15,
        "calibration": str(small_calibration),
    }
    # Memory for a po2-14 proof but not a po2-15 one: the case is proved at 14, and says why.
    between = (rss14 + rss15) // 2 // 10**6
    out = snakemake(tmp_path, "--printshellcmds", prove_memory_mb=between, **settings)
    df = run_metrics(tmp_path, "prove")
    row = df.iloc[0]
    assert row["status"] == metrics.MATCHED, row["reason"]
    assert row["segment_po2"] == 14
    assert "po2 lowered from 15 to 14" in row["reason"]
    # The job asked for the predicted memory, 20% over.
    assert f"mem_mb={math.ceil(rss14 * 1.2 / 1e6)}," in out.stdout + out.stderr
    # The prediction is recorded beside the measurement: exactly what the model gives from this
    # calibration for the segments proved (its accuracy is the benchmark's to measure, not a test's:
    # it depends on how busy the machine was during the calibration and during the proof).
    assert row["prove_ms"] > 0
    expected = predict(row["segment_po2s"], calibration, row["base_rss_bytes"])
    assert row["predicted_prove_ms"] == pytest.approx(expected.predicted_prove_ms)
    assert row["predicted_peak_rss_bytes"] == expected.predicted_peak_rss_bytes

    # Memory for no po2 at all: refused, not run, with the reason.
    refused = tmp_path / "refused"
    snakemake(tmp_path, results_dir=str(refused / "results"), prove_memory_mb=10, **settings)
    df = run_metrics(refused, "prove")
    row = df.iloc[0]
    assert row["status"] == metrics.FAILED
    assert row["reason"].startswith("refused: no segment po2 from 14 to 15 fits")
    assert pd_isnull(row["prove_ms"])


def pd_isnull(value: object) -> bool:
    import pandas as pd

    return bool(pd.isna(value))
