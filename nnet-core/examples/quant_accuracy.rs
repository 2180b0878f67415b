//! The int8 model and the `micromath` sigmoid against the default f32 path,
//! on the 10,000 MNIST test images:
//!
//! ```text
//! cargo run --release -p nnet-core --example quant_accuracy -- [F32_MODEL] [MNIST_DIR]
//! ```
//!
//! (defaults `models/mnist-mlp.nnet`, `data/mnist`; a 784-300-10 f32 model.)
//! Prints accuracy and digit agreement of
//! * the int8 model made by `quantizer::quantize` (the shipped arithmetic), and two
//!   variants of it that were measured to choose that arithmetic: the hidden
//!   activation rounded from `libm`'s sigmoid instead of the threshold table,
//!   and a float (unquantised) hidden activation in the output layer;
//! * the f32 network with the hidden sigmoid through `libm::expf` (default)
//!   and through `micromath::F32Ext::exp` (feature `micromath`), each
//!   computed explicitly here, plus a check that the crate's `Mlp` gives the
//!   bits of the one its build selected.
#[path = "../tests/support/mnist.rs"]
mod mnist;

use std::path::PathBuf;
use std::process::ExitCode;

use micromath::F32Ext;
use nnet_core::format::OwnedModel;
use nnet_core::model::{dot, prediction_from_logits};
use nnet_core::quant::{self, QuantMlp, INV255};
use nnet_core::quantizer;
use nnet_core::{Image, Mlp, OUTPUT};

const H: usize = 300;

/// f32 forward pass with an explicit sigmoid, in the crate's summation order.
fn f32_logits(mlp: &Mlp<'_, H>, x: &Image, sigmoid: impl Fn(f32) -> f32) -> [f32; OUTPUT] {
    let h: [f32; H] = core::array::from_fn(|j| sigmoid(dot(&mlp.w1()[j], x) + mlp.b1()[j]));
    core::array::from_fn(|k| dot(&mlp.w2()[k], &h) + mlp.b2()[k])
}

/// The int8 pass up to the hidden pre-activations, then `act` for the output layer input.
fn int8_variant(q: &QuantMlp<'_, H>, x: &Image, float_hidden: bool) -> u8 {
    let xq = quant::quantize_input(x).expect("MNIST pixels are finite");
    let mut acc = [0i32; H];
    q.hidden_acc_into(&xq, &mut acc);
    let z1: [f32; H] = core::array::from_fn(|j| q.hidden_pre_activation(j, acc[j]));
    let z: [f32; OUTPUT] = if float_hidden {
        let h: [f32; H] = core::array::from_fn(|j| nnet_core::model::sigmoid(z1[j]));
        core::array::from_fn(|k| {
            let w: [f32; H] = core::array::from_fn(|j| f32::from(q.w2q()[k][j]));
            dot(&w, &h) * q.s2()[k] + q.b2()[k]
        })
    } else {
        let hq: [u8; H] =
            core::array::from_fn(|j| (nnet_core::model::sigmoid(z1[j]) * 255.0 + 0.5) as u8);
        let acc2 = q.output_acc(&hq);
        core::array::from_fn(|k| acc2[k] as f32 * (q.s2()[k] * INV255) + q.b2()[k])
    };
    prediction_from_logits(&z).digit
}

fn run() -> Result<(), String> {
    let mut args = std::env::args().skip(1);
    let root = mnist::root();
    let model_path = args
        .next()
        .map(PathBuf::from)
        .unwrap_or_else(|| root.join("models/mnist-mlp.nnet"));
    let data = args
        .next()
        .map(PathBuf::from)
        .unwrap_or_else(|| root.join("data/mnist"));
    let bytes = std::fs::read(&model_path).map_err(|e| format!("{}: {e}", model_path.display()))?;
    let model =
        OwnedModel::from_bytes(&bytes).map_err(|e| format!("{}: {e}", model_path.display()))?;
    let mlp = model.mlp::<H>().map_err(|e| e.to_string())?;
    let qmodel = quantizer::quantize(&model).map_err(|e| e.to_string())?;
    let q = qmodel.quant_mlp::<H>().map_err(|e| e.to_string())?;
    let (images, labels) = mnist::test_set(&data)?;
    let n = images.len();

    let mut correct = [0usize; 6];
    let mut agree = [0usize; 6];
    let mut crate_matches_build = 0usize;
    for (x, &label) in images.iter().zip(&labels) {
        let libm_z = f32_logits(&mlp, x, |v| 1.0 / (1.0 + libm::expf(-v)));
        let micro_z = f32_logits(&mlp, x, |v| 1.0 / (1.0 + F32Ext::exp(-v)));
        let f32_digit = prediction_from_logits(&libm_z).digit;
        let built = mlp.predict(x).map_err(|e| e.to_string())?;
        let expected = if cfg!(feature = "micromath") {
            prediction_from_logits(&micro_z)
        } else {
            prediction_from_logits(&libm_z)
        };
        crate_matches_build += usize::from(built == expected);
        let digits = [
            f32_digit,
            q.predict(x).map_err(|e| e.to_string())?.digit,
            int8_variant(&q, x, false),
            int8_variant(&q, x, true),
            prediction_from_logits(&micro_z).digit,
            built.digit,
        ];
        for (k, &d) in digits.iter().enumerate() {
            correct[k] += usize::from(d == label);
            agree[k] += usize::from(d == f32_digit);
        }
    }
    let pct = |c: usize| 100.0 * c as f64 / n as f64;
    println!(
        "model {} ({} images, {} inked pixels on average)",
        model_path.display(),
        n,
        images
            .iter()
            .map(|x| x.iter().filter(|&&p| p > 0.0).count())
            .sum::<usize>()
            / n
    );
    let names = [
        "f32, libm sigmoid (default)",
        "int8 as shipped (threshold-table sigmoid, 8-bit hidden)",
        "int8, 8-bit hidden rounded from libm sigmoid",
        "int8, f32 hidden activation in the output layer",
        "f32, micromath sigmoid",
        "f32, this build's Mlp::predict",
    ];
    for (k, name) in names.iter().enumerate() {
        println!(
            "{name:58} accuracy {:6.2}%  agreement with f32/libm {:6.2}% ({} differ)",
            pct(correct[k]),
            pct(agree[k]),
            n - agree[k]
        );
    }
    let sweep = (-800_000..=800_000).map(|i| i as f32 * 1e-5);
    let (mut worst, mut differ, mut total) = (0.0f32, 0usize, 0usize);
    for z in sweep {
        let lut = quant::sigmoid_u8(z);
        let s = nnet_core::model::sigmoid(z);
        worst = worst.max((f32::from(lut) * INV255 - s).abs());
        differ += usize::from(lut != (s * 255.0 + 0.5) as u8);
        total += 1;
    }
    println!(
        "threshold-table sigmoid over z in -8..8 step 1e-5: max |hq/255 - sigmoid| = {worst:.6} ({:.3} steps), differs from round(255*sigmoid) at {differ} of {total} points",
        worst * 255.0
    );
    println!(
        "this build ({}): crate Mlp::predict bit-identical to the explicit computation on {crate_matches_build}/{n}",
        if cfg!(feature = "micromath") { "micromath" } else { "libm" }
    );
    if crate_matches_build != n {
        return Err("the crate's sigmoid is not the one this build selected".into());
    }
    Ok(())
}

fn main() -> ExitCode {
    match run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}
