//! BLS12-381 (EIP-2537) with the base field on bigint2's 384-bit programs ([`Bigint2Fp`]): G1
//! and G2 addition, multi-scalar multiplication and the pairing check, on ark-bls12-381's curve
//! (its constants reused in their shared representation) and ark-ec's generic algorithms.
//! Decoding, checks and errors follow revm's arkworks backend. The two map-to-curve precompiles
//! keep revm's software path: their cost is one isogeny and cofactor clearing, which need
//! ark-bls12-381's private endomorphism constants.
//!
//! The subgroup checks are Scott's (eprint 2021/1130), as ark-bls12-381 makes them: φ(P) = −[x²]P
//! on G1 and ψ(P) = [x]P on G2, with the endomorphisms' constants restated here (ark keeps the
//! G2 ones private) and tested against their definitions. The generic [r]P = 0 has four times
//! the doublings and made a G2 MSM of one point slower than the software path.

use ark_bls12_381 as soft;
use ark_ec::bls12::{Bls12, Bls12Config, TwistType};
use ark_ec::pairing::Pairing;
use ark_ec::short_weierstrass::{Affine, Projective, SWCurveConfig};
use ark_ec::{AffineRepr, CurveConfig, CurveGroup, PrimeGroup, VariableBaseMSM};
use ark_ff::{AdditiveGroup, BigInt, One, PrimeField, Zero};
use revm::precompile::bls12_381::{G1Point, G1PointScalar, G2Point, G2PointScalar};
use revm::precompile::PrecompileHalt;

crate::ark_field::bigint2_tower!(6);

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
    /// (0, 0) is not on the curve (0 ≠ 4): it encodes the point at infinity.
    type ZeroFlag = ();

    fn mul_by_a(_: Fq) -> Fq {
        Fq::ZERO
    }

    /// φ(P) = −[x²]P, φ(x, y) = (βx, y) (eprint 2021/1130 §6), with its early out: [x]P = P for a
    /// P ≠ 0 means P is outside the group.
    fn is_in_correct_subgroup_assuming_on_curve(point: &Affine<Self>) -> bool {
        let x_times = point.mul_bigint(Config::X);
        if x_times == *point && !point.is_zero() {
            return false;
        }
        let mut phi = *point;
        phi.x *= BETA;
        -x_times.mul_bigint(Config::X) == phi
    }
}

/// A nontrivial cube root of unity in Fq: φ's coefficient.
const BETA: Fq = fq(soft::g1::BETA);

/// ψ(x, y) = (x^p·ψx, y^p·ψy), the untwist-Frobenius-twist endomorphism of G2, with
/// ψx = 1/(u+1)^((p−1)/3) and ψy = 1/(u+1)^((p−1)/2) (checked in the tests).
const PSI_X: Fq2 = fq2(soft::Fq2::new(
    ark_ff::MontFp!("0"),
    ark_ff::MontFp!(
        "4002409555221667392624310435006688643935503118305586438271171395842971157480381377015405980053539358417135540939437"
    ),
));
const PSI_Y: Fq2 = fq2(soft::Fq2::new(
    ark_ff::MontFp!(
        "2973677408986561043442465346520108879172042883009249989176415018091420807192182638567116318576472649347015917690530"
    ),
    ark_ff::MontFp!(
        "1028732146235106349975324479215795277384839936929757896155643118032610843298655225875571310552543014690878354869257"
    ),
));

fn psi(point: &Affine<G2Config>) -> Affine<G2Config> {
    let mut out = *point;
    out.x.conjugate_in_place();
    out.y.conjugate_in_place();
    out.x *= PSI_X;
    out.y *= PSI_Y;
    out
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

    /// ψ(P) = [x]P (eprint 2021/1130 §4); x is negative.
    fn is_in_correct_subgroup_assuming_on_curve(point: &Affine<Self>) -> bool {
        const _: () = assert!(<soft::Config as Bls12Config>::X_IS_NEGATIVE);
        -point.mul_bigint(Config::X) == psi(point)
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Config;

impl Bls12Config for Config {
    const X: &'static [u64] = <soft::Config as Bls12Config>::X;
    const X_IS_NEGATIVE: bool = <soft::Config as Bls12Config>::X_IS_NEGATIVE;
    const TWIST_TYPE: TwistType = <soft::Config as Bls12Config>::TWIST_TYPE;
    type Fp = Fq;
    type Fp2Config = Fq2Config;
    type Fp6Config = Fq6Config;
    type Fp12Config = Fq12Config;
    type G1Config = G1Config;
    type G2Config = G2Config;
}

pub type Bls12_381 = Bls12<Config>;
pub type G1Affine = Affine<G1Config>;
pub type G2Affine = Affine<G2Config>;

/// A base-field element: 48 bytes, big-endian, below p.
fn read_fp(be: &[u8; 48]) -> Result<Fq, PrecompileHalt> {
    let mut limbs = [0u64; 6];
    for (i, chunk) in be.rchunks(8).enumerate() {
        limbs[i] = u64::from_be_bytes(chunk.try_into().expect("8-byte chunks"));
    }
    Fq::from_bigint(BigInt(limbs)).ok_or(PrecompileHalt::NonCanonicalFp)
}

fn encode_fp(x: &Fq) -> [u8; 48] {
    let mut out = [0u8; 48];
    for (chunk, limb) in out.rchunks_mut(8).zip(x.into_bigint().0) {
        chunk.copy_from_slice(&limb.to_be_bytes());
    }
    out
}

fn g1_unchecked((x, y): &G1Point) -> Result<G1Affine, PrecompileHalt> {
    let (x, y) = (read_fp(x)?, read_fp(y)?);
    if x.is_zero() && y.is_zero() {
        return Ok(G1Affine::zero());
    }
    let point = G1Affine::new_unchecked(x, y);
    if !point.is_on_curve() {
        return Err(PrecompileHalt::Bls12381G1NotOnCurve);
    }
    Ok(point)
}

fn g1_in_group(point: &G1Point) -> Result<G1Affine, PrecompileHalt> {
    let point = g1_unchecked(point)?;
    if !point.is_in_correct_subgroup_assuming_on_curve() {
        return Err(PrecompileHalt::Bls12381G1NotInSubgroup);
    }
    Ok(point)
}

/// A G2 point: x.c0 ‖ x.c1 ‖ y.c0 ‖ y.c1 (EIP-2537 puts the real part first).
fn g2_unchecked((x0, x1, y0, y1): &G2Point) -> Result<G2Affine, PrecompileHalt> {
    let x = Fq2::new(read_fp(x0)?, read_fp(x1)?);
    let y = Fq2::new(read_fp(y0)?, read_fp(y1)?);
    if x.is_zero() && y.is_zero() {
        return Ok(G2Affine::zero());
    }
    let point = G2Affine::new_unchecked(x, y);
    if !point.is_on_curve() {
        return Err(PrecompileHalt::Bls12381G2NotOnCurve);
    }
    Ok(point)
}

fn g2_in_group(point: &G2Point) -> Result<G2Affine, PrecompileHalt> {
    let point = g2_unchecked(point)?;
    if !point.is_in_correct_subgroup_assuming_on_curve() {
        return Err(PrecompileHalt::Bls12381G2NotInSubgroup);
    }
    Ok(point)
}

fn encode_g1(point: &G1Affine) -> [u8; 96] {
    let mut out = [0u8; 96];
    if let Some((x, y)) = point.xy() {
        out[..48].copy_from_slice(&encode_fp(&x));
        out[48..].copy_from_slice(&encode_fp(&y));
    }
    out
}

fn encode_g2(point: &G2Affine) -> [u8; 192] {
    let mut out = [0u8; 192];
    if let Some((x, y)) = point.xy() {
        for (chunk, c) in out.chunks_mut(48).zip([x.c0, x.c1, y.c0, y.c1]) {
            chunk.copy_from_slice(&encode_fp(&c));
        }
    }
    out
}

pub fn g1_add(a: G1Point, b: G1Point) -> Result<[u8; 96], PrecompileHalt> {
    let (a, b) = (g1_unchecked(&a)?, g1_unchecked(&b)?);
    Ok(encode_g1(&(a + b).into_affine()))
}

pub fn g2_add(a: G2Point, b: G2Point) -> Result<[u8; 192], PrecompileHalt> {
    let (a, b) = (g2_unchecked(&a)?, g2_unchecked(&b)?);
    Ok(encode_g2(&(a + b).into_affine()))
}

/// Σ kᵢPᵢ over the pairs: every point checked (in the group), zero scalars dropped.
fn msm<C: SWCurveConfig<ScalarField = soft::Fr>, P>(
    pairs: &mut dyn Iterator<Item = Result<(P, [u8; 32]), PrecompileHalt>>,
    read: impl Fn(&P) -> Result<Affine<C>, PrecompileHalt>,
) -> Result<Affine<C>, PrecompileHalt> {
    let (mut points, mut scalars) = (Vec::new(), Vec::new());
    for pair in pairs {
        let (point, scalar) = pair?;
        let point = read(&point)?;
        if scalar.iter().all(|&b| b == 0) {
            continue;
        }
        points.push(point);
        scalars.push(soft::Fr::from_be_bytes_mod_order(&scalar));
    }
    Ok(match points.len() {
        0 => Affine::zero(),
        1 => points[0].mul_bigint(scalars[0].into_bigint()).into_affine(),
        _ => Projective::<C>::msm(&points, &scalars)
            .expect("as many scalars as points")
            .into_affine(),
    })
}

pub fn g1_msm(
    pairs: &mut dyn Iterator<Item = Result<G1PointScalar, PrecompileHalt>>,
) -> Result<[u8; 96], PrecompileHalt> {
    Ok(encode_g1(&msm(pairs, g1_in_group)?))
}

pub fn g2_msm(
    pairs: &mut dyn Iterator<Item = Result<G2PointScalar, PrecompileHalt>>,
) -> Result<[u8; 192], PrecompileHalt> {
    Ok(encode_g2(&msm(pairs, g2_in_group)?))
}

/// Whether the product of the pairings is 1. A pair with the point at infinity (all-zero bytes)
/// on either side is left out, its other point still checked.
pub fn pairing_check(pairs: &[(G1Point, G2Point)]) -> Result<bool, PrecompileHalt> {
    let zero = |parts: &[&[u8; 48]]| parts.iter().all(|p| p.iter().all(|&b| b == 0));
    let (mut g1, mut g2) = (Vec::new(), Vec::new());
    for (a, b) in pairs {
        let a_zero = zero(&[&a.0, &a.1]);
        let b_zero = zero(&[&b.0, &b.1, &b.2, &b.3]);
        if a_zero || b_zero {
            if !a_zero {
                let _ = g1_in_group(a)?;
            }
            if !b_zero {
                let _ = g2_in_group(b)?;
            }
            continue;
        }
        g1.push(g1_in_group(a)?);
        g2.push(g2_in_group(b)?);
    }
    if g1.is_empty() {
        return Ok(true);
    }
    Ok(Bls12_381::multi_pairing(g1, g2).0.is_one())
}

#[cfg(test)]
mod tests {
    use super::*;
    use ark_ff::{BigInteger, UniformRand};
    use revm::precompile::{Crypto, DefaultCrypto};

    fn fp_bytes(x: soft::Fq) -> [u8; 48] {
        encode_fp(&fq(x))
    }

    fn g1_bytes(p: soft::G1Affine) -> G1Point {
        if p.is_zero() {
            return ([0; 48], [0; 48]);
        }
        (fp_bytes(p.x), fp_bytes(p.y))
    }

    fn g2_bytes(q: soft::G2Affine) -> G2Point {
        if q.is_zero() {
            return ([0; 48], [0; 48], [0; 48], [0; 48]);
        }
        (fp_bytes(q.x.c0), fp_bytes(q.x.c1), fp_bytes(q.y.c0), fp_bytes(q.y.c1))
    }

    /// A point on the curve outside G1 (G1's cofactor is not 1).
    fn g1_outside(rng: &mut impl ark_std::rand::Rng) -> soft::G1Affine {
        loop {
            let x = soft::Fq::rand(rng);
            if let Some(p) = soft::G1Affine::get_point_from_x_unchecked(x, true) {
                if !p.is_in_correct_subgroup_assuming_on_curve() {
                    return p;
                }
            }
        }
    }

    fn g2_outside(rng: &mut impl ark_std::rand::Rng) -> soft::G2Affine {
        loop {
            let x = soft::Fq2::rand(rng);
            if let Some(q) = soft::G2Affine::get_point_from_x_unchecked(x, true) {
                if !q.is_in_correct_subgroup_assuming_on_curve() {
                    return q;
                }
            }
        }
    }

    #[test]
    fn subgroup_checks_agree_with_the_generic_ones() {
        use ark_ff::Field;
        let xi = soft::Fq2::new(soft::Fq::ONE, soft::Fq::ONE);
        let p_minus_one = {
            let mut p = <soft::FqConfig as ark_ff::MontConfig<6>>::MODULUS;
            p.sub_with_borrow(&BigInt::from(1u64));
            p
        };
        // (p − 1)/3 and (p − 1)/2 by long division of the limbs.
        let div = |n: BigInt<6>, d: u64| {
            let mut out = [0u64; 6];
            let mut rem = 0u128;
            for i in (0..6).rev() {
                let cur = (rem << 64) | n.0[i] as u128;
                out[i] = (cur / d as u128) as u64;
                rem = cur % d as u128;
            }
            assert_eq!(rem, 0);
            BigInt(out)
        };
        assert_eq!(PSI_X, fq2(xi.pow(div(p_minus_one, 3)).inverse().unwrap()));
        assert_eq!(PSI_Y, fq2(xi.pow(div(p_minus_one, 2)).inverse().unwrap()));
        assert_eq!(BETA.pow([3]), Fq::ONE);
        assert_ne!(BETA, Fq::ONE);

        let mut rng = ark_std::test_rng();
        for _ in 0..4 {
            let p = g1_outside(&mut rng);
            let ours = G1Affine::new_unchecked(fq(p.x), fq(p.y));
            assert!(!p.mul_bigint(soft::Fr::MODULUS).is_zero(), "the generic check");
            assert!(!ours.is_in_correct_subgroup_assuming_on_curve());
            let p = p.mul_bigint(<soft::g1::Config as CurveConfig>::COFACTOR).into_affine();
            assert!(G1Affine::new_unchecked(fq(p.x), fq(p.y))
                .is_in_correct_subgroup_assuming_on_curve());
            let q = g2_outside(&mut rng);
            let ours = G2Affine::new_unchecked(fq2(q.x), fq2(q.y));
            assert!(!q.mul_bigint(soft::Fr::MODULUS).is_zero(), "the generic check");
            assert!(!ours.is_in_correct_subgroup_assuming_on_curve());
            let q = q.clear_cofactor();
            assert!(G2Affine::new_unchecked(fq2(q.x), fq2(q.y))
                .is_in_correct_subgroup_assuming_on_curve());
        }
    }

    #[test]
    fn additions_and_msms_agree_with_revm() {
        let mut rng = ark_std::test_rng();
        let p = (soft::G1Affine::generator() * soft::Fr::rand(&mut rng)).into_affine();
        let p2 = (soft::G1Affine::generator() * soft::Fr::rand(&mut rng)).into_affine();
        let q = (soft::G2Affine::generator() * soft::Fr::rand(&mut rng)).into_affine();
        let q2 = (soft::G2Affine::generator() * soft::Fr::rand(&mut rng)).into_affine();
        let (p_out, q_out) = (g1_outside(&mut rng), g2_outside(&mut rng));
        let bad = ([1u8; 48], [2u8; 48]);
        let big = ([0xffu8; 48], [0u8; 48]);
        for (a, b) in [(p, p2), (p, p), (p, -p), (p, soft::G1Affine::zero()), (p, p_out)] {
            let (a, b) = (g1_bytes(a), g1_bytes(b));
            assert_eq!(g1_add(a, b), DefaultCrypto.bls12_381_g1_add(a, b));
        }
        assert!(g1_add(g1_bytes(p), bad).is_err());
        assert_eq!(g1_add(big, g1_bytes(p)), DefaultCrypto.bls12_381_g1_add(big, g1_bytes(p)));
        for (a, b) in [(q, q2), (q, q), (q, -q), (q, soft::G2Affine::zero()), (q, q_out)] {
            let (a, b) = (g2_bytes(a), g2_bytes(b));
            assert_eq!(g2_add(a, b), DefaultCrypto.bls12_381_g2_add(a, b));
        }
        let scalar = |x: soft::Fr| {
            let mut out = [0u8; 32];
            out.copy_from_slice(&x.into_bigint().to_bytes_be());
            out
        };
        let k: Vec<[u8; 32]> = (0..3)
            .map(|_| scalar(soft::Fr::rand(&mut rng)))
            .chain([[0u8; 32], [0xff; 32]])
            .collect();
        let g1_sets: Vec<Vec<(G1Point, [u8; 32])>> = vec![
            vec![],
            vec![(g1_bytes(p), k[0])],
            vec![(g1_bytes(p), k[0]), (g1_bytes(p2), k[1]), (g1_bytes(-p), k[4])],
            vec![(g1_bytes(p), k[3]), (g1_bytes(p2), k[3])],
            vec![(g1_bytes(p), k[0]), (g1_bytes(p_out), k[3])],
        ];
        for set in &g1_sets {
            let ours = g1_msm(&mut set.iter().map(|x| Ok(*x)));
            assert_eq!(ours, DefaultCrypto.bls12_381_g1_msm(&mut set.iter().map(|x| Ok(*x))));
        }
        assert!(g1_msm(&mut g1_sets[4].iter().map(|x| Ok(*x))).is_err());
        let g2_sets: Vec<Vec<(G2Point, [u8; 32])>> = vec![
            vec![(g2_bytes(q), k[1])],
            vec![(g2_bytes(q), k[0]), (g2_bytes(q2), k[2]), (g2_bytes(q), k[4])],
            vec![(g2_bytes(q_out), k[0])],
        ];
        for set in &g2_sets {
            let ours = g2_msm(&mut set.iter().map(|x| Ok(*x)));
            assert_eq!(ours, DefaultCrypto.bls12_381_g2_msm(&mut set.iter().map(|x| Ok(*x))));
        }
    }

    #[test]
    fn pairing_checks_agree_with_revm() {
        let mut rng = ark_std::test_rng();
        let (g1, g2) = (soft::G1Affine::generator(), soft::G2Affine::generator());
        let (a, b) = (soft::Fr::rand(&mut rng), soft::Fr::rand(&mut rng));
        let pa = (g1 * a).into_affine();
        let qb = (g2 * b).into_affine();
        let pab = (g1 * (a * b)).into_affine();
        let zero1 = g1_bytes(soft::G1Affine::zero());
        // (pairs, the check's result or None for an error)
        type Case = (Vec<(G1Point, G2Point)>, Option<bool>);
        let cases: Vec<Case> = vec![
            (vec![(g1_bytes(pa), g2_bytes(qb)), (g1_bytes(pab), g2_bytes(-g2))], Some(true)),
            (vec![(g1_bytes(pa), g2_bytes(qb))], Some(false)),
            (vec![(zero1, g2_bytes(qb))], Some(true)),
            (vec![(zero1, g2_bytes(g2_outside(&mut rng)))], None),
            (vec![(g1_bytes(g1_outside(&mut rng)), g2_bytes(qb))], None),
            (vec![], Some(true)),
        ];
        for (i, (pairs, want)) in cases.iter().enumerate() {
            let ours = pairing_check(pairs);
            assert_eq!(ours, DefaultCrypto.bls12_381_pairing_check(pairs), "case {i}");
            assert_eq!(ours.ok(), *want, "case {i}");
        }
    }
}
