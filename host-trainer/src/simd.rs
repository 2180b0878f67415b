//! Small kernels of the training loop (the matrix products, bias + sigmoid,
//! sigmoid backward, optimiser updates) with runtime CPU dispatch: each
//! kernel body is compiled three times (AVX-512, AVX2+FMA, baseline) and the
//! best one the CPU supports is picked, so LLVM can vectorise it with wide
//! registers while the binary still runs anywhere. Float operations are
//! never reassociated or contracted (Rust does neither: a fused
//! multiply-add only where the code asks for one, and IEEE 754 defines its
//! result), and every kernel fixes the order of its sums, so every variant
//! produces the same bits: a training run gives the
//! same model on every x86_64 machine, whatever its instruction sets.
//!
//! `NNET_SIMD=baseline` (or `avx2`) in the environment caps the variant the
//! kernels pick, to check exactly that on one machine.
use std::sync::OnceLock;

/// The instruction sets a kernel variant is compiled for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Level {
    /// x86_64's baseline (SSE2), or any other architecture.
    Baseline,
    /// AVX2 and FMA.
    Avx2,
    /// AVX-512 (F and VL), AVX2 and FMA.
    Avx512,
}

impl Level {
    /// Its name, as `NNET_SIMD` takes it.
    pub fn name(self) -> &'static str {
        match self {
            Level::Baseline => "baseline",
            Level::Avx2 => "avx2",
            Level::Avx512 => "avx512",
        }
    }
}

/// The variant the kernels use: the best this CPU supports, capped by
/// `NNET_SIMD` (`baseline`, `avx2`, `avx512`; empty is unset; anything else
/// is ignored, with a warning on stderr the first time).
pub fn level() -> Level {
    static LEVEL: OnceLock<Level> = OnceLock::new();
    *LEVEL.get_or_init(|| {
        let cap = match std::env::var("NNET_SIMD").as_deref() {
            Ok("baseline") => Level::Baseline,
            Ok("avx2") => Level::Avx2,
            Ok("avx512" | "") | Err(std::env::VarError::NotPresent) => Level::Avx512,
            Ok(other) => {
                crate::note(format_args!(
                    "warning: NNET_SIMD={other:?} is none of baseline, avx2, avx512: ignored"
                ));
                Level::Avx512
            }
            Err(std::env::VarError::NotUnicode(_)) => {
                crate::note(format_args!(
                    "warning: NNET_SIMD is not UTF-8, so none of baseline, avx2, avx512: ignored"
                ));
                Level::Avx512
            }
        };
        detected().min(cap)
    })
}

/// The best variant this CPU supports.
fn detected() -> Level {
    #[cfg(target_arch = "x86_64")]
    {
        if std::is_x86_feature_detected!("avx512f") && std::is_x86_feature_detected!("avx512vl") {
            return Level::Avx512;
        }
        if std::is_x86_feature_detected!("avx2") && std::is_x86_feature_detected!("fma") {
            return Level::Avx2;
        }
    }
    Level::Baseline
}

/// Defines a safe function whose body is compiled for several instruction
/// sets and chosen at run time ([`level`]).
macro_rules! multiversion {
    ($(#[$m:meta])* $vis:vis fn $name:ident($($arg:ident : $ty:ty),* $(,)?) $(-> $ret:ty)? $body:block) => {
        $(#[$m])*
        $vis fn $name($($arg: $ty),*) $(-> $ret)? {
            #[inline(always)]
            fn inner($($arg: $ty),*) $(-> $ret)? $body
            #[cfg(target_arch = "x86_64")]
            {
                #[target_feature(enable = "avx512f,avx512vl,avx2,fma")]
                fn v4($($arg: $ty),*) $(-> $ret)? { inner($($arg),*) }
                #[target_feature(enable = "avx2,fma")]
                fn v3($($arg: $ty),*) $(-> $ret)? { inner($($arg),*) }
                match level() {
                    // SAFETY: `level` returns Avx512 only where the CPU supports
                    // every feature `v4` is compiled with.
                    Level::Avx512 => return unsafe { v4($($arg),*) },
                    // SAFETY: likewise for Avx2 and `v3`.
                    Level::Avx2 => return unsafe { v3($($arg),*) },
                    Level::Baseline => {}
                }
            }
            inner($($arg),*)
        }
    };
}

/// How [`matmul`] starts each destination element before adding the products.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Init {
    /// From zero (the destination is not read).
    Zero,
    /// From the destination's value (so consecutive calls over consecutive
    /// ranges of the inner index sum exactly as one call over all of them).
    Load,
    /// From the destination's value times a factor (momentum).
    Scale(f32),
}

/// Rows of the inner index one pass of the tiles covers: the part of `B` a
/// column of tiles reads (`KC x 16` values at a row stride of up to 64
/// floats) stays in a 32 KiB L1 cache. Splitting the sums over `k` this way
/// does not change them: the next pass continues each sum from the value the
/// last one stored.
const KC: usize = 128;

/// The destination tile at rows `i..i+R`, columns `j..j+W`.
///
/// # Safety
///
/// The tile and the parts of `A` and `B` it reads must lie inside the
/// slices: [`matmul`] checks its whole views before it calls this.
#[allow(clippy::too_many_arguments)]
#[inline(always)]
unsafe fn tile<const R: usize, const W: usize>(
    c: &mut [f32],
    ldc: usize,
    a: &[f32],
    [ars, acs]: [usize; 2],
    b: &[f32],
    ldb: usize,
    (i, j, k): (usize, usize, usize),
    init: Init,
) {
    let mut acc = [[0.0f32; W]; R];
    let cp = c.as_mut_ptr();
    for (r, acc) in acc.iter_mut().enumerate() {
        // SAFETY: row i + r, columns j..j+W of C are inside `c` (see above).
        let row = unsafe { &*(cp.add((i + r) * ldc + j) as *const [f32; W]) };
        match init {
            Init::Zero => {}
            Init::Load => *acc = *row,
            Init::Scale(s) => {
                for l in 0..W {
                    acc[l] = s * row[l];
                }
            }
        }
    }
    let ap = a.as_ptr();
    let bp = b.as_ptr();
    for p in 0..k {
        // SAFETY: row p, columns j..j+W of B and elements (i..i+R, p) of A
        // are inside `b` and `a` (see above).
        let bv = unsafe { &*(bp.add(p * ldb + j) as *const [f32; W]) };
        for (r, acc) in acc.iter_mut().enumerate() {
            // SAFETY: element (i + r, p) of A is inside `a` (see above).
            let av = unsafe { *ap.add((i + r) * ars + p * acs) };
            for l in 0..W {
                acc[l] = av.mul_add(bv[l], acc[l]);
            }
        }
    }
    for (r, acc) in acc.iter().enumerate() {
        // SAFETY: as for the loads of C above.
        unsafe { *(cp.add((i + r) * ldc + j) as *mut [f32; W]) = *acc };
    }
}

/// Every row of the destination at columns `j..j+W`, in tiles of 8 rows
/// (where `wide`), 4 and 1.
///
/// # Safety
///
/// As [`tile`], for the whole column strip.
#[allow(clippy::too_many_arguments)]
#[inline(always)]
unsafe fn strip<const W: usize>(
    c: &mut [f32],
    ldc: usize,
    a: &[f32],
    a_strides: [usize; 2],
    b: &[f32],
    ldb: usize,
    (m, j, k): (usize, usize, usize),
    init: Init,
    wide: bool,
) {
    let mut i = 0;
    while wide && i + 8 <= m {
        // SAFETY: the strip's tiles are inside the slices (the caller's promise).
        unsafe { tile::<8, W>(c, ldc, a, a_strides, b, ldb, (i, j, k), init) };
        i += 8;
    }
    while i + 4 <= m {
        // SAFETY: as above.
        unsafe { tile::<4, W>(c, ldc, a, a_strides, b, ldb, (i, j, k), init) };
        i += 4;
    }
    while i < m {
        // SAFETY: as above.
        unsafe { tile::<1, W>(c, ldc, a, a_strides, b, ldb, (i, j, k), init) };
        i += 1;
    }
}

multiversion! {
    /// `C = init(C) + A B` for `C` (`m x n`, row-major with row stride `ldc`),
    /// `A` (`m x k`, element `(i, p)` at `a[i * a_strides[0] + p * a_strides[1]]`)
    /// and `B` (`k x n`, row-major with row stride `ldb`), `dims = [m, n, k]`.
    ///
    /// Every element is summed in one fixed order, whatever the CPU:
    /// `acc = init(c); for p in 0..k { acc = fma(a[i][p], b[p][j], acc) }`,
    /// each step one fused multiply-add (rounded once, as IEEE 754 defines
    /// it, so every CPU gives the same bits). Tiles of the destination are
    /// vectorised along its rows, never along `k`, so the vector width does
    /// not change a sum. The AVX2 and AVX-512 variants use the CPU's FMA
    /// instructions; the baseline variant computes the same fused operation
    /// in software (much slower). The views must fit their slices (a caller
    /// bug panics).
    #[allow(clippy::too_many_arguments)]
    pub fn matmul(
        c: &mut [f32],
        ldc: usize,
        a: &[f32],
        a_strides: [usize; 2],
        b: &[f32],
        ldb: usize,
        dims: [usize; 3],
        init: Init,
    ) {
        let [m, n, k] = dims;
        if m == 0 || n == 0 {
            return;
        }
        let [ars, acs] = a_strides;
        assert!(
            (m - 1) * ldc + n <= c.len()
                && (k == 0 || (m - 1) * ars + (k - 1) * acs < a.len())
                && (k == 0 || (k - 1) * ldb + n <= b.len()),
            "matmul views exceed their slices"
        );
        // 32 registers (AVX-512): tiles of 8 x 32; otherwise 4 x 16
        let wide = level() == Level::Avx512;
        let mut kb = 0;
        loop {
            let kc = KC.min(k - kb);
            let init = if kb == 0 { init } else { Init::Load };
            let (a, b) = (&a[(kb * acs).min(a.len())..], &b[(kb * ldb).min(b.len())..]);
            let mut j = 0;
            while wide && j + 32 <= n {
                // SAFETY: the assert above keeps every strip of the views
                // inside the slices.
                unsafe { strip::<32>(c, ldc, a, a_strides, b, ldb, (m, j, kc), init, wide) };
                j += 32;
            }
            while j + 16 <= n {
                // SAFETY: as above.
                unsafe { strip::<16>(c, ldc, a, a_strides, b, ldb, (m, j, kc), init, wide) };
                j += 16;
            }
            // the last columns one at a time (the same tiles, one value wide)
            while j < n {
                // SAFETY: as above.
                unsafe { strip::<1>(c, ldc, a, a_strides, b, ldb, (m, j, kc), init, wide) };
                j += 1;
            }
            kb += kc;
            if kb >= k {
                break;
            }
        }
    }
}

/// `dst = src^T`: `src` is `rows x cols` row-major, `dst` becomes `cols x rows`
/// (in 8 x 8 blocks, so both sides are read and written a cache line at a time).
pub fn transpose(dst: &mut [f32], src: &[f32], rows: usize, cols: usize) {
    const B: usize = 8;
    let (dst, src) = (&mut dst[..rows * cols], &src[..rows * cols]);
    let full = |n: usize| n - n % B;
    for i0 in (0..full(rows)).step_by(B) {
        for j0 in (0..full(cols)).step_by(B) {
            let mut block = [[0.0f32; B]; B];
            for (r, row) in block.iter_mut().enumerate() {
                *row = src[(i0 + r) * cols + j0..][..B].try_into().unwrap();
            }
            for c in 0..B {
                let out: &mut [f32; B] =
                    (&mut dst[(j0 + c) * rows + i0..][..B]).try_into().unwrap();
                for (r, v) in out.iter_mut().enumerate() {
                    *v = block[r][c];
                }
            }
        }
    }
    // the ragged edges
    for i in 0..rows {
        let js = if i < full(rows) { full(cols) } else { 0 };
        for j in js..cols {
            dst[j * rows + i] = src[i * cols + j];
        }
    }
}

/// `e^x` for `f32` without a libm call, so loops over it vectorise: Cephes'
/// range reduction `x = n ln2 + r` and degree-6 polynomial (relative error
/// about 2e-7), `2^n` built from the exponent bits. Inputs are clamped to
/// `[-87, 88]`, so the result is always finite and positive.
#[inline(always)]
pub fn fast_exp(x: f32) -> f32 {
    const LOG2E: f32 = std::f32::consts::LOG2_E;
    const LN2_HI: f32 = 0.693_359_4;
    const LN2_LO: f32 = -2.121_944_4e-4;
    // 1.5 * 2^23: adding it rounds to an integer held in the low mantissa bits
    const MAGIC: f32 = 12_582_912.0;
    let x = x.clamp(-87.0, 88.0);
    let m = x * LOG2E + MAGIC;
    let n = m - MAGIC;
    let r = x - n * LN2_HI - n * LN2_LO;
    let mut p = 1.987_569_1e-4f32;
    p = p * r + 1.398_199_9e-3;
    p = p * r + 8.333_452e-3;
    p = p * r + 4.166_579_6e-2;
    p = p * r + 1.666_666_5e-1;
    p = p * r + 0.5;
    let e = p * r * r + r + 1.0;
    let bits = m.to_bits().wrapping_sub(MAGIC.to_bits()).wrapping_add(127) << 23;
    e * f32::from_bits(bits)
}

/// The logistic function with [`fast_exp`]; within 1e-6 of
/// `nnet_core::model::sigmoid`.
#[inline(always)]
pub fn fast_sigmoid(x: f32) -> f32 {
    1.0 / (1.0 + fast_exp(-x))
}

multiversion! {
    /// `row[i] = sigmoid(row[i] + bias)`.
    pub fn bias_sigmoid(row: &mut [f32], bias: f32) {
        for v in row.iter_mut() {
            *v = fast_sigmoid(*v + bias);
        }
    }
}

multiversion! {
    /// Sigmoid backward for one hidden unit over the batch:
    /// `d[i] *= h[i] * (1 - h[i])`; returns the sum of the new `d` (the bias gradient).
    pub fn sigmoid_backward(d: &mut [f32], h: &[f32]) -> f32 {
        let mut acc = [0.0f32; 8];
        let (dc, dr) = d.as_chunks_mut::<8>();
        let (hc, hr) = h.as_chunks::<8>();
        for (dv, hv) in dc.iter_mut().zip(hc) {
            for k in 0..8 {
                dv[k] *= hv[k] * (1.0 - hv[k]);
                acc[k] += dv[k];
            }
        }
        let mut tail = 0.0f32;
        for (dv, hv) in dr.iter_mut().zip(hr) {
            *dv *= hv * (1.0 - hv);
            tail += *dv;
        }
        ((acc[0] + acc[1]) + (acc[2] + acc[3])) + ((acc[4] + acc[5]) + (acc[6] + acc[7])) + tail
    }
}

multiversion! {
    /// SGD step with the momentum buffer already updated: `p -= lr * v`.
    pub fn sgd_apply(p: &mut [f32], v: &[f32], lr: f32) {
        for (p, v) in p.iter_mut().zip(v) {
            *p -= lr * v;
        }
    }
}

multiversion! {
    /// SGD with momentum from a gradient (as `torch.optim.SGD`):
    /// `v = mu * v + g` (or `v = g` on the first step), `p -= lr * v`.
    pub fn sgd_step(p: &mut [f32], v: &mut [f32], g: &[f32], lr: f32, mu: f32, first: bool) {
        let mu = if first { 0.0 } else { mu };
        for ((p, v), g) in p.iter_mut().zip(v.iter_mut()).zip(g) {
            *v = mu * *v + g;
            *p -= lr * *v;
        }
    }
}

/// Constants of one Adam step (bias corrections folded in, as `torch.optim.Adam`).
#[derive(Debug, Clone, Copy)]
pub struct AdamStep {
    /// `beta1`.
    pub b1: f32,
    /// `beta2`.
    pub b2: f32,
    /// `lr / (1 - beta1^t)`.
    pub step: f32,
    /// `1 / sqrt(1 - beta2^t)`.
    pub inv_sqrt_bc2: f32,
    /// `eps`.
    pub eps: f32,
}

impl AdamStep {
    /// The constants for step `t` (1-based). The powers are `libm`'s, as all of training's
    /// maths: the same bits on every machine (`f64::powi`'s precision is left to the
    /// platform).
    pub fn new(lr: f32, b1: f32, b2: f32, eps: f32, t: u64) -> Self {
        let t = t as f64;
        let bc1 = 1.0 - libm::pow(f64::from(b1), t);
        let bc2 = 1.0 - libm::pow(f64::from(b2), t);
        AdamStep {
            b1,
            b2,
            step: (f64::from(lr) / bc1) as f32,
            inv_sqrt_bc2: (1.0 / bc2.sqrt()) as f32,
            eps,
        }
    }
}

multiversion! {
    /// One Adam update: `m = b1 m + (1-b1) g`, `v = b2 v + (1-b2) g^2`,
    /// `p -= step * m / (sqrt(v) / sqrt(bc2) + eps)`.
    pub fn adam_step(p: &mut [f32], m: &mut [f32], v: &mut [f32], g: &[f32], a: AdamStep) {
        let (b1, b2) = (a.b1, a.b2);
        let (c1, c2) = (1.0 - b1, 1.0 - b2);
        for (((p, m), v), g) in p.iter_mut().zip(m.iter_mut()).zip(v.iter_mut()).zip(g) {
            *m = b1 * *m + c1 * g;
            *v = b2 * *v + c2 * (g * g);
            *p -= a.step * *m / (v.sqrt() * a.inv_sqrt_bc2 + a.eps);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The order `matmul` promises, element by element.
    #[allow(clippy::too_many_arguments)]
    fn reference(
        c: &mut [f32],
        ldc: usize,
        a: &[f32],
        [ars, acs]: [usize; 2],
        b: &[f32],
        ldb: usize,
        [m, n, k]: [usize; 3],
        init: Init,
    ) {
        for i in 0..m {
            for j in 0..n {
                let cv = &mut c[i * ldc + j];
                let mut acc = match init {
                    Init::Zero => 0.0,
                    Init::Load => *cv,
                    Init::Scale(s) => s * *cv,
                };
                for p in 0..k {
                    acc = a[i * ars + p * acs].mul_add(b[p * ldb + j], acc);
                }
                *cv = acc;
            }
        }
    }

    #[test]
    fn matmul_sums_in_the_promised_order() {
        let mut seed = 0x2545_f491_u32;
        let mut rnd = move || {
            seed ^= seed << 13;
            seed ^= seed >> 17;
            seed ^= seed << 5;
            (seed >> 8) as f32 / (1 << 24) as f32 - 0.5
        };
        // shapes around the tiles (8 and 4 rows, 32 and 16 columns) and the
        // k blocks (128), with padded strides and A read both ways
        for &[m, n, k] in &[
            [1, 1, 1],
            [3, 5, 0],
            [9, 33, 7],
            [13, 49, 129],
            [150, 64, 784],
            [150, 784, 64],
            [10, 150, 64],
            [10, 64, 150],
        ] {
            for (t, init) in [Init::Zero, Init::Load, Init::Scale(0.9)]
                .into_iter()
                .enumerate()
            {
                let (ldc, ldb) = (n + t, n + 2 * t);
                let a_strides = if t == 1 { [1, m + 3] } else { [k + t, 1] };
                let a: Vec<f32> = (0..m * k.max(1) + (m + 3) * k + 3).map(|_| rnd()).collect();
                let b: Vec<f32> = (0..k.max(1) * ldb).map(|_| rnd()).collect();
                let c0: Vec<f32> = (0..m * ldc).map(|_| rnd()).collect();
                let (mut got, mut want) = (c0.clone(), c0.clone());
                matmul(&mut got, ldc, &a, a_strides, &b, ldb, [m, n, k], init);
                reference(&mut want, ldc, &a, a_strides, &b, ldb, [m, n, k], init);
                let bits = |v: &[f32]| v.iter().map(|x| x.to_bits()).collect::<Vec<_>>();
                assert_eq!(bits(&got), bits(&want), "{m}x{n}x{k} {init:?}");
            }
        }
        // consecutive calls over ranges of k continue the sums exactly
        let (m, n, k) = (6, 40, 300);
        let a: Vec<f32> = (0..m * k).map(|_| rnd()).collect();
        let b: Vec<f32> = (0..k * n).map(|_| rnd()).collect();
        let mut whole = vec![0.0; m * n];
        matmul(&mut whole, n, &a, [k, 1], &b, n, [m, n, k], Init::Zero);
        let mut parts = vec![0.0; m * n];
        matmul(&mut parts, n, &a, [k, 1], &b, n, [m, n, 100], Init::Zero);
        matmul(
            &mut parts,
            n,
            &a[100..],
            [k, 1],
            &b[100 * n..],
            n,
            [m, n, 200],
            Init::Load,
        );
        assert_eq!(whole, parts);
    }

    #[test]
    #[should_panic(expected = "matmul views exceed their slices")]
    fn matmul_rejects_views_past_the_slices() {
        let mut c = vec![0.0f32; 4];
        matmul(
            &mut c,
            2,
            &[1.0; 4],
            [2, 1],
            &[1.0; 3],
            2,
            [2, 2, 2],
            Init::Zero,
        );
    }

    #[test]
    fn nnet_simd_caps_the_variant() {
        // (scripts/ci.d/20-trainer.sh runs these tests with each cap)
        match std::env::var("NNET_SIMD").as_deref() {
            Ok("baseline") => assert_eq!(level(), Level::Baseline),
            Ok("avx2") => assert_eq!(level(), detected().min(Level::Avx2)),
            _ => assert_eq!(level(), detected()),
        }
    }

    #[test]
    fn transpose_moves_every_element() {
        for (rows, cols) in [(1, 1), (3, 17), (64, 784), (9, 8), (150, 64)] {
            let src: Vec<f32> = (0..rows * cols).map(|v| v as f32).collect();
            let mut dst = vec![-1.0; rows * cols];
            transpose(&mut dst, &src, rows, cols);
            for i in 0..rows {
                for j in 0..cols {
                    assert_eq!(
                        dst[j * rows + i],
                        src[i * cols + j],
                        "{rows}x{cols} ({i}, {j})"
                    );
                }
            }
        }
    }

    #[test]
    fn fast_exp_is_accurate() {
        let mut x = -87.0f32;
        while x < 88.0 {
            let e = fast_exp(x);
            let r = (f64::from(x)).exp();
            assert!(((f64::from(e) - r) / r).abs() < 5e-7, "{x}: {e} vs {r}");
            x += 0.0137;
        }
        assert!(fast_exp(-1000.0) > 0.0 && fast_exp(1000.0).is_finite());
        assert_eq!(fast_exp(0.0), 1.0);
    }

    #[test]
    fn fast_sigmoid_matches_core() {
        let mut x = -30.0f32;
        while x < 30.0 {
            let a = fast_sigmoid(x);
            let b = nnet_core::model::sigmoid(x);
            assert!((a - b).abs() < 1e-6, "{x}: {a} vs {b}");
            x += 0.001;
        }
        let mut row = [0.0f32, 1.0, -2.0, 50.0, -200.0];
        bias_sigmoid(&mut row, 0.5);
        assert!((row[0] - nnet_core::model::sigmoid(0.5)).abs() < 1e-6);
        assert!(row[4] >= 0.0 && row[4] < 1e-30);
    }

    #[test]
    fn kernels_do_what_they_say() {
        let mut d: Vec<f32> = (0..19).map(|i| i as f32 * 0.1 - 0.5).collect();
        let h: Vec<f32> = (0..19).map(|i| (i as f32 + 1.0) / 21.0).collect();
        let expect: Vec<f32> = d.iter().zip(&h).map(|(d, h)| d * (h * (1.0 - h))).collect();
        let s = sigmoid_backward(&mut d, &h);
        assert_eq!(d, expect);
        assert!((s - expect.iter().sum::<f32>()).abs() < 1e-5);

        let (mut p, mut v) = (vec![1.0f32; 3], vec![0.5f32; 3]);
        sgd_step(&mut p, &mut v, &[1.0, 2.0, 3.0], 0.1, 0.9, false);
        assert_eq!(v, [1.45, 2.45, 3.45]);
        assert!((p[0] - (1.0 - 0.145)).abs() < 1e-7);
        sgd_step(&mut p, &mut v, &[1.0, 1.0, 1.0], 0.1, 0.9, true);
        assert_eq!(v, [1.0, 1.0, 1.0]);

        let (mut p, mut m, mut v) = (vec![0.0f32; 2], vec![0.0f32; 2], vec![0.0f32; 2]);
        adam_step(
            &mut p,
            &mut m,
            &mut v,
            &[0.5, -2.0],
            AdamStep::new(1e-3, 0.9, 0.999, 1e-8, 1),
        );
        // the first Adam step moves every parameter by ~lr against its gradient's sign
        assert!(
            (p[0] + 1e-3).abs() < 1e-6 && (p[1] - 1e-3).abs() < 1e-6,
            "{p:?}"
        );
    }
}
