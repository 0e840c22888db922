"""Run one guest program on one input in the zkVM (execute, or prove and verify) and measure it.

The zkVM runs in a forked child process so that a per-case timeout, a crash or the kernel's OOM
killer ends only that child: the parent records a failed row with the reason instead of a hole, and
retries an out-of-memory proof with a smaller segment po2.
"""

from __future__ import annotations

import contextlib
import multiprocessing as mp
import os
import resource
import signal
import time
from dataclasses import dataclass, replace
from enum import StrEnum
from multiprocessing.connection import Connection
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from zkprof._native import ExecuteResult

EXECUTE = "execute"
PROVE = "prove"
ACTIONS = (EXECUTE, PROVE)


class FailureKind(StrEnum):
    """Why a case could not be run to the end: decided where the failure happens, never parsed
    back out of its message."""

    GUEST_PANIC = "guest panic"
    CYCLE_LIMIT = "cycle limit"
    BAD_PROGRAM = "bad program"
    RECEIPT = "receipt"
    UNSUPPORTED_RECEIPT = "unsupported receipt kind"
    OUT_OF_MEMORY = "out of memory"
    TIMEOUT = "timeout"
    DIED = "died"
    ERROR = "error"


class CaseFailure(Exception):
    """The case could not be run to the end; the message is the reason recorded in its row,
    `kind` what happened (the out-of-memory retry decides by it)."""

    def __init__(self, reason: str, kind: FailureKind = FailureKind.ERROR) -> None:
        super().__init__(reason)
        self.kind = kind


@dataclass(frozen=True)
class RunSettings:
    action: str = EXECUTE
    segment_po2: int = 20
    cycle_limit: int | None = None
    receipt_kind: str = "composite"
    timeout_s: float | None = None
    pprof_path: Path | None = None
    # Address-space cap for the child (bytes); allocation beyond it fails like an out-of-memory.
    memory_limit: int | None = None
    # On out-of-memory, retry proving with po2 - 1 down to this.
    min_po2_on_oom: int = 14


def reset_peak_rss() -> None:
    """Reset the kernel's high-water mark of this process (Linux `clear_refs` 5)."""
    with contextlib.suppress(OSError):
        Path("/proc/self/clear_refs").write_text("5")


def _status_bytes(field: str) -> int | None:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field):
            return int(line.split()[1]) * 1024  # the kernel reports kB
    return None


def peak_rss_bytes() -> int:
    """Peak resident set of this process since the last reset, in bytes."""
    peak = _status_bytes("VmHWM:")
    if peak is not None:
        return peak
    # Not Linux: ru_maxrss is kB on Linux but bytes on macOS; only reached off Linux.
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


def rss_bytes() -> int | None:
    """Resident set of this process now, in bytes (None off Linux)."""
    return _status_bytes("VmRSS:")


def measure(program: bytes, guest_input: bytes, settings: RunSettings) -> dict[str, Any]:
    """In this process: execute, or prove + verify. Returns metric fields and the journal."""
    from zkprof import _native

    reset_peak_rss()
    # What the process held before the zkVM ran (interpreter, libraries, the job's data): peak RSS
    # minus this is the zkVM's own, which predictions model separately from the job around it.
    base_rss = rss_bytes()
    if settings.action == EXECUTE:
        run = _native.execute(
            program,
            guest_input,
            segment_po2=settings.segment_po2,
            cycle_limit=settings.cycle_limit,
            pprof_path=str(settings.pprof_path) if settings.pprof_path else None,
        )
        out = _session_fields(run)
    elif settings.action == PROVE:
        start = time.perf_counter()
        run = _native.prove(
            program,
            guest_input,
            segment_po2=settings.segment_po2,
            receipt_kind=settings.receipt_kind,
            cycle_limit=settings.cycle_limit,
        )
        prove_ms = (time.perf_counter() - start) * 1e3
        checked = _native.verify(run["receipt"], run["image_id"])
        if checked["journal"] != run["journal"]:
            raise CaseFailure("verified journal differs from the executed one")
        out = _session_fields(run)
        out |= {
            "prove_ms": prove_ms,
            "prove_segments_ms": run["prove_segments_ms"],
            "compress_ms": run["compress_ms"],
            "verify_ms": checked["verify_ms"],
            "receipt_kind": run["receipt_kind"],
            "receipt_bytes": run["receipt_size"],
            "seal_bytes": run["seal_size"],
            "prove_cycles_per_s": run["total_cycles"] / (prove_ms / 1e3),
            "receipt": run["receipt"],
        }
    else:
        raise ValueError(f"action must be one of {ACTIONS}, got {settings.action!r}")
    out["peak_rss_bytes"] = peak_rss_bytes()
    out["base_rss_bytes"] = base_rss
    return out


def _session_fields(run: ExecuteResult) -> dict[str, Any]:
    if run["exit_code"] != "halted" or run["exit_value"] != 0:
        raise CaseFailure(f"guest exited with {run['exit_code']}({run['exit_value']})")
    fields: dict[str, Any] = {
        "total_cycles": run["total_cycles"],
        "user_cycles": run["user_cycles"],
        "paging_cycles": run["paging_cycles"],
        "reserved_cycles": run["reserved_cycles"],
        "segments": run["segments"],
        "segment_po2s": run["segment_po2s"],
        "execute_ms": run["execute_ms"],
        "journal": run["journal"],
    }
    return fields


def _child(conn: Connection, program: bytes, guest_input: bytes, settings: RunSettings) -> None:
    if settings.memory_limit:
        resource.setrlimit(resource.RLIMIT_AS, (settings.memory_limit, settings.memory_limit))
    try:
        _reply(conn, program, guest_input, settings)
    finally:
        conn.close()


def _reply(conn: Connection, program: bytes, guest_input: bytes, settings: RunSettings) -> None:
    """In a child: measure, and send the parent the fields or the reason."""
    try:
        conn.send(("ok", measure(program, guest_input, settings)))
    except BaseException as err:  # report every failure to the parent, whatever its kind
        failure = _failure(err)
        conn.send(("error", (failure.kind.value, str(failure))))


def _failure(err: BaseException) -> CaseFailure:
    """`err` as a CaseFailure: its kind from the exception's type, its reason for the row."""
    from zkprof import _native

    if isinstance(err, CaseFailure):
        return err
    kinds: dict[type[BaseException], tuple[FailureKind, str]] = {
        _native.GuestPanic: (FailureKind.GUEST_PANIC, "guest panicked"),
        _native.CycleLimitExceeded: (FailureKind.CYCLE_LIMIT, "cycle limit reached"),
        _native.ProgramError: (FailureKind.BAD_PROGRAM, "bad program"),
        _native.ReceiptError: (FailureKind.RECEIPT, "receipt failed verification"),
        _native.UnsupportedReceiptKind: (
            FailureKind.UNSUPPORTED_RECEIPT,
            "unsupported receipt kind",
        ),
        MemoryError: (FailureKind.OUT_OF_MEMORY, "out of memory"),
    }
    for cls, (kind, label) in kinds.items():
        if isinstance(err, cls):
            return CaseFailure(f"{label}: {err}", kind)
    # risc0 reports a failed allocation of its prover only as text ("memory allocation of N
    # bytes failed"): the one place that reads a message, at the binding's edge.
    if isinstance(err, _native.ZkvmError) and "memory allocation" in str(err):
        return CaseFailure(f"out of memory: {err}", FailureKind.OUT_OF_MEMORY)
    return CaseFailure(f"{type(err).__name__}: {err}")


def measure_isolated(
    program: bytes, guest_input: bytes, settings: RunSettings, worker: Worker | None = None
) -> dict[str, Any]:
    """`measure` in a forked child with a timeout. Raises CaseFailure with the reason.

    An out-of-memory proof (killed by the kernel, or an allocation beyond `memory_limit`) is retried
    with a smaller segment po2; the returned fields say which po2 finally worked. An execution
    runs in `worker` (a child kept for the cases of one program) when one is given.
    """
    attempt = settings
    while True:
        try:
            if worker is not None and worker.takes(attempt):
                fields = worker.measure(guest_input, attempt)
            else:
                fields = _measure_in_child(program, guest_input, attempt)
            fields["segment_po2"] = attempt.segment_po2
            if attempt is not settings:
                fields["retried_po2"] = f"out of memory at po2 {settings.segment_po2}"
            return fields
        except CaseFailure as failure:
            smaller = attempt.segment_po2 - 1
            if (
                attempt.action == PROVE
                and failure.kind is FailureKind.OUT_OF_MEMORY
                and smaller >= attempt.min_po2_on_oom
            ):
                attempt = replace(attempt, segment_po2=smaller)
                continue
            raise


class Worker:
    """A forked child that executes the cases of one program one after another.

    Forking a job process (and the child's first touches of the program image it inherits) costs
    more than executing a small case, so a batch of executions shares one child. A case that times
    out or kills the child ends that child, with the case's reason; the next case gets a new one.
    Proofs keep a child each (see measure_isolated): they are long, and their memory is measured.
    """

    def __init__(self, program: bytes) -> None:
        self.program = program
        self._proc: Any = None
        self._conn: Connection | None = None

    @property
    def pid(self) -> int | None:
        """The child's process id (None before the first case and after a timeout or death)."""
        return None if self._proc is None else int(self._proc.pid)

    def takes(self, settings: RunSettings) -> bool:
        return settings.action == EXECUTE and settings.memory_limit is None

    def measure(self, guest_input: bytes, settings: RunSettings) -> dict[str, Any]:
        if self._proc is None or not self._proc.is_alive():
            self._start()
        assert self._conn is not None
        try:
            self._conn.send((guest_input, settings))
        except OSError as err:  # the child died between cases
            self._proc = self._conn = None
            raise CaseFailure(f"the zkVM process died before the case: {err}") from err
        try:
            return _await_result(self._proc, self._conn, settings.timeout_s)
        except CaseFailure:
            if not self._proc.is_alive():  # a timeout or a death: the next case gets a new child
                self._proc.join()
                self._proc = self._conn = None
            raise  # otherwise the case failed (a guest panic...) and the child goes on

    def _start(self) -> None:
        ctx = mp.get_context("fork")
        parent_conn, child_conn = ctx.Pipe(duplex=True)
        self._proc = ctx.Process(target=_serve, args=(child_conn, self.program), daemon=True)
        self._proc.start()
        child_conn.close()
        self._conn = parent_conn

    def close(self) -> None:
        if self._proc is None:
            return
        with contextlib.suppress(OSError):
            assert self._conn is not None
            self._conn.send(None)
        self._proc.join(timeout=5)
        if self._proc.is_alive():
            self._proc.kill()
            self._proc.join()
        self._proc = self._conn = None

    def __enter__(self) -> Worker:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _serve(conn: Connection, program: bytes) -> None:
    """The worker child: measure each (input, settings) received until None."""
    while True:
        try:
            request = conn.recv()
        except EOFError:  # the job process is gone
            break
        if request is None:
            break
        guest_input, settings = request
        _reply(conn, program, guest_input, settings)
    conn.close()


def _measure_in_child(program: bytes, guest_input: bytes, settings: RunSettings) -> dict[str, Any]:
    from zkprof import _native

    if settings.action == PROVE and _native.proved_in_process():
        # This process proved before (a caller of _native.prove): risc0's prover threads do not
        # survive a fork, so a forked proof would hang. Prove here instead, without a timeout.
        try:
            return measure(program, guest_input, settings)
        except Exception as err:
            raise _failure(err) from err
    ctx = mp.get_context("fork")
    parent_conn, child_conn = ctx.Pipe(duplex=False)
    proc = ctx.Process(target=_child, args=(child_conn, program, guest_input, settings))
    proc.start()
    child_conn.close()
    try:
        return _await_result(proc, parent_conn, settings.timeout_s)
    finally:
        proc.join()


def _await_result(proc: Any, conn: Connection, timeout_s: float | None) -> dict[str, Any]:
    """The child's result, or CaseFailure: its error, a timeout (the child is killed) or its death."""
    deadline = None if timeout_s is None else time.monotonic() + timeout_s
    result = None
    while result is None:
        remaining = None if deadline is None else max(0.0, deadline - time.monotonic())
        if conn.poll(remaining if remaining is not None else 1.0):
            try:
                result = conn.recv()
            except EOFError:
                break  # the child died without reporting
        elif deadline is not None and time.monotonic() >= deadline:
            proc.kill()
            proc.join()
            raise CaseFailure(f"timeout: no result after {timeout_s:g} s", FailureKind.TIMEOUT)
        elif not proc.is_alive() and not conn.poll(0):
            break
    if result is None:
        proc.join()
        code = proc.exitcode
        oom = FailureKind.OUT_OF_MEMORY
        if code is not None and code < 0 and -code == signal.SIGKILL:
            raise CaseFailure("out of memory: the zkVM process was killed (SIGKILL)", oom)
        if code is not None and code < 0 and -code == signal.SIGABRT:
            raise CaseFailure("out of memory: memory allocation failed (process aborted)", oom)
        raise CaseFailure(f"the zkVM process died (exit code {code})", FailureKind.DIED)
    status, payload = result
    if status != "ok":
        kind, reason = payload
        raise CaseFailure(reason, FailureKind(kind))
    return dict(payload)


def host_id() -> str:
    return os.uname().nodename
