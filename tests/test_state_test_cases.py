"""Tests of reading Ethereum state tests into cases (zkprof.cases)."""

from __future__ import annotations

import copy
import json
import re
import time
from pathlib import Path
from typing import Any

import pytest

from zkprof.cases import (
    MAX_CASE_ID_LENGTH,
    SUPPORTED_FORKS,
    Case,
    CaseError,
    Expected,
    load_cases,
    load_file,
)

from .conftest import SHARED_FIXTURES

FIXTURES = SHARED_FIXTURES
EXAMPLES = Path(__file__).resolve().parents[1] / "examples/state_tests"

SENDER = "0xa94f5374fce5edbc8e2a8697c15331677e6ebf0b"
SECRET = "0x45a915e4d060149eb4365960e6a7a45f334393093061116b197e3240065ff2d8"
TARGET = "0xcccccccccccccccccccccccccccccccccccccccc"
ROOT = "0x" + "ab" * 32
LOGS = "0x1dcc4de8dec75d7aab85b567b6ccd41ad312451b948a7413f0a142fd40d49347"
SAFE_ID = re.compile(r"[A-Za-z0-9._-]+")


def make_test(**post: list[dict[str, Any]]) -> dict[str, Any]:
    """A small valid legacy state test; ``post`` defaults to one Cancun entry."""
    return {
        "_info": {"comment": "hand-written"},
        "env": {
            "currentBaseFee": "0x0a",
            "currentCoinbase": "0x2adc25665018aa1fe0e6bc666dac8fc2697ff9ba",
            "currentDifficulty": "0x020000",
            "currentExcessBlobGas": "0x00",
            "currentGasLimit": "0x05f5e100",
            "currentNumber": "0x01",
            "currentRandom": "0x" + "00" * 29 + "020000",
            "currentTimestamp": "0x03e8",
        },
        "pre": {
            SENDER: {"balance": "0x0de0b6b3a7640000", "code": "0x", "nonce": "0x00", "storage": {}},
            TARGET: {
                "balance": "0x00",
                "code": "0x600160005500",
                "nonce": "0x00",
                "storage": {"0x01": "0x02"},
            },
        },
        "transaction": {
            "data": ["0x", "0x1234"],
            "gasLimit": ["0x0186a0", "0x5208"],
            "gasPrice": "0x0a",
            "nonce": "0x00",
            "secretKey": SECRET,
            "sender": SENDER,
            "to": TARGET,
            "value": ["0x00", "0x01"],
        },
        "post": post or {"Cancun": [entry(0, 0, 0)]},
    }


def entry(d: int, g: int, v: int, **extra: Any) -> dict[str, Any]:
    return {"hash": ROOT, "indexes": {"data": d, "gas": g, "value": v}, "logs": LOGS, **extra}


def write(tmp_path: Path, rel: str, content: Any) -> Path:
    path = tmp_path / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(content, bytes):
        path.write_bytes(content)
    elif isinstance(content, str):
        path.write_text(content)
    else:
        path.write_text(json.dumps(content))
    return path


def load_one(tmp_path: Path, tests: dict[str, Any]) -> tuple[list[Case], list[CaseError]]:
    path = write(tmp_path, "group/file.json", tests)
    return load_file(path, tmp_path)


def only(cases: list[Case], errors: list[CaseError]) -> Case:
    assert errors == []
    assert len(cases) == 1
    return cases[0]


# ---------------------------------------------------------------------------------
# Expansion into cases.


def test_every_post_entry_becomes_a_case_with_its_indexes(tmp_path: Path) -> None:
    test = make_test(Cancun=[entry(0, 0, 0), entry(1, 0, 1), entry(0, 1, 0), entry(1, 1, 1)])
    cases, errors = load_one(tmp_path, {"t": test})
    assert errors == []
    assert [c.indexes for c in cases] == [(0, 0, 0), (1, 0, 1), (0, 1, 0), (1, 1, 1)]
    for case in cases:
        d, g, v = case.indexes
        tx = case.input["tx"]
        assert tx["data"] == ["0x", "0x1234"][d]
        assert tx["gas_limit"] == ["0x186a0", "0x5208"][g]
        assert tx["value"] == ["0x0", "0x1"][v]
    assert cases[1].case_id == "group__file__t__Cancun__d1g0v1"
    assert len({c.case_id for c in cases}) == 4


def test_several_forks_and_unsupported_fork_is_skipped(tmp_path: Path) -> None:
    test = make_test(
        Shanghai=[entry(0, 0, 0)],
        Cancun=[entry(0, 0, 0)],
        ShanghaiToCancunAtTime15k=[entry(1, 0, 0)],
    )
    cases, errors = load_one(tmp_path, {"t": test})
    assert errors == []
    assert [c.fork for c in cases] == ["Shanghai", "Cancun", "ShanghaiToCancunAtTime15k"]
    assert [c.input["fork"] for c in cases] == [c.fork for c in cases]
    assert cases[0].skip_reason is None and cases[1].skip_reason is None
    assert cases[2].skip_reason == ("fork 'ShanghaiToCancunAtTime15k' is not supported by the EVM")
    assert len({c.case_id for c in cases}) == 3


def test_supported_forks() -> None:
    assert {"Frontier", "Merge", "Paris", "Cancun", "Prague", "Osaka"} <= SUPPORTED_FORKS
    # revm implements only Constantinople's Petersburg fix (ConstantinopleFix), not EIP-1283.
    assert "Constantinople" not in SUPPORTED_FORKS


def test_other_chain_id_is_skipped(tmp_path: Path) -> None:
    test = make_test()
    test["config"] = {"chainid": "0x05"}
    case = only(*load_one(tmp_path, {"t": test}))
    assert case.skip_reason is not None and "chain id 5" in case.skip_reason
    test["config"] = {"chainid": "0x01"}
    assert only(*load_one(tmp_path, {"t": test})).skip_reason is None


def test_contract_creation(tmp_path: Path) -> None:
    test = make_test()
    test["transaction"]["to"] = ""
    case = only(*load_one(tmp_path, {"t": test}))
    assert case.input["tx"]["to"] is None


def test_expect_exception_alternatives_are_kept(tmp_path: Path) -> None:
    alternatives = "TransactionException.INTRINSIC_GAS_TOO_LOW|TransactionException.NONCE_IS_MAX"
    test = make_test(Cancun=[entry(0, 0, 0, expectException=alternatives), entry(1, 0, 0)])
    cases, errors = load_one(tmp_path, {"t": test})
    assert errors == []
    assert cases[0].expected.expect_exception == alternatives
    assert cases[1].expected.expect_exception is None


def test_expected_values_are_lowercase(tmp_path: Path) -> None:
    test = make_test(Cancun=[{**entry(0, 0, 0), "hash": ROOT.upper().replace("0X", "0x")}])
    case = only(*load_one(tmp_path, {"t": test}))
    assert case.expected == Expected(state_root=ROOT, logs_hash=LOGS, expect_exception=None)


def test_decimal_and_hex_numbers_normalize_identically(tmp_path: Path) -> None:
    hexed = make_test()
    decimal = make_test()
    decimal["env"].update(currentNumber="1", currentTimestamp="1000", currentBaseFee="10")
    decimal["transaction"].update(gasPrice="10", nonce="0", gasLimit=["100000", "21000"])
    decimal["transaction"]["value"] = ["0", "1"]
    decimal["pre"][TARGET]["storage"] = {"1": "2"}
    decimal["pre"][TARGET]["balance"] = "0x"  # "0x" means zero
    a = only(*load_one(tmp_path / "a", {"t": hexed}))
    b = only(*load_one(tmp_path / "b", {"t": decimal}))
    assert a.input == b.input
    tx = a.input["tx"]
    assert (tx["nonce"], tx["gas_price"], tx["gas_limit"]) == ("0x0", "0xa", "0x186a0")
    assert a.input["env"]["number"] == "0x1"
    assert a.input["pre"][TARGET]["storage"] == {"0x1": "0x2"}
    assert a.input["pre"][TARGET]["balance"] == "0x0"


def test_hex_is_lowercased_and_zero_slots_dropped(tmp_path: Path) -> None:
    test = make_test()
    account = test["pre"].pop(TARGET)
    account["code"] = "0xABCDEF"
    account["storage"] = {
        "0x0000000000000000000000000000000000000000000000000000000000000A": "0xFF",
        "0x02": "0x00",
    }
    test["pre"][TARGET.upper().replace("0X", "0x")] = account
    test["transaction"]["to"] = TARGET.upper().replace("0X", "0x")
    case = only(*load_one(tmp_path, {"t": test}))
    assert case.input["pre"][TARGET] == {
        "nonce": "0x0",
        "balance": "0x0",
        "code": "0xabcdef",
        "storage": {"0xa": "0xff"},
    }
    assert case.input["tx"]["to"] == TARGET


def test_missing_optional_fields(tmp_path: Path) -> None:
    test = make_test()
    for key in ("currentBaseFee", "currentRandom", "currentExcessBlobGas"):
        del test["env"][key]
    del test["pre"][TARGET]["storage"]
    del test["transaction"]["sender"]
    del test["_info"]
    case = only(*load_one(tmp_path, {"t": test}))
    env = case.input["env"]
    assert env["base_fee"] is None and env["random"] is None and env["excess_blob_gas"] is None
    assert case.input["pre"][TARGET]["storage"] == {}
    assert case.input["tx"]["sender"] is None
    assert case.input["tx"]["secret_key"] == SECRET


def test_missing_difficulty_after_the_merge_is_zero(tmp_path: Path) -> None:
    test = make_test()
    del test["env"]["currentDifficulty"]
    assert only(*load_one(tmp_path, {"t": test})).input["env"]["difficulty"] == "0x0"


def test_normalized_input_shape(tmp_path: Path) -> None:
    case = only(*load_one(tmp_path, {"t": make_test()}))
    assert set(case.input) == {"fork", "env", "pre", "tx"}
    assert set(case.input["env"]) == {
        "coinbase", "number", "timestamp", "gas_limit", "difficulty", "base_fee", "random",
        "excess_blob_gas",
    }  # fmt: skip
    assert set(case.input["tx"]) == {
        "type", "sender", "secret_key", "to", "nonce", "gas_limit", "gas_price",
        "max_fee_per_gas", "max_priority_fee_per_gas", "value", "data", "access_list",
        "max_fee_per_blob_gas", "blob_versioned_hashes", "authorization_list",
    }  # fmt: skip
    assert case.input["env"]["random"] == "0x" + "00" * 29 + "020000"
    assert case.source == "group/file.json"
    assert case.group == "group"
    assert case.test_name == "t"


# ---------------------------------------------------------------------------------
# Transaction types.


def test_legacy_type_0(tmp_path: Path) -> None:
    tx = only(*load_one(tmp_path, {"t": make_test()})).input["tx"]
    assert tx["type"] == 0
    assert tx["gas_price"] == "0xa"
    assert tx["access_list"] is None and tx["max_fee_per_gas"] is None


def test_access_list_type_1_per_data_index(tmp_path: Path) -> None:
    test = make_test(Cancun=[entry(0, 0, 0), entry(1, 0, 0)])
    access = [{"address": TARGET, "storageKeys": ["0x01", "0x" + "00" * 31 + "02"]}]
    test["transaction"]["accessLists"] = [access, None]
    cases, errors = load_one(tmp_path, {"t": test})
    assert errors == []
    first, second = (c.input["tx"] for c in cases)
    assert first["type"] == 1
    assert first["access_list"] == [
        {"address": TARGET, "storage_keys": ["0x" + "00" * 31 + "01", "0x" + "00" * 31 + "02"]}
    ]
    # A null entry means that data index is sent as a legacy transaction.
    assert second["type"] == 0 and second["access_list"] is None


def fee_market(test: dict[str, Any]) -> dict[str, Any]:
    tx = test["transaction"]
    del tx["gasPrice"]
    tx.update(maxFeePerGas="0x07d0", maxPriorityFeePerGas="0x0a")
    return test


def test_eip1559_type_2(tmp_path: Path) -> None:
    tx = only(*load_one(tmp_path, {"t": fee_market(make_test())})).input["tx"]
    assert tx["type"] == 2
    assert (tx["max_fee_per_gas"], tx["max_priority_fee_per_gas"]) == ("0x7d0", "0xa")
    assert tx["gas_price"] is None
    assert tx["access_list"] == []


def test_blob_type_3(tmp_path: Path) -> None:
    test = fee_market(make_test())
    blob_hash = "0x01" + "aa" * 31
    test["transaction"].update(maxFeePerBlobGas="0x01", blobVersionedHashes=[blob_hash])
    tx = only(*load_one(tmp_path, {"t": test})).input["tx"]
    assert tx["type"] == 3
    assert tx["blob_versioned_hashes"] == [blob_hash]
    assert tx["max_fee_per_blob_gas"] == "0x1"


def test_set_code_type_4(tmp_path: Path) -> None:
    test = fee_market(make_test())
    test["transaction"]["authorizationList"] = [
        {"chainId": "0x01", "address": TARGET, "nonce": "0x00", "v": "0x01", "r": "0x02",
         "s": "0x03", "signer": SENDER, "yParity": "0x01"},
        {"chainId": "0", "address": TARGET, "nonce": "0x05", "yParity": "0x00", "r": "0x7",
         "s": "0x8"},
    ]  # fmt: skip
    tx = only(*load_one(tmp_path, {"t": test})).input["tx"]
    assert tx["type"] == 4
    assert tx["authorization_list"] == [
        {"chain_id": "0x1", "address": TARGET, "nonce": "0x0", "v": "0x1", "r": "0x2", "s": "0x3"},
        {"chain_id": "0x0", "address": TARGET, "nonce": "0x5", "v": "0x0", "r": "0x7", "s": "0x8"},
    ]


# ---------------------------------------------------------------------------------
# Bad input: exactly one clear error, everything else still loads.


def _set(path: str, value: Any) -> Any:
    def mutate(test: dict[str, Any]) -> None:
        *parents, last = path.split("/")
        target: Any = test
        for key in parents:
            target = target[int(key)] if isinstance(target, list) else target[key]
        if isinstance(target, list):
            target[int(last)] = value
        else:
            target[last] = value

    return mutate


def _delete(path: str) -> Any:
    def mutate(test: dict[str, Any]) -> None:
        *parents, last = path.split("/")
        target: Any = test
        for key in parents:
            target = target[key]
        del target[last]

    return mutate


BAD_TESTS = [
    ("bad hex digit", _set("transaction/gasLimit/1", "0xzz"), "transaction.gasLimit[1]"),
    ("odd-length bytes", _set("transaction/data/1", "0x123"), "transaction.data[1]"),
    ("bytes without 0x", _set("pre/" + TARGET + "/code", "6001"), f"pre.{TARGET}.code"),
    ("above 2**256-1", _set("transaction/value/1", hex(2**256)), "transaction.value[1]"),
    ("decimal above 2**256-1", _set("env/currentNumber", str(2**256)), "env.currentNumber"),
    ("negative decimal", _set("transaction/nonce", "-1"), "transaction.nonce"),
    ("negative number", _set("transaction/nonce", -1), "transaction.nonce"),
    ("float", _set("transaction/nonce", 1.5), "transaction.nonce"),
    ("spaces", _set("transaction/nonce", " 1"), "transaction.nonce"),
    ("missing env field", _delete("env/currentCoinbase"), "env.currentCoinbase"),
    ("missing nonce", _delete("transaction/nonce"), "transaction.nonce"),
    ("no difficulty nor random",
     lambda t: [t["env"].pop(k) for k in ("currentDifficulty", "currentRandom")],
     "env.currentDifficulty"),
    ("missing to", _delete("transaction/to"), "transaction.to"),
    ("missing balance", _delete("pre/" + SENDER + "/balance"), f"pre.{SENDER}.balance"),
    ("missing section", _delete("pre"), "pre"),
    ("no gas price", _delete("transaction/gasPrice"), "transaction.gasPrice"),
    ("no sender", lambda t: [t["transaction"].pop(k) for k in ("sender", "secretKey")],
     "transaction.sender"),
    ("short address", _set("transaction/to", "0x" + "cc" * 19), "transaction.to"),
    ("long coinbase", _set("env/currentCoinbase", "0x" + "cc" * 21), "env.currentCoinbase"),
    ("bad pre address", _set("pre/0x1234", {"balance": "0", "code": "0x", "nonce": "0"}),
     "pre.0x1234"),
    ("empty array", _set("transaction/value", []), "transaction.value"),
    ("not an array", _set("transaction/data", "0x"), "transaction.data"),
    ("access list count", _set("transaction/accessLists", [[]]), "transaction.accessLists"),
    ("storage key", _set("transaction/accessLists", [[{"address": TARGET, "storageKeys": ["x"]}],
                                                      None]),
     "transaction.accessLists[0][0].storageKeys[0]"),
    ("blob hash length", lambda t: fee_market(t)["transaction"].update(
        maxFeePerBlobGas="0x1", blobVersionedHashes=["0x01"]),
     "transaction.blobVersionedHashes[0]"),
    ("bad chain id", _set("config", {"chainid": "0xg"}), "config.chainid"),
    ("post not an object", _set("post", []), "post"),
]  # fmt: skip


@pytest.mark.parametrize(("label", "mutate", "field"), BAD_TESTS, ids=[b[0] for b in BAD_TESTS])
def test_bad_test_gives_one_error_and_others_load(
    tmp_path: Path, label: str, mutate: Any, field: str
) -> None:
    bad = make_test()
    mutate(bad)
    cases, errors = load_one(tmp_path, {"good1": make_test(), "bad": bad, "good2": make_test()})
    assert len(errors) == 1, errors
    error = errors[0]
    assert (error.source, error.test_name, error.field) == ("group/file.json", "bad", field)
    text = str(error)
    assert "group/file.json" in text and "'bad'" in text and field in text
    assert [c.test_name for c in cases] == ["good1", "good2"]


BAD_POST_ENTRIES = [
    ("data index out of range", entry(2, 0, 0), "post.Cancun[1].indexes.data"),
    ("gas index out of range", entry(0, 5, 0), "post.Cancun[1].indexes.gas"),
    ("negative index", entry(0, 0, -1), "post.Cancun[1].indexes.value"),
    ("string index", {**entry(0, 0, 0), "indexes": {"data": "0", "gas": 0, "value": 0}},
     "post.Cancun[1].indexes.data"),
    ("missing index", {**entry(0, 0, 0), "indexes": {"data": 0, "gas": 0}},
     "post.Cancun[1].indexes.value"),
    ("short hash", {**entry(0, 0, 0), "hash": "0x" + "ab" * 31}, "post.Cancun[1].hash"),
    ("missing logs", {k: v for k, v in entry(0, 0, 0).items() if k != "logs"},
     "post.Cancun[1].logs"),
    ("empty exception", entry(0, 0, 0, expectException=""), "post.Cancun[1].expectException"),
    ("duplicate indexes", entry(0, 0, 0), "post.Cancun[1].indexes"),
]  # fmt: skip


@pytest.mark.parametrize(
    ("label", "bad_entry", "field"), BAD_POST_ENTRIES, ids=[b[0] for b in BAD_POST_ENTRIES]
)
def test_bad_post_entry_gives_one_error_and_other_entries_load(
    tmp_path: Path, label: str, bad_entry: dict[str, Any], field: str
) -> None:
    test = make_test(Cancun=[entry(0, 0, 0), bad_entry, entry(1, 1, 1)])
    cases, errors = load_one(tmp_path, {"t": test, "other": make_test()})
    assert len(errors) == 1, errors
    assert (errors[0].test_name, errors[0].field) == ("t", field)
    assert [(c.test_name, c.indexes) for c in cases] == [
        ("t", (0, 0, 0)),
        ("t", (1, 1, 1)),
        ("other", (0, 0, 0)),
    ]


def test_invalid_json_file_gives_one_file_error(tmp_path: Path) -> None:
    write(tmp_path, "a/broken.json", '{"t": ')
    write(tmp_path, "a/nan.json", '{"t": NaN}')
    write(tmp_path, "a/not_utf8.json", b'{"t": "\xff"}')
    write(tmp_path, "a/list.json", [make_test()])
    write(tmp_path, "b/good.json", {"t": make_test()})
    cases, errors = load_cases(tmp_path)
    assert [(e.source, e.test_name, e.field) for e in errors] == [
        ("a/broken.json", None, None),
        ("a/list.json", None, None),
        ("a/nan.json", None, None),
        ("a/not_utf8.json", None, None),
    ]
    assert "top level must be a JSON object" in errors[1].message
    assert str(errors[0]).startswith("a/broken.json: cannot read JSON")
    assert [c.source for c in cases] == ["b/good.json"]


def test_test_that_is_not_an_object(tmp_path: Path) -> None:
    cases, errors = load_one(tmp_path, {"t": [], "ok": make_test()})
    assert [(e.test_name, e.field) for e in errors] == [("t", None)]
    assert [c.test_name for c in cases] == ["ok"]


def test_duplicate_json_keys(tmp_path: Path) -> None:
    good = json.dumps(make_test())
    dup_slot = good.replace(
        '"storage": {"0x01": "0x02"}', '"storage": {"0x01": "0x02", "0x01": "0x03"}'
    )
    assert dup_slot != good
    dup_canonical = good.replace(
        '"storage": {"0x01": "0x02"}', '"storage": {"0x01": "0x02", "1": "0x03"}'
    )
    parts = [("dup_slot", dup_slot), ("dup_test", good), ("dup_test", good)]
    parts += [("dup_canonical", dup_canonical), ("ok", good)]
    text = "{" + ", ".join(f"{json.dumps(name)}: {body}" for name, body in parts) + "}"
    path = write(tmp_path, "file.json", text)
    cases, errors = load_file(path, tmp_path)
    assert [(e.test_name, e.field) for e in errors] == [
        ("dup_slot", f"pre.{TARGET}.storage"),
        ("dup_test", None),
        ("dup_canonical", f"pre.{TARGET}.storage.1"),
    ]
    assert "duplicate key '0x01'" in errors[0].message
    assert [c.test_name for c in cases] == ["ok"]


def test_missing_directory_is_an_error_not_an_exception(tmp_path: Path) -> None:
    cases, errors = load_cases(tmp_path / "nope")
    assert cases == [] and len(errors) == 1


# ---------------------------------------------------------------------------------
# Case ids, order, sharing.


def assert_safe_ids(cases: list[Case]) -> None:
    ids = [c.case_id for c in cases]
    assert len(set(ids)) == len(ids)
    for case_id in ids:
        assert SAFE_ID.fullmatch(case_id), case_id
        assert ".." not in case_id and "/" not in case_id
        assert len(case_id) <= MAX_CASE_ID_LENGTH
        assert case_id[0] not in ".-"


ADVERSARIAL_NAMES = [
    "a/b", "a:b", "a_b", "a b", "a?b", "../../etc/passwd", "..", ".", ".hidden", "-rf",
    "nul\x00byte", "x" * 1000, "x" * 999 + "y", "x" * 1000 + "/", "é", "e\u0301", "a__b",
    "a___b", "_a", "a_", "__", "", "Cancun", "d0g0v0", "a-h0123456789abcdef",
]  # fmt: skip


def test_ids_are_safe_and_unique_for_adversarial_names(tmp_path: Path) -> None:
    tests = {name: make_test(Cancun=[entry(0, 0, 0), entry(1, 0, 0)]) for name in ADVERSARIAL_NAMES}
    tests["forks"] = make_test(**{"../x": [entry(0, 0, 0)], "a/b": [entry(0, 0, 0)],
                                  "a:b": [entry(0, 0, 0)], "": [entry(0, 0, 0)]})  # fmt: skip
    write(tmp_path, "weird dir/..x/f.json", tests)
    write(tmp_path, "weird_dir/__x/f.json", tests)
    write(tmp_path, "a__b.json", {"c": make_test()})
    write(tmp_path, "a/b.json", {"c": make_test()})
    write(tmp_path, "a.json", {"b__c": make_test()})
    write(tmp_path, "a_/b.json", {"c": make_test()})
    write(tmp_path, "a/_b.json", {"c": make_test()})
    cases, errors = load_cases(tmp_path)
    assert errors == []
    assert len(cases) == 2 * (2 * len(ADVERSARIAL_NAMES) + 4) + 5
    assert_safe_ids(cases)
    clean = [c for c in cases if c.source == "a/b.json"]
    assert clean[0].case_id == "a__b__c__Cancun__d0g0v0"


def test_ids_and_input_are_deterministic(tmp_path: Path) -> None:
    write(tmp_path, "z/one.json", {"t": make_test(Cancun=[entry(0, 0, 0), entry(1, 1, 1)])})
    write(tmp_path, "a/two.json", {"u": make_test(), "t": make_test()})
    first, _ = load_cases(tmp_path)
    second, _ = load_cases(tmp_path)
    assert [c.source for c in first] == ["a/two.json", "a/two.json", "z/one.json", "z/one.json"]
    # Tests keep their order within a file.
    assert [c.test_name for c in first[:2]] == ["u", "t"]
    assert first == second
    for a, b in zip(first, second, strict=True):
        assert json.dumps(a.input, sort_keys=True) == json.dumps(b.input, sort_keys=True)


def test_pre_is_shared_between_cases_of_a_test(tmp_path: Path) -> None:
    cases, _ = load_one(tmp_path, {"t": make_test(Cancun=[entry(0, 0, 0), entry(1, 1, 1)])})
    assert cases[0].input["pre"] is cases[1].input["pre"]
    assert cases[0].input["env"] is cases[1].input["env"]
    assert cases[0].input["tx"] is not cases[1].input["tx"]


def test_group_is_directory_or_tests_dir_name(tmp_path: Path) -> None:
    root = tmp_path / "suite"
    write(root, "top.json", {"t": make_test()})
    write(root, "x/y/deep.json", {"t": make_test()})
    cases, errors = load_cases(root)
    assert errors == []
    assert {c.source: c.group for c in cases} == {"top.json": "suite", "x/y/deep.json": "x/y"}


def test_large_suite_loads_quickly(tmp_path: Path) -> None:
    # 100 files x 10 tests x 10 post entries = 10,000 cases.
    entries = [entry(i % 2, (i // 2) % 2, (i // 4) % 2) for i in range(8)]
    test = make_test(Cancun=entries, Prague=[entry(0, 0, 0), entry(1, 1, 1)])
    for f in range(100):
        write(
            tmp_path, f"g{f % 7}/file{f}.json", {f"test{i}": copy.deepcopy(test) for i in range(10)}
        )
    start = time.perf_counter()
    cases, errors = load_cases(tmp_path)
    elapsed = time.perf_counter() - start
    assert errors == [] and len(cases) == 10_000
    assert_safe_ids(cases)
    assert elapsed < 10, f"loading 10,000 cases took {elapsed:.1f}s"


# ---------------------------------------------------------------------------------
# Real fixtures and the built-in examples.


def count_post_entries(path: Path) -> int:
    tests = json.loads(path.read_text())
    return sum(len(entries) for test in tests.values() for entries in test["post"].values())


def test_shared_fixtures_load_without_errors(shared_fixtures: Path) -> None:
    cases, errors = load_cases(FIXTURES)
    assert errors == []
    assert_safe_ids(cases)
    files = sorted(FIXTURES.rglob("*.json"))
    outside_loops = [p for p in files if p.relative_to(FIXTURES).parts[0] != "loops"]
    assert len(outside_loops) == 33
    expected = sum(count_post_entries(p) for p in outside_loops)
    assert len([c for c in cases if c.group != "loops"]) == expected
    assert expected == 355  # pinned so that a change to the shared fixture set is noticed
    assert len(cases) == sum(count_post_entries(p) for p in files)
    assert {c.input["tx"]["type"] for c in cases} == {0, 1, 2}
    assert [c.fork for c in cases if c.skip_reason] == ["Constantinople"]


@pytest.mark.skipif(not EXAMPLES.is_dir(), reason="examples/state_tests not found")
def test_examples_load_without_errors() -> None:
    cases, errors = load_cases(EXAMPLES)
    assert errors == []
    assert_safe_ids(cases)
    assert {c.group for c in cases} >= {"transfer", "compute", "storage", "keccak",
                                        "precompiles", "create", "exceptions"}  # fmt: skip
    # Cancun, and Prague and Osaka for their precompiles (BLS12-381, P-256); none skipped.
    assert {c.fork for c in cases} == {"Cancun", "Prague", "Osaka"}
    assert all(c.skip_reason is None for c in cases)
    assert any(c.expected.expect_exception for c in cases)
    assert any(c.input["tx"]["to"] is None for c in cases)


# ---------------------------------------------------------------------------------
# Property test: random names and hex never crash the loader.

try:
    from hypothesis import given, settings
    from hypothesis import strategies as st
except ImportError:  # pragma: no cover - hypothesis is optional

    @pytest.mark.skip(reason="hypothesis is not installed")
    def test_random_input_never_crashes() -> None:
        pass

else:
    hex_like = st.one_of(
        st.text(alphabet="0123456789abcdefABCDEFxXg- ", max_size=80),
        st.text(alphabet="0123456789abcdef", max_size=80).map(lambda s: "0x" + s),
        st.integers(min_value=-(2**300), max_value=2**300).map(str),
        st.integers(min_value=-(2**300), max_value=2**300),
        st.none(),
        st.booleans(),
        st.lists(st.text(max_size=5), max_size=2),
    )
    fields = [
        "env/currentNumber", "env/currentCoinbase", "env/currentRandom", "transaction/nonce",
        "transaction/to", "transaction/gasPrice", "transaction/data/0",
        "transaction/gasLimit/1", "transaction/value/0", "transaction/secretKey",
        f"pre/{TARGET}/code", f"pre/{TARGET}/nonce", "post/Cancun/0/hash",
        "post/Cancun/0/logs", "post/Cancun/0/indexes/data", "post/Cancun/0/expectException",
    ]  # fmt: skip

    @settings(max_examples=150, deadline=None)
    @given(
        names=st.lists(st.text(max_size=200), min_size=1, max_size=4, unique=True),
        fork=st.text(max_size=30),
        mutations=st.lists(st.tuples(st.sampled_from(fields), hex_like), max_size=4),
    )
    def test_random_input_never_crashes(
        tmp_path_factory: pytest.TempPathFactory,
        names: list[str],
        fork: str,
        mutations: list[tuple[str, Any]],
    ) -> None:
        tests = {}
        for name in names:
            test = make_test(Cancun=[entry(0, 0, 0), entry(1, 1, 1)])
            for path, value in mutations:
                _set(path, value)(test)
            test["post"] = {fork: test["post"]["Cancun"]}
            tests[name] = test
        tmp_path = tmp_path_factory.mktemp("prop")
        cases, errors = load_file(write(tmp_path, "f.json", tests), tmp_path)
        assert all(isinstance(e, CaseError) and str(e) for e in errors)
        assert_safe_ids(cases)
        for case in cases:
            json.dumps(case.input, sort_keys=True)
        # Every test yields cases or errors (both only when a post entry is bad).
        assert {c.test_name for c in cases} | {e.test_name for e in errors} == set(names)
