//! A block's transactions: decoding the five EIP-2718 types and recovering each sender from its
//! signature, into the same [`Transaction`] a state test's transaction becomes.

use crate::rlp::{self, Item, RlpError};
use revm::primitives::keccak256;
use zkprof_types::{AccessListItem, Authorization, Transaction, Word};

/// secp256k1's group order n, and n / 2 (EIP-2: signatures with a higher s are invalid).
const SECP256K1_N: Word = [
    0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xfe,
    0xba, 0xae, 0xdc, 0xe6, 0xaf, 0x48, 0xa0, 0x3b, 0xbf, 0xd2, 0x5e, 0x8c, 0xd0, 0x36, 0x41, 0x41,
];
const SECP256K1_HALF_N: Word = [
    0x7f, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
    0x5d, 0x57, 0x6e, 0x73, 0x57, 0xa4, 0x50, 0x1d, 0xdf, 0xe9, 0x2f, 0x46, 0x68, 0x1b, 0x20, 0xa0,
];

/// A decoded transaction: what revm runs, and the bytes the transactions trie holds.
pub struct BlockTransaction {
    pub tx: Transaction,
    pub encoded: Vec<u8>,
}

fn invalid(kind: &str, e: RlpError) -> String {
    format!("{kind}: {e}")
}

/// Decodes one entry of a block's transaction list and recovers its sender.
pub fn decode(item: &Item<'_>, chain_id: u64) -> Result<BlockTransaction, String> {
    let (tx_type, body, encoded) = if item.is_list {
        (0u8, *item, item.raw.to_vec())
    } else {
        let bytes = item.payload;
        match bytes.first() {
            Some(&t @ 1..=4) => {
                let body = rlp::decode_one(&bytes[1..]).map_err(|e| invalid("RLP_INVALID", e))?;
                (t, body, bytes.to_vec())
            }
            Some(t) => return Err(format!("TYPE_NOT_SUPPORTED: transaction type {t}")),
            None => return Err("RLP_INVALID: empty transaction".into()),
        }
    };
    let f = body.list().map_err(|e| invalid("RLP_INVALID", e))?;
    let tx = fields(tx_type, &f, chain_id).map_err(|e| invalid("RLP_INVALID", e))?;
    let mut tx = tx?;
    tx.sender = recover_sender(tx_type, &f, &body, chain_id)?;
    Ok(BlockTransaction { tx, encoded })
}

fn to(item: &Item<'_>) -> Result<Option<[u8; 20]>, RlpError> {
    match item.bytes()?.len() {
        0 => Ok(None),
        _ => item.fixed::<20>().map(Some),
    }
}

fn access_list(item: &Item<'_>) -> Result<Vec<AccessListItem>, RlpError> {
    item.list()?
        .iter()
        .map(|entry| {
            let [address, keys] = entry.list()?[..] else {
                return Err(RlpError("an access-list entry has 2 items".into()));
            };
            Ok(AccessListItem {
                address: address.fixed::<20>()?,
                storage_keys: keys
                    .list()?
                    .iter()
                    .map(|k| k.fixed::<32>())
                    .collect::<Result<_, _>>()?,
            })
        })
        .collect()
}

fn authorization_list(item: &Item<'_>) -> Result<Vec<Authorization>, RlpError> {
    item.list()?
        .iter()
        .map(|entry| {
            let [chain_id, address, nonce, y_parity, r, s] = entry.list()?[..] else {
                return Err(RlpError("an authorization has 6 items".into()));
            };
            Ok(Authorization {
                chain_id: chain_id.word()?,
                address: address.fixed::<20>()?,
                nonce: nonce.word()?,
                y_parity: y_parity.word()?,
                r: r.word()?,
                s: s.word()?,
            })
        })
        .collect()
}

/// The transaction's fields (sender not yet known). The outer error is malformed RLP; the inner
/// one a well-formed transaction that is invalid as such.
fn fields(
    tx_type: u8,
    f: &[Item<'_>],
    chain_id: u64,
) -> Result<Result<Transaction, String>, RlpError> {
    let want = [9, 11, 12, 14, 13][tx_type as usize];
    if f.len() != want {
        return Err(RlpError(format!(
            "a type-{tx_type} transaction has {want} fields, not {}",
            f.len()
        )));
    }
    let mut tx = Transaction { tx_type, ..Default::default() };
    if tx_type == 0 {
        tx.nonce = f[0].word()?;
        tx.gas_price = Some(f[1].word()?);
        tx.gas_limit = f[2].word()?;
        tx.to = to(&f[3])?;
        tx.value = f[4].word()?;
        tx.data = f[5].bytes()?.to_vec();
        return Ok(Ok(tx));
    }
    if f[0].word()? != word(chain_id) {
        return Ok(Err("INVALID_CHAINID: the transaction is signed for another chain".into()));
    }
    tx.nonce = f[1].word()?;
    let rest = if tx_type == 1 {
        tx.gas_price = Some(f[2].word()?);
        &f[3..]
    } else {
        tx.max_priority_fee_per_gas = Some(f[2].word()?);
        tx.max_fee_per_gas = Some(f[3].word()?);
        &f[4..]
    };
    tx.gas_limit = rest[0].word()?;
    tx.to = to(&rest[1])?;
    tx.value = rest[2].word()?;
    tx.data = rest[3].bytes()?.to_vec();
    tx.access_list = access_list(&rest[4])?;
    match tx_type {
        3 => {
            tx.max_fee_per_blob_gas = Some(rest[5].word()?);
            tx.blob_versioned_hashes =
                rest[6].list()?.iter().map(|h| h.fixed::<32>()).collect::<Result<_, _>>()?;
        }
        4 => tx.authorization_list = authorization_list(&rest[5])?,
        _ => {}
    }
    Ok(Ok(tx))
}

fn word(value: u64) -> Word {
    let mut w = [0u8; 32];
    w[24..].copy_from_slice(&value.to_be_bytes());
    w
}

/// The signer of a transaction whose last three fields are its signature.
fn recover_sender(
    tx_type: u8,
    f: &[Item<'_>],
    body: &Item<'_>,
    chain_id: u64,
) -> Result<[u8; 20], String> {
    let bad = |what: &str| format!("INVALID_SIGNATURE: {what}");
    let n = f.len();
    let v = f[n - 3].word().map_err(|e| bad(&e.to_string()))?;
    let r = f[n - 2].word().map_err(|e| bad(&e.to_string()))?;
    let s = f[n - 1].word().map_err(|e| bad(&e.to_string()))?;
    if r == [0; 32] || s == [0; 32] || r >= SECP256K1_N || s > SECP256K1_HALF_N {
        return Err(bad("r or s out of range"));
    }
    // The signed payload: the fields before the signature, and for EIP-155 the chain id.
    let unsigned = &body.payload[..f[n - 3].raw.as_ptr() as usize - body.payload.as_ptr() as usize];
    let mut payload = unsigned.to_vec();
    let recid = if tx_type == 0 {
        if v[..24].iter().any(|&b| b != 0) {
            return Err(bad("v out of range"));
        }
        let v = u64::from_be_bytes(v[24..].try_into().unwrap());
        match v {
            27 | 28 => (v - 27) as u8,
            _ if v == 35 + 2 * chain_id || v == 36 + 2 * chain_id => {
                rlp::encode_u64(chain_id, &mut payload);
                payload.extend_from_slice(&[0x80, 0x80]);
                (v - 35 - 2 * chain_id) as u8
            }
            _ => return Err("INVALID_CHAINID: v does not match the chain id".into()),
        }
    } else {
        match v {
            _ if v == [0; 32] => 0,
            _ if v == word(1) => 1,
            _ => return Err(bad("y parity is not 0 or 1")),
        }
    };
    let mut message = Vec::with_capacity(payload.len() + 4);
    if tx_type != 0 {
        message.push(tx_type);
    }
    rlp::encode_list(&payload, &mut message);
    let hash = keccak256(&message);
    let mut sig = [0u8; 64];
    sig[..32].copy_from_slice(&r);
    sig[32..].copy_from_slice(&s);
    let address = revm::precompile::crypto()
        .secp256k1_ecrecover(&sig, recid, &hash.0)
        .map_err(|_| bad("no public key recovers from it"))?;
    Ok(address[12..].try_into().unwrap())
}
