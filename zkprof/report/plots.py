"""Report plots as PNG files: cycles per case, proving (or execution) time against cycles, changes
against the previous run, and predicted against measured proving time. Large runs are binned or
sampled, never drawn point by point."""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")  # files only: no display on a build machine

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter

from zkprof.atomic import write_atomic
from zkprof.report.aggregate import TOTAL, Aggregate
from zkprof.report.compare import ChangeKind, RunComparison
from zkprof.report.predictions import compared, format_error_pct

CYCLES_PLOT = "cycles_per_case.png"
TIME_PLOT = "time_vs_cycles.png"
CHANGES_PLOT = "changes.png"
PREDICTION_PLOT = "predicted_vs_measured.png"
PLOT_FILES = (CYCLES_PLOT, TIME_PLOT, CHANGES_PLOT, PREDICTION_PLOT)
MAX_BARS = 60  # more cases than this: a histogram instead of one bar per case
HISTOGRAM_BINS = 50
MAX_POINTS = 5000  # scatter plots draw an evenly spaced sample of at most this many cases
TIME_METRICS = ("prove_ms", "execute_ms")
DPI = 110
KIND_COLORS = {ChangeKind.REGRESSION: "#dc2626", ChangeKind.IMPROVEMENT: "#16a34a"}
NEUTRAL_COLOR = "#9ca3af"


def _save(fig: Figure, path: Path) -> None:
    write_atomic(path, lambda tmp: fig.savefig(tmp, format="png", dpi=DPI, bbox_inches="tight"))
    plt.close(fig)


def _message(path: Path, title: str, text: str) -> None:
    fig, ax = plt.subplots(figsize=(6, 2))
    ax.set_title(title)
    ax.text(0.5, 0.5, text, ha="center", va="center")
    ax.set_axis_off()
    _save(fig, path)


def _matched(aggregate: Aggregate, metric: str) -> tuple[np.ndarray, np.ndarray]:
    rows = np.flatnonzero(aggregate.matched)
    values = (
        aggregate.run.values(metric)[rows]
        if metric in aggregate.run.table.column_names
        else np.full(len(rows), np.nan)
    )
    keep = np.isfinite(values)
    return rows[keep], values[keep]


def _sample(rows: np.ndarray) -> np.ndarray:
    if len(rows) <= MAX_POINTS:
        return np.arange(len(rows))
    return np.linspace(0, len(rows) - 1, MAX_POINTS).astype(np.int64)


def plot_cycles(aggregate: Aggregate, path: Path) -> None:
    rows, cycles = _matched(aggregate, "total_cycles")
    title = f"{aggregate.run.name}: total cycles per matched case"
    if not len(rows):
        return _message(path, title, "no matched case has cycles")
    fig, ax = plt.subplots(figsize=(9, 4.5))
    if len(rows) <= MAX_BARS:
        ids = aggregate.run.strings("case_id").take(rows).to_pylist()
        order = np.argsort(-cycles, kind="stable")
        ax.bar(range(len(rows)), cycles[order], color="#2563eb")
        ax.set_xticks(range(len(rows)), [ids[i] for i in order], rotation=90, fontsize=6)
        ax.set_ylabel("cycles")
    else:
        positive = cycles[cycles > 0]
        # Log-spaced bins: cycle counts span orders of magnitude.
        edges = np.geomspace(positive.min(), positive.max() * 1.0001, HISTOGRAM_BINS + 1)
        ax.hist(positive, bins=list(edges), color="#2563eb")
        ax.set_xscale("log")
        ax.set_xlabel("cycles per case")
        ax.set_ylabel("cases")
    ax.set_title(title)
    _save(fig, path)
    return None


def plot_time_vs_cycles(aggregate: Aggregate, path: Path) -> None:
    metric = next((m for m in TIME_METRICS if m in aggregate.metric_names), None)
    title = f"{aggregate.run.name}: {metric or 'time'} against total cycles"
    if metric is None or "total_cycles" not in aggregate.metric_names:
        return _message(path, title, "no times or cycles to plot")
    rows, times = _matched(aggregate, metric)
    cycles = aggregate.run.values("total_cycles")[rows]
    keep = np.isfinite(cycles)
    rows, times, cycles = rows[keep], times[keep], cycles[keep]
    picked = _sample(rows)
    codes = aggregate.grouping.codes[rows[picked]]
    fig, ax = plt.subplots(figsize=(7, 5))
    for code in np.unique(codes):
        sel = picked[codes == code]
        ax.scatter(cycles[sel], times[sel], s=8, label=aggregate.groups[code])
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel("total cycles")
    ax.set_ylabel(metric)
    if len(np.unique(codes)) <= 12:
        ax.legend(fontsize=7)
    note = f" ({len(picked):,} of {len(rows):,} cases)" if len(picked) < len(rows) else ""
    ax.set_title(title + note)
    _save(fig, path)
    return None


def plot_changes(comparison: RunComparison | None, path: Path) -> None:
    """Relative change of each metric's group mean (and the run's estimates), worst at the top."""
    title = "Changes against the previous run"
    if comparison is None:
        return _message(path, title, "no previous run given")
    current = comparison.current
    labels, values, colors = [], [], []
    for metric in current.metric_names:
        change = comparison.change(TOTAL, metric, comparison.compare_stat)
        if change.rel_change is None:
            continue
        labels.append(f"{metric} ({comparison.compare_stat})")
        values.append(change.rel_change * 100)
        colors.append(KIND_COLORS.get(change.kind, NEUTRAL_COLOR))
    for name in current.estimates.columns:
        change = comparison.estimate_change(TOTAL, name)
        if change.rel_change is not None:
            labels.append(name)
            values.append(change.rel_change * 100)
            colors.append(KIND_COLORS.get(change.kind, NEUTRAL_COLOR))
    if not labels:
        return _message(path, title, "nothing to compare")
    fig, ax = plt.subplots(figsize=(8, 0.35 * len(labels) + 1.5))
    ax.barh(range(len(labels)), values, color=colors)
    ax.set_yticks(range(len(labels)), labels, fontsize=7)
    ax.axvline(0, color="black", linewidth=0.8)
    for bound in (-comparison.noise_pct, comparison.noise_pct):
        ax.axvline(bound, color="#9ca3af", linestyle="--", linewidth=0.8)
    ax.invert_yaxis()
    ax.set_xlabel("change of the run total (%)")
    ax.set_title(f"{title} ({comparison.previous.run.name}); dashed: noise threshold")
    _save(fig, path)
    return None


def plot_predictions(aggregate: Aggregate, path: Path) -> None:
    """Measured against predicted proving time per proved case, log-log, with the line y = x.

    Always written (a message when there is nothing to compare): the workflow declares the file."""
    title = f"{aggregate.run.name}: measured against predicted proving time"
    rows, predicted, measured = compared(aggregate.run, "prove_ms")
    keep = predicted > 0  # a log axis has no place for 0
    rows, predicted, measured = rows[keep], predicted[keep] / 1e3, measured[keep] / 1e3
    if not len(rows):
        return _message(path, title, "no prove rows with predictions")
    picked = _sample(rows)
    codes = aggregate.grouping.codes[rows[picked]]
    fig, ax = plt.subplots(figsize=(6.5, 6))
    for code in np.unique(codes):
        sel = picked[codes == code]
        ax.scatter(predicted[sel], measured[sel], s=10, label=aggregate.groups[code])
    low = min(predicted.min(), measured.min()) / 1.25
    high = max(predicted.max(), measured.max()) * 1.25
    ax.plot([low, high], [low, high], color="black", linestyle="--", linewidth=0.8, label="y = x")
    ax.set_xlim(low, high)
    ax.set_ylim(low, high)
    ax.set_xscale("log")
    ax.set_yscale("log")
    plain = FuncFormatter(lambda v, _: f"{v:g}")
    for axis in (ax.xaxis, ax.yaxis):
        # Plain numbers ("2", not "2 x 10^0"); minor ticks labelled only within a decade, where
        # there would be no other label, as matplotlib does.
        axis.set_major_formatter(plain)
        if np.log10(high / low) <= 1:
            axis.set_minor_formatter(plain)
    ax.set_xlabel("predicted prove time (s)")
    ax.set_ylabel("measured prove time (prove_ms, s)")
    if len(np.unique(codes)) <= 12:
        ax.legend(fontsize=7)
    error = aggregate.predictions.error("prove_ms") if aggregate.predictions else None
    note = f", median abs. error {format_error_pct(error.median_abs_pct)}" if error else ""
    sampled = f", {len(picked):,} of {len(rows):,} cases" if len(picked) < len(rows) else ""
    ax.set_title(f"{title}\n(above the line: slower than predicted{note}{sampled})", fontsize=9)
    _save(fig, path)
    return None


def write_plots(
    aggregate: Aggregate, comparison: RunComparison | None, out_dir: Path
) -> list[Path]:
    """PLOT_FILES in `out_dir`, each written whatever the run has (a message when it lacks data)."""
    paths = [out_dir / name for name in PLOT_FILES]
    plot_cycles(aggregate, paths[0])
    plot_time_vs_cycles(aggregate, paths[1])
    plot_changes(comparison, paths[2])
    plot_predictions(aggregate, paths[3])
    return paths


def write_memory_chart(points: list[tuple[float, float, float, float]], path: Path) -> None:
    """openvm-prof's GPU memory chart (current, local peak, reserved GiB over time) as SVG."""
    data = np.array(points)
    seconds = (data[:, 0] - data[0, 0]) / 1000.0
    fig, ax = plt.subplots(figsize=(8, 4))
    for column, label, color in (
        (3, "Reserved (Pool)", "#dc2626"),
        (2, "Local Peak", "#16a34a"),
        (1, "Current", "#2563eb"),
    ):
        ax.plot(seconds, data[:, column], label=label, color=color, linewidth=1.5)
    ax.set_xlabel("time (s)")
    ax.set_ylabel("Memory (GB)")
    ax.set_title("GPU Memory Usage")
    ax.legend()
    write_atomic(path, lambda tmp: fig.savefig(tmp, format="svg", bbox_inches="tight"))
    plt.close(fig)
