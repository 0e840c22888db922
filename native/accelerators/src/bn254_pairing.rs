//! The bn254 pairing check (EIP-197). Decoding and the on-curve checks use ark-bn254's curve
//! re-declared over bigint2's field ([`crate::ark_field::Bigint2Fp`]); the G2 subgroup check and
//! the pairing itself run on [`crate::bn254_tower`]. Input checks and errors follow revm's own
//! arkworks backend, so both guests fail the same inputs the same way.

use crate::bn254_tower::{self as tower, words_of};
use ark_bn254 as soft;
use ark_ec::short_weierstrass::{Affine, SWCurveConfig};
use ark_ec::{AffineRepr, CurveConfig};
use ark_ff::{AdditiveGroup, BigInt, PrimeField, Zero};
use revm::precompile::PrecompileHalt;

crate::ark_field::bigint2_fq2!(4);

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct G1Config;

impl CurveConfig for G1Config {
    type BaseField = Fq;
    type ScalarField = soft::Fr;
    const COFACTOR: &'static [u64] = <soft::g1::Config as CurveConfig>::COFACTOR;
    const COFACTOR_INV: soft::Fr = <soft::g1::Config as CurveConfig>::COFACTOR_INV;
}

impl SWCurveConfig for G1Config {
    const COEFF_A: Fq = fq(<soft::g1::Config as SWCurveConfig>::COEFF_A);
    const COEFF_B: Fq = fq(<soft::g1::Config as SWCurveConfig>::COEFF_B);
    const GENERATOR: Affine<Self> = Affine::new_unchecked(
        fq(<soft::g1::Config as SWCurveConfig>::GENERATOR.x),
        fq(<soft::g1::Config as SWCurveConfig>::GENERATOR.y),
    );
    /// (0, 0) is not on the curve (0 ≠ 3): it encodes the point at infinity.
    type ZeroFlag = ();

    fn mul_by_a(_: Fq) -> Fq {
        Fq::ZERO
    }

    /// G1 has cofactor 1.
    fn is_in_correct_subgroup_assuming_on_curve(_: &Affine<Self>) -> bool {
        true
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct G2Config;

impl CurveConfig for G2Config {
    type BaseField = Fq2;
    type ScalarField = soft::Fr;
    const COFACTOR: &'static [u64] = <soft::g2::Config as CurveConfig>::COFACTOR;
    const COFACTOR_INV: soft::Fr = <soft::g2::Config as CurveConfig>::COFACTOR_INV;
}

impl SWCurveConfig for G2Config {
    const COEFF_A: Fq2 = fq2(<soft::g2::Config as SWCurveConfig>::COEFF_A);
    const COEFF_B: Fq2 = fq2(<soft::g2::Config as SWCurveConfig>::COEFF_B);
    const GENERATOR: Affine<Self> = Affine::new_unchecked(
        fq2(<soft::g2::Config as SWCurveConfig>::GENERATOR.x),
        fq2(<soft::g2::Config as SWCurveConfig>::GENERATOR.y),
    );
    type ZeroFlag = ();

    fn mul_by_a(_: Fq2) -> Fq2 {
        Fq2::ZERO
    }

    /// [`tower::in_g2`]: [6x²]P = ψ(P) (eprint 2022/352 §4.3, as ark-bn254 checks it).
    fn is_in_correct_subgroup_assuming_on_curve(point: &Affine<Self>) -> bool {
        tower::in_g2(&g2_words(point))
    }
}

fn g2_words(q: &G2Affine) -> tower::G2 {
    let fq2 = |x: &Fq2| tower::Fq2([words_of(x.c0.into_bigint()), words_of(x.c1.into_bigint())]);
    tower::G2 { x: fq2(&q.x), y: fq2(&q.y) }
}

pub type G1Affine = Affine<G1Config>;
pub type G2Affine = Affine<G2Config>;

/// A base-field element: 32 bytes, big-endian, below p.
fn read_fq(be: &[u8]) -> Result<Fq, PrecompileHalt> {
    let mut limbs = [0u64; 4];
    for (i, chunk) in be.rchunks(8).enumerate() {
        limbs[i] = u64::from_be_bytes(chunk.try_into().expect("8-byte chunks"));
    }
    Fq::from_bigint(BigInt(limbs)).ok_or(PrecompileHalt::Bn254FieldPointNotAMember)
}

/// A G1 point: x ‖ y; (0, 0) is the point at infinity.
pub fn read_g1(bytes: &[u8]) -> Result<G1Affine, PrecompileHalt> {
    let (x, y) = (read_fq(&bytes[..32])?, read_fq(&bytes[32..64])?);
    if x.is_zero() && y.is_zero() {
        return Ok(G1Affine::zero());
    }
    let point = G1Affine::new_unchecked(x, y);
    if !point.is_on_curve() {
        return Err(PrecompileHalt::Bn254AffineGFailedToCreate);
    }
    Ok(point)
}

/// A G2 point: each coordinate c1 ‖ c0 (the imaginary part first, as EIP-197 has it).
pub fn read_g2(bytes: &[u8]) -> Result<G2Affine, PrecompileHalt> {
    let fq2 = |b: &[u8]| -> Result<Fq2, PrecompileHalt> {
        let c1 = read_fq(&b[..32])?;
        Ok(Fq2::new(read_fq(&b[32..64])?, c1))
    };
    let (x, y) = (fq2(&bytes[..64])?, fq2(&bytes[64..128])?);
    if x.is_zero() && y.is_zero() {
        return Ok(G2Affine::zero());
    }
    let point = G2Affine::new_unchecked(x, y);
    if !point.is_on_curve() || !point.is_in_correct_subgroup_assuming_on_curve() {
        return Err(PrecompileHalt::Bn254AffineGFailedToCreate);
    }
    Ok(point)
}

/// Whether the product of the pairings of the (G1, G2) pairs is 1.
pub fn pairing_check(pairs: &[(&[u8], &[u8])]) -> Result<bool, PrecompileHalt> {
    let mut points = Vec::with_capacity(pairs.len());
    for (a, b) in pairs {
        let (p, q) = (read_g1(a)?, read_g2(b)?);
        if !p.is_zero() && !q.is_zero() {
            let p = tower::G1 { x: words_of(p.x.into_bigint()), y: words_of(p.y.into_bigint()) };
            points.push((p, g2_words(&q)));
        }
    }
    Ok(tower::pairing_product_is_one(&points))
}

#[cfg(test)]
mod tests {
    use super::*;
    use ark_ec::CurveGroup;
    use ark_ff::BigInteger;
    use ark_ff::UniformRand;
    use revm::precompile::{Crypto, DefaultCrypto};

    fn be(x: impl PrimeField) -> Vec<u8> {
        let mut out = x.into_bigint().to_bytes_be();
        out.splice(0..0, vec![0u8; 32 - out.len()]);
        out
    }

    fn g1_bytes(p: soft::G1Affine) -> Vec<u8> {
        [be(p.x), be(p.y)].concat()
    }

    fn g2_bytes(q: soft::G2Affine) -> Vec<u8> {
        [be(q.x.c1), be(q.x.c0), be(q.y.c1), be(q.y.c0)].concat()
    }

    #[test]
    fn pairing_checks_agree_with_revm() {
        let mut rng = ark_std::test_rng();
        let (g1, g2) = (soft::G1Affine::generator(), soft::G2Affine::generator());
        let (a, b) = (soft::Fr::rand(&mut rng), soft::Fr::rand(&mut rng));
        let pa = (g1 * a).into_affine();
        let qb = (g2 * b).into_affine();
        let pab = (g1 * (a * b)).into_affine();
        let neg = -g2;
        let zero = vec![0u8; 64];
        // On the twist but outside G2 (the twist's cofactor is not 1).
        let outside = loop {
            let x = soft::Fq2::rand(&mut rng);
            if let Some(q) = soft::G2Affine::get_point_from_x_unchecked(x, true) {
                if !q.is_in_correct_subgroup_assuming_on_curve() {
                    break q;
                }
            }
        };
        let cases: Vec<Vec<(Vec<u8>, Vec<u8>)>> = vec![
            // e(aG, bH) · e(abG, −H) = 1
            vec![(g1_bytes(pa), g2_bytes(qb)), (g1_bytes(pab), g2_bytes(neg))],
            // e(aG, bH) alone ≠ 1
            vec![(g1_bytes(pa), g2_bytes(qb))],
            // infinity in either place is skipped
            vec![(zero.clone(), g2_bytes(qb))],
            vec![(g1_bytes(pa), vec![0u8; 128])],
            // not on the curve, and a coordinate not below p
            vec![(vec![1u8; 64], g2_bytes(qb))],
            vec![(vec![0xffu8; 64], g2_bytes(qb))],
            vec![(g1_bytes(pa), vec![3u8; 128])],
            vec![(g1_bytes(pa), g2_bytes(outside))],
        ];
        let expected = [Ok(true), Ok(false), Ok(true), Ok(true)];
        for (i, pairs) in cases.iter().enumerate() {
            let refs: Vec<(&[u8], &[u8])> =
                pairs.iter().map(|(a, b)| (a.as_slice(), b.as_slice())).collect();
            let ours = pairing_check(&refs);
            assert_eq!(ours, DefaultCrypto.bn254_pairing_check(&refs), "case {i}");
            match expected.get(i) {
                Some(want) => assert_eq!(&ours, want, "case {i}"),
                None => assert!(ours.is_err(), "case {i} is invalid input"),
            }
        }
        assert_eq!(pairing_check(&[]), Ok(true));
    }
}
