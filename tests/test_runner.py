"""Running one case in a child process: timeouts and crashes become reasons, never holes."""

from __future__ import annotations

import contextlib
import json
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from zkprof.calibration import CalibrationOp, calibration_input
from zkprof.guest import GuestProgram
from zkprof.runner import (
    CaseFailure,
    FailureKind,
    RunSettings,
    Worker,
    measure_isolated,
    peak_rss_bytes,
)


def test_timeout_ends_a_stuck_case(calibration_bytes: bytes) -> None:
    start = time.monotonic()
    with pytest.raises(CaseFailure, match="timeout") as failure:
        measure_isolated(
            calibration_bytes, calibration_input(CalibrationOp.ENDLESS), RunSettings(timeout_s=2)
        )
    assert failure.value.kind is FailureKind.TIMEOUT
    assert time.monotonic() - start < 30


def test_guest_panic_is_a_reason(calibration_bytes: bytes) -> None:
    # The kind comes from the binding's exception type (crossing the child's pipe), the text is
    # the row's reason.
    with pytest.raises(CaseFailure, match=r"guest panicked: .*kaboom") as failure:
        measure_isolated(
            calibration_bytes,
            calibration_input(CalibrationOp.PANIC, 0, b"kaboom"),
            RunSettings(segment_po2=16),
        )
    assert failure.value.kind is FailureKind.GUEST_PANIC
    with pytest.raises(CaseFailure, match="cycle limit reached") as failure:
        measure_isolated(
            calibration_bytes,
            calibration_input(CalibrationOp.ENDLESS),
            RunSettings(segment_po2=16, cycle_limit=100_000),
        )
    assert failure.value.kind is FailureKind.CYCLE_LIMIT


def test_measure_reports_bytes_not_kilobytes(calibration_bytes: bytes) -> None:
    fields = measure_isolated(
        calibration_bytes,
        calibration_input(CalibrationOp.TOUCH_MEMORY, 64 * 1024),
        RunSettings(segment_po2=20),
    )
    # The guest touched 64 MiB; the host process holds at least that and far less than 64 GiB.
    assert 64 * 2**20 < fields["peak_rss_bytes"] < 8 * 2**30
    assert peak_rss_bytes() > 10 * 2**20


def test_worker_keeps_its_child_until_a_timeout(calibration_bytes: bytes) -> None:
    execute = RunSettings(segment_po2=16)
    lcg = calibration_input(CalibrationOp.LCG_ROUNDS, 10)
    with Worker(calibration_bytes) as worker:
        first = measure_isolated(calibration_bytes, lcg, execute, worker)
        child = worker.pid
        assert child is not None
        # A guest panic is the case's failure, not the child's: the next case uses the same child.
        with pytest.raises(CaseFailure, match=r"guest panicked: .*kaboom"):
            panic = calibration_input(CalibrationOp.PANIC, 0, b"kaboom")
            measure_isolated(calibration_bytes, panic, execute, worker)
        second = measure_isolated(calibration_bytes, lcg, execute, worker)
        assert (second["journal"], second["segment_po2s"]) == (
            first["journal"],
            first["segment_po2s"],
        )
        assert worker.pid == child
        # A timeout ends the child; the next case gets a new one and runs as before.
        with pytest.raises(CaseFailure, match="timeout"):
            endless = calibration_input(CalibrationOp.ENDLESS)
            measure_isolated(calibration_bytes, endless, RunSettings(timeout_s=2), worker)
        assert worker.pid is None
        again = measure_isolated(calibration_bytes, lcg, execute, worker)
        assert again["journal"] == first["journal"]
        assert worker.pid not in (None, child)
        # Proofs do not use the worker: each gets a child of its own.
        assert not worker.takes(RunSettings(action="prove"))


# --- out of memory: the kernel's OOM killer, then a retry at a smaller po2 ---------------------

CGROUP_V1_MEMORY = Path("/sys/fs/cgroup/memory")

# A child that proves the calibration guest at po2 16 inside the memory cgroup given in argv, and
# prints what measure_isolated returned (or the failure).
OOM_CHILD = """
import json, os, sys
from pathlib import Path
Path(sys.argv[1], "cgroup.procs").write_text(str(os.getpid()))
from zkprof.calibration import CalibrationOp, calibration_input
from zkprof.runner import CaseFailure, RunSettings, measure_isolated
program = Path(sys.argv[2]).read_bytes()
settings = RunSettings(action="prove", segment_po2=16, min_po2_on_oom=int(sys.argv[3]))
try:
    fields = measure_isolated(program, calibration_input(CalibrationOp.LCG_ROUNDS, 10), settings)
    keys = ("segment_po2", "segment_po2s", "retried_po2", "peak_rss_bytes")
    print(json.dumps({k: fields.get(k) for k in keys}))
except CaseFailure as failure:
    print(json.dumps({"failure": str(failure), "kind": failure.kind.value}))
"""


@contextlib.contextmanager
def memory_cgroup(limit_bytes: int) -> Iterator[Path]:
    """A cgroup-v1 memory group with a hard limit (root only; skips the test elsewhere)."""
    group = CGROUP_V1_MEMORY / f"zkprof-test-{os.getpid()}"
    try:
        group.mkdir()
        (group / "memory.limit_in_bytes").write_text(str(limit_bytes))
    except OSError as err:
        pytest.skip(f"cannot create a memory cgroup under {CGROUP_V1_MEMORY}: {err}")
    try:
        yield group
    finally:
        for _ in range(50):  # the group can be removed once its processes are gone
            try:
                group.rmdir()
                break
            except OSError:
                time.sleep(0.1)


def prove_in_cgroup(program: Path, limit_bytes: int, min_po2: int) -> dict[str, Any]:
    with memory_cgroup(limit_bytes) as group:
        out = subprocess.run(
            [sys.executable, "-c", OOM_CHILD, str(group), str(program), str(min_po2)],
            capture_output=True,
            text=True,
            check=True,
            timeout=900,
        )
        killed = int((group / "memory.failcnt").read_text())
    result: dict[str, Any] = json.loads(out.stdout.splitlines()[-1])
    result["failcnt"] = killed
    return result


# This input is one po2-15 segment at a limit of 16 (a cgroup charge of about 300 MB) and four
# po2-14 segments at 14 (about 160 MB): a 230 MB group holds only the po2-14 proof.
OOM_LIMIT = 230 * 2**20


def test_out_of_memory_proof_is_retried_at_a_smaller_po2(calibration: GuestProgram) -> None:
    result = prove_in_cgroup(calibration.program_path, OOM_LIMIT, min_po2=14)
    assert result["failcnt"] > 0, "the group never hit its limit: the test proved nothing"
    assert result["segment_po2"] == 14
    assert set(result["segment_po2s"]) == {14}
    assert result["retried_po2"] == "out of memory at po2 16"
    assert result["peak_rss_bytes"] < OOM_LIMIT


def test_out_of_memory_below_the_smallest_po2_is_a_reason(calibration: GuestProgram) -> None:
    result = prove_in_cgroup(calibration.program_path, OOM_LIMIT, min_po2=16)
    assert result["failure"] == "out of memory: the zkVM process was killed (SIGKILL)"
    assert result["kind"] == "out of memory"
