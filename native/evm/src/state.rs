//! The in-memory world state: the read-only pre-state database revm executes against, the
//! post-state it commits into, and the state root and logs hash of ethereum/tests.

use crate::{rlp, trie};
use revm::bytecode::Bytecode;
use revm::primitives::{keccak256, Address, Log, StorageKey, StorageValue, B256, U256};
use revm::state::{AccountInfo, EvmState};
use revm::Database;
use std::collections::BTreeMap;
use std::convert::Infallible;
use zkprof_types::{Account, Word};

/// keccak256(RLP([])): the logs hash of a transaction without logs.
pub const EMPTY_LOGS_HASH: Word = [
    0x1d, 0xcc, 0x4d, 0xe8, 0xde, 0xc7, 0x5d, 0x7a, 0xab, 0x85, 0xb5, 0x67, 0xb6, 0xcc, 0xd4, 0x1a,
    0xd3, 0x12, 0x45, 0x1b, 0x94, 0x8a, 0x74, 0x13, 0xf0, 0xa1, 0x42, 0xfd, 0x40, 0xd4, 0x93, 0x47,
];

/// One account of the world state, with its code kept by hash.
#[derive(Clone, Debug)]
pub(crate) struct StateAccount {
    pub info: AccountInfo,
    pub storage: BTreeMap<U256, U256>,
}

/// The world state; a `BTreeMap` so that iteration, and so the guest's work, is deterministic.
pub(crate) type WorldState = BTreeMap<Address, StateAccount>;

/// Builds the world state of a test's `pre` section.
pub(crate) fn from_pre(pre: &BTreeMap<[u8; 20], Account>) -> WorldState {
    pre.iter()
        .map(|(address, account)| {
            let code_hash = keccak256(&account.code);
            // Code starting with 0xEF01 that is not a well-formed delegation stays plain code.
            let code = Bytecode::new_raw_checked(account.code.clone().into())
                .unwrap_or_else(|_| Bytecode::new_legacy(account.code.clone().into()));
            let info = AccountInfo::new(
                U256::from_be_bytes(account.balance),
                account.nonce,
                code_hash,
                code,
            );
            let storage = account
                .storage
                .iter()
                .map(|(k, v)| (U256::from_be_bytes(*k), U256::from_be_bytes(*v)))
                .collect();
            (Address::from(*address), StateAccount { info, storage })
        })
        .collect()
}

/// revm's view of the pre-state. Reads only: execution changes come back as an [`EvmState`].
pub(crate) struct PreStateDb<'a> {
    pub state: &'a WorldState,
}

impl Database for PreStateDb<'_> {
    type Error = Infallible;

    fn basic(&mut self, address: Address) -> Result<Option<AccountInfo>, Infallible> {
        Ok(self.state.get(&address).map(|a| a.info.clone()))
    }

    fn code_by_hash(&mut self, code_hash: B256) -> Result<Bytecode, Infallible> {
        // `basic` always hands out the code itself, so this is only a fallback.
        Ok(self
            .state
            .values()
            .find(|a| a.info.code_hash == code_hash)
            .and_then(|a| a.info.code.clone())
            .unwrap_or_default())
    }

    fn storage(&mut self, address: Address, index: StorageKey) -> Result<StorageValue, Infallible> {
        Ok(self
            .state
            .get(&address)
            .and_then(|a| a.storage.get(&index).copied())
            .unwrap_or_default())
    }

    fn block_hash(&mut self, number: u64) -> Result<B256, Infallible> {
        // State tests have no chain: ethereum/tests defines BLOCKHASH(n) as keccak256 of n
        // written in decimal.
        Ok(keccak256(number.to_string().as_bytes()))
    }
}

/// Applies one transaction's changes with post-EIP-161 database semantics (revm's journal has
/// already adjusted empty accounts for earlier forks).
pub(crate) fn commit(state: &mut WorldState, changes: EvmState) {
    for (address, account) in changes {
        if !account.is_touched() {
            continue;
        }
        if account.is_selfdestructed() {
            state.remove(&address);
            continue;
        }
        let storage = account.storage.iter().map(|(k, slot)| (*k, slot.present_value()));
        if account.is_created() {
            // A new account starts from empty storage even if the address had some.
            let storage = storage.collect();
            state.insert(address, StateAccount { info: account.info, storage });
        } else if account.is_empty() {
            // EIP-161: a touched account that is empty is removed.
            state.remove(&address);
        } else {
            let entry = state.entry(address).or_insert_with(|| StateAccount {
                info: AccountInfo::default(),
                storage: BTreeMap::new(),
            });
            entry.storage.extend(storage);
            entry.info = account.info;
        }
    }
}

/// Root of the secure state trie: keccak256(address) -> RLP([nonce, balance, storage root,
/// code hash]), with storage tries keccak256(slot) -> RLP(value) leaving zero values out.
pub(crate) fn state_root(state: &WorldState) -> Word {
    trie::secure_trie_root(state.iter().map(|(address, account)| {
        let storage_root = trie::secure_trie_root(
            account.storage.iter().filter(|(_, v)| !v.is_zero()).map(|(k, v)| {
                let mut value = Vec::with_capacity(33);
                rlp::encode_uint(&v.to_be_bytes::<32>(), &mut value);
                (k.to_be_bytes::<32>(), value)
            }),
        );
        let mut payload = Vec::with_capacity(110);
        rlp::encode_uint(&account.info.nonce.to_be_bytes(), &mut payload);
        rlp::encode_uint(&account.info.balance.to_be_bytes::<32>(), &mut payload);
        rlp::encode_bytes(&storage_root, &mut payload);
        rlp::encode_bytes(account.info.code_hash.as_slice(), &mut payload);
        let mut leaf = Vec::with_capacity(payload.len() + 2);
        rlp::encode_list(&payload, &mut leaf);
        (address.0 .0, leaf)
    }))
}

/// keccak256(RLP(logs)), each log encoded as [address, [topics...], data].
pub fn logs_hash(logs: &[Log]) -> Word {
    let mut out = Vec::new();
    encode_logs(logs, &mut out);
    keccak256(&out).0
}

/// Appends RLP(logs), each log encoded as [address, [topics...], data] (also a receipt's field).
pub(crate) fn encode_logs(logs: &[Log], out: &mut Vec<u8>) {
    let mut all = Vec::new();
    for log in logs {
        let mut topics = Vec::with_capacity(33 * log.topics().len());
        for topic in log.topics() {
            rlp::encode_bytes(topic.as_slice(), &mut topics);
        }
        let mut payload = Vec::new();
        rlp::encode_bytes(log.address.as_slice(), &mut payload);
        rlp::encode_list(&topics, &mut payload);
        rlp::encode_bytes(&log.data.data, &mut payload);
        rlp::encode_list(&payload, &mut all);
    }
    rlp::encode_list(&all, out);
}

/// State root of a test's `pre` section (also the post-state root of a rejected transaction).
pub fn pre_state_root(pre: &BTreeMap<[u8; 20], Account>) -> Word {
    state_root(&from_pre(pre))
}
