"""Read Ethereum blockchain tests into runnable cases: one case per test (its whole chain).

A blockchain-test file (ethereum/tests ``BlockchainTests`` or an execution-spec-tests
``blockchain_test`` fixture) maps test names to ``{network, genesisBlockHeader, genesisRLP, pre,
blocks: [{rlp, expectException?, ...}], postState | postStateHash, lastblockhash}``. The case's
``input`` is what witness generation reads (the network, the genesis block's RLP, the normalized
``pre`` and each block's RLP); the blocks' decoded forms in the fixture are not used, as the
guest decodes the RLP itself. Problems become :class:`CaseError`s naming file, test and field.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from zkprof.cases import state_tests as st

# Networks of the merge and later whose names the native side knows (see
# `_native.chain_network_supported`); these earlier ones are skipped with a reason.
PRE_MERGE_NETWORKS = frozenset(
    {
        "Frontier",
        "Homestead",
        "EIP150",
        "EIP158",
        "Byzantium",
        "Constantinople",
        "ConstantinopleFix",
        "Istanbul",
        "Berlin",
        "London",
    }
)


@dataclass(frozen=True)
class ChainExpected:
    """What the chain must end as: the head's hash and post-state root, and per block whether it
    is valid (`None`) or must be rejected (the fixture's exception name)."""

    last_block_hash: str
    post_state_root: str
    block_exceptions: tuple[str | None, ...]


@dataclass(frozen=True)
class ChainCase:
    case_id: str
    source: str
    test_name: str
    network: str
    group: str
    expected: ChainExpected
    input: dict[str, Any]
    skip_reason: str | None


def is_blockchain_test(test: Any) -> bool:
    """The per-file format check: a blockchain test has `blocks` and `genesisBlockHeader`."""
    return isinstance(test, dict) and "blocks" in test and "genesisBlockHeader" in test


def _post_state_root(test: dict[str, Any]) -> str:
    if "postStateHash" in test:
        return st._hash(test["postStateHash"], "postStateHash")
    post = st._parse_pre(st._require(test, "postState", ""), "postState")
    from zkprof import _native

    try:
        return _native.evm_state_root(json.dumps(post, sort_keys=True), "postState")
    except ValueError as err:
        raise st._Invalid("postState", str(err)) from err


def _skip_reason(network: str) -> str | None:
    from zkprof import _native

    if _native.chain_network_supported(network):
        return None
    if network.split("To")[0] in PRE_MERGE_NETWORKS:
        return (
            f"network {st._quoted(network)} is before the merge: blocks are validated from Paris on"
        )
    return f"network {st._quoted(network)} is not supported"


def load_test(
    source: str,
    path_parts: tuple[str, ...],
    group: str,
    name: str,
    raw: Any,
    seen_ids: set[str],
) -> tuple[list[ChainCase], list[st.CaseError]]:
    try:
        test = st._object(raw, None)
        network = st._require(test, "network", "")
        if not isinstance(network, str) or not network or not st._encodable(network):
            raise st._Invalid("network", f"expected a fork name, got {st._describe(network)}")
        st._object(st._require(test, "genesisBlockHeader", ""), "genesisBlockHeader")
        genesis_rlp = st._bytes(st._require(test, "genesisRLP", ""), "genesisRLP")
        pre = st._parse_pre(st._require(test, "pre", ""))
        raw_blocks = st._list(st._require(test, "blocks", ""), "blocks")
        blocks, exceptions = [], []
        for i, raw_block in enumerate(raw_blocks):
            field = f"blocks[{i}]"
            block = st._object(raw_block, field)
            blocks.append(st._bytes(st._require(block, "rlp", field), f"{field}.rlp"))
            exception = block.get("expectException")
            if exception is not None and (not isinstance(exception, str) or not exception):
                raise st._Invalid(
                    f"{field}.expectException",
                    f"expected a non-empty string, got {st._describe(exception)}",
                )
            exceptions.append(exception)
        last = st._hash(st._require(test, "lastblockhash", ""), "lastblockhash")
        skip_reason = _skip_reason(network)
        post_root = "" if skip_reason else _post_state_root(test)
    except st._Invalid as exc:
        return [], [st.CaseError(source, name, exc.field, exc.message)]
    case_id = st._case_id(path_parts, name, network, None)
    if case_id in seen_ids:
        message = f"duplicate case {case_id!r}: an earlier test has the same id"
        return [], [st.CaseError(source, name, None, message)]
    seen_ids.add(case_id)
    case = ChainCase(
        case_id=case_id,
        source=source,
        test_name=name,
        network=network,
        group=group,
        expected=ChainExpected(last, post_root, tuple(exceptions)),
        input={
            "network": network,
            "chain_id": st._chain_id(test),
            "genesis_rlp": genesis_rlp,
            "pre": pre,
            "blocks": blocks,
        },
        skip_reason=skip_reason,
    )
    return [case], []
