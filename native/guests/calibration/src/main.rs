//! Calibration guest. Input (raw bytes): one op byte, a little-endian u32 `n`, then op-specific bytes.
//!
//! | op | work                                                              | journal          |
//! |----|-------------------------------------------------------------------|------------------|
//! | 0  | `n` rounds of a 64-bit LCG (about 12.6 cycles a round)            | u64 accumulator  |
//! | 1  | writes and re-reads `n` KiB of fresh memory (exercises paging)    | u64 checksum     |
//! | 2  | panics with the remaining input bytes (UTF-8) as the message      | -                |
//! | 3  | never halts (for cycle limits and timeouts)                       | -                |
#![no_main]

use risc0_zkvm::guest::env;
use std::io::Read;

risc0_zkvm::guest::entry!(main);

fn lcg_rounds(n: u32) -> u64 {
    let mut acc: u64 = 0;
    for i in 0..n {
        acc = acc.wrapping_mul(6364136223846793005).wrapping_add(i as u64);
    }
    acc
}

fn touch_memory(kib: u32) -> u64 {
    let mut buf = vec![0u8; kib as usize * 1024];
    // One write per 4-byte word so that every page is really written, then read back.
    for (i, chunk) in buf.chunks_exact_mut(4).enumerate() {
        chunk.copy_from_slice(&(i as u32).to_le_bytes());
    }
    buf.chunks_exact(4)
        .map(|c| u32::from_le_bytes([c[0], c[1], c[2], c[3]]) as u64)
        .fold(0u64, |acc, w| acc.wrapping_mul(31).wrapping_add(w))
}

fn main() {
    let mut input = Vec::new();
    env::stdin().read_to_end(&mut input).expect("reading input");
    assert!(input.len() >= 5, "calibration input needs 5 bytes (op, n), got {}", input.len());
    let op = input[0];
    let n = u32::from_le_bytes([input[1], input[2], input[3], input[4]]);
    match op {
        0 => env::commit_slice(&lcg_rounds(n).to_le_bytes()),
        1 => env::commit_slice(&touch_memory(n).to_le_bytes()),
        2 => panic!("{}", String::from_utf8_lossy(&input[5..])),
        3 => {
            let mut x = n as u64;
            loop {
                x = core::hint::black_box(x.wrapping_add(1));
            }
        }
        _ => panic!("unknown calibration op {op}"),
    }
}
