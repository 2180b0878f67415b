//! Embeds the model file into the firmware at build time, by the workspace's
//! one embedding rule ([`nnet_core::embed`]): `models/mnist-mlp.nnet` —
//! `models/mnist-mlp-i8.nnet` with the cargo feature `int8` — or the file named
//! by `NNET_MODEL` (absolute, or relative to the workspace root), validated by
//! `nnet-core` (shape 784-H-10, checksum, finite weights, the weight type the
//! feature asks for, at most [`MAX_HIDDEN`] hidden units).
//!
//! Writes `$OUT_DIR/model.rs`, which `src/model.rs` includes: the hidden size
//! as a const and the file bytes as a 16-byte aligned `include_bytes!`, so the
//! weights are used in place from flash. Any problem fails the build with a
//! message that says what to do.
use std::env;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use nnet_core::embed::{self, Request};
use nnet_core::format::WeightType;

/// The largest hidden layer the firmware accepts: what the board learns (the
/// output layer, 10 x (H + 1) values) must fit one of the boards' 16 KiB
/// flash slots (`firmware::store::Region::record_len`: up to H = 407; the
/// store's tests check this limit), and the hidden activations live on the
/// stack during inference.
const MAX_HIDDEN: usize = 400;

fn main() -> ExitCode {
    let int8 = env::var_os("CARGO_FEATURE_INT8").is_some();
    let manifest = PathBuf::from(env::var_os("CARGO_MANIFEST_DIR").unwrap_or_default());
    // the workspace root is the firmware crate's parent
    let root = manifest.parent().unwrap_or(&manifest);
    let request = Request {
        workspace_root: root,
        default_file: if int8 {
            "mnist-mlp-i8.nnet"
        } else {
            "mnist-mlp.nnet"
        },
        weight_types: if int8 {
            &[WeightType::Int8]
        } else {
            &[WeightType::F32]
        },
        hidden: 1..=MAX_HIDDEN,
    };
    let model = match embed::embed(&request) {
        Ok(m) => m,
        Err(e) => {
            let feature = if int8 {
                "this build has the cargo feature `int8` (the Pico's default) and embeds int8 \
                 models: make one from an f32 model with `host-trainer quantize --model M` (it \
                 writes M's name with `-i8`), or build for an f32 model (F429: without \
                 `--features int8`; Pico: `--no-default-features --features f32`)"
            } else {
                "build with the cargo feature `int8` (`--features int8`) to embed an int8 model"
            };
            eprintln!(
                "error: firmware: {e}\n  ({feature})\n  {}",
                embed::hint(&request)
            );
            return ExitCode::FAILURE;
        }
    };
    let out = PathBuf::from(env::var_os("OUT_DIR").unwrap_or_default()).join("model.rs");
    if let Err(e) = std::fs::write(
        &out,
        generated(&model.path, model.hidden, model.test_accuracy),
    ) {
        eprintln!("error: firmware: writing {}: {e}", out.display());
        return ExitCode::FAILURE;
    }
    ExitCode::SUCCESS
}

fn generated(path: &Path, hidden: usize, test_accuracy: Option<f32>) -> String {
    let accuracy = match test_accuracy {
        Some(a) => format!("Some({a:?}_f32)"),
        None => "None".to_string(),
    };
    format!(
        "/// Hidden units of the embedded model (read from the model file at build time).\n\
         pub const HIDDEN: usize = {hidden};\n\
         /// The most hidden units the build accepts (`firmware/build.rs`).\n\
         pub const MAX_HIDDEN: usize = {MAX_HIDDEN};\n\
         /// Test accuracy recorded in the embedded model file, if any.\n\
         pub const TEST_ACCURACY: Option<f32> = {accuracy};\n\
         /// Where the embedded model file was read from at build time.\n\
         pub const SOURCE_PATH: &str = {src:?};\n\
         static ALIGNED: &nnet_core::format::Aligned<[u8]> = \
         &nnet_core::format::Aligned(*include_bytes!({src:?}));\n",
        src = path.display().to_string(),
    )
}
