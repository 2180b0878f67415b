//! The forward pass against a naive f64 reference, and against golden bit
//! patterns that pin the documented summation order (any change to the
//! arithmetic — a different accumulator count, a fused multiply-add, a new
//! reduction tree — changes these bits and fails here before it reaches the board).
use nnet_core::{model, Mlp, INPUT, OUTPUT};

#[path = "support/golden_net.rs"]
mod golden_net;
use golden_net::H;

type Weights = (Vec<f32>, Vec<f32>, Vec<f32>, Vec<f32>);

fn network() -> Weights {
    let (mut w1, mut b1, mut w2, mut b2) = (
        vec![0.0; H * INPUT],
        vec![0.0; H],
        vec![0.0; OUTPUT * H],
        vec![0.0; OUTPUT],
    );
    golden_net::network(&mut w1, &mut b1, &mut w2, &mut b2);
    (w1, b1, w2, b2)
}

fn inputs() -> Vec<[f32; INPUT]> {
    let mut x = [[0.0; INPUT]; golden_net::CASES];
    golden_net::inputs(&mut x);
    x.to_vec()
}

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
    let mlp = Mlp::<H>::from_slices(&w.0, &w.1, &w.2, &w.3).unwrap();
    for x in inputs() {
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

fn golden_lines() -> Vec<String> {
    let w = network();
    let mlp = Mlp::<H>::from_slices(&w.0, &w.1, &w.2, &w.3).unwrap();
    inputs()
        .iter()
        .map(|x| {
            let p = mlp.predict(x).unwrap();
            let bits: Vec<String> = p
                .probabilities
                .iter()
                .map(|v| format!("{:08x}", v.to_bits()))
                .collect();
            format!("{} {}", p.digit, bits.join(" "))
        })
        .collect()
}

/// Regenerate with `NNET_BLESS=1 cargo test -p nnet-core --test forward` only when
/// the arithmetic is changed on purpose (that breaks bit-identity with old builds).
#[cfg(not(feature = "micromath"))]
#[test]
fn golden_bits() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data/forward-golden.txt");
    let got = golden_lines().join("\n") + "\n";
    if std::env::var_os("NNET_BLESS").is_some() {
        std::fs::write(path, &got).unwrap();
    }
    let want = std::fs::read_to_string(path).expect("golden file present");
    assert_eq!(got, want, "forward-pass bits changed");
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
