"""openvm-prof's files from its metrics: X.md (summary and per-group tables, GPU memory,
instruction counts) and X.detailed.md (every label set), in its layout and number style.

Its defects are not reproduced: numbers round as a whole (1.996 -> "2", -0.5 -> "-0.50"), a zero
baseline reads "from 0" instead of "NaN%", colours follow each metric's direction (a faster
throughput is green), and every order is fixed.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import partial

from zkprof.report.compare import Change, classify
from zkprof.report.fmt import cell, format_number
from zkprof.report.metrics_catalog import LOWER, spec_for
from zkprof.report.openvm import (
    AGGREGATED_METRICS,
    AVG_ONLY_IN_APP_GROUPS,
    KEYGEN_MARK,
    NO_SUM,
    MetricDb,
    OpenvmAggregate,
    is_app_group,
    label_tables,
    projection_comparable,
)

DASH = f"{'-':<10}"  # openvm-prof pads the dashes of skipped statistics to ten characters
GPU_PREFIX = "gpu_mem."
DETAIL_HIDDEN_PREFIXES = (GPU_PREFIX, "wrapper.")
OPCODE_METRICS = ("opcode_count", "frequency")  # the first one a file has is counted
GIB = float(1 << 30)
MAX_CHART_POINTS = 1000


def _change(
    value: float | None, baseline: float | None, name: str, compared: bool, noise_pct: float
) -> Change | None:
    if not compared:
        return None
    return classify(value, baseline, spec_for(name).direction, noise_pct)


def summary_table(
    current: OpenvmAggregate, previous: OpenvmAggregate | None, noise_pct: float
) -> list[str]:
    prev_rows = {r[0]: r for r in previous.proof_rows()} if previous else {}
    prev_total = (
        (previous.total_proof_time, previous.total_par_proof_time, previous.total_bounded())
        if previous
        else None
    )
    comparable = previous is not None and all(
        projection_comparable(current, previous, g) for g in current.par_by_group
    )

    def seconds(value: float, baseline: float | None, parallel: bool) -> str:
        if previous is None or (parallel and not comparable):
            return cell(value)
        return cell(value, classify(value, baseline, LOWER, noise_pct))

    lines = [
        "| Summary | Proof Time (s) | Parallel Proof Time (s) | Parallel Proof Time "
        f"({current.num_parallel} provers) (s) |",
        "|:---|---:|---:|---:|",
        "| Total | "
        + " | ".join(
            [
                seconds(current.total_proof_time, prev_total and prev_total[0], False),
                seconds(current.total_par_proof_time, prev_total and prev_total[1], True),
                seconds(current.total_bounded(), prev_total and prev_total[2], True),
            ]
        )
        + " |",
    ]
    for group, sequential, parallel, bounded in current.proof_rows():
        prev = prev_rows.get(group)
        group_ok = previous is not None and projection_comparable(current, previous, group)

        def projected(value: float, baseline: float | None, ok: bool = group_ok) -> str:
            if previous is None or not ok:
                return cell(value)
            return cell(value, classify(value, baseline, LOWER, noise_pct))

        bounded_text = "-" if bounded is None else projected(bounded, prev[3] if prev else None)
        lines.append(
            f"| {group} | {seconds(sequential, prev[1] if prev else None, False)} | "
            f"{projected(parallel, prev[2] if prev else None)} | {bounded_text} |"
        )
    return [*lines, ""]


def _stat_cell(
    current: OpenvmAggregate,
    previous: OpenvmAggregate | None,
    group: str,
    name: str,
    stat: str,
    noise_pct: float,
) -> str:
    value = current.stat(group, name, stat)
    baseline = previous.stat(group, name, stat) if previous else None
    change = _change(value, baseline, name, previous is not None, noise_pct)
    return cell(value, change, spec_for(name).unit)


def group_tables(
    current: OpenvmAggregate, previous: OpenvmAggregate | None, noise_pct: float
) -> list[str]:
    lines: list[str] = []
    for group in current.groups():
        if KEYGEN_MARK in group:
            continue
        summaries = current.stats[group]
        names = [m for m in AGGREGATED_METRICS if m in summaries]
        if not names:
            continue
        lines += [f"| {group} |||||", "|:---|---:|---:|---:|---:|", "|metric|avg|sum|max|min|"]
        phases: list[str | None] = [None]
        for name in names:
            phase = summaries[name].phase
            if phase is not None and phase not in phases:
                phases.append(phase)
        for phase in phases:
            in_phase = [n for n in names if summaries[n].phase == phase]
            if not in_phase:
                continue
            if phase is not None:
                lines.append(f"| __{phase[:1].upper() + phase[1:]}__ |||||")
            for name in in_phase:
                stat_cell = partial(_stat_cell, current, previous, group, name, noise_pct=noise_pct)
                if name in AVG_ONLY_IN_APP_GROUPS and is_app_group(group):
                    shown = [stat_cell("avg"), DASH, DASH, DASH]
                elif name in NO_SUM:
                    shown = [stat_cell("avg"), DASH, stat_cell("max"), stat_cell("min")]
                else:
                    shown = [stat_cell(s) for s in ("avg", "sum", "max", "min")]
                lines.append(f"| `{name:<20}` | " + " | ".join(shown) + " |")
        lines.append("")
    return [*lines, ""]


def detailed_tables(db: MetricDb) -> str:
    """Every label set, one table per set of label keys; values summed per label set."""
    out: list[str] = []
    tables = label_tables(db)
    for keys in sorted(tables):
        rows = tables[keys]
        metric_names = sorted({m for metrics in rows.values() for m in metrics}, reverse=True)
        metric_names = [m for m in metric_names if not m.startswith(DETAIL_HIDDEN_PREFIXES)]
        if not metric_names:
            continue
        out.append("| " + " | ".join([*keys, *metric_names]) + " |")
        out.append("| " + " | ".join(["---"] * (len(keys) + len(metric_names))) + " |")
        ordered = sorted(rows.items())
        segment = keys.index("segment") if "segment" in keys else None
        has_frequency = "frequency" in metric_names
        if segment is not None or has_frequency:
            ordered.sort(
                key=lambda item: (
                    item[0][segment] if segment is not None else "",
                    -item[1].get("frequency", 0.0) if has_frequency else 0.0,
                )
            )
        for values, metrics in ordered:
            prefix = "| " + "".join(f"{v} | " for v in values)
            cells = "".join(
                f"{format_number(metrics[m]) if m in metrics else ''} | " for m in metric_names
            )
            out.append(prefix + cells)
        out.append("")
    return "".join(line + "\n" for line in out)


def instruction_count_table(db: MetricDb) -> str:
    tables = {k: v for k, v in label_tables(db).items() if "opcode" in k}
    present = {m for rows in tables.values() for metrics in rows.values() for m in metrics}
    metric = next((m for m in OPCODE_METRICS if m in present), None)
    if metric is None:
        return ""
    counts: dict[tuple[str, str], float] = {}
    has_group = False
    for keys, rows in tables.items():
        if not any(metric in metrics for metrics in rows.values()):
            continue
        opcode_at = keys.index("opcode")
        group_at = keys.index("group") if "group" in keys else None
        has_group |= group_at is not None
        for values, metrics in rows.items():
            key = (values[group_at] if group_at is not None else "", values[opcode_at])
            counts[key] = counts.get(key, 0.0) + metrics.get(metric, 0.0)
    header = ["group", "opcode", "Instructions"] if has_group else ["opcode", "Instructions"]
    lines = ["| " + " | ".join(header) + " |", "| " + " | ".join(["---"] * len(header)) + " |"]
    for (group, opcode), count in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])):
        row = [group, opcode] if has_group else [opcode]
        lines.append("| " + " | ".join([*row, format_number(count)]) + " |")
    return "\n".join(lines) + "\n\n"


@dataclass(frozen=True)
class GpuMemory:
    points: list[
        tuple[float, float, float, float]
    ]  # (timestamp ms, current, local peak, reserved GiB)
    table: str  # per module: the largest local peak and where it happened


def gpu_memory(db: MetricDb) -> GpuMemory | None:
    points: list[tuple[float, float, float, float]] = []
    peaks: dict[str, list[tuple[float, str]]] = {}
    for keys, rows in label_tables(db).items():
        if "module" not in keys:
            continue
        module_at = keys.index("module")
        for values, metrics in rows.items():
            wanted = [
                f"{GPU_PREFIX}{n}"
                for n in ("timestamp_ms", "current_bytes", "local_peak_bytes", "reserved_bytes")
            ]
            if not all(w in metrics for w in wanted):
                continue
            ts, current, peak, reserved = (metrics[w] for w in wanted)
            points.append((ts, current / GIB, peak / GIB, reserved / GIB))
            context = ".".join(
                v for k, v in zip(keys, values, strict=True) if k not in ("module", "block_number")
            )
            peaks.setdefault(values[module_at], []).append((peak / GIB, context))
    if not points:
        return None
    points.sort()
    if len(points) > MAX_CHART_POINTS:
        step = len(points) // MAX_CHART_POINTS
        points = points[::step]
    maxima: list[tuple[str, float, str]] = []
    for module, entries in peaks.items():
        # Of equal peaks, the first context in sorted order (openvm-prof: whichever came last).
        top = max(sorted(entries, key=lambda e: e[1]), key=lambda e: e[0])
        maxima.append((module, top[0], top[1]))
    maxima.sort(key=lambda r: (-r[1], r[0]))
    table = "| Module | Max (GB) | Max At |\n| --- | ---: | --- |\n" + "".join(
        f"| {module} | {peak:.2f} | {where} |\n" for module, peak, where in maxima
    )
    return GpuMemory(points, table)


def render_markdown(
    db: MetricDb,
    current: OpenvmAggregate,
    previous: OpenvmAggregate | None,
    noise_pct: float,
    memory_chart_name: str | None = None,
) -> str:
    """X.md: summary table, per-group tables, then GPU memory and instruction counts if any."""
    lines = [
        *summary_table(current, previous, noise_pct),
        "",
        *group_tables(current, previous, noise_pct),
    ]
    text = "\n".join(lines) + "\n"
    memory = gpu_memory(db)
    if memory is not None and memory_chart_name is not None:
        text += (
            f"\n## GPU Memory Usage\n\n![GPU Memory Usage]({memory_chart_name})\n\n{memory.table}"
        )
    counts = instruction_count_table(db)
    if counts:
        text += "\n" + counts
    return text


# --- GitHub summary ------------------------------------------------------------------------


@dataclass(frozen=True)
class SummaryMetrics:
    proof_time_ms: float
    insns: float
    cells_used: float


FALLBACK_PROOF_TIMES = (
    "execute_metered_time_ms",
    "set_initial_memory_time_ms",
    "execute_preflight_time_ms",
    "postflight_time_ms",
    "trace_gen_time_ms",
    "stark_prove_excluding_trace_time_ms",
)
# app.cycles: preflight instructions; files from before preflight metrics count total_cycles.
INSTRUCTION_METRICS = ("execute_preflight_insns", "total_cycles")


def summary_metrics(agg: OpenvmAggregate, group: str) -> SummaryMetrics | None:
    stats = agg.stats.get(group)
    if stats is None:
        return None
    if "total_proof_time_ms" in stats:
        proof = stats["total_proof_time_ms"].sum
    else:
        proof = sum(stats[m].sum for m in FALLBACK_PROOF_TIMES if m in stats)
    insns = next((stats[m].sum for m in INSTRUCTION_METRICS if m in stats), 0.0)
    cells = stats["main_cells_used"].sum if "main_cells_used" in stats else 0.0
    return SummaryMetrics(proof, insns, cells)


@dataclass(frozen=True)
class Benchmark:
    """One row of the GitHub summary: a metrics file, aggregated, and its previous run if any."""

    name: str
    md_filename: str
    current: OpenvmAggregate
    previous: OpenvmAggregate | None


def _summary_cells(
    current: SummaryMetrics, previous: SummaryMetrics | None, noise_pct: float
) -> dict[str, str]:
    def one(field: str, metric: str) -> str:
        value = getattr(current, field)
        unit = spec_for(metric).unit
        if previous is None:
            return cell(value, unit=unit)
        change = classify(value, getattr(previous, field), spec_for(metric).direction, noise_pct)
        return cell(value, change, unit)

    return {
        "proof": one("proof_time_ms", "total_proof_time_ms"),
        "insns": one("insns", "execute_preflight_insns"),
        "cells": one("cells_used", "main_cells_used"),
    }


OMITTED_CELLS_NOTE = (
    "Note: cells_used metrics omitted because CUDA tracegen does not expose unpadded trace heights."
)


def render_summary(
    benchmarks: list[Benchmark], link: str, noise_pct: float
) -> tuple[str, list[str]]:
    """The GitHub summary (one row per benchmark, linked to its X.md) and the warnings it raised."""
    include_cells = any(
        "main_cells_used" in stats for b in benchmarks for stats in b.current.stats.values()
    )
    if include_cells:
        header = "| group | app.proof_time_ms | app.cycles | app.cells_used | leaf.proof_time_ms | leaf.cells_used |"
    else:
        header = "| group | app.proof_time_ms | app.cycles | leaf.proof_time_ms |"
    lines = [header, "| -- |" + " -- |" * (5 if include_cells else 3)]
    warnings = []
    for bench in benchmarks:
        app_name = bench.current.name()
        app = summary_metrics(bench.current, app_name) if app_name else None
        if app is None:
            warnings.append(
                f"skipping benchmark '{bench.name}' ({bench.md_filename}): no grouped metrics found"
            )
            continue
        prev_app = prev_leaf = None
        if (
            app_name is not None
            and bench.previous is not None
            and bench.previous.name() == app_name
        ):
            prev_app = summary_metrics(bench.previous, app_name)
            prev_leaf = summary_metrics(bench.previous, "leaf")
        app_cells = _summary_cells(app, prev_app, noise_pct)
        leaf = summary_metrics(bench.current, "leaf")
        leaf_cells = _summary_cells(leaf, prev_leaf, noise_pct) if leaf else None
        row = f"| [{bench.name}]({link}/{bench.md_filename}) |"
        if include_cells:
            row += f"{app_cells['proof']} | {app_cells['insns']} | {app_cells['cells']} |"
            row += f"{leaf_cells['proof']} | {leaf_cells['cells']} |" if leaf_cells else "- | - |"
        else:
            leaf_text = leaf_cells["proof"] if leaf_cells else "-"
            row += f"{app_cells['proof']} | {app_cells['insns']} | {leaf_text} |"
        lines.append(row)
    lines.append("")
    if not include_cells:
        lines += [OMITTED_CELLS_NOTE, ""]
    return "\n".join(lines) + "\n", warnings
