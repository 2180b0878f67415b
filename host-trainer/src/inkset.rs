//! The committed drawn-digit ink test sets (`tests/data/ink/*.jsonl`).
//!
//! A model that only knows MNIST must also recognise digits drawn with a finger
//! or a mouse, which reach it through the core's *stroke* path. Real tablet
//! data cannot be made here, so two sets of synthetic drawings stand in, in the
//! ink JSON Lines format (`docs/ink-format.md`) on a 280x280 surface (y down):
//!
//! - `hershey.jsonl`: every style of [`crate::hershey`] x every digit x
//!   [`InksetArgs::hershey_variants`] variants, each drawn by a seeded random
//!   "hand" ([`HandParams::hershey`]): rotation ±10°, shear, aspect change,
//!   sizes from small-in-a-corner to filling the surface, any position, an
//!   occasional wobble, resampled along the pen path like a finger sampled at
//!   60 Hz (denser where the pen is slow, at stroke ends) with sensor jitter.
//! - `mnist-skeleton.jsonl`: the first [`InksetArgs::mnist_count`] MNIST *test*
//!   digits turned into strokes by [`crate::skeleton`], placed at varied sizes
//!   and positions ([`HandParams::mnist`]: no rotation or shear, the digits are
//!   already handwriting), resampled and jittered the same way.
//!
//! - `styles.jsonl`: handwriting styles MNIST barely contains, from
//!   hand-authored stroke templates ([`crate::styleset`]), drawn by a hand of
//!   its own ([`crate::stylus`]).
//!
//! Everything is deterministic: record `i` of a set is drawn from its own
//! SplitMix64 stream seeded by `(seed, set, i)`, so any slice can be
//! regenerated on its own (the tests do, to keep the generator from drifting).
//! Its maths comes from the `libm` crate and square roots (which IEEE 754
//! rounds exactly), not the platform's maths library, so every platform writes
//! the same bytes. Coordinates are rounded to 0.1 px.
//!
//! # Entry point
//!
//! ```text
//! pub fn run(args: &InksetArgs) -> crate::Result<InksetSummary>
//! ```
//!
//! [`InksetArgs::default()`] is exactly the committed configuration
//! (`out_dir = tests/data/ink`, `mnist_dir = data/mnist`, `seed = 2026`,
//! 8 Hershey variants, 1000 MNIST digits); the CLI subcommand
//! `host-trainer make-inkset` maps its options onto it, run from the
//! repository root.

use std::path::{Path, PathBuf};

use nnet_core::ink::InkRecord;

use crate::hershey::{self, Glyph};
use crate::idx::{self, Dataset};
use crate::skeleton::{self, SkeletonParams};
use crate::{Error, Result};

/// Side of the square drawing surface of the sets, in pixels.
pub const SURFACE: f32 = 280.0;
/// Default seed of the committed sets.
pub const DEFAULT_SEED: u64 = 2026;
/// File name of the Hershey set.
pub const HERSHEY_FILE: &str = "hershey.jsonl";
/// File name of the MNIST skeleton set.
pub const MNIST_FILE: &str = "mnist-skeleton.jsonl";
/// Point capacity every record must fit (the core's default `Strokes`).
pub const MAX_POINTS: usize = nnet_core::ink::DEFAULT_POINTS;
/// Stroke capacity every record must fit (the core's default `Strokes`).
pub const MAX_STROKES: usize = nnet_core::ink::DEFAULT_STROKES;

/// Stream ids that keep the two sets' random numbers apart.
const SET_HERSHEY: u64 = 1;
const SET_MNIST: u64 = 2;

/// What to generate and where; `Default` is the committed configuration.
#[derive(Debug, Clone, PartialEq)]
pub struct InksetArgs {
    /// Directory the `.jsonl` files are written to (created if missing).
    pub out_dir: PathBuf,
    /// Directory with the MNIST test IDX files (`t10k-*`, raw or `.gz`).
    pub mnist_dir: PathBuf,
    /// Seed of the random hand.
    pub seed: u64,
    /// Variants per Hershey style and digit.
    pub hershey_variants: usize,
    /// Number of MNIST test digits (from the start of the test set).
    pub mnist_count: usize,
    /// Variants per handwriting-style template ([`crate::styleset`]).
    pub style_variants: usize,
    /// Also write the handwriting-fonts set and the training digits of other
    /// fonts ([`crate::fontset`], which needs the fonts' Debian and npm packages).
    pub fonts: bool,
    /// Where the training digits of [`crate::fontset::TRAINING_FONTS`] go.
    pub training_file: PathBuf,
    /// With the fonts: also write the training digits fold by fold
    /// ([`crate::fontset::training_font_folds`]) to [`font_fold_file`]`(n)`
    /// in `out_dir`, to validate `train --hold-out-fonts n` on.
    pub font_folds: bool,
}

/// File name of fold `n`'s training digits (`make-inkset --font-folds`).
pub fn font_fold_file(n: usize) -> String {
    format!("font-fold-{n}.jsonl")
}

impl Default for InksetArgs {
    fn default() -> Self {
        InksetArgs {
            out_dir: PathBuf::from("tests/data/ink"),
            mnist_dir: PathBuf::from("data/mnist"),
            seed: DEFAULT_SEED,
            hershey_variants: 8,
            mnist_count: 1000,
            style_variants: 20,
            fonts: true,
            training_file: PathBuf::from(crate::fontset::TRAINING_PATH),
            font_folds: false,
        }
    }
}

/// One written file.
#[derive(Debug, Clone, PartialEq)]
pub struct WrittenSet {
    /// Path of the file.
    pub path: PathBuf,
    /// Records (lines) written.
    pub records: usize,
    /// Records per label 0-9.
    pub per_label: [usize; 10],
    /// File size in bytes.
    pub bytes: usize,
    /// Source items that gave no strokes and were left out.
    pub skipped: usize,
    /// Points per record: mean and maximum.
    pub points: (f32, usize),
    /// Strokes per record: mean and maximum.
    pub strokes: (f32, usize),
}

/// Mean and maximum of `values` (`(0.0, 0)` when there are none).
fn mean_max(values: impl Iterator<Item = usize>) -> (f32, usize) {
    let (mut n, mut sum, mut max) = (0usize, 0usize, 0usize);
    for v in values {
        n += 1;
        sum += v;
        max = max.max(v);
    }
    (sum as f32 / n.max(1) as f32, max)
}

/// What [`run`] wrote.
#[derive(Debug, Clone, PartialEq)]
pub struct InksetSummary {
    /// The Hershey set.
    pub hershey: WrittenSet,
    /// The MNIST skeleton set.
    pub mnist: WrittenSet,
    /// The handwriting-style set.
    pub styles: WrittenSet,
    /// The handwriting-fonts set, unless `InksetArgs::fonts` was off.
    pub fonts: Option<WrittenSet>,
    /// The training digits of other fonts, unless `InksetArgs::fonts` was off.
    pub training_fonts: Option<WrittenSet>,
    /// The training digits fold by fold, with `InksetArgs::font_folds`.
    pub font_folds: Vec<WrittenSet>,
}

/// Generates the sets and writes them to `args.out_dir`. Every input (MNIST,
/// the fonts) is read and every set made before anything is written; an MNIST
/// test split that gives no drawing is an error.
pub fn run(args: &InksetArgs) -> Result<InksetSummary> {
    let test = idx::load(&args.mnist_dir, idx::Split::Test)?;
    let fonts = if args.fonts {
        Some((
            crate::fontset::load_all(crate::fontset::FONTS)?,
            crate::fontset::load_all(crate::fontset::TRAINING_FONTS)?,
        ))
    } else {
        None
    };
    let glyphs = glyphs()?;
    let h = hershey_records(&glyphs, args.seed, args.hershey_variants)?;
    let (m, skipped) = mnist_records(&test, args.mnist_count, args.seed)?;
    if m.is_empty() {
        return Err(Error::Config(format!(
            "{}: the MNIST test split gives no drawing ({} images, {skipped} without strokes); \
             give --data (--mnist-dir) MNIST's test files",
            args.mnist_dir.display(),
            test.len()
        )));
    }
    let t = crate::styleset::templates()?;
    let st = crate::styleset::style_records(&t, args.seed, args.style_variants)?;
    let font_records = match fonts {
        Some((eval, train)) => Some((
            crate::fontset::records(&eval, args.seed, crate::fontset::VARIANTS)?,
            crate::fontset::training_records(&train, args.seed)?,
        )),
        None => None,
    };
    crate::create_dirs(&args.out_dir)?;
    let hershey = write_set(&args.out_dir.join(HERSHEY_FILE), &h, 0)?;
    let mnist = write_set(&args.out_dir.join(MNIST_FILE), &m, skipped)?;
    let styles = write_set(&args.out_dir.join(crate::styleset::STYLES_FILE), &st, 0)?;
    let mut font_folds = Vec::new();
    let (fonts, training_fonts) = match font_records {
        Some((eval, train)) => {
            if args.font_folds {
                for n in 1..=crate::fontset::FONT_FOLDS {
                    // (only the fold's records are copied)
                    let (fold, _) = crate::fontset::split_fold(train.iter(), n);
                    let fold: Vec<InkRecord> = fold.into_iter().cloned().collect();
                    font_folds.push(write_set(&args.out_dir.join(font_fold_file(n)), &fold, 0)?);
                }
            }
            (
                Some(write_set(
                    &args.out_dir.join(crate::fontset::FONTS_FILE),
                    &eval,
                    0,
                )?),
                Some(write_set(&args.training_file, &train, 0)?),
            )
        }
        None => (None, None),
    };
    Ok(InksetSummary {
        hershey,
        mnist,
        styles,
        fonts,
        training_fonts,
        font_folds,
    })
}

/// The Hershey digit glyphs, with the data error mapped to the crate's error.
pub fn glyphs() -> Result<Vec<Glyph>> {
    hershey::digits().map_err(Error::Hershey)
}

pub(crate) fn write_set(path: &Path, records: &[InkRecord], skipped: usize) -> Result<WrittenSet> {
    let mut text = String::new();
    let mut per_label = [0usize; 10];
    for r in records {
        text.push_str(&to_line(r)?);
        text.push('\n');
        if let Some(n) = r.label.and_then(|l| per_label.get_mut(usize::from(l))) {
            *n += 1;
        }
    }
    crate::write_file(path, text.as_bytes())?;
    Ok(WrittenSet {
        path: path.to_path_buf(),
        records: records.len(),
        per_label,
        bytes: text.len(),
        skipped,
        points: mean_max(records.iter().map(|r| r.strokes.iter().map(Vec::len).sum())),
        strokes: mean_max(records.iter().map(|r| r.strokes.len())),
    })
}

/// One JSON Lines line (without the newline).
pub fn to_line(r: &InkRecord) -> Result<String> {
    serde_json::to_string(r).map_err(|source| Error::Json {
        context: "serialising an ink record".into(),
        source,
    })
}

/// Record `index` of the Hershey set: records cycle through styles and digits
/// (`index % (styles*10)`), variant `index / (styles*10)`.
pub fn hershey_record(glyphs: &[Glyph], seed: u64, index: usize) -> Result<InkRecord> {
    let g = glyphs
        .get(index % glyphs.len().max(1))
        .ok_or_else(|| Error::Config("no Hershey glyphs".into()))?;
    let mut rng = Rng::for_record(seed, SET_HERSHEY, index as u64);
    let strokes = draw(&g.strokes, &HandParams::hershey(), &mut rng);
    record(g.digit, strokes, || format!("hershey record {index}"))
}

/// The whole Hershey set: `glyphs.len() * variants` records.
pub fn hershey_records(glyphs: &[Glyph], seed: u64, variants: usize) -> Result<Vec<InkRecord>> {
    (0..glyphs.len() * variants)
        .map(|i| hershey_record(glyphs, seed, i))
        .collect()
}

/// Record for MNIST test image `index` (0.0..1.0 pixels, 28x28), or `None`
/// when its skeleton has no strokes.
pub fn mnist_record(
    pixels: &[f32],
    label: u8,
    seed: u64,
    index: usize,
) -> Result<Option<InkRecord>> {
    let side = nnet_core::SIDE;
    let s = skeleton::strokes_from_raster(pixels, side, side, &SkeletonParams::default()).map_err(
        |source| Error::Skeleton {
            context: format!("MNIST test image {index}"),
            source,
        },
    )?;
    if s.is_empty() {
        return Ok(None);
    }
    let mut rng = Rng::for_record(seed, SET_MNIST, index as u64);
    let strokes = draw(&s, &HandParams::mnist(), &mut rng);
    record(label, strokes, || format!("MNIST test image {index}")).map(Some)
}

/// Records for the first `count` images of `test`; also returns how many
/// images gave no strokes and were skipped.
pub fn mnist_records(test: &Dataset, count: usize, seed: u64) -> Result<(Vec<InkRecord>, usize)> {
    let n = count.min(test.len());
    let mut out = Vec::with_capacity(n);
    let mut skipped = 0;
    for i in 0..n {
        match mnist_record(test.image(i), test.labels[i], seed, i)? {
            Some(r) => out.push(r),
            None => skipped += 1,
        }
    }
    Ok((out, skipped))
}

pub(crate) fn record(
    label: u8,
    strokes: Vec<Vec<[f32; 2]>>,
    what: impl Fn() -> String,
) -> Result<InkRecord> {
    let points: usize = strokes.iter().map(Vec::len).sum();
    if strokes.is_empty() || strokes.len() > MAX_STROKES || points > MAX_POINTS {
        return Err(Error::Config(format!(
            "{}: {} strokes / {points} points is outside 1..={MAX_STROKES} / {MAX_POINTS}",
            what(),
            strokes.len()
        )));
    }
    Ok(InkRecord {
        label: Some(label),
        width: SURFACE,
        height: SURFACE,
        strokes,
    })
}

/// The random "hand" that draws a digit's strokes onto the surface. Ranges
/// are uniform unless noted.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct HandParams {
    /// Maximum rotation in degrees (either way).
    pub max_rotation_deg: f32,
    /// Maximum horizontal shear (x += shear * y, either way).
    pub max_shear: f32,
    /// Maximum |ln(aspect)|; width and height scale by `aspect^±1/2`.
    pub max_log_aspect: f32,
    /// Smallest and largest digit height in surface pixels (log-uniform).
    pub height_px: (f32, f32),
    /// Probability of a smooth wobble of the whole drawing.
    pub wobble_probability: f32,
    /// Wobble amplitude range as a fraction of the digit height.
    pub wobble_amplitude: (f32, f32),
    /// Distance between samples as a fraction of the digit height at full
    /// pen speed (the finger's speed / 60 Hz); per-record range.
    pub spacing: (f32, f32),
    /// Per-record range of the standard deviation of the point noise, px.
    pub jitter_px: (f32, f32),
}

impl HandParams {
    /// The hand for Hershey glyphs.
    pub fn hershey() -> Self {
        HandParams {
            max_rotation_deg: 10.0,
            max_shear: 0.25,
            max_log_aspect: 0.25,
            height_px: (40.0, 250.0),
            wobble_probability: 0.3,
            wobble_amplitude: (0.01, 0.03),
            spacing: (0.04, 0.10),
            jitter_px: (0.2, 0.6),
        }
    }

    /// The hand for MNIST skeletons: only size, position, sampling and noise.
    pub fn mnist() -> Self {
        HandParams {
            max_rotation_deg: 0.0,
            max_shear: 0.0,
            max_log_aspect: 0.0,
            height_px: (40.0, 250.0),
            wobble_probability: 0.0,
            wobble_amplitude: (0.0, 0.0),
            spacing: (0.04, 0.10),
            jitter_px: (0.2, 0.6),
        }
    }
}

/// Margin kept free at the surface edges, px.
const MARGIN: f32 = 4.0;

/// Draws `strokes` (any units, y down) with the hand onto the surface.
pub(crate) fn draw(
    strokes: &[Vec<[f32; 2]>],
    hand: &HandParams,
    rng: &mut Rng,
) -> Vec<Vec<[f32; 2]>> {
    let pts = || strokes.iter().flatten();
    let (lo, hi) = bbox(pts().copied());
    let src_h = (hi[1] - lo[1]).max(hi[0] - lo[0]).max(1e-3);
    let c = [(lo[0] + hi[0]) * 0.5, (lo[1] + hi[1]) * 0.5];

    // affine shape: rotation * shear * aspect, unit height
    let rot = rng
        .range(-hand.max_rotation_deg, hand.max_rotation_deg)
        .to_radians();
    let shear = rng.range(-hand.max_shear, hand.max_shear);
    let aspect = libm::expf(rng.range(-hand.max_log_aspect, hand.max_log_aspect)).sqrt();
    let target_h = rng.log_range(hand.height_px.0, hand.height_px.1);
    let (sin, cos) = (libm::sinf(rot), libm::cosf(rot));
    let (sx, sy) = (aspect / src_h, 1.0 / (aspect * src_h));
    let shape = |p: [f32; 2]| {
        let x = (p[0] - c[0]) * sx;
        let y = (p[1] - c[1]) * sy;
        let x = x + shear * y;
        [cos * x - sin * y, sin * x + cos * y]
    };
    // scale so the digit's *height* is target_h, but never wider/taller than
    // the surface allows
    let (slo, shi) = bbox(pts().map(|&p| shape(p)));
    let room = SURFACE - 2.0 * MARGIN - 2.0;
    let scale = (target_h / (shi[1] - slo[1]).max(1e-3))
        .min(room / (shi[0] - slo[0]).max(1e-3))
        .min(room / (shi[1] - slo[1]).max(1e-3));
    let height = (shi[1] - slo[1]) * scale;

    // wobble: a smooth displacement field
    let wobble = if rng.unit() < hand.wobble_probability {
        let a = rng.range(hand.wobble_amplitude.0, hand.wobble_amplitude.1) * height;
        let f1 = rng.range(0.5, 1.5) * std::f32::consts::TAU / height.max(1.0);
        let f2 = rng.range(0.5, 1.5) * std::f32::consts::TAU / height.max(1.0);
        let (p1, p2) = (rng.range(0.0, 6.3), rng.range(0.0, 6.3));
        Some((a, f1, f2, p1, p2))
    } else {
        None
    };
    let place = |p: [f32; 2]| {
        let q = shape(p);
        let (x, y) = (q[0] * scale, q[1] * scale);
        match wobble {
            Some((a, f1, f2, p1, p2)) => [
                x + a * libm::sinf(f1 * y + p1),
                y + a * libm::sinf(f2 * x + p2),
            ],
            None => [x, y],
        }
    };
    let placed: Vec<Vec<[f32; 2]>> = strokes
        .iter()
        .map(|s| s.iter().map(|&p| place(p)).collect())
        .collect();

    // position: anywhere the whole digit fits
    let (plo, phi) = bbox(placed.iter().flatten().copied());
    let free = |lo: f32, hi: f32| (SURFACE - 2.0 * MARGIN - (hi - lo)).max(0.0);
    let ox = MARGIN - plo[0] + rng.unit() * free(plo[0], phi[0]);
    let oy = MARGIN - plo[1] + rng.unit() * free(plo[1], phi[1]);

    // the finger: resample at 60 Hz-like spacing, add sensor noise, round
    let spacing = (rng.range(hand.spacing.0, hand.spacing.1) * height).clamp(3.0, 16.0);
    let sigma = rng.range(hand.jitter_px.0, hand.jitter_px.1);
    placed
        .iter()
        .filter(|s| !s.is_empty())
        .map(|s| {
            resample(s, spacing, rng)
                .into_iter()
                .map(|p| {
                    let x = p[0] + ox + sigma * rng.normal();
                    let y = p[1] + oy + sigma * rng.normal();
                    [round1(x.clamp(0.0, SURFACE)), round1(y.clamp(0.0, SURFACE))]
                })
                .collect()
        })
        .collect()
}

fn round1(v: f32) -> f32 {
    (v * 10.0).round() / 10.0
}

pub(crate) fn bbox(pts: impl Iterator<Item = [f32; 2]>) -> ([f32; 2], [f32; 2]) {
    let mut lo = [f32::INFINITY; 2];
    let mut hi = [f32::NEG_INFINITY; 2];
    let mut any = false;
    for p in pts {
        any = true;
        for k in 0..2 {
            lo[k] = lo[k].min(p[k]);
            hi[k] = hi[k].max(p[k]);
        }
    }
    if any {
        (lo, hi)
    } else {
        ([0.0; 2], [0.0; 2])
    }
}

/// `sqrt(x² + y²)` the same on every platform: the squares are exact in f64, and the sum
/// and the square root are correctly rounded there (IEEE 754; Rust fuses no operations),
/// then rounded to f32 (what glibc's `hypotf` computes; `f32::hypot` is the platform's own).
pub(crate) fn hypot(x: f32, y: f32) -> f32 {
    let (x, y) = (f64::from(x), f64::from(y));
    (x * x + y * y).sqrt() as f32
}

/// Samples a polyline along its length like a touch controller polling a
/// moving finger: the step is `spacing` at full speed and shrinks towards
/// the stroke ends (the pen accelerates and brakes), with ±20% irregularity.
/// The first and last points are always kept.
fn resample(s: &[[f32; 2]], spacing: f32, rng: &mut Rng) -> Vec<[f32; 2]> {
    let seg: Vec<f32> = s
        .windows(2)
        .map(|w| hypot(w[1][0] - w[0][0], w[1][1] - w[0][1]))
        .collect();
    let total: f32 = seg.iter().sum();
    let first = s[0];
    let last = s[s.len() - 1];
    if total < 1e-3 {
        return vec![first];
    }
    let mut out = vec![first];
    let at = |d: f32| -> [f32; 2] {
        let mut acc = 0.0;
        for (k, &l) in seg.iter().enumerate() {
            if acc + l >= d && l > 0.0 {
                let t = (d - acc) / l;
                let (a, b) = (s[k], s[k + 1]);
                return [a[0] + (b[0] - a[0]) * t, a[1] + (b[1] - a[1]) * t];
            }
            acc += l;
        }
        last
    };
    let mut d = 0.0f32;
    // each step advances by at least 0.32 * spacing > 0: bounded
    loop {
        let u = (d / total).clamp(0.0, 1.0);
        let speed = 0.4 + 0.6 * libm::sinf(std::f32::consts::PI * u);
        d += spacing * speed * rng.range(0.8, 1.2);
        if d >= total {
            break;
        }
        out.push(at(d));
    }
    out.push(last);
    out
}

/// SplitMix64: a tiny, fully specified generator, so the committed sets do not
/// depend on any crate's RNG algorithm staying the same.
pub(crate) struct Rng(u64);

impl Rng {
    pub(crate) fn for_record(seed: u64, set: u64, index: u64) -> Rng {
        let mut r = Rng(seed ^ set.wrapping_mul(0xA076_1D64_78BD_642F));
        let s = r.next_u64() ^ index.wrapping_mul(0xE703_7ED1_A0B4_28DB);
        Rng(s)
    }

    fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in [0, 1).
    pub(crate) fn unit(&mut self) -> f32 {
        (self.next_u64() >> 40) as f32 / (1u64 << 24) as f32
    }

    pub(crate) fn range(&mut self, lo: f32, hi: f32) -> f32 {
        lo + (hi - lo) * self.unit()
    }

    fn log_range(&mut self, lo: f32, hi: f32) -> f32 {
        libm::expf(libm::logf(lo) + (libm::logf(hi) - libm::logf(lo)) * self.unit())
    }

    /// Standard normal (Box–Muller).
    pub(crate) fn normal(&mut self) -> f32 {
        let u1 = 1.0 - self.unit(); // (0, 1]
        let u2 = self.unit();
        (-2.0 * libm::logf(u1)).sqrt() * libm::cosf(std::f32::consts::TAU * u2)
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    fn ink_dir() -> PathBuf {
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/data/ink")
    }

    /// `name` is a file of `tests/data/ink`, or a path from the repository
    /// root when it has a `/`.
    fn read_lines(name: &str) -> Vec<String> {
        let path = if name.contains('/') {
            Path::new(env!("CARGO_MANIFEST_DIR")).join("..").join(name)
        } else {
            ink_dir().join(name)
        };
        let text = std::fs::read_to_string(&path).unwrap_or_else(|e| {
            panic!(
                "{}: {e} (regenerate with `host-trainer make-inkset`)",
                path.display()
            )
        });
        text.lines().map(str::to_owned).collect()
    }

    /// Every line is an `InkRecord` on the 280x280 surface with a label, fits
    /// the core's default stroke buffer, stays on the surface and goes through
    /// the core's stroke path to a digit image; all ten classes are present.
    fn check_set(name: &str, min_records: usize) {
        let lines = read_lines(name);
        assert!(
            lines.len() >= min_records,
            "{name}: {} records",
            lines.len()
        );
        let mut per_label = [0usize; 10];
        for (k, line) in lines.iter().enumerate() {
            let r: InkRecord =
                serde_json::from_str(line).unwrap_or_else(|e| panic!("{name}:{}: {e}", k + 1));
            let label = r
                .label
                .unwrap_or_else(|| panic!("{name}:{}: no label", k + 1));
            assert!(label <= 9, "{name}:{}: label {label}", k + 1);
            per_label[usize::from(label)] += 1;
            assert_eq!((r.width, r.height), (SURFACE, SURFACE));
            for p in r.strokes.iter().flatten() {
                assert!((0.0..=SURFACE).contains(&p[0]) && (0.0..=SURFACE).contains(&p[1]));
            }
            let s = r
                .to_strokes::<MAX_POINTS, MAX_STROKES>()
                .unwrap_or_else(|e| panic!("{name}:{}: {e}", k + 1));
            let img = nnet_core::preprocess::from_strokes(&s, r.width, r.height)
                .unwrap_or_else(|e| panic!("{name}:{}: {e}", k + 1));
            assert!(
                img.is_some(),
                "{name}:{}: preprocessing says no digit",
                k + 1
            );
        }
        for (d, n) in per_label.iter().enumerate() {
            assert!(*n > 0, "{name}: no digit {d}");
        }
    }

    #[test]
    fn committed_hershey_set_is_valid_and_complete() {
        let n = hershey::STYLES.len() * 10 * InksetArgs::default().hershey_variants;
        check_set(HERSHEY_FILE, n);
        assert_eq!(read_lines(HERSHEY_FILE).len(), n);
    }

    #[test]
    fn committed_mnist_set_is_valid_and_complete() {
        check_set(MNIST_FILE, InksetArgs::default().mnist_count * 99 / 100);
    }

    #[test]
    fn hershey_set_regenerates_identically() {
        let args = InksetArgs::default();
        let g = glyphs().unwrap();
        let fresh = hershey_records(&g, args.seed, args.hershey_variants).unwrap();
        assert_regenerates(HERSHEY_FILE, &fresh, true);
    }

    /// A check that cannot run for want of `why` (data not installed) skips
    /// with a note, unless the environment variable `var` is `1` (scripts/test
    /// sets it after installing the data): then it fails.
    pub(crate) fn skip_unless_required(var: &str, check: &str, why: &dyn std::fmt::Display) {
        let required = std::env::var(var).is_ok_and(|v| v == "1");
        assert!(!required, "{var}=1 but {why}");
        crate::note(format_args!("skipping {check}: {why}"));
    }

    /// The committed file `name` is `fresh`, line by line: all of it
    /// (`whole`) or its first `fresh.len()` lines.
    pub(crate) fn assert_regenerates(name: &str, fresh: &[InkRecord], whole: bool) {
        let committed = read_lines(name);
        if whole {
            assert_eq!(committed.len(), fresh.len(), "{name}: line count");
        }
        assert!(committed.len() >= fresh.len(), "{name}: too few lines");
        for (k, (c, f)) in committed.iter().zip(fresh).enumerate() {
            assert_eq!(c, &to_line(f).unwrap(), "{name} line {} drifted", k + 1);
        }
    }

    #[test]
    fn mnist_set_regenerates_identically() {
        let args = InksetArgs::default();
        let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("..")
            .join(&args.mnist_dir);
        // The MNIST files are fetched by scripts/test before `cargo test`; a
        // checkout without them can only check the committed file (above).
        // NNET_REQUIRE_MNIST=1 (scripts/test) makes a missing MNIST a failure.
        let test = match idx::load(&dir, idx::Split::Test) {
            Ok(t) => t,
            Err(e) => {
                skip_unless_required("NNET_REQUIRE_MNIST", "the MNIST regeneration check", &e);
                return;
            }
        };
        let (fresh, _) = mnist_records(&test, 60, args.seed).unwrap();
        assert_eq!(fresh.len(), 60);
        assert_regenerates(MNIST_FILE, &fresh, false);
    }

    #[test]
    fn committed_fonts_set_is_valid_and_complete() {
        let n = crate::fontset::FONTS.len() * 10 * crate::fontset::VARIANTS;
        check_set(crate::fontset::FONTS_FILE, n);
        assert_eq!(read_lines(crate::fontset::FONTS_FILE).len(), n);
    }

    #[test]
    fn fonts_set_regenerates_identically() {
        let Some(fonts) = crate::fontset::tests::fonts_or_skip(crate::fontset::FONTS) else {
            return;
        };
        let seed = InksetArgs::default().seed;
        let fresh = crate::fontset::records(&fonts, seed, crate::fontset::VARIANTS).unwrap();
        assert_regenerates(crate::fontset::FONTS_FILE, &fresh, true);
    }

    #[test]
    fn committed_training_fonts_are_valid_and_complete() {
        let n = crate::fontset::TRAINING_FONTS.len() * 10;
        check_set(crate::fontset::TRAINING_PATH, n);
        assert_eq!(read_lines(crate::fontset::TRAINING_PATH).len(), n);
    }

    #[test]
    fn training_fonts_regenerate_identically() {
        let list = crate::fontset::TRAINING_FONTS;
        let Some(fonts) = crate::fontset::tests::fonts_or_skip(list) else {
            return;
        };
        let seed = InksetArgs::default().seed;
        let fresh = crate::fontset::training_records(&fonts, seed).unwrap();
        assert_regenerates(crate::fontset::TRAINING_PATH, &fresh, true);
    }

    #[test]
    fn records_are_independent_of_their_neighbours() {
        let g = glyphs().unwrap();
        let all = hershey_records(&g, 7, 2).unwrap();
        let one = hershey_record(&g, 7, 93).unwrap();
        assert_eq!(all[93], one);
        // another seed gives another drawing of the same glyph
        let other = hershey_record(&g, 8, 93).unwrap();
        assert_eq!(other.label, one.label);
        assert_ne!(other.strokes, one.strokes);
    }

    #[test]
    fn hand_keeps_digits_on_the_surface_at_varied_sizes() {
        let g = glyphs().unwrap();
        let mut heights = Vec::new();
        for i in 0..300 {
            let r = hershey_record(&g, 1, i).unwrap();
            let (lo, hi) = bbox(r.strokes.iter().flatten().copied());
            assert!(lo[0] >= 0.0 && lo[1] >= 0.0 && hi[0] <= SURFACE && hi[1] <= SURFACE);
            heights.push(hi[1] - lo[1]);
        }
        let min = heights.iter().copied().fold(f32::MAX, f32::min);
        let max = heights.iter().copied().fold(0.0, f32::max);
        assert!(min < 60.0 && max > 200.0, "heights {min}..{max}");
    }

    #[test]
    fn resampling_keeps_ends_and_is_denser_when_slow() {
        let mut rng = Rng(1);
        let line = [[0.0, 0.0], [100.0, 0.0]];
        let r = resample(&line, 10.0, &mut rng);
        assert_eq!(r[0], [0.0, 0.0]);
        assert_eq!(r[r.len() - 1], [100.0, 0.0]);
        assert!((9..=40).contains(&r.len()), "{}", r.len());
        let first_step = r[1][0] - r[0][0];
        let mid = r.len() / 2;
        let mid_step = r[mid + 1][0] - r[mid][0];
        assert!(first_step < mid_step, "{first_step} vs {mid_step}");
        assert_eq!(resample(&[[3.0, 3.0]], 10.0, &mut rng), vec![[3.0, 3.0]]);
    }

    #[test]
    fn written_sets_report_points_and_strokes() {
        let dir = crate::tmpdir::tmpdir("inkset");
        let rec = |strokes: Vec<Vec<[f32; 2]>>| InkRecord {
            label: Some(3),
            width: SURFACE,
            height: SURFACE,
            strokes,
        };
        let recs = [
            rec(vec![vec![[1.0, 1.0]; 3]]),
            rec(vec![vec![[1.0, 1.0]; 4], vec![[2.0, 2.0]; 2]]),
        ];
        let w = write_set(&dir.join("t.jsonl"), &recs, 0).unwrap();
        assert_eq!((w.records, w.per_label[3]), (2, 2));
        assert_eq!(w.points, (4.5, 6));
        assert_eq!(w.strokes, (1.5, 2));
    }

    #[test]
    fn rng_is_fixed() {
        // SplitMix64 reference values for state 0 (first outputs).
        let mut r = Rng(0);
        assert_eq!(r.next_u64(), 0xE220_A839_7B1D_CDAF);
        assert_eq!(r.next_u64(), 0x6E78_9E6A_A1B9_65F4);
        let mut r = Rng(5);
        for _ in 0..1000 {
            let u = r.unit();
            assert!((0.0..1.0).contains(&u));
            assert!(r.normal().is_finite());
        }
    }
}
