//! The handwriting-style evaluation set (`tests/data/ink/styles.jsonl`):
//! digits in the styles MNIST barely contains (the flagged and continental 1,
//! the crossed and hooked 7, the open 4, the 9 with a straight stem, a flat
//! or an open loop, the looped 2, the flat-topped 3, ...) next to ordinary
//! ones, drawn from hand-authored stroke templates.
//!
//! Its shapes share nothing with the training distribution
//! ([`crate::style`] edits MNIST skeletons): every drawing starts from one of
//! the [`TEMPLATES`] below, written by hand as control points in a 100x100
//! box (y down), gets its own jitter (every control point moved by a
//! Gaussian of 2–5 units, every stroke of a multi-stroke template by
//! another of 2.5), is smoothed by a Catmull–Rom spline through the points
//! (a `*` after a point makes it a corner), and is then drawn on the 280x280
//! surface by the set's own hand ([`crate::stylus`]: a pen moving in time,
//! sampled by a digitiser), which draws none of the drawings `train --augment`
//! makes.
//!
//! Record `i` is template `i % TEMPLATES.len()`, variant `i / TEMPLATES.len()`,
//! drawn from its own SplitMix64 stream seeded by `(seed, set, i)`.
use nnet_core::ink::InkRecord;

use crate::inkset::{self, Rng};
use crate::stylus;
use crate::{Error, Result};

/// File name of the style set.
pub const STYLES_FILE: &str = "styles.jsonl";
/// Stream id of this set (the Hershey and MNIST sets use 1 and 2).
const SET_STYLES: u64 = 3;

/// The templates: `digit style | stroke ; stroke ...`, each stroke a list
/// of `x,y` control points in a 100x100 box, y down; `*` marks a corner.
pub const TEMPLATES: &str = "\
0 oval | 50,4 30,12 20,40 24,75 45,96 68,88 78,55 74,20 50,4
0 tail | 58,10 40,6 24,22 20,55 30,88 52,96 72,82 78,48 70,16 52,6 38,12
0 narrow-slanted | 60,4 44,14 34,45 32,80 42,96 56,90 66,58 70,22 60,4
0 open-top | 62,8 44,5 26,22 20,55 30,88 52,96 72,82 78,48 72,20
1 stick | 52,4 50,50 48,96
1 flag | 32,28 54,4* 50,96
1 continental | 20,52 36,30 56,4* 54,96
1 flag-base | 34,24 54,4* 54,94 ; 30,96 78,96
1 base | 50,4 50,96 ; 32,96 68,96
1 short-flag | 42,14 56,4* 55,96
2 plain | 18,26 30,8 55,3 76,14 78,36 62,58 18,96* 84,96
2 loop | 20,24 34,7 58,4 76,16 74,40 50,66 26,88 14,92 12,82 22,78 32,88 40,96 84,95
2 angular | 18,18 48,4* 78,22 60,52 20,96* 82,96
2 curly-base | 18,24 34,6 60,4 76,18 72,42 44,70 20,94 34,86 54,92 70,97 84,90
3 round | 20,14 42,3 68,8 76,26 62,44 42,48* 66,52 80,70 72,90 46,98 18,88
3 flat-top | 20,5 78,5* 44,40* 70,48 82,68 72,90 46,98 18,88
3 two-strokes | 18,16 40,3 66,8 74,26 58,44 44,48 ; 46,48 68,54 80,72 70,92 44,98 18,86
4 closed | 66,96 66,4* 14,66* 86,66
4 open | 28,4 18,62* 86,62 ; 64,22 64,96
4 open-slanted | 40,4 16,60* 84,60 ; 66,8 62,96
4 open-tall-stem | 24,18 20,58* 82,58 ; 62,2 62,96
5 flag-last | 28,6 24,44* 46,38 70,48 78,70 66,90 42,97 18,88 ; 28,6 76,6
5 one-stroke | 76,4 30,4* 26,44* 48,38 72,50 76,72 62,92 38,96 18,86
5 sharp | 74,6 30,6* 26,46* 60,42 78,62 70,88 44,98 20,90
6 round | 68,6 44,12 26,36 18,66 28,90 50,97 72,86 76,66 62,52 40,52 22,66
6 straight | 64,3 24,64 22,82 34,96 58,96 72,80 66,62 46,56 26,66
6 small-loop | 58,2 36,40 28,70 34,92 54,96 68,84 64,68 46,64 30,74
7 plain | 16,8 84,8* 40,96
7 crossed | 16,8 84,8* 42,96 ; 36,54 76,52
7 hooked | 16,24 16,8* 84,8* 42,96
7 hooked-crossed | 18,22 18,6* 82,8* 46,96 ; 38,50 78,50
7 curved | 14,10 84,6* 62,40 52,96
7 curved-crossed | 14,10 84,6* 62,40 52,96 ; 44,52 82,48
8 one-stroke | 70,14 50,3 28,14 30,34 50,48 72,64 76,84 52,97 26,86 28,64 50,48 70,32 70,14
8 snowman | 50,4 32,14 32,36 50,46 68,36 68,14 50,4 ; 50,46 26,58 22,82 48,96 74,84 72,58 50,46
8 s-and-back | 76,10 50,3 26,14 34,36 70,64 70,88 48,98 24,88 26,66 70,32 74,12
9 round | 74,24 58,6 32,8 20,26 30,44 54,46 74,30* 74,60 68,96
9 straight | 74,26 58,6 32,8 20,26 30,44 54,46 74,32* 74,96
9 open-loop | 72,18 56,6 32,8 20,26 32,42 50,44 ; 76,10 76,96
9 flat-loop | 78,30 60,16 32,14 20,24 30,36 56,38 78,30* 76,96
9 hooked-stem | 74,24 58,6 32,8 20,26 30,44 54,46 74,30* 72,80 60,96 42,92
9 q-like | 76,4 76,96 ; 76,22 58,6 32,8 20,26 30,44 54,46 76,36
";

/// One parsed template.
#[derive(Debug, Clone, PartialEq)]
pub struct Template {
    /// The digit.
    pub digit: u8,
    /// Style name.
    pub style: String,
    /// Strokes of `(point, is_corner)`.
    pub strokes: Vec<Vec<([f32; 2], bool)>>,
}

/// Parses [`TEMPLATES`].
pub fn templates() -> Result<Vec<Template>> {
    let bad = |n: usize, m: &str| Error::Config(format!("style template {}: {m}", n + 1));
    TEMPLATES
        .lines()
        .enumerate()
        .filter(|(_, l)| !l.trim().is_empty())
        .map(|(n, line)| {
            let (head, body) = line.split_once('|').ok_or_else(|| bad(n, "no '|'"))?;
            let mut h = head.split_whitespace();
            let digit: u8 = h
                .next()
                .and_then(|d| d.parse().ok())
                .filter(|d| *d <= 9)
                .ok_or_else(|| bad(n, "no digit"))?;
            let style = h.next().ok_or_else(|| bad(n, "no style"))?.to_string();
            let strokes = body
                .split(';')
                .map(|s| {
                    s.split_whitespace()
                        .map(|p| {
                            let corner = p.ends_with('*');
                            let (x, y) = p
                                .trim_end_matches('*')
                                .split_once(',')
                                .ok_or_else(|| bad(n, "point without ','"))?;
                            let x: f32 = x.parse().map_err(|_| bad(n, "bad x"))?;
                            let y: f32 = y.parse().map_err(|_| bad(n, "bad y"))?;
                            Ok(([x, y], corner))
                        })
                        .collect::<Result<Vec<_>>>()
                })
                .collect::<Result<Vec<_>>>()?;
            if strokes.iter().any(|s| s.len() < 2) {
                return Err(bad(n, "a stroke needs two points"));
            }
            Ok(Template {
                digit,
                style,
                strokes,
            })
        })
        .collect()
}

/// Catmull–Rom spline through `pts` (8 points per segment), restarting at
/// corners so they stay sharp.
fn smooth(pts: &[([f32; 2], bool)]) -> Vec<[f32; 2]> {
    let mut out: Vec<[f32; 2]> = Vec::new();
    let mut start = 0;
    while start + 1 < pts.len() {
        let mut end = start + 1;
        while end + 1 < pts.len() && !pts[end].1 {
            end += 1;
        }
        let run: Vec<[f32; 2]> = pts[start..=end].iter().map(|p| p.0).collect();
        for i in 0..run.len() - 1 {
            let p0 = if i > 0 { run[i - 1] } else { run[i] };
            let (p1, p2) = (run[i], run[i + 1]);
            let p3 = if i + 2 < run.len() {
                run[i + 2]
            } else {
                run[i + 1]
            };
            let first = if out.is_empty() { 0 } else { 1 };
            for k in first..=8 {
                let t = k as f32 / 8.0;
                let (t2, t3) = (t * t, t * t * t);
                let f = |a: f32, b: f32, c: f32, d: f32| {
                    0.5 * (2.0 * b
                        + (c - a) * t
                        + (2.0 * a - 5.0 * b + 4.0 * c - d) * t2
                        + (3.0 * b - a - 3.0 * c + d) * t3)
                };
                out.push([f(p0[0], p1[0], p2[0], p3[0]), f(p0[1], p1[1], p2[1], p3[1])]);
            }
        }
        start = end;
    }
    out
}

/// Record `index` of the style set.
pub fn style_record(templates: &[Template], seed: u64, index: usize) -> Result<InkRecord> {
    let t = templates
        .get(index % templates.len().max(1))
        .ok_or_else(|| Error::Config("no style templates".into()))?;
    let mut rng = Rng::for_record(seed, SET_STYLES, index as u64);
    let sigma = rng.range(2.0, 5.0);
    let strokes: Vec<Vec<[f32; 2]>> = t
        .strokes
        .iter()
        .map(|s| {
            let off = if t.strokes.len() > 1 {
                [2.5 * rng.normal(), 2.5 * rng.normal()]
            } else {
                [0.0, 0.0]
            };
            let jittered: Vec<([f32; 2], bool)> = s
                .iter()
                .map(|&(p, c)| {
                    (
                        [
                            p[0] + off[0] + sigma * rng.normal(),
                            p[1] + off[1] + sigma * rng.normal(),
                        ],
                        c,
                    )
                })
                .collect();
            smooth(&jittered)
        })
        .collect();
    let drawn = stylus::draw(&strokes, &mut rng);
    inkset::record(t.digit, drawn, || format!("style record {index}"))
}

/// The whole set: `templates.len() * variants` records.
pub fn style_records(templates: &[Template], seed: u64, variants: usize) -> Result<Vec<InkRecord>> {
    (0..templates.len() * variants)
        .map(|i| style_record(templates, seed, i))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn templates_parse_and_cover_every_digit() {
        let t = templates().unwrap();
        for d in 0..10 {
            assert!(t.iter().any(|t| t.digit == d), "no template for {d}");
        }
        assert!(t.iter().all(|t| t
            .strokes
            .iter()
            .flatten()
            .all(|(p, _)| { (0.0..=100.0).contains(&p[0]) && (0.0..=100.0).contains(&p[1]) })));
    }

    #[test]
    fn corners_stay_sharp_and_curves_pass_through_their_points() {
        let s = smooth(&[
            ([0.0, 0.0], false),
            ([10.0, 0.0], true),
            ([10.0, 10.0], false),
        ]);
        assert!(s.contains(&[10.0, 0.0]));
        assert_eq!(s.first(), Some(&[0.0, 0.0]));
        assert_eq!(s.last(), Some(&[10.0, 10.0]));
        // no point of a corner's two straight runs leaves the lines
        assert!(s
            .iter()
            .all(|p| p[1].abs() < 1e-4 || (p[0] - 10.0).abs() < 1e-4));
    }

    #[test]
    fn committed_style_set_regenerates_identically() {
        let t = templates().unwrap();
        let args = crate::inkset::InksetArgs::default();
        let fresh = style_records(&t, args.seed, args.style_variants).unwrap();
        crate::inkset::tests::assert_regenerates(STYLES_FILE, &fresh, true);
    }
}
