"""Predictions against measurements: how far the calibration's proving predictions (`predicted_*`,
zkprof/predict.py) were from the proofs then measured, over a run's proved cases.

The error of a case is predicted / measured - 1, in percent: positive when the prediction was too
high. Per measurement: the median absolute error (how far off a typical case is), the median signed
error (the bias) and the worst case.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from zkprof import metrics
from zkprof.report.load import Run
from zkprof.report.metrics_catalog import PREDICTED_METRICS

# How each predicted measurement is named in report text.
PREDICTION_LABELS: dict[str, str] = {
    "prove_ms": "proving time",
    "peak_rss_bytes": "peak RSS",
    "receipt_bytes": "receipt bytes",
}
# Only rows of a proof describe what was predicted: an execute row has a peak RSS too, of executing.
PROVE_ACTION = "prove"
PROVED_STATUSES = (metrics.MATCHED, metrics.MISMATCHED)


@dataclass(frozen=True)
class PredictionError:
    metric: str  # the measured column; its prediction is PREDICTED_METRICS[metric]
    cases: int  # proved cases with both values
    median_abs_pct: float
    median_pct: float  # signed: > 0 when predictions run high
    worst_pct: float  # signed error of the case with the largest absolute error
    worst_case: str
    worst_predicted: float
    worst_measured: float

    @property
    def label(self) -> str:
        return PREDICTION_LABELS.get(self.metric, self.metric)


@dataclass(frozen=True)
class PredictionCheck:
    cases: int  # proved cases with at least one prediction and its measurement
    errors: tuple[PredictionError, ...]  # PREDICTED_METRICS order, those with any pair

    def error(self, metric: str) -> PredictionError | None:
        return next((e for e in self.errors if e.metric == metric), None)


def proved_rows(run: Run) -> np.ndarray:
    """Per row: a proof that ran to the end (prove action, matched or mismatched)."""
    names = run.table.column_names
    if "action" not in names or "status" not in names:
        return np.zeros(run.table.num_rows, dtype=bool)
    proved = pc.and_(
        pc.equal(run.strings("action"), PROVE_ACTION),
        pc.is_in(run.strings("status"), value_set=pa.array(PROVED_STATUSES)),
    )
    return np.asarray(proved.to_numpy(zero_copy_only=False), dtype=bool)


def compared(run: Run, metric: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(rows, predicted, measured) of the proved cases with both values of `metric`. A measurement
    of 0 is left out: an error relative to it means nothing."""
    predicted_column = PREDICTED_METRICS[metric]
    names = run.table.column_names
    if metric not in names or predicted_column not in names:
        empty = np.empty(0)
        return empty.astype(np.int64), empty, empty
    predicted, measured = run.values(predicted_column), run.values(metric)
    keep = proved_rows(run) & np.isfinite(predicted) & np.isfinite(measured) & (measured > 0)
    rows = np.flatnonzero(keep)
    return rows, predicted[rows], measured[rows]


def relative_errors_pct(predicted: np.ndarray, measured: np.ndarray) -> np.ndarray:
    return (predicted / measured - 1.0) * 100.0


def _error(
    run: Run, metric: str, rows: np.ndarray, predicted: np.ndarray, measured: np.ndarray
) -> PredictionError:
    errors = relative_errors_pct(predicted, measured)
    worst = int(np.argmax(np.abs(errors)))  # first in row order on a tie
    return PredictionError(
        metric=metric,
        cases=len(rows),
        median_abs_pct=float(np.median(np.abs(errors))),
        median_pct=float(np.median(errors)),
        worst_pct=float(errors[worst]),
        worst_case=str(run.strings("case_id")[int(rows[worst])].as_py()),
        worst_predicted=float(predicted[worst]),
        worst_measured=float(measured[worst]),
    )


def check_predictions(run: Run) -> PredictionCheck | None:
    """The prediction check of a run; None when no proved case has a prediction to compare."""
    errors = []
    any_pair = np.zeros(run.table.num_rows, dtype=bool)
    for metric in PREDICTED_METRICS:
        rows, predicted, measured = compared(run, metric)
        if len(rows):
            errors.append(_error(run, metric, rows, predicted, measured))
            any_pair[rows] = True
    if not errors:
        return None
    return PredictionCheck(cases=int(any_pair.sum()), errors=tuple(errors))


def format_error_pct(value: float, signed: bool = False) -> str:
    return f"{value:+.1f}%" if signed else f"{value:.1f}%"
