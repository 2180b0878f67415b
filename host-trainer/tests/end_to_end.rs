//! Small end-to-end runs on real MNIST (needs `data/mnist`; CI fetches it):
//! training on 5,000 images for 5 epochs must reach 90% test accuracy,
//! measured through nnet-core, and the committed model must still reach the
//! accuracy it states.
mod common;

use host_trainer::eval;
use host_trainer::idx::{self, Split};
use host_trainer::plot;
use host_trainer::train::train;

/// What the committed model is documented to reach on the MNIST test set.
const COMMITTED_MIN_ACCURACY: f64 = 0.985;

#[test]
fn small_training_run_reaches_90_percent() {
    let data = common::mnist_dir();
    let d = common::tmpdir("e2e");
    let mut cfg = common::quick_config(&data, &d.join("small.nnet"));
    cfg.limit = Some(5000);
    cfg.hidden = 100;
    cfg.epochs = 5;
    cfg.augment = None;
    cfg.log_json = Some(d.join("log.jsonl"));
    let r = train(&cfg).unwrap();
    let acc = r.test_accuracy.expect("the MNIST test split is there");
    assert!(acc >= 0.90, "test accuracy {acc}");
    // the file on disk is a valid model whose metadata holds that accuracy
    let m = eval::load_model(&d.join("small.nnet")).unwrap();
    assert_eq!(m.hidden, 100);
    assert_eq!(m.meta.test_accuracy, Some(acc));
    assert_eq!(m.meta.epochs, 5);
    assert_eq!(m.meta.dataset, "mnist");
    assert!(m.meta.notes.contains("hidden=100"), "{}", m.meta.notes);
    // one JSON line per epoch, and the training-curve PNG
    let log = std::fs::read_to_string(d.join("log.jsonl")).unwrap();
    assert_eq!(log.lines().count(), 5);
    let first: serde_json::Value = serde_json::from_str(log.lines().next().unwrap()).unwrap();
    assert!(first["train_loss"].as_f64().unwrap() > 0.0);
    let curve = plot::curve_path(&d.join("small.nnet"));
    plot::training_curves(&r.history, r.test_accuracy, &curve).unwrap();
    let png = image::open(curve).unwrap();
    assert!(png.width() > 100 && png.height() > 100);
}

#[test]
fn committed_model_reaches_its_stated_accuracy() {
    let data = common::mnist_dir();
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../models/mnist-mlp.nnet");
    let m = eval::load_model(&path).unwrap_or_else(|e| {
        panic!("{e}: the committed model is missing or invalid; see the README (host-trainer, The shipped model) for the command that makes it")
    });
    assert_eq!(m.hidden, 300);
    let test = idx::load(&data, Split::Test).unwrap();
    let r = eval::evaluate_dataset(&m, &test, 0).unwrap();
    assert!(
        r.accuracy() >= COMMITTED_MIN_ACCURACY,
        "committed model: {:.2}% < {:.2}%",
        100.0 * r.accuracy(),
        100.0 * COMMITTED_MIN_ACCURACY
    );
    let stated = m
        .meta
        .test_accuracy
        .expect("the model states its test accuracy");
    assert!(
        (f64::from(stated) - r.accuracy()).abs() < 1e-6,
        "stated {stated}, measured {}",
        r.accuracy()
    );
}
