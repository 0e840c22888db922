"""Shared fixtures: built guest programs (real zkVM, no mocks) and the shared state-test fixtures."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from zkprof.guest import GuestProgram, build_program
from zkprof.paths import GUESTS_DIR, REPO_ROOT, shared_fixtures_dir

SHARED_FIXTURES = shared_fixtures_dir() / "state_tests"
BUILD_DIR = REPO_ROOT / "build" / "guests"


def built_guest(name: str) -> GuestProgram:
    # Cargo makes a rebuild of an unchanged guest a no-op, so tests always run the current source.
    return build_program(GUESTS_DIR / name, BUILD_DIR, quiet=True)


@pytest.fixture(scope="session")
def calibration() -> GuestProgram:
    return built_guest("calibration")


@pytest.fixture(scope="session")
def calibration_bytes(calibration: GuestProgram) -> bytes:
    return calibration.program_path.read_bytes()


@pytest.fixture(scope="session")
def shared_fixtures() -> Path:
    if not SHARED_FIXTURES.is_dir():
        message = f"shared state-test fixtures not found at {SHARED_FIXTURES} (set ZKPROF_FIXTURES)"
        # CI requires them: a missing folder fails there instead of skipping.
        if os.environ.get("ZKPROF_REQUIRE_FIXTURES") == "1":
            pytest.fail(message)
        pytest.skip(message)
    return SHARED_FIXTURES


@pytest.fixture(scope="session")
def small_calibration(calibration: GuestProgram, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A real calibration of this machine at po2 14 and 15, two proofs each (a few minutes), shared
    by the calibration and workflow tests. po2 22 is there to be skipped: its extrapolated RSS is
    far above this machine's memory."""
    from zkprof.calibrate import calibrate, save_calibration

    path = tmp_path_factory.mktemp("calibration") / "calibration.json"
    save_calibration(calibrate([14, 15, 22], repeats=2, program=calibration), path)
    return path
