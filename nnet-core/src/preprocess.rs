//! Strokes or rasters to an MNIST-style 28x28 image.
//!
//! MNIST digits were size-normalised so the ink fits a 20x20 box (keeping the
//! aspect ratio), anti-aliased, and placed in 28x28 so that their centre of
//! mass sits at the centre. Both paths here bring any drawing to the same
//! statistics before the network sees it. All coordinates below are
//! *pixel-index* coordinates of the 28x28 image: the centre of pixel
//! `(col, row)` is at `(col, row)`, so the centre of mass of an image is
//! `(Σ col·v / Σ v, Σ row·v / Σ v)`; MNIST's test set averages `(14.01, 13.99)`.
//!
//! ## Stroke path ([`from_strokes`], [`from_strokes_with`])
//!
//! 1. Bounding box of all points. No point, or a drawing whose larger extent is
//!    below [`MIN_EXTENT_FRACTION`] (2 %) of the surface's larger side, is
//!    "no digit" (`Ok(None)`); a single tap is therefore `None`. So is, in
//!    [`from_strokes`] (what the page, the board and the server call), a
//!    drawing more than [`MAX_FLATNESS`] (4) times as wide as it is tall: a
//!    dash. [`from_strokes_with`], which training renders its augmented
//!    digits with, keeps those: their labels are known.
//! 2. The *vector* strokes are scaled uniformly (aspect ratio kept) so the
//!    rendered ink spans [`BOX`] (20) pixels along the larger side: the centre
//!    line spans `20 - pen_width - softness`, the pen adds the rest.
//! 3. Points closer than [`MIN_SEGMENT`] (0.3 px, in 28x28 space) to the last
//!    kept point are dropped (the last point of a stroke is always kept), which
//!    bounds the rendering cost of dense input.
//! 4. Every segment is rendered with a round pen whose intensity falls off
//!    linearly with the distance `d` from the segment: `clamp(0.5 + (r - d) /
//!    softness, 0, 1)` with `r = pen_width / 2`. A one-point stroke is a disc;
//!    overlapping segments take the maximum, never the sum. Only the pixels
//!    inside each segment's bounding box are visited.
//! 5. The centre of mass of that image is measured, the vector strokes are
//!    shifted by the sub-pixel offset that puts it at `(14, 14)` (clamped so the
//!    ink stays inside the 28x28 frame) and rendered again.
//!
//! Pen width and softness live in [`StrokeParams`]; the defaults (2.9 px and
//! 1.2 px) match MNIST's ink statistics (see [`StrokeParams`]). Because the
//! pen is applied after normalisation, the stroke width no longer depends on
//! how big the user drew.
//!
//! ## Raster path ([`from_raster`])
//!
//! 1. Validation: `width * height` must be non-zero and not overflow, the slice
//!    must have exactly that length, every pixel must be finite and in `0..=1`.
//! 2. Ink bounding box of the pixels above [`RASTER_INK_THRESHOLD`]. Total ink
//!    (sum of those pixels) below [`RASTER_MIN_INK`], or a box whose larger side
//!    is below `max(2 px, MIN_EXTENT_FRACTION * max(width, height))` (so a
//!    single pixel is never blown up to a 20x20 square), or that is more than
//!    [`MAX_FLATNESS`] times as wide as it is tall (a dash), is "no digit".
//!    This box holds the pen's width, which the stroke path's line does not: a
//!    short dash drawn with a pen thick for its length (60 px long with a
//!    20 px pen, say) is a dash to the stroke path and a digit here.
//! 3. Area-averaged resize of the box so its larger side becomes 20 px and the
//!    other `round(side * 20 / larger)` px (≥ 1): every output pixel is the
//!    exact mean of the input over its preimage rectangle, fractional pixel
//!    overlaps included, which works for down- and up-scaling alike.
//! 4. The resized box is placed in 28x28 at the integer offset that brings its
//!    centre of mass closest to `(14, 14)`, clamped so it stays inside.
//!
//! The raster path uses a fixed 20x20 scratch array (no buffer proportional to
//! the input) and costs `O(width * height)`.
//!
//! Both paths are `no_std`, allocation-free, `f32`-only (`libm` for the maths,
//! so the code is the same on a Cortex-M4F), run a bounded number of loop
//! iterations for any input and never panic.
use crate::ink::Strokes;
use crate::{Error, Image, SIDE};

/// Side of the box the digit's ink is fitted into (MNIST: 20 px).
pub const BOX: f32 = 20.0;
/// Target centre of mass in pixel-index coordinates (both axes).
pub const CENTER: f32 = 14.0;
/// A drawing whose larger extent is below this fraction of the drawing
/// surface's (or raster's) larger side is "no digit".
pub const MIN_EXTENT_FRACTION: f32 = 0.02;
/// A drawing more than this many times as wide as it is tall (a dash, an
/// underline, a stray horizontal stroke, up to 14° off the horizontal) is
/// "no digit" in [`from_strokes`] and [`from_raster`]: fitted to the 20x20
/// box, a dash would read as a confident 4 or 2. Digits are far from that
/// flat: MNIST's flattest (of 70,000) is 2.2 times as wide as tall, the
/// committed drawn-digit sets' 1.8. A tall, thin drawing (a 1) is a digit.
pub const MAX_FLATNESS: f32 = 4.0;
/// In the stroke path, points closer than this (in 28x28 pixels) to the
/// previous kept point are dropped before rendering.
pub const MIN_SEGMENT: f32 = 0.3;
/// In the raster path, pixels above this value count as ink for the bounding
/// box (about 5/255, so faint anti-aliasing and scanner noise is ignored).
pub const RASTER_INK_THRESHOLD: f32 = 0.02;
/// In the raster path, a drawing with less total ink (sum of the pixels above
/// [`RASTER_INK_THRESHOLD`]) than this is "no digit" (one fully inked pixel).
pub const RASTER_MIN_INK: f32 = 1.0;

const BOX_PX: usize = 20;
const LAST: f32 = (SIDE - 1) as f32;

/// Parameters of the stroke path.
///
/// The defaults (pen 2.9 px, soft edge 1.2 px) were calibrated on synthetic
/// stroke digits (the 0–9 polylines of `tests/preprocess.rs`) so that their
/// ink sum, inked pixels and height match MNIST's test set; the test
/// `stroke_digits_have_mnist_like_ink` checks the ranges and prints the means
/// (`docs/measurements.md`, section "Stroke path ink"). Ink grows about
/// linearly with `pen_width`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct StrokeParams {
    /// Pen width in pixels of the 28x28 image, measured where the ink is at
    /// half intensity. Must be in `0.5..=8.0`, and with `softness` at least
    /// [`MIN_PEN_REACH`].
    pub pen_width: f32,
    /// Width in pixels of the soft edge over which the ink fades from 1 to 0
    /// (centred on the pen's half-intensity edge). Must be in `0.1..=4.0`.
    pub softness: f32,
}

/// The least `pen_width + softness`: ink is measured at pixel centres, and a
/// line passes as far as half a diagonal (√2/2 px) from the nearest one, so a
/// pen whose ink reaches no further than that (`pen_width + softness` of √2 or
/// less) drops pixels from a diagonal line and can miss a straight one
/// altogether: a drawn "1" would be no digit.
pub const MIN_PEN_REACH: f32 = 1.5;

impl Default for StrokeParams {
    fn default() -> Self {
        StrokeParams {
            pen_width: 2.9,
            softness: 1.2,
        }
    }
}

impl StrokeParams {
    /// Checks the parameters: non-finite values are [`Error::NonFiniteInput`],
    /// values outside the documented ranges [`Error::BadParameter`].
    pub fn validate(&self) -> Result<(), Error> {
        if !(self.pen_width.is_finite() && self.softness.is_finite()) {
            return Err(Error::NonFiniteInput);
        }
        if !((0.5..=8.0).contains(&self.pen_width)
            && (0.1..=4.0).contains(&self.softness)
            && self.pen_width + self.softness >= MIN_PEN_REACH)
        {
            return Err(Error::BadParameter);
        }
        Ok(())
    }
}

/// Stroke path with the default [`StrokeParams`]: strokes in drawing-surface
/// pixels on a `surface_width` x `surface_height` surface to an MNIST-style
/// image, or `Ok(None)` for an empty or near-empty drawing or a dash (more
/// than [`MAX_FLATNESS`] times as wide as tall; see the module docs for the
/// exact rule). What the page, the board and the server run a drawing
/// through.
pub fn from_strokes<const P: usize, const S: usize>(
    strokes: &Strokes<P, S>,
    surface_width: f32,
    surface_height: f32,
) -> Result<Option<Image>, Error> {
    stroke_image(
        strokes,
        surface_width,
        surface_height,
        &StrokeParams::default(),
        Dash::NoDigit,
    )
}

/// Stroke path with explicit parameters (see the module docs). Unlike
/// [`from_strokes`], it renders a dash too: training renders its augmented
/// digits with it, and their labels are known.
///
/// Errors: non-finite surface size or parameters → [`Error::NonFiniteInput`];
/// a surface side `<= 0` → [`Error::BadDimensions`]; parameters outside their
/// ranges → [`Error::BadParameter`]. The surface size only decides what
/// counts as "near-empty"; points outside the surface are drawn like any other.
pub fn from_strokes_with<const P: usize, const S: usize>(
    strokes: &Strokes<P, S>,
    surface_width: f32,
    surface_height: f32,
    params: &StrokeParams,
) -> Result<Option<Image>, Error> {
    stroke_image(strokes, surface_width, surface_height, params, Dash::Render)
}

/// A drawing surface's size: finite ([`Error::NonFiniteInput`]) and above 0
/// ([`Error::BadDimensions`]). (A function of its own: written into
/// [`stroke_image`], the same checks made the WebAssembly module 40% larger.)
fn check_surface(width: f32, height: f32) -> Result<(), Error> {
    if !(width.is_finite() && height.is_finite()) {
        return Err(Error::NonFiniteInput);
    }
    if !(width > 0.0 && height > 0.0) {
        return Err(Error::BadDimensions);
    }
    Ok(())
}

/// What the stroke path does with a dash (a drawing more than
/// [`MAX_FLATNESS`] times as wide as tall).
#[derive(Clone, Copy, PartialEq)]
enum Dash {
    /// No digit: what a user's drawing gets.
    NoDigit,
    /// Rendered like any drawing: training's, whose labels are known.
    Render,
}

/// The stroke path of [`from_strokes`] and [`from_strokes_with`]: the steps
/// of the module docs, with `dash` deciding what a dash gets.
fn stroke_image<const P: usize, const S: usize>(
    strokes: &Strokes<P, S>,
    surface_width: f32,
    surface_height: f32,
    params: &StrokeParams,
    dash: Dash,
) -> Result<Option<Image>, Error> {
    check_surface(surface_width, surface_height)?;
    params.validate()?;

    // 1. bounding box
    let (mut lo, mut hi) = ([f32::INFINITY; 2], [f32::NEG_INFINITY; 2]);
    for p in strokes.strokes().flatten() {
        if !(p[0].is_finite() && p[1].is_finite()) {
            return Err(Error::NonFiniteInput);
        }
        for a in 0..2 {
            lo[a] = lo[a].min(p[a]);
            hi[a] = hi[a].max(p[a]);
        }
    }
    if !(lo[0] <= hi[0] && lo[1] <= hi[1]) {
        return Ok(None); // no points
    }
    // Halves first, so that neither the extent nor the centre can overflow.
    let half = [hi[0] * 0.5 - lo[0] * 0.5, hi[1] * 0.5 - lo[1] * 0.5];
    let centre = [lo[0] * 0.5 + hi[0] * 0.5, lo[1] * 0.5 + hi[1] * 0.5];
    let half_extent = half[0].max(half[1]);
    let surface = surface_width.max(surface_height);
    if half_extent <= 0.0 || half_extent < 0.5 * MIN_EXTENT_FRACTION * surface {
        return Ok(None);
    }
    if dash == Dash::NoDigit && half[0] > MAX_FLATNESS * half[1] {
        return Ok(None);
    }

    // 2. uniform scale: centre line spans BOX - pen - softness on the larger side
    let span = BOX - params.pen_width - params.softness;
    let pen = Pen::new(params);
    let mut map = Map {
        centre,
        half_extent,
        scale: 0.5 * span,
        offset: [(SIDE as f32 - 1.0) * 0.5; 2],
    };

    // 3-4. first rendering
    let mut img = [0.0f32; crate::INPUT];
    render(strokes, &map, &pen, &mut img);
    let Some(com) = centre_of_mass(&img, SIDE, SIDE) else {
        return Ok(None);
    };

    // 5. sub-pixel shift of the vector strokes, clamped so the ink stays inside
    let reach = pen.reach;
    for a in 0..2 {
        // (half / half_extent first: scale * half could overflow)
        let reach_a = map.scale * (half[a] / half_extent).clamp(0.0, 1.0) + reach;
        let (ink_lo, ink_hi) = (map.offset[a] - reach_a, map.offset[a] + reach_a);
        let (min_shift, max_shift) = (-0.5 - ink_lo, LAST + 0.5 - ink_hi);
        let shift = CENTER - com[a];
        let shift = if min_shift <= max_shift {
            shift.clamp(min_shift, max_shift)
        } else {
            0.5 * (min_shift + max_shift)
        };
        map.offset[a] += shift;
    }
    img = [0.0; crate::INPUT];
    render(strokes, &map, &pen, &mut img);
    Ok(Some(img))
}

/// Drawing-surface coordinates to 28x28 pixel-index coordinates.
struct Map {
    centre: [f32; 2],
    half_extent: f32,
    scale: f32,
    offset: [f32; 2],
}

impl Map {
    fn apply(&self, p: [f32; 2]) -> [f32; 2] {
        core::array::from_fn(|a| {
            // |p - centre| <= half_extent, so t is in -1..=1 (clamped against rounding)
            let t = ((p[a] - self.centre[a]) / self.half_extent).clamp(-1.0, 1.0);
            self.offset[a] + t * self.scale
        })
    }
}

/// The round anti-aliased pen.
struct Pen {
    radius: f32,
    inv_softness: f32,
    /// Distance beyond which the pen leaves no ink.
    reach: f32,
}

impl Pen {
    fn new(params: &StrokeParams) -> Self {
        let radius = 0.5 * params.pen_width;
        Pen {
            radius,
            inv_softness: 1.0 / params.softness,
            reach: radius + 0.5 * params.softness,
        }
    }
}

/// Renders all strokes (after `map` and simplification) into `img`, taking the
/// maximum where segments overlap.
fn render<const P: usize, const S: usize>(
    strokes: &Strokes<P, S>,
    map: &Map,
    pen: &Pen,
    img: &mut Image,
) {
    let min2 = MIN_SEGMENT * MIN_SEGMENT;
    for stroke in strokes.strokes() {
        let Some((&first, rest)) = stroke.split_first() else {
            continue;
        };
        let mut kept = map.apply(first);
        let mut drew = false;
        let mut pending: Option<[f32; 2]> = None;
        for &p in rest {
            let q = map.apply(p);
            if dist2(kept, q) >= min2 {
                segment(img, kept, q, pen);
                kept = q;
                drew = true;
                pending = None;
            } else {
                pending = Some(q);
            }
        }
        match pending {
            // the stroke's true last point was dropped: keep the stroke's end exact
            Some(q) => segment(img, kept, q, pen),
            None if !drew => segment(img, kept, kept, pen), // a dot
            None => {}
        }
    }
}

fn dist2(a: [f32; 2], b: [f32; 2]) -> f32 {
    let (dx, dy) = (b[0] - a[0], b[1] - a[1]);
    dx * dx + dy * dy
}

/// Index range of the pixels whose centres lie in `lo..=hi`, clipped to the image.
fn pixel_range(lo: f32, hi: f32) -> core::ops::Range<usize> {
    let lo = libm::ceilf(lo);
    let hi = libm::floorf(hi);
    if lo.is_nan() || hi.is_nan() || lo > hi || hi < 0.0 || lo > LAST {
        return 0..0;
    }
    let lo = lo.max(0.0) as usize;
    let hi = hi.min(LAST) as usize;
    lo..hi + 1
}

/// Max-blends one pen segment from `a` to `b` (a disc when `a == b`): with
/// AVX2 on x86_64 hosts ([`segment_avx2`]), else [`segment_portable`]; the
/// same bits either way.
#[inline]
fn segment(img: &mut Image, a: [f32; 2], b: [f32; 2], pen: &Pen) {
    #[cfg(all(feature = "std", target_arch = "x86_64"))]
    if std::is_x86_feature_detected!("avx2") {
        // SAFETY: the CPU supports AVX2 (checked just above).
        unsafe { segment_avx2(img, a, b, pen) };
        return;
    }
    segment_portable(img, a, b, pen);
}

/// A segment's pen reach `r`, `r²`, direction `(dx, dy)` and `1 / |d|²`
/// (0 for a dot), as both renderers compute them.
#[inline(always)]
fn segment_geometry(a: [f32; 2], b: [f32; 2], pen: &Pen) -> (f32, f32, f32, f32, f32) {
    let r = pen.reach;
    let (dx, dy) = (b[0] - a[0], b[1] - a[1]);
    let len2 = dx * dx + dy * dy;
    let inv_len2 = if len2 > 0.0 { 1.0 / len2 } else { 0.0 };
    (r, r * r, dx, dy, inv_len2)
}

/// [`segment`] one pixel at a time.
fn segment_portable(img: &mut Image, a: [f32; 2], b: [f32; 2], pen: &Pen) {
    let (r, reach2, dx, dy, inv_len2) = segment_geometry(a, b, pen);
    for row in pixel_range(a[1].min(b[1]) - r, a[1].max(b[1]) + r) {
        let py = row as f32 - a[1];
        for col in pixel_range(a[0].min(b[0]) - r, a[0].max(b[0]) + r) {
            let px = col as f32 - a[0];
            let t = ((px * dx + py * dy) * inv_len2).clamp(0.0, 1.0);
            let (ex, ey) = (px - t * dx, py - t * dy);
            let d2 = ex * ex + ey * ey;
            if d2 >= reach2 {
                continue;
            }
            let v = (0.5 + (pen.radius - libm::sqrtf(d2)) * pen.inv_softness).clamp(0.0, 1.0);
            let cell = &mut img[row * SIDE + col];
            if v > *cell {
                *cell = v;
            }
        }
    }
}

/// [`segment_portable`] 8 pixels of a row at a time with AVX2: per lane the
/// same single-precision operations in the same order (`vsqrtps` is the
/// correctly rounded square root, like `libm::sqrtf`; the clamps keep
/// `f32::clamp`'s operand order), the pixels outside the pen or not darker
/// left as they are, so the same bits. Only the last row's end is read and
/// written with masked loads and stores.
#[cfg(all(feature = "std", target_arch = "x86_64"))]
#[target_feature(enable = "avx2")]
fn segment_avx2(img: &mut Image, a: [f32; 2], b: [f32; 2], pen: &Pen) {
    use core::arch::x86_64::*;
    let (r, reach2, dx, dy, inv_len2) = segment_geometry(a, b, pen);
    let cols = pixel_range(a[0].min(b[0]) - r, a[0].max(b[0]) + r);
    let f = _mm256_set1_ps;
    // max(0, t) then min(1, t): `t < 0` gives 0, `t > 1` gives 1, else t (as `f32::clamp`)
    let clamp01 = |t: __m256| _mm256_min_ps(f(1.0), _mm256_max_ps(_mm256_setzero_ps(), t));
    let lane = _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7);
    for row in pixel_range(a[1].min(b[1]) - r, a[1].max(b[1]) + r) {
        let py = f(row as f32 - a[1]);
        let mut col = cols.start;
        while col < cols.end {
            let n = (cols.end - col).min(8);
            // lanes 0..n are pixels (row, col + lane); col + 8 <= SIDE + 7 fits i32
            let active = _mm256_cmpgt_epi32(_mm256_set1_epi32(n as i32), lane);
            let c = _mm256_cvtepi32_ps(_mm256_add_epi32(_mm256_set1_epi32(col as i32), lane));
            let px = _mm256_sub_ps(c, f(a[0]));
            let t = _mm256_mul_ps(
                _mm256_add_ps(_mm256_mul_ps(px, f(dx)), _mm256_mul_ps(py, f(dy))),
                f(inv_len2),
            );
            let t = clamp01(t);
            let ex = _mm256_sub_ps(px, _mm256_mul_ps(t, f(dx)));
            let ey = _mm256_sub_ps(py, _mm256_mul_ps(t, f(dy)));
            let d2 = _mm256_add_ps(_mm256_mul_ps(ex, ex), _mm256_mul_ps(ey, ey));
            let inside = _mm256_cmp_ps::<_CMP_LT_OQ>(d2, f(reach2));
            let v = _mm256_add_ps(
                f(0.5),
                _mm256_mul_ps(
                    _mm256_sub_ps(f(pen.radius), _mm256_sqrt_ps(d2)),
                    f(pen.inv_softness),
                ),
            );
            let v = clamp01(v);
            let at = row * SIDE + col;
            let write = |old: __m256| {
                let darker = _mm256_and_ps(inside, _mm256_cmp_ps::<_CMP_GT_OQ>(v, old));
                _mm256_and_ps(_mm256_castsi256_ps(active), darker)
            };
            if at + 8 <= img.len() {
                // the lanes past the row's group are pixels of the image too,
                // written back unchanged (plain stores: masked ones are slow).
                // `max(old, v or 0)`: the image holds values in 0..=1 (never
                // -0.0 or NaN), so a lane not written keeps its bits
                // SAFETY: at + 8 <= img.len(): 8 f32 inside `img`
                unsafe {
                    let p = img.as_mut_ptr().add(at);
                    let old = _mm256_loadu_ps(p);
                    _mm256_storeu_ps(p, _mm256_max_ps(old, _mm256_and_ps(v, write(old))));
                }
            } else {
                // SAFETY: the active lanes are the pixels at..at + n of `img`
                // (row < SIDE and col + n <= SIDE); masked-off lanes are
                // neither read nor written
                unsafe {
                    let p = img.as_mut_ptr().add(at);
                    let old = _mm256_maskload_ps(p, active);
                    _mm256_maskstore_ps(p, _mm256_castps_si256(write(old)), v);
                }
            }
            col += n;
        }
    }
}

/// Centre of mass `(x, y)` in pixel-index coordinates of a `w` x `h` image, or
/// `None` when it has no ink.
fn centre_of_mass(img: &[f32], w: usize, h: usize) -> Option<[f32; 2]> {
    let (mut sum, mut sx, mut sy) = (0.0f32, 0.0f32, 0.0f32);
    for (row, line) in img.chunks_exact(w).take(h).enumerate() {
        let mut row_sum = 0.0f32;
        for (col, &v) in line.iter().enumerate() {
            row_sum += v;
            sx += col as f32 * v;
        }
        sum += row_sum;
        sy += row as f32 * row_sum;
    }
    (sum > 0.0 && sum.is_finite()).then(|| [sx / sum, sy / sum])
}

/// Raster path: a `width` x `height` grayscale image (row-major, `0.0`
/// background .. `1.0` ink) to an MNIST-style image, or `Ok(None)` for an empty
/// or near-empty one (see the module docs).
///
/// Errors: `width` or `height` zero or `width * height` overflowing →
/// [`Error::BadDimensions`]; `pixels.len() != width * height` →
/// [`Error::LengthMismatch`]; a NaN/infinite pixel → [`Error::NonFiniteInput`];
/// a pixel outside `0..=1` → [`Error::InputOutOfRange`].
pub fn from_raster(pixels: &[f32], width: usize, height: usize) -> Result<Option<Image>, Error> {
    let n = width.checked_mul(height).ok_or(Error::BadDimensions)?;
    if n == 0 {
        return Err(Error::BadDimensions);
    }
    if pixels.len() != n {
        return Err(Error::LengthMismatch {
            expected: n,
            actual: pixels.len(),
        });
    }
    // validation, ink bounding box and total ink in one pass
    let (mut x0, mut y0, mut x1, mut y1) = (usize::MAX, usize::MAX, 0usize, 0usize);
    let mut ink = 0.0f32;
    for (y, line) in pixels.chunks_exact(width).enumerate() {
        for (j, run) in line.chunks(8).enumerate() {
            // a run of blank pixels (±0: valid and not ink) in one test
            if run.iter().fold(0u32, |a, v| a | (v.to_bits() << 1)) == 0 {
                continue;
            }
            // every pixel finite and in 0..=1: for those the bit pattern is at
            // most 1.0's or is -0.0's (NaN, infinities, negatives and values
            // above 1 all lie above 1.0's pattern)
            let valid = run.iter().fold(true, |a, v| {
                let b = v.to_bits();
                a & (b <= 1.0f32.to_bits() || b == (-0.0f32).to_bits())
            });
            if !valid {
                // the first bad pixel of the run decides the error
                for &v in run {
                    if !v.is_finite() {
                        return Err(Error::NonFiniteInput);
                    }
                    if !(0.0..=1.0).contains(&v) {
                        return Err(Error::InputOutOfRange);
                    }
                }
            }
            for (k, &v) in run.iter().enumerate() {
                if v > RASTER_INK_THRESHOLD {
                    let x = j * 8 + k;
                    ink += v;
                    x0 = x0.min(x);
                    x1 = x1.max(x);
                    y0 = y0.min(y);
                    y1 = y1.max(y);
                }
            }
        }
    }
    if x0 > x1 || y0 > y1 || ink < RASTER_MIN_INK {
        return Ok(None);
    }
    let (bw, bh) = (x1 - x0 + 1, y1 - y0 + 1);
    let larger = bw.max(bh);
    let min_extent = (MIN_EXTENT_FRACTION * width.max(height) as f32).max(2.0);
    if (larger as f32) < min_extent || bw as f32 > MAX_FLATNESS * bh as f32 {
        return Ok(None);
    }

    // resized size: larger side 20, the other rounded to keep the aspect ratio
    let scaled = |side: usize| -> usize {
        let v = (side as u128 * 2 * BOX_PX as u128 + larger as u128) / (2 * larger as u128);
        (v as usize).clamp(1, BOX_PX)
    };
    let (rw, rh) = (scaled(bw), scaled(bh));
    let ax = Axis::new(bw, rw);
    let ay = Axis::new(bh, rh);

    let mut small = [0.0f32; BOX_PX * BOX_PX];
    let norm = (rw as f32 / bw as f32) * (rh as f32 / bh as f32);
    // each input line's horizontal sums, kept for the next output row (which
    // starts on the line the previous one ended on when the ends are fractional)
    let mut line_sums = [0.0f32; BOX_PX];
    let mut summed_line = usize::MAX;
    for oy in 0..rh {
        let out = &mut small[oy * rw..(oy + 1) * rw];
        for iy in ay.range(oy) {
            let wy = ay.weight(iy, oy);
            if iy != summed_line {
                let start = (y0 + iy) * width + x0;
                let Some(line) = pixels.get(start..start + bw) else {
                    continue; // unreachable: the box lies inside the raster
                };
                ax.sum_line(line, &mut line_sums[..rw]);
                summed_line = iy;
            }
            for (acc, s) in out.iter_mut().zip(&line_sums) {
                *acc += wy * s;
            }
        }
        for v in out.iter_mut() {
            *v = (*v * norm).clamp(0.0, 1.0);
        }
    }

    Ok(place_centred(&small[..rw * rh], rw, rh))
}

/// Places the resized `rw x rh` digit in a 28x28 image with its centre of
/// mass at the centre (whole pixels, kept inside); `None` without mass.
fn place_centred(small: &[f32], rw: usize, rh: usize) -> Option<Image> {
    let com = centre_of_mass(small, rw, rh)?;
    let place = |c: f32, size: usize| -> usize {
        let off = libm::roundf(CENTER - c).clamp(0.0, (SIDE - size) as f32);
        off as usize
    };
    let (offx, offy) = (place(com[0], rw), place(com[1], rh));
    let mut img = [0.0f32; crate::INPUT];
    for (row, line) in small.chunks_exact(rw).enumerate() {
        let start = (row + offy) * SIDE + offx;
        if let Some(dst) = img.get_mut(start..start + rw) {
            dst.copy_from_slice(line);
        }
    }
    Some(img)
}

/// One axis of the area-averaged resize: `n` input pixels onto `m` output
/// pixels. Output pixel `k` covers the input interval `[k*n/m, (k+1)*n/m)`,
/// whose ends are stored exactly as integer part and fraction.
struct Axis {
    n: usize,
    whole: [usize; BOX_PX + 1],
    frac: [f32; BOX_PX + 1],
}

impl Axis {
    fn new(n: usize, m: usize) -> Self {
        let mut whole = [0usize; BOX_PX + 1];
        let mut frac = [0.0f32; BOX_PX + 1];
        for k in 0..=m.min(BOX_PX) {
            let num = k as u128 * n as u128;
            whole[k] = (num / m as u128) as usize;
            frac[k] = (num % m as u128) as f32 / m as f32;
        }
        Axis { n, whole, frac }
    }

    /// The input pixels output pixel `k` overlaps.
    fn range(&self, k: usize) -> core::ops::Range<usize> {
        let (Some(&lo), Some(&hi), Some(&f)) = (
            self.whole.get(k),
            self.whole.get(k + 1),
            self.frac.get(k + 1),
        ) else {
            return 0..0;
        };
        let end = if f > 0.0 { hi + 1 } else { hi };
        lo..end.min(self.n)
    }

    /// `sums[k]` = the sum over output pixel `k`'s input pixels of weight
    /// times value, in input order. Only the first and the last pixel of a
    /// range can have a fractional weight: the others' is exactly 1, and
    /// `1.0 * v` is `v`, so they are added as they are.
    fn sum_line(&self, line: &[f32], sums: &mut [f32]) {
        for (k, s) in sums.iter_mut().enumerate() {
            let r = self.range(k);
            let lo = r.start;
            let mut acc = 0.0f32;
            if let Some((first, rest)) = line.get(r).and_then(|px| px.split_first()) {
                acc += self.weight(lo, k) * first;
                if let Some((last, middle)) = rest.split_last() {
                    for v in middle {
                        acc += v;
                    }
                    acc += self.weight(lo + rest.len(), k) * last;
                }
            }
            *s = acc;
        }
    }

    /// Length of the overlap of input pixel `i` with output pixel `k`'s preimage.
    fn weight(&self, i: usize, k: usize) -> f32 {
        let lo = if i == self.whole[k] {
            self.frac[k]
        } else {
            0.0
        };
        let hi = if i == self.whole[k + 1] {
            self.frac[k + 1]
        } else {
            1.0
        };
        hi - lo
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn strokes(lines: &[&[[f32; 2]]]) -> Strokes<256, 8> {
        let mut s = Strokes::new();
        for l in lines {
            s.push_stroke(l).unwrap();
        }
        s
    }

    /// The AVX2 segment renderer writes the portable one's bits, for
    /// segments and dots of every length, direction, position (partly off
    /// the image too) and pen.
    #[test]
    fn segment_avx2_equals_portable() {
        #[cfg(all(feature = "std", target_arch = "x86_64"))]
        if std::is_x86_feature_detected!("avx2") {
            let mut state = 0x2545_f491_4f6c_dd1du64;
            let mut next = move |lo: f32, hi: f32| {
                state ^= state << 13;
                state ^= state >> 7;
                state ^= state << 17;
                lo + (hi - lo) * ((state >> 40) as f32 / (1u64 << 24) as f32)
            };
            for case in 0..4000 {
                let pen = Pen::new(&StrokeParams {
                    pen_width: next(0.5, 6.0),
                    softness: next(0.2, 3.0),
                });
                let a = [next(-4.0, 31.0), next(-4.0, 31.0)];
                let b = match case % 4 {
                    0 => a, // a dot
                    1 => [a[0] + next(-1.5, 1.5), a[1] + next(-1.5, 1.5)],
                    _ => [next(-4.0, 31.0), next(-4.0, 31.0)],
                };
                // an image already inked in places, so "not darker" is exercised
                let mut base = [0.0f32; crate::INPUT];
                for (i, v) in base.iter_mut().enumerate() {
                    if i % 7 == case % 7 {
                        *v = next(0.0, 1.0);
                    }
                }
                let (mut scalar, mut vector) = (base, base);
                segment_portable(&mut scalar, a, b, &pen);
                // SAFETY: the CPU supports AVX2 (checked above)
                unsafe { segment_avx2(&mut vector, a, b, &pen) };
                let same = scalar
                    .iter()
                    .zip(&vector)
                    .all(|(x, y)| x.to_bits() == y.to_bits());
                assert!(same, "case {case}: segment {a:?} -> {b:?} differs");
            }
        }
    }

    /// `from_raster` as plain loops (every pixel checked, every weight
    /// computed, every line summed for every output row it touches).
    fn from_raster_plain(
        pixels: &[f32],
        width: usize,
        height: usize,
    ) -> Result<Option<Image>, Error> {
        let (mut x0, mut y0, mut x1, mut y1) = (usize::MAX, usize::MAX, 0usize, 0usize);
        let mut ink = 0.0f32;
        for (y, line) in pixels.chunks_exact(width).enumerate() {
            for (x, &v) in line.iter().enumerate() {
                if !v.is_finite() {
                    return Err(Error::NonFiniteInput);
                }
                if !(0.0..=1.0).contains(&v) {
                    return Err(Error::InputOutOfRange);
                }
                if v > RASTER_INK_THRESHOLD {
                    ink += v;
                    (x0, x1, y0, y1) = (x0.min(x), x1.max(x), y0.min(y), y1.max(y));
                }
            }
        }
        if x0 > x1 || ink < RASTER_MIN_INK {
            return Ok(None);
        }
        let (bw, bh) = (x1 - x0 + 1, y1 - y0 + 1);
        let larger = bw.max(bh);
        if (larger as f32) < (MIN_EXTENT_FRACTION * width.max(height) as f32).max(2.0)
            || bw as f32 > MAX_FLATNESS * bh as f32
        {
            return Ok(None);
        }
        let scaled = |side: usize| ((side * 2 * BOX_PX + larger) / (2 * larger)).clamp(1, BOX_PX);
        let (rw, rh) = (scaled(bw), scaled(bh));
        let (ax, ay) = (Axis::new(bw, rw), Axis::new(bh, rh));
        let mut small = [0.0f32; BOX_PX * BOX_PX];
        let norm = (rw as f32 / bw as f32) * (rh as f32 / bh as f32);
        for oy in 0..rh {
            for iy in ay.range(oy) {
                let wy = ay.weight(iy, oy);
                let line = &pixels[(y0 + iy) * width + x0..][..bw];
                for ox in 0..rw {
                    let mut s = 0.0f32;
                    for ix in ax.range(ox) {
                        s += ax.weight(ix, ox) * line[ix];
                    }
                    small[oy * rw + ox] += wy * s;
                }
            }
            for v in &mut small[oy * rw..(oy + 1) * rw] {
                *v = (*v * norm).clamp(0.0, 1.0);
            }
        }
        Ok(place_centred(&small[..rw * rh], rw, rh))
    }

    /// The raster path (blank runs skipped, runs validated at once, line
    /// sums reused, interior weights taken as 1) gives the plain loops' bits
    /// and errors, on blobs of random size and position in rasters of random
    /// shape (with -0.0 background in places and, now and then, a bad pixel).
    #[test]
    fn from_raster_equals_the_plain_loops() {
        let mut state = 0x9e37_79b9_7f4a_7c15u64;
        let mut next = move |n: usize| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            (state >> 33) as usize % n.max(1)
        };
        let mut digits = 0;
        for case in 0..3000 {
            let (w, h) = (1 + next(90), 1 + next(90));
            let mut buf = [if case % 3 == 0 { -0.0f32 } else { 0.0 }; 90 * 90];
            let px = &mut buf[..w * h];
            for _ in 0..1 + next(6) {
                let (bx, by) = (next(w), next(h));
                let (bw, bh) = (1 + next(w - bx), 1 + next(h - by));
                for y in by..by + bh {
                    for x in bx..bx + bw {
                        if next(4) > 0 {
                            px[y * w + x] = next(1001) as f32 / 1000.0;
                        }
                    }
                }
            }
            if case % 10 == 0 {
                let bad = [f32::NAN, f32::INFINITY, 1.5, -0.25][next(4)];
                px[next(w * h)] = bad;
            }
            let (fast, plain) = (from_raster(px, w, h), from_raster_plain(px, w, h));
            match (&fast, &plain) {
                (Ok(Some(a)), Ok(Some(b))) => {
                    digits += 1;
                    let same = a.iter().zip(b).all(|(x, y)| x.to_bits() == y.to_bits());
                    assert!(same, "case {case} ({w}x{h}): images differ");
                }
                _ => assert_eq!(fast, plain, "case {case} ({w}x{h})"),
            }
        }
        assert!(digits > 1000, "only {digits} cases made a digit");
    }

    #[test]
    fn axis_weights_cover_each_output_exactly() {
        for (n, m) in [(1, 20), (3, 20), (20, 20), (37, 20), (560, 20), (7, 3)] {
            let a = Axis::new(n, m);
            let mut per_input = [0.0f32; 600];
            for k in 0..m {
                let w: f32 = a.range(k).map(|i| a.weight(i, k)).sum();
                assert!(
                    (w - n as f32 / m as f32).abs() < 1e-4,
                    "n={n} m={m} k={k}: {w}"
                );
                for i in a.range(k) {
                    assert!(a.weight(i, k) > 0.0);
                    per_input[i] += a.weight(i, k);
                }
            }
            // every input pixel is used with total weight 1
            assert!(per_input[..n].iter().all(|w| (w - 1.0).abs() < 1e-4));
        }
    }

    #[test]
    fn pixel_range_clips_and_rejects_nan() {
        assert_eq!(pixel_range(-5.0, 2.5), 0..3);
        assert_eq!(pixel_range(26.2, 40.0), 27..28);
        assert_eq!(pixel_range(30.0, 40.0), 0..0);
        assert_eq!(pixel_range(-40.0, -30.0), 0..0);
        assert_eq!(pixel_range(f32::NAN, 3.0), 0..0);
        assert_eq!(pixel_range(3.2, 3.8), 0..0);
    }

    #[test]
    fn a_dot_is_a_disc_and_overlaps_take_the_max() {
        let pen = Pen::new(&StrokeParams::default());
        let mut img = [0.0; crate::INPUT];
        segment(&mut img, [10.0, 10.0], [10.0, 10.0], &pen);
        assert_eq!(img[10 * SIDE + 10], 1.0);
        assert_eq!(img[10 * SIDE + 11], img[11 * SIDE + 10]);
        assert_eq!(img[10 * SIDE + 9], img[10 * SIDE + 11]);
        let once = img;
        segment(&mut img, [10.0, 10.0], [10.0, 10.0], &pen);
        assert_eq!(img, once, "drawing twice must not add ink");
        // nothing beyond the pen's reach
        assert_eq!(img[10 * SIDE + 10 + libm::ceilf(pen.reach) as usize], 0.0);
        // half intensity exactly at the pen radius
        let mut img = [0.0; crate::INPUT];
        segment(
            &mut img,
            [10.0, 10.0 + pen.radius],
            [10.0, 10.0 + pen.radius],
            &pen,
        );
        assert!((img[10 * SIDE + 10] - 0.5).abs() < 1e-6);
        // a segment has the dot's profile across it, and rounded caps
        let mut line = [0.0; crate::INPUT];
        segment(&mut line, [4.0, 10.0], [20.0, 10.0], &pen);
        for col in 4..=20 {
            assert_eq!(line[11 * SIDE + col], once[11 * SIDE + 10]);
        }
        assert_eq!(line[10 * SIDE + 21], once[10 * SIDE + 11]);
        assert_eq!(line[10 * SIDE + 3], once[10 * SIDE + 9]);
    }

    #[test]
    fn stroke_path_rejects_bad_surfaces_and_params() {
        let s = strokes(&[&[[0.0, 0.0], [100.0, 100.0]]]);
        assert_eq!(from_strokes(&s, f32::NAN, 1.0), Err(Error::NonFiniteInput));
        assert_eq!(
            from_strokes(&s, 10.0, f32::INFINITY),
            Err(Error::NonFiniteInput)
        );
        assert_eq!(from_strokes(&s, 0.0, 10.0), Err(Error::BadDimensions));
        assert_eq!(from_strokes(&s, 10.0, -3.0), Err(Error::BadDimensions));
        // its message does not speak of a raster only
        extern crate std;
        use std::string::ToString;
        let e = Error::BadDimensions.to_string();
        assert!(
            e.contains("drawing surface") && e.contains("negative"),
            "{e}"
        );
        let bad = StrokeParams {
            pen_width: 30.0,
            ..Default::default()
        };
        assert_eq!(
            from_strokes_with(&s, 280.0, 280.0, &bad),
            Err(Error::BadParameter)
        );
        let nan = StrokeParams {
            softness: f32::NAN,
            ..Default::default()
        };
        assert_eq!(
            from_strokes_with(&s, 280.0, 280.0, &nan),
            Err(Error::NonFiniteInput)
        );
        // each bound in range, but together too thin to reach every pixel a line passes
        let thin = StrokeParams {
            pen_width: 0.9,
            softness: 0.5,
        };
        assert_eq!(
            from_strokes_with(&s, 280.0, 280.0, &thin),
            Err(Error::BadParameter)
        );
        assert!(from_strokes(&s, 280.0, 280.0).unwrap().is_some());
    }

    /// Every pen the parameters allow inks every row a vertical line passes, every column a
    /// horizontal one passes and both of a diagonal's: a line is never lost or broken into
    /// dots, at the least reach and with the least pen or the least softness.
    #[test]
    fn the_thinnest_pens_allowed_ink_every_line_unbroken() {
        let lines: [&[[f32; 2]]; 4] = [
            &[[100.0, 40.0], [100.0, 240.0]],
            &[[40.0, 100.0], [240.0, 100.0]],
            &[[40.0, 40.0], [240.0, 240.0]],
            &[[40.0, 240.0], [170.0, 40.0]],
        ];
        for (pen_width, softness) in [(0.5, 1.0), (1.4, 0.1), (0.75, 0.75), (0.5, 4.0), (8.0, 0.1)]
        {
            let params = StrokeParams {
                pen_width,
                softness,
            };
            assert_eq!(params.validate(), Ok(()));
            for line in lines {
                let img = from_strokes_with(&strokes(&[line]), 280.0, 280.0, &params)
                    .unwrap()
                    .unwrap_or_else(|| panic!("{params:?}: {line:?} is no digit"));
                let row = |y: usize| img[y * SIDE..][..SIDE].iter().any(|&v| v > 0.0);
                let col = |x: usize| (0..SIDE).any(|y| img[y * SIDE + x] > 0.0);
                for (what, inked) in [("rows", &row as &dyn Fn(usize) -> bool), ("columns", &col)] {
                    let first = (0..SIDE).find(|&i| inked(i)).unwrap();
                    let last = (0..SIDE).rev().find(|&i| inked(i)).unwrap();
                    let gap = (first..=last).find(|&i| !inked(i));
                    assert_eq!(gap, None, "{params:?}: {line:?}: {what} {first}..={last}");
                }
            }
        }
    }

    #[test]
    fn extreme_coordinates_do_not_overflow() {
        let s = strokes(&[&[[-3.0e38, 0.0], [3.0e38, 1.0e30]], &[[0.0, -3.0e38]]]);
        let img = from_strokes(&s, 280.0, 280.0).unwrap().unwrap();
        assert!(img.iter().all(|v| (0.0..=1.0).contains(v)));
        assert!(img.iter().sum::<f32>() > 10.0);
    }
}
