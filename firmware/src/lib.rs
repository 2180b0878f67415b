//! # firmware
//!
//! The touchscreen digit recognizer of nnet, as a `#![no_std]` library that the
//! board binary (STM32F429I-DISC1, `firmware/boards/f429`), the QEMU
//! self-test (`firmware/boards/qemu`) and the desktop simulator
//! (`src/bin/simulator.rs`) all run unchanged:
//!
//! ```text
//! STMPE811 / mouse / script ─> touch::TouchFilter ─> app::App ─> nnet_core::ink::Strokes
//!      ─(pen up)─> nnet_core::preprocess::from_strokes ─> Mlp or QuantMlp (model::classifier, weights in flash)
//! app::App::draw ─> ui (embedded-graphics, Rgb565, 240x320) ─> any DrawTarget (LTDC framebuffer, simulator)
//! ```
//!
//! * [`touch`]: debouncing and jitter filtering of raw touch polls into down/move/up events.
//! * [`app`]: the application state machine; recognition on pen-up.
//! * [`ui`]: the screen layout and drawing.
//! * [`framebuffer`]: a 240x320 RGB565 framebuffer `DrawTarget` (LTDC layer, QEMU frame, tests).
//! * [`script`]: scripted touch strokes for several digits (simulator and QEMU self-test).
//! * [`stmpe811`]: a small driver for the STMPE811 resistive touch controller (embedded-hal 1.0 I2C).
//! * [`xpt2046`]: a small driver for the XPT2046 resistive touch controller (embedded-hal 1.0 SPI).
//! * [`model`]: the model file embedded at build time.
//! * [`disc1`]: the STM32F429I-DISC1's revisions (detected from its gyroscope) and their touch mappings.
//! * [`i2c_bus`]: recovery of a stuck I2C bus and a bus wrapper that never starts a transfer on one.
//! * [`notice`]: full-screen errors (start-up, panic) and banners, without allocation.
//! * [`inklog`]: a drawing as a line of the ink JSON Lines format, for the boards' logs.
//! * [`store`]: what the board learned, kept in two flash slots across resets.
#![no_std]
#![deny(missing_docs)]
#![forbid(unsafe_code)]

#[cfg(test)]
extern crate std;

pub mod app;
#[cfg(test)]
mod app_props;
pub mod disc1;
pub mod framebuffer;
pub mod i2c_bus;
pub mod inklog;
pub mod model;
pub mod notice;
pub mod script;
pub mod stmpe811;
pub mod store;
pub mod touch;
pub mod ui;
pub mod xpt2046;
