//! The library's error type.
use std::path::PathBuf;

/// Everything that can go wrong in `host-trainer`'s library code. Every
/// variant that concerns a file names it.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// Reading or writing a file failed.
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The underlying I/O error.
        source: std::io::Error,
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
    #[error("{context}: {source}")]
    Core {
        /// What was being done.
        context: String,
        /// The core's error.
        source: nnet_core::Error,
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
    /// An option or combination of options is invalid.
    #[error("{0}")]
    Config(String),
}

impl Error {
    /// Wraps an I/O error with the path it concerns.
    pub fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        Error::Io {
            path: path.into(),
            source,
        }
    }

    /// Wraps an `nnet-core` error with a description of what was being done.
    pub fn core(context: impl Into<String>, source: nnet_core::Error) -> Self {
        Error::Core {
            context: context.into(),
            source,
        }
    }
}

/// Result with [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;
