//! The network the server answers with: the embedded default model or one
//! loaded with `--model PATH`, validated by `nnet_core::format` and described
//! for `GET /api/model`.
use std::path::Path;
use std::sync::{Arc, OnceLock};

use nnet_core::format::{self, ModelView, WeightType};
use nnet_core::packed::{PackedMlp, PackedQuantMlp};
use nnet_core::{Image, Mlp, Prediction, QuantMlp};
use serde::Serialize;
use sha2::{Digest, Sha256};

/// Hidden units of the network this server runs (the default model is 784-300-10).
pub const HIDDEN: usize = 300;

/// The embedded model, aligned so that it is used in place (zero-copy).
static EMBEDDED: &format::Aligned<[u8]> =
    &format::Aligned(*include_bytes!(env!("NNET_MODEL_PATH")));

/// Why a model file was refused.
#[derive(Debug, thiserror::Error)]
pub enum ModelError {
    /// The file could not be read.
    #[error("cannot read model file {path}: {error}")]
    Io {
        /// The path given.
        path: String,
        /// The I/O error.
        error: std::io::Error,
    },
    /// The bytes are not a valid model for this server.
    #[error("invalid model {origin}: {reason}{}", hidden_note(reason))]
    Invalid {
        /// Where the bytes came from (a path or "embedded").
        origin: String,
        /// What `nnet-core` found wrong.
        reason: nnet_core::Error,
    },
}

/// Says, after a model of another size, that the size is this server's limit.
fn hidden_note(reason: &nnet_core::Error) -> String {
    match reason {
        nnet_core::Error::SizeMismatch { .. } => std::format!(
            " (the web demo and its WebAssembly module are built for 784-{HIDDEN}-10 \
             models: host-trainer train --hidden {HIDDEN})"
        ),
        _ => String::new(),
    }
}

/// What `GET /api/model` reports about the loaded model.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct ModelInfo {
    /// Input units (784).
    pub input: u32,
    /// Hidden units.
    pub hidden: u32,
    /// Output units (10).
    pub output: u32,
    /// Hidden activation, e.g. `"sigmoid"`.
    pub activation: &'static str,
    /// Weight storage type, e.g. `"f32"`.
    pub weight_type: &'static str,
    /// Model file format version.
    pub format_version: u16,
    /// Data set the model was trained on.
    pub dataset: String,
    /// Training seed.
    pub seed: u64,
    /// Training epochs.
    pub epochs: u32,
    /// Test-set accuracy recorded by the trainer (0..=1), if any.
    pub test_accuracy: Option<f32>,
    /// The trainer's notes.
    pub notes: String,
    /// Size of the model file in bytes.
    pub file_bytes: usize,
    /// SHA-256 of the whole model file, lowercase hex.
    pub sha256: String,
    /// `"embedded"`, or the file name of a loaded file ([`Model::load`]: its
    /// directory stays on the server, as this is served to anyone who asks).
    pub source: String,
}

/// The forward pass of the loaded model: f32 or int8 weights, both from `nnet-core`.
#[derive(Debug, Clone, Copy)]
pub enum Net {
    /// 32-bit float weights ([`Mlp`]).
    F32(Mlp<'static, HIDDEN>),
    /// 8-bit weights with per-row scales ([`QuantMlp`]).
    Int8(QuantMlp<'static, HIDDEN>),
}

impl Net {
    /// Classifies one 28x28 image.
    pub fn predict(&self, x: &Image) -> Result<Prediction, nnet_core::Error> {
        match self {
            Net::F32(m) => m.predict(x),
            Net::Int8(m) => m.predict(x),
        }
    }
}

/// [`Net`] repacked for the host once at load time (`nnet_core::packed`): the
/// same bits, several times faster. It answers the requests.
#[derive(Debug)]
enum Packed {
    F32(PackedMlp<HIDDEN>),
    Int8(Box<PackedQuantMlp<HIDDEN>>),
}

/// A validated network plus its description. The weights are used in place
/// for the rest of the process (`'static`): the embedded model where it lies
/// in the binary, a loaded file after one copy into an aligned buffer.
#[derive(Debug, Clone)]
pub struct Model {
    net: Net,
    packed: Arc<Packed>,
    info: ModelInfo,
    bytes: &'static [u8],
    gzip: OnceLock<Vec<u8>>,
}

impl Model {
    /// The model embedded at build time (`models/mnist-mlp.nnet` or `NNET_MODEL`),
    /// used zero-copy from the binary.
    pub fn embedded() -> Result<Self, ModelError> {
        Self::from_static(&EMBEDDED.0, "embedded")
    }

    /// Validates model bytes from anywhere (`origin` names them in errors and
    /// in [`ModelInfo::source`]). The bytes are copied once into a 16-byte
    /// aligned buffer that is kept for the rest of the process.
    pub fn from_bytes(bytes: &[u8], origin: &str) -> Result<Self, ModelError> {
        // validated whole (the network's shape and values too) in an aligned copy that is
        // kept only if it is a model this server runs: a refused file costs no memory
        let buf = aligned(bytes);
        let copy = &bytemuck::cast_slice::<u128, u8>(&buf)[..bytes.len()];
        let view = ModelView::parse(copy).map_err(|reason| ModelError::Invalid {
            origin: origin.into(),
            reason,
        })?;
        let valid = match view.header().weight_type {
            WeightType::F32 => view.mlp::<HIDDEN>().map(drop),
            WeightType::Int8 => view.quant_mlp::<HIDDEN>().map(drop),
        };
        valid.map_err(|reason| ModelError::Invalid {
            origin: origin.into(),
            reason,
        })?;
        let buf: &'static [u128] = Box::leak(buf.into_boxed_slice());
        Self::from_static(
            &bytemuck::cast_slice::<u128, u8>(buf)[..bytes.len()],
            origin,
        )
    }

    /// Reads and validates a model file. Errors name the whole path;
    /// [`ModelInfo::source`] only the file name.
    pub fn load(path: &Path) -> Result<Self, ModelError> {
        let shown = path.display().to_string();
        let bytes = nnet_core::format::read_file(path).map_err(|error| ModelError::Io {
            path: shown.clone(),
            error,
        })?;
        let mut model = Self::from_bytes(&bytes, &shown)?;
        if let Some(name) = path.file_name() {
            model.info.source = name.to_string_lossy().into_owned();
        }
        Ok(model)
    }

    fn from_static(bytes: &'static [u8], origin: &str) -> Result<Self, ModelError> {
        let invalid = |reason| ModelError::Invalid {
            origin: origin.into(),
            reason,
        };
        let view = ModelView::parse(bytes).map_err(invalid)?;
        let net = match view.header().weight_type {
            WeightType::F32 => Net::F32(view.mlp::<HIDDEN>().map_err(invalid)?),
            WeightType::Int8 => Net::Int8(view.quant_mlp::<HIDDEN>().map_err(invalid)?),
        };
        let packed = Arc::new(match &net {
            Net::F32(m) => Packed::F32(PackedMlp::new(m)),
            Net::Int8(m) => Packed::Int8(Box::new(PackedQuantMlp::new(m))),
        });
        Ok(Model {
            net,
            packed,
            info: describe(&view, bytes, origin.into()),
            bytes,
            gzip: OnceLock::new(),
        })
    }

    /// The network.
    pub fn net(&self) -> &Net {
        &self.net
    }

    /// Classifies one 28x28 image with the repacked network: exactly
    /// `self.net().predict(x)`.
    pub fn predict(&self, x: &Image) -> Result<Prediction, nnet_core::Error> {
        match &*self.packed {
            Packed::F32(m) => m.predict(x),
            Packed::Int8(m) => m.predict(x),
        }
    }

    /// The description served by `GET /api/model`.
    pub fn info(&self) -> &ModelInfo {
        &self.info
    }

    /// The model file's bytes, as validated (served by `GET /api/model/file`).
    pub fn file(&self) -> &'static [u8] {
        self.bytes
    }

    /// The model file gzip-compressed, made on first use.
    pub fn file_gzip(&self) -> &[u8] {
        self.gzip.get_or_init(|| crate::assets::gzip(self.bytes))
    }
}

/// `bytes` copied into a 16-byte aligned buffer (the model file's weights
/// start at a multiple of 16), zero-padded to whole 16-byte units.
fn aligned(bytes: &[u8]) -> Vec<u128> {
    let mut buf = vec![0u128; bytes.len().div_ceil(16)];
    bytemuck::cast_slice_mut::<u128, u8>(&mut buf)[..bytes.len()].copy_from_slice(bytes);
    buf
}

fn describe(view: &ModelView<'_>, bytes: &[u8], source: String) -> ModelInfo {
    let h = view.header();
    let digest = Sha256::digest(bytes);
    let sha256 = digest.iter().map(|b| format!("{b:02x}")).collect();
    ModelInfo {
        input: h.input,
        hidden: h.hidden,
        output: h.output,
        activation: match h.activation {
            format::Activation::Sigmoid => "sigmoid",
        },
        weight_type: match h.weight_type {
            WeightType::F32 => "f32",
            WeightType::Int8 => "int8",
        },
        format_version: format::VERSION,
        dataset: h.meta.dataset.into(),
        seed: h.meta.seed,
        epochs: h.meta.epochs,
        test_accuracy: h.meta.test_accuracy,
        notes: h.meta.notes.into(),
        file_bytes: bytes.len(),
        sha256,
        source,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn embedded_model_is_valid_and_described() {
        let m = Model::embedded().expect("the embedded model must load");
        let info = m.info();
        assert_eq!((info.input, info.hidden, info.output), (784, 300, 10));
        assert_eq!(info.file_bytes, EMBEDDED.0.len());
        assert_eq!(info.sha256.len(), 64);
        // loading the same bytes through the copying path gives the same network
        let copy = Model::from_bytes(&EMBEDDED.0, "copy").unwrap();
        let x = [0.25f32; nnet_core::INPUT];
        assert_eq!(m.net().predict(&x), copy.net().predict(&x));
        assert_eq!(m.predict(&x), m.net().predict(&x));
        assert_eq!(copy.info().sha256, info.sha256);
    }

    #[test]
    fn corrupt_and_mismatched_files_are_refused() {
        let mut bad = EMBEDDED.0.to_vec();
        let mid = bad.len() / 2;
        bad[mid] ^= 1;
        let err = Model::from_bytes(&bad, "flipped").unwrap_err();
        assert!(err.to_string().contains("checksum"), "{err}");
        let err = Model::from_bytes(&EMBEDDED.0[..100], "cut").unwrap_err();
        assert!(err.to_string().contains("truncated"), "{err}");
        let small = nnet_core::format::OwnedModel {
            hidden: 3,
            meta: Default::default(),
            w1: vec![0.0; 3 * 784],
            b1: vec![0.0; 3],
            w2: vec![0.0; 30],
            b2: vec![0.0; 10],
        };
        let err = Model::from_bytes(&small.to_bytes().unwrap(), "small").unwrap_err();
        assert!(err.to_string().contains("3 hidden units"), "{err}");
        assert!(err.to_string().contains("built for 784-300-10"), "{err}");
        let err = Model::load(Path::new("/nonexistent/model.nnet")).unwrap_err();
        assert!(matches!(err, ModelError::Io { .. }));
    }

    #[test]
    fn int8_models_are_served_with_the_core_quantized_network() {
        use nnet_core::format::{OwnedModel, OwnedQuantModel};
        let f32_model = OwnedModel::from_bytes(&EMBEDDED.0).unwrap();
        let q: OwnedQuantModel = nnet_core::quantizer::quantize(&f32_model).unwrap();
        let bytes = q.to_bytes().unwrap();
        let m = Model::from_bytes(&bytes, "int8").unwrap();
        assert_eq!(m.info().weight_type, "int8");
        assert!(matches!(m.net(), Net::Int8(_)));
        let mut x = [0.0f32; nnet_core::INPUT];
        x[300..320].fill(1.0);
        assert_eq!(
            m.predict(&x).unwrap(),
            q.quant_mlp::<HIDDEN>().unwrap().predict(&x).unwrap()
        );
    }
}
