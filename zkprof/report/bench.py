"""Benchmarks: every report output (not the plots) for a million-row run; reading openvm-prof's
metrics JSON, and its whole report."""

from __future__ import annotations

import json
import os
import random
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from zkprof import metrics
from zkprof.report import bencher
from zkprof.report.aggregate import aggregate_run
from zkprof.report.compare import compare_runs
from zkprof.report.load import load_run
from zkprof.report.markdown import render_report
from zkprof.report.summary import SummaryRow, render_summary

MILLION = 1_000_000
GROUPS = 40
FAILED_SHARE = 0.01
TARGET_S = 3.0


def synthetic_table(rows: int, seed: int, slowdown: float = 1.0) -> pa.Table:
    """A prove run of `rows` cases over GROUPS groups, with lognormal cycles and times."""
    rng = np.random.default_rng(seed)
    cycles = rng.lognormal(15, 1.2, rows).astype(np.int64) + 1
    segments = (cycles >> 18) + 1
    gas = rng.integers(21_000, 3_000_000, rows)
    prove_ms = cycles / 2.0e5 * 1000 * slowdown * rng.lognormal(0, 0.05, rows)
    failed = rng.random(rows) < FAILED_SHARE
    columns = {
        "schema_version": np.full(rows, metrics.SCHEMA_VERSION, dtype=np.int16),
        "case_id": pa.array([f"case_{i:07d}" for i in range(rows)]),
        "group": pa.array(np.char.add("group_", (np.arange(rows) % GROUPS).astype(str))),
        "action": pa.array(np.full(rows, "prove")),
        "status": pa.array(np.where(failed, metrics.FAILED, metrics.MATCHED)),
        "reason": pa.array(np.where(failed, "guest panicked", "")),
        "total_cycles": cycles,
        "user_cycles": (cycles * 0.9).astype(np.int64),
        "paging_cycles": (cycles * 0.08).astype(np.int64),
        "reserved_cycles": (cycles * 0.02).astype(np.int64),
        "segments": segments.astype(np.int32),
        "gas_used": gas,
        "cycles_per_gas": cycles / gas,
        "execute_ms": cycles / 5.0e6 * 1000,
        "native_ms": cycles / 5.0e8 * 1000,
        "prove_ms": prove_ms,
        "prove_segments_ms": prove_ms * 0.9,
        "compress_ms": prove_ms * 0.05,
        "verify_ms": rng.lognormal(2, 0.1, rows),
        "receipt_bytes": segments * 250_000,
        "seal_bytes": segments * 240_000,
        "prove_cycles_per_s": cycles / prove_ms * 1000,
        "peak_rss_bytes": rng.integers(2**30, 2**33, rows),
    }
    schema = metrics.SCHEMA
    arrays = [
        pa.array(columns[f.name], type=f.type) if f.name in columns else pa.nulls(rows, f.type)
        for f in schema
    ]
    return pa.Table.from_arrays(arrays, schema=schema)


def _render_all(metrics_path: Path, prev_path: Path | None) -> tuple[float, int]:
    start = time.perf_counter()
    current = aggregate_run(load_run(metrics_path))
    comparison = None
    if prev_path is not None:
        comparison = compare_runs(current, aggregate_run(load_run(prev_path)))
    text = render_report(current, comparison)
    doc = bencher.native_document(current, current.run.name)
    summary = render_summary([SummaryRow("prove", "report.md", current, comparison)], None, 2.0)
    elapsed = time.perf_counter() - start
    return elapsed, len(text) + len(summary) + len(doc)


def bench_report_million_rows(rows: int = MILLION) -> str:
    """Markdown: seconds to read, aggregate and render report.md, bencher.json and summary.md for
    a `rows`-case run, alone and compared with a previous run of the same cases."""
    with tempfile.TemporaryDirectory() as tmp:
        cur, prev = Path(tmp) / "cur.parquet", Path(tmp) / "prev.parquet"
        pq.write_table(synthetic_table(rows, 1, 1.05), cur, compression="zstd")
        pq.write_table(synthetic_table(rows, 1), prev, compression="zstd")
        _render_all(cur, None)  # warm the page cache and imports
        alone = min(_render_all(cur, None)[0] for _ in range(3))
        compared = min(_render_all(cur, prev)[0] for _ in range(3))
    verdict = "within" if alone <= TARGET_S else "over"
    load = os.getloadavg()[0]
    return "\n".join(
        [
            "| report of | cases | seconds (best of 3) |",
            "|---|---:|---:|",
            f"| one run | {rows:,} | {alone:.2f} |",
            f"| one run compared with a previous run of the same cases | {rows:,} | {compared:.2f} |",
            "",
            f"Read + aggregate ({GROUPS} groups, 20 metrics, 8 statistics) + report.md, bencher.json "
            f"and summary.md; plots excluded. One run: {verdict} the {TARGET_S:g} s target "
            f"(load average {load:.1f} on {os.cpu_count()} cores while measuring).",
        ]
    )


# --- openvm-prof metrics JSON: parse throughput and the whole report ---------------------------

OPENVM_MB = 100
OPENVM_TARGET_MB_S = 200.0
OPENVM_REPEATS = 5
# Chips of an openvm RV32 app and its aggregation programs (names as openvm prints them).
APP_AIRS = (
    "ProgramAir",
    "VmConnectorAir",
    "PersistentBoundaryAir<8>",
    "MemoryMerkleAir<8>",
    "AccessAdapterAir<2>",
    "AccessAdapterAir<4>",
    "AccessAdapterAir<8>",
    "AccessAdapterAir<16>",
    "AccessAdapterAir<32>",
    "Poseidon2PeripheryAir<BabyBearParameters>, 1>",
    "VariableRangeCheckerAir",
    "BitwiseOperationLookupAir<8>",
    "RangeTupleCheckerAir<2>",
    "PhantomAir",
    *(
        f"VmAirWrapper<Rv32{adapter}AdapterAir, {core}CoreAir<{params}>"
        for adapter, core, params in (
            ("BaseAlu", "BaseAlu", "4, 8"),
            ("BaseAlu", "Shift", "4, 8"),
            ("BaseAlu", "LessThan", "4, 8"),
            ("LoadStore", "LoadStore", "4"),
            ("LoadStore", "LoadSignExtend", "4, 8"),
            ("Branch", "BranchEqual", "4"),
            ("Branch", "BranchLessThan", "4, 8"),
            ("JalLui", "Rv32JalLui", ""),
            ("Jalr", "Rv32Jalr", ""),
            ("RdWrite", "Rv32Auipc", ""),
            ("Mult", "Multiplication", "4, 8"),
            ("Mult", "MulH", "4, 8"),
            ("Mult", "DivRem", "4, 8"),
            ("HintStore", "Rv32HintStore", ""),
            ("VecHeap", "Keccak256", ""),
            ("VecHeap", "Sha256", ""),
            ("HeapBranch", "BranchEqual", "32"),
            ("Heap", "BaseAlu", "32, 8"),
            ("Heap", "Multiplication", "32, 8"),
            ("VecHeap", "ModularAddSub", "1, 32"),
            ("VecHeap", "ModularMulDiv", "1, 32"),
            ("VecHeap", "EcAddNe", "2, 32"),
            ("VecHeap", "EcDouble", "2, 32"),
        )
    ),
)
AGG_AIRS = (
    "ProgramAir",
    "VmConnectorAir",
    "VolatileBoundaryAir",
    "AccessAdapterAir<2>",
    "AccessAdapterAir<4>",
    "AccessAdapterAir<8>",
    "NativePoseidon2Air<BabyBearParameters, 1>",
    "FriReducedOpeningAir",
    "VariableRangeCheckerAir",
    "PhantomAir",
    "VmAirWrapper<NativeLoadStoreAdapterAir<1>, NativeLoadStoreCoreAir<1>",
    "VmAirWrapper<NativeLoadStoreAdapterAir<4>, NativeLoadStoreCoreAir<4>",
    "VmAirWrapper<AluNativeAdapterAir, FieldArithmeticCoreAir>",
    "VmAirWrapper<AluNativeAdapterAir, FieldExtensionCoreAir>",
    "VmAirWrapper<BranchNativeAdapterAir, BranchEqualCoreAir<1>",
    "JalRangeCheckAir",
)
AIR_GAUGES = ("rows", "cells", "main_cols", "prep_cols", "perm_cols", "quotient_deg")
OPCODES = (
    "ADD", "SUB", "XOR", "OR", "AND", "SLL", "SRL", "SRA", "SLT", "SLTU", "LOADW", "LOADBU",
    "LOADHU", "STOREW", "STOREH", "STOREB", "LOADB", "LOADH", "BEQ", "BNE", "BLT", "BLTU", "BGE",
    "BGEU", "JAL", "LUI", "JALR", "AUIPC", "MUL", "MULH", "MULHSU", "MULHU", "DIV", "DIVU", "REM",
    "REMU", "HINT_STOREW", "HINT_BUFFER", "KECCAK256", "PHANTOM",
)  # fmt: skip


def _labels(**labels: str) -> str:
    """The start of an entry with these labels (openvm writes the pairs sorted by key)."""
    pairs = json.dumps([list(p) for p in sorted(labels.items())], separators=(",", ":"))
    return '{"labels":' + pairs + ',"metric":"'


class _OpenvmWriter:
    """Entries as compact JSON text, with a running byte count."""

    def __init__(self) -> None:
        self.counter: list[str] = []
        self.gauge: list[str] = []
        self.size = len('{"counter":[],"gauge":[]}')

    def add(self, kind: str, labels: str, metric: str, value: float | int) -> None:
        number = f"{value:.6g}" if isinstance(value, float) else str(value)
        text = f'{labels}{metric}","value":"{number}"}}'
        (self.counter if kind == "counter" else self.gauge).append(text)
        self.size += len(text) + 1

    def text(self) -> str:
        return '{"counter":[' + ",".join(self.counter) + '],"gauge":[' + ",".join(self.gauge) + "]}"


def _airs(w: _OpenvmWriter, rng: random.Random, airs: tuple[str, ...], **labels: str) -> None:
    for air_id, air in enumerate(airs):
        if rng.random() < 0.15:
            continue  # a chip unused in this proof
        rows = 1 << rng.randint(2, 22)
        cols = rng.randint(10, 400)
        sizes = (rows, rows * cols, cols, rng.randint(0, 3), rng.randint(0, 40), rng.randint(1, 4))
        prefix = _labels(air_id=str(air_id), air_name=air, **labels)
        for metric, value in zip(AIR_GAUGES, sizes, strict=True):
            w.add("gauge", prefix, metric, value)


def _proof(w: _OpenvmWriter, rng: random.Random, labels: str) -> float:
    trace, prove = rng.uniform(50, 400), rng.uniform(300, 3000)
    w.add("gauge", labels, "trace_gen_time_ms", trace)
    w.add("gauge", labels, "stark_prove_excluding_trace_time_ms", prove)
    for part, share in (("main_trace_commit", 0.2), ("rap_constraints", 0.5), ("openings", 0.3)):
        w.add("gauge", labels, f"prover.{part}_time_ms", prove * share)
    w.add("gauge", labels, "total_cells", rng.randint(10**7, 10**9))
    w.add("gauge", labels, "main_cells_used", rng.randint(10**6, 10**8))
    w.add("gauge", labels, "total_cells_used", rng.randint(10**6, 10**8))
    return trace + prove


def synthetic_openvm_json(size_bytes: int, seed: int = 7) -> str:
    """An openvm-prof metrics file of about `size_bytes` (compact JSON, as openvm writes it).

    One app proof (group app_proof) of many segments, each with its execution, trace generation
    and prover times, the six size gauges of every chip used (air_id, air_name, segment) and
    per-opcode `frequency` counters (some zero, which openvm-prof drops); a leaf proof (group leaf,
    label idx) per 4 segments, internal proofs (internal.0, internal.1) per 16, with their chips
    and `generate_blob_time_ms` per chip; one root proof. Entries are appended segment by segment
    until the size is reached, so sizes scale linearly. The numbers are consistent (instruction
    counts agree, preflight within proof time), so the whole report runs on it."""
    rng = random.Random(seed)
    w = _OpenvmWriter()
    app = "app_proof"
    w.add("gauge", _labels(group=app), "execute_metered_time_ms", 1234.5)
    insns_total = 0
    segment = 0
    while w.size < size_bytes:
        seg = str(segment)
        insns = rng.randint(2**20, 2**22)
        insns_total += insns
        preflight = insns / rng.uniform(20e6, 40e6) * 1000
        labels = _labels(group=app, segment=seg)
        w.add("gauge", labels, "execute_preflight_time_ms", preflight)
        w.add("gauge", labels, "execute_preflight_insns", insns)
        w.add("gauge", labels, "execute_preflight_insn_mi/s", insns / preflight / 1000)
        _proof(w, rng, labels)
        _airs(w, rng, APP_AIRS, group=app, segment=seg)
        for i, opcode in enumerate(OPCODES):
            count = 0 if rng.random() < 0.1 else rng.randint(1, insns // 8)
            air = APP_AIRS[14 + i % 23]
            opcode_labels = _labels(air_name=air, group=app, opcode=opcode, segment=seg)
            w.add("counter", opcode_labels, "frequency", count)
        if segment % 4 == 3:
            idx = str(segment // 4)
            labels = _labels(group="leaf", idx=idx)
            w.add("gauge", labels, "total_proof_time_ms", _proof(w, rng, labels))
            _airs(w, rng, AGG_AIRS, group="leaf", idx=idx)
            for air in AGG_AIRS[:8]:
                blob_labels = _labels(air_name=air, group="leaf", idx=idx)
                w.add("gauge", blob_labels, "generate_blob_time_ms", rng.uniform(0.5, 5))
        if segment % 16 == 15:
            for level in ("0", "1"):
                group, idx = f"internal.{level}", str(segment // 16)
                _proof(w, rng, _labels(group=group, idx=idx))
                _airs(w, rng, AGG_AIRS, group=group, idx=idx)
        segment += 1
    w.add("gauge", _labels(group=app), "execute_metered_insns", insns_total)
    _proof(w, rng, _labels(group="root", idx="0"))
    return w.text()


def _median_time(fn: Callable[[], object], repeats: int) -> float:
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def bench_openvm_parse(mb: int = OPENVM_MB, repeats: int = OPENVM_REPEATS) -> str:
    """Markdown: MB/s of `read_metrics` (file bytes to the MetricDb the report uses) on a synthetic
    openvm-prof metrics file of `mb` MB, and seconds for the whole openvm report from it; the
    reference reader (json + Python, what `read_metrics` was) for comparison."""
    from zkprof.report import openvm
    from zkprof.report.pipeline import run_openvm, write_openvm_summary

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "metrics.json"
        path.write_text(synthetic_openvm_json(mb * 1_000_000))
        size_mb = path.stat().st_size / 1e6
        db = openvm.read_metrics(path)  # warm the page cache and imports
        entries, label_sets = len(db.metrics), len(db.labels)
        del db
        parse_s = _median_time(lambda: openvm.read_metrics(path), repeats)
        reference_s = _median_time(lambda: openvm.read_metrics_json(path), 1)

        def report() -> None:
            result = run_openvm([path], output_json=Path(tmp) / "bmf.json", out_dir=Path(tmp))
            write_openvm_summary(result, "https://example.org", Path(tmp) / "summary.md")

        report_repeats = max(1, repeats // 2)
        report_s = _median_time(report, report_repeats)
    rate = size_mb / parse_s
    verdict = "meets" if rate >= OPENVM_TARGET_MB_S else "misses"
    load = os.getloadavg()[0]
    return "\n".join(
        [
            "| reader | file MB | parse s | MB/s | full report s | target |",
            "|---|---:|---:|---:|---:|---|",
            f"| `read_metrics` (native scanner) | {size_mb:.1f} | {parse_s:.3f} | {rate:.0f} "
            f"| {report_s:.2f} | parse >= {OPENVM_TARGET_MB_S:g} MB/s |",
            f"| `read_metrics_json` (json + Python, the reference) | {size_mb:.1f} "
            f"| {reference_s:.2f} | {size_mb / reference_s:.0f} | | |",
            "",
            f"A synthetic openvm-prof metrics file (compact JSON, {entries:,} entries in "
            f"{label_sets:,} label sets: one app proof of many segments with per-chip size gauges "
            "and per-opcode counters, leaf and internal proofs). Parse: file bytes (read included) "
            f"to the MetricDb the report uses, median of {repeats}; the reference reader once. "
            "Full report: parse, aggregate, X.md, X.detailed.md, Bencher JSON and summary, median "
            f"of {report_repeats}. Parse {verdict} the target (load average {load:.1f} on "
            f"{os.cpu_count()} cores while measuring).",
        ]
    )
