//! # nnet-core
//!
//! The one source of truth at run time for nnet: every front end (the
//! `web-demo` server, the `firmware` on the board and in QEMU, the
//! `host-trainer`'s evaluation) calls this crate, so a digit drawn anywhere
//! gets the same answer, bit for bit.
//!
//! ```text
//! strokes ─┐
//!          ├─> preprocess ─> [f32; 784] ─> Mlp::predict ─> Prediction
//! raster  ─┘
//! model file bytes ─> format::ModelView (zero-copy) / format::OwnedModel ─> Mlp
//!                                                      format::OwnedQuantModel ─> QuantMlp (int8)
//! ```
//!
//! * [`model`]: the fixed-size 784-H-10 perceptron and its deterministic forward pass.
//! * [`quant`]: the int8 network (8-bit weights with per-row f32 scales,
//!   exact integer sums over the inked pixels).
//! * `quantizer` (feature `alloc`): an f32 model to an int8 model.
//! * [`Classifier`]: the one interface of both networks (one image in, one
//!   prediction out).
//! * [`format`]: the versioned model file (magic, header via postcard, weights,
//!   f32 or int8).
//! * [`ink`]: stroke capture in fixed-capacity `heapless` buffers, and the
//!   JSON Lines ink record (with the `alloc` feature).
//! * [`preprocess`]: strokes or rasters to an MNIST-style 28x28 image.
//! * [`adapt`]: learning from one correction: a few SGD steps on an owned,
//!   RAM-resident copy of the output layer (f32 and int8 networks).
//!
//! The crate is `#![no_std]`, allocates nothing on the inference path and never
//! panics on any input; errors are the small [`Error`] enum. The `alloc` and
//! `std` features are opt-in. The `micromath` feature computes the f32 path's
//! hidden sigmoid with `micromath`'s fast `exp` approximation instead of
//! `libm::expf` (for cores without an FPU; results then differ from the
//! default build, see [`model::sigmoid`]).
#![no_std]
#![deny(missing_docs)]
#![forbid(unsafe_op_in_unsafe_fn)]

#[cfg(feature = "alloc")]
extern crate alloc;
#[cfg(feature = "std")]
extern crate std;

pub mod adapt;
#[cfg(nnet_armv6m)]
mod armv6m;
mod classifier;
#[cfg(feature = "std")]
pub mod embed;
mod error;
pub mod format;
pub mod ink;
pub mod model;
#[cfg(feature = "alloc")]
pub mod packed;
pub mod preprocess;
pub mod quant;
#[cfg(feature = "alloc")]
pub mod quantizer;

pub use classifier::Classifier;
pub use error::Error;
pub use model::{Mlp, Prediction};
pub use quant::QuantMlp;

/// Side length of the network's square input image (MNIST: 28).
pub const SIDE: usize = 28;
/// Number of network inputs: one per pixel of the 28x28 image.
pub const INPUT: usize = SIDE * SIDE;
/// Number of network outputs: one per digit class.
pub const OUTPUT: usize = 10;

/// A network input: 28x28 pixels in row-major order, 0.0 = background,
/// 1.0 = full ink (white-on-black, like MNIST divided by 255).
pub type Image = [f32; INPUT];
