//! The trainer's batched forward pass (GEMM + fast sigmoid) equals the
//! core's `Mlp` forward pass within 1e-5, on logits and on probabilities.
use host_trainer::net::Params;
use nnet_core::format::OwnedMetadata;
use nnet_core::{Image, INPUT, OUTPUT};
use rand::{Rng, SeedableRng};

#[test]
fn batched_forward_matches_core() {
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(11);
    let mut p = Params::init(300, 9);
    // spread the hidden pre-activations over the sigmoid's whole range
    for w in p.w1.iter_mut() {
        *w *= 3.0;
    }
    let n = 257;
    let x: Vec<f32> = (0..n * INPUT)
        .map(|_| {
            if rng.gen_bool(0.3) {
                rng.gen_range(0.0..1.0)
            } else {
                0.0
            }
        })
        .collect();
    let z = p.logits(&x);
    let model = p.to_model(OwnedMetadata::default());
    let mlp = model.mlp::<300>().unwrap();
    let mut worst = 0.0f32;
    for (img, zt) in x.chunks_exact(INPUT).zip(z.chunks_exact(OUTPUT)) {
        let img: &Image = img.try_into().unwrap();
        let zc = mlp.logits(img).unwrap();
        let zt: &[f32; OUTPUT] = zt.try_into().unwrap();
        for k in 0..OUTPUT {
            worst = worst.max((zc[k] - zt[k]).abs());
        }
        let pc = mlp.predict(img).unwrap();
        let pt = nnet_core::model::prediction_from_logits(zt);
        for k in 0..OUTPUT {
            assert!((pc.probabilities[k] - pt.probabilities[k]).abs() < 1e-5);
        }
    }
    assert!(worst < 1e-5, "largest logit difference {worst}");
}
