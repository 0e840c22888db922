//! Runs the shared ethereum/tests state-test fixtures and compares roots, logs and exceptions.

mod common;

use common::{cases_in, fixture_files, fixtures_dir, hex, Case};
use std::path::Path;
use std::time::Instant;
use zkprof_evm::types::Outcome;
use zkprof_evm::{execute, input_from_case_json, pre_state_root, supported_forks};

/// Checks one case; `Err` describes the mismatch.
fn check(case: &Case) -> Result<(), String> {
    let input = input_from_case_json(&case.case.to_string())?;
    let out = execute(&input, &|| 0);
    let mut problems = Vec::new();
    match (&case.expect_exception, &out.outcome) {
        (Some(expected), Outcome::Rejected(kind)) => {
            let accepted: Vec<&str> = expected
                .split('|')
                .map(|e| e.trim().trim_start_matches("TransactionException."))
                .collect();
            if !accepted.contains(&kind.as_str()) {
                problems.push(format!("rejected as {kind}, expected {expected}"));
            }
            if out.gas_used != 0 || out.state_root != pre_state_root(&input.pre) {
                problems.push("rejected but state or gas changed".into());
            }
        }
        (Some(expected), outcome) => {
            problems.push(format!("expected exception {expected}, got {outcome:?}"))
        }
        (None, Outcome::Rejected(kind)) => problems.push(format!("unexpectedly rejected: {kind}")),
        (None, _) => {}
    }
    if hex(&out.state_root) != case.expected_hash {
        problems.push(format!("state root {} != {}", hex(&out.state_root), case.expected_hash));
    }
    if hex(&out.logs_hash) != case.expected_logs {
        problems.push(format!("logs hash {} != {}", hex(&out.logs_hash), case.expected_logs));
    }
    if problems.is_empty() {
        Ok(())
    } else {
        Err(problems.join("; "))
    }
}

struct Tally {
    passed: usize,
    failed: Vec<String>,
    skipped: Vec<String>,
}

fn run(filter: impl Fn(&Path) -> bool) -> Option<Tally> {
    let dir = fixtures_dir()?;
    let mut tally = Tally { passed: 0, failed: Vec::new(), skipped: Vec::new() };
    for file in fixture_files(&dir).into_iter().filter(|f| filter(f)) {
        for case in cases_in(&dir, &file) {
            if !supported_forks().contains(&case.fork.as_str()) {
                tally.skipped.push(format!("{} (unsupported fork {})", case.name, case.fork));
                continue;
            }
            let start = Instant::now();
            let result = check(&case);
            let elapsed = start.elapsed();
            match result {
                Ok(()) => tally.passed += 1,
                Err(e) => tally.failed.push(format!("{}: {e}", case.name)),
            }
            if elapsed.as_secs_f64() > 1.0 {
                eprintln!("slow: {} took {elapsed:.2?}", case.name);
            }
        }
    }
    for s in &tally.skipped {
        eprintln!("skipped: {s}");
    }
    for f in &tally.failed {
        eprintln!("FAILED: {f}");
    }
    eprintln!(
        "fixture cases: {} passed, {} failed, {} skipped",
        tally.passed,
        tally.failed.len(),
        tally.skipped.len()
    );
    Some(tally)
}

#[test]
fn all_fixture_cases_outside_loops() {
    let Some(tally) = run(|f| !f.starts_with("loops")) else {
        return;
    };
    assert!(tally.failed.is_empty(), "{} cases failed", tally.failed.len());
    assert!(tally.passed >= 354, "only {} cases ran", tally.passed);
}

fn is_loop_mul(f: &Path) -> bool {
    f.file_name().is_some_and(|n| n == "loopMul.json")
}

#[test]
fn loop_fixture_cases() {
    // loopMul takes about 10 s natively, so it has its own ignored test below.
    let Some(tally) = run(|f| f.starts_with("loops") && !is_loop_mul(f)) else {
        return;
    };
    assert!(tally.failed.is_empty(), "{} cases failed", tally.failed.len());
    assert!(tally.passed > 0);
}

#[test]
#[ignore = "slow (about 10 s in release); run with --ignored"]
fn loop_mul_fixture_cases() {
    let Some(tally) = run(|f| f.starts_with("loops") && is_loop_mul(f)) else {
        return;
    };
    assert!(tally.failed.is_empty(), "{} cases failed", tally.failed.len());
    assert!(tally.passed > 0);
}

#[test]
fn derived_senders_match_fixtures() {
    let Some(dir) = fixtures_dir() else {
        return;
    };
    let mut checked = 0;
    for file in fixture_files(&dir) {
        for case in cases_in(&dir, &file) {
            let (Some(expected), true) =
                (&case.fixture_sender, supported_forks().contains(&case.fork.as_str()))
            else {
                continue;
            };
            let input = input_from_case_json(&case.case.to_string()).unwrap();
            assert_eq!(&hex(&input.tx.sender), &expected.to_lowercase(), "{}", case.name);
            checked += 1;
        }
    }
    assert!(checked > 0);
}

#[test]
fn region_cycles_come_from_the_counter() {
    let Some(dir) = fixtures_dir() else {
        return;
    };
    let case = cases_in(&dir, Path::new("arithmetic/add11.json")).remove(0);
    let input = input_from_case_json(&case.case.to_string()).unwrap();
    // A counter that advances on every read: each region sees exactly one step.
    let counter = std::cell::Cell::new(0u64);
    let out = execute(&input, &|| {
        counter.set(counter.get() + 10);
        counter.get()
    });
    assert_eq!(counter.get(), 30);
    assert_eq!(out.region_cycles.decode, 0);
    assert_eq!(out.region_cycles.transaction, 10);
    assert_eq!(out.region_cycles.state_root, 10);
    assert_eq!(out.outcome, Outcome::Success);
}
