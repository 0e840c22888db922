"""Profile one case: run its witness in the zkVM, check the result, and build its metrics row.

This is the one code path behind the workflow's run jobs, the CLI and the library API.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

import zkprof
from zkprof import metrics
from zkprof.atomic import write_bytes_atomic
from zkprof.guest import GuestProgram, unprovable_reason
from zkprof.paths import cache_dir
from zkprof.runner import PROVE, CaseFailure, RunSettings, Worker, host_id, measure_isolated
from zkprof.witness import BLOCKCHAIN_TEST, STATE_TEST, read_witnesses

if TYPE_CHECKING:
    from zkprof._native import ChainOutput, EvmOutput, NativeRun

RAW_INPUT = "raw_input"


def _base_row(
    description: dict[str, Any], program: GuestProgram, settings: RunSettings
) -> dict[str, Any]:
    from zkprof import _native

    indexes = description.get("indexes") or [None, None, None]
    expected = description.get("expected") or {}
    return {
        "schema_version": metrics.SCHEMA_VERSION,
        "case_id": description["case_id"],
        "source": description.get("source"),
        "test_name": description.get("test_name"),
        "fork": description.get("fork"),
        "index_data": indexes[0],
        "index_gas": indexes[1],
        "index_value": indexes[2],
        "group": description.get("group"),
        "action": settings.action,
        "guest": program.name,
        "image_id": program.image_id,
        "accelerators": program.accelerators,
        "segment_po2": settings.segment_po2,
        "expected_state_root": expected.get("state_root") or expected.get("post_state_root"),
        "expected_logs_hash": expected.get("logs_hash"),
        "expected_head_hash": expected.get("last_block_hash"),
        "risc0_version": _native.RISC0_VERSION,
        "zkprof_version": zkprof.__version__,
        "host_id": host_id(),
    }


def _evm_fields(output: EvmOutput) -> dict[str, Any]:
    cycles = output["region_cycles"]
    calls = output["accelerator_calls"]
    return {
        "outcome": output["outcome"],
        "gas_used": output["gas_used"],
        "state_root": output["state_root"],
        "logs_hash": output["logs_hash"],
        "cycles_decode": cycles["decode"],
        "cycles_transaction": cycles["transaction"],
        "cycles_state_root": cycles["state_root"],
        "keccak_permutations": calls["keccak_permutations"],
        "sha_compressions": calls["sha_compressions"],
        "bigint2_calls": calls["bigint2_calls"],
    }


def _chain_fields(chain: ChainOutput, description: dict[str, Any]) -> dict[str, Any]:
    blocks = chain["blocks"]
    facts = description.get("witness") or {}
    valid = [b for b in blocks if b["rejected"] is None]
    return {
        "blocks": len(blocks),
        "blocks_rejected": len(blocks) - len(valid),
        "transactions": sum(b["transactions"] for b in valid),
        "gas_used": sum(b["gas_used"] for b in valid),
        "block_gas_used": [b["gas_used"] for b in blocks],
        "block_transactions": [b["transactions"] for b in blocks],
        "block_cycles": [
            b["cycles_witness"] + b["cycles_execution"] + b["cycles_state_root"] for b in blocks
        ],
        "cycles_decode": chain["decode_cycles"],
        "cycles_witness": sum(b["cycles_witness"] for b in blocks),
        "cycles_transaction": sum(b["cycles_execution"] for b in blocks),
        "cycles_state_root": sum(b["cycles_state_root"] for b in blocks),
        "state_root": chain["head_state_root"],
        "head_hash": chain["head_hash"],
        "witness_bytes": sum(facts.get("witness_bytes", [])),
        "witness_nodes": sum(facts.get("witness_nodes", [])),
        "block_witness_bytes": facts.get("witness_bytes"),
        "witness_generation_ms": facts.get("generation_ms"),
        "keccak_permutations": chain["accelerator_calls"]["keccak_permutations"],
        "sha_compressions": chain["accelerator_calls"]["sha_compressions"],
        "bigint2_calls": chain["accelerator_calls"]["bigint2_calls"],
    }


def _block_verdicts(chain: Mapping[str, Any]) -> list[tuple[Any, ...]]:
    """What two runs of a chain must agree on: every block's verdict and numbers, not cycles."""
    keys = ("number", "hash", "rejected", "gas_used", "transactions", "state_root")
    return [tuple(b[k] for k in keys) for b in chain["blocks"]]


def check_chain(
    expected: dict[str, Any], zkvm: ChainOutput, full_state: Mapping[str, Any] | None
) -> list[str]:
    """What differs between a chain's zkVM run and the fixture (and the full-state run of
    witness generation, which the witness-based run must equal block for block)."""
    if zkvm["witness_error"]:
        return [f"witness: {zkvm['witness_error']}"]
    problems = []
    exceptions = expected["block_exceptions"]
    blocks = zkvm["blocks"]
    if len(blocks) != len(exceptions):
        problems.append(f"{len(blocks)} blocks validated, the fixture has {len(exceptions)}")
    for i, (block, exception) in enumerate(zip(blocks, exceptions, strict=False)):
        if exception is not None and block["rejected"] is None:
            problems.append(f"block {i + 1}: valid, but the fixture expects {exception}")
        elif exception is None and block["rejected"] is not None:
            problems.append(f"block {i + 1}: rejected ({block['rejected']}), but it is valid")
    if zkvm["head_hash"] != expected["last_block_hash"]:
        problems.append(f"head {zkvm['head_hash']} != lastblockhash {expected['last_block_hash']}")
    if zkvm["head_state_root"] != expected["post_state_root"]:
        problems.append(
            f"state root {zkvm['head_state_root']} != expected {expected['post_state_root']}"
        )
    if full_state is not None and _block_verdicts(full_state) != _block_verdicts(zkvm):
        problems.append("the witness-based run differs from the full-state run")
    return problems


def check_state_test(
    expected: dict[str, Any], zkvm: EvmOutput, native: NativeRun | None
) -> list[str]:
    """What differs between the zkVM result and the fixture's expectation (empty: matched)."""
    problems = []
    rejected = zkvm["outcome"].startswith("rejected")
    if expected.get("expect_exception"):
        if not rejected:
            problems.append(
                f"expected exception {expected['expect_exception']}, got {zkvm['outcome']}"
            )
    elif rejected:
        problems.append(f"transaction rejected ({zkvm['outcome']}) but no exception expected")
    if zkvm["state_root"] != expected["state_root"]:
        problems.append(f"state root {zkvm['state_root']} != expected {expected['state_root']}")
    if zkvm["logs_hash"] != expected["logs_hash"]:
        problems.append(f"logs hash {zkvm['logs_hash']} != expected {expected['logs_hash']}")
    if native is not None:
        pairs: list[tuple[str, object, object, bool]] = [
            ("outcome", native["outcome"], zkvm["outcome"], True),
            ("gas_used", native["gas_used"], zkvm["gas_used"], False),
            ("state_root", native["state_root"], zkvm["state_root"], False),
            ("logs_hash", native["logs_hash"], zkvm["logs_hash"], False),
        ]
        for key, ours, theirs, by_class in pairs:
            same = (
                outcome_class(str(ours)) == outcome_class(str(theirs))
                if by_class
                else ours == theirs
            )
            if not same:
                problems.append(f"native {key} {ours} != zkVM {theirs}")
    return problems


def outcome_class(outcome: str) -> str:
    """What must agree between native and zkVM runs: the kind of halt, not revm's detailed reason
    (it depends on the width of usize: an oversized memory operand is `OutOfGas(Memory)` on a
    64-bit host and `OutOfGas(InvalidOperand)` on the 32-bit zkVM)."""
    return outcome.split("(", 1)[0]


def profile_case(
    description: dict[str, Any],
    guest_input: bytes,
    program: GuestProgram,
    settings: RunSettings,
    *,
    log: Callable[[str], None] = lambda _: None,
    refused: str | None = None,
    worker: Worker | None = None,
) -> dict[str, Any]:
    """Run one case and return its metrics row; never raises for a failure of the case itself.
    A case `refused` (e.g. no po2 fits in memory) is not run: its row is failed with that reason.
    `worker`: a child process of this program to execute in (see runner.Worker)."""
    row = _base_row(description, program, settings)
    row["timestamp"] = dt.datetime.now(dt.UTC)
    if refused:
        return row | {"status": metrics.FAILED, "reason": refused}
    if description.get("skip_reason"):
        return row | {"status": metrics.SKIPPED, "reason": description["skip_reason"]}
    if description.get("error"):
        return row | {"status": metrics.FAILED, "reason": f"bad input: {description['error']}"}
    if settings.action == PROVE and (unprovable := unprovable_reason(program)):
        return row | {"status": metrics.FAILED, "reason": unprovable}
    try:
        code = worker.program if worker is not None else program.program_path.read_bytes()
        fields = measure_isolated(code, guest_input, settings, worker)
    except CaseFailure as failure:
        log(f"failed: {failure}")
        return row | {"status": metrics.FAILED, "reason": str(failure)}
    journal = fields.pop("journal")
    receipt = fields.pop("receipt", None)
    retried = fields.pop("retried_po2", None)
    if receipt is not None and settings.pprof_path is not None:
        write_bytes_atomic(settings.pprof_path.with_suffix(".receipt"), receipt)
    row |= fields
    if settings.pprof_path is not None and settings.pprof_path.exists():
        from zkprof.pprof import folded_stacks, hottest, write_flame_graph

        row["hot_functions"] = hottest(settings.pprof_path)
        # The case's flame graph beside its profile; the report merges them per group.
        stacks = folded_stacks(settings.pprof_path)
        subtitle = f"{sum(stacks.values()):,} user cycles sampled"
        if stacks:
            svg = settings.pprof_path.with_suffix(".svg")
            write_flame_graph(stacks, str(row["case_id"]), svg, subtitle)
    reason = [retried] if retried else []
    kind = description.get("kind", STATE_TEST)
    if kind in (STATE_TEST, BLOCKCHAIN_TEST):
        from zkprof import _native

        zkvm = _native.evm_decode_output(journal)
        native = _native.evm_run_native(guest_input)
        row["native_ms"] = native["native_ms"]
        if zkvm["kind"] == "state_test" and native["kind"] == "state_test":
            row |= _evm_fields(zkvm)
            problems = check_state_test(description["expected"], zkvm, native)
        elif zkvm["kind"] == "chain" and native["kind"] == "chain":
            row |= _chain_fields(zkvm, description)
            full_state = (description.get("witness") or {}).get("full_state")
            problems = check_chain(description["expected"], zkvm, full_state)
            if _block_verdicts(native) != _block_verdicts(zkvm):
                problems.append("the native run differs from the zkVM run")
        else:
            problems = [f"a {kind} case gave a {zkvm['kind']} result"]
        if row.get("gas_used"):
            row["cycles_per_gas"] = row["total_cycles"] / row["gas_used"]
        status = metrics.MISMATCHED if problems else metrics.MATCHED
        reason += problems
    else:
        # A raw-input guest has no expected result to compare with: it ran to the end.
        status = metrics.MATCHED
    return row | {"status": status, "reason": "; ".join(reason)}


def failed_marker(results_dir: Path, action: str, case_id: str) -> Path:
    """Present while a case's last run failed; the workflow retries such cases when asked."""
    return results_dir / action / "failed" / case_id


def warm_program(program: GuestProgram) -> None:
    """Build the program's memory image once, before the per-case children are forked (they inherit
    it): about 0.3 s saved per case for the EVM guest. The image is kept on disk by the program's
    hash, so the next job of the same program loads it in about 10 ms instead of 0.4 s. A bad
    program is reported per case later."""
    from zkprof import _native

    with contextlib.suppress(_native.ProgramError):
        _native.cache_program(program.program_path.read_bytes(), cache_dir() / "images")


def record_case(
    description: dict[str, Any],
    guest_input: bytes,
    program: GuestProgram,
    settings: RunSettings,
    *,
    results_dir: Path,
    log_path: Path | None = None,
    note: str | None = None,
    refused: str | None = None,
    worker: Worker | None = None,
) -> dict[str, Any]:
    """Profile one case, keep its failure marker in step with it and write its log; returns the row.
    `note` (e.g. why its po2 was changed) goes first in the row's reason.

    The one code path behind the workflow's run jobs and the library's `profile_cases`."""
    lines: list[str] = []
    row = profile_case(
        description,
        guest_input,
        program,
        settings,
        log=lines.append,
        refused=refused,
        worker=worker,
    )
    if note and not refused:
        row["reason"] = "; ".join(r for r in (note, row.get("reason")) if r)
    marker = failed_marker(results_dir, settings.action, row["case_id"])
    if row["status"] == metrics.FAILED:
        write_bytes_atomic(marker, (row["reason"] + "\n").encode())
    else:
        marker.unlink(missing_ok=True)
    lines.append(f"{row['case_id']}: {row['status']} {row.get('reason') or ''}".rstrip())
    if log_path is not None:
        log_path.parent.mkdir(parents=True, exist_ok=True)
        log_path.write_text("\n".join(lines) + "\n")
    return row


def case_log_path(results_dir: Path, action: str, case_id: str) -> Path:
    return results_dir / action / "logs" / f"{case_id}.log"


def _fingerprint(
    program: GuestProgram, settings: RunSettings, description: dict[str, Any], guest_input: bytes
) -> str:
    """What a case's row depends on: a kept row is reused only if all of it is unchanged."""
    digest = hashlib.sha256()
    for part in (
        program.image_id,
        repr(replace(settings, pprof_path=None)),
        json.dumps(description, sort_keys=True),
    ):
        digest.update(part.encode() + b"\0")
    digest.update(guest_input)
    return digest.hexdigest()[:16]


def run_batch(
    witnesses: Path,
    case_ids: list[str],
    program_path: Path,
    metrics_out: Path,
    settings: RunSettings,
    *,
    results_dir: Path,
    pprof: bool = False,
    plan: Mapping[str, Sequence[Any]] | None = None,
    log: Callable[[str], None] = lambda _: None,
) -> list[dict[str, Any]]:
    """A run job: profile some cases of one witness file and write their rows to one Parquet file.

    Each finished case's row is also kept in a journal (metrics.RowJournal) until the batch is
    written, so a job that is killed (or whose node dies) loses no finished case: its rerun reuses
    those rows when nothing they depend on changed. A completed batch removes the journal, so a
    forced rerun measures every case again. `plan` maps a case to (po2, note) when proving (see
    workflow.plan_proofs): its po2 (None: refused, the note says why) and why it differs from the
    configured one."""
    from zkprof.guest import load_program

    program = load_program(program_path)
    warm_program(program)
    found = read_witnesses(witnesses, case_ids)
    partial = results_dir / settings.action / "partial"
    rows = []
    # Executions share one child process; proofs get one each (see runner.Worker).
    with (
        Worker(program.program_path.read_bytes()) as worker,
        metrics.RowJournal(partial / f"{metrics_out.stem}.arrows") as journal,
    ):
        for case_id in case_ids:
            if case_id not in found:  # the index and the witness file disagree: say so, go on
                description = {
                    "case_id": case_id,
                    "error": f"{witnesses}: no witness for {case_id}",
                }
                found[case_id] = (description, b"")
            description, guest_input = found[case_id]
            po2, note = (plan or {}).get(case_id, (settings.segment_po2, None))
            refused = note if po2 is None else None
            case_settings = replace(settings, segment_po2=po2 or settings.segment_po2)
            fingerprint = _fingerprint(program, case_settings, description, guest_input)
            row = journal.kept.get(fingerprint)
            if row is not None:
                log(f"{case_id}: {row['status']} (kept from an interrupted run)")
            else:
                log_path = case_log_path(results_dir, settings.action, case_id)
                if pprof:
                    case_settings = replace(
                        case_settings, pprof_path=log_path.with_suffix(".pprof")
                    )
                row = record_case(
                    description,
                    guest_input,
                    program,
                    case_settings,
                    results_dir=results_dir,
                    log_path=log_path,
                    note=note,
                    refused=refused,
                    worker=worker,
                )
                journal.append(row, fingerprint)
                log(f"{case_id}: {row['status']} {row.get('reason') or ''}".rstrip())
            rows.append(row)
    metrics.write_rows(rows, metrics_out)
    journal.remove()
    with contextlib.suppress(OSError):  # the last batch of a run leaves no empty folder behind
        partial.rmdir()
    return rows


def case_metrics_path(results_dir: Path, action: str, case_id: str) -> Path:
    """Where the library keeps a case's row (the workflow keeps rows per batch)."""
    return results_dir / action / "cases" / f"{case_id}.parquet"


def batch_metrics_path(results_dir: Path, action: str, batch_id: str) -> Path:
    return results_dir / action / "batches" / f"{batch_id}.parquet"
