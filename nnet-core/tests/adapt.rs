//! Learning from one correction (`nnet_core::adapt`): a fresh adapted network
//! answers like the network it wraps, the step follows its documented order
//! bit for bit, a correction makes the drawing answer its label, errors
//! change nothing, model files written from an adapted network answer like
//! it, and the golden files pin the bits (the same files the wasm32 and
//! Cortex-M4F checks compare against).
use nnet_core::adapt::{AdaptConfig, AdaptedMlp, AdaptedQuantMlp, OutputLayer, MAX_STEPS};
use nnet_core::format::{ModelView, OwnedMetadata, OwnedModel, OwnedQuantModel};
use nnet_core::{model, quant, quantizer, Error, INPUT, OUTPUT};

#[path = "support/golden_net.rs"]
#[allow(dead_code)] // each user takes what it needs
mod golden_net;
use golden_net::H;

#[test]
fn fresh_networks_answer_like_the_originals_bit_for_bit() {
    let m = golden_net::model();
    let mlp = m.mlp::<H>().unwrap();
    let adapted = AdaptedMlp::new(mlp);
    let q = quantizer::quantize(&m).unwrap();
    let qmlp = q.quant_mlp::<H>().unwrap();
    let qadapted = AdaptedQuantMlp::new(qmlp);
    for x in golden_net::inputs() {
        assert_eq!(adapted.predict(&x).unwrap(), mlp.predict(&x).unwrap());
        assert_eq!(qadapted.predict(&x).unwrap(), qmlp.predict(&x).unwrap());
        // a fresh int8 network answers through the integer output layer; its
        // f32 RAM copy, used from the first correction on, gives the same bits
        let mut hidden = [0u8; H];
        let answer = qadapted.predict_with_hidden(&x, &mut hidden).unwrap();
        let h: [f32; H] = core::array::from_fn(|j| f32::from(hidden[j]));
        let layer = qadapted.output().logits(&h).unwrap();
        let int = qmlp.logits_from_hidden(&hidden).unwrap();
        assert_eq!(layer.map(f32::to_bits), int.map(f32::to_bits));
        assert_eq!(answer, model::prediction_from_logits(&layer));
    }
}

#[test]
fn int8_networks_use_the_ram_layer_from_the_first_correction_until_reset() {
    let m = golden_net::model();
    let q = quantizer::quantize(&m).unwrap();
    let qmlp = q.quant_mlp::<H>().unwrap();
    let mut net = AdaptedQuantMlp::new(qmlp);
    let x = golden_net::inputs()[0];
    let before = net.predict(&x).unwrap();
    let label = (before.digit + 1) % 10;
    // a refused correction keeps the original layer in use
    assert_eq!(
        net.adapt(&x, 10, &AdaptConfig::DEFAULT),
        Err(Error::BadLabel(10))
    );
    assert_eq!(net.predict(&x).unwrap(), before);
    let after = net.adapt(&x, label, &AdaptConfig::DEFAULT).unwrap();
    assert_eq!(net.predict(&x).unwrap(), after);
    assert_ne!(after, before);
    net.reset();
    assert_eq!(net.predict(&x).unwrap(), before);
}

#[test]
fn a_restored_layer_answers_like_the_one_it_was_saved_from() {
    let m = golden_net::model();
    let q = quantizer::quantize(&m).unwrap();
    let x = golden_net::inputs()[0];
    // f32: learn on one network, restore its values into a fresh one
    let mut taught = AdaptedMlp::new(m.mlp::<H>().unwrap());
    let label = (taught.predict(&x).unwrap().digit + 1) % 10;
    let after = taught.adapt(&x, label, &AdaptConfig::DEFAULT).unwrap();
    assert_eq!(taught.output().params().count(), OutputLayer::<H>::PARAMS);
    let mut fresh = AdaptedMlp::new(m.mlp::<H>().unwrap());
    fresh.restore(taught.output().params()).unwrap();
    // the same values (the layer's internal bound on them may be tighter)
    assert!(fresh.output().params().eq(taught.output().params()));
    assert_eq!(fresh.output().checksum(), taught.output().checksum());
    assert_eq!(fresh.predict(&x).unwrap(), after);
    // int8: the restored network answers through its RAM layer, like the taught one
    let mut qtaught = AdaptedQuantMlp::new(q.quant_mlp::<H>().unwrap());
    let qlabel = (qtaught.predict(&x).unwrap().digit + 1) % 10;
    let qafter = qtaught.adapt(&x, qlabel, &AdaptConfig::DEFAULT).unwrap();
    let mut qfresh = AdaptedQuantMlp::new(q.quant_mlp::<H>().unwrap());
    qfresh.restore(qtaught.output().params()).unwrap();
    assert!(qfresh.output().params().eq(qtaught.output().params()));
    for x in golden_net::inputs() {
        assert_eq!(qfresh.predict(&x).unwrap(), qtaught.predict(&x).unwrap());
    }
    assert_eq!(qfresh.predict(&x).unwrap(), qafter);
    // and a correction continues from there as it would have on the taught one
    let next = (qlabel + 3) % 10;
    assert_eq!(
        qfresh.adapt(&x, next, &AdaptConfig::DEFAULT),
        qtaught.adapt(&x, next, &AdaptConfig::DEFAULT)
    );
    assert_eq!(qfresh.output().checksum(), qtaught.output().checksum());
}

#[test]
fn refused_values_leave_the_network_with_its_own_layer() {
    let m = golden_net::model();
    let mlp = m.mlp::<H>().unwrap();
    let x = golden_net::inputs()[1];
    let mut taught = AdaptedMlp::new(mlp);
    let own = taught.output().clone();
    let label = (taught.predict(&x).unwrap().digit + 1) % 10;
    taught.adapt(&x, label, &AdaptConfig::DEFAULT).unwrap();
    let good: Vec<f32> = taught.output().params().collect();
    let n = OutputLayer::<H>::PARAMS;
    let with = |i: usize, v: f32| {
        let mut bad = good.clone();
        bad[i] = v;
        bad
    };
    let cases: Vec<(Vec<f32>, Error)> = vec![
        (
            good[..n - 1].to_vec(),
            Error::LengthMismatch {
                expected: n,
                actual: n - 1,
            },
        ),
        (
            [good.clone(), vec![0.5, 0.5]].concat(),
            Error::LengthMismatch {
                expected: n,
                actual: n + 2,
            },
        ),
        (
            Vec::new(),
            Error::LengthMismatch {
                expected: n,
                actual: 0,
            },
        ),
        (with(n / 2, f32::NAN), Error::NonFiniteWeight),
        (with(n - 1, f32::NEG_INFINITY), Error::NonFiniteWeight),
        (with(7, -1.0e30), Error::WeightLimit),
    ];
    for (values, err) in cases {
        // starting from a taught layer: an error goes back to the network's own
        let mut net = AdaptedMlp::new(mlp);
        net.restore(good.iter().copied()).unwrap();
        assert_ne!(net.output().checksum(), own.checksum());
        assert_eq!(net.restore(values), Err(err));
        assert!(net.output() == &own, "after {err:?}");
        assert_eq!(net.predict(&x).unwrap(), mlp.predict(&x).unwrap());
    }
    // endless values are refused, not read for ever: as many again are counted
    let mut net = AdaptedMlp::new(mlp);
    assert_eq!(
        net.restore(core::iter::repeat(0.5)),
        Err(Error::LengthMismatch {
            expected: n,
            actual: 2 * n,
        })
    );
    // int8: an error also goes back to the integer output layer
    let q = quantizer::quantize(&m).unwrap();
    let qmlp = q.quant_mlp::<H>().unwrap();
    let mut qnet = AdaptedQuantMlp::new(qmlp);
    let qown = qnet.output().clone();
    assert_eq!(
        qnet.restore(with(3, f32::INFINITY)),
        Err(Error::NonFiniteWeight)
    );
    assert!(qnet.output() == &qown);
    assert_eq!(qnet.predict(&x).unwrap(), qmlp.predict(&x).unwrap());
}

/// The documented step, spelled out with plain f32 operations.
fn reference_step(
    w: &mut [Vec<f32>],
    b: &mut [f32],
    c: &[f32],
    q: &[f32],
    h: &[f32],
    label: usize,
    cfg: &AdaptConfig,
) -> [f32; OUTPUT] {
    let logits = |w: &[Vec<f32>], b: &[f32]| -> [f32; OUTPUT] {
        core::array::from_fn(|k| {
            let mut acc = [0.0f32; 8];
            for (j, (&w, &h)) in w[k].iter().zip(h).enumerate() {
                acc[j % 8] += w * h;
            }
            let d =
                ((acc[0] + acc[1]) + (acc[2] + acc[3])) + ((acc[4] + acc[5]) + (acc[6] + acc[7]));
            d * c[k] + b[k]
        })
    };
    let lr = cfg.learning_rate;
    for _ in 0..cfg.steps {
        let p = model::softmax(&logits(w, b));
        for k in 0..OUTPUT {
            let d = if k == label { p[k] - 1.0 } else { p[k] };
            let g = (lr * d) * q[k];
            for (w, &h) in w[k].iter_mut().zip(h) {
                *w -= g * h;
            }
            b[k] -= lr * d;
        }
    }
    logits(w, b)
}

#[test]
fn the_step_follows_the_documented_order() {
    let m = golden_net::model();
    let x = golden_net::inputs()[2];
    let cfg = AdaptConfig {
        steps: 5,
        learning_rate: 0.37,
    };
    // f32: c = q = 1, hidden values are the sigmoid outputs
    let mlp = m.mlp::<H>().unwrap();
    let mut net = AdaptedMlp::new(mlp);
    let mut h = [0.0f32; H];
    net.predict_with_hidden(&x, &mut h).unwrap();
    let mut w: Vec<Vec<f32>> = m.w2.chunks(H).map(<[f32]>::to_vec).collect();
    let mut b = m.b2.clone();
    let z = reference_step(&mut w, &mut b, &[1.0; OUTPUT], &[1.0; OUTPUT], &h, 4, &cfg);
    let p = net.correct(&h, 4, &cfg).unwrap();
    assert_eq!(p, model::prediction_from_logits(&z));
    assert_eq!(net.output().weights().as_flattened(), w.concat().as_slice());
    assert_eq!(net.output().biases().as_slice(), b.as_slice());
    // int8: weights in units of the row scales, hidden values 0..=255
    let q = quantizer::quantize(&m).unwrap();
    let mut qnet = AdaptedQuantMlp::new(q.quant_mlp::<H>().unwrap());
    let mut hq = [0u8; H];
    qnet.predict_with_hidden(&x, &mut hq).unwrap();
    let hf: Vec<f32> = hq.iter().map(|&v| f32::from(v)).collect();
    let mut w: Vec<Vec<f32>> = q
        .w2q
        .chunks(H)
        .map(|r| r.iter().map(|&v| f32::from(v)).collect())
        .collect();
    let mut b = q.b2.clone();
    let c: Vec<f32> = q.s2.iter().map(|&s| s * quant::INV255).collect();
    let qs: Vec<f32> = q.s2.iter().map(|&s| quant::INV255 / s).collect();
    let z = reference_step(&mut w, &mut b, &c, &qs, &hf, 4, &cfg);
    let p = qnet.correct(&hq, 4, &cfg).unwrap();
    assert_eq!(p, model::prediction_from_logits(&z));
    assert_eq!(
        qnet.output().weights().as_flattened(),
        w.concat().as_slice()
    );
}

#[test]
fn a_correction_makes_the_drawing_answer_its_label() {
    let m = golden_net::model();
    let q = quantizer::quantize(&m).unwrap();
    for (i, x) in golden_net::inputs().iter().enumerate() {
        let label = golden_net::CORRECTIONS[i];
        let mut net = AdaptedMlp::new(m.mlp::<H>().unwrap());
        let before = net.predict(x).unwrap();
        let after = net.adapt(x, label, &AdaptConfig::default()).unwrap();
        assert_eq!(after.digit, label, "f32 case {i}");
        assert_eq!(net.predict(x).unwrap(), after);
        assert!(after.probabilities[usize::from(label)] > before.probabilities[usize::from(label)]);
        // the borrowed network is untouched; reset forgets the correction
        assert_eq!(net.mlp().predict(x).unwrap(), before);
        net.reset();
        assert_eq!(net.predict(x).unwrap(), before);

        let mut qnet = AdaptedQuantMlp::new(q.quant_mlp::<H>().unwrap());
        let after = qnet.adapt(x, label, &AdaptConfig::default()).unwrap();
        assert_eq!(after.digit, label, "int8 case {i}");
    }
}

#[test]
fn errors_change_nothing() {
    let m = golden_net::model();
    let mut net = AdaptedMlp::new(m.mlp::<H>().unwrap());
    let x = golden_net::inputs()[0];
    let mut h = [0.0f32; H];
    net.predict_with_hidden(&x, &mut h).unwrap();
    let layer: OutputLayer<H> = net.output().clone();
    let ok = AdaptConfig::default();
    assert_eq!(net.correct(&h, 10, &ok), Err(Error::BadLabel(10)));
    assert_eq!(net.correct(&h, 255, &ok), Err(Error::BadLabel(255)));
    for cfg in [
        AdaptConfig { steps: 0, ..ok },
        AdaptConfig {
            steps: MAX_STEPS + 1,
            ..ok
        },
        AdaptConfig {
            learning_rate: 0.0,
            ..ok
        },
        AdaptConfig {
            learning_rate: -0.1,
            ..ok
        },
        AdaptConfig {
            learning_rate: f32::NAN,
            ..ok
        },
        AdaptConfig {
            learning_rate: f32::INFINITY,
            ..ok
        },
        AdaptConfig {
            learning_rate: 11.0,
            ..ok
        },
    ] {
        assert_eq!(
            net.correct(&h, 1, &cfg),
            Err(Error::BadParameter),
            "{cfg:?}"
        );
    }
    let mut bad = h;
    bad[7] = f32::NAN;
    assert_eq!(net.correct(&bad, 1, &ok), Err(Error::NonFiniteInput));
    bad[7] = 1.5;
    assert_eq!(net.correct(&bad, 1, &ok), Err(Error::InputOutOfRange));
    bad[7] = -0.25;
    assert_eq!(net.correct(&bad, 1, &ok), Err(Error::InputOutOfRange));
    let mut img = x;
    img[100] = f32::INFINITY;
    assert_eq!(net.adapt(&img, 1, &ok), Err(Error::NonFiniteInput));
    assert_eq!(net.predict(&img), Err(Error::NonFiniteInput));
    assert_eq!(
        net.output(),
        &layer,
        "a refused correction changed the layer"
    );

    // a layer near the weight limit refuses before it changes
    let big = 5.0e29f32;
    let w2 = vec![big; OUTPUT * H];
    let huge = Mlp300::from(&m, &w2);
    let mut net = AdaptedMlp::new(huge.mlp());
    let layer = net.output().clone();
    let cfg = AdaptConfig {
        steps: MAX_STEPS,
        learning_rate: 10.0,
    };
    // 5e29 + 64 * 10 fits, so this one runs...
    assert!(net.correct(&h, 1, &cfg).is_ok());
    assert_ne!(net.output(), &layer);
    // ...but a layer whose steps could reach the limit refuses: an int8
    // layer with tiny output scales takes huge steps in its own units (a
    // model file holds no weight at the limit itself, see WeightTooLarge)
    let mut tiny = quantizer::quantize(&m).unwrap();
    tiny.s2 = vec![1.0e-30; OUTPUT];
    let mut net = AdaptedQuantMlp::new(tiny.quant_mlp::<H>().unwrap());
    let layer = net.output().clone();
    assert_eq!(net.correct(&[200u8; H], 1, &cfg), Err(Error::WeightLimit));
    assert_eq!(net.output(), &layer);
}

/// An f32 model with replaced output weights.
struct Mlp300 {
    w1: Vec<f32>,
    b1: Vec<f32>,
    w2: Vec<f32>,
    b2: Vec<f32>,
}
impl Mlp300 {
    fn from(m: &OwnedModel, w2: &[f32]) -> Self {
        Mlp300 {
            w1: m.w1.clone(),
            b1: m.b1.clone(),
            w2: w2.to_vec(),
            b2: vec![0.0; OUTPUT],
        }
    }
    fn mlp(&self) -> nnet_core::Mlp<'_, H> {
        nnet_core::Mlp::from_slices(&self.w1, &self.b1, &self.w2, &self.b2).unwrap()
    }
}

#[test]
fn written_models_answer_like_the_adapted_network() {
    let m = golden_net::model();
    let inputs = golden_net::inputs();
    let cfg = AdaptConfig::default();
    // f32: the file is the adapted network, bit for bit
    let mut net = AdaptedMlp::new(m.mlp::<H>().unwrap());
    for (x, &label) in inputs.iter().zip(&golden_net::CORRECTIONS) {
        net.adapt(x, label, &cfg).unwrap();
    }
    let meta = OwnedMetadata {
        notes: "adapted".into(),
        ..OwnedMetadata::default()
    };
    let bytes = net.to_model(meta.clone()).to_bytes().unwrap();
    let loaded = OwnedModel::from_bytes(&bytes).unwrap();
    assert_eq!(loaded.meta, meta);
    assert_eq!(loaded.w1, m.w1, "the hidden layer is not adapted");
    let file_net = loaded.mlp::<H>().unwrap();
    for x in &inputs {
        assert_eq!(file_net.predict(x).unwrap(), net.predict(x).unwrap());
    }
    assert!(ModelView::parse(&bytes).is_ok());

    // int8: the file holds the requantised layer; it answers like the model
    // it was written from, and within 8-bit rounding of the f32 RAM layer
    let q = quantizer::quantize(&m).unwrap();
    let mut qnet = AdaptedQuantMlp::new(q.quant_mlp::<H>().unwrap());
    for (x, &label) in inputs.iter().zip(&golden_net::CORRECTIONS) {
        qnet.adapt(x, label, &cfg).unwrap();
    }
    let owned = qnet.to_model(meta.clone()).unwrap();
    let bytes = owned.to_bytes().unwrap();
    let loaded = OwnedQuantModel::from_bytes(&bytes).unwrap();
    assert_eq!(loaded, owned);
    assert_eq!(loaded.w1q, q.w1q);
    let file_net = loaded.quant_mlp::<H>().unwrap();
    let mut same = 0;
    for x in &inputs {
        let (a, b) = (file_net.predict(x).unwrap(), qnet.predict(x).unwrap());
        same += usize::from(a.digit == b.digit);
        for (pa, pb) in a.probabilities.iter().zip(&b.probabilities) {
            assert!((pa - pb).abs() < 0.05, "{pa} vs {pb}");
        }
    }
    assert!(same + 1 >= inputs.len(), "{same} of {} agree", inputs.len());
}

#[test]
fn output_layer_memory() {
    // 10 x 300 weights, 10 biases, 10 logit scales, 10 gradient scales, bound, h_max
    assert_eq!(
        core::mem::size_of::<OutputLayer<300>>(),
        (OUTPUT * 300 + 3 * OUTPUT + 2) * 4
    );
    assert_eq!(INPUT, 784);
}

/// Pins the adapt arithmetic (regenerate only on purpose, see `golden_net::check`).
#[cfg(not(feature = "micromath"))]
#[test]
fn golden_bits_f32() {
    golden_net::check("adapt-golden.txt", &golden_net::adapt_lines(false).unwrap());
}

/// Pins the int8 adapt arithmetic and the requantised model file.
#[test]
fn golden_bits_int8() {
    golden_net::check(
        "adapt-quant-golden.txt",
        &golden_net::adapt_lines(true).unwrap(),
    );
}

/// An int8 layer stays finite whatever its scales: a scale too small for the file
/// (subnormal, whose inverse is infinite) is refused, the smallest one it takes
/// refuses a correction before it changes anything, and values restored into a
/// layer with huge scales are refused where their real weights (times the scale)
/// would reach the limit, leaving the network answering.
#[test]
fn int8_layers_stay_finite_at_the_edges_of_their_scales() {
    let m = golden_net::model();
    let x = golden_net::inputs()[0];
    let mut q = quantizer::quantize(&m).unwrap();
    // a subnormal scale: not a model file's
    let mut sub = q.clone();
    sub.s2[3] = 1.0e-42;
    assert_eq!(sub.quant_mlp::<H>().unwrap_err(), Error::BadScale);
    assert_eq!(sub.to_bytes().unwrap_err(), Error::BadScale);
    // the smallest it takes: its steps are huge in the layer's units, so a correction
    // that would move its weights refuses before it changes anything...
    q.s2[3] = f32::MIN_POSITIVE;
    let mut net = AdaptedQuantMlp::new(q.quant_mlp::<H>().unwrap());
    let layer = net.output().clone();
    assert_eq!(
        net.correct(&[200u8; H], 3, &AdaptConfig::DEFAULT),
        Err(Error::WeightLimit)
    );
    assert_eq!(
        net.output(),
        &layer,
        "a refused correction changed the layer"
    );
    // ...and one with all-zero hidden values (where an infinite step times 0 made
    // NaN weights) moves only the biases
    assert!(net.correct(&[0u8; H], 3, &AdaptConfig::DEFAULT).is_ok());
    assert_eq!(net.output().weights(), layer.weights());
    assert!(net.output().params().all(f32::is_finite));
    assert!(net.predict(&x).is_ok());

    // huge scales: values below the limit in the layer's units are real weights past it
    let mut q = quantizer::quantize(&m).unwrap();
    q.s2 = vec![1.0e27; OUTPUT];
    let mut net = AdaptedQuantMlp::new(q.quant_mlp::<H>().unwrap());
    let before = net.predict(&x).unwrap();
    let values = vec![1.0e29f32; OutputLayer::<H>::PARAMS];
    assert_eq!(net.restore(values), Err(Error::WeightLimit));
    assert_eq!(net.predict(&x).unwrap(), before, "back to its own layer");
    // and a correction there, at the largest rate and steps, is taken: its steps are far
    // below one unit of these scales, so no weight moves by a visible amount, and all stays
    // finite
    let cfg = AdaptConfig {
        steps: MAX_STEPS,
        learning_rate: 10.0,
    };
    let layer = net.output().clone();
    let mut h = [0u8; H];
    net.predict_with_hidden(&x, &mut h).unwrap();
    let r = net.correct(&h, (before.digit + 1) % 10, &cfg);
    assert!(r.is_ok(), "{r:?}");
    let moved = net
        .output()
        .weights()
        .as_flattened()
        .iter()
        .zip(layer.weights().as_flattened())
        .map(|(a, b)| (a - b).abs())
        .fold(0.0f32, f32::max);
    assert!(moved < 1e-6, "a weight moved by {moved} units");
    assert!(net.output().params().all(f32::is_finite));
    assert!(net.predict(&x).is_ok());
}

/// A byte of -128 is as far from 0 as the scale limit allows: an int8 model at
/// the limit with it is written back after an adaptation that changed nothing.
#[test]
fn int8_weights_of_minus_128_at_the_scale_limit_are_written_back() {
    let m = golden_net::model();
    let mut q = quantizer::quantize(&m).unwrap();
    q.s2 = vec![f32::from_bits(quant::SCALE_LIMIT.to_bits() - 1); OUTPUT];
    q.w2q = vec![-128; OUTPUT * H];
    let bytes = q.to_bytes().unwrap();
    let view = ModelView::parse(&bytes).unwrap();
    let net = AdaptedQuantMlp::new(view.quant_mlp::<H>().unwrap());
    let written = net.to_model(q.meta.clone()).unwrap().to_bytes();
    assert!(written.is_ok(), "{written:?}");
}

/// The adapted f32 network blames the input for what comes of the input, as the
/// network it wraps does: finite pixels that overflow a hidden sum.
#[test]
fn adapted_networks_name_the_error_the_network_names() {
    let m = golden_net::model();
    let mut w1 = m.w1.clone();
    w1[0] = 2.0;
    w1[1] = -2.0;
    let mlp = nnet_core::Mlp::<H>::from_slices(&w1, &m.b1, &m.w2, &m.b2).unwrap();
    let mut x = [0.0f32; INPUT];
    x[0] = f32::MAX;
    x[1] = f32::MAX;
    assert_eq!(mlp.predict(&x), Err(Error::NonFiniteInput));
    assert_eq!(AdaptedMlp::new(mlp).predict(&x), Err(Error::NonFiniteInput));
}
