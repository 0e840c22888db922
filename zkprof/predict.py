"""Predict a proof's time, peak memory and receipt size from an execute run, with a calibration of
this machine (`zkprof calibrate`, zkprof/calibrate.py).

The model
---------
A composite proof proves its segments one after another, and what a segment costs depends on its
padded size 2^po2, not on what the guest did in it. The calibration measures, per po2 p, on this
machine: t(p) seconds per segment, m(p) the zkVM's part of the peak RSS of a proving job whose
largest segment has po2 p (its peak minus b, what the process held before the zkVM ran: the
interpreter and libraries, which differ between a calibration and a workflow job), r(p) receipt
bytes per segment; and two fixed parts: t0, the per-proof overhead inside
`prove_ms` (execution, prover set-up, compression), and r0, the receipt's fixed bytes (claim and
journal; the calibration guest's journal is 8 bytes, a guest with a larger journal adds its size).
For an execute run whose segments have po2s p_1..p_n:

    predicted_prove_ms       = t0 + 1000 * sum_i t(p_i)
    predicted_peak_rss_bytes = b + max_i m(p_i)
    predicted_receipt_bytes  = r0 + sum_i r(p_i)

where b is the base of the job that will prove (the workflow takes the row's `base_rss_bytes`: an
execute job's process is the same script as a prove job's), or the calibration's own when unknown.
`Prediction.predicted_job_ms` adds what a proving job spends around `prove_ms` (verifying the
receipt, starting the child process): t0_job + 1000 * sum_i t(p_i).

A po2 without a calibrated value (outside the calibrated range, or skipped) is extrapolated from the
nearest calibrated po2 q: t(p) = t(q) * 2^(p-q) and m(p) = m(q) * 2^(p-q) (proving work and memory
double with the trace); r(p) = r(q) + s * (p-q), where s is the receipt growth per po2 between the
calibrated po2s (0 with one): a seal grows with log2 of the trace, not with its size. Such a
prediction lists the po2 in `extrapolated_po2s`.

Memory is the largest segment's, not a sum, because segments are proved in turn. Not modelled: the
executed segments the prover keeps in memory (a few MB each: noticeable only for hundreds of
segments) and other processes competing for the cores: the calibration records the prover's CPU
share (CPU seconds per wall second) so that a busy calibration, or a busy proof, can be recognised;
times scale roughly with calibrated share / actual share.

How an execution splits at another po2 (`segments_at`)
------------------------------------------------------
risc0 3.x ends a segment when user + paging + 4113 reserved cycles would pass 2^po2 - M, where M,
the room kept for one instruction, is 25 000 cycles at po2 >= 15 and 2 000 at po2 14. The
approximation: every segment pages P(po2) cycles, the observed run's average (paging_cycles /
segments) scaled by 2^((po2 - observed_po2) / 2) (a longer segment touches more pages, but fewer
than in proportion); so a segment carries U = 2^po2 - M - 4113 - P(po2) user cycles, the run needs
ceil(user_cycles / U) segments, all of po2 `po2` but the last, which is padded to the power of two
(at least 2^13) above its own cycles. It ignores that the first segment pages the program in, so it
is rough when the observed run has one or two segments, the last segment's po2 can be one off when
its cycles are near a power of two, and it cannot be better than the paging estimate where U is
small (po2 14 and 15). Note po2 15: M leaves under 3 700 cycles a segment for paging and user work,
so a po2-15 run has tens of times more segments than a po2-14 one (the EVM guest: 16 422 segments
at po2 15, 484 at po2 14, 5 at po2 18 for one case).

Choosing a po2 (`choose_po2`): split the run with `segments_at` at each candidate po2, predict each
split, drop those whose predicted peak RSS passes the memory limit, and take the least predicted
proving time; with none left, refuse (ValueError) naming the smallest po2's need.
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from zkprof.calibrate import MEASURED, validate_calibration

# risc0-circuit-rv32im 4.x executor constants (execute/platform.rs, lib.rs).
RESERVED_CYCLES = ((1 << 8) + (1 << 16)) // 16 + 1
MAX_INSN_CYCLES = 25_000
MAX_INSN_CYCLES_LOWER_PO2 = 2_000  # used when the segment limit po2 is below 15
MIN_SEGMENT_PO2 = 14  # what a run may be configured with
MAX_SEGMENT_PO2 = 22
MIN_FINAL_PO2 = 13  # a run's last segment can be smaller than any configurable po2

PREDICTION_FIELDS = ("predicted_prove_ms", "predicted_peak_rss_bytes", "predicted_receipt_bytes")


@dataclass(frozen=True)
class Prediction:
    segment_po2s: tuple[int, ...]
    predicted_prove_ms: float
    predicted_job_ms: float
    predicted_peak_rss_bytes: int
    predicted_receipt_bytes: int
    extrapolated_po2s: tuple[int, ...]  # po2s of the run without a calibrated value

    @property
    def extrapolated(self) -> bool:
        return bool(self.extrapolated_po2s)


@dataclass(frozen=True)
class _Model:
    seconds: dict[int, float]
    rss: dict[int, int]  # the zkVM's part: peak RSS minus the process's base before it ran
    base_rss: int  # the calibration's base, used when the job's own is not known
    receipt: dict[int, float]
    prove_overhead_ms: float
    job_overhead_ms: float
    receipt_fixed: int
    receipt_slope: float

    def nearest(self, po2: int) -> int:
        # Ties go to the smaller po2: extrapolating upwards is the conservative side for memory.
        return min(self.seconds, key=lambda q: (abs(q - po2), q))

    def seconds_at(self, po2: int) -> float:
        q = self.nearest(po2)
        return self.seconds[q] * 2.0 ** (po2 - q)

    def rss_at(self, po2: int) -> int:
        q = self.nearest(po2)
        return round(self.rss[q] * 2.0 ** (po2 - q))

    def receipt_at(self, po2: int) -> float:
        q = self.nearest(po2)
        return max(0.0, self.receipt[q] + self.receipt_slope * (po2 - q))


def _base_samples(entry: Mapping[str, Any]) -> list[int]:
    # Calibrations without base RSS (older files) model the whole peak: base 0.
    samples = (entry.get("base_rss_bytes") or {}).get("samples")
    return (
        [int(b) for b in samples]
        if samples
        else [0] * len(entry["peak_rss_bytes"].get("samples") or [0])
    )


def _model(calibration: Mapping[str, Any]) -> _Model:
    doc = validate_calibration(calibration)
    measured = {int(p): entry for p, entry in doc["per_po2"].items() if entry["status"] == MEASURED}
    receipt = {p: float(e["receipt_bytes_per_segment"]) for p, e in measured.items()}
    po2s = sorted(receipt)
    # Least-squares slope of receipt bytes per segment over po2 (0 with one po2).
    slope = 0.0
    if len(po2s) > 1:
        mean_p = sum(po2s) / len(po2s)
        mean_r = sum(receipt.values()) / len(po2s)
        slope = sum((p - mean_p) * (receipt[p] - mean_r) for p in po2s) / sum(
            (p - mean_p) ** 2 for p in po2s
        )
    return _Model(
        seconds={p: float(e["seconds_per_segment"]["median"]) for p, e in measured.items()},
        rss={
            p: max(
                peak - base
                for peak, base in zip(
                    e["peak_rss_bytes"].get("samples") or [e["peak_rss_bytes"]["max"]],
                    _base_samples(e),
                    strict=False,
                )
            )
            for p, e in measured.items()
        },
        base_rss=int(statistics.median(b for e in measured.values() for b in _base_samples(e))),
        receipt=receipt,
        prove_overhead_ms=float(doc["overhead_ms"]["prove"]["median"]),
        job_overhead_ms=float(doc["overhead_ms"]["job"]["median"]),
        receipt_fixed=int(doc["receipt_fixed_bytes"]),
        receipt_slope=slope,
    )


def calibrated_po2s(calibration: Mapping[str, Any]) -> list[int]:
    """The po2s the calibration measured (skipped ones excluded), ascending."""
    return sorted(_model(calibration).seconds)


def predict(
    segment_po2s: Iterable[int],
    calibration: Mapping[str, Any],
    base_rss_bytes: int | None = None,
) -> Prediction:
    """Predict proving `segment_po2s` (an execute run's segments) on the calibrated machine, in a
    job whose process holds `base_rss_bytes` before the zkVM runs (default: the calibration's)."""
    po2s = tuple(int(p) for p in segment_po2s)
    if not po2s:
        raise ValueError("predict needs at least one segment po2")
    if bad := [p for p in po2s if not MIN_FINAL_PO2 <= p <= MAX_SEGMENT_PO2]:
        raise ValueError(
            f"segment po2 {bad[0]} is outside {MIN_FINAL_PO2}..{MAX_SEGMENT_PO2}, "
            "the po2s a risc0 segment can have"
        )
    model = _model(calibration)
    segments_s = sum(model.seconds_at(p) for p in po2s)
    return Prediction(
        segment_po2s=po2s,
        predicted_prove_ms=model.prove_overhead_ms + 1e3 * segments_s,
        predicted_job_ms=model.job_overhead_ms + 1e3 * segments_s,
        predicted_peak_rss_bytes=(model.base_rss if base_rss_bytes is None else base_rss_bytes)
        + max(model.rss_at(p) for p in set(po2s)),
        predicted_receipt_bytes=round(model.receipt_fixed + sum(model.receipt_at(p) for p in po2s)),
        extrapolated_po2s=tuple(sorted({p for p in po2s if p not in model.seconds})),
    )


def prediction_fields(
    segment_po2s: Iterable[int],
    calibration: Mapping[str, Any],
    base_rss_bytes: int | None = None,
) -> dict[str, float | int]:
    """The metric columns `predicted_prove_ms`, `predicted_peak_rss_bytes`,
    `predicted_receipt_bytes` of a run with these segments (see `predict`)."""
    p = predict(segment_po2s, calibration, base_rss_bytes)
    return {name: getattr(p, name) for name in PREDICTION_FIELDS}


def _max_insn_cycles(po2: int) -> int:
    return MAX_INSN_CYCLES if po2 >= 15 else MAX_INSN_CYCLES_LOWER_PO2


def segments_at(
    user_cycles: int,
    po2: int,
    *,
    paging_cycles: int = 0,
    segments: int = 1,
    observed_po2: int | None = None,
) -> list[int]:
    """Approximate segment po2s of a run of `user_cycles` guest cycles at segment limit `po2`.

    `paging_cycles` and `segments` come from an observed execute run (metrics columns of the same
    names) and `observed_po2` is the largest po2 among its segments; without it the paging per
    segment is taken as it is. The approximation is stated in the module docstring. Raises
    ValueError when the estimated paging leaves a segment no room for guest cycles.
    """
    if not MIN_SEGMENT_PO2 <= po2 <= MAX_SEGMENT_PO2:
        raise ValueError(f"segment po2 must be in {MIN_SEGMENT_PO2}..{MAX_SEGMENT_PO2}, got {po2}")
    if user_cycles < 0 or paging_cycles < 0 or segments < 1:
        raise ValueError("user_cycles and paging_cycles must be >= 0 and segments >= 1")
    paging = paging_cycles / segments
    if observed_po2 is not None:
        paging *= 2.0 ** ((po2 - observed_po2) / 2)
    room = (1 << po2) - _max_insn_cycles(po2) - RESERVED_CYCLES - paging
    if room < 1:
        raise ValueError(
            f"at po2 {po2} the estimated paging ({paging:.0f} cycles a segment) leaves a segment "
            f"no room for guest cycles ({1 << po2} - {_max_insn_cycles(po2)} reserved for one "
            f"instruction - {RESERVED_CYCLES} reserved)"
        )
    count = max(1, math.ceil(user_cycles / room))
    rest = user_cycles - (count - 1) * room
    last_cycles = math.ceil(rest + paging + RESERVED_CYCLES)
    last = min(po2, max(MIN_FINAL_PO2, (last_cycles - 1).bit_length()))
    return [po2] * (count - 1) + [last]


def choose_po2(
    user_cycles: int,
    calibration: Mapping[str, Any],
    memory_limit_bytes: int,
    po2s: Iterable[int] = range(MIN_SEGMENT_PO2, MAX_SEGMENT_PO2 + 1),
    *,
    paging_cycles: int = 0,
    segments: int = 1,
    observed_po2: int | None = None,
    base_rss_bytes: int | None = None,
) -> tuple[int, str]:
    """The segment po2 with the least predicted proving time whose predicted peak RSS fits in
    `memory_limit_bytes`, and a sentence saying why. Raises ValueError if none fits.

    The run is split at each candidate with `segments_at` (same keyword arguments); the job's base
    RSS is as in `predict`.
    """
    candidates = sorted(set(po2s))
    if not candidates:
        raise ValueError("choose_po2 needs at least one candidate po2")
    fitting: list[tuple[float, int, Prediction]] = []
    too_big: list[tuple[int, int]] = []  # (po2, predicted peak RSS)
    no_room: list[int] = []
    for po2 in candidates:
        try:
            split = segments_at(
                user_cycles,
                po2,
                paging_cycles=paging_cycles,
                segments=segments,
                observed_po2=observed_po2,
            )
        except ValueError:
            no_room.append(po2)
            continue
        p = predict(split, calibration, base_rss_bytes)
        if p.predicted_peak_rss_bytes <= memory_limit_bytes:
            fitting.append((p.predicted_prove_ms, po2, p))
        else:
            too_big.append((po2, p.predicted_peak_rss_bytes))
    limit = f"{memory_limit_bytes / 1e9:.3f} GB"
    if not fitting:
        detail = ""
        if too_big:
            smallest, rss = min(too_big)
            detail = f"; the smallest, po2 {smallest}, needs {rss / 1e9:.3f} GB of peak RSS"
        if no_room:
            detail += f"; po2 {', '.join(map(str, no_room))} leave no room for guest cycles"
        raise ValueError(
            f"no segment po2 among {candidates[0]}..{candidates[-1]} fits in the memory limit of "
            f"{limit}{detail} (predicted from the calibration; lower the po2 range or raise the "
            "limit)"
        )
    ms, po2, best = min(fitting)
    reason = (
        f"po2 {po2}: least predicted proving time ({ms / 1e3:.1f} s, {len(best.segment_po2s)} "
        f"segments) within {limit} "
        f"(predicted peak RSS {best.predicted_peak_rss_bytes / 1e9:.3f} GB)"
    )
    if larger := [p for p, _ in too_big if p > po2]:
        reason += f"; po2 {min(larger)} and up exceed the limit"
    if best.extrapolated:
        reason += f"; extrapolated beyond the calibration at po2 {list(best.extrapolated_po2s)}"
    return po2, reason
