//! Every shared blockchain test: the full-state run (witness generation) imports exactly the
//! blocks the fixture says are valid and reaches its head and post-state; the witness-based run
//! agrees with it block for block; and a witness with any one node, code or header taken away
//! or altered fails with an error instead of giving a result.

mod common;

use serde_json::{json, Value};
use zkprof_evm::block::validate_chain;
use zkprof_evm::block::witness::generate;
use zkprof_types::{BlockOutput, ChainInput, ChainOutput};

fn hex(bytes: &[u8]) -> String {
    format!("0x{}", bytes.iter().map(|b| format!("{b:02x}")).collect::<String>())
}

struct Test {
    name: String,
    json: String,
    valid: Vec<bool>,
    last_hash: String,
    post_root: [u8; 32],
}

fn tests() -> Vec<Test> {
    let Some(dir) = common::blockchain_fixtures_dir() else { return Vec::new() };
    let mut out = Vec::new();
    for rel in common::fixture_files(&dir) {
        let text = std::fs::read_to_string(dir.join(&rel)).unwrap();
        let file: serde_json::Map<String, Value> = serde_json::from_str(&text).unwrap();
        for (name, test) in file {
            let blocks = test["blocks"].as_array().unwrap();
            let chain = json!({
                "network": test["network"],
                "genesis_rlp": test["genesisRLP"],
                "pre": test["pre"],
                "blocks": blocks.iter().map(|b| b["rlp"].clone()).collect::<Vec<_>>(),
            });
            let post = serde_json::to_string(&test["postState"]).unwrap();
            out.push(Test {
                name: format!("{}::{name}", rel.display()),
                json: chain.to_string(),
                valid: blocks.iter().map(|b| b.get("expectException").is_none()).collect(),
                last_hash: test["lastblockhash"].as_str().unwrap().to_lowercase(),
                post_root: zkprof_evm::state_root_of_json(&post, "postState").unwrap(),
            });
        }
    }
    out
}

/// What must agree between two runs: everything but the cycles.
fn verdicts(out: &ChainOutput) -> Vec<BlockOutput> {
    out.blocks.iter().map(|b| BlockOutput { cycles: Default::default(), ..b.clone() }).collect()
}

fn witness_run(input: &ChainInput) -> ChainOutput {
    validate_chain(input.clone(), &|| 0)
}

#[test]
fn shared_blockchain_tests_match_and_the_witness_agrees_with_the_full_state() {
    let tests = tests();
    let mut failures = Vec::new();
    for t in &tests {
        let gen = generate(&t.json, false).unwrap_or_else(|e| panic!("{}: {e}", t.name));
        let full = &gen.full_state;
        let got: Vec<bool> = full.blocks.iter().map(|b| b.rejected.is_none()).collect();
        if got != t.valid {
            let reasons: Vec<_> = full.blocks.iter().map(|b| b.rejected.clone()).collect();
            failures.push(format!(
                "{}: valid blocks {got:?}, expected {:?}: {reasons:?}",
                t.name, t.valid
            ));
            continue;
        }
        if hex(&full.head_hash) != t.last_hash || full.head_state_root != t.post_root {
            failures.push(format!(
                "{}: head {} (expected {})",
                t.name,
                hex(&full.head_hash),
                t.last_hash
            ));
            continue;
        }
        let witnessed = witness_run(&gen.input);
        if witnessed.witness_error.is_some() || verdicts(&witnessed) != verdicts(full) {
            failures
                .push(format!("{}: witness run differs: {:?}", t.name, witnessed.witness_error));
        }
    }
    let blocks: usize = tests.iter().map(|t| t.valid.len()).sum();
    let rejected: usize = tests.iter().map(|t| t.valid.iter().filter(|v| !**v).count()).sum();
    eprintln!("{} tests, {blocks} blocks, {rejected} rejected", tests.len());
    assert!(
        failures.is_empty(),
        "{} of {} tests failed:\n{}",
        failures.len(),
        tests.len(),
        failures.join("\n")
    );
}

#[test]
fn a_tampered_witness_fails_clearly() {
    let tests = tests();
    let Some(t) = tests.iter().find(|t| t.name.contains("wallet2outOf3txs")) else { return };
    let gen = generate(&t.json, false).unwrap();
    let block = gen
        .input
        .blocks
        .iter()
        .position(|b| !b.witness.nodes.is_empty() && !b.witness.codes.is_empty())
        .unwrap();
    let base = &gen.input.blocks[block].witness;
    let mut cases: Vec<(String, ChainInput)> = Vec::new();
    for i in 0..base.nodes.len() {
        let mut dropped = gen.input.clone();
        dropped.blocks[block].witness.nodes.remove(i);
        cases.push((format!("node {i} dropped"), dropped));
        let mut changed = gen.input.clone();
        let node = &mut changed.blocks[block].witness.nodes[i];
        let last = node.len() - 1;
        node[last] ^= 1;
        cases.push((format!("node {i} altered"), changed));
    }
    for i in 0..base.codes.len() {
        let mut changed = gen.input.clone();
        changed.blocks[block].witness.codes[i].push(0x00);
        cases.push((format!("code {i} altered"), changed));
    }
    let mut wrong_header = gen.input.clone();
    wrong_header.blocks[block].witness.headers[0] = gen.input.genesis_header.clone();
    if block > 0 {
        cases.push(("parent header replaced".into(), wrong_header));
    }
    let good = witness_run(&gen.input);
    assert!(good.witness_error.is_none());
    for (what, input) in cases {
        let out = witness_run(&input);
        let error = out
            .witness_error
            .clone()
            .unwrap_or_else(|| panic!("{what}: no error, got {:?}", verdicts(&out)));
        assert!(error.contains("witness"), "{what}: {error}");
    }
}

#[test]
fn the_full_state_approach_gives_the_same_result() {
    for t in
        tests().iter().filter(|t| t.name.contains("GasPricerTest") || t.name.contains("wallet"))
    {
        let small = generate(&t.json, false).unwrap();
        let full = generate(&t.json, true).unwrap();
        assert_eq!(
            verdicts(&witness_run(&small.input)),
            verdicts(&witness_run(&full.input)),
            "{}",
            t.name
        );
        let bytes = |g: &zkprof_evm::block::witness::GeneratedChain| {
            g.witness_sizes.iter().map(|s| s.bytes).sum::<u64>()
        };
        assert!(bytes(&small) <= bytes(&full), "{}", t.name);
    }
}
