//! The golden forward-pass checks as a wasm32 module (run by
//! `scripts/ci.d/10-wasm-bits.sh` under node): the same network and inputs as
//! `tests/forward.rs` and `tests/quant.rs`, answered by the same core, must give
//! the very bits of `tests/data/forward-golden.txt` and `quant-golden.txt`.
//!
//! Exports `golden_f32()` and `golden_int8()` -> `*const u32`: per case the
//! digit, then the 10 probabilities' bit patterns (`CASES * 11` words), or
//! null on error.
#[path = "../tests/support/golden_net.rs"]
#[allow(dead_code)]
mod golden_net;

use golden_net::H;
use nnet_core::{quant, Error, Image, Prediction};

fn run(predict: impl Fn(&Image) -> Result<Prediction, Error>) -> *const u32 {
    let words: Result<Vec<u32>, Error> = golden_net::inputs()
        .iter()
        .map(|x| predict(x).map(|p| golden_net::words(&p)))
        .collect::<Result<Vec<_>, _>>()
        .map(|w| w.concat());
    match words {
        // the results live until the module is dropped
        Ok(w) => w.leak().as_ptr(),
        Err(_) => std::ptr::null(),
    }
}

/// The f32 golden network.
#[no_mangle]
pub extern "C" fn golden_f32() -> *const u32 {
    let m = golden_net::model();
    match m.mlp::<H>() {
        Ok(mlp) => run(|x| mlp.predict(x)),
        Err(_) => std::ptr::null(),
    }
}

/// Its int8 quantisation.
#[no_mangle]
pub extern "C" fn golden_int8() -> *const u32 {
    let Ok(q) = quant::quantize(&golden_net::model()) else {
        return std::ptr::null();
    };
    match q.quant_mlp::<H>() {
        Ok(mlp) => run(|x| mlp.predict(x)),
        Err(_) => std::ptr::null(),
    }
}
