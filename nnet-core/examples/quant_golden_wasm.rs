//! The int8 golden check as a wasm32 module: the golden network of
//! `tests/forward.rs`, quantised by `quant::quantize`, answered by
//! `QuantMlp::predict` on the golden inputs, must give the very bits in
//! `tests/data/quant-golden.txt` (whose case lines follow its first line).
//! Run like `golden_wasm` with `scripts/wasm-golden.mjs`:
//!
//! ```text
//! cargo build -p nnet-core --release --example quant_golden_wasm --target wasm32-unknown-unknown
//! node scripts/wasm-golden.mjs $CARGO_TARGET_DIR/wasm32-unknown-unknown/release/examples/quant_golden_wasm.wasm \
//!     | diff - <(tail -n +2 nnet-core/tests/data/quant-golden.txt)
//! ```
//!
//! Exports `golden() -> *const u32`: per case the digit, then the 10
//! probabilities' bit patterns (`CASES * 11` words), or null on error.
#[path = "../tests/support/golden_net.rs"]
#[allow(dead_code)]
mod golden_net;

use golden_net::{CASES, H};
use nnet_core::format::{OwnedMetadata, OwnedModel};
use nnet_core::{quant, INPUT, OUTPUT};

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
    let model = OwnedModel {
        hidden: H,
        meta: OwnedMetadata::default(),
        w1,
        b1,
        w2,
        b2,
    };
    let q = quant::quantize(&model).ok()?;
    let mlp = q.quant_mlp::<H>().ok()?;
    let mut x = Box::new([[0.0; INPUT]; CASES]);
    golden_net::inputs(&mut x);
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
