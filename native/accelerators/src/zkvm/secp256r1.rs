//! P-256 (secp256r1) signature verification (EIP-7951) on bigint2: the curve y² = x³ − 3x + b
//! given to bigint2's curve programs as a Weierstrass curve, the scalars modulo the group order
//! on its field programs. The rules are those of p256's `verify_prehash` (revm's default): r and
//! s in [1, n), the key a point of the curve, z the hash modulo n, and R = z/s·G + r/s·Q, not the
//! point at infinity, with x(R) ≡ r (mod n). No low-s rule.

use super::u256::{add, calls, inv, less, mul, scale, sub, words, Words, ZERO};
use risc0_bigint2::ec::{AffinePoint, Curve, WeierstrassCurve};

/// The field prime p = 2²⁵⁶ − 2²²⁴ + 2¹⁹² + 2⁹⁶ − 1.
const P: Words = [
    0xffffffff, 0xffffffff, 0xffffffff, 0x00000000, 0x00000000, 0x00000000, 0x00000001, 0xffffffff,
];
/// a = −3 mod p.
const A: Words = [
    0xfffffffc, 0xffffffff, 0xffffffff, 0x00000000, 0x00000000, 0x00000000, 0x00000001, 0xffffffff,
];
const B: Words = [
    0x27d2604b, 0x3bce3c3e, 0xcc53b0f6, 0x651d06b0, 0x769886bc, 0xb3ebbd55, 0xaa3a93e7, 0x5ac635d8,
];
/// The group order n.
const N: Words = [
    0xfc632551, 0xf3b9cac2, 0xa7179e84, 0xbce6faad, 0xffffffff, 0xffffffff, 0x00000000, 0xffffffff,
];
const G_X: Words = [
    0xd898c296, 0xf4a13945, 0x2deb33a0, 0x77037d81, 0x63a440f2, 0xf8bce6e5, 0xe12c4247, 0x6b17d1f2,
];
const G_Y: Words = [
    0x37bf51f5, 0xcbb64068, 0x6b315ece, 0x2bce3357, 0x7c0f9e16, 0x8ee7eb4a, 0xfe1a7f9b, 0x4fe342e2,
];

#[derive(Debug, Eq, PartialEq, Ord, PartialOrd)]
pub enum Secp256r1 {}

impl Curve<8> for Secp256r1 {
    const CURVE: &'static WeierstrassCurve<8> = &WeierstrassCurve::new(P, A, B);
}

type Point = AffinePoint<8, Secp256r1>;

/// Whether `sig` (r ‖ s) is a signature of the hash `msg` by the key `pk` (x ‖ y), all big-endian.
pub fn verify(msg: &[u8; 32], sig: &[u8; 64], pk: &[u8; 64]) -> bool {
    let r = words(sig[..32].try_into().unwrap());
    let s = words(sig[32..].try_into().unwrap());
    if r == ZERO || s == ZERO || !less(&r, &N) || !less(&s, &N) {
        return false;
    }
    let x = words(pk[..32].try_into().unwrap());
    let y = words(pk[32..].try_into().unwrap());
    if !less(&x, &P) || !less(&y, &P) {
        return false;
    }
    // y² = x³ + ax + b; (0, 0) is not on the curve (b ≠ 0), so no key is the point at infinity.
    let rhs = add(&add(&mul(&mul(&x, &x, &P), &x, &P), &mul(&A, &x, &P), &P), &B, &P);
    if mul(&y, &y, &P) != rhs {
        return false;
    }
    // z: the hash as a number modulo n (2²⁵⁶ < 2n, so one subtraction at most).
    let mut z = words(*msg);
    if !less(&z, &N) {
        z = sub(&z, &N);
    }
    let s_inv = inv(&s, &N);
    let u1 = mul(&z, &s_inv, &N);
    let u2 = mul(&r, &s_inv, &N);
    // u1, u2 < n: no partial sum of either multiplication reaches the point at infinity.
    let u1_g = scale(&Point::new_unchecked(G_X, G_Y), &u1);
    let u2_q = scale(&Point::new_unchecked(x, y), &u2);
    let mut sum = Point::IDENTITY;
    u1_g.add(&u2_q, &mut sum);
    calls(1);
    let Some([rx, _]) = sum.as_u32s() else {
        return false;
    };
    // x(R) < p < 2n: reduced modulo n by one subtraction at most.
    let rx = if less(rx, &N) { *rx } else { sub(rx, &N) };
    rx == r
}
