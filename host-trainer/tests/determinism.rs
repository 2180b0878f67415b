//! Same seed → byte-identical model file, with augmentation on (its
//! randomness is per image, not per thread), and the same weights with any
//! thread count (every sum has one order, whatever the split).
mod common;

use host_trainer::net::Optimizer;
use host_trainer::train::train;

#[test]
fn same_seed_gives_identical_model_files_with_any_thread_count() {
    let d = common::tmpdir("determinism");
    common::synthetic(&d, 600, 1);
    for opt in [Optimizer::SGD, Optimizer::ADAM] {
        let mut cfg = common::quick_config(&d, &d.join("a.nnet"));
        cfg.optimizer = opt;
        cfg.lr = if opt == Optimizer::SGD { 0.1 } else { 1e-3 };
        let a = train(&cfg).unwrap();
        cfg.out = d.join("b.nnet");
        let b = train(&cfg).unwrap();
        let fa = std::fs::read(d.join("a.nnet")).unwrap();
        let fb = std::fs::read(d.join("b.nnet")).unwrap();
        assert_eq!(fa, fb, "{opt:?}: model files differ");
        assert_eq!(fa, a.model_bytes);
        // a different seed gives a different model
        cfg.seed = 8;
        let c = train(&cfg).unwrap();
        assert_ne!(b.model_bytes, c.model_bytes);
        // one, two and three threads: the same weights, bit for bit (the
        // file's notes name the thread count, so they differ there only)
        cfg.seed = 7;
        assert_eq!(cfg.threads, 2, "the runs above use two threads");
        let bits = |v: &[f32]| v.iter().map(|x| x.to_bits()).collect::<Vec<_>>();
        for threads in [1, 3] {
            cfg.threads = threads;
            let e = train(&cfg).unwrap();
            let (p, q) = (&e.params, &a.params);
            for (name, x, y) in [
                ("w1", &p.w1, &q.w1),
                ("b1", &p.b1, &q.b1),
                ("w2", &p.w2, &q.w2),
                ("b2", &p.b2, &q.b2),
            ] {
                assert_eq!(bits(x), bits(y), "{opt:?}, {threads} threads: {name}");
            }
        }
    }
}

/// Augmenting the next epoch while one trains (the default) only moves work
/// in time: the model file equals the one of augmenting each epoch before
/// training it, over enough epochs that both image buffers are used twice.
#[test]
fn augmenting_alongside_training_gives_the_same_model_file() {
    let d = common::tmpdir("alongside");
    common::synthetic(&d, 400, 1);
    let mut cfg = common::quick_config(&d, &d.join("alongside.nnet"));
    cfg.epochs = 5;
    assert!(cfg.augment_alongside && cfg.augment.is_some());
    let alongside = train(&cfg).unwrap();
    cfg.augment_alongside = false;
    cfg.out = d.join("before.nnet");
    let before = train(&cfg).unwrap();
    assert_eq!(alongside.model_bytes, before.model_bytes);
}

/// A thread that trains flushes subnormals to zero on x86_64 and aarch64 alike,
/// so both architectures train the same bits (`scripts/ci.d/25-trainer-aarch64.sh`
/// compares the model files of the two).
#[cfg(any(target_arch = "x86_64", target_arch = "aarch64"))]
#[test]
fn training_threads_flush_subnormals_to_zero() {
    // a subnormal result, computed at run time
    fn half_of_smallest_normal() -> f32 {
        std::hint::black_box(f32::MIN_POSITIVE) * std::hint::black_box(0.5f32)
    }
    // in every thread of the pool a trainer computes in
    let threads = 3;
    let trainer = host_trainer::net::Trainer::new(
        host_trainer::net::Params::init(4, 1),
        Optimizer::SGD,
        8,
        threads,
    )
    .expect("a trainer");
    let flushed: Vec<f32> = trainer.pool().broadcast(|_| half_of_smallest_normal());
    assert_eq!(flushed.len(), threads);
    for f in flushed {
        assert_eq!(f.to_bits(), 0, "a subnormal result was kept");
    }
    // and a thread that did not ask keeps them
    let kept = std::thread::spawn(half_of_smallest_normal)
        .join()
        .expect("the thread runs");
    assert_eq!(kept, f32::MIN_POSITIVE / 2.0);
}
