//! One 784-300-10 f32 inference on the host, the borrowed network (`Mlp`, as
//! on the board) against the repacked one (`PackedMlp`), on a dense synthetic
//! image (every pixel inked: the worst case) and on MNIST test image 0, plus
//! `PackedMlp::predict_batch` over 1,000 images:
//! `cargo bench -p nnet-core --bench inference`.
use criterion::{black_box, criterion_group, criterion_main, Criterion, Throughput};
use nnet_core::packed::PackedMlp;
use nnet_core::{Image, Mlp, INPUT, OUTPUT};

const H: usize = 300;
const MNIST: &[u8] = include_bytes!("../tests/data/mnist-t10k-0-4.u8");

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
    let packed = PackedMlp::new(&mlp);
    let dense: Image = core::array::from_fn(|i| ((i * 7) % 256) as f32 / 255.0);
    let mnist: Vec<Image> = MNIST
        .chunks_exact(INPUT)
        .map(|px| core::array::from_fn(|i| f32::from(px[i]) / 255.0))
        .collect();
    c.bench_function("predict 784-300-10 f32", |b| {
        b.iter(|| mlp.predict(black_box(&dense)).expect("finite input"))
    });
    c.bench_function("predict 784-300-10 f32 packed", |b| {
        b.iter(|| packed.predict(black_box(&dense)).expect("finite input"))
    });
    c.bench_function("predict 784-300-10 f32 MNIST image 0", |b| {
        b.iter(|| mlp.predict(black_box(&mnist[0])).expect("finite input"))
    });
    c.bench_function("predict 784-300-10 f32 packed MNIST image 0", |b| {
        b.iter(|| packed.predict(black_box(&mnist[0])).expect("finite input"))
    });
    let batch: Vec<Image> = mnist.iter().cycle().take(1000).copied().collect();
    let mut group = c.benchmark_group("predict_batch 784-300-10 f32 packed");
    group.throughput(Throughput::Elements(batch.len() as u64));
    group.bench_function("1000 MNIST images", |b| {
        b.iter(|| packed.predict_batch(black_box(&batch)))
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
