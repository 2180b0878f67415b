//! Sets `cfg(nnet_arm_dsp)` on Arm targets that always have the DSP
//! extension (`thumbv7em-*`: Cortex-M4/M7), where `quant` uses `sxtb16` and
//! `smlabb`. (`target_feature = "dsp"` would say the same, but Arm target
//! features are not visible to `cfg` on stable Rust.) Sets `cfg(nnet_soft_float)`
//! on `thumbv6m-*` (Cortex-M0/M0+, no FPU), where the int8 hidden layer's
//! sigmoid compares bit patterns instead of calling float routines, and
//! `cfg(nnet_armv6m)` on the same targets, where the int8 hidden sums are the
//! Thumb-1 loop of `armv6m.rs`.
fn main() {
    println!("cargo::rustc-check-cfg=cfg(nnet_arm_dsp)");
    println!("cargo::rustc-check-cfg=cfg(nnet_soft_float)");
    println!("cargo::rustc-check-cfg=cfg(nnet_armv6m)");
    println!("cargo::rerun-if-changed=build.rs");
    let target = std::env::var("TARGET").unwrap_or_default();
    if target.starts_with("thumbv7em") {
        println!("cargo::rustc-cfg=nnet_arm_dsp");
    }
    // Cortex-M0/M0+ (the Raspberry Pi Pico): no FPU, float compares are library calls
    if target.starts_with("thumbv6m") {
        println!("cargo::rustc-cfg=nnet_soft_float");
        println!("cargo::rustc-cfg=nnet_armv6m");
    }
}
