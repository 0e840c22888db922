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
