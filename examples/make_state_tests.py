"""Generate zkprof's built-in example state tests (examples/state_tests/).

Each example is a GeneralStateTests-format file (fork Cancun, or Prague and Osaka for their
precompiles; chain id 1) whose expected post-state root and logs hash come from the Ethereum
execution specs (the PyPI package ``ethereum-execution``), not from zkprof: every case's
transaction is signed and run through ``ethereum.forks.<fork>.fork.process_transaction`` on a
spec ``State`` built from the test's ``pre``, exactly as ethereum/tests fills state tests (one
transaction, no block rewards or system calls).

Usage::

    pip install ethereum-execution
    python examples/make_state_tests.py            # (re)write examples/state_tests/
    python examples/make_state_tests.py --check    # exit 1 if the files are stale

The output is deterministic: signatures are RFC 6979 and the JSON is key-sorted.
"""

from __future__ import annotations

import argparse
import dataclasses
import functools
import hashlib
import importlib
import json
import sys
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path
from typing import Any

import coincurve
from ethereum.crypto.hash import keccak256
from ethereum.exceptions import (
    EthereumException,
    InsufficientBalanceError,
    InsufficientTransactionGasError,
    NonceMismatchError,
)
from ethereum_rlp import rlp
from ethereum_types.bytes import Bytes, Bytes0, Bytes20, Bytes32
from ethereum_types.numeric import U64, U256, Uint

GENERATOR = "examples/make_state_tests.py"
SPEC_PACKAGE = "ethereum-execution"
OUT_DIR = Path(__file__).resolve().parent / "state_tests"
FORK = "Cancun"  # the examples' fork, unless one needs a later fork's precompile
# The forks whose spec modules (ethereum.forks.<name>) run the examples; from Cancun on, their
# transaction, state and block-environment APIs are the same.
FORKS = ("Cancun", "Prague", "Osaka")
CHAIN_ID = 1

# The well-known ethereum/tests key; its address is derived below, not assumed.
SECRET_KEY = 0x45A915E4D060149EB4365960E6A7A45F334393093061116B197E3240065FF2D8
COINBASE = "0x2adc25665018aa1fe0e6bc666dac8fc2697ff9ba"
SENDER_BALANCE = 1000 * 10**18
GAS_PRICE = 10
MAX_EXAMPLE_GAS = 1_000_000

# Spec exception classes behind the EEST names used in expectException.
EXCEPTION_CLASSES: dict[str, type[EthereumException]] = {
    "TransactionException.INTRINSIC_GAS_TOO_LOW": InsufficientTransactionGasError,
    "TransactionException.INSUFFICIENT_ACCOUNT_FUNDS": InsufficientBalanceError,
    "TransactionException.NONCE_MISMATCH_TOO_HIGH": NonceMismatchError,
    "TransactionException.NONCE_MISMATCH_TOO_LOW": NonceMismatchError,
}


@dataclass(frozen=True)
class Spec:
    """One fork's modules of the execution specs."""

    fork: str
    process: Any  # ethereum.forks.<fork>.fork
    state: Any
    tx: Any
    blocks: Any
    fork_types: Any
    trie: Any
    vm: Any

    @property
    def reference(self) -> str:
        return f"ethereum.forks.{self.fork.lower()}.fork.process_transaction"


@functools.cache
def spec(fork: str) -> Spec:
    if fork not in FORKS:
        raise ValueError(f"the examples run on {', '.join(FORKS)}, not {fork!r}")

    def module(name: str) -> Any:
        return importlib.import_module(f"ethereum.forks.{fork.lower()}.{name}")

    return Spec(
        fork=fork,
        process=module("fork"),
        state=module("state"),
        tx=module("transactions"),
        blocks=module("blocks"),
        fork_types=module("fork_types"),
        trie=module("trie"),
        vm=module("vm"),
    )


# ---------------------------------------------------------------------------------
# A tiny EVM assembler: one instruction per line, ";" comments, "name:" labels (they
# emit nothing: write JUMPDEST yourself), "PUSH <n>" picks the smallest PUSHn,
# "PUSH @label" is a PUSH2 of the label's offset, ".data 0x..." embeds raw bytes.

OPCODES: dict[str, int] = {
    "STOP": 0x00, "ADD": 0x01, "MUL": 0x02, "SUB": 0x03, "DIV": 0x04, "MOD": 0x06,
    "ADDMOD": 0x08, "MULMOD": 0x09, "EXP": 0x0A, "LT": 0x10, "GT": 0x11, "EQ": 0x14,
    "ISZERO": 0x15, "AND": 0x16, "OR": 0x17, "XOR": 0x18, "NOT": 0x19, "SHL": 0x1B,
    "SHR": 0x1C, "SHA3": 0x20, "ADDRESS": 0x30, "CALLER": 0x33, "CALLVALUE": 0x34,
    "CALLDATALOAD": 0x35, "CALLDATASIZE": 0x36, "CALLDATACOPY": 0x37, "CODECOPY": 0x39,
    "RETURNDATASIZE": 0x3D, "RETURNDATACOPY": 0x3E,
    "POP": 0x50, "MLOAD": 0x51, "MSTORE": 0x52, "MSTORE8": 0x53, "SLOAD": 0x54,
    "SSTORE": 0x55, "JUMP": 0x56, "JUMPI": 0x57, "GAS": 0x5A, "JUMPDEST": 0x5B,
    "TLOAD": 0x5C, "TSTORE": 0x5D, "PUSH0": 0x5F, "CALL": 0xF1, "RETURN": 0xF3,
    "STATICCALL": 0xFA, "REVERT": 0xFD,
    **{f"DUP{i}": 0x7F + i for i in range(1, 17)},
    **{f"SWAP{i}": 0x8F + i for i in range(1, 17)},
    **{f"LOG{i}": 0xA0 + i for i in range(5)},
}  # fmt: skip


def assemble(source: str) -> bytes:
    """Assemble the mini-language above (two passes so labels may be used before defined)."""
    items: list[bytes | str] = []  # bytes, or the name of a label whose PUSH2 is pending
    labels: dict[str, int] = {}
    offset = 0
    for number, raw_line in enumerate(source.splitlines(), 1):
        line = raw_line.split(";", 1)[0].strip()
        if not line:
            continue
        if line.endswith(":"):
            labels[line[:-1]] = offset
            continue
        op, *args = line.split()
        if op == ".data":
            chunk = bytes.fromhex(args[0].removeprefix("0x"))
        elif op.startswith("PUSH") and op != "PUSH0":
            if len(args) != 1:
                raise ValueError(f"line {number}: {op} needs one argument")
            if args[0].startswith("@"):
                if op not in ("PUSH", "PUSH2"):
                    raise ValueError(f"line {number}: labels are pushed with PUSH2")
                items.append(args[0][1:])
                offset += 3
                continue
            value = int(args[0], 0)
            size = max(1, (value.bit_length() + 7) // 8) if op == "PUSH" else int(op[4:])
            chunk = bytes([0x5F + size]) + value.to_bytes(size, "big")
        elif op in OPCODES and not args:
            chunk = bytes([OPCODES[op]])
        else:
            raise ValueError(f"line {number}: cannot assemble {line!r}")
        items.append(chunk)
        offset += len(chunk)
    return b"".join(
        item if isinstance(item, bytes) else b"\x61" + labels[item].to_bytes(2, "big")
        for item in items
    )


# ---------------------------------------------------------------------------------
# Reference execution with the execution specs.


def _int(value: str) -> int:
    return int(value, 16) if value.startswith("0x") else int(value)


def _raw(value: str) -> bytes:
    return bytes.fromhex(value.removeprefix("0x"))


def _address_of(secret_key: int) -> bytes:
    public = coincurve.PrivateKey.from_int(secret_key).public_key.format(compressed=False)
    return keccak256(public[1:])[12:]


def _sign(message_hash: bytes, secret_key: int) -> tuple[int, int, int]:
    """(r, s, recovery id); libsecp256k1 signs deterministically with a low s."""
    sig = coincurve.PrivateKey.from_int(secret_key).sign_recoverable(message_hash, hasher=None)
    return int.from_bytes(sig[:32], "big"), int.from_bytes(sig[32:64], "big"), sig[64]


def build_state(pre: Mapping[str, Any], fork: str = FORK) -> Any:
    """The fork's spec ``State`` of a test's ``pre``."""
    st = spec(fork).state
    state = st.State()
    for address_hex, account in pre.items():
        address = Bytes20(_raw(address_hex))
        st.set_account(
            state,
            address,
            spec(fork).fork_types.Account(
                nonce=Uint(_int(account["nonce"])),
                balance=U256(_int(account["balance"])),
                code=Bytes(_raw(account["code"])),
            ),
        )
        for key, value in account.get("storage", {}).items():
            st.set_storage(
                state, address, Bytes32(_int(key).to_bytes(32, "big")), U256(_int(value))
            )
    return state


def build_transaction(
    tx: Mapping[str, Any], indexes: tuple[int, int, int], chain_id: int, fork: str = FORK
) -> Any:
    """The signed spec transaction (of the fork's ``Transaction``) for one (data, gas, value)
    combination."""
    txs = spec(fork).tx
    d, g, v = indexes
    to = Bytes0(b"") if tx["to"] == "" else Bytes20(_raw(tx["to"]))
    common: dict[str, Any] = {
        "nonce": U256(_int(tx["nonce"])),
        "gas": Uint(_int(tx["gasLimit"][g])),
        "to": to,
        "value": U256(_int(tx["value"][v])),
        "data": Bytes(_raw(tx["data"][d])),
        "r": U256(0),
        "s": U256(0),
    }
    access_lists = tx.get("accessLists")
    raw_access = access_lists[d] if access_lists is not None else None
    access = tuple(
        txs.Access(
            account=Bytes20(_raw(entry["address"])),
            slots=tuple(Bytes32(_raw(key)) for key in entry["storageKeys"]),
        )
        for entry in raw_access or ()
    )
    secret_key = _int(tx["secretKey"])
    unsigned: Any
    if "maxFeePerGas" in tx:
        if "blobVersionedHashes" in tx or "authorizationList" in tx:
            raise ValueError("blob and set-code transactions are not supported here")
        unsigned = txs.FeeMarketTransaction(
            chain_id=U64(chain_id),
            max_priority_fee_per_gas=Uint(_int(tx["maxPriorityFeePerGas"])),
            max_fee_per_gas=Uint(_int(tx["maxFeePerGas"])),
            access_list=access,
            y_parity=U256(0),
            **common,
        )
        r, s, parity = _sign(txs.signing_hash_1559(unsigned), secret_key)
    elif raw_access is not None:
        unsigned = txs.AccessListTransaction(
            chain_id=U64(chain_id),
            gas_price=Uint(_int(tx["gasPrice"])),
            access_list=access,
            y_parity=U256(0),
            **common,
        )
        r, s, parity = _sign(txs.signing_hash_2930(unsigned), secret_key)
    else:
        unsigned = txs.LegacyTransaction(gas_price=Uint(_int(tx["gasPrice"])), v=U256(0), **common)
        r, s, parity = _sign(txs.signing_hash_155(unsigned, U64(chain_id)), secret_key)
        # EIP-155: v carries the chain id.
        return dataclasses.replace(
            unsigned, v=U256(35 + 2 * chain_id + parity), r=U256(r), s=U256(s)
        )
    return dataclasses.replace(unsigned, y_parity=U256(parity), r=U256(r), s=U256(s))


def transaction_bytes(tx: Any, fork: str = FORK) -> bytes:
    txs = spec(fork).tx
    encoded = txs.encode_transaction(tx)
    return rlp.encode(encoded) if isinstance(encoded, txs.LegacyTransaction) else encoded


@dataclass(frozen=True)
class ReferenceResult:
    state_root: bytes
    logs_hash: bytes
    gas_used: int
    # The spec's rejection of the transaction, or None if it was included.
    error: EthereumException | None
    # Whether execution succeeded (False on revert/exceptional halt, or if rejected).
    succeeded: bool
    txbytes: bytes
    fork: str
    state: Any = field(repr=False)  # the fork's spec State


def run_reference(
    test: Mapping[str, Any],
    fork: str,
    indexes: tuple[int, int, int],
    chain_id: int = CHAIN_ID,
) -> ReferenceResult:
    """Apply one case of a state test (GeneralStateTests JSON) with the fork's spec."""
    sp = spec(fork)
    env = test["env"]
    state = build_state(test["pre"], fork)
    block_env = sp.vm.BlockEnvironment(
        chain_id=U64(chain_id),
        state=state,
        block_gas_limit=Uint(_int(env["currentGasLimit"])),
        block_hashes=[],
        coinbase=Bytes20(_raw(env["currentCoinbase"])),
        number=Uint(_int(env["currentNumber"])),
        base_fee_per_gas=Uint(_int(env["currentBaseFee"])),
        time=U256(_int(env["currentTimestamp"])),
        prev_randao=Bytes32(_int(env["currentRandom"]).to_bytes(32, "big")),
        excess_blob_gas=U64(_int(env.get("currentExcessBlobGas", "0x0"))),
        parent_beacon_block_root=Bytes32(bytes(32)),
    )
    tx = build_transaction(test["transaction"], indexes, chain_id, fork)
    block_output = sp.vm.BlockOutput()
    error: EthereumException | None = None
    succeeded = False
    try:
        sp.process.process_transaction(block_env, block_output, tx, Uint(0))
    except EthereumException as exc:
        # A rejected transaction leaves the pre-state untouched, as in ethereum/tests.
        error = exc
        state = build_state(test["pre"], fork)
    else:
        receipt = sp.trie.trie_get(block_output.receipts_trie, rlp.encode(Uint(0)))
        assert receipt is not None
        succeeded = sp.blocks.decode_receipt(receipt).succeeded
    return ReferenceResult(
        state_root=bytes(sp.state.state_root(state)),
        logs_hash=bytes(keccak256(rlp.encode(block_output.block_logs))),
        gas_used=int(block_output.block_gas_used),
        error=error,
        succeeded=succeeded,
        txbytes=transaction_bytes(tx, fork),
        fork=fork,
        state=state,
    )


def storage_of(result: ReferenceResult, address: str, slot: int) -> int:
    return int(
        spec(result.fork).state.get_storage(
            result.state, Bytes20(_raw(address)), Bytes32(slot.to_bytes(32, "big"))
        )
    )


# ---------------------------------------------------------------------------------
# The examples.


def _hex(value: int) -> str:
    """ethereum/tests style: even-length hex."""
    digits = f"{value:x}"
    return "0x" + ("0" * (len(digits) % 2)) + digits


def _word(value: int) -> str:
    return "0x" + value.to_bytes(32, "big").hex()


SENDER = "0x" + _address_of(SECRET_KEY).hex()
RECIPIENT = "0x0000000000000000000000000000000000c0ffee"
CONTRACT = "0x00000000000000000000000000000000000c0de0"

ENV = {
    "currentBaseFee": _hex(10),
    "currentCoinbase": COINBASE,
    "currentDifficulty": _hex(0x020000),
    "currentExcessBlobGas": _hex(0),
    "currentGasLimit": _hex(100_000_000),
    "currentNumber": _hex(1),
    "currentRandom": _word(0x020000),
    "currentTimestamp": _hex(1000),
}


def _account(
    balance: int = 0, code: bytes = b"", storage: Mapping[int, int] | None = None, nonce: int = 0
) -> dict[str, Any]:
    return {
        "balance": _hex(balance),
        "code": "0x" + code.hex(),
        "nonce": _hex(nonce),
        "storage": {_hex(k): _hex(v) for k, v in (storage or {}).items()},
    }


def _pre(**extra: dict[str, Any]) -> dict[str, Any]:
    pre = {SENDER: _account(SENDER_BALANCE)}
    pre.update(extra)
    return pre


def _legacy_tx(to: str, data: list[bytes], gas: list[int], value: list[int]) -> dict[str, Any]:
    return {
        "data": ["0x" + item.hex() for item in data],
        "gasLimit": [_hex(item) for item in gas],
        "gasPrice": _hex(GAS_PRICE),
        "nonce": _hex(0),
        "secretKey": _word(SECRET_KEY),
        "sender": SENDER,
        "to": to,
        "value": [_hex(item) for item in value],
    }


Check = Callable[[tuple[int, int, int], ReferenceResult], None]


@dataclass(frozen=True)
class PostEntry:
    indexes: tuple[int, int, int]
    expect_exception: str | None = None


@dataclass(frozen=True)
class Example:
    """One test of an example file; ``check`` asserts what the case must have done."""

    path: str  # relative to examples/state_tests/
    name: str
    comment: str
    pre: dict[str, Any]
    transaction: dict[str, Any]
    post: tuple[PostEntry, ...]
    check: Check | None = None
    fork: str = FORK


def _expect_storage(
    address: str, expected: Callable[[tuple[int, int, int]], dict[int, int]]
) -> Check:
    def check(indexes: tuple[int, int, int], result: ReferenceResult) -> None:
        for slot, value in expected(indexes).items():
            actual = storage_of(result, address, slot)
            if actual != value:
                raise AssertionError(f"slot {slot:#x} is {actual:#x}, expected {value:#x}")

    return check


def value_transfer_examples() -> list[Example]:
    recipient_pre = {RECIPIENT: _account(balance=1)}
    gas = [21_000]
    one_ether = 10**18
    with_access_list = _legacy_tx(RECIPIENT, [b""], [30_000], [one_ether])
    with_access_list["accessLists"] = [[{"address": RECIPIENT, "storageKeys": [_word(0)]}]]
    fee_market = _legacy_tx("0x" + "00" * 18 + "be11", [b""], gas, [12345])
    del fee_market["gasPrice"]
    fee_market.update(maxFeePerGas=_hex(100), maxPriorityFeePerGas=_hex(2))
    return [
        Example(
            "transfer/value_transfer.json",
            "value_transfer",
            "Legacy transfer to an existing account, two values (1 wei, 1 ether).",
            _pre(**recipient_pre),
            _legacy_tx(RECIPIENT, [b""], gas, [1, one_ether]),
            (PostEntry((0, 0, 0)), PostEntry((0, 0, 1))),
        ),
        Example(
            "transfer/value_transfer.json",
            "value_transfer_access_list",
            "EIP-2930 (type 1) transfer with an access list.",
            _pre(**recipient_pre),
            with_access_list,
            (PostEntry((0, 0, 0)),),
        ),
        Example(
            "transfer/value_transfer.json",
            "value_transfer_new_account_1559",
            "EIP-1559 (type 2) transfer that creates the recipient account.",
            _pre(),
            fee_market,
            (PostEntry((0, 0, 0)),),
        ),
    ]


ARITH_LOOP = assemble(
    """
        PUSH 0x00
        CALLDATALOAD            ; [n]            iterations, from calldata
        PUSH 0x01               ; [n, acc]
    loop:
        JUMPDEST
        DUP2
        ISZERO
        PUSH @done
        JUMPI                   ; leave when n == 0
        DUP1
        PUSH 13
        SHR                     ; [n, acc, acc >> 13]
        SWAP1
        PUSH 0x9e3779b97f4a7c15
        MUL                     ; [n, acc >> 13, acc * K]
        DUP3
        ADD                     ; [n, acc >> 13, acc * K + n]
        XOR                     ; [n, acc']
        SWAP1
        PUSH 0x01
        SWAP1
        SUB                     ; [acc', n - 1]
        SWAP1                   ; [n - 1, acc']
        PUSH @loop
        JUMP
    done:
        JUMPDEST                ; [0, acc]
        DUP1
        PUSH 0x00
        SSTORE                  ; slot 0 = acc
        PUSH 0x00
        MSTORE                  ; mem[0:32] = acc
        PUSH 0x0a11             ; topic
        PUSH 0x20
        PUSH 0x00
        LOG1                    ; log(mem[0:32], topic)
        STOP
    """
)


def _arith_loop_model(n: int) -> int:
    """The loop in Python, to check the spec's result independently."""
    acc = 1
    for i in range(n, 0, -1):
        acc = ((acc * 0x9E3779B97F4A7C15 + i) % 2**256) ^ (acc >> 13)
    return acc


def arith_loop_examples() -> list[Example]:
    iterations = [32, 128]
    return [
        Example(
            "compute/arith_loop.json",
            "arith_loop",
            "Bounded loop of SHR/MUL/ADD/XOR/SUB; n from calldata; result stored and logged.",
            _pre(**{CONTRACT: _account(code=ARITH_LOOP)}),
            _legacy_tx(CONTRACT, [n.to_bytes(32, "big") for n in iterations], [100_000], [0]),
            (PostEntry((0, 0, 0)), PostEntry((1, 0, 0))),
            _expect_storage(CONTRACT, lambda ix: {0: _arith_loop_model(iterations[ix[0]])}),
        )
    ]


STORAGE_WRITES = assemble(
    """
        PUSH 0xaa
        PUSH 0x10
        SSTORE                  ; new slot 0x10 = 0xaa
        PUSH 0xbb
        PUSH 0x11
        SSTORE                  ; new slot 0x11 = 0xbb
        PUSH 0x44
        PUSH 0x02
        SSTORE                  ; overwrite slot 2 (0x22 -> 0x44)
        PUSH 0x00
        PUSH 0x01
        SSTORE                  ; clear slot 1 (refund)
        PUSH 0x03
        SLOAD
        PUSH 0x01
        ADD
        PUSH 0x03
        SSTORE                  ; slot 3 += 1
        PUSH 0x55
        PUSH 0x12
        SSTORE
        PUSH 0x00
        PUSH 0x12
        SSTORE                  ; slot 0x12 written then restored to zero
        PUSH 0x77
        PUSH 0x05
        TSTORE                  ; transient slot 5 = 0x77 (EIP-1153)
        PUSH 0x05
        TLOAD
        PUSH 0x13
        SSTORE                  ; slot 0x13 = transient slot 5
        PUSH 0x20
        CALLDATALOAD            ; value = calldata[32:64]
        PUSH 0x00
        CALLDATALOAD            ; slot = calldata[0:32]
        SSTORE
        STOP
    """
)


def storage_examples() -> list[Example]:
    writes = [(0x20, 0x1234), (0x01, 0x99)]  # (slot, value) from calldata
    calldata = [slot.to_bytes(32, "big") + value.to_bytes(32, "big") for slot, value in writes]

    def expected(ix: tuple[int, int, int]) -> dict[int, int]:
        slots = {0x10: 0xAA, 0x11: 0xBB, 0x02: 0x44, 0x01: 0, 0x03: 0x34, 0x12: 0, 0x13: 0x77}
        slot, value = writes[ix[0]]
        slots[slot] = value
        return slots

    return [
        Example(
            "storage/storage_writes.json",
            "storage_writes",
            "SSTORE to new, existing, cleared and restored slots, SLOAD, TSTORE/TLOAD.",
            _pre(**{CONTRACT: _account(code=STORAGE_WRITES, storage={1: 0x11, 2: 0x22, 3: 0x33})}),
            _legacy_tx(CONTRACT, calldata, [200_000], [0]),
            (PostEntry((0, 0, 0)), PostEntry((1, 0, 0))),
            _expect_storage(CONTRACT, expected),
        )
    ]


KECCAK_WORDS = (
    0x000102030405060708090A0B0C0D0E0F101112131415161718191A1B1C1D1E1F,
    0x202122232425262728292A2B2C2D2E2F303132333435363738393A3B3C3D3E3F,
)
KECCAK_MEMORY = assemble(
    f"""
        PUSH {KECCAK_WORDS[0]:#x}
        PUSH 0x00
        MSTORE                  ; mem[0:32]
        PUSH {KECCAK_WORDS[1]:#x}
        PUSH 0x20
        MSTORE                  ; mem[32:64]
        PUSH 0x00
        CALLDATALOAD            ; [len] from calldata (may expand memory)
        PUSH 0x00
        SHA3                    ; keccak(mem[0:len])
        PUSH 0x00
        SSTORE                  ; slot 0
        PUSH 0x30
        PUSH 0x05
        SHA3                    ; keccak(mem[5:53]), unaligned
        PUSH 0x01
        SSTORE                  ; slot 1
        PUSH 0x00
        PUSH 0x00
        SHA3                    ; keccak of nothing
        PUSH 0x02
        SSTORE                  ; slot 2
        STOP
    """
)


def keccak_examples() -> list[Example]:
    lengths = [0x00, 0x40, 0x400]
    memory = b"".join(w.to_bytes(32, "big") for w in KECCAK_WORDS)

    def expected(ix: tuple[int, int, int]) -> dict[int, int]:
        length = lengths[ix[0]]
        region = memory.ljust(length, b"\0")[:length]
        return {
            0: int.from_bytes(keccak256(region), "big"),
            1: int.from_bytes(keccak256(memory[5:53]), "big"),
            2: int.from_bytes(keccak256(b""), "big"),
        }

    return [
        Example(
            "keccak/keccak_memory.json",
            "keccak_memory",
            "SHA3 over 0, 64 and 1024 bytes of memory (length from calldata), plus fixed ranges.",
            _pre(**{CONTRACT: _account(code=KECCAK_MEMORY)}),
            _legacy_tx(CONTRACT, [n.to_bytes(32, "big") for n in lengths], [200_000], [0]),
            tuple(PostEntry((i, 0, 0)) for i in range(len(lengths))),
            _expect_storage(CONTRACT, expected),
        )
    ]


ECRECOVER_MESSAGE = keccak256(b"zkprof example message")
_ECR_R, _ECR_S, _ECR_PARITY = _sign(ECRECOVER_MESSAGE, SECRET_KEY)
PRECOMPILE_CALLS = assemble(
    f"""
        PUSH {KECCAK_WORDS[0]:#x}
        PUSH 0x00
        MSTORE
        PUSH {KECCAK_WORDS[1]:#x}
        PUSH 0x20
        MSTORE                  ; mem[0:64] = input for SHA256 and RIPEMD160
        PUSH 0x20               ; retSize
        PUSH 0x80               ; retOffset
        PUSH 0x40               ; argsSize
        PUSH 0x00               ; argsOffset
        PUSH 0x02               ; SHA256
        GAS
        STATICCALL
        PUSH 0x10
        SSTORE                  ; slot 0x10 = success
        PUSH 0x80
        MLOAD
        PUSH 0x00
        SSTORE                  ; slot 0 = sha256(mem[0:64])
        PUSH {int.from_bytes(ECRECOVER_MESSAGE, "big"):#x}
        PUSH 0x100
        MSTORE                  ; ecrecover input: hash
        PUSH {27 + _ECR_PARITY}
        PUSH 0x120
        MSTORE                  ; v
        PUSH {_ECR_R:#x}
        PUSH 0x140
        MSTORE                  ; r
        PUSH {_ECR_S:#x}
        PUSH 0x160
        MSTORE                  ; s
        PUSH 0x20
        PUSH 0x180
        PUSH 0x80
        PUSH 0x100
        PUSH 0x01               ; ECRECOVER
        GAS
        STATICCALL
        PUSH 0x11
        SSTORE                  ; slot 0x11 = success
        PUSH 0x180
        MLOAD
        PUSH 0x01
        SSTORE                  ; slot 1 = recovered address
        PUSH 0x20
        PUSH 0x1a0
        PUSH 0x40
        PUSH 0x00
        PUSH 0x03               ; RIPEMD160
        GAS
        STATICCALL
        PUSH 0x12
        SSTORE                  ; slot 0x12 = success
        PUSH 0x1a0
        MLOAD
        PUSH 0x02
        SSTORE                  ; slot 2 = ripemd160(mem[0:64]), left-padded
        STOP
    """
)


def precompile_examples() -> list[Example]:
    memory = b"".join(w.to_bytes(32, "big") for w in KECCAK_WORDS)
    ripemd = hashlib.new("ripemd160", memory).digest() if _has_ripemd() else None

    def expected(_: tuple[int, int, int]) -> dict[int, int]:
        slots = {
            0x10: 1,
            0x11: 1,
            0x12: 1,
            0: int.from_bytes(hashlib.sha256(memory).digest(), "big"),
            1: int(SENDER, 16),
        }
        if ripemd is not None:
            slots[2] = int.from_bytes(ripemd, "big")
        return slots

    return [
        Example(
            "precompiles/precompile_calls.json",
            "precompile_calls",
            "STATICCALL to SHA256 (0x02), ECRECOVER (0x01, valid signature) and RIPEMD160 (0x03).",
            _pre(**{CONTRACT: _account(code=PRECOMPILE_CALLS)}),
            _legacy_tx(CONTRACT, [b""], [300_000], [0]),
            (PostEntry((0, 0, 0)),),
            _expect_storage(CONTRACT, expected),
        )
    ]


SECP256K1_N = 0xFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEBAAEDCE6AF48A03BBFD25E8CD0364141
SECP256K1_P = 0xFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEFFFFFC2F


def _not_an_x() -> int:
    """The smallest x with no point on secp256k1 (x³ + 7 not a square mod p)."""
    x = 1
    while pow((x**3 + 7) % SECP256K1_P, (SECP256K1_P - 1) // 2, SECP256K1_P) == 1:
        x += 1
    return x


ECRECOVER_CALL = assemble(
    """
        CALLDATASIZE
        PUSH 0x00
        PUSH 0x00
        CALLDATACOPY            ; mem[0:128] = hash, v, r, s
        PUSH 0x20               ; retSize
        PUSH 0x80               ; retOffset
        PUSH 0x80               ; argsSize
        PUSH 0x00               ; argsOffset
        PUSH 0x01               ; ECRECOVER
        GAS
        STATICCALL
        PUSH 0x10
        SSTORE                  ; slot 0x10 = success
        RETURNDATASIZE
        PUSH 0x11
        SSTORE                  ; slot 0x11 = output length (0: no key recovered)
        PUSH 0x80
        MLOAD
        PUSH 0x00
        SSTORE                  ; slot 0 = recovered address
        STOP
    """
)


def _ecrecover_inputs() -> list[tuple[str, bytes, int | None]]:
    """(what, 128-byte input, expected address or None for no output): valid signatures and
    each way one can fail, for the accelerated ecrecover's every branch."""

    def word(x: int) -> bytes:
        return x.to_bytes(32, "big")

    def call(digest: bytes, v: int, r: int, s: int) -> bytes:
        return digest + word(v) + word(r) + word(s)

    signer = int(SENDER, 16)
    msg = ECRECOVER_MESSAGE
    r, s, parity = _sign(msg, SECRET_KEY)
    zero = b"\x00" * 32
    zr, zs, zparity = _sign(zero, SECRET_KEY)
    # A hash of n + 5 is the same number modulo n as 5.
    big = word(SECP256K1_N + 5)
    br, bs, bparity = _sign(word(5), SECRET_KEY)
    return [
        ("valid signature", call(msg, 27 + parity, r, s), signer),
        (
            "high s (n - s) with the other v: the same key",
            call(msg, 28 - parity, r, SECP256K1_N - s),
            signer,
        ),
        ("valid r and s, the other v: another key", call(msg, 28 - parity, r, s), None),
        ("hash 0 (no generator term)", call(zero, 27 + zparity, zr, zs), signer),
        ("hash above the group order", call(big, 27 + bparity, br, bs), signer),
        ("r = 0", call(msg, 27 + parity, 0, s), None),
        ("s = 0", call(msg, 27 + parity, r, 0), None),
        ("r = n", call(msg, 27 + parity, SECP256K1_N, s), None),
        ("s = n", call(msg, 27 + parity, r, SECP256K1_N), None),
        ("r not the x of a curve point", call(msg, 27 + parity, _not_an_x(), s), None),
        ("v = 29", call(msg, 29, r, s), None),
    ]


def ecrecover_examples() -> list[Example]:
    inputs = _ecrecover_inputs()

    def expected(indexes: tuple[int, int, int]) -> dict[int, int]:
        address = inputs[indexes[0]][2]
        # "another key" recovers some other address: only that a key came back is checked.
        if address is None:
            return {0x10: 1} if inputs[indexes[0]][0].startswith("valid r") else {0x10: 1, 0x11: 0}
        return {0x10: 1, 0x11: 32, 0: address}

    return [
        Example(
            "precompiles/ecrecover_edges.json",
            "ecrecover_edges",
            "ECRECOVER (0x01) on valid signatures and on each kind of invalid one: "
            + "; ".join(f"d{i}: {what}" for i, (what, _, _) in enumerate(inputs)),
            _pre(**{CONTRACT: _account(code=ECRECOVER_CALL)}),
            _legacy_tx(CONTRACT, [data for _, data, _ in inputs], [200_000], [0]),
            tuple(PostEntry((i, 0, 0)) for i in range(len(inputs))),
            _expect_storage(CONTRACT, expected),
        )
    ]


MODEXP_CALL = assemble(
    """
        CALLDATASIZE
        PUSH 0x00
        PUSH 0x00
        CALLDATACOPY            ; mem[0:] = EIP-198 input
        PUSH 0x00               ; retSize (the output is read with RETURNDATACOPY)
        PUSH 0x00               ; retOffset
        CALLDATASIZE            ; argsSize
        PUSH 0x00               ; argsOffset
        PUSH 0x05               ; MODEXP
        GAS
        STATICCALL
        PUSH 0x10
        SSTORE                  ; slot 0x10 = success
        RETURNDATASIZE
        PUSH 0x11
        SSTORE                  ; slot 0x11 = output length
        RETURNDATASIZE
        PUSH 0x00
        PUSH 0x00
        RETURNDATACOPY          ; mem[0:len] = output
        RETURNDATASIZE
        PUSH 0x00
        SHA3
        PUSH 0x00
        SSTORE                  ; slot 0 = keccak256(output)
        STOP
    """
)


def _modexp_inputs() -> list[tuple[str, int, int, int, int, int, int]]:
    """(what, base, exponent, modulus, and the byte lengths of each) for every width the
    accelerated modexp takes (256, 384, 4096 bits) and its special cases."""
    p256 = 2**255 - 19
    big = 2**4095 + 1234567
    return [
        ("256-bit: 3^(p-2) mod p", 3, p256 - 2, p256, 32, 32, 32),
        ("base above the modulus", 2**256 - 1, 65537, 2**200 + 1, 32, 3, 32),
        ("even modulus, long exponent", 0x1234567, 2**300 - 3, 2**128, 8, 40, 17),
        ("384-bit modulus", 7, 2**383 - 5, 2**383 + 187, 48, 48, 48),
        ("4096-bit modulus", 5, 2**64 + 3, big, 512, 9, 512),
        ("4104-bit modulus (software)", 5, 2**32 + 1, 2**4103 + 3, 513, 5, 513),
        ("modulus 0", 5, 3, 0, 1, 1, 4),
        ("modulus 1", 5, 3, 1, 1, 1, 1),
        ("exponent 0", 9, 0, 1000, 1, 1, 2),
        ("empty base and exponent", 0, 0, 77, 0, 0, 1),
    ]


def _modexp_call(base: int, exp: int, mod: int, lb: int, le: int, lm: int) -> bytes:
    def fixed(x: int, n: int) -> bytes:
        return x.to_bytes(n, "big") if n else b""

    head = b"".join(n.to_bytes(32, "big") for n in (lb, le, lm))
    return head + fixed(base, lb) + fixed(exp, le) + fixed(mod, lm)


def modexp_examples() -> list[Example]:
    inputs = _modexp_inputs()

    def expected(indexes: tuple[int, int, int]) -> dict[int, int]:
        _, base, exp, mod, _, _, lm = inputs[indexes[0]]
        out = (pow(base, exp, mod) if mod else 0).to_bytes(lm, "big")
        return {0x10: 1, 0x11: lm, 0: int.from_bytes(keccak256(out), "big")}

    return [
        Example(
            "precompiles/modexp_widths.json",
            "modexp_widths",
            "MODEXP (0x05) at each width the accelerated guest handles and past it: "
            + "; ".join(f"d{i}: {what}" for i, (what, *_) in enumerate(inputs)),
            _pre(**{CONTRACT: _account(code=MODEXP_CALL)}),
            _legacy_tx(CONTRACT, [_modexp_call(*i[1:]) for i in inputs], [900_000], [0]),
            tuple(PostEntry((i, 0, 0)) for i in range(len(inputs))),
            _expect_storage(CONTRACT, expected),
        )
    ]


BN254_P = 0x30644E72E131A029B85045B68181585D97816A916871CA8D3C208C16D87CFD47
BN254_R = 0x30644E72E131A029B85045B68181585D2833E84879B9709143E1F593F0000001


def _curve_call(gas: int) -> bytes:
    """STATICCALL of the precompile named by the first calldata word, on the rest, with `gas`;
    slot 0x10 = success, slots 0 and 1 = the first two output words."""
    return assemble(
        f"""
            PUSH 0x20
            CALLDATASIZE
            SUB                     ; the input after the first word
            PUSH 0x20
            PUSH 0x00
            CALLDATACOPY            ; mem[0:] = input (the first word names the precompile)
            PUSH 0x40               ; retSize
            PUSH 0x200              ; retOffset
            PUSH 0x20
            CALLDATASIZE
            SUB                     ; argsSize
            PUSH 0x00               ; argsOffset
            PUSH 0x00
            CALLDATALOAD            ; address: 6 (ECADD), 7 (ECMUL) or 8 (ECPAIRING)
            PUSH {gas}             ; gas: a failing precompile takes all it is given
            STATICCALL
            PUSH 0x10
            SSTORE                  ; slot 0x10 = success
            PUSH 0x200
            MLOAD
            PUSH 0x00
            SSTORE                  ; slot 0 = x
            PUSH 0x220
            MLOAD
            PUSH 0x01
            SSTORE                  ; slot 1 = y
            STOP
        """
    )


BN254_CALL = _curve_call(50_000)
PAIRING_CALL = _curve_call(400_000)


def _bn254_inputs() -> list[tuple[str, int, list[int], tuple[int, int] | None]]:
    """(what, precompile, input words, expected point or None for a failed call)."""
    g = (1, 2)
    neg_g = (1, BN254_P - 2)
    # 2G, computed here in affine coordinates (the Ethereum execution specs check it again).
    lam = 3 * pow(2 * 2, -1, BN254_P) % BN254_P
    x2 = (lam * lam - 2) % BN254_P
    two_g = (x2, (lam * (1 - x2) - 2) % BN254_P)
    zero = (0, 0)
    return [
        ("G + G (a doubling)", 6, [*g, *g], two_g),
        ("G + (-G)", 6, [*g, *neg_g], zero),
        ("G + infinity", 6, [*g, *zero], g),
        ("infinity + infinity", 6, [*zero, *zero], zero),
        ("G + 2G", 6, [*g, *two_g], None),
        ("a point not on the curve", 6, [1, 3, *g], None),
        ("a coordinate equal to p", 6, [BN254_P, 2, *g], None),
        ("G * 2", 7, [*g, 2], two_g),
        ("G * 0", 7, [*g, 0], zero),
        ("G * r", 7, [*g, BN254_R], zero),
        ("G * (r + 2)", 7, [*g, BN254_R + 2], two_g),
        ("G * (2^256 - 1)", 7, [*g, 2**256 - 1], None),
        ("infinity * 5", 7, [*zero, 5], zero),
        ("a point not on the curve * 5", 7, [1, 3, 5], None),
    ]


def bn254_examples() -> list[Example]:
    inputs = _bn254_inputs()

    def expected(indexes: tuple[int, int, int]) -> dict[int, int]:
        what, _, _, point = inputs[indexes[0]]
        if what.startswith("a "):
            return {0x10: 0}
        if point is None:  # a valid call whose result is only checked against the other runs
            return {0x10: 1}
        return {0x10: 1, 0: point[0], 1: point[1]}

    data = [b"".join(w.to_bytes(32, "big") for w in [pc, *ws]) for _, pc, ws, _ in inputs]
    return [
        Example(
            "precompiles/bn254_g1.json",
            "bn254_g1",
            "ECADD (0x06) and ECMUL (0x07) on bn254 G1, with the point at infinity, doubling, "
            "scalars at and above the group order and invalid points: "
            + "; ".join(f"d{i}: {what}" for i, (what, *_) in enumerate(inputs)),
            _pre(**{CONTRACT: _account(code=BN254_CALL)}),
            _legacy_tx(CONTRACT, data, [300_000], [0]),
            tuple(PostEntry((i, 0, 0)) for i in range(len(inputs))),
            _expect_storage(CONTRACT, expected),
        )
    ]


def _twist_point_outside(curve: Any, twist_b: Any, p: int) -> Any:
    """A point of the twist y² = x³ + b over Fp2 = Fp[u]/(u² + 1), p ≡ 3 mod 4, outside the
    prime-order group (the twist's cofactor is not 1), in py_ecc's projective form: the first
    x = c + u with a square root (algorithm 9 of eprint 2012/685). `curve` is py_ecc's module
    (optimized_bn128 or optimized_bls12_381)."""
    fq2 = curve.FQ2
    for c in range(1, 100):
        x = fq2([c, 1])
        rhs = x**3 + twist_b
        a1 = rhs ** ((p - 3) // 4)
        alpha = a1 * a1 * rhs
        conj = fq2([alpha.coeffs[0], -alpha.coeffs[1]])  # alpha^p
        if conj * alpha == fq2([-1, 0]):
            continue  # not a square
        x0 = a1 * rhs
        y = (
            fq2([0, 1]) * x0
            if alpha == fq2([-1, 0])
            else (alpha + fq2.one()) ** ((p - 1) // 2) * x0
        )
        assert y * y == rhs
        point = (x, y, fq2.one())
        if not curve.is_inf(curve.multiply(point, curve.curve_order)):
            return point
    raise AssertionError("no point outside the group among the first x")


def _pairing_inputs() -> list[tuple[str, list[int], int | None]]:
    """(what, input words, the check's result or None for a failed call) for ECPAIRING (0x08).
    The points come from py_ecc (the library the execution specs use for this precompile)."""
    from py_ecc import optimized_bn128 as bn

    def g1(p: Any) -> list[int]:
        x, y = bn.normalize(p)
        return [x.n, y.n]

    def g2(q: Any) -> list[int]:
        x, y = bn.normalize(q)
        return [x.coeffs[1], x.coeffs[0], y.coeffs[1], y.coeffs[0]]  # imaginary part first

    a, b = 0x2F1A6B, 0x5C3D9E17
    pa, qb, pab = bn.multiply(bn.G1, a), bn.multiply(bn.G2, b), bn.multiply(bn.G1, a * b)
    # A point on the twist y² = x³ + 3/(9+u) outside G2 (the twist's cofactor is not 1).
    outside = _twist_point_outside(bn, bn.FQ2([3, 0]) / bn.FQ2([9, 1]), BN254_P)
    return [
        ("no pairs", [], 1),
        ("e(aG1, bG2) e(abG1, -G2)", [*g1(pa), *g2(qb), *g1(pab), *g2(bn.neg(bn.G2))], 1),
        ("e(G1, G2)", [*g1(bn.G1), *g2(bn.G2)], 0),
        ("e(infinity, G2)", [0, 0, *g2(bn.G2)], 1),
        (
            "e(G1, G2) e(G1, G2) e(-2G1, G2)",
            [*g1(bn.G1), *g2(bn.G2)] * 2 + [*g1(bn.neg(bn.multiply(bn.G1, 2))), *g2(bn.G2)],
            1,
        ),
        ("a G1 point not on the curve", [1, 3, *g2(bn.G2)], None),
        ("a coordinate equal to p", [*g1(bn.G1), BN254_P, 0, *g2(bn.G2)[2:]], None),
        ("a G2 point outside the group", [*g1(bn.G1), *g2(outside)], None),
        ("an input of 5 words", [*g1(bn.G1), *g2(bn.G2)[:3]], None),
    ]


def pairing_examples() -> list[Example]:
    inputs = _pairing_inputs()

    def expected(indexes: tuple[int, int, int]) -> dict[int, int]:
        result = inputs[indexes[0]][2]
        return {0x10: 0} if result is None else {0x10: 1, 0: result}

    data = [b"".join(w.to_bytes(32, "big") for w in [8, *ws]) for _, ws, _ in inputs]
    return [
        Example(
            "precompiles/bn254_pairing.json",
            "bn254_pairing",
            "ECPAIRING (0x08): products of pairings that are and are not 1, the point at "
            "infinity, and invalid points and lengths: "
            + "; ".join(f"d{i}: {what}" for i, (what, *_) in enumerate(inputs)),
            _pre(**{CONTRACT: _account(code=PAIRING_CALL)}),
            _legacy_tx(CONTRACT, data, [600_000], [0]),
            tuple(PostEntry((i, 0, 0)) for i in range(len(inputs))),
            _expect_storage(CONTRACT, expected),
        )
    ]


BLS12_381_P = int(
    "1a0111ea397fe69a4b1ba7b6434bacd764774b84f38512bf6730d2a0f6b0f624"
    "1eabfffeb153ffffb9feffffffffaaab",
    16,
)


def _bls_inputs() -> list[tuple[str, int, bytes, bytes | None]]:
    """(what, precompile, input, expected output or None for a failed call) for EIP-2537's
    additions, MSMs and pairing (Prague). Points and results from py_ecc, which the execution
    specs use for these precompiles too."""
    from py_ecc import optimized_bls12_381 as bls

    def fp(x: int) -> bytes:
        return x.to_bytes(64, "big")  # 16 zero bytes, then the 48-byte element

    def g1(point: Any) -> bytes:
        if bls.is_inf(point):
            return bytes(128)
        x, y = bls.normalize(point)
        return fp(x.n) + fp(y.n)

    def g2(point: Any) -> bytes:
        if bls.is_inf(point):
            return bytes(256)
        x, y = bls.normalize(point)
        return b"".join(fp(c) for c in (*x.coeffs, *y.coeffs))  # real part first

    def scalar(k: int) -> bytes:
        return k.to_bytes(32, "big")

    def times(point: Any, k: int) -> Any:
        return bls.multiply(point, k)

    # On the curve y² = x³ + 4 but outside G1: the first x whose x³ + 4 is a square
    # (p ≡ 3 mod 4: the root is a power), with the order r not killing it.
    p = BLS12_381_P
    for x in range(1, 100):
        y = pow(x**3 + 4, (p + 1) // 4, p)
        if y * y % p == (x**3 + 4) % p:
            g1_outside = (bls.FQ(x), bls.FQ(y), bls.FQ.one())
            if not bls.is_inf(bls.multiply(g1_outside, bls.curve_order)):
                break
    g2_outside = _twist_point_outside(bls, bls.FQ2([4, 4]), p)
    g1_gen, g2_gen = bls.G1, bls.G2
    a, b = 0x5EED, 0xC0FFEE
    msm = [(times(g1_gen, 3), a), (times(g1_gen, 5), b), (times(g1_gen, 7), a + b)]
    msm_sum = times(g1_gen, 3 * a + 5 * b + 7 * (a + b))
    pairing = (
        g1(times(g1_gen, a)) + g2(times(g2_gen, b)) + g1(times(g1_gen, a * b)) + g2(bls.neg(g2_gen))
    )
    one, zero = (1).to_bytes(32, "big"), bytes(32)
    return [
        ("G1ADD 3G + 5G", 0x0B, g1(times(g1_gen, 3)) + g1(times(g1_gen, 5)), g1(times(g1_gen, 8))),
        ("G1ADD G + infinity", 0x0B, g1(g1_gen) + bytes(128), g1(g1_gen)),
        ("G1MSM of three points", 0x0C, b"".join(g1(q) + scalar(k) for q, k in msm), g1(msm_sum)),
        ("G2ADD G + 2G", 0x0D, g2(g2_gen) + g2(times(g2_gen, 2)), g2(times(g2_gen, 3))),
        ("G2MSM 5G", 0x0E, g2(g2_gen) + scalar(5), g2(times(g2_gen, 5))),
        ("PAIRING e(aG1, bG2) e(abG1, -G2)", 0x0F, pairing, one),
        ("PAIRING e(G1, G2)", 0x0F, g1(g1_gen) + g2(g2_gen), zero),
        ("a G1 point not on the curve", 0x0B, fp(1) + fp(3) + g1(g1_gen), None),
        ("a G1 coordinate equal to p", 0x0B, fp(p) + fp(2) + g1(g1_gen), None),
        ("a G1 MSM point outside the group", 0x0C, g1(g1_outside) + scalar(3), None),
        ("a G2 point outside the group", 0x0F, g1(g1_gen) + g2(g2_outside), None),
    ]


def _output_slots(output: bytes | None) -> dict[int, int]:
    """What _curve_call stores of a precompile's output: success, then its first two words (of
    a one-word output only the first: the second slot gets what the input left in memory)."""
    if output is None:
        return {0x10: 0}
    return {0x10: 1} | {
        slot: int.from_bytes(output[32 * slot : 32 * slot + 32], "big")
        for slot in range(min(2, len(output) // 32))
    }


def bls12_381_examples() -> list[Example]:
    inputs = _bls_inputs()
    data = [pc.to_bytes(32, "big") + raw for _, pc, raw, _ in inputs]
    return [
        Example(
            "precompiles/bls12_381.json",
            "bls12_381",
            "EIP-2537's BLS12-381 G1/G2 addition, MSM and pairing (Prague), with the point at "
            "infinity, points off the curve and outside the group, and a coordinate equal to p: "
            + "; ".join(f"d{i}: {what}" for i, (what, *_) in enumerate(inputs)),
            _pre(**{CONTRACT: _account(code=_curve_call(400_000))}),
            _legacy_tx(CONTRACT, data, [800_000], [0]),
            tuple(PostEntry((i, 0, 0)) for i in range(len(inputs))),
            _expect_storage(CONTRACT, lambda ix: _output_slots(inputs[ix[0]][3])),
            fork="Prague",
        )
    ]


# P-256 (secp256r1): the curve y² = x³ - 3x + b and its group order.
P256_P = 2**256 - 2**224 + 2**192 + 2**96 - 1
P256_N = 0xFFFFFFFF00000000FFFFFFFFFFFFFFFFBCE6FAADA7179E84F3B9CAC2FC632551
P256_B = 0x5AC635D8AA3A93E7B3EBBD55769886BC651D06B0CC53B0F63BCE3C3E27D2604B
P256_G = (
    0x6B17D1F2E12C4247F8BCE6E563A440F277037D812DEB33A0F4A13945D898C296,
    0x4FE342E2FE1A7F9B8EE7EB4A7C0F9E162BCE33576B315ECECBB6406837BF51F5,
)


def _p256_mul(k: int, point: tuple[int, int]) -> tuple[int, int]:
    """[k]point in affine coordinates (k below the group order: no infinity on the way)."""

    def add(a: tuple[int, int], b: tuple[int, int]) -> tuple[int, int]:
        if a == b:
            lam = (3 * a[0] * a[0] - 3) * pow(2 * a[1], -1, P256_P)
        else:
            lam = (b[1] - a[1]) * pow(b[0] - a[0], -1, P256_P)
        x = (lam * lam - a[0] - b[0]) % P256_P
        return x, (lam * (a[0] - x) - a[1]) % P256_P

    result: tuple[int, int] | None = None
    for bit in bin(k)[2:]:
        result = add(result, result) if result else None
        if bit == "1":
            result = add(result, point) if result else point
    assert result is not None
    return result


def _p256_inputs() -> list[tuple[str, bytes, bool]]:
    """(what, input, whether it verifies) for P256VERIFY (0x100, EIP-7951, Osaka). ECDSA with a
    fixed nonce derived from the message, so the output is deterministic; the Ethereum
    execution specs verify it independently."""
    secret = SECRET_KEY % P256_N
    public = _p256_mul(secret, P256_G)

    def word(x: int) -> bytes:
        return x.to_bytes(32, "big")

    def sign(digest: bytes) -> tuple[int, int]:
        z = int.from_bytes(digest, "big")
        k = int.from_bytes(hashlib.sha256(b"zkprof p256 nonce" + digest).digest(), "big") % P256_N
        r = _p256_mul(k, P256_G)[0] % P256_N
        return r, pow(k, -1, P256_N) * (z + r * secret) % P256_N

    digest = hashlib.sha256(b"zkprof P-256 example").digest()
    r, s = sign(digest)
    other = hashlib.sha256(b"another message").digest()
    key = word(public[0]) + word(public[1])
    return [
        ("a valid signature", digest + word(r) + word(s) + key, True),
        ("the same signature over another hash", other + word(r) + word(s) + key, False),
        ("r = 0", digest + word(0) + word(s) + key, False),
        ("s = n", digest + word(r) + word(P256_N) + key, False),
        ("a public key not on the curve", digest + word(r) + word(s) + word(1) + word(2), False),
        ("an input of 159 bytes", (digest + word(r) + word(s) + key)[:159], False),
    ]


def p256_examples() -> list[Example]:
    inputs = _p256_inputs()
    data = [(0x100).to_bytes(32, "big") + raw for _, raw, _ in inputs]

    def expected(indexes: tuple[int, int, int]) -> dict[int, int]:
        # An invalid signature is a successful call with empty output.
        return {0x10: 1, 0: int(inputs[indexes[0]][2])}

    return [
        Example(
            "precompiles/p256_verify.json",
            "p256_verify",
            "P256VERIFY (0x100, EIP-7951, Osaka): a valid signature and the ways one fails: "
            + "; ".join(f"d{i}: {what}" for i, (what, *_) in enumerate(inputs)),
            _pre(**{CONTRACT: _account(code=_curve_call(50_000))}),
            _legacy_tx(CONTRACT, data, [300_000], [0]),
            tuple(PostEntry((i, 0, 0)) for i in range(len(inputs))),
            _expect_storage(CONTRACT, expected),
            fork="Osaka",
        )
    ]


def _has_ripemd() -> bool:
    try:
        hashlib.new("ripemd160")
    except ValueError:  # OpenSSL 3 may not provide it
        return False
    return True


CREATED_RUNTIME = assemble(
    """
        PUSH 0x00
        SLOAD
        PUSH 0x00
        MSTORE
        PUSH 0x20
        PUSH 0x00
        RETURN                  ; return slot 0
    """
)
CREATE_INIT = assemble(
    f"""
        PUSH 0x2a
        PUSH 0x00
        SSTORE                  ; slot 0 = 42
        CALLVALUE
        PUSH 0x01
        SSTORE                  ; slot 1 = endowment
        CALLER
        PUSH 0x00
        MSTORE
        PUSH 0xc0de             ; topic
        PUSH 0x20
        PUSH 0x00
        LOG1                    ; log(caller)
        PUSH {len(CREATED_RUNTIME)}
        DUP1
        PUSH @runtime
        PUSH 0x00
        CODECOPY                ; mem[0:len] = runtime code
        PUSH 0x00
        RETURN                  ; deploy mem[0:len]
    runtime:
        .data {CREATED_RUNTIME.hex()}
    """
)


def _created_address(sender: str, nonce: int) -> str:
    return "0x" + keccak256(rlp.encode([_raw(sender), Uint(nonce)]))[12:].hex()


def create_examples() -> list[Example]:
    values = [0, 100]
    created = _created_address(SENDER, 0)

    def check(ix: tuple[int, int, int], result: ReferenceResult) -> None:
        _expect_storage(created, lambda _: {0: 42, 1: values[ix[2]]})(ix, result)
        code = spec(result.fork).state.get_account(result.state, Bytes20(_raw(created))).code
        if code != CREATED_RUNTIME:
            raise AssertionError(f"deployed code {code.hex()} is not the runtime code")

    return [
        Example(
            "create/create_contract.json",
            "create_contract",
            'Contract creation (to = ""): constructor writes storage, logs, deploys code.',
            _pre(),
            _legacy_tx("", [CREATE_INIT], [200_000], values),
            (PostEntry((0, 0, 0)), PostEntry((0, 0, 1))),
            check,
        )
    ]


def exception_examples() -> list[Example]:
    too_much = SENDER_BALANCE + 1
    return [
        Example(
            "exceptions/invalid_tx.json",
            "invalid_tx",
            "Rejected transactions leave the pre-state: gas 20000 < intrinsic 21000, and a "
            "value above the balance; d0g1v0 is the valid control case.",
            _pre(**{RECIPIENT: _account(balance=1)}),
            _legacy_tx(RECIPIENT, [b""], [20_000, 21_000], [1, too_much]),
            (
                PostEntry((0, 0, 0), "TransactionException.INTRINSIC_GAS_TOO_LOW"),
                PostEntry((0, 1, 1), "TransactionException.INSUFFICIENT_ACCOUNT_FUNDS"),
                PostEntry((0, 1, 0)),
            ),
        )
    ]


def all_examples() -> list[Example]:
    return [
        *value_transfer_examples(),
        *arith_loop_examples(),
        *storage_examples(),
        *keccak_examples(),
        *precompile_examples(),
        *ecrecover_examples(),
        *modexp_examples(),
        *bn254_examples(),
        *pairing_examples(),
        *bls12_381_examples(),
        *p256_examples(),
        *create_examples(),
        *exception_examples(),
    ]


# ---------------------------------------------------------------------------------
# Filling.


def spec_version() -> str:
    return metadata.version(SPEC_PACKAGE)


def fill(example: Example) -> tuple[dict[str, Any], list[int]]:
    """The filled test JSON and the gas used by each post entry."""
    test: dict[str, Any] = {
        "_info": {
            "comment": example.comment,
            "generator": GENERATOR,
            "reference": spec(example.fork).reference,
            SPEC_PACKAGE: spec_version(),
        },
        "env": dict(ENV),
        "pre": example.pre,
        "transaction": example.transaction,
    }
    pre_root = bytes(spec(example.fork).state.state_root(build_state(example.pre, example.fork)))
    entries = []
    gas_used = []
    for post in example.post:
        result = run_reference(test, example.fork, post.indexes)
        label = f"{example.name} {post.indexes}"
        if post.expect_exception is None:
            if result.error is not None:
                raise AssertionError(f"{label}: the spec rejected the tx: {result.error!r}")
            if not result.succeeded:
                raise AssertionError(f"{label}: execution failed (revert or halt)")
            if example.check is not None:
                example.check(post.indexes, result)
        else:
            wanted = EXCEPTION_CLASSES[post.expect_exception]
            if not isinstance(result.error, wanted):
                raise AssertionError(
                    f"{label}: expected {wanted.__name__}, the spec gave {result.error!r}"
                )
            if result.state_root != pre_root:
                raise AssertionError(f"{label}: a rejected tx changed the state root")
        if result.gas_used >= MAX_EXAMPLE_GAS:
            raise AssertionError(f"{label}: uses {result.gas_used} gas, too much for the zkVM")
        d, g, v = post.indexes
        entry: dict[str, Any] = {
            "hash": "0x" + result.state_root.hex(),
            "indexes": {"data": d, "gas": g, "value": v},
            "logs": "0x" + result.logs_hash.hex(),
            "txbytes": "0x" + result.txbytes.hex(),
        }
        if post.expect_exception is not None:
            entry["expectException"] = post.expect_exception
        entries.append(entry)
        gas_used.append(result.gas_used)
    test["post"] = {example.fork: entries}
    return test, gas_used


def render_all() -> tuple[dict[str, str], dict[str, list[int]]]:
    """File contents by relative path, and gas used per case by test name."""
    files: dict[str, dict[str, Any]] = {}
    gas: dict[str, list[int]] = {}
    for example in all_examples():
        test, gas_used = fill(example)
        files.setdefault(example.path, {})[example.name] = test
        gas[example.name] = gas_used
    rendered = {
        path: json.dumps(tests, indent=4, sort_keys=True) + "\n" for path, tests in files.items()
    }
    return rendered, gas


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=OUT_DIR, help="output directory")
    parser.add_argument(
        "--check", action="store_true", help="compare with the files instead of writing"
    )
    args = parser.parse_args(argv)
    rendered, gas = render_all()
    stale = []
    for path, text in sorted(rendered.items()):
        target = args.out / path
        if args.check:
            if not target.is_file() or target.read_text() != text:
                stale.append(path)
            continue
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text)
    for name, used in gas.items():
        print(f"{name}: gas used {used}")
    if stale:
        print("stale or missing: " + ", ".join(stale), file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
