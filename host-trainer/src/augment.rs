//! Training-data augmentation, so the network learns what digits look like
//! *after the core's preprocessing* rather than MNIST's exact pixels.
//!
//! Per training image and epoch one of three versions is used (the choice
//! and every random number come from a ChaCha8 stream seeded by
//! `(seed, epoch, image index)`, so the result does not depend on how rayon
//! schedules the work):
//!
//! * **clean** — the MNIST image as it is;
//! * **raster** — a random affine warp (rotation, shear, aspect change, a
//!   sub-pixel shift) plus a Simard-style elastic distortion (a smoothed random
//!   displacement field), then pen-width variation (re-inking the
//!   interpolated strokes at a random iso-level: a grey dilation or erosion by
//!   a fraction of a pixel), then *re-normalised*
//!   through `nnet_core::preprocess::from_raster` (ink box → 20x20 → centre
//!   of mass), exactly as the core treats a raster at inference time;
//! * **strokes** — the digit's skeleton as pen strokes (computed once per
//!   image with [`crate::skeleton`]), warped the same way point by point, and
//!   rendered through `nnet_core::preprocess::from_strokes_with` with a random
//!   pen width and edge softness, which is exactly how a drawn digit reaches
//!   the network. Part of the stroke versions are first redrawn in a
//!   handwriting style MNIST barely contains ([`crate::style::restyle`]: the
//!   flagged 1, the crossed 7, the open 4, ...) and most get a random
//!   writer's slant, pen lifts, overshoots, hooks and pen-speed sampling
//!   ([`crate::style::writer`]).
//!
//! Labelled ink drawings (`train --ink`) and the built-in digits of other
//! writers' handwriting fonts (`train --font-digits`,
//! [`crate::train::TRAINING_FONTS_JSONL`]) join the training set as extra
//! items whose strokes are the drawing itself: they are augmented like the
//! stroke version (warp, writer, pen) except in the clean share, where they
//! are rendered as drawn.
use nnet_core::ink::Strokes;
use nnet_core::preprocess::{self, StrokeParams};
use nnet_core::{Image, INPUT, SIDE};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use rayon::prelude::*;

use crate::idx::Dataset;
use crate::skeleton::{self, SkeletonParams, Stroke};
use crate::style::{self, WriterConfig};

/// Oversampling of the raster warp: the digit is resampled at twice its
/// resolution, so `from_raster`'s area-averaging (not the interpolation)
/// decides the final anti-aliasing, as when MNIST itself was made.
const OVERSAMPLE: usize = 2;
/// Side of the canvas a raster is warped onto (36 source pixels: room for
/// rotation and shear), in oversampled pixels.
const CANVAS: usize = 36 * OVERSAMPLE;
/// Side of a precomputed elastic displacement field: one value per canvas
/// pixel (half a source pixel apart).
const FIELD: usize = CANVAS;
/// Side of the stroke version's drawing surface, in source pixels.
const SURFACE: f32 = 36.0;
/// Number of precomputed elastic fields (picked at random per image).
const FIELDS: usize = 128;

/// How strongly to augment. Ranges are uniform and symmetric unless noted.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct AugmentConfig {
    /// Probability of using the clean image.
    pub p_clean: f32,
    /// Probability of using the stroke rendering (when the digit has strokes).
    pub p_strokes: f32,
    /// Maximum rotation in degrees.
    pub rotate_deg: f32,
    /// Maximum horizontal shear (x += shear * y).
    pub shear: f32,
    /// Maximum relative change of the aspect ratio (x scaled by `1 ± aspect`,
    /// y by its inverse).
    pub aspect: f32,
    /// Maximum overall scale change (`1 ± scale`); after re-normalisation this
    /// mainly changes the relative stroke width.
    pub scale: f32,
    /// Maximum sub-pixel translation of the sampling grid, in pixels.
    pub translate: f32,
    /// Maximum elastic displacement amplitude in pixels (the field has unit
    /// standard deviation; each image draws an amplitude in `0..=elastic`).
    pub elastic: f32,
    /// Gaussian smoothing (sigma, pixels) of the elastic fields.
    pub elastic_sigma: f32,
    /// Pen-width variation of the raster version: range of the iso-level at
    /// which the interpolated ink is re-inked (see [`reink`]; lower = bolder).
    pub pen_level: (f32, f32),
    /// Width of the re-inking ramp (see [`reink`]).
    pub pen_ramp: f32,
    /// Pen width range of the stroke version (pixels of the 28x28 image).
    pub stroke_pen: (f32, f32),
    /// Edge softness range of the stroke version.
    pub stroke_softness: (f32, f32),
    /// Probability that a stroke version of a digit with styles (see
    /// [`crate::style::restyle`]) is redrawn in one of them.
    pub p_style: f32,
    /// Probability that a stroke version gets a random writer's variation.
    pub p_writer: f32,
    /// The writer's variation.
    pub writer: WriterConfig,
}

impl Default for AugmentConfig {
    fn default() -> Self {
        AugmentConfig {
            p_clean: 0.1,
            p_strokes: 0.45,
            rotate_deg: 12.0,
            shear: 0.25,
            aspect: 0.15,
            scale: 0.1,
            translate: 0.5,
            elastic: 1.6,
            elastic_sigma: 4.0,
            pen_level: (0.2, 0.6),
            pen_ramp: 0.3,
            stroke_pen: (1.6, 3.8),
            stroke_softness: (0.6, 1.4),
            p_style: 0.4,
            p_writer: 0.7,
            writer: WriterConfig::default(),
        }
    }
}

/// Which version an augmented image is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// Unchanged.
    Clean,
    /// Warped raster through `from_raster`.
    Raster,
    /// Warped strokes through `from_strokes_with`.
    Strokes,
}

/// Augmenter for one training set: the settings, the precomputed elastic
/// fields and every image's skeleton strokes.
pub struct Augmenter {
    cfg: AugmentConfig,
    seed: u64,
    /// `FIELDS` fields, each `2 * FIELD * FIELD` (dx then dy), unit std.
    fields: Vec<f32>,
    /// Skeleton strokes per training image (empty when none could be found),
    /// then the strokes of every ink drawing.
    strokes: Vec<Vec<Stroke>>,
    /// Label of every item.
    labels: Vec<u8>,
    /// Items from this index on are ink drawings.
    drawings_from: usize,
}

/// A ChaCha8 stream for `(seed, a, b)`: the same numbers wherever and
/// whenever it is created.
pub fn rng_for(seed: u64, a: u64, b: u64) -> ChaCha8Rng {
    let mut s = [0u8; 32];
    s[..8].copy_from_slice(&seed.to_le_bytes());
    s[8..16].copy_from_slice(&a.to_le_bytes());
    s[16..24].copy_from_slice(&b.to_le_bytes());
    s[24..].copy_from_slice(b"augment!");
    ChaCha8Rng::from_seed(s)
}

impl Augmenter {
    /// Prepares augmentation of `train`: skeletonises every image (in
    /// parallel) and draws the elastic fields from `seed`.
    pub fn new(train: &Dataset, cfg: AugmentConfig, seed: u64) -> Augmenter {
        Augmenter::with_drawings(train, Vec::new(), cfg, seed)
    }

    /// Like [`Augmenter::new`] for a training set whose last
    /// `drawings.len()` items are ink drawings (their images rendered as
    /// drawn) with these strokes, in the 28x28 frame (see [`drawing_frame`]):
    /// those are not skeletonised, their strokes are used as they are.
    pub fn with_drawings(
        train: &Dataset,
        drawings: Vec<Vec<Stroke>>,
        cfg: AugmentConfig,
        seed: u64,
    ) -> Augmenter {
        let fields = elastic_fields(seed, cfg.elastic_sigma * OVERSAMPLE as f32);
        let sk = SkeletonParams::default();
        let drawings_from = train.len().saturating_sub(drawings.len());
        let mut strokes: Vec<Vec<Stroke>> = (0..drawings_from)
            .into_par_iter()
            .map(|i| {
                skeleton::strokes_from_raster(train.image(i), SIDE, SIDE, &sk).unwrap_or_default()
            })
            .collect();
        strokes.extend(drawings);
        Augmenter {
            cfg,
            seed,
            fields,
            strokes,
            labels: train.labels.clone(),
            drawings_from,
        }
    }

    /// Fraction of training images that have skeleton strokes.
    pub fn stroke_coverage(&self) -> f32 {
        let n = self.strokes.iter().filter(|s| !s.is_empty()).count();
        n as f32 / self.strokes.len().max(1) as f32
    }

    /// Writes the augmented version of every image of `train` for `epoch`
    /// into `out` (`train.len() * 784` values), in parallel. Returns how many
    /// images of each [`Kind`] were produced (clean, raster, strokes).
    pub fn epoch(&self, train: &Dataset, epoch: u64, out: &mut [f32]) -> [usize; 3] {
        out.par_chunks_exact_mut(INPUT)
            .enumerate()
            .map(|(i, dst)| {
                let dst: &mut Image = match dst.try_into() {
                    Ok(d) => d,
                    Err(_) => return [0; 3],
                };
                let k = self.one(train.image(i), i, epoch, dst);
                let mut c = [0; 3];
                c[k as usize] = 1;
                c
            })
            .reduce(|| [0; 3], |a, b| [a[0] + b[0], a[1] + b[1], a[2] + b[2]])
    }

    /// Augments training image `index` for `epoch` into `dst`.
    pub fn one(&self, src: &Image, index: usize, epoch: u64, dst: &mut Image) -> Kind {
        let mut rng = rng_for(self.seed, epoch, index as u64);
        let c = &self.cfg;
        let u: f32 = rng.gen();
        if u < c.p_clean {
            dst.copy_from_slice(src);
            return Kind::Clean;
        }
        let warp = Warp::random(c, &mut rng, self.fields.len() / (2 * FIELD * FIELD));
        let drawing = index >= self.drawings_from;
        if drawing || u < c.p_clean + c.p_strokes {
            if let Some(strokes) = self.strokes.get(index).filter(|s| !s.is_empty()) {
                let mut edited = None;
                if !drawing && rng.gen::<f32>() < c.p_style {
                    let label = self.labels.get(index).copied().unwrap_or(u8::MAX);
                    edited = style::restyle(label, strokes, &mut rng);
                }
                if rng.gen::<f32>() < c.p_writer {
                    let s = edited.unwrap_or_else(|| strokes.clone());
                    edited = Some(style::writer(s, &c.writer, &mut rng));
                }
                let strokes = edited.as_deref().unwrap_or(strokes);
                if let Some(img) = self.render_strokes(strokes, &warp, &mut rng) {
                    *dst = img;
                    return Kind::Strokes;
                }
            }
        }
        match self.warp_raster(src, &warp, &mut rng) {
            Some(img) => {
                *dst = img;
                Kind::Raster
            }
            None => {
                dst.copy_from_slice(src);
                Kind::Clean
            }
        }
    }

    fn field(&self, k: usize) -> (&[f32], &[f32]) {
        let f = &self.fields[k * 2 * FIELD * FIELD..(k + 1) * 2 * FIELD * FIELD];
        f.split_at(FIELD * FIELD)
    }

    /// Elastic displacement (source pixels) at position `(x, y)` relative to
    /// the digit's centre, in source pixels (bilinear in the field).
    fn displacement(&self, w: &Warp, x: f32, y: f32) -> (f32, f32) {
        let (fx, fy) = self.field(w.field);
        let half = (FIELD - 1) as f32 / 2.0;
        let os = OVERSAMPLE as f32;
        let gx = (x * os + half).clamp(0.0, (FIELD - 1) as f32);
        let gy = (y * os + half).clamp(0.0, (FIELD - 1) as f32);
        (
            w.elastic * bilinear(fx, FIELD, FIELD, gx, gy),
            w.elastic * bilinear(fy, FIELD, FIELD, gx, gy),
        )
    }

    fn warp_raster(&self, src: &Image, w: &Warp, rng: &mut ChaCha8Rng) -> Option<Image> {
        let mut padded = [0.0f32; PS * PS];
        for (r, row) in src.chunks_exact(SIDE).enumerate() {
            padded[(r + PAD) * PS + PAD..(r + PAD) * PS + PAD + SIDE].copy_from_slice(row);
        }
        let (fx, fy) = self.field(w.field);
        let mut canvas = [0.0f32; CANVAS * CANVAS];
        warp_canvas(&padded, fx, fy, w, &mut canvas);
        let (l0, l1) = self.cfg.pen_level;
        reink(&mut canvas, rng.gen_range(l0..=l1), self.cfg.pen_ramp);
        preprocess::from_raster(&canvas, CANVAS, CANVAS)
            .ok()
            .flatten()
    }

    fn render_strokes(&self, strokes: &[Stroke], w: &Warp, rng: &mut ChaCha8Rng) -> Option<Image> {
        let mut out: Strokes = Strokes::new();
        let mid = SURFACE / 2.0;
        let smid = SIDE as f32 / 2.0;
        for s in strokes {
            out.begin_stroke().ok()?;
            for p in s {
                // forward affine around the image centre, then the elastic field
                let (x, y) = (p[0] - smid, p[1] - smid);
                let qx = w.fwd[0] * x + w.fwd[1] * y + mid;
                let qy = w.fwd[2] * x + w.fwd[3] * y + mid;
                let (dx, dy) = self.displacement(w, qx - mid, qy - mid);
                out.push([qx + dx + w.shift[0], qy + dy + w.shift[1]])
                    .ok()?;
            }
        }
        let (p0, p1) = self.cfg.stroke_pen;
        let (s0, s1) = self.cfg.stroke_softness;
        let params = StrokeParams {
            pen_width: rng.gen_range(p0..=p1),
            softness: rng.gen_range(s0..=s1),
        };
        preprocess::from_strokes_with(&out, SURFACE, SURFACE, &params)
            .ok()
            .flatten()
    }
}

/// Zero border around a source image in [`warp_canvas`], so sampling needs
/// no per-tap bounds checks.
const PAD: usize = 2;
/// Side of the padded source image.
const PS: usize = SIDE + 2 * PAD;

/// Samples the padded source (`PS x PS`) through the warp `w` and the
/// elastic field `(fx, fy)` onto the canvas
/// (bilinear; canvas pixels whose source lies beyond the zero border keep
/// their 0). With AVX2, 8 canvas pixels at a time, and only where a pixel's
/// taps can reach the source's ink (see [`InkReach`]); each lane does the
/// portable version's operations in its order (no contraction), so the
/// canvas is the same bit for bit.
fn warp_canvas(
    padded: &[f32; PS * PS],
    fx: &[f32],
    fy: &[f32],
    w: &Warp,
    canvas: &mut [f32; CANVAS * CANVAS],
) {
    #[cfg(target_arch = "x86_64")]
    if std::is_x86_feature_detected!("avx2") {
        let Some(reach) = InkReach::of(padded) else {
            return; // no ink: the canvas stays blank
        };
        // SAFETY: the CPU supports AVX2.
        unsafe { warp_canvas_avx2(padded, fx, fy, w, &reach, canvas) };
        return;
    }
    warp_canvas_portable(padded, fx, fy, w, canvas);
}

/// Where bilinear taps can reach the source's ink: a sample at `(sx, sy)`
/// reads pixels `floor(s)` and `floor(s) + 1` on each axis, so it can be
/// non-zero only if `lo - 1 <= s < hi + 1` for the ink box `lo..=hi`.
/// Outside, all four taps are 0 and so is the portable version's result;
/// clamped to `0..PS - 1`, the portable version's own range.
#[cfg(target_arch = "x86_64")]
struct InkReach {
    lo: [f32; 2],
    hi: [f32; 2],
}

#[cfg(target_arch = "x86_64")]
impl InkReach {
    fn of(padded: &[f32; PS * PS]) -> Option<InkReach> {
        // which rows and columns hold a pixel other than ±0 (bit ORs, no branches)
        let bits = |v: &f32| v.to_bits() << 1;
        let mut rows = [0u32; PS];
        let mut cols = [0u32; PS];
        for (r, row) in rows.iter_mut().zip(padded.chunks_exact(PS)) {
            *r = row.iter().fold(0, |a, v| a | bits(v));
            for (c, v) in cols.iter_mut().zip(row) {
                *c |= bits(v);
            }
        }
        let first = |m: &[u32; PS]| m.iter().position(|b| *b != 0);
        let last = |m: &[u32; PS]| m.iter().rposition(|b| *b != 0);
        let lo = [first(&cols)?, first(&rows)?];
        let hi = [last(&cols)?, last(&rows)?];
        // clamped to the portable version's range (ink on the border only in tests)
        Some(InkReach {
            lo: [(lo[0] as f32 - 1.0).max(0.0), (lo[1] as f32 - 1.0).max(0.0)],
            hi: [
                (hi[0] as f32 + 1.0).min(TAP_LIMIT),
                (hi[1] as f32 + 1.0).min(TAP_LIMIT),
            ],
        })
    }
}

/// Constants of the canvas-to-source mapping: canvas centre, source centre
/// (in padded pixel indices), `1 / OVERSAMPLE` and the last valid tap origin.
const CANVAS_MID: f32 = (CANVAS as f32 - 1.0) / 2.0;
const SOURCE_MID: f32 = (SIDE as f32 - 1.0) / 2.0 + PAD as f32;
const INV_OS: f32 = 1.0 / OVERSAMPLE as f32;
const TAP_LIMIT: f32 = (PS - 1) as f32;

fn warp_canvas_portable(
    padded: &[f32; PS * PS],
    fx: &[f32],
    fy: &[f32],
    w: &Warp,
    canvas: &mut [f32; CANVAS * CANVAS],
) {
    for (i, v) in canvas.iter_mut().enumerate() {
        let (c, r) = ((i % CANVAS) as f32, (i / CANVAS) as f32);
        // canvas pixel -> source-pixel units around the centre, plus the elastic field
        let px = (c - CANVAS_MID) * INV_OS + w.elastic * fx[i] - w.shift[0];
        let py = (r - CANVAS_MID) * INV_OS + w.elastic * fy[i] - w.shift[1];
        // inverse affine: source = A^-1 * p
        let sx = w.inv[0] * px + w.inv[1] * py + SOURCE_MID;
        let sy = w.inv[2] * px + w.inv[3] * py + SOURCE_MID;
        if !(sx >= 0.0 && sy >= 0.0 && sx < TAP_LIMIT && sy < TAP_LIMIT) {
            continue; // beyond the zero border
        }
        let (x0, y0) = (sx as usize, sy as usize); // non-negative: truncation is floor
        let (ax, ay) = (sx - x0 as f32, sy - y0 as f32);
        let k = y0 * PS + x0;
        let top = padded[k] + ax * (padded[k + 1] - padded[k]);
        let bot = padded[k + PS] + ax * (padded[k + PS + 1] - padded[k + PS]);
        *v = top + ay * (bot - top);
    }
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
unsafe fn warp_canvas_avx2(
    padded: &[f32; PS * PS],
    fx: &[f32],
    fy: &[f32],
    w: &Warp,
    reach: &InkReach,
    canvas: &mut [f32; CANVAS * CANVAS],
) {
    use std::arch::x86_64::*;
    const _: () = assert!(CANVAS.is_multiple_of(8));
    assert!(fx.len() >= CANVAS * CANVAS && fy.len() >= CANVAS * CANVAS);
    let set = |v: f32| _mm256_set1_ps(v);
    let (mid, inv_os, smid) = (set(CANVAS_MID), set(INV_OS), set(SOURCE_MID));
    let (lo_x, lo_y, hi_x, hi_y) = (
        set(reach.lo[0]),
        set(reach.lo[1]),
        set(reach.hi[0]),
        set(reach.hi[1]),
    );
    let (el, sh0, sh1) = (set(w.elastic), set(w.shift[0]), set(w.shift[1]));
    let (i0, i1, i2, i3) = (set(w.inv[0]), set(w.inv[1]), set(w.inv[2]), set(w.inv[3]));
    let ps = _mm256_set1_epi32(PS as i32);
    let one = _mm256_set1_epi32(1);
    let lane = _mm256_setr_ps(0.0, 1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0);
    let base = padded.as_ptr();
    for r in 0..CANVAS {
        let rr = set(r as f32);
        let ry = _mm256_mul_ps(_mm256_sub_ps(rr, mid), inv_os);
        for c0 in (0..CANVAS).step_by(8) {
            let i = r * CANVAS + c0;
            let c = _mm256_add_ps(set(c0 as f32), lane);
            // SAFETY: i + 8 <= CANVAS * CANVAS <= fx.len(), fy.len() (asserted above)
            let (efx, efy) = (
                _mm256_loadu_ps(fx.as_ptr().add(i)),
                _mm256_loadu_ps(fy.as_ptr().add(i)),
            );
            let px = _mm256_sub_ps(
                _mm256_add_ps(
                    _mm256_mul_ps(_mm256_sub_ps(c, mid), inv_os),
                    _mm256_mul_ps(el, efx),
                ),
                sh0,
            );
            let py = _mm256_sub_ps(_mm256_add_ps(ry, _mm256_mul_ps(el, efy)), sh1);
            let sx = _mm256_add_ps(
                _mm256_add_ps(_mm256_mul_ps(i0, px), _mm256_mul_ps(i1, py)),
                smid,
            );
            let sy = _mm256_add_ps(
                _mm256_add_ps(_mm256_mul_ps(i2, px), _mm256_mul_ps(i3, py)),
                smid,
            );
            // lanes whose taps reach the ink (the others stay 0, like the portable version's)
            let inside = _mm256_and_ps(
                _mm256_and_ps(
                    _mm256_cmp_ps::<_CMP_GE_OQ>(sx, lo_x),
                    _mm256_cmp_ps::<_CMP_GE_OQ>(sy, lo_y),
                ),
                _mm256_and_ps(
                    _mm256_cmp_ps::<_CMP_LT_OQ>(sx, hi_x),
                    _mm256_cmp_ps::<_CMP_LT_OQ>(sy, hi_y),
                ),
            );
            if _mm256_movemask_ps(inside) == 0 {
                continue;
            }
            // other lanes tap pixel 0 (a valid address) and are zeroed at the end
            let m = _mm256_castps_si256(inside);
            let x0 = _mm256_and_si256(_mm256_cvttps_epi32(sx), m);
            let y0 = _mm256_and_si256(_mm256_cvttps_epi32(sy), m);
            let ax = _mm256_sub_ps(sx, _mm256_cvtepi32_ps(x0));
            let ay = _mm256_sub_ps(sy, _mm256_cvtepi32_ps(y0));
            let k = _mm256_add_epi32(_mm256_mullo_epi32(y0, ps), x0);
            // SAFETY: inside lanes have 0 <= s < PS - 1, so x0, y0 <= PS - 2 and
            // k + PS + 1 < PS * PS; outside lanes k = 0
            let p00 = _mm256_i32gather_ps::<4>(base, k);
            let p01 = _mm256_i32gather_ps::<4>(base, _mm256_add_epi32(k, one));
            let kb = _mm256_add_epi32(k, ps);
            let p10 = _mm256_i32gather_ps::<4>(base, kb);
            let p11 = _mm256_i32gather_ps::<4>(base, _mm256_add_epi32(kb, one));
            let top = _mm256_add_ps(p00, _mm256_mul_ps(ax, _mm256_sub_ps(p01, p00)));
            let bot = _mm256_add_ps(p10, _mm256_mul_ps(ax, _mm256_sub_ps(p11, p10)));
            let v = _mm256_add_ps(top, _mm256_mul_ps(ay, _mm256_sub_ps(bot, top)));
            // SAFETY: i + 8 <= CANVAS * CANVAS
            _mm256_storeu_ps(canvas.as_mut_ptr().add(i), _mm256_and_ps(v, inside));
        }
    }
}

/// An ink drawing's strokes (surface pixels, y down) moved into the 28x28
/// frame skeletons live in: the larger side of the ink box spans 20 px,
/// centred at (14, 14). Empty strokes are dropped; `None` without points. A
/// drawing with more points than the core's stroke buffer holds is thinned as
/// [`crate::eval::ink_to_image`] thins it, so that its strokes fit the
/// augmenter's buffer too.
pub fn drawing_frame(strokes: &[Vec<[f32; 2]>]) -> Option<Vec<Stroke>> {
    let max = nnet_core::ink::DEFAULT_POINTS;
    let thinned;
    let strokes = if strokes.iter().map(Vec::len).sum::<usize>() > max {
        thinned = crate::eval::thin_points(strokes, max);
        &thinned[..]
    } else {
        strokes
    };
    let mut lo = [f32::INFINITY; 2];
    let mut hi = [f32::NEG_INFINITY; 2];
    for p in strokes.iter().flatten() {
        for k in 0..2 {
            lo[k] = lo[k].min(p[k]);
            hi[k] = hi[k].max(p[k]);
        }
    }
    if !(lo[0].is_finite() && lo[1].is_finite() && hi[0].is_finite() && hi[1].is_finite()) {
        return None;
    }
    let scale = 20.0 / (hi[0] - lo[0]).max(hi[1] - lo[1]).max(1e-3);
    let c = [(lo[0] + hi[0]) / 2.0, (lo[1] + hi[1]) / 2.0];
    let mid = SIDE as f32 / 2.0;
    Some(
        strokes
            .iter()
            .filter(|s| !s.is_empty())
            .map(|s| {
                s.iter()
                    .map(|p| [(p[0] - c[0]) * scale + mid, (p[1] - c[1]) * scale + mid])
                    .collect()
            })
            .collect(),
    )
}

/// One image's random geometry.
struct Warp {
    /// Forward affine (row-major 2x2) and its inverse.
    fwd: [f32; 4],
    inv: [f32; 4],
    shift: [f32; 2],
    field: usize,
    elastic: f32,
}

impl Warp {
    fn random(c: &AugmentConfig, rng: &mut ChaCha8Rng, fields: usize) -> Warp {
        let sym = |rng: &mut ChaCha8Rng, m: f32| if m > 0.0 { rng.gen_range(-m..=m) } else { 0.0 };
        let a = sym(rng, c.rotate_deg).to_radians();
        let sh = sym(rng, c.shear);
        let asp = 1.0 + sym(rng, c.aspect);
        let sc = 1.0 + sym(rng, c.scale);
        let (sx, sy) = (sc * asp, sc / asp);
        // A = R(a) * Shear(sh) * diag(sx, sy)
        let (ca, sa) = (libm::cosf(a), libm::sinf(a));
        let m = [sx, sh * sy, 0.0, sy];
        let fwd = [
            ca * m[0] - sa * m[2],
            ca * m[1] - sa * m[3],
            sa * m[0] + ca * m[2],
            sa * m[1] + ca * m[3],
        ];
        let det = fwd[0] * fwd[3] - fwd[1] * fwd[2];
        let inv = [fwd[3] / det, -fwd[1] / det, -fwd[2] / det, fwd[0] / det];
        let shift = [sym(rng, c.translate), sym(rng, c.translate)];
        let field = rng.gen_range(0..fields.max(1));
        let elastic = if c.elastic > 0.0 {
            rng.gen_range(0.0..=c.elastic)
        } else {
            0.0
        };
        Warp {
            fwd,
            inv,
            shift,
            field,
            elastic,
        }
    }
}

/// Bilinear interpolation inside a `w x h` grid; `(x, y)` must be in range.
fn bilinear(g: &[f32], w: usize, h: usize, x: f32, y: f32) -> f32 {
    let x0 = (x.floor() as usize).min(w - 1);
    let y0 = (y.floor() as usize).min(h - 1);
    let x1 = (x0 + 1).min(w - 1);
    let y1 = (y0 + 1).min(h - 1);
    let fx = x - x0 as f32;
    let fy = y - y0 as f32;
    let top = g[y0 * w + x0] * (1.0 - fx) + g[y0 * w + x1] * fx;
    let bot = g[y1 * w + x0] * (1.0 - fx) + g[y1 * w + x1] * fx;
    top * (1.0 - fy) + bot * fy
}

/// Re-inks an interpolated (blurred) raster: a linear ramp of width
/// `width` centred on the iso-level `level` maps the interpolated ink surface
/// back to nearly binary strokes, which `from_raster`'s area-averaging then
/// anti-aliases the way MNIST's own down-sampling did. Moving `level` moves
/// the stroke edge: a grey-level dilation (low level) or erosion (high level)
/// by a fraction of a pixel, i.e. pen-width variation.
pub fn reink(img: &mut [f32], level: f32, width: f32) {
    let inv = 1.0 / width.max(1e-3);
    for v in img.iter_mut() {
        *v = ((*v - level) * inv + 0.5).clamp(0.0, 1.0);
    }
}

/// `FIELDS` elastic displacement fields (dx, dy), each a uniform random
/// field smoothed by a Gaussian of `sigma` field pixels and scaled to unit
/// standard deviation.
fn elastic_fields(seed: u64, sigma: f32) -> Vec<f32> {
    let radius = (3.0 * sigma).ceil().max(1.0) as isize;
    let kernel: Vec<f32> = (-radius..=radius)
        .map(|i| libm::expf(-(i * i) as f32 / (2.0 * sigma * sigma)))
        .collect();
    let n = FIELD * FIELD;
    let mut out = vec![0.0f32; FIELDS * 2 * n];
    out.par_chunks_exact_mut(n).enumerate().for_each(|(k, f)| {
        let mut rng = rng_for(seed, u64::MAX, k as u64);
        let raw: Vec<f32> = (0..n).map(|_| rng.gen_range(-1.0f32..=1.0)).collect();
        let blur = |src: &[f32], horizontal: bool| -> Vec<f32> {
            let mut dst = vec![0.0f32; n];
            for r in 0..FIELD {
                for c in 0..FIELD {
                    let mut s = 0.0;
                    for (t, w) in kernel.iter().enumerate() {
                        let o = t as isize - radius;
                        let (rr, cc) = if horizontal {
                            (r as isize, c as isize + o)
                        } else {
                            (r as isize + o, c as isize)
                        };
                        // reflect at the borders
                        let reflect = |v: isize| -> usize {
                            let m = FIELD as isize;
                            let v = if v < 0 { -v - 1 } else { v };
                            let v = if v >= m { 2 * m - v - 1 } else { v };
                            v.clamp(0, m - 1) as usize
                        };
                        s += w * src[reflect(rr) * FIELD + reflect(cc)];
                    }
                    dst[r * FIELD + c] = s;
                }
            }
            dst
        };
        let sm = blur(&blur(&raw, true), false);
        let mean = sm.iter().sum::<f32>() / n as f32;
        let var = sm.iter().map(|v| (v - mean) * (v - mean)).sum::<f32>() / n as f32;
        let inv = 1.0 / var.sqrt().max(1e-12);
        for (d, s) in f.iter_mut().zip(&sm) {
            *d = (s - mean) * inv;
        }
    });
    out
}

#[cfg(test)]
mod drawing_tests {
    use super::*;

    /// A drawing denser than the core's stroke buffer (a tablet's) is augmented as strokes
    /// every time it is not shown clean, never as a warped raster.
    #[test]
    fn dense_drawings_keep_their_strokes() {
        let n = nnet_core::ink::DEFAULT_POINTS + 452;
        let stroke: Vec<[f32; 2]> = (0..n)
            .map(|i| {
                [
                    140.0 + (i as f32 * 0.01).sin(),
                    40.0 + 200.0 * i as f32 / n as f32,
                ]
            })
            .collect();
        let framed = drawing_frame(&[stroke]).unwrap();
        let points: usize = framed.iter().map(Vec::len).sum();
        assert!(points <= nnet_core::ink::DEFAULT_POINTS, "{points} points");
        let train = Dataset {
            images: vec![0.0; INPUT],
            labels: vec![1],
        };
        let aug = Augmenter::with_drawings(&train, vec![framed], AugmentConfig::default(), 1);
        let mut kinds = [0; 3];
        let mut dst = [0.0; INPUT];
        for epoch in 0..300 {
            kinds[aug.one(train.image(0), 0, epoch, &mut dst) as usize] += 1;
        }
        assert_eq!(
            kinds[Kind::Raster as usize],
            0,
            "{kinds:?} (clean, raster, strokes)"
        );
        assert!(kinds[Kind::Strokes as usize] > 200, "{kinds:?}");
    }
}

// (the AVX2 warp exists on x86_64 only)
#[cfg(all(test, target_arch = "x86_64"))]
mod tests {
    use super::*;

    /// The AVX2 warp (gathering only lanes that reach the ink) writes the portable warp's canvas bit for bit, over
    /// random images, fields and warps (strong ones too, so many canvas
    /// pixels fall beyond the source's border).
    #[test]
    fn warp_canvas_fast_path_equals_portable() {
        if std::is_x86_feature_detected!("avx2") {
            let mut rng = rng_for(7, 1, 2);
            let n = CANVAS * CANVAS;
            let strong = AugmentConfig {
                rotate_deg: 60.0,
                shear: 0.8,
                aspect: 0.6,
                scale: 0.6,
                translate: 6.0,
                elastic: 8.0,
                ..AugmentConfig::default()
            };
            let mut inside = 0usize;
            for t in 0..400 {
                // ink in a random box of the source (sometimes one pixel, sometimes none)
                let mut padded = [0.0f32; PS * PS];
                // (every 7th trial reaches into the zero border, which warp_raster never inks)
                let (a, b) = if t % 7 == 0 {
                    (0, PS)
                } else {
                    (PAD, PAD + SIDE)
                };
                let (x0, y0) = (rng.gen_range(a..b), rng.gen_range(a..b));
                let (x1, y1) = (rng.gen_range(x0..b), rng.gen_range(y0..b));
                let density = [0.0, 0.3, 1.0][t % 3];
                for r in y0..=y1 {
                    for c in x0..=x1 {
                        if rng.gen::<f32>() < density {
                            padded[r * PS + c] = rng.gen_range(0.01f32..=1.0);
                        }
                    }
                }
                let field: Vec<f32> = (0..2 * n).map(|_| rng.gen_range(-3.0f32..=3.0)).collect();
                let (fx, fy) = field.split_at(n);
                let cfg = if t % 2 == 0 {
                    AugmentConfig::default()
                } else {
                    strong
                };
                let w = Warp::random(&cfg, &mut rng, 1);
                let mut a = [0.0f32; CANVAS * CANVAS];
                let mut b = [0.0f32; CANVAS * CANVAS];
                warp_canvas_portable(&padded, fx, fy, &w, &mut a);
                warp_canvas(&padded, fx, fy, &w, &mut b);
                for (k, (x, y)) in a.iter().zip(&b).enumerate() {
                    assert_eq!(
                        x.to_bits(),
                        y.to_bits(),
                        "trial {t}, canvas pixel {k}: {x} vs {y}"
                    );
                }
                inside += a.iter().filter(|v| **v != 0.0).count();
            }
            assert!(
                inside > 50_000,
                "the trials sampled too little ink ({inside} pixels)"
            );
        }
    }
}
