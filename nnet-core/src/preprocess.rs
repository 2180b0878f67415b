//! Strokes or rasters to an MNIST-style 28x28 image. (Being implemented.)
use crate::ink::Strokes;
use crate::{Error, Image};

/// Parameters of the stroke path.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct StrokeParams {
    /// Pen width in pixels of the 28x28 image.
    pub pen_width: f32,
}

impl Default for StrokeParams {
    fn default() -> Self {
        StrokeParams { pen_width: 2.0 }
    }
}

/// Stroke path with default parameters.
pub fn from_strokes<const P: usize, const S: usize>(
    strokes: &Strokes<P, S>,
    width: f32,
    height: f32,
) -> Result<Option<Image>, Error> {
    from_strokes_with(strokes, width, height, &StrokeParams::default())
}

/// Stroke path.
pub fn from_strokes_with<const P: usize, const S: usize>(
    _strokes: &Strokes<P, S>,
    _width: f32,
    _height: f32,
    _params: &StrokeParams,
) -> Result<Option<Image>, Error> {
    Err(Error::Encode)
}

/// Raster path.
pub fn from_raster(_pixels: &[f32], _width: usize, _height: usize) -> Result<Option<Image>, Error> {
    Err(Error::Encode)
}
