//! arkworks prime fields whose multiplication runs on RISC Zero's bigint2 programs.
//!
//! [`Bigint2Fp`] plugs into ark-ff as a field backend, so ark-ec's generic pairings, curve
//! arithmetic and subgroup checks run unchanged on top, and an ark curve (`ark_bn254`,
//! `ark_bls12_381`) is re-declared over it from that crate's own constants. It stores plain
//! residues (not ark's Montgomery form aR), so a product is one `bigint2 modmul` and an inverse
//! one `modinv`; the constants are moved out of Montgomery form at compile time ([`from_mont`]).
//! Additions stay in software (a few instructions each). Off the zkVM the same code runs with
//! ark's own multiplication standing in for bigint2, so host tests check everything but the
//! programs themselves.

use ark_ff::fields::{Fp2, Fp2Config};
use ark_ff::{BigInt, Fp, FpConfig, MontBackend, MontConfig, SqrtPrecomputation};
use core::marker::PhantomData;

/// ark-ff's configuration of the field of `T` (an ark MontConfig of 4 or 6 limbs, for bigint2's
/// 256- and 384-bit programs).
pub struct Bigint2Backend<T, const N: usize>(PhantomData<T>);

/// An element of the field: its plain residue below p.
pub type Bigint2Fp<T, const N: usize> = Fp<Bigint2Backend<T, N>, N>;

/// The same element in ark's own (software, Montgomery) field.
pub type Mont<T, const N: usize> = Fp<MontBackend<T, N>, N>;

/// aR ↦ a: Montgomery reduction (N rounds of adding a multiple of p that clears the low limb,
/// then dropping it), as a const fn so that ark's constants convert at compile time.
const fn reduce<T: MontConfig<N>, const N: usize>(a: BigInt<N>) -> BigInt<N> {
    let p = T::MODULUS.0;
    let inv = T::INV; // −p⁻¹ mod 2⁶⁴
    let mut t = a.0;
    let mut round = 0;
    while round < N {
        let m = t[0].wrapping_mul(inv);
        let mut carry = ((t[0] as u128 + m as u128 * p[0] as u128) >> 64) as u64;
        let mut j = 1;
        while j < N {
            let s = t[j] as u128 + m as u128 * p[j] as u128 + carry as u128;
            t[j - 1] = s as u64;
            carry = (s >> 64) as u64;
            j += 1;
        }
        t[N - 1] = carry;
        round += 1;
    }
    // a < p gives t < 2p: at most one subtraction.
    if !less(&t, &p) {
        let mut borrow = false;
        let mut j = 0;
        while j < N {
            let (d, b1) = t[j].overflowing_sub(p[j]);
            let (d, b2) = d.overflowing_sub(borrow as u64);
            t[j] = d;
            borrow = b1 || b2;
            j += 1;
        }
    }
    BigInt(t)
}

const fn less<const N: usize>(a: &[u64; N], b: &[u64; N]) -> bool {
    let mut i = N;
    while i > 0 {
        i -= 1;
        if a[i] != b[i] {
            return a[i] < b[i];
        }
    }
    false
}

/// An element of ark's own field, as ours (at compile time for constants).
pub const fn from_mont<T: MontConfig<N>, const N: usize>(x: Mont<T, N>) -> Bigint2Fp<T, N> {
    Fp(reduce::<T, N>(x.0), PhantomData)
}

/// An element of a quadratic extension over ark's field, moved to the same extension over ours.
pub const fn fp2_from_mont<T, const N: usize, S, D>(x: Fp2<S>) -> Fp2<D>
where
    T: MontConfig<N>,
    S: Fp2Config<Fp = Mont<T, N>>,
    D: Fp2Config<Fp = Bigint2Fp<T, N>>,
{
    Fp2::new(from_mont(x.c0), from_mont(x.c1))
}

/// The first L elements of a table of such elements (ark's Frobenius coefficients).
pub const fn fp2s_from_mont<T, const N: usize, S, D, const L: usize>(xs: &[Fp2<S>]) -> [Fp2<D>; L]
where
    T: MontConfig<N>,
    S: Fp2Config<Fp = Mont<T, N>>,
    D: Fp2Config<Fp = Bigint2Fp<T, N>>,
{
    let mut out = [Fp2::new(Bigint2Backend::<T, N>::ZERO, Bigint2Backend::<T, N>::ZERO); L];
    let mut i = 0;
    while i < L {
        out[i] = fp2_from_mont(xs[i]);
        i += 1;
    }
    out
}

const fn sqrt_precomputation<T: MontConfig<N>, const N: usize>(
    s: Option<SqrtPrecomputation<Mont<T, N>>>,
) -> Option<SqrtPrecomputation<Bigint2Fp<T, N>>> {
    match s {
        None => None,
        Some(SqrtPrecomputation::TonelliShanks {
            two_adicity,
            quadratic_nonresidue_to_trace,
            trace_of_modulus_minus_one_div_two,
        }) => Some(SqrtPrecomputation::TonelliShanks {
            two_adicity,
            quadratic_nonresidue_to_trace: from_mont(quadratic_nonresidue_to_trace),
            trace_of_modulus_minus_one_div_two,
        }),
        Some(SqrtPrecomputation::Case3Mod4 { modulus_plus_one_div_four }) => {
            Some(SqrtPrecomputation::Case3Mod4 { modulus_plus_one_div_four })
        }
        Some(SqrtPrecomputation::Case5Mod8 {
            modulus_plus_three_div_eight,
            modulus_minus_one_div_four,
        }) => Some(SqrtPrecomputation::Case5Mod8 {
            modulus_plus_three_div_eight,
            modulus_minus_one_div_four,
        }),
        // A method a later ark-ff adds: a compile-time error here, never a field without roots.
        Some(_) => panic!("an unknown SqrtPrecomputation"),
    }
}

/// Modular addition and its kin on the residues, as ark does them (they do not depend on the
/// representation).
fn in_mont<T: MontConfig<N>, const N: usize>(
    a: &mut Bigint2Fp<T, N>,
    f: impl FnOnce(&mut Mont<T, N>),
) {
    let mut m = Fp(a.0, PhantomData);
    f(&mut m);
    a.0 = m.0;
}

impl<T: MontConfig<N>, const N: usize> FpConfig<N> for Bigint2Backend<T, N> {
    const MODULUS: BigInt<N> = T::MODULUS;
    const GENERATOR: Bigint2Fp<T, N> = from_mont(T::GENERATOR);
    const ZERO: Bigint2Fp<T, N> = Fp(BigInt([0; N]), PhantomData);
    const ONE: Bigint2Fp<T, N> = from_mont(<MontBackend<T, N> as FpConfig<N>>::ONE);
    const NEG_ONE: Bigint2Fp<T, N> = from_mont(<MontBackend<T, N> as FpConfig<N>>::NEG_ONE);
    const TWO_ADICITY: u32 = <MontBackend<T, N> as FpConfig<N>>::TWO_ADICITY;
    const TWO_ADIC_ROOT_OF_UNITY: Bigint2Fp<T, N> = from_mont(T::TWO_ADIC_ROOT_OF_UNITY);
    const SQRT_PRECOMP: Option<SqrtPrecomputation<Bigint2Fp<T, N>>> =
        sqrt_precomputation(<MontBackend<T, N> as FpConfig<N>>::SQRT_PRECOMP);

    fn add_assign(a: &mut Bigint2Fp<T, N>, b: &Bigint2Fp<T, N>) {
        in_mont(a, |m| MontBackend::<T, N>::add_assign(m, &Fp(b.0, PhantomData)));
    }

    fn sub_assign(a: &mut Bigint2Fp<T, N>, b: &Bigint2Fp<T, N>) {
        in_mont(a, |m| MontBackend::<T, N>::sub_assign(m, &Fp(b.0, PhantomData)));
    }

    fn double_in_place(a: &mut Bigint2Fp<T, N>) {
        in_mont(a, MontBackend::<T, N>::double_in_place);
    }

    fn neg_in_place(a: &mut Bigint2Fp<T, N>) {
        in_mont(a, MontBackend::<T, N>::neg_in_place);
    }

    fn mul_assign(a: &mut Bigint2Fp<T, N>, b: &Bigint2Fp<T, N>) {
        a.0 = modmul::<T, N>(&a.0, &b.0);
    }

    fn square_in_place(a: &mut Bigint2Fp<T, N>) {
        a.0 = modmul::<T, N>(&a.0, &a.0);
    }

    /// ark's Fp2 product is two of these with M = 2. (One bigint2 Fp2 product per pair, the real
    /// part of (a0 + a1·i)(b0 − b1·i), halves the calls but measured 4 % more cycles.)
    fn sum_of_products<const M: usize>(
        a: &[Bigint2Fp<T, N>; M],
        b: &[Bigint2Fp<T, N>; M],
    ) -> Bigint2Fp<T, N> {
        let mut sum = Self::ZERO;
        for (x, y) in a.iter().zip(b) {
            Self::add_assign(&mut sum, &Fp(modmul::<T, N>(&x.0, &y.0), PhantomData));
        }
        sum
    }

    fn inverse(a: &Bigint2Fp<T, N>) -> Option<Bigint2Fp<T, N>> {
        (a.0 != BigInt([0; N])).then(|| Fp(modinv::<T, N>(&a.0), PhantomData))
    }

    fn from_bigint(r: BigInt<N>) -> Option<Bigint2Fp<T, N>> {
        (r < T::MODULUS).then_some(Fp(r, PhantomData))
    }

    fn into_bigint(a: Bigint2Fp<T, N>) -> BigInt<N> {
        a.0
    }
}

/// Declares, in a curve module with its ark crate imported as `soft`, that curve's base field
/// over bigint2 (`Fq`, with `$limbs` 64-bit limbs) and its Fq2, with `soft`'s constants. Both
/// curves here (bn254, BLS12-381) build Fq2 with i² = −1, so one declaration serves both.
macro_rules! bigint2_fq2 {
    ($limbs:literal) => {
        pub type Fq = $crate::ark_field::Bigint2Fp<soft::FqConfig, $limbs>;
        pub type Fq2 = ark_ff::fields::Fp2<Fq2Config>;

        const fn fq(x: soft::Fq) -> Fq {
            $crate::ark_field::from_mont(x)
        }

        const fn fq2(x: soft::Fq2) -> Fq2 {
            $crate::ark_field::fp2_from_mont(x)
        }

        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
        pub struct Fq2Config;

        impl ark_ff::fields::Fp2Config for Fq2Config {
            type Fp = Fq;
            const NONRESIDUE: Fq = fq(<soft::Fq2Config as ark_ff::fields::Fp2Config>::NONRESIDUE);
            const FROBENIUS_COEFF_FP2_C1: &'static [Fq] = &{
                let xs = <soft::Fq2Config as ark_ff::fields::Fp2Config>::FROBENIUS_COEFF_FP2_C1;
                [fq(xs[0]), fq(xs[1])]
            };

            /// The nonresidue is −1.
            fn mul_fp_by_nonresidue_in_place(fe: &mut Fq) -> &mut Fq {
                ark_ff::AdditiveGroup::neg_in_place(fe)
            }
        }
    };
}
pub(crate) use bigint2_fq2;

/// [`bigint2_fq2`] and the tower above it, Fq6 and Fq12 (BLS12-381's, whose pairing is ark-ec's;
/// bn254's has its own, [`crate::bn254_tower`]).
macro_rules! bigint2_tower {
    ($limbs:literal) => {
        $crate::ark_field::bigint2_fq2!($limbs);

        const fn fq2s<const L: usize>(xs: &[soft::Fq2]) -> [Fq2; L] {
            $crate::ark_field::fp2s_from_mont(xs)
        }

        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
        pub struct Fq6Config;

        impl ark_ff::fields::Fp6Config for Fq6Config {
            type Fp2Config = Fq2Config;
            const NONRESIDUE: Fq2 = fq2(<soft::Fq6Config as ark_ff::fields::Fp6Config>::NONRESIDUE);
            const FROBENIUS_COEFF_FP6_C1: &'static [Fq2] =
                &fq2s::<6>(<soft::Fq6Config as ark_ff::fields::Fp6Config>::FROBENIUS_COEFF_FP6_C1);
            const FROBENIUS_COEFF_FP6_C2: &'static [Fq2] =
                &fq2s::<6>(<soft::Fq6Config as ark_ff::fields::Fp6Config>::FROBENIUS_COEFF_FP6_C2);
        }

        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
        pub struct Fq12Config;

        impl ark_ff::fields::Fp12Config for Fq12Config {
            type Fp6Config = Fq6Config;
            const NONRESIDUE: ark_ff::fields::Fp6<Fq6Config> = ark_ff::fields::Fp6::new(
                <Fq2 as ark_ff::AdditiveGroup>::ZERO,
                <Fq2 as ark_ff::Field>::ONE,
                <Fq2 as ark_ff::AdditiveGroup>::ZERO,
            );
            const FROBENIUS_COEFF_FP12_C1: &'static [Fq2] = &fq2s::<12>(
                <soft::Fq12Config as ark_ff::fields::Fp12Config>::FROBENIUS_COEFF_FP12_C1,
            );
        }
    };
}
pub(crate) use bigint2_tower;

#[cfg(target_os = "zkvm")]
use zkvm::{modinv, modmul};

#[cfg(not(target_os = "zkvm"))]
use host::{modinv, modmul};

#[cfg(target_os = "zkvm")]
mod zkvm {
    use ark_ff::{BigInt, MontConfig};
    use risc0_bigint2::field::{modinv_256, modinv_384, modmul_256, modmul_384};

    // ark's 64-bit limbs, least significant first, are bigint2's 32-bit words in memory on this
    // little-endian target: the programs read and write them in place.
    const _: () = assert!(cfg!(target_endian = "little"));

    fn words<const N: usize, const W: usize>(x: &BigInt<N>) -> &[u32; W] {
        assert!(2 * N == W);
        // SAFETY: the sizes are equal (checked above) and u32's alignment divides u64's.
        unsafe { &*(x.0.as_ptr() as *const [u32; W]) }
    }

    fn words_mut<const N: usize, const W: usize>(x: &mut BigInt<N>) -> &mut [u32; W] {
        assert!(2 * N == W);
        // SAFETY: as in `words`.
        unsafe { &mut *(x.0.as_mut_ptr() as *mut [u32; W]) }
    }

    /// a·b mod p, residues below p.
    pub fn modmul<T: MontConfig<N>, const N: usize>(a: &BigInt<N>, b: &BigInt<N>) -> BigInt<N> {
        crate::zkvm::count_bigint2(1);
        let mut out = BigInt([0; N]);
        match N {
            4 => modmul_256(words(a), words(b), words(&T::MODULUS), words_mut(&mut out)),
            6 => modmul_384(words(a), words(b), words(&T::MODULUS), words_mut(&mut out)),
            _ => unreachable!("bigint2 fields are 256 or 384 bits"),
        }
        out
    }

    /// a⁻¹ mod p for a ≠ 0.
    pub fn modinv<T: MontConfig<N>, const N: usize>(a: &BigInt<N>) -> BigInt<N> {
        crate::zkvm::count_bigint2(1);
        let mut out = BigInt([0; N]);
        match N {
            4 => modinv_256(words(a), words(&T::MODULUS), words_mut(&mut out)),
            6 => modinv_384(words(a), words(&T::MODULUS), words_mut(&mut out)),
            _ => unreachable!("bigint2 fields are 256 or 384 bits"),
        }
        out
    }
}

/// The host's stand-ins: the same residues through ark's own field.
#[cfg(not(target_os = "zkvm"))]
mod host {
    use super::Mont;
    use ark_ff::{BigInt, Field, MontConfig, PrimeField};

    fn mont<T: MontConfig<N>, const N: usize>(a: &BigInt<N>) -> Mont<T, N> {
        Mont::<T, N>::from_bigint(*a).expect("a residue below p")
    }

    pub fn modmul<T: MontConfig<N>, const N: usize>(a: &BigInt<N>, b: &BigInt<N>) -> BigInt<N> {
        (mont::<T, N>(a) * mont::<T, N>(b)).into_bigint()
    }

    pub fn modinv<T: MontConfig<N>, const N: usize>(a: &BigInt<N>) -> BigInt<N> {
        mont::<T, N>(a).inverse().expect("the inverse of a nonzero residue").into_bigint()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ark_ff::{AdditiveGroup, Field, PrimeField, UniformRand};

    fn agrees_with_ark<T: MontConfig<N>, const N: usize>() {
        let mut rng = ark_std::test_rng();
        let ours = from_mont::<T, N>;
        for _ in 0..100 {
            let (a, b) = (Mont::<T, N>::rand(&mut rng), Mont::<T, N>::rand(&mut rng));
            assert_eq!(ours(a).into_bigint(), a.into_bigint());
            assert_eq!(Bigint2Fp::<T, N>::from_bigint(a.into_bigint()), Some(ours(a)));
            assert_eq!(ours(a) * ours(b), ours(a * b));
            assert_eq!(ours(a) + ours(b), ours(a + b));
            assert_eq!(ours(a) - ours(b), ours(a - b));
            assert_eq!(-ours(a), ours(-a));
            assert_eq!(ours(a).square(), ours(a.square()));
            assert_eq!(ours(a).inverse(), a.inverse().map(ours));
            assert_eq!(ours(a).sqrt(), a.sqrt().map(ours));
            let sum = Bigint2Fp::<T, N>::sum_of_products(&[ours(a), ours(b)], &[ours(b), ours(b)]);
            assert_eq!(sum, ours(a * b + b * b));
            let odd = [ours(a), ours(b), ours(a)];
            let sum = Bigint2Fp::<T, N>::sum_of_products(&odd, &[ours(b), ours(b), ours(a)]);
            assert_eq!(sum, ours(a * b + b * b + a * a));
        }
        assert_eq!(Bigint2Fp::<T, N>::ONE.into_bigint(), BigInt::from(1u64));
        assert_eq!(Bigint2Fp::<T, N>::from_bigint(T::MODULUS), None);
        assert_eq!(Bigint2Fp::<T, N>::ZERO.inverse(), None);
        let none: [Bigint2Fp<T, N>; 0] = [];
        assert_eq!(Bigint2Fp::<T, N>::sum_of_products(&none, &none), Bigint2Fp::<T, N>::ZERO);
    }

    #[test]
    fn bn254_base_field_agrees_with_ark() {
        agrees_with_ark::<ark_bn254::FqConfig, 4>();
    }

    #[test]
    fn bls12_381_base_field_agrees_with_ark() {
        agrees_with_ark::<ark_bls12_381::FqConfig, 6>();
    }
}
