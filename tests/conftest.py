"""Shared fixtures: built guest programs (real zkVM, no mocks) and the shared state-test fixtures."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from zkprof.guest import GuestProgram, build_program
from zkprof.paths import GUESTS_DIR, REPO_ROOT, shared_fixtures_dir

SHARED_FIXTURES = shared_fixtures_dir() / "state_tests"
SHARED_BLOCKCHAIN_FIXTURES = shared_fixtures_dir() / "blockchain_tests"
BUILD_DIR = REPO_ROOT / "build" / "guests"


def built_guest(name: str) -> GuestProgram:
    # Cargo makes a rebuild of an unchanged guest a no-op, so tests always run the current source.
    return build_program(GUESTS_DIR / name, BUILD_DIR, quiet=True)


@pytest.fixture(scope="module")
def evm_guest() -> GuestProgram:
    return built_guest("evm")


@pytest.fixture(scope="module")
def accelerated_guest() -> GuestProgram:
    return built_guest("evm-accelerated")


@pytest.fixture(scope="session")
def calibration() -> GuestProgram:
    return built_guest("calibration")


@pytest.fixture(scope="session")
def calibration_bytes(calibration: GuestProgram) -> bytes:
    return calibration.program_path.read_bytes()


def _required(folder: Path, what: str) -> Path:
    if not folder.is_dir():
        message = f"shared {what} fixtures not found at {folder} (set ZKPROF_FIXTURES)"
        # CI requires them: a missing folder fails there instead of skipping.
        if os.environ.get("ZKPROF_REQUIRE_FIXTURES") == "1":
            pytest.fail(message)
        pytest.skip(message)
    return folder


@pytest.fixture(scope="session")
def shared_fixtures() -> Path:
    return _required(SHARED_FIXTURES, "state-test")


@pytest.fixture(scope="session")
def shared_blockchain_fixtures() -> Path:
    return _required(SHARED_BLOCKCHAIN_FIXTURES, "blockchain-test")


@pytest.fixture(scope="session")
def small_calibration(calibration: GuestProgram, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A real calibration of this machine at po2 14 and 15, two proofs each (a few minutes), shared
    by the calibration and workflow tests. po2 22 is there to be skipped: its extrapolated RSS is
    far above this machine's memory."""
    from zkprof.calibrate import calibrate, save_calibration

    path = tmp_path_factory.mktemp("calibration") / "calibration.json"
    save_calibration(calibrate([14, 15, 22], repeats=2, program=calibration), path)
    return path
