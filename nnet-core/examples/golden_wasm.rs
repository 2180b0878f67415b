//! The golden forward-pass checks as a wasm32 module (run by
//! `scripts/ci.d/10-wasm-bits.sh` under node): the same network and inputs as
//! `tests/forward.rs` and `tests/quant.rs`, answered by the same core, must give
//! the very bits of `tests/data/forward-golden.txt` and `quant-golden.txt`.
//!
//! Exports `golden_f32()` and `golden_int8()` -> `*const u32`: per case the
//! digit, then the 10 probabilities' bit patterns (`CASES * 11` words), or
//! null on error; and `golden_adapt_f32()` / `golden_adapt_int8()`: the text
//! of `tests/data/adapt-golden.txt` / `adapt-quant-golden.txt` as computed here
//! (one length word, then the bytes).
#[path = "../tests/support/golden_net.rs"]
#[allow(dead_code)]
mod golden_net;

use golden_net::H;
use nnet_core::packed::{PackedMlp, PackedQuantMlp};
use nnet_core::{quantizer, Error, Image, Prediction};

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

/// The f32 golden network repacked for speed (`nnet_core::packed`; its
/// portable code path on wasm32).
#[no_mangle]
pub extern "C" fn golden_f32_packed() -> *const u32 {
    let m = golden_net::model();
    match m.mlp::<H>() {
        Ok(mlp) => {
            let packed = PackedMlp::new(&mlp);
            run(|x| packed.predict(x))
        }
        Err(_) => std::ptr::null(),
    }
}

/// The int8 golden network repacked for speed.
#[no_mangle]
pub extern "C" fn golden_int8_packed() -> *const u32 {
    let Ok(q) = quantizer::quantize(&golden_net::model()) else {
        return std::ptr::null();
    };
    match q.quant_mlp::<H>() {
        Ok(mlp) => {
            let packed = PackedQuantMlp::new(&mlp);
            run(|x| packed.predict(x))
        }
        Err(_) => std::ptr::null(),
    }
}

/// Its int8 quantisation.
#[no_mangle]
pub extern "C" fn golden_int8() -> *const u32 {
    let Ok(q) = quantizer::quantize(&golden_net::model()) else {
        return std::ptr::null();
    };
    match q.quant_mlp::<H>() {
        Ok(mlp) => run(|x| mlp.predict(x)),
        Err(_) => std::ptr::null(),
    }
}

/// The adapt golden text (`golden_net::adapt_lines`) as `[length in bytes,
/// then the UTF-8 bytes]`, or null on error.
fn adapt_text(int8: bool) -> *const u32 {
    match golden_net::adapt_lines(int8) {
        Ok(lines) => {
            let text = lines.join("\n") + "\n";
            let mut words = vec![text.len() as u32];
            words.extend(text.as_bytes().chunks(4).map(|c| {
                let mut b = [0u8; 4];
                b[..c.len()].copy_from_slice(c);
                u32::from_le_bytes(b)
            }));
            words.leak().as_ptr()
        }
        Err(_) => std::ptr::null(),
    }
}

/// The f32 golden network adapted by one correction per golden input.
#[no_mangle]
pub extern "C" fn golden_adapt_f32() -> *const u32 {
    adapt_text(false)
}

/// Its int8 quantisation adapted the same way (f32 RAM output layer).
#[no_mangle]
pub extern "C" fn golden_adapt_int8() -> *const u32 {
    adapt_text(true)
}
