//! The repacked host networks (`nnet_core::packed`) give the very bits of the
//! borrowed ones: the golden files, MNIST digits, odd hidden sizes, and
//! random sparse inputs with negative zeros, saturating and non-finite pixels.
use nnet_core::format::{OwnedMetadata, OwnedModel};
use nnet_core::packed::{PackedMlp, PackedQuantMlp};
use nnet_core::{quantizer, Error, Image, Prediction, INPUT, OUTPUT};
use proptest::prelude::*;

#[path = "support/golden_net.rs"]
#[allow(dead_code)] // each user takes what it needs
mod golden_net;

const MNIST: &[u8] = include_bytes!("data/mnist-t10k-0-4.u8");

fn model(h: usize, seed: u32) -> OwnedModel {
    let mut g = golden_net::Lcg(seed);
    let mut w = |n: usize, scale: f32| {
        let mut v = vec![0.0; n];
        g.fill(&mut v, scale);
        v
    };
    OwnedModel {
        hidden: h,
        meta: OwnedMetadata::default(),
        w1: w(h * INPUT, 0.2),
        b1: w(h, 1.0),
        w2: w(OUTPUT * h, 1.0),
        b2: w(OUTPUT, 1.0),
    }
}

fn mnist_images() -> Vec<Image> {
    MNIST
        .chunks_exact(INPUT)
        .map(|px| core::array::from_fn(|i| f32::from(px[i]) / 255.0))
        .collect()
}

type Answer = Result<Prediction, Error>;

/// Bit-level equality of two answers (`PartialEq` on f32 would let -0 == +0 pass).
fn same(a: &Answer, b: &Answer) -> bool {
    match (a, b) {
        (Ok(a), Ok(b)) => {
            a.digit == b.digit
                && a.probabilities
                    .iter()
                    .zip(&b.probabilities)
                    .all(|(x, y)| x.to_bits() == y.to_bits())
        }
        (Err(a), Err(b)) => a == b,
        _ => false,
    }
}

/// Checks the packed f32 and int8 networks of hidden size `H` against the
/// borrowed ones on `inputs`, one at a time and as a batch.
fn check<const H: usize>(m: &OwnedModel, inputs: &[Image]) {
    let mlp = m.mlp::<H>().unwrap();
    let packed = PackedMlp::new(&mlp);
    let q = quantizer::quantize(m).unwrap();
    let qmlp = q.quant_mlp::<H>().unwrap();
    let qpacked = PackedQuantMlp::new(&qmlp);
    let batch = packed.predict_batch(inputs);
    let qbatch = qpacked.predict_batch(inputs);
    assert_eq!(batch.len(), inputs.len());
    assert_eq!(qbatch.len(), inputs.len());
    for (n, x) in inputs.iter().enumerate() {
        let want = mlp.predict(x);
        assert!(same(&packed.predict(x), &want), "f32 H={H} input {n}");
        assert!(same(&batch[n], &want), "f32 batch H={H} input {n}");
        assert_eq!(packed.logits(x), mlp.logits(x));
        let want = qmlp.predict(x);
        assert!(same(&qpacked.predict(x), &want), "int8 H={H} input {n}");
        assert!(same(&qbatch[n], &want), "int8 batch H={H} input {n}");
    }
}

/// The golden files of `tests/forward.rs` and `tests/quant.rs`, answered by
/// the packed networks.
#[cfg(not(feature = "micromath"))]
#[test]
fn golden_bits() {
    use golden_net::H;
    let m = golden_net::model();
    let packed = PackedMlp::new(&m.mlp::<H>().unwrap());
    let inputs = golden_net::inputs();
    let lines: Vec<String> = packed
        .predict_batch(&inputs)
        .iter()
        .map(|p| golden_net::line(p.as_ref().unwrap()))
        .collect();
    golden_net::check("forward-golden.txt", &lines);

    let q = quantizer::quantize(&m).unwrap();
    let qpacked = PackedQuantMlp::new(&q.quant_mlp::<H>().unwrap());
    let want = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/data/quant-golden.txt"
    ))
    .unwrap();
    for (x, line) in inputs.iter().zip(want.lines().skip(1)) {
        assert_eq!(golden_net::line(&qpacked.predict(x).unwrap()), line);
    }
}

#[test]
fn mnist_digits_and_golden_inputs() {
    let mut inputs = mnist_images();
    inputs.extend(golden_net::inputs());
    // a blank image and a dense one
    inputs.push([0.0; INPUT]);
    inputs.push(core::array::from_fn(|i| ((i * 7) % 256) as f32 / 255.0));
    check::<300>(&model(300, 5), &inputs);
}

#[test]
fn hidden_sizes_that_leave_partial_blocks() {
    let inputs = mnist_images();
    check::<1>(&model(1, 7), &inputs);
    check::<13>(&model(13, 8), &inputs);
    check::<64>(&model(64, 9), &inputs);
    check::<65>(&model(65, 10), &inputs);
}

#[test]
fn bad_input_gives_the_same_errors() {
    let m = model(20, 11);
    let mut x = mnist_images()[0];
    x[300] = f32::NAN;
    x[301] = f32::INFINITY;
    let mut y = mnist_images()[1];
    y[0] = f32::MAX; // finite: saturates the f32 sum, clamps in int8
    y[1] = -3.0;
    check::<20>(&m, &[x, y]);
    let p = PackedMlp::new(&m.mlp::<20>().unwrap());
    assert_eq!(p.predict(&x), Err(Error::NonFiniteInput));
}

fn sparse_image() -> impl Strategy<Value = Image> {
    // pixels: mostly +0, some -0, ink in 0..1, a few outside 0..1
    let pixel = prop_oneof![
        6 => Just(0.0f32),
        1 => Just(-0.0f32),
        3 => 0.0f32..1.0,
        1 => -2.0f32..2.0,
    ];
    proptest::collection::vec(pixel, INPUT).prop_map(|v| core::array::from_fn(|i| v[i]))
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]
    #[test]
    fn same_bits_on_random_sparse_images(x in sparse_image(), seed in 0u32..1000) {
        check::<24>(&model(24, seed), &[x]);
    }
}
