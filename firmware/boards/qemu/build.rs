//! Puts THIS crate's `memory.x` (QEMU mps2-an386 layout) on the linker search
//! path, where cortex-m-rt's `link.x` (passed by `../.cargo/config.toml`)
//! includes it. The board binary in the same workspace has its own `memory.x`;
//! each bin crate's build script adds only its own directory, so the two never mix.
use std::env;
use std::fs;
use std::path::PathBuf;

fn main() {
    let out = PathBuf::from(env::var_os("OUT_DIR").expect("cargo sets OUT_DIR"));
    fs::write(out.join("memory.x"), include_bytes!("memory.x")).expect("write memory.x to OUT_DIR");
    println!("cargo:rustc-link-search={}", out.display());
    println!("cargo:rustc-link-arg-bins=--nmagic");
    println!("cargo:rerun-if-changed=memory.x");
    println!("cargo:rerun-if-changed=data");
}
