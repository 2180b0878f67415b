//! Build-time model embedding: the one rule the binaries that carry a model
//! (`firmware`, `web-demo`) follow in their `build.rs` (feature `std`).
//!
//! - **One variable.** [`MODEL_ENV`] (`NNET_MODEL`) names the model file to
//!   embed; unset or empty, the crate's default file `models/<name>` is used.
//! - **One path rule.** A relative `NNET_MODEL` is relative to the workspace
//!   root (where `cargo` is normally run), whichever crate is being built
//!   ([`model_path`]).
//! - **One validating helper.** [`embed`] reads the file, validates all of it
//!   with this crate's loaders (magic, version, shape 784-H-10, checksum,
//!   finite weights), checks the weight type and the hidden size the binary
//!   accepts, tells cargo when to rebuild, and sets the compile-time
//!   environment variable [`PATH_ENV`] (`NNET_MODEL_PATH`, the file's absolute
//!   path) for `include_bytes!(env!("NNET_MODEL_PATH"))`, wrapped in
//!   [`Aligned`](crate::format::Aligned) so that the file is read in place.
//!
//! ```no_run
//! // build.rs
//! use nnet_core::embed::{embed, Request};
//! use nnet_core::format::WeightType;
//!
//! let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
//! let request = Request {
//!     workspace_root: &root,
//!     default_file: "mnist-mlp.nnet",
//!     weight_types: &[WeightType::F32, WeightType::Int8],
//!     hidden: 300..=300,
//! };
//! match embed(&request) {
//!     Ok(model) => println!("embedding {} ({} hidden units)", model.path.display(), model.hidden),
//!     Err(e) => {
//!         eprintln!("error: {e}");
//!         std::process::exit(1);
//!     }
//! }
//! ```
use core::fmt;
use core::ops::RangeInclusive;
use std::ffi::OsStr;
use std::path::{Path, PathBuf};
use std::string::String;
use std::vec::Vec;

use crate::format::{OwnedModel, OwnedQuantModel, WeightType};
use crate::Error;

/// The environment variable that names the model file to embed.
pub const MODEL_ENV: &str = "NNET_MODEL";

/// The compile-time environment variable (`cargo:rustc-env`) that [`embed`]
/// sets to the embedded file's absolute path.
pub const PATH_ENV: &str = "NNET_MODEL_PATH";

/// What a binary accepts as its embedded model.
#[derive(Debug, Clone)]
pub struct Request<'a> {
    /// The workspace root: defaults live in its `models/`, and a relative
    /// [`MODEL_ENV`] is relative to it.
    pub workspace_root: &'a Path,
    /// The file name in `models/` used when [`MODEL_ENV`] is unset or empty.
    pub default_file: &'a str,
    /// The weight types the binary can run.
    pub weight_types: &'a [WeightType],
    /// The hidden sizes the binary can run.
    pub hidden: RangeInclusive<usize>,
}

/// A model file that passed [`validate`].
#[derive(Debug, Clone, PartialEq)]
pub struct Embedded {
    /// Absolute path of the file.
    pub path: PathBuf,
    /// Its weight type.
    pub weight_type: WeightType,
    /// Its hidden units.
    pub hidden: usize,
    /// The test accuracy recorded in it, if any.
    pub test_accuracy: Option<f32>,
}

/// Why a model file cannot be embedded. The message names the file and, where
/// the environment variable chose it, says so.
#[derive(Debug)]
pub enum EmbedError {
    /// The file cannot be read.
    Unreadable {
        /// The file.
        path: PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
    /// The file is not a valid model.
    Invalid {
        /// The file.
        path: PathBuf,
        /// What the loader found.
        source: Error,
    },
    /// The weights are of a type the binary does not run.
    WeightType {
        /// The file.
        path: PathBuf,
        /// The file's weight type.
        found: WeightType,
        /// What the binary runs.
        accepted: Vec<WeightType>,
    },
    /// The hidden layer has a size the binary does not run.
    Hidden {
        /// The file.
        path: PathBuf,
        /// The file's hidden units.
        found: usize,
        /// What the binary runs.
        accepted: RangeInclusive<usize>,
    },
}

/// `f32` or `int8`, as the documentation and cargo features name them.
pub fn weight_type_name(w: WeightType) -> &'static str {
    match w {
        WeightType::F32 => "f32",
        WeightType::Int8 => "int8",
    }
}

impl fmt::Display for EmbedError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Unreadable { path, source } => {
                write!(f, "cannot read the model file {}: {source}", path.display())
            }
            Self::Invalid { path, source } => {
                write!(
                    f,
                    "the model file {} is not usable: {source}",
                    path.display()
                )
            }
            Self::WeightType {
                path,
                found,
                accepted,
            } => {
                let names: Vec<&str> = accepted.iter().map(|w| weight_type_name(*w)).collect();
                write!(
                    f,
                    "the model file {} has {} weights; this build embeds {}",
                    path.display(),
                    weight_type_name(*found),
                    names.join(" or ")
                )
            }
            Self::Hidden {
                path,
                found,
                accepted,
            } => {
                write!(
                    f,
                    "the model file {} has {found} hidden units; ",
                    path.display()
                )?;
                if accepted.start() == accepted.end() {
                    write!(f, "this build runs exactly {}", accepted.start())
                } else {
                    write!(
                        f,
                        "this build runs {} to {}",
                        accepted.start(),
                        accepted.end()
                    )
                }
            }
        }
    }
}

impl std::error::Error for EmbedError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Self::Unreadable { source, .. } => Some(source),
            _ => None,
        }
    }
}

/// The path rule: `env_value` (the value of [`MODEL_ENV`]) when set and not
/// empty, relative to `workspace_root` unless absolute; otherwise
/// `workspace_root/models/default_file`.
pub fn model_path(workspace_root: &Path, default_file: &str, env_value: Option<&OsStr>) -> PathBuf {
    match env_value {
        Some(v) if !v.is_empty() => workspace_root.join(v),
        _ => workspace_root.join("models").join(default_file),
    }
}

/// Reads and validates the model file at `path` against `request` (its
/// weight types and hidden sizes; the path fields are not used).
pub fn validate(path: &Path, request: &Request<'_>) -> Result<Embedded, EmbedError> {
    let bytes = crate::format::read_file(path).map_err(|source| EmbedError::Unreadable {
        path: path.into(),
        source,
    })?;
    let invalid = |source| EmbedError::Invalid {
        path: path.into(),
        source,
    };
    let weight_type = crate::format::ModelView::parse(&bytes)
        .map_err(invalid)?
        .header()
        .weight_type;
    if !request.weight_types.contains(&weight_type) {
        return Err(EmbedError::WeightType {
            path: path.into(),
            found: weight_type,
            accepted: request.weight_types.to_vec(),
        });
    }
    // the full loaders check everything (finite weights, scales, ...)
    let (hidden, test_accuracy) = match weight_type {
        WeightType::F32 => {
            let m = OwnedModel::from_bytes(&bytes).map_err(invalid)?;
            (m.hidden, m.meta.test_accuracy)
        }
        WeightType::Int8 => {
            let m = OwnedQuantModel::from_bytes(&bytes).map_err(invalid)?;
            (m.hidden, m.meta.test_accuracy)
        }
    };
    if !request.hidden.contains(&hidden) {
        return Err(EmbedError::Hidden {
            path: path.into(),
            found: hidden,
            accepted: request.hidden.clone(),
        });
    }
    Ok(Embedded {
        path: path.canonicalize().unwrap_or_else(|_| path.into()),
        weight_type,
        hidden,
        test_accuracy,
    })
}

/// For `build.rs`: finds the model by the [path rule](model_path), asks cargo
/// to rebuild when [`MODEL_ENV`] or the file changes, [validates](validate)
/// it and sets [`PATH_ENV`] for the crate being built.
///
/// On an error the caller prints it with a hint of how to make or choose a
/// model ([`hint`]) and fails the build.
pub fn embed(request: &Request<'_>) -> Result<Embedded, EmbedError> {
    std::println!("cargo:rerun-if-env-changed={MODEL_ENV}");
    let env_value = std::env::var_os(MODEL_ENV);
    let path = model_path(
        request.workspace_root,
        request.default_file,
        env_value.as_deref(),
    );
    std::println!("cargo:rerun-if-changed={}", path.display());
    let model = validate(&path, request)?;
    std::println!("cargo:rustc-env={PATH_ENV}={}", model.path.display());
    Ok(model)
}

/// What to tell a user whose model could not be embedded: how to make the
/// default file and how to choose another.
pub fn hint(request: &Request<'_>) -> String {
    let kinds: Vec<&str> = request
        .weight_types
        .iter()
        .map(|w| weight_type_name(*w))
        .collect();
    std::format!(
        "make models/{} with host-trainer (the README's command table: `train`, and \
         `quantize` for int8), or set {MODEL_ENV} to a 784-H-10 model file with {} weights \
         (absolute, or relative to the workspace root {})",
        request.default_file,
        kinds.join(" or "),
        request.workspace_root.display()
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::format::OwnedMetadata;
    use std::string::ToString;

    fn request(root: &Path) -> Request<'_> {
        Request {
            workspace_root: root,
            default_file: "m.nnet",
            weight_types: &[WeightType::F32],
            hidden: 1..=8,
        }
    }

    fn tiny_model(hidden: usize) -> Vec<u8> {
        let values = |n: usize| (0..n).map(|i| (i % 7) as f32 * 0.01).collect();
        OwnedModel {
            hidden,
            meta: OwnedMetadata {
                test_accuracy: Some(0.5),
                ..OwnedMetadata::default()
            },
            w1: values(hidden * crate::INPUT),
            b1: values(hidden),
            w2: values(crate::OUTPUT * hidden),
            b2: values(crate::OUTPUT),
        }
        .to_bytes()
        .unwrap()
    }

    #[test]
    fn relative_paths_are_relative_to_the_workspace_root() {
        let root = Path::new("/ws");
        assert_eq!(
            model_path(root, "m.nnet", None),
            Path::new("/ws/models/m.nnet")
        );
        let empty = OsStr::new("");
        assert_eq!(
            model_path(root, "m.nnet", Some(empty)),
            Path::new("/ws/models/m.nnet")
        );
        let rel = OsStr::new("other/x.nnet");
        assert_eq!(
            model_path(root, "m.nnet", Some(rel)),
            Path::new("/ws/other/x.nnet")
        );
        let abs = OsStr::new("/elsewhere/x.nnet");
        assert_eq!(
            model_path(root, "m.nnet", Some(abs)),
            Path::new("/elsewhere/x.nnet")
        );
    }

    #[test]
    fn validation_accepts_a_good_file_and_names_every_problem() {
        let dir = std::env::temp_dir().join(std::format!("nnet-embed-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let req = request(&dir);

        let good = dir.join("good.nnet");
        std::fs::write(&good, tiny_model(4)).unwrap();
        let m = validate(&good, &req).unwrap();
        assert_eq!((m.hidden, m.weight_type), (4, WeightType::F32));
        assert_eq!(m.test_accuracy, Some(0.5));
        assert!(m.path.is_absolute());

        let missing = dir.join("missing.nnet");
        let e = validate(&missing, &req).unwrap_err();
        assert!(matches!(e, EmbedError::Unreadable { .. }), "{e}");
        assert!(e.to_string().contains("missing.nnet"), "{e}");

        let mut corrupt = tiny_model(4);
        let last = corrupt.len() - 1;
        corrupt[last] ^= 0x55;
        let bad = dir.join("bad.nnet");
        std::fs::write(&bad, corrupt).unwrap();
        let e = validate(&bad, &req).unwrap_err();
        assert!(matches!(e, EmbedError::Invalid { .. }), "{e}");
        assert!(e.to_string().contains("not usable"), "{e}");

        let big = dir.join("big.nnet");
        std::fs::write(&big, tiny_model(9)).unwrap();
        let e = validate(&big, &req).unwrap_err();
        assert!(
            e.to_string()
                .ends_with("9 hidden units; this build runs 1 to 8"),
            "{e}"
        );

        let int8 = Request {
            weight_types: &[WeightType::Int8],
            ..request(&dir)
        };
        let e = validate(&good, &int8).unwrap_err();
        assert!(
            e.to_string()
                .ends_with("has f32 weights; this build embeds int8"),
            "{e}"
        );
        assert!(hint(&int8).contains("int8 weights"));
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
