//! RISC Zero's accelerators behind the EVM's hashes and precompiles.
//!
//! In a zkVM guest, [`install`] routes revm's precompiles to the accelerators (SHA-256; ecrecover,
//! modexp, bn254 G1 and its pairing, BLS12-381's additions, MSMs and pairing, and P-256
//! verification on bigint2), and this crate defines `native_keccak256`, which
//! alloy-primitives' `keccak256` calls (its `native-keccak` feature), so every keccak of the EVM,
//! the addresses and the tries runs on the keccak coprocessor. Elsewhere (the host) nothing
//! changes and every count stays 0.
//!
//! [`calls`] counts the accelerator work: it is proved outside the main circuit's cycles, so a
//! profile must show it beside them.

mod ark_field;
pub mod bls12_381;
pub mod bn254_pairing;
mod bn254_tower;
#[cfg(target_os = "zkvm")]
mod zkvm;

use zkprof_types::AcceleratorCalls;

/// Routes revm's precompiles to the accelerators (in a zkVM guest; a no-op elsewhere). Idempotent.
pub fn install() {
    #[cfg(target_os = "zkvm")]
    zkvm::install();
}

/// The accelerator calls since the program started.
pub fn calls() -> AcceleratorCalls {
    #[cfg(target_os = "zkvm")]
    return zkvm::calls();
    #[cfg(not(target_os = "zkvm"))]
    AcceleratorCalls::default()
}

/// The number of SHA-256 compressions of a message of `len` bytes: the message, the 0x80 byte and
/// the 8-byte length, padded to 64-byte blocks.
pub fn sha256_blocks(len: usize) -> u64 {
    (len as u64 + 9).div_ceil(64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sha256_block_count_follows_the_padding() {
        assert_eq!(sha256_blocks(0), 1);
        assert_eq!(sha256_blocks(55), 1);
        assert_eq!(sha256_blocks(56), 2);
        assert_eq!(sha256_blocks(64), 2);
        assert_eq!(sha256_blocks(119), 2);
        assert_eq!(sha256_blocks(120), 3);
    }

    #[test]
    fn the_host_counts_nothing() {
        install();
        assert_eq!(calls(), AcceleratorCalls::default());
    }
}
