//! The int8 network: 8-bit weights with one f32 scale per output row, 8-bit
//! inputs and hidden activations, exact `i32` accumulators.
//!
//! A quarter of the f32 model's flash (H = 300: 240 KB instead of 954 KB) and
//! an integer inner loop that skips blank pixels. Built from an f32 model by
//! `quantize` (feature `alloc`), stored as [`WeightType::Int8`](crate::format::WeightType)
//! (layout in [`crate::format`]), run by [`QuantMlp::predict`].
//!
//! ## Arithmetic (the determinism contract)
//!
//! Notation: `x_i` the f32 pixel, `w1[j][i]`, `b1[j]`, `w2[k][j]`, `b2[k]` the
//! f32 model, `INV255` the f32 nearest to `1/255`.
//!
//! 1. **Weights** (quantiser, per output row, symmetric):
//!    `s1_j = max_i |w1[j][i]| / 127` (f32), `w1q[i][j] = round(w1[j][i] / s1_j)`
//!    (round half away from zero, clamped to `-127..=127`; an all-zero row gets
//!    `s1_j = 1` and zero weights). Likewise `s2_k`, `w2q[k][j]` from `w2`.
//!    Biases stay f32.
//! 2. **Inputs**: `xq_i = floor(clamp(x_i, 0, 1) * 255 + 0.5)` as `u8`
//!    (round to nearest, halves up; out-of-range pixels saturate, NaN/inf is
//!    [`Error::NonFiniteInput`]). MNIST pixels, which are `n/255`, come back as
//!    exactly `n`. So `x_i ≈ xq_i / 255`.
//! 3. **Hidden sums**: `acc_j = Σ_i xq_i · w1q[i][j]` in `i32`. Every term and
//!    every partial sum is an exact integer (`|acc_j| ≤ 784 · 255 · 128 < 2^25`,
//!    since a model file may hold -128), so the order of summation does not
//!    matter: the pass skips pixels with `xq_i = 0` (most of an MNIST digit) and
//!    walks the weights input-major (`w1q` is stored transposed, one contiguous row of `H` bytes
//!    per pixel), and every target gets the same integers.
//! 4. **Hidden pre-activation**, one fixed f32 expression (each operation
//!    rounded, no fused multiply-add):
//!    `z_j = (acc_j as f32) * (s1_j * INV255) + b1_j`.
//! 5. **Hidden activation** straight to 8 bits: `hq_j = round(255 · sigmoid(z_j))`
//!    by [`sigmoid_u8`]: the number of [`SIGMOID_THRESHOLDS`] (the 255 values
//!    of `z` where the rounded sigmoid steps up) at or below `z_j`, found from
//!    an 800-entry bucket table and one compare. No `expf`, no division, no
//!    branch; 1,824 bytes of flash (1,024 bytes of thresholds, 255 and a NaN
//!    sentinel, + 800 one-byte buckets), and fewer
//!    Cortex-M4F instructions per hidden unit than an 8-step binary search.
//!    It is the exact rounding of the true sigmoid except for `z` within half
//!    an f32 ulp of a threshold, so it is never more than half a step
//!    (`0.5/255 ≈ 0.00196`) from `libm`'s sigmoid (checked over a sweep of `z`
//!    by `tests/quant.rs`). How often it differs from
//!    `round(255 · libm sigmoid)`, and how often the two give the same digit
//!    on the MNIST test set, is printed by `examples/quant_accuracy.rs`
//!    (`docs/measurements.md`, section "int8 and micromath variants").
//! 6. **Output sums**: `acc2_k = Σ_j hq_j · w2q[k][j]` in `i32`, exact.
//! 7. **Logits**: `z_k = (acc2_k as f32) * (s2_k * INV255) + b2_k`, then
//!    [`prediction_from_logits`] (the f32 path's softmax and argmax).
//!
//! Steps 1-3 and 6 are integers, steps 4, 5 and 7 are single IEEE-754 f32
//! operations in a fixed order, so the result is bit-identical on x86_64,
//! wasm32 and Cortex-M, with or without the `micromath` feature (the int8
//! path does not call `expf` before the softmax, which uses `libm`).
//!
//! ### Why 8-bit hidden activations
//!
//! Keeping `sigmoid(z_j)` in f32 for the small `10 x H` output layer was
//! measured against quantising it with `examples/quant_accuracy.rs` (MNIST
//! test set, 784-300-10 model; its output is in `docs/measurements.md`,
//! section "int8 and micromath variants"): the variants give the same digits,
//! so the output layer is integer too: no float multiply per weight, no
//! `expf` anywhere before the softmax.
//!
//! ## Cost on the Cortex-M4F
//!
//! The hidden layer costs one multiply-accumulate per *inked* pixel and
//! hidden unit (inked pixels · `H`, against `784 · H` for the dense f32
//! pass). Blank pixels are skipped four at a time
//! (one 32-bit compare of four quantised pixels) and the inked ones are taken
//! in pairs, so one sweep over the `H` accumulators serves two pixels. On
//! `thumbv7em` (Cortex-M4/M7, which always have the DSP extension; the build
//! script sets `cfg(nnet_arm_dsp)`) the sweep is inline assembly: per 4
//! hidden units two `ldr` of 4 weight bytes, four `sxtb16` (two sign-extended
//! weights per instruction), eight `smlabb`/`smlabt`/`smlatb`/`smlatt`
//! (16x16+32 multiply-accumulate, the two pixel values in the two halves of
//! one register) and one `ldm`/`stm` pair: 18 instructions per 8
//! multiply-accumulates, against an `ldrsb` + `smlabb` + a load and a store
//! of the accumulator per multiply-accumulate in LLVM's code for the portable
//! one-pixel loop. The output sums use `uxtb16`/`sxtb16` + `smlad`
//! (10 instructions per 4). Elsewhere the portable loop computes the same
//! integers.
//!
//! The executed instructions of one [`QuantMlp::predict`] and of the f32
//! `Mlp::predict` on MNIST test image 0, counted under QEMU mps2-an386
//! (Cortex-M4F) and mps2-an385 (Cortex-M3) by `scripts/firmware-cost`, are in
//! `docs/measurements.md`, section "Firmware cost".
use crate::adapt::WEIGHT_LIMIT;
use crate::model::{array, check_params, prediction_from_logits, rows};
use crate::{Error, Image, Prediction, INPUT, OUTPUT};

/// The f32 nearest to `1/255`: the step of the 8-bit inputs and hidden activations.
pub const INV255: f32 = 1.0 / 255.0;

/// Every int8 weight scale stays below this, so that a weight `q · scale`
/// stays below [`WEIGHT_LIMIT`] like the f32 network's for every byte `q`,
/// -128 included.
pub const SCALE_LIMIT: f32 = WEIGHT_LIMIT / 128.0;

/// Checks an int8 model's f32 sections: scales and biases finite
/// ([`Error::NonFiniteWeight`]), scales below [`SCALE_LIMIT`] and biases
/// below [`WEIGHT_LIMIT`] in magnitude ([`Error::WeightTooLarge`]), scales
/// positive and normal, at least [`f32::MIN_POSITIVE`] ([`Error::BadScale`]:
/// the inverse of a subnormal scale, which learning needs, is infinite).
/// Within these no logit can overflow: the integer sums are bounded and the
/// inputs saturate at `0..=255`.
pub fn check_int8_params(s1: &[f32], b1: &[f32], s2: &[f32], b2: &[f32]) -> Result<(), Error> {
    check_params(&[s1, s2], SCALE_LIMIT)?;
    check_params(&[b1, b2], WEIGHT_LIMIT)?;
    if s1.iter().chain(s2).any(|&s| s < f32::MIN_POSITIVE) {
        return Err(Error::BadScale);
    }
    Ok(())
}

/// `SIGMOID_THRESHOLDS[k - 1]` is the f32 nearest to `ln(p / (1 - p))` with
/// `p = (k - 0.5) / 255`: the pre-activation at which `round(255 · sigmoid(z))`
/// steps from `k - 1` to `k` (`k = 1..=255`). Generated in f64; `tests/quant.rs`
/// recomputes every entry and checks the bits (1,020 bytes of flash).
#[rustfmt::skip]
pub const SIGMOID_THRESHOLDS: [f32; 255] = [
    -6.232448, -5.1298985, -4.6151204, -4.27468, -4.0193815, -3.8147109, -3.6436408, -3.4965076,
    -3.3672957, -3.252005, -3.14784, -3.05277, -2.9652731, -2.8841798, -2.8085713, -2.7377133,
    -2.6710088, -2.6079667, -2.5481775, -2.4912965, -2.4370308, -2.3851292, -2.3353748, -2.2875795,
    -2.2415779, -2.1972246, -2.1543915, -2.1129642, -2.072841, -2.0339298, -1.9961491, -1.9594239,
    -1.923687, -1.8888772, -1.8549384, -1.8218195, -1.7894738, -1.7578579, -1.7269323, -1.6966603,
    -1.6670078, -1.6379434, -1.609438, -1.581464, -1.5539964, -1.5270114, -1.5004867, -1.4744016,
    -1.4487367, -1.4234734, -1.3985946, -1.3740842, -1.3499267, -1.3261077, -1.3026135, -1.2794312,
    -1.2565484, -1.2339536, -1.2116357, -1.189584, -1.1677887, -1.1462404, -1.1249295, -1.1038479,
    -1.082987, -1.0623388, -1.0418961, -1.0216513, -1.0015975, -0.98172814, -0.9620367, -0.9425172,
    -0.9231636, -0.90397024, -0.8849316, -0.86604255, -0.84729785, -0.8286927, -0.81022227, -0.79188204,
    -0.7736676, -0.7555746, -0.73759896, -0.71973664, -0.70198375, -0.68433654, -0.6667913, -0.64934456,
    -0.63199276, -0.61473256, -0.5975607, -0.580474, -0.56346935, -0.5465437, -0.5296941, -0.5129177,
    -0.4962116, -0.47957307, -0.46299946, -0.44648808, -0.43003637, -0.41364178, -0.3973018, -0.38101402,
    -0.36477602, -0.34858543, -0.33243996, -0.31633732, -0.30027527, -0.28425154, -0.268264, -0.25231045,
    -0.23638877, -0.22049688, -0.20463267, -0.18879408, -0.17297906, -0.15718558, -0.14141165, -0.12565526,
    -0.109914444, -0.094187215, -0.078471616, -0.062765695, -0.04706751, -0.03137512, -0.015686596, 0.0,
    0.015686596, 0.03137512, 0.04706751, 0.062765695, 0.078471616, 0.094187215, 0.109914444, 0.12565526,
    0.14141165, 0.15718558, 0.17297906, 0.18879408, 0.20463267, 0.22049688, 0.23638877, 0.25231045,
    0.268264, 0.28425154, 0.30027527, 0.31633732, 0.33243996, 0.34858543, 0.36477602, 0.38101402,
    0.3973018, 0.41364178, 0.43003637, 0.44648808, 0.46299946, 0.47957307, 0.4962116, 0.5129177,
    0.5296941, 0.5465437, 0.56346935, 0.580474, 0.5975607, 0.61473256, 0.63199276, 0.64934456,
    0.6667913, 0.68433654, 0.70198375, 0.71973664, 0.73759896, 0.7555746, 0.7736676, 0.79188204,
    0.81022227, 0.8286927, 0.84729785, 0.86604255, 0.8849316, 0.90397024, 0.9231636, 0.9425172,
    0.9620367, 0.98172814, 1.0015975, 1.0216513, 1.0418961, 1.0623388, 1.082987, 1.1038479,
    1.1249295, 1.1462404, 1.1677887, 1.189584, 1.2116357, 1.2339536, 1.2565484, 1.2794312,
    1.3026135, 1.3261077, 1.3499267, 1.3740842, 1.3985946, 1.4234734, 1.4487367, 1.4744016,
    1.5004867, 1.5270114, 1.5539964, 1.581464, 1.609438, 1.6379434, 1.6670078, 1.6966603,
    1.7269323, 1.7578579, 1.7894738, 1.8218195, 1.8549384, 1.8888772, 1.923687, 1.9594239,
    1.9961491, 2.0339298, 2.072841, 2.1129642, 2.1543915, 2.1972246, 2.2415779, 2.2875795,
    2.3353748, 2.3851292, 2.4370308, 2.4912965, 2.5481775, 2.6079667, 2.6710088, 2.7377133,
    2.8085713, 2.8841798, 2.9652731, 3.05277, 3.14784, 3.252005, 3.3672957, 3.4965076,
    3.6436408, 3.8147109, 4.0193815, 4.27468, 4.6151204, 5.1298985, 6.232448,
];

/// Lower end of the bucket index of [`sigmoid_u8`] (just below the first threshold).
const BUCKET_Z0: f32 = -6.25;
/// Buckets per unit of `z`: the thresholds are at least 4/255 ≈ 0.01569 apart,
/// more than a bucket's 1/64 = 0.015625, so a bucket holds at most one.
const BUCKET_SCALE: f32 = 64.0;
/// Number of buckets: `z` from -6.25 to 6.25.
const BUCKETS: usize = 800;

/// The bucket of `z` in [`SIGMOID_BUCKETS`], `floor((z + 6.25) · 64)` clamped
/// to the table (NaN: 0), computed in f32. Never decreases as `z` grows.
#[inline]
const fn sigmoid_bucket(z: f32) -> usize {
    let t = (z - BUCKET_Z0) * BUCKET_SCALE;
    // NaN and negative t go to bucket 0; `as usize` saturates large t
    if t >= 0.0 {
        let b = t as usize;
        if b > BUCKETS - 1 {
            BUCKETS - 1
        } else {
            b
        }
    } else {
        0
    }
}

/// The `n`-th f32 in numeric order (`n = 0` is the most negative NaN,
/// `u32::MAX` the largest positive one): consecutive `n` are neighbouring
/// floats, `-0.0` just before `+0.0`.
const fn nth_float(n: u32) -> f32 {
    f32::from_bits(if n & 0x8000_0000 != 0 {
        n ^ 0x8000_0000
    } else {
        !n
    })
}

/// The inverse of [`nth_float`].
const fn float_index(z: f32) -> u32 {
    let bits = z.to_bits();
    if bits & 0x8000_0000 != 0 {
        !bits
    } else {
        bits ^ 0x8000_0000
    }
}

/// The [`float_index`] of the smallest float whose [`sigmoid_bucket`] is `b`
/// or more (a binary search over the floats in order; `+inf` if none).
const fn bucket_start(b: usize) -> u32 {
    let (mut lo, mut hi) = (float_index(f32::NEG_INFINITY), float_index(f32::INFINITY));
    while lo < hi {
        let mid = lo + (hi - lo) / 2;
        if sigmoid_bucket(nth_float(mid)) >= b {
            hi = mid;
        } else {
            lo = mid + 1;
        }
    }
    lo
}

/// `SIGMOID_BUCKETS[b]` = number of thresholds at or below the smallest `z`
/// whose [`sigmoid_bucket`] is `b` (found by a binary search over the floats
/// in order), so at or below every `z` of bucket `b`: the count [`sigmoid_u8`]
/// starts from. Computed at compile time from [`SIGMOID_THRESHOLDS`] (800
/// bytes of flash).
const SIGMOID_BUCKETS: [u8; BUCKETS] = {
    let mut table = [0u8; BUCKETS];
    let mut b = 0;
    while b < BUCKETS {
        let first = nth_float(bucket_start(b));
        let mut count = 0;
        while count < SIGMOID_THRESHOLDS.len() && SIGMOID_THRESHOLDS[count] <= first {
            count += 1;
        }
        table[b] = count as u8;
        b += 1;
    }
    table
};

/// [`SIGMOID_THRESHOLDS`] and a NaN after them: every compare with the NaN
/// is false, so the step of [`sigmoid_u8`] from a count of 255 stays there.
const THRESHOLDS_NAN: [f32; 256] = {
    let mut t = [f32::NAN; 256];
    let mut k = 0;
    while k < 255 {
        t[k] = SIGMOID_THRESHOLDS[k];
        k += 1;
    }
    t
};

/// `round(255 · sigmoid(z))` for the hidden layer of the int8 network: the
/// number of [`SIGMOID_THRESHOLDS`] at or below `z`. Monotonic, `0` for very
/// negative `z` (and NaN), `255` for very positive `z`.
///
/// A bucket table (`z` in steps of 1/64) gives the count at the bucket's
/// first float, and one compare with the next threshold adds the bucket's
/// threshold if `z` is past it: no branch (an unpredictable branch per hidden
/// unit cost more than the search), instead of an `expf`, a division and a
/// rounding. The unit test `sigmoid_steps_reach_the_count` checks the result
/// at every float where the bucket or the count changes.
#[inline]
pub fn sigmoid_u8(z: f32) -> u8 {
    let start = SIGMOID_BUCKETS
        .get(sigmoid_bucket(z))
        .map_or(0, |&c| usize::from(c));
    let step = THRESHOLDS_NAN.get(start).is_some_and(|&t| z >= t);
    (start + usize::from(step)) as u8
}

/// [`SIGMOID_BUCKETS`] as 32-bit entries, for AVX2 gathers.
#[cfg(all(feature = "std", target_arch = "x86_64"))]
const SIGMOID_BUCKETS_I32: [i32; BUCKETS] = {
    let mut t = [0i32; BUCKETS];
    let mut b = 0;
    while b < BUCKETS {
        t[b] = SIGMOID_BUCKETS[b] as i32;
        b += 1;
    }
    t
};

/// [`sigmoid_u8`] of 8 pre-activations at once with AVX2, as 8 `i32` lanes:
/// the same bucket and the same step, two gathers and a compare, so the same
/// count in every lane.
#[cfg(all(feature = "std", target_arch = "x86_64"))]
#[target_feature(enable = "avx2")]
#[inline]
pub(crate) fn sigmoid_u8_x8(z: core::arch::x86_64::__m256) -> core::arch::x86_64::__m256i {
    use core::arch::x86_64::*;
    let t = _mm256_mul_ps(
        _mm256_sub_ps(z, _mm256_set1_ps(BUCKET_Z0)),
        _mm256_set1_ps(BUCKET_SCALE),
    );
    // `min_ps(a, t)` returns t when t is NaN: the conversion then gives
    // i32::MIN and the max below 0, as `sigmoid_bucket` does for NaN and t < 0
    let t = _mm256_min_ps(_mm256_set1_ps((BUCKETS - 1) as f32), t);
    let bucket = _mm256_max_epi32(_mm256_cvttps_epi32(t), _mm256_setzero_si256());
    // SAFETY: `bucket` is in 0..BUCKETS and the start in 0..=255, inside their tables
    let (start, next) = unsafe {
        let start = _mm256_i32gather_epi32::<4>(SIGMOID_BUCKETS_I32.as_ptr(), bucket);
        (
            start,
            _mm256_i32gather_ps::<4>(THRESHOLDS_NAN.as_ptr(), start),
        )
    };
    // a true compare is all ones (-1): subtracting it adds 1
    _mm256_sub_epi32(
        start,
        _mm256_castps_si256(_mm256_cmp_ps::<_CMP_GE_OQ>(z, next)),
    )
}

/// An `i32` that orders finite and infinite `f32` bit patterns like the
/// numbers they encode (`-0.0` and `+0.0` both 0). Not meaningful for NaN.
#[inline]
const fn order_key(bits: u32) -> i32 {
    let magnitude = (bits & 0x7fff_ffff) as i32;
    if bits & 0x8000_0000 != 0 {
        -magnitude
    } else {
        magnitude
    }
}

/// [`SIGMOID_THRESHOLDS`] as [`order_key`]s (1 KB of flash).
const SIGMOID_KEYS: [i32; 255] = {
    let mut keys = [0i32; 255];
    let mut k = 0;
    while k < keys.len() {
        keys[k] = order_key(SIGMOID_THRESHOLDS[k].to_bits());
        k += 1;
    }
    keys
};

/// [`sigmoid_u8`] without floating-point operations: a binary search of
/// `z`'s bit pattern among the thresholds' (8 integer compares). The same
/// count for every `z` (NaN too): for cores without an FPU (thumbv6m,
/// `cfg(nnet_soft_float)`), where each float compare or multiply is a
/// library call, the hidden layer uses this one.
#[inline]
pub fn sigmoid_u8_int(z: f32) -> u8 {
    let bits = z.to_bits();
    if bits & 0x7fff_ffff > 0x7f80_0000 {
        return sigmoid_u8(z); // NaN
    }
    let key = order_key(bits);
    SIGMOID_KEYS.partition_point(|&t| t <= key) as u8
}

/// `1.0f32`'s bit pattern.
const ONE_BITS: u32 = 0x3f80_0000;

/// Step 2's expression for one pixel `x` in `(0, 1]`: `x * 255 + 0.5` lies
/// in `(0.5, 255.5]`, `as u8` truncates (floor).
#[inline]
const fn quantize_unit(x: f32) -> u8 {
    (x * 255.0 + 0.5) as u8
}

/// `PIXEL_STEPS[k - 1]` is the bit pattern of the smallest `x` in `(0, 1]`
/// that [`quantize_unit`] maps to `k` or more (`k = 1..=255`), found at
/// compile time by a binary search over the bit patterns: the expression is
/// a composition of rounded IEEE-754 operations, so it never decreases as
/// `x` grows, and positive floats order like their bit patterns (1 KB of flash).
const PIXEL_STEPS: [u32; 255] = {
    let mut steps = [0u32; 255];
    let mut k = 1;
    while k <= 255 {
        let (mut lo, mut hi) = (1u32, ONE_BITS); // quantize_unit(1.0) = 255 >= k
        while lo < hi {
            let mid = lo + (hi - lo) / 2;
            if quantize_unit(f32::from_bits(mid)) as u32 >= k {
                hi = mid;
            } else {
                lo = mid + 1;
            }
        }
        steps[k as usize - 1] = lo;
        k += 1;
    }
    steps
};

/// [`quantize_unit`] without floating-point operations, from the bit pattern
/// `bits` of `x` in `(0, 1]`: the number of [`PIXEL_STEPS`] at or below it
/// (a binary search, 8 integer compares). For cores without an FPU
/// (`cfg(nnet_soft_float)`), where the float multiply, add and conversion
/// are three library calls.
#[cfg_attr(not(nnet_soft_float), allow(dead_code))] // tested on every target
#[inline]
fn quantize_unit_int(bits: u32) -> u8 {
    PIXEL_STEPS.partition_point(|&t| t <= bits) as u8
}

/// Quantises one pixel to 8 bits: `floor(clamp(x, 0, 1) * 255 + 0.5)`, or
/// `None` for NaN and infinities. Decides on the bit pattern first, so a
/// blank pixel (`+0.0`, most of an MNIST image) costs one integer compare.
#[inline(always)]
pub(crate) fn quantize_pixel(x: f32) -> Option<u8> {
    const ONE: u32 = ONE_BITS;
    const SIGN: u32 = 0x8000_0000;
    const INF: u32 = 0x7f80_0000;
    let bits = x.to_bits();
    if bits == 0 {
        Some(0)
    } else if bits <= ONE {
        #[cfg(not(nnet_soft_float))]
        let q = quantize_unit(x);
        #[cfg(nnet_soft_float)]
        let q = quantize_unit_int(bits);
        Some(q)
    } else if bits & !SIGN >= INF {
        None
    } else if bits & SIGN != 0 {
        Some(0) // negative (including -0.0) saturates to 0
    } else {
        Some(255) // above 1 saturates to 255
    }
}

/// Quantises an image to the int8 network's 8-bit inputs (step 2 of the
/// [module docs](self)): `0.0 → 0`, `1.0 → 255`, MNIST's `n/255 → n`, values
/// outside `0..=1` saturate. NaN or infinite pixels are [`Error::NonFiniteInput`].
pub fn quantize_input(x: &Image) -> Result<[u8; INPUT], Error> {
    let mut q = [0u8; INPUT];
    quantize_into(x, &mut q)?;
    Ok(q)
}

/// [`quantize_input`] into a zeroed buffer (blank pixels are not written;
/// eight blank pixels in a row cost one test).
fn quantize_into(x: &Image, q: &mut [u8; INPUT]) -> Result<(), Error> {
    let bits: &[u32] = bytemuck::cast_slice(&x[..]);
    for (q, bits) in q.chunks_exact_mut(8).zip(bits.chunks_exact(8)) {
        if bits.iter().fold(0, |any, &b| any | b) == 0 {
            continue;
        }
        for (q, &b) in q.iter_mut().zip(bits.iter()) {
            if b != 0 {
                *q = quantize_pixel(f32::from_bits(b)).ok_or(Error::NonFiniteInput)?;
            }
        }
    }
    Ok(())
}

/// A `784 -> H -> 10` int8 network whose weights are borrowed (zero-copy
/// from a model file in flash, see [`crate::format::ModelView::quant_mlp`],
/// or from an `OwnedQuantModel` with the `alloc` feature).
#[derive(Debug, Clone, Copy)]
pub struct QuantMlp<'a, const H: usize> {
    w1q: &'a [[i8; H]; INPUT],
    s1: &'a [f32; H],
    b1: &'a [f32; H],
    w2q: &'a [[i8; H]; OUTPUT],
    s2: &'a [f32; OUTPUT],
    b2: &'a [f32; OUTPUT],
}

impl<'a, const H: usize> QuantMlp<'a, H> {
    /// Builds the network from the file's sections: `w1q` is `784 x H`
    /// input-major (`w1q[i * H + j]` connects pixel `i` to hidden unit `j`),
    /// `s1` and `b1` have `H` entries, `w2q` is `10 x H` row-major, `s2` and
    /// `b2` have 10 entries. Wrong lengths are [`Error::LengthMismatch`],
    /// scales or biases out of range as in [`check_int8_params`], an `H` of 0
    /// or above [`MAX_HIDDEN`](crate::format::MAX_HIDDEN) [`Error::UnsupportedShape`].
    pub fn from_slices(
        w1q: &'a [i8],
        s1: &'a [f32],
        b1: &'a [f32],
        w2q: &'a [i8],
        s2: &'a [f32],
        b2: &'a [f32],
    ) -> Result<Self, Error> {
        crate::format::check_hidden_size(H)?;
        let w1q = rows::<i8, H, INPUT>(w1q)?;
        let w2q = rows::<i8, H, OUTPUT>(w2q)?;
        let s1 = array::<f32, H>(s1)?;
        let b1 = array::<f32, H>(b1)?;
        let s2 = array::<f32, OUTPUT>(s2)?;
        let b2 = array::<f32, OUTPUT>(b2)?;
        check_int8_params(s1, b1, s2, b2)?;
        Ok(QuantMlp {
            w1q,
            s1,
            b1,
            w2q,
            s2,
            b2,
        })
    }

    /// Quantised hidden weights, `784 x H` input-major.
    pub fn w1q(&self) -> &'a [[i8; H]; INPUT] {
        self.w1q
    }
    /// Per-hidden-unit weight scales.
    pub fn s1(&self) -> &'a [f32; H] {
        self.s1
    }
    /// Hidden biases.
    pub fn b1(&self) -> &'a [f32; H] {
        self.b1
    }
    /// Quantised output weights, `10 x H` row-major.
    pub fn w2q(&self) -> &'a [[i8; H]; OUTPUT] {
        self.w2q
    }
    /// Per-output weight scales.
    pub fn s2(&self) -> &'a [f32; OUTPUT] {
        self.s2
    }
    /// Output biases.
    pub fn b2(&self) -> &'a [f32; OUTPUT] {
        self.b2
    }

    /// The exact integer hidden sums `acc_j = Σ_i xq_i · w1q[i][j]` (step 3 of
    /// the [module docs](self)) for already quantised pixels.
    pub fn hidden_acc_into(&self, xq: &[u8; INPUT], acc: &mut [i32; H]) {
        #[cfg(nnet_armv6m)]
        crate::armv6m::hidden_acc(self.w1q, xq, acc);
        #[cfg(not(nnet_armv6m))]
        self.hidden_acc_pixelwise(xq, acc);
    }

    /// [`Self::hidden_acc_into`] pixel by pixel: every inked pixel's weight
    /// row added to the `H` accumulators, two pixels per sweep.
    #[cfg(not(nnet_armv6m))]
    fn hidden_acc_pixelwise(&self, xq: &[u8; INPUT], acc: &mut [i32; H]) {
        acc.fill(0);
        // blank pixels are skipped four at a time; inked ones are paired up so
        // one sweep over the accumulators serves two pixels
        let mut pending: Option<(&[i8; H], u8)> = None;
        let (pixels, _) = xq.as_chunks::<4>();
        let (rows, _) = self.w1q.as_chunks::<4>();
        for (quad, rows) in pixels.iter().zip(rows.iter()) {
            if u32::from_ne_bytes(*quad) == 0 {
                continue;
            }
            for (&x, row) in quad.iter().zip(rows.iter()) {
                if x != 0 {
                    match pending.take() {
                        None => pending = Some((row, x)),
                        Some((first, x0)) => accumulate2(acc, first, x0, row, x),
                    }
                }
            }
        }
        if let Some((row, x)) = pending {
            accumulate(acc, row, x);
        }
    }

    /// The hidden pre-activation `z_j = (acc_j as f32) * (s1_j * INV255) + b1_j`
    /// (step 4) of hidden unit `j` from its integer sum. `j >= H` gives 0.
    #[inline]
    pub fn hidden_pre_activation(&self, j: usize, acc: i32) -> f32 {
        match (self.s1.get(j), self.b1.get(j)) {
            (Some(&s), Some(&b)) => acc as f32 * (s * INV255) + b,
            _ => 0.0,
        }
    }

    /// The 8-bit hidden activations `hq_j = sigmoid_u8(z_j)` (steps 3-5) for
    /// already quantised pixels.
    pub fn hidden_into(&self, xq: &[u8; INPUT], hidden: &mut [u8; H]) {
        let mut acc = [0i32; H];
        self.hidden_acc_into(xq, &mut acc);
        for (j, (h, &a)) in hidden.iter_mut().zip(acc.iter()).enumerate() {
            let z = self.hidden_pre_activation(j, a);
            #[cfg(not(nnet_soft_float))]
            let q = sigmoid_u8(z);
            #[cfg(nnet_soft_float)]
            let q = sigmoid_u8_int(z);
            *h = q;
        }
    }

    /// The exact integer output sums `acc2_k = Σ_j hq_j · w2q[k][j]` (step 6).
    pub fn output_acc(&self, hidden: &[u8; H]) -> [i32; OUTPUT] {
        let mut acc = [0i32; OUTPUT];
        for (a, row) in acc.iter_mut().zip(self.w2q.iter()) {
            *a = dot_u8_i8(hidden, row);
        }
        acc
    }

    /// Output logits for already quantised pixels (steps 3-7). Scales and
    /// biases so extreme that a logit overflows are [`Error::NonFiniteWeight`]
    /// (never the case for a model made by `quantize`).
    pub fn logits_quantized(&self, xq: &[u8; INPUT]) -> Result<[f32; OUTPUT], Error> {
        let mut hidden = [0u8; H];
        self.hidden_into(xq, &mut hidden);
        self.logits_from_hidden(&hidden)
    }

    /// Output logits from the 8-bit hidden activations of [`QuantMlp::hidden_into`]
    /// (steps 6-7). Errors as [`QuantMlp::logits_quantized`].
    pub fn logits_from_hidden(&self, hidden: &[u8; H]) -> Result<[f32; OUTPUT], Error> {
        let acc = self.output_acc(hidden);
        let mut z = [0.0f32; OUTPUT];
        for (((z, &a), &s), &b) in z.iter_mut().zip(acc.iter()).zip(self.s2).zip(self.b2) {
            *z = a as f32 * (s * INV255) + b;
        }
        if !z.iter().all(|v| v.is_finite()) {
            return Err(Error::NonFiniteWeight);
        }
        Ok(z)
    }

    /// Output logits for one image (quantised by [`quantize_input`]).
    pub fn logits(&self, x: &Image) -> Result<[f32; OUTPUT], Error> {
        let mut xq = [0u8; INPUT];
        quantize_into(x, &mut xq)?;
        self.logits_quantized(&xq)
    }

    /// Classifies already quantised pixels (`0..=255`, see [`quantize_input`]).
    pub fn predict_quantized(&self, xq: &[u8; INPUT]) -> Result<Prediction, Error> {
        Ok(prediction_from_logits(&self.logits_quantized(xq)?))
    }

    /// Classifies one 28x28 image (row-major, 0.0 background .. 1.0 ink):
    /// the whole int8 forward pass of the [module docs](self). This is the
    /// call to count instructions of on the board or under QEMU.
    pub fn predict(&self, x: &Image) -> Result<Prediction, Error> {
        Ok(prediction_from_logits(&self.logits(x)?))
    }
}

/// `acc[j] += x * row[j]` for every hidden unit: the inner loop of the
/// hidden layer, once per inked pixel. Portable version.
#[cfg(not(any(nnet_arm_dsp, nnet_armv6m)))]
#[inline(always)]
fn accumulate<const H: usize>(acc: &mut [i32; H], row: &[i8; H], x: u8) {
    let x = i32::from(x);
    for (a, &w) in acc.iter_mut().zip(row.iter()) {
        *a += x * i32::from(w);
    }
}

/// `Σ_j h[j] * w[j]` in `i32` (exact): one output of the output layer.
/// Portable version.
#[cfg(not(nnet_arm_dsp))]
#[inline(always)]
fn dot_u8_i8<const H: usize>(h: &[u8; H], w: &[i8; H]) -> i32 {
    h.iter()
        .zip(w.iter())
        .map(|(&h, &w)| i32::from(h) * i32::from(w))
        .sum()
}

/// `Σ_j h[j] * w[j]` in `i32` (exact), for Arm cores with the DSP extension:
/// per 4 hidden units one `ldr` each of 4 activations and 4 weights, two
/// `uxtb16` and two `sxtb16` (bytes 0/2 and 1/3 widened to halfwords) and two
/// `smlad` (two 16x16 products added to the accumulator): 10 instructions
/// per 4 multiply-accumulates with the loop. The `ldr`s may be unaligned,
/// which these cores allow unless a firmware sets `SCB.CCR.UNALIGN_TRP`
/// (then a HardFault); the boards leave it clear, its reset value.
#[cfg(nnet_arm_dsp)]
#[inline(always)]
fn dot_u8_i8<const H: usize>(h: &[u8; H], w: &[i8; H]) -> i32 {
    let blocks = H / 4;
    let mut acc: i32 = 0;
    if blocks > 0 {
        // SAFETY: the loop reads `4 * blocks <= H` bytes from each of `h` and
        // `w` (single `ldr`s, which Cortex-M cores allow unaligned); every
        // register it changes is an operand; flags are clobbered. The sums
        // stay far inside i32 (|Σ| <= H * 255 * 128), so `smlad` never wraps.
        unsafe {
            core::arch::asm!(
                "2:",
                "ldr {hv}, [{ph}], #4",
                "ldr {wv}, [{pw}], #4",
                "uxtb16 {th}, {hv}",
                "uxtb16 {hv}, {hv}, ror #8",
                "sxtb16 {tw}, {wv}",
                "sxtb16 {wv}, {wv}, ror #8",
                "smlad {acc}, {th}, {tw}, {acc}",
                "smlad {acc}, {hv}, {wv}, {acc}",
                "subs {n}, {n}, #1",
                "bne 2b",
                ph = inout(reg) h.as_ptr() => _,
                pw = inout(reg) w.as_ptr() => _,
                n = inout(reg) blocks => _,
                acc = inout(reg) acc,
                hv = out(reg) _,
                wv = out(reg) _,
                th = out(reg) _,
                tw = out(reg) _,
                options(nostack),
            );
        }
    }
    let tail = blocks * 4;
    for (&h, &w) in h[tail..].iter().zip(w[tail..].iter()) {
        acc += i32::from(h) * i32::from(w);
    }
    acc
}

/// `acc[j] += xa * a[j] + xb * b[j]` for every hidden unit: two inked pixels
/// in one sweep over the accumulators. Portable version.
#[cfg(not(any(nnet_arm_dsp, nnet_armv6m)))]
#[inline(always)]
fn accumulate2<const H: usize>(acc: &mut [i32; H], a: &[i8; H], xa: u8, b: &[i8; H], xb: u8) {
    let (xa, xb) = (i32::from(xa), i32::from(xb));
    for ((acc, &wa), &wb) in acc.iter_mut().zip(a.iter()).zip(b.iter()) {
        *acc += xa * i32::from(wa) + xb * i32::from(wb);
    }
}

/// `acc[j] += xa * a[j] + xb * b[j]` for every hidden unit, for Arm cores
/// with the DSP extension: the pixel values sit in the two halves of one
/// register, and per 4 hidden units two `ldr` fetch 4 weights of each pixel,
/// four `sxtb16` widen them, eight `smla<x><y>` multiply-accumulate and one
/// `ldm`/`stm` pair moves the accumulators: 18 instructions (with the loop)
/// per 8 multiply-accumulates. Exact integers, same result as the portable loop.
#[cfg(nnet_arm_dsp)]
#[inline(always)]
fn accumulate2<const H: usize>(acc: &mut [i32; H], a: &[i8; H], xa: u8, b: &[i8; H], xb: u8) {
    let blocks = H / 4;
    if blocks > 0 {
        // SAFETY: the loop reads `4 * blocks <= H` weight bytes from each of
        // `a` and `b` (single `ldr`s, which Cortex-M cores allow unaligned)
        // and reads and writes `4 * blocks <= H` i32 of `acc` (aligned,
        // `ldm`/`stm`); every core register it changes is an operand; flags
        // are clobbered.
        unsafe {
            core::arch::asm!(
                "2:",
                "ldr {wa}, [{pa}], #4",
                "ldr {wb}, [{pb}], #4",
                "ldm {ap}, {{r0-r3}}",
                "sxtb16 {ta}, {wa}",
                "sxtb16 {wa}, {wa}, ror #8",
                "sxtb16 {tb}, {wb}",
                "sxtb16 {wb}, {wb}, ror #8",
                "smlabb r0, {ta}, {x}, r0",
                "smlabt r0, {tb}, {x}, r0",
                "smlabb r1, {wa}, {x}, r1",
                "smlabt r1, {wb}, {x}, r1",
                "smlatb r2, {ta}, {x}, r2",
                "smlatt r2, {tb}, {x}, r2",
                "smlatb r3, {wa}, {x}, r3",
                "smlatt r3, {wb}, {x}, r3",
                "stm {ap}!, {{r0-r3}}",
                "subs {n}, {n}, #1",
                "bne 2b",
                pa = inout(reg) a.as_ptr() => _,
                pb = inout(reg) b.as_ptr() => _,
                ap = inout(reg) acc.as_mut_ptr() => _,
                n = inout(reg) blocks => _,
                // xa in the bottom halfword, xb in the top one
                x = in(reg) u32::from(xa) | (u32::from(xb) << 16),
                wa = out(reg) _,
                ta = out(reg) _,
                wb = out(reg) _,
                tb = out(reg) _,
                // the accumulators live in r0-r3: `ldm`/`stm` order registers by number
                out("r0") _,
                out("r1") _,
                out("r2") _,
                out("r3") _,
                options(nostack),
            );
        }
    }
    let (xa, xb) = (i32::from(xa), i32::from(xb));
    let tail = blocks * 4;
    for ((acc, &wa), &wb) in acc[tail..]
        .iter_mut()
        .zip(a[tail..].iter())
        .zip(b[tail..].iter())
    {
        *acc += xa * i32::from(wa) + xb * i32::from(wb);
    }
}

/// `acc[j] += x * row[j]` for every hidden unit, for Arm cores with the DSP
/// extension (Cortex-M4/M7, `thumbv7em`): per 4 hidden units one `ldr` of 4
/// weight bytes, two `sxtb16` (bytes 0/2 and 1/3 sign-extended into
/// halfwords), four `smlabb`/`smlatb` (halfword x halfword + accumulator) and
/// one `ldm`/`stm` pair for the accumulators. Exact integer arithmetic, so
/// the result equals the portable loop's.
#[cfg(nnet_arm_dsp)]
#[inline(always)]
fn accumulate<const H: usize>(acc: &mut [i32; H], row: &[i8; H], x: u8) {
    let blocks = H / 4;
    if blocks > 0 {
        // SAFETY: the loop reads `4 * blocks <= H` weight bytes from `row`
        // (single `ldr`, which Cortex-M cores allow unaligned) and reads and
        // writes `4 * blocks <= H` i32 of `acc` (aligned, `ldm`/`stm`); every
        // core register it changes is an operand; flags are clobbered.
        unsafe {
            core::arch::asm!(
                "2:",
                "ldr {w}, [{wp}], #4",
                "ldm {ap}, {{r0-r3}}",
                "sxtb16 {t}, {w}",
                "sxtb16 {w}, {w}, ror #8",
                "smlabb r0, {t}, {x}, r0",
                "smlabb r1, {w}, {x}, r1",
                "smlatb r2, {t}, {x}, r2",
                "smlatb r3, {w}, {x}, r3",
                "stm {ap}!, {{r0-r3}}",
                "subs {n}, {n}, #1",
                "bne 2b",
                wp = inout(reg) row.as_ptr() => _,
                ap = inout(reg) acc.as_mut_ptr() => _,
                n = inout(reg) blocks => _,
                x = in(reg) u32::from(x),
                w = out(reg) _,
                t = out(reg) _,
                // the accumulators live in r0-r3: `ldm`/`stm` order registers by number
                out("r0") _,
                out("r1") _,
                out("r2") _,
                out("r3") _,
                options(nostack),
            );
        }
    }
    let x = i32::from(x);
    for (a, &w) in acc[blocks * 4..].iter_mut().zip(row[blocks * 4..].iter()) {
        *a += x * i32::from(w);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `sigmoid_u8`'s bucket start plus one step ends on the number of
    /// thresholds at or below `z` for every `z`: both are step
    /// functions of `z` (the bucket never decreases as `z` grows, and the steps
    /// and the count change only at a threshold), so checking them where either
    /// the bucket or the count changes, and just before, covers every float.
    #[test]
    fn sigmoid_steps_reach_the_count() {
        let count = |z: f32| SIGMOID_THRESHOLDS.iter().filter(|&&t| t <= z).count();
        let (first, last) = (float_index(f32::NEG_INFINITY), float_index(f32::INFINITY));
        // the first float of every bucket after the first
        let bucket_starts: [u32; BUCKETS - 1] = core::array::from_fn(|b| {
            let k = b + 1;
            let lo = bucket_start(k);
            assert_eq!(
                sigmoid_bucket(nth_float(lo)),
                k,
                "bucket {k} is never reached"
            );
            lo
        });
        let ends = [first, last, float_index(-0.0), float_index(0.0)];
        let thresholds = SIGMOID_THRESHOLDS.iter().map(|&t| float_index(t));
        let points = ends.into_iter().chain(thresholds).chain(bucket_starts);
        for p in points {
            for n in [p.saturating_sub(1).max(first), p] {
                let z = nth_float(n);
                assert_eq!(
                    usize::from(sigmoid_u8(z)),
                    count(z),
                    "z = {z:e} ({:#010x})",
                    z.to_bits()
                );
                check_x8(z);
            }
        }
        for z in [
            f32::NAN,
            -f32::NAN,
            f32::from_bits(0x7f80_0001),
            f32::MAX,
            f32::MIN,
        ] {
            assert_eq!(usize::from(sigmoid_u8(z)), count(z), "z = {z:e}");
            check_x8(z);
        }
    }

    /// With AVX2 (when the CPU has it), `sigmoid_u8_x8` gives `sigmoid_u8`'s
    /// count for `z` in every lane (next to 7 other values).
    fn check_x8(z: f32) {
        #[cfg(all(feature = "std", target_arch = "x86_64"))]
        if std::is_x86_feature_detected!("avx2") {
            use core::arch::x86_64::*;
            let lanes = [z, 0.0, -z, 1.0, z, f32::NAN, 6.3, -6.3];
            let mut out = [0i32; 8];
            // SAFETY: the CPU has AVX2 (checked above); loadu/storeu need no alignment
            unsafe {
                let counts = sigmoid_u8_x8(_mm256_loadu_ps(lanes.as_ptr()));
                _mm256_storeu_si256(out.as_mut_ptr().cast(), counts);
            }
            for (&z, &c) in lanes.iter().zip(&out) {
                assert_eq!(
                    c,
                    i32::from(sigmoid_u8(z)),
                    "z = {z:e} ({:#010x})",
                    z.to_bits()
                );
            }
        }
        #[cfg(not(all(feature = "std", target_arch = "x86_64")))]
        let _ = z;
    }

    /// The float-free pixel quantiser equals step 2's expression everywhere
    /// in `(0, 1]`: both are non-decreasing step functions of `x`, so they are
    /// equal if they agree at every step and just below it (checked here for
    /// all 255 steps), plus the ends of the range and MNIST's `n/255`.
    #[test]
    fn integer_pixel_quantiser_equals_the_float_one() {
        let same = |bits: u32| {
            let x = f32::from_bits(bits);
            assert_eq!(
                quantize_unit_int(bits),
                quantize_unit(x),
                "x = {x:e} ({bits:#010x})"
            );
        };
        for (k, &step) in PIXEL_STEPS.iter().enumerate() {
            assert!(
                step > 1 && step <= ONE_BITS,
                "step {} at {step:#010x}",
                k + 1
            );
            assert_eq!(usize::from(quantize_unit(f32::from_bits(step))), k + 1);
            same(step);
            same(step - 1);
            same(step + 1);
        }
        for bits in [1, 2, 0x0080_0000, 0x3b00_0000, ONE_BITS - 1, ONE_BITS] {
            same(bits);
        }
        for n in 1..=255u8 {
            let x = f32::from(n) / 255.0;
            same(x.to_bits());
            assert_eq!(quantize_pixel(x), Some(n));
        }
    }
}
