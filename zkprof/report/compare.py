"""Comparison with a previous run: absolute and relative change, judged by each metric's direction.

A change is flagged (a regression or an improvement) only when its relative size reaches the noise
threshold. Changes under 0.1% are not shown at all, as openvm-prof does. A zero or missing baseline
has no relative change: it is reported as "from 0" or "new", never as NaN or infinity; a change from
zero counts as exceeding any percentage.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from enum import StrEnum

import numpy as np
import pandas as pd
import pyarrow as pa

from zkprof.report import aggregate
from zkprof.report.aggregate import Aggregate
from zkprof.report.defaults import DEFAULT_NOISE_PCT
from zkprof.report.image_ids import image_change
from zkprof.report.metrics_catalog import Direction, direction_of

# Below this relative change a cell shows no change (openvm-prof's threshold).
DISPLAY_THRESHOLD = 0.001


class ChangeKind(StrEnum):
    NONE = "none"  # nothing to compare with
    NEW = "new"  # no baseline for this value
    REMOVED = "removed"  # a baseline, but no value now
    UNCHANGED = "unchanged"  # under the display threshold
    NOISE = "noise"  # shown, but under the noise threshold: not flagged
    CHANGED = "changed"  # over the threshold, for a metric with no better direction
    REGRESSION = "regression"
    IMPROVEMENT = "improvement"


FLAGGED = (ChangeKind.REGRESSION, ChangeKind.IMPROVEMENT)


@dataclass(frozen=True)
class Change:
    value: float | None
    baseline: float | None
    abs_change: float
    rel_change: float | None  # None when the baseline is zero or missing
    kind: ChangeKind

    def exceeds(self, pct: float) -> bool:
        """A regression of at least `pct` percent (one from a zero baseline always is)."""
        if self.kind is not ChangeKind.REGRESSION:
            return False
        return self.rel_change is None or abs(self.rel_change) * 100 >= pct


NO_CHANGE = Change(None, None, 0.0, None, ChangeKind.NONE)


def _missing(x: float | None) -> bool:
    return x is None or (isinstance(x, float) and math.isnan(x))


def classify(
    value: float | None, baseline: float | None, direction: Direction, noise_pct: float
) -> Change:
    """The change from `baseline` to `value` for a metric of the given direction."""
    if _missing(baseline):
        return Change(
            value, None, 0.0, None, ChangeKind.NONE if _missing(value) else ChangeKind.NEW
        )
    if _missing(value):
        return Change(None, baseline, 0.0, None, ChangeKind.REMOVED)
    assert value is not None and baseline is not None
    diff = float(value) - float(baseline)
    rel = None if baseline == 0 else diff / abs(float(baseline))
    if diff == 0 or (rel is not None and abs(rel) < DISPLAY_THRESHOLD):
        return Change(value, baseline, diff, rel, ChangeKind.UNCHANGED)
    if rel is not None and abs(rel) * 100 < noise_pct:
        return Change(value, baseline, diff, rel, ChangeKind.NOISE)
    if direction is Direction.NEUTRAL:
        kind = ChangeKind.CHANGED
    elif (diff > 0) == (direction is Direction.LOWER_IS_BETTER):
        kind = ChangeKind.REGRESSION
    else:
        kind = ChangeKind.IMPROVEMENT
    return Change(value, baseline, diff, rel, kind)


def change_size(change: Change) -> float:
    """How large a change is, for ordering: |relative change|, infinite from a zero baseline."""
    if change.rel_change is None:
        return math.inf
    return round(abs(change.rel_change), 9)


def regression_mask(
    value: np.ndarray, baseline: np.ndarray, direction: Direction, noise_pct: float
) -> np.ndarray:
    """Vectorised `classify(...).kind is REGRESSION`, for per-case columns of a million rows."""
    if direction is Direction.NEUTRAL:
        return np.zeros(len(value), dtype=bool)
    with np.errstate(divide="ignore", invalid="ignore"):
        diff = value - baseline
        rel = np.abs(diff) / np.abs(baseline)
    worse = diff > 0 if direction is Direction.LOWER_IS_BETTER else diff < 0
    over = (baseline == 0) | ((rel >= DISPLAY_THRESHOLD) & (rel * 100 >= noise_pct))
    return worse & over & ~np.isnan(value) & ~np.isnan(baseline)


def relative_change(value: np.ndarray, baseline: np.ndarray) -> np.ndarray:
    """(value - baseline) / |baseline|, NaN where the baseline is zero or missing (never inf)."""
    with np.errstate(divide="ignore", invalid="ignore"):
        rel = (value - baseline) / np.abs(baseline)
    rel[~np.isfinite(rel)] = np.nan
    return rel


@dataclass(frozen=True)
class ChangeList:
    """Flagged changes of a comparison, largest first, as a frame of
    (scope, metric, stat, value, baseline, abs_change, rel_change, kind)."""

    regressions: pd.DataFrame
    improvements: pd.DataFrame
    noise_pct: float
    # Said with the changes when the runs ran different guest programs (see `image_change`).
    note: str | None = None

    def exceeding(self, pct: float) -> pd.DataFrame:
        rel = self.regressions["rel_change"]
        return self.regressions[rel.isna() | (rel.abs() * 100 >= pct)]


CHANGE_COLUMNS = (
    "scope",
    "metric",
    "stat",
    "value",
    "baseline",
    "abs_change",
    "rel_change",
    "kind",
)


def list_changes(changes: list[tuple[str, str, str, Change]], noise_pct: float) -> ChangeList:
    """(scope, metric, stat, change) rows -> regressions and improvements, largest first.

    Changes from zero sort first (their relative size is unbounded); ties by scope and metric, so the
    order never depends on input order."""
    rows = [
        (scope, metric, stat, c.value, c.baseline, c.abs_change, c.rel_change, c.kind.value)
        for scope, metric, stat, c in changes
        if c.kind in FLAGGED
    ]
    frame = pd.DataFrame(rows, columns=list(CHANGE_COLUMNS)).astype(
        {"rel_change": "float64", "abs_change": "float64"}
    )
    # Rounded, so float noise (0.1 vs 0.0999...) does not decide the order of equal changes.
    size = frame["rel_change"].abs().round(9).fillna(np.inf)
    frame = (
        frame.assign(_size=-size)
        .sort_values(["_size", "scope", "metric", "stat"], kind="stable")
        .drop(columns="_size")
        .reset_index(drop=True)
    )
    is_regression = frame["kind"] == ChangeKind.REGRESSION.value
    return ChangeList(
        frame[is_regression].reset_index(drop=True),
        frame[~is_regression].reset_index(drop=True),
        noise_pct,
    )


def compare_value(
    name: str, value: float | None, baseline: float | None, noise_pct: float
) -> Change:
    return classify(value, baseline, direction_of(name), noise_pct)


# --- zkprof runs -------------------------------------------------------------------------------

# Statistics with no better direction whatever the metric: more cases is not "worse".
_NEUTRAL_STATS = ("count", "std")
TOTAL_SCOPE = "all"  # how the run totals are named in change lists


def align_cases(current: pa.ChunkedArray, previous: pa.ChunkedArray) -> np.ndarray:
    """For each current case id, the row of the same id in the previous run, or -1.

    Runs over the same cases list them in the same order, so that case is one comparison; other
    runs take a hash join."""
    if current.equals(previous):
        return np.arange(len(current))
    joined = pa.table({"case_id": current, "_row": np.arange(len(current))}).join(
        pa.table({"case_id": previous, "_prev": np.arange(len(previous))}),
        "case_id",
        join_type="left outer",
    )
    rows = np.full(len(current), -1, dtype=np.int64)
    prev_rows = joined.column("_prev").fill_null(-1).to_numpy(zero_copy_only=False)
    rows[joined.column("_row").to_numpy(zero_copy_only=False)] = prev_rows
    return rows


@dataclass(frozen=True)
class RunComparison:
    current: Aggregate
    previous: Aggregate
    noise_pct: float
    compare_stat: str  # the statistic whose changes are listed as regressions and improvements
    case_rows: np.ndarray  # per current row: the previous run's row of that case, or -1

    def change(self, group: str, metric: str, stat: str) -> Change:
        direction = Direction.NEUTRAL if stat in _NEUTRAL_STATS else direction_of(metric)
        return classify(
            self.current.stat(group, metric, stat),
            self.previous.stat(group, metric, stat),
            direction,
            self.noise_pct,
        )

    @property
    def image_change(self) -> str | None:
        """A sentence when the two runs ran different guest programs (image ids), else None."""
        return image_change(self.current.run.images, self.previous.run.images)

    def estimate_change(self, group: str, name: str) -> Change:
        return classify(
            _frame_value(self.current.estimates, group, name),
            _frame_value(self.previous.estimates, group, name),
            direction_of(name),
            self.noise_pct,
        )

    def case_baseline(self, metric: str, rows: np.ndarray) -> np.ndarray:
        """The previous values of `metric` for current `rows`; NaN where the case was not matched."""
        prev = self.previous
        out = np.full(len(rows), np.nan)
        if metric not in prev.run.table.column_names:
            return out
        prev_rows = self.case_rows[rows]
        found = prev_rows >= 0
        found[found] = prev.matched[prev_rows[found]]
        out[found] = prev.run.values(metric)[prev_rows[found]]
        return out

    def changes(self) -> ChangeList:
        rows: list[tuple[str, str, str, Change]] = []
        for group in [aggregate.TOTAL, *self.current.groups]:
            scope = TOTAL_SCOPE if group == aggregate.TOTAL else group
            for name in self.current.estimates.columns:
                rows.append((scope, name, "value", self.estimate_change(group, name)))
            for metric in self.current.metric_names:
                rows.append(
                    (
                        scope,
                        metric,
                        self.compare_stat,
                        self.change(group, metric, self.compare_stat),
                    )
                )
        return replace(list_changes(rows, self.noise_pct), note=self.image_change)


def _frame_value(frame: pd.DataFrame, row: str, column: str) -> float | None:
    if row not in frame.index or column not in frame.columns:
        return None
    value = frame.at[row, column]
    return None if pd.isna(value) else float(value)


def compare_runs(
    current: Aggregate,
    previous: Aggregate,
    noise_pct: float = DEFAULT_NOISE_PCT,
    compare_stat: str = "mean",
) -> RunComparison:
    if current.by != previous.by:
        raise ValueError(f"runs grouped differently: {current.by} and {previous.by}")
    rows = align_cases(current.run.table.column("case_id"), previous.run.table.column("case_id"))
    return RunComparison(current, previous, noise_pct, compare_stat, rows)
