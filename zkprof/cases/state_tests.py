"""Read Ethereum state tests into runnable cases.

A state-test file (ethereum/tests ``GeneralStateTests`` or an execution-spec-tests
``state_test`` fixture) maps test names to ``{env, pre, transaction, post, ...}``.
Every ``post`` entry of every fork becomes one :class:`Case`, whose ``input`` is a
normalized JSON-ready dict for the Rust side:

* quantities are canonical lowercase hex without leading zeros (``"0x0"`` for zero);
  the inputs may be hex (``"0x1f"``, ``"0x"`` meaning zero) or decimal (``"31"``);
* byte strings are ``"0x"`` plus an even number of lowercase hex digits;
* addresses are 20 bytes; 256-bit words (``env.random``, access-list storage keys,
  the secret key) are padded to 32 bytes so they parse both as hashes and as numbers;
* storage slots holding zero are dropped: the EVM cannot tell them from absent slots;
* ``tx.access_list`` is ``None`` only for type-0 transactions.

Bad input never raises: each problem becomes a :class:`CaseError` naming the file, the
test and the field, and everything else in the file still loads.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING, Any

from zkprof import jsonio

if TYPE_CHECKING:
    from zkprof.cases.blockchain_tests import ChainCase

__all__ = [
    "MAX_CASE_ID_LENGTH",
    "MAX_CODE_SIZE",
    "SUPPORTED_FORKS",
    "Case",
    "CaseError",
    "Expected",
    "load_cases",
    "load_file",
]

SUPPORTED_FORKS: frozenset[str] = frozenset(
    {
        "Frontier",
        "Homestead",
        "EIP150",
        "EIP158",
        "Byzantium",
        "ConstantinopleFix",
        "Istanbul",
        "Berlin",
        "London",
        "Paris",
        "Merge",
        "Shanghai",
        "Cancun",
        "Prague",
        "Osaka",
    }
)

MAX_CASE_ID_LENGTH = 160
# Largest account code accepted: 40x EIP-170's 24,576 bytes, so tests of that limit still load.
# The guest hashes and copies all code: 1 MiB already costs about 330 M cycles to execute.
MAX_CODE_SIZE = 2**20
# The normalized input carries no chain id: the EVM runs every case with this one.
DEFAULT_CHAIN_ID = 1

_U256_MAX = 2**256 - 1
_HEX_DIGITS = re.compile(r"[0-9a-fA-F]*")
_DEC_DIGITS = re.compile(r"[0-9]+")
# A clean id component: allowed characters, no empty part, and no "_" at either end or
# doubled, so joining components with "__" can be split back unambiguously.
_CLEAN_COMPONENT = re.compile(r"[A-Za-z0-9.-]+(?:_[A-Za-z0-9.-]+)*")
_UNSAFE_ID_CHARS = re.compile(r"[^A-Za-z0-9._-]+")
_DOT_RUNS = re.compile(r"\.{2,}")
_ID_HASH_HEX = 16
# Raw keys (addresses, slots, forks) are shown in field names at most this long.
_MAX_SHOWN = 80
# Longer JSON integer literals are not converted (see _HugeNumber); 2**256 has 78 digits.
_MAX_INT_LITERAL = 80


@dataclass(frozen=True)
class Expected:
    """What the post state must look like; hex values are lowercase ``0x...``."""

    state_root: str
    logs_hash: str
    expect_exception: str | None


@dataclass(frozen=True)
class Case:
    """One (test, fork, data/gas/value indexes) combination of a state-test file."""

    case_id: str
    source: str
    test_name: str
    fork: str
    indexes: tuple[int, int, int]
    group: str
    expected: Expected
    # Shared between the cases of one test (env, pre, access lists): treat as read-only.
    input: dict[str, Any]
    skip_reason: str | None


@dataclass(frozen=True)
class CaseError:
    """A problem in a state-test file; ``test_name``/``field`` are None at file level."""

    source: str
    test_name: str | None
    field: str | None
    message: str

    def __str__(self) -> str:
        where = self.source
        if self.test_name is not None:
            where += f": test {self.test_name!r}"
        if self.field is not None:
            where += f": field {self.field}"
        return f"{where}: {self.message}"


class _Invalid(Exception):
    def __init__(self, field: str | None, message: str) -> None:
        super().__init__(message)
        self.field = field
        self.message = message


class _DuplicateKeysDict(dict[str, Any]):
    """A JSON object that repeated some keys; rejected wherever it is validated."""

    duplicates: tuple[str, ...] = ()


def _object_pairs_hook(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    obj = dict(pairs)
    if len(obj) == len(pairs):
        return obj
    seen: set[str] = set()
    duplicates: list[str] = []
    for key, _ in pairs:
        if key in seen and key not in duplicates:
            duplicates.append(key)
        seen.add(key)
    marked = _DuplicateKeysDict(obj)
    marked.duplicates = tuple(duplicates)
    return marked


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not valid JSON")


@dataclass(frozen=True)
class _HugeNumber:
    """A JSON integer literal too long to convert: int() refuses more than 4300 digits, which
    would fail the whole file, so only the field holding it fails."""

    digits: int


def _parse_int(text: str) -> int | _HugeNumber:
    return int(text) if len(text) <= _MAX_INT_LITERAL else _HugeNumber(len(text))


def _encodable(text: str) -> bool:
    """False for a str holding a lone surrogate (JSON allows "\\ud800"): it cannot be written
    as UTF-8, so a name carrying one would crash whatever writes the case's row or log."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _quoted(text: str) -> str:
    """repr() of a raw name, shortened: printable, UTF-8-safe, bounded."""
    return repr(text if len(text) <= _MAX_SHOWN else text[: _MAX_SHOWN - 3] + "...")


def _shown(text: str) -> str:
    """A raw key as part of a field name (unvalidated keys may hold anything)."""
    if len(text) <= _MAX_SHOWN and text.isprintable():
        return text
    return _quoted(text)[1:-1]


# ---------------------------------------------------------------------------------
# Field parsers: each raises _Invalid naming the field.


def _object(value: Any, field: str | None) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise _Invalid(field, f"expected a JSON object, got {_describe(value)}")
    if isinstance(value, _DuplicateKeysDict):
        raise _Invalid(field, f"duplicate key {_quoted(value.duplicates[0])}")
    return value


def _list(value: Any, field: str) -> list[Any]:
    if not isinstance(value, list):
        raise _Invalid(field, f"expected a JSON array, got {_describe(value)}")
    return value


def _require(obj: dict[str, Any], key: str, prefix: str) -> Any:
    value = obj.get(key)
    if value is None:
        missing = "is missing" if key not in obj else "must not be null"
        raise _Invalid(_join(prefix, key), f"required field {missing}")
    return value


def _join(prefix: str, key: str) -> str:
    return f"{prefix}.{key}" if prefix else key


def _describe(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, str):
        shown = value if len(value) <= 40 else value[:37] + "..."
        return f"string {shown!r}"
    if isinstance(value, int | float):
        return "a number"
    if isinstance(value, _HugeNumber):
        return f"a number with {value.digits} characters"
    if isinstance(value, dict):
        return "an object"
    if isinstance(value, list):
        return "an array"
    return type(value).__name__


def _quantity(value: Any, field: str) -> int:
    """An unsigned 256-bit number given as hex ("0x1f", "0x" = 0) or decimal ("31")."""
    if isinstance(value, int) and not isinstance(value, bool):
        number = value
    elif isinstance(value, _HugeNumber):
        raise _Invalid(field, f"number out of range ({value.digits} characters)")
    elif isinstance(value, str):
        if value.startswith("0x"):
            digits = value[2:]
            if not _HEX_DIGITS.fullmatch(digits):
                raise _Invalid(field, f"invalid hex number {_describe(value)}")
            # Length check first keeps huge inputs cheap to reject.
            if len(digits.lstrip("0")) > 64:
                raise _Invalid(field, "number exceeds 2**256-1")
            number = int(digits, 16) if digits else 0
        elif _DEC_DIGITS.fullmatch(value):
            significant = value.lstrip("0")
            if len(significant) > 78:
                raise _Invalid(field, "number exceeds 2**256-1")
            # Not int(value): leading zeros count towards int()'s 4300-digit limit.
            number = int(significant or "0")
        else:
            raise _Invalid(field, f"expected a hex or decimal number, got {_describe(value)}")
    else:
        raise _Invalid(field, f"expected a number string, got {_describe(value)}")
    if number < 0:
        raise _Invalid(field, "number is negative")
    if number > _U256_MAX:
        raise _Invalid(field, "number exceeds 2**256-1")
    return number


def _hex_quantity(value: Any, field: str) -> str:
    return hex(_quantity(value, field))


def _word(value: Any, field: str) -> str:
    """A 256-bit word (e.g. prevRandao, a storage key) as 32 zero-padded bytes."""
    return f"0x{_quantity(value, field):064x}"


def _bytes(value: Any, field: str, size: int | None = None, max_size: int | None = None) -> str:
    if not isinstance(value, str):
        raise _Invalid(field, f"expected a hex string, got {_describe(value)}")
    if max_size is not None and len(value) > 2 + 2 * max_size:
        raise _Invalid(field, f"longer than {max_size} bytes ({len(value) - 2} hex digits)")
    if not value.startswith("0x") or not _HEX_DIGITS.fullmatch(value, 2):
        raise _Invalid(field, f"invalid hex string {_describe(value)}")
    digits = len(value) - 2
    if digits % 2:
        raise _Invalid(field, f"hex string has an odd number of digits ({digits})")
    if size is not None and digits != 2 * size:
        raise _Invalid(field, f"expected {size} bytes, got {digits // 2}")
    return value.lower()


def _address(value: Any, field: str) -> str:
    return _bytes(value, field, 20)


def _hash(value: Any, field: str) -> str:
    return _bytes(value, field, 32)


def _index(value: Any, field: str, length: int, array: str) -> int:
    if not isinstance(value, int) or isinstance(value, bool):
        raise _Invalid(field, f"expected an integer index, got {_describe(value)}")
    if not 0 <= value < length:
        raise _Invalid(
            field, f"index {value} out of range: transaction.{array} has {length} entries"
        )
    return value


# ---------------------------------------------------------------------------------
# Test sections.

_ENV_FIELDS = (
    ("coinbase", "currentCoinbase"),
    ("number", "currentNumber"),
    ("timestamp", "currentTimestamp"),
    ("gas_limit", "currentGasLimit"),
)
_OPTIONAL_ENV_FIELDS = (
    ("base_fee", "currentBaseFee"),
    ("excess_blob_gas", "currentExcessBlobGas"),
)


def _parse_env(raw: Any) -> dict[str, Any]:
    env_raw = _object(raw, "env")
    env: dict[str, Any] = {}
    for name, key in _ENV_FIELDS:
        value = _require(env_raw, key, "env")
        env[name] = (
            _address(value, f"env.{key}")
            if name == "coinbase"
            else _hex_quantity(value, f"env.{key}")
        )
    for name, key in _OPTIONAL_ENV_FIELDS:
        value = env_raw.get(key)
        env[name] = None if value is None else _hex_quantity(value, f"env.{key}")
    random = env_raw.get("currentRandom")
    env["random"] = None if random is None else _word(random, "env.currentRandom")
    difficulty = env_raw.get("currentDifficulty")
    if difficulty is None and random is None:
        raise _Invalid("env.currentDifficulty", "required field is missing (nor currentRandom)")
    # After the merge DIFFICULTY reads prevRandao, so a missing difficulty there is zero.
    env["difficulty"] = (
        "0x0" if difficulty is None else _hex_quantity(difficulty, "env.currentDifficulty")
    )
    return env


def _parse_pre(raw: Any, name: str = "pre") -> dict[str, Any]:
    """A `pre` (or a blockchain test's `postState`) section, normalized; errors say `name`."""
    pre_raw = _object(raw, name)
    pre: dict[str, Any] = {}
    for raw_address, raw_account in pre_raw.items():
        prefix = f"{name}.{_shown(raw_address)}"
        address = _address(raw_address, prefix)
        if address in pre:
            raise _Invalid(prefix, f"address {address} appears twice (case differs)")
        account = _object(raw_account, prefix)
        storage: dict[str, str] = {}
        storage_raw = account.get("storage")
        if storage_raw is not None:
            for raw_slot, raw_value in _object(storage_raw, f"{prefix}.storage").items():
                slot_field = f"{prefix}.storage.{_shown(raw_slot)}"
                slot = _hex_quantity(raw_slot, slot_field)
                if slot in storage:
                    raise _Invalid(slot_field, f"slot {slot} appears twice")
                value = _quantity(raw_value, slot_field)
                # Zero values are dropped below, after every key was checked for duplicates.
                storage[slot] = hex(value)
        pre[address] = {
            "nonce": _hex_quantity(_require(account, "nonce", prefix), f"{prefix}.nonce"),
            "balance": _hex_quantity(_require(account, "balance", prefix), f"{prefix}.balance"),
            "code": _bytes(
                _require(account, "code", prefix), f"{prefix}.code", max_size=MAX_CODE_SIZE
            ),
            "storage": {slot: value for slot, value in storage.items() if value != "0x0"},
        }
    return pre


def _parse_access_list(raw: Any, field: str) -> list[dict[str, Any]]:
    entries = []
    for i, raw_entry in enumerate(_list(raw, field)):
        entry_field = f"{field}[{i}]"
        entry = _object(raw_entry, entry_field)
        keys_field = f"{entry_field}.storageKeys"
        entries.append(
            {
                "address": _address(
                    _require(entry, "address", entry_field), f"{entry_field}.address"
                ),
                "storage_keys": [
                    _word(key, f"{keys_field}[{j}]")
                    for j, key in enumerate(
                        _list(_require(entry, "storageKeys", entry_field), keys_field)
                    )
                ],
            }
        )
    return entries


def _parse_authorization_list(raw: Any) -> list[dict[str, str | None]]:
    field = "transaction.authorizationList"
    result = []
    for i, raw_entry in enumerate(_list(raw, field)):
        entry_field = f"{field}[{i}]"
        entry = _object(raw_entry, entry_field)
        v_raw, parity_raw = entry.get("v"), entry.get("yParity")
        if v_raw is None and parity_raw is None:
            raise _Invalid(f"{entry_field}.v", "required field is missing (neither v nor yParity)")
        v = None if v_raw is None else _hex_quantity(v_raw, f"{entry_field}.v")
        parity = None if parity_raw is None else _hex_quantity(parity_raw, f"{entry_field}.yParity")
        if v is not None and parity is not None and v != parity:
            raise _Invalid(f"{entry_field}.yParity", f"yParity {parity} differs from v {v}")
        result.append(
            {
                "chain_id": _hex_quantity(
                    _require(entry, "chainId", entry_field), f"{entry_field}.chainId"
                ),
                "address": _address(
                    _require(entry, "address", entry_field), f"{entry_field}.address"
                ),
                "nonce": _hex_quantity(
                    _require(entry, "nonce", entry_field), f"{entry_field}.nonce"
                ),
                "v": v if v is not None else parity,
                "r": _hex_quantity(_require(entry, "r", entry_field), f"{entry_field}.r"),
                "s": _hex_quantity(_require(entry, "s", entry_field), f"{entry_field}.s"),
            }
        )
    return result


@dataclass(frozen=True)
class _Transaction:
    """A test's transaction: shared fields plus the per-index arrays, all normalized."""

    common: dict[str, Any]
    data: list[str]
    gas_limits: list[str]
    values: list[str]
    # Per data index: the access list, or None where the entry is absent/null.
    access_lists: list[list[dict[str, Any]] | None]
    # 0 for gasPrice transactions (1 where an access list is present), else 2, 3 or 4.
    fee_type: int


def _quantity_list(raw: Any, field: str) -> list[str]:
    items = _list(raw, field)
    if not items:
        raise _Invalid(field, "array is empty")
    return [_hex_quantity(item, f"{field}[{i}]") for i, item in enumerate(items)]


def _parse_transaction(raw: Any) -> _Transaction:
    p = "transaction"
    tx_raw = _object(raw, p)

    data_raw = _list(_require(tx_raw, "data", p), f"{p}.data")
    if not data_raw:
        raise _Invalid(f"{p}.data", "array is empty")
    data = [_bytes(item, f"{p}.data[{i}]") for i, item in enumerate(data_raw)]
    gas_limits = _quantity_list(_require(tx_raw, "gasLimit", p), f"{p}.gasLimit")
    values = _quantity_list(_require(tx_raw, "value", p), f"{p}.value")

    access_lists: list[list[dict[str, Any]] | None] = [None] * len(data)
    lists_raw = tx_raw.get("accessLists")
    if lists_raw is not None:
        lists = _list(lists_raw, f"{p}.accessLists")
        if len(lists) != len(data):
            raise _Invalid(
                f"{p}.accessLists",
                f"has {len(lists)} entries but transaction.data has {len(data)}",
            )
        access_lists = [
            None if item is None else _parse_access_list(item, f"{p}.accessLists[{i}]")
            for i, item in enumerate(lists)
        ]

    if "to" not in tx_raw:
        raise _Invalid(f"{p}.to", "required field is missing")
    to_raw = tx_raw["to"]
    # "" (or null) is a contract creation.
    to = None if to_raw in ("", None) else _address(to_raw, f"{p}.to")

    sender_raw, key_raw = tx_raw.get("sender"), tx_raw.get("secretKey")
    if sender_raw is None and key_raw is None:
        raise _Invalid(f"{p}.sender", "required field is missing (neither sender nor secretKey)")

    def optional_quantity(key: str) -> str | None:
        value = tx_raw.get(key)
        return None if value is None else _hex_quantity(value, f"{p}.{key}")

    gas_price = optional_quantity("gasPrice")
    max_fee = optional_quantity("maxFeePerGas")
    max_priority = optional_quantity("maxPriorityFeePerGas")
    max_blob_fee = optional_quantity("maxFeePerBlobGas")
    blob_hashes_raw = tx_raw.get("blobVersionedHashes")
    authorizations_raw = tx_raw.get("authorizationList")

    if gas_price is not None and (max_fee is not None or max_priority is not None):
        raise _Invalid(f"{p}.gasPrice", "gasPrice cannot be combined with maxFeePerGas")
    if blob_hashes_raw is not None and authorizations_raw is not None:
        raise _Invalid(
            f"{p}.authorizationList", "a transaction cannot carry both blobs and authorizations"
        )
    if authorizations_raw is not None:
        fee_type = 4
    elif blob_hashes_raw is not None:
        fee_type = 3
    elif max_fee is not None or max_priority is not None:
        fee_type = 2
    else:
        fee_type = 0
    if fee_type == 0 and gas_price is None:
        raise _Invalid(f"{p}.gasPrice", "required field is missing (nor maxFeePerGas given)")
    if fee_type >= 2:
        if max_fee is None:
            raise _Invalid(f"{p}.maxFeePerGas", "required field is missing")
        if max_priority is None:
            raise _Invalid(f"{p}.maxPriorityFeePerGas", "required field is missing")
    blob_hashes = None
    if fee_type == 3:
        if max_blob_fee is None:
            raise _Invalid(f"{p}.maxFeePerBlobGas", "required field is missing")
        field = f"{p}.blobVersionedHashes"
        blob_hashes = [
            _hash(item, f"{field}[{i}]") for i, item in enumerate(_list(blob_hashes_raw, field))
        ]
    authorizations = _parse_authorization_list(authorizations_raw) if fee_type == 4 else None

    common = {
        "sender": None if sender_raw is None else _address(sender_raw, f"{p}.sender"),
        "secret_key": None if key_raw is None else _word(key_raw, f"{p}.secretKey"),
        "to": to,
        "nonce": _hex_quantity(_require(tx_raw, "nonce", p), f"{p}.nonce"),
        "gas_price": gas_price,
        "max_fee_per_gas": max_fee,
        "max_priority_fee_per_gas": max_priority,
        "max_fee_per_blob_gas": max_blob_fee if fee_type == 3 else None,
        "blob_versioned_hashes": blob_hashes,
        "authorization_list": authorizations,
    }
    return _Transaction(common, data, gas_limits, values, access_lists, fee_type)


def _case_tx(tx: _Transaction, d: int, g: int, v: int) -> dict[str, Any]:
    access_list = tx.access_lists[d]
    if tx.fee_type == 0:
        tx_type = 0 if access_list is None else 1
    else:
        tx_type = tx.fee_type
        if access_list is None:
            access_list = []
    return {
        **tx.common,
        "type": tx_type,
        "gas_limit": tx.gas_limits[g],
        "value": tx.values[v],
        "data": tx.data[d],
        "access_list": access_list,
    }


def _chain_id(test: dict[str, Any]) -> int:
    """The chain id of an execution-spec-tests fixture (ethereum/tests carry none).

    Newer fixtures put it in ``config.chainid``, older ones in a top-level ``chainId``.
    """
    chain_id = DEFAULT_CHAIN_ID
    top_level = test.get("chainId")
    if top_level is not None:
        chain_id = _quantity(top_level, "chainId")
    raw_config = test.get("config")
    if raw_config is not None:
        in_config = _object(raw_config, "config").get("chainid")
        if in_config is not None:
            chain_id = _quantity(in_config, "config.chainid")
    return chain_id


# ---------------------------------------------------------------------------------
# Case ids.


def _case_id(
    path_parts: tuple[str, ...], test: str, fork: str, indexes: tuple[int, int, int] | None
) -> str:
    """A case's id: file path parts, test and fork joined by "__", and for a state test its
    indexes (a blockchain test is one case). Ids that are not clean are sanitized, with a hash."""
    suffix = f"d{indexes[0]}g{indexes[1]}v{indexes[2]}" if indexes is not None else None
    components = (*path_parts, test, fork)
    raw_id = "__".join((*components, suffix) if suffix else components)
    clean = (
        all(_CLEAN_COMPONENT.fullmatch(c) and ".." not in c for c in components)
        and raw_id[0] not in ".-"
        and len(raw_id) <= MAX_CASE_ID_LENGTH
    )
    if clean:
        return raw_id
    # Sanitizing may merge distinct inputs, so a hash of the raw tuple keeps them apart;
    # its "-h" marker never occurs in the last part of a clean state-test id (always d#g#v#).
    key = [list(path_parts), test, fork, *(indexes if indexes is not None else ("chain",))]
    digest = hashlib.sha256(json.dumps(key).encode("utf-8", "surrogatepass")).hexdigest()[
        :_ID_HASH_HEX
    ]
    hash_suffix = f"-h{digest}"

    def sanitize(text: str) -> str:
        return _DOT_RUNS.sub(".", _UNSAFE_ID_CHARS.sub("_", text))

    tail = f"__{sanitize(fork)[:40]}" + (f"__{suffix}" if suffix else "")
    budget = MAX_CASE_ID_LENGTH - len(tail) - len(hash_suffix)
    head = sanitize("__".join((*path_parts, test)))[:budget].strip("_").lstrip(".-") or "_"
    return _DOT_RUNS.sub(".", f"{head}{tail}") + hash_suffix


# ---------------------------------------------------------------------------------
# Loading.


def _relative_source(path: Path, tests_dir: Path) -> str:
    try:
        return path.relative_to(tests_dir).as_posix()
    except ValueError:
        pass
    try:
        return Path(os.path.relpath(path, tests_dir)).as_posix()
    except ValueError:  # e.g. another drive on Windows
        return path.as_posix()


def _load_test(
    source: str,
    path_parts: tuple[str, ...],
    group: str,
    name: str,
    raw: Any,
    seen_ids: set[str],
) -> tuple[list[Case], list[CaseError]]:
    cases: list[Case] = []
    errors: list[CaseError] = []
    try:
        test = _object(raw, None)
        env = _parse_env(_require(test, "env", ""))
        pre = _parse_pre(_require(test, "pre", ""))
        tx = _parse_transaction(_require(test, "transaction", ""))
        post = _object(_require(test, "post", ""), "post")
        chain_id = _chain_id(test)
    except _Invalid as exc:
        return [], [CaseError(source, name, exc.field, exc.message)]

    for fork, raw_entries in post.items():
        problem = None
        if not _encodable(fork):
            problem = "fork name is not valid Unicode (it holds a lone surrogate)"
        elif not isinstance(raw_entries, list):
            problem = f"expected a JSON array, got {_describe(raw_entries)}"
        if problem is not None:
            errors.append(CaseError(source, name, f"post.{_shown(fork)}", problem))
            continue
        skip_reason = (
            None if fork in SUPPORTED_FORKS else f"fork {_quoted(fork)} is not supported by the EVM"
        )
        if skip_reason is None and chain_id != DEFAULT_CHAIN_ID:
            skip_reason = f"chain id {chain_id} is not supported (cases run with chain id 1)"
        for i, raw_entry in enumerate(raw_entries):
            field = f"post.{_shown(fork)}[{i}]"
            try:
                entry = _object(raw_entry, field)
                indexes = _object(_require(entry, "indexes", field), f"{field}.indexes")
                ip = f"{field}.indexes"
                d = _index(_require(indexes, "data", ip), f"{ip}.data", len(tx.data), "data")
                g = _index(
                    _require(indexes, "gas", ip), f"{ip}.gas", len(tx.gas_limits), "gasLimit"
                )
                v = _index(_require(indexes, "value", ip), f"{ip}.value", len(tx.values), "value")
                exception = entry.get("expectException")
                if exception is not None and (
                    not isinstance(exception, str) or not exception or not _encodable(exception)
                ):
                    raise _Invalid(
                        f"{field}.expectException",
                        f"expected a non-empty Unicode string, got {_describe(exception)}",
                    )
                expected = Expected(
                    state_root=_hash(_require(entry, "hash", field), f"{field}.hash"),
                    logs_hash=_hash(_require(entry, "logs", field), f"{field}.logs"),
                    expect_exception=exception,
                )
            except _Invalid as exc:
                errors.append(CaseError(source, name, exc.field, exc.message))
                continue
            case_id = _case_id(path_parts, name, fork, (d, g, v))
            if case_id in seen_ids:
                errors.append(
                    CaseError(
                        source,
                        name,
                        f"{field}.indexes",
                        f"duplicate case {case_id!r}: an earlier post entry has the same "
                        "fork and indexes",
                    )
                )
                continue
            seen_ids.add(case_id)
            cases.append(
                Case(
                    case_id=case_id,
                    source=source,
                    test_name=name,
                    fork=fork,
                    indexes=(d, g, v),
                    group=group,
                    expected=expected,
                    input={"fork": fork, "env": env, "pre": pre, "tx": _case_tx(tx, d, g, v)},
                    skip_reason=skip_reason,
                )
            )
    return cases, errors


def _load_file(
    path: Path, tests_dir: Path, seen_ids: set[str]
) -> tuple[list[Case | ChainCase], list[CaseError]]:
    source = _relative_source(path, tests_dir)
    posix = PurePosixPath(source)
    parent = posix.parent.as_posix()
    group = parent if parent != "." else (tests_dir.resolve().name or ".")
    if not _encodable(source + group):
        # A path that is not UTF-8 (decoded with lone surrogates) cannot be written as a row's
        # source or group: one error, naming the file with its bad bytes escaped.
        shown = source.encode("utf-8", "backslashreplace").decode("utf-8")
        return [], [CaseError(shown, None, None, "file or folder name is not valid UTF-8")]
    try:
        document = jsonio.loads(
            path.read_bytes(),
            object_pairs_hook=_object_pairs_hook,
            parse_constant=_reject_constant,
            parse_int=_parse_int,
        )
    except (OSError, ValueError, RecursionError) as exc:
        # JSONDecodeError and UnicodeDecodeError are ValueErrors.
        return [], [CaseError(source, None, None, f"cannot read JSON: {exc}")]
    if not isinstance(document, dict):
        return [], [
            CaseError(
                source, None, None, f"top level must be a JSON object, got {_describe(document)}"
            )
        ]

    stem = posix.name[: -len(".json")] if posix.name.endswith(".json") else posix.name
    path_parts = (*posix.parent.parts, stem) if str(posix.parent) != "." else (stem,)

    from zkprof.cases import blockchain_tests

    # The format is the file's: blockchain tests if its first test is one.
    first = next(iter(document.values()), None)
    load_test: Any = (
        blockchain_tests.load_test if blockchain_tests.is_blockchain_test(first) else _load_test
    )
    cases: list[Case | ChainCase] = []
    errors: list[CaseError] = []
    duplicated = set(document.duplicates) if isinstance(document, _DuplicateKeysDict) else set()
    for name, raw_test in document.items():
        if name in duplicated:
            errors.append(CaseError(source, name, None, "test name appears more than once"))
            continue
        if not _encodable(name):
            message = "test name is not valid Unicode (it holds a lone surrogate)"
            errors.append(CaseError(source, name, None, message))
            continue
        test_cases, test_errors = load_test(source, path_parts, group, name, raw_test, seen_ids)
        cases.extend(test_cases)
        errors.extend(test_errors)
    return cases, errors


def load_file(path: Path, tests_dir: Path) -> tuple[list[Case | ChainCase], list[CaseError]]:
    """Load one state-test or blockchain-test file; ``source`` and ids are relative to
    ``tests_dir``."""
    return _load_file(Path(path), Path(tests_dir), set())


def load_cases(tests_dir: Path) -> tuple[list[Case | ChainCase], list[CaseError]]:
    """Load every ``*.json`` under ``tests_dir``, in sorted path order."""
    tests_dir = Path(tests_dir)
    if not tests_dir.is_dir():
        return [], [CaseError(tests_dir.as_posix(), None, None, "not a directory")]
    try:
        paths = [p for p in tests_dir.rglob("*.json") if p.is_file()]
    except OSError as exc:
        return [], [CaseError(tests_dir.as_posix(), None, None, f"cannot list files: {exc}")]
    paths.sort(key=lambda p: p.relative_to(tests_dir).as_posix())
    cases: list[Case | ChainCase] = []
    errors: list[CaseError] = []
    # One id set for the whole tree so ids stay unique across files too.
    seen_ids: set[str] = set()
    for path in paths:
        file_cases, file_errors = _load_file(path, tests_dir, seen_ids)
        cases.extend(file_cases)
        errors.extend(file_errors)
    return cases, errors
