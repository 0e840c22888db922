//! 256-bit arithmetic on RISC Zero's bigint2 programs, each operation one counted call.

use risc0_bigint2::ec::{AffinePoint, Curve, EC_256_WIDTH_WORDS};
use risc0_bigint2::field::{modadd_256, modinv_256, modmul_256, modsub_256};

/// A 256-bit number as bigint2 takes it: eight 32-bit words, least significant first.
pub type Words = [u32; EC_256_WIDTH_WORDS];

pub const ZERO: Words = [0; 8];
pub const ONE: Words = [1, 0, 0, 0, 0, 0, 0, 0];

/// Big-endian bytes (at most 4·N of them) -> N words, least significant first.
pub fn words_of<const N: usize>(be: &[u8]) -> [u32; N] {
    let mut out = [0u32; N];
    for (i, byte) in be.iter().rev().enumerate() {
        out[i / 4] |= (*byte as u32) << (8 * (i % 4));
    }
    out
}

/// N words -> their low `len` bytes, big-endian (the inverse of [`words_of`]).
pub fn bytes_of<const N: usize>(w: &[u32; N], len: usize) -> Vec<u8> {
    let mut out = vec![0u8; len];
    for (i, byte) in out.iter_mut().rev().enumerate().take(4 * N) {
        *byte = (w[i / 4] >> (8 * (i % 4))) as u8;
    }
    out
}

pub fn words(be: [u8; 32]) -> Words {
    words_of(&be)
}

pub fn be_bytes(w: &Words) -> [u8; 32] {
    bytes_of(w, 32).try_into().unwrap()
}

pub fn less(a: &Words, b: &Words) -> bool {
    for i in (0..8).rev() {
        if a[i] != b[i] {
            return a[i] < b[i];
        }
    }
    false
}

/// a − b for a ≥ b.
pub fn sub(a: &Words, b: &Words) -> Words {
    let mut out = [0u32; 8];
    let mut borrow = 0u64;
    for i in 0..8 {
        let d = (a[i] as u64).wrapping_sub(b[i] as u64).wrapping_sub(borrow);
        out[i] = d as u32;
        borrow = (d >> 63) & 1;
    }
    out
}

pub fn calls(n: u64) {
    super::count_bigint2(n);
}

pub fn mul(a: &Words, b: &Words, m: &Words) -> Words {
    let mut out = ZERO;
    modmul_256(a, b, m, &mut out);
    calls(1);
    out
}

pub fn add(a: &Words, b: &Words, m: &Words) -> Words {
    let mut out = ZERO;
    modadd_256(a, b, m, &mut out);
    calls(1);
    out
}

pub fn neg(a: &Words, m: &Words) -> Words {
    let mut out = ZERO;
    modsub_256(&ZERO, a, m, &mut out);
    calls(1);
    out
}

pub fn inv(a: &Words, m: &Words) -> Words {
    let mut out = ZERO;
    modinv_256(a, m, &mut out);
    calls(1);
    out
}

pub fn pow(base: &Words, exp: &Words, m: &Words) -> Words {
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
pub fn scale<C: Curve<8>>(point: &AffinePoint<8, C>, scalar: &Words) -> AffinePoint<8, C> {
    let bits = (0..8)
        .rev()
        .find(|&i| scalar[i] != 0)
        .map_or(0, |i| 32 * i as u32 + 32 - scalar[i].leading_zeros());
    let ones: u32 = scalar.iter().map(|w| w.count_ones()).sum();
    calls(bits as u64 + ones.saturating_sub(1) as u64);
    let mut out = AffinePoint::IDENTITY;
    point.mul(scalar, &mut out);
    out
}
