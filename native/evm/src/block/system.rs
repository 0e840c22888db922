//! The system operations around a block's transactions: EIP-4788's beacon root and EIP-2935's
//! block hash before them; from Prague, the EIP-7685 requests after them (EIP-6110 deposits
//! from the deposit contract's logs, EIP-7002 withdrawals and EIP-7251 consolidations from their
//! system contracts).

use super::fork::Fork;
use super::header::Header;
use super::Rejection;
use crate::stateless::{BlockState, WitnessError};
use revm::context::result::{EVMError, ExecutionResult};
use revm::context::{BlockEnv, CfgEnv};
use revm::primitives::{address, b256, Address, Bytes, Log, B256, KECCAK_EMPTY};
use revm::{Context, MainBuilder, MainContext, SystemCallEvm};

const BEACON_ROOTS: Address = address!("000F3df6D732807Ef1319fB7B8bB8522d0Beac02");
const HISTORY_STORAGE: Address = address!("0000F90827F1C53a10cb7A02335B175320002935");
const WITHDRAWAL_REQUESTS: Address = address!("00000961Ef480Eb55e80D19ad83579A64c007002");
const CONSOLIDATION_REQUESTS: Address = address!("0000BBdDc7CE488642fb579F8B00f3a590007251");
const DEPOSIT_CONTRACT: Address = address!("00000000219ab540356cBB839Cbe05303d7705Fa");
/// keccak256("DepositEvent(bytes,bytes,bytes,bytes,bytes)").
const DEPOSIT_EVENT: B256 =
    b256!("649bbc62d0e31342afea4e5cd82d4049e7e1ee912fc0889aa790803be39038c5");

pub struct Env<'a> {
    pub cfg: &'a CfgEnv,
    pub block: &'a BlockEnv,
}

/// Calls a system contract. `Ok(None)`: it has no code (skipped). A call that fails is returned
/// as such; `checked` calls (the requests' contracts) make that, and a missing contract, a
/// rejection.
fn call(
    state: &mut BlockState<'_>,
    env: &Env<'_>,
    contract: Address,
    data: Bytes,
    checked: bool,
) -> Result<Result<Option<Bytes>, Rejection>, WitnessError> {
    let has_code = state.account(contract)?.is_some_and(|a| a.code_hash != KECCAK_EMPTY);
    if !has_code {
        return Ok(if checked {
            Err(format!("SYSTEM_CONTRACT_EMPTY: no code at system contract {contract}"))
        } else {
            Ok(None)
        });
    }
    let mut evm = Context::mainnet()
        .with_db(&mut *state)
        .with_cfg(env.cfg.clone())
        .with_block(env.block.clone())
        .build_mainnet();
    let done = match evm.system_call(contract, data) {
        Ok(done) => done,
        Err(EVMError::Database(e)) => return Err(e),
        Err(other) => return Ok(Err(format!("SYSTEM_CONTRACT_CALL_FAILED: {contract}: {other}"))),
    };
    drop(evm);
    let output = match done.result {
        ExecutionResult::Success { output, .. } => output.into_data(),
        other if checked => {
            return Ok(Err(format!("SYSTEM_CONTRACT_CALL_FAILED: {contract}: {other:?}")))
        }
        _ => Bytes::new(),
    };
    state.commit(done.state);
    Ok(Ok(Some(output)))
}

pub fn before_transactions(
    state: &mut BlockState<'_>,
    env: &Env<'_>,
    header: &Header,
    fork: Fork,
) -> Result<Result<(), Rejection>, WitnessError> {
    if let (true, Some(root)) = (fork >= Fork::Cancun, header.parent_beacon_block_root) {
        if let Err(r) =
            call(state, env, BEACON_ROOTS, Bytes::copy_from_slice(root.as_slice()), false)?
        {
            return Ok(Err(r));
        }
    }
    if fork >= Fork::Prague {
        let parent = Bytes::copy_from_slice(header.parent_hash.as_slice());
        if let Err(r) = call(state, env, HISTORY_STORAGE, parent, false)? {
            return Ok(Err(r));
        }
    }
    Ok(Ok(()))
}

/// EIP-6110's request data of one DepositEvent log (its five ABI-encoded byte strings, checked
/// for the layout the deposit contract writes).
fn deposit_data(log: &Log) -> Result<Vec<u8>, Rejection> {
    let data = &log.data.data;
    let bad = || {
        Err("INVALID_DEPOSIT_EVENT_LAYOUT: a deposit log is not laid out as the contract writes it"
            .to_string())
    };
    // (offset of the length word, length): pubkey, withdrawal credentials, amount, signature, index.
    let fields = [(160usize, 48usize), (256, 32), (320, 8), (384, 96), (512, 8)];
    if data.len() != 576 {
        return bad();
    }
    let word = |at: usize| -> Option<usize> {
        let w = &data[at..at + 32];
        w[..24]
            .iter()
            .all(|&b| b == 0)
            .then(|| u64::from_be_bytes(w[24..].try_into().unwrap()) as usize)
    };
    let mut out = Vec::with_capacity(192);
    for (i, (offset, len)) in fields.iter().enumerate() {
        if word(i * 32) != Some(*offset) || word(*offset) != Some(*len) {
            return bad();
        }
        out.extend_from_slice(&data[offset + 32..offset + 32 + len]);
    }
    Ok(out)
}

/// The requests hash of a Prague block (`None` before Prague): sha256 over the sha256 of each
/// non-empty request list, prefixed with its type.
pub fn after_transactions(
    state: &mut BlockState<'_>,
    env: &Env<'_>,
    logs: &[Log],
    fork: Fork,
) -> Result<Result<Option<B256>, Rejection>, WitnessError> {
    if fork < Fork::Prague {
        return Ok(Ok(None));
    }
    let mut deposits = Vec::new();
    for log in logs.iter().filter(|l| l.address == DEPOSIT_CONTRACT) {
        if log.topics().first() == Some(&DEPOSIT_EVENT) {
            match deposit_data(log) {
                Ok(data) => deposits.extend(data),
                Err(r) => return Ok(Err(r)),
            }
        }
    }
    let mut lists = vec![(0u8, deposits)];
    for (kind, contract) in [(1u8, WITHDRAWAL_REQUESTS), (2, CONSOLIDATION_REQUESTS)] {
        match call(state, env, contract, Bytes::new(), true)? {
            Ok(output) => lists.push((kind, output.unwrap_or_default().to_vec())),
            Err(r) => return Ok(Err(r)),
        }
    }
    let crypto = revm::precompile::crypto();
    let mut hashes = Vec::new();
    for (kind, data) in lists.into_iter().filter(|(_, d)| !d.is_empty()) {
        let mut typed = Vec::with_capacity(data.len() + 1);
        typed.push(kind);
        typed.extend(data);
        hashes.extend_from_slice(&crypto.sha256(&typed));
    }
    Ok(Ok(Some(B256::from(crypto.sha256(&hashes)))))
}
