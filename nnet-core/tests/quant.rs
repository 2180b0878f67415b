//! The int8 network: file round trip and rejections, a hand-checked answer,
//! exactness of the integer sums, agreement with the f32 network, golden
//! bits, a never-panic property test, and (if MNIST and the default model are
//! present) the accuracy requirement on the 10,000 MNIST test images.
use nnet_core::adapt::WEIGHT_LIMIT;
use nnet_core::format::{crc32, ModelView, OwnedMetadata, OwnedModel, OwnedQuantModel, ALIGN};
use nnet_core::quant::{self, QuantMlp, SIGMOID_THRESHOLDS};
use nnet_core::quantizer;
use nnet_core::{Error, Image, INPUT, OUTPUT};
use proptest::prelude::*;

#[path = "support/golden_net.rs"]
#[allow(dead_code)] // each user takes what it needs
mod golden_net;
#[path = "support/mnist.rs"]
mod mnist;

fn lcg_vec(len: usize, seed: u32, scale: f32) -> Vec<f32> {
    let mut g = golden_net::Lcg(seed);
    let mut v = vec![0.0; len];
    g.fill(&mut v, scale);
    v
}

fn f32_model(h: usize, seed: u32) -> OwnedModel {
    OwnedModel {
        hidden: h,
        meta: OwnedMetadata {
            dataset: "unit-test".into(),
            seed: u64::from(seed),
            epochs: 3,
            test_accuracy: Some(0.97),
            notes: "random network".into(),
        },
        w1: lcg_vec(h * INPUT, seed, 0.2),
        b1: lcg_vec(h, seed + 1, 1.0),
        w2: lcg_vec(OUTPUT * h, seed + 2, 2.0),
        b2: lcg_vec(OUTPUT, seed + 3, 1.0),
    }
}

/// A sparse, MNIST-like input: about a third of the pixels inked.
fn sparse_input(seed: u32) -> Image {
    let mut g = golden_net::Lcg(seed);
    core::array::from_fn(|i| {
        let r = g.next();
        if (i as u32 + seed).is_multiple_of(3) {
            r
        } else {
            0.0
        }
    })
}

/// Copies bytes to a 16-byte aligned buffer (as `include_bytes!` in an
/// aligned wrapper does on the board), so zero-copy views work.
fn aligned(bytes: &[u8]) -> Vec<u128> {
    let mut buf = vec![0u128; bytes.len().div_ceil(16)];
    bytemuck::cast_slice_mut::<u128, u8>(&mut buf)[..bytes.len()].copy_from_slice(bytes);
    buf
}

fn as_bytes(buf: &[u128], len: usize) -> &[u8] {
    &bytemuck::cast_slice::<u128, u8>(buf)[..len]
}

fn with_fixed_crc(mut bytes: Vec<u8>) -> Vec<u8> {
    let end = bytes.len() - 4;
    let crc = crc32(&bytes[..end]);
    bytes[end..].copy_from_slice(&crc.to_le_bytes());
    bytes
}

/// Offset of the payload (the weights) in a model file.
fn payload_start(bytes: &[u8]) -> usize {
    (8 + usize::from(u16::from_le_bytes([bytes[6], bytes[7]]))).div_ceil(ALIGN) * ALIGN
}

#[test]
fn int8_file_round_trip_owned_and_view() {
    let m = f32_model(6, 11);
    let q = quantizer::quantize(&m).unwrap();
    let bytes = q.to_bytes().unwrap();
    assert_eq!(
        bytes.len(),
        payload_start(&bytes) + (2 * 6 + 20) * 4 + 794 * 6 + 4
    );
    let back = OwnedQuantModel::from_bytes(&bytes).unwrap();
    assert_eq!(back, q);
    assert_eq!(back.meta.dataset, "unit-test");
    assert_eq!(back.meta.seed, 11);
    assert_eq!(m.meta.test_accuracy, Some(0.97));
    assert_eq!(
        back.meta.test_accuracy, None,
        "the f32 accuracy does not describe the int8 weights"
    );
    let f32_crc = {
        let f = m.to_bytes().unwrap();
        crc32(&f[..f.len() - 4])
    };
    assert_eq!(
        back.meta.notes,
        format!("int8 from f32 model crc32={f32_crc:08x}: random network")
    );
    let buf = aligned(&bytes);
    let view = ModelView::parse(as_bytes(&buf, bytes.len())).unwrap();
    assert_eq!(*view.header(), q.header());
    let a = view.quant_mlp::<6>().unwrap();
    let b = q.quant_mlp::<6>().unwrap();
    assert_eq!(a.w1q().as_flattened(), &q.w1q[..]);
    assert_eq!(a.s1(), &q.s1[..]);
    for seed in 0..4 {
        let x = sparse_input(seed);
        assert_eq!(a.predict(&x).unwrap(), b.predict(&x).unwrap());
    }
}

/// Quantising puts its record in front of the notes: notes as long as a header holds
/// are cut, not made unwritable.
#[test]
fn quantizing_a_model_with_notes_at_the_limit_cuts_them() {
    let mut m = f32_model(2, 5);
    m.meta.notes = "n".repeat(65_400);
    m.to_bytes().expect("the f32 file holds these notes");
    let q = quantizer::quantize(&m).unwrap();
    assert!(q.meta.notes.len() <= nnet_core::format::MAX_NOTES);
    assert!(q.meta.notes.starts_with("int8 from f32 model crc32="));
    let back = OwnedQuantModel::from_bytes(&q.to_bytes().unwrap()).unwrap();
    assert_eq!(back.meta.notes, q.meta.notes);
}

#[test]
fn weight_type_mismatch_is_rejected_both_ways() {
    let m = f32_model(3, 5);
    let f32_bytes = m.to_bytes().unwrap();
    let int8_bytes = quantizer::quantize(&m).unwrap().to_bytes().unwrap();
    let fbuf = aligned(&f32_bytes);
    let ibuf = aligned(&int8_bytes);
    let f32_view = ModelView::parse(as_bytes(&fbuf, f32_bytes.len())).unwrap();
    let int8_view = ModelView::parse(as_bytes(&ibuf, int8_bytes.len())).unwrap();
    // f32 callers get WrongWeightType from an int8 file
    assert_eq!(int8_view.mlp::<3>().unwrap_err(), Error::WrongWeightType);
    assert_eq!(int8_view.f32_weights().unwrap_err(), Error::WrongWeightType);
    assert_eq!(
        OwnedModel::from_bytes(&int8_bytes).unwrap_err(),
        Error::WrongWeightType
    );
    // int8 callers get WrongWeightType from an f32 file
    assert_eq!(
        f32_view.quant_mlp::<3>().unwrap_err(),
        Error::WrongWeightType
    );
    assert_eq!(f32_view.int8_weights().unwrap_err(), Error::WrongWeightType);
    assert_eq!(
        OwnedQuantModel::from_bytes(&f32_bytes).unwrap_err(),
        Error::WrongWeightType
    );
    // and both load with the matching caller
    assert!(f32_view.mlp::<3>().is_ok());
    assert!(int8_view.quant_mlp::<3>().is_ok());
}

#[test]
fn int8_file_rejections() {
    let q = quantizer::quantize(&f32_model(2, 3)).unwrap();
    let good = q.to_bytes().unwrap();
    let parse = |b: &[u8]| ModelView::parse(b).map(|_| ());
    let start = payload_start(&good);
    let put = |at: usize, v: f32| {
        let mut bad = good.clone();
        bad[at..at + 4].copy_from_slice(&v.to_le_bytes());
        with_fixed_crc(bad)
    };
    // s1[0], b1[1], s2[0], b2[9] (the float sections, in file order)
    let s1_0 = start;
    let b1_1 = start + 4 * 3;
    let s2_0 = start + 4 * 4;
    let b2_9 = start + 4 * (4 + 10 + 9);
    for at in [s1_0, b1_1, s2_0, b2_9] {
        for v in [f32::NAN, f32::INFINITY, f32::NEG_INFINITY] {
            assert_eq!(
                parse(&put(at, v)),
                Err(Error::NonFiniteWeight),
                "{v} at {at}"
            );
        }
    }
    let below = |v: f32| f32::from_bits(v.to_bits() - 1);
    for (at, limit) in [
        (s1_0, quant::SCALE_LIMIT),
        (s2_0, quant::SCALE_LIMIT),
        (b1_1, WEIGHT_LIMIT),
        (b2_9, WEIGHT_LIMIT),
    ] {
        assert_eq!(parse(&put(at, limit)), Err(Error::WeightTooLarge), "{at}");
        assert_eq!(parse(&put(at, below(limit))), Ok(()), "{at}");
    }
    assert_eq!(parse(&put(b1_1, -WEIGHT_LIMIT)), Err(Error::WeightTooLarge));
    for at in [s1_0, s2_0] {
        // a subnormal scale too: the constructor refuses it, so the reader does
        let subnormal = f32::from_bits(1);
        for v in [
            0.0,
            -0.0,
            -1.0,
            -f32::MIN_POSITIVE,
            subnormal,
            below(f32::MIN_POSITIVE),
        ] {
            assert_eq!(parse(&put(at, v)), Err(Error::BadScale), "{v} at {at}");
        }
        assert_eq!(parse(&put(at, f32::MIN_POSITIVE)), Ok(()), "{at}");
    }
    // a zero or negative bias is fine
    assert_eq!(parse(&put(b1_1, -3.0)), Ok(()));
    // any byte value is a valid weight
    let mut w = good.clone();
    let last_weight = w.len() - 5;
    w[last_weight] = 0x80;
    assert_eq!(parse(&with_fixed_crc(w)), Ok(()));
    for cut in [7, start, start + 40, good.len() - 5, good.len() - 1] {
        assert_eq!(parse(&good[..cut]), Err(Error::Truncated), "cut at {cut}");
        assert!(OwnedQuantModel::from_bytes(&good[..cut]).is_err());
    }
    let mut bad = good.clone();
    bad.push(0);
    assert_eq!(parse(&bad), Err(Error::TrailingBytes));
    assert_eq!(OwnedQuantModel::from_bytes(&bad), Err(Error::TrailingBytes));
    let mut bad = good.clone();
    bad[start + 100] ^= 1;
    assert_eq!(parse(&bad), Err(Error::ChecksumMismatch));
    // wrong hidden size, and a misaligned buffer for the zero-copy view
    let buf = aligned(&good);
    let view = ModelView::parse(as_bytes(&buf, good.len())).unwrap();
    assert_eq!(
        view.quant_mlp::<3>().unwrap_err(),
        Error::SizeMismatch {
            expected_hidden: 3,
            found_hidden: 2
        }
    );
    assert!(q.quant_mlp::<3>().is_err());
    let mut shifted = vec![0u8; good.len() + 1];
    shifted[1..].copy_from_slice(&good);
    let sbuf = aligned(&shifted);
    let raw = &as_bytes(&sbuf, shifted.len())[1..];
    assert_eq!(
        ModelView::parse(raw).unwrap().quant_mlp::<2>().unwrap_err(),
        Error::Misaligned
    );
    assert!(
        OwnedQuantModel::from_bytes(raw).is_ok(),
        "the owned loader copies"
    );
}

#[test]
fn writer_and_constructor_refuse_what_the_reader_refuses() {
    let q = quantizer::quantize(&f32_model(2, 8)).unwrap();
    let mut bad = q.clone();
    bad.s2[3] = 0.0;
    assert_eq!(bad.to_bytes(), Err(Error::BadScale));
    assert_eq!(bad.quant_mlp::<2>().unwrap_err(), Error::BadScale);
    let mut bad = q.clone();
    bad.s1[1] = -0.5;
    assert_eq!(bad.to_bytes(), Err(Error::BadScale));
    let mut bad = q.clone();
    bad.b2[0] = f32::NAN;
    assert_eq!(bad.to_bytes(), Err(Error::NonFiniteWeight));
    assert_eq!(bad.quant_mlp::<2>().unwrap_err(), Error::NonFiniteWeight);
    let mut bad = q.clone();
    bad.s2[0] = quant::SCALE_LIMIT;
    assert_eq!(bad.to_bytes(), Err(Error::WeightTooLarge));
    assert_eq!(bad.quant_mlp::<2>().unwrap_err(), Error::WeightTooLarge);
    let mut bad = q.clone();
    bad.b1[1] = -WEIGHT_LIMIT;
    assert_eq!(bad.to_bytes(), Err(Error::WeightTooLarge));
    let mut bad = q.clone();
    bad.w1q.pop();
    assert_eq!(
        bad.to_bytes(),
        Err(Error::LengthMismatch {
            expected: 2 * INPUT,
            actual: 2 * INPUT - 1
        })
    );
    assert!(matches!(
        bad.quant_mlp::<2>(),
        Err(Error::LengthMismatch { .. })
    ));
    let mut bad = q.clone();
    bad.hidden = 0;
    bad.s1.clear();
    bad.b1.clear();
    bad.w1q.clear();
    bad.w2q.clear();
    assert_eq!(bad.to_bytes(), Err(Error::UnsupportedShape));
    // the quantiser validates its input like the f32 writer
    let mut m = f32_model(2, 8);
    m.w1[7] = f32::NAN;
    assert_eq!(quantizer::quantize(&m).unwrap_err(), Error::NonFiniteWeight);
    let mut m = f32_model(2, 8);
    m.b1.push(0.0);
    assert!(matches!(
        quantizer::quantize(&m),
        Err(Error::LengthMismatch { .. })
    ));
}

/// The largest scales and biases a file may hold, with the extreme int8
/// weights, at the largest hidden size, give finite logits for any image
/// (inputs saturate at 0..=255), so an int8 logit never overflows.
#[test]
fn largest_valid_int8_params_never_overflow() {
    const H: usize = nnet_core::format::MAX_HIDDEN as usize;
    let below = |v: f32| f32::from_bits(v.to_bits() - 1);
    let q = quantizer::quantize(&f32_model(1, 5)).unwrap();
    for w in [127i8, -128] {
        let m = OwnedQuantModel {
            hidden: H,
            s1: vec![below(quant::SCALE_LIMIT); H],
            b1: vec![below(WEIGHT_LIMIT); H],
            s2: vec![below(quant::SCALE_LIMIT); OUTPUT],
            b2: vec![below(WEIGHT_LIMIT); OUTPUT],
            w1q: vec![w; H * INPUT],
            w2q: vec![w; H * OUTPUT],
            ..q.clone()
        };
        let net = m.quant_mlp::<H>().unwrap();
        for x in [[1.0f32; INPUT], [f32::MAX; INPUT], [0.0; INPUT]] {
            let z = net.logits(&x).unwrap();
            assert!(z.iter().all(|v| v.is_finite()), "{z:?}");
        }
    }
}

#[test]
fn quantizer_follows_the_documented_rule() {
    let mut m = f32_model(3, 21);
    m.w1[INPUT..2 * INPUT].fill(0.0); // hidden unit 1: an all-zero row
    m.w1[2 * INPUT + 5] = 0.75; // hidden unit 2: a dominant weight
    let q = quantizer::quantize(&m).unwrap();
    for j in 0..3 {
        let row = &m.w1[j * INPUT..(j + 1) * INPUT];
        let max = row.iter().fold(0.0f32, |a, w| a.max(w.abs()));
        let s = if max > 0.0 { max / 127.0 } else { 1.0 };
        assert_eq!(q.s1[j], s, "scale of row {j}");
        for (i, &w) in row.iter().enumerate() {
            let want = (w / s).round().clamp(-127.0, 127.0) as i8;
            assert_eq!(
                q.w1q[i * 3 + j],
                want,
                "w1[{j}][{i}] (input-major in the file)"
            );
        }
    }
    assert_eq!(q.w1q[5 * 3 + 2], 127);
    assert!(q.w1q.iter().skip(1).step_by(3).all(|&v| v == 0));
    for k in 0..OUTPUT {
        let row = &m.w2[k * 3..(k + 1) * 3];
        let max = row.iter().fold(0.0f32, |a, w| a.max(w.abs()));
        assert_eq!(q.s2[k], max / 127.0);
        assert!(q.w2q[k * 3..(k + 1) * 3]
            .iter()
            .any(|v| v.unsigned_abs() == 127));
    }
    assert_eq!(q.b1, m.b1);
    assert_eq!(q.b2, m.b2);
}

#[test]
fn input_quantization() {
    let mut x = [0.0f32; INPUT];
    for n in 0..=255u16 {
        x[usize::from(n)] = f32::from(n) / 255.0;
    }
    x[300] = 1.5; // saturates
    x[301] = -0.25;
    x[302] = 0.5 / 255.0; // exactly half a step: rounds up
    x[303] = 0.49 / 255.0;
    let q = quant::quantize_input(&x).unwrap();
    for n in 0..=255u8 {
        assert_eq!(
            q[usize::from(n)],
            n,
            "MNIST value {n}/255 comes back exactly"
        );
    }
    assert_eq!(&q[300..304], &[255, 0, 1, 0]);
    for bad in [f32::NAN, f32::INFINITY, f32::NEG_INFINITY] {
        x[400] = bad;
        assert_eq!(quant::quantize_input(&x), Err(Error::NonFiniteInput));
    }
    let q = quantizer::quantize(&f32_model(2, 1)).unwrap();
    assert_eq!(
        q.quant_mlp::<2>().unwrap().predict(&x),
        Err(Error::NonFiniteInput)
    );
}

/// The float-free sigmoid of cores without an FPU gives `sigmoid_u8`'s count
/// for every kind of input: at and next to every threshold, signed zeros,
/// infinities, NaNs, subnormals, and a sweep of bit patterns.
#[test]
fn integer_sigmoid_equals_the_float_one() {
    let same = |z: f32| {
        assert_eq!(
            quant::sigmoid_u8_int(z),
            quant::sigmoid_u8(z),
            "z = {z:e} ({:#010x})",
            z.to_bits()
        )
    };
    for &t in &SIGMOID_THRESHOLDS {
        for z in [t, t.next_down(), t.next_up(), -t] {
            same(z);
        }
    }
    for z in [
        0.0,
        -0.0,
        f32::MIN_POSITIVE,
        -f32::MIN_POSITIVE,
        f32::from_bits(1),
        f32::from_bits(0x8000_0001),
        f32::INFINITY,
        f32::NEG_INFINITY,
        f32::NAN,
        -f32::NAN,
        f32::from_bits(0x7f80_0001),
        f32::MAX,
        f32::MIN,
    ] {
        same(z);
    }
    for i in 0..200_000u32 {
        same(f32::from_bits(i.wrapping_mul(0x9e37_79b9) ^ 0x4000_0000));
        same(i as f32 * 1e-4 - 10.0);
    }
}

#[test]
fn sigmoid_table_is_the_rounding_of_the_true_sigmoid() {
    for (k, &t) in SIGMOID_THRESHOLDS.iter().enumerate() {
        let p = (k as f64 + 0.5) / 255.0;
        let exact = (p / (1.0 - p)).ln() as f32;
        assert_eq!(t.to_bits(), exact.to_bits(), "threshold {}", k + 1);
        // the step happens exactly at the threshold
        assert_eq!(usize::from(quant::sigmoid_u8(t)), k + 1);
        assert_eq!(usize::from(quant::sigmoid_u8(t.next_down())), k);
    }
    assert_eq!(quant::sigmoid_u8(f32::NEG_INFINITY), 0);
    assert_eq!(quant::sigmoid_u8(f32::NAN), 0);
    assert_eq!(quant::sigmoid_u8(-100.0), 0);
    assert_eq!(quant::sigmoid_u8(0.0), 128);
    assert_eq!(quant::sigmoid_u8(100.0), 255);
    assert_eq!(quant::sigmoid_u8(f32::INFINITY), 255);
    // against the f64 sigmoid: within half a step (plus f32 rounding of the thresholds)
    let mut prev = 0;
    for i in -900_000..=900_000 {
        let z = i as f32 * 1e-5;
        let s = quant::sigmoid_u8(z);
        let count = SIGMOID_THRESHOLDS.iter().filter(|&&t| z >= t).count();
        assert_eq!(usize::from(s), count, "the number of thresholds <= {z}");
        assert!(s >= prev, "monotonic at {z}");
        prev = s;
        let exact = 1.0 / (1.0 + (-f64::from(z)).exp());
        let err = (f64::from(s) / 255.0 - exact).abs();
        assert!(err <= 0.5 / 255.0 + 1e-6, "z = {z}: {s} vs {exact}");
        // libm's sigmoid (what `model::sigmoid` is without the micromath feature)
        let libm = f64::from(1.0 / (1.0 + libm::expf(-z)));
        assert!((f64::from(s) / 255.0 - libm).abs() <= 0.5 / 255.0 + 1e-6);
    }
}

/// A hand-made 784-2-10 network whose answer follows from the module docs on paper.
#[test]
fn known_answer_tiny_network() {
    // hidden 0 sums the first pixel row (weights 1/28), hidden 1 the last row
    let mut w1 = vec![0.0f32; 2 * INPUT];
    w1[..28].fill(1.0 / 28.0);
    w1[2 * INPUT - 28..].fill(1.0 / 28.0);
    let mut w2 = vec![0.0f32; OUTPUT * 2];
    w2[3 * 2] = 4.0; // digit 3 likes hidden 0
    w2[7 * 2 + 1] = 4.0; // digit 7 likes hidden 1
    w2[7 * 2] = -2.0;
    let m = OwnedModel {
        hidden: 2,
        meta: OwnedMetadata::default(),
        w1,
        b1: vec![0.0, -1.0],
        w2,
        b2: vec![0.0; OUTPUT],
    };
    let q = quantizer::quantize(&m).unwrap();
    // every nonzero weight of a row is the row maximum: quantised to exactly 127
    assert_eq!(q.s1, vec![1.0 / 28.0 / 127.0; 2]);
    assert_eq!(q.w1q[0], 127);
    assert_eq!(q.w2q[7 * 2..7 * 2 + 2], [-64, 127]); // -2/(4/127) = -63.5 -> -64 (half away from zero)
    let mlp = q.quant_mlp::<2>().unwrap();
    let mut x = [0.0f32; INPUT];
    x[..28].fill(1.0); // first row fully inked
    let xq = quant::quantize_input(&x).unwrap();
    let mut acc = [0i32; 2];
    mlp.hidden_acc_into(&xq, &mut acc);
    assert_eq!(acc, [28 * 255 * 127, 0]);
    // z0 = 28*255*127 * (s * INV255) + 0 ≈ 1.0 -> round(255 * sigmoid(1)) = round(186.43) = 186;
    // z1 = 0 * ... - 1 -> round(255 * sigmoid(-1)) = round(68.57) = 69
    let mut hq = [0u8; 2];
    mlp.hidden_into(&xq, &mut hq);
    assert_eq!(hq, [186, 69]);
    let acc2 = mlp.output_acc(&hq);
    assert_eq!(acc2[3], 186 * 127);
    assert_eq!(acc2[7], 186 * -64 + 69 * 127);
    assert_eq!(acc2[0], 0);
    let s2 = 4.0f32 / 127.0;
    let z3 = f64::from(186 * 127) * f64::from(s2) / 255.0; // ≈ 3.647
    let z7 = f64::from(186 * -64 + 69 * 127) * f64::from(s2) / 255.0; // ≈ -0.493
    let denom = 8.0 + z3.exp() + z7.exp();
    let p = mlp.predict(&x).unwrap();
    assert_eq!(p.digit, 3);
    assert!((f64::from(p.probabilities[3]) - z3.exp() / denom).abs() < 1e-6);
    assert!((f64::from(p.probabilities[7]) - z7.exp() / denom).abs() < 1e-6);
    assert!((f64::from(p.probabilities[0]) - 1.0 / denom).abs() < 1e-6);
    // the same pixels already quantised give the same answer
    assert_eq!(mlp.predict_quantized(&xq).unwrap(), p);
}

/// The hidden and output sums are exact integers: equal to a naive i64 sum
/// over every pixel (zeros included), also at the extremes of the ranges.
#[test]
fn integer_sums_are_exact() {
    // not a multiple of 4: the remainder of the Cortex-M kernels' 4-unit blocks (this test runs
    // the host's loops; the QEMU self-test checks the Cortex-M4's at such sizes:
    // `firmware::script::int8_sums`)
    const H: usize = 37;
    let mut g = golden_net::Lcg(77);
    let mut byte = || (g.next() * 256.0) as i32;
    let w1q: Vec<i8> = (0..INPUT * H)
        .map(|_| (byte() - 128).max(-127) as i8)
        .collect();
    let w2q: Vec<i8> = (0..OUTPUT * H)
        .map(|_| (byte() - 128).max(-127) as i8)
        .collect();
    let ones = vec![1.0f32; H];
    let (s2, b2) = (vec![1.0f32; OUTPUT], vec![0.0f32; OUTPUT]);
    let mlp = QuantMlp::<H>::from_slices(&w1q, &ones, &ones, &w2q, &s2, &b2).unwrap();
    let mut inputs: Vec<[u8; INPUT]> = (0..6)
        .map(|k| {
            core::array::from_fn(|i| {
                if (i + k).is_multiple_of(k + 1) {
                    byte() as u8
                } else {
                    0
                }
            })
        })
        .collect();
    inputs.push([255; INPUT]);
    inputs.push([0; INPUT]);
    for xq in &inputs {
        let mut acc = [0i32; H];
        mlp.hidden_acc_into(xq, &mut acc);
        for (j, &a) in acc.iter().enumerate() {
            let naive: i64 = (0..INPUT)
                .map(|i| i64::from(xq[i]) * i64::from(w1q[i * H + j]))
                .sum();
            assert_eq!(i64::from(a), naive, "hidden {j}");
        }
        let mut hq = [0u8; H];
        mlp.hidden_into(xq, &mut hq);
        let acc2 = mlp.output_acc(&hq);
        for (k, &a) in acc2.iter().enumerate() {
            let naive: i64 = (0..H)
                .map(|j| i64::from(hq[j]) * i64::from(w2q[k * H + j]))
                .sum();
            assert_eq!(i64::from(a), naive, "output {k}");
        }
    }
    // the extremes: every pixel 255 against every weight -128 / 127
    for w in [i8::MIN, i8::MAX] {
        let w1q = vec![w; INPUT * H];
        let w2q = vec![w; OUTPUT * H];
        let mlp = QuantMlp::<H>::from_slices(&w1q, &ones, &ones, &w2q, &s2, &b2).unwrap();
        let mut acc = [0i32; H];
        mlp.hidden_acc_into(&[255; INPUT], &mut acc);
        assert!(acc
            .iter()
            .all(|&a| i64::from(a) == 784 * 255 * i64::from(w)));
        assert_eq!(
            mlp.output_acc(&[255; H]),
            [255 * H as i32 * i32::from(w); OUTPUT]
        );
        assert!(mlp.predict(&[1.0; INPUT]).is_ok());
    }
}

/// The int8 network follows the f32 network it was made from.
#[test]
fn int8_follows_f32_on_random_networks() {
    const H: usize = 64;
    let (mut worst_p, mut worst_z, mut same) = (0.0f32, 0.0f32, 0);
    let cases = 40u32;
    for seed in 0..4 {
        let m = f32_model(H, 1000 + seed);
        let f = m.mlp::<H>().unwrap();
        let q = quantizer::quantize(&m).unwrap();
        let qm = q.quant_mlp::<H>().unwrap();
        for c in 0..cases / 4 {
            let x = sparse_input(seed * 100 + c);
            let (zf, zq) = (f.logits(&x).unwrap(), qm.logits(&x).unwrap());
            for k in 0..OUTPUT {
                worst_z = worst_z.max((zf[k] - zq[k]).abs());
            }
            let (pf, pq) = (f.predict(&x).unwrap(), qm.predict(&x).unwrap());
            for k in 0..OUTPUT {
                worst_p = worst_p.max((pf.probabilities[k] - pq.probabilities[k]).abs());
            }
            same += usize::from(pf.digit == pq.digit);
        }
    }
    println!("int8 vs f32: max |Δlogit| {worst_z}, max |Δp| {worst_p}, same digit {same}/{cases}");
    // 8-bit weights, inputs and hidden activations: each logit is off by a
    // few hundredths for these networks (logits span several units)
    assert!(worst_z < 0.1, "logits differ by {worst_z}");
    assert!(worst_p < 0.02, "probabilities differ by {worst_p}");
    assert!(same + 1 >= cases as usize, "digits agree on {same}/{cases}");
}

/// Pins the quantiser and the int8 arithmetic (the golden network of
/// `tests/forward.rs`, quantised; regenerate only on purpose, see
/// `golden_net::check`). The first line is the int8 file's CRC.
#[test]
fn golden_bits() {
    use golden_net::H;
    let q = quantizer::quantize(&golden_net::model()).unwrap();
    let mlp = q.quant_mlp::<H>().unwrap();
    let file_crc = {
        let b = q.to_bytes().unwrap();
        u32::from_le_bytes(b[b.len() - 4..].try_into().unwrap())
    };
    let mut lines = vec![format!("int8 file crc32 {file_crc:08x}")];
    lines.extend(
        golden_net::inputs()
            .iter()
            .map(|x| golden_net::line(&mlp.predict(x).unwrap())),
    );
    golden_net::check("quant-golden.txt", &lines);
}

/// With the `micromath` feature the f32 sigmoid is micromath's approximation:
/// close to libm's, but a different function.
#[cfg(feature = "micromath")]
#[test]
fn micromath_sigmoid_is_close_to_libm() {
    let mut worst = 0.0f32;
    for i in -2000..=2000 {
        let z = i as f32 * 0.01;
        let libm = 1.0 / (1.0 + libm::expf(-z));
        worst = worst.max((nnet_core::model::sigmoid(z) - libm).abs());
    }
    println!("micromath sigmoid: max |Δ| vs libm over -20..20: {worst}");
    assert!(worst > 0.0, "the micromath feature is not in effect");
    assert!(worst < 1e-3, "micromath sigmoid off by {worst}");
}

/// f32 vs int8 on the 10,000 MNIST test images with the committed models:
/// int8 accuracy within 0.2 points, digit agreement at least 99.5%.
/// Skipped (with a message) when the data or the model is missing, unless
/// `NNET_REQUIRE_MNIST=1`.
#[test]
fn mnist_accuracy_and_agreement() {
    let root = mnist::root();
    let data = root.join("data/mnist");
    let model_path = root.join("models/mnist-mlp.nnet");
    let required = std::env::var("NNET_REQUIRE_MNIST").is_ok_and(|v| v == "1");
    let missing: Vec<String> = [
        data.join("t10k-images-idx3-ubyte"),
        data.join("t10k-labels-idx1-ubyte"),
        model_path.clone(),
    ]
    .into_iter()
    .filter(|p| !p.exists())
    .map(|p| p.display().to_string())
    .collect();
    if !missing.is_empty() {
        assert!(
            !required,
            "NNET_REQUIRE_MNIST=1 but missing: {}",
            missing.join(", ")
        );
        println!("skipped: missing {}", missing.join(", "));
        return;
    }
    let bytes = std::fs::read(&model_path).unwrap();
    let m = OwnedModel::from_bytes(&bytes).expect("default model loads");
    const H: usize = 300;
    let f = m.mlp::<H>().expect("the default model is 784-300-10");
    // the committed int8 model: the quantisation of the f32 model
    let q = quantizer::quantize(&m).unwrap();
    let i8_path = root.join("models/mnist-mlp-i8.nnet");
    let committed = std::fs::read(&i8_path)
        .unwrap_or_else(|e| panic!("{}: {e} (it is committed)", i8_path.display()));
    let mut c = OwnedQuantModel::from_bytes(&committed).expect("committed int8 model loads");
    // the only difference allowed: the accuracy `host-trainer quantize` measured
    let stated = c
        .meta
        .test_accuracy
        .take()
        .expect("the committed int8 model states its MNIST test accuracy");
    assert_eq!(
        c,
        q,
        "{} is not `quantize` of the f32 model",
        i8_path.display()
    );
    let qm = q.quant_mlp::<H>().unwrap();
    let (images, labels) = mnist::test_set(&data).unwrap();
    let (mut cf, mut cq, mut agree) = (0usize, 0usize, 0usize);
    for (x, &label) in images.iter().zip(&labels) {
        let (df, dq) = (f.predict(x).unwrap().digit, qm.predict(x).unwrap().digit);
        cf += usize::from(df == label);
        cq += usize::from(dq == label);
        agree += usize::from(df == dq);
    }
    let n = images.len() as f64;
    let (af, aq, ag) = (
        100.0 * cf as f64 / n,
        100.0 * cq as f64 / n,
        100.0 * agree as f64 / n,
    );
    println!("MNIST test: f32 {af:.2}%, int8 {aq:.2}%, agreement {ag:.2}%");
    assert!(
        (100.0 * f64::from(stated) - aq).abs() < 1e-3,
        "the int8 model states {stated}, measured {aq}%"
    );
    assert!(
        (af - aq).abs() <= 0.2,
        "int8 accuracy {aq:.2}% vs f32 {af:.2}%"
    );
    assert!(ag >= 99.5, "agreement {ag:.2}%");
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    /// Random bytes behind an int8 header never panic the int8 path.
    #[test]
    fn random_int8_files_never_panic(
        edits in proptest::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 0..12),
        cut in any::<prop::sample::Index>(),
        noise in proptest::collection::vec(any::<u8>(), 0..1024),
    ) {
        let good = quantizer::quantize(&f32_model(2, 4)).unwrap().to_bytes().unwrap();
        let mut bad = good.clone();
        for (i, b) in &edits {
            let i = i.index(bad.len());
            bad[i] ^= b;
        }
        // fix the checksum so the edits reach the deeper checks
        let bad = with_fixed_crc(bad);
        let check = |bytes: &[u8]| {
            let buf = aligned(bytes);
            if let Ok(view) = ModelView::parse(as_bytes(&buf, bytes.len())) {
                if let Ok(mlp) = view.quant_mlp::<2>() {
                    let r = mlp.predict(&sparse_input(3));
                    assert!(r.is_ok() || r == Err(Error::NonFiniteWeight));
                }
                let _ = view.mlp::<2>();
            }
            if let Ok(q) = OwnedQuantModel::from_bytes(bytes) {
                // what loads, writes back unchanged
                prop_assert_eq!(q.to_bytes().unwrap(), bytes.to_vec());
            }
            Ok(())
        };
        check(&bad)?;
        check(&bad[..cut.index(bad.len())])?;
        let mut tail = good[..payload_start(&good)].to_vec();
        tail.extend_from_slice(&noise);
        check(&tail)?;
    }

    /// The int8 pass never panics on any finite or non-finite input.
    #[test]
    fn any_input_is_answered_or_rejected(pixels in proptest::collection::vec(any::<u32>(), INPUT)) {
        let q = quantizer::quantize(&f32_model(2, 9)).unwrap();
        let mlp = q.quant_mlp::<2>().unwrap();
        let x: Image = core::array::from_fn(|i| f32::from_bits(pixels[i]));
        let finite = x.iter().all(|v| v.is_finite());
        match mlp.predict(&x) {
            Ok(p) => prop_assert!(finite && usize::from(p.digit) < OUTPUT),
            Err(e) => prop_assert!(!finite && e == Error::NonFiniteInput),
        }
    }
}
