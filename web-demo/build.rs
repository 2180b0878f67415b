//! Prepares what the server embeds (`include_bytes!`): the default model file
//! and the page's WebAssembly module.
//!
//! ## The model
//!
//! By the workspace's one embedding rule ([`nnet_core::embed`]): the file
//! named by `NNET_MODEL` (absolute, or relative to the workspace root), else
//! `models/mnist-mlp.nnet`; validated by `nnet-core` at build time (f32 or
//! int8 weights, 784-300-10), so a missing or broken file stops the build with
//! a message saying how to make or choose one.
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

use nnet_core::embed::{self, Request};
use nnet_core::format::WeightType;

fn main() {
    println!("cargo:rerun-if-changed=build.rs");
    let manifest = PathBuf::from(env::var_os("CARGO_MANIFEST_DIR").unwrap_or_default());
    let root = manifest
        .parent()
        .map_or_else(|| manifest.join(".."), PathBuf::from);
    let request = Request {
        workspace_root: &root,
        default_file: "mnist-mlp.nnet",
        weight_types: &[WeightType::F32, WeightType::Int8],
        // the server's network type is 784-300-10 (`model::HIDDEN`)
        hidden: 300..=300,
    };
    if let Err(e) = embed::embed(&request) {
        eprintln!("\nerror: web-demo: {e}\n  {}\n", embed::hint(&request));
        exit(1);
    }
    build_wasm(&root);
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
