//! A few lines of IDX reading for the MNIST checks of the int8 path
//! (`tests/quant.rs`, `examples/quant_accuracy.rs`): the test split from
//! `data/mnist/` and the default models, if they exist.
use std::path::{Path, PathBuf};

/// The workspace root (parent of `nnet-core/`).
pub fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .map(Path::to_path_buf)
        .unwrap_or_default()
}

/// Reads an IDX file with the given magic and returns `(dims, data)`.
fn idx(path: &Path, magic: u32, ndims: usize) -> Result<(Vec<usize>, Vec<u8>), String> {
    let bytes = std::fs::read(path).map_err(|e| format!("{}: {e}", path.display()))?;
    let word = |k: usize| -> Result<u32, String> {
        bytes
            .get(4 * k..4 * k + 4)
            .map(|b| u32::from_be_bytes([b[0], b[1], b[2], b[3]]))
            .ok_or_else(|| format!("{}: truncated IDX header", path.display()))
    };
    if word(0)? != magic {
        return Err(format!(
            "{}: not an IDX file with magic {magic:#x}",
            path.display()
        ));
    }
    let dims = (1..=ndims)
        .map(|k| word(k).map(|d| d as usize))
        .collect::<Result<Vec<_>, _>>()?;
    let data = bytes[4 + 4 * ndims..].to_vec();
    if data.len() != dims.iter().product::<usize>() {
        return Err(format!(
            "{}: IDX size does not match its header",
            path.display()
        ));
    }
    Ok((dims, data))
}

/// The 10,000 MNIST test images (as `n / 255`) and labels from `dir`.
pub fn test_set(dir: &Path) -> Result<(Vec<nnet_core::Image>, Vec<u8>), String> {
    let (dims, pixels) = idx(&dir.join("t10k-images-idx3-ubyte"), 0x803, 3)?;
    if dims[1] * dims[2] != nnet_core::INPUT {
        return Err("MNIST images are not 28x28".into());
    }
    let (ldims, labels) = idx(&dir.join("t10k-labels-idx1-ubyte"), 0x801, 1)?;
    if ldims[0] != dims[0] {
        return Err("MNIST image and label counts differ".into());
    }
    let images = pixels
        .chunks_exact(nnet_core::INPUT)
        .map(|c| core::array::from_fn(|i| f32::from(c[i]) / 255.0))
        .collect();
    Ok((images, labels))
}
