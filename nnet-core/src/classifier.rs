//! [`Classifier`]: one image in, one prediction out — the interface every
//! front end runs a network through, whether its weights are f32 ([`Mlp`])
//! or int8 ([`QuantMlp`]).
use crate::{Error, Image, Mlp, Prediction, QuantMlp};

/// A network that classifies one 28x28 image. Implemented by [`Mlp`] and
/// [`QuantMlp`] and by the networks that learn from corrections
/// ([`crate::adapt::AdaptedMlp`], [`crate::adapt::AdaptedQuantMlp`]); the trait
/// method gives exactly the inherent `predict`'s answer.
pub trait Classifier {
    /// Classifies one 28x28 image (row-major, 0.0 background .. 1.0 ink).
    fn predict(&self, x: &Image) -> Result<Prediction, Error>;
}

impl<const H: usize> Classifier for Mlp<'_, H> {
    fn predict(&self, x: &Image) -> Result<Prediction, Error> {
        Mlp::predict(self, x)
    }
}

impl<const H: usize> Classifier for QuantMlp<'_, H> {
    fn predict(&self, x: &Image) -> Result<Prediction, Error> {
        QuantMlp::predict(self, x)
    }
}

impl<C: Classifier + ?Sized> Classifier for &C {
    fn predict(&self, x: &Image) -> Result<Prediction, Error> {
        C::predict(self, x)
    }
}

impl<const H: usize> Classifier for crate::adapt::AdaptedMlp<'_, H> {
    fn predict(&self, x: &Image) -> Result<Prediction, Error> {
        crate::adapt::AdaptedMlp::predict(self, x)
    }
}

impl<const H: usize> Classifier for crate::adapt::AdaptedQuantMlp<'_, H> {
    fn predict(&self, x: &Image) -> Result<Prediction, Error> {
        crate::adapt::AdaptedQuantMlp::predict(self, x)
    }
}
