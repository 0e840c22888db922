//! bn254's pairing tower Fq2 ⊂ Fq6 ⊂ Fq12 and its optimal ate pairing, written for bigint2.
//!
//! ark-ec's generic pairing over [`crate::ark_field`]'s field makes four base-field products and
//! several software additions of every Fq2 product, and copies each element many times; in the
//! zkVM those, not the products, were most of its cycles. Here every Fq2 product, square, sum and
//! difference is one bigint2 program call (`extfield_xxone_mul_256` is exactly Fq2 = Fq[u]/(u²+1)),
//! Fq6 products are schoolbook (fewer calls than Karatsuba when a sum costs a call too), the Miller
//! loop keeps its point in affine coordinates (an inverse is one `modinv`) and scales each line by
//! 1/y_P so that it multiplies in sparsely, and the final exponentiation is ark-ec's
//! (Fuentes-Castañeda et al.) with Granger–Scott squarings. The output equals ark's pairing
//! exactly (host tests), since the two Miller loops differ only by factors in Fq2 that the final
//! exponentiation removes.
//!
//! Elements are canonical residues in 32-bit little-endian words, as bigint2 reads them; the
//! checked programs assert that every result is below p, so equality is word equality. Off the
//! zkVM, ark-bn254's own field stands in for each program.

use ark_bn254 as soft;
use ark_ec::bn::BnConfig;
use ark_ff::fields::{Fp12Config, Fp6Config};
#[cfg(not(target_os = "zkvm"))]
use ark_ff::PrimeField;
use ark_ff::{BigInt, MontConfig};

/// A residue below p: eight 32-bit words, least significant first.
pub type Words = [u32; 8];

const fn words(limbs: [u64; 4]) -> Words {
    let mut out = [0u32; 8];
    let mut i = 0;
    while i < 4 {
        out[2 * i] = limbs[i] as u32;
        out[2 * i + 1] = (limbs[i] >> 32) as u32;
        i += 1;
    }
    out
}

/// An element of ark-bn254's field (Montgomery form), as words of its plain residue.
const fn fq_words(x: soft::Fq) -> Words {
    words(crate::ark_field::from_mont::<soft::FqConfig, 4>(x).0 .0)
}

const fn fq2_words(x: soft::Fq2) -> Fq2 {
    Fq2([fq_words(x.c0), fq_words(x.c1)])
}

const fn fq2s<const L: usize>(xs: &[soft::Fq2]) -> [Fq2; L] {
    let mut out = [Fq2::ZERO; L];
    let mut i = 0;
    while i < L {
        out[i] = fq2_words(xs[i]);
        i += 1;
    }
    out
}

/// p. (Only the zkVM's programs read it and p²; the host's stand-ins use ark's field.)
#[cfg_attr(not(target_os = "zkvm"), allow(dead_code))]
const MODULUS: Words = words(<soft::FqConfig as MontConfig<4>>::MODULUS.0);

/// p², which `extfield_xxone_mul` reduces with.
#[cfg_attr(not(target_os = "zkvm"), allow(dead_code))]
const MODULUS_SQUARED: [u32; 16] = {
    let p = MODULUS;
    let mut out = [0u32; 16];
    let mut i = 0;
    while i < 8 {
        let mut carry = 0u64;
        let mut j = 0;
        while j < 8 {
            let t = out[i + j] as u64 + p[i] as u64 * p[j] as u64 + carry;
            out[i + j] = t as u32;
            carry = t >> 32;
            j += 1;
        }
        out[i + 8] = carry as u32;
        i += 1;
    }
    out
};

/// c0 + c1·u with u² = −1.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Fq2(pub [Words; 2]);

impl Fq2 {
    pub const ZERO: Fq2 = Fq2([[0; 8]; 2]);
    pub const ONE: Fq2 = Fq2([words([1, 0, 0, 0]), [0; 8]]);
    /// ξ = 9 + u: Fq6 = Fq2[v]/(v³ − ξ).
    const XI: Fq2 = fq2_words(<soft::Fq6Config as Fp6Config>::NONRESIDUE);
    const THREE: Fq2 = Fq2([words([3, 0, 0, 0]), [0; 8]]);

    pub fn from_fq(x: Words) -> Fq2 {
        Fq2([x, [0; 8]])
    }

    pub fn is_zero(&self) -> bool {
        *self == Fq2::ZERO
    }

    #[inline(always)]
    pub fn add(&self, b: &Fq2) -> Fq2 {
        Fq2(ops::fq2_add(&self.0, &b.0))
    }

    #[inline(always)]
    pub fn sub(&self, b: &Fq2) -> Fq2 {
        Fq2(ops::fq2_sub(&self.0, &b.0))
    }

    #[inline(always)]
    pub fn mul(&self, b: &Fq2) -> Fq2 {
        Fq2(ops::fq2_mul(&self.0, &b.0))
    }

    #[inline(always)]
    pub fn square(&self) -> Fq2 {
        self.mul(self)
    }

    #[inline(always)]
    pub fn double(&self) -> Fq2 {
        self.add(self)
    }

    #[inline(always)]
    pub fn neg(&self) -> Fq2 {
        Fq2::ZERO.sub(self)
    }

    /// a0 − a1·u: the p-th power.
    #[inline(always)]
    pub fn conjugate(&self) -> Fq2 {
        Fq2::from_fq(self.0[0]).sub(&Fq2([[0; 8], self.0[1]]))
    }

    /// 1/a for a ≠ 0: a·ā is the norm, in Fq.
    pub fn inverse(&self) -> Fq2 {
        let conjugate = self.conjugate();
        let norm = self.mul(&conjugate).0[0];
        conjugate.mul(&Fq2::from_fq(ops::fq_inv(&norm)))
    }

    #[inline(always)]
    fn mul_by_xi(&self) -> Fq2 {
        self.mul(&Fq2::XI)
    }

    fn frobenius(&self, power: usize) -> Fq2 {
        if power % 2 == 1 {
            self.conjugate()
        } else {
            *self
        }
    }
}

/// c0 + c1·v + c2·v² with v³ = ξ.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Fq6(pub [Fq2; 3]);

const FROBENIUS_FQ6_C1: [Fq2; 6] = fq2s(<soft::Fq6Config as Fp6Config>::FROBENIUS_COEFF_FP6_C1);
const FROBENIUS_FQ6_C2: [Fq2; 6] = fq2s(<soft::Fq6Config as Fp6Config>::FROBENIUS_COEFF_FP6_C2);
const FROBENIUS_FQ12_C1: [Fq2; 12] =
    fq2s(<soft::Fq12Config as Fp12Config>::FROBENIUS_COEFF_FP12_C1);

impl Fq6 {
    pub const ZERO: Fq6 = Fq6([Fq2::ZERO; 3]);
    pub const ONE: Fq6 = Fq6([Fq2::ONE, Fq2::ZERO, Fq2::ZERO]);

    fn map(&self, b: &Fq6, f: impl Fn(&Fq2, &Fq2) -> Fq2) -> Fq6 {
        let (a, b) = (&self.0, &b.0);
        Fq6([f(&a[0], &b[0]), f(&a[1], &b[1]), f(&a[2], &b[2])])
    }

    fn add(&self, b: &Fq6) -> Fq6 {
        self.map(b, Fq2::add)
    }

    fn sub(&self, b: &Fq6) -> Fq6 {
        self.map(b, Fq2::sub)
    }

    fn neg(&self) -> Fq6 {
        Fq6::ZERO.sub(self)
    }

    fn mul(&self, b: &Fq6) -> Fq6 {
        let ([a0, a1, a2], [b0, b1, b2]) = (&self.0, &b.0);
        let c0 = a0.mul(b0).add(&a1.mul(b2).add(&a2.mul(b1)).mul_by_xi());
        let c1 = a0.mul(b1).add(&a1.mul(b0)).add(&a2.mul(b2).mul_by_xi());
        let c2 = a0.mul(b2).add(&a1.mul(b1)).add(&a2.mul(b0));
        Fq6([c0, c1, c2])
    }

    /// The product with b0 + b1·v.
    fn mul_by_01(&self, b0: &Fq2, b1: &Fq2) -> Fq6 {
        let [a0, a1, a2] = &self.0;
        let c0 = a0.mul(b0).add(&a2.mul(b1).mul_by_xi());
        let c1 = a0.mul(b1).add(&a1.mul(b0));
        let c2 = a1.mul(b1).add(&a2.mul(b0));
        Fq6([c0, c1, c2])
    }

    fn scale(&self, s: &Fq2) -> Fq6 {
        Fq6([self.0[0].mul(s), self.0[1].mul(s), self.0[2].mul(s)])
    }

    /// The product with v: (ξ·c2, c0, c1).
    fn mul_by_v(&self) -> Fq6 {
        Fq6([self.0[2].mul_by_xi(), self.0[0], self.0[1]])
    }

    fn inverse(&self) -> Fq6 {
        let [a0, a1, a2] = &self.0;
        let t0 = a0.square().sub(&a1.mul(a2).mul_by_xi());
        let t1 = a2.square().mul_by_xi().sub(&a0.mul(a1));
        let t2 = a1.square().sub(&a0.mul(a2));
        let norm = a0.mul(&t0).add(&a2.mul(&t1).add(&a1.mul(&t2)).mul_by_xi());
        Fq6([t0, t1, t2]).scale(&norm.inverse())
    }

    fn frobenius(&self, power: usize) -> Fq6 {
        let [a0, a1, a2] = &self.0;
        Fq6([
            a0.frobenius(power),
            a1.frobenius(power).mul(&FROBENIUS_FQ6_C1[power % 6]),
            a2.frobenius(power).mul(&FROBENIUS_FQ6_C2[power % 6]),
        ])
    }
}

/// c0 + c1·w with w² = v: the pairing's target field.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Fq12(pub [Fq6; 2]);

impl Fq12 {
    pub const ONE: Fq12 = Fq12([Fq6::ONE, Fq6::ZERO]);

    pub fn mul(&self, b: &Fq12) -> Fq12 {
        let ([a0, a1], [b0, b1]) = (&self.0, &b.0);
        let c0 = a0.mul(b0).add(&a1.mul(b1).mul_by_v());
        let c1 = a0.mul(b1).add(&a1.mul(b0));
        Fq12([c0, c1])
    }

    /// (a0 + a1·w)² = (a0 + a1)(a0 + v·a1) − a0a1 − v·a0a1 + 2a0a1·w: two Fq6 products.
    pub fn square(&self) -> Fq12 {
        let [a0, a1] = &self.0;
        let a0a1 = a0.mul(a1);
        let c0 = a0.add(a1).mul(&a0.add(&a1.mul_by_v())).sub(&a0a1).sub(&a0a1.mul_by_v());
        Fq12([c0, a0a1.add(&a0a1)])
    }

    /// The product with a line 1 + (b0 + b1·v)·w.
    fn mul_by_line(&self, b0: &Fq2, b1: &Fq2) -> Fq12 {
        let [a0, a1] = &self.0;
        let c0 = a0.add(&a1.mul_by_01(b0, b1).mul_by_v());
        let c1 = a0.mul_by_01(b0, b1).add(a1);
        Fq12([c0, c1])
    }

    /// a0 − a1·w: the p⁶-th power, and the inverse in the cyclotomic subgroup.
    pub fn conjugate(&self) -> Fq12 {
        Fq12([self.0[0], self.0[1].neg()])
    }

    pub fn inverse(&self) -> Fq12 {
        let [a0, a1] = &self.0;
        let t = a0.mul(a0).sub(&a1.mul(a1).mul_by_v()).inverse();
        Fq12([a0.mul(&t), a1.mul(&t).neg()])
    }

    pub fn frobenius(&self, power: usize) -> Fq12 {
        let c1 = self.0[1].frobenius(power).scale(&FROBENIUS_FQ12_C1[power % 12]);
        Fq12([self.0[0].frobenius(power), c1])
    }

    /// The square of an element of the cyclotomic subgroup (Granger and Scott, "Faster squaring
    /// in the cyclotomic subgroup of sixth degree extensions"), as ark-ff lays it out.
    fn cyclotomic_square(&self) -> Fq12 {
        let [Fq6([r0, r4, r3]), Fq6([r2, r1, r5])] = &self.0;
        // (z + z'·y)² for y² = ξ: (z² + ξz'², 2zz').
        let square = |z: &Fq2, z_: &Fq2| {
            let zz = z.mul(z_);
            (z.square().add(&z_.square().mul_by_xi()), zz.double())
        };
        let (t0, t1) = square(r0, r1);
        let (t2, t3) = square(r2, r3);
        let (t4, t5) = square(r4, r5);
        let three_minus_two = |t: &Fq2, z: &Fq2| t.sub(z).double().add(t);
        let three_plus_two = |t: &Fq2, z: &Fq2| t.add(z).double().add(t);
        let z0 = three_minus_two(&t0, r0);
        let z1 = three_plus_two(&t1, r1);
        let z2 = three_plus_two(&t5.mul_by_xi(), r2);
        let z3 = three_minus_two(&t4, r3);
        let z4 = three_minus_two(&t2, r4);
        let z5 = three_plus_two(&t3, r5);
        Fq12([Fq6([z0, z4, z3]), Fq6([z2, z1, z5])])
    }

    /// self^x for the curve's x (positive for bn254), in the cyclotomic subgroup.
    fn cyclotomic_exp_by_x(&self) -> Fq12 {
        let x = soft::Config::X[0];
        let mut out = *self;
        for bit in (0..63 - x.leading_zeros()).rev() {
            out = out.cyclotomic_square();
            if (x >> bit) & 1 == 1 {
                out = out.mul(self);
            }
        }
        out
    }

    /// self^(−x): the inverse is the conjugate here.
    fn exp_by_neg_x(&self) -> Fq12 {
        const _: () = assert!(!soft::Config::X_IS_NEGATIVE && soft::Config::X.len() == 1);
        self.cyclotomic_exp_by_x().conjugate()
    }
}

/// An affine point of G1 (over Fq) or of the twist E'(Fq2): y² = x³ + 3/ξ.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct G1 {
    pub x: Words,
    pub y: Words,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct G2 {
    pub x: Fq2,
    pub y: Fq2,
}

const TWIST_MUL_BY_Q_X: Fq2 = fq2_words(soft::Config::TWIST_MUL_BY_Q_X);
const TWIST_MUL_BY_Q_Y: Fq2 = fq2_words(soft::Config::TWIST_MUL_BY_Q_Y);

impl G2 {
    /// The point with the slope λ of the line through self and another point of x coordinate x2.
    fn along(&self, x2: &Fq2, slope: &Fq2) -> G2 {
        let x = slope.square().sub(&self.x).sub(x2);
        let y = slope.mul(&self.x.sub(&x)).sub(&self.y);
        G2 { x, y }
    }

    /// The tangent's slope, 3x²/(2y); y ≠ 0.
    fn tangent(&self) -> Fq2 {
        self.x.square().mul(&Fq2::THREE).mul(&self.y.double().inverse())
    }

    /// The chord's slope to b; x ≠ b.x.
    fn chord(&self, b: &G2) -> Fq2 {
        b.y.sub(&self.y).mul(&b.x.sub(&self.x).inverse())
    }

    fn neg(&self) -> G2 {
        G2 { x: self.x, y: self.y.neg() }
    }

    /// ψ, untwist-Frobenius-twist: multiplication by p on G2.
    pub fn psi(&self) -> G2 {
        G2 {
            x: self.x.conjugate().mul(&TWIST_MUL_BY_Q_X),
            y: self.y.conjugate().mul(&TWIST_MUL_BY_Q_Y),
        }
    }

    /// [k]self in the whole group E'(Fq2), where multiples may meet the point at infinity
    /// (`None`): what a subgroup check needs.
    pub fn mul(&self, k: u128) -> Option<G2> {
        let mut acc: Option<G2> = None;
        for bit in (0..128 - k.leading_zeros()).rev() {
            acc = acc.and_then(|a| a.double());
            if (k >> bit) & 1 == 1 {
                acc = match acc {
                    None => Some(*self),
                    Some(a) => a.add(self),
                };
            }
        }
        acc
    }

    fn double(&self) -> Option<G2> {
        (!self.y.is_zero()).then(|| self.along(&self.x, &self.tangent()))
    }

    fn add(&self, b: &G2) -> Option<G2> {
        if self.x == b.x {
            return if self.y == b.y { self.double() } else { None };
        }
        Some(self.along(&b.x, &self.chord(b)))
    }
}

/// A pair's G1 point as its lines use it: −x/y and 1/y (y ≠ 0: G1 has odd order).
struct LineEval {
    minus_x_over_y: Fq2,
    inv_y: Fq2,
}

impl LineEval {
    fn new(p: &G1) -> LineEval {
        let inv_y = ops::fq_inv(&p.y);
        let x_over_y = Fq2::from_fq(p.x).mul(&Fq2::from_fq(inv_y));
        LineEval { minus_x_over_y: x_over_y.neg(), inv_y: Fq2::from_fq(inv_y) }
    }

    /// f times the line of slope λ through t, evaluated at P and divided by y_P:
    /// 1 + (−λ·x_P/y_P)·w + ((λ·x_t − y_t)/y_P)·w³.
    fn multiply(&self, f: &Fq12, t: &G2, slope: &Fq2) -> Fq12 {
        let b0 = slope.mul(&self.minus_x_over_y);
        let b1 = slope.mul(&t.x).sub(&t.y).mul(&self.inv_y);
        f.mul_by_line(&b0, &b1)
    }
}

/// The Miller loop of the optimal ate pairing over 6x + 2, as ark-ec runs it (its signed digits,
/// then the lines to ψ(Q) and −ψ²(Q)), for points of G1 and G2 other than infinity.
pub fn miller_loop(pairs: &[(G1, G2)]) -> Fq12 {
    let evals: Vec<LineEval> = pairs.iter().map(|(p, _)| LineEval::new(p)).collect();
    let mut ts: Vec<G2> = pairs.iter().map(|(_, q)| *q).collect();
    let digits = soft::Config::ATE_LOOP_COUNT;
    let mut f = Fq12::ONE;
    for i in (1..digits.len()).rev() {
        if i != digits.len() - 1 {
            f = f.square();
        }
        for (t, eval) in ts.iter_mut().zip(&evals) {
            // T ≠ ±Q and T ≠ 0 throughout: its multiples of Q stay below the order of G2.
            let slope = t.tangent();
            f = eval.multiply(&f, t, &slope);
            *t = t.along(&t.x, &slope);
        }
        let digit = digits[i - 1];
        if digit != 0 {
            for ((t, eval), (_, q)) in ts.iter_mut().zip(&evals).zip(pairs) {
                let q = if digit > 0 { *q } else { q.neg() };
                let slope = t.chord(&q);
                f = eval.multiply(&f, t, &slope);
                *t = t.along(&q.x, &slope);
            }
        }
    }
    for ((t, eval), (_, q)) in ts.iter_mut().zip(&evals).zip(pairs) {
        let q1 = q.psi();
        let q2 = q1.psi().neg();
        for q in [q1, q2] {
            let slope = t.chord(&q);
            f = eval.multiply(&f, t, &slope);
            *t = t.along(&q.x, &slope);
        }
    }
    f
}

/// f^((p¹² − 1)/r) up to ark's fixed exponent 2x(6x² + 3x + 1), coprime to r: the same value
/// ark-ec's `final_exponentiation` returns.
pub fn final_exponentiation(f: &Fq12) -> Fq12 {
    // Easy part: f^((p⁶ − 1)(p² + 1)).
    let f = f.conjugate().mul(&f.inverse());
    let r = f.frobenius(2).mul(&f);
    // Hard part, step for step as ark-ec's.
    let y0 = r.exp_by_neg_x();
    let y1 = y0.cyclotomic_square();
    let y2 = y1.cyclotomic_square();
    let y3 = y2.mul(&y1);
    let y4 = y3.exp_by_neg_x();
    let y5 = y4.cyclotomic_square();
    let y6 = y5.exp_by_neg_x();
    let y3 = y3.conjugate();
    let y6 = y6.conjugate();
    let y7 = y6.mul(&y4);
    let y8 = y7.mul(&y3);
    let y9 = y8.mul(&y1);
    let y10 = y8.mul(&y4);
    let y11 = y10.mul(&r);
    let y13 = y9.frobenius(1).mul(&y11);
    let y14 = y8.frobenius(2).mul(&y13);
    let y15 = r.conjugate().mul(&y9).frobenius(3);
    y15.mul(&y14)
}

/// Whether the product of the pairings e(P, Q) is 1.
pub fn pairing_product_is_one(pairs: &[(G1, G2)]) -> bool {
    pairs.is_empty() || final_exponentiation(&miller_loop(pairs)) == Fq12::ONE
}

/// [6x²]Q = ψ(Q): membership in G2 for a point of the twist (eprint 2022/352 §4.3).
pub fn in_g2(q: &G2) -> bool {
    const SIX_X_SQUARED: u128 = 6 * (soft::Config::X[0] as u128) * (soft::Config::X[0] as u128);
    q.mul(SIX_X_SQUARED) == Some(q.psi())
}

/// A residue of ark's representation ([`crate::ark_field::Bigint2Fp`] or ark's own), as words.
pub fn words_of(x: BigInt<4>) -> Words {
    words(x.0)
}

/// Words as a residue of ark-bn254's field (tests, host stand-ins).
#[cfg(not(target_os = "zkvm"))]
pub fn soft_fq(x: &Words) -> soft::Fq {
    let mut limbs = [0u64; 4];
    for (i, limb) in limbs.iter_mut().enumerate() {
        *limb = x[2 * i] as u64 | (x[2 * i + 1] as u64) << 32;
    }
    soft::Fq::from_bigint(BigInt(limbs)).expect("a residue below p")
}

#[cfg(target_os = "zkvm")]
mod ops {
    use super::{Words, MODULUS, MODULUS_SQUARED};
    use risc0_bigint2::field::{
        extfield_deg2_add_256, extfield_deg2_sub_256, extfield_xxone_mul_256, modinv_256,
    };

    /// Runs a program into an uninitialised result, which it writes whole before anything
    /// reads it. Zeroing the result first (memset, then a move) cost 40 % more pairing cycles.
    #[inline(always)]
    fn counted<T>(call: impl FnOnce(&mut T)) -> T {
        crate::zkvm::count_bigint2(1);
        let mut out = core::mem::MaybeUninit::<T>::uninit();
        // SAFETY: the reference only carries the address to the program's syscall, which writes
        // every word of the result; the checked wrappers read it (is_less) only afterwards. Rust
        // has not decided that a reference to uninitialised integers is itself invalid, and
        // nothing here relies on more than the address.
        call(unsafe { &mut *out.as_mut_ptr() });
        // SAFETY: written whole by the program above.
        unsafe { out.assume_init() }
    }

    #[inline(always)]
    pub fn fq_inv(a: &Words) -> Words {
        counted(|out| modinv_256(a, &MODULUS, out))
    }

    #[inline(always)]
    pub fn fq2_mul(a: &[Words; 2], b: &[Words; 2]) -> [Words; 2] {
        counted(|out| extfield_xxone_mul_256(a, b, &MODULUS, &MODULUS_SQUARED, out))
    }

    #[inline(always)]
    pub fn fq2_add(a: &[Words; 2], b: &[Words; 2]) -> [Words; 2] {
        counted(|out| extfield_deg2_add_256(a, b, &MODULUS, out))
    }

    #[inline(always)]
    pub fn fq2_sub(a: &[Words; 2], b: &[Words; 2]) -> [Words; 2] {
        counted(|out| extfield_deg2_sub_256(a, b, &MODULUS, out))
    }
}

/// The host's stand-ins: the same results through ark-bn254's field.
#[cfg(not(target_os = "zkvm"))]
mod ops {
    use super::{soft, soft_fq, words_of, Words};
    use ark_ff::{Field, PrimeField};

    fn fq2(a: &[Words; 2]) -> soft::Fq2 {
        soft::Fq2::new(soft_fq(&a[0]), soft_fq(&a[1]))
    }

    fn words2(a: soft::Fq2) -> [Words; 2] {
        [words_of(a.c0.into_bigint()), words_of(a.c1.into_bigint())]
    }

    pub fn fq_inv(a: &Words) -> Words {
        words_of(soft_fq(a).inverse().expect("a nonzero residue").into_bigint())
    }

    pub fn fq2_mul(a: &[Words; 2], b: &[Words; 2]) -> [Words; 2] {
        words2(fq2(a) * fq2(b))
    }

    pub fn fq2_add(a: &[Words; 2], b: &[Words; 2]) -> [Words; 2] {
        words2(fq2(a) + fq2(b))
    }

    pub fn fq2_sub(a: &[Words; 2], b: &[Words; 2]) -> [Words; 2] {
        words2(fq2(a) - fq2(b))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ark_ec::pairing::Pairing;
    use ark_ec::{AffineRepr, CurveGroup};
    use ark_ff::{AdditiveGroup, CyclotomicMultSubgroup, Field, UniformRand, Zero};

    fn ours2(x: soft::Fq2) -> Fq2 {
        Fq2([words_of(x.c0.into_bigint()), words_of(x.c1.into_bigint())])
    }

    fn ours6(x: soft::Fq6) -> Fq6 {
        Fq6([ours2(x.c0), ours2(x.c1), ours2(x.c2)])
    }

    fn ours12(x: soft::Fq12) -> Fq12 {
        Fq12([ours6(x.c0), ours6(x.c1)])
    }

    fn g2(q: soft::G2Affine) -> G2 {
        G2 { x: ours2(q.x), y: ours2(q.y) }
    }

    fn g1(p: soft::G1Affine) -> G1 {
        G1 { x: words_of(p.x.into_bigint()), y: words_of(p.y.into_bigint()) }
    }

    #[test]
    fn the_tower_agrees_with_ark() {
        let mut rng = ark_std::test_rng();
        for _ in 0..20 {
            let (a, b) = (soft::Fq2::rand(&mut rng), soft::Fq2::rand(&mut rng));
            assert_eq!(ours2(a).mul(&ours2(b)), ours2(a * b));
            assert_eq!(
                ours2(a).conjugate(),
                ours2(a.pow(<soft::FqConfig as MontConfig<4>>::MODULUS))
            );
            assert_eq!(ours2(a).inverse(), ours2(a.inverse().unwrap()));
            let (a, b) = (soft::Fq6::rand(&mut rng), soft::Fq6::rand(&mut rng));
            assert_eq!(ours6(a).mul(&ours6(b)), ours6(a * b));
            assert_eq!(ours6(a).inverse(), ours6(a.inverse().unwrap()));
            let (b0, b1) = (soft::Fq2::rand(&mut rng), soft::Fq2::rand(&mut rng));
            let sparse = soft::Fq6::new(b0, b1, soft::Fq2::ZERO);
            assert_eq!(ours6(a).mul_by_01(&ours2(b0), &ours2(b1)), ours6(a * sparse));
            let (a, b) = (soft::Fq12::rand(&mut rng), soft::Fq12::rand(&mut rng));
            assert_eq!(ours12(a).mul(&ours12(b)), ours12(a * b));
            assert_eq!(ours12(a).square(), ours12(a.square()));
            assert_eq!(ours12(a).inverse(), ours12(a.inverse().unwrap()));
            for power in 0..12 {
                let mut want = a;
                want.frobenius_map_in_place(power);
                assert_eq!(ours12(a).frobenius(power), ours12(want), "frobenius {power}");
            }
            let line = soft::Fq12::new(soft::Fq6::ONE, sparse);
            assert_eq!(ours12(a).mul_by_line(&ours2(b0), &ours2(b1)), ours12(a * line));
            // An element of the cyclotomic subgroup: a^((p⁶ − 1)(p² + 1)).
            let mut c = a;
            c.cyclotomic_inverse_in_place();
            c *= a.inverse().unwrap();
            let mut c2 = c;
            c2.frobenius_map_in_place(2);
            c *= c2;
            assert_eq!(ours12(c).cyclotomic_square(), ours12(c.square()));
        }
    }

    #[test]
    fn the_pairing_equals_arks() {
        let mut rng = ark_std::test_rng();
        let (gen1, gen2) = (soft::G1Affine::generator(), soft::G2Affine::generator());
        for _ in 0..3 {
            let p = (gen1 * soft::Fr::rand(&mut rng)).into_affine();
            let q = (gen2 * soft::Fr::rand(&mut rng)).into_affine();
            let p2 = (gen1 * soft::Fr::rand(&mut rng)).into_affine();
            let want = soft::Bn254::multi_pairing([p, p2], [q, gen2]).0;
            let ours = final_exponentiation(&miller_loop(&[(g1(p), g2(q)), (g1(p2), g2(gen2))]));
            assert_eq!(ours, ours12(want));
        }
        // e(aG, bH) · e(abG, −H) = 1, and not without its second factor.
        let (a, b) = (soft::Fr::rand(&mut rng), soft::Fr::rand(&mut rng));
        let pa = g1((gen1 * a).into_affine());
        let qb = g2((gen2 * b).into_affine());
        let pab = g1((gen1 * (a * b)).into_affine());
        assert!(pairing_product_is_one(&[(pa, qb), (pab, g2(-gen2))]));
        assert!(!pairing_product_is_one(&[(pa, qb)]));
        assert!(pairing_product_is_one(&[]));
    }

    #[test]
    fn the_subgroup_check_agrees_with_the_generic_one() {
        let mut rng = ark_std::test_rng();
        let mut found_outside = false;
        for _ in 0..8 {
            let q = loop {
                let x = soft::Fq2::rand(&mut rng);
                if let Some(q) = soft::G2Affine::get_point_from_x_unchecked(x, true) {
                    break q;
                }
            };
            let naive = q.mul_bigint(soft::Fr::MODULUS).is_zero();
            assert_eq!(in_g2(&g2(q)), naive);
            found_outside |= !naive;
            assert!(in_g2(&g2(q.clear_cofactor())));
        }
        assert!(found_outside, "no point outside G2 was tried");
        // Scalar multiples through infinity: [r]Q = 0 for Q in G2.
        let q = g2((soft::G2Affine::generator() * soft::Fr::from(5u64)).into_affine());
        assert_eq!(q.mul(0), None);
        assert_eq!(q.mul(1), Some(q));
        let want = (soft::G2Affine::generator() * soft::Fr::from(15u64)).into_affine();
        assert_eq!(q.mul(3), Some(g2(want)));
    }
}
