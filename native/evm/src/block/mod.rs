//! Stateless block validation: a blockchain test's chain, each block checked against its parent
//! and executed from its execution witness alone (execution-specs' `state_transition`, Paris to
//! Osaka). The guest and the host run this same code; the host's witness generation runs it
//! over a store holding the whole state and keeps what it read (see [`witness`]).

pub mod fork;
pub mod header;
mod system;
mod transaction;
#[cfg(feature = "host")]
pub mod witness;

use crate::mpt::NodeStore;
use crate::rlp::{self, Item};
use crate::stateless::{BlockState, CodeStore, WitnessError};
use crate::trie::trie_root;
use fork::{Fork, Schedule};
use header::{Header, GAS_PER_BLOB};
use revm::context::result::{EVMError, ExecutionResult};
use revm::context::BlockEnv;
use revm::context_interface::block::BlobExcessGasAndPrice;
use revm::primitives::{Address, Log, B256, U256};
use revm::{Context, ExecuteEvm, MainBuilder, MainContext};
use std::collections::{BTreeMap, HashMap};
use zkprof_types::{BlockCycles, BlockOutput, ChainInput, ChainOutput};

/// A block that is not valid: the reason, starting with an EEST exception name where one fits.
pub type Rejection = String;

/// What importing a block did: rejected, or valid with its header and counts.
pub struct Imported {
    pub header: Header,
    pub gas_used: u64,
    pub transactions: u64,
    pub state_root: B256,
}

/// Validates every block of a chain from its witnesses.
pub fn validate_chain(input: ChainInput, cycles: &dyn Fn() -> u64) -> ChainOutput {
    #[cfg(feature = "accelerators")]
    zkprof_accelerators::install();
    let mut out = ChainOutput::default();
    let Some(schedule) = Schedule::parse(&input.network) else {
        out.witness_error =
            Some(format!("network {:?} is not a post-merge network", input.network));
        return out;
    };
    let genesis = match header::decode_bytes(&input.genesis_header) {
        Ok(genesis) => genesis,
        Err(e) => {
            out.witness_error = Some(format!("genesis header: {e}"));
            return out;
        }
    };
    let mut known: HashMap<B256, Header> = HashMap::new();
    let mut head = genesis.clone();
    known.insert(genesis.hash, genesis);
    for block in input.blocks {
        let start = cycles();
        let mut nodes = NodeStore::from_nodes(block.witness.nodes);
        let mut codes = CodeStore::from_codes(block.witness.codes);
        let ancestors = ancestor_hashes(&block.witness.headers);
        let witnessed = cycles();
        let mut root_cycles = 0;
        let run = ancestors.and_then(|(parent, hashes)| {
            let ctx = BlockContext { schedule, chain_id: input.chain_id, block_hashes: &hashes };
            let mut stores = Stores {
                nodes: &mut nodes,
                codes: &mut codes,
                keep: false,
                hashes_read: Default::default(),
            };
            import(&block.rlp, &known, parent, &ctx, &mut stores, cycles, &mut root_cycles)
        });
        let done = cycles();
        let region = BlockCycles {
            witness: witnessed - start,
            execution: (done - witnessed).saturating_sub(root_cycles),
            state_root: root_cycles,
        };
        let block_out = match run {
            Err(e) => {
                out.witness_error = Some(format!("block {}: {e}", out.blocks.len() + 1));
                break;
            }
            Ok((number, hash, verdict)) => {
                record(number, hash, verdict, region, &mut known, &mut head)
            }
        };
        out.blocks.push(block_out);
    }
    out.head_hash = head.hash.0;
    out.head_state_root = head.state_root.0;
    out.accelerator_calls = crate::accelerator_calls();
    out
}

/// The output row of an imported or rejected block; a valid one becomes the head.
pub(crate) fn record(
    number: u64,
    hash: B256,
    verdict: Result<Imported, Rejection>,
    cycles: BlockCycles,
    known: &mut HashMap<B256, Header>,
    head: &mut Header,
) -> BlockOutput {
    let mut out = BlockOutput {
        number,
        hash: hash.0,
        rejected: None,
        gas_used: 0,
        transactions: 0,
        state_root: [0; 32],
        cycles,
    };
    match verdict {
        Err(reason) => out.rejected = Some(reason),
        Ok(imported) => {
            out.gas_used = imported.gas_used;
            out.transactions = imported.transactions;
            out.state_root = imported.state_root.0;
            *head = imported.header.clone();
            known.insert(imported.header.hash, imported.header);
        }
    }
    out
}

/// The witness's headers, authenticated as a chain: the first one's hash (the parent's; none for
/// a block rejected before it reads the state), and number -> hash of every header (BLOCKHASH's
/// answers).
fn ancestor_hashes(
    headers: &[Vec<u8>],
) -> Result<(Option<B256>, BTreeMap<u64, B256>), WitnessError> {
    let chain_err = |e: String| WitnessError::HeaderChain(e);
    let mut hashes = BTreeMap::new();
    let mut expected_parent: Option<B256> = None;
    let mut first = None;
    for (i, bytes) in headers.iter().enumerate() {
        let h = header::decode_bytes(bytes).map_err(|e| chain_err(format!("header {i}: {e}")))?;
        if let Some(expected) = expected_parent {
            if h.hash != expected {
                return Err(chain_err(format!("header {i} is not the parent of header {}", i - 1)));
            }
        }
        expected_parent = Some(h.parent_hash);
        first.get_or_insert(h.hash);
        hashes.insert(h.number, h.hash);
    }
    Ok((first, hashes))
}

/// Where a block's pre-state is read from. `keep`: add the new state's nodes to the store
/// (witness generation keeps the whole state). `hashes_read`: the block numbers BLOCKHASH read.
pub struct Stores<'a> {
    pub nodes: &'a mut NodeStore,
    pub codes: &'a mut CodeStore,
    pub keep: bool,
    pub hashes_read: std::collections::BTreeSet<u64>,
}

/// The parts of the chain a block's rules read.
pub struct BlockContext<'a> {
    pub schedule: Schedule,
    pub chain_id: u64,
    pub block_hashes: &'a BTreeMap<u64, B256>,
}

/// Imports one block: `Ok((number, hash, verdict))` where the verdict is valid or the rejection;
/// `Err` when the witness could not serve it. `witness_parent`, when given, is the parent hash the
/// witness's headers start from, which must be the block's. `root_cycles` gets the cycles of the
/// state-root computation.
pub fn import(
    rlp_bytes: &[u8],
    known: &HashMap<B256, Header>,
    witness_parent: Option<B256>,
    ctx: &BlockContext<'_>,
    stores: &mut Stores<'_>,
    cycles: &dyn Fn() -> u64,
    root_cycles: &mut u64,
) -> Result<(u64, B256, Result<Imported, Rejection>), WitnessError> {
    let parsed = rlp::decode_one(rlp_bytes)
        .and_then(|item| item.list())
        .map_err(|e| format!("RLP_STRUCTURES_ENCODING: {e}"));
    let parts = match parsed {
        Ok(parts) if (3..=4).contains(&parts.len()) => parts,
        Ok(parts) => {
            return Ok((
                0,
                B256::ZERO,
                Err(format!(
                    "RLP_STRUCTURES_ENCODING: a block has 3 or 4 parts, not {}",
                    parts.len()
                )),
            ))
        }
        Err(e) => return Ok((0, B256::ZERO, Err(e))),
    };
    let header = match header::decode(&parts[0]) {
        Ok(h) => h,
        Err(e) => return Ok((0, B256::ZERO, Err(format!("RLP_STRUCTURES_ENCODING: header: {e}")))),
    };
    let (number, hash) = (header.number, header.hash);
    let Some(parent) = known.get(&header.parent_hash) else {
        return Ok((
            number,
            hash,
            Err("UNKNOWN_PARENT: the parent is not a valid block of this chain".into()),
        ));
    };
    if let Some(witnessed) = witness_parent {
        if witnessed != parent.hash {
            return Err(WitnessError::HeaderChain(
                "the first header is not the block's parent".into(),
            ));
        }
    }
    let mut state =
        BlockState::new(stores.nodes, stores.codes, parent.state_root, ctx.block_hashes);
    let verdict =
        execute(&parts, header, parent, ctx, &mut state, stores.keep, cycles, root_cycles);
    stores.hashes_read = std::mem::take(&mut state.hashes_read);
    Ok((number, hash, verdict?))
}

struct Withdrawal {
    address: Address,
    amount_gwei: u64,
}

fn decode_withdrawals(item: &Item<'_>) -> Result<(Vec<Withdrawal>, Vec<Vec<u8>>), rlp::RlpError> {
    let mut withdrawals = Vec::new();
    let mut encoded = Vec::new();
    for entry in item.list()? {
        let [index, validator, address, amount] = entry.list()?[..] else {
            return Err(rlp::RlpError("a withdrawal has 4 fields".into()));
        };
        index.u64()?;
        validator.u64()?;
        withdrawals.push(Withdrawal {
            address: Address::from(address.fixed::<20>()?),
            amount_gwei: amount.u64()?,
        });
        encoded.push(entry.raw.to_vec());
    }
    Ok((withdrawals, encoded))
}

fn index_key(i: usize) -> Vec<u8> {
    let mut key = Vec::new();
    rlp::encode_u64(i as u64, &mut key);
    key
}

/// Adds a log's address and topics to a 2048-bit bloom (Yellow Paper, 4.3.1).
fn add_to_bloom(bloom: &mut [u8; 256], log: &Log) {
    let mut add = |bytes: &[u8]| {
        let h = revm::primitives::keccak256(bytes);
        for i in [0, 2, 4] {
            let bit = (u16::from_be_bytes([h[i], h[i + 1]]) & 2047) as usize;
            bloom[255 - bit / 8] |= 1 << (bit % 8);
        }
    };
    add(log.address.as_slice());
    for topic in log.topics() {
        add(topic.as_slice());
    }
}

// One block's whole state transition; its inputs are the block's parts and the chain's view.
#[allow(clippy::too_many_arguments)]
fn execute(
    parts: &[Item<'_>],
    header: Header,
    parent: &Header,
    ctx: &BlockContext<'_>,
    state: &mut BlockState<'_>,
    keep: bool,
    cycles: &dyn Fn() -> u64,
    root_cycles: &mut u64,
) -> Result<Result<Imported, Rejection>, WitnessError> {
    macro_rules! reject {
        ($($arg:tt)*) => { return Ok(Err(format!($($arg)*))) };
    }
    let fork = ctx.schedule.at(header.timestamp);
    let parent_fork = ctx.schedule.at(parent.timestamp);
    if let Err(reason) = header.validate(parent, fork, parent_fork) {
        return Ok(Err(reason));
    }
    if parts.len() != if fork >= Fork::Shanghai { 4 } else { 3 } {
        reject!(
            "RLP_STRUCTURES_ENCODING: a {fork:?} block has {} parts",
            if fork >= Fork::Shanghai { 4 } else { 3 }
        );
    }
    match parts[2].list() {
        Ok(ommers) if ommers.is_empty() => {}
        Ok(_) => reject!("INVALID_HEADER: a post-merge block has no ommers"),
        Err(e) => reject!("RLP_STRUCTURES_ENCODING: ommers: {e}"),
    }
    let tx_items = match parts[1].list() {
        Ok(items) => items,
        Err(e) => reject!("RLP_STRUCTURES_ENCODING: transactions: {e}"),
    };
    let mut txs = Vec::with_capacity(tx_items.len());
    for (i, item) in tx_items.iter().enumerate() {
        match transaction::decode(item, ctx.chain_id) {
            Ok(tx) => txs.push(tx),
            Err(reason) => reject!("{reason} (transaction {i})"),
        }
    }
    let tx_root = trie_root(txs.iter().enumerate().map(|(i, t)| (index_key(i), &t.encoded)));
    if tx_root != header.transactions_root.0 {
        reject!("INVALID_TRANSACTIONS_ROOT: the transactions do not hash to the header's root");
    }
    let withdrawals = if fork >= Fork::Shanghai {
        match decode_withdrawals(&parts[3]) {
            Ok((withdrawals, encoded)) => {
                let root = trie_root(encoded.iter().enumerate().map(|(i, w)| (index_key(i), w)));
                if Some(B256::from(root)) != header.withdrawals_root {
                    reject!("INVALID_WITHDRAWALS_ROOT: the withdrawals do not hash to the header's root");
                }
                withdrawals
            }
            Err(e) => reject!("RLP_STRUCTURES_ENCODING: withdrawals: {e}"),
        }
    } else {
        Vec::new()
    };

    let spec = fork.spec();
    let cfg = crate::cfg_env(spec, ctx.chain_id);
    let params = fork.blob_params();
    let block = BlockEnv {
        number: U256::from(header.number),
        beneficiary: header.coinbase,
        timestamp: U256::from(header.timestamp),
        gas_limit: header.gas_limit,
        basefee: header.base_fee.unwrap_or(0),
        difficulty: U256::ZERO,
        prevrandao: Some(header.mix_hash),
        blob_excess_gas_and_price: header
            .excess_blob_gas
            .map(|excess| BlobExcessGasAndPrice::new(excess, params.update_fraction)),
        slot_num: 0,
    };
    let env = system::Env { cfg: &cfg, block: &block };
    if let Err(reason) = system::before_transactions(state, &env, &header, fork)? {
        return Ok(Err(reason));
    }

    let mut gas_used = 0u64;
    let mut blob_gas_used = 0u64;
    let mut bloom = [0u8; 256];
    let mut receipts = Vec::with_capacity(txs.len());
    let mut logs = Vec::new();
    for (i, tx) in txs.iter().enumerate() {
        let gas_limit = crate::word_u64(&tx.tx.gas_limit).unwrap_or(u64::MAX);
        if gas_limit > header.gas_limit - gas_used {
            reject!(
                "GAS_ALLOWANCE_EXCEEDED: transaction {i} needs more gas than the block has left"
            );
        }
        let blob_gas = tx.tx.blob_versioned_hashes.len() as u64 * GAS_PER_BLOB;
        if blob_gas_used + blob_gas > params.max_gas() {
            reject!("TYPE_3_TX_MAX_BLOB_GAS_ALLOWANCE_EXCEEDED: transaction {i}");
        }
        let tx_env = match crate::tx_env(&tx.tx, spec) {
            Ok(env) => env,
            Err(kind) => reject!("{kind} (transaction {i})"),
        };
        let mut evm = Context::mainnet()
            .with_db(&mut *state)
            .with_cfg(cfg.clone())
            .with_block(block.clone())
            .build_mainnet();
        let result = match evm.transact(tx_env) {
            Ok(result) => result,
            Err(EVMError::Database(e)) => return Err(e),
            Err(EVMError::Transaction(e)) => {
                reject!("{} (transaction {i})", crate::invalid_transaction_kind(&e))
            }
            Err(other) => reject!("EVM_ERROR: {other} (transaction {i})"),
        };
        drop(evm);
        gas_used += result.result.tx_gas_used();
        blob_gas_used += blob_gas;
        let (success, tx_logs) = match result.result {
            ExecutionResult::Success { logs, .. } => (true, logs),
            ExecutionResult::Revert { logs, .. } | ExecutionResult::Halt { logs, .. } => {
                (false, logs)
            }
        };
        let mut tx_bloom = [0u8; 256];
        for log in &tx_logs {
            add_to_bloom(&mut tx_bloom, log);
        }
        for (b, t) in bloom.iter_mut().zip(tx_bloom) {
            *b |= t;
        }
        let mut payload = Vec::new();
        rlp::encode_u64(success as u64, &mut payload);
        rlp::encode_u64(gas_used, &mut payload);
        rlp::encode_bytes(&tx_bloom, &mut payload);
        crate::state::encode_logs(&tx_logs, &mut payload);
        let mut receipt = Vec::new();
        if tx.tx.tx_type != 0 {
            receipt.push(tx.tx.tx_type);
        }
        rlp::encode_list(&payload, &mut receipt);
        receipts.push(receipt);
        state.commit(result.state);
        logs.extend(tx_logs);
    }

    for w in &withdrawals {
        let mut info = state.account(w.address)?.unwrap_or_default();
        info.balance =
            info.balance.saturating_add(U256::from(w.amount_gwei) * U256::from(1_000_000_000u64));
        // A withdrawal of nothing to an empty account leaves it absent (EIP-161 rules).
        let empty = info.is_empty();
        state.set_account(w.address, (!empty).then_some(info));
    }
    let requests_hash = match system::after_transactions(state, &env, &logs, fork)? {
        Ok(hash) => hash,
        Err(reason) => return Ok(Err(reason)),
    };

    if gas_used != header.gas_used {
        reject!("INVALID_GAS_USED: {gas_used} used, the header says {}", header.gas_used);
    }
    if fork >= Fork::Cancun && Some(blob_gas_used) != header.blob_gas_used {
        reject!(
            "INCORRECT_BLOB_GAS_USED: {blob_gas_used} used, the header says {:?}",
            header.blob_gas_used
        );
    }
    if bloom != header.bloom {
        reject!("INVALID_LOG_BLOOM: the logs do not give the header's bloom");
    }
    let receipts_root = trie_root(receipts.iter().enumerate().map(|(i, r)| (index_key(i), r)));
    if receipts_root != header.receipts_root.0 {
        reject!("INVALID_RECEIPTS_ROOT: the receipts do not hash to the header's root");
    }
    if requests_hash != header.requests_hash {
        reject!("INVALID_REQUESTS: the requests do not hash to the header's requests hash");
    }
    let start = cycles();
    let root = state.state_root(keep);
    *root_cycles = cycles() - start;
    let state_root = root?;
    if state_root != header.state_root {
        reject!("INVALID_STATE_ROOT: computed {state_root}, the header says {}", header.state_root);
    }
    Ok(Ok(Imported { gas_used, transactions: txs.len() as u64, state_root, header }))
}
