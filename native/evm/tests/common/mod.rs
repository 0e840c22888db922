//! Test-only helpers: find the shared ethereum/tests fixtures and turn one raw state-test case
//! into the normalized case JSON that zkprof's Python side writes.

#![allow(dead_code)]

use serde_json::{json, Map, Value};
use std::path::{Path, PathBuf};

/// The state-test fixtures: `$ZKPROF_FIXTURES/state_tests`, by default `shared/fixtures/` beside
/// the repo (as `zkprof.paths.shared_fixtures_dir` finds them). Missing, they skip the test, or fail
/// it when `ZKPROF_REQUIRE_FIXTURES=1` (CI).
pub fn fixtures_dir() -> Option<PathBuf> {
    shared_fixtures("state_tests")
}

/// The blockchain-test fixtures, found and required as [`fixtures_dir`]'s.
pub fn blockchain_fixtures_dir() -> Option<PathBuf> {
    shared_fixtures("blockchain_tests")
}

fn shared_fixtures(kind: &str) -> Option<PathBuf> {
    let root = match std::env::var_os("ZKPROF_FIXTURES") {
        Some(dir) => PathBuf::from(dir),
        None => Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/fixtures"),
    };
    let dir = root.join(kind);
    if dir.is_dir() {
        return Some(dir);
    }
    let message = format!("{kind} fixtures not found at {} (set ZKPROF_FIXTURES)", dir.display());
    assert!(std::env::var_os("ZKPROF_REQUIRE_FIXTURES").is_none_or(|v| v != "1"), "{message}");
    eprintln!("SKIPPED: {message}");
    None
}

/// All `.json` files under `dir`, sorted, as paths relative to `dir`.
pub fn fixture_files(dir: &Path) -> Vec<PathBuf> {
    fn walk(root: &Path, dir: &Path, out: &mut Vec<PathBuf>) {
        for entry in std::fs::read_dir(dir).expect("read fixture dir") {
            let path = entry.expect("dir entry").path();
            if path.is_dir() {
                walk(root, &path, out);
            } else if path.extension().is_some_and(|e| e == "json") {
                out.push(path.strip_prefix(root).unwrap().to_path_buf());
            }
        }
    }
    let mut out = Vec::new();
    walk(dir, dir, &mut out);
    out.sort();
    out
}

/// One (test, fork, post entry) of a fixture file.
pub struct Case {
    pub name: String,
    pub fork: String,
    /// The normalized case JSON.
    pub case: Value,
    pub expected_hash: String,
    pub expected_logs: String,
    pub expect_exception: Option<String>,
    /// The sender the fixture states (derived from the key by the filler).
    pub fixture_sender: Option<String>,
}

/// The cases of `dir/file`, named after the relative path `file`.
pub fn cases_in(dir: &Path, file: &Path) -> Vec<Case> {
    let text = std::fs::read_to_string(dir.join(file)).expect("read fixture");
    let tests: Map<String, Value> = serde_json::from_str(&text).expect("fixture JSON");
    let mut out = Vec::new();
    for (test_name, test) in &tests {
        for (fork, posts) in test["post"].as_object().expect("post") {
            for (i, post) in posts.as_array().expect("post list").iter().enumerate() {
                out.push(Case {
                    name: format!("{}::{test_name}::{fork}[{i}]", file.display()),
                    fork: fork.clone(),
                    case: normalize(test, fork, post),
                    expected_hash: post["hash"].as_str().unwrap().to_lowercase(),
                    expected_logs: post["logs"].as_str().unwrap().to_lowercase(),
                    expect_exception: post["expectException"].as_str().map(str::to_string),
                    fixture_sender: test["transaction"]["sender"].as_str().map(str::to_string),
                });
            }
        }
    }
    out
}

/// A quantity as a 32-byte hex string (fixtures may shorten `currentRandom`).
fn pad32(v: &Value) -> Value {
    let digits = v.as_str().unwrap().trim_start_matches("0x");
    json!(format!("0x{digits:0>64}"))
}

fn opt(v: &Value) -> Value {
    if v.is_null() {
        Value::Null
    } else {
        v.clone()
    }
}

/// Builds the normalized case for one post entry of a raw state test.
pub fn normalize(test: &Value, fork: &str, post: &Value) -> Value {
    let env = &test["env"];
    let tx = &test["transaction"];
    let idx = &post["indexes"];
    let d = idx["data"].as_u64().unwrap() as usize;
    let g = idx["gas"].as_u64().unwrap() as usize;
    let v = idx["value"].as_u64().unwrap() as usize;

    let mut pre = Map::new();
    for (addr, acc) in test["pre"].as_object().unwrap() {
        pre.insert(
            addr.to_lowercase(),
            json!({
                "nonce": acc["nonce"], "balance": acc["balance"], "code": acc["code"],
                "storage": acc["storage"],
            }),
        );
    }

    let access_list = match tx.get("accessLists").and_then(|l| l.get(d)) {
        Some(Value::Array(items)) => Value::Array(
            items
                .iter()
                .map(|it| json!({"address": it["address"], "storage_keys": it["storageKeys"]}))
                .collect(),
        ),
        _ => Value::Null,
    };
    let tx_type = if tx.get("authorizationList").is_some() {
        4
    } else if tx.get("blobVersionedHashes").is_some() {
        3
    } else if tx.get("maxFeePerGas").is_some() {
        2
    } else if !access_list.is_null() {
        1
    } else {
        0
    };
    let authorization_list = match tx.get("authorizationList") {
        Some(Value::Array(list)) => Value::Array(
            list.iter()
                .map(|a| {
                    json!({"chain_id": a["chainId"], "address": a["address"], "nonce": a["nonce"],
                           "v": a.get("v").unwrap_or(&a["yParity"]), "r": a["r"], "s": a["s"]})
                })
                .collect(),
        ),
        _ => Value::Null,
    };
    let to = match tx["to"].as_str() {
        Some("") | None => Value::Null,
        Some(to) => json!(to),
    };

    json!({
        "fork": fork,
        "env": {
            "coinbase": env["currentCoinbase"], "number": env["currentNumber"],
            "timestamp": env["currentTimestamp"], "gas_limit": env["currentGasLimit"],
            "difficulty": env.get("currentDifficulty").cloned().unwrap_or(json!("0x")),
            "base_fee": opt(&env["currentBaseFee"]),
            "random": if env["currentRandom"].is_null() { Value::Null } else { pad32(&env["currentRandom"]) },
            "excess_blob_gas": opt(&env["currentExcessBlobGas"]),
        },
        "pre": pre,
        "tx": {
            "type": tx_type,
            // Always derive the sender from the key, so every case also checks that path.
            "sender": Value::Null,
            "secret_key": tx["secretKey"],
            "to": to,
            "nonce": tx["nonce"],
            "gas_limit": tx["gasLimit"][g],
            "gas_price": opt(&tx["gasPrice"]),
            "max_fee_per_gas": opt(&tx["maxFeePerGas"]),
            "max_priority_fee_per_gas": opt(&tx["maxPriorityFeePerGas"]),
            "value": tx["value"][v],
            "data": tx["data"][d],
            "access_list": access_list,
            "max_fee_per_blob_gas": opt(&tx["maxFeePerBlobGas"]),
            "blob_versioned_hashes": opt(&tx["blobVersionedHashes"]),
            "authorization_list": authorization_list,
        },
    })
}

pub fn hex(bytes: &[u8]) -> String {
    let mut s = String::from("0x");
    for b in bytes {
        s.push_str(&format!("{b:02x}"));
    }
    s
}
