"""Report plots as PNG files: where the cycles go (the guest's regions per group and for the most
expensive cases, beside the previous run's), cycles per gas per group, cycles per case, proving (or
execution) time against cycles, changes against the previous run, and predicted against measured
proving time. Large runs are binned or sampled, never drawn point by point. A group has one colour
in every plot (`group_colors`); long case ids are shortened the same way everywhere
(`short_case_id`)."""

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

REGIONS_PLOT = "cycle_regions.png"
CYCLES_PER_GAS_PLOT = "cycles_per_gas.png"
CYCLES_PLOT = "cycles_per_case.png"
TIME_PLOT = "time_vs_cycles.png"
CHANGES_PLOT = "changes.png"
PREDICTION_PLOT = "predicted_vs_measured.png"
PLOT_FILES = (
    REGIONS_PLOT,
    CYCLES_PER_GAS_PLOT,
    CYCLES_PLOT,
    TIME_PLOT,
    CHANGES_PLOT,
    PREDICTION_PLOT,
)
# What each plot shows and how it was measured is said once, in the workflow's report captions
# (report/*.rst), which `snakemake --report` puts under each picture.
# The regions of the cycle breakdown: (column, label, colour); "other user" is computed.
REGIONS = (
    ("cycles_decode", "decode", "#93c5fd"),
    ("cycles_transaction", "transaction", "#2563eb"),
    ("cycles_state_root", "state root", "#f59e0b"),
    ("other_user", "other user", "#d1d5db"),
    ("paging_cycles", "paging", "#a855f7"),
    ("reserved_cycles", "reserved", "#6b7280"),
)
TOP_CASES = 12  # the most expensive cases drawn one by one in the region plot
CASE_ID_WIDTH = 44
MAX_BARS = 60  # more cases than this: a histogram instead of one bar per case
HISTOGRAM_BINS = 50
MAX_POINTS = 5000  # scatter plots draw an evenly spaced sample of at most this many cases
TIME_METRICS = ("prove_ms", "execute_ms")
DPI = 110
KIND_COLORS = {ChangeKind.REGRESSION: "#dc2626", ChangeKind.IMPROVEMENT: "#16a34a"}
NEUTRAL_COLOR = "#9ca3af"


def short_case_id(case_id: str, width: int = CASE_ID_WIDTH) -> str:
    """A case id for a plot label: a part repeated next to itself (a test named as its file:
    "precompiles__sstore__sstore__Cancun__d0g0v0") once, then the middle elided past `width`."""
    parts = case_id.split("__")
    kept = [p for i, p in enumerate(parts) if i == 0 or p != parts[i - 1]]
    text = "__".join(kept)
    if len(text) <= width:
        return text
    keep = width - 1
    return text[: keep - keep // 2] + "…" + text[-(keep // 2) :]


def group_colors(groups: list[str]) -> dict[str, str]:
    """One colour per group name, the same in every plot of a report."""
    cmap = plt.get_cmap("tab10" if len(groups) <= 10 else "tab20")
    return {g: matplotlib.colors.to_hex(cmap(i % cmap.N)) for i, g in enumerate(groups)}


def cycles_label(value: float, _position: object = None) -> str:
    """An axis tick for cycles: 0, 500 K, 1.5 M, 2 G."""
    for unit, scale in (("G", 1e9), ("M", 1e6), ("K", 1e3)):
        if abs(value) >= scale:
            return f"{value / scale:g} {unit}"
    return f"{value:g}"


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


def _region_means(aggregate: Aggregate, rows: np.ndarray) -> np.ndarray:
    """Per region (REGIONS), the mean over `rows` (0 where the run lacks the column)."""
    run = aggregate.run
    columns = run.table.column_names

    def mean(column: str) -> float:
        if column not in columns or not len(rows):
            return 0.0
        values = run.values(column)[rows]
        return float(np.nanmean(values)) if np.isfinite(values).any() else 0.0

    measured = sum(mean(c) for c, _, _ in REGIONS[:3])
    other = max(mean("user_cycles") - measured, 0.0)
    return np.array([other if c == "other_user" else mean(c) for c, _, _ in REGIONS])


def _region_bars(ax: plt.Axes, labels: list[str], blocks: list[np.ndarray | None]) -> None:
    """Horizontal stacked bars; a None block leaves a gap (a group the previous run lacks)."""
    for i, block in enumerate(blocks):
        if block is None:
            continue
        hatch = "//" if labels[i].endswith("(previous)") else None
        left = 0.0
        for value, (_, name, color) in zip(block, REGIONS, strict=True):
            ax.barh(i, value, left=left, color=color, hatch=hatch, edgecolor="white", label=name)
            left += value
    ax.set_yticks(range(len(labels)), labels, fontsize=7)
    ax.invert_yaxis()
    ax.xaxis.set_major_formatter(FuncFormatter(cycles_label))


def plot_cycle_regions(aggregate: Aggregate, comparison: RunComparison | None, path: Path) -> None:
    """Mean cycles per case by region, per group (beside the previous run's) and for the most
    expensive cases."""
    title = f"{aggregate.run.name}: where the cycles go (mean cycles per case)"
    matched = np.flatnonzero(aggregate.matched)
    if not len(matched) or "user_cycles" not in aggregate.metric_names:
        return _message(path, title, "no matched case has cycles")
    previous = comparison.previous if comparison is not None else None
    labels: list[str] = []
    blocks: list[np.ndarray | None] = []
    codes = aggregate.grouping.codes[matched]
    for code, group in enumerate(aggregate.groups):
        labels.append(group)
        blocks.append(_region_means(aggregate, matched[codes == code]))
        if previous is not None:
            labels.append(f"{group} (previous)")
            prev_rows = np.flatnonzero(previous.matched)
            if group in previous.groups:
                prev_code = previous.groups.index(group)
                mine = prev_rows[previous.grouping.codes[prev_rows] == prev_code]
                blocks.append(_region_means(previous, mine))
            else:
                blocks.append(None)
    totals = aggregate.run.values("total_cycles")[matched]
    top = matched[np.argsort(-np.nan_to_num(totals), kind="stable")[:TOP_CASES]]
    ids = aggregate.run.strings("case_id")
    case_labels = [short_case_id(ids[int(r)].as_py()) for r in top]
    case_blocks: list[np.ndarray | None] = [_region_means(aggregate, np.array([r])) for r in top]
    heights = (0.3 * len(labels) + 1.2, 0.3 * len(case_labels) + 1.2)
    fig, (ax_groups, ax_cases) = plt.subplots(
        2, 1, figsize=(9, sum(heights) + 0.8), height_ratios=heights
    )
    _region_bars(ax_groups, labels, blocks)
    ax_groups.set_title(title, fontsize=10)
    ax_groups.set_xlabel("cycles per case")
    _region_bars(ax_cases, case_labels, case_blocks)
    ax_cases.set_title(f"the {len(top)} most expensive cases (total cycles)", fontsize=9)
    ax_cases.set_xlabel("cycles")
    handles, names = ax_groups.get_legend_handles_labels()
    unique: dict[str, object] = {}
    for name, handle in zip(names, handles, strict=True):
        unique.setdefault(name, handle)  # this run's (plain) bars, not the previous run's
    ax_groups.legend(unique.values(), unique.keys(), fontsize=7, loc="lower right")
    fig.tight_layout()
    _save(fig, path)
    return None


def plot_cycles_per_gas(aggregate: Aggregate, path: Path) -> None:
    """Box plots of cycles per gas per group, log scale, in the groups' colours."""
    title = f"{aggregate.run.name}: cycles per gas per group"
    rows, ratios = _matched(aggregate, "cycles_per_gas")
    keep = ratios > 0
    rows, ratios = rows[keep], ratios[keep]
    if not len(rows):
        return _message(path, title, "no matched case used gas")
    codes = aggregate.grouping.codes[rows]
    present = [c for c in range(len(aggregate.groups)) if (codes == c).any()]
    colors = group_colors(aggregate.groups)
    fig, ax = plt.subplots(figsize=(max(5.0, 0.6 * len(present) + 2), 4.5))
    boxes = ax.boxplot(
        [ratios[codes == c] for c in present], patch_artist=True, medianprops={"color": "black"}
    )
    for patch, code in zip(boxes["boxes"], present, strict=True):
        patch.set_facecolor(colors[aggregate.groups[code]])
    ax.set_xticks(
        range(1, len(present) + 1), [aggregate.groups[c] for c in present], rotation=45, ha="right"
    )
    ax.set_yscale("log")
    ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:g}"))
    ax.set_ylabel("total cycles per gas")
    ax.set_title(title, fontsize=10)
    _save(fig, path)
    return None


def plot_cycles(aggregate: Aggregate, path: Path) -> None:
    rows, cycles = _matched(aggregate, "total_cycles")
    title = f"{aggregate.run.name}: total cycles per matched case"
    if not len(rows):
        return _message(path, title, "no matched case has cycles")
    fig, ax = plt.subplots(figsize=(9, 4.5))
    if len(rows) <= MAX_BARS:
        ids = aggregate.run.strings("case_id").take(rows).to_pylist()
        order = np.argsort(-cycles, kind="stable")
        colors = group_colors(aggregate.groups)
        codes = aggregate.grouping.codes[rows]
        ax.bar(
            range(len(rows)),
            cycles[order],
            color=[colors[aggregate.groups[codes[i]]] for i in order],
        )
        labels = [short_case_id(ids[i]) for i in order]
        ax.set_xticks(range(len(rows)), labels, rotation=90, fontsize=6)
        ax.set_ylabel("total cycles")
        if cycles.max() > 100 * max(cycles.min(), 1):
            ax.set_yscale("log")  # spans orders of magnitude
        else:
            ax.yaxis.set_major_formatter(FuncFormatter(cycles_label))
    else:
        positive = cycles > 0
        # Log-spaced bins: cycle counts span orders of magnitude. Stacked by group, in its colour.
        low, high = cycles[positive].min(), cycles[positive].max() * 1.0001
        edges = np.geomspace(low, high, HISTOGRAM_BINS + 1)
        codes = aggregate.grouping.codes[rows]
        present = [c for c in range(len(aggregate.groups)) if (codes[positive] == c).any()]
        colors = group_colors(aggregate.groups)
        ax.hist(
            [cycles[positive & (codes == c)] for c in present],
            bins=list(edges),
            stacked=True,
            color=[colors[aggregate.groups[c]] for c in present],
            label=[aggregate.groups[c] for c in present],
        )
        ax.set_xscale("log")
        ax.xaxis.set_major_formatter(FuncFormatter(cycles_label))
        ax.set_xlabel("total cycles per case")
        ax.set_ylabel("cases")
        if len(present) <= 12:
            ax.legend(fontsize=7)
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
    colors = group_colors(aggregate.groups)
    for code in np.unique(codes):
        sel = picked[codes == code]
        group = aggregate.groups[code]
        ax.scatter(cycles[sel], times[sel], s=8, label=group, color=colors[group])
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel("total cycles")
    ax.set_ylabel(f"{metric} (ms)")
    ax.xaxis.set_major_formatter(FuncFormatter(cycles_label))
    ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:g}"))
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
    colors = group_colors(aggregate.groups)
    for code in np.unique(codes):
        sel = picked[codes == code]
        group = aggregate.groups[code]
        ax.scatter(predicted[sel], measured[sel], s=10, label=group, color=colors[group])
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
    plot_cycle_regions(aggregate, comparison, out_dir / REGIONS_PLOT)
    plot_cycles_per_gas(aggregate, out_dir / CYCLES_PER_GAS_PLOT)
    plot_cycles(aggregate, out_dir / CYCLES_PLOT)
    plot_time_vs_cycles(aggregate, out_dir / TIME_PLOT)
    plot_changes(comparison, out_dir / CHANGES_PLOT)
    plot_predictions(aggregate, out_dir / PREDICTION_PLOT)
    return [out_dir / name for name in PLOT_FILES]


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
