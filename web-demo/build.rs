//! Finds the model file the server embeds as its default (`include_bytes!`).
//!
//! Default: `models/mnist-mlp.nnet` at the workspace root (made by
//! `host-trainer`). Override with the environment variable `NNET_WEB_MODEL`
//! (absolute, or relative to the workspace root). A missing file stops the
//! build with a message saying how to make one; the bytes are validated when
//! the server starts (and by the crate's tests).
use std::env;
use std::path::PathBuf;
use std::process::exit;

fn main() {
    println!("cargo:rerun-if-changed=build.rs");
    println!("cargo:rerun-if-env-changed=NNET_WEB_MODEL");
    let manifest = PathBuf::from(env::var_os("CARGO_MANIFEST_DIR").unwrap_or_default());
    let root = manifest
        .parent()
        .map_or_else(|| manifest.join(".."), PathBuf::from);
    let path = match env::var_os("NNET_WEB_MODEL") {
        Some(p) if !p.is_empty() => root.join(PathBuf::from(p)),
        _ => root.join("models").join("mnist-mlp.nnet"),
    };
    println!("cargo:rerun-if-changed={}", path.display());
    match path.canonicalize() {
        Ok(abs) if abs.is_file() => {
            println!("cargo:rustc-env=NNET_WEB_MODEL_PATH={}", abs.display());
        }
        _ => {
            eprintln!(
                "\nerror: web-demo embeds a default model and cannot find it at\n  {}\n\
                 Make it with the trainer (see README: `cargo run --release -p host-trainer -- ...`,\n\
                 which writes models/mnist-mlp.nnet), or point the build at another model file with\n\
                 NNET_WEB_MODEL=/path/to/model.nnet (a 784-300-10 nnet model, f32 or int8 weights).\n",
                path.display()
            );
            exit(1);
        }
    }
}
