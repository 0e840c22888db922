//! EVM guest. Input: a `zkprof_types::GuestInput` in zkprof's wire format (raw bytes on stdin):
//! a state-test case, or a blockchain test's chain with each block's execution witness.
//! Journal: the matching `zkprof_types::GuestOutput`, with the cycles of each region measured by
//! the zkVM's own cycle counter.
#![no_main]

use risc0_zkvm::guest::env;
use std::io::Read;

risc0_zkvm::guest::entry!(main);

fn main() {
    let start = env::cycle_count();
    let mut bytes = Vec::new();
    env::stdin().read_to_end(&mut bytes).expect("reading input");
    let input: zkprof_types::GuestInput =
        zkprof_types::decode(&bytes).expect("decoding GuestInput");
    let decode = env::cycle_count() - start;
    let output = zkprof_evm::run(input, decode, &env::cycle_count);
    env::commit_slice(&zkprof_types::encode(&output).expect("encoding GuestOutput"));
}
