"""openvm-prof's metrics files: read, aggregate by the `group` label, and estimate proving time.

A metrics file is `{"counter": [...], "gauge": [...]}`, each entry `{"metric", "labels": [[k, v],
...], "value"}` with the value a string or a number. As openvm-prof does: counters equal to zero are
dropped; a label set without `total_proof_time_ms` gets one from its phase times; the
`generate_blob_time_ms` of each (group, idx) is summed into `generate_blob_total_time_ms`; legacy
group and metric names are mapped to their current ones; proving time is projected per group for
unbounded parallelism and for `num_devices * proofs_per_device` provers (round-robin).

Unlike openvm-prof, every order is fixed by the file (and by segment and index numbers), never by
hash-map iteration, so the same file always gives the same report and the same estimates.
"""

from __future__ import annotations

import json
import math
import sys
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from zkprof.report.aggregate import natural_key
from zkprof.report.estimate import round_robin_makespan
from zkprof.report.load import ReportInputError

Labels = tuple[tuple[str, str], ...]

PROOF_TIME = "total_proof_time_ms"
MAIN_CELLS_USED = "main_cells_used"
EXECUTE_METERED_TIME = "execute_metered_time_ms"
EXECUTE_METERED_INSNS = "execute_metered_insns"
EXECUTE_PURE_TIME = "execute_pure_time_ms"
EXECUTE_PREFLIGHT_TIME = "execute_preflight_time_ms"
EXECUTE_PREFLIGHT_INSNS = "execute_preflight_insns"
EXECUTE_PREFLIGHT_RATE = "execute_preflight_insn_mi/s"
LEGACY_EXECUTE_TIME = "execute_time_ms"
LEGACY_TOTAL_CYCLES = "total_cycles"
TRACE_GEN_TIME = "trace_gen_time_ms"
PROVE_EXCL_TRACE_TIME = "stark_prove_excluding_trace_time_ms"
BLOB_TIME = "generate_blob_time_ms"
BLOB_TOTAL_TIME = "generate_blob_total_time_ms"

# The metrics of the per-group tables, in this order (openvm-prof's AGGREGATED_METRIC_NAMES).
AGGREGATED_METRICS: tuple[str, ...] = (
    PROOF_TIME,
    MAIN_CELLS_USED,
    "total_cells_used",
    "compile_pure_time_ms",
    "compile_metered_time_ms",
    "compile_metered_segment_time_ms",
    "compile_metered_cost_time_ms",
    "compile_preflight_time_ms",
    EXECUTE_PURE_TIME,
    "execute_pure_insn_mi/s",
    EXECUTE_METERED_TIME,
    EXECUTE_METERED_INSNS,
    "execute_metered_cost_insns",
    "execute_metered_insn_mi/s",
    "set_initial_memory_time_ms",
    EXECUTE_PREFLIGHT_INSNS,
    EXECUTE_PREFLIGHT_TIME,
    EXECUTE_PREFLIGHT_RATE,
    "postflight_time_ms",
    "postflight_replay_count_time_ms",
    "postflight_replay_emit_time_ms",
    "postflight_memory_chronology_time_ms",
    "postflight_program_index_time_ms",
    TRACE_GEN_TIME,
    BLOB_TOTAL_TIME,
    "memory_finalize_time_ms",
    "boundary_finalize_time_ms",
    "merkle_finalize_time_ms",
    PROVE_EXCL_TRACE_TIME,
    "prover.main_trace_commit_time_ms",
    "prover.rap_constraints_time_ms",
    "prover.openings_time_ms",
    "prover.rap_constraints.logup_gkr_time_ms",
    "prover.rap_constraints.round0_time_ms",
    "prover.rap_constraints.mle_rounds_time_ms",
    "prover.openings.stacked_reduction_time_ms",
    "prover.openings.stacked_reduction.round0_time_ms",
    "prover.openings.stacked_reduction.mle_rounds_time_ms",
    "prover.openings.whir_time_ms",
    "halo2_verifier_k",
    "halo2_wrapper_k",
)
# Rows of the per-group tables that show only some statistics: the others print "-".
AVG_ONLY_IN_APP_GROUPS = (EXECUTE_METERED_TIME, EXECUTE_METERED_INSNS)
NO_SUM = ("execute_pure_insn_mi/s", EXECUTE_PREFLIGHT_RATE, "execute_metered_insn_mi/s")
# Instruction counts that must agree, when present (keygen groups excepted).
INSTRUCTION_COUNTS = (
    "execute_pure_insns",
    EXECUTE_METERED_INSNS,
    "execute_metered_cost_insns",
    EXECUTE_PREFLIGHT_INSNS,
)
# Summary fallback when a group has no total proof time: the sum of its phases.
PHASE_TIMES = (
    EXECUTE_METERED_TIME,
    "set_initial_memory_time_ms",
    EXECUTE_PREFLIGHT_TIME,
    "postflight_time_ms",
    TRACE_GEN_TIME,
    PROVE_EXCL_TRACE_TIME,
)
# Group display order: app groups (weight 0), then these prefixes, then keygen groups.
GROUP_PREFIXES = ("leaf", "internal", "root", "halo2_outer", "halo2_wrapper")
KEYGEN_MARK = "keygen"
NOT_APP_GROUPS = ("leaf", "root", "halo2_outer", "halo2_wrapper")
APP_GROUP_PREFIXES = (
    "reth.prove_app.block_",
    "reth.prove_app_rvr.block_",
    "reth.prove_root.block_",
    "reth.prove_evm.block_",
)
APP_GROUP = "app_proof"
LEGACY_METRIC_NAMES: dict[str, str] = {
    "prepare_rvr_checkpoint_time_ms": "prepare_preflight_time_ms",
    "prepare_rvr_preflight_time_ms": "prepare_preflight_time_ms",
    "compile_checkpoint_preflight_time_ms": "compile_preflight_time_ms",
    "upload_checkpoint_program_time_ms": "upload_preflight_program_time_ms",
    "upload_postflight_program_time_ms": "upload_preflight_program_time_ms",
    "app_prove_rvr_checkpoint_time_ms": "app_prove_time_ms",
    "expand_checkpoint_replay_time_ms": "postflight_time_ms",
    "execute_checkpoint_preflight_insns": EXECUTE_PREFLIGHT_INSNS,
    "execute_preflight_checkpoints": "execute_preflight_intervals",
    "execute_checkpoint_preflight_checkpoints": "execute_preflight_intervals",
    "execute_checkpoint_preflight_transcript_bytes": "execute_preflight_transcript_bytes",
    "execute_checkpoint_preflight_time_ms": EXECUTE_PREFLIGHT_TIME,
    "execute_checkpoint_preflight_insn_mi/s": EXECUTE_PREFLIGHT_RATE,
}
# Labels too long for a table (they are drawn as flame graphs instead).
HIDDEN_LABELS = ("cycle_tracker_span", "dsl_ir")


class OpenvmDataError(ReportInputError):
    """A metrics file whose numbers contradict each other (openvm-prof panics on these)."""


def group_weight(name: str) -> int:
    if KEYGEN_MARK in name:
        return len(GROUP_PREFIXES) + 1
    for i, prefix in reversed(list(enumerate(GROUP_PREFIXES))):
        if name.startswith(prefix):
            return i + 1
    return 0


def group_order_key(name: str) -> tuple[int, tuple[tuple[int, int | str], ...]]:
    return group_weight(name), natural_key(name)


def is_app_group(name: str) -> bool:
    return name not in NOT_APP_GROUPS and not name.startswith("internal")


def canonical_group(name: str) -> str:
    return APP_GROUP if name.startswith(APP_GROUP_PREFIXES) else name


def label_sort_key(key: str) -> tuple[int, str]:
    """`group` first, then the other label keys alphabetically."""
    return (0, key) if key == "group" else (1, key)


def _number_key(value: str | None) -> tuple[int, float | str]:
    if value is None:
        return (0, 0.0)
    try:
        return (1, float(value))
    except ValueError:
        return (2, value)


@dataclass
class LabelSet:
    labels: Labels  # as first seen
    metrics: list[tuple[str, float]] = field(default_factory=list)

    def get(self, key: str) -> str | None:
        return next((v for k, v in self.labels if k == key), None)

    def first(self, metric: str) -> float | None:
        return next((v for m, v in self.metrics if m == metric), None)


@dataclass
class MetricDb:
    """Label sets in first-seen order, keyed by their sorted labels (label order does not matter)."""

    path: Path
    label_sets: dict[Labels, LabelSet]
    detailed: dict[Labels, LabelSet]  # what the detailed tables show (before blob totals)

    def add(self, labels: Labels, metric: str, value: float) -> None:
        key = tuple(sorted(labels))
        self.label_sets.setdefault(key, LabelSet(labels)).metrics.append((metric, value))


def _value(raw: Any, where: str) -> float:
    if isinstance(raw, bool) or not isinstance(raw, (int, float, str)):
        raise ReportInputError(f"{where}: value {raw!r} is not a number")
    try:
        return float(raw)
    except ValueError as err:
        raise ReportInputError(f"{where}: value {raw!r} is not a number") from err


def _entries(doc: Any, path: Path) -> Iterable[tuple[Labels, str, float, bool]]:
    if not isinstance(doc, dict):
        raise ReportInputError(f"{path}: expected an object with 'counter' and 'gauge' lists")
    for kind in ("counter", "gauge"):
        entries = doc.get(kind, [])
        if not isinstance(entries, list):
            raise ReportInputError(f"{path}: '{kind}' is not a list")
        for i, entry in enumerate(entries):
            where = f"{path}: {kind}[{i}]"
            if not isinstance(entry, dict) or "metric" not in entry or "value" not in entry:
                raise ReportInputError(f"{where}: expected {{metric, labels, value}}")
            pairs = entry.get("labels", [])
            if not isinstance(pairs, list) or not all(
                isinstance(p, list) and len(p) == 2 and all(isinstance(x, str) for x in p)
                for p in pairs
            ):
                raise ReportInputError(f"{where}: labels must be [[key, value], ...] strings")
            yield (
                tuple((k, v) for k, v in pairs),
                str(entry["metric"]),
                _value(entry["value"], where),
                kind == "counter",
            )


def _derive_proof_time(label_set: LabelSet) -> None:
    """openvm-prof's `total_proof_time_ms` for a label set that lacks one: metered (optional) +
    preflight + trace generation + proving; older files: execution + trace generation + proving."""
    if label_set.first(PROOF_TIME) is not None:
        return
    trace, prove = label_set.first(TRACE_GEN_TIME), label_set.first(PROVE_EXCL_TRACE_TIME)
    if trace is None or prove is None:
        return
    preflight = label_set.first(EXECUTE_PREFLIGHT_TIME)
    if preflight is not None:
        metered = label_set.first(EXECUTE_METERED_TIME) or 0.0
        label_set.metrics.append((PROOF_TIME, metered + preflight + trace + prove))
        return
    legacy = label_set.first(LEGACY_EXECUTE_TIME)
    if legacy is not None:
        label_set.metrics.append((PROOF_TIME, legacy + trace + prove))


def read_metrics(path: Path) -> MetricDb:
    try:
        doc = json.loads(Path(path).read_bytes())
    except FileNotFoundError as err:
        raise ReportInputError(f"{path}: no such file") from err
    except (json.JSONDecodeError, UnicodeDecodeError) as err:
        raise ReportInputError(f"{path}: not JSON ({err})") from err
    db = MetricDb(Path(path), {}, {})
    for labels, metric, value, is_counter in _entries(doc, Path(path)):
        if is_counter and value == 0:
            continue
        db.add(labels, metric, value)
    for label_set in db.label_sets.values():
        _derive_proof_time(label_set)
    db.detailed = {k: LabelSet(v.labels, list(v.metrics)) for k, v in db.label_sets.items()}
    blob_totals: dict[Labels, float] = {}
    for label_set in db.label_sets.values():
        group, idx = label_set.get("group"), label_set.get("idx")
        if group is None or idx is None:
            continue
        for metric, value in label_set.metrics:
            if metric == BLOB_TIME:
                key = (("group", group), ("idx", idx))
                blob_totals[key] = blob_totals.get(key, 0.0) + value
    for labels, total in blob_totals.items():
        db.add(labels, BLOB_TOTAL_TIME, total)
    return db


@dataclass
class Stats:
    sum: float = 0.0
    max: float = -math.inf
    min: float = math.inf
    avg: float = math.nan
    count: int = 0
    phase: str | None = None

    def push(self, value: float) -> None:
        self.sum += value
        self.count += 1
        self.max = max(self.max, value)
        self.min = min(self.min, value)

    def value(self, stat: str) -> float:
        return float(getattr(self, stat))


@dataclass(frozen=True)
class Sample:
    value: float
    labels: dict[str, str]


@dataclass
class OpenvmAggregate:
    path: Path
    stats: dict[str, dict[str, Stats]]  # group -> metric -> stats, metrics in first-seen order
    par_by_group: dict[str, float]  # seconds, one prover per proof
    bounded_by_group: dict[str, float]  # seconds, num_parallel provers
    has_preflight: dict[str, bool]
    num_parallel: int
    total_proof_time: float  # seconds
    total_par_proof_time: float  # seconds

    def groups(self) -> list[str]:
        return sorted(self.stats, key=group_order_key)

    def name(self) -> str | None:
        """The benchmark's name: its first app group (or first group) in display order."""
        groups = self.groups()
        apps = [g for g in groups if group_weight(g) == 0]
        return next(iter(apps or groups), None)

    def stat(self, group: str, metric: str, stat: str) -> float | None:
        found = self.stats.get(group, {}).get(metric)
        return None if found is None else found.value(stat)

    def proof_rows(self) -> list[tuple[str, float, float, float | None]]:
        """Summary rows: (group, proof time, parallel, N-prover parallel), seconds."""
        rows = []
        for group in self.groups():
            metrics = self.stats[group]
            if KEYGEN_MARK in group or PROOF_TIME not in metrics:
                continue
            rows.append(
                (
                    group,
                    _sequential_seconds(group, metrics),
                    self.par_by_group[group],
                    self.bounded_by_group.get(group),
                )
            )
        return rows

    def total_bounded(self) -> float:
        return sum(self.bounded_by_group[g] for g in sorted(self.bounded_by_group))


def _sequential_seconds(group: str, metrics: dict[str, Stats]) -> float:
    seconds = metrics[PROOF_TIME].sum / 1000.0
    if is_app_group(group):
        # Metered and pure execution run once for the whole app, outside the segments.
        for serial in (EXECUTE_METERED_TIME, EXECUTE_PURE_TIME):
            if serial in metrics:
                seconds += metrics[serial].avg / 1000.0
    return seconds


def group_samples(db: MetricDb) -> dict[str, dict[str, list[Sample]]]:
    grouped: dict[str, dict[str, list[Sample]]] = {}
    for label_set in db.label_sets.values():
        group = label_set.get("group")
        if group is None:
            continue
        rest = {k: v for k, v in label_set.labels if k != "group"}
        by_metric = grouped.setdefault(canonical_group(group), {})
        for metric, value in label_set.metrics:
            by_metric.setdefault(LEGACY_METRIC_NAMES.get(metric, metric), []).append(
                Sample(value, rest)
            )
    return grouped


def _check_instruction_counts(group: str, stats: dict[str, Stats], path: Path) -> None:
    present = [(name, int(stats[name].sum)) for name in INSTRUCTION_COUNTS if name in stats]
    for name, count in present[1:]:
        if count != present[0][1]:
            raise OpenvmDataError(
                f"{path}: group {group}: instruction count mismatch between {present[0][0]} "
                f"({present[0][1]:,}) and {name} ({count:,})"
            )


def _segment_order(samples: list[Sample]) -> list[Sample]:
    """Proofs in segment, then idx order (file order among equals), so schedules are stable."""
    return sorted(
        samples,
        key=lambda s: (_number_key(s.labels.get("segment")), _number_key(s.labels.get("idx"))),
    )


def _parallel_proof_times(
    group: str, metrics: dict[str, list[Sample]], path: Path
) -> tuple[list[float], float]:
    """Per-proof parallelisable times (ms) and the serial preflight time (ms) of a group.

    App segments are produced by one serial preflight driver, so with segmented preflight times
    each segment's preflight is taken out of its proof and counted once, serially."""
    proofs = _segment_order(metrics[PROOF_TIME])
    unadjusted = ([s.value for s in proofs], 0.0)
    preflights = metrics.get(EXECUTE_PREFLIGHT_TIME)
    if not is_app_group(group) or not preflights:
        return unadjusted
    if not any("segment" in s.labels for s in [*proofs, *preflights]):
        return unadjusted
    by_segment: dict[str, float] = {}
    for sample in preflights:
        segment = sample.labels.get("segment")
        if segment is None:
            raise OpenvmDataError(f"{path}: group {group}: a preflight time has no segment label")
        if segment in by_segment:
            raise OpenvmDataError(
                f"{path}: group {group}: two preflight times for segment {segment}"
            )
        by_segment[segment] = sample.value
    times = []
    for sample in proofs:
        segment = sample.labels.get("segment")
        if segment is None or segment not in by_segment:
            raise OpenvmDataError(
                f"{path}: group {group}: proof of segment {segment} has no preflight time"
            )
        preflight = by_segment.pop(segment)
        if preflight > sample.value:
            raise OpenvmDataError(
                f"{path}: group {group}: segment {segment} preflight exceeds its proof time"
            )
        times.append(sample.value - preflight)
    if by_segment:
        raise OpenvmDataError(
            f"{path}: group {group}: preflight times without a proof for segments "
            f"{', '.join(sorted(by_segment, key=natural_key))}"
        )
    return times, sum(s.value for s in preflights)


def _projected_seconds(
    group: str,
    samples: dict[str, list[Sample]],
    stats: dict[str, Stats],
    slots: int,
    path: Path,
) -> float:
    seconds = 0.0
    if is_app_group(group):
        for serial in (EXECUTE_METERED_TIME, EXECUTE_PURE_TIME):
            if serial in stats:
                seconds += stats[serial].avg / 1000.0
    if PROOF_TIME in samples:
        times_ms, serial_ms = _parallel_proof_times(group, samples, path)
        seconds += serial_ms / 1000.0
        seconds += round_robin_makespan([t / 1000.0 for t in times_ms], slots)
    return seconds


def aggregate(db: MetricDb, num_parallel: int) -> OpenvmAggregate:
    grouped = group_samples(db)
    stats: dict[str, dict[str, Stats]] = {}
    for group, metrics in grouped.items():
        summaries: dict[str, Stats] = {}
        for metric, samples in metrics.items():
            summary = Stats()
            for sample in samples:
                summary.push(sample.value)
                if summary.phase is None and "phase" in sample.labels:
                    summary.phase = sample.labels["phase"]
            summary.avg = summary.sum / summary.count
            summaries[metric] = summary
        insns, time = summaries.get(EXECUTE_PREFLIGHT_INSNS), summaries.get(EXECUTE_PREFLIGHT_TIME)
        rate = summaries.get(EXECUTE_PREFLIGHT_RATE)
        # The group's rate is total instructions over total time, not the mean of segment rates.
        if insns and time and rate and time.sum > 0:
            rate.avg = insns.sum / time.sum / 1000.0
        if KEYGEN_MARK not in group:
            _check_instruction_counts(group, summaries, db.path)
        stats[group] = summaries

    par_by_group, bounded_by_group, has_preflight = {}, {}, {}
    for group, metrics in grouped.items():
        if KEYGEN_MARK in group:
            continue
        par_by_group[group] = _projected_seconds(group, metrics, stats[group], sys.maxsize, db.path)
        bounded_by_group[group] = _projected_seconds(
            group, metrics, stats[group], num_parallel, db.path
        )
        has_preflight[group] = EXECUTE_PREFLIGHT_TIME in metrics

    result = OpenvmAggregate(
        path=db.path,
        stats=stats,
        par_by_group=par_by_group,
        bounded_by_group=bounded_by_group,
        has_preflight=has_preflight,
        num_parallel=num_parallel,
        total_proof_time=0.0,
        total_par_proof_time=0.0,
    )
    rows = result.proof_rows()
    result.total_proof_time = sum(r[1] for r in rows)
    result.total_par_proof_time = sum(r[2] for r in rows)
    return result


def projection_comparable(current: OpenvmAggregate, previous: OpenvmAggregate, group: str) -> bool:
    """Parallel projections compare only if both runs time preflight alike (openvm-prof's rule)."""
    return current.has_preflight.get(group, False) == previous.has_preflight.get(group, False)


# --- detailed tables, instruction counts, GPU memory ------------------------------------------


def label_tables(db: MetricDb) -> dict[tuple[str, ...], dict[tuple[str, ...], dict[str, float]]]:
    """Label sets by their label keys (group first), long labels dropped, same-named metrics of a
    label set summed: {label keys: {label values: {metric: value}}}."""
    tables: dict[tuple[str, ...], dict[tuple[str, ...], dict[str, float]]] = {}
    for label_set in db.detailed.values():
        values = dict(label_set.labels)
        keys = tuple(k for k in sorted(values, key=label_sort_key) if k not in HIDDEN_LABELS)
        row = tables.setdefault(keys, {}).setdefault(tuple(values[k] for k in keys), {})
        for metric, value in label_set.metrics:
            row[metric] = row.get(metric, 0.0) + value
    return tables
