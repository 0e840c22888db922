"""Aggregation of a run: per group and over the whole run, per metric, over matched cases only.

Statistics: count, sum, mean, median, p90 (linear interpolation, as numpy and pandas), standard
deviation (sample, ddof=1), min and max. Cases that are not matched are counted, never aggregated.
Computed with numpy over group-sorted columns (no per-row Python), so a million rows take well under
a second.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cached_property

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from zkprof import metrics
from zkprof.report.defaults import DEFAULT_PROVERS
from zkprof.report.estimate import sorted_grouped_estimates
from zkprof.report.load import Run
from zkprof.report.metrics_catalog import ESTIMATE_METRICS, JOB_DURATION_METRIC
from zkprof.report.predictions import PredictionCheck, check_predictions

STATS = ("count", "sum", "mean", "median", "p90", "std", "min", "max")
QUANTILES = {"median": 0.5, "p90": 0.9}
TOTAL = "**all**"  # the run-totals row of every per-group table


def natural_key(text: str) -> tuple[tuple[int, int | str], ...]:
    """ "internal.10" after "internal.2": digit runs compare as numbers."""
    return tuple(
        (0, int(part)) if part.isdigit() else (1, part) for part in re.split(r"(\d+)", text) if part
    )


@dataclass(frozen=True)
class Grouping:
    names: list[str]  # group keys, in display order
    codes: np.ndarray  # per row: index into names


def group_rows(run: Run, by: tuple[str, ...]) -> Grouping:
    """Rows -> group codes; several labels make one key "a/b". Groups sort naturally."""
    combined = np.zeros(run.table.num_rows, dtype=np.int64)
    labels: list[list[str]] = [[]]
    for label in by:
        encoded = pc.dictionary_encode(run.strings(label))
        words = encoded.dictionary.to_pylist()
        combined = combined * len(words) + encoded.indices.to_numpy(zero_copy_only=False)
        labels = [[*prefix, w] for prefix in labels for w in words]
    used, codes = np.unique(combined, return_inverse=True)
    names = ["/".join(labels[i]) for i in used]
    order = sorted(range(len(names)), key=lambda i: natural_key(names[i]))
    rank = np.empty(len(order), dtype=np.int64)
    rank[order] = np.arange(len(order))
    return Grouping([names[i] for i in order], rank[codes.reshape(-1)])


def grouped_stats(values: np.ndarray, codes: np.ndarray, n_groups: int) -> np.ndarray:
    """STATS of `values` (NaN = missing) per group code -> array (n_groups, len(STATS))."""
    order = np.argsort(codes, kind="stable")
    return sorted_group_stats(values[order], codes[order], n_groups)


def _quantiles(values: np.ndarray) -> list[float]:
    """QUANTILES of non-empty `values`, linear interpolation, with one partition: the order
    statistic after a partition point is the minimum of what lies beyond it."""
    n = len(values)
    positions = [q * (n - 1) for q in QUANTILES.values()]
    lows = [int(p) for p in positions]
    part = np.partition(values, sorted(set(lows)))
    out = []
    for p, lo in zip(positions, lows, strict=True):
        hi = part[lo + 1 :].min() if lo + 1 < n and p > lo else part[lo]
        out.append(float(part[lo] + (hi - part[lo]) * (p - lo)))
    return out


def sorted_group_stats(values: np.ndarray, codes: np.ndarray, n_groups: int) -> np.ndarray:
    """`grouped_stats` of values already ordered by group code (one sort serves every metric)."""
    out = np.full((n_groups, len(STATS)), np.nan)
    out[:, 0] = 0.0
    missing = np.isnan(values)
    v, c = (values[~missing], codes[~missing]) if missing.any() else (values, codes)
    if not len(v):
        return out
    present = np.flatnonzero(np.bincount(c, minlength=n_groups))
    starts = np.searchsorted(c, present)
    ends = np.append(starts[1:], len(c))
    count = (ends - starts).astype(float)
    total = np.add.reduceat(v, starts)
    mean = total / count
    dev = v - np.repeat(mean, ends - starts)
    with np.errstate(divide="ignore", invalid="ignore"):
        std = np.sqrt(np.add.reduceat(dev * dev, starts) / (count - 1))
    std[count < 2] = np.nan
    quantiles = np.empty((len(present), len(QUANTILES)))
    for row, (start, end) in enumerate(zip(starts, ends, strict=True)):
        quantiles[row] = _quantiles(v[start:end])
    out[present] = np.column_stack(
        [
            count,
            total,
            mean,
            quantiles[:, 0],
            quantiles[:, 1],
            std,
            np.minimum.reduceat(v, starts),
            np.maximum.reduceat(v, starts),
        ]
    )
    return out


@dataclass(frozen=True)
class Aggregate:
    """A run, aggregated. Groups in display order; TOTAL (the whole run) after them."""

    run: Run
    by: tuple[str, ...]
    groups: list[str]  # display order, without TOTAL
    grouping: Grouping  # codes of every row of run.table
    matched: np.ndarray  # per row: status is matched
    matched_by_group: np.ndarray  # matched rows, ordered by group code (stable)
    group_starts: np.ndarray  # where each group's rows start in matched_by_group (+ the end)
    values: np.ndarray  # (groups + TOTAL, metrics, STATS)
    counts: pd.DataFrame  # group -> cases per status, and "total"
    estimates: pd.DataFrame  # group -> ESTIMATE_METRICS (seconds); empty without durations
    provers: int
    metric_names: list[str]  # metrics with at least one matched value, catalog order

    @cached_property
    def _group_index(self) -> dict[str, int]:
        return {g: i for i, g in enumerate([*self.groups, TOTAL])}

    @cached_property
    def _metric_index(self) -> dict[str, int]:
        return {m: i for i, m in enumerate(self.metric_names)}

    def stat(self, group: str, metric: str, stat: str) -> float | None:
        g, m = self._group_index.get(group), self._metric_index.get(metric)
        if g is None or m is None:
            return None
        value = self.values[g, m, STATS.index(stat)]
        return None if np.isnan(value) else float(value)

    @cached_property
    def predictions(self) -> PredictionCheck | None:
        """Predictions against the proofs' measurements (None without both); computed once, as
        the markdown, summary, Bencher JSON and plot all show it."""
        return check_predictions(self.run)

    @cached_property
    def stats(self) -> pd.DataFrame:
        """The statistics as a frame: MultiIndex (group, metric) -> STATS."""
        index = pd.MultiIndex.from_product(
            [[*self.groups, TOTAL], self.metric_names], names=["group", "metric"]
        )
        return pd.DataFrame(self.values.reshape(-1, len(STATS)), index=index, columns=list(STATS))


def aggregate_run(
    run: Run, by: tuple[str, ...] = ("group",), provers: int = DEFAULT_PROVERS
) -> Aggregate:
    if provers < 1:
        raise ValueError(f"provers must be at least 1, not {provers}")
    grouping = group_rows(run, by)
    n_groups = len(grouping.names)
    matched = pc.equal(run.strings("status"), metrics.MATCHED).to_numpy(zero_copy_only=False)
    matched_rows = np.flatnonzero(matched)
    order = np.argsort(grouping.codes[matched_rows], kind="stable")
    by_group = matched_rows[order]
    codes = grouping.codes[by_group]
    starts = np.searchsorted(codes, np.arange(n_groups + 1))
    index_groups = [*grouping.names, TOTAL]

    blocks, names = [], []
    single = np.zeros(len(codes), dtype=np.int64)
    for metric in run.metric_names:
        values = run.values(metric)[by_group]
        if np.isnan(values).all():
            continue
        per_group = sorted_group_stats(values, codes, n_groups)
        blocks.append(np.vstack([per_group, sorted_group_stats(values, single, 1)]))
        names.append(metric)
    stacked = np.stack(blocks, axis=1) if blocks else np.empty((n_groups + 1, 0, len(STATS)))

    status_codes = pc.index_in(run.strings("status"), value_set=pa.array(metrics.STATUSES))
    status_idx = status_codes.fill_null(len(metrics.STATUSES)).to_numpy(zero_copy_only=False)
    width = len(metrics.STATUSES) + 1
    tally = np.bincount(grouping.codes * width + status_idx, minlength=n_groups * width)
    tally = tally.reshape(n_groups, width)
    counts = pd.DataFrame(
        np.vstack([tally, tally.sum(axis=0)])[:, : len(metrics.STATUSES)],
        index=index_groups,
        columns=list(metrics.STATUSES),
    )
    counts["total"] = np.append(tally.sum(axis=1), tally.sum())

    estimates = pd.DataFrame(columns=list(ESTIMATE_METRICS), dtype=float)
    if JOB_DURATION_METRIC in names:
        seconds = run.values(JOB_DURATION_METRIC)[by_group] / 1000.0
        per_group = np.column_stack(sorted_grouped_estimates(seconds, codes, n_groups, provers))
        overall = np.column_stack(sorted_grouped_estimates(seconds, single, 1, provers))
        estimates = pd.DataFrame(
            np.vstack([per_group, overall]), index=index_groups, columns=list(ESTIMATE_METRICS)
        )
    return Aggregate(
        run=run,
        by=by,
        groups=grouping.names,
        grouping=grouping,
        matched=matched,
        matched_by_group=by_group,
        group_starts=starts,
        values=stacked,
        counts=counts,
        estimates=estimates,
        provers=provers,
        metric_names=names,
    )
