//! # host-trainer
//!
//! The host side of nnet, where models are made:
//!
//! ```text
//! MNIST IDX files ─> idx ─> augment (+ strokes) ─> net/train (batched GEMM) ─> nnet_core::format ─> models/*.nnet
//! models/*.nnet + test images / ink ─> eval (inference through nnet-core) ─> report, confusion PNG
//! ```
//!
//! The trainer's fast batched math ([`net`]) is its own; everything it
//! *reports* (accuracy, confusion matrix, predictions) is computed by
//! `nnet-core`, so the numbers describe the code that ships.
#![deny(missing_docs)]

pub mod adapt;
pub mod augment;
pub mod bench;
pub mod error;
pub mod eval;
pub mod fetch;
pub mod fontset;
pub mod hershey;
pub mod idx;
pub mod inkset;
pub mod net;
pub mod plot;
pub mod predict;
pub mod simd;
pub mod skeleton;
pub mod style;
pub mod styleset;
pub mod train;

pub use error::{Error, Result};

/// Writes one line of progress or a note to stderr. A closed or failing
/// stderr (`2>&1 | head`, say) loses the line, not the run: the work goes on
/// and its files are still written.
pub fn note(line: std::fmt::Arguments<'_>) {
    use std::io::Write;
    let _ = writeln!(std::io::stderr().lock(), "{line}");
}

/// Writes one line to stdout, as [`note`] does to stderr: a closed stdout
/// (`| head`) loses the line, not the run.
pub fn tell(line: std::fmt::Arguments<'_>) {
    use std::io::Write;
    let _ = writeln!(std::io::stdout().lock(), "{line}");
}
