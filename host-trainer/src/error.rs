//! The library's error type.
use std::path::PathBuf;

/// Everything that can go wrong in `host-trainer`'s library code. Every
/// variant that concerns a file names it.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// Reading or writing a file failed. (The message includes the I/O
    /// error's, so it is not a `source`: the CLI would print it twice.)
    #[error("{path}: {cause}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The underlying I/O error.
        cause: std::io::Error,
    },
    /// An IDX file is malformed (truncated, wrong magic, wrong sizes).
    #[error("{path}: {msg}")]
    Idx {
        /// The file.
        path: PathBuf,
        /// What is wrong with it.
        msg: String,
    },
    /// A data set directory does not hold the expected files, or image and
    /// label files disagree.
    #[error("{0}")]
    Dataset(String),
    /// A downloaded file does not have the expected SHA-256.
    #[error("{path}: SHA-256 mismatch (expected {expected}, got {actual})")]
    Checksum {
        /// The file.
        path: PathBuf,
        /// The expected hex digest.
        expected: String,
        /// The actual hex digest.
        actual: String,
    },
    /// Running an external command (e.g. `npm pack`) failed.
    #[error("{0}")]
    Command(String),
    /// `nnet-core` rejected something (model file, input, preprocessing).
    /// (The message includes the core's, which is therefore not a `source`.)
    #[error("{context}: {cause}")]
    Core {
        /// What was being done.
        context: String,
        /// The core's error.
        cause: nnet_core::Error,
    },
    /// A line of an ink JSON Lines file could not be parsed.
    #[error("{path}:{line}: {msg}")]
    Ink {
        /// The file.
        path: PathBuf,
        /// 1-based line number.
        line: usize,
        /// What is wrong.
        msg: String,
    },
    /// An image file could not be read or written.
    #[error("{path}: {msg}")]
    Image {
        /// The file.
        path: PathBuf,
        /// What went wrong.
        msg: String,
    },
    /// The trainer could not be set up (sizes, thread pool).
    #[error("setting up the trainer")]
    Trainer(#[source] crate::net::TrainerError),
    /// Encoding a record as JSON failed.
    #[error("{context}")]
    Json {
        /// What was being encoded.
        context: String,
        /// The serde_json error.
        #[source]
        source: serde_json::Error,
    },
    /// A raster could not be turned into strokes.
    #[error("{context}")]
    Skeleton {
        /// Which raster.
        context: String,
        /// Why.
        #[source]
        source: crate::skeleton::SkeletonError,
    },
    /// The built-in Hershey digit data could not be parsed.
    #[error("reading the built-in Hershey digit glyphs")]
    Hershey(#[source] crate::hershey::HersheyError),
    /// A training setting is out of range (the CLI names the option).
    #[error("{setting} {msg}")]
    Setting {
        /// Which setting.
        setting: Setting,
        /// What it must be.
        msg: String,
    },
    /// An option or combination of options is invalid.
    #[error("{0}")]
    Config(String),
    /// A mistake on the command line that the parser cannot see (a file name of the wrong
    /// kind, options that do not go together): the command line exits with status 2, as for
    /// the parser's own mistakes.
    #[error("{0}")]
    Usage(String),
}

/// A training setting checked by the library; the command line maps each to its option.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Setting {
    /// Number of epochs.
    Epochs,
    /// Mini-batch size.
    BatchSize,
    /// Worker threads.
    Threads,
    /// Fraction held out for validation.
    ValSplit,
    /// Peak learning rate.
    LearningRate,
    /// Repetitions of the ink training set.
    InkWeight,
    /// Font digits per training image.
    FontDigits,
    /// Font fold left out of training.
    HoldOutFonts,
    /// SGD steps per correction (`adapt`).
    Steps,
}

impl std::fmt::Display for Setting {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Setting::Epochs => "the number of epochs",
            Setting::BatchSize => "the batch size",
            Setting::Threads => "the thread count",
            Setting::ValSplit => "the validation split",
            Setting::LearningRate => "the learning rate",
            Setting::InkWeight => "the ink weight",
            Setting::FontDigits => "the font digits per image",
            Setting::HoldOutFonts => "the font fold held out",
            Setting::Steps => "the number of steps per correction",
        })
    }
}

impl Error {
    /// Wraps an I/O error with the path it concerns.
    pub fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        Error::Io {
            path: path.into(),
            cause: source,
        }
    }

    /// Wraps an `nnet-core` error with a description of what was being done.
    pub fn core(context: impl Into<String>, source: nnet_core::Error) -> Self {
        Error::Core {
            context: context.into(),
            cause: source,
        }
    }
}

/// Result with [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;
