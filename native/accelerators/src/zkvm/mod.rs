//! The guest side: the crypto provider, its counters, and the accelerated operations.

mod bn254;
mod keccak;
mod modexp;
mod secp256k1;
mod secp256r1;
mod u256;

use core::cell::Cell;
use revm::precompile::bls12_381::{G1Point, G1PointScalar, G2Point, G2PointScalar};
use revm::precompile::{install_crypto, Crypto, DefaultCrypto, PrecompileHalt};
use risc0_zkvm::sha::Sha256 as _;
use zkprof_types::AcceleratorCalls;

/// The guest is single-threaded and never preempted, so plain cells are enough.
struct Counters {
    keccak_permutations: Cell<u64>,
    sha_compressions: Cell<u64>,
    bigint2_calls: Cell<u64>,
}
// SAFETY: a zkVM guest has one thread.
unsafe impl Sync for Counters {}

static COUNTERS: Counters = Counters {
    keccak_permutations: Cell::new(0),
    sha_compressions: Cell::new(0),
    bigint2_calls: Cell::new(0),
};

fn bump(cell: &Cell<u64>, by: u64) {
    cell.set(cell.get() + by);
}

pub fn count_bigint2(n: u64) {
    bump(&COUNTERS.bigint2_calls, n);
}

pub fn calls() -> AcceleratorCalls {
    AcceleratorCalls {
        keccak_permutations: COUNTERS.keccak_permutations.get(),
        sha_compressions: COUNTERS.sha_compressions.get(),
        bigint2_calls: COUNTERS.bigint2_calls.get(),
    }
}

/// revm's crypto with the accelerated operations; the rest keep revm's defaults.
#[derive(Debug)]
struct Accelerated;

impl Crypto for Accelerated {
    fn sha256(&self, input: &[u8]) -> [u8; 32] {
        bump(&COUNTERS.sha_compressions, crate::sha256_blocks(input.len()));
        let digest = risc0_zkvm::sha::Impl::hash_bytes(input);
        digest.as_bytes().try_into().expect("a SHA-256 digest is 32 bytes")
    }

    fn secp256k1_ecrecover(
        &self,
        sig: &[u8; 64],
        recid: u8,
        msg: &[u8; 32],
    ) -> Result<[u8; 32], PrecompileHalt> {
        secp256k1::ecrecover(sig, recid, msg).ok_or(PrecompileHalt::Secp256k1RecoverFailed)
    }

    fn bn254_g1_add(&self, p1: &[u8], p2: &[u8]) -> Result<[u8; 64], PrecompileHalt> {
        bn254::g1_add(p1, p2)
    }

    fn bn254_g1_mul(&self, point: &[u8], scalar: &[u8]) -> Result<[u8; 64], PrecompileHalt> {
        bn254::g1_mul(point, scalar)
    }

    fn bn254_pairing_check(&self, pairs: &[(&[u8], &[u8])]) -> Result<bool, PrecompileHalt> {
        crate::bn254_pairing::pairing_check(pairs)
    }

    fn secp256r1_verify_signature(&self, msg: &[u8; 32], sig: &[u8; 64], pk: &[u8; 64]) -> bool {
        secp256r1::verify(msg, sig, pk)
    }

    fn bls12_381_g1_add(&self, a: G1Point, b: G1Point) -> Result<[u8; 96], PrecompileHalt> {
        crate::bls12_381::g1_add(a, b)
    }

    fn bls12_381_g1_msm(
        &self,
        pairs: &mut dyn Iterator<Item = Result<G1PointScalar, PrecompileHalt>>,
    ) -> Result<[u8; 96], PrecompileHalt> {
        crate::bls12_381::g1_msm(pairs)
    }

    fn bls12_381_g2_add(&self, a: G2Point, b: G2Point) -> Result<[u8; 192], PrecompileHalt> {
        crate::bls12_381::g2_add(a, b)
    }

    fn bls12_381_g2_msm(
        &self,
        pairs: &mut dyn Iterator<Item = Result<G2PointScalar, PrecompileHalt>>,
    ) -> Result<[u8; 192], PrecompileHalt> {
        crate::bls12_381::g2_msm(pairs)
    }

    fn bls12_381_pairing_check(
        &self,
        pairs: &[(G1Point, G2Point)],
    ) -> Result<bool, PrecompileHalt> {
        crate::bls12_381::pairing_check(pairs)
    }

    fn modexp(&self, base: &[u8], exp: &[u8], modulus: &[u8]) -> Result<Vec<u8>, PrecompileHalt> {
        match modexp::modexp(base, exp, modulus) {
            Some(out) => Ok(out),
            None => DefaultCrypto.modexp(base, exp, modulus),
        }
    }
}

pub fn install() {
    // A second call finds the provider installed: nothing to do.
    let _ = install_crypto(Accelerated);
}
