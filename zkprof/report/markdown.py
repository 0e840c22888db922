"""The markdown report of a zkprof run: estimates, changes, aggregated tables by group, then the
detailed per-case tables, with changes against a previous run in every table that has one.

Tables follow openvm-prof's layout (a title row per group, metrics in rows, values right-aligned,
changes as coloured spans before the value).
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from zkprof import metrics
from zkprof.report.aggregate import TOTAL, Aggregate
from zkprof.report.compare import (
    Change,
    ChangeList,
    RunComparison,
    change_size,
    classify,
    regression_mask,
    relative_change,
)
from zkprof.report.defaults import DEFAULT_TOP_CASES
from zkprof.report.flame_graphs import FlameGraphs
from zkprof.report.fmt import (
    MISSING,
    cell,
    format_number,
    format_percent,
    format_quantity,
    format_signed,
)
from zkprof.report.image_ids import IMAGE_LABEL
from zkprof.report.metrics_catalog import COST_METRICS, NATIVE_METRICS, Direction, spec_for
from zkprof.report.predictions import format_error_pct

# Per-case detail: how many of each group's most expensive cases, and how many regressed cases.
DEFAULT_MAX_CASE_REGRESSIONS = 100
DEFAULT_MAX_PROBLEMS = 100
# The order statistics appear in, left to right.
SHOWN_STATS = ("count", "mean", "median", "p90", "min", "max", "std", "sum")
# The cells carry their unit ("16.0 s", "2.50 min").
ESTIMATE_HEADERS = (
    "Proof Time",
    "Parallel Proof Time",
    "Parallel Proof Time ({n} provers)",
)


@dataclass(frozen=True)
class DetailLimits:
    top_cases: int = DEFAULT_TOP_CASES
    max_case_regressions: int = DEFAULT_MAX_CASE_REGRESSIONS
    max_problems: int = DEFAULT_MAX_PROBLEMS


DEFAULT_LIMITS = DetailLimits()


def escape(text: str) -> str:
    """Text safe inside a markdown table cell."""
    return str(text).replace("|", "\\|").replace("\n", " ")


def table(header: Sequence[str], align: Sequence[str], rows: Iterable[Sequence[str]]) -> list[str]:
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join(align) + "|"]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return lines


def _group_title(group: str) -> str:
    return "all groups" if group == TOTAL else group


def _hardware_line(hardware: dict | None) -> list[str]:
    if not hardware:
        return []
    memory = hardware.get("memory_bytes")
    gib = f", {memory / 2**30:.1f} GiB" if memory else ""
    return [
        f"Machine: {hardware.get('cpu_model', '?')} ({hardware.get('cpu_cores_logical', '?')} "
        f"logical cores{gib}), risc0 {hardware.get('risc0_zkvm', '?')}."
    ]


def _guest_lines(current: Aggregate) -> list[str]:
    """Which guest program the numbers come from; a run of several is said to be split by it."""
    images = current.run.images
    if not images.counts:
        return []
    if not images.mixed:
        (image_id,) = images.counts
        return [f"Guest: {escape(images.describe(image_id))}."]
    split = (
        f" Every group is split per image id (`{IMAGE_LABEL}`, named `guest@image id prefix`);"
        " only the run totals (`all groups`) add the programs together."
        if IMAGE_LABEL in current.by
        else ""
    )
    return [
        f"**Rows of {len(images.counts)} guest programs (image ids) in this run:** "
        f"{escape(images.listing())}.{split}"
    ]


def _intro(current: Aggregate, comparison: RunComparison | None) -> list[str]:
    counts = current.counts.loc[TOTAL]
    status_text = ", ".join(f"{int(counts[s]):,} {s}" for s in metrics.STATUSES)
    lines = [
        f"# zkprof report: {current.run.name}",
        "",
        f"{int(counts['total']):,} cases ({status_text}). Statistics are over matched cases only;"
        f" grouped by {', '.join(current.by)}.",
        *_guest_lines(current),
        *_hardware_line(current.run.hardware),
    ]
    if comparison is not None:
        prev = comparison.previous.run
        lines.append(
            f"Compared with `{prev.source}` ({prev.name}): changes under "
            f"{comparison.noise_pct:g}% are not flagged; red is worse, green is better, gray is "
            "noise or a metric with no better direction."
        )
        if comparison.image_change:
            lines += ["", f"**Different guest program.** {escape(comparison.image_change)}"]
    return [*lines, ""]


def _estimates(current: Aggregate, comparison: RunComparison | None) -> list[str]:
    if current.estimates.empty:
        return []
    header = ["Summary", *(h.format(n=current.provers) for h in ESTIMATE_HEADERS)]
    rows = []
    for group in [TOTAL, *current.groups]:
        label = "Total" if group == TOTAL else group
        values = current.estimates.loc[group]
        rows.append(
            [
                label,
                *(
                    cell(
                        values[name],
                        comparison.estimate_change(group, name) if comparison else None,
                        spec_for(name).unit,
                    )
                    for name in current.estimates.columns
                ),
            ]
        )
    return [
        "## Proving time estimate",
        "",
        *table(header, [":---", "---:", "---:", "---:"], rows),
        "",
        "Proof Time: the sum of per-case proving times. Parallel: one prover per case (the longest "
        f"case). With {current.provers} provers: cases dealt longest first, in snake order.",
        "",
    ]


def _prediction_check(current: Aggregate) -> list[str]:
    """How far the calibration's predictions were from the proofs (only when there are both)."""
    check = current.predictions
    if check is None:
        return []
    rows = [
        [
            f"{e.label} (`{e.metric}`)",
            spec_for(e.metric).unit,
            format_number(e.cases),
            format_error_pct(e.median_abs_pct),
            format_error_pct(e.median_pct, signed=True),
            format_error_pct(e.worst_pct, signed=True),
            escape(e.worst_case),
            format_quantity(e.worst_predicted, spec_for(e.metric).unit),
            format_quantity(e.worst_measured, spec_for(e.metric).unit),
        ]
        for e in check.errors
    ]
    header = [
        "measurement",
        "unit",
        "cases",
        "median abs. error",
        "bias (median error)",
        "worst error",
        "worst case",
        "predicted",
        "measured",
    ]
    align = [":---", ":---", "---:", "---:", "---:", "---:", ":---", "---:", "---:"]
    return [
        "## Prediction check",
        "",
        f"{check.cases:,} proved cases (matched or mismatched) have a prediction from the "
        "calibration (`predicted_*`) and its measurement. Error: predicted / measured - 1; "
        "positive when the prediction was too high; the bias is the median signed error.",
        "",
        *table(header, align, rows),
        "",
    ]


def change_list_lines(changes: ChangeList, title: str, frame_name: str) -> list[str]:
    frame = getattr(changes, frame_name)
    lines = [f"## {title}", ""]
    if changes.note:
        # Repeated where the changes are read: they compare two different guest programs.
        lines += [
            "Caution: the two runs do not share one known image id (see above); a different "
            "guest program changes the cycles by itself.",
            "",
        ]
    if frame.empty:
        return [*lines, f"None over the {changes.noise_pct:g}% noise threshold.", ""]
    rows = []
    for r in frame.itertuples(index=False):
        rel = "from 0" if np.isnan(r.rel_change) else format_percent(r.rel_change)
        rows.append(
            [
                escape(r.scope),
                f"`{r.metric}`",
                r.stat,
                format_quantity(r.baseline, spec_for(r.metric).unit),
                format_quantity(r.value, spec_for(r.metric).unit),
                f"{format_signed(r.abs_change, spec_for(r.metric).unit)} ({rel})",
            ]
        )
    header = ["scope", "metric", "stat", "previous", "current", "change"]
    return [*lines, *table(header, [":---", ":---", ":---", "---:", "---:", "---:"], rows), ""]


def _counts(current: Aggregate, comparison: RunComparison | None) -> list[str]:
    columns = [*metrics.STATUSES, "total"]
    rows = []
    for group in [*current.groups, TOTAL]:
        row = [escape(group)]
        for status in columns:
            value = int(current.counts.at[group, status])
            change: Change | None = None
            if comparison is not None:
                prev = comparison.previous.counts
                baseline = float(prev.at[group, status]) if group in prev.index else None
                change = classify(value, baseline, Direction.NEUTRAL, comparison.noise_pct)
            row.append(cell(value, change))
        rows.append(row)
    return [
        "## Cases by status",
        "",
        *table(["group", *columns], [":---", *["---:"] * len(columns)], rows),
        "",
    ]


def group_table(current: Aggregate, group: str, comparison: RunComparison | None) -> list[str]:
    width = 2 + len(SHOWN_STATS)
    lines = [
        f"| {escape(_group_title(group))} |" + "|" * (width - 1),
        "|:---|:---|" + "---:|" * len(SHOWN_STATS),
        "|metric|unit|" + "|".join(SHOWN_STATS) + "|",
    ]
    for metric in current.metric_names:
        if (group, metric) not in current.stats.index or not current.stat(group, metric, "count"):
            continue
        spec = spec_for(metric)
        cells = []
        for stat in SHOWN_STATS:
            if stat == "sum" and not spec.summable:
                cells.append(MISSING)
                continue
            change = comparison.change(group, metric, stat) if comparison else None
            unit = "" if stat == "count" else spec.unit  # a count of cases
            cells.append(cell(current.stat(group, metric, stat), change, unit))
        lines.append("| " + " | ".join([f"`{metric}`", spec.unit, *cells]) + " |")
    return [*lines, ""]


def _aggregated(current: Aggregate, comparison: RunComparison | None) -> list[str]:
    if not current.metric_names:
        return ["## Aggregated metrics", "", "No matched cases.", ""]
    lines = ["## Aggregated metrics", ""]
    for group in [TOTAL, *current.groups]:
        if current.counts.at[group, metrics.MATCHED]:
            lines += group_table(current, group, comparison)
    return lines


def cost_metric(current: Aggregate) -> str | None:
    return next((m for m in COST_METRICS if m in current.metric_names), None)


def detail_columns(current: Aggregate) -> list[str]:
    return [m for m in current.metric_names if NATIVE_METRICS[m].per_case]


def _case_cells(
    current: Aggregate, comparison: RunComparison | None, rows: np.ndarray, columns: list[str]
) -> list[list[str]]:
    out: list[list[str]] = [[] for _ in rows]
    for metric in columns:
        unit = spec_for(metric).unit
        values = current.run.values(metric)[rows]
        baseline = comparison.case_baseline(metric, rows) if comparison else None
        for i, value in enumerate(values):
            change: Change | None = None
            if comparison is not None and baseline is not None:
                change = classify(
                    None if np.isnan(value) else float(value),
                    None if np.isnan(baseline[i]) else float(baseline[i]),
                    spec_for(metric).direction,
                    comparison.noise_pct,
                )
            out[i].append(cell(None if np.isnan(value) else float(value), change, unit))
    return out


def top_cases(current: Aggregate, metric: str, per_group: int) -> dict[int, np.ndarray]:
    """Per group code: the rows of its `per_group` matched cases with the largest `metric`,
    largest first (ties in row order)."""
    cost = current.run.values(metric)
    out = {}
    for code in range(len(current.groups)):
        rows = current.matched_by_group[current.group_starts[code] : current.group_starts[code + 1]]
        keys = np.nan_to_num(-cost[rows], nan=np.inf)
        if len(rows) > per_group:
            keep = np.sort(np.argpartition(keys, per_group - 1)[:per_group])
            rows, keys = rows[keep], keys[keep]
        out[code] = rows[np.argsort(keys, kind="stable")]
    return out


def case_regressions(
    comparison: RunComparison, limit: int
) -> tuple[list[tuple[int, str, Change]], int]:
    """Matched cases whose cost metrics regressed, largest relative change first (at most `limit`),
    and how many there are in all."""
    current = comparison.current
    rows = np.flatnonzero(current.matched)
    found: list[tuple[int, str, Change]] = []
    total = 0
    for metric in COST_METRICS:
        if metric not in current.metric_names:
            continue
        direction = spec_for(metric).direction
        value = current.run.values(metric)[rows]
        baseline = comparison.case_baseline(metric, rows)
        hit = regression_mask(value, baseline, direction, comparison.noise_pct)
        total += int(hit.sum())
        hit_rows, hit_value, hit_base = rows[hit], value[hit], baseline[hit]
        rel = relative_change(hit_value, hit_base)
        size = np.where(np.isnan(rel), np.inf, np.abs(rel).round(9))
        for i in np.argsort(-size, kind="stable")[:limit]:
            change = classify(
                float(hit_value[i]), float(hit_base[i]), direction, comparison.noise_pct
            )
            found.append((int(hit_rows[i]), metric, change))
    case_ids = current.run.strings("case_id")
    found.sort(key=lambda f: (-change_size(f[2]), case_ids[f[0]].as_py(), f[1]))
    return found[:limit], total


def _details(
    current: Aggregate, comparison: RunComparison | None, limits: DetailLimits
) -> list[str]:
    metric = cost_metric(current)
    if metric is None:
        return []
    columns = detail_columns(current)
    case_ids = current.run.strings("case_id")
    lines = [
        "## Cases",
        "",
        f"Per group, the {limits.top_cases} matched cases with the largest `{metric}`"
        + (", then every case whose cost regressed" if comparison else "")
        + f". Every case is in `{current.run.source.name}`.",
        "",
    ]
    header = ["case", *(f"`{c}` ({spec_for(c).unit})" for c in columns)]
    align = [":---", *["---:"] * len(columns)]
    for code, rows in top_cases(current, metric, limits.top_cases).items():
        if not len(rows):
            continue
        shown = len(rows)
        matched = int(current.counts.at[current.groups[code], metrics.MATCHED])
        lines += [f"### {escape(current.groups[code])} ({shown} of {matched:,} matched cases)", ""]
        cells = _case_cells(current, comparison, rows, columns)
        lines += table(
            header,
            align,
            ([escape(case_ids[int(r)].as_py()), *c] for r, c in zip(rows, cells, strict=True)),
        )
        lines.append("")
    if comparison is not None:
        found, total = case_regressions(comparison, limits.max_case_regressions)
        lines += ["### Cases that regressed", ""]
        if not found:
            lines += [f"None over the {comparison.noise_pct:g}% noise threshold.", ""]
        else:
            if total > len(found):
                lines += [f"The {len(found)} largest of {total:,} regressions.", ""]
            regressed = [
                [
                    escape(current.groups[current.grouping.codes[row]]),
                    escape(case_ids[row].as_py()),
                    f"`{metric_name}`",
                    format_quantity(change.baseline, spec_for(metric_name).unit),
                    cell(change.value, change, spec_for(metric_name).unit).strip(),
                ]
                for row, metric_name, change in found
            ]
            lines += table(
                ["group", "case", "metric", "previous", "current"],
                [":---", ":---", ":---", "---:", "---:"],
                regressed,
            )
            lines.append("")
    return lines


def _problems(current: Aggregate, limit: int) -> list[str]:
    statuses = current.run.strings("status").to_numpy(zero_copy_only=False)
    rows = np.flatnonzero(np.isin(statuses, [metrics.FAILED, metrics.MISMATCHED]))
    if not len(rows):
        return []
    case_ids = current.run.strings("case_id")
    reasons = current.run.strings("reason")
    keyed = sorted(rows.tolist(), key=lambda r: (current.grouping.codes[r], case_ids[r].as_py()))
    lines = ["## Failed and mismatched cases", ""]
    if len(keyed) > limit:
        lines += [f"The first {limit} of {len(keyed):,}, by group and case.", ""]
    body = [
        [
            escape(current.groups[current.grouping.codes[r]]),
            escape(case_ids[r].as_py()),
            str(statuses[r]),
            escape(reasons[r].as_py()),
        ]
        for r in keyed[:limit]
    ]
    return [
        *lines,
        *table(["group", "case", "status", "reason"], [":---", ":---", ":---", ":---"], body),
        "",
    ]


def _flame_graphs(graphs: FlameGraphs | None, report_dir: Path | None) -> list[str]:
    """Links to the flame graphs (`pprof: true`): per group, then per case."""
    if graphs is None or not graphs.groups or report_dir is None:
        return []

    def link(path: Path) -> str:
        return Path(os.path.relpath(path, report_dir)).as_posix()

    lines = [
        "## Flame graphs",
        "",
        "The guest's profile as flame graphs (SVG; open one in a browser to zoom and search): a "
        "frame's width is its share of the user cycles, with what it called. Per group, merging "
        "its matched cases:",
        "",
    ]
    lines += [f"- [{escape(g)}]({link(p)})" for g, p in graphs.groups.items()]
    lines.append("")
    for group, cases in graphs.cases.items():
        links = ", ".join(f"[{escape(case)}]({link(svg)})" for case, svg in cases)
        lines += [f"Cases of {escape(group)}: {links}", ""]
    return lines


def render_report(
    current: Aggregate,
    comparison: RunComparison | None = None,
    limits: DetailLimits = DEFAULT_LIMITS,
    flame_graphs: FlameGraphs | None = None,
    report_dir: Path | None = None,
) -> str:
    lines = [*_intro(current, comparison), *_estimates(current, comparison)]
    lines += _prediction_check(current)
    if comparison is not None:
        changes = comparison.changes()
        lines += change_list_lines(changes, "Regressions", "regressions")
        lines += change_list_lines(changes, "Improvements", "improvements")
    lines += _counts(current, comparison)
    lines += _aggregated(current, comparison)
    lines += _details(current, comparison, limits)
    lines += _flame_graphs(flame_graphs, report_dir)
    lines += _problems(current, limits.max_problems)
    return "\n".join(lines).rstrip("\n") + "\n"
