"""Small datasets for the report tests, with numbers simple enough to check by hand."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from zkprof import metrics


def case(group: str, case_id: str, status: str = metrics.MATCHED, **values: Any) -> dict[str, Any]:
    row = {
        "schema_version": metrics.SCHEMA_VERSION,
        "case_id": case_id,
        "group": group,
        "action": "prove",
        "status": status,
        "reason": "" if status == metrics.MATCHED else "guest panicked",
    }
    return row | values


def native_rows(
    scale: float = 1.0, prove_scale: float = 1.0, action: str = "prove"
) -> list[dict[str, Any]]:
    """Two groups of matched cases, one failed and one skipped case.

    arith: cycles 1000, 2000, 3000 (x scale), prove 1, 2, 3 s (x prove_scale)
    calls: cycles 4000, 6000, prove 4, 6 s; plus a failed and a skipped case."""
    rows = []
    for group, sizes in (("arith", (1, 2, 3)), ("calls", (4, 6))):
        for size in sizes:
            cycles = int(1000 * size * scale)
            prove_ms = 1000.0 * size * prove_scale
            rows.append(
                case(
                    group,
                    f"{group}_{size}",
                    total_cycles=cycles,
                    user_cycles=cycles - 100,
                    segments=size,
                    gas_used=100 * size,
                    cycles_per_gas=cycles / (100 * size),
                    execute_ms=10.0 * size,
                    prove_ms=prove_ms,
                    prove_cycles_per_s=cycles / prove_ms * 1000,
                    peak_rss_bytes=2**20 * size,
                )
            )
    rows.append(case("calls", "calls_panic", metrics.FAILED))
    rows.append(case("calls", "calls_old_fork", metrics.SKIPPED, reason="unsupported fork"))
    return [row | {"action": action} for row in rows]


def entry(metric: str, value: float | str, **labels: str) -> dict[str, Any]:
    return {"metric": metric, "labels": [[k, v] for k, v in labels.items()], "value": value}


def openvm_metrics(proof_scale: float = 1.0, rate_scale: float = 1.0) -> dict[str, Any]:
    """An openvm-prof metrics file: app group "fib" (2 segments), leaf, internal.0, keygen.

    fib segment 0: preflight 100, trace gen 200, prove 700 ms (x proof_scale) -> total 1000
    fib segment 1: preflight 50, trace gen 100, prove 350 ms (x proof_scale) -> total 500
    metered execution 20 ms; leaf: two proofs of 300 and 400 ms; internal.0: one of 250 ms."""
    s = proof_scale
    gauges = [
        entry("execute_metered_time_ms", 20, group="fib"),
        entry("execute_metered_insns", "3000", group="fib"),
        entry("main_cells_used", 1_000_000, group="fib", segment="0", air_name="Cpu"),
        entry("main_cells_used", 500_000, group="fib", segment="1", air_name="Cpu"),
    ]
    for segment, (preflight, trace, prove, insns) in enumerate(
        ((100, 200, 700, 2000), (50, 100, 350, 1000))
    ):
        seg = str(segment)
        gauges += [
            entry("execute_preflight_time_ms", preflight, group="fib", segment=seg),
            entry("execute_preflight_insns", insns, group="fib", segment=seg),
            entry(
                "execute_preflight_insn_mi/s",
                insns / preflight / 1000 * rate_scale,
                group="fib",
                segment=seg,
            ),
            entry("trace_gen_time_ms", trace * s, group="fib", segment=seg),
            entry("stark_prove_excluding_trace_time_ms", prove * s, group="fib", segment=seg),
            entry(
                "prover.openings_time_ms", prove * s / 2, group="fib", segment=seg, phase="prover"
            ),
        ]
    for idx, total in enumerate((300, 400)):
        gauges += [
            entry("total_proof_time_ms", total * s, group="leaf", idx=str(idx)),
            entry("generate_blob_time_ms", 1.996, group="leaf", idx=str(idx), air="A"),
            entry("generate_blob_time_ms", 2, group="leaf", idx=str(idx), air="B"),
        ]
    gauges += [
        entry("total_proof_time_ms", 250 * s, group="internal.0", idx="0"),
        entry("keygen_time_ms", 90, group="agg_keygen"),
        entry("total_proof_time_ms", 5, group="agg_keygen"),
    ]
    counters = [
        entry("opcode_count", "700", group="fib", segment="0", opcode="ADD"),
        entry("opcode_count", "300", group="fib", segment="1", opcode="ADD"),
        entry("opcode_count", "1000", group="fib", segment="0", opcode="MUL"),
        entry("opcode_count", "0", group="fib", segment="1", opcode="MUL"),
        entry("opcode_count", "1000", group="fib", segment="1", opcode="LOAD"),
    ]
    return {"counter": counters, "gauge": gauges}


def write_json(doc: dict[str, Any], path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(doc, indent=1))
    return path


# --- proving predictions (predicted_* beside the measurements) ----------------------------------


def predicted(
    group: str,
    case_id: str,
    status: str = metrics.MATCHED,
    *,
    prove_ms: float | None,
    predicted_prove_ms: float | None,
    action: str = "prove",
    **values: Any,
) -> dict[str, Any]:
    """A case with a proving prediction (and, in a prove run, its measurement)."""
    return case(
        group,
        case_id,
        status,
        action=action,
        prove_ms=prove_ms,
        predicted_prove_ms=predicted_prove_ms,
        **values,
    )


def prediction_rows() -> list[dict[str, Any]]:
    """A prove run with predictions. Errors (predicted / measured - 1):

    case      status      prove_ms          peak RSS          receipt
    arith_1   matched     1000 -> 1100 +10%  1 GB -> 0.9  -10%  200 kB -> 200  0%
    arith_2   matched     2000 -> 1600 -20%  2 GB -> 2.2  +10%  250 kB -> 275 +10%
    calls_1   mismatched  4000 -> 5200 +30%  1 GB -> 1.5  +50%  (no receipt)
    calls_panic failed, with predictions but nothing measured: never compared."""
    gb = 10**9
    return [
        predicted(
            "arith", "arith_1", prove_ms=1000.0, predicted_prove_ms=1100.0,
            peak_rss_bytes=gb, predicted_peak_rss_bytes=9 * gb // 10,
            receipt_bytes=200_000, predicted_receipt_bytes=200_000, total_cycles=1000,
        ),
        predicted(
            "arith", "arith_2", prove_ms=2000.0, predicted_prove_ms=1600.0,
            peak_rss_bytes=2 * gb, predicted_peak_rss_bytes=22 * gb // 10,
            receipt_bytes=250_000, predicted_receipt_bytes=275_000, total_cycles=2000,
        ),
        predicted(
            "calls", "calls_1", metrics.MISMATCHED, prove_ms=4000.0, predicted_prove_ms=5200.0,
            peak_rss_bytes=gb, predicted_peak_rss_bytes=15 * gb // 10,
            predicted_receipt_bytes=300_000, total_cycles=4000, reason="state root differs",
        ),
        predicted(
            "calls", "calls_panic", metrics.FAILED, prove_ms=None, predicted_prove_ms=900.0,
            predicted_peak_rss_bytes=gb,
        ),
    ]  # fmt: skip


def estimate_rows() -> list[dict[str, Any]]:
    """An execute run with predictions (seconds, GB, kB; po2s: 14 and 16 calibrated):

    arith_1  matched     60 s   1 GB    200 kB  po2s 14 13
    arith_2  matched     120 s  3 GB    300 kB  po2s 16 16 14
    arith_3  mismatched  180 s  3 GB    250 kB  po2s 16 13
    calls_1  matched     8640 s 2.5 GB  1250 kB po2s 18 16
    calls_panic failed and calls_old_fork skipped: no prediction."""
    gb = 10**9
    rows = []
    for group, case_id, status, seconds, rss, receipt, po2s in (
        ("arith", "arith_1", metrics.MATCHED, 60, gb, 200_000, [14, 13]),
        ("arith", "arith_2", metrics.MATCHED, 120, 3 * gb, 300_000, [16, 16, 14]),
        ("arith", "arith_3", metrics.MISMATCHED, 180, 3 * gb, 250_000, [16, 13]),
        ("calls", "calls_1", metrics.MATCHED, 8640, 25 * gb // 10, 1_250_000, [18, 16]),
    ):
        rows.append(
            predicted(
                group,
                case_id,
                status,
                action="execute",
                prove_ms=None,
                predicted_prove_ms=seconds * 1000.0,
                predicted_peak_rss_bytes=rss,
                predicted_receipt_bytes=receipt,
                segment_po2s=po2s,
                segments=len(po2s),
                total_cycles=1000 * len(po2s),
                peak_rss_bytes=10**8,
            )
        )
    rows.append(case("calls", "calls_panic", metrics.FAILED, action="execute"))
    rows.append(
        case("calls", "calls_old_fork", metrics.SKIPPED, action="execute", reason="old fork")
    )
    return rows


def calibration_doc(**top: Any) -> dict[str, Any]:
    """A hand-made calibration measured at po2 14 and 16 (po2 20 skipped), on a described machine;
    `top` replaces top-level fields (e.g. hardware=None)."""
    doc = {
        "schema": "zkprof.calibration",
        "schema_version": 1,
        "created": "2025-01-02T03:04:05Z",
        "risc0_version": "3.0.3",
        "threads": 2,
        "hardware": {
            "host": "prover-1",
            "cpu_model": "Test CPU 9000",
            "cpu_cores_logical": 2,
            "memory_bytes": 2 * 10**9,
        },
        "overhead_ms": {"prove": {"median": 100.0}, "job": {"median": 300.0}},
        "receipt_fixed_bytes": 150,
        "per_po2": {
            "14": {
                "status": "measured",
                "seconds_per_segment": {"median": 10.0},
                "peak_rss_bytes": {"max": 200 * 10**6},
                "receipt_bytes_per_segment": 200_000,
            },
            "16": {
                "status": "measured",
                "seconds_per_segment": {"median": 40.0},
                "peak_rss_bytes": {"max": 600 * 10**6},
                "receipt_bytes_per_segment": 220_000,
            },
            "20": {"status": "skipped", "reason": "too big"},
        },
    }
    return doc | top
