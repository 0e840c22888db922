//! ecrecover on RISC Zero's bigint2 programs: field arithmetic modulo the secp256k1 prime and the
//! group order, and the curve's point addition and doubling, each one accelerator call.
//!
//! The public key is `r⁻¹ (s·R − z·G)`, with `R` the curve point whose x is `r` and whose y has
//! the recovery id's parity, and `z` the message hash taken modulo the group order. This is the
//! key that k256's `recover_from_prehash` (revm's default) returns: the low-s normalisation
//! there flips the recovery id with `s`, which leaves `s·R` unchanged.

use super::u256::ZERO;
use super::u256::{add, be_bytes, calls, inv, less, mul, neg, pow, scale, sub, words, Words};
use risc0_bigint2::ec::{AffinePoint, Secp256k1Curve};

type Point = AffinePoint<8, Secp256k1Curve>;

const SEVEN: Words = [7, 0, 0, 0, 0, 0, 0, 0];
/// The field prime p = 2²⁵⁶ − 2³² − 977.
const P: Words = [
    0xfffffc2f, 0xfffffffe, 0xffffffff, 0xffffffff, 0xffffffff, 0xffffffff, 0xffffffff, 0xffffffff,
];
/// The group order n.
const N: Words = [
    0xd0364141, 0xbfd25e8c, 0xaf48a03b, 0xbaaedce6, 0xfffffffe, 0xffffffff, 0xffffffff, 0xffffffff,
];
/// (p + 1) / 4: p ≡ 3 (mod 4), so a square root of a is a^((p+1)/4).
const SQRT_EXP: Words = [
    0xbfffff0c, 0xffffffff, 0xffffffff, 0xffffffff, 0xffffffff, 0xffffffff, 0xffffffff, 0x3fffffff,
];
const G_X: Words = [
    0x16f81798, 0x59f2815b, 0x2dce28d9, 0x029bfcdb, 0xce870b07, 0x55a06295, 0xf9dcbbac, 0x79be667e,
];
const G_Y: Words = [
    0xfb10d4b8, 0x9c47d08f, 0xa6855419, 0xfd17b448, 0x0e1108a8, 0x5da4fbfc, 0x26a3c465, 0x483ada77,
];

/// The Ethereum address (right-aligned in 32 bytes) of the key that signed `msg` with `sig`
/// (r ‖ s, big-endian) and recovery id `recid` (0 or 1); None where k256 gives an error.
pub fn ecrecover(sig: &[u8; 64], recid: u8, msg: &[u8; 32]) -> Option<[u8; 32]> {
    let r = words(sig[..32].try_into().unwrap());
    let s = words(sig[32..].try_into().unwrap());
    if r == ZERO || s == ZERO || !less(&r, &N) || !less(&s, &N) || recid > 1 {
        return None;
    }
    // R: x = r (< n < p), y² = x³ + 7; no square root means no such point.
    let alpha = add(&mul(&mul(&r, &r, &P), &r, &P), &SEVEN, &P);
    let beta = pow(&alpha, &SQRT_EXP, &P);
    if mul(&beta, &beta, &P) != alpha {
        return None;
    }
    let y = if (beta[0] & 1) as u8 == recid { beta } else { neg(&beta, &P) };
    let big_r = Point::new_unchecked(r, y);

    // z: the 32-byte hash as a number modulo n (2²⁵⁶ < 2n, so one subtraction at most).
    let mut z = words(*msg);
    if !less(&z, &N) {
        z = sub(&z, &N);
    }
    let r_inv = inv(&r, &N);
    let u1 = if z == ZERO { ZERO } else { mul(&neg(&z, &N), &r_inv, &N) };
    let u2 = mul(&s, &r_inv, &N);

    let s_r = scale(&big_r, &u2);
    let key = if u1 == ZERO {
        s_r
    } else {
        let z_g = scale(&Point::new_unchecked(G_X, G_Y), &u1);
        let mut sum = Point::IDENTITY;
        z_g.add(&s_r, &mut sum);
        calls(1);
        sum
    };
    let [x, y] = key.as_u32s()?;
    let mut public = [0u8; 64];
    public[..32].copy_from_slice(&be_bytes(x));
    public[32..].copy_from_slice(&be_bytes(y));
    let mut address = revm::primitives::keccak256(public).0;
    address[..12].fill(0);
    Some(address)
}
