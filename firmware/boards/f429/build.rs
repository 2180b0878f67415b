//! Puts `memory.x` (the STM32F429ZI memory map) on the linker search path for cortex-m-rt's `link.x`,
//! and links the binary with `defmt.x` (the sections of defmt's log strings, read by `probe-rs run`).
use std::env;
use std::fs;
use std::path::PathBuf;

fn main() {
    // a build for another core links, and would only fail on the board
    let target = env::var("TARGET").unwrap_or_default();
    if target != "thumbv7em-none-eabihf" {
        eprintln!(
            "error: firmware-f429 runs on the STM32F429's Cortex-M4F: build it with --target thumbv7em-none-eabihf (this build is for {target})"
        );
        std::process::exit(1);
    }
    let out = PathBuf::from(env::var_os("OUT_DIR").expect("cargo sets OUT_DIR"));
    fs::write(out.join("memory.x"), include_bytes!("memory.x"))
        .expect("writing memory.x to OUT_DIR");
    println!("cargo:rustc-link-search={}", out.display());
    println!("cargo:rustc-link-arg-bins=-Tdefmt.x");
    println!("cargo:rerun-if-changed=memory.x");
    println!("cargo:rerun-if-changed=build.rs");
}
