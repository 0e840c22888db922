//! EVM guest. Input: a `zkprof_types::EvmInput` in zkprof's wire format (raw bytes on stdin).
//! Journal: the `zkprof_types::EvmOutput`, with the cycles of decoding, the transaction and the
//! state root measured by the zkVM's own cycle counter.
#![no_main]

use risc0_zkvm::guest::env;
use std::io::Read;

risc0_zkvm::guest::entry!(main);

fn main() {
    let start = env::cycle_count();
    let mut bytes = Vec::new();
    env::stdin().read_to_end(&mut bytes).expect("reading input");
    let input: zkprof_types::EvmInput = zkprof_types::decode(&bytes).expect("decoding EvmInput");
    let decode = env::cycle_count() - start;
    let mut output = zkprof_evm::execute(&input, &env::cycle_count);
    output.region_cycles.decode = decode;
    env::commit_slice(&zkprof_types::encode(&output).expect("encoding EvmOutput"));
}
