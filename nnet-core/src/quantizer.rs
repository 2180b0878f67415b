//! The quantiser (feature `alloc`): an f32 model file's weights to the int8
//! model that [`QuantMlp`](crate::QuantMlp) runs, with the arithmetic of
//! [`crate::quant`] (step 1: symmetric per-row scales).
use alloc::format;
use alloc::vec;
use alloc::vec::Vec;

use crate::format::{crc32, OwnedModel, OwnedQuantModel};
use crate::{Error, INPUT, OUTPUT};

/// The largest scale a model file takes: the float below [`SCALE_LIMIT`](crate::quant::SCALE_LIMIT).
const MAX_SCALE: f32 = f32::from_bits(crate::quant::SCALE_LIMIT.to_bits() - 1);

/// Symmetric per-row quantisation of one row: `(scale, values)` with
/// `scale = max|w| / 127` and `values[i] = round(w[i] / scale)` clamped to
/// `-127..=127`; an all-zero row gets scale 1 (its values are all 0). The
/// scale is held within what a file takes: at least [`f32::MIN_POSITIVE`]
/// and below [`SCALE_LIMIT`](crate::quant::SCALE_LIMIT), so a row whose
/// largest weight is above `127 · SCALE_LIMIT` (0.99e30, near the weight
/// limit) has its largest weights clipped to ±127 steps.
pub(crate) fn quantize_row(row: &[f32]) -> (f32, impl Iterator<Item = i8> + '_) {
    let max = row.iter().fold(0.0f32, |m, w| m.max(w.abs()));
    let scale = if max > 0.0 { max / 127.0 } else { 1.0 };
    // a row of tiny weights gets a subnormal (or zero) max/127; the file takes
    // only normal scales (crate::quant::check_int8_params): its weights round to 0
    let scale = scale.clamp(f32::MIN_POSITIVE, MAX_SCALE);
    let values = row
        .iter()
        .map(move |&w| libm::roundf(w / scale).clamp(-127.0, 127.0) as i8);
    (scale, values)
}

/// Turns an f32 model into the int8 model of the [arithmetic of `quant`](crate::quant):
/// symmetric per-row scales `s = max|w_row| / 127`, weights rounded to
/// the nearest step, `w1` stored transposed (input-major), biases kept in
/// f32. The metadata is copied except the test accuracy, which belongs to
/// the f32 weights and is cleared (`host-trainer quantize` measures the
/// int8 model's own); the notes become
/// `int8 from f32 model crc32=<CRC of the f32 file>: <original notes>`.
/// Vectors of the wrong length are [`Error::LengthMismatch`], non-finite
/// weights [`Error::NonFiniteWeight`].
pub fn quantize(model: &OwnedModel) -> Result<OwnedQuantModel, Error> {
    // to_bytes validates the lengths, the shape and finiteness, and gives
    // the CRC that names the source model
    let f32_file = model.to_bytes()?;
    let source_crc = crc32(&f32_file[..f32_file.len() - 4]);
    let h = model.hidden;
    let mut s1 = Vec::with_capacity(h);
    let mut w1q = vec![0i8; INPUT * h];
    for (j, row) in model.w1.chunks_exact(INPUT).enumerate() {
        let (scale, values) = quantize_row(row);
        s1.push(scale);
        for (i, q) in values.enumerate() {
            w1q[i * h + j] = q;
        }
    }
    let mut s2 = Vec::with_capacity(OUTPUT);
    let mut w2q = Vec::with_capacity(OUTPUT * h);
    for row in model.w2.chunks_exact(h) {
        let (scale, values) = quantize_row(row);
        s2.push(scale);
        w2q.extend(values);
    }
    let mut meta = model.meta.clone();
    meta.notes = format!("int8 from f32 model crc32={source_crc:08x}: {}", meta.notes);
    meta.cut_to_fit();
    meta.test_accuracy = None;
    Ok(OwnedQuantModel {
        hidden: h,
        meta,
        s1,
        b1: model.b1.clone(),
        s2,
        b2: model.b2.clone(),
        w1q,
        w2q,
    })
}
