//! Finite-difference check of the trainer's backward pass on a tiny network:
//! one plain SGD step (momentum 0, learning rate 1) moves every parameter by
//! exactly minus its gradient, which must match central differences of the
//! cross-entropy loss computed independently in f64.
use host_trainer::net::{Optimizer, Params, Trainer};
use nnet_core::{INPUT, OUTPUT};
use rand::{Rng, SeedableRng};

/// Mean softmax cross-entropy of `p` on the batch, in f64, written out plainly.
fn loss(p: &Params, x: &[f32], y: &[u8]) -> f64 {
    let h = p.hidden;
    let mut total = 0.0;
    for (img, &label) in x.chunks_exact(INPUT).zip(y) {
        let hid: Vec<f64> = (0..h)
            .map(|j| {
                let s: f64 = (0..INPUT)
                    .map(|i| f64::from(p.w1[j * INPUT + i]) * f64::from(img[i]))
                    .sum::<f64>()
                    + f64::from(p.b1[j]);
                1.0 / (1.0 + (-s).exp())
            })
            .collect();
        let z: Vec<f64> = (0..OUTPUT)
            .map(|k| {
                (0..h)
                    .map(|j| f64::from(p.w2[k * h + j]) * hid[j])
                    .sum::<f64>()
                    + f64::from(p.b2[k])
            })
            .collect();
        let m = z.iter().copied().fold(f64::NEG_INFINITY, f64::max);
        let lse = m + z.iter().map(|v| (v - m).exp()).sum::<f64>().ln();
        total += lse - z[usize::from(label)];
    }
    total / y.len() as f64
}

#[test]
fn backward_matches_finite_differences() {
    let hidden = 7;
    let n = 9;
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(5);
    let mut p = Params::init(hidden, 3);
    // bigger weights than the default init, so the sigmoid is not linear
    for w in p.w1.iter_mut() {
        *w *= 4.0;
    }
    for w in p.w2.iter_mut() {
        *w *= 3.0;
    }
    let x: Vec<f32> = (0..n * INPUT).map(|_| rng.gen_range(0.0..1.0)).collect();
    let y: Vec<u8> = (0..n).map(|i| (i * 7 % 10) as u8).collect();
    // threads = 3: the hidden layer is split into blocks of 3, 2, 2 units
    let mut tr = Trainer::new(p.clone(), Optimizer::Sgd { momentum: 0.0 }, n, 3).unwrap();
    let order: Vec<u32> = (0..n as u32).collect();
    let stats = tr.train_epoch(&x, &y, &order, 1.0, &mut |_, _| {});
    assert_eq!(stats.batches, 1);
    let l0 = loss(&p, &x, &y);
    assert!(
        (stats.loss - l0).abs() < 1e-4 * l0.max(1.0),
        "{} vs {l0}",
        stats.loss
    );
    let after = tr.params();

    let eps = 1e-2f32;
    let mut checked = 0;
    type Get = fn(&mut Params) -> &mut Vec<f32>;
    let tensors: [(&str, Get, Vec<f32>); 4] = [
        ("w1", |p| &mut p.w1, after.w1.clone()),
        ("b1", |p| &mut p.b1, after.b1.clone()),
        ("w2", |p| &mut p.w2, after.w2.clone()),
        ("b2", |p| &mut p.b2, after.b2.clone()),
    ];
    for (name, get, new) in tensors {
        let len = get(&mut p.clone()).len();
        for _ in 0..12 {
            let i = rng.gen_range(0..len);
            let old = get(&mut p.clone())[i];
            let analytic = f64::from(old - new[i]); // step = -1 * gradient
            let mut plus = p.clone();
            get(&mut plus)[i] = old + eps;
            let mut minus = p.clone();
            get(&mut minus)[i] = old - eps;
            // differences of the f32 parameters as actually stored
            let h = f64::from(get(&mut plus)[i]) - f64::from(get(&mut minus)[i]);
            let numeric = (loss(&plus, &x, &y) - loss(&minus, &x, &y)) / h;
            let tol = 2e-4 + 2e-2 * numeric.abs();
            assert!(
                (analytic - numeric).abs() < tol,
                "{name}[{i}]: backward {analytic:.6e} vs finite difference {numeric:.6e}"
            );
            checked += 1;
        }
    }
    assert_eq!(checked, 48);
}
