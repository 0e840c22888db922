"""What every reported metric is: unit, which direction is better, how it is shown. Data, not code.

zkprof's own metrics take their unit and description from `zkprof.metrics.COLUMNS`, so a column is
described in one place; this table only adds what a report needs on top. Metrics from openvm-prof
files are described by the suffix of their name (`_ms`, `insn_mi/s`, ...).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from zkprof import metrics


class Direction(StrEnum):
    LOWER_IS_BETTER = "lower"
    HIGHER_IS_BETTER = "higher"
    NEUTRAL = "neutral"  # a property of the input (gas used): a change is neither good nor bad


LOWER = Direction.LOWER_IS_BETTER
HIGHER = Direction.HIGHER_IS_BETTER
NEUTRAL = Direction.NEUTRAL


@dataclass(frozen=True)
class MetricSpec:
    name: str
    unit: str
    direction: Direction
    description: str
    summable: bool = True  # False for ratios: their sum means nothing and is shown as "-"
    per_case: bool = False  # a column of the detailed per-case tables


# zkprof columns a report aggregates: (name, direction, summable, per_case column).
_NATIVE_TABLE: tuple[tuple[str, Direction, bool, bool], ...] = (
    ("total_cycles", LOWER, True, True),
    ("user_cycles", LOWER, True, False),
    ("paging_cycles", LOWER, True, False),
    ("reserved_cycles", LOWER, True, False),
    ("segments", LOWER, True, True),
    ("cycles_decode", LOWER, True, False),
    ("cycles_witness", LOWER, True, False),
    ("cycles_transaction", LOWER, True, False),
    ("cycles_state_root", LOWER, True, False),
    ("gas_used", NEUTRAL, True, True),
    # Blockchain tests only (null for state tests, so absent from their reports).
    ("blocks", NEUTRAL, True, True),
    ("transactions", NEUTRAL, True, False),
    ("witness_bytes", LOWER, True, True),
    ("witness_nodes", LOWER, True, False),
    ("witness_generation_ms", LOWER, True, False),
    ("cycles_per_gas", LOWER, False, True),
    ("execute_ms", LOWER, True, True),
    ("native_ms", LOWER, True, False),
    ("prove_ms", LOWER, True, True),
    ("prove_segments_ms", LOWER, True, False),
    ("compress_ms", LOWER, True, False),
    ("verify_ms", LOWER, True, True),
    ("receipt_bytes", LOWER, True, False),
    ("seal_bytes", LOWER, True, False),
    ("prove_cycles_per_s", HIGHER, False, True),
    ("peak_rss_bytes", LOWER, False, True),
)

NATIVE_METRICS: dict[str, MetricSpec] = {
    name: MetricSpec(name, metrics.unit(name), direction, metrics.COLUMNS[name][2], summable, case)
    for name, direction, summable, case in _NATIVE_TABLE
}

# The cost that orders cases ("the most expensive cases") and drives the per-case regression list:
# the first of these a run has.
COST_METRICS: tuple[str, ...] = ("prove_ms", "execute_ms", "total_cycles")

# The per-case job duration of the proving-time estimates (see `zkprof.report.estimate`).
JOB_DURATION_METRIC = "prove_ms"

# Proving predictions (zkprof/predict.py) beside what each predicts: measured column -> predicted.
# Not aggregated as metrics: the report compares each with its measurement instead.
PREDICTED_METRICS: dict[str, str] = {
    "prove_ms": "predicted_prove_ms",
    "peak_rss_bytes": "predicted_peak_rss_bytes",
    "receipt_bytes": "predicted_receipt_bytes",
}

# Run-level estimates, in seconds, named as in openvm-prof's summary table.
ESTIMATE_METRICS: dict[str, MetricSpec] = {
    spec.name: spec
    for spec in (
        MetricSpec("proof_time_s", "s", LOWER, "sum of per-case proving times"),
        MetricSpec("par_proof_time_s", "s", LOWER, "with one prover per case"),
        MetricSpec("bounded_par_proof_time_s", "s", LOWER, "with N provers"),
    )
}

# openvm-prof metric names, by suffix (first match wins): unit and direction.
_OPENVM_SUFFIX_RULES: tuple[tuple[str, str, Direction, bool], ...] = (
    ("_mi/s", "Minsn/s", HIGHER, False),
    ("/s", "1/s", HIGHER, False),
    ("_time_ms", "ms", LOWER, True),
    ("_ms", "ms", LOWER, True),
    ("_bytes", "bytes", LOWER, True),
    ("cells_used", "cells", LOWER, True),
    ("_cells", "cells", LOWER, True),
    ("insns", "insns", LOWER, True),
    ("_cycles", "cycles", LOWER, True),
    ("_count", "count", LOWER, True),
    ("_k", "log2(rows)", LOWER, False),
)


def spec_for(name: str) -> MetricSpec:
    """The spec of a zkprof column, an estimate, or an openvm-prof metric (by its name's suffix)."""
    if name in NATIVE_METRICS:
        return NATIVE_METRICS[name]
    if name in ESTIMATE_METRICS:
        return ESTIMATE_METRICS[name]
    for suffix, unit, direction, summable in _OPENVM_SUFFIX_RULES:
        if name.endswith(suffix):
            return MetricSpec(name, unit, direction, "", summable)
    return MetricSpec(name, "-", NEUTRAL, "")


def direction_of(name: str) -> Direction:
    return spec_for(name).direction
