//! Runs one Ethereum state-test case with revm and computes its post-state root and logs hash.
//!
//! The same code runs natively on the host (reference results, witness generation) and inside
//! the RISC Zero guest, so it is pure Rust and deterministic.

pub mod block;
pub mod mpt;
mod rlp;
mod state;
pub mod stateless;
pub mod trie;

#[cfg(feature = "host")]
mod host;
#[cfg(feature = "host")]
pub use host::{input_from_case_json, state_root_of_json};

pub use revm;
pub use state::{logs_hash, pre_state_root, EMPTY_LOGS_HASH};
pub use zkprof_types as types;

use revm::context::result::{EVMError, ExecutionResult, InvalidHeader, InvalidTransaction};
use revm::context::{BlockEnv, CfgEnv, TxEnv};
use revm::context_interface::block::BlobExcessGasAndPrice;
use revm::context_interface::either::Either;
use revm::context_interface::transaction::{
    AccessList, AccessListItem, Authorization, SignedAuthorization,
};
use revm::primitives::hardfork::SpecId;
use revm::primitives::{Address, Bytes, Log, TxKind, B256, U256};
use revm::state::EvmState;
use revm::{Context, ExecuteEvm, MainBuilder, MainContext};
use zkprof_types::{
    AcceleratorCalls, EvmInput, EvmOutput, GuestInput, GuestOutput, Outcome, RegionCycles,
    Transaction, Word,
};

/// ethereum/tests fork names and the revm spec each runs with.
///
/// "Constantinople" (with EIP-1283) is left out on purpose: revm has no such spec, only
/// Petersburg ("ConstantinopleFix"), and running it as Petersburg would give wrong SSTORE gas.
const FORKS: &[(&str, SpecId)] = &[
    ("Frontier", SpecId::FRONTIER),
    ("Homestead", SpecId::HOMESTEAD),
    ("EIP150", SpecId::TANGERINE),
    ("EIP158", SpecId::SPURIOUS_DRAGON),
    ("Byzantium", SpecId::BYZANTIUM),
    ("ConstantinopleFix", SpecId::PETERSBURG),
    ("Istanbul", SpecId::ISTANBUL),
    ("Berlin", SpecId::BERLIN),
    ("London", SpecId::LONDON),
    ("Paris", SpecId::MERGE),
    ("Merge", SpecId::MERGE),
    ("Shanghai", SpecId::SHANGHAI),
    ("Cancun", SpecId::CANCUN),
    ("Prague", SpecId::PRAGUE),
    ("Osaka", SpecId::OSAKA),
];

const FORK_NAMES: &[&str] = &{
    let mut names = [""; FORKS.len()];
    let mut i = 0;
    while i < FORKS.len() {
        names[i] = FORKS[i].0;
        i += 1;
    }
    names
};

/// The ethereum/tests fork names [`execute`] supports. Transition forks are not supported.
pub fn supported_forks() -> &'static [&'static str] {
    FORK_NAMES
}

fn spec_for(fork: &str) -> Option<SpecId> {
    FORKS.iter().find(|(name, _)| *name == fork).map(|(_, s)| *s)
}

/// The `Rejected` kind for a fork that [`supported_forks`] does not list.
pub const UNSUPPORTED_FORK: &str = "UNSUPPORTED_FORK";
/// The `Rejected` kind for a fee field that is valid in Ethereum but above revm's `u128`.
pub const UNSUPPORTED_FEE_ABOVE_U128: &str = "UNSUPPORTED_FEE_ABOVE_U128";

/// Runs what an EVM guest was given: a state-test case or a chain. `decode` is the cycles the
/// caller spent decoding the input, recorded in the output.
pub fn run(input: GuestInput, decode: u64, cycles: &dyn Fn() -> u64) -> GuestOutput {
    match input {
        GuestInput::StateTest(case) => {
            let mut out = execute(&case, cycles);
            out.region_cycles.decode = decode;
            GuestOutput::StateTest(Box::new(out))
        }
        GuestInput::Chain(chain) => {
            let mut out = block::validate_chain(chain, cycles);
            out.decode_cycles = decode;
            GuestOutput::Chain(out)
        }
    }
}

/// Runs one state-test case.
///
/// `cycles` is read at region boundaries: `region_cycles.transaction` covers building the
/// pre-state, environment and transaction and running it through revm; `region_cycles.state_root`
/// covers committing the changes and computing the state root and logs hash. Decoding the input
/// happens before this call, so `region_cycles.decode` is left 0 for the caller to fill in.
///
/// A transaction that is invalid (in the sense of the test's `expectException`) yields
/// [`Outcome::Rejected`] with an EEST `TransactionException` name (without the prefix, e.g.
/// `INTRINSIC_GAS_TOO_LOW`), zero gas and the pre-state root. Besides those, the kinds are
/// [`UNSUPPORTED_FORK`], [`UNSUPPORTED_FEE_ABOVE_U128`], `HEADER_PREVRANDAO_NOT_SET` and
/// `HEADER_EXCESS_BLOB_GAS_NOT_SET` (the fork needs an `env` field that is missing).
pub fn execute(input: &EvmInput, cycles: &dyn Fn() -> u64) -> EvmOutput {
    #[cfg(feature = "accelerators")]
    zkprof_accelerators::install();
    let start = cycles();
    let mut world = state::from_pre(&input.pre);
    let run = match spec_for(&input.fork) {
        Some(spec) => run_transaction(input, spec, &world),
        None => Err(UNSUPPORTED_FORK.to_string()),
    };
    let executed = cycles();

    let (outcome, gas_used, logs_hash) = match run {
        Ok(done) => {
            state::commit(&mut world, done.changes);
            (done.outcome, done.gas_used, state::logs_hash(&done.logs))
        }
        Err(kind) => (Outcome::Rejected(kind), 0, EMPTY_LOGS_HASH),
    };
    let state_root = state::state_root(&world);
    let done = cycles();

    EvmOutput {
        outcome,
        gas_used,
        state_root,
        logs_hash,
        region_cycles: RegionCycles {
            decode: 0,
            transaction: executed.saturating_sub(start),
            state_root: done.saturating_sub(executed),
        },
        accelerator_calls: accelerator_calls(),
    }
}

pub(crate) fn accelerator_calls() -> AcceleratorCalls {
    #[cfg(feature = "accelerators")]
    return zkprof_accelerators::calls();
    #[cfg(not(feature = "accelerators"))]
    AcceleratorCalls::default()
}

/// revm's configuration for a fork. Senders are recovered (blocks) or given (state tests)
/// before revm runs, and blocks check each signature's chain id when decoding, so revm's own
/// chain-id check is off.
pub(crate) fn cfg_env(spec: SpecId, chain_id: u64) -> CfgEnv {
    let mut cfg = CfgEnv::new_with_spec(spec);
    cfg.chain_id = chain_id;
    cfg.tx_chain_id_check = false;
    // Per-transaction blob limit: the per-block maximum until Osaka's EIP-7594 cap of 6.
    cfg.max_blobs_per_tx = Some(if spec.is_enabled_in(SpecId::OSAKA) {
        6
    } else if spec.is_enabled_in(SpecId::PRAGUE) {
        9
    } else {
        6
    });
    cfg
}

struct Executed {
    outcome: Outcome,
    gas_used: u64,
    logs: Vec<Log>,
    changes: EvmState,
}

fn run_transaction(
    input: &EvmInput,
    spec: SpecId,
    world: &state::WorldState,
) -> Result<Executed, String> {
    let tx = tx_env(&input.tx, spec)?;
    // Senders are resolved before this point, so the signature's chain id plays no part.
    let cfg = cfg_env(spec, 1);
    let blob_fraction = cfg.blob_base_fee_update_fraction();

    let env = &input.env;
    let block = BlockEnv {
        number: U256::from_be_bytes(env.number),
        beneficiary: Address::from(env.coinbase),
        timestamp: U256::from_be_bytes(env.timestamp),
        gas_limit: env.gas_limit,
        basefee: env.base_fee.unwrap_or(0),
        difficulty: U256::from_be_bytes(env.difficulty),
        prevrandao: env.prev_randao.map(B256::from),
        // Blob gas price from the fork's update fraction (EIP-4844, then EIP-7691 from Prague).
        blob_excess_gas_and_price: if spec.is_enabled_in(SpecId::CANCUN) {
            env.excess_blob_gas.map(|excess| BlobExcessGasAndPrice::new(excess, blob_fraction))
        } else {
            None
        },
        slot_num: 0,
    };

    let mut db = state::PreStateDb { state: world };
    let mut evm =
        Context::mainnet().with_db(&mut db).with_cfg(cfg).with_block(block).build_mainnet();
    let result = evm.transact(tx).map_err(|e| match e {
        EVMError::Transaction(e) => invalid_transaction_kind(&e),
        EVMError::Header(InvalidHeader::PrevrandaoNotSet) => "HEADER_PREVRANDAO_NOT_SET".into(),
        EVMError::Header(InvalidHeader::ExcessBlobGasNotSet) => {
            "HEADER_EXCESS_BLOB_GAS_NOT_SET".into()
        }
        EVMError::Database(never) => match never {},
        other => format!("EVM_ERROR: {other}"),
    })?;

    let gas_used = result.result.tx_gas_used();
    let (outcome, logs) = match result.result {
        ExecutionResult::Success { logs, .. } => (Outcome::Success, logs),
        ExecutionResult::Revert { logs, .. } => (Outcome::Revert, logs),
        ExecutionResult::Halt { reason, logs, .. } => (Outcome::Halt(format!("{reason:?}")), logs),
    };
    Ok(Executed { outcome, gas_used, logs, changes: result.state })
}

fn fits_in(word: &Word, bytes: usize) -> bool {
    word[..32 - bytes].iter().all(|&b| b == 0)
}

pub(crate) fn word_u64(word: &Word) -> Option<u64> {
    fits_in(word, 8).then(|| u64::from_be_bytes(word[24..].try_into().unwrap()))
}

fn word_u128(word: &Word) -> Option<u128> {
    fits_in(word, 16).then(|| u128::from_be_bytes(word[16..].try_into().unwrap()))
}

fn fee(word: &Option<Word>) -> Result<u128, String> {
    word_u128(&word.unwrap_or_default()).ok_or_else(|| UNSUPPORTED_FEE_ABOVE_U128.to_string())
}

/// Builds revm's transaction; fields revm cannot hold, and rules revm leaves to the decoder,
/// become rejection kinds here.
pub(crate) fn tx_env(tx: &Transaction, spec: SpecId) -> Result<TxEnv, String> {
    if tx.tx_type > 4 {
        return Err("TYPE_NOT_SUPPORTED".into());
    }
    // Blob and set-code transactions have no creation form; revm assumes a decoder checked it.
    if tx.to.is_none() {
        if tx.tx_type == 3 && spec.is_enabled_in(SpecId::CANCUN) {
            return Err("TYPE_3_TX_CONTRACT_CREATION".into());
        }
        if tx.tx_type == 4 && spec.is_enabled_in(SpecId::PRAGUE) {
            return Err("TYPE_4_TX_CONTRACT_CREATION".into());
        }
    }
    // Nonces must be below 2^64 (EIP-2681); a gas limit of 2^64 or more exceeds any block's.
    let nonce = word_u64(&tx.nonce).ok_or("NONCE_TOO_BIG")?;
    let gas_limit = word_u64(&tx.gas_limit).ok_or("GAS_ALLOWANCE_EXCEEDED")?;
    let dynamic_fee = tx.tx_type >= 2;
    let gas_price = if dynamic_fee { fee(&tx.max_fee_per_gas)? } else { fee(&tx.gas_price)? };
    let gas_priority_fee =
        if dynamic_fee { Some(fee(&tx.max_priority_fee_per_gas)?) } else { None };
    let access_list = if tx.tx_type >= 1 {
        tx.access_list
            .iter()
            .map(|item| AccessListItem {
                address: Address::from(item.address),
                storage_keys: item.storage_keys.iter().copied().map(B256::from).collect(),
            })
            .collect()
    } else {
        Vec::new()
    };
    let (blob_hashes, max_fee_per_blob_gas) = if tx.tx_type == 3 {
        (
            tx.blob_versioned_hashes.iter().copied().map(B256::from).collect(),
            fee(&tx.max_fee_per_blob_gas)?,
        )
    } else {
        (Vec::new(), 0)
    };
    let authorization_list = if tx.tx_type == 4 {
        tx.authorization_list
            .iter()
            .map(|auth| {
                // Out-of-range nonce or y parity cannot be encoded, so the whole tx is invalid;
                // a well-formed but bad signature only makes revm skip that authorization.
                let nonce = word_u64(&auth.nonce);
                let y_parity = fits_in(&auth.y_parity, 1).then_some(auth.y_parity[31]);
                let (Some(nonce), Some(y_parity)) = (nonce, y_parity) else {
                    return Err("TYPE_4_INVALID_AUTHORIZATION_FORMAT".to_string());
                };
                let inner = Authorization {
                    chain_id: U256::from_be_bytes(auth.chain_id),
                    address: Address::from(auth.address),
                    nonce,
                };
                Ok(Either::Left(SignedAuthorization::new_unchecked(
                    inner,
                    y_parity,
                    U256::from_be_bytes(auth.r),
                    U256::from_be_bytes(auth.s),
                )))
            })
            .collect::<Result<Vec<_>, String>>()?
    } else {
        Vec::new()
    };

    Ok(TxEnv {
        tx_type: tx.tx_type,
        caller: Address::from(tx.sender),
        gas_limit,
        gas_price,
        kind: match tx.to {
            Some(to) => TxKind::Call(Address::from(to)),
            None => TxKind::Create,
        },
        value: U256::from_be_bytes(tx.value),
        data: Bytes::copy_from_slice(&tx.data),
        nonce,
        chain_id: (tx.tx_type >= 1).then_some(1),
        access_list: AccessList(access_list),
        gas_priority_fee,
        blob_hashes,
        max_fee_per_blob_gas,
        authorization_list,
    })
}

/// EEST `TransactionException` name (without the prefix) of a revm validation error.
pub(crate) fn invalid_transaction_kind(e: &InvalidTransaction) -> String {
    use InvalidTransaction as E;
    let kind = match e {
        E::PriorityFeeGreaterThanMaxFee => "PRIORITY_GREATER_THAN_MAX_FEE_PER_GAS",
        E::GasPriceLessThanBasefee => "INSUFFICIENT_MAX_FEE_PER_GAS",
        E::CallerGasLimitMoreThanBlock => "GAS_ALLOWANCE_EXCEEDED",
        E::CallGasCostMoreThanGasLimit { .. } => "INTRINSIC_GAS_TOO_LOW",
        E::GasFloorMoreThanGasLimit { .. } => "INTRINSIC_GAS_BELOW_FLOOR_GAS_COST",
        E::RejectCallerWithCode => "SENDER_NOT_EOA",
        E::LackOfFundForMaxFee { .. } => "INSUFFICIENT_ACCOUNT_FUNDS",
        E::OverflowPaymentInTransaction => "GASLIMIT_PRICE_PRODUCT_OVERFLOW",
        E::NonceOverflowInTransaction => "NONCE_IS_MAX",
        E::NonceTooHigh { .. } => "NONCE_MISMATCH_TOO_HIGH",
        E::NonceTooLow { .. } => "NONCE_MISMATCH_TOO_LOW",
        E::CreateInitCodeSizeLimit => "INITCODE_SIZE_EXCEEDED",
        E::InvalidChainId | E::MissingChainId => "INVALID_CHAINID",
        E::TxGasLimitGreaterThanCap { .. } => "GAS_LIMIT_EXCEEDS_MAXIMUM",
        E::Eip2930NotSupported | E::Eip1559NotSupported | E::AccessListNotSupported => {
            "TYPE_NOT_SUPPORTED"
        }
        E::Eip4844NotSupported
        | E::MaxFeePerBlobGasNotSupported
        | E::BlobVersionedHashesNotSupported => "TYPE_3_TX_PRE_FORK",
        E::BlobGasPriceGreaterThanMax { .. } => "INSUFFICIENT_MAX_FEE_PER_BLOB_GAS",
        E::EmptyBlobs => "TYPE_3_TX_ZERO_BLOBS",
        E::BlobCreateTransaction => "TYPE_3_TX_CONTRACT_CREATION",
        E::TooManyBlobs { .. } => "TYPE_3_TX_BLOB_COUNT_EXCEEDED",
        E::BlobVersionNotSupported => "TYPE_3_TX_INVALID_BLOB_VERSIONED_HASH",
        E::Eip7702NotSupported | E::AuthorizationListNotSupported => "TYPE_4_TX_PRE_FORK",
        E::AuthorizationListInvalidFields => "TYPE_4_INVALID_AUTHORIZATION_FORMAT",
        E::EmptyAuthorizationList => "TYPE_4_EMPTY_AUTHORIZATION_LIST",
        E::Eip7873NotSupported | E::Eip7873MissingTarget => "TYPE_NOT_SUPPORTED",
        E::Str(s) => return format!("UNDEFINED: {s}"),
    };
    kind.to_string()
}
