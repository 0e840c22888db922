"""The EVM workload: real ethereum/tests state tests executed in the zkVM and checked."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from zkprof import _native, metrics
from zkprof.cases import SUPPORTED_FORKS, Case, load_cases, load_file
from zkprof.guest import GuestProgram
from zkprof.paths import REPO_ROOT
from zkprof.profile import check_state_test, profile_case
from zkprof.runner import RunSettings
from zkprof.witness import case_description, evm_witness

from .conftest import built_guest

EXAMPLES = REPO_ROOT / "examples" / "state_tests"


@pytest.fixture(scope="module")
def evm_guest() -> GuestProgram:
    return built_guest("evm")


def profile(case: Case, guest: GuestProgram, **settings: object) -> dict:
    run = RunSettings(**({"segment_po2": 20} | settings))  # type: ignore[arg-type]
    witness = b"" if case.skip_reason else evm_witness(case)
    return profile_case(case_description(case), witness, guest, run)


def test_forks_agree_with_the_evm() -> None:
    assert set(_native.evm_supported_forks()) == SUPPORTED_FORKS


def test_witness_is_deterministic() -> None:
    cases, errors = load_cases(EXAMPLES)
    assert not errors
    for case in cases:
        again = next(
            c for c in load_file(EXAMPLES / case.source, EXAMPLES)[0] if c.case_id == case.case_id
        )
        assert evm_witness(case) == evm_witness(again)


def test_witness_errors_name_the_field() -> None:
    cases, _ = load_cases(EXAMPLES)
    bad = dict(cases[0].input)
    bad["tx"] = dict(bad["tx"]) | {"to": "0x1234"}
    with pytest.raises(ValueError, match=r"tx\.to"):
        _native.evm_witness(json.dumps(bad))
    with pytest.raises(ValueError, match="EVM witness"):
        _native.evm_run_native(b"\x01\x02")


def test_examples_match_in_the_zkvm(evm_guest: GuestProgram) -> None:
    cases, _ = load_cases(EXAMPLES)
    for case in cases:
        row = profile(case, evm_guest)
        assert row["status"] == metrics.MATCHED, (case.case_id, row["reason"])
        assert (
            row["cycles_decode"] > 0
            and row["cycles_transaction"] > 0
            and row["cycles_state_root"] > 0
        )
        assert (
            row["cycles_decode"] + row["cycles_transaction"] + row["cycles_state_root"]
            <= row["user_cycles"]
        )


def test_check_reports_what_differs() -> None:
    expected = {
        "state_root": "0xaa",
        "logs_hash": "0xbb",
        "expect_exception": "TransactionException.X",
    }
    zkvm = {"outcome": "success", "gas_used": 1, "state_root": "0xaa", "logs_hash": "0xcc"}
    problems = check_state_test(expected, zkvm, zkvm | {"gas_used": 2})
    assert any("expected exception" in p for p in problems)
    assert any("logs hash" in p for p in problems)
    assert any("native gas_used" in p for p in problems)


def _shared_cases(shared: Path, loops: bool) -> list[Case]:
    cases, errors = load_cases(shared)
    assert not errors
    return [c for c in cases if c.source.startswith("loops/") == loops]


def test_shared_fixtures_match_in_the_zkvm(shared_fixtures: Path, evm_guest: GuestProgram) -> None:
    cases = _shared_cases(shared_fixtures, loops=False)
    assert len(cases) >= 354
    failures, skipped = [], []
    for case in cases:
        row = profile(case, evm_guest)
        if row["status"] == metrics.SKIPPED:
            skipped.append(case.fork)
        elif row["status"] != metrics.MATCHED:
            failures.append((case.case_id, row["status"], row["reason"]))
    assert not failures, failures
    # Only forks revm does not implement are skipped (Constantinople: only its Petersburg fix).
    assert set(skipped) <= {"Constantinople"} and len(skipped) <= 1


@pytest.mark.slow
def test_loops_within_cycle_budget(shared_fixtures: Path, evm_guest: GuestProgram) -> None:
    # The heavy tier: tens of millions of gas each; a case over the budget fails, never hangs.
    for case in _shared_cases(shared_fixtures, loops=True):
        row = profile(case, evm_guest, cycle_limit=20_000_000_000, timeout_s=3600)
        assert row["status"] in (metrics.MATCHED, metrics.FAILED), row["reason"]
        if row["status"] == metrics.FAILED:
            assert "cycle limit" in row["reason"]
