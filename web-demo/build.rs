//! Prepares what the server embeds (`include_bytes!`): the default model file
//! and the page's WebAssembly module.
//!
//! ## The model
//!
//! Default: `models/mnist-mlp.nnet` at the workspace root (made by
//! `host-trainer`). Override with the environment variable `NNET_WEB_MODEL`
//! (absolute, or relative to the workspace root). A missing file stops the
//! build with a message saying how to make one; the bytes are validated when
//! the server starts (and by the crate's tests).
//!
//! ## The WebAssembly module
//!
//! `web-demo/wasm` (crate `nnet-wasm`: `nnet-core` behind a C-ABI export
//! layer) is compiled for `wasm32-unknown-unknown` with the workspace's `wasm`
//! profile by a nested `cargo build --locked --offline` into
//! `$OUT_DIR/wasm-target`. The nested cargo gets its own target and build
//! directory (the outer build holds the lock on its own), the outer build's
//! jobserver, and none of the outer build's target, flags or wrappers, so the
//! module is the same whichever command builds the server. `rust-toolchain.toml`
//! names the wasm32 target, so rustup installs it with the toolchain.
use std::env;
use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::process::{exit, Command};

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
    build_wasm(&root);
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

/// Settings of the outer build a nested cargo must not inherit.
const OUTER_ONLY: &[&str] = &[
    "CARGO_TARGET_DIR",
    "CARGO_BUILD_TARGET_DIR",
    "CARGO_BUILD_BUILD_DIR",
    "CARGO_BUILD_TARGET",
    "CARGO_ENCODED_RUSTFLAGS",
    "CARGO_BUILD_RUSTFLAGS",
    "RUSTFLAGS",
    "RUSTC_WORKSPACE_WRAPPER",
];

fn build_wasm(root: &Path) {
    for input in [
        "web-demo/wasm",
        "nnet-core/src",
        "nnet-core/Cargo.toml",
        "Cargo.toml",
        "Cargo.lock",
        "rust-toolchain.toml",
    ] {
        println!("cargo:rerun-if-changed={}", root.join(input).display());
    }
    let out = PathBuf::from(env::var_os("OUT_DIR").unwrap_or_default());
    let target_dir = out.join("wasm-target");
    let cargo = env::var_os("CARGO").unwrap_or_else(|| OsString::from("cargo"));
    let mut cmd = Command::new(cargo);
    cmd.current_dir(root)
        .args(["build", "--locked", "--offline", "-p", "nnet-wasm"])
        .args(["--profile", "wasm", "--target", "wasm32-unknown-unknown"])
        .arg("--target-dir")
        .arg(&target_dir);
    for name in OUTER_ONLY {
        cmd.env_remove(name);
    }
    let status = cmd.status();
    let built = target_dir.join("wasm32-unknown-unknown/wasm/nnet_wasm.wasm");
    if !matches!(status, Ok(s) if s.success()) || !built.is_file() {
        eprintln!(
            "\nerror: could not build the page's WebAssembly module (web-demo/wasm) with\n  \
             cargo build -p nnet-wasm --profile wasm --target wasm32-unknown-unknown\n\
             ({status:?}). Is the wasm32 target installed? `rustup target add wasm32-unknown-unknown`\n"
        );
        exit(1);
    }
    let dest = out.join("nnet.wasm");
    if let Err(e) = std::fs::copy(&built, &dest) {
        eprintln!(
            "\nerror: cannot copy {} to {}: {e}\n",
            built.display(),
            dest.display()
        );
        exit(1);
    }
    println!("cargo:rustc-env=NNET_WASM_PATH={}", dest.display());
}
