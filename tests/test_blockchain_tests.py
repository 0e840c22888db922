"""Blocks: real ethereum/tests blockchain tests, each chain validated in the zkVM from execution
witnesses, checked against the fixture and against the full-state run of witness generation."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest

from zkprof import metrics
from zkprof.cases import load_cases, load_file
from zkprof.cases.blockchain_tests import ChainCase
from zkprof.cases.state_tests import _parse_pre
from zkprof.guest import GuestProgram
from zkprof.profile import profile_case
from zkprof.runner import RunSettings
from zkprof.sources import SourceCase, StateTests
from zkprof.witness import chain_description, chain_witness, prepare

from .conftest import SHARED_FIXTURES

# A valid chain of six blocks with transactions, and a one-block chain.
WALLET = "ValidBlocks/bcWalletTest/wallet2outOf3txs.json"
MERGE = "ValidBlocks/bcExample/mergeExample.json"


def _source_case(case: ChainCase) -> SourceCase:
    def make() -> bytes:
        return chain_witness(case)

    return SourceCase(
        case.case_id, case.source, case.group, case.skip_reason, chain_description(case), make
    )


def profile(case: ChainCase, guest: GuestProgram) -> dict[str, Any]:
    description, witness = prepare(_source_case(case))
    return profile_case(description, witness, guest, RunSettings(segment_po2=20))


def _chain_cases(folder: Path) -> list[ChainCase]:
    cases, errors = load_cases(folder)
    assert not errors, errors
    assert all(isinstance(c, ChainCase) for c in cases)
    return [c for c in cases if isinstance(c, ChainCase)]


def test_shared_blockchain_tests_match_in_both_guests(
    shared_blockchain_fixtures: Path, evm_guest: GuestProgram, accelerated_guest: GuestProgram
) -> None:
    cases = _chain_cases(shared_blockchain_fixtures)
    assert len(cases) >= 66
    failures, disagreements = [], []
    blocks = rejected = 0
    for case in cases:
        plain = profile(case, evm_guest)
        accelerated = profile(case, accelerated_guest)
        for name, row in (("plain", plain), ("accelerated", accelerated)):
            if row["status"] != metrics.MATCHED:
                failures.append((name, case.case_id, row["status"], row["reason"]))
        fields = ("gas_used", "state_root", "head_hash", "block_gas_used", "blocks_rejected")
        if any(plain.get(f) != accelerated.get(f) for f in fields):
            disagreements.append(case.case_id)
        blocks += plain["blocks"]
        rejected += plain["blocks_rejected"]
        # Each block's regions add up, and the witness is a real, measured cost.
        assert sum(plain["block_cycles"]) == (
            plain["cycles_witness"] + plain["cycles_transaction"] + plain["cycles_state_root"]
        )
        assert plain["witness_bytes"] > 0 and plain["witness_generation_ms"] > 0
        assert plain["expected_head_hash"] == plain["head_hash"]
    assert not failures, failures
    assert not disagreements, disagreements
    assert (blocks, rejected) == (160, 41)


def test_a_folder_mixes_state_and_blockchain_tests(
    shared_fixtures: Path, shared_blockchain_fixtures: Path, tmp_path: Path
) -> None:
    shutil.copy(shared_blockchain_fixtures / MERGE, tmp_path / "chain.json")
    state_file = sorted(SHARED_FIXTURES.rglob("*.json"))[0]
    shutil.copy(state_file, tmp_path / "state.json")
    source = StateTests(tmp_path)
    kinds = {}
    for path in source.files():
        cases, errors = source.load_file(path)
        assert not errors
        kinds[path.name] = {c.description["kind"] for c in cases}
    assert kinds == {"chain.json": {"blockchain_test"}, "state.json": {"state_test"}}


def _rlp_split(data: bytes) -> tuple[Any, bytes]:
    """One RLP item (bytes, or a list of items) and the rest."""
    b = data[0]
    if b < 0x80:
        return data[:1], data[1:]
    if b < 0xB8:
        n = b - 0x80
        return data[1 : 1 + n], data[1 + n :]
    if b < 0xC0:
        k = b - 0xB7
        n = int.from_bytes(data[1 : 1 + k], "big")
        return data[1 + k : 1 + k + n], data[1 + k + n :]
    if b < 0xF8:
        k, n = 0, b - 0xC0
    else:
        k = b - 0xF7
        n = int.from_bytes(data[1 : 1 + k], "big")
    payload, rest = data[1 + k : 1 + k + n], data[1 + k + n :]
    items = []
    while payload:
        item, payload = _rlp_split(payload)
        items.append(item)
    return items, rest


def _rlp(item: Any) -> bytes:
    def length(n: int, base: int) -> bytes:
        if n < 56:
            return bytes([base + n])
        be = n.to_bytes((n.bit_length() + 7) // 8, "big")
        return bytes([base + 55 + len(be)]) + be

    if isinstance(item, bytes):
        if len(item) == 1 and item[0] < 0x80:
            return item
        return length(len(item), 0x80) + item
    payload = b"".join(_rlp(i) for i in item)
    return length(len(payload), 0xC0) + payload


def _with_block(test: dict[str, Any], rlp: bytes) -> dict[str, Any]:
    test = json.loads(json.dumps(test))
    test["blocks"][0]["rlp"] = "0x" + rlp.hex()
    return test


def _load_one(tmp_path: Path, name: str, test: dict[str, Any]) -> ChainCase | str:
    path = tmp_path / f"{name}.json"
    path.write_text(json.dumps({name: test}))
    cases, errors = load_file(path, tmp_path)
    if errors:
        return str(errors[0])
    (case,) = cases
    assert isinstance(case, ChainCase)
    return case


def test_bad_blocks_give_clear_rows_and_the_rest_goes_on(
    shared_blockchain_fixtures: Path, tmp_path: Path, accelerated_guest: GuestProgram
) -> None:
    ((_name, test),) = json.loads((shared_blockchain_fixtures / MERGE).read_text()).items()
    block = bytes.fromhex(test["blocks"][0]["rlp"][2:])
    parts, _ = _rlp_split(block)
    header = parts[0]
    wrong_root = [*header[:3], b"\x11" * 32, *header[4:]]
    more_gas = [*header[:10], (int.from_bytes(header[10], "big") + 1).to_bytes(8, "big").lstrip(b"\0"), *header[11:]]  # fmt: skip
    variants = {
        "truncated": block[:-7],
        "wrong_state_root": _rlp([wrong_root, *parts[1:]]),
        "header_disagrees": _rlp([more_gas, *parts[1:]]),
    }
    rows = {}
    for variant, rlp in variants.items():
        case = _load_one(tmp_path, variant, _with_block(test, rlp))
        assert isinstance(case, ChainCase)
        rows[variant] = profile(case, accelerated_guest)
    good = _load_one(tmp_path, "good", test)
    assert isinstance(good, ChainCase)
    assert profile(good, accelerated_guest)["status"] == metrics.MATCHED
    for variant, row in rows.items():
        assert row["status"] == metrics.MISMATCHED, (variant, row["reason"])
        assert "block 1: rejected" in row["reason"], row["reason"]
    assert "RLP" in rows["truncated"]["reason"]
    assert "INVALID_STATE_ROOT" in rows["wrong_state_root"]["reason"]
    assert "INVALID_GAS_USED" in rows["header_disagrees"]["reason"]

    # Fields: missing or mistyped ones are errors naming the field; the other tests still load.
    missing = json.loads(json.dumps(test))
    del missing["lastblockhash"]
    assert "lastblockhash" in str(_load_one(tmp_path, "missing", missing))
    mistyped = json.loads(json.dumps(test))
    mistyped["blocks"][0]["rlp"] = 12
    assert "blocks[0].rlp" in str(_load_one(tmp_path, "mistyped", mistyped))
    london = json.loads(json.dumps(test)) | {"network": "London"}
    skipped = _load_one(tmp_path, "london", london)
    assert isinstance(skipped, ChainCase) and "before the merge" in str(skipped.skip_reason)
    row = profile(skipped, accelerated_guest)
    assert row["status"] == metrics.SKIPPED


def test_pre_state_must_match_the_genesis_root(
    shared_blockchain_fixtures: Path, tmp_path: Path
) -> None:
    ((_name, test),) = json.loads((shared_blockchain_fixtures / MERGE).read_text()).items()
    account = next(iter(test["pre"].values()))
    account["balance"] = hex(int(account["balance"], 16) + 1)
    case = _load_one(tmp_path, "bad_pre", test)
    assert isinstance(case, ChainCase)
    description, witness = prepare(_source_case(case))
    assert witness == b""
    assert "genesisBlockHeader.stateRoot" in description["error"]


@pytest.mark.slow
def test_one_small_block_is_proved_and_verified(
    shared_blockchain_fixtures: Path, tmp_path: Path, evm_guest: GuestProgram
) -> None:
    from zkprof.runner import PROVE

    # The first block of a chain without transactions: 3.75 M cycles at po2 16 (58 segments,
    # 1.19 M user cycles): 49 minutes of proving and verifying on 2 cores (2026-12-03).
    ((_name, test),) = json.loads(
        (shared_blockchain_fixtures / "ValidBlocks/bcGasPricerTest/notxs.json").read_text()
    ).items()
    first = test["blocks"][0]
    test["blocks"] = [first]
    test["lastblockhash"] = first["blockHeader"]["hash"]
    del test["postState"]
    test["postStateHash"] = first["blockHeader"]["stateRoot"]
    case = _load_one(tmp_path, "one_block", test)
    assert isinstance(case, ChainCase)
    description, witness = prepare(_source_case(case))
    settings = RunSettings(action=PROVE, segment_po2=16)
    row = profile_case(description, witness, evm_guest, settings)
    assert row["status"] == metrics.MATCHED, row["reason"]
    assert row["receipt_bytes"] > 0 and row["verify_ms"] > 0


BEACON_ROOTS = "0x000f3df6d732807ef1319fb7b8bb8522d0beac02"


def _state_test_form(test: dict[str, Any]) -> dict[str, Any]:
    """The state test of a one-transaction block (what ethereum/tests made the block from)."""
    header, tx = test["blocks"][0]["blockHeader"], test["blocks"][0]["transactions"][0]
    fees = {k: tx[k] for k in ("gasPrice", "maxFeePerGas", "maxPriorityFeePerGas") if k in tx}
    transaction = {
        "data": [tx["data"]],
        "gasLimit": [tx["gasLimit"]],
        "value": [tx["value"]],
        "nonce": tx["nonce"],
        "to": tx["to"],
        "sender": tx["sender"],
        **fees,
    }
    if "accessList" in tx:
        transaction["accessLists"] = [tx["accessList"]]
    env = {
        "currentCoinbase": header["coinbase"],
        "currentNumber": header["number"],
        "currentTimestamp": header["timestamp"],
        "currentGasLimit": header["gasLimit"],
        "currentDifficulty": "0x00",
        "currentBaseFee": header["baseFeePerGas"],
        "currentRandom": header["mixHash"],
        "currentExcessBlobGas": header["excessBlobGas"],
    }
    zero = "0x" + "00" * 32
    post = {test["network"]: [{"indexes": {"data": 0, "gas": 0, "value": 0}, "hash": zero, "logs": zero}]}  # fmt: skip
    return {"env": env, "pre": test["pre"], "transaction": transaction, "post": post}


def test_a_state_test_and_its_blockchain_form_agree(
    shared_blockchain_fixtures: Path, tmp_path: Path
) -> None:
    from zkprof import _native
    from zkprof.witness import evm_witness

    compared = 0
    for path in sorted((shared_blockchain_fixtures / "GeneralStateTests").rglob("*.json")):
        for name, test in json.loads(path.read_text()).items():
            blocks = test["blocks"]
            if len(blocks) != 1 or len(blocks[0].get("transactions", [])) != 1:
                continue
            state_file = tmp_path / f"{name}.json"
            state_file.write_text(json.dumps({name: _state_test_form(test)}))
            cases, errors = load_file(state_file, tmp_path)
            assert not errors, errors
            state = _native.evm_run_native(evm_witness(cases[0]))  # type: ignore[arg-type]
            assert state["kind"] == "state_test"
            # The block's post-state, less what its EIP-4788 system call wrote (a state test has
            # no block around it).
            post = json.loads(json.dumps(test["postState"]))
            if BEACON_ROOTS in post:
                post[BEACON_ROOTS]["storage"] = test["pre"][BEACON_ROOTS]["storage"]
            root = _native.evm_state_root(json.dumps(_parse_pre(post, "postState")), "postState")
            assert state["gas_used"] == int(blocks[0]["blockHeader"]["gasUsed"], 16), name
            assert state["state_root"] == root, name
            compared += 1
    assert compared >= 20
