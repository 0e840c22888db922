//! modexp (EIP-198) on bigint2's modular multiplication at 256, 384 or 4096 bits, chosen by the
//! width of the modulus and the base; wider operands fall back to revm's software modexp.

use super::u256::{bytes_of, calls as bigint2_calls, words_of};
use risc0_bigint2::field::{
    modmul_256, modmul_384, modmul_4096, FIELD_256_WIDTH_WORDS, FIELD_384_WIDTH_WORDS,
    FIELD_4096_WIDTH_WORDS,
};

fn strip(bytes: &[u8]) -> &[u8] {
    let first = bytes.iter().position(|&b| b != 0).unwrap_or(bytes.len());
    &bytes[first..]
}

/// `base^exp mod m` by square-and-multiply, one bigint2 call per multiplication, written
/// big-endian into `len` bytes (the modulus' length, as the precompile returns it).
fn pow<const N: usize>(
    base: &[u8],
    exp: &[u8],
    m: &[u8],
    len: usize,
    modmul: fn(&[u32; N], &[u32; N], &[u32; N], &mut [u32; N]),
) -> Vec<u8> {
    let m = words_of::<N>(m);
    let mut one = [0u32; N];
    one[0] = 1;
    let mut calls = 0u64;
    let mut mul = |a: &[u32; N], b: &[u32; N]| {
        let mut out = [0u32; N];
        modmul(a, b, &m, &mut out);
        calls += 1;
        out
    };
    // 1 and the base, reduced modulo m (m = 1 makes both 0).
    let mut acc = mul(&one, &one);
    let base = mul(&words_of::<N>(base), &one);
    for byte in strip(exp) {
        for bit in (0..8).rev() {
            acc = mul(&acc, &acc);
            if byte >> bit & 1 == 1 {
                acc = mul(&acc, &base);
            }
        }
    }
    bigint2_calls(calls);
    bytes_of(&acc, len)
}

/// The precompile's output, or None where the operands are wider than 4096 bits.
pub fn modexp(base: &[u8], exp: &[u8], modulus: &[u8]) -> Option<Vec<u8>> {
    let (b, m) = (strip(base), strip(modulus));
    if m.is_empty() {
        return Some(vec![0; modulus.len()]);
    }
    let width = b.len().max(m.len());
    Some(if width <= 4 * FIELD_256_WIDTH_WORDS {
        pow::<FIELD_256_WIDTH_WORDS>(b, exp, m, modulus.len(), modmul_256)
    } else if width <= 4 * FIELD_384_WIDTH_WORDS {
        pow::<FIELD_384_WIDTH_WORDS>(b, exp, m, modulus.len(), modmul_384)
    } else if width <= 4 * FIELD_4096_WIDTH_WORDS {
        pow::<FIELD_4096_WIDTH_WORDS>(b, exp, m, modulus.len(), modmul_4096)
    } else {
        return None;
    })
}
