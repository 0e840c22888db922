//! Block headers: decoding by fork, and the checks of a header against its parent
//! (execution-specs' `validate_header`, Paris to Osaka).

use super::fork::Fork;
use crate::rlp::{self, RlpError};
use revm::primitives::{keccak256, Address, B256};

/// keccak256(RLP([])): the ommers hash every post-merge header has.
pub const EMPTY_OMMERS_HASH: B256 = B256::new([
    0x1d, 0xcc, 0x4d, 0xe8, 0xde, 0xc7, 0x5d, 0x7a, 0xab, 0x85, 0xb5, 0x67, 0xb6, 0xcc, 0xd4, 0x1a,
    0xd3, 0x12, 0x45, 0x1b, 0x94, 0x8a, 0x74, 0x13, 0xf0, 0xa1, 0x42, 0xfd, 0x40, 0xd4, 0x93, 0x47,
]);

pub const GAS_PER_BLOB: u64 = 1 << 17;

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Header {
    pub parent_hash: B256,
    pub ommers_hash: B256,
    pub coinbase: Address,
    pub state_root: B256,
    pub transactions_root: B256,
    pub receipts_root: B256,
    pub bloom: [u8; 256],
    pub difficulty: [u8; 32],
    pub number: u64,
    pub gas_limit: u64,
    pub gas_used: u64,
    pub timestamp: u64,
    pub extra_data: Vec<u8>,
    pub mix_hash: B256,
    pub nonce: [u8; 8],
    pub base_fee: Option<u64>,
    pub withdrawals_root: Option<B256>,
    pub blob_gas_used: Option<u64>,
    pub excess_blob_gas: Option<u64>,
    pub parent_beacon_block_root: Option<B256>,
    pub requests_hash: Option<B256>,
    /// keccak256 of the RLP it was decoded from.
    pub hash: B256,
}

fn h256(item: &rlp::Item<'_>) -> Result<B256, RlpError> {
    Ok(B256::from(item.fixed::<32>()?))
}

/// Decodes a header's RLP item. Fields after the base fee are optional here: which ones a
/// header must have is its fork's rule, checked by [`Header::check_fields`].
pub(crate) fn decode(item: &rlp::Item<'_>) -> Result<Header, RlpError> {
    let f = item.list()?;
    if !(15..=21).contains(&f.len()) {
        return Err(RlpError(format!("a header has 15 to 21 fields, not {}", f.len())));
    }
    let opt_u64 = |i: usize| f.get(i).map(|x| x.u64()).transpose();
    let opt_h256 = |i: usize| f.get(i).map(h256).transpose();
    Ok(Header {
        parent_hash: h256(&f[0])?,
        ommers_hash: h256(&f[1])?,
        coinbase: Address::from(f[2].fixed::<20>()?),
        state_root: h256(&f[3])?,
        transactions_root: h256(&f[4])?,
        receipts_root: h256(&f[5])?,
        bloom: f[6].fixed::<256>()?,
        difficulty: f[7].word()?,
        number: f[8].u64()?,
        gas_limit: f[9].u64()?,
        gas_used: f[10].u64()?,
        timestamp: f[11].u64()?,
        extra_data: f[12].bytes()?.to_vec(),
        mix_hash: h256(&f[13])?,
        nonce: f[14].fixed::<8>()?,
        base_fee: opt_u64(15)?,
        withdrawals_root: opt_h256(16)?,
        blob_gas_used: opt_u64(17)?,
        excess_blob_gas: opt_u64(18)?,
        parent_beacon_block_root: opt_h256(19)?,
        requests_hash: opt_h256(20)?,
        hash: keccak256(item.raw),
    })
}

/// Decodes a header from its own RLP (a genesis header, a witness's ancestor).
pub fn decode_bytes(bytes: &[u8]) -> Result<Header, RlpError> {
    decode(&rlp::decode_one(bytes)?)
}

/// EIP-1559's base fee of a child of `parent` (`None`: the gas limit moved too far).
fn expected_base_fee(gas_limit: u64, parent: &Header) -> Option<u64> {
    let parent_limit = parent.gas_limit;
    let delta = parent_limit / 1024;
    if gas_limit >= parent_limit + delta || gas_limit + delta <= parent_limit || gas_limit < 5000 {
        return None;
    }
    let parent_fee = parent.base_fee? as u128;
    let target = (parent_limit / 2) as u128;
    let used = parent.gas_used as u128;
    let fee = if used == target {
        parent_fee
    } else if used > target {
        parent_fee + (parent_fee * (used - target) / target / 8).max(1)
    } else {
        parent_fee - parent_fee * (target - used) / target / 8
    };
    u64::try_from(fee).ok()
}

impl Header {
    /// Whether the fields the fork adds are present, and only those.
    pub fn check_fields(&self, fork: Fork) -> Result<(), String> {
        let has = [
            self.base_fee.is_some(),
            self.withdrawals_root.is_some(),
            self.blob_gas_used.is_some(),
            self.excess_blob_gas.is_some(),
            self.parent_beacon_block_root.is_some(),
            self.requests_hash.is_some(),
        ];
        let wants = [
            true,
            fork >= Fork::Shanghai,
            fork >= Fork::Cancun,
            fork >= Fork::Cancun,
            fork >= Fork::Cancun,
            fork >= Fork::Prague,
        ];
        if has != wants {
            let n = 15 + wants.iter().filter(|w| **w).count();
            return Err(format!("INVALID_HEADER: a {fork:?} header has {n} fields"));
        }
        Ok(())
    }

    /// The header's checks against its parent; the error is the rejection reason.
    pub fn validate(&self, parent: &Header, fork: Fork, parent_fork: Fork) -> Result<(), String> {
        self.check_fields(fork)?;
        if self.gas_used > self.gas_limit {
            return Err("GAS_USED_OVERFLOW: gas used above the gas limit".into());
        }
        match expected_base_fee(self.gas_limit, parent) {
            None => {
                return Err("INVALID_GASLIMIT: gas limit outside the bounds of the parent's".into())
            }
            Some(fee) if Some(fee) != self.base_fee => {
                return Err(format!(
                    "INVALID_BASEFEE_PER_GAS: base fee {:?}, expected {fee}",
                    self.base_fee
                ))
            }
            Some(_) => {}
        }
        if self.timestamp <= parent.timestamp {
            return Err("INVALID_BLOCK_TIMESTAMP_OLDER_THAN_PARENT".into());
        }
        if parent.number.checked_add(1) != Some(self.number) {
            return Err(format!("INVALID_BLOCK_NUMBER: {} after {}", self.number, parent.number));
        }
        if self.extra_data.len() > 32 {
            return Err("EXTRA_DATA_TOO_BIG: more than 32 bytes of extra data".into());
        }
        if self.difficulty != [0; 32] {
            return Err("IMPORT_IMPOSSIBLE_DIFFICULTY_OVER_PARIS: difficulty is not 0".into());
        }
        if self.nonce != [0; 8] {
            return Err("INVALID_HEADER: nonce is not 0 after the merge".into());
        }
        if self.ommers_hash != EMPTY_OMMERS_HASH {
            return Err("INVALID_HEADER: ommers hash is not that of an empty list".into());
        }
        if self.parent_hash != parent.hash {
            return Err("INVALID_HEADER: parent hash differs".into());
        }
        if fork >= Fork::Cancun {
            let expected = expected_excess_blob_gas(parent, parent_fork, fork);
            if self.excess_blob_gas != Some(expected) {
                return Err(format!(
                    "INCORRECT_EXCESS_BLOB_GAS: {:?}, expected {expected}",
                    self.excess_blob_gas
                ));
            }
        }
        Ok(())
    }
}

/// EIP-4844's excess blob gas of a child of `parent`, with the child's fork's parameters
/// (EIP-7691 from Prague; EIP-7918's reserve price from Osaka).
fn expected_excess_blob_gas(parent: &Header, parent_fork: Fork, fork: Fork) -> u64 {
    if parent_fork < Fork::Cancun {
        return 0;
    }
    let params = fork.blob_params();
    let excess = parent.excess_blob_gas.unwrap_or(0);
    let used = parent.blob_gas_used.unwrap_or(0);
    let total = excess.saturating_add(used);
    if total < params.target_gas() {
        return 0;
    }
    if fork >= Fork::Osaka {
        // EIP-7918: while blobs cost less than their share of execution, the excess only rises.
        let base_fee = parent.base_fee.unwrap_or(0) as u128;
        let blob_fee =
            revm::context_interface::block::calc_blob_gasprice(excess, params.update_fraction);
        if 8192u128 * base_fee > GAS_PER_BLOB as u128 * blob_fee {
            return excess + used * (params.max_gas() - params.target_gas()) / params.max_gas();
        }
    }
    total - params.target_gas()
}
