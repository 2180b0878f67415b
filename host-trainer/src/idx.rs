//! Reading data sets in the IDX format of MNIST (raw or gzip-compressed).
//!
//! Any directory of standard IDX files works: MNIST, Fashion-MNIST,
//! EMNIST-digits. Files are found by name ([`find_split`]): the training
//! split is the `*train*images*idx3-ubyte` / `*train*labels*idx1-ubyte` pair,
//! the test split the `*t10k*` or `*test*` pair, each optionally ending in `.gz`.
use std::io::Read;
use std::path::{Path, PathBuf};

use nnet_core::{Image, INPUT, SIDE};

use crate::{Error, Result};

/// Magic number of an IDX file of unsigned bytes with 3 dimensions (images).
pub const IMAGES_MAGIC: u32 = 0x0000_0803;
/// Magic number of an IDX file of unsigned bytes with 1 dimension (labels).
pub const LABELS_MAGIC: u32 = 0x0000_0801;

/// A decoded IDX array of unsigned bytes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IdxArray {
    /// Size of each dimension, outermost first.
    pub dims: Vec<usize>,
    /// The values in row-major order.
    pub data: Vec<u8>,
}

/// Which half of a data set.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Split {
    /// The training images (MNIST: 60,000).
    Train,
    /// The test images (MNIST: 10,000).
    Test,
}

/// Images and labels of one split, images as 0.0..=1.0 (byte / 255).
#[derive(Debug, Clone, Default)]
pub struct Dataset {
    /// `len() * 784` pixels, image after image.
    pub images: Vec<f32>,
    /// One label (0..=9) per image.
    pub labels: Vec<u8>,
}

impl Dataset {
    /// Number of images.
    pub fn len(&self) -> usize {
        self.labels.len()
    }

    /// True when there are no images.
    pub fn is_empty(&self) -> bool {
        self.labels.is_empty()
    }

    /// Image `i` as the network input type. Panics if `i >= len()`, like slice indexing.
    pub fn image(&self, i: usize) -> &Image {
        let s = &self.images[i * INPUT..(i + 1) * INPUT];
        // the slice has exactly INPUT elements by construction
        s.try_into().unwrap_or_else(|_| unreachable!())
    }

    /// The first `n` images (or all when there are fewer).
    pub fn head(&self, n: usize) -> Dataset {
        let n = n.min(self.len());
        Dataset {
            images: self.images[..n * INPUT].to_vec(),
            labels: self.labels[..n].to_vec(),
        }
    }

    /// Splits off the last `n` images: returns `(first len-n, last n)`.
    pub fn split_tail(mut self, n: usize) -> (Dataset, Dataset) {
        let n = n.min(self.len());
        let keep = self.len() - n;
        let tail = Dataset {
            images: self.images.split_off(keep * INPUT),
            labels: self.labels.split_off(keep),
        };
        (self, tail)
    }
}

/// Parses an IDX file held in memory (already decompressed). `path` only
/// names the file in error messages.
pub fn parse_idx(bytes: &[u8], path: &Path) -> Result<IdxArray> {
    parse_idx_as(bytes, path, None)
}

/// What an IDX file must hold: its number of dimensions, and how to say so.
type Expected<'a> = Option<(usize, &'a str)>;

/// [`parse_idx`], which with `expect` first checks the number of dimensions
/// (so a label file given for images says so, not that its size is wrong).
fn parse_idx_as(bytes: &[u8], path: &Path, expect: Expected<'_>) -> Result<IdxArray> {
    let err = |msg: String| Error::Idx {
        path: path.to_path_buf(),
        msg,
    };
    if bytes.len() < 4 {
        return Err(err(format!(
            "truncated: {} bytes, an IDX file has at least a 4-byte magic number",
            bytes.len()
        )));
    }
    if bytes[0] != 0 || bytes[1] != 0 || bytes[2] != 0x08 {
        return Err(err(format!(
            "wrong magic number {:02x}{:02x}{:02x}{:02x}: not an IDX file of unsigned bytes",
            bytes[0], bytes[1], bytes[2], bytes[3]
        )));
    }
    let ndim = usize::from(bytes[3]);
    if ndim == 0 || ndim > 4 {
        return Err(err(format!("unsupported number of dimensions {ndim}")));
    }
    let header = 4 + 4 * ndim;
    if bytes.len() < header {
        return Err(err(format!(
            "truncated: {} bytes, the header alone needs {header}",
            bytes.len()
        )));
    }
    let dims: Vec<usize> = bytes[4..header]
        .chunks_exact(4)
        .map(|c| u32::from_be_bytes([c[0], c[1], c[2], c[3]]) as usize)
        .collect();
    if let Some((want, what)) = expect.filter(|&(want, _)| want != ndim) {
        return Err(err(format!(
            "wrong magic/shape: expected {what} ({want} dimensions), found {ndim} dimensions {dims:?}"
        )));
    }
    let count = dims
        .iter()
        .try_fold(1usize, |a, &d| a.checked_mul(d))
        .ok_or_else(|| err(format!("dimensions {dims:?} overflow")))?;
    let have = bytes.len() - header;
    if have < count {
        return Err(err(format!(
            "truncated: dimensions {dims:?} need {count} data bytes, the file has {have}"
        )));
    }
    if have > count {
        return Err(err(format!(
            "{} trailing bytes after the {count} data bytes of dimensions {dims:?}",
            have - count
        )));
    }
    Ok(IdxArray {
        dims,
        data: bytes[header..].to_vec(),
    })
}

/// Reads an IDX file from disk; gzip-compressed files (by content) are
/// decompressed.
pub fn read_idx(path: &Path) -> Result<IdxArray> {
    read_idx_as(path, None)
}

fn read_idx_as(path: &Path, expect: Expected<'_>) -> Result<IdxArray> {
    let raw = std::fs::read(path).map_err(|e| Error::io(path, e))?;
    if raw.starts_with(&[0x1f, 0x8b]) {
        read_gzip_idx(&raw, path, expect)
    } else {
        parse_idx_as(&raw, path, expect)
    }
}

/// Inflates a gzip-compressed IDX file only as far as its header allows: the
/// magic number, the dimensions it announces, then the data bytes they
/// declare and one more (which is trailing data). A file that is not IDX
/// stops after 4 bytes, and one that inflates to far more than it declares
/// (a gzip bomb) stops after its declared size.
fn read_gzip_idx(raw: &[u8], path: &Path, expect: Expected<'_>) -> Result<IdxArray> {
    let bad_gzip = |e: std::io::Error| Error::Idx {
        path: path.to_path_buf(),
        msg: format!("bad gzip data: {e}"),
    };
    let mut gz = flate2::read::MultiGzDecoder::new(raw);
    let mut bytes = Vec::new();
    let mut inflate = |bytes: &mut Vec<u8>, n: u64| {
        (&mut gz)
            .take(n)
            .read_to_end(bytes)
            .map(|_| ())
            .map_err(bad_gzip)
    };
    inflate(&mut bytes, 4)?;
    let wanted = |ndim: u8| expect.is_none_or(|(want, _)| want == usize::from(ndim));
    if let [0, 0, 0x08, ndim @ 1..=4] = bytes[..] {
        let header = 4 + 4 * usize::from(ndim);
        inflate(&mut bytes, header as u64 - 4)?;
        let count = bytes
            .get(4..header)
            .unwrap_or_default()
            .chunks_exact(4)
            .try_fold(1u64, |a, c| {
                a.checked_mul(u64::from(u32::from_be_bytes([c[0], c[1], c[2], c[3]])))
            });
        if let Some(count) = count.filter(|_| bytes.len() == header && wanted(ndim)) {
            inflate(&mut bytes, count.saturating_add(1))?;
            if bytes.len() as u64 > count.saturating_add(header as u64) {
                return Err(Error::Idx {
                    path: path.to_path_buf(),
                    msg: format!(
                        "trailing data after the {count} data bytes its dimensions declare"
                    ),
                });
            }
        }
    }
    parse_idx_as(&bytes, path, expect)
}

/// Checks that `a` is an array of 28x28 images; returns how many.
fn check_images(a: &IdxArray, path: &Path) -> Result<usize> {
    if a.dims.len() != 3 || a.dims[1] != SIDE || a.dims[2] != SIDE {
        return Err(Error::Idx {
            path: path.to_path_buf(),
            msg: format!(
                "wrong magic/shape: expected images of shape [n, 28, 28], found {:?}",
                a.dims
            ),
        });
    }
    Ok(a.dims[0])
}

/// Reads a pair of image and label files into a [`Dataset`]. Counts must
/// agree and labels must be digits 0..=9.
pub fn load_pair(images: &Path, labels: &Path) -> Result<Dataset> {
    let im = read_idx_as(images, Some((3, "images of shape [n, 28, 28]")))?;
    let n = check_images(&im, images)?;
    let lb = read_idx_as(labels, Some((1, "a 1-dimensional label array")))?;
    if lb.dims.len() != 1 {
        return Err(Error::Idx {
            path: labels.to_path_buf(),
            msg: format!(
                "wrong magic/shape: expected a 1-dimensional label array, found {:?}",
                lb.dims
            ),
        });
    }
    if lb.dims[0] != n {
        return Err(Error::Dataset(format!(
            "count mismatch: {} holds {n} images but {} holds {} labels",
            images.display(),
            labels.display(),
            lb.dims[0]
        )));
    }
    if let Some((i, &l)) = lb.data.iter().enumerate().find(|(_, &l)| l > 9) {
        return Err(Error::Idx {
            path: labels.to_path_buf(),
            msg: format!("label {l} at index {i} is not a digit 0..=9"),
        });
    }
    let images = im.data.iter().map(|&b| f32::from(b) / 255.0).collect();
    Ok(Dataset {
        images,
        labels: lb.data,
    })
}

/// The image and label files of both splits in `dir` that [`find_split`] finds, as inputs an
/// output must not name, whether or not the command reads them (none for a split it does not
/// find).
pub fn data_inputs(dir: &Path) -> Vec<PathBuf> {
    [Split::Test, Split::Train]
        .into_iter()
        .filter_map(|split| find_split(dir, split).ok())
        .flat_map(|(images, labels)| [images, labels])
        .collect()
}

/// Finds the image and label files of `split` in `dir`: the one file whose
/// name ends in `idx3-ubyte` (images) or `idx1-ubyte` (labels), raw or
/// `.gz`, and holds `train` (the training split) or `t10k` / `test` (the
/// test split). A raw file is taken over its `.gz` twin; files of several
/// sets (EMNIST's balanced and digits side by side, say) are an error that
/// names them, where the first by name would have been taken unsaid.
pub fn find_split(dir: &Path, split: Split) -> Result<(PathBuf, PathBuf)> {
    let (images, labels) = find_files(dir, split)?;
    let missing = |kind: &str, idx: &str| {
        Error::Dataset(format!(
            "{}: no {:?} {kind} file (*{}*{kind}*{idx}-ubyte[.gz]) found; run `host-trainer fetch-mnist --dir {}`",
            dir.display(),
            split,
            if split == Split::Train { "train" } else { "t10k|test" },
            dir.display()
        ))
    };
    Ok((
        images.ok_or_else(|| missing("images", "idx3"))?,
        labels.ok_or_else(|| missing("labels", "idx1"))?,
    ))
}

/// Like [`find_split`], with `Ok(None)` when `dir` holds no file of `split` at all
/// (a data set without a test split); half a split, or several, is still an error.
pub fn find_optional_split(dir: &Path, split: Split) -> Result<Option<(PathBuf, PathBuf)>> {
    match find_files(dir, split)? {
        (None, None) => Ok(None),
        _ => find_split(dir, split).map(Some),
    }
}

/// The image and the label file of `split` in `dir`, each if there is one; several are an error.
fn find_files(dir: &Path, split: Split) -> Result<(Option<PathBuf>, Option<PathBuf>)> {
    let entries = std::fs::read_dir(dir).map_err(|e| match e.kind() {
        std::io::ErrorKind::NotFound => Error::Dataset(format!(
            "{}: no such directory; run `host-trainer fetch-mnist --dir {}` (MNIST's default \
             place, data/mnist, is relative: run from the repository's root)",
            dir.display(),
            dir.display()
        )),
        _ => Error::io(dir, e),
    })?;
    let mut names: Vec<String> = entries
        .filter_map(|e| e.ok())
        // files, and links to files (a directory of links to a shared copy of MNIST)
        .filter(|e| e.path().is_file())
        .filter_map(|e| e.file_name().into_string().ok())
        .collect();
    names.sort();
    let is_split = |n: &str| match split {
        Split::Train => n.contains("train"),
        Split::Test => n.contains("t10k") || n.contains("test"),
    };
    let pick =
        |kind: &str, idx: &str| -> Result<Option<PathBuf>> {
            let ending = format!("{idx}-ubyte");
            // (the name without .gz, the file's name) of each match; a raw file sorts
            // before its .gz twin, and is the one kept
            let mut found: Vec<(&str, &str)> = names
                .iter()
                .map(|n| (n.strip_suffix(".gz").unwrap_or(n), n.as_str()))
                .filter(|(stem, _)| {
                    let l = stem.to_ascii_lowercase();
                    l.ends_with(&ending) && is_split(&l) && l.contains(kind)
                })
                .collect();
            found.sort();
            found.dedup_by_key(|(stem, _)| *stem);
            match found.as_slice() {
                [(_, file)] => Ok(Some(dir.join(file))),
                [] => Ok(None),
                several => Err(Error::Dataset(format!(
                "{}: {} {:?} {kind} files ({}): give --data a directory that holds one data set",
                dir.display(),
                several.len(),
                split,
                several.iter().map(|(_, file)| *file).collect::<Vec<_>>().join(", ")
            ))),
            }
        };
    Ok((pick("images", "idx3")?, pick("labels", "idx1")?))
}

/// Loads one split of the data set in `dir`.
pub fn load(dir: &Path, split: Split) -> Result<Dataset> {
    let (images, labels) = find_split(dir, split)?;
    load_pair(&images, &labels)
}

/// `split` of `dir` for a command that can do without it (`adapt` and `quantize` measure
/// MNIST accuracy with it): `Ok(None)` when `dir` is not a directory or holds no file of
/// the split; a split that is there but damaged, cut short or half there is an error, not
/// a split missing.
pub fn load_optional(dir: &Path, split: Split) -> Result<Option<Dataset>> {
    if !dir.is_dir() {
        return Ok(None);
    }
    match find_optional_split(dir, split)? {
        None => Ok(None),
        Some((images, labels)) => load_pair(&images, &labels).map(Some),
    }
}

/// Encodes images (bytes) and labels as a pair of IDX files' contents; used
/// by tests and tools that write small data sets.
pub fn encode_pair(images: &[[u8; INPUT]], labels: &[u8]) -> (Vec<u8>, Vec<u8>) {
    let mut im = vec![0, 0, 8, 3];
    for d in [images.len(), SIDE, SIDE] {
        im.extend_from_slice(&(d as u32).to_be_bytes());
    }
    for i in images {
        im.extend_from_slice(i);
    }
    let mut lb = vec![0, 0, 8, 1];
    lb.extend_from_slice(&(labels.len() as u32).to_be_bytes());
    lb.extend_from_slice(labels);
    (im, lb)
}
