//! One 784-300-10 inference on the host: `cargo bench -p nnet-core --bench inference`.
use criterion::{black_box, criterion_group, criterion_main, Criterion};
use nnet_core::{Mlp, INPUT, OUTPUT};

const H: usize = 300;

fn weights(len: usize, seed: u32) -> Vec<f32> {
    let mut s = seed;
    (0..len)
        .map(|_| {
            s = s.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
            ((s >> 8) as f32 / (1u32 << 24) as f32 - 0.5) * 0.1
        })
        .collect()
}

fn bench(c: &mut Criterion) {
    let (w1, b1, w2, b2) = (
        weights(H * INPUT, 1),
        weights(H, 2),
        weights(OUTPUT * H, 3),
        weights(OUTPUT, 4),
    );
    let mlp = Mlp::<H>::from_slices(&w1, &b1, &w2, &b2).expect("valid weights");
    let x: [f32; INPUT] = core::array::from_fn(|i| ((i * 7) % 256) as f32 / 255.0);
    c.bench_function("predict 784-300-10 f32", |b| {
        b.iter(|| mlp.predict(black_box(&x)).expect("finite input"))
    });
}

criterion_group!(benches, bench);
criterion_main!(benches);
