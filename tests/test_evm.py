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


# What both guests must agree on, case by case (and each with the native run and the fixture).
RESULT_FIELDS = ("status", "outcome", "gas_used", "state_root", "logs_hash")


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


@pytest.mark.parametrize("guest", ["evm", "evm-accelerated"])
def test_examples_match_in_the_zkvm(guest: str) -> None:
    program = built_guest(guest)
    cases, _ = load_cases(EXAMPLES)
    for case in cases:
        row = profile(case, program)
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


def test_accelerators_take_the_precompiles_work(
    evm_guest: GuestProgram, accelerated_guest: GuestProgram
) -> None:
    # Cycle counts are deterministic: these ratios are properties of the code, not of the machine.
    cases, _ = load_cases(EXAMPLES / "precompiles")
    by_id = {c.case_id: c for c in cases}

    def both(case_id: str) -> tuple[dict, dict]:
        case = by_id[case_id]
        return profile(case, evm_guest), profile(case, accelerated_guest)

    plain, acc = both("ecrecover_edges__ecrecover_edges__Cancun__d0g0v0")
    assert acc["bigint2_calls"] > 1000 and plain["bigint2_calls"] == 0
    assert plain["cycles_transaction"] > 10 * acc["cycles_transaction"]
    plain, acc = both("precompile_calls__precompile_calls__Cancun__d0g0v0")
    assert acc["sha_compressions"] == 2  # one 64-byte message: two blocks with the padding
    plain, acc = both("modexp_widths__modexp_widths__Cancun__d4g0v0")  # 4096 bits
    assert acc["bigint2_calls"] > 0 and plain["cycles_transaction"] > 10 * acc["cycles_transaction"]
    plain, acc = both("modexp_widths__modexp_widths__Cancun__d5g0v0")  # too wide
    assert acc["bigint2_calls"] == 0
    plain, acc = both("bn254_g1__bn254_g1__Cancun__d11g0v0")  # G * (2^256 - 1)
    assert (
        acc["bigint2_calls"] > 256 and plain["cycles_transaction"] > 10 * acc["cycles_transaction"]
    )
    for row in (plain, acc):
        assert row["status"] == metrics.MATCHED, row["reason"]
    plain, acc = both("bn254_pairing__bn254_pairing__Cancun__d2g0v0")  # one pairing
    assert acc["bigint2_calls"] > 10_000 and plain["bigint2_calls"] == 0
    assert plain["cycles_transaction"] > 5 * acc["cycles_transaction"]  # issue 20's target
    plain, acc = both("p256_verify__p256_verify__Osaka__d0g0v0")  # a valid signature
    assert (
        acc["bigint2_calls"] > 100 and plain["cycles_transaction"] > 10 * acc["cycles_transaction"]
    )
    # BLS12-381: a pairing of two pairs, and a G2 MSM of one point (its subgroup check once made
    # the accelerated guest slower than the plain one).
    for case in ("bls12_381__bls12_381__Prague__d5g0v0", "bls12_381__bls12_381__Prague__d4g0v0"):
        plain, acc = both(case)
        assert acc["bigint2_calls"] > 1000 and plain["bigint2_calls"] == 0
        assert plain["cycles_transaction"] > 2 * acc["cycles_transaction"], case


def test_accelerated_guest_is_refused_for_proving_without_recursion(
    accelerated_guest: GuestProgram,
) -> None:
    # This build has no recursion programs (DOCS_RS=1): the keccak coprocessor's proofs cannot be
    # lifted, so the case fails at once with the reason instead of after proving its segments.
    if _native.recursion_available():
        pytest.skip("this build has the recursion programs: it can prove the keccak coprocessor")
    case = load_cases(EXAMPLES)[0][0]
    row = profile(case, accelerated_guest, action="prove", segment_po2=14)
    assert row["status"] == metrics.FAILED
    assert "recursion programs" in row["reason"] and "accelerators: false" in row["reason"]
    assert row.get("prove_ms") is None and row.get("total_cycles") is None
    assert row["accelerators"] is True


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


def test_shared_fixtures_match_in_both_guests(
    shared_fixtures: Path, evm_guest: GuestProgram, accelerated_guest: GuestProgram
) -> None:
    cases = _shared_cases(shared_fixtures, loops=False)
    assert len(cases) >= 354
    failures, skipped, disagreements = [], [], []
    cycles = {"plain": 0, "accelerated": 0}
    for case in cases:
        plain = profile(case, evm_guest)
        accelerated = profile(case, accelerated_guest)
        if plain["status"] == metrics.SKIPPED:
            skipped.append(case.fork)
        for name, row in (("plain", plain), ("accelerated", accelerated)):
            if row["status"] not in (metrics.MATCHED, metrics.SKIPPED):
                failures.append((name, case.case_id, row["status"], row["reason"]))
        differing = [f for f in RESULT_FIELDS if plain.get(f) != accelerated.get(f)]
        if differing:
            disagreements.append((case.case_id, differing))
        if plain["status"] == metrics.MATCHED:
            # The plain guest calls no accelerator; the accelerated one hashes every trie node
            # on the keccak coprocessor.
            assert plain["keccak_permutations"] == plain["sha_compressions"] == 0
            assert accelerated["keccak_permutations"] > 0
            assert (plain["accelerators"], accelerated["accelerators"]) == (False, True)
            cycles["plain"] += plain["total_cycles"]
            cycles["accelerated"] += accelerated["total_cycles"]
    assert not failures, failures
    assert not disagreements, disagreements
    # Only forks revm does not implement are skipped (Constantinople: only its Petersburg fix).
    assert set(skipped) <= {"Constantinople"} and len(skipped) <= 1
    assert cycles["accelerated"] < cycles["plain"], cycles


@pytest.mark.slow
def test_loops_within_cycle_budget(shared_fixtures: Path, evm_guest: GuestProgram) -> None:
    # The heavy tier: tens of millions of gas each; a case over the budget fails, never hangs.
    for case in _shared_cases(shared_fixtures, loops=True):
        row = profile(case, evm_guest, cycle_limit=20_000_000_000, timeout_s=3600)
        assert row["status"] in (metrics.MATCHED, metrics.FAILED), row["reason"]
        if row["status"] == metrics.FAILED:
            assert "cycle limit" in row["reason"]
