//! The world state of one block, read from the partial tries of its witness: revm executes
//! against it, each transaction's changes are kept in an overlay, and at the end of the block the
//! overlay is written into the tries to give the new state root.

use crate::mpt::{NodeStore, Trie, TrieError};
use crate::rlp;
use revm::bytecode::Bytecode;
use revm::primitives::{keccak256, Address, StorageKey, StorageValue, B256, KECCAK_EMPTY, U256};
use revm::state::{AccountInfo, EvmState};
use revm::Database;
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::fmt;

/// The witness could not serve a read: the block cannot be validated from it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum WitnessError {
    Trie(TrieError),
    /// An account leaf that is not RLP([nonce, balance, storage root, code hash]).
    BadAccount(Address, String),
    MissingCode(B256),
    /// BLOCKHASH asked for a block whose header the witness lacks.
    MissingHeader(u64),
    /// The witness's headers do not chain from the block's parent.
    HeaderChain(String),
}

impl fmt::Display for WitnessError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            WitnessError::Trie(e) => write!(f, "incomplete witness: {e}"),
            WitnessError::BadAccount(a, e) => write!(f, "incomplete witness: account {a}: {e}"),
            WitnessError::MissingCode(h) => {
                write!(f, "incomplete witness: code with hash {h} is not in the witness")
            }
            WitnessError::MissingHeader(n) => write!(
                f,
                "incomplete witness: BLOCKHASH({n}) needs a header the witness does not have"
            ),
            WitnessError::HeaderChain(e) => write!(f, "bad witness headers: {e}"),
        }
    }
}

impl std::error::Error for WitnessError {}
impl revm::database_interface::DBErrorMarker for WitnessError {}

impl From<TrieError> for WitnessError {
    fn from(e: TrieError) -> Self {
        WitnessError::Trie(e)
    }
}

/// An account as the state trie stores it.
#[derive(Clone, Debug)]
struct TrieAccount {
    nonce: u64,
    balance: U256,
    storage_root: B256,
    code_hash: B256,
}

fn decode_account(bytes: &[u8]) -> Result<TrieAccount, rlp::RlpError> {
    let items = rlp::decode_one(bytes)?.list()?;
    let [nonce, balance, storage_root, code_hash] = items[..] else {
        return Err(rlp::RlpError(format!("{} items, not 4", items.len())));
    };
    Ok(TrieAccount {
        nonce: nonce.u64()?,
        balance: U256::from_be_bytes(balance.word()?),
        storage_root: B256::from(storage_root.fixed::<32>()?),
        code_hash: B256::from(code_hash.fixed::<32>()?),
    })
}

fn encode_account(info: &AccountInfo, storage_root: B256) -> Vec<u8> {
    let mut payload = Vec::with_capacity(110);
    rlp::encode_u64(info.nonce, &mut payload);
    rlp::encode_uint(&info.balance.to_be_bytes::<32>(), &mut payload);
    rlp::encode_bytes(storage_root.as_slice(), &mut payload);
    rlp::encode_bytes(info.code_hash.as_slice(), &mut payload);
    let mut out = Vec::with_capacity(payload.len() + 2);
    rlp::encode_list(&payload, &mut out);
    out
}

/// What the block has done to an account so far.
#[derive(Clone, Debug, Default)]
struct Changed {
    /// `None`: the account is gone (self-destructed, or touched while empty).
    info: Option<AccountInfo>,
    /// The account's storage before the block no longer counts (gone, or created anew).
    storage_cleared: bool,
    storage: BTreeMap<U256, U256>,
}

/// Contract codes by hash, checked by hashing them.
#[derive(Default)]
pub struct CodeStore {
    codes: HashMap<B256, Bytecode>,
    recorded: Option<BTreeSet<B256>>,
}

impl CodeStore {
    pub fn from_codes<I: IntoIterator<Item = Vec<u8>>>(codes: I) -> Self {
        let mut store = CodeStore::default();
        for code in codes {
            store.insert(code);
        }
        store
    }

    pub fn insert(&mut self, code: Vec<u8>) {
        let hash = keccak256(&code);
        // Code starting with 0xEF01 that is not a well-formed delegation stays plain code.
        let bytecode = Bytecode::new_raw_checked(code.clone().into())
            .unwrap_or_else(|_| Bytecode::new_legacy(code.into()));
        self.codes.insert(hash, bytecode);
    }

    pub fn record(&mut self) {
        self.recorded = Some(BTreeSet::new());
    }

    pub fn take_recorded(&mut self) -> Vec<Vec<u8>> {
        let hashes = self.recorded.take().unwrap_or_default();
        hashes.iter().map(|h| self.codes[h].original_bytes().to_vec()).collect()
    }

    /// Every code held.
    pub fn all(&self) -> Vec<Vec<u8>> {
        let mut codes: Vec<_> = self.codes.iter().collect();
        codes.sort_by_key(|(h, _)| **h);
        codes.into_iter().map(|(_, c)| c.original_bytes().to_vec()).collect()
    }

    fn get(&mut self, hash: B256) -> Result<Bytecode, WitnessError> {
        if hash == KECCAK_EMPTY {
            return Ok(Bytecode::default());
        }
        let code = self.codes.get(&hash).ok_or(WitnessError::MissingCode(hash))?.clone();
        if let Some(recorded) = &mut self.recorded {
            recorded.insert(hash);
        }
        Ok(code)
    }
}

/// Writes a whole state (a test's `pre`) into the stores and returns its root: the store then
/// holds every node, as a node that keeps the full state does.
pub fn write_full_state(
    pre: &BTreeMap<[u8; 20], zkprof_types::Account>,
    nodes: &mut NodeStore,
    codes: &mut CodeStore,
) -> Result<B256, WitnessError> {
    let mut accounts = Trie::empty();
    for (address, account) in pre {
        let mut storage = Trie::empty();
        for (slot, value) in &account.storage {
            let mut encoded = Vec::new();
            rlp::encode_uint(value, &mut encoded);
            if value != &[0; 32] {
                storage.set(nodes, keccak256(slot).as_slice(), encoded)?;
            }
        }
        let code_hash = keccak256(&account.code);
        codes.insert(account.code.clone());
        let info = AccountInfo {
            nonce: account.nonce,
            balance: U256::from_be_bytes(account.balance),
            code_hash,
            ..Default::default()
        };
        let leaf = encode_account(&info, storage.root(Some(nodes)));
        accounts.set(nodes, keccak256(address).as_slice(), leaf)?;
    }
    Ok(accounts.root(Some(nodes)))
}

/// revm's database for one block: the partial tries below the parent's state root, the
/// ancestors' hashes, and the changes of the block's transactions so far.
pub struct BlockState<'w> {
    nodes: &'w mut NodeStore,
    codes: &'w mut CodeStore,
    accounts: Trie,
    /// Accounts as the parent's state has them (`None`: absent), read once.
    pre: HashMap<Address, Option<TrieAccount>>,
    storage_tries: HashMap<Address, Trie>,
    changed: BTreeMap<Address, Changed>,
    /// Block number -> hash, for BLOCKHASH (the parent and older ancestors).
    block_hashes: &'w BTreeMap<u64, B256>,
    /// The numbers BLOCKHASH asked for (witness generation keeps their headers).
    pub hashes_read: BTreeSet<u64>,
}

impl<'w> BlockState<'w> {
    pub fn new(
        nodes: &'w mut NodeStore,
        codes: &'w mut CodeStore,
        state_root: B256,
        block_hashes: &'w BTreeMap<u64, B256>,
    ) -> Self {
        BlockState {
            nodes,
            codes,
            accounts: Trie::new(state_root),
            pre: HashMap::new(),
            storage_tries: HashMap::new(),
            changed: BTreeMap::new(),
            block_hashes,
            hashes_read: BTreeSet::new(),
        }
    }

    fn pre_account(&mut self, address: Address) -> Result<Option<TrieAccount>, WitnessError> {
        if let Some(account) = self.pre.get(&address) {
            return Ok(account.clone());
        }
        let leaf = self.accounts.get(self.nodes, keccak256(address).as_slice())?;
        let account = match leaf {
            None => None,
            Some(bytes) => Some(
                decode_account(&bytes)
                    .map_err(|e| WitnessError::BadAccount(address, e.to_string()))?,
            ),
        };
        self.pre.insert(address, account.clone());
        Ok(account)
    }

    fn pre_storage(&mut self, address: Address, slot: U256) -> Result<U256, WitnessError> {
        let Some(account) = self.pre_account(address)? else { return Ok(U256::ZERO) };
        let trie =
            self.storage_tries.entry(address).or_insert_with(|| Trie::new(account.storage_root));
        let key = keccak256(slot.to_be_bytes::<32>());
        match trie.get(self.nodes, key.as_slice())? {
            None => Ok(U256::ZERO),
            Some(bytes) => {
                let value = rlp::decode_one(&bytes).and_then(|item| item.word()).map_err(|e| {
                    WitnessError::BadAccount(address, format!("storage slot {slot}: {e}"))
                })?;
                Ok(U256::from_be_bytes(value))
            }
        }
    }

    /// The account's current balance and nonce etc., after the block's changes so far.
    pub fn account(&mut self, address: Address) -> Result<Option<AccountInfo>, WitnessError> {
        self.basic(address)
    }

    /// Sets an account outright (withdrawals credit balances this way).
    pub fn set_account(&mut self, address: Address, info: Option<AccountInfo>) {
        let entry = self.changed.entry(address).or_default();
        if info.is_none() {
            entry.storage_cleared = true;
            entry.storage.clear();
        }
        entry.info = info;
    }

    /// Applies one transaction's (or system call's) changes, with post-EIP-161 semantics.
    pub fn commit(&mut self, changes: EvmState) {
        for (address, account) in changes {
            if !account.is_touched() {
                continue;
            }
            if account.is_selfdestructed() || (account.is_empty() && !account.is_created()) {
                // EIP-161: a touched account that is empty is removed.
                self.set_account(address, None);
                continue;
            }
            if let Some(code) = &account.info.code {
                if account.info.code_hash != KECCAK_EMPTY {
                    self.codes.codes.entry(account.info.code_hash).or_insert_with(|| code.clone());
                }
            }
            let entry = self.changed.entry(address).or_default();
            if account.is_created() {
                // A new account starts from empty storage even if the address had some.
                entry.storage_cleared = true;
                entry.storage.clear();
            }
            for (slot, value) in account.storage.iter() {
                if value.is_changed() || account.is_created() {
                    entry.storage.insert(*slot, value.present_value());
                }
            }
            entry.info = Some(account.info);
        }
    }

    /// Writes the block's changes into the tries and returns the new state root. `keep` adds
    /// the new nodes to the store (witness generation keeps the whole state).
    pub fn state_root(&mut self, keep: bool) -> Result<B256, WitnessError> {
        let changed = std::mem::take(&mut self.changed);
        for (address, change) in changed {
            let key = keccak256(address);
            let Some(mut info) = change.info else {
                self.accounts.set(self.nodes, key.as_slice(), Vec::new())?;
                continue;
            };
            let pre = self.pre_account(address)?;
            let mut trie = match (&pre, change.storage_cleared) {
                (Some(account), false) => self
                    .storage_tries
                    .remove(&address)
                    .unwrap_or_else(|| Trie::new(account.storage_root)),
                _ => Trie::empty(),
            };
            for (slot, value) in &change.storage {
                let mut encoded = Vec::new();
                if !value.is_zero() {
                    rlp::encode_uint(&value.to_be_bytes::<32>(), &mut encoded);
                }
                trie.set(self.nodes, keccak256(slot.to_be_bytes::<32>()).as_slice(), encoded)?;
            }
            let storage_root = trie.root(if keep { Some(self.nodes) } else { None });
            if info.code_hash == B256::ZERO {
                info.code_hash = KECCAK_EMPTY;
            }
            self.accounts.set(self.nodes, key.as_slice(), encode_account(&info, storage_root))?;
        }
        Ok(self.accounts.root(if keep { Some(self.nodes) } else { None }))
    }
}

impl Database for BlockState<'_> {
    type Error = WitnessError;

    fn basic(&mut self, address: Address) -> Result<Option<AccountInfo>, WitnessError> {
        if let Some(change) = self.changed.get(&address) {
            return Ok(change.info.clone());
        }
        let Some(account) = self.pre_account(address)? else { return Ok(None) };
        let code = self.codes.get(account.code_hash)?;
        Ok(Some(AccountInfo::new(account.balance, account.nonce, account.code_hash, code)))
    }

    fn code_by_hash(&mut self, code_hash: B256) -> Result<Bytecode, WitnessError> {
        self.codes.get(code_hash)
    }

    fn storage(
        &mut self,
        address: Address,
        index: StorageKey,
    ) -> Result<StorageValue, WitnessError> {
        if let Some(change) = self.changed.get(&address) {
            if let Some(value) = change.storage.get(&index) {
                return Ok(*value);
            }
            if change.storage_cleared {
                return Ok(U256::ZERO);
            }
        }
        self.pre_storage(address, index)
    }

    fn block_hash(&mut self, number: u64) -> Result<B256, WitnessError> {
        self.hashes_read.insert(number);
        self.block_hashes.get(&number).copied().ok_or(WitnessError::MissingHeader(number))
    }
}
