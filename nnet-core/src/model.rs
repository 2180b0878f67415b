//! The fixed-size multilayer perceptron `784 -> H -> 10` and its forward pass.
//!
//! Hidden layer: `h_j = sigmoid(dot(w1[j], x) + b1[j])` with [`sigmoid`]
//! computed through `libm`. Output layer: `z_k = dot(w2[k], h) + b2[k]`,
//! turned into probabilities by a numerically stable [`softmax`].
//!
//! ## Summation order (the determinism contract)
//!
//! Every dot product is computed by [`dot`] with **8 accumulators**:
//! element `i` is added to accumulator `i % 8` in increasing `i`, each term a
//! separately rounded `w * x` (Rust never contracts this into a fused
//! multiply-add), and the accumulators are reduced as
//! `((a0 + a1) + (a2 + a3)) + ((a4 + a5) + (a6 + a7))`; the bias is added
//! last. IEEE-754 single precision then gives bit-identical results on
//! x86_64, wasm32 and Cortex-M4F, while LLVM is still free to put the 8 lanes
//! into one SIMD register on the host.
use crate::adapt::WEIGHT_LIMIT;
use crate::{Error, INPUT, OUTPUT};

/// A `784 -> H -> 10` perceptron whose weights are borrowed, so they can live
/// in flash on a microcontroller, in a memory-mapped file, or in a `Vec` on a
/// host. Construct it with [`Mlp::from_slices`] or from a model file through
/// [`crate::format`].
#[derive(Debug, Clone, Copy)]
pub struct Mlp<'a, const H: usize> {
    w1: &'a [[f32; INPUT]; H],
    b1: &'a [f32; H],
    w2: &'a [[f32; H]; OUTPUT],
    b2: &'a [f32; OUTPUT],
}

/// The network's answer for one image.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Prediction {
    /// The most probable digit, 0..=9 (ties go to the lower digit).
    pub digit: u8,
    /// Softmax probabilities for digits 0..=9; they sum to 1 within rounding.
    pub probabilities: [f32; OUTPUT],
}

impl Prediction {
    /// The probability of the predicted digit.
    /// (NaN for a hand-built prediction whose `digit` is not 0..=9.)
    pub fn confidence(&self) -> f32 {
        self.probabilities
            .get(usize::from(self.digit))
            .copied()
            .unwrap_or(f32::NAN)
    }

    /// The confidence as the screens show it: in tenths of a percent, rounded
    /// to the nearest, and at most 999 ("99.9%"). A softmax probability that
    /// rounds to 1 in `f32` is still not certainty, so no screen says
    /// "100.0%". A confidence outside `0..=1` (which a [`Prediction`] built
    /// by hand can hold) is clamped; NaN counts as 0.
    pub fn confidence_tenths(&self) -> u16 {
        percent_tenths(self.confidence())
    }
}

/// A probability in tenths of a percent, rounded to the nearest, clamped to
/// `0..=999`; NaN gives 0. The rule of [`Prediction::confidence_tenths`], for
/// any probability (the bars under the answer use it too).
pub fn percent_tenths(p: f32) -> u16 {
    if p.is_nan() {
        return 0;
    }
    // p in 0..=1 after clamping, so the product is in 0.5..=1000.5 and fits u16
    ((p.clamp(0.0, 1.0) * 1000.0 + 0.5) as u16).min(999)
}

impl<'a, const H: usize> Mlp<'a, H> {
    /// Builds a network from flat row-major weight slices:
    /// `w1` is `H x 784` (row `j` feeds hidden unit `j`), `b1` has `H` entries,
    /// `w2` is `10 x H`, `b2` has 10 entries. Wrong lengths are
    /// [`Error::LengthMismatch`], non-finite weights [`Error::NonFiniteWeight`],
    /// weights of magnitude [`WEIGHT_LIMIT`] or more [`Error::WeightTooLarge`]
    /// (so no logit of an image in `0..=1` can overflow), and an `H` of 0 or
    /// above [`MAX_HIDDEN`](crate::format::MAX_HIDDEN) [`Error::UnsupportedShape`].
    pub fn from_slices(
        w1: &'a [f32],
        b1: &'a [f32],
        w2: &'a [f32],
        b2: &'a [f32],
    ) -> Result<Self, Error> {
        crate::format::check_hidden_size(H)?;
        let w1 = rows::<f32, INPUT, H>(w1)?;
        let w2 = rows::<f32, H, OUTPUT>(w2)?;
        let b1 = array::<f32, H>(b1)?;
        let b2 = array::<f32, OUTPUT>(b2)?;
        check_params(
            &[w1.as_flattened(), b1, w2.as_flattened(), b2],
            WEIGHT_LIMIT,
        )?;
        Ok(Mlp { w1, b1, w2, b2 })
    }

    /// Hidden-layer weights, `H x 784`.
    pub fn w1(&self) -> &'a [[f32; INPUT]; H] {
        self.w1
    }
    /// Hidden-layer biases.
    pub fn b1(&self) -> &'a [f32; H] {
        self.b1
    }
    /// Output-layer weights, `10 x H`.
    pub fn w2(&self) -> &'a [[f32; H]; OUTPUT] {
        self.w2
    }
    /// Output-layer biases.
    pub fn b2(&self) -> &'a [f32; OUTPUT] {
        self.b2
    }

    /// Computes the hidden activations for `x` into `hidden`.
    /// `x` must be finite (checked by [`Mlp::logits`] and [`Mlp::predict`]).
    pub fn hidden_into(&self, x: &[f32; INPUT], hidden: &mut [f32; H]) {
        for ((h, w), b) in hidden.iter_mut().zip(self.w1.iter()).zip(self.b1.iter()) {
            *h = sigmoid(dot(w, x) + b);
        }
    }

    /// Output logits for one image. Non-finite input, or input so large that
    /// the logits overflow, is [`Error::NonFiniteInput`].
    pub fn logits(&self, x: &[f32; INPUT]) -> Result<[f32; OUTPUT], Error> {
        if !x.iter().all(|v| v.is_finite()) {
            return Err(Error::NonFiniteInput);
        }
        let mut hidden = [0.0f32; H];
        self.hidden_into(x, &mut hidden);
        let mut z = [0.0f32; OUTPUT];
        for ((z, w), b) in z.iter_mut().zip(self.w2.iter()).zip(self.b2.iter()) {
            *z = dot(w, &hidden) + b;
        }
        if !z.iter().all(|v| v.is_finite()) {
            return Err(Error::NonFiniteInput);
        }
        Ok(z)
    }

    /// Classifies one 28x28 image (row-major, 0.0 background .. 1.0 ink).
    pub fn predict(&self, x: &[f32; INPUT]) -> Result<Prediction, Error> {
        let z = self.logits(x)?;
        Ok(prediction_from_logits(&z))
    }
}

/// Checks a model's parameters: each finite ([`Error::NonFiniteWeight`]) and
/// below `limit` in magnitude ([`Error::WeightTooLarge`]).
pub(crate) fn check_params(sections: &[&[f32]], limit: f32) -> Result<(), Error> {
    for &v in sections.iter().copied().flatten() {
        check_param(v, limit)?;
    }
    Ok(())
}

/// [`check_params`] for one value; `limit` is positive and finite.
///
/// One integer comparison: the bits of non-negative floats are ordered like
/// their values, and NaN and the infinities lie above every finite float (a
/// core without an FPU, as the Pico's, checks the 238,510 weights of an f32
/// model at every start).
#[inline]
pub(crate) fn check_param(v: f32, limit: f32) -> Result<(), Error> {
    if v.to_bits() & 0x7fff_ffff < limit.to_bits() {
        Ok(())
    } else if v.is_finite() {
        Err(Error::WeightTooLarge)
    } else {
        Err(Error::NonFiniteWeight)
    }
}

/// Turns logits into a [`Prediction`] with [`softmax`] and a first-maximum argmax.
pub fn prediction_from_logits(z: &[f32; OUTPUT]) -> Prediction {
    let probabilities = softmax(z);
    let mut digit = 0u8;
    let mut best = probabilities[0];
    for (k, &p) in probabilities.iter().enumerate().skip(1) {
        if p > best {
            best = p;
            digit = k as u8;
        }
    }
    Prediction {
        digit,
        probabilities,
    }
}

/// The logistic function `1 / (1 + e^-x)`, through `libm::expf` so every
/// target computes the same bits. Saturates to 0.0 / 1.0, never NaN for
/// finite `x`.
///
/// With the `micromath` feature, `e^-x` comes from `micromath::F32Ext::exp`
/// (a fast approximation for cores without an FPU) instead: still the same
/// bits on every target, but not the bits of the default build. Below
/// `-`[`MICROMATH_EXP_MAX`] it is 0 (micromath's exp makes a NaN for
/// arguments from 88.7231 to 89.42).
#[inline]
pub fn sigmoid(x: f32) -> f32 {
    #[cfg(feature = "micromath")]
    {
        micromath_sigmoid(x)
    }
    #[cfg(not(feature = "micromath"))]
    {
        1.0 / (1.0 + libm::expf(-x))
    }
}

/// [`sigmoid`] with the `micromath` feature (built for the tests too).
#[cfg(any(feature = "micromath", test))]
#[inline]
fn micromath_sigmoid(x: f32) -> f32 {
    let e = -x;
    // above the limit 1 / (1 + e^e) is 0 in f32 anyway (below 3e-39, as micromath's exp
    // gave beyond its NaN band); a NaN stays a NaN, as in the libm path, where
    // micromath's exp would make it a number
    if e.is_nan() {
        return e;
    }
    if e > MICROMATH_EXP_MAX {
        return 0.0;
    }
    1.0 / (1.0 + micromath::F32Ext::exp(e))
}

/// The largest argument the `micromath` sigmoid gives micromath's exp (see
/// [`sigmoid`]): from 88.7231 on it makes a NaN (micromath 2.1).
pub const MICROMATH_EXP_MAX: f32 = 88.72;

/// Numerically stable softmax: subtracts the maximum before `libm::expf` and
/// sums in index order. Inputs must be finite.
pub fn softmax(z: &[f32; OUTPUT]) -> [f32; OUTPUT] {
    let mut m = z[0];
    for &v in &z[1..] {
        if v > m {
            m = v;
        }
    }
    let mut e = [0.0f32; OUTPUT];
    let mut sum = 0.0f32;
    for (e, &v) in e.iter_mut().zip(z.iter()) {
        *e = libm::expf(v - m);
        sum += *e;
    }
    for e in e.iter_mut() {
        *e /= sum;
    }
    e
}

/// The deterministic dot product of the forward pass: 8 accumulators, element
/// `i` into accumulator `i % 8`, reduced `((a0+a1)+(a2+a3))+((a4+a5)+(a6+a7))`.
///
/// The whole 8-element chunks go through `chunk_lanes`, which has a
/// hand-scheduled version for 32-bit Arm with a hardware FPU (the Cortex-M4F
/// of the firmware); the arithmetic is the same on every target.
#[inline(always)]
pub fn dot<const N: usize>(w: &[f32; N], x: &[f32; N]) -> f32 {
    let (wc, wr) = w.as_chunks::<8>();
    let (xc, xr) = x.as_chunks::<8>();
    let mut acc = chunk_lanes(wc, xc);
    for (k, (a, b)) in wr.iter().zip(xr.iter()).enumerate() {
        acc[k] += a * b;
    }
    ((acc[0] + acc[1]) + (acc[2] + acc[3])) + ((acc[4] + acc[5]) + (acc[6] + acc[7]))
}

/// The 8 accumulators of [`dot`] over whole chunks: lane `k` sums
/// `w[c][k] * x[c][k]` over the chunks `c` in increasing order, each product
/// rounded before it is added. Portable version.
///
/// Kept out of line on purpose: inlined into `dot::<784>` (a constant trip
/// count) LLVM's SLP vectoriser produced a shuffle-heavy sequence that ran
/// about 2x slower on x86_64 than this plain loop over slices. With the `std`
/// feature on x86_64 the same loop is also compiled with AVX enabled and
/// chosen at run time: the 8 lanes then fill one 256-bit register, with the
/// same separately rounded multiplies and adds (Rust never contracts them
/// into FMA), so the bits do not change.
#[cfg(not(all(target_arch = "arm", target_abi = "eabihf")))]
#[inline(never)]
fn chunk_lanes(w: &[[f32; 8]], x: &[[f32; 8]]) -> [f32; 8] {
    #[cfg(all(feature = "std", target_arch = "x86_64"))]
    if std::is_x86_feature_detected!("avx") {
        // SAFETY: the CPU supports AVX (checked just above).
        return unsafe { chunk_lanes_avx(w, x) };
    }
    chunk_lanes_body(w, x)
}

/// [`chunk_lanes`] compiled with AVX enabled (x86_64 hosts with `std`).
#[cfg(all(feature = "std", target_arch = "x86_64"))]
#[target_feature(enable = "avx")]
fn chunk_lanes_avx(w: &[[f32; 8]], x: &[[f32; 8]]) -> [f32; 8] {
    chunk_lanes_body(w, x)
}

/// The loop shared by the portable variants of `chunk_lanes`.
#[cfg(not(all(target_arch = "arm", target_abi = "eabihf")))]
#[inline(always)]
fn chunk_lanes_body(w: &[[f32; 8]], x: &[[f32; 8]]) -> [f32; 8] {
    let mut acc = [0.0f32; 8];
    for (a, b) in w.iter().zip(x.iter()) {
        for k in 0..8 {
            acc[k] += a[k] * b[k];
        }
    }
    acc
}

/// The 8 accumulators of [`dot`] over whole chunks, for 32-bit Arm with a
/// hardware FPU (`eabihf`: the firmware's Cortex-M4F).
///
/// LLVM compiles the portable loop into one `vldr` per operand and one
/// `vmla.f32` per product: three instructions per multiply-accumulate. Here
/// each 8-float chunk of `w` and of `x` is fetched by one `vldmia` into
/// s8-s15 / s16-s23 while accumulator `k` lives in `s<k>`, so a chunk costs
/// 2 loads + 8 `vmla.f32` (the loop handles two chunks per iteration).
/// `vmla.f32` is the *chained* multiply-accumulate of VFP — the product is
/// rounded before the addition, exactly like `acc += a * b` in Rust — not the
/// fused `vfma.f32`, so results stay bit-identical to the portable version.
///
/// Rust's `asm!` cannot name S registers on single-precision FPUs (it ties
/// them to the `vfp2` feature), so the block saves s0-s23 itself and passes
/// the accumulators through memory.
#[cfg(all(target_arch = "arm", target_abi = "eabihf"))]
#[inline(always)]
fn chunk_lanes(w: &[[f32; 8]], x: &[[f32; 8]]) -> [f32; 8] {
    let chunks = w.len().min(x.len());
    let mut acc = [0.0f32; 8];
    let pairs = chunks / 2;
    if pairs > 0 {
        // SAFETY: the loop reads `2 * pairs <= chunks` chunks of 8 f32 from each
        // of `w` and `x` (both valid and f32-aligned for `chunks` chunks), reads
        // and writes the 8 floats of `acc`, and restores every FP register it
        // uses (s0-s23) from the stack before it ends; the core registers it
        // changes are operands, the flags are not preserved (no
        // `preserves_flags`).
        unsafe {
            core::arch::asm!(
                "vpush {{d0-d11}}",
                "vldmia {acc}, {{s0-s7}}",
                "2:",
                "vldmia {w}!, {{s8-s15}}",
                "vldmia {x}!, {{s16-s23}}",
                "vmla.f32 s0, s8, s16",
                "vmla.f32 s1, s9, s17",
                "vmla.f32 s2, s10, s18",
                "vmla.f32 s3, s11, s19",
                "vmla.f32 s4, s12, s20",
                "vmla.f32 s5, s13, s21",
                "vmla.f32 s6, s14, s22",
                "vmla.f32 s7, s15, s23",
                "vldmia {w}!, {{s8-s15}}",
                "vldmia {x}!, {{s16-s23}}",
                "vmla.f32 s0, s8, s16",
                "vmla.f32 s1, s9, s17",
                "vmla.f32 s2, s10, s18",
                "vmla.f32 s3, s11, s19",
                "vmla.f32 s4, s12, s20",
                "vmla.f32 s5, s13, s21",
                "vmla.f32 s6, s14, s22",
                "vmla.f32 s7, s15, s23",
                "subs {n}, {n}, #1",
                "bne 2b",
                "vstmia {acc}, {{s0-s7}}",
                "vpop {{d0-d11}}",
                acc = in(reg) acc.as_mut_ptr(),
                w = inout(reg) w.as_ptr() => _,
                x = inout(reg) x.as_ptr() => _,
                n = inout(reg) pairs => _,
            );
        }
    }
    if chunks % 2 == 1 {
        let (a, b) = (&w[chunks - 1], &x[chunks - 1]);
        for k in 0..8 {
            acc[k] += a[k] * b[k];
        }
    }
    acc
}

/// Views a flat slice of `R * C` values as `R` rows of `C`.
pub(crate) fn rows<T, const C: usize, const R: usize>(flat: &[T]) -> Result<&[[T; C]; R], Error> {
    let mismatch = Error::LengthMismatch {
        expected: R.saturating_mul(C),
        actual: flat.len(),
    };
    let (chunks, rest) = flat.as_chunks::<C>();
    if !rest.is_empty() {
        return Err(mismatch);
    }
    chunks.try_into().map_err(|_| mismatch)
}

/// Views a slice of exactly `N` values as an array.
pub(crate) fn array<T, const N: usize>(s: &[T]) -> Result<&[T; N], Error> {
    s.try_into().map_err(|_| Error::LengthMismatch {
        expected: N,
        actual: s.len(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentages_round_to_tenths_and_never_reach_a_hundred() {
        for (p, tenths) in [
            (0.0, 0),
            (0.00049, 0),
            (0.0005, 1),
            (0.5, 500),
            (0.1234, 123),
            (0.99949, 999),
            (0.9996, 999),
            (1.0, 999),
            (1.5, 999),
            (-0.2, 0),
            (f32::NAN, 0),
            (f32::INFINITY, 999),
            (f32::NEG_INFINITY, 0),
        ] {
            assert_eq!(percent_tenths(p), tenths, "{p}");
        }
        let mut probabilities = [0.0; OUTPUT];
        probabilities[4] = 1.0;
        let sure = Prediction {
            digit: 4,
            probabilities,
        };
        assert_eq!(sure.confidence_tenths(), 999);
        // a hand-built prediction of no digit: no panic, and no percentage
        let none = Prediction {
            digit: 10,
            probabilities: [0.1; OUTPUT],
        };
        assert!(none.confidence().is_nan());
        assert_eq!(none.confidence_tenths(), 0);
    }

    #[test]
    fn the_micromath_sigmoid_is_finite_where_its_exp_is_not() {
        // micromath's exp makes a NaN (or trips its debug assertion) from about 88.72 on
        for i in 0..=20_000 {
            let x = -87.0 - i as f32 * 0.001; // -87 .. -107
            let y = micromath_sigmoid(x);
            assert!(y.is_finite() && (0.0..1e-37).contains(&y), "{x}: {y}");
        }
        assert_eq!(micromath_sigmoid(-1e30), 0.0);
        assert!(micromath_sigmoid(f32::NAN).is_nan());
        assert_eq!(micromath_sigmoid(100.0), 1.0);
    }

    #[test]
    fn networks_of_no_or_too_many_hidden_units_are_refused() {
        assert_eq!(
            Mlp::<0>::from_slices(&[], &[], &[], &[0.0; OUTPUT]).unwrap_err(),
            Error::UnsupportedShape
        );
        // refused before the slices are looked at
        const BIG: usize = crate::format::MAX_HIDDEN as usize + 1;
        assert_eq!(
            Mlp::<BIG>::from_slices(&[], &[], &[], &[0.0; OUTPUT]).unwrap_err(),
            Error::UnsupportedShape
        );
        assert_eq!(
            crate::QuantMlp::<BIG>::from_slices(&[], &[], &[], &[], &[1.0; OUTPUT], &[0.0; OUTPUT])
                .unwrap_err(),
            Error::UnsupportedShape
        );
    }

    #[test]
    fn check_param_by_bits_is_the_check_by_value() {
        let by_value = |v: f32, limit: f32| {
            if !v.is_finite() {
                Err(Error::NonFiniteWeight)
            } else if v.abs() >= limit {
                Err(Error::WeightTooLarge)
            } else {
                Ok(())
            }
        };
        // every 4093rd bit pattern (all exponents, both signs, NaN payloads),
        // and the values next to each limit
        let patterns = (0..=u32::MAX).step_by(4093).map(f32::from_bits);
        let limits = [WEIGHT_LIMIT, crate::quant::SCALE_LIMIT, 1.0];
        let near = limits.iter().flat_map(|l| {
            let b = l.to_bits();
            [b - 1, b, b + 1].map(f32::from_bits)
        });
        for v in patterns
            .chain(near)
            .chain([0.0, -0.0, f32::MAX, f32::MIN_POSITIVE])
        {
            for limit in limits {
                for v in [v, -v] {
                    assert_eq!(
                        check_param(v, limit),
                        by_value(v, limit),
                        "{v:e} / {limit:e}"
                    );
                }
            }
        }
    }

    /// A hand-made 784-2-10 network whose answer can be worked out on paper.
    fn tiny() -> ([f32; 2 * INPUT], [f32; 2], [f32; 20], [f32; 10]) {
        let mut w1 = [0.0f32; 2 * INPUT];
        // hidden 0 sums the first row of pixels, hidden 1 the last row, each scaled by 1/28
        for i in 0..28 {
            w1[i] = 1.0 / 28.0;
            w1[INPUT + INPUT - 28 + i] = 1.0 / 28.0;
        }
        let b1 = [0.0, -1.0];
        let mut w2 = [0.0f32; 20];
        // digit 3 likes hidden 0, digit 7 likes hidden 1
        w2[3 * 2] = 4.0;
        w2[7 * 2 + 1] = 4.0;
        let b2 = [0.0; 10];
        (w1, b1, w2, b2)
    }

    #[test]
    fn known_answer_tiny_network() {
        let (w1, b1, w2, b2) = tiny();
        let mlp = Mlp::<2>::from_slices(&w1, &b1, &w2, &b2).unwrap();
        let mut x = [0.0f32; INPUT];
        x[..28].fill(1.0); // first row fully inked: h0 = sigmoid(1), h1 = sigmoid(-1)
        let h0 = 1.0 / (1.0 + (-1.0f64).exp());
        let h1 = 1.0 / (1.0 + (1.0f64).exp());
        let z3 = 4.0 * h0;
        let z7 = 4.0 * h1;
        let denom = 8.0 + z3.exp() + z7.exp();
        let p = mlp.predict(&x).unwrap();
        assert_eq!(p.digit, 3);
        assert!((f64::from(p.probabilities[3]) - z3.exp() / denom).abs() < 1e-6);
        assert!((f64::from(p.probabilities[7]) - z7.exp() / denom).abs() < 1e-6);
        assert!((f64::from(p.probabilities[0]) - 1.0 / denom).abs() < 1e-6);
        x[..28].fill(0.0);
        x[INPUT - 28..].fill(1.0); // last row: h1 = sigmoid(0) = 0.5, h0 = 0.5 -> digit 3 and 7 tie
        let p = mlp.predict(&x).unwrap();
        assert_eq!(p.probabilities[3], p.probabilities[7]);
        assert_eq!(p.digit, 3, "ties go to the lower digit");
    }

    #[test]
    fn rejects_bad_lengths_and_weights() {
        let (w1, b1, w2, mut b2) = tiny();
        assert_eq!(
            Mlp::<2>::from_slices(&w1[1..], &b1, &w2, &b2).unwrap_err(),
            Error::LengthMismatch {
                expected: 2 * INPUT,
                actual: 2 * INPUT - 1
            }
        );
        assert!(Mlp::<3>::from_slices(&w1, &b1, &w2, &b2).is_err());
        b2[4] = f32::NAN;
        assert_eq!(
            Mlp::<2>::from_slices(&w1, &b1, &w2, &b2).unwrap_err(),
            Error::NonFiniteWeight
        );
    }

    #[test]
    fn rejects_non_finite_and_overflowing_input() {
        let (w1, b1, w2, b2) = tiny();
        let mlp = Mlp::<2>::from_slices(&w1, &b1, &w2, &b2).unwrap();
        let mut x = [0.0f32; INPUT];
        x[5] = f32::NAN;
        assert_eq!(mlp.predict(&x), Err(Error::NonFiniteInput));
        x[5] = f32::INFINITY;
        assert_eq!(mlp.predict(&x), Err(Error::NonFiniteInput));
        x[5] = f32::MAX; // finite but the hidden sum saturates; sigmoid stays finite
        assert!(mlp.predict(&x).is_ok());
    }

    #[test]
    fn softmax_is_stable_for_extreme_logits() {
        let mut z = [0.0f32; OUTPUT];
        z[2] = 1e30;
        z[5] = -1e30;
        let p = softmax(&z);
        assert_eq!(p[2], 1.0);
        assert!(p.iter().all(|v| v.is_finite()));
    }

    #[test]
    fn dot_matches_f64_reference() {
        let mut w = [0.0f32; 789];
        let mut x = [0.0f32; 789];
        let mut s = 12345u32;
        for i in 0..789 {
            s = s.wrapping_mul(1664525).wrapping_add(1013904223);
            w[i] = (s >> 8) as f32 / (1 << 24) as f32 - 0.5;
            s = s.wrapping_mul(1664525).wrapping_add(1013904223);
            x[i] = (s >> 8) as f32 / (1 << 24) as f32;
        }
        let reference: f64 = w
            .iter()
            .zip(&x)
            .map(|(a, b)| f64::from(*a) * f64::from(*b))
            .sum();
        let d = dot(&w, &x);
        assert!(
            (f64::from(d) - reference).abs() < 1e-4,
            "{d} vs {reference}"
        );
        // the documented order, spelled out
        let mut acc = [0.0f32; 8];
        for i in 0..789 {
            acc[i % 8] += w[i] * x[i];
        }
        let manual =
            ((acc[0] + acc[1]) + (acc[2] + acc[3])) + ((acc[4] + acc[5]) + (acc[6] + acc[7]));
        assert_eq!(d.to_bits(), manual.to_bits());
    }
}
