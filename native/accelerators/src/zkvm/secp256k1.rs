//! ecrecover on RISC Zero's bigint2 programs: field arithmetic modulo the secp256k1 prime and the
//! group order, and the curve's point addition and doubling, each one accelerator call.
//!
//! The public key is `r⁻¹ (s·R − z·G)`, with `R` the curve point whose x is `r` and whose y has
//! the recovery id's parity, and `z` the message hash taken modulo the group order. This is the
//! key that k256's `recover_from_prehash` (revm's default) returns: the low-s normalisation
//! there flips the recovery id with `s`, which leaves `s·R` unchanged.

use super::{bump, COUNTERS};
use risc0_bigint2::ec::{AffinePoint, Secp256k1Curve, EC_256_WIDTH_WORDS};
use risc0_bigint2::field::{modadd_256, modinv_256, modmul_256, modsub_256};

/// A 256-bit number as bigint2 takes it: eight 32-bit words, least significant first.
type Words = [u32; EC_256_WIDTH_WORDS];
type Point = AffinePoint<EC_256_WIDTH_WORDS, Secp256k1Curve>;

const ZERO: Words = [0; 8];
const ONE: Words = [1, 0, 0, 0, 0, 0, 0, 0];
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

/// Big-endian bytes -> words, least significant word first.
fn words(be: [u8; 32]) -> Words {
    core::array::from_fn(|i| {
        let at = 32 - 4 * (i + 1);
        u32::from_be_bytes(be[at..at + 4].try_into().unwrap())
    })
}

fn be_bytes(w: &Words) -> [u8; 32] {
    let mut out = [0u8; 32];
    for (i, word) in w.iter().enumerate() {
        out[32 - 4 * (i + 1)..32 - 4 * i].copy_from_slice(&word.to_be_bytes());
    }
    out
}

fn less(a: &Words, b: &Words) -> bool {
    for i in (0..8).rev() {
        if a[i] != b[i] {
            return a[i] < b[i];
        }
    }
    false
}

/// a − b for a ≥ b.
fn sub(a: &Words, b: &Words) -> Words {
    let mut out = [0u32; 8];
    let mut borrow = 0u64;
    for i in 0..8 {
        let d = (a[i] as u64).wrapping_sub(b[i] as u64).wrapping_sub(borrow);
        out[i] = d as u32;
        borrow = (d >> 63) & 1;
    }
    out
}

fn calls(n: u64) {
    bump(&COUNTERS.bigint2_calls, n);
}

fn mul(a: &Words, b: &Words, m: &Words) -> Words {
    let mut out = ZERO;
    modmul_256(a, b, m, &mut out);
    calls(1);
    out
}

fn add(a: &Words, b: &Words, m: &Words) -> Words {
    let mut out = ZERO;
    modadd_256(a, b, m, &mut out);
    calls(1);
    out
}

fn neg(a: &Words, m: &Words) -> Words {
    let mut out = ZERO;
    modsub_256(&ZERO, a, m, &mut out);
    calls(1);
    out
}

fn inv(a: &Words, m: &Words) -> Words {
    let mut out = ZERO;
    modinv_256(a, m, &mut out);
    calls(1);
    out
}

fn pow(base: &Words, exp: &Words, m: &Words) -> Words {
    let mut acc = ONE;
    for bit in (0..256).rev() {
        acc = mul(&acc, &acc, m);
        if exp[bit / 32] >> (bit % 32) & 1 == 1 {
            acc = mul(&acc, base, m);
        }
    }
    acc
}

/// scalar · point. bigint2's double-and-add makes one doubling per bit of the scalar and one
/// addition per set bit after the first; they are counted so.
fn scale(point: &Point, scalar: &Words) -> Point {
    let bits = (0..8)
        .rev()
        .find(|&i| scalar[i] != 0)
        .map_or(0, |i| 32 * i as u32 + 32 - scalar[i].leading_zeros());
    let ones: u32 = scalar.iter().map(|w| w.count_ones()).sum();
    calls(bits as u64 + ones.saturating_sub(1) as u64);
    let mut out = Point::IDENTITY;
    point.mul(scalar, &mut out);
    out
}

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
