//! `train`: the training loop around [`crate::net::Trainer`] — data split,
//! per-epoch augmentation and shuffling, learning-rate schedule, progress,
//! logs, and the final model file with its metadata.
use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::Instant;

use indicatif::{ProgressBar, ProgressStyle};
use nnet_core::format::OwnedMetadata;
use nnet_core::INPUT;
use rand::seq::SliceRandom;
use serde::Serialize;

use crate::augment::{self, rng_for, AugmentConfig, Augmenter};
use crate::error::Setting;
use crate::eval;
use crate::fontset::FONT_FOLDS;
use crate::idx::{self, Dataset, Split};
use crate::net::{Optimizer, Params, Trainer};
use crate::{Error, Result};

/// Learning-rate schedule over the epochs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Schedule {
    /// The same rate every epoch.
    Constant,
    /// Cosine decay from `lr` to `lr / 100` (per epoch).
    Cosine,
}

impl Schedule {
    /// Learning rate of epoch `e` (0-based) of `n`.
    pub fn lr(self, lr: f32, e: usize, n: usize) -> f32 {
        match self {
            Schedule::Constant => lr,
            Schedule::Cosine => {
                let t = if n <= 1 {
                    0.0
                } else {
                    e as f64 / (n - 1) as f64
                };
                let min = f64::from(lr) * 0.01;
                (min + (f64::from(lr) - min) * 0.5 * (1.0 + libm::cos(std::f64::consts::PI * t)))
                    as f32
            }
        }
    }
}

/// Everything `train` needs.
#[derive(Debug, Clone)]
pub struct TrainConfig {
    /// Directory with the IDX files.
    pub data: PathBuf,
    /// Use only the first `limit` training images (quick runs and tests).
    pub limit: Option<usize>,
    /// Hidden units.
    pub hidden: usize,
    /// Epochs.
    pub epochs: usize,
    /// Mini-batch size.
    pub batch: usize,
    /// Optimiser.
    pub optimizer: Optimizer,
    /// Peak learning rate.
    pub lr: f32,
    /// Learning-rate schedule.
    pub schedule: Schedule,
    /// Seed of initialisation, split, shuffling and augmentation.
    pub seed: u64,
    /// Threads (the result depends on this and on the seed only).
    pub threads: usize,
    /// Augmentation, if any.
    pub augment: Option<AugmentConfig>,
    /// Augment the next epoch's images while an epoch trains (the default);
    /// `false` augments each epoch before training it. Both give the same
    /// model file: the choice only moves work in time.
    pub augment_alongside: bool,
    /// Fraction of the training images held out for validation.
    pub val_split: f32,
    /// Where the model file goes.
    pub out: PathBuf,
    /// No progress bar or per-epoch lines.
    pub quiet: bool,
    /// One JSON object per epoch into this file.
    pub log_json: Option<PathBuf>,
    /// The command line, recorded in the model's notes.
    pub command: String,
    /// Labelled ink drawings (JSON Lines files) that join the training set.
    pub ink: Vec<PathBuf>,
    /// How many times each ink drawing is seen per epoch (each time
    /// augmented differently when augmenting).
    pub ink_weight: usize,
    /// With augmentation: the built-in digits of other writers' handwriting
    /// fonts ([`TRAINING_FONTS_JSONL`]) join the training set, this many per
    /// MNIST training image (each digit seen `round(font_digits * images /
    /// digits)` times per epoch, at least once); 0 leaves them out.
    pub font_digits: f32,
    /// With font digits: leave out fold `n` (1..=[`FONT_FOLDS`]) of the
    /// training fonts ([`crate::fontset::training_font_folds`]), the writer
    /// validation split.
    pub hold_out_fonts: Option<usize>,
}

/// Default peak learning rate of SGD with momentum: 0.2 gives the 30-epoch
/// recipe a better MNIST test accuracy than 0.1 and the 100-epoch one the
/// same (docs/measurements.md, section `learning-rate`); 0.4 is worse.
pub const DEFAULT_SGD_LR: f32 = 0.2;
/// Default of [`TrainConfig::ink_weight`].
pub const DEFAULT_INK_WEIGHT: usize = 5;
/// Largest accepted [`TrainConfig::ink_weight`].
pub const MAX_INK_WEIGHT: usize = 1000;

/// The most passes `train` makes (the model file records the count in 32 bits; the
/// shipped model takes 100).
pub const MAX_EPOCHS: usize = 100_000;
/// The training digits of 60 handwriting fonts
/// ([`crate::fontset::TRAINING_FONTS`], written by `make-inkset`), built into
/// the trainer so `train --augment` needs nothing installed: the file at
/// [`crate::fontset::TRAINING_PATH`] (a unit test checks they are the same).
pub const TRAINING_FONTS_JSONL: &str = include_str!("../data/training-fonts.jsonl");
/// Default of [`TrainConfig::font_digits`]: font digits make up 18% of an
/// epoch's items (`train` prints how often each is seen); docs/measurements.md
/// (section `font-digits`) compares ratios.
pub const DEFAULT_FONT_DIGITS: f32 = 0.22;
/// Largest accepted [`TrainConfig::font_digits`] (font items then outnumber
/// MNIST's two to one; more would mostly cost memory: every item is an image).
pub const MAX_FONT_DIGITS: f32 = 2.0;

/// Labelled ink drawings for training, read from one JSON Lines file.
#[derive(Debug, Clone)]
pub struct InkTrainingSet {
    /// The file.
    pub path: PathBuf,
    /// SHA-256 of the file, hex.
    pub sha256: String,
    /// The drawings in file order.
    pub drawings: Vec<InkDrawing>,
}

/// One labelled training drawing.
#[derive(Debug, Clone)]
pub struct InkDrawing {
    /// The digit.
    pub label: u8,
    /// The drawing as the core's stroke path renders it.
    pub image: nnet_core::Image,
    /// Its strokes (surface pixels).
    pub strokes: Vec<Vec<[f32; 2]>>,
}

/// Reads labelled ink drawings for training: every drawing must have a
/// label 0..=9 and be a digit for the core's stroke path (not empty, not a
/// tap); anything else is an error naming the file and line.
pub fn read_training_ink(path: &Path) -> Result<InkTrainingSet> {
    let bytes = crate::eval::read_ink_file(path)?;
    training_ink_from(path, &bytes)
}

/// The built-in training digits of handwriting fonts ([`TRAINING_FONTS_JSONL`]).
pub fn training_fonts() -> Result<InkTrainingSet> {
    training_ink_from(
        Path::new(crate::fontset::TRAINING_PATH),
        TRAINING_FONTS_JSONL.as_bytes(),
    )
}

/// The font digits without fold `fold`
/// ([`crate::fontset::training_font_folds`]), and the names of the fonts left
/// out. The digits are ten per font, font by font, in
/// [`crate::fontset::TRAINING_FONTS`]' order.
pub fn hold_out(mut set: InkTrainingSet, fold: usize) -> Result<(InkTrainingSet, Vec<String>)> {
    let specs = crate::fontset::TRAINING_FONTS;
    let folds = crate::fontset::training_font_folds();
    check_fold(fold)?;
    if set.drawings.len() != specs.len() * 10 {
        return Err(Error::Dataset(format!(
            "{}: {} drawings, but {} fonts have {} digits",
            set.path.display(),
            set.drawings.len(),
            specs.len(),
            specs.len() * 10
        )));
    }
    let names = specs
        .iter()
        .zip(&folds)
        .filter(|(_, &f)| f == fold)
        .map(|(spec, _)| spec.name.to_string())
        .collect();
    set.drawings = crate::fontset::split_fold(std::mem::take(&mut set.drawings), fold).1;
    Ok((set, names))
}

/// A fold of `--hold-out-fonts`: 1..=[`FONT_FOLDS`].
fn check_fold(fold: usize) -> Result<()> {
    if (1..=FONT_FOLDS).contains(&fold) {
        return Ok(());
    }
    Err(Error::Setting {
        setting: Setting::HoldOutFonts,
        msg: format!("must be in 1..={FONT_FOLDS}"),
    })
}

/// [`read_training_ink`] of a file's bytes; `path` names it.
fn training_ink_from(path: &Path, bytes: &[u8]) -> Result<InkTrainingSet> {
    use sha2::Digest;
    let sha256 = sha2::Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    let bad = |line: usize, msg: String| Error::Ink {
        path: path.to_path_buf(),
        line,
        msg,
    };
    let mut drawings = Vec::new();
    for (line, rec) in eval::parse_ink_lines(path, bytes)? {
        let label = rec.label.ok_or_else(|| {
            bad(
                line,
                "drawing has no \"label\" (training needs a digit 0..=9)".into(),
            )
        })?;
        let img = eval::ink_to_image(&rec)
            .map_err(|e| {
                bad(
                    line,
                    format!("drawing cannot be preprocessed: {}", eval::ink_error(&e)),
                )
            })?
            .ok_or_else(|| {
                bad(
                    line,
                    format!(
                        "the core reads this drawing as no digit (empty, too small, or more than \
                         {} times as wide as it is tall: a dash); fix or remove the line",
                        nnet_core::preprocess::MAX_FLATNESS
                    ),
                )
            })?;
        drawings.push(InkDrawing {
            label,
            image: img,
            strokes: rec.strokes,
        });
    }
    if drawings.is_empty() {
        return Err(Error::Dataset(format!("{}: no drawings", path.display())));
    }
    Ok(InkTrainingSet {
        path: path.to_path_buf(),
        sha256,
        drawings,
    })
}

/// One epoch's numbers (also the `--log-json` record).
#[derive(Debug, Clone, Serialize)]
pub struct EpochLog {
    /// 1-based epoch.
    pub epoch: usize,
    /// Mean training loss.
    pub train_loss: f64,
    /// Validation accuracy (0..1), when there is a validation split.
    pub val_accuracy: Option<f32>,
    /// Learning rate used.
    pub lr: f32,
    /// Seconds of the training loop (with `--augment`, the next epoch's
    /// images were augmented alongside it, in the same threads).
    pub train_seconds: f64,
    /// Seconds the augmentation of this epoch's images took (before the
    /// first epoch, or alongside the previous one).
    pub augment_seconds: f64,
    /// Training images per second (`train_seconds`).
    pub images_per_second: f64,
}

/// The `--log-json` file: one JSON object per epoch.
///
/// A stream ([`crate::Destination::Through`]: `/dev/stdout`, a pipe) gets each
/// line as its epoch ends; one that fails (its reader gone) loses the lines,
/// with a note, not the run. A file is written whole once the model is
/// ([`crate::write_file`]), so a run that fails or is stopped leaves an
/// earlier log as it was, never a log of a model that was not written.
#[derive(Debug)]
enum JsonLog {
    /// Written into as the epochs end; `None` once a write failed.
    Stream(PathBuf, Option<std::fs::File>),
    /// The lines so far, for the file written at the end.
    File(PathBuf, String),
}

impl JsonLog {
    fn open(path: &Path) -> Result<Self> {
        Ok(match crate::destination(path)? {
            crate::Destination::Through(p) => {
                let f = std::fs::OpenOptions::new()
                    .append(true)
                    .open(&p)
                    .map_err(|e| Error::io(&p, e))?;
                JsonLog::Stream(p, Some(f))
            }
            crate::Destination::File(_) => JsonLog::File(path.to_path_buf(), String::new()),
        })
    }

    fn push(&mut self, log: &EpochLog) -> Result<()> {
        let line = serde_json::to_string(log).map_err(|source| Error::Json {
            context: format!("encoding the log of epoch {}", log.epoch),
            source,
        })?;
        match self {
            JsonLog::Stream(path, file) => {
                if let Some(f) = file {
                    if let Err(e) = writeln!(f, "{line}") {
                        crate::note(format_args!(
                            "warning: {}: {e}; the JSON log stops here, the training goes on",
                            path.display()
                        ));
                        *file = None;
                    }
                }
            }
            JsonLog::File(_, text) => {
                text.push_str(&line);
                text.push('\n');
            }
        }
        Ok(())
    }

    fn finish(self) -> Result<()> {
        match self {
            JsonLog::Stream(..) => Ok(()),
            JsonLog::File(path, text) => crate::write_file(&path, text.as_bytes()),
        }
    }
}

/// What a training run produced.
#[derive(Debug, Clone)]
pub struct TrainOutcome {
    /// Final parameters.
    pub params: Params,
    /// Per-epoch log.
    pub history: Vec<EpochLog>,
    /// Test accuracy measured through `nnet-core`, when the test split exists.
    pub test_accuracy: Option<f32>,
    /// The model file bytes as written.
    pub model_bytes: Vec<u8>,
}

/// Hyperparameter summary stored in the model's notes.
pub fn notes(cfg: &TrainConfig) -> String {
    let opt = match cfg.optimizer {
        Optimizer::Sgd { momentum } => format!("sgd(momentum={momentum})"),
        Optimizer::Adam { beta1, beta2, eps } => format!("adam(b1={beta1},b2={beta2},eps={eps})"),
    };
    format!(
        "host-trainer {}: hidden={} epochs={} batch={} opt={opt} lr={} schedule={:?} seed={} threads={} augment={} val_split={} limit={}{}{}; command: {}",
        env!("CARGO_PKG_VERSION"),
        cfg.hidden,
        cfg.epochs,
        cfg.batch,
        cfg.lr,
        cfg.schedule,
        cfg.seed,
        cfg.threads,
        cfg.augment.is_some(),
        cfg.val_split,
        cfg.limit.map_or("none".to_string(), |l| l.to_string()),
        if cfg.ink.is_empty() {
            String::new()
        } else {
            format!(" ink_weight={}", cfg.ink_weight)
        },
        if cfg.augment.is_some() {
            let fold = cfg
                .hold_out_fonts
                .map_or(String::new(), |f| format!(" hold_out_fonts={f}"));
            format!(" font_digits={}{fold}", cfg.font_digits)
        } else {
            String::new()
        },
        cfg.command
    )
}

/// Checks a run's numbers (hidden units, epochs, batch size, threads, validation split,
/// learning rate, ink weight, font-digit ratio) without touching a file: [`train`] does
/// it first, and the command line before it checks (and makes the directory of) any output.
pub fn check_settings(cfg: &TrainConfig) -> Result<()> {
    eval::check_hidden(cfg.hidden)?;
    let bad = |setting, msg: &str| {
        Err(Error::Setting {
            setting,
            msg: msg.into(),
        })
    };
    if !(1..=MAX_EPOCHS).contains(&cfg.epochs) {
        return bad(Setting::Epochs, &format!("must be in 1..={MAX_EPOCHS}"));
    }
    check_sizes(cfg.batch, cfg.threads)?;
    if !(0.0..1.0).contains(&cfg.val_split) {
        return bad(Setting::ValSplit, "must be in 0..1");
    }
    if !(cfg.lr.is_finite() && cfg.lr > 0.0 && cfg.lr <= MAX_LEARNING_RATE) {
        return bad(
            Setting::LearningRate,
            &format!("must be a number in (0, {MAX_LEARNING_RATE}]"),
        );
    }
    if !(1..=MAX_INK_WEIGHT).contains(&cfg.ink_weight) {
        return bad(
            Setting::InkWeight,
            &format!("must be in 1..={MAX_INK_WEIGHT}"),
        );
    }
    if !(cfg.font_digits.is_finite() && (0.0..=MAX_FONT_DIGITS).contains(&cfg.font_digits)) {
        return bad(
            Setting::FontDigits,
            &format!("must be a number in 0..={MAX_FONT_DIGITS}"),
        );
    }
    if let Some(fold) = cfg.hold_out_fonts {
        check_fold(fold)?;
        if cfg.augment.is_none() || cfg.font_digits == 0.0 {
            return bad(
                Setting::HoldOutFonts,
                "has nothing to leave out: this run trains on no font digits (they need \
                 --augment and a --font-digits above 0)",
            );
        }
    }
    Ok(())
}

/// Trains a model as configured, writes it and returns what happened (the
/// per-epoch history included: [`crate::plot::training_curves`] draws it).
pub fn train(cfg: &TrainConfig) -> Result<TrainOutcome> {
    check_settings(cfg)?;
    // a run that cannot write its model, or would write over its input, is refused before it trains
    check_output(&cfg.out, "--out", "model file")?;
    // the data set's files, found once: inputs no output may name, loaded below (a missing
    // training split is an error there, a missing test split leaves the test out)
    let train_files = idx::find_split(&cfg.data, Split::Train);
    let test_files = idx::find_optional_split(&cfg.data, Split::Test)?;
    let inputs: Vec<(&str, &Path)> = cfg
        .ink
        .iter()
        .map(|p| ("--ink", p.as_path()))
        .chain(
            train_files
                .iter()
                .chain(&test_files)
                .flat_map(|(images, labels)| [images, labels])
                .map(|p| ("a --data file", p.as_path())),
        )
        .collect();
    check_not_input(&cfg.out, "--out", &inputs)?;
    if let Some(log) = &cfg.log_json {
        check_output(log, "--log-json", "JSON log")?;
        let mut inputs = inputs.clone();
        inputs.push(("--out", cfg.out.as_path()));
        check_not_input(log, "--log-json", &inputs)?;
        check_outputs_apart(&[("--out", &cfg.out), ("--log-json", log)])?;
    }
    let ink = cfg
        .ink
        .iter()
        .map(|p| read_training_ink(p))
        .collect::<Result<Vec<_>>>()?;
    let fonts = match cfg.augment {
        Some(_) if cfg.font_digits > 0.0 => Some(training_fonts()?),
        _ => None,
    };
    let (fonts, held_out) = match (fonts, cfg.hold_out_fonts) {
        (Some(f), Some(fold)) => {
            let (kept, names) = hold_out(f, fold)?;
            (Some(kept), names)
        }
        (f, _) => (f, Vec::new()),
    };
    let (images, labels) = train_files?;
    let mut all = idx::load_pair(&images, &labels)?;
    if let Some(l) = cfg.limit {
        if l > all.len() {
            crate::note(format_args!(
                "warning: a limit of {l} training images, but {} has {}: all of them are used",
                cfg.data.display(),
                all.len()
            ));
        }
        all = all.head(l);
    }
    if all.is_empty() {
        return Err(Error::Dataset(format!(
            "{}: no training images",
            cfg.data.display()
        )));
    }
    // an empty test split is no test split (no accuracy of 0% is recorded)
    let test = match &test_files {
        Some((images, labels)) => Some(idx::load_pair(images, labels)?).filter(|t| !t.is_empty()),
        None => None,
    };
    // seeded split into training and validation images
    let mut perm: Vec<usize> = (0..all.len()).collect();
    perm.shuffle(&mut rng_for(cfg.seed, u64::MAX - 1, 0));
    let n_val = ((all.len() as f64) * f64::from(cfg.val_split)).round() as usize;
    let pick = |ix: &[usize]| {
        let mut d = Dataset::default();
        for &i in ix {
            d.images.extend_from_slice(all.image(i));
            d.labels.push(all.labels[i]);
        }
        d
    };
    let (val_ix, train_ix) = perm.split_at(n_val.min(all.len().saturating_sub(1)));
    let mut train_ix = train_ix.to_vec();
    train_ix.sort_unstable();
    let mut train = pick(&train_ix);
    let mnist_images = train.len();
    let val = pick(val_ix);
    drop(all);
    // ink drawings follow the MNIST images, each `ink_weight` times, then
    // the font digits; the validation split stays MNIST only
    let font_weight = fonts.as_ref().map_or(0, |f| {
        let per_digit = cfg.font_digits * train.len() as f32 / f.drawings.len() as f32;
        (per_digit.round() as usize).max(1)
    });
    let n_drawings: usize = ink.iter().map(|s| s.drawings.len()).sum();
    check_memory(
        train.len(),
        n_drawings * cfg.ink_weight,
        fonts.as_ref().map_or(0, |f| f.drawings.len() * font_weight),
        cfg.augment.is_some(),
        available_memory(),
    )?;
    let mut drawings = Vec::new();
    let weighted = ink
        .iter()
        .map(|s| (s, cfg.ink_weight))
        .chain(fonts.iter().map(|f| (f, font_weight)));
    for (set, weight) in weighted {
        for d in &set.drawings {
            // (their strokes are for augmentation alone)
            let framed = cfg
                .augment
                .map(|_| augment::drawing_frame(&d.strokes).unwrap_or_default());
            for _ in 0..weight {
                train.images.extend_from_slice(&d.image);
                train.labels.push(d.label);
                drawings.extend(framed.clone());
            }
        }
    }

    // a batch larger than the training set is one batch of all of it (the same weights):
    // buffers for the images there are, not for the batch asked for
    let batch = cfg.batch.min(train.len());
    let mut trainer = Trainer::new(
        Params::init(cfg.hidden, cfg.seed),
        cfg.optimizer,
        batch,
        cfg.threads,
    )
    .map_err(Error::Trainer)?;
    let say = |s: String| {
        if !cfg.quiet {
            crate::note(format_args!("{s}"));
        }
    };
    let drawn = train.len() - mnist_images;
    say(format!(
        "training 784-{}-10 on {}{} per epoch ({} more held out for validation), {}, batch {}, {}",
        cfg.hidden,
        crate::plural(mnist_images, "MNIST image"),
        if drawn > 0 {
            format!(" + {}", crate::plural(drawn, "drawing sighting"))
        } else {
            String::new()
        },
        val.len(),
        crate::plural(cfg.epochs, "epoch"),
        batch,
        crate::plural(cfg.threads, "thread")
    ));
    say(format!(
        "kernels: {} (every instruction set and thread count trains the same weights)",
        crate::simd::level().name()
    ));
    if n_drawings > 0 {
        say(format!(
            "ink: {n_drawings} labelled drawings from {} file(s), each seen {} per epoch",
            ink.len(),
            crate::plural(cfg.ink_weight, "time")
        ));
    }
    if let Some(f) = &fonts {
        say(format!(
            "font digits: {} drawings, the digits 0-9 of {} handwriting fonts ({}), each seen {} per epoch",
            f.drawings.len(),
            f.drawings.len() / 10,
            crate::fontset::TRAINING_PATH,
            crate::plural(font_weight, "time")
        ));
        if let Some(fold) = cfg.hold_out_fonts {
            say(format!(
                "held out: font fold {fold} of {FONT_FOLDS}, {} fonts ({})",
                held_out.len(),
                held_out.join(", ")
            ));
        }
    }
    let augmenter = match cfg.augment {
        Some(a) => {
            let t0 = Instant::now();
            let aug = trainer
                .pool()
                .install(|| Augmenter::with_drawings(&train, drawings, a, cfg.seed));
            say(format!(
                "augmentation: skeleton strokes for {:.1}% of the training digits ({:.1} s)",
                100.0 * aug.stroke_coverage(),
                t0.elapsed().as_secs_f64()
            ));
            Some(aug)
        }
        None => None,
    };
    // With augmentation, epoch e + 1's images are made while epoch e trains,
    // in the same thread pool (a thread the training leaves idle takes
    // augmentation work; `augment_alongside` off: each epoch before it
    // trains): two buffers, the first filled before the loop.
    let mut aug_bufs = [Vec::new(), Vec::new()];
    let mut augment_seconds = 0.0;
    if let Some(aug) = &augmenter {
        aug_bufs = [
            vec![0.0f32; train.len() * INPUT],
            vec![0.0f32; train.len() * INPUT],
        ];
        let t = Instant::now();
        trainer
            .pool()
            .install(|| aug.epoch(&train, 0, &mut aug_bufs[0]));
        augment_seconds = t.elapsed().as_secs_f64();
    }
    let pool = std::sync::Arc::clone(trainer.pool());
    let mut log_json = cfg.log_json.as_deref().map(JsonLog::open).transpose()?;
    let mut history = Vec::new();
    let mut order: Vec<u32> = (0..train.len() as u32).collect();
    for e in 0..cfg.epochs {
        let lr = cfg.schedule.lr(cfg.lr, e, cfg.epochs);
        let [even, odd] = &mut aug_bufs;
        let (this, next) = if e % 2 == 0 { (even, odd) } else { (odd, even) };
        if let (Some(aug), false, true) = (&augmenter, cfg.augment_alongside, e > 0) {
            let t = Instant::now();
            pool.install(|| aug.epoch(&train, e as u64, this));
            augment_seconds = t.elapsed().as_secs_f64();
        }
        let images: &[f32] = if augmenter.is_some() {
            this.as_slice()
        } else {
            &train.images
        };
        order.sort_unstable();
        order.shuffle(&mut rng_for(cfg.seed, e as u64, u64::MAX));
        let bar = if cfg.quiet {
            ProgressBar::hidden()
        } else {
            let b = ProgressBar::new(order.len() as u64);
            b.set_style(
                ProgressStyle::with_template(
                    "epoch {prefix} [{bar:30}] {pos}/{len} {rate} ETA {eta} {msg}",
                )
                .unwrap_or_else(|_| ProgressStyle::default_bar())
                .with_key(
                    "rate",
                    |s: &indicatif::ProgressState, w: &mut dyn std::fmt::Write| {
                        let _ = write!(w, "{:.0} img/s", s.per_sec());
                    },
                )
                .progress_chars("=> "),
            );
            b.set_prefix(format!("{}/{}", e + 1, cfg.epochs));
            b
        };
        let t0 = Instant::now();
        let pb = bar.clone();
        let mut progress = move |done: usize, loss: f64| {
            pb.set_position(done as u64);
            pb.set_message(format!("loss {loss:.4}"));
        };
        let (st, next_augment_seconds) = pool.install(|| {
            rayon::join(
                || trainer.train_epoch(images, &train.labels, &order, lr, &mut progress),
                || {
                    let t = Instant::now();
                    match &augmenter {
                        Some(aug) if cfg.augment_alongside && e + 1 < cfg.epochs => {
                            aug.epoch(&train, (e + 1) as u64, next);
                        }
                        _ => {}
                    }
                    t.elapsed().as_secs_f64()
                },
            )
        });
        let train_seconds = t0.elapsed().as_secs_f64();
        bar.finish_and_clear();
        let val_accuracy = (!val.is_empty()).then(|| {
            let p = trainer.params();
            trainer
                .pool()
                .install(|| p.accuracy(&val.images, &val.labels))
        });
        let log = EpochLog {
            epoch: e + 1,
            train_loss: st.loss,
            val_accuracy,
            lr,
            train_seconds,
            augment_seconds,
            images_per_second: st.images as f64 / train_seconds.max(1e-9),
        };
        let augmented = if augmenter.is_some() {
            format!(", its images augmented in {augment_seconds:.2} s")
        } else {
            String::new()
        };
        say(format!(
            "epoch {:>3}/{}: train loss {:.4}, val accuracy {}, lr {:.2e}, {:.2} s ({:.0} img/s){augmented}",
            log.epoch,
            cfg.epochs,
            log.train_loss,
            log.val_accuracy
                .map_or("-".to_string(), |a| crate::percent(f64::from(a))),
            lr,
            train_seconds,
            log.images_per_second,
        ));
        augment_seconds = next_augment_seconds;
        if let Some(json) = log_json.as_mut() {
            json.push(&log)?;
        }
        history.push(log);
    }
    let params = trainer.params();
    // the metadata's test accuracy is measured by nnet-core on the model's own weights
    let mut model = params.to_model(OwnedMetadata {
        dataset: dataset_name(&cfg.data),
        seed: cfg.seed,
        epochs: cfg.epochs as u32,
        test_accuracy: None,
        notes: notes(cfg)
            + &ink
                .iter()
                .map(|s| ("ink", s))
                .chain(fonts.iter().map(|f| ("font digits", f)))
                .map(|(what, s)| {
                    format!(
                        "; {what} {} ({} drawings, sha256 {})",
                        s.path.display(),
                        s.drawings.len(),
                        s.sha256
                    )
                })
                .collect::<String>(),
    });
    let test_accuracy = match &test {
        Some(t) => {
            // on the global pool: the trainer's threads flush subnormals, the
            // reported accuracy must come from plain nnet-core as `evaluate` runs it
            let r = eval::evaluate_dataset(&model, t, 0)?;
            Some(r.accuracy() as f32)
        }
        None => None,
    };
    model.meta.test_accuracy = test_accuracy;
    // many long --ink paths must not make the file unwritable after the whole run
    model.meta.cut_to_fit();
    let bytes = model
        .to_bytes()
        .map_err(|e| Error::core("encoding the model file", e))?;
    crate::write_file(&cfg.out, &bytes)?;
    if let Some(json) = log_json {
        json.finish()?;
    }
    Ok(TrainOutcome {
        params,
        history,
        test_accuracy,
        model_bytes: bytes,
    })
}

/// Checks that the file `option` names (the `what`) can be written at `out` without
/// writing it: not a directory, its directory created if missing and
/// writable (a file is created there and removed), and an existing file open
/// for writing (left as it is). A link is checked at the file it names; what
/// [`crate::write_file`] writes into ([`crate::Destination::Through`]) must be
/// there, and a pipe must have its reader (its writer would wait for one at
/// the end of the run). `train` calls it before it trains, so that a run is
/// never lost to an output path it cannot write.
pub fn check_output(out: &Path, option: &str, what: &str) -> Result<()> {
    if crate::names_directory(out) {
        return Err(Error::Config(format!(
            "{}: names a directory (it ends in `/`, `.` or `..`); {option} names the {what} to write",
            out.display()
        )));
    }
    if out.is_dir() {
        return Err(Error::Config(format!(
            "{}: is a directory; {option} names the {what} to write",
            out.display()
        )));
    }
    let target = match crate::destination(out)? {
        crate::Destination::Through(path) => return check_through(&path),
        crate::Destination::File(path) => path,
    };
    let out = target.as_path();
    if out.exists() {
        std::fs::OpenOptions::new()
            .append(true)
            .open(out)
            .map_err(|e| Error::io(out, e))?;
    }
    let dir = crate::parent_dir(out);
    crate::create_dirs(dir)?;
    if let Some(name) = out.file_name() {
        let n = name.as_encoded_bytes().len();
        if n > crate::MAX_NAME_BYTES {
            return Err(Error::Config(format!(
                "{}: a file name of {n} bytes; file systems take at most {}",
                out.display(),
                crate::MAX_NAME_BYTES
            )));
        }
    }
    let probe = dir.join(format!(".nnet-output.{}.write-check", std::process::id()));
    std::fs::File::create(&probe).map_err(|e| {
        Error::Config(format!(
            "{}: cannot be written: no file can be made in {} ({e})",
            out.display(),
            dir.display()
        ))
    })?;
    std::fs::remove_file(&probe).map_err(|e| Error::io(&probe, e))?;
    Ok(())
}

/// Refuses drawings whose images would not fit in the memory this machine has
/// available (`available`, bytes; `None`: unknown, nothing refused), before any of them
/// is made, when fewer sightings would fit: `images` training images already in memory
/// (MNIST's), `ink_items` and `font_items` sightings of drawings to add (each drawing once
/// per `--ink-weight`, a copy each), each item 784 floats, and with `augment` two more
/// per item of the whole set (the epoch training and the one made alongside it). Only the
/// ink weight is the user's to lower: a run that would not fit without the ink either is
/// not refused here.
pub fn check_memory(
    images: usize,
    ink_items: usize,
    font_items: usize,
    augment: bool,
    available: Option<u64>,
) -> Result<()> {
    let image = (INPUT * std::mem::size_of::<f32>()) as u64;
    // what is still to be allocated, for `ink` sightings
    let need = |ink: usize| {
        let added = (ink + font_items) as u64 * image;
        let augmented = if augment {
            2 * (images + ink + font_items) as u64 * image
        } else {
            0
        };
        added + augmented
    };
    match available {
        Some(available) if need(ink_items) > available && need(0) <= available => {
            Err(Error::Setting {
                setting: Setting::InkWeight,
                msg: format!(
                    "makes {ink_items} drawing sightings per epoch, beside {images} other \
                     training images: the images still to be made need about {:.1} GiB{}, \
                     more than the {:.1} GiB of memory available; lower --ink-weight",
                    need(ink_items) as f64 / f64::from(1u32 << 30),
                    if augment {
                        " (with --augment's two epochs of augmented images)"
                    } else {
                        ""
                    },
                    available as f64 / f64::from(1u32 << 30)
                ),
            })
        }
        _ => Ok(()),
    }
}

/// The memory this machine has available for a new allocation, in bytes: Linux's
/// `MemAvailable` (`/proc/meminfo`); `None` where that cannot be read.
pub fn available_memory() -> Option<u64> {
    let info = std::fs::read_to_string("/proc/meminfo").ok()?;
    let line = info.lines().find(|l| l.starts_with("MemAvailable:"))?;
    let kib: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    kib.checked_mul(1024)
}

/// Refuses a file output that the directories made for the others turned into a directory
/// (`--out o/run --log-json o/run/log.json`: the log's check makes `o/run`, where the model
/// was to go), and two outputs that are the same file (the one written last would take the
/// other's place without a word). Called once every output is checked, before the work,
/// which would otherwise end with a file it cannot write. `outputs` are each output's
/// option and path.
pub fn check_outputs_apart(outputs: &[(&str, &Path)]) -> Result<()> {
    for (i, (option, out)) in outputs.iter().enumerate() {
        if let Some((other_option, other)) = outputs[i + 1..]
            .iter()
            .find(|(_, other)| same_file(out, other))
        {
            return Err(Error::Config(format!(
                "{}: {option} and {other_option} ({}) name the same file; give each its own",
                out.display(),
                other.display()
            )));
        }
    }
    for (option, out) in outputs {
        if out.is_dir() {
            let inside = outputs
                .iter()
                .find(|(_, other)| other != out && other.starts_with(out));
            let by = inside.map_or(String::new(), |(other_option, other)| {
                format!(" ({other_option} {} goes in it)", other.display())
            });
            return Err(Error::Config(format!(
                "{}: {option} names a file to write, but another output needs it as a directory{by}",
                out.display()
            )));
        }
    }
    Ok(())
}

/// An output written into ([`crate::Destination::Through`]): it must be there
/// (nothing is made in `/dev` or under `/proc`), and a pipe must have a reader.
fn check_through(out: &Path) -> Result<()> {
    crate::claim_stdout_if_same(out);
    let meta = std::fs::metadata(out).map_err(|e| match e.kind() {
        std::io::ErrorKind::NotFound => Error::Config(format!(
            "{}: not there, and nothing is made in /dev or under /proc (it is written into)",
            out.display()
        )),
        _ => Error::io(out, e),
    })?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::{FileTypeExt, OpenOptionsExt};
        if meta.file_type().is_fifo() {
            // a pipe opened without waiting: ENXIO when nothing reads it
            if let Err(e) = std::fs::OpenOptions::new()
                .append(true)
                .custom_flags(libc::O_NONBLOCK)
                .open(out)
            {
                return Err(Error::Config(format!(
                    "{}: a pipe that nothing reads yet ({e}): start its reader first",
                    out.display()
                )));
            }
        }
    }
    #[cfg(not(unix))]
    let _ = meta;
    Ok(())
}

/// Refuses an output path that names one of the command's inputs (by path,
/// `.` and `..`, symbolic or hard links alike): writing it would destroy the
/// input. `option` names the output's option, `inputs` each input's option
/// and path. Outputs that do not exist yet name no input.
pub fn check_not_input(out: &Path, option: &str, inputs: &[(&str, &Path)]) -> Result<()> {
    for (what, input) in inputs {
        if same_file(out, input) {
            return Err(Error::Config(format!(
                "{}: {option} names the same file as {what}; writing it would destroy that file, \
                 so give {option} another name",
                out.display()
            )));
        }
    }
    Ok(())
}

/// Whether `a` and `b` are the same file: the same existing file, or, when
/// one does not exist yet, the same name in the same directory (links
/// followed). What is written into (a device, a pipe: [`crate::Destination::Through`])
/// is no file to destroy.
fn same_file(a: &Path, b: &Path) -> bool {
    let (Ok(crate::Destination::File(a)), Ok(crate::Destination::File(b))) =
        (crate::destination(a), crate::destination(b))
    else {
        return false;
    };
    let (a, b) = (a.as_path(), b.as_path());
    let (Ok(ma), Ok(mb)) = (std::fs::metadata(a), std::fs::metadata(b)) else {
        return resolved(a).is_some_and(|a| resolved(b) == Some(a));
    };
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        ma.dev() == mb.dev() && ma.ino() == mb.ino()
    }
    #[cfg(not(unix))]
    {
        let _ = (ma, mb);
        matches!((a.canonicalize(), b.canonicalize()), (Ok(x), Ok(y)) if x == y)
    }
}

/// A file path with its directory resolved: absolute, the part of it that exists with its
/// links followed, and each step after that taken as the system takes it: `..` out of a
/// directory not made yet back to its parent, then links followed again wherever the path
/// comes back to what exists (`sets/../early/x` is `early/x` when `sets` is not there yet, and
/// `new/../link/x` the file `link` leads to).
fn resolved(p: &Path) -> Option<std::path::PathBuf> {
    use std::path::Component;
    let dir = std::path::absolute(crate::parent_dir(p)).ok()?;
    let (mut at, rest) = dir
        .ancestors()
        .find_map(|a| Some((a.canonicalize().ok()?, dir.strip_prefix(a).ok()?)))?;
    for part in rest.components() {
        match part {
            Component::ParentDir => {
                at.pop();
            }
            Component::Normal(name) => {
                at.push(name);
                if let Ok(real) = at.canonicalize() {
                    at = real;
                }
            }
            _ => {}
        }
    }
    Some(at.join(p.file_name()?))
}

/// Largest accepted learning rate: far above any that trains (the shipped
/// model's is the SGD default, 0.2), and low enough that a typo such as `--lr 1e30`
/// is refused at once instead of ending a run with non-finite weights.
pub const MAX_LEARNING_RATE: f32 = 10.0;

/// Largest accepted mini-batch.
pub const MAX_BATCH: usize = 65_536;
/// Largest accepted thread count.
pub const MAX_THREADS: usize = 256;

/// Checks batch size and thread count: at least 1 and at most
/// [`MAX_BATCH`] / [`MAX_THREADS`].
pub fn check_sizes(batch: usize, threads: usize) -> Result<()> {
    if !(1..=MAX_BATCH).contains(&batch) {
        return Err(Error::Setting {
            setting: Setting::BatchSize,
            msg: format!("must be in 1..={MAX_BATCH}"),
        });
    }
    if !(1..=MAX_THREADS).contains(&threads) {
        return Err(Error::Setting {
            setting: Setting::Threads,
            msg: format!("must be in 1..={MAX_THREADS}"),
        });
    }
    Ok(())
}

/// The data set's name for the metadata: the directory's last component
/// (`data/mnist` → `mnist`).
pub fn dataset_name(dir: &Path) -> String {
    dir.file_name()
        .and_then(|s| s.to_str())
        .unwrap_or("idx")
        .to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Drawings are refused when the images still to be made for them need more than the
    /// memory available and fewer would fit; MNIST's and the fonts' alone, a run that would
    /// not fit without the ink either, or an unknown amount, never are.
    #[test]
    fn ink_that_would_not_fit_in_memory_is_refused() {
        let image = (INPUT * 4) as u64;
        // 5 sightings to add to 10 images: 5 images, and 2 x 15 more with augmentation
        assert!(check_memory(10, 5, 0, false, Some(5 * image)).is_ok());
        let e = check_memory(10, 5, 0, false, Some(5 * image - 1)).unwrap_err();
        assert!(
            matches!(
                e,
                Error::Setting {
                    setting: Setting::InkWeight,
                    ..
                }
            ),
            "{e}"
        );
        assert!(check_memory(10, 5, 0, true, Some(35 * image)).is_ok());
        assert!(check_memory(10, 5, 0, true, Some(35 * image - 1)).is_err());
        // without the ink it would need 20 images: with less, lowering the weight cannot help
        assert!(check_memory(10, 5, 0, true, Some(20 * image)).is_err());
        assert!(check_memory(10, 5, 0, true, Some(20 * image - 1)).is_ok());
        assert!(check_memory(10, 0, 5, true, Some(1)).is_ok());
        assert!(check_memory(10, 5, 5, true, None).is_ok());
    }
}
