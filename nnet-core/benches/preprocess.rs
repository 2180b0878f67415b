//! Preprocessing cost on the host: `cargo bench -p nnet-core --bench preprocess`.
//!
//! * stroke path: a hand-drawn-like "2" (arc + two lines, 261 points
//!   sampled every 2 surface pixels on a 280x280 surface);
//! * raster path: the same digit as a 280x280 canvas and as a 28x28 image.
use std::f32::consts::PI;

use criterion::{black_box, criterion_group, criterion_main, Criterion};
use nnet_core::ink::Strokes;
use nnet_core::preprocess::{from_raster, from_strokes};

/// A "2" on a 280x280 surface: top arc, diagonal, base line, one point every ~2 px.
fn two() -> Strokes {
    let mut pts: Vec<[f32; 2]> = (0..=100)
        .map(|i| {
            let a = (190.0 + 200.0 * i as f32 / 100.0) * PI / 180.0;
            [140.0 + 60.0 * a.cos(), 90.0 + 55.0 * a.sin()]
        })
        .collect();
    let mut line = |from: [f32; 2], to: [f32; 2]| {
        let n = 80;
        for i in 1..=n {
            let t = i as f32 / n as f32;
            pts.push([
                from[0] + (to[0] - from[0]) * t,
                from[1] + (to[1] - from[1]) * t,
            ]);
        }
    };
    let end = [
        140.0 + 60.0 * (30.0f32 * PI / 180.0).cos(),
        90.0 + 55.0 * 0.5,
    ];
    line(end, [76.0, 250.0]);
    line([76.0, 250.0], [210.0, 250.0]);
    let mut s = Strokes::new();
    s.push_stroke(&pts).expect("fits the default capacity");
    s
}

/// The strokes drawn with a fat round brush onto a `side` x `side` canvas
/// whose coordinates are the surface's scaled by `side / 280`.
fn canvas(s: &Strokes, side: usize, brush: f32) -> Vec<f32> {
    let k = side as f32 / 280.0;
    let mut px = vec![0.0f32; side * side];
    for stroke in s.strokes() {
        for p in stroke {
            let (cx, cy) = (p[0] * k, p[1] * k);
            for (i, v) in px.iter_mut().enumerate() {
                let (x, y) = ((i % side) as f32 - cx, (i / side) as f32 - cy);
                if x * x + y * y <= brush * brush {
                    *v = 1.0;
                }
            }
        }
    }
    px
}

fn bench(c: &mut Criterion) {
    let s = two();
    c.bench_function("from_strokes 280x280 \"2\" (261 points)", |b| {
        b.iter(|| from_strokes(black_box(&s), 280.0, 280.0).expect("valid"))
    });
    let big = canvas(&s, 280, 10.0);
    c.bench_function("from_raster 280x280", |b| {
        b.iter(|| from_raster(black_box(&big), 280, 280).expect("valid"))
    });
    let small = canvas(&s, 28, 1.2);
    c.bench_function("from_raster 28x28", |b| {
        b.iter(|| from_raster(black_box(&small), 28, 28).expect("valid"))
    });
}

criterion_group!(benches, bench);
criterion_main!(benches);
