//! Host-only parsing of the normalized case JSON written by zkprof's Python side.

use revm::primitives::keccak256;
use serde_json::{Map, Value};
use std::collections::BTreeMap;
use zkprof_types::{
    AccessListItem, Account, Address, Authorization, BlockEnv, EvmInput, Transaction, Word,
};

type Obj = Map<String, Value>;

/// Parses one normalized case (all quantities and byte strings "0x" hex) into an [`EvmInput`].
///
/// The sender is derived from `tx.secret_key` when `tx.sender` is null. Errors name the field,
/// e.g. `tx.gas_limit: not a hex quantity`.
pub fn input_from_case_json(json: &str) -> Result<EvmInput, String> {
    let root: Value = serde_json::from_str(json).map_err(|e| format!("case: invalid JSON: {e}"))?;
    let root = object(&root, "case")?;

    let fork = match get(root, "case", "fork")? {
        Value::String(s) => s.clone(),
        _ => return Err("fork: not a string".into()),
    };
    if !crate::supported_forks().contains(&fork.as_str()) {
        return Err(format!(
            "fork: unsupported fork {fork:?} (supported: {})",
            crate::supported_forks().join(", ")
        ));
    }

    let env = object(get(root, "case", "env")?, "env")?;
    let env = BlockEnv {
        coinbase: address(get(env, "env", "coinbase")?, "env.coinbase")?,
        number: quantity(get(env, "env", "number")?, "env.number")?,
        timestamp: quantity(get(env, "env", "timestamp")?, "env.timestamp")?,
        gas_limit: quantity_u64(get(env, "env", "gas_limit")?, "env.gas_limit")?,
        difficulty: quantity(get(env, "env", "difficulty")?, "env.difficulty")?,
        base_fee: optional(env, "base_fee", |v| quantity_u64(v, "env.base_fee"))?,
        prev_randao: optional(env, "random", |v| word(v, "env.random"))?,
        excess_blob_gas: optional(env, "excess_blob_gas", |v| {
            quantity_u64(v, "env.excess_blob_gas")
        })?,
    };

    let pre = parse_pre(get(root, "case", "pre")?, "pre")?;

    let tx = parse_tx(object(get(root, "case", "tx")?, "tx")?)?;
    Ok(EvmInput { fork, env, pre, tx })
}

/// The state root of a normalized `pre` or `postState` section (JSON); errors name the field.
pub fn state_root_of_json(json: &str, name: &str) -> Result<Word, String> {
    let value: Value =
        serde_json::from_str(json).map_err(|e| format!("{name}: invalid JSON: {e}"))?;
    Ok(crate::pre_state_root(&parse_pre(&value, name)?))
}

/// A normalized `pre` (or `postState`) section: address -> {nonce, balance, code, storage}.
pub(crate) fn parse_pre(value: &Value, name: &str) -> Result<BTreeMap<Address, Account>, String> {
    let mut pre = BTreeMap::new();
    for (addr, account) in object(value, name)? {
        let path = format!("{name}.{addr}");
        let key = address(&Value::String(addr.clone()), &path)?;
        let account = object(account, &path)?;
        let mut storage = BTreeMap::new();
        let slots = object(get(account, &path, "storage")?, &format!("{path}.storage"))?;
        for (slot, value) in slots {
            let slot_path = format!("{path}.storage.{slot}");
            let slot_word = quantity(&Value::String(slot.clone()), &slot_path)?;
            storage.insert(slot_word, quantity(value, &slot_path)?);
        }
        let account = Account {
            nonce: quantity_u64(get(account, &path, "nonce")?, &format!("{path}.nonce"))?,
            balance: quantity(get(account, &path, "balance")?, &format!("{path}.balance"))?,
            code: bytes(get(account, &path, "code")?, &format!("{path}.code"))?,
            storage,
        };
        if pre.insert(key, account).is_some() {
            return Err(format!("{path}: duplicate address"));
        }
    }
    Ok(pre)
}

fn parse_tx(tx: &Obj) -> Result<Transaction, String> {
    let tx_type = match get(tx, "tx", "type")?.as_u64() {
        Some(t @ 0..=4) => t as u8,
        _ => return Err("tx.type: not 0, 1, 2, 3 or 4".into()),
    };
    let sender = match optional(tx, "sender", |v| address(v, "tx.sender"))? {
        Some(sender) => sender,
        None => match optional(tx, "secret_key", |v| word(v, "tx.secret_key"))? {
            Some(key) => sender_of(&key)?,
            None => return Err("tx.sender: null and no tx.secret_key to derive it from".into()),
        },
    };
    let required = |key: &str| -> Result<Option<Word>, String> {
        let name = format!("tx.{key}");
        match optional(tx, key, |v| quantity(v, &name))? {
            Some(w) => Ok(Some(w)),
            None => Err(format!("{name}: required for a type {tx_type} transaction")),
        }
    };
    let (gas_price, max_fee_per_gas, max_priority_fee_per_gas) = if tx_type < 2 {
        (required("gas_price")?, None, None)
    } else {
        (None, required("max_fee_per_gas")?, required("max_priority_fee_per_gas")?)
    };
    let max_fee_per_blob_gas = if tx_type == 3 { required("max_fee_per_blob_gas")? } else { None };

    let access_list = optional(tx, "access_list", |v| {
        array(v, "tx.access_list")?
            .iter()
            .enumerate()
            .map(|(i, item)| {
                let path = format!("tx.access_list[{i}]");
                let item = object(item, &path)?;
                let keys_path = format!("{path}.storage_keys");
                let storage_keys = array(get(item, &path, "storage_keys")?, &keys_path)?
                    .iter()
                    .enumerate()
                    .map(|(j, k)| word(k, &format!("{keys_path}[{j}]")))
                    .collect::<Result<_, _>>()?;
                Ok(AccessListItem {
                    address: address(get(item, &path, "address")?, &format!("{path}.address"))?,
                    storage_keys,
                })
            })
            .collect::<Result<Vec<_>, String>>()
    })?
    .unwrap_or_default();

    let blob_versioned_hashes = optional(tx, "blob_versioned_hashes", |v| {
        array(v, "tx.blob_versioned_hashes")?
            .iter()
            .enumerate()
            .map(|(i, h)| word(h, &format!("tx.blob_versioned_hashes[{i}]")))
            .collect::<Result<Vec<_>, String>>()
    })?;
    let blob_versioned_hashes = match (tx_type, blob_versioned_hashes) {
        (3, None) => {
            return Err("tx.blob_versioned_hashes: required for a type 3 transaction".into())
        }
        (_, hashes) => hashes.unwrap_or_default(),
    };

    let authorization_list = optional(tx, "authorization_list", |v| {
        array(v, "tx.authorization_list")?
            .iter()
            .enumerate()
            .map(|(i, a)| {
                let path = format!("tx.authorization_list[{i}]");
                let a = object(a, &path)?;
                let q = |key: &str| quantity(get(a, &path, key)?, &format!("{path}.{key}"));
                Ok(Authorization {
                    chain_id: q("chain_id")?,
                    address: address(get(a, &path, "address")?, &format!("{path}.address"))?,
                    nonce: q("nonce")?,
                    y_parity: q("v")?,
                    r: q("r")?,
                    s: q("s")?,
                })
            })
            .collect::<Result<Vec<_>, String>>()
    })?;
    let authorization_list = match (tx_type, authorization_list) {
        (4, None) => return Err("tx.authorization_list: required for a type 4 transaction".into()),
        (_, list) => list.unwrap_or_default(),
    };

    Ok(Transaction {
        tx_type,
        sender,
        to: optional(tx, "to", |v| address(v, "tx.to"))?,
        nonce: quantity(get(tx, "tx", "nonce")?, "tx.nonce")?,
        gas_limit: quantity(get(tx, "tx", "gas_limit")?, "tx.gas_limit")?,
        gas_price,
        max_fee_per_gas,
        max_priority_fee_per_gas,
        value: quantity(get(tx, "tx", "value")?, "tx.value")?,
        data: bytes(get(tx, "tx", "data")?, "tx.data")?,
        access_list,
        max_fee_per_blob_gas,
        blob_versioned_hashes,
        authorization_list,
    })
}

/// The address of the secp256k1 key `secret`: the last 20 bytes of keccak256 of its public key.
fn sender_of(secret: &Word) -> Result<Address, String> {
    let key = k256::ecdsa::SigningKey::from_slice(secret)
        .map_err(|_| "tx.secret_key: not a valid secp256k1 secret key".to_string())?;
    let point = key.verifying_key().to_encoded_point(false);
    // Uncompressed SEC1 is 0x04 || x || y; the address hashes x || y.
    let hash = keccak256(&point.as_bytes()[1..]);
    Ok(hash[12..].try_into().expect("20 bytes"))
}

pub(crate) fn get<'a>(obj: &'a Obj, path: &str, key: &str) -> Result<&'a Value, String> {
    obj.get(key).ok_or_else(|| {
        if path == "case" {
            format!("{key}: missing")
        } else {
            format!("{path}.{key}: missing")
        }
    })
}

/// A field that may be absent or null.
pub(crate) fn optional<T>(
    obj: &Obj,
    key: &str,
    parse: impl FnOnce(&Value) -> Result<T, String>,
) -> Result<Option<T>, String> {
    match obj.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(v) => parse(v).map(Some),
    }
}

pub(crate) fn object<'a>(v: &'a Value, name: &str) -> Result<&'a Obj, String> {
    v.as_object().ok_or_else(|| format!("{name}: not an object"))
}

pub(crate) fn array<'a>(v: &'a Value, name: &str) -> Result<&'a Vec<Value>, String> {
    v.as_array().ok_or_else(|| format!("{name}: not an array"))
}

/// The hex digits after a mandatory "0x".
fn hex_digits<'a>(v: &'a Value, name: &str, what: &str) -> Result<&'a str, String> {
    let digits = v
        .as_str()
        .and_then(|s| s.strip_prefix("0x"))
        .filter(|d| d.bytes().all(|b| b.is_ascii_hexdigit()))
        .ok_or_else(|| format!("{name}: not a {what}"))?;
    Ok(digits)
}

/// A "0x" hex quantity of at most 256 bits; leading zeros and a bare "0x" (zero) are allowed.
pub(crate) fn quantity(v: &Value, name: &str) -> Result<Word, String> {
    let digits = hex_digits(v, name, "hex quantity")?.trim_start_matches('0');
    if digits.len() > 64 {
        return Err(format!("{name}: more than 256 bits"));
    }
    let mut out = [0u8; 32];
    // Fill from the least significant nibble so odd digit counts need no padding.
    for (i, c) in digits.bytes().rev().enumerate() {
        let nibble = (c as char).to_digit(16).expect("checked hex digit") as u8;
        out[31 - i / 2] |= nibble << (4 * (i % 2));
    }
    Ok(out)
}

pub(crate) fn quantity_u64(v: &Value, name: &str) -> Result<u64, String> {
    let w = quantity(v, name)?;
    if w[..24].iter().any(|&b| b != 0) {
        return Err(format!("{name}: does not fit in 64 bits"));
    }
    Ok(u64::from_be_bytes(w[24..].try_into().expect("8 bytes")))
}

/// A "0x" hex byte string (even number of digits).
pub(crate) fn bytes(v: &Value, name: &str) -> Result<Vec<u8>, String> {
    let digits = hex_digits(v, name, "hex byte string")?;
    if digits.len() % 2 == 1 {
        return Err(format!("{name}: not a hex byte string (odd length)"));
    }
    Ok(digits
        .as_bytes()
        .chunks(2)
        .map(|p| {
            let hi = (p[0] as char).to_digit(16).expect("checked hex digit") as u8;
            let lo = (p[1] as char).to_digit(16).expect("checked hex digit") as u8;
            (hi << 4) | lo
        })
        .collect())
}

fn fixed<const N: usize>(v: &Value, name: &str, what: &str) -> Result<[u8; N], String> {
    bytes(v, name)?.try_into().map_err(|_| format!("{name}: not a {what}"))
}

pub(crate) fn address(v: &Value, name: &str) -> Result<Address, String> {
    fixed(v, name, "20-byte address")
}

pub(crate) fn word(v: &Value, name: &str) -> Result<Word, String> {
    fixed(v, name, "32-byte hex string")
}
