//! The golden forward-pass check as a wasm32 module (run by
//! `scripts/ci.d/10-wasm-bits.sh` under node): the same network and inputs as
//! `tests/forward.rs`, answered by the same core, must give the very bits in
//! `tests/data/forward-golden.txt`.
//!
//! Exports `golden() -> *const u32`: per case the digit, then the 10
//! probabilities' bit patterns (`CASES * 11` words), or null on error.
#[path = "../tests/support/golden_net.rs"]
#[allow(dead_code)]
mod golden_net;

use golden_net::{CASES, H};
use nnet_core::{Mlp, INPUT, OUTPUT};

/// Per case: the digit, then the 10 probabilities' bit patterns.
type Results = [u32; CASES * (1 + OUTPUT)];

fn run() -> Option<Box<Results>> {
    let (mut w1, mut b1, mut w2, mut b2) = (
        vec![0.0; H * INPUT],
        vec![0.0; H],
        vec![0.0; OUTPUT * H],
        vec![0.0; OUTPUT],
    );
    golden_net::network(&mut w1, &mut b1, &mut w2, &mut b2);
    let mut x = Box::new([[0.0; INPUT]; CASES]);
    golden_net::inputs(&mut x);
    let mlp = Mlp::<H>::from_slices(&w1, &b1, &w2, &b2).ok()?;
    let mut out = Box::new([0u32; CASES * (1 + OUTPUT)]);
    for (x, out) in x.iter().zip(out.chunks_exact_mut(1 + OUTPUT)) {
        let p = mlp.predict(x).ok()?;
        out[0] = u32::from(p.digit);
        for (o, v) in out[1..].iter_mut().zip(p.probabilities) {
            *o = v.to_bits();
        }
    }
    Some(out)
}

/// Runs the check once; the results live until the module is dropped.
#[no_mangle]
pub extern "C" fn golden() -> *const u32 {
    match run() {
        Some(out) => Box::leak(out).as_ptr(),
        None => std::ptr::null(),
    }
}
