//! One 784-300-10 inference, int8 against f32 (borrowed as on the board, and
//! repacked for the host by `nnet_core::packed`), in the same run:
//! `cargo bench -p nnet-core --bench quant`. The image is MNIST test image 0
//! (a real digit, so the int8 pass skips its blank pixels as it would in use).
use criterion::{black_box, criterion_group, criterion_main, Criterion};
use nnet_core::format::{OwnedMetadata, OwnedModel};
use nnet_core::packed::{PackedMlp, PackedQuantMlp};
use nnet_core::{quantizer, Image, INPUT, OUTPUT};

const H: usize = 300;
const MNIST: &[u8] = include_bytes!("../tests/data/mnist-t10k-0-4.u8");

fn weights(len: usize, seed: u32, scale: f32) -> Vec<f32> {
    let mut s = seed;
    (0..len)
        .map(|_| {
            s = s.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
            ((s >> 8) as f32 / (1u32 << 24) as f32 - 0.5) * scale
        })
        .collect()
}

fn bench(c: &mut Criterion) {
    let model = OwnedModel {
        hidden: H,
        meta: OwnedMetadata::default(),
        w1: weights(H * INPUT, 1, 0.2),
        b1: weights(H, 2, 1.0),
        w2: weights(OUTPUT * H, 3, 1.0),
        b2: weights(OUTPUT, 4, 1.0),
    };
    let q = quantizer::quantize(&model).expect("valid model");
    let f32_mlp = model.mlp::<H>().expect("valid weights");
    let int8_mlp = q.quant_mlp::<H>().expect("valid weights");
    let f32_packed = PackedMlp::new(&f32_mlp);
    let int8_packed = PackedQuantMlp::new(&int8_mlp);
    let x: Image = core::array::from_fn(|i| f32::from(MNIST[i]) / 255.0);
    let inked = MNIST[..INPUT].iter().filter(|&&p| p != 0).count();
    let mut group = c.benchmark_group(format!(
        "predict 784-300-10, MNIST image 0 ({inked} inked pixels)"
    ));
    group.bench_function("f32", |b| {
        b.iter(|| f32_mlp.predict(black_box(&x)).expect("finite input"))
    });
    group.bench_function("int8", |b| {
        b.iter(|| int8_mlp.predict(black_box(&x)).expect("finite input"))
    });
    group.bench_function("f32 packed", |b| {
        b.iter(|| f32_packed.predict(black_box(&x)).expect("finite input"))
    });
    group.bench_function("int8 packed", |b| {
        b.iter(|| int8_packed.predict(black_box(&x)).expect("finite input"))
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
