//! Embeds the model file into the firmware at build time.
//!
//! Reads `models/mnist-mlp.nnet` — `models/mnist-mlp-i8.nnet` with the cargo
//! feature `int8` — (or the file named by the `NNET_MODEL` environment
//! variable), validates it with `nnet-core` (magic, version, shape 784-H-10,
//! weight type matching the feature: f32 by default, int8 with `int8`,
//! checksum, finite weights) and writes
//! `$OUT_DIR/model.rs`, which `src/model.rs` includes: the hidden size as a
//! const and the file bytes as a 16-byte aligned `include_bytes!`, so the
//! weights are used in place from flash. Any problem fails the build with a
//! message that says what to do.
use std::env;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use nnet_core::format::WeightType;

/// The largest hidden layer the firmware accepts: its hidden activations live
/// on the stack during inference (4 bytes each).
const MAX_HIDDEN: usize = 2048;

fn main() -> ExitCode {
    match run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(msg) => {
            eprintln!("error: {msg}");
            ExitCode::FAILURE
        }
    }
}

fn run() -> Result<(), String> {
    println!("cargo:rerun-if-env-changed=NNET_MODEL");
    let int8 = env::var_os("CARGO_FEATURE_INT8").is_some();
    let (default_file, kind, feature_hint) = if int8 {
        (
            "mnist-mlp-i8.nnet",
            "int8",
            "(this build has the feature `int8`; drop it to embed an f32 model)",
        )
    } else {
        (
            "mnist-mlp.nnet",
            "f32",
            "(build with the feature `int8`, e.g. `--features int8`, to embed an int8 model)",
        )
    };
    let manifest = PathBuf::from(env::var("CARGO_MANIFEST_DIR").map_err(|e| e.to_string())?);
    let path = match env::var_os("NNET_MODEL") {
        Some(p) if !p.is_empty() => {
            let p = PathBuf::from(p);
            if p.is_absolute() {
                p
            } else {
                env::current_dir().map_err(|e| e.to_string())?.join(p)
            }
        }
        // the repository root is the manifest directory's parent
        _ => manifest
            .parent()
            .unwrap_or(&manifest)
            .join("models")
            .join(default_file),
    };
    println!("cargo:rerun-if-changed={}", path.display());
    let hint = if int8 {
        "produce the int8 model with `cargo run --release -p host-trainer -- quantize \
         --model models/mnist-mlp.nnet --out models/mnist-mlp-i8.nnet` (see README: `models/`), \
         or point the environment variable NNET_MODEL at a valid 784-H-10 int8 .nnet file"
    } else {
        "produce the default model with the host-trainer (see README: `models/`), \
         or point the environment variable NNET_MODEL at a valid 784-H-10 f32 .nnet file"
    };
    let bytes = fs::read(&path).map_err(|e| {
        format!(
            "firmware: cannot read the model file {}: {e}\n  {hint}",
            path.display()
        )
    })?;
    let unusable = |e: nnet_core::Error| {
        format!(
            "firmware: the model file {} is not usable: {e}\n  {hint}",
            path.display()
        )
    };
    let stored = nnet_core::format::ModelView::parse(&bytes)
        .map_err(unusable)?
        .header
        .weight_type;
    let expected = if int8 {
        WeightType::Int8
    } else {
        WeightType::F32
    };
    if stored != expected {
        return Err(format!(
            "firmware: the model file {} has {} weights, but this build expects {kind} weights {feature_hint}\n  {hint}",
            path.display(),
            match stored {
                WeightType::F32 => "f32",
                WeightType::Int8 => "int8",
            }
        ));
    }
    let (hidden, test_accuracy) = if int8 {
        let m = nnet_core::format::OwnedQuantModel::from_bytes(&bytes).map_err(unusable)?;
        (m.hidden, m.meta.test_accuracy)
    } else {
        let m = nnet_core::format::OwnedModel::from_bytes(&bytes).map_err(unusable)?;
        (m.hidden, m.meta.test_accuracy)
    };
    if hidden > MAX_HIDDEN {
        return Err(format!(
            "firmware: the model file {} has {hidden} hidden units; the firmware supports at most {MAX_HIDDEN}\n  {hint}",
            path.display(),
        ));
    }
    let out = PathBuf::from(env::var("OUT_DIR").map_err(|e| e.to_string())?).join("model.rs");
    fs::write(&out, generated(&path, hidden, test_accuracy))
        .map_err(|e| format!("writing {}: {e}", out.display()))?;
    Ok(())
}

fn generated(path: &Path, hidden: usize, test_accuracy: Option<f32>) -> String {
    let abs = path.canonicalize().unwrap_or_else(|_| path.to_path_buf());
    let accuracy = match test_accuracy {
        Some(a) => format!("Some({a:?}_f32)"),
        None => "None".to_string(),
    };
    format!(
        "/// Hidden units of the embedded model (read from the model file at build time).\n\
         pub const HIDDEN: usize = {hidden};\n\
         /// Test accuracy recorded in the embedded model file, if any.\n\
         pub const TEST_ACCURACY: Option<f32> = {accuracy};\n\
         /// Where the embedded model file was read from at build time.\n\
         pub const SOURCE_PATH: &str = {src:?};\n\
         static ALIGNED: &Aligned16<[u8]> = &Aligned16(*include_bytes!({src:?}));\n",
        src = abs.display().to_string(),
    )
}
