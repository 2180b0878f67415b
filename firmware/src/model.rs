//! The model embedded at build time (`build.rs`): `models/mnist-mlp.nnet`
//! (f32), with the cargo feature `int8` `models/mnist-mlp-i8.nnet` (int8), or
//! the file named by the `NNET_MODEL` environment variable (its weight type
//! must match the feature).
//!
//! The file is validated by the build script, then included as bytes at a
//! 16-byte aligned address, so [`classifier`] borrows the weights where they
//! lie: in flash on the board, never copied to RAM. [`Net`] is the network
//! type the build embeds ([`Mlp`] or, with `int8`, [`QuantMlp`]); the app is
//! generic over [`Classifier`], which both implement.
use nnet_core::format::ModelView;
use nnet_core::{Error, Mlp, QuantMlp};

/// The interface the app runs the network through (nnet-core's, re-exported
/// for the board binaries).
pub use nnet_core::Classifier;

/// The embedded network's type: f32 [`Mlp`] (default build).
#[cfg(not(feature = "int8"))]
pub type Net = Mlp<'static, HIDDEN>;
/// The embedded network's type: int8 [`QuantMlp`] (feature `int8`).
#[cfg(feature = "int8")]
pub type Net = QuantMlp<'static, HIDDEN>;

/// The embedded network with an output layer that learns from corrections
/// (`nnet_core::adapt`: a RAM copy of the `10 x H` output layer, the hidden
/// layer stays in flash): [`AdaptedMlp`](nnet_core::adapt::AdaptedMlp) by default.
#[cfg(not(feature = "int8"))]
pub type Adapted = nnet_core::adapt::AdaptedMlp<'static, HIDDEN>;
/// The embedded network with an output layer that learns from corrections:
/// [`AdaptedQuantMlp`](nnet_core::adapt::AdaptedQuantMlp) (feature `int8`).
#[cfg(feature = "int8")]
pub type Adapted = nnet_core::adapt::AdaptedQuantMlp<'static, HIDDEN>;
/// The hidden activations [`Adapted`] keeps from a prediction for a later
/// correction: f32 sigmoid outputs by default.
#[cfg(not(feature = "int8"))]
pub type Hidden = [f32; HIDDEN];
/// The hidden activations [`Adapted`] keeps from a prediction for a later
/// correction: 8-bit activations (feature `int8`).
#[cfg(feature = "int8")]
pub type Hidden = [u8; HIDDEN];
/// All-zero [`Hidden`] activations (a buffer to predict into).
#[cfg(not(feature = "int8"))]
pub const NO_HIDDEN: Hidden = [0.0; HIDDEN];
/// All-zero [`Hidden`] activations (a buffer to predict into).
#[cfg(feature = "int8")]
pub const NO_HIDDEN: Hidden = [0; HIDDEN];

/// True when the build embeds an int8 model (cargo feature `int8`).
pub const INT8: bool = cfg!(feature = "int8");

include!(concat!(env!("OUT_DIR"), "/model.rs"));

/// The whole embedded model file, starting at a 16-byte aligned address.
pub static BYTES: &[u8] = &ALIGNED.0;

/// The validated model file, borrowed from [`BYTES`].
pub fn view() -> Result<ModelView<'static>, Error> {
    ModelView::parse(BYTES)
}

/// The embedded model in one line, as the boards log it at start (its
/// [`Display`](core::fmt::Display)): the file's name as built, its weights,
/// its shape and the MNIST test accuracy the file records, e.g.
/// `mnist-mlp-i8.nnet: int8, 784-300-10, MNIST test NN.NN%`. After a build
/// with `NNET_MODEL`, the log says which file the board answers with.
pub struct Summary;

impl core::fmt::Display for Summary {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        let name = SOURCE_PATH
            .rsplit(['/', '\\'])
            .next()
            .unwrap_or(SOURCE_PATH);
        let weights = if INT8 { "int8" } else { "f32" };
        write!(f, "{name}: {weights}, 784-{HIDDEN}-10")?;
        match TEST_ACCURACY {
            // in hundredths of a percent, as integers: float formatting would add 20 KiB of code
            Some(a) if (0.0..=1.0).contains(&a) => {
                let bp = (a * 10_000.0 + 0.5) as u32;
                write!(f, ", MNIST test {}.{:02}%", bp / 100, bp % 100)
            }
            _ => f.write_str(", no test accuracy recorded"),
        }
    }
}

/// The model file's own CRC-32 (its last four bytes): what identifies the
/// model a record of learned values belongs to (see [`crate::store`]).
pub fn file_checksum() -> u32 {
    let n = BYTES.len();
    match BYTES.get(n.saturating_sub(4)..) {
        Some(&[a, b, c, d]) => u32::from_le_bytes([a, b, c, d]),
        _ => 0,
    }
}

/// The embedded f32 network, zero-copy: its weight slices point into [`BYTES`].
/// Parsing checks the checksum and every weight, so call it once at start-up.
/// With the feature `int8` the embedded file is int8 and this is
/// [`Error::WrongWeightType`]: use [`classifier`].
pub fn mlp() -> Result<Mlp<'static, HIDDEN>, Error> {
    view()?.mlp::<HIDDEN>()
}

/// The embedded int8 network, zero-copy like [`mlp`]. Without the feature
/// `int8` the embedded file is f32 and this is [`Error::WrongWeightType`].
pub fn quant_mlp() -> Result<QuantMlp<'static, HIDDEN>, Error> {
    view()?.quant_mlp::<HIDDEN>()
}

/// The embedded network with a RAM output layer that learns from
/// corrections ([`Adapted`]), answering exactly like [`classifier`] until the
/// first correction. This is what the boards run.
pub fn adapted() -> Result<Adapted, Error> {
    Ok(Adapted::new(classifier()?))
}

/// The embedded network as the type this build uses ([`Net`]): [`mlp`] by
/// default, [`quant_mlp`] with the feature `int8`. Call it once at start-up.
pub fn classifier() -> Result<Net, Error> {
    #[cfg(not(feature = "int8"))]
    return mlp();
    #[cfg(feature = "int8")]
    return quant_mlp();
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn summary_names_the_file_its_weights_and_shape() {
        use std::string::ToString;
        let line = Summary.to_string();
        let name = std::path::Path::new(SOURCE_PATH).file_name().unwrap();
        let weights = if INT8 { "int8" } else { "f32" };
        let start = std::format!("{}: {weights}, 784-{HIDDEN}-10", name.to_string_lossy());
        assert!(
            line.starts_with(&start),
            "{line:?} does not start with {start:?}"
        );
        match TEST_ACCURACY {
            Some(a) => {
                let shown = line
                    .rsplit_once(", MNIST test ")
                    .and_then(|(_, p)| p.strip_suffix('%'))
                    .unwrap_or_else(|| panic!("{line:?}: no test accuracy"));
                assert_eq!(
                    shown.split_once('.').map(|(_, d)| d.len()),
                    Some(2),
                    "{line:?}"
                );
                let shown: f32 = shown.parse().unwrap();
                assert!(
                    (shown - a * 100.0).abs() <= 0.005 + 1e-4,
                    "{line:?} for {a}"
                );
            }
            None => assert!(line.ends_with(", no test accuracy recorded")),
        }
    }

    #[test]
    #[cfg(not(feature = "int8"))]
    fn embedded_model_is_aligned_and_used_in_place() {
        assert_eq!(BYTES.as_ptr() as usize % 16, 0);
        let net = mlp().expect("the build script validated the model");
        let range = BYTES.as_ptr_range();
        let w1 = net.w1().as_ptr() as *const u8;
        let b2 = net.b2().as_ptr() as *const u8;
        assert!(
            range.contains(&w1) && range.contains(&b2),
            "weights must be borrowed from BYTES"
        );
        assert_eq!(view().unwrap().header().hidden as usize, HIDDEN);
    }

    #[test]
    #[cfg(feature = "int8")]
    fn embedded_int8_model_is_aligned_and_used_in_place() {
        assert_eq!(BYTES.as_ptr() as usize % 16, 0);
        let net = classifier().expect("the build script validated the model");
        let range = BYTES.as_ptr_range();
        let w1 = net.w1q().as_ptr() as *const u8;
        let b2 = net.b2().as_ptr() as *const u8;
        assert!(
            range.contains(&w1) && range.contains(&b2),
            "weights must be borrowed from BYTES"
        );
        assert_eq!(mlp().unwrap_err(), Error::WrongWeightType);
    }

    #[test]
    #[cfg(not(feature = "int8"))]
    fn the_f32_build_rejects_the_int8_view() {
        assert_eq!(quant_mlp().unwrap_err(), Error::WrongWeightType);
    }

    /// The trait gives exactly the inherent method's answer.
    #[test]
    fn the_file_checksum_is_the_one_the_file_ends_with() {
        let n = BYTES.len();
        assert_eq!(file_checksum(), nnet_core::format::crc32(&BYTES[..n - 4]));
    }

    #[test]
    fn classifier_predicts_like_the_network() {
        let net = classifier().unwrap();
        let mut x = [0.0f32; nnet_core::INPUT];
        for (i, v) in x.iter_mut().enumerate() {
            *v = ((i * 37) % 101) as f32 / 100.0;
        }
        let via_trait = nnet_core::Classifier::predict(&net, &x).unwrap();
        let inherent = net.predict(&x).unwrap();
        assert_eq!(via_trait.digit, inherent.digit);
        assert_eq!(
            via_trait.probabilities.map(f32::to_bits),
            inherent.probabilities.map(f32::to_bits)
        );
    }
}
