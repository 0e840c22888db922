"""What proving a suite would cost, before proving it: estimate.md and estimate.json from an execute
run whose rows carry proving predictions (`predicted_*`, filled from a calibration by the workflow's
aggregate; see zkprof/predict.py).

Per group and for the whole run: the cases with a prediction (failed and skipped cases have none and
are only counted), the predicted proving time on one prover, on one prover per case and on N provers
(the schedule of `zkprof.report.estimate`, with `predicted_prove_ms` as each job's duration), the
largest predicted peak RSS and the total receipt bytes; then the machine the predictions assume.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from zkprof.atomic import write_bytes_atomic
from zkprof.report.aggregate import group_rows
from zkprof.report.estimate import grouped_estimates
from zkprof.report.fmt import MISSING, format_bytes, format_duration, format_number
from zkprof.report.load import ReportInputError, Run, load_run
from zkprof.report.markdown import escape, table

ESTIMATE_MD = "estimate.md"
ESTIMATE_JSON = "estimate.json"
ESTIMATE_SCHEMA = "zkprof.estimate"
ESTIMATE_SCHEMA_VERSION = 1
TOTAL_LABEL = "Total"


@dataclass(frozen=True)
class GroupEstimate:
    name: str
    cases: int  # every case of the group
    predicted_cases: int  # those with a prediction (the estimate's jobs)
    sequential_s: float | None  # None without a predicted case
    unbounded_s: float | None
    bounded_s: float | None
    peak_rss_bytes: int | None
    peak_rss_case: str | None
    receipt_bytes: int


@dataclass(frozen=True)
class Machine:
    """The calibrated machine, as far as the calibration document says (fields may be None)."""

    cpu_model: str | None
    cpu_cores_logical: int | None
    memory_bytes: int | None
    host: str | None
    threads: int | None
    date: str | None
    risc0_version: str | None


@dataclass(frozen=True)
class SuiteEstimate:
    source: Path
    provers: int
    total: GroupEstimate
    groups: list[GroupEstimate]  # natural order
    predicted_by_status: dict[str, int]
    without_by_status: dict[str, int]  # cases left out: no prediction
    segments_by_po2: dict[int, int]  # segments of the predicted cases, largest po2 first
    extrapolated_po2s: dict[int, int] | None  # po2 -> predicted cases with it; None: not known
    machine: Machine | None


def no_predictions_error(source: Path) -> ReportInputError:
    return ReportInputError(
        f"{source}: no case has proving predictions (predicted_prove_ms is empty): run with a "
        "calibration: `snakemake --config action=estimate` calibrates this machine, or give "
        "`calibration=<file from zkprof calibrate>`; failed and skipped cases never have one"
    )


def machine_of(calibration: Mapping[str, Any] | None) -> Machine | None:
    """The machine a calibration describes, read leniently: a missing field is None, not an
    error (the predictions are already in the rows; this only says where they hold)."""
    if not isinstance(calibration, Mapping):
        return None
    hardware = calibration.get("hardware")
    hw: Mapping[str, Any] = hardware if isinstance(hardware, Mapping) else {}

    def number(value: Any) -> int | None:
        # bool is an int: a true/false here is not a count.
        return (
            int(value) if isinstance(value, int | float) and not isinstance(value, bool) else None
        )

    def text(value: Any) -> str | None:
        return str(value) if value not in (None, "") else None

    return Machine(
        cpu_model=text(hw.get("cpu_model")),
        cpu_cores_logical=number(hw.get("cpu_cores_logical")),
        memory_bytes=number(hw.get("memory_bytes")),
        host=text(hw.get("host")),
        threads=number(calibration.get("threads")),
        date=text(calibration.get("created") or calibration.get("date")),
        risc0_version=text(calibration.get("risc0_version") or hw.get("risc0_zkvm")),
    )


def _calibrated_po2s(calibration: Mapping[str, Any] | None) -> set[int] | None:
    if calibration is None:
        return None
    from zkprof.predict import calibrated_po2s

    try:
        return set(calibrated_po2s(calibration))
    except (ValueError, KeyError, TypeError):
        return None  # a calibration predictions cannot use: the note is skipped, not the report


def _segment_po2s(run: Run, rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The `segment_po2s` of `rows`, flattened: (po2 of each segment, index into `rows` of its
    case). Not read by load_run: a list column no other report needs."""
    if "segment_po2s" not in pq.read_schema(run.source).names:
        return np.empty(0, dtype=np.int64), np.empty(0, dtype=np.int64)
    column = pq.read_table(run.source, columns=["segment_po2s"]).column(0).combine_chunks()
    taken = column.take(pa.array(rows))
    po2s = pc.list_flatten(taken).to_numpy(zero_copy_only=False).astype(np.int64)
    cases = pc.list_parent_indices(taken).to_numpy(zero_copy_only=False).astype(np.int64)
    return po2s, cases


def _distinct_sorted(values: np.ndarray) -> int:
    """How many distinct values an ascending array holds (no sort: a million rows stay cheap)."""
    return int(np.count_nonzero(np.diff(values))) + 1 if len(values) else 0


def _group_estimate(
    name: str,
    rows: np.ndarray,
    predicted: np.ndarray,
    times: tuple[float, float, float],
    run: Run,
) -> GroupEstimate:
    """One group's (or the run's) estimate; `rows` are all its rows, `predicted` a mask over them."""
    jobs = rows[predicted]
    rss = run.values("predicted_peak_rss_bytes")[jobs] if len(jobs) else np.empty(0)
    receipts = run.values("predicted_receipt_bytes")[jobs] if len(jobs) else np.empty(0)
    peak, peak_case = None, None
    if np.isfinite(rss).any():
        peak = int(np.nanmax(rss))
        ids = run.strings("case_id")
        # The smallest case id among equal peaks: the same file always names the same case.
        peak_case = min(str(ids[int(r)].as_py()) for r in jobs[rss == peak])
    has_jobs = bool(len(jobs))
    return GroupEstimate(
        name=name,
        cases=len(rows),
        predicted_cases=len(jobs),
        sequential_s=times[0] if has_jobs else None,
        unbounded_s=times[1] if has_jobs else None,
        bounded_s=times[2] if has_jobs else None,
        peak_rss_bytes=peak,
        peak_rss_case=peak_case,
        receipt_bytes=int(np.nansum(receipts)) if len(receipts) else 0,
    )


def estimate_suite(
    metrics_path: Path, provers: int, calibration: Mapping[str, Any] | None = None
) -> SuiteEstimate:
    """The estimate of an execute run's metrics (a Parquet file or a results folder). Raises
    ReportInputError naming the file when no case has a prediction."""
    if provers < 1:
        raise ReportInputError(f"provers must be at least 1, not {provers}")
    # The estimate adds nothing up across guest programs' cycles, so a mixed run is no problem.
    run = load_run(Path(metrics_path), action="execute", allow_mixed_images=True)
    if "predicted_prove_ms" not in run.table.column_names:
        raise no_predictions_error(run.source)
    seconds = run.values("predicted_prove_ms") / 1e3
    predicted = np.isfinite(seconds)
    if not predicted.any():
        raise no_predictions_error(run.source)

    grouping = group_rows(run, ("group",))
    n_groups = len(grouping.names)
    jobs = np.where(predicted, seconds, np.nan)  # NaN: not a job (the estimates skip it)
    per_group = grouped_estimates(jobs, grouping.codes, n_groups, provers)
    overall = grouped_estimates(jobs, np.zeros(len(jobs), dtype=np.int64), 1, provers)
    groups = []
    for code, name in enumerate(grouping.names):
        rows = np.flatnonzero(grouping.codes == code)
        times = (float(per_group[0][code]), float(per_group[1][code]), float(per_group[2][code]))
        groups.append(_group_estimate(name, rows, predicted[rows], times, run))
    all_rows = np.arange(run.table.num_rows)
    total_times = (float(overall[0][0]), float(overall[1][0]), float(overall[2][0]))
    total = _group_estimate(TOTAL_LABEL, all_rows, predicted, total_times, run)

    statuses = run.strings("status").to_numpy(zero_copy_only=False)
    po2s, cases = _segment_po2s(run, np.flatnonzero(predicted))
    tally = np.bincount(po2s) if len(po2s) else np.empty(0, dtype=np.int64)  # po2s are small
    segments = {int(p): int(tally[p]) for p in np.flatnonzero(tally)[::-1]}
    calibrated = _calibrated_po2s(calibration)
    extrapolated = None
    if calibrated is not None:
        extrapolated = {
            int(p): _distinct_sorted(cases[po2s == p]) for p in segments if p not in calibrated
        }
        extrapolated = dict(sorted(extrapolated.items()))
    return SuiteEstimate(
        source=run.source,
        provers=provers,
        total=total,
        groups=groups,
        predicted_by_status=dict(sorted(Counter(statuses[predicted].tolist()).items())),
        without_by_status=dict(sorted(Counter(statuses[~predicted].tolist()).items())),
        segments_by_po2=segments,
        extrapolated_po2s=extrapolated,
        machine=machine_of(calibration),
    )


# --- estimate.md ------------------------------------------------------------------------------


def _counts(counts: Mapping[str, int]) -> str:
    return ", ".join(f"{n:,} {status or 'no status'}" for status, n in counts.items())


def _machine_lines(machine: Machine | None, estimate: SuiteEstimate) -> list[str]:
    if machine is None:
        return [
            "Machine: no calibration given here; the predictions assume the machine the run's "
            "calibration was taken on.",
            "",
        ]
    parts = []
    if machine.cpu_cores_logical is not None:
        parts.append(f"{machine.cpu_cores_logical} logical cores")
    if machine.memory_bytes is not None:
        parts.append(f"{format_bytes(machine.memory_bytes)} memory")
    described = escape(machine.cpu_model or "an unnamed CPU")
    if parts:
        described += f" ({', '.join(parts)})"
    if machine.host:
        described += f" on host `{escape(machine.host)}`"
    extra = []
    if machine.threads is not None:
        extra.append(f"{machine.threads} proving threads")
    if machine.risc0_version:
        extra.append(f"risc0 {escape(machine.risc0_version)}")
    if machine.date:
        extra.append(f"calibrated {escape(machine.date)}")
    lines = [
        f"Machine: {described}{'; ' + ', '.join(extra) if extra else ''}. The predictions assume "
        "this machine, proving one case at a time with these threads: on another machine (or with "
        "other work competing for it) proving takes other times and memory; calibrate it with "
        "`zkprof calibrate`.",
        "",
    ]
    peak = estimate.total.peak_rss_bytes
    if machine.memory_bytes and peak is not None and peak > machine.memory_bytes:
        lines += [
            f"**The largest predicted peak RSS ({format_bytes(peak)}) exceeds this machine's memory "
            f"({format_bytes(machine.memory_bytes)}):** use a smaller segment po2 for those cases.",
            "",
        ]
    return lines


def _row(group: GroupEstimate, label: str) -> list[str]:
    def duration(value: float | None) -> str:
        return format_duration(value) if value is not None else MISSING

    return [
        label,
        f"{group.predicted_cases:,} of {group.cases:,}",
        duration(group.sequential_s),
        duration(group.unbounded_s),
        duration(group.bounded_s),
        format_bytes(group.peak_rss_bytes) if group.peak_rss_bytes is not None else MISSING,
        format_bytes(group.receipt_bytes) if group.predicted_cases else MISSING,
    ]


def render_estimate(estimate: SuiteEstimate) -> str:
    total = estimate.total
    n = estimate.provers
    lines = [
        "# Proving estimate",
        "",
        f"What proving the cases of `{escape(str(estimate.source))}` would cost, predicted from "
        "each case's segments (`segment_po2s`) and a calibration of the proving machine (the "
        "`predicted_*` columns).",
        "",
        f"Cases: {total.predicted_cases:,} with predictions ({_counts(estimate.predicted_by_status)})"
        + (
            f"; {total.cases - total.predicted_cases:,} without, left out "
            f"({_counts(estimate.without_by_status)})."
            if estimate.without_by_status
            else "."
        ),
        "",
        *_machine_lines(estimate.machine, estimate),
        "## Proving time",
        "",
    ]
    header = [
        "group",
        "cases",
        "sequential",
        "unbounded provers",
        f"{n} provers",
        "peak RSS (max)",
        "receipts (total)",
    ]
    rows = [_row(total, f"**{TOTAL_LABEL}**")]
    rows += [_row(g, escape(g.name)) for g in estimate.groups]
    lines += table(header, [":---", *["---:"] * (len(header) - 1)], rows)
    lines += [
        "",
        "Sequential: one prover proves every case in turn (the sum of the predicted times). "
        "Unbounded: one prover per case (the longest case). "
        f'{n} provers: the cases dealt out longest first, in snake order (README, "Reports"); '
        f"each group alone on its own {n} provers. Times are predicted `prove_ms` (execution, segment "
        "proving, compression); a proving job adds verification and its start-up.",
        "",
        "## Memory and receipts",
        "",
    ]
    if total.peak_rss_bytes is not None:
        group = next(
            g.name
            for g in estimate.groups
            if (g.peak_rss_bytes, g.peak_rss_case) == (total.peak_rss_bytes, total.peak_rss_case)
        )
        lines += [
            f"Largest predicted peak RSS: {format_bytes(total.peak_rss_bytes)} (case "
            f"`{escape(total.peak_rss_case or '')}`, group {escape(group)}): each prover needs "
            "at least this much memory for it.",
            "",
        ]
    average = total.receipt_bytes / total.predicted_cases
    lines += [
        f"Receipts (composite): {format_bytes(total.receipt_bytes)} in all, "
        f"{format_bytes(average)} a case on average.",
        "",
    ]
    if estimate.segments_by_po2:
        by_po2 = ", ".join(f"po2 {p}: {c:,}" for p, c in estimate.segments_by_po2.items())
        lines += [
            f"Segments to prove: {format_number(sum(estimate.segments_by_po2.values()))} "
            f"({by_po2}).",
            "",
        ]
    if estimate.extrapolated_po2s:
        listed = ", ".join(
            f"po2 {p} ({c:,} case{'' if c == 1 else 's'})"
            for p, c in estimate.extrapolated_po2s.items()
        )
        lines += [
            f"Extrapolated: the calibration did not measure {listed}; their segments' time and "
            "memory are scaled from the nearest calibrated po2 (doubling per po2), so those "
            "cases' predictions are less certain.",
            "",
        ]
    return "\n".join(lines).rstrip("\n") + "\n"


# --- estimate.json ----------------------------------------------------------------------------


def estimate_document(estimate: SuiteEstimate) -> dict[str, Any]:
    """estimate.json: the same numbers, in seconds and bytes."""

    def group(g: GroupEstimate) -> dict[str, Any]:
        doc = asdict(g)
        del doc["name"]
        return doc

    return {
        "schema": ESTIMATE_SCHEMA,
        "schema_version": ESTIMATE_SCHEMA_VERSION,
        "metrics": str(estimate.source),
        "provers": estimate.provers,
        "cases": {
            "total": estimate.total.cases,
            "predicted": estimate.total.predicted_cases,
            "predicted_by_status": estimate.predicted_by_status,
            "without_prediction_by_status": estimate.without_by_status,
        },
        "total": group(estimate.total),
        "groups": {g.name: group(g) for g in estimate.groups},
        "segments_by_po2": {str(p): c for p, c in estimate.segments_by_po2.items()},
        "extrapolated_po2s": (
            None
            if estimate.extrapolated_po2s is None
            else {str(p): c for p, c in estimate.extrapolated_po2s.items()}
        ),
        "machine": asdict(estimate.machine) if estimate.machine is not None else None,
    }


def write_estimate(
    metrics_path: Path,
    out_dir: Path,
    provers: int,
    calibration: Mapping[str, Any] | None = None,
) -> list[Path]:
    """out_dir/estimate.md and out_dir/estimate.json from an execute run's metrics (a Parquet file
    or a results folder) with predictions; `calibration` (its document) names the machine and
    which po2s were extrapolated. Returns the paths written."""
    estimate = estimate_suite(Path(metrics_path), provers, calibration)
    markdown = Path(out_dir) / ESTIMATE_MD
    document = Path(out_dir) / ESTIMATE_JSON
    write_bytes_atomic(markdown, render_estimate(estimate).encode())
    text = json.dumps(estimate_document(estimate), indent=2) + "\n"
    write_bytes_atomic(document, text.encode())
    return [markdown, document]
