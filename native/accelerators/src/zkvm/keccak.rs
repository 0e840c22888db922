//! Keccak-256 over the keccak coprocessor, and alloy-primitives' hook that routes every keccak256
//! of the guest here.

use super::{bump, COUNTERS};

/// Keccak-256's rate: 1088 bits, 17 lanes of the 25-lane state.
const RATE: usize = 136;

/// Keccak-256 (the original padding, 0x01 .. 0x80, as Ethereum uses it) with each permutation done
/// by the keccak coprocessor. risc0-zkvm batches the permutations and adds their proof as an
/// assumption of the receipt.
fn keccak256(input: &[u8], out: &mut [u8; 32]) {
    let mut state = [0u64; 25];
    let mut chunks = input.chunks_exact(RATE);
    for block in &mut chunks {
        absorb(&mut state, block);
        permute(&mut state);
    }
    let rest = chunks.remainder();
    let mut last = [0u8; RATE];
    last[..rest.len()].copy_from_slice(rest);
    last[rest.len()] ^= 0x01;
    last[RATE - 1] ^= 0x80;
    absorb(&mut state, &last);
    permute(&mut state);
    for (lane, bytes) in state.iter().zip(out.chunks_exact_mut(8)) {
        bytes.copy_from_slice(&lane.to_le_bytes());
    }
}

fn absorb(state: &mut [u64; 25], block: &[u8]) {
    for (lane, bytes) in state.iter_mut().zip(block.chunks_exact(8)) {
        *lane ^= u64::from_le_bytes(bytes.try_into().unwrap());
    }
}

fn permute(state: &mut [u64; 25]) {
    bump(&COUNTERS.keccak_permutations, 1);
    risc0_zkvm::guest::env::risc0_keccak_update(state);
}

/// alloy-primitives' hook (feature `native-keccak`): `keccak256(bytes)` of every caller lands here.
///
/// # Safety
/// `bytes` points to `len` readable bytes and `output` to 32 writable bytes, as alloy-primitives
/// passes them.
#[no_mangle]
pub unsafe extern "C" fn native_keccak256(bytes: *const u8, len: usize, output: *mut u8) {
    let input = if len == 0 { &[][..] } else { core::slice::from_raw_parts(bytes, len) };
    let out = &mut *(output as *mut [u8; 32]);
    keccak256(input, out);
}
