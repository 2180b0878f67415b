use core::fmt;

/// Everything that can go wrong in `nnet-core`. Small, `Copy`, and printable
/// with [`Display`](core::fmt::Display) without allocation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Error {
    /// An input value (pixel or coordinate) is NaN or infinite.
    NonFiniteInput,
    /// A pixel value lies outside `0.0..=1.0`.
    InputOutOfRange,
    /// A buffer or raster has the wrong length for the stated dimensions.
    LengthMismatch {
        /// The length that was expected.
        expected: usize,
        /// The length that was given.
        actual: usize,
    },
    /// A preprocessing parameter (pen width, softness) is outside its documented range.
    BadParameter,
    /// A raster's width or height is zero or their product overflows, or a
    /// drawing surface's side is not above 0.
    BadDimensions,
    /// A fixed-capacity stroke buffer is full (too many points or strokes).
    CapacityExceeded,
    /// The model file does not start with the `NNET` magic bytes.
    BadMagic,
    /// The model file has a format version this build does not read.
    UnsupportedVersion(u16),
    /// The model file ends before its declared contents.
    Truncated,
    /// The model file has bytes after its declared contents.
    TrailingBytes,
    /// The model file's header could not be decoded.
    BadHeader,
    /// The model file's checksum does not match its contents.
    ChecksumMismatch,
    /// The layer sizes in the file differ from the network the caller expects.
    SizeMismatch {
        /// Hidden units the caller expects.
        expected_hidden: u32,
        /// Hidden units the file declares.
        found_hidden: u32,
    },
    /// The file's input or output layer is not 784 / 10, or its hidden size
    /// is 0 or above [`MAX_HIDDEN`](crate::format::MAX_HIDDEN).
    UnsupportedShape,
    /// The file holds a weight type other than the one the caller asked for.
    WrongWeightType,
    /// A weight or scale in the model file is NaN or infinite.
    NonFiniteWeight,
    /// A model's weight or bias is [`WEIGHT_LIMIT`](crate::adapt::WEIGHT_LIMIT)
    /// (1e30) or more in magnitude, or an int8 scale
    /// [`SCALE_LIMIT`](crate::quant::SCALE_LIMIT) or more: beyond that a
    /// logit could overflow on a valid image.
    WeightTooLarge,
    /// A quantisation scale in an int8 model is zero, negative or subnormal
    /// (below `f32::MIN_POSITIVE`).
    BadScale,
    /// The weights are not 4-byte aligned in memory, so a zero-copy view is impossible.
    Misaligned,
    /// Serialising a model file failed.
    Encode,
    /// A correction's label is not a digit `0..=9`.
    BadLabel(u8),
    /// A correction could bring an output weight to
    /// [`WEIGHT_LIMIT`](crate::adapt::WEIGHT_LIMIT); nothing was changed.
    WeightLimit,
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::NonFiniteInput => f.write_str("input contains NaN or infinite values"),
            Error::InputOutOfRange => f.write_str("pixel value outside 0..=1"),
            Error::LengthMismatch { expected, actual } => {
                write!(f, "wrong length: expected {expected}, got {actual}")
            }
            Error::BadParameter => f.write_str("preprocessing parameter out of range"),
            Error::BadDimensions => f.write_str(
                "image width/height or drawing surface size is zero, negative or too large",
            ),
            Error::CapacityExceeded => f.write_str("too many strokes or points"),
            Error::BadMagic => f.write_str("not an nnet model file (bad magic bytes)"),
            Error::UnsupportedVersion(v) => write!(f, "unsupported model format version {v}"),
            Error::Truncated => f.write_str("model file is truncated"),
            Error::TrailingBytes => f.write_str("model file has trailing bytes"),
            Error::BadHeader => f.write_str("model file header is malformed"),
            Error::ChecksumMismatch => f.write_str("model file checksum mismatch (corrupt file)"),
            Error::SizeMismatch {
                expected_hidden,
                found_hidden,
            } => write!(
                f,
                "model has {found_hidden} hidden units, expected {expected_hidden}"
            ),
            Error::UnsupportedShape => write!(
                f,
                "model is not a 784-H-10 network with H from 1 to {}",
                crate::format::MAX_HIDDEN
            ),
            Error::WrongWeightType => f.write_str("model weight type is not the one expected"),
            Error::NonFiniteWeight => f.write_str("model contains NaN or infinite weights"),
            Error::WeightTooLarge => f.write_str(
                "model has a weight of magnitude 1e30 or more, or an int8 scale too large for it",
            ),
            Error::BadScale => {
                f.write_str("model has an int8 weight scale that is zero, negative or subnormal")
            }
            Error::Misaligned => f.write_str("model bytes are not 4-byte aligned"),
            Error::Encode => f.write_str("could not encode model file"),
            Error::BadLabel(l) => write!(f, "label {l} is not a digit 0..=9"),
            Error::WeightLimit => {
                f.write_str("correction refused: an output weight could exceed 1e30")
            }
        }
    }
}

#[cfg(feature = "std")]
impl std::error::Error for Error {}
