"""Bencher Metric Format (BMF) JSON: `{benchmark: {measure: {value, lower_value, upper_value}}}`.

Measure names carry their unit (`_ms`, `_s`, `cycles`, `_bytes`, ...) and are at most 64 characters
(Bencher's limit): a longer one keeps its head and ends in a hash of the whole name, so it stays
unique and stable. Only finite numbers are written (JSON has no NaN).
"""

from __future__ import annotations

import hashlib
import json
import math
from pathlib import Path

from zkprof.atomic import write_bytes_atomic
from zkprof.report.aggregate import TOTAL, Aggregate
from zkprof.report.metrics_catalog import spec_for
from zkprof.report.openvm import OpenvmAggregate

MAX_MEASURE_CHARS = 64
MAX_BENCHMARK_CHARS = 1024
HASH_CHARS = 8
SUM_SUFFIX = "::sum"
BOUNDED_ESTIMATE = "bounded_par_proof_time_s"
# A run's median absolute prediction error (%) of a measurement, e.g. prove_ms + this suffix.
PREDICTION_ERROR_SUFFIX = "::prediction_median_abs_error_pct"

Metric = dict[str, float]
Document = dict[str, dict[str, Metric]]


def measure_name(name: str) -> str:
    if len(name) <= MAX_MEASURE_CHARS:
        return name
    digest = hashlib.sha256(name.encode()).hexdigest()[:HASH_CHARS]
    return f"{name[: MAX_MEASURE_CHARS - HASH_CHARS - 1]}~{digest}"


def _metric(value: float, lower: float | None = None, upper: float | None = None) -> Metric | None:
    if not math.isfinite(value):
        return None
    out = {"value": float(value)}
    if lower is not None and upper is not None and math.isfinite(lower) and math.isfinite(upper):
        out |= {"lower_value": float(lower), "upper_value": float(upper)}
    return out


def _put(benchmark: dict[str, Metric], name: str, metric: Metric | None) -> None:
    if metric is None:
        return
    key = measure_name(name)
    if key in benchmark:
        raise ValueError(f"two measures named {key!r}")
    benchmark[key] = metric


def estimate_measure(estimate: str, provers: int) -> str:
    """The bounded estimate names its prover count: bounded_par_proof_time_32_provers_s."""
    if estimate == BOUNDED_ESTIMATE:
        return f"{estimate.removesuffix('_s')}_{provers}_provers_s"
    return estimate


def merge(documents: list[Document]) -> Document:
    """One document from several; the same benchmark twice is an error (openvm-prof panics)."""
    out: Document = {}
    for doc in documents:
        for benchmark, measures in doc.items():
            if benchmark in out:
                raise ValueError(
                    f"benchmark {benchmark!r} appears twice: give the runs distinct names"
                )
            out[benchmark] = measures
    return out


def native_document(aggregate: Aggregate, name: str) -> Document:
    """Per group `name::group` (and `name` for the whole run): per metric its mean with min and max
    as bounds, its sum, median and p90; the case counts; the proving-time estimates; for the run,
    when proofs have predictions, each measurement's median absolute prediction error (%)."""
    doc: Document = {}
    for group in [TOTAL, *aggregate.groups]:
        bench: dict[str, Metric] = {}
        for status, count in aggregate.counts.loc[group].items():
            _put(bench, f"cases_{status}", _metric(float(count)))
        for metric in aggregate.metric_names:
            mean = aggregate.stat(group, metric, "mean")
            if mean is None:
                continue
            low, high = aggregate.stat(group, metric, "min"), aggregate.stat(group, metric, "max")
            _put(bench, metric, _metric(mean, low, high))
            for stat in ("median", "p90"):
                _put(
                    bench,
                    f"{metric}::{stat}",
                    _metric(aggregate.stat(group, metric, stat) or math.nan),
                )
            if spec_for(metric).summable:
                _put(
                    bench,
                    f"{metric}{SUM_SUFFIX}",
                    _metric(aggregate.stat(group, metric, "sum") or 0.0),
                )
        if group in aggregate.estimates.index:
            for estimate, value in aggregate.estimates.loc[group].items():
                _put(bench, estimate_measure(estimate, aggregate.provers), _metric(float(value)))
        if group == TOTAL and aggregate.predictions is not None:
            for error in aggregate.predictions.errors:
                _put(
                    bench,
                    f"{error.metric}{PREDICTION_ERROR_SUFFIX}",
                    _metric(error.median_abs_pct),
                )
        doc[name if group == TOTAL else f"{name}::{group}"] = bench
    return doc


def openvm_document(aggregate: OpenvmAggregate, name: str) -> Document:
    """openvm-prof's BMF: per group every metric's mean (min, max as bounds) and `::sum`; the run's
    total and parallel proof time, in seconds (named with `_s`, which openvm-prof leaves out)."""
    doc: Document = {}
    for group in aggregate.groups():
        bench: dict[str, Metric] = {}
        for metric in sorted(aggregate.stats[group]):
            stats = aggregate.stats[group][metric]
            if not (math.isfinite(stats.avg) and math.isfinite(stats.sum)):
                continue
            _put(bench, f"{metric}{SUM_SUFFIX}", _metric(stats.sum))
            _put(bench, metric, _metric(stats.avg, stats.min, stats.max))
        doc[f"{name}::{group}"] = bench
    run: dict[str, Metric] = {}
    _put(run, "total_proof_time_s", _metric(aggregate.total_proof_time))
    _put(run, "total_par_proof_time_s", _metric(aggregate.total_par_proof_time))
    doc[name] = run
    return doc


def write_document(doc: Document, path: Path) -> None:
    for benchmark in doc:
        if len(benchmark) > MAX_BENCHMARK_CHARS:
            raise ValueError(
                f"benchmark name longer than {MAX_BENCHMARK_CHARS} characters: {benchmark[:80]}..."
            )
    ordered = {b: dict(sorted(doc[b].items())) for b in sorted(doc)}
    write_bytes_atomic(path, (json.dumps(ordered, indent=2) + "\n").encode())
