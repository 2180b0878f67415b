//! Host-side networks with their weights repacked at load time for speed
//! (feature `alloc`): [`PackedMlp`] (f32) and [`PackedQuantMlp`] (int8).
//!
//! They give **the same bits** as the borrowed [`Mlp`] and [`QuantMlp`] (the
//! zero-copy networks the boards run from flash); only the order in which
//! independent work is done changes.
//!
//! ## f32: eight hidden units at once, one inked pixel at a time
//!
//! [`Mlp`]'s dot product keeps 8 accumulators (element `i` into accumulator
//! `i % 8`), so one row is one 8-lane vector added to itself chunk after
//! chunk: every addition waits for the one before it. [`PackedMlp`] runs 8
//! rows (a block) side by side and turns the accumulators around: vector
//! `A_k` holds accumulator `k` of each of the 8 rows. The hidden weights are
//! stored lane-major per block, `w1[block][chunk][k]` = the 8 rows' weights
//! for pixel `8 * chunk + k`, so one inked pixel `x` costs one 8-wide load,
//! multiply by `x` and add into `A_k`; the reduction tree of every row at once
//! is `((A0 + A1) + (A2 + A3)) + ((A4 + A5) + (A6 + A7))`, bias last. Within
//! each row the operations are exactly those of [`crate::model::dot`]: the
//! same products, each rounded, added to the same accumulator in the same
//! order (increasing pixel index), reduced by the same tree.
//!
//! Pixels that are zero (most of an MNIST digit) are skipped. That changes
//! no bit: a finite weight times `±0` is `±0`, and an accumulator that starts
//! at `+0` is never `-0` (in round-to-nearest a sum is `-0` only if both terms
//! are), so adding `±0` leaves it as it is. The weights read per image are
//! then 32 bytes per block and inked pixel (an MNIST digit inks about a fifth
//! of its pixels). With AVX, 4 blocks run together (each inked pixel's chunk
//! and value loaded once for 32 rows) and two lanes' pixel lists are walked
//! side by side, so 8 independent additions are in flight. The layout is made
//! for digits: an image with every pixel inked costs more per pixel than
//! working 8 pixels at a time would (`cargo bench -p nnet-core --bench
//! inference` times both kinds).
//!
//! ## int8: pixel pairs, 16-bit products
//!
//! [`QuantMlp`]'s hidden sums are exact integers, so their order is free.
//! [`PackedQuantMlp`] stores the hidden weights as 8-bit pairs for the
//! pixels `(2p, 2p + 1)`, in blocks of 64 hidden units; on x86_64 with AVX2 one
//! `vpmovsxbw` widens 8 pairs to 16 bits as it loads them and one `vpmaddwd`
//! multiplies them by the two pixel values and adds each pair in `i32` (exact:
//! `|255 · 127 · 2| < 2^31`). Pairs of blank pixels are skipped. The scale,
//! bias and activation are [`QuantMlp`]'s (the activation's table search 8
//! hidden units at a time with AVX2 gathers); the output sums are `vpmaddwd`s too.
//!
//! Both networks answer a whole batch with [`PackedMlp::predict_batch`] /
//! [`PackedQuantMlp::predict_batch`]: per image the same bits as `predict`.
use alloc::vec;
use alloc::vec::Vec;

use crate::model::{prediction_from_logits, sigmoid};
use crate::quant::{quantize_pixel, sigmoid_u8, INV255};
use crate::{Classifier, Error, Image, Mlp, Prediction, QuantMlp, INPUT, OUTPUT};

/// Lanes of one chunk: the 8 accumulators of the determinism contract.
const LANES: usize = 8;
/// 8-pixel chunks of one image.
const CHUNKS: usize = INPUT / LANES;
/// The 8 rows of a block, 8 lanes each.
type Block = [[f32; LANES]; LANES];
/// Zero weights.
static ZERO_BLOCK: Block = [[0.0; LANES]; LANES];

/// Runs `f` compiled for AVX2 when the CPU has it (x86_64 with `std`), else
/// the portable build of the same code. Both compute the same bits: Rust never
/// contracts a multiply and an add into a fused multiply-add.
macro_rules! dispatch {
    ($portable:ident, $avx2:ident, ($($arg:expr),*)) => {{
        #[cfg(all(feature = "std", target_arch = "x86_64"))]
        {
            if std::is_x86_feature_detected!("avx2") {
                // SAFETY: the CPU supports AVX2 (checked just above).
                unsafe { $avx2($($arg),*) }
            } else {
                $portable($($arg),*)
            }
        }
        #[cfg(not(all(feature = "std", target_arch = "x86_64")))]
        {
            $portable($($arg),*)
        }
    }};
}

/// The reduction of the determinism contract, then the bias.
#[inline(always)]
fn reduce(acc: &[f32; LANES], bias: f32) -> f32 {
    ((acc[0] + acc[1]) + (acc[2] + acc[3])) + ((acc[4] + acc[5]) + (acc[6] + acc[7])) + bias
}

/// The 8 accumulators of the 8 rows of one block over the given chunks, in
/// given chunks `(c, x_c)` in increasing order (`block[c]` holds the rows'
/// weights for chunk `c`).
#[inline(always)]
fn block_acc<'a>(
    chunks: impl Iterator<Item = (&'a Block, &'a [f32; LANES])>,
) -> [[f32; LANES]; LANES] {
    let mut acc = [[0.0f32; LANES]; LANES];
    for (w, x) in chunks {
        for (acc, w) in acc.iter_mut().zip(w.iter()) {
            for k in 0..LANES {
                acc[k] += w[k] * x[k];
            }
        }
    }
    acc
}

/// [`block_acc`] with explicit 256-bit vectors, then [`reduce`] of the 8
/// rows: one register per row, one `vmulps` and one `vaddps` per row and
/// chunk (LLVM's own vectorisation of the portable loop shuffles lanes
/// between registers). The same IEEE operations in the same order, so the
/// same bits.
#[cfg(all(feature = "std", target_arch = "x86_64"))]
#[target_feature(enable = "avx")]
#[inline]
fn block_acc_avx<'a>(
    chunks: impl Iterator<Item = (&'a Block, &'a [f32; LANES])>,
    bias: &[f32; LANES],
) -> [f32; LANES] {
    use core::arch::x86_64::*;
    let z = _mm256_setzero_ps();
    let (mut a0, mut a1, mut a2, mut a3, mut a4, mut a5, mut a6, mut a7) = (z, z, z, z, z, z, z, z);
    for (w, x) in chunks {
        // SAFETY: `x` and every `w[r]` are 8 f32 (32 bytes); loadu needs no alignment
        let (xv, w) = (unsafe { _mm256_loadu_ps(x.as_ptr()) }, w.as_ptr());
        // SAFETY: `w` points to 8 rows of 8 f32 and `r < 8`; loadu needs no alignment
        let row = |r: usize| unsafe { _mm256_mul_ps(_mm256_loadu_ps((*w.add(r)).as_ptr()), xv) };
        a0 = _mm256_add_ps(a0, row(0));
        a1 = _mm256_add_ps(a1, row(1));
        a2 = _mm256_add_ps(a2, row(2));
        a3 = _mm256_add_ps(a3, row(3));
        a4 = _mm256_add_ps(a4, row(4));
        a5 = _mm256_add_ps(a5, row(5));
        a6 = _mm256_add_ps(a6, row(6));
        a7 = _mm256_add_ps(a7, row(7));
    }
    // the reduction tree of every row at once: `hadd` adds neighbouring
    // lanes, so two rounds give `(a0+a1)+(a2+a3)` and `(a4+a5)+(a6+a7)` of
    // four rows in the low and high halves; adding the halves gives the sums
    let q0 = _mm256_hadd_ps(_mm256_hadd_ps(a0, a1), _mm256_hadd_ps(a2, a3));
    let q1 = _mm256_hadd_ps(_mm256_hadd_ps(a4, a5), _mm256_hadd_ps(a6, a7));
    let low = _mm256_permute2f128_ps(q0, q1, 0x20);
    let high = _mm256_permute2f128_ps(q0, q1, 0x31);
    // SAFETY: `bias` is 8 f32 (32 bytes); loadu needs no alignment
    let z = _mm256_add_ps(_mm256_add_ps(low, high), unsafe {
        _mm256_loadu_ps(bias.as_ptr())
    });
    let mut out = [0.0f32; LANES];
    // SAFETY: `out` is 8 f32 (32 bytes); storeu needs no alignment
    unsafe { _mm256_storeu_ps(out.as_mut_ptr(), z) };
    out
}

/// One image's inked pixels sorted by lane: pixel `8 * chunk + k` with value
/// `x` is `(chunk, x)` in lane `k`'s list, in increasing chunk order.
struct Lanes {
    chunk: [[u8; CHUNKS]; LANES],
    x: [[f32; CHUNKS]; LANES],
    len: [usize; LANES],
}

impl Lanes {
    /// The inked pixels of `x`, or [`Error::NonFiniteInput`].
    #[inline(always)]
    fn of(x: &Image) -> Result<Lanes, Error> {
        let mut lanes = Lanes {
            chunk: [[0; CHUNKS]; LANES],
            x: [[0.0; CHUNKS]; LANES],
            len: [0; LANES],
        };
        let (xc, _) = x.as_chunks::<LANES>();
        for (c, chunk) in xc.iter().enumerate() {
            // a blank chunk (all +0.0, most of a digit) in one test
            if chunk.iter().fold(0, |any, v| any | v.to_bits()) == 0 {
                continue;
            }
            for (k, &v) in chunk.iter().enumerate() {
                let magnitude = v.to_bits() & 0x7fff_ffff;
                if magnitude >= 0x7f80_0000 {
                    return Err(Error::NonFiniteInput);
                }
                if magnitude != 0 {
                    let n = lanes.len[k];
                    lanes.chunk[k][n] = c as u8;
                    lanes.x[k][n] = v;
                    lanes.len[k] = n + 1;
                }
            }
        }
        Ok(lanes)
    }

    /// Lane `k`'s `(chunk, x)` pairs.
    #[inline(always)]
    fn lane(&self, k: usize) -> impl Iterator<Item = (usize, f32)> + '_ {
        let n = self.len[k];
        self.chunk[k][..n]
            .iter()
            .zip(&self.x[k][..n])
            .map(|(&c, &x)| (usize::from(c), x))
    }
}

/// The 8 rows' sums plus biases of one lane-major hidden block (`block[c][k]`
/// = the rows' weights for pixel `8c + k`) over the inked pixels.
#[inline(always)]
fn hidden_block<const AVX: bool>(
    block: &[Block],
    lanes: &Lanes,
    bias: &[f32; LANES],
) -> [f32; LANES] {
    #[cfg(all(feature = "std", target_arch = "x86_64"))]
    if AVX {
        // SAFETY: `AVX` is `true` only in functions entered after
        // `is_x86_feature_detected!("avx2")` (see `dispatch!`).
        return unsafe { hidden_block_avx(block, lanes, bias) };
    }
    let lane = |k: usize| {
        let mut a = [0.0f32; LANES];
        for (c, x) in lanes.lane(k) {
            let w = &block.get(c).unwrap_or(&ZERO_BLOCK)[k];
            for r in 0..LANES {
                a[r] += w[r] * x;
            }
        }
        a
    };
    let a: [[f32; LANES]; LANES] = core::array::from_fn(lane);
    core::array::from_fn(|r| {
        ((a[0][r] + a[1][r]) + (a[2][r] + a[3][r]))
            + ((a[4][r] + a[5][r]) + (a[6][r] + a[7][r]))
            + bias[r]
    })
}

/// [`hidden_block`] with explicit 256-bit vectors: one load, `vmulps` and
/// `vaddps` per inked pixel. The 8 lanes' lists are walked side by side as
/// far as the shortest goes (8 independent additions in flight instead of one
/// chain: a dense image runs twice as fast), then each lane's rest. The same
/// IEEE operations in the same order per accumulator, so the same bits.
#[cfg(all(feature = "std", target_arch = "x86_64"))]
#[target_feature(enable = "avx")]
#[inline]
fn hidden_block_avx(block: &[Block], lanes: &Lanes, bias: &[f32; LANES]) -> [f32; LANES] {
    use core::arch::x86_64::*;
    // accumulator k += the rows' weights of pixel (chunk, k) times x
    let step = |a: __m256, k: usize, i: usize| {
        let c = usize::from(lanes.chunk[k][i]);
        let w = &block.get(c).unwrap_or(&ZERO_BLOCK)[k];
        // SAFETY: `w` is 8 f32 (32 bytes); loadu needs no alignment
        let w = unsafe { _mm256_loadu_ps(w.as_ptr()) };
        _mm256_add_ps(a, _mm256_mul_ps(w, _mm256_set1_ps(lanes.x[k][i])))
    };
    let common = lanes.len.iter().copied().min().unwrap_or(0);
    let mut a = [_mm256_setzero_ps(); LANES];
    for i in 0..common {
        for (k, a) in a.iter_mut().enumerate() {
            *a = step(*a, k, i);
        }
    }
    for (k, a) in a.iter_mut().enumerate() {
        for i in common..lanes.len[k] {
            *a = step(*a, k, i);
        }
    }
    let low = _mm256_add_ps(_mm256_add_ps(a[0], a[1]), _mm256_add_ps(a[2], a[3]));
    let high = _mm256_add_ps(_mm256_add_ps(a[4], a[5]), _mm256_add_ps(a[6], a[7]));
    // SAFETY: `bias` is 8 f32 (32 bytes); loadu needs no alignment
    let z = _mm256_add_ps(_mm256_add_ps(low, high), unsafe {
        _mm256_loadu_ps(bias.as_ptr())
    });
    let mut out = [0.0f32; LANES];
    // SAFETY: `out` is 8 f32 (32 bytes); storeu needs no alignment
    unsafe { _mm256_storeu_ps(out.as_mut_ptr(), z) };
    out
}

/// Blocks of hidden rows that [`hidden_blocks_avx`] runs together.
#[cfg(all(feature = "std", target_arch = "x86_64"))]
const GROUP: usize = 4;

/// [`hidden_block_avx`] for [`GROUP`] blocks at once: two lanes at a time,
/// walked side by side, each inked pixel's chunk and value loaded once for
/// the 4 blocks (8 independent additions in flight, half the loads per
/// multiply-add). Per block and accumulator the same operations in the same
/// order as [`hidden_block_avx`], so the same bits.
#[cfg(all(feature = "std", target_arch = "x86_64"))]
#[target_feature(enable = "avx")]
#[inline]
fn hidden_blocks_avx(
    blocks: &[[Block; CHUNKS]; GROUP],
    lanes: &Lanes,
    bias: &[[f32; LANES]; GROUP],
) -> [[f32; LANES]; GROUP] {
    use core::arch::x86_64::*;
    // acc[b][k]: accumulator k of block b's 8 rows
    let mut acc = [[_mm256_setzero_ps(); LANES]; GROUP];
    let weights = |b: usize, c: u8, k: usize| {
        // SAFETY: `Lanes::of` stores only chunk indices below CHUNKS (it
        // enumerates the image's CHUNKS chunks), b < GROUP and k < LANES, so
        // the 8 f32 (32 bytes) read are inside `blocks`; loadu needs no
        // alignment. (Unchecked: a bounds check per load costs a quarter of the time.)
        unsafe {
            let block = blocks.get_unchecked(b).get_unchecked(usize::from(c));
            _mm256_loadu_ps(block.get_unchecked(k).as_ptr())
        }
    };
    // adds lane k's pixels i in `range` to a[b] for every block b
    let walk = |a: &mut [__m256; GROUP], k: usize, range: core::ops::Range<usize>| {
        for i in range {
            let (c, x) = (lanes.chunk[k][i], _mm256_set1_ps(lanes.x[k][i]));
            for (b, a) in a.iter_mut().enumerate() {
                *a = _mm256_add_ps(*a, _mm256_mul_ps(weights(b, c, k), x));
            }
        }
    };
    for k in (0..LANES).step_by(2) {
        let (mut a0, mut a1) = ([_mm256_setzero_ps(); GROUP], [_mm256_setzero_ps(); GROUP]);
        let (n0, n1) = (lanes.len[k], lanes.len[k + 1]);
        let common = n0.min(n1);
        for i in 0..common {
            let (c0, x0) = (lanes.chunk[k][i], _mm256_set1_ps(lanes.x[k][i]));
            let (c1, x1) = (lanes.chunk[k + 1][i], _mm256_set1_ps(lanes.x[k + 1][i]));
            for b in 0..GROUP {
                a0[b] = _mm256_add_ps(a0[b], _mm256_mul_ps(weights(b, c0, k), x0));
                a1[b] = _mm256_add_ps(a1[b], _mm256_mul_ps(weights(b, c1, k + 1), x1));
            }
        }
        walk(&mut a0, k, common..n0);
        walk(&mut a1, k + 1, common..n1);
        for (acc, (a0, a1)) in acc.iter_mut().zip(a0.into_iter().zip(a1)) {
            acc[k] = a0;
            acc[k + 1] = a1;
        }
    }
    core::array::from_fn(|b| {
        let a = &acc[b];
        let low = _mm256_add_ps(_mm256_add_ps(a[0], a[1]), _mm256_add_ps(a[2], a[3]));
        let high = _mm256_add_ps(_mm256_add_ps(a[4], a[5]), _mm256_add_ps(a[6], a[7]));
        // SAFETY: `bias[b]` is 8 f32 (32 bytes); loadu needs no alignment
        let z = _mm256_add_ps(_mm256_add_ps(low, high), unsafe {
            _mm256_loadu_ps(bias[b].as_ptr())
        });
        let mut out = [0.0f32; LANES];
        // SAFETY: `out` is 8 f32 (32 bytes); storeu needs no alignment
        unsafe { _mm256_storeu_ps(out.as_mut_ptr(), z) };
        out
    })
}

/// The 8 rows' sums plus biases (`reduce` of [`block_acc`]), through
/// [`block_acc_avx`] in the code compiled for AVX2 (`AVX` is only `true` there).
#[inline(always)]
fn kernel<'a, const AVX: bool>(
    chunks: impl Iterator<Item = (&'a Block, &'a [f32; LANES])>,
    bias: &[f32; LANES],
) -> [f32; LANES] {
    #[cfg(all(feature = "std", target_arch = "x86_64"))]
    if AVX {
        // SAFETY: `AVX` is `true` only in functions entered after
        // `is_x86_feature_detected!("avx2")` (see `dispatch!`).
        return unsafe { block_acc_avx(chunks, bias) };
    }
    let acc = block_acc(chunks);
    core::array::from_fn(|r| reduce(&acc[r], bias[r]))
}

/// [`sigmoid`] of 8 values, through [`sigmoid8_avx2`] in the code compiled
/// for AVX2.
#[inline(always)]
fn sigmoid8<const AVX: bool>(z: [f32; LANES]) -> [f32; LANES] {
    #[cfg(all(feature = "std", target_arch = "x86_64", not(feature = "micromath")))]
    if AVX {
        // SAFETY: as in `kernel`
        if let Some(s) = unsafe { sigmoid8_avx2(z) } {
            return s;
        }
    }
    z.map(sigmoid)
}

/// `1 / (1 + libm::expf(-z))` for 8 lanes at once, bit for bit: the
/// FreeBSD `expf` that `libm` implements (argument reduction by `k·ln 2` in
/// two parts, the degree-2 rational approximation, scaling by `2^k`), every
/// step the same single f32 operation as in `libm`, for `2^-13 < |z| < 87.3`
/// (where `libm` takes the same path; `2^k` is then a normal number and its
/// scaling one multiply). `None` if a lane is outside that range (then the
/// caller uses the scalar [`sigmoid`]).
#[cfg(all(feature = "std", target_arch = "x86_64", not(feature = "micromath")))]
#[target_feature(enable = "avx2")]
#[inline]
fn sigmoid8_avx2(z: [f32; LANES]) -> Option<[f32; LANES]> {
    use core::arch::x86_64::*;
    // libm's constants, by their bits
    const LN2_HI: f32 = f32::from_bits(0x3f31_7200);
    const LN2_LO: f32 = f32::from_bits(0x35bf_be8e);
    const INV_LN2: f32 = f32::from_bits(0x3fb8_aa3b);
    const P1: f32 = f32::from_bits(0x3e2a_aa8f);
    const P2: f32 = f32::from_bits(0xbb35_5215);
    let f = _mm256_set1_ps;
    let i = _mm256_set1_epi32;
    // SAFETY: `z` is 8 f32 (32 bytes); loadu needs no alignment
    let z = unsafe { _mm256_loadu_ps(z.as_ptr()) };
    let t = _mm256_xor_ps(z, f(-0.0)); // expf's argument: -z
    let bits = _mm256_castps_si256(t);
    let hx = _mm256_and_si256(bits, i(0x7fff_ffff));
    // libm's special cases (|t| >= 87.34, NaN) and its `1 + t` shortcut (|t| < 2^-13, where
    // musl's comment says 2^-14), and |t| = 2^-13 too: there the scalar path answers
    let outside = _mm256_or_si256(
        _mm256_cmpgt_epi32(hx, i(0x42ae_ac4f)),
        _mm256_cmpgt_epi32(i(0x3900_0001), hx),
    );
    if _mm256_movemask_epi8(outside) != 0 {
        return None;
    }
    let negative = _mm256_srai_epi32(bits, 31); // all ones where t < 0
                                                // k = (INV_LN2 * t + ±0.5) as i32 for |t| > 1.5 ln 2, ±1 for |t| > 0.5 ln 2, else 0
    let half = _mm256_or_ps(f(0.5), _mm256_and_ps(t, f(-0.0)));
    let k_big = _mm256_cvttps_epi32(_mm256_add_ps(_mm256_mul_ps(f(INV_LN2), t), half));
    let k_mid = _mm256_or_si256(i(1), negative); // 1 or -1
    let big = _mm256_cmpgt_epi32(hx, i(0x3f85_1592));
    let mid = _mm256_cmpgt_epi32(hx, i(0x3eb1_7218));
    let k = _mm256_and_si256(_mm256_blendv_epi8(k_mid, k_big, big), mid);
    let kf = _mm256_cvtepi32_ps(k);
    // with k = 0 these are libm's `hi = t, lo = 0` exactly
    let hi = _mm256_sub_ps(t, _mm256_mul_ps(kf, f(LN2_HI)));
    let lo = _mm256_mul_ps(kf, f(LN2_LO));
    let x = _mm256_sub_ps(hi, lo);
    let xx = _mm256_mul_ps(x, x);
    let c = _mm256_sub_ps(
        x,
        _mm256_mul_ps(xx, _mm256_add_ps(f(P1), _mm256_mul_ps(xx, f(P2)))),
    );
    let q = _mm256_div_ps(_mm256_mul_ps(x, c), _mm256_sub_ps(f(2.0), c));
    let y = _mm256_add_ps(f(1.0), _mm256_add_ps(_mm256_sub_ps(q, lo), hi));
    // scalbnf(y, k) with -126 <= k <= 127: one multiply by 2^k (1.0 for k = 0)
    let scale = _mm256_castsi256_ps(_mm256_slli_epi32(_mm256_add_epi32(k, i(0x7f)), 23));
    let e = _mm256_mul_ps(y, scale);
    let s = _mm256_div_ps(f(1.0), _mm256_add_ps(f(1.0), e));
    let mut out = [0.0f32; LANES];
    // SAFETY: `out` is 8 f32 (32 bytes); storeu needs no alignment
    unsafe { _mm256_storeu_ps(out.as_mut_ptr(), s) };
    Some(out)
}

/// A `784 -> H -> 10` f32 network with its weights repacked for the host
/// (see the [module docs](self)); the same bits as [`Mlp::predict`].
#[derive(Debug, Clone)]
pub struct PackedMlp<const H: usize> {
    /// Hidden weights: `H.div_ceil(8)` blocks of [`CHUNKS`] chunks, lane-major
    /// (`[block][chunk][k][row]`; rows past `H` are zero).
    w1: Vec<Block>,
    /// Hidden biases in groups of 8 (zero past `H`).
    b1: Vec<[f32; LANES]>,
    /// Output weights: 2 blocks (rows 0-7, rows 8-9 and zeros) of `H.div_ceil(8)`
    /// chunks of hidden units (units past `H` are zero).
    w2: Vec<Block>,
    /// Output biases in groups of 8 (zero past 10).
    b2: [[f32; LANES]; 2],
}

impl<const H: usize> PackedMlp<H> {
    const HIDDEN_CHUNKS: usize = H.div_ceil(LANES);

    /// Repacks the weights of `mlp` (a copy: about the size of the model file).
    pub fn new(mlp: &Mlp<'_, H>) -> Self {
        let hc = Self::HIDDEN_CHUNKS;
        let mut w1 = vec![[[0.0f32; LANES]; LANES]; hc * CHUNKS];
        for (j, row) in mlp.w1().iter().enumerate() {
            let (chunks, _) = row.as_chunks::<LANES>();
            for (c, chunk) in chunks.iter().enumerate() {
                for (k, &w) in chunk.iter().enumerate() {
                    w1[(j / LANES) * CHUNKS + c][k][j % LANES] = w;
                }
            }
        }
        let mut w2 = vec![[[0.0f32; LANES]; LANES]; 2 * hc];
        for (k, row) in mlp.w2().iter().enumerate() {
            for (j, &w) in row.iter().enumerate() {
                w2[(k / LANES) * hc + j / LANES][k % LANES][j % LANES] = w;
            }
        }
        let mut b1 = vec![[0.0f32; LANES]; hc];
        for (j, &b) in mlp.b1().iter().enumerate() {
            b1[j / LANES][j % LANES] = b;
        }
        let mut b2 = [[0.0f32; LANES]; 2];
        for (k, &b) in mlp.b2().iter().enumerate() {
            b2[k / LANES][k % LANES] = b;
        }
        PackedMlp { w1, b1, w2, b2 }
    }

    /// Output logits for one image; the same bits and errors as [`Mlp::logits`].
    pub fn logits(&self, x: &Image) -> Result<[f32; OUTPUT], Error> {
        dispatch!(logits_portable, logits_avx2, (self, x))
    }

    /// Classifies one 28x28 image; the same bits and errors as [`Mlp::predict`].
    pub fn predict(&self, x: &Image) -> Result<Prediction, Error> {
        Ok(prediction_from_logits(&self.logits(x)?))
    }

    /// Classifies every image; element `n` is exactly `self.predict(&images[n])`.
    pub fn predict_batch(&self, images: &[Image]) -> Vec<Result<Prediction, Error>> {
        dispatch!(batch_portable, batch_avx2, (self, images))
    }

    /// The forward pass (compiled once portably and once for AVX2).
    #[inline(always)]
    fn logits_body<const AVX: bool>(&self, x: &Image) -> Result<[f32; OUTPUT], Error> {
        // one pass: non-finite pixels are an error; the inked pixels by lane
        let lanes = Lanes::of(x)?;
        let mut hidden = [0.0f32; H];
        // (only the AVX path below advances it)
        #[cfg_attr(not(all(feature = "std", target_arch = "x86_64")), allow(unused_mut))]
        let mut done = 0; // blocks
        #[cfg(all(feature = "std", target_arch = "x86_64"))]
        if AVX {
            let (blocks, _) = self.w1.as_chunks::<CHUNKS>();
            let (groups, _) = blocks.as_chunks::<GROUP>();
            let (biases, _) = self.b1.as_chunks::<GROUP>();
            for ((group, bias), h) in groups
                .iter()
                .zip(biases)
                .zip(hidden.chunks_mut(GROUP * LANES))
            {
                // SAFETY: `AVX` is `true` only in functions entered after
                // `is_x86_feature_detected!("avx2")` (see `dispatch!`).
                let z = unsafe { hidden_blocks_avx(group, &lanes, bias) };
                for (h, z) in h.chunks_mut(LANES).zip(z) {
                    let s = sigmoid8::<AVX>(z);
                    h.copy_from_slice(&s[..h.len()]);
                }
                done += GROUP;
            }
        }
        let blocks = self.w1.chunks_exact(CHUNKS).zip(&self.b1).skip(done);
        for ((block, bias), h) in blocks.zip(hidden.chunks_mut(LANES).skip(done)) {
            let s = sigmoid8::<AVX>(hidden_block::<AVX>(block, &lanes, bias));
            h.copy_from_slice(&s[..h.len()]);
        }
        // the hidden activations as chunks, the last one padded with zeros
        let (hc, rest) = hidden.as_chunks::<LANES>();
        let mut last = [0.0f32; LANES];
        last[..rest.len()].copy_from_slice(rest);
        let mut z = [0.0f32; OUTPUT];
        let blocks = self.w2.chunks_exact(Self::HIDDEN_CHUNKS).zip(&self.b2);
        for ((block, bias), z) in blocks.zip(z.chunks_mut(LANES)) {
            let s = kernel::<AVX>(block.iter().zip(hc.iter().chain([&last])), bias);
            z.copy_from_slice(&s[..z.len()]);
        }
        if !z.iter().all(|v| v.is_finite()) {
            return Err(Error::NonFiniteInput);
        }
        Ok(z)
    }
}

impl<const H: usize> Classifier for PackedMlp<H> {
    fn predict(&self, x: &Image) -> Result<Prediction, Error> {
        PackedMlp::predict(self, x)
    }
}

impl<const H: usize> Classifier for PackedQuantMlp<H> {
    fn predict(&self, x: &Image) -> Result<Prediction, Error> {
        PackedQuantMlp::predict(self, x)
    }
}

fn logits_portable<const H: usize>(m: &PackedMlp<H>, x: &Image) -> Result<[f32; OUTPUT], Error> {
    m.logits_body::<false>(x)
}

#[cfg(all(feature = "std", target_arch = "x86_64"))]
#[target_feature(enable = "avx2")]
fn logits_avx2<const H: usize>(m: &PackedMlp<H>, x: &Image) -> Result<[f32; OUTPUT], Error> {
    m.logits_body::<true>(x)
}

fn batch_portable<const H: usize>(
    m: &PackedMlp<H>,
    images: &[Image],
) -> Vec<Result<Prediction, Error>> {
    images
        .iter()
        .map(|x| {
            m.logits_body::<false>(x)
                .map(|z| prediction_from_logits(&z))
        })
        .collect()
}

#[cfg(all(feature = "std", target_arch = "x86_64"))]
#[target_feature(enable = "avx2")]
fn batch_avx2<const H: usize>(
    m: &PackedMlp<H>,
    images: &[Image],
) -> Vec<Result<Prediction, Error>> {
    images
        .iter()
        .map(|x| m.logits_body::<true>(x).map(|z| prediction_from_logits(&z)))
        .collect()
}

/// Hidden units per block of the int8 hidden layer.
const QBLOCK: usize = 64;
/// Pixel pairs of one image.
const PAIRS: usize = INPUT / 2;
/// The weights of one pixel pair for one block of hidden units:
/// `[w1q[2p][j], w1q[2p + 1][j]]`.
type QBlock = [[i8; 2]; QBLOCK];

/// A `784 -> H -> 10` int8 network with its hidden weights repacked for the
/// host (see the [module docs](self)); the same bits as [`QuantMlp::predict`].
#[derive(Debug, Clone)]
pub struct PackedQuantMlp<const H: usize> {
    /// Hidden weights: `H.div_ceil(64)` blocks of [`PAIRS`] pixel pairs (units past `H` are zero).
    w1: Vec<QBlock>,
    /// `s1_j * INV255` (the scale step of the pre-activation, rounded as [`QuantMlp`] rounds it).
    s1: [f32; H],
    b1: [f32; H],
    /// Output weights as 16-bit integers (pairs of products in one `vpmaddwd`).
    w2: [[i16; H]; OUTPUT],
    s2: [f32; OUTPUT],
    b2: [f32; OUTPUT],
}

impl<const H: usize> PackedQuantMlp<H> {
    const BLOCKS: usize = H.div_ceil(QBLOCK);

    /// Repacks the weights of `q` (the same size as its hidden layer).
    pub fn new(q: &QuantMlp<'_, H>) -> Self {
        let mut w1 = vec![[[0i8; 2]; QBLOCK]; Self::BLOCKS * PAIRS];
        for (i, row) in q.w1q().iter().enumerate() {
            for (j, &w) in row.iter().enumerate() {
                w1[(j / QBLOCK) * PAIRS + i / 2][j % QBLOCK][i % 2] = w;
            }
        }
        PackedQuantMlp {
            w1,
            s1: core::array::from_fn(|j| q.s1()[j] * INV255),
            b1: *q.b1(),
            w2: q.w2q().map(|row| row.map(i16::from)),
            s2: *q.s2(),
            b2: *q.b2(),
        }
    }

    /// Output logits for one image; the same bits and errors as [`QuantMlp::logits`].
    pub fn logits(&self, x: &Image) -> Result<[f32; OUTPUT], Error> {
        dispatch!(qlogits_portable, qlogits_avx2, (self, x))
    }

    /// Classifies one 28x28 image; the same bits and errors as [`QuantMlp::predict`].
    pub fn predict(&self, x: &Image) -> Result<Prediction, Error> {
        Ok(prediction_from_logits(&self.logits(x)?))
    }

    /// Classifies every image; element `n` is exactly `self.predict(&images[n])`.
    pub fn predict_batch(&self, images: &[Image]) -> Vec<Result<Prediction, Error>> {
        images.iter().map(|x| self.predict(x)).collect()
    }

    /// Steps 4-7 of [`crate::quant`] from the exact hidden sums (inlined into
    /// the AVX2 caller, where the output sums become `vpmaddwd`s).
    #[inline(always)]
    fn finish(&self, acc: &[i32; H]) -> Result<[f32; OUTPUT], Error> {
        let mut hidden = [0i16; H];
        for (((h, &a), &s), &b) in hidden.iter_mut().zip(acc).zip(&self.s1).zip(&self.b1) {
            *h = i16::from(sigmoid_u8(a as f32 * s + b));
        }
        self.output(&hidden)
    }

    /// Steps 6-7 of [`crate::quant`] from the 8-bit hidden activations.
    #[inline(always)]
    fn output(&self, hidden: &[i16; H]) -> Result<[f32; OUTPUT], Error> {
        let mut z = [0.0f32; OUTPUT];
        for (((z, row), &s), &b) in z.iter_mut().zip(&self.w2).zip(&self.s2).zip(&self.b2) {
            let a: i32 = hidden
                .iter()
                .zip(row.iter())
                .map(|(&h, &w)| i32::from(h) * i32::from(w))
                .sum();
            *z = a as f32 * (s * INV255) + b;
        }
        if !z.iter().all(|v| v.is_finite()) {
            return Err(Error::NonFiniteWeight);
        }
        Ok(z)
    }
}

/// One image's pixel pairs with ink for the int8 hidden layer, quantised
/// (step 2 of [`crate::quant`]) as they are found, in increasing order.
struct InkedPairs {
    /// Pair `p` is pixels `2p` and `2p + 1`.
    pairs: [u16; PAIRS],
    /// The pair's two 8-bit values as one `i32`: `x0` in the low, `x1` in the
    /// high 16 bits (a `vpmaddwd` operand).
    xs: [i32; PAIRS],
    len: usize,
}

impl InkedPairs {
    /// The inked pairs of `x`, or [`Error::NonFiniteInput`]. Eight blank
    /// pixels (`+0.0`) in a row cost one test.
    #[inline(always)]
    fn of(x: &Image) -> Result<InkedPairs, Error> {
        let mut inked = InkedPairs {
            pairs: [0; PAIRS],
            xs: [0; PAIRS],
            len: 0,
        };
        let bits: &[u32] = bytemuck::cast_slice(&x[..]);
        for (c, chunk) in bits.chunks_exact(8).enumerate() {
            if chunk.iter().fold(0, |any, &b| any | b) == 0 {
                continue;
            }
            let mut q = [0u8; 8];
            for (q, &b) in q.iter_mut().zip(chunk) {
                if b != 0 {
                    *q = quantize_pixel(f32::from_bits(b)).ok_or(Error::NonFiniteInput)?;
                }
            }
            let (qp, _) = q.as_chunks::<2>();
            for (k, pair) in qp.iter().enumerate() {
                if u16::from_ne_bytes(*pair) != 0 {
                    let n = inked.len;
                    if let (Some(p), Some(x)) = (inked.pairs.get_mut(n), inked.xs.get_mut(n)) {
                        *p = (4 * c + k) as u16;
                        *x = i32::from(pair[0]) | (i32::from(pair[1]) << 16);
                    }
                    inked.len = n + 1;
                }
            }
        }
        Ok(inked)
    }

    /// The pairs and their values.
    #[inline(always)]
    fn list(&self) -> (&[u16], &[i32]) {
        let n = self.len.min(PAIRS);
        (&self.pairs[..n], &self.xs[..n])
    }
}

/// [`PackedQuantMlp::logits`] without AVX2.
fn qlogits_portable<const H: usize>(
    m: &PackedQuantMlp<H>,
    x: &Image,
) -> Result<[f32; OUTPUT], Error> {
    let inked = InkedPairs::of(x)?;
    let mut acc = [0i32; H];
    hidden_acc_portable(m, &inked, &mut acc);
    m.finish(&acc)
}

/// [`PackedQuantMlp::logits`] with AVX2 (the same bits).
#[cfg(all(feature = "std", target_arch = "x86_64"))]
#[target_feature(enable = "avx2")]
fn qlogits_avx2<const H: usize>(m: &PackedQuantMlp<H>, x: &Image) -> Result<[f32; OUTPUT], Error> {
    let inked = InkedPairs::of(x)?;
    let mut acc = [0i32; H];
    hidden_acc_avx2(m, &inked, &mut acc);
    m.output(&hidden_avx2(m, &acc))
}

/// Steps 4-5 of [`crate::quant`] with AVX2, 8 hidden units at a time: the
/// pre-activation `acc as f32 * s + b` (the same rounded operations, no fused
/// multiply-add) and [`crate::quant::sigmoid_u8_x8`].
#[cfg(all(feature = "std", target_arch = "x86_64"))]
#[target_feature(enable = "avx2")]
fn hidden_avx2<const H: usize>(m: &PackedQuantMlp<H>, acc: &[i32; H]) -> [i16; H] {
    use core::arch::x86_64::*;
    let mut hidden = [0i16; H];
    let (a8, a_tail) = acc.as_chunks::<8>();
    let (s8, _) = m.s1.as_chunks::<8>();
    let (b8, _) = m.b1.as_chunks::<8>();
    let (h8, h_tail) = hidden.as_chunks_mut::<8>();
    for (((h, a), s), b) in h8.iter_mut().zip(a8).zip(s8).zip(b8) {
        // SAFETY: each chunk is 8 elements (32 bytes); loadu/storeu need no alignment
        let counts = unsafe {
            let z = _mm256_add_ps(
                _mm256_mul_ps(
                    _mm256_cvtepi32_ps(_mm256_loadu_si256(a.as_ptr().cast())),
                    _mm256_loadu_ps(s.as_ptr()),
                ),
                _mm256_loadu_ps(b.as_ptr()),
            );
            crate::quant::sigmoid_u8_x8(z)
        };
        let mut c = [0i32; 8];
        // SAFETY: `c` is 8 i32 (32 bytes)
        unsafe { _mm256_storeu_si256(c.as_mut_ptr().cast(), counts) };
        for (h, c) in h.iter_mut().zip(c) {
            *h = c as i16; // a count, 0..=255
        }
    }
    let first = H - a_tail.len();
    for (j, (h, &a)) in h_tail.iter_mut().zip(a_tail).enumerate() {
        let (s, b) = (m.s1[first + j], m.b1[first + j]);
        *h = i16::from(sigmoid_u8(a as f32 * s + b));
    }
    hidden
}

/// The exact hidden sums, portable version (the same integers as the AVX2 one).
fn hidden_acc_portable<const H: usize>(
    m: &PackedQuantMlp<H>,
    inked: &InkedPairs,
    acc: &mut [i32; H],
) {
    let (pairs, xs) = inked.list();
    for (b, block) in m.w1.chunks_exact(PAIRS).enumerate() {
        let mut sums = [0i32; QBLOCK];
        for (&p, &x) in pairs.iter().zip(xs) {
            let Some(w) = block.get(usize::from(p)) else {
                continue;
            };
            let (x0, x1) = (x & 0xffff, x >> 16);
            for (s, w) in sums.iter_mut().zip(w.iter()) {
                *s += i32::from(w[0]) * x0 + i32::from(w[1]) * x1;
            }
        }
        for (a, s) in acc.iter_mut().skip(b * QBLOCK).zip(sums) {
            *a = s;
        }
    }
}

/// The exact hidden sums with AVX2: per pixel pair and 8 hidden units one
/// `vpmovsxbw` (the 8 weight pairs loaded and widened to 16 bits), one
/// `vpmaddwd` (times the two pixel values, each pair of products added in
/// `i32`) and one `vpaddd`.
#[cfg(all(feature = "std", target_arch = "x86_64"))]
#[target_feature(enable = "avx2")]
fn hidden_acc_avx2<const H: usize>(m: &PackedQuantMlp<H>, inked: &InkedPairs, acc: &mut [i32; H]) {
    use core::arch::x86_64::*;
    let (pairs, xs) = inked.list();
    for (b, block) in m.w1.chunks_exact(PAIRS).enumerate() {
        let mut sums = [_mm256_setzero_si256(); QBLOCK / 8];
        for (&p, &x) in pairs.iter().zip(xs) {
            let Some(w) = block.get(usize::from(p)) else {
                continue;
            };
            // x0 in the low, x1 in the high 16 bits of every 32-bit lane
            let xv = _mm256_set1_epi32(x);
            let (w, _) = w.as_chunks::<8>();
            for (s, w) in sums.iter_mut().zip(w.iter()) {
                // SAFETY: `w` is 8 pairs of i8, 16 bytes; loadu needs no alignment
                let wv = _mm256_cvtepi8_epi16(unsafe { _mm_loadu_si128(w.as_ptr().cast()) });
                *s = _mm256_add_epi32(*s, _mm256_madd_epi16(wv, xv));
            }
        }
        let mut out = [0i32; QBLOCK];
        for (o, s) in out.chunks_exact_mut(8).zip(sums) {
            // SAFETY: `o` is 8 i32, 32 bytes; storeu needs no alignment
            unsafe { _mm256_storeu_si256(o.as_mut_ptr().cast(), s) };
        }
        for (a, s) in acc.iter_mut().skip(b * QBLOCK).zip(out) {
            *a = s;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The linear congruential sequence of these tests, in `-0.5..0.5`, from `seed`.
    fn lcg(seed: u32) -> impl FnMut() -> f32 {
        let mut s = seed;
        move || {
            s = s.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
            (s >> 8) as f32 / (1u32 << 24) as f32 - 0.5
        }
    }

    /// Images with dense, sparse, negative-zero and single pixels, an empty one and 20
    /// sparse random ones (from `next`).
    fn test_images(next: &mut impl FnMut() -> f32) -> Vec<Image> {
        let mut images: Vec<Image> = Vec::new();
        images.push(core::array::from_fn(|i| ((i * 7) % 256) as f32 / 255.0));
        images.push(core::array::from_fn(|i| {
            if i % 5 == 0 {
                next() + 0.5
            } else {
                0.0
            }
        }));
        images.push(core::array::from_fn(
            |i| if i % 3 == 0 { -0.0 } else { 0.0 },
        ));
        images.push(core::array::from_fn(
            |i| if i == INPUT - 1 { 1.0 } else { 0.0 },
        ));
        images.push([0.0; INPUT]);
        for _ in 0..20 {
            images.push(core::array::from_fn(|_| {
                let v = next();
                if v > 0.3 {
                    v + 0.5
                } else {
                    0.0
                }
            }));
        }
        images
    }

    /// The portable and the AVX2 forward passes against [`Mlp`], bit for bit,
    /// on images with dense, sparse, negative-zero and single pixels (a hidden
    /// size that leaves a partial block).
    #[test]
    fn both_builds_give_the_bits_of_mlp() {
        const H: usize = 20;
        let mut next = lcg(7);
        let w1: Vec<f32> = (0..H * INPUT).map(|_| next()).collect();
        let b1: Vec<f32> = (0..H).map(|_| next()).collect();
        let w2: Vec<f32> = (0..OUTPUT * H).map(|_| next()).collect();
        let b2: Vec<f32> = (0..OUTPUT).map(|_| next()).collect();
        let mlp = Mlp::<H>::from_slices(&w1, &b1, &w2, &b2).unwrap();
        let packed = PackedMlp::new(&mlp);
        let images = test_images(&mut next);
        for (n, x) in images.iter().enumerate() {
            let want = mlp.logits(x).map(|z| z.map(f32::to_bits));
            let portable = logits_portable(&packed, x).map(|z| z.map(f32::to_bits));
            assert_eq!(portable, want, "portable, image {n}");
            #[cfg(all(feature = "std", target_arch = "x86_64"))]
            if std::is_x86_feature_detected!("avx2") {
                // SAFETY: AVX2 is present (checked just above)
                let avx = unsafe { logits_avx2(&packed, x) }.map(|z| z.map(f32::to_bits));
                assert_eq!(avx, want, "AVX2, image {n}");
            }
        }
        let mut bad = images[1];
        bad[100] = f32::NAN;
        assert_eq!(logits_portable(&packed, &bad), Err(Error::NonFiniteInput));
    }

    /// The portable and the AVX2 int8 passes against [`QuantMlp`], bit for bit, at hidden
    /// sizes below one block, of whole blocks and with a partial one (`cargo test` on a CPU
    /// with AVX2 never reaches the portable pass through [`PackedQuantMlp::logits`]).
    #[test]
    fn both_int8_builds_give_the_bits_of_quant_mlp() {
        fn check<const H: usize>(seed: u32) {
            let mut next = lcg(seed);
            let model = crate::format::OwnedModel {
                hidden: H,
                meta: Default::default(),
                w1: (0..H * INPUT).map(|_| 0.2 * next()).collect(),
                b1: (0..H).map(|_| next()).collect(),
                w2: (0..OUTPUT * H).map(|_| next()).collect(),
                b2: (0..OUTPUT).map(|_| next()).collect(),
            };
            let q = crate::quantizer::quantize(&model).unwrap();
            let qmlp = q.quant_mlp::<H>().unwrap();
            let packed = PackedQuantMlp::new(&qmlp);
            let mut images = test_images(&mut next);
            images.push([1.0; INPUT]);
            for (n, x) in images.iter().enumerate() {
                let want = qmlp.logits(x).map(|z| z.map(f32::to_bits));
                let portable = qlogits_portable(&packed, x).map(|z| z.map(f32::to_bits));
                assert_eq!(portable, want, "portable, H = {H}, image {n}");
                #[cfg(all(feature = "std", target_arch = "x86_64"))]
                if std::is_x86_feature_detected!("avx2") {
                    // SAFETY: AVX2 is present (checked just above)
                    let avx = unsafe { qlogits_avx2(&packed, x) }.map(|z| z.map(f32::to_bits));
                    assert_eq!(avx, want, "AVX2, H = {H}, image {n}");
                }
            }
            let mut bad = images[1];
            bad[100] = f32::NAN;
            assert_eq!(qlogits_portable(&packed, &bad), Err(Error::NonFiniteInput));
        }
        check::<1>(1);
        check::<13>(2);
        check::<64>(3);
        check::<65>(4);
        check::<300>(5);
    }

    /// The vector sigmoid against the scalar one, bit for bit, over a
    /// sweep of f32 bit patterns in -100..100 and around every branch point
    /// of `libm::expf`.
    #[cfg(all(feature = "std", target_arch = "x86_64", not(feature = "micromath")))]
    #[test]
    fn sigmoid8_matches_libm_bits() {
        if !std::is_x86_feature_detected!("avx2") {
            return;
        }
        let mut values = std::vec::Vec::new();
        for edge in [
            0x3900_0000u32,
            0x3eb1_7218,
            0x3f85_1592,
            0x42ae_ac50,
            0x42b1_7218,
            0,
        ] {
            for d in 0..64u32 {
                for b in [edge.wrapping_add(d), edge.wrapping_sub(d)] {
                    values.push(f32::from_bits(b));
                    values.push(-f32::from_bits(b));
                }
            }
        }
        let top = 100.0f32.to_bits();
        let sweep = (0x3800_0000..top).step_by(97);
        values.extend(sweep.flat_map(|b| [f32::from_bits(b), -f32::from_bits(b)]));
        values.extend([
            f32::NAN,
            f32::INFINITY,
            f32::NEG_INFINITY,
            f32::MAX,
            f32::MIN,
        ]);
        let (chunks, _) = values.as_chunks::<LANES>();
        let mut vector = 0;
        for z in chunks {
            // SAFETY: AVX2 is present (checked above)
            let got = match unsafe { sigmoid8_avx2(*z) } {
                Some(s) => {
                    vector += 1;
                    s
                }
                None => continue,
            };
            for (g, &z) in got.iter().zip(z) {
                assert_eq!(
                    g.to_bits(),
                    sigmoid(z).to_bits(),
                    "z = {z:e} ({:#x})",
                    z.to_bits()
                );
            }
        }
        assert!(
            vector * 2 > chunks.len(),
            "the sweep stays mostly in the vector range"
        );
    }
}
