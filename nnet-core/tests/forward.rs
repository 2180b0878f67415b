//! The forward pass against a naive f64 reference, and against golden bit
//! patterns that pin the documented summation order (any change to the
//! arithmetic — a different accumulator count, a fused multiply-add, a new
//! reduction tree — changes these bits and fails here before it reaches the board).
use nnet_core::{model, INPUT, OUTPUT};

#[path = "support/golden_net.rs"]
#[allow(dead_code)] // each user takes what it needs
mod golden_net;
use golden_net::H;

#[cfg_attr(feature = "micromath", allow(dead_code))] // the f64 comparison is for libm
type Weights = (Vec<f32>, Vec<f32>, Vec<f32>, Vec<f32>);

#[cfg_attr(feature = "micromath", allow(dead_code))] // the f64 comparison is for libm
fn network() -> Weights {
    let m = golden_net::model();
    (m.w1, m.b1, m.w2, m.b2)
}

#[cfg_attr(feature = "micromath", allow(dead_code))] // the f64 comparison is for libm
fn reference(w: &Weights, x: &[f32; INPUT]) -> [f64; OUTPUT] {
    let (w1, b1, w2, b2) = w;
    let h: Vec<f64> = (0..H)
        .map(|j| {
            let z: f64 = (0..INPUT)
                .map(|i| f64::from(w1[j * INPUT + i]) * f64::from(x[i]))
                .sum::<f64>()
                + f64::from(b1[j]);
            1.0 / (1.0 + (-z).exp())
        })
        .collect();
    let z: Vec<f64> = (0..OUTPUT)
        .map(|k| (0..H).map(|j| f64::from(w2[k * H + j]) * h[j]).sum::<f64>() + f64::from(b2[k]))
        .collect();
    let m = z.iter().cloned().fold(f64::MIN, f64::max);
    let e: Vec<f64> = z.iter().map(|v| (v - m).exp()).collect();
    let s: f64 = e.iter().sum();
    core::array::from_fn(|k| e[k] / s)
}

// micromath's fast exp changes the bits and the last digits on purpose
#[cfg(not(feature = "micromath"))]
#[test]
fn matches_f64_reference() {
    let w = network();
    let mlp = nnet_core::Mlp::<H>::from_slices(&w.0, &w.1, &w.2, &w.3).unwrap();
    for x in golden_net::inputs() {
        let p = mlp.predict(&x).unwrap();
        let r = reference(&w, &x);
        for (k, (&got, &want)) in p.probabilities.iter().zip(&r).enumerate() {
            assert!(
                (f64::from(got) - want).abs() < 2e-6,
                "class {k}: {got} vs {want}"
            );
        }
        let best = (0..OUTPUT).max_by(|&a, &b| r[a].total_cmp(&r[b])).unwrap();
        assert_eq!(usize::from(p.digit), best);
        let sum: f32 = p.probabilities.iter().sum();
        assert!((sum - 1.0).abs() < 1e-5);
    }
}

/// Pins the documented summation order (regenerate only on purpose, see
/// `golden_net::check`).
#[cfg(not(feature = "micromath"))]
#[test]
fn golden_bits() {
    let m = golden_net::model();
    let mlp = m.mlp::<H>().unwrap();
    let lines: Vec<String> = golden_net::inputs()
        .iter()
        .map(|x| golden_net::line(&mlp.predict(x).unwrap()))
        .collect();
    golden_net::check("forward-golden.txt", &lines);
}

#[test]
fn sigmoid_is_finite_and_monotonic_at_extremes() {
    assert_eq!(model::sigmoid(-200.0), 0.0);
    assert_eq!(model::sigmoid(200.0), 1.0);
    assert_eq!(model::sigmoid(0.0), 0.5);
    let mut prev = 0.0;
    for i in -100..=100 {
        let s = model::sigmoid(i as f32 * 0.25);
        assert!(s >= prev && s.is_finite());
        prev = s;
    }
}
