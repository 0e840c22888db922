"""openvm-prof's metrics files: read, aggregate by the `group` label, and estimate proving time.

A metrics file is `{"counter": [...], "gauge": [...]}`, each entry `{"metric", "labels": [[k, v],
...], "value"}` with the value a string or a number. As openvm-prof does: counters equal to zero are
dropped; a label set without `total_proof_time_ms` gets one from its phase times; the
`generate_blob_time_ms` of each (group, idx) is summed into `generate_blob_total_time_ms`; legacy
group and metric names are mapped to their current ones; proving time is projected per group for
unbounded parallelism and for `num_devices * proofs_per_device` provers (round-robin).

Unlike openvm-prof, every order is fixed by the file (and by segment and index numbers), never by
hash-map iteration, so the same file always gives the same report and the same estimates.

Files are read by the native module's scanner (`zkprof._native.openvm_parse_metrics`, a few
hundred MB/s) into columns; a file it does not read exactly as Python's `json` would (NaN
literals, lone surrogates, duplicate keys, ...) is read by `read_metrics_json`, the reference,
which gives the same result and the error messages.
"""

from __future__ import annotations

import contextlib
import functools
import gc
import json
import math
import operator
import sys
from array import array
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

try:
    from zkprof import _native
except ImportError:  # pragma: no cover - a source tree without the native module
    _native = None  # type: ignore[assignment]

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
    """Label sets in first-seen order (a set is its labels, in any order), in columns: set i has
    the labels `labels[i]` (as first seen) and the metrics `metrics[starts[i]:starts[i + 1]]` with
    their `values`, those before `detailed_ends[i]` shown by the detailed tables (the rest: blob
    totals). Numbers in arrays and no object per entry, so a file of a million entries loads in a
    fraction of a second.
    """

    path: Path
    labels: list[Labels]
    starts: array[int]  # "q"
    detailed_ends: array[int]  # "q"
    metrics: list[str]
    values: array[float]  # "d"
    _tables: Any = field(default=None, init=False, repr=False, compare=False)

    def entries(self, i: int) -> Iterator[tuple[str, float]]:
        """Label set i's (metric, value) pairs, in file order then derived ones."""
        a, b = self.starts[i], self.starts[i + 1]
        return zip(self.metrics[a:b], self.values[a:b], strict=True)

    @property
    def label_sets(self) -> dict[Labels, LabelSet]:
        """The label sets by their sorted labels (a view, built on each call)."""
        return {
            tuple(sorted(labels)): LabelSet(labels, list(self.entries(i)))
            for i, labels in enumerate(self.labels)
        }

    @property
    def detailed(self) -> dict[Labels, LabelSet]:
        """What the detailed tables show: the label sets before blob totals (a view)."""
        out = {}
        for i, labels in enumerate(self.labels):
            a, b = self.starts[i], self.detailed_ends[i]
            if b > a:
                metrics = list(zip(self.metrics[a:b], self.values[a:b], strict=True))
                out[tuple(sorted(labels))] = LabelSet(labels, metrics)
        return out


def _value(raw: Any, where: str) -> float:
    if isinstance(raw, bool) or not isinstance(raw, (int, float, str)):
        raise ReportInputError(f"{where}: value {raw!r} is not a number")
    try:
        return float(raw)
    except ValueError as err:
        raise ReportInputError(f"{where}: value {raw!r} is not a number") from err
    except OverflowError as err:
        raise ReportInputError(f"{where}: value {str(raw)[:20]}... is too large") from err


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


@contextlib.contextmanager
def _gc_paused() -> Iterator[None]:
    """Without the cyclic collector while building many containers that form no cycles (it would
    rescan them again and again: json.loads of a 100 MB file takes 6x longer with it)."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _read_bytes(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except FileNotFoundError as err:
        raise ReportInputError(f"{path}: no such file") from err


def read_metrics(path: Path) -> MetricDb:
    """An openvm-prof metrics file, read by the native scanner when it can read it exactly as
    `read_metrics_json` would (same result), else by `read_metrics_json` (which also names the
    file and what is wrong with it)."""
    path = Path(path)
    data = _read_bytes(path)
    parse = getattr(_native, "openvm_parse_metrics", None)
    if parse is not None:
        try:
            with _gc_paused():
                labels, starts, detailed_ends, metrics, values = parse(data)
        except ValueError:
            pass  # not read exactly as Python would: the reference reader decides
        else:
            columns = (
                _array("q", starts),
                _array("q", detailed_ends),
                metrics,
                _array("d", values),
            )
            return MetricDb(path, labels, *columns)
    return read_metrics_json(path, data)


def _array(typecode: str, data: bytes) -> array[Any]:
    numbers = array(typecode)
    numbers.frombytes(data)
    return numbers


def read_metrics_json(path: Path, data: bytes | None = None) -> MetricDb:
    """The reference reader: `json`, then openvm-prof's rules entry by entry."""
    path = Path(path)
    if data is None:
        data = _read_bytes(path)
    with _gc_paused():
        try:
            doc = json.loads(data)
        except (json.JSONDecodeError, UnicodeDecodeError) as err:
            raise ReportInputError(f"{path}: not JSON ({err})") from err
        label_sets: dict[Labels, LabelSet] = {}

        def add(labels: Labels, metric: str, value: float) -> None:
            key = tuple(sorted(labels))
            label_sets.setdefault(key, LabelSet(labels)).metrics.append((metric, value))

        for labels, metric, value, is_counter in _entries(doc, path):
            if is_counter and value == 0:
                continue
            add(labels, metric, value)
        del doc
        for label_set in label_sets.values():
            _derive_proof_time(label_set)
        detailed = {k: len(v.metrics) for k, v in label_sets.items()}
        blob_totals: dict[Labels, float] = {}
        for label_set in label_sets.values():
            group, idx = label_set.get("group"), label_set.get("idx")
            if group is None or idx is None:
                continue
            for metric, value in label_set.metrics:
                if metric == BLOB_TIME:
                    key: Labels = (("group", group), ("idx", idx))
                    blob_totals[key] = blob_totals.get(key, 0.0) + value
        for labels, total in blob_totals.items():
            add(labels, BLOB_TOTAL_TIME, total)
        db = MetricDb(path, [], array("q", [0]), array("q"), [], array("d"))
        for key, label_set in label_sets.items():
            db.labels.append(label_set.labels)
            db.detailed_ends.append(db.starts[-1] + detailed.get(key, 0))
            db.metrics.extend(m for m, _ in label_set.metrics)
            db.values.extend(v for _, v in label_set.metrics)
            db.starts.append(len(db.metrics))
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


def _first_labels(labels: Labels) -> dict[str, str]:
    """The labels as a dict, the first of duplicate keys winning (as `LabelSet.get`)."""
    return dict(reversed(labels))


def _rest_labels(labels: Labels) -> dict[str, str]:
    """The labels but `group`, the last of duplicate keys winning."""
    return {k: v for k, v in labels if k != "group"}


def group_samples(db: MetricDb) -> dict[str, dict[str, list[Sample]]]:
    grouped: dict[str, dict[str, list[Sample]]] = {}
    for i, labels in enumerate(db.labels):
        group = _first_labels(labels).get("group")
        if group is None:
            continue
        rest = _rest_labels(labels)
        by_metric = grouped.setdefault(canonical_group(group), {})
        for metric, value in db.entries(i):
            by_metric.setdefault(LEGACY_METRIC_NAMES.get(metric, metric), []).append(
                Sample(value, rest)
            )
    return grouped


def _sequential_stats(values: list[float]) -> Stats:
    """Sum, max and min in file order, exactly as adding and comparing one value at a time."""
    return Stats(
        sum=functools.reduce(operator.add, values, 0.0),
        max=max(-math.inf, *values),
        min=min(math.inf, *values),
        count=len(values),
    )


# Metrics whose samples (value and labels) the projections need; the others only need values.
_SAMPLED = (PROOF_TIME, EXECUTE_PREFLIGHT_TIME)
_SAMPLED_AS_WRITTEN = frozenset(
    [*_SAMPLED, *(old for old, new in LEGACY_METRIC_NAMES.items() if new in _SAMPLED)]
)


def _group_values(
    db: MetricDb,
) -> tuple[
    dict[str, dict[str, list[float]]], dict[str, dict[str, str]], dict[str, dict[str, list[Sample]]]
]:
    """Per group (canonical) and metric (current name): the values in label-set order, the first
    `phase` label, and the samples of the metrics in _SAMPLED."""
    values_by: dict[str, dict[str, list[float]]] = {}
    phases: dict[str, dict[str, str]] = {}
    samples: dict[str, dict[str, list[Sample]]] = {}
    canonical: dict[str, str] = {}
    metrics, values, starts = db.metrics, db.values, db.starts
    legacy = LEGACY_METRIC_NAMES
    for i, labels in enumerate(db.labels):
        first = _first_labels(labels)
        group = first.get("group")
        if group is None:
            continue
        group = canonical.get(group) or canonical.setdefault(group, canonical_group(group))
        by_metric = values_by.get(group)
        if by_metric is None:
            by_metric = values_by[group] = {}
        a, b = starts[i], starts[i + 1]
        names = metrics[a:b]
        for metric, value in zip(names, values[a:b], strict=True):
            metric = legacy.get(metric, metric)
            found = by_metric.get(metric)
            if found is None:
                by_metric[metric] = [value]
            else:
                found.append(value)
        if "phase" not in first and _SAMPLED_AS_WRITTEN.isdisjoint(names):
            continue
        rest = _rest_labels(labels)
        group_phases = phases.setdefault(group, {})
        for metric, value in zip(names, values[a:b], strict=True):
            metric = legacy.get(metric, metric)
            if "phase" in rest:
                group_phases.setdefault(metric, rest["phase"])
            if metric in _SAMPLED:
                samples.setdefault(group, {}).setdefault(metric, []).append(Sample(value, rest))
    return values_by, phases, samples


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
    values_by, phases, samples = _group_values(db)
    stats: dict[str, dict[str, Stats]] = {}
    for group, metrics in values_by.items():
        summaries: dict[str, Stats] = {}
        for metric, values in metrics.items():
            summary = _sequential_stats(values)
            summary.phase = phases.get(group, {}).get(metric)
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
    for group in values_by:
        if KEYGEN_MARK in group:
            continue
        group_samples = samples.get(group, {})
        par_by_group[group] = _projected_seconds(
            group, group_samples, stats[group], sys.maxsize, db.path
        )
        bounded_by_group[group] = _projected_seconds(
            group, group_samples, stats[group], num_parallel, db.path
        )
        has_preflight[group] = EXECUTE_PREFLIGHT_TIME in stats[group]

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
    label set summed: {label keys: {label values: {metric: value}}}. Computed once per db (the
    reports read it several times; treat it as read-only)."""
    if db._tables is not None:
        return db._tables
    tables: dict[tuple[str, ...], dict[tuple[str, ...], dict[str, float]]] = {}
    # Per key order as first seen: the shown keys and a function picking their values.
    layouts: dict[tuple[str, ...], tuple[tuple[str, ...], Any]] = {}
    metrics, values, starts, ends = db.metrics, db.values, db.starts, db.detailed_ends
    for i, labels in enumerate(db.labels):
        a, b = starts[i], ends[i]
        if a == b:
            continue  # not in the detailed tables (a label set made by a blob total)
        by_key = dict(labels)
        order = tuple(by_key)
        layout = layouts.get(order)
        if layout is None:
            keys = tuple(k for k in sorted(by_key, key=label_sort_key) if k not in HIDDEN_LABELS)
            pick = operator.itemgetter(*keys) if len(keys) > 1 else None
            layout = layouts[order] = (keys, pick)
        keys, pick = layout
        row_key = pick(by_key) if pick is not None else tuple(by_key[k] for k in keys)
        rows = tables.get(keys)
        if rows is None:
            rows = tables[keys] = {}
        row = rows.get(row_key)
        if row is None:
            row = rows[row_key] = {}
        for metric, value in zip(metrics[a:b], values[a:b], strict=True):
            row[metric] = row.get(metric, 0.0) + value
    db._tables = tables
    return tables
