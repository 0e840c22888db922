//! The bn254 pairing check (EIP-197) with the base field on bigint2 ([`Bigint2Fp`]): the curve
//! is ark-bn254's, its constants taken from that crate in their shared representation, and
//! ark-ec's optimal ate pairing (Miller loop, final exponentiation) runs over it. Input checks
//! and errors follow revm's own arkworks backend, so both guests fail the same inputs the same way.

use ark_bn254 as soft;
use ark_ec::bn::{Bn, BnConfig, TwistType};
use ark_ec::pairing::Pairing;
use ark_ec::short_weierstrass::{Affine, SWCurveConfig};
use ark_ec::{AffineRepr, CurveConfig};
use ark_ff::{AdditiveGroup, BigInt, Field, One, PrimeField, Zero};
use revm::precompile::PrecompileHalt;

crate::ark_field::bigint2_tower!(4);

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

/// 6x², x the curve's parameter: [6x²]P = ψ(P) exactly for the points of G2.
const SIX_X_SQUARED: [u64; 2] = {
    let x = Config::X[0] as u128;
    let v = 6 * x * x;
    [v as u64, (v >> 64) as u64]
};

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

    /// The check of eprint 2022/352 §4.3 that ark-bn254 uses: [6x²]P = ψ(P), ψ the
    /// untwist-Frobenius-twist endomorphism (x, y) ↦ (x^p·ψx, y^p·ψy), whose coefficients are the
    /// pairing's twist constants. Half the doublings of the generic [r]P = 0.
    fn is_in_correct_subgroup_assuming_on_curve(point: &Affine<Self>) -> bool {
        let mut psi = *point;
        psi.x.frobenius_map_in_place(1);
        psi.y.frobenius_map_in_place(1);
        psi.x *= Config::TWIST_MUL_BY_Q_X;
        psi.y *= Config::TWIST_MUL_BY_Q_Y;
        point.mul_bigint(SIX_X_SQUARED) == psi
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Config;

impl BnConfig for Config {
    const X: &'static [u64] = <soft::Config as BnConfig>::X;
    const X_IS_NEGATIVE: bool = <soft::Config as BnConfig>::X_IS_NEGATIVE;
    const ATE_LOOP_COUNT: &'static [i8] = <soft::Config as BnConfig>::ATE_LOOP_COUNT;
    const TWIST_TYPE: TwistType = <soft::Config as BnConfig>::TWIST_TYPE;
    const TWIST_MUL_BY_Q_X: Fq2 = fq2(<soft::Config as BnConfig>::TWIST_MUL_BY_Q_X);
    const TWIST_MUL_BY_Q_Y: Fq2 = fq2(<soft::Config as BnConfig>::TWIST_MUL_BY_Q_Y);
    type Fp = Fq;
    type Fp2Config = Fq2Config;
    type Fp6Config = Fq6Config;
    type Fp12Config = Fq12Config;
    type G1Config = G1Config;
    type G2Config = G2Config;
}

pub type Bn254 = Bn<Config>;
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
    let mut g1 = Vec::with_capacity(pairs.len());
    let mut g2 = Vec::with_capacity(pairs.len());
    for (a, b) in pairs {
        let (p, q) = (read_g1(a)?, read_g2(b)?);
        if !p.is_zero() && !q.is_zero() {
            g1.push(p);
            g2.push(q);
        }
    }
    if g1.is_empty() {
        return Ok(true);
    }
    Ok(Bn254::multi_pairing(g1, g2).0.is_one())
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
    fn subgroup_check_agrees_with_the_generic_one() {
        let mut rng = ark_std::test_rng();
        let mut found_outside = false;
        for _ in 0..8 {
            // A point on the twist: random x until x³ + b is a square.
            let q = loop {
                let x = soft::Fq2::rand(&mut rng);
                if let Some(q) = soft::G2Affine::get_point_from_x_unchecked(x, true) {
                    break q;
                }
            };
            let ours = G2Affine::new_unchecked(fq2(q.x), fq2(q.y));
            let naive = q.mul_bigint(soft::Fr::MODULUS).is_zero();
            assert_eq!(ours.is_in_correct_subgroup_assuming_on_curve(), naive);
            found_outside |= !naive;
            let in_group = q.clear_cofactor();
            let ours = G2Affine::new_unchecked(fq2(in_group.x), fq2(in_group.y));
            assert!(ours.is_in_correct_subgroup_assuming_on_curve());
        }
        assert!(found_outside, "no point outside G2 was tried");
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
