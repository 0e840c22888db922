//! bn254 (alt_bn128) G1 addition and scalar multiplication (EIP-196) on bigint2's curve programs,
//! with the curve y² = x³ + 3 over its base field given to them as a Weierstrass curve. G1 has
//! cofactor 1: a point on the curve is in the group, so the on-curve check is revm's whole check.

use super::u256::{add, be_bytes, calls, less, mul, scale, words, Words, ONE, ZERO};
use revm::precompile::PrecompileHalt;
use risc0_bigint2::ec::{AffinePoint, Curve, WeierstrassCurve};

/// The base field's prime.
const P: Words = [
    0xd87cfd47, 0x3c208c16, 0x6871ca8d, 0x97816a91, 0x8181585d, 0xb85045b6, 0xe131a029, 0x30644e72,
];
/// The group order r.
const R: Words = [
    0xf0000001, 0x43e1f593, 0x79b97091, 0x2833e848, 0x8181585d, 0xb85045b6, 0xe131a029, 0x30644e72,
];
const THREE: Words = [3, 0, 0, 0, 0, 0, 0, 0];

#[derive(Debug, Eq, PartialEq, Ord, PartialOrd)]
pub enum Bn254G1 {}

impl Curve<8> for Bn254G1 {
    const CURVE: &'static WeierstrassCurve<8> = &WeierstrassCurve::new(P, ZERO, THREE);
}

type Point = AffinePoint<8, Bn254G1>;

/// A point as the precompile encodes it: x ‖ y, big-endian, (0, 0) for the point at infinity.
fn read(bytes: &[u8]) -> Result<Point, PrecompileHalt> {
    let x = words(bytes[..32].try_into().unwrap());
    let y = words(bytes[32..64].try_into().unwrap());
    if !less(&x, &P) || !less(&y, &P) {
        return Err(PrecompileHalt::Bn254FieldPointNotAMember);
    }
    if x == ZERO && y == ZERO {
        return Ok(Point::IDENTITY);
    }
    if mul(&y, &y, &P) != add(&mul(&mul(&x, &x, &P), &x, &P), &THREE, &P) {
        return Err(PrecompileHalt::Bn254AffineGFailedToCreate);
    }
    Ok(Point::new_unchecked(x, y))
}

fn encode(point: &Point) -> [u8; 64] {
    let mut out = [0u8; 64];
    if let Some([x, y]) = point.as_u32s() {
        out[..32].copy_from_slice(&be_bytes(x));
        out[32..].copy_from_slice(&be_bytes(y));
    }
    out
}

pub fn g1_add(p1: &[u8], p2: &[u8]) -> Result<[u8; 64], PrecompileHalt> {
    let (a, b) = (read(p1)?, read(p2)?);
    let mut sum = Point::IDENTITY;
    a.add(&b, &mut sum);
    calls(1);
    Ok(encode(&sum))
}

pub fn g1_mul(point: &[u8], scalar: &[u8]) -> Result<[u8; 64], PrecompileHalt> {
    let p = read(point)?;
    // The scalar modulo r: then no partial sum of the double-and-add reaches the point at
    // infinity, which bigint2's multiplication does not handle.
    let k = mul(&words(scalar[..32].try_into().unwrap()), &ONE, &R);
    if k == ZERO || p.is_identity() {
        return Ok([0; 64]);
    }
    Ok(encode(&scale(&p, &k)))
}
