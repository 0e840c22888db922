"""Reports from runs to files: what the Snakemake rules and `zkprof report` call."""

from __future__ import annotations

import sys
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from zkprof.atomic import write_bytes_atomic
from zkprof.report import bencher, openvm, openvm_report
from zkprof.report.aggregate import DEFAULT_PROVERS, Aggregate, aggregate_run
from zkprof.report.compare import (
    DEFAULT_NOISE_PCT,
    Change,
    ChangeList,
    RunComparison,
    classify,
    compare_runs,
    list_changes,
)
from zkprof.report.defaults import OPENVM_NOISE_PCT
from zkprof.report.flame_graphs import write_group_flame_graphs
from zkprof.report.load import ReportInputError, load_run, split_by_image
from zkprof.report.markdown import DEFAULT_LIMITS, DetailLimits, render_report
from zkprof.report.metrics_catalog import LOWER, spec_for
from zkprof.report.plots import write_memory_chart, write_plots
from zkprof.report.summary import SummaryRow, render_summary

REPORT_FILE = "report.md"
BENCHER_FILE = "bencher.json"
SUMMARY_FILE = "summary.md"
# openvm-prof compares a run's mean proving times (its "avg"); zkprof does the same per case.
DEFAULT_COMPARE_STAT = "mean"


@dataclass(frozen=True)
class RunReport:
    aggregate: Aggregate
    comparison: RunComparison | None
    paths: list[Path] = field(default_factory=list)

    def changes(self) -> ChangeList | None:
        return self.comparison.changes() if self.comparison else None


def build_run_report(
    metrics: Path,
    prev: Path | None = None,
    *,
    group_by: tuple[str, ...] = ("group",),
    provers: int = DEFAULT_PROVERS,
    noise_pct: float = DEFAULT_NOISE_PCT,
    compare_stat: str = DEFAULT_COMPARE_STAT,
    name: str | None = None,
    allow_mixed_images: bool = False,
) -> RunReport:
    """Aggregate a run (a Parquet file or results folder) and compare it with `prev` if given.

    A run whose rows come from several image ids is refused, or with `allow_mixed_images` grouped
    per image id (and so is the previous run, so that the same groups are compared)."""
    run = load_run(metrics, group_by=group_by, name=name, allow_mixed_images=allow_mixed_images)
    previous_run = None
    if prev is not None:
        # A results folder as baseline: take the same action as the current run.
        previous_run = load_run(
            prev, group_by=group_by, action=run.action, allow_mixed_images=allow_mixed_images
        )
    by = split_by_image(tuple(group_by), run, previous_run)
    current = aggregate_run(run, by, provers)
    comparison = None
    if previous_run is not None:
        comparison = compare_runs(
            current, aggregate_run(previous_run, by, provers), noise_pct, compare_stat
        )
    return RunReport(current, comparison)


def write_run_files(
    report: RunReport,
    out_dir: Path,
    *,
    benchmark_results_link: str | None = None,
    noise_pct: float = DEFAULT_NOISE_PCT,
    plots: bool = True,
    limits: DetailLimits = DEFAULT_LIMITS,
) -> list[Path]:
    """out_dir/report.md, bencher.json, summary.md and (with `plots`) the PNG plots."""
    aggregate, comparison = report.aggregate, report.comparison
    graphs = write_group_flame_graphs(aggregate, out_dir)
    report_path = out_dir / REPORT_FILE
    text = render_report(aggregate, comparison, limits, graphs, out_dir)
    write_bytes_atomic(report_path, text.encode())
    bencher_path = out_dir / BENCHER_FILE
    bencher.write_document(bencher.native_document(aggregate, aggregate.run.name), bencher_path)
    summary_path = out_dir / SUMMARY_FILE
    row = SummaryRow(aggregate.run.name, REPORT_FILE, aggregate, comparison)
    write_bytes_atomic(
        summary_path, render_summary([row], benchmark_results_link, noise_pct).encode()
    )
    paths = [report_path, bencher_path, summary_path, *graphs.groups.values()]
    if plots:
        paths += write_plots(aggregate, comparison, out_dir)
    return paths


def write_reports(
    metrics_parquet: Path,
    out_dir: Path,
    prev: Path | None = None,
    *,
    group_by: Sequence[str] = ("group",),
    noise_pct: float = DEFAULT_NOISE_PCT,
    provers: int = DEFAULT_PROVERS,
    benchmark_results_link: str | None = None,
    name: str | None = None,
    plots: bool = True,
    limits: DetailLimits = DEFAULT_LIMITS,
    allow_mixed_images: bool = False,
) -> list[Path]:
    """Every report of one run into `out_dir` (report.md, bencher.json, summary.md, and the plots
    cycles_per_case.png, time_vs_cycles.png, changes.png, predicted_vs_measured.png); returns the
    paths written."""
    report = build_run_report(
        Path(metrics_parquet),
        Path(prev) if prev is not None else None,
        group_by=tuple(group_by),
        provers=provers,
        noise_pct=noise_pct,
        name=name,
        allow_mixed_images=allow_mixed_images,
    )
    return write_run_files(
        report,
        Path(out_dir),
        benchmark_results_link=benchmark_results_link,
        noise_pct=noise_pct,
        plots=plots,
        limits=limits,
    )


def write_multi_run(
    reports: list[RunReport],
    out_dir: Path,
    *,
    benchmark_results_link: str | None,
    noise_pct: float,
    plots: bool = True,
    limits: DetailLimits = DEFAULT_LIMITS,
) -> list[Path]:
    """Several runs: out_dir/<name>/ per run, and one summary.md and bencher.json for all."""
    names = [r.aggregate.run.name for r in reports]
    duplicates = sorted({n for n in names if names.count(n) > 1})
    if duplicates:
        raise ReportInputError(
            f"runs share the name {', '.join(duplicates)}: give distinct --names"
        )
    paths: list[Path] = []
    for report in reports:
        paths += write_run_files(
            report,
            out_dir / report.aggregate.run.name,
            noise_pct=noise_pct,
            plots=plots,
            limits=limits,
        )
    rows = [
        SummaryRow(
            r.aggregate.run.name, f"{r.aggregate.run.name}/{REPORT_FILE}", r.aggregate, r.comparison
        )
        for r in reports
    ]
    summary = out_dir / SUMMARY_FILE
    write_bytes_atomic(summary, render_summary(rows, benchmark_results_link, noise_pct).encode())
    doc = bencher.merge(
        [bencher.native_document(r.aggregate, r.aggregate.run.name) for r in reports]
    )
    bencher.write_document(doc, out_dir / BENCHER_FILE)
    return [*paths, summary, out_dir / BENCHER_FILE]


# --- openvm-prof files ------------------------------------------------------------------------


@dataclass(frozen=True)
class OpenvmResult:
    benchmarks: list[openvm_report.Benchmark]
    md_paths: list[Path]
    changes: ChangeList | None


def _sibling(path: Path, out_dir: Path | None, suffix: str) -> Path:
    """openvm-prof's names: metrics.json -> metrics.md, metrics.detailed.md, metrics.memory.svg."""
    return (out_dir or path.parent) / f"{path.stem}{suffix}"


def openvm_changes(
    current: openvm.OpenvmAggregate, previous: openvm.OpenvmAggregate, name: str, noise_pct: float
) -> list[tuple[str, str, str, Change]]:
    rows: list[tuple[str, str, str, Change]] = [
        (
            name,
            "total_proof_time_s",
            "value",
            classify(current.total_proof_time, previous.total_proof_time, LOWER, noise_pct),
        ),
        (
            name,
            "total_par_proof_time_s",
            "value",
            classify(current.total_par_proof_time, previous.total_par_proof_time, LOWER, noise_pct),
        ),
    ]
    for group in current.groups():
        if openvm.KEYGEN_MARK in group:
            continue
        for metric in openvm.AGGREGATED_METRICS:
            if metric not in current.stats[group]:
                continue
            stat = "avg" if metric in openvm.NO_SUM else "sum"
            change = classify(
                current.stat(group, metric, stat),
                previous.stat(group, metric, stat),
                spec_for(metric).direction,
                noise_pct,
            )
            rows.append((f"{name}::{group}", metric, stat, change))
    return rows


def run_openvm(
    json_paths: list[Path],
    prev_json_paths: list[Path] | None = None,
    names: list[str] | None = None,
    *,
    output_json: Path | None = None,
    num_devices: int = 16,
    proofs_per_device: int = 2,
    noise_pct: float = OPENVM_NOISE_PCT,
    out_dir: Path | None = None,
) -> OpenvmResult:
    """openvm-prof's main run: X.md and X.detailed.md per metrics file, and the BMF JSON.

    A previous path that does not exist is a new benchmark (no comparison), as in openvm-prof;
    argument lists of different lengths and duplicate names are errors, not panics."""
    if not json_paths:
        raise ReportInputError("--json-paths: give at least one metrics file")
    if prev_json_paths is not None and len(prev_json_paths) != len(json_paths):
        raise ReportInputError(
            f"--prev-json-paths has {len(prev_json_paths)} paths and --json-paths {len(json_paths)}: "
            "give one previous path per metrics file, in the same order"
        )
    if names and len(names) != len(json_paths):
        raise ReportInputError(
            f"--names has {len(names)} names and --json-paths {len(json_paths)} paths: give one "
            "name per metrics file, in the same order"
        )
    if num_devices < 1 or proofs_per_device < 1:
        raise ReportInputError("--num-devices and --proofs-per-device must be at least 1")
    num_parallel = num_devices * proofs_per_device
    loaded = []
    for i, path in enumerate(json_paths):
        db = openvm.read_metrics(path)
        current = openvm.aggregate(db, num_parallel)
        previous = None
        prev_path = prev_json_paths[i] if prev_json_paths else None
        if prev_path is not None and Path(prev_path).exists():
            previous = openvm.aggregate(openvm.read_metrics(prev_path), num_parallel)
        name = (names[i] if names else "") or current.name() or Path(path).stem
        loaded.append((Path(path), db, current, previous, name))
    chosen = [entry[4] for entry in loaded]
    duplicates = sorted({n for n in chosen if chosen.count(n) > 1})
    if duplicates:
        raise ReportInputError(
            f"two metrics files have the benchmark name {', '.join(duplicates)}: name them with --names"
        )

    benchmarks, md_paths, docs, change_rows = [], [], [], []
    for path, db, current, previous, name in loaded:
        chart = None
        memory = openvm_report.gpu_memory(db)
        if memory is not None:
            chart = _sibling(path, out_dir, ".memory.svg")
            write_memory_chart(memory.points, chart)
        text = openvm_report.render_markdown(
            db, current, previous, noise_pct, chart.name if chart else None
        )
        md_path = _sibling(path, out_dir, ".md")
        write_bytes_atomic(md_path, text.encode())
        write_bytes_atomic(
            _sibling(path, out_dir, ".detailed.md"), openvm_report.detailed_tables(db).encode()
        )
        md_paths.append(md_path)
        benchmarks.append(openvm_report.Benchmark(name, md_path.name, current, previous))
        docs.append(bencher.openvm_document(current, name))
        if previous is not None:
            change_rows += openvm_changes(current, previous, name, noise_pct)
    if output_json is not None:
        bencher.write_document(bencher.merge(docs), output_json)
    compared = any(b.previous is not None for b in benchmarks)
    return OpenvmResult(
        benchmarks, md_paths, list_changes(change_rows, noise_pct) if compared else None
    )


def write_openvm_summary(
    result: OpenvmResult,
    benchmark_results_link: str,
    summary_md_path: Path | None,
    noise_pct: float = OPENVM_NOISE_PCT,
) -> str:
    """openvm-prof's `summary` subcommand: to `summary_md_path`, or returned for stdout."""
    text, warnings = openvm_report.render_summary(
        result.benchmarks, benchmark_results_link, noise_pct
    )
    for warning in warnings:
        print(f"warning: {warning}", file=sys.stderr)
    if summary_md_path is not None:
        write_bytes_atomic(summary_md_path, text.encode())
    return text
