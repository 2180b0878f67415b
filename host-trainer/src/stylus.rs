//! The style set's own hand: a pen that moves in time and a digitiser that
//! samples it. It draws `tests/data/ink/styles.jsonl` ([`crate::styleset`]) and
//! nothing else, so none of the drawings `train --augment` makes passes through it
//! (a `train --ink` run given the set's own lines trains on them, as the
//! measurements of `--ink` do on purpose).
//!
//! The other hands sample a stroke by distance: [`crate::inkset`]'s (the Hershey,
//! MNIST-skeleton and handwriting-font sets, and the training digits of fonts) and
//! the writer of `train --augment` ([`crate::style::writer`]) put points a spacing
//! apart along the path, closer towards the two ends of a stroke (the first adds
//! white noise to each). This one instead
//!
//! - places the digit with a slant, a rotation and a width drawn from normal
//!   distributions (most people slant a little to the right; clamped to
//!   -0.3..0.5, ±10° and e^±0.35), a height uniform in 50–240 px, and its
//!   centre near the middle of the surface;
//! - moves the pen in time: its speed follows the two-thirds power law of
//!   handwriting movements (slower where the path bends: v ∝ r^(1/3) for a bend of
//!   radius r, up to a peak speed of 3–7 digit heights a second, reached on bends wider
//!   than the digit is high), and rises and
//!   falls at the ends of a stroke;
//! - samples the pen's position every 1/60, 1/90 or 1/120 s, as touch screens,
//!   mice and tablets report it, and drops about one report in twenty (an event
//!   the browser or the controller merged);
//! - adds tremor that drifts from one report to the next (AR(1) noise of
//!   σ = 0.3–1.0 px), not independent noise per point;
//! - reports whole pixels half the time (a mouse or a finger in CSS pixels), tenths
//!   of a pixel otherwise (a stylus).
//!
//! It shares with the other hands only the random-number generator (SplitMix64,
//! its own stream per record) and the exactly rounded helpers (`inkset::hypot`,
//! `inkset::bbox`); its maths comes from `libm`, so every platform writes the same
//! bytes.
use crate::inkset::{self, Rng, SURFACE};

/// Margin kept free at the surface edges, px.
const MARGIN: f32 = 4.0;
/// The digitiser's report rates, Hz (one is picked per drawing).
const RATES_HZ: [f32; 3] = [60.0, 90.0, 120.0];
/// Chance that a report is dropped.
const DROP: f32 = 0.05;
/// Correlation of the tremor from one report to the next.
const TREMOR_RHO: f32 = 0.8;
/// A pen never moves slower than this fraction of its peak speed.
const MIN_SPEED: f32 = 0.03;

/// Draws `strokes` (any units, y down) onto the 280x280 surface with the pen.
pub(crate) fn draw(strokes: &[Vec<[f32; 2]>], rng: &mut Rng) -> Vec<Vec<[f32; 2]>> {
    let (lo, hi) = inkset::bbox(strokes.iter().flatten().copied());
    let src = (hi[1] - lo[1]).max(hi[0] - lo[0]).max(1e-3);
    let c = [(lo[0] + hi[0]) * 0.5, (lo[1] + hi[1]) * 0.5];

    // the writer's shape: slant (x moves right as y goes up), rotation, width
    let slant = (0.12 + 0.12 * rng.normal()).clamp(-0.3, 0.5);
    let rot = (4.0 * rng.normal()).clamp(-10.0, 10.0).to_radians();
    let width = libm::expf((0.12 * rng.normal()).clamp(-0.35, 0.35));
    let (sin, cos) = (libm::sinf(rot), libm::cosf(rot));
    let shape = |p: [f32; 2]| {
        let y = (p[1] - c[1]) / src;
        let x = (p[0] - c[0]) / src * width - slant * y;
        [cos * x - sin * y, sin * x + cos * y]
    };
    let (slo, shi) = inkset::bbox(strokes.iter().flatten().map(|&p| shape(p)));
    let room = SURFACE - 2.0 * MARGIN - 2.0;
    let (w, h) = ((shi[0] - slo[0]).max(1e-3), (shi[1] - slo[1]).max(1e-3));
    let scale = (rng.range(50.0, 240.0) / h).min(room / w).min(room / h);
    let height = h * scale;

    // where: the centre near the middle, the whole digit on the surface
    let centre = |lo: f32, hi: f32, sd: f32, n: f32| {
        let half = (hi - lo) * scale * 0.5;
        let mid = SURFACE * 0.5 + sd * n;
        mid.clamp(MARGIN + half, SURFACE - MARGIN - half) - (lo + hi) * 0.5 * scale
    };
    let ox = centre(slo[0], shi[0], 30.0, rng.normal());
    let oy = centre(slo[1], shi[1], 25.0, rng.normal());
    let place = |p: [f32; 2]| {
        let q = shape(p);
        [q[0] * scale + ox, q[1] * scale + oy]
    };

    // the pen and the digitiser
    let peak = height * rng.range(3.0, 7.0); // px per second
    let rate = RATES_HZ[((rng.unit() * RATES_HZ.len() as f32) as usize).min(RATES_HZ.len() - 1)];
    let sigma = rng.range(0.3, 1.0);
    let per_px = if rng.unit() < 0.5 { 1.0 } else { 10.0 };
    let mut tremor = [0.0f32; 2];
    let keep = libm::sqrtf(1.0 - TREMOR_RHO * TREMOR_RHO);
    strokes
        .iter()
        .filter(|s| !s.is_empty())
        .map(|s| {
            let path: Vec<[f32; 2]> = s.iter().map(|&p| place(p)).collect();
            trace(&path, peak, rate, height, rng)
                .into_iter()
                .map(|p| {
                    for e in tremor.iter_mut() {
                        *e = TREMOR_RHO * *e + keep * sigma * rng.normal();
                    }
                    [
                        quantise(p[0] + tremor[0], per_px),
                        quantise(p[1] + tremor[1], per_px),
                    ]
                })
                .collect()
        })
        .collect()
}

/// Rounds to `1 / per_px` of a pixel, on the surface.
fn quantise(v: f32, per_px: f32) -> f32 {
    (v.clamp(0.0, SURFACE) * per_px).round() / per_px
}

/// `path` resampled every pixel of its length (at least its two ends).
fn even(path: &[[f32; 2]]) -> Vec<[f32; 2]> {
    let mut out = vec![path[0]];
    let mut carried = 0.0f32; // length walked since the last point
    for w in path.windows(2) {
        let (a, b) = (w[0], w[1]);
        let l = inkset::hypot(b[0] - a[0], b[1] - a[1]);
        let mut at = 1.0 - carried;
        while at <= l {
            let t = at / l;
            out.push([a[0] + (b[0] - a[0]) * t, a[1] + (b[1] - a[1]) * t]);
            at += 1.0;
        }
        carried = l - (at - 1.0);
    }
    let last = path[path.len() - 1];
    if out.len() < 2 || out[out.len() - 1] != last {
        out.push(last);
    }
    out
}

/// The pen's positions along `path` (surface px) at the digitiser's reports.
fn trace(path: &[[f32; 2]], peak: f32, rate: f32, height: f32, rng: &mut Rng) -> Vec<[f32; 2]> {
    let p = even(path);
    let n = p.len();
    let total = (n - 1) as f32; // one pixel per step (the last may be shorter)
    if n < 3 {
        return p;
    }
    // speed at every pixel: the power law at the bend there, times the ramps at the ends
    // the bend is measured over a few hundredths of the height either side
    let window = (0.04 * height).max(3.0) as usize;
    let ramp = (0.2 * total).min(0.25 * height).max(1.0);
    let speed: Vec<f32> = (0..n)
        .map(|k| {
            let (a, b) = (k.saturating_sub(window), (k + window).min(n - 1));
            let (u, v) = (
                [p[k][0] - p[a][0], p[k][1] - p[a][1]],
                [p[b][0] - p[k][0], p[b][1] - p[k][1]],
            );
            let turn = libm::atan2f((u[0] * v[1] - u[1] * v[0]).abs(), u[0] * v[0] + u[1] * v[1]);
            // on an arc, the two chords' directions differ by half the arc's turn: this
            // is twice the radius of a circle through the window (its diameter), so the
            // pen reaches its peak on bends whose diameter is at least the height
            let radius = if a < k && k < b && turn > 1e-4 {
                (b - a) as f32 / turn
            } else {
                f32::INFINITY
            };
            let bend = libm::cbrtf(radius / height).min(1.0);
            let d = (k as f32).min(total - k as f32).max(0.0);
            let x = (d / ramp).min(1.0);
            let ends = 0.2 + 0.8 * x * x * (3.0 - 2.0 * x);
            (peak * bend * ends).max(MIN_SPEED * peak)
        })
        .collect();
    let at = |s: f32| -> [f32; 2] {
        let k = (s as usize).min(n - 2);
        let t = (s - k as f32).clamp(0.0, 1.0);
        let (a, b) = (p[k], p[k + 1]);
        [a[0] + (b[0] - a[0]) * t, a[1] + (b[1] - a[1]) * t]
    };
    let mut out = vec![p[0]];
    let mut s = 0.0f32;
    let v = |s: f32| speed[(s as usize).min(n - 1)];
    // each report moves the pen by at least MIN_SPEED * peak / rate > 0: bounded
    loop {
        // the speed half-way through the interval
        s += v(s + 0.5 * v(s) / rate) / rate;
        if s >= total {
            break;
        }
        if rng.unit() >= DROP {
            out.push(at(s));
        }
    }
    out.push(p[n - 1]);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spacing(s: &[[f32; 2]]) -> Vec<f32> {
        s.windows(2)
            .map(|w| inkset::hypot(w[1][0] - w[0][0], w[1][1] - w[0][1]))
            .collect()
    }

    #[test]
    fn even_resampling_keeps_the_ends_and_steps_a_pixel() {
        let e = even(&[[0.0, 0.0], [2.5, 0.0], [2.5, 3.0]]);
        assert_eq!(e.first(), Some(&[0.0, 0.0]));
        assert_eq!(e.last(), Some(&[2.5, 3.0]));
        let d = spacing(&e);
        assert!(d[..d.len() - 1].iter().all(|&d| d <= 1.0 + 1e-5), "{d:?}");
        assert_eq!(
            e.len(),
            7,
            "5.5 px of path: 5 whole steps and the end: {e:?}"
        );
    }

    /// The pen slows where the path bends: reports crowd at an L's corner and spread
    /// along its straight legs; and they come every 1/rate s, so a faster pen or a
    /// slower digitiser gives fewer of them.
    #[test]
    fn reports_crowd_at_bends_and_follow_the_speed() {
        let l = [[0.0, 0.0], [0.0, 150.0], [150.0, 150.0]];
        let mut rng = Rng::for_record(1, 99, 0);
        let pts = trace(&l, 600.0, 120.0, 150.0, &mut rng);
        let near = |p: &[f32; 2], q: [f32; 2], r: f32| inkset::hypot(p[0] - q[0], p[1] - q[1]) < r;
        let at_corner = pts.iter().filter(|p| near(p, [0.0, 150.0], 6.0)).count();
        let mid_leg = pts.iter().filter(|p| near(p, [0.0, 75.0], 6.0)).count();
        assert!(
            at_corner >= 2 * mid_leg,
            "corner {at_corner}, leg {mid_leg}: {pts:?}"
        );
        assert_eq!(pts.first(), Some(&[0.0, 0.0]));
        assert_eq!(pts.last(), Some(&[150.0, 150.0]));
        let fast = trace(&l, 1200.0, 120.0, 150.0, &mut Rng::for_record(1, 99, 0)).len();
        let coarse = trace(&l, 600.0, 60.0, 150.0, &mut Rng::for_record(1, 99, 0)).len();
        let n = pts.len() as f32;
        for (what, m) in [("twice the speed", fast), ("half the rate", coarse)] {
            assert!(
                (m as f32 - n / 2.0).abs() < 0.2 * n,
                "{what}: {m} reports, {n} before"
            );
        }
    }

    /// Every drawing is whole on the surface at a height of 50–240 px (give or
    /// take the tremor), small and large ones both occur, its points are whole
    /// pixels or tenths, and both kinds of digitiser occur.
    #[test]
    fn drawings_stay_on_the_surface_in_pixels_or_tenths() {
        let stroke = vec![vec![[0.0, 0.0], [30.0, 100.0], [60.0, 0.0]]];
        let (mut whole, mut tenths, mut small, mut large) = (0, 0, 0, 0);
        for i in 0..200 {
            let d = draw(&stroke, &mut Rng::for_record(7, 99, i));
            let pts: Vec<[f32; 2]> = d.into_iter().flatten().collect();
            assert!(pts.len() >= 10, "{i}: {pts:?}");
            // (the tremor's σ is at most 1 px: 5 px is far out in its tail)
            let (lo, hi) = inkset::bbox(pts.iter().copied());
            let height = hi[1] - lo[1];
            assert!((45.0..=245.0).contains(&height), "{i}: height {height}");
            small += usize::from(height < 100.0);
            large += usize::from(height > 200.0);
            for k in 0..2 {
                assert!(
                    lo[k] >= MARGIN - 5.0 && hi[k] <= SURFACE - MARGIN + 5.0,
                    "{i}: {lo:?} {hi:?}"
                );
            }
            let int = |v: f32| v == v.round();
            let tenth = |v: f32| (v * 10.0 - (v * 10.0).round()).abs() < 1e-3;
            assert!(pts.iter().flatten().all(|&v| tenth(v)), "{i}");
            if pts.iter().flatten().all(|&v| int(v)) {
                whole += 1;
            } else {
                tenths += 1;
            }
        }
        assert!(whole > 60 && tenths > 60, "whole {whole}, tenths {tenths}");
        assert!(small > 20 && large > 20, "small {small}, large {large}");
    }

    #[test]
    fn tremor_drifts_between_reports() {
        // a straight line drawn many times: the offsets from it, one report to the next,
        // are correlated (independent noise would give about 0)
        let stroke = vec![vec![[0.0, 0.0], [0.0, 100.0]]];
        let (mut sxy, mut sxx) = (0.0f64, 0.0f64);
        for i in 0..100 {
            let d = draw(&stroke, &mut Rng::for_record(3, 99, i));
            let pts = &d[0];
            // distance from the chord through the ends
            let (a, b) = (pts[0], pts[pts.len() - 1]);
            let len = inkset::hypot(b[0] - a[0], b[1] - a[1]);
            let off: Vec<f64> = pts
                .iter()
                .map(|p| {
                    f64::from(((p[0] - a[0]) * (b[1] - a[1]) - (p[1] - a[1]) * (b[0] - a[0])) / len)
                })
                .collect();
            let m = off.iter().sum::<f64>() / off.len() as f64;
            for w in off.windows(2) {
                sxy += (w[0] - m) * (w[1] - m);
                sxx += (w[0] - m) * (w[0] - m);
            }
        }
        let r = sxy / sxx;
        assert!(r > 0.4, "lag-1 correlation {r}");
    }
}
