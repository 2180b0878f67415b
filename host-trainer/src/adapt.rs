//! `host-trainer adapt`: teaches an existing model the drawings of an ink
//! file, the way the page and the board learn from corrections.
//!
//! * `--layers output` (default) runs `nnet_core::adapt` — the very step the
//!   board and the browser take when a user corrects an answer — once per
//!   drawing, in a seeded random order every epoch. Works for f32 and int8
//!   models; an int8 model's output layer adapts in f32 and is requantised
//!   when written (both accuracies are reported).
//! * `--layers all` (f32 models only) runs the trainer's own backward pass
//!   ([`crate::net::Trainer`], plain SGD, one drawing per step, one thread) on
//!   every layer.
//!
//! Drawings go through the core's stroke path ([`crate::train::read_training_ink`]:
//! every line needs a label 0..=9 and must be a digit). The written model's
//! notes record the ink file's SHA-256 and drawing count. Deterministic: the
//! same model, file and options give the same bytes.
use std::path::PathBuf;

use nnet_core::adapt::{AdaptConfig, AdaptedMlp, AdaptedQuantMlp};
use nnet_core::format::{OwnedMetadata, OwnedModel, OwnedQuantModel};
use nnet_core::Image;
use rand::seq::SliceRandom;

use crate::error::Setting;
use crate::eval::{self, AnyModel};
use crate::net::{Optimizer, Params, Trainer};
use crate::train::{self, InkTrainingSet};
use crate::{Error, Result};

/// Which weights learn.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Layers {
    /// The `10 x H` output layer, with `nnet_core::adapt` (as on the board).
    Output,
    /// Every layer, with the trainer's backward pass (f32 models only).
    All,
}

/// Default learning rate of `--layers output`: lower than one correction on
/// the board (`AdaptConfig::DEFAULT`, which must fix the corrected drawing at
/// once), because a file's drawings add up; chosen on the Hershey font-style
/// split (`scripts/measure.d/60-adapt.sh`) so MNIST stays above 98.5%.
pub const DEFAULT_OUTPUT_LR: f32 = 0.02;
/// Default learning rate of `--layers all` (plain SGD, one drawing per step).
pub const DEFAULT_ALL_LR: f32 = 0.01;
/// A fall in MNIST test accuracy (as a fraction) beyond which `adapt` says
/// what keeps more of what the model knew.
pub const MNIST_DROP_NOTE: f64 = 0.005;
/// Default number of passes over the drawings.
pub const DEFAULT_EPOCHS: usize = 2;
/// Most epochs `adapt` accepts.
pub const MAX_EPOCHS: usize = 1000;

/// Everything `adapt` needs.
#[derive(Debug, Clone)]
pub struct AdaptArgs {
    /// The model to start from (f32 or int8).
    pub model: PathBuf,
    /// The labelled ink drawings.
    pub ink: PathBuf,
    /// Where the adapted model goes.
    pub out: PathBuf,
    /// Passes over the drawings.
    pub epochs: usize,
    /// Which weights learn.
    pub layers: Layers,
    /// Seed of the drawing order.
    pub seed: u64,
    /// Learning rate (default: [`DEFAULT_OUTPUT_LR`] for the output layer,
    /// [`DEFAULT_ALL_LR`] for all layers).
    pub lr: Option<f32>,
    /// SGD steps per drawing (output layer only).
    pub steps: u32,
    /// IDX directory whose test split is measured and recorded in the
    /// metadata (skipped when it is not there).
    pub data: PathBuf,
    /// The command line, recorded in the model's notes.
    pub command: String,
}

/// What `adapt` did.
#[derive(Debug, Clone, PartialEq)]
pub struct AdaptOutcome {
    /// Drawings in the file.
    pub drawings: usize,
    /// SHA-256 of the ink file, hex.
    pub sha256: String,
    /// `"f32"` or `"int8"`.
    pub weight_type: &'static str,
    /// Accuracy on the drawings before adapting (nnet-core).
    pub before: f64,
    /// Accuracy on the drawings after each epoch, in memory.
    pub per_epoch: Vec<f64>,
    /// Accuracy on the drawings of the model as written (reloaded from its
    /// bytes; differs from the last `per_epoch` only for int8, by requantising).
    pub written: f64,
    /// MNIST test accuracy of the written model, when the data is there.
    pub test_accuracy: Option<f64>,
    /// MNIST test accuracy of the model it started from, when the data is there.
    pub test_accuracy_before: Option<f64>,
    /// Size of the written file.
    pub bytes: usize,
    /// The learning rate used (`--lr`, or the default for the layers adapted).
    pub lr: f32,
}

/// Runs `adapt` and writes the model; `progress(epoch, accuracy)` is called
/// after every epoch.
pub fn run(args: &AdaptArgs, progress: &mut dyn FnMut(usize, f64)) -> Result<AdaptOutcome> {
    if !(1..=MAX_EPOCHS).contains(&args.epochs) {
        return Err(Error::Setting {
            setting: Setting::Epochs,
            msg: format!("must be in 1..={MAX_EPOCHS}"),
        });
    }
    let lr = args.lr.unwrap_or(match args.layers {
        Layers::Output => DEFAULT_OUTPUT_LR,
        Layers::All => DEFAULT_ALL_LR,
    });
    let cfg = AdaptConfig {
        steps: args.steps,
        learning_rate: lr,
    };
    if !(1..=nnet_core::adapt::MAX_STEPS).contains(&cfg.steps) {
        return Err(Error::Setting {
            setting: Setting::Steps,
            msg: format!("must be in 1..={}", nnet_core::adapt::MAX_STEPS),
        });
    }
    cfg.check().map_err(|_| Error::Setting {
        setting: Setting::LearningRate,
        msg: format!("must be in (0, {}]", nnet_core::adapt::MAX_LEARNING_RATE),
    })?;
    // a run that cannot write its model, or would write over an input, is refused before it works
    train::check_output(&args.out, "--out", "model file")?;
    let data = crate::idx::data_inputs(&args.data);
    let mut inputs = vec![("--model", args.model.as_path()), ("--ink", &args.ink)];
    inputs.extend(data.iter().map(|p| ("a --data file", p.as_path())));
    train::check_not_input(&args.out, "--out", &inputs)?;
    let model = eval::load_any_model(&args.model)?;
    // what to adapt, decided before the drawings and the test split are read: the model
    // and --layers alone decide it
    let plan = match (args.layers, &model) {
        (Layers::Output, AnyModel::F32(m)) => Plan::Output(m.hidden, Target::F32(m)),
        (Layers::Output, AnyModel::Int8(m)) => Plan::Output(m.hidden, Target::Int8(m)),
        (Layers::All, AnyModel::F32(m)) => Plan::All(m),
        (Layers::All, AnyModel::Int8(_)) => {
            let why =
                "adapting all layers needs an f32 model (adapt the f32 model, then quantize it)";
            return Err(Error::Config(format!("{}: {why}", args.model.display())));
        }
    };
    let set = train::read_training_ink(&args.ink)?;
    // (read before the work: a damaged test split is an error before it, not after)
    let test = crate::idx::load_optional(&args.data, crate::idx::Split::Test)?;
    if test.is_none() {
        crate::note(format_args!(
            "warning: no test split in {} (no such directory, or no t10k/test IDX files in it); \
             the MNIST accuracy is not measured, and the adapted model records none",
            args.data.display()
        ));
    }
    let images: Vec<Image> = set.drawings.iter().map(|d| d.image).collect();
    let labels: Vec<u8> = set.drawings.iter().map(|d| d.label).collect();
    let before = accuracy(&model, &images, &labels)?;
    let job = Job {
        images: &images,
        labels: &labels,
        epochs: args.epochs,
        seed: args.seed,
        cfg,
        progress,
    };
    let (adapted, per_epoch) = match plan {
        Plan::Output(hidden, target) => dispatch(hidden, target, job)?,
        Plan::All(m) => all_layers(m, job)?,
    };
    let mut adapted = adapted;
    let (test_accuracy_before, test_accuracy) = match test {
        Some(test) => (
            Some(eval::evaluate_dataset(&model, &test, 0)?.accuracy()),
            Some(eval::evaluate_dataset(&adapted, &test, 0)?.accuracy()),
        ),
        None => (None, None),
    };
    set_meta(&mut adapted, args, &set, lr, test_accuracy);
    let bytes = match &adapted {
        AnyModel::F32(m) => m.to_bytes(),
        AnyModel::Int8(m) => m.to_bytes(),
    }
    .map_err(|e| Error::core("encoding the adapted model", e))?;
    // what a reader of the file gets: the bytes decoded as a file is read (not the file read
    // back, which --out /dev/stdout into a pipe would take from the pipe's reader)
    let written = accuracy(
        &eval::any_model_from_bytes(&bytes, &args.out)?,
        &images,
        &labels,
    )?;
    crate::write_file(&args.out, &bytes)?;
    Ok(AdaptOutcome {
        drawings: images.len(),
        sha256: set.sha256,
        weight_type: model.weight_type(),
        before,
        per_epoch,
        written,
        test_accuracy,
        test_accuracy_before,
        bytes: bytes.len(),
        lr,
    })
}

/// Records where the model came from: the ink file (path, SHA-256, drawing
/// count), the options, the original notes; the test accuracy is the adapted
/// model's own (or none).
fn set_meta(
    m: &mut AnyModel,
    args: &AdaptArgs,
    set: &InkTrainingSet,
    lr: f32,
    test_accuracy: Option<f64>,
) {
    let meta: &mut OwnedMetadata = match m {
        AnyModel::F32(m) => &mut m.meta,
        AnyModel::Int8(m) => &mut m.meta,
    };
    let layers = match args.layers {
        Layers::Output => format!("output (steps={})", args.steps),
        Layers::All => "all".to_string(),
    };
    meta.notes = format!(
        "adapted on ink {} (sha256 {}, {} drawings): layers={layers} epochs={} lr={lr} seed={}; {}; before: {}",
        args.ink.display(),
        set.sha256,
        set.drawings.len(),
        args.epochs,
        args.seed,
        args.command,
        meta.notes
    );
    // each adapt of an adapted model adds to its notes: they stay writable
    meta.cut_to_fit();
    meta.test_accuracy = test_accuracy.map(|a| a as f32);
}

/// Fraction of `images` that `m` classifies as their label (nnet-core).
fn accuracy(m: &AnyModel, images: &[Image], labels: &[u8]) -> Result<f64> {
    let p = eval::predict(m, images)?;
    let right = p.iter().zip(labels).filter(|(p, &l)| p.digit == l).count();
    Ok(right as f64 / images.len().max(1) as f64)
}

/// The drawings and how to go over them.
struct Job<'a> {
    images: &'a [Image],
    labels: &'a [u8],
    epochs: usize,
    seed: u64,
    cfg: AdaptConfig,
    progress: &'a mut dyn FnMut(usize, f64),
}

impl Job<'_> {
    /// The drawing order of epoch `e` (0-based): a seeded shuffle.
    fn order(&self, e: usize) -> Vec<u32> {
        let mut order: Vec<u32> = (0..self.images.len() as u32).collect();
        let mut rng = crate::augment::rng_for(self.seed, 0x0061_6461_7074, e as u64);
        order.shuffle(&mut rng);
        order
    }
}

/// The model whose output layer adapts.
enum Target<'m> {
    F32(&'m OwnedModel),
    Int8(&'m OwnedQuantModel),
}

/// What a run adapts: the output layer of a network of that many hidden units, or every layer
/// of an f32 network.
enum Plan<'m> {
    Output(usize, Target<'m>),
    All(&'m OwnedModel),
}

/// Calls [`output_layer`] with the const `H` equal to `hidden`.
fn dispatch(hidden: usize, t: Target<'_>, job: Job<'_>) -> Result<(AnyModel, Vec<f64>)> {
    macro_rules! hidden_sizes {
        ($($h:literal),*) => {
            match hidden {
                $($h => output_layer::<$h>(t, job),)*
                other => Err(Error::Config(format!("hidden size {other} is not supported"))),
            }
        };
    }
    hidden_sizes!(8, 16, 32, 50, 64, 100, 128, 150, 200, 256, 300, 400, 500, 512, 800, 1024)
}

/// `nnet_core::adapt` over every drawing, `job.epochs` times. The hidden
/// activations of each drawing are computed once (they do not change).
fn output_layer<const H: usize>(t: Target<'_>, job: Job<'_>) -> Result<(AnyModel, Vec<f64>)> {
    let core = |what: &str, e| Error::core(what.to_string(), e);
    let mut per_epoch = Vec::with_capacity(job.epochs);
    // the same loop for both networks (their hidden activations differ in type)
    macro_rules! epochs {
        ($net:ident, $zero:expr) => {{
            let mut hidden = vec![[$zero; H]; job.images.len()];
            for (h, x) in hidden.iter_mut().zip(job.images) {
                $net.predict_with_hidden(x, h)
                    .map_err(|e| core("drawing", e))?;
            }
            for e in 0..job.epochs {
                for &i in &job.order(e) {
                    let i = i as usize;
                    $net.correct(&hidden[i], job.labels[i], &job.cfg)
                        .map_err(|e| core(&format!("drawing {}", i + 1), e))?;
                }
                let right = (0..job.images.len())
                    .filter(|&i| {
                        $net.predict(&job.images[i])
                            .is_ok_and(|p| p.digit == job.labels[i])
                    })
                    .count();
                let acc = right as f64 / job.images.len().max(1) as f64;
                (job.progress)(e + 1, acc);
                per_epoch.push(acc);
            }
        }};
    }
    match t {
        Target::F32(m) => {
            let mut net = AdaptedMlp::new(m.mlp::<H>().map_err(|e| core("model", e))?);
            epochs!(net, 0.0f32);
            Ok((AnyModel::F32(net.to_model(m.meta.clone())), per_epoch))
        }
        Target::Int8(m) => {
            let mut net = AdaptedQuantMlp::new(m.quant_mlp::<H>().map_err(|e| core("model", e))?);
            epochs!(net, 0u8);
            let out = net
                .to_model(m.meta.clone())
                .map_err(|e| core("adapted model", e))?;
            Ok((AnyModel::Int8(out), per_epoch))
        }
    }
}

/// Every layer: the trainer's batched forward/backward pass with plain SGD
/// (no momentum), one drawing per step, one thread (so the result does not
/// depend on the machine).
fn all_layers(m: &OwnedModel, job: Job<'_>) -> Result<(AnyModel, Vec<f64>)> {
    let mut trainer = Trainer::new(
        Params::from_model(m),
        Optimizer::Sgd { momentum: 0.0 },
        1,
        1,
    )
    .map_err(|e| Error::Config(e.to_string()))?;
    let flat: Vec<f32> = job.images.iter().flatten().copied().collect();
    let mut per_epoch = Vec::with_capacity(job.epochs);
    for e in 0..job.epochs {
        let order = job.order(e);
        trainer.train_epoch(
            &flat,
            job.labels,
            &order,
            job.cfg.learning_rate,
            &mut |_, _| {},
        );
        let model = AnyModel::F32(trainer.params().to_model(m.meta.clone()));
        let acc = accuracy(&model, job.images, job.labels)?;
        (job.progress)(e + 1, acc);
        per_epoch.push(acc);
    }
    Ok((
        AnyModel::F32(trainer.params().to_model(m.meta.clone())),
        per_epoch,
    ))
}
