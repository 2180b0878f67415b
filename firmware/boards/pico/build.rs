//! Puts `memory.x` (the RP2040 memory map, with the boot2 section) on the linker search path for cortex-m-rt's `link.x`.
use std::env;
use std::fs;
use std::path::PathBuf;

fn main() {
    // a build for another core links, and would only fail on the board
    let target = env::var("TARGET").unwrap_or_default();
    if target != "thumbv6m-none-eabi" {
        eprintln!(
            "error: firmware-pico runs on the RP2040's Cortex-M0+: build it with --target thumbv6m-none-eabi (this build is for {target})"
        );
        std::process::exit(1);
    }
    let out = PathBuf::from(env::var_os("OUT_DIR").expect("cargo sets OUT_DIR"));
    fs::write(out.join("memory.x"), include_bytes!("memory.x"))
        .expect("writing memory.x to OUT_DIR");
    println!("cargo:rustc-link-search={}", out.display());
    println!("cargo:rerun-if-changed=memory.x");
    println!("cargo:rerun-if-changed=build.rs");
}
