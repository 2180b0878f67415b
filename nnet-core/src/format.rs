//! The model file: how a trained network travels from `host-trainer` to the
//! web server and into the firmware's flash.
//!
//! ## Layout (format version 1, all integers and floats little-endian)
//!
//! | offset | bytes | content |
//! | --- | --- | --- |
//! | 0 | 4 | magic `NNET` |
//! | 4 | 2 | format version (`u16`, currently 1) |
//! | 6 | 2 | header length `L` (`u16`) |
//! | 8 | `L` | [`Header`] serialised with `postcard` |
//! | 8+L | 0..15 | zero padding up to a multiple of 16 bytes |
//! | P | see below | weights |
//! | end-4 | 4 | CRC-32 (IEEE) of every byte before it |
//!
//! Weights for [`WeightType::F32`]: `w1` (`H*784` f32, row-major, row `j`
//! feeds hidden unit `j`), `b1` (`H`), `w2` (`10*H`), `b2` (`10`).
//!
//! Weights for [`WeightType::Int8`] (see [`crate::quant`] for the arithmetic):
//! all f32 sections first, so they stay 4-byte aligned, then the bytes.
//!
//! | section | count | type | content |
//! | --- | --- | --- | --- |
//! | `s1` | `H` | f32 | per-row scale of `w1`: `w1[j][i] ≈ s1[j] * w1q[i][j]`, `≥ f32::MIN_POSITIVE` |
//! | `b1` | `H` | f32 | hidden biases (unquantised) |
//! | `s2` | 10 | f32 | per-row scale of `w2`: `w2[k][j] ≈ s2[k] * w2q[k][j]`, `≥ f32::MIN_POSITIVE` |
//! | `b2` | 10 | f32 | output biases (unquantised) |
//! | `w1q` | `784*H` | i8 | hidden weights, **input-major** (transposed): byte `i*H + j` connects input pixel `i` to hidden unit `j`, so the weights of one pixel are contiguous and the forward pass can skip blank pixels |
//! | `w2q` | `10*H` | i8 | output weights, row-major: byte `k*H + j` connects hidden `j` to output `k` |
//!
//! An int8 file is `(2H + 20) * 4 + 794 * H` payload bytes (H = 300: 240,680
//! bytes against 954,040 for f32). Readers that only know `F32` (older
//! builds) reject the `Int8` header variant as [`Error::BadHeader`].
//!
//! Because the weights start at a multiple of 16 from the start of the file,
//! a file placed at a 16-byte aligned address can be used in place:
//! [`ModelView`] borrows the weights as `&[f32]` without copying. A file
//! embedded with `include_bytes!` alone is aligned to 1 byte, and whether it
//! parses ([`Error::Misaligned`]) depends on where the linker put it; wrapped
//! in [`Aligned`], as the firmware and the web server embed theirs, it is
//! always aligned:
//!
//! ```ignore
//! static MODEL: &Aligned<[u8]> = &Aligned(*include_bytes!(env!("NNET_MODEL_PATH")));
//! let net = ModelView::parse(&MODEL.0)?.mlp::<300>()?;
//! ```
//!
//! Loading checks everything and never panics:
//! magic, version, header, shape, exact length, checksum, and weights that
//! are finite and below [`WEIGHT_LIMIT`] (1e30) in magnitude (for int8
//! the biases, and the scales, every one positive and normal (at least
//! `f32::MIN_POSITIVE`) and below
//! [`SCALE_LIMIT`]), so no logit of a valid image
//! can overflow.
use serde::{Deserialize, Serialize};

use crate::adapt::WEIGHT_LIMIT;
use crate::model::check_param;
use crate::quant::{QuantMlp, SCALE_LIMIT};
use crate::{Error, Mlp, INPUT, OUTPUT};

/// The four magic bytes every model file starts with.
pub const MAGIC: [u8; 4] = *b"NNET";
/// The format version this build writes and reads.
pub const VERSION: u16 = 1;
/// Weights start at a multiple of this many bytes from the file start.
pub const ALIGN: usize = 16;

/// Bytes at an address that is a multiple of [`ALIGN`]: a model file embedded
/// in a binary, which [`ModelView`] then reads in place (see the module docs).
/// `&Aligned([u8; N])` coerces to `&Aligned<[u8]>`.
#[repr(C, align(16))]
#[derive(Debug)]
pub struct Aligned<B: ?Sized>(pub B);

/// The largest hidden layer a model file may declare (keeps size arithmetic far from overflow).
pub const MAX_HIDDEN: u32 = 4096;
/// The longest a model file can be: the longest header and its padding, the f32 weights of
/// [`MAX_HIDDEN`] hidden units (more than the int8 ones) and the checksum (13,090,876 bytes).
pub const MAX_FILE_LEN: usize = (8 + u16::MAX as usize).div_ceil(ALIGN) * ALIGN
    + (MAX_HIDDEN as usize * (INPUT + 1 + OUTPUT) + OUTPUT) * 4
    + 4;

/// Reads a model file's bytes (to [`ModelView::parse`] them), refusing a file longer than
/// [`MAX_FILE_LEN`] without reading more of it (`ErrorKind::FileTooLarge`): a wrong path,
/// such as a disk image or `/dev/zero`, is an error, not memory filled.
#[cfg(feature = "std")]
pub fn read_file(path: &std::path::Path) -> std::io::Result<std::vec::Vec<u8>> {
    use std::io::Read;
    let mut bytes = std::vec::Vec::new();
    std::fs::File::open(path)?
        .take(MAX_FILE_LEN as u64 + 1)
        .read_to_end(&mut bytes)?;
    if bytes.len() > MAX_FILE_LEN {
        return Err(std::io::Error::new(
            std::io::ErrorKind::FileTooLarge,
            std::format!("longer than any model file ({MAX_FILE_LEN} bytes)"),
        ));
    }
    Ok(bytes)
}

/// The hidden-layer activation function recorded in the file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Activation {
    /// The logistic function, computed with `libm::expf`.
    Sigmoid,
}

/// How the weights are stored.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum WeightType {
    /// 32-bit IEEE floats.
    F32,
    /// 8-bit integers with one f32 scale per output row, f32 biases
    /// (layout in the [module docs](self), arithmetic in [`crate::quant`]).
    Int8,
}

/// Training metadata carried in the file (informational; inference ignores it).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Metadata<'a> {
    /// The data set the network was trained on, e.g. `"mnist"`.
    pub dataset: &'a str,
    /// The random seed of the training run.
    pub seed: u64,
    /// Number of training epochs.
    pub epochs: u32,
    /// Accuracy on the data set's test split (0..=1), if measured. A value
    /// outside 0..=1 (or NaN) makes the header [`Error::BadHeader`], for the
    /// reader and the writer.
    pub test_accuracy: Option<f32>,
    /// Free text: how the model was made (command line, hyperparameters).
    pub notes: &'a str,
}

impl Metadata<'_> {
    /// Whether the test accuracy, if any, lies in 0..=1.
    fn accuracy_in_range(&self) -> bool {
        self.test_accuracy.is_none_or(|a| (0.0..=1.0).contains(&a))
    }
}

/// The decoded file header.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Header<'a> {
    /// Input units; always 784.
    pub input: u32,
    /// Hidden units `H`.
    pub hidden: u32,
    /// Output units; always 10.
    pub output: u32,
    /// Hidden activation.
    pub activation: Activation,
    /// Storage type of the weights.
    pub weight_type: WeightType,
    /// Training metadata.
    #[serde(borrow)]
    pub meta: Metadata<'a>,
}

impl Header<'_> {
    /// Number of weight/bias values (`f32` count for [`WeightType::F32`];
    /// for [`WeightType::Int8`] the same count, scales not included).
    /// Computed for at most [`MAX_HIDDEN`] hidden units (a header that
    /// [`ModelView::parse`] accepted): a larger `hidden` counts as that many.
    pub fn parameter_count(&self) -> usize {
        let h = self.hidden.min(MAX_HIDDEN) as usize;
        h * INPUT + h + OUTPUT * h + OUTPUT
    }

    /// Bytes of the weight section (for at most [`MAX_HIDDEN`] hidden units,
    /// as [`Header::parameter_count`]).
    pub fn payload_len(&self) -> usize {
        match self.weight_type {
            WeightType::F32 => self.parameter_count() * 4,
            WeightType::Int8 => {
                let h = self.hidden.min(MAX_HIDDEN) as usize;
                int8_f32_count(h) * 4 + h * INPUT + OUTPUT * h
            }
        }
    }
}

/// A validated model file, borrowed: the weights are used where they lie.
#[derive(Debug, Clone, Copy)]
pub struct ModelView<'a> {
    /// The decoded header, private: the weight accessors slice the payload by its sizes,
    /// which `parse` checked against it (a caller changing them could make them panic).
    header: Header<'a>,
    payload: &'a [u8],
}

impl<'a> ModelView<'a> {
    /// The decoded header.
    pub fn header(&self) -> &Header<'a> {
        &self.header
    }

    /// Parses and validates a whole model file. Works without allocation.
    pub fn parse(bytes: &'a [u8]) -> Result<Self, Error> {
        if bytes.len() < MAGIC.len() {
            return Err(if MAGIC.starts_with(bytes) {
                Error::Truncated
            } else {
                Error::BadMagic
            });
        }
        if bytes[..4] != MAGIC {
            return Err(Error::BadMagic);
        }
        let fixed = bytes.get(..8).ok_or(Error::Truncated)?;
        let version = u16::from_le_bytes([fixed[4], fixed[5]]);
        if version != VERSION {
            return Err(Error::UnsupportedVersion(version));
        }
        let header_len = usize::from(u16::from_le_bytes([fixed[6], fixed[7]]));
        let header_bytes = bytes.get(8..8 + header_len).ok_or(Error::Truncated)?;
        let (header, rest): (Header<'a>, _) =
            postcard::take_from_bytes(header_bytes).map_err(|_| Error::BadHeader)?;
        if !rest.is_empty() || !header.meta.accuracy_in_range() {
            return Err(Error::BadHeader);
        }
        if header.input != INPUT as u32 || header.output != OUTPUT as u32 {
            return Err(Error::UnsupportedShape);
        }
        check_hidden_size(header.hidden as usize)?;
        let start = padded(8 + header_len);
        let end = start + header.payload_len();
        let total = end + 4;
        if bytes.len() < total {
            return Err(Error::Truncated);
        }
        if bytes.len() > total {
            return Err(Error::TrailingBytes);
        }
        if bytes[8 + header_len..start].iter().any(|&b| b != 0) {
            return Err(Error::BadHeader);
        }
        let stored =
            u32::from_le_bytes([bytes[end], bytes[end + 1], bytes[end + 2], bytes[end + 3]]);
        if crc32(&bytes[..end]) != stored {
            return Err(Error::ChecksumMismatch);
        }
        let payload = &bytes[start..end];
        let hidden = header.hidden as usize;
        let int8 = header.weight_type == WeightType::Int8;
        let floats = if int8 {
            &payload[..int8_f32_count(hidden) * 4]
        } else {
            payload
        };
        // int8: s1 and b1 have H floats, s2 and b2 10 each
        let is_scale =
            |i: usize| int8 && (i < hidden || (2 * hidden..2 * hidden + OUTPUT).contains(&i));
        for (i, c) in floats.chunks_exact(4).enumerate() {
            let v = f32::from_le_bytes([c[0], c[1], c[2], c[3]]);
            if is_scale(i) {
                check_param(v, SCALE_LIMIT)?;
                // positive and normal, as `QuantMlp::from_slices` takes them
                if v < f32::MIN_POSITIVE {
                    return Err(Error::BadScale);
                }
            } else {
                check_param(v, WEIGHT_LIMIT)?;
            }
        }
        Ok(ModelView { header, payload })
    }

    /// The raw weight section (little-endian).
    pub fn payload(&self) -> &'a [u8] {
        self.payload
    }

    /// The f32 weights in place, as `(w1, b1, w2, b2)`. Needs the file to be
    /// 4-byte aligned in memory on a little-endian target, else
    /// [`Error::Misaligned`]; a non-f32 file is [`Error::WrongWeightType`].
    pub fn f32_weights(&self) -> Result<[&'a [f32]; 4], Error> {
        if self.header.weight_type != WeightType::F32 {
            return Err(Error::WrongWeightType);
        }
        if cfg!(target_endian = "big") {
            return Err(Error::Misaligned);
        }
        let all: &'a [f32] =
            bytemuck::try_cast_slice(self.payload).map_err(|_| Error::Misaligned)?;
        Ok(split_f32(all, self.header.hidden as usize))
    }

    /// The network in place (zero-copy). `H` must equal the file's hidden size.
    pub fn mlp<const H: usize>(&self) -> Result<Mlp<'a, H>, Error> {
        check_hidden::<H>(self.header.hidden as usize)?;
        let [w1, b1, w2, b2] = self.f32_weights()?;
        Mlp::from_slices(w1, b1, w2, b2)
    }

    /// The int8 sections in place (layout in the [module docs](self)). Needs
    /// the file to be 4-byte aligned in memory on a little-endian target, else
    /// [`Error::Misaligned`]; a non-int8 file is [`Error::WrongWeightType`].
    pub fn int8_weights(&self) -> Result<Int8Sections<'a>, Error> {
        if self.header.weight_type != WeightType::Int8 {
            return Err(Error::WrongWeightType);
        }
        if cfg!(target_endian = "big") {
            return Err(Error::Misaligned);
        }
        let h = self.header.hidden as usize;
        let (floats, bytes) = self.payload.split_at(int8_f32_count(h) * 4);
        let floats: &'a [f32] = bytemuck::try_cast_slice(floats).map_err(|_| Error::Misaligned)?;
        let bytes: &'a [i8] = bytemuck::cast_slice(bytes);
        let [s1, b1, s2, b2] = split_int8_f32(floats, h);
        let [w1q, w2q] = split_int8_bytes(bytes, h);
        Ok(Int8Sections {
            s1,
            b1,
            s2,
            b2,
            w1q,
            w2q,
        })
    }

    /// The int8 network in place (zero-copy: the weights stay where the file
    /// lies, e.g. in flash). `H` must equal the file's hidden size; an f32
    /// file is [`Error::WrongWeightType`].
    pub fn quant_mlp<const H: usize>(&self) -> Result<QuantMlp<'a, H>, Error> {
        check_hidden::<H>(self.header.hidden as usize)?;
        let w = self.int8_weights()?;
        QuantMlp::from_slices(w.w1q, w.s1, w.b1, w.w2q, w.s2, w.b2)
    }
}

/// The sections of an int8 model file, borrowed in place (see the
/// [module docs](self) for their order and layout).
#[derive(Debug, Clone, Copy)]
pub struct Int8Sections<'a> {
    /// `H` per-row scales of the hidden weights.
    pub s1: &'a [f32],
    /// `H` hidden biases.
    pub b1: &'a [f32],
    /// 10 per-row scales of the output weights.
    pub s2: &'a [f32],
    /// 10 output biases.
    pub b2: &'a [f32],
    /// `784 x H` hidden weights, input-major.
    pub w1q: &'a [i8],
    /// `10 x H` output weights, row-major.
    pub w2q: &'a [i8],
}

/// Number of f32 values at the start of an int8 payload: `s1`, `b1`, `s2`, `b2`.
fn int8_f32_count(h: usize) -> usize {
    2 * h + 2 * OUTPUT
}

fn split_int8_f32(all: &[f32], h: usize) -> [&[f32]; 4] {
    let (s1, rest) = all.split_at(h);
    let (b1, rest) = rest.split_at(h);
    let (s2, b2) = rest.split_at(OUTPUT);
    [s1, b1, s2, b2]
}

fn split_int8_bytes(all: &[i8], h: usize) -> [&[i8]; 2] {
    let (w1q, w2q) = all.split_at(h * INPUT);
    [w1q, w2q]
}

/// A hidden size the format holds, `1..=MAX_HIDDEN` ([`Error::UnsupportedShape`]):
/// checked before any size is computed from it (so that no multiplication can
/// overflow), and by the networks' constructors for their `H` (their sums are sized
/// for it: an int8 dot product of more than 66,000 terms could overflow `i32`, and a
/// row of 0 values cannot be viewed).
pub(crate) fn check_hidden_size(hidden: usize) -> Result<(), Error> {
    if hidden == 0 || hidden > MAX_HIDDEN as usize {
        return Err(Error::UnsupportedShape);
    }
    Ok(())
}

/// `H` must be the file's hidden size.
fn check_hidden<const H: usize>(hidden: usize) -> Result<(), Error> {
    if hidden != H {
        return Err(Error::SizeMismatch {
            expected_hidden: H as u32,
            found_hidden: hidden as u32,
        });
    }
    Ok(())
}

fn split_f32(all: &[f32], h: usize) -> [&[f32]; 4] {
    let (w1, rest) = all.split_at(h * INPUT);
    let (b1, rest) = rest.split_at(h);
    let (w2, b2) = rest.split_at(OUTPUT * h);
    [w1, b1, w2, b2]
}

fn padded(n: usize) -> usize {
    n.div_ceil(ALIGN) * ALIGN
}

const CRC_TABLE: [u32; 256] = {
    let mut table = [0u32; 256];
    let mut i = 0;
    while i < 256 {
        let mut c = i as u32;
        let mut k = 0;
        while k < 8 {
            c = if c & 1 != 0 {
                0xEDB8_8320 ^ (c >> 1)
            } else {
                c >> 1
            };
            k += 1;
        }
        table[i] = c;
        i += 1;
    }
    table
};

/// CRC-32 (IEEE 802.3, as in zlib and PNG) of `data`.
pub fn crc32(data: &[u8]) -> u32 {
    !crc32_update(!0, data)
}

/// [`crc32`] of data that arrives in pieces: `Crc32::new()`, then
/// [`Crc32::update`] with each piece, then [`Crc32::finish`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Crc32(u32);

impl Crc32 {
    /// The CRC of nothing so far.
    pub const fn new() -> Self {
        Crc32(!0)
    }

    /// Feeds the next piece of the data.
    pub fn update(&mut self, data: &[u8]) {
        self.0 = crc32_update(self.0, data);
    }

    /// The CRC-32 of everything fed so far.
    pub const fn finish(&self) -> u32 {
        !self.0
    }
}

impl Default for Crc32 {
    fn default() -> Self {
        Crc32::new()
    }
}

/// Feeds `data` into a running CRC-32 register `c` (start with `!0`, finish
/// with `!c`): [`crc32`] of data that arrives in pieces.
pub(crate) fn crc32_update(mut c: u32, data: &[u8]) -> u32 {
    for &b in data {
        c = CRC_TABLE[((c ^ u32::from(b)) & 0xff) as usize] ^ (c >> 8);
    }
    c
}

#[cfg(feature = "alloc")]
pub use owned::*;

#[cfg(feature = "alloc")]
mod owned {
    use alloc::string::String;
    use alloc::vec::Vec;

    use super::*;
    use crate::model::check_params;
    use crate::quant::check_int8_params;

    /// [`Metadata`] with owned strings, for building and keeping models on a host.
    #[derive(Debug, Clone, PartialEq, Default)]
    pub struct OwnedMetadata {
        /// See [`Metadata::dataset`].
        pub dataset: String,
        /// See [`Metadata::seed`].
        pub seed: u64,
        /// See [`Metadata::epochs`].
        pub epochs: u32,
        /// See [`Metadata::test_accuracy`].
        pub test_accuracy: Option<f32>,
        /// See [`Metadata::notes`].
        pub notes: String,
    }

    /// The longest notes [`OwnedMetadata::cut_to_fit`] leaves (bytes): far more than one
    /// training or adaptation records, and far below what the header's 16-bit length
    /// holds, so that notes that grow with every `adapt` of an adapted model never make a
    /// model file impossible to write.
    pub const MAX_NOTES: usize = 16 * 1024;
    /// The longest data set name [`OwnedMetadata::cut_to_fit`] leaves (bytes): with
    /// [`MAX_NOTES`], a header far below what its 16-bit length holds, whatever the
    /// model read before said.
    pub const MAX_DATASET: usize = 1024;

    impl OwnedMetadata {
        /// Cuts [`notes`](Self::notes) to at most [`MAX_NOTES`] bytes and
        /// [`dataset`](Self::dataset) to at most [`MAX_DATASET`], at a character boundary,
        /// ending in `…` where cut, so that a file with this metadata can be written.
        /// Returns whether it cut anything.
        pub fn cut_to_fit(&mut self) -> bool {
            let notes = cut(&mut self.notes, MAX_NOTES);
            cut(&mut self.dataset, MAX_DATASET) | notes
        }
    }

    /// Cuts `text` to at most `max` bytes, at a character boundary, ending in `…` when cut.
    fn cut(text: &mut String, max: usize) -> bool {
        if text.len() <= max {
            return false;
        }
        let mut end = max - '…'.len_utf8();
        while !text.is_char_boundary(end) {
            end -= 1;
        }
        text.truncate(end);
        text.push('…');
        true
    }

    impl From<&Metadata<'_>> for OwnedMetadata {
        fn from(m: &Metadata<'_>) -> Self {
            OwnedMetadata {
                dataset: m.dataset.into(),
                seed: m.seed,
                epochs: m.epochs,
                test_accuracy: m.test_accuracy,
                notes: m.notes.into(),
            }
        }
    }

    /// Decodes little-endian f32 values (any trailing partial value is ignored).
    fn le_f32s(bytes: &[u8]) -> Vec<f32> {
        bytes
            .chunks_exact(4)
            .map(|c| f32::from_le_bytes([c[0], c[1], c[2], c[3]]))
            .collect()
    }

    impl OwnedMetadata {
        fn borrowed(&self) -> Metadata<'_> {
            Metadata {
                dataset: &self.dataset,
                seed: self.seed,
                epochs: self.epochs,
                test_accuracy: self.test_accuracy,
                notes: &self.notes,
            }
        }
    }

    /// The header of an owned model of either weight type.
    fn owned_header<'m>(
        hidden: usize,
        weight_type: WeightType,
        meta: &'m OwnedMetadata,
    ) -> Header<'m> {
        Header {
            input: INPUT as u32,
            hidden: hidden as u32,
            output: OUTPUT as u32,
            activation: Activation::Sigmoid,
            weight_type,
            meta: meta.borrowed(),
        }
    }

    /// Checks the vector lengths (`want` vs `have`, in file order) and the
    /// hidden size of a model about to be written.
    fn check_shape(want: &[usize], have: &[usize]) -> Result<(), Error> {
        for (&expected, &actual) in want.iter().zip(have) {
            if expected != actual {
                return Err(Error::LengthMismatch { expected, actual });
            }
        }
        Ok(())
    }

    /// Writes a whole model file: magic, version, header, padding, the
    /// payload `write_payload` appends, CRC-32.
    fn write_file(
        header: &Header<'_>,
        write_payload: impl FnOnce(&mut Vec<u8>),
    ) -> Result<Vec<u8>, Error> {
        if !header.meta.accuracy_in_range() {
            return Err(Error::BadHeader);
        }
        let encoded = postcard::to_allocvec(header).map_err(|_| Error::Encode)?;
        let header_len = u16::try_from(encoded.len()).map_err(|_| Error::Encode)?;
        let header_end = padded(8 + encoded.len());
        let mut out = Vec::with_capacity(header_end + header.payload_len() + 4);
        out.extend_from_slice(&MAGIC);
        out.extend_from_slice(&VERSION.to_le_bytes());
        out.extend_from_slice(&header_len.to_le_bytes());
        out.extend_from_slice(&encoded);
        out.resize(header_end, 0);
        write_payload(&mut out);
        let crc = crc32(&out);
        out.extend_from_slice(&crc.to_le_bytes());
        Ok(out)
    }

    /// Appends f32 values little-endian.
    fn put_f32s(out: &mut Vec<u8>, values: &[f32]) {
        for v in values {
            out.extend_from_slice(&v.to_le_bytes());
        }
    }

    /// An f32 model held in owned vectors (host side: trainer, web server).
    #[derive(Debug, Clone, PartialEq)]
    pub struct OwnedModel {
        /// Hidden units `H`.
        pub hidden: usize,
        /// Training metadata.
        pub meta: OwnedMetadata,
        /// `H x 784` hidden weights, row-major.
        pub w1: Vec<f32>,
        /// `H` hidden biases.
        pub b1: Vec<f32>,
        /// `10 x H` output weights, row-major.
        pub w2: Vec<f32>,
        /// 10 output biases.
        pub b2: Vec<f32>,
    }

    impl OwnedModel {
        /// Parses and validates a model file from any (unaligned) bytes, copying the weights.
        pub fn from_bytes(bytes: &[u8]) -> Result<Self, Error> {
            let view = ModelView::parse(bytes)?;
            let h = &view.header;
            if h.weight_type != WeightType::F32 {
                return Err(Error::WrongWeightType);
            }
            let all = le_f32s(view.payload());
            let hidden = h.hidden as usize;
            let [w1, b1, w2, b2] = split_f32(&all, hidden);
            Ok(OwnedModel {
                hidden,
                meta: OwnedMetadata::from(&h.meta),
                w1: w1.into(),
                b1: b1.into(),
                w2: w2.into(),
                b2: b2.into(),
            })
        }

        /// The network over these vectors. `H` must equal [`OwnedModel::hidden`].
        pub fn mlp<const H: usize>(&self) -> Result<Mlp<'_, H>, Error> {
            check_hidden::<H>(self.hidden)?;
            Mlp::from_slices(&self.w1, &self.b1, &self.w2, &self.b2)
        }

        /// The file header this model is written with.
        pub fn header(&self) -> Header<'_> {
            owned_header(self.hidden, WeightType::F32, &self.meta)
        }

        /// Serialises the model into the file format. Vectors of the wrong
        /// length and weights out of range (as in [`Mlp::from_slices`]) are
        /// rejected, so every written file loads.
        pub fn to_bytes(&self) -> Result<Vec<u8>, Error> {
            let h = self.hidden;
            check_hidden_size(h)?;
            let weights = [&self.w1, &self.b1, &self.w2, &self.b2];
            check_shape(
                &[h * INPUT, h, OUTPUT * h, OUTPUT],
                &weights.map(|w| w.len()),
            )?;
            check_params(&weights.map(|w| &w[..]), WEIGHT_LIMIT)?;
            write_file(&self.header(), |out| {
                for w in weights {
                    put_f32s(out, w);
                }
            })
        }
    }
    /// An int8 model held in owned vectors (host side: the quantiser
    /// [`crate::quantizer::quantize`], the web server). Layout of every vector as
    /// in the file (see the [module docs](crate::format)).
    #[derive(Debug, Clone, PartialEq)]
    pub struct OwnedQuantModel {
        /// Hidden units `H`.
        pub hidden: usize,
        /// Training metadata.
        pub meta: OwnedMetadata,
        /// `H` per-row scales of the hidden weights (all `> 0`).
        pub s1: Vec<f32>,
        /// `H` hidden biases.
        pub b1: Vec<f32>,
        /// 10 per-row scales of the output weights (all `> 0`).
        pub s2: Vec<f32>,
        /// 10 output biases.
        pub b2: Vec<f32>,
        /// `784 x H` quantised hidden weights, input-major: `w1q[i * H + j]`
        /// connects pixel `i` to hidden unit `j`.
        pub w1q: Vec<i8>,
        /// `10 x H` quantised output weights, row-major: `w2q[k * H + j]`.
        pub w2q: Vec<i8>,
    }

    impl OwnedQuantModel {
        /// Parses and validates an int8 model file from any (unaligned) bytes,
        /// copying the weights. An f32 file is [`Error::WrongWeightType`].
        pub fn from_bytes(bytes: &[u8]) -> Result<Self, Error> {
            let view = ModelView::parse(bytes)?;
            let h = &view.header;
            if h.weight_type != WeightType::Int8 {
                return Err(Error::WrongWeightType);
            }
            let hidden = h.hidden as usize;
            let (floats, ints) = view.payload().split_at(int8_f32_count(hidden) * 4);
            let floats = le_f32s(floats);
            let ints: Vec<i8> = ints.iter().map(|&b| b as i8).collect();
            let [s1, b1, s2, b2] = split_int8_f32(&floats, hidden);
            let [w1q, w2q] = split_int8_bytes(&ints, hidden);
            Ok(OwnedQuantModel {
                hidden,
                meta: OwnedMetadata::from(&h.meta),
                s1: s1.into(),
                b1: b1.into(),
                s2: s2.into(),
                b2: b2.into(),
                w1q: w1q.into(),
                w2q: w2q.into(),
            })
        }

        /// The int8 network over these vectors. `H` must equal
        /// [`OwnedQuantModel::hidden`].
        pub fn quant_mlp<const H: usize>(&self) -> Result<QuantMlp<'_, H>, Error> {
            check_hidden::<H>(self.hidden)?;
            QuantMlp::from_slices(&self.w1q, &self.s1, &self.b1, &self.w2q, &self.s2, &self.b2)
        }

        /// The file header this model is written with.
        pub fn header(&self) -> Header<'_> {
            owned_header(self.hidden, WeightType::Int8, &self.meta)
        }

        /// Serialises the model into the file format. Vectors of the wrong
        /// length and scales or biases out of range (as in
        /// [`check_int8_params`]) are rejected, so every written file loads.
        pub fn to_bytes(&self) -> Result<Vec<u8>, Error> {
            let h = self.hidden;
            check_hidden_size(h)?;
            let floats = [&self.s1, &self.b1, &self.s2, &self.b2];
            check_shape(
                &[h, h, OUTPUT, OUTPUT, h * INPUT, OUTPUT * h],
                &[
                    self.s1.len(),
                    self.b1.len(),
                    self.s2.len(),
                    self.b2.len(),
                    self.w1q.len(),
                    self.w2q.len(),
                ],
            )?;
            check_int8_params(&self.s1, &self.b1, &self.s2, &self.b2)?;
            write_file(&self.header(), |out| {
                for w in floats {
                    put_f32s(out, w);
                }
                out.extend(self.w1q.iter().chain(&self.w2q).map(|&v| v as u8));
            })
        }
    }
}

#[cfg(all(test, feature = "alloc"))]
mod tests {
    use alloc::vec;
    use alloc::vec::Vec;

    use super::*;

    /// A file embedded in [`Aligned`] is read in place, as the module docs show it.
    #[test]
    fn an_embedded_aligned_file_is_read_in_place() {
        static MODEL: &Aligned<[u8]> = &Aligned(*include_bytes!("../../models/mnist-mlp.nnet"));
        assert_eq!(core::mem::align_of_val(MODEL), ALIGN);
        assert_eq!(MODEL.0.as_ptr() as usize % ALIGN, 0);
        let net = ModelView::parse(&MODEL.0).unwrap().mlp::<300>().unwrap();
        // borrowed, not copied
        assert_eq!(
            net.b2().as_ptr() as usize,
            MODEL.0.as_ptr() as usize + MODEL.0.len() - 44
        );
    }

    fn model(h: usize) -> OwnedModel {
        let n = |len: usize, k: f32| {
            (0..len)
                .map(|i| ((i % 17) as f32 - 8.0) * k)
                .collect::<Vec<f32>>()
        };
        OwnedModel {
            hidden: h,
            meta: OwnedMetadata {
                dataset: "unit-test".into(),
                seed: 7,
                epochs: 3,
                test_accuracy: Some(0.5),
                notes: "made by a test".into(),
            },
            w1: n(h * INPUT, 0.01),
            b1: n(h, 0.1),
            w2: n(OUTPUT * h, 0.2),
            b2: n(OUTPUT, 0.3),
        }
    }

    /// Notes are cut to `MAX_NOTES` bytes at a character boundary, ending in `…`; shorter
    /// ones stay as they are. So is the data set name, to `MAX_DATASET` bytes.
    #[test]
    fn cut_to_fit_keeps_a_character_boundary() {
        let mut m = model(1).meta;
        for (notes, want_cut) in [
            ("a".repeat(MAX_NOTES), false),
            ("a".repeat(MAX_NOTES + 1), true),
            ("é".repeat(MAX_NOTES), true),
            (alloc::format!("a{}", "€".repeat(MAX_NOTES)), true),
        ] {
            m.notes = notes.clone();
            assert_eq!(m.cut_to_fit(), want_cut);
            if !want_cut {
                assert_eq!(m.notes, notes);
                continue;
            }
            assert!(m.notes.len() <= MAX_NOTES, "{}", m.notes.len());
            assert!(m.notes.len() > MAX_NOTES - 4, "{}", m.notes.len());
            assert!(m.notes.ends_with('…'));
            let kept = m.notes.strip_suffix('…').unwrap();
            assert!(notes.starts_with(kept));
        }
        // and cut notes always fit a header
        let mut big = model(1);
        big.meta.notes = "x".repeat(70_000);
        assert_eq!(big.to_bytes(), Err(Error::Encode));
        big.meta.cut_to_fit();
        let back = OwnedModel::from_bytes(&big.to_bytes().unwrap()).unwrap();
        assert_eq!(back.meta.notes.len(), MAX_NOTES - 3 + '…'.len_utf8());
        // a data set name as long as a header holds, with notes as long as they may be
        let mut big = model(1);
        big.meta.dataset = "d".repeat(60_000);
        big.meta.notes = "n".repeat(MAX_NOTES);
        assert_eq!(big.to_bytes(), Err(Error::Encode));
        assert!(big.meta.cut_to_fit());
        let back = OwnedModel::from_bytes(&big.to_bytes().unwrap()).unwrap();
        assert_eq!(back.meta.dataset.len(), MAX_DATASET - 3 + '…'.len_utf8());
        assert!(back.meta.dataset.ends_with("dd…"));
        assert_eq!(back.meta.notes, "n".repeat(MAX_NOTES));
        let mut short = model(1).meta;
        short.dataset = "d".repeat(MAX_DATASET);
        assert!(!short.cut_to_fit());
    }

    /// Copies bytes to a 16-byte aligned buffer so zero-copy views work in tests.
    fn aligned(bytes: &[u8]) -> Vec<u128> {
        let mut buf = vec![0u128; bytes.len().div_ceil(16)];
        bytemuck::cast_slice_mut::<u128, u8>(&mut buf)[..bytes.len()].copy_from_slice(bytes);
        buf
    }

    fn with_fixed_crc(mut bytes: Vec<u8>) -> Vec<u8> {
        let end = bytes.len() - 4;
        let crc = crc32(&bytes[..end]);
        bytes[end..].copy_from_slice(&crc.to_le_bytes());
        bytes
    }

    #[test]
    fn round_trip_owned_and_view() {
        let m = model(3);
        let bytes = m.to_bytes().unwrap();
        assert_eq!(OwnedModel::from_bytes(&bytes).unwrap(), m);
        let buf = aligned(&bytes);
        let view =
            ModelView::parse(&bytemuck::cast_slice::<u128, u8>(&buf)[..bytes.len()]).unwrap();
        assert_eq!(view.header, m.header());
        let a = view.mlp::<3>().unwrap();
        let b = m.mlp::<3>().unwrap();
        let x = [0.5f32; INPUT];
        assert_eq!(a.predict(&x).unwrap(), b.predict(&x).unwrap());
        assert_eq!(a.w1().as_flattened(), &m.w1[..]);
    }

    #[test]
    fn view_rejects_wrong_size_and_misalignment() {
        let bytes = model(3).to_bytes().unwrap();
        let buf = aligned(&bytes);
        let raw = bytemuck::cast_slice::<u128, u8>(&buf);
        let view = ModelView::parse(&raw[..bytes.len()]).unwrap();
        assert_eq!(
            view.mlp::<4>().unwrap_err(),
            Error::SizeMismatch {
                expected_hidden: 4,
                found_hidden: 3
            }
        );
        let mut shifted = vec![0u8; bytes.len() + 1];
        shifted[1..].copy_from_slice(&bytes);
        let buf2 = aligned(&shifted);
        let raw2 = &bytemuck::cast_slice::<u128, u8>(&buf2)[1..=bytes.len()];
        assert_eq!(
            ModelView::parse(raw2).unwrap().mlp::<3>().unwrap_err(),
            Error::Misaligned
        );
        // the owned loader copies, so alignment does not matter to it
        assert!(OwnedModel::from_bytes(raw2).is_ok());
    }

    #[test]
    fn rejects_every_corruption_class() {
        let good = model(2).to_bytes().unwrap();
        let parse = |b: &[u8]| ModelView::parse(b).map(|_| ());
        assert_eq!(parse(b"NN"), Err(Error::Truncated));
        assert_eq!(parse(b"XY"), Err(Error::BadMagic));
        assert_eq!(parse(b""), Err(Error::Truncated));
        let mut bad = good.clone();
        bad[0] = b'M';
        assert_eq!(parse(&bad), Err(Error::BadMagic));
        let mut bad = good.clone();
        bad[4] = 9;
        assert_eq!(parse(&bad), Err(Error::UnsupportedVersion(9)));
        for cut in [5, 8, 20, good.len() / 2, good.len() - 1] {
            assert_eq!(parse(&good[..cut]), Err(Error::Truncated), "cut at {cut}");
        }
        let mut bad = good.clone();
        bad.push(0);
        assert_eq!(parse(&bad), Err(Error::TrailingBytes));
        let mut bad = good.clone();
        let mid = bad.len() / 2;
        bad[mid] ^= 0x40;
        assert_eq!(parse(&bad), Err(Error::ChecksumMismatch));
        // a NaN weight with a correct checksum is still rejected
        let mut bad = good.clone();
        let start = padded(8 + usize::from(u16::from_le_bytes([good[6], good[7]])));
        bad[start..start + 4].copy_from_slice(&f32::NAN.to_le_bytes());
        assert_eq!(parse(&with_fixed_crc(bad)), Err(Error::NonFiniteWeight));
        let mut bad = good.clone();
        bad[start + 4..start + 8].copy_from_slice(&f32::NEG_INFINITY.to_le_bytes());
        assert_eq!(parse(&with_fixed_crc(bad)), Err(Error::NonFiniteWeight));
        // header claims a different input size
        let mut m = model(2);
        let mut header = m.header();
        header.input = 1000; // same varint length as 784, so the header keeps its size
        let hb = postcard::to_allocvec(&header).unwrap();
        let mut bad = good.clone();
        bad.splice(8..8 + hb.len(), hb.iter().copied());
        assert_eq!(parse(&with_fixed_crc(bad)), Err(Error::UnsupportedShape));
        // a test accuracy outside 0..=1, read or written
        for bad_accuracy in [1.5, -0.01, f32::NAN, f32::INFINITY] {
            let mut m = model(2);
            m.meta.test_accuracy = Some(bad_accuracy);
            assert_eq!(m.to_bytes(), Err(Error::BadHeader), "{bad_accuracy}");
            let mut header = m.header();
            header.meta.test_accuracy = Some(0.5);
            let written = postcard::to_allocvec(&header).unwrap();
            header.meta.test_accuracy = Some(bad_accuracy);
            let hb = postcard::to_allocvec(&header).unwrap();
            assert_eq!(hb.len(), written.len(), "an f32 takes 4 bytes either way");
            let mut bad = good.clone();
            bad.splice(8..8 + hb.len(), hb.iter().copied());
            assert_eq!(parse(&with_fixed_crc(bad)), Err(Error::BadHeader));
        }
        for fine in [0.0, 1.0] {
            let mut m = model(2);
            m.meta.test_accuracy = Some(fine);
            assert!(ModelView::parse(&m.to_bytes().unwrap()).is_ok());
        }
        // header length pointing past the end
        let mut bad = good.clone();
        bad[6] = 0xff;
        bad[7] = 0xff;
        assert_eq!(parse(&bad), Err(Error::Truncated));
        // writer refuses what the reader would refuse
        m.b2[0] = f32::INFINITY;
        assert_eq!(m.to_bytes(), Err(Error::NonFiniteWeight));
        let mut m = model(2);
        m.w2.pop();
        assert!(matches!(m.to_bytes(), Err(Error::LengthMismatch { .. })));
    }

    #[test]
    fn weights_must_stay_below_the_limit() {
        let below = f32::from_bits(WEIGHT_LIMIT.to_bits() - 1);
        let good = model(2).to_bytes().unwrap();
        let start = padded(8 + usize::from(u16::from_le_bytes([good[6], good[7]])));
        // first w1, last b2
        for at in [start, good.len() - 8] {
            for (v, want) in [
                (WEIGHT_LIMIT, Err(Error::WeightTooLarge)),
                (-WEIGHT_LIMIT, Err(Error::WeightTooLarge)),
                (f32::MAX, Err(Error::WeightTooLarge)),
                (below, Ok(())),
                (-below, Ok(())),
            ] {
                let mut bytes = good.clone();
                bytes[at..at + 4].copy_from_slice(&v.to_le_bytes());
                let bytes = with_fixed_crc(bytes);
                assert_eq!(ModelView::parse(&bytes).map(|_| ()), want, "{v} at {at}");
            }
        }
        let mut m = model(2);
        m.w2[3] = -WEIGHT_LIMIT;
        assert_eq!(m.to_bytes(), Err(Error::WeightTooLarge));
        assert_eq!(m.mlp::<2>().unwrap_err(), Error::WeightTooLarge);
        m.w2[3] = -below;
        assert!(m.to_bytes().is_ok());
    }

    /// The point of the limit: the largest weights a file may hold, at the
    /// largest hidden size, give finite logits for every image in `0..=1`
    /// (so an overflow is always the input's fault).
    #[test]
    fn largest_valid_weights_never_overflow() {
        const H: usize = MAX_HIDDEN as usize;
        let below = f32::from_bits(WEIGHT_LIMIT.to_bits() - 1);
        // every weight at the limit's side, all of one sign or alternating
        for sign_of in [
            |_: usize| 1.0f32,
            |i: usize| if i.is_multiple_of(2) { 1.0 } else { -1.0 },
        ] {
            let fill = |len: usize| (0..len).map(|i| sign_of(i) * below).collect::<Vec<f32>>();
            let m = OwnedModel {
                hidden: H,
                w1: fill(H * INPUT),
                b1: fill(H),
                w2: fill(OUTPUT * H),
                b2: fill(OUTPUT),
                ..model(1)
            };
            let mlp = m.mlp::<H>().unwrap();
            for x in [[1.0f32; INPUT], [0.0; INPUT]] {
                let z = mlp.logits(&x).unwrap();
                assert!(z.iter().all(|v| v.is_finite()), "{z:?}");
            }
        }
    }

    /// [`MAX_FILE_LEN`] is the file the writer makes at [`MAX_HIDDEN`] in f32, with its header
    /// grown to the longest a file can state.
    #[test]
    fn the_longest_file_is_max_file_len() {
        let bytes = model(MAX_HIDDEN as usize).to_bytes().unwrap();
        let header_len = usize::from(u16::from_le_bytes([bytes[6], bytes[7]]));
        let longest = bytes.len() - padded(8 + header_len) + padded(8 + usize::from(u16::MAX));
        assert_eq!(longest, MAX_FILE_LEN);
    }

    #[test]
    fn crc32_known_answer() {
        assert_eq!(crc32(b"123456789"), 0xCBF4_3926);
        assert_eq!(crc32(b""), 0);
    }

    #[test]
    fn crc32_in_pieces_equals_crc32_at_once() {
        let data = b"123456789";
        for cut in 0..=data.len() {
            let mut c = Crc32::new();
            c.update(&data[..cut]);
            c.update(&data[cut..]);
            assert_eq!(c.finish(), crc32(data), "cut at {cut}");
        }
        assert_eq!(Crc32::default().finish(), 0);
    }
}
