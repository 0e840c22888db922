"""Running one case in a child process: timeouts and crashes become reasons, never holes."""

from __future__ import annotations

import time

import pytest

from zkprof.calibration import CalibrationOp, calibration_input
from zkprof.runner import CaseFailure, RunSettings, measure_isolated, peak_rss_bytes


def test_timeout_ends_a_stuck_case(calibration_bytes: bytes) -> None:
    start = time.monotonic()
    with pytest.raises(CaseFailure, match="timeout"):
        measure_isolated(
            calibration_bytes, calibration_input(CalibrationOp.ENDLESS), RunSettings(timeout_s=2)
        )
    assert time.monotonic() - start < 30


def test_guest_panic_is_a_reason(calibration_bytes: bytes) -> None:
    with pytest.raises(CaseFailure, match=r"guest panicked: .*kaboom"):
        measure_isolated(
            calibration_bytes,
            calibration_input(CalibrationOp.PANIC, 0, b"kaboom"),
            RunSettings(segment_po2=16),
        )


def test_measure_reports_bytes_not_kilobytes(calibration_bytes: bytes) -> None:
    fields = measure_isolated(
        calibration_bytes,
        calibration_input(CalibrationOp.TOUCH_MEMORY, 64 * 1024),
        RunSettings(segment_po2=20),
    )
    # The guest touched 64 MiB; the host process holds at least that and far less than 64 GiB.
    assert 64 * 2**20 < fields["peak_rss_bytes"] < 8 * 2**30
    assert peak_rss_bytes() > 10 * 2**20
