//! The MNIST test images embedded at build time: the first 100 images and
//! labels of the MNIST test set as IDX files (`data/`, made by
//! `data/make-fixture.sh`).
use core::fmt;

use nnet_core::{Image, INPUT, SIDE};

static IMAGES: &[u8] = include_bytes!("../data/t10k-100-images-idx3-ubyte");
static LABELS: &[u8] = include_bytes!("../data/t10k-100-labels-idx1-ubyte");

/// What is wrong with the embedded IDX files.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FixtureError {
    /// Wrong magic number or dimensions in the image file header.
    ImageHeader,
    /// Wrong magic number in the label file header.
    LabelHeader,
    /// The files' counts disagree with each other or with their lengths.
    Length,
    /// A label is not a digit 0..=9.
    Label,
}

impl fmt::Display for FixtureError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            FixtureError::ImageHeader => "image file: not an IDX u8 N x 28 x 28 file",
            FixtureError::LabelHeader => "label file: not an IDX u8 N file",
            FixtureError::Length => "image and label counts or file lengths disagree",
            FixtureError::Label => "a label is not a digit 0..=9",
        })
    }
}

/// The validated fixture: `len()` images of 28x28 bytes and their labels.
pub struct Fixture {
    pixels: &'static [u8],
    labels: &'static [u8],
}

fn be_u32(bytes: &[u8], at: usize) -> Option<usize> {
    let b = bytes.get(at..at + 4)?;
    Some(u32::from_be_bytes([b[0], b[1], b[2], b[3]]) as usize)
}

impl Fixture {
    /// Validates the embedded IDX files.
    pub fn embedded() -> Result<Fixture, FixtureError> {
        Fixture::parse(IMAGES, LABELS)
    }

    fn parse(images: &'static [u8], labels: &'static [u8]) -> Result<Fixture, FixtureError> {
        let header = |at| be_u32(images, at).ok_or(FixtureError::ImageHeader);
        if header(0)? != 0x0803 || header(8)? != SIDE || header(12)? != SIDE {
            return Err(FixtureError::ImageHeader);
        }
        let count = header(4)?;
        if be_u32(labels, 0) != Some(0x0801) {
            return Err(FixtureError::LabelHeader);
        }
        let label_count = be_u32(labels, 4).ok_or(FixtureError::LabelHeader)?;
        let pixels = &images[16..];
        let labels = &labels[8..];
        if label_count != count
            || count.checked_mul(INPUT) != Some(pixels.len())
            || labels.len() != count
        {
            return Err(FixtureError::Length);
        }
        if labels.iter().any(|&l| l > 9) {
            return Err(FixtureError::Label);
        }
        Ok(Fixture { pixels, labels })
    }

    /// Number of images.
    pub fn len(&self) -> usize {
        self.labels.len()
    }

    /// Writes image `index` as network input (`byte / 255.0`, the same
    /// conversion the host check uses) and returns its label. `index` must be
    /// below [`Fixture::len`]; out of range gives an empty image and label 0.
    pub fn load(&self, index: usize, image: &mut Image) -> u8 {
        let start = index.saturating_mul(INPUT);
        match self.pixels.get(start..start.saturating_add(INPUT)) {
            Some(src) => {
                for (dst, &byte) in image.iter_mut().zip(src) {
                    *dst = f32::from(byte) / 255.0;
                }
                self.labels[index]
            }
            None => {
                image.fill(0.0);
                0
            }
        }
    }
}
