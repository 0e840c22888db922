//! Parsing of the normalized case JSON and the behaviour of `execute` on edge cases.

use serde_json::{json, Value};
use zkprof_evm::types::Outcome;
use zkprof_evm::{execute, input_from_case_json, pre_state_root, supported_forks};

const SENDER_KEY: &str = "0x45a915e4d060149eb4365960e6a7a45f334393093061116b197e3240065ff2d8";
const SENDER: &str = "0xa94f5374fce5edbc8e2a8697c15331677e6ebf0b";

fn base_case() -> Value {
    json!({
        "fork": "Cancun",
        "env": {"coinbase": "0x2adc25665018aa1fe0e6bc666dac8fc2697ff9ba", "number": "0x1",
                "timestamp": "0x3e8", "gas_limit": "0x1000000", "difficulty": "0x20000",
                "base_fee": "0x7", "random": format!("0x{:064x}", 0x20000),
                "excess_blob_gas": "0x0"},
        "pre": {
            SENDER: {"nonce": "0x0", "balance": "0x0de0b6b3a7640000", "code": "0x", "storage": {}},
            // Stores CALLVALUE at slot 1 and logs nothing.
            "0x1000000000000000000000000000000000000000":
                {"nonce": "0x00", "balance": "0x", "code": "0x3460015500", "storage": {"0x01": "0x05"}}
        },
        "tx": {"type": 0, "sender": null, "secret_key": SENDER_KEY,
               "to": "0x1000000000000000000000000000000000000000", "nonce": "0x0",
               "gas_limit": "0x186a0", "gas_price": "0xa", "max_fee_per_gas": null,
               "max_priority_fee_per_gas": null, "value": "0x2a", "data": "0x",
               "access_list": null, "max_fee_per_blob_gas": null,
               "blob_versioned_hashes": null, "authorization_list": null}
    })
}

/// A change to the base case and what it should produce.
type Mutation = (fn(&mut Value), &'static str);

fn parse_err(case: &Value) -> String {
    input_from_case_json(&case.to_string()).unwrap_err()
}

#[test]
fn parses_quantities_and_derives_the_sender() {
    let input = input_from_case_json(&base_case().to_string()).unwrap();
    assert_eq!(input.tx.sender[..], hex(SENDER)[..]);
    assert_eq!(input.env.gas_limit, 0x100_0000);
    assert_eq!(input.env.base_fee, Some(7));
    assert_eq!(input.tx.value[31], 0x2a);
    let mut contract_address = [0u8; 20];
    contract_address[0] = 0x10;
    let contract = &input.pre[&contract_address];
    // "0x" is zero, leading zeros are allowed, short storage keys are quantities.
    assert_eq!(contract.balance, [0u8; 32]);
    assert_eq!(contract.nonce, 0);
    let mut one = [0u8; 32];
    one[31] = 1;
    let mut five = [0u8; 32];
    five[31] = 5;
    assert_eq!(contract.storage.get(&one), Some(&five));
}

#[test]
fn a_given_sender_is_used_as_is() {
    let mut case = base_case();
    case["tx"]["sender"] = json!("0x00000000000000000000000000000000000000aa");
    let input = input_from_case_json(&case.to_string()).unwrap();
    assert_eq!(input.tx.sender[19], 0xaa);
}

#[test]
fn errors_name_the_field() {
    let cases: Vec<Mutation> = vec![
        (|c| c["tx"]["gas_limit"] = json!("12"), "tx.gas_limit: not a hex quantity"),
        (|c| c["tx"]["gas_limit"] = json!("0xzz"), "tx.gas_limit: not a hex quantity"),
        (|c| c["tx"]["nonce"] = json!(1), "tx.nonce: not a hex quantity"),
        (
            |c| c["tx"]["value"] = json!(format!("0x1{}", "0".repeat(64))),
            "tx.value: more than 256 bits",
        ),
        (
            |c| c["env"]["gas_limit"] = json!(format!("0x1{}", "0".repeat(16))),
            "env.gas_limit: does not fit in 64 bits",
        ),
        (|c| c["tx"]["data"] = json!("0x123"), "tx.data: not a hex byte string (odd length)"),
        (|c| c["tx"]["to"] = json!("0x1234"), "tx.to: not a 20-byte address"),
        (|c| c["env"]["random"] = json!("0x01"), "env.random: not a 32-byte hex string"),
        (
            |c| {
                c["env"].as_object_mut().unwrap().remove("coinbase");
            },
            "env.coinbase: missing",
        ),
        (|c| c["tx"]["type"] = json!(5), "tx.type: not 0, 1, 2, 3 or 4"),
        (
            |c| c["tx"]["secret_key"] = Value::Null,
            "tx.sender: null and no tx.secret_key to derive it from",
        ),
        (
            |c| c["tx"]["secret_key"] = json!(format!("0x{}", "0".repeat(64))),
            "tx.secret_key: not a valid secp256k1 secret key",
        ),
        (|c| c["tx"]["gas_price"] = Value::Null, "tx.gas_price: required for a type 0 transaction"),
        (|c| c["tx"]["type"] = json!(2), "tx.max_fee_per_gas: required for a type 2 transaction"),
        (
            |c| {
                c["pre"]["0x1000000000000000000000000000000000000000"]["storage"]["0x01"] =
                    json!("x")
            },
            "pre.0x1000000000000000000000000000000000000000.storage.0x01: not a hex quantity",
        ),
        (
            |c| c["fork"] = json!("ShanghaiToCancunAtTime15k"),
            "fork: unsupported fork \"ShanghaiToCancunAtTime15k\"",
        ),
    ];
    for (mutate, expected) in cases {
        let mut case = base_case();
        mutate(&mut case);
        let err = parse_err(&case);
        assert!(err.starts_with(expected), "got {err:?}, expected {expected:?}");
    }
    assert!(input_from_case_json("{").unwrap_err().starts_with("case: invalid JSON"));
}

#[test]
fn runs_a_simple_call() {
    let input = input_from_case_json(&base_case().to_string()).unwrap();
    let out = execute(&input, &|| 0);
    assert_eq!(out.outcome, Outcome::Success);
    // 21000 + CALLVALUE 2 + PUSH1 3 + SSTORE to a cold non-zero slot (2100 + 2900).
    assert_eq!(out.gas_used, 21_000 + 2 + 3 + 2_100 + 2_900);
    assert_ne!(out.state_root, pre_state_root(&input.pre));
}

#[test]
fn invalid_transactions_leave_the_pre_state() {
    let checks: Vec<Mutation> = vec![
        (|c| c["tx"]["nonce"] = json!("0x1"), "NONCE_MISMATCH_TOO_HIGH"),
        (|c| c["tx"]["gas_limit"] = json!("0x5000"), "INTRINSIC_GAS_TOO_LOW"),
        (|c| c["tx"]["gas_price"] = json!("0x1"), "INSUFFICIENT_MAX_FEE_PER_GAS"),
        (|c| c["tx"]["value"] = json!("0xffffffffffffffffffffffff"), "INSUFFICIENT_ACCOUNT_FUNDS"),
        (|c| c["tx"]["gas_limit"] = json!("0x1000001"), "GAS_ALLOWANCE_EXCEEDED"),
        (
            |c| c["tx"]["gas_limit"] = json!(format!("0x1{}", "0".repeat(16))),
            "GAS_ALLOWANCE_EXCEEDED",
        ),
        (|c| c["tx"]["nonce"] = json!(format!("0x1{}", "0".repeat(16))), "NONCE_TOO_BIG"),
        (
            |c| c["tx"]["gas_price"] = json!(format!("0x1{}", "0".repeat(32))),
            "UNSUPPORTED_FEE_ABOVE_U128",
        ),
        (
            |c| {
                c["tx"]["type"] = json!(3);
                c["tx"]["to"] = Value::Null;
                c["tx"]["max_fee_per_gas"] = json!("0xa");
                c["tx"]["max_priority_fee_per_gas"] = json!("0x0");
                c["tx"]["max_fee_per_blob_gas"] = json!("0x1");
                c["tx"]["blob_versioned_hashes"] = json!([format!("0x01{}", "0".repeat(62))]);
            },
            "TYPE_3_TX_CONTRACT_CREATION",
        ),
        (
            |c| {
                c["tx"]["type"] = json!(3);
                c["tx"]["max_fee_per_gas"] = json!("0xa");
                c["tx"]["max_priority_fee_per_gas"] = json!("0x0");
                c["tx"]["max_fee_per_blob_gas"] = json!("0x1");
                c["tx"]["blob_versioned_hashes"] = json!([]);
            },
            "TYPE_3_TX_ZERO_BLOBS",
        ),
        (
            |c| {
                c["tx"]["type"] = json!(4);
                c["tx"]["max_fee_per_gas"] = json!("0xa");
                c["tx"]["max_priority_fee_per_gas"] = json!("0x0");
                c["tx"]["authorization_list"] = json!([]);
            },
            "TYPE_4_TX_PRE_FORK",
        ),
    ];
    for (mutate, kind) in checks {
        let mut case = base_case();
        mutate(&mut case);
        let input = input_from_case_json(&case.to_string()).unwrap();
        let out = execute(&input, &|| 0);
        assert_eq!(out.outcome, Outcome::Rejected(kind.into()), "{kind}");
        assert_eq!(out.gas_used, 0);
        assert_eq!(out.state_root, pre_state_root(&input.pre), "{kind}");
        assert_eq!(out.logs_hash, zkprof_evm::EMPTY_LOGS_HASH);
    }
}

#[test]
fn unsupported_fork_is_rejected() {
    // The parser refuses unsupported forks, but a decoded guest input can still carry one.
    let mut input = input_from_case_json(&base_case().to_string()).unwrap();
    input.fork = "Constantinople".into();
    let out = execute(&input, &|| 0);
    assert_eq!(out.outcome, Outcome::Rejected("UNSUPPORTED_FORK".into()));
    assert_eq!(out.state_root, pre_state_root(&input.pre));
}

#[test]
fn prague_set_code_transaction_runs() {
    let mut case = base_case();
    case["fork"] = json!("Prague");
    case["tx"]["type"] = json!(4);
    case["tx"]["gas_price"] = Value::Null;
    case["tx"]["max_fee_per_gas"] = json!("0xa");
    case["tx"]["max_priority_fee_per_gas"] = json!("0x1");
    // A signature that recovers to nobody in particular: revm skips it but charges for it.
    case["tx"]["authorization_list"] = json!([{"chain_id": "0x1",
        "address": "0x1000000000000000000000000000000000000000", "nonce": "0x0", "v": "0x1",
        "r": "0x1", "s": "0x1"}]);
    let input = input_from_case_json(&case.to_string()).unwrap();
    let out = execute(&input, &|| 0);
    assert_eq!(out.outcome, Outcome::Success);
    assert!(out.gas_used >= 21_000 + 25_000, "gas {}", out.gas_used);

    // y parity that does not fit a byte makes the transaction malformed.
    case["tx"]["authorization_list"][0]["v"] = json!("0x100");
    let input = input_from_case_json(&case.to_string()).unwrap();
    let out = execute(&input, &|| 0);
    assert_eq!(out.outcome, Outcome::Rejected("TYPE_4_INVALID_AUTHORIZATION_FORMAT".into()));
}

#[test]
fn supported_forks_are_named_as_in_ethereum_tests() {
    let forks = supported_forks();
    for fork in [
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
    ] {
        assert!(forks.contains(&fork), "{fork}");
    }
    assert!(!forks.contains(&"Constantinople"));
    assert!(!forks.contains(&"ShanghaiToCancunAtTime15k"));
}

fn hex(s: &str) -> Vec<u8> {
    let s = s.trim_start_matches("0x");
    (0..s.len()).step_by(2).map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap()).collect()
}
