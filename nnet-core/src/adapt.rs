//! Learning from one correction: when a user taps the right digit after a
//! wrong answer, a few steps of softmax cross-entropy SGD move the **output
//! layer** (`10 x H` weights and 10 biases) towards that answer.
//!
//! The hidden layer of [`Mlp`] and [`QuantMlp`] is borrowed (on the board it
//! stays in flash), so the layer that learns is an owned copy in RAM,
//! [`OutputLayer`]; [`AdaptedMlp`] and [`AdaptedQuantMlp`] combine the
//! borrowed hidden layer with it. Nothing here allocates, nothing panics, and
//! every result is bit-identical on x86_64, wasm32 and Cortex-M4F (checked by
//! the golden files `tests/data/adapt-golden.txt` and
//! `tests/data/adapt-quant-golden.txt` on x86_64, by
//! `scripts/ci.d/10-wasm-bits.sh` on wasm32 and by the QEMU self-test).
//!
//! ```
//! use nnet_core::adapt::{AdaptConfig, AdaptedMlp};
//! use nnet_core::{Mlp, INPUT};
//!
//! // a 784-16-10 network with an untrained (all zero) output layer
//! let w1: Vec<f32> = (0..16 * INPUT).map(|i| ((i % 7) as f32 - 3.0) * 0.01).collect();
//! let (b1, w2, b2) = (vec![0.0; 16], vec![0.0; 10 * 16], vec![0.0; 10]);
//! let mut net = AdaptedMlp::new(Mlp::<16>::from_slices(&w1, &b1, &w2, &b2)?);
//!
//! let x = [0.5f32; INPUT];
//! // predict, keeping the hidden activations for a possible correction
//! let mut hidden = [0.0f32; 16];
//! let answer = net.predict_with_hidden(&x, &mut hidden)?;
//! assert_eq!(answer.digit, 0); // all logits tie
//! // the user says "7": only the 10x16 output layer is touched
//! let after = net.correct(&hidden, 7, &AdaptConfig::default())?;
//! assert_eq!(after.digit, 7);
//! assert_eq!(net.predict(&x)?.digit, 7);
//! // labels outside 0..=9 are an error, and the layer is left as it was
//! assert_eq!(net.correct(&hidden, 10, &AdaptConfig::default()), Err(nnet_core::Error::BadLabel(10)));
//! # Ok::<(), nnet_core::Error>(())
//! ```
//!
//! ## The step (the determinism contract)
//!
//! The layer stores, per output `k`, weights `w[k][j]`, a bias `b[k]`, a
//! logit scale `c[k]` and a gradient scale `q[k]`, and takes hidden values
//! `h[j]` in its own units:
//!
//! | network | `h[j]` | `w[k][j]` | `c[k]` | `q[k]` |
//! | --- | --- | --- | --- | --- |
//! | f32 ([`AdaptedMlp`]) | `sigmoid` output, `0..=1` | the f32 weight | `1.0` | `1.0` |
//! | int8 ([`AdaptedQuantMlp`]) | 8-bit activation `hq_j`, `0..=255` | `w2q[k][j]` as f32, i.e. in units of the row scale `s2[k]` | `s2[k] * INV255` | `INV255 / s2[k]` |
//!
//! Logits: `z[k] = dot(w[k], h) * c[k] + b[k]` with the forward pass's
//! [`dot`] (8 accumulators, same order). Multiplying by `1.0` is exact, so a
//! fresh f32 layer gives the very bits of [`Mlp::logits`]; for int8 every
//! product `hq_j * w2q[k][j]` and every partial sum is an integer of at most
//! `2^24` while `H * 255 * 128 <= 2^24` (`H <= 514`; a model file may hold
//! -128), so the f32 dot is exact and a fresh layer gives the very bits of
//! [`QuantMlp::logits`]. (Until its first correction an int8 layer answers
//! with the network's own integer layer anyway, for every `H`.)
//!
//! One correction with label `t`, learning rate `lr` and `steps` steps; each
//! step, in this order, every operation one IEEE-754 f32 operation (no fused
//! multiply-add):
//!
//! 1. `z` as above, `p = softmax(z)` ([`softmax`]);
//! 2. `d[k] = p[k] - 1` for `k = t`, `p[k]` otherwise;
//! 3. for `k = 0..10`: `g = (lr * d[k]) * q[k]`, then for `j = 0..H` in
//!    increasing order `w[k][j] = w[k][j] - g * h[j]`, then
//!    `b[k] = b[k] - lr * d[k]`.
//!
//! This is plain SGD on the cross-entropy of the *real* weights
//! (`w[k][j] * s2[k]` for int8, with activations `hq_j / 255`): the same
//! learning rate means the same update for both networks. After the last
//! step the logits are computed once more and returned as a [`Prediction`].
//!
//! ## What one correction costs
//!
//! With the hidden activations of the prediction being corrected (kept by
//! [`AdaptedMlp::predict_with_hidden`] / [`AdaptedQuantMlp::predict_with_hidden`]),
//! [`AdaptedMlp::correct`] touches only the output layer: per step one `10 x H`
//! dot product sweep, one softmax and one `10 x H` update sweep, then one more
//! dot product sweep for the returned answer, and an `H`-value range check of
//! the hidden activations (the int8 variant first converts its `H` bytes to
//! f32). The hidden layer is not recomputed; [`AdaptedMlp::adapt`] does that
//! first for callers that only have the image. The instruction count on the
//! Cortex-M4F is measured by the firmware's QEMU bench (`scripts/firmware-cost`,
//! figures in `docs/measurements.md`).
//!
//! ## int8: the output layer adapts in f32 RAM
//!
//! [`AdaptedQuantMlp`] keeps its output layer in f32 (in units of the
//! original row scales, see the table above): an SGD step moves a weight by
//! far less than one 8-bit step, so requantising after every correction would
//! round most of the update away. The adapted layer is requantised only when
//! it is written to a model file (`AdaptedQuantMlp::to_model`, with the
//! `alloc` feature), which is how the effect of rounding is measured
//! (`host-trainer adapt` prints the accuracy in memory and after writing).
//!
//! RAM for `H = 300`: `size_of::<OutputLayer<300>>()` = 12,128 bytes for either
//! network (10 x 300 f32 weights, 10 biases, 10 logit scales, 10 gradient
//! scales, a bound and the hidden range, checked by `tests/adapt.rs`); the int8 layer it replaces occupies 3,080 bytes of flash.
//!
//! ## Limits
//!
//! [`AdaptConfig`] allows `1..=`[`MAX_STEPS`] steps and a learning rate in
//! `(0, `[`MAX_LEARNING_RATE`]`]`. The layer tracks an upper bound of its
//! weights' magnitudes; a correction that could reach
//! [`WEIGHT_LIMIT`] is refused with [`Error::WeightLimit`] before anything
//! changes (far beyond any real use: each step moves a weight by at most
//! `lr`). Every error leaves the layer exactly as it was.
use crate::model::{dot, prediction_from_logits, softmax};
use crate::quant::{QuantMlp, INV255};
use crate::{Error, Image, Mlp, Prediction, OUTPUT};

/// Most SGD steps one correction may take.
pub const MAX_STEPS: u32 = 64;
/// Largest learning rate [`AdaptConfig`] accepts.
pub const MAX_LEARNING_RATE: f32 = 10.0;
/// Every weight and bias of an [`OutputLayer`] and of a model file stays
/// below this magnitude (f32 overflows at 3.4e38; with `|w| < 1e30` no logit
/// of an image in `0..=1` can overflow, see [`Error::WeightTooLarge`]).
pub const WEIGHT_LIMIT: f32 = 1.0e30;

/// How one correction learns: `steps` SGD steps of size `learning_rate`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct AdaptConfig {
    /// SGD steps per correction, `1..=MAX_STEPS`.
    pub steps: u32,
    /// SGD learning rate on the cross-entropy, `(0, MAX_LEARNING_RATE]`.
    pub learning_rate: f32,
}

impl AdaptConfig {
    /// The default for one correction by a user: 3 steps of 0.1, enough
    /// for the corrected drawing to answer its label afterwards
    /// (`tests/adapt.rs` checks it on the golden network). `host-trainer
    /// adapt`, which goes over a whole file of drawings, uses a smaller rate.
    pub const DEFAULT: AdaptConfig = AdaptConfig {
        steps: 3,
        learning_rate: 0.1,
    };

    /// Checks the ranges; [`Error::BadParameter`] when a value is outside them.
    pub fn check(&self) -> Result<(), Error> {
        let lr = self.learning_rate;
        if self.steps == 0
            || self.steps > MAX_STEPS
            || !lr.is_finite()
            || lr <= 0.0
            || lr > MAX_LEARNING_RATE
        {
            return Err(Error::BadParameter);
        }
        Ok(())
    }
}

impl Default for AdaptConfig {
    fn default() -> Self {
        AdaptConfig::DEFAULT
    }
}

/// A RAM-resident `H -> 10` output layer that can learn (see the
/// [module docs](self) for its units and its step).
#[derive(Debug, Clone, PartialEq)]
pub struct OutputLayer<const H: usize> {
    w: [[f32; H]; OUTPUT],
    b: [f32; OUTPUT],
    /// Logit scale `c[k]`.
    c: [f32; OUTPUT],
    /// Gradient scale `q[k]`.
    q: [f32; OUTPUT],
    /// An upper bound of every `|w[k][j]|` and `|b[k]|`.
    bound: f32,
    /// The largest hidden value this layer accepts (1 for f32, 255 for int8).
    h_max: f32,
}

impl<const H: usize> OutputLayer<H> {
    /// A copy of the f32 network's output layer (`c = q = 1`).
    pub fn from_mlp(net: &Mlp<'_, H>) -> Self {
        let mut layer = OutputLayer::ZERO;
        layer.load_mlp(net);
        layer
    }

    /// The int8 network's output layer in f32: `w[k][j] = w2q[k][j]`,
    /// `c[k] = s2[k] * INV255`, `q[k] = INV255 / s2[k]`.
    pub fn from_quant(net: &QuantMlp<'_, H>) -> Self {
        let mut layer = OutputLayer::ZERO;
        layer.load_quant(net);
        layer
    }

    /// An all-zero layer, only ever a starting point for the loaders.
    const ZERO: Self = OutputLayer {
        w: [[0.0; H]; OUTPUT],
        b: [0.0; OUTPUT],
        c: [0.0; OUTPUT],
        q: [0.0; OUTPUT],
        bound: 0.0,
        h_max: 0.0,
    };

    /// Becomes [`OutputLayer::from_mlp`] in place: forgetting needs no
    /// second layer on the stack (12 KiB for `H = 300`, too much for a
    /// board's stack on top of the app).
    fn load_mlp(&mut self, net: &Mlp<'_, H>) {
        self.w = *net.w2();
        self.b = *net.b2();
        self.c = [1.0; OUTPUT];
        self.q = [1.0; OUTPUT];
        self.h_max = 1.0;
        self.bound = self.max_abs();
    }

    /// Becomes [`OutputLayer::from_quant`] in place (see [`OutputLayer::load_mlp`]).
    fn load_quant(&mut self, net: &QuantMlp<'_, H>) {
        for (row, qrow) in self.w.iter_mut().zip(net.w2q().iter()) {
            for (v, &q) in row.iter_mut().zip(qrow.iter()) {
                *v = f32::from(q);
            }
        }
        self.b = *net.b2();
        for ((c, q), &s) in self
            .c
            .iter_mut()
            .zip(self.q.iter_mut())
            .zip(net.s2().iter())
        {
            *c = s * INV255;
            *q = INV255 / s;
        }
        self.h_max = 255.0;
        self.bound = self.max_abs();
    }

    /// The largest real weight a layer weight of 1 stands for: `max(c) · h_max`
    /// (1 for an f32 network; the largest output scale for an int8 one). A
    /// weight bound times this stays below [`WEIGHT_LIMIT`], so that no logit
    /// can overflow whatever the scales.
    fn real_scale(&self) -> f32 {
        self.c.iter().fold(0.0f32, |m, &c| m.max(c)) * self.h_max
    }

    fn max_abs(&self) -> f32 {
        self.w
            .as_flattened()
            .iter()
            .chain(self.b.iter())
            .fold(0.0f32, |m, v| m.max(v.abs()))
    }

    /// The weights `w[k][j]` in the layer's units (see the [module docs](self)).
    pub fn weights(&self) -> &[[f32; H]; OUTPUT] {
        &self.w
    }
    /// The biases `b[k]`.
    pub fn biases(&self) -> &[f32; OUTPUT] {
        &self.b
    }
    /// The logit scales `c[k]` (1 for an f32 network).
    pub fn logit_scales(&self) -> &[f32; OUTPUT] {
        &self.c
    }

    /// How many values [`OutputLayer::params`] yields: `10 x H` weights and 10 biases.
    pub const PARAMS: usize = OUTPUT * (H + 1);

    /// The weights (row by row) then the biases: what a correction changes,
    /// in the order of [`OutputLayer::checksum`] and of
    /// [`AdaptedMlp::restore`] / [`AdaptedQuantMlp::restore`].
    pub fn params(&self) -> impl Iterator<Item = f32> + '_ {
        self.w.as_flattened().iter().chain(self.b.iter()).copied()
    }

    /// CRC-32 of the weights (row by row) then the biases as little-endian
    /// f32 bytes: a short fingerprint of the adapted layer that every target
    /// computes the same way (the golden files and the QEMU self-test use it).
    pub fn checksum(&self) -> u32 {
        let mut c = crate::format::Crc32::new();
        for v in self.params() {
            c.update(&v.to_le_bytes());
        }
        c.finish()
    }

    /// Overwrites the weights and biases with `values` (see
    /// [`OutputLayer::params`]), checking each: exactly [`OutputLayer::PARAMS`]
    /// of them ([`Error::LengthMismatch`]), finite ([`Error::NonFiniteWeight`])
    /// and below [`WEIGHT_LIMIT`], as real weights too (times the scale of
    /// their row, for an int8 layer: [`Error::WeightLimit`]). On an error the
    /// layer is partly overwritten: the callers go back to the network's own.
    fn set_params(&mut self, values: impl IntoIterator<Item = f32>) -> Result<(), Error> {
        let mut values = values.into_iter();
        let slots = self
            .w
            .as_flattened_mut()
            .iter_mut()
            .chain(self.b.iter_mut());
        for (given, slot) in slots.enumerate() {
            let v = values.next().ok_or(Error::LengthMismatch {
                expected: Self::PARAMS,
                actual: given,
            })?;
            if !v.is_finite() {
                return Err(Error::NonFiniteWeight);
            }
            if v.abs() >= WEIGHT_LIMIT {
                return Err(Error::WeightLimit);
            }
            *slot = v;
        }
        // (counted up to as many again: an endless iterator is refused too, not read for ever)
        let extra = values.take(Self::PARAMS).count();
        if extra > 0 {
            return Err(Error::LengthMismatch {
                expected: Self::PARAMS,
                actual: Self::PARAMS + extra,
            });
        }
        self.bound = self.max_abs();
        if self.bound * self.real_scale() >= WEIGHT_LIMIT {
            return Err(Error::WeightLimit);
        }
        Ok(())
    }

    /// `z[k] = dot(w[k], h) * c[k] + b[k]` for hidden values in the layer's
    /// units. Non-finite logits are [`Error::NonFiniteWeight`] (cannot
    /// happen within [`WEIGHT_LIMIT`], real weights included, and finite
    /// hidden values: `|z| < 4096 · 1e30 + 1e30`).
    pub fn logits(&self, h: &[f32; H]) -> Result<[f32; OUTPUT], Error> {
        let mut z = [0.0f32; OUTPUT];
        for (((z, w), &c), &b) in z.iter_mut().zip(self.w.iter()).zip(&self.c).zip(&self.b) {
            *z = dot(w, h) * c + b;
        }
        if !z.iter().all(|v| v.is_finite()) {
            return Err(Error::NonFiniteWeight);
        }
        Ok(z)
    }

    /// One correction: `cfg.steps` SGD steps towards `label` on the hidden
    /// values `h` (in the layer's units: `0..=1` for f32, `0..=255` for int8),
    /// then the answer of the adapted layer. Errors leave the layer unchanged:
    /// [`Error::BadLabel`] (label > 9), [`Error::BadParameter`] (config),
    /// [`Error::NonFiniteInput`] / [`Error::InputOutOfRange`] (hidden values),
    /// [`Error::WeightLimit`].
    pub fn correct(
        &mut self,
        h: &[f32; H],
        label: u8,
        cfg: &AdaptConfig,
    ) -> Result<Prediction, Error> {
        if usize::from(label) >= OUTPUT {
            return Err(Error::BadLabel(label));
        }
        cfg.check()?;
        let mut h_seen = 0.0f32;
        for &v in h {
            if !v.is_finite() {
                return Err(Error::NonFiniteInput);
            }
            if !(0.0..=self.h_max).contains(&v) {
                return Err(Error::InputOutOfRange);
            }
            h_seen = h_seen.max(v);
        }
        // |d[k]| <= 1, so one step moves a weight by at most lr * q * h and a
        // bias by at most lr; refuse before changing anything if the bound
        // could pass the limit (slack for the rounding of this estimate)
        let lr = cfg.learning_rate;
        let q_max = self.q.iter().fold(0.0f32, |m, v| m.max(v.abs()));
        let per_weight = lr * q_max * h_seen;
        // an infinite q (a scale near 0) or its NaN with h = 0 never passes
        if !per_weight.is_finite() {
            return Err(Error::WeightLimit);
        }
        let per_step = per_weight.max(lr) * 1.001;
        let bound = self.bound + per_step * cfg.steps as f32;
        // NaN never passes; nor a real weight (int8: times its scale) at the limit
        if bound.is_nan() || bound >= WEIGHT_LIMIT || bound * self.real_scale() >= WEIGHT_LIMIT {
            return Err(Error::WeightLimit);
        }
        // the first logits are checked before the first change
        let mut z = self.logits(h)?;
        for _ in 0..cfg.steps {
            let p = softmax(&z);
            for (k, (((w, b), &q), &p)) in self
                .w
                .iter_mut()
                .zip(self.b.iter_mut())
                .zip(self.q.iter())
                .zip(p.iter())
                .enumerate()
            {
                let d = if k == usize::from(label) { p - 1.0 } else { p };
                let g = (lr * d) * q;
                update_row(w, g, h);
                *b -= lr * d;
            }
            // within the bound, the logits stay finite
            z = self.logits(h)?;
        }
        self.bound = bound;
        Ok(prediction_from_logits(&z))
    }
}

/// `w[j] = w[j] - g * h[j]` for `j = 0..H` in order, each product rounded
/// before the subtraction (LLVM turns this into `vmls.f32`, VFP's chained,
/// not fused, multiply-subtract on the Cortex-M4F: the same bits).
#[inline(always)]
fn update_row<const H: usize>(w: &mut [f32; H], g: f32, h: &[f32; H]) {
    for (w, &h) in w.iter_mut().zip(h.iter()) {
        *w -= g * h;
    }
}

/// An f32 network whose output layer learns: the hidden layer of a borrowed
/// [`Mlp`] (in flash on the board) and an owned [`OutputLayer`] in RAM.
#[derive(Debug, Clone)]
pub struct AdaptedMlp<'a, const H: usize> {
    net: Mlp<'a, H>,
    out: OutputLayer<H>,
}

impl<'a, const H: usize> AdaptedMlp<'a, H> {
    /// Starts from `net`'s own output layer: answers exactly like `net`.
    /// The network is returned by value, its layer `40 x (H + 1)` bytes and
    /// more (12 KiB for H = 300), which can pass through the stack: a board
    /// needs that room on the stack where it calls this.
    pub fn new(net: Mlp<'a, H>) -> Self {
        AdaptedMlp {
            out: OutputLayer::from_mlp(&net),
            net,
        }
    }

    /// The borrowed network (its output layer is the original one).
    pub fn mlp(&self) -> &Mlp<'a, H> {
        &self.net
    }

    /// The learning output layer.
    pub fn output(&self) -> &OutputLayer<H> {
        &self.out
    }

    /// Forgets every correction: back to the borrowed network's output layer.
    pub fn reset(&mut self) {
        self.out.load_mlp(&self.net);
    }

    /// Classifies `x` and leaves its hidden activations in `hidden`, ready
    /// for [`AdaptedMlp::correct`]. Non-finite input is [`Error::NonFiniteInput`].
    pub fn predict_with_hidden(
        &self,
        x: &Image,
        hidden: &mut [f32; H],
    ) -> Result<Prediction, Error> {
        if !x.iter().all(|v| v.is_finite()) {
            return Err(Error::NonFiniteInput);
        }
        self.net.hidden_into(x, hidden);
        // the layer's logits are finite for finite hidden values, so a non-finite
        // one comes from the input (finite pixels can still overflow a hidden sum,
        // f32::MAX times 2): NonFiniteInput, as Mlp::predict says
        let z = self.out.logits(hidden).map_err(|_| Error::NonFiniteInput)?;
        Ok(prediction_from_logits(&z))
    }

    /// Classifies one 28x28 image with the adapted output layer.
    pub fn predict(&self, x: &Image) -> Result<Prediction, Error> {
        let mut hidden = [0.0f32; H];
        self.predict_with_hidden(x, &mut hidden)
    }

    /// One correction from the hidden activations of the answer being
    /// corrected (see [`OutputLayer::correct`]); costs only the output layer.
    pub fn correct(
        &mut self,
        hidden: &[f32; H],
        label: u8,
        cfg: &AdaptConfig,
    ) -> Result<Prediction, Error> {
        self.out.correct(hidden, label, cfg)
    }

    /// Puts back an output layer learned before (the values of
    /// [`OutputLayer::params`] of this network's adapted layer, say kept in
    /// flash across a reset). Refused values (see [`OutputLayer::params`]:
    /// the wrong count, NaN or infinite, beyond [`WEIGHT_LIMIT`]) are an
    /// error, and the network is then back to its own output layer, as after
    /// [`AdaptedMlp::reset`]. Of too many values at most twice the right count
    /// is read: [`Error::LengthMismatch`] then gives that many.
    ///
    /// The values carry no mark of the model they were learned on: values of
    /// another model of the same size, or of the int8 network, are taken and
    /// give wrong answers. Keep them with the model's identity (the firmware's
    /// flash record holds the model file's CRC-32 and is refused for another).
    pub fn restore(&mut self, values: impl IntoIterator<Item = f32>) -> Result<(), Error> {
        let restored = self.out.set_params(values);
        if restored.is_err() {
            self.reset();
        }
        restored
    }

    /// One correction from the image: the hidden layer, then [`AdaptedMlp::correct`].
    pub fn adapt(&mut self, x: &Image, label: u8, cfg: &AdaptConfig) -> Result<Prediction, Error> {
        if !x.iter().all(|v| v.is_finite()) {
            return Err(Error::NonFiniteInput);
        }
        let mut hidden = [0.0f32; H];
        self.net.hidden_into(x, &mut hidden);
        self.out.correct(&hidden, label, cfg)
    }
}

/// An int8 network whose output layer learns in f32 RAM (see the
/// [module docs](self#int8-the-output-layer-adapts-in-f32-ram)): the hidden
/// layer of a borrowed [`QuantMlp`] and an owned [`OutputLayer`].
#[derive(Debug, Clone)]
pub struct AdaptedQuantMlp<'a, const H: usize> {
    net: QuantMlp<'a, H>,
    out: OutputLayer<H>,
    /// No correction since [`AdaptedQuantMlp::new`] or
    /// [`AdaptedQuantMlp::reset`]: `out` still equals `net`'s own layer, and
    /// predictions take `net`'s integer output layer (the same bits, without
    /// `10 x H` f32 multiply-adds: on a core without an FPU those cost more
    /// than the whole integer forward pass).
    fresh: bool,
}

impl<'a, const H: usize> AdaptedQuantMlp<'a, H> {
    /// Starts from `net`'s own output layer, answering with the very bits of
    /// `net` until the first correction.
    pub fn new(net: QuantMlp<'a, H>) -> Self {
        AdaptedQuantMlp {
            out: OutputLayer::from_quant(&net),
            net,
            fresh: true,
        }
    }

    /// The borrowed network (its output layer is the original one).
    pub fn quant_mlp(&self) -> &QuantMlp<'a, H> {
        &self.net
    }

    /// The learning output layer (weights in units of the original row scales).
    pub fn output(&self) -> &OutputLayer<H> {
        &self.out
    }

    /// Forgets every correction.
    pub fn reset(&mut self) {
        self.out.load_quant(&self.net);
        self.fresh = true;
    }

    /// Classifies `x` and leaves its 8-bit hidden activations in `hidden`,
    /// ready for [`AdaptedQuantMlp::correct`]. Non-finite input is
    /// [`Error::NonFiniteInput`].
    pub fn predict_with_hidden(
        &self,
        x: &Image,
        hidden: &mut [u8; H],
    ) -> Result<Prediction, Error> {
        let xq = crate::quant::quantize_input(x)?;
        self.net.hidden_into(&xq, hidden);
        if self.fresh {
            return Ok(prediction_from_logits(
                &self.net.logits_from_hidden(hidden)?,
            ));
        }
        let h = widen(hidden);
        Ok(prediction_from_logits(&self.out.logits(&h)?))
    }

    /// Classifies one 28x28 image with the adapted output layer.
    pub fn predict(&self, x: &Image) -> Result<Prediction, Error> {
        let mut hidden = [0u8; H];
        self.predict_with_hidden(x, &mut hidden)
    }

    /// One correction from the 8-bit hidden activations of the answer being
    /// corrected (see [`OutputLayer::correct`]); costs only the output layer.
    pub fn correct(
        &mut self,
        hidden: &[u8; H],
        label: u8,
        cfg: &AdaptConfig,
    ) -> Result<Prediction, Error> {
        let answer = self.out.correct(&widen(hidden), label, cfg);
        // a refused correction leaves the layer as it was
        self.fresh &= answer.is_err();
        answer
    }

    /// Puts back an output layer learned before, in the units of
    /// [`AdaptedQuantMlp::output`]; refused values leave the network with its
    /// own output layer (see [`AdaptedMlp::restore`]).
    pub fn restore(&mut self, values: impl IntoIterator<Item = f32>) -> Result<(), Error> {
        let restored = self.out.set_params(values);
        match restored {
            Ok(()) => self.fresh = false,
            Err(_) => self.reset(),
        }
        restored
    }

    /// One correction from the image: the hidden layer, then [`AdaptedQuantMlp::correct`].
    pub fn adapt(&mut self, x: &Image, label: u8, cfg: &AdaptConfig) -> Result<Prediction, Error> {
        let xq = crate::quant::quantize_input(x)?;
        let mut hidden = [0u8; H];
        self.net.hidden_into(&xq, &mut hidden);
        self.correct(&hidden, label, cfg)
    }
}

/// 8-bit activations as f32 (exact).
fn widen<const H: usize>(hidden: &[u8; H]) -> [f32; H] {
    let mut h = [0.0f32; H];
    for (h, &v) in h.iter_mut().zip(hidden.iter()) {
        *h = f32::from(v);
    }
    h
}

#[cfg(feature = "alloc")]
mod write {
    use alloc::vec::Vec;

    use super::{AdaptedMlp, AdaptedQuantMlp};
    use crate::format::{OwnedMetadata, OwnedModel, OwnedQuantModel};
    use crate::quantizer::quantize_row;
    use crate::Error;

    impl<const H: usize> AdaptedMlp<'_, H> {
        /// The adapted network as a model ready for
        /// [`OwnedModel::to_bytes`]: the borrowed hidden layer and the
        /// adapted output layer, bit for bit (a model file written from it
        /// answers exactly like this network).
        pub fn to_model(&self, meta: OwnedMetadata) -> OwnedModel {
            OwnedModel {
                hidden: H,
                meta,
                w1: self.net.w1().as_flattened().to_vec(),
                b1: self.net.b1().to_vec(),
                w2: self.out.w.as_flattened().to_vec(),
                b2: self.out.b.to_vec(),
            }
        }
    }

    impl<const H: usize> AdaptedQuantMlp<'_, H> {
        /// The adapted network as an int8 model: the borrowed hidden layer
        /// as it is, the output layer turned back into real weights
        /// (`w[k][j] * s2[k]`, one f32 multiply) and requantised per row like
        /// [`crate::quantizer::quantize`]. Rounding to 8 bits can change a few
        /// answers; `host-trainer adapt` reports the accuracy both ways.
        /// Non-finite weights are [`Error::NonFiniteWeight`].
        pub fn to_model(&self, meta: OwnedMetadata) -> Result<OwnedQuantModel, Error> {
            let s2_old = self.net.s2();
            let mut s2 = Vec::with_capacity(H);
            let mut w2q = Vec::with_capacity(crate::OUTPUT * H);
            for (row, &s) in self.out.w.iter().zip(s2_old.iter()) {
                let real: Vec<f32> = row.iter().map(|&w| w * s).collect();
                if real.iter().any(|v| !v.is_finite()) {
                    return Err(Error::NonFiniteWeight);
                }
                let (scale, values) = quantize_row(&real);
                s2.push(scale);
                w2q.extend(values);
            }
            Ok(OwnedQuantModel {
                hidden: H,
                meta,
                s1: self.net.s1().to_vec(),
                b1: self.net.b1().to_vec(),
                s2,
                b2: self.out.b.to_vec(),
                w1q: self.net.w1q().as_flattened().to_vec(),
                w2q,
            })
        }
    }
}
