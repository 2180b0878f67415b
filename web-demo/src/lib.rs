//! # web-demo
//!
//! The browser front end of nnet: an HTTP server (axum on hyper/tokio) that
//! ships one self-contained drawing page and a JSON API. Where it sits in the
//! data flow of `docs/architecture.md`:
//!
//! ```text
//! browser pointer strokes (ink JSON) ─┐
//!                                     ├─> nnet_core::preprocess ─> [f32; 784] ─> Mlp::predict ─> JSON
//! raster pixels / classic /estimate  ─┘
//! models/mnist-mlp.nnet (embedded at build time, or --model PATH) ─> nnet_core::format ─> Mlp
//! ```
//!
//! Nothing here re-implements inference, preprocessing or the model format:
//! every answer comes from `nnet-core`.
//!
//! * [`model`]: the embedded / loaded network and what `GET /api/model` says about it.
//! * [`api`]: routes, request validation, JSON errors ([`app`]).
//! * [`assets`]: the page's WebAssembly module and the model file (ETag, gzip), and the static build ([`assets::export`]).
//! * [`server`]: the connection loop with timeouts ([`serve`]).
#![deny(missing_docs)]

pub mod api;
pub mod assets;
pub mod model;
pub mod server;

pub use api::{app, AppState, Limits};
pub use model::{Model, ModelError, ModelInfo, Net, HIDDEN};
pub use server::{serve, serve_with_shutdown};

/// Writes a line to standard output like `println!`, except that a stdout that cannot take
/// it (a closed pipe, a full disk) drops the line instead of panicking: a log line is no
/// reason to stop serving, nor to report a written export as failed.
#[macro_export]
macro_rules! say {
    ($($t:tt)*) => {{
        use ::std::io::Write as _;
        let _ = ::std::writeln!(::std::io::stdout().lock(), $($t)*);
    }};
}

/// [`say!`] for standard error.
#[macro_export]
macro_rules! note {
    ($($t:tt)*) => {{
        use ::std::io::Write as _;
        let _ = ::std::writeln!(::std::io::stderr().lock(), $($t)*);
    }};
}
