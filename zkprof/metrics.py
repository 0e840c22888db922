"""The per-case metrics row: one versioned, documented Arrow schema, written atomically to Parquet.

Every column has a unit (or "-"), kept in the Parquet schema metadata so a reader never guesses.
A row is written whatever happened to the case: `status` says whether its numbers can be trusted.
"""

from __future__ import annotations

import importlib.abc
import sys
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from zkprof.atomic import write_atomic

SCHEMA_VERSION = 4
# Older versions this one reads: v2 to v4 only added columns (v2: base RSS, proving predictions;
# v3: the accelerator columns; v4: the blockchain-test columns), null in the older ones.
READABLE_VERSIONS = ("1", "2", "3", "4")

# Status of a case. Only "matched" rows describe a correct execution.
MATCHED = "matched"  # ran, and its result equals the expected one
MISMATCHED = "mismatched"  # ran, but the result differs (reason says what)
SKIPPED = "skipped"  # not run (unsupported fork, filtered by the source)
FAILED = "failed"  # could not be run to the end (guest panic, cycle limit, timeout, OOM, bad input)
STATUSES = (MATCHED, MISMATCHED, SKIPPED, FAILED)

# name -> (arrow type, unit, description)
COLUMNS: dict[str, tuple[pa.DataType, str, str]] = {
    "schema_version": (pa.int16(), "-", "version of this schema"),
    "case_id": (pa.string(), "-", "stable, file-name-safe case id"),
    "source": (pa.string(), "-", "input file, relative to the tests folder"),
    "test_name": (pa.string(), "-", "test name inside the file"),
    "fork": (pa.string(), "-", "Ethereum fork (state tests)"),
    "index_data": (pa.int32(), "-", "post entry's data index"),
    "index_gas": (pa.int32(), "-", "post entry's gas index"),
    "index_value": (pa.int32(), "-", "post entry's value index"),
    "group": (pa.string(), "-", "report group (default: the input's folder)"),
    "action": (pa.string(), "-", "execute | prove"),
    "status": (pa.string(), "-", "matched | mismatched | skipped | failed"),
    "reason": (pa.string(), "-", "why a case is not matched; empty when matched"),
    "guest": (pa.string(), "-", "guest program name"),
    "image_id": (pa.string(), "-", "image id of the guest program that produced the row"),
    "segment_po2": (pa.int8(), "log2(cycles)", "segment size limit used"),
    "outcome": (
        pa.string(),
        "-",
        "EVM outcome: success | revert | halt:<reason> | rejected:<kind>",
    ),
    "gas_used": (pa.int64(), "gas", "gas used by the transaction (a chain: by its blocks)"),
    "state_root": (
        pa.string(),
        "hex",
        "post-state root computed in the zkVM (a chain: its head's)",
    ),
    "logs_hash": (pa.string(), "hex", "logs hash computed in the zkVM"),
    "expected_state_root": (pa.string(), "hex", "post-state root the fixture expects"),
    "expected_logs_hash": (pa.string(), "hex", "logs hash the fixture expects"),
    "total_cycles": (pa.int64(), "cycles", "user + paging + reserved cycles"),
    "user_cycles": (pa.int64(), "cycles", "cycles executing guest instructions"),
    "paging_cycles": (pa.int64(), "cycles", "cycles paging memory in and out"),
    "reserved_cycles": (pa.int64(), "cycles", "cycles reserved by the segment format"),
    "segments": (pa.int32(), "count", "number of segments"),
    "segment_po2s": (pa.list_(pa.int8()), "log2(cycles)", "po2 of each segment"),
    "cycles_decode": (pa.int64(), "cycles", "guest region: reading and decoding the input"),
    "cycles_transaction": (pa.int64(), "cycles", "guest region: running the transaction"),
    "cycles_state_root": (pa.int64(), "cycles", "guest region: post-state root and logs hash"),
    "accelerators": (
        pa.bool_(),
        "-",
        "the guest ran with RISC Zero's accelerators (keccak coprocessor, SHA-256, bigint2)",
    ),
    "keccak_permutations": (
        pa.int64(),
        "count",
        "keccak-f permutations done by the keccak coprocessor (proved outside total_cycles)",
    ),
    "sha_compressions": (
        pa.int64(),
        "count",
        "SHA-256 block compressions by the SHA-256 accelerator (the SHA-256 precompile)",
    ),
    "bigint2_calls": (
        pa.int64(),
        "count",
        "calls of RISC Zero's bigint2 programs (field and curve operations: ecrecover, modexp, bn254)",
    ),
    "blocks": (pa.int32(), "count", "blocks of a blockchain test's chain"),
    "blocks_rejected": (
        pa.int32(),
        "count",
        "blocks rejected (as the fixture expects, if matched)",
    ),
    "transactions": (pa.int64(), "count", "transactions in the chain's imported blocks"),
    "block_gas_used": (pa.list_(pa.int64()), "gas", "gas used by each block (0: rejected)"),
    "block_transactions": (pa.list_(pa.int32()), "count", "transactions of each block"),
    "block_cycles": (
        pa.list_(pa.int64()),
        "cycles",
        "guest cycles of each block (witness check + execution + state root)",
    ),
    "cycles_witness": (
        pa.int64(),
        "cycles",
        "guest region: hashing the blocks' witnesses (nodes, codes, headers) into lookup tables",
    ),
    "witness_bytes": (
        pa.int64(),
        "bytes",
        "execution witnesses of all blocks: trie nodes, codes and headers",
    ),
    "witness_nodes": (pa.int64(), "count", "trie nodes in all blocks' witnesses"),
    "block_witness_bytes": (pa.list_(pa.int64()), "bytes", "execution witness of each block"),
    "witness_generation_ms": (
        pa.float64(),
        "ms",
        "witness generation: the chain run natively over the whole state, recording what it read",
    ),
    "head_hash": (pa.string(), "hex", "hash of the chain's last imported block"),
    "expected_head_hash": (pa.string(), "hex", "the fixture's lastblockhash"),
    "cycles_per_gas": (pa.float64(), "cycles/gas", "total cycles per unit of gas"),
    "execute_ms": (pa.float64(), "ms", "zkVM execution wall time"),
    "native_ms": (pa.float64(), "ms", "same workload compiled natively (reference)"),
    "prove_ms": (pa.float64(), "ms", "execution + segment proving + compression wall time"),
    "prove_segments_ms": (pa.float64(), "ms", "proving all segments"),
    "compress_ms": (pa.float64(), "ms", "lift/join/compress to the requested receipt kind"),
    "verify_ms": (pa.float64(), "ms", "receipt verification wall time"),
    "receipt_kind": (pa.string(), "-", "composite | succinct | groth16"),
    "receipt_bytes": (pa.int64(), "bytes", "serialized receipt size"),
    "seal_bytes": (pa.int64(), "bytes", "seal size inside the receipt"),
    "prove_cycles_per_s": (pa.float64(), "cycles/s", "proving throughput: total cycles / prove_ms"),
    "hot_functions": (
        pa.string(),
        "% of cycles",
        "guest functions with the most cycles (with pprof)",
    ),
    "peak_rss_bytes": (pa.int64(), "bytes", "peak resident memory of the job while the case ran"),
    "base_rss_bytes": (
        pa.int64(),
        "bytes",
        "resident memory of the job just before the zkVM started (peak minus this: the zkVM's)",
    ),
    "predicted_prove_ms": (
        pa.float64(),
        "ms",
        "proving time predicted from the segments and the machine's calibration",
    ),
    "predicted_peak_rss_bytes": (
        pa.int64(),
        "bytes",
        "peak resident memory of proving, predicted likewise",
    ),
    "predicted_receipt_bytes": (pa.int64(), "bytes", "composite receipt size, predicted likewise"),
    "risc0_version": (pa.string(), "-", "risc0-zkvm version"),
    "zkprof_version": (pa.string(), "-", "zkprof version"),
    "timestamp": (pa.timestamp("us", tz="UTC"), "UTC", "when the row was written"),
    "host_id": (pa.string(), "-", "host the case ran on"),
}

SCHEMA = pa.schema(
    [pa.field(name, typ, metadata={"unit": unit, "description": desc})
     for name, (typ, unit, desc) in COLUMNS.items()],
    metadata={"zkprof.schema_version": str(SCHEMA_VERSION)},
)  # fmt: skip


class _PandasRefused(importlib.abc.MetaPathFinder):
    def find_spec(self, name: str, path: object = None, target: object = None) -> None:
        if name == "pandas":
            raise ImportError("pandas is not used by this process")


def without_pandas() -> None:
    """For job processes that never use pandas: pyarrow imports it (0.4 s, a third of a small run
    job) the first time it converts Python values, only to ask whether they are pandas objects.
    This makes that first check (done here) find no pandas, which pyarrow remembers for the
    process; pandas itself stays importable, but pyarrow's `to_pandas` will not work here."""
    if "pandas" in sys.modules:
        return
    refuse = _PandasRefused()
    sys.meta_path.insert(0, refuse)
    try:
        pa.array([0])
    finally:
        sys.meta_path.remove(refuse)


def unit(column: str) -> str:
    return COLUMNS[column][1]


def to_table(rows: Iterable[Mapping[str, Any]]) -> pa.Table:
    """Rows (dicts; missing columns are null) -> a table with exactly SCHEMA."""
    rows = list(rows)
    unknown = {k for r in rows for k in r} - COLUMNS.keys()
    if unknown:
        raise ValueError(f"unknown metric columns: {sorted(unknown)}")
    arrays = {name: [r.get(name) for r in rows] for name in COLUMNS}
    return pa.table(arrays, schema=SCHEMA)


def write_rows(rows: Iterable[Mapping[str, Any]], path: Path) -> None:
    """Write rows to Parquet atomically: a truncated file is never read as valid."""
    table = to_table(rows)
    write_atomic(path, lambda tmp: pq.write_table(table, tmp, compression="zstd"))


def read_table(paths: Iterable[Path]) -> pa.Table:
    """Read metrics files into one table of SCHEMA (columns an older version lacks are null;
    unknown versions are refused)."""
    tables = []
    for path in paths:
        table = pq.ParquetFile(path).read()
        version = (table.schema.metadata or {}).get(b"zkprof.schema_version", b"?").decode()
        if version not in READABLE_VERSIONS:
            raise ValueError(
                f"{path}: metrics schema version {version}, expected one of {READABLE_VERSIONS}"
            )
        for name in SCHEMA.names:
            if name not in table.column_names:
                table = table.append_column(name, pa.nulls(len(table), SCHEMA.field(name).type))
        tables.append(table.select(SCHEMA.names).cast(SCHEMA))
    return pa.concat_tables(tables) if tables else SCHEMA.empty_table()


# A job's finished rows, kept as they come (see RowJournal): the row plus what it depended on.
JOURNAL_SCHEMA = SCHEMA.append(pa.field("fingerprint", pa.string()))


class RowJournal:
    """The rows of a job's finished cases, appended one by one to an Arrow IPC stream, so a job
    that is killed (or whose node dies) loses no finished case: its rerun finds them in `kept`,
    keyed by fingerprint (what the row depends on). Appending a row costs about 1.7 ms; a
    Parquet file per row cost 5-8.

    Opening rewrites the kept rows into a fresh stream (a stream cannot be appended to once
    closed); `remove` deletes the file when the job's own output is written."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.kept = read_journal(path)
        fresh = path.with_name(f".{path.name}.new")
        # The last batch of another job removes the folder once it is empty (profile.run_batch),
        # possibly between our mkdir and open; once our file is in it, it stays.
        for attempt in range(10):
            path.parent.mkdir(parents=True, exist_ok=True)
            try:
                self._sink = pa.OSFile(str(fresh), "wb")
                break
            except FileNotFoundError:
                if attempt == 9:
                    raise
        self._writer = pa.ipc.new_stream(self._sink, JOURNAL_SCHEMA)
        for fingerprint, row in self.kept.items():
            self.append(row, fingerprint)
        fresh.replace(path)

    def append(self, row: Mapping[str, Any], fingerprint: str) -> None:
        table = to_table([row]).append_column(
            JOURNAL_SCHEMA.field("fingerprint"), pa.array([fingerprint], pa.string())
        )
        self._writer.write_table(table)
        self._sink.flush()  # in the kernel's hands: survives the process being killed

    def close(self) -> None:
        if not self._sink.closed:
            self._writer.close()
            self._sink.close()

    def remove(self) -> None:
        self.close()
        self.path.unlink(missing_ok=True)

    def __enter__(self) -> RowJournal:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def read_journal(path: Path) -> dict[str, dict[str, Any]]:
    """fingerprint -> row of every complete row in a journal (a killed writer leaves a truncated
    last row, which is dropped; a journal of another schema is ignored)."""
    rows: dict[str, dict[str, Any]] = {}
    try:
        with pa.OSFile(str(path)) as source, pa.ipc.open_stream(source) as reader:
            if not reader.schema.equals(JOURNAL_SCHEMA, check_metadata=True):
                return rows
            for batch in reader:
                for row in batch.to_pylist():
                    rows[row.pop("fingerprint")] = row
    except (pa.ArrowInvalid, OSError):
        pass  # absent, or truncated: the rows read so far are whole
    return rows


def describe() -> str:
    """The schema as a markdown table (the README holds it; tests/test_docs.py keeps it current)."""
    lines = ["| column | type | unit | description |", "|---|---|---|---|"]
    for name, (typ, unit_, desc) in COLUMNS.items():
        lines.append(f"| `{name}` | {typ} | {unit_} | {desc} |")
    return "\n".join(lines)
