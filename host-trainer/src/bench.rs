//! `bench`: seconds per training epoch for 784-H-10 on the full training set,
//! with SGD-momentum and with Adam (same protocol as the NumPy baseline in
//! `scripts/peers/numpy_mlp.py`: shuffle, gather, forward, backward, update; no evaluation).
//!
//! `bench-inference`: microseconds per image of single-image and batch inference
//! through nnet-core ([`inference`]).
use std::time::Instant;

use rand::seq::SliceRandom;
use rand::SeedableRng;

use nnet_core::Image;

use crate::idx::Dataset;
use crate::net::{Optimizer, Params, Trainer};
use crate::{Error, Result};

/// Settings of a benchmark run.
#[derive(Debug, Clone, Copy)]
pub struct BenchConfig {
    /// Hidden units.
    pub hidden: usize,
    /// Mini-batch size.
    pub batch: usize,
    /// Timed epochs per optimiser (after one untimed warm-up epoch).
    pub epochs: usize,
    /// Threads.
    pub threads: usize,
    /// Seed for initialisation and shuffling.
    pub seed: u64,
}

/// Timings of one optimiser.
#[derive(Debug, Clone)]
pub struct BenchResult {
    /// `"sgd"` or `"adam"`.
    pub name: &'static str,
    /// Seconds of each timed epoch.
    pub epoch_seconds: Vec<f64>,
    /// Mean training loss of the last epoch (a sanity check that it learns).
    pub last_loss: f64,
    /// CPU seconds other processes used during each timed epoch (Linux
    /// `/proc`; `None` elsewhere). Over ~10% of the epoch means contention.
    pub other_cpu_seconds: Vec<Option<f64>>,
}

impl BenchResult {
    /// Median seconds per epoch.
    pub fn median(&self) -> f64 {
        median(self.epoch_seconds.clone())
    }
}

/// Times `cfg.epochs` epochs (after a warm-up epoch) with SGD-momentum
/// (lr 0.1) and Adam (lr 1e-3) on `train`; `done` gets each optimiser's result as soon
/// as it is timed (the command prints it then, not after both).
pub fn run(train: &Dataset, cfg: BenchConfig, done: &mut dyn FnMut(&BenchResult)) -> Result<()> {
    crate::eval::check_hidden(cfg.hidden)?;
    crate::train::check_sizes(cfg.batch, cfg.threads)?;
    for (name, opt, lr) in [
        ("sgd", Optimizer::SGD, 0.1f32),
        ("adam", Optimizer::ADAM, 1e-3),
    ] {
        let params = Params::init(cfg.hidden, cfg.seed);
        // (a batch larger than the data is all of it: buffers for the images there are)
        let batch = cfg.batch.min(train.len().max(1));
        let mut tr = Trainer::new(params, opt, batch, cfg.threads).map_err(Error::Trainer)?;
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(cfg.seed);
        let mut order: Vec<u32> = (0..train.len() as u32).collect();
        let mut secs = Vec::new();
        let mut last_loss = f64::NAN;
        let mut other = Vec::new();
        for e in 0..=cfg.epochs {
            let c0 = cpu_seconds();
            let t0 = Instant::now();
            order.shuffle(&mut rng);
            let st = tr.train_epoch(&train.images, &train.labels, &order, lr, &mut |_, _| {});
            let dt = t0.elapsed().as_secs_f64();
            let c1 = cpu_seconds();
            if e > 0 {
                secs.push(dt);
                other.push(
                    c0.zip(c1)
                        .map(|((a0, s0), (a1, s1))| ((a1 - a0) - (s1 - s0)).max(0.0)),
                );
            }
            last_loss = st.loss;
        }
        let result = BenchResult {
            name,
            epoch_seconds: secs,
            last_loss,
            other_cpu_seconds: other,
        };
        done(&result);
    }
    Ok(())
}

/// `(machine-wide busy CPU seconds, this process's CPU seconds)` from
/// `/proc/stat` and `/proc/self/stat`, or `None` when unavailable.
fn cpu_seconds() -> Option<(f64, f64)> {
    const TICK: f64 = 100.0; // USER_HZ on Linux
    let stat = std::fs::read_to_string("/proc/stat").ok()?;
    let v: Vec<f64> = stat
        .lines()
        .next()?
        .split_whitespace()
        .skip(1)
        .filter_map(|t| t.parse().ok())
        .collect();
    if v.len() < 8 {
        return None;
    }
    let busy: f64 = v[..8].iter().sum::<f64>() - v[3] - v[4];
    let me = std::fs::read_to_string("/proc/self/stat").ok()?;
    // fields after the ")" that ends the command name: utime and stime are the 12th and 13th
    let rest = me.rsplit_once(')')?.1;
    let f: Vec<&str> = rest.split_whitespace().collect();
    let ut: f64 = f.get(11)?.parse().ok()?;
    let st: f64 = f.get(12)?.parse().ok()?;
    Some((busy / TICK, (ut + st) / TICK))
}

/// The hidden size `bench-inference` times (the shipped models').
pub const INFERENCE_HIDDEN: usize = 300;

/// One network's timings in `bench-inference`.
#[derive(Debug, Clone)]
pub struct InferenceTiming {
    /// What was timed, e.g. `"f32 Mlp (borrowed, as on the board)"`.
    pub name: &'static str,
    /// Median microseconds per single-image `predict` call.
    pub one_us: f64,
    /// Median milliseconds of one `predict_batch` over the whole batch (one
    /// thread); `None` for the borrowed networks, which have no batch call.
    pub batch_ms: Option<f64>,
}

/// Median of `v` (NaN when empty).
fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    match v.len() {
        0 => f64::NAN,
        n if n % 2 == 1 => v[n / 2],
        n => 0.5 * (v[n / 2 - 1] + v[n / 2]),
    }
}

/// Median per-call microseconds of `f` over `rounds` rounds of `calls`
/// calls each (cycling through `images`), after one untimed round.
fn time_one<T>(images: &[Image], rounds: usize, calls: usize, f: impl Fn(&Image) -> T) -> f64 {
    let mut per_call = Vec::with_capacity(rounds);
    for round in 0..=rounds {
        let start = Instant::now();
        for k in 0..calls {
            std::hint::black_box(f(std::hint::black_box(&images[k % images.len()])));
        }
        if round > 0 {
            per_call.push(start.elapsed().as_secs_f64() * 1e6 / calls as f64);
        }
    }
    median(per_call)
}

/// Median milliseconds of `f(images)` over `rounds` runs, after one untimed run.
fn time_batch<T>(images: &[Image], rounds: usize, f: impl Fn(&[Image]) -> T) -> f64 {
    let mut ms = Vec::with_capacity(rounds);
    for round in 0..=rounds {
        let start = Instant::now();
        std::hint::black_box(f(std::hint::black_box(images)));
        if round > 0 {
            ms.push(start.elapsed().as_secs_f64() * 1e3);
        }
    }
    median(ms)
}

/// Times single-image inference (the borrowed network, as on the board and
/// in the page, and the host's repacked one) and one-thread `predict_batch`
/// over all of `images`, for the network of `model` (784-300-10).
pub fn inference(
    model: &crate::eval::AnyModel,
    images: &[Image],
    rounds: usize,
) -> Result<Vec<InferenceTiming>> {
    use crate::eval::AnyModel;
    use nnet_core::packed::{PackedMlp, PackedQuantMlp};
    if model.hidden() != INFERENCE_HIDDEN || images.is_empty() {
        return Err(Error::Config(format!(
            "bench-inference times 784-{INFERENCE_HIDDEN}-10 models on at least one image \
             (got 784-{}-10 and {} images)",
            model.hidden(),
            images.len()
        )));
    }
    let core = |e| Error::core("model", e);
    Ok(match model {
        AnyModel::F32(m) => {
            let mlp = m.mlp::<INFERENCE_HIDDEN>().map_err(core)?;
            let packed = PackedMlp::new(&mlp);
            borrowed_and_packed(
                [
                    "f32 Mlp (borrowed, as on the board)",
                    "f32 PackedMlp (host)",
                ],
                (images, rounds),
                |x| mlp.predict(x),
                |x| packed.predict(x),
                |b| packed.predict_batch(b),
            )
        }
        AnyModel::Int8(m) => {
            let q = m.quant_mlp::<INFERENCE_HIDDEN>().map_err(core)?;
            let packed = PackedQuantMlp::new(&q);
            borrowed_and_packed(
                [
                    "int8 QuantMlp (borrowed, as on the board)",
                    "int8 PackedQuantMlp (host)",
                ],
                (images, rounds),
                |x| q.predict(x),
                |x| packed.predict(x),
                |b| packed.predict_batch(b),
            )
        }
    })
}

/// The timings of a borrowed network (single images) and of its packed
/// version (single images and the whole batch).
fn borrowed_and_packed<A, B, C>(
    names: [&'static str; 2],
    (images, rounds): (&[Image], usize),
    borrowed: impl Fn(&Image) -> A,
    packed: impl Fn(&Image) -> B,
    packed_batch: impl Fn(&[Image]) -> C,
) -> Vec<InferenceTiming> {
    const CALLS: usize = 2000;
    vec![
        InferenceTiming {
            name: names[0],
            one_us: time_one(images, rounds, CALLS, borrowed),
            batch_ms: None,
        },
        InferenceTiming {
            name: names[1],
            one_us: time_one(images, rounds, CALLS, packed),
            batch_ms: Some(time_batch(images, rounds, packed_batch)),
        },
    ]
}

/// Timings of `train --augment`'s augmentation (the default settings).
#[derive(Debug, Clone)]
pub struct AugmentTiming {
    /// Seconds to set the augmenter up (skeletonising the training digits), once per run.
    pub setup_seconds: f64,
    /// Seconds of each timed epoch of augmented images.
    pub epoch_seconds: Vec<f64>,
}

/// Times the augmentation `train --augment` does: the one-time set-up, then
/// `epochs` epochs of augmented images (after one warm-up epoch) on `threads`
/// threads, as training runs it (between the epochs' training).
pub fn augmentation(
    train: &Dataset,
    epochs: usize,
    threads: usize,
    seed: u64,
) -> Result<AugmentTiming> {
    use crate::augment::{AugmentConfig, Augmenter};
    crate::train::check_sizes(1, threads)?;
    // the threads training augments on: subnormals flushed, as there
    let pool = crate::net::training_pool(threads).map_err(Error::Trainer)?;
    let t0 = Instant::now();
    let aug = pool.install(|| Augmenter::new(train, AugmentConfig::default(), seed));
    let setup_seconds = t0.elapsed().as_secs_f64();
    let mut out = vec![0.0f32; train.len() * nnet_core::INPUT];
    let mut epoch_seconds = Vec::with_capacity(epochs);
    for e in 0..=epochs {
        let t = Instant::now();
        pool.install(|| aug.epoch(train, e as u64, &mut out));
        if e > 0 {
            epoch_seconds.push(t.elapsed().as_secs_f64());
        }
    }
    Ok(AugmentTiming {
        setup_seconds,
        epoch_seconds,
    })
}

impl AugmentTiming {
    /// Median seconds per epoch.
    pub fn median(&self) -> f64 {
        median(self.epoch_seconds.clone())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Each optimiser's result is handed on by itself, SGD's first (the command prints it
    /// then, not after both).
    #[test]
    fn each_result_comes_as_soon_as_it_is_timed() {
        let n = 64;
        let train = Dataset {
            images: (0..n * 784).map(|i| (i % 7) as f32 / 7.0).collect(),
            labels: (0..n).map(|i| (i % 10) as u8).collect(),
        };
        let cfg = BenchConfig {
            hidden: 8,
            batch: 16,
            epochs: 1,
            threads: 1,
            seed: 1,
        };
        let mut seen = Vec::new();
        run(&train, cfg, &mut |r| {
            seen.push((r.name, r.epoch_seconds.len()))
        })
        .unwrap();
        let names: Vec<_> = seen.iter().map(|s| s.0).collect();
        assert_eq!(names, ["sgd", "adam"]);
        assert!(seen.iter().all(|s| s.1 == 1), "one timed epoch each");
    }
}
