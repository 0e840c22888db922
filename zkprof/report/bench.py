"""Benchmark: aggregate and render every report output (not the plots) for a million-row run."""

from __future__ import annotations

import os
import tempfile
import time
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
