//! The trainer's own fast batched math for the `784 -> H -> 10` sigmoid MLP
//! with softmax cross-entropy: matrix products and elementwise work through
//! the fixed-order kernels of [`crate::simd`], parallel over hidden units
//! with rayon.
//!
//! ## How a batch is processed
//!
//! The hidden layer is split into one contiguous block of units per thread.
//! Each block owns its rows of `w1`, `b1` and their optimiser state, and keeps
//! its activations transposed (`units x batch`), so every thread writes only
//! memory it owns. Per batch there are two parallel-free points:
//!
//! 1. *layer 2* (serial, small): logits from all blocks' activations, softmax,
//!    loss, output-layer gradient and update, and the gradient flowing back
//!    into each block — while another thread gathers the next batch;
//! 2. *layer 1* (one task per block): sigmoid backward, the block's weight
//!    gradient (`dZ^T X`, for SGD fused with the momentum update), the
//!    update, and right away the block's forward pass for the next batch.
//!
//! ## Same bits everywhere
//!
//! Every sum has one order, fixed by the data's shape alone: a product's
//! element adds its terms one after the other along the inner index
//! ([`simd::matmul`]), and the logits add the hidden units in their global
//! order, block after block. Neither the thread count (= block count) nor
//! the CPU's vector width changes a sum, so a run trains the same weights
//! with any `--threads` on any x86_64 machine.
use nnet_core::format::{OwnedMetadata, OwnedModel};
use nnet_core::{INPUT, OUTPUT};
use rand::{Rng, SeedableRng};
use rayon::prelude::*;

use crate::simd::{self, Init};

/// Images per chunk of [`Params::logits`] (each chunk is one task).
const LOGITS_CHUNK: usize = 256;

/// The network's parameters in the core's layout: `w1` is `H x 784`
/// row-major (row `j` feeds hidden unit `j`), `w2` is `10 x H`.
#[derive(Debug, Clone, PartialEq)]
pub struct Params {
    /// Hidden units `H`.
    pub hidden: usize,
    /// `H x 784` hidden weights.
    pub w1: Vec<f32>,
    /// `H` hidden biases.
    pub b1: Vec<f32>,
    /// `10 x H` output weights.
    pub w2: Vec<f32>,
    /// 10 output biases.
    pub b2: Vec<f32>,
}

impl Params {
    /// Random initialisation as PyTorch's `nn.Linear`: every weight and bias
    /// uniform in `±1/sqrt(fan_in)`, from a ChaCha8 stream seeded by `seed`.
    pub fn init(hidden: usize, seed: u64) -> Params {
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(seed ^ 0x6e6e_6574_5f69_6e69);
        let k1 = 1.0 / (INPUT as f32).sqrt();
        let k2 = 1.0 / (hidden as f32).sqrt();
        let mut u =
            |n: usize, k: f32| -> Vec<f32> { (0..n).map(|_| rng.gen_range(-k..k)).collect() };
        let w1 = u(hidden * INPUT, k1);
        let b1 = u(hidden, k1);
        let w2 = u(OUTPUT * hidden, k2);
        let b2 = u(OUTPUT, k2);
        Params {
            hidden,
            w1,
            b1,
            w2,
            b2,
        }
    }

    /// Copies the weights out of a model file's contents.
    pub fn from_model(m: &OwnedModel) -> Params {
        Params {
            hidden: m.hidden,
            w1: m.w1.clone(),
            b1: m.b1.clone(),
            w2: m.w2.clone(),
            b2: m.b2.clone(),
        }
    }

    /// Wraps the weights with metadata as a model ready for `to_bytes`.
    pub fn to_model(&self, meta: OwnedMetadata) -> OwnedModel {
        OwnedModel {
            hidden: self.hidden,
            meta,
            w1: self.w1.clone(),
            b1: self.b1.clone(),
            w2: self.w2.clone(),
            b2: self.b2.clone(),
        }
    }

    /// Batched forward pass: logits (`n x 10`, row-major) for `n` images
    /// stored one after the other in `x` (`n * 784` values). Used for
    /// validation during training; reports use `nnet-core`. The same bits
    /// with any thread count (chunks of images are independent).
    pub fn logits(&self, x: &[f32]) -> Vec<f32> {
        let n = x.len() / INPUT;
        let h = self.hidden;
        let mut z = vec![0.0f32; n * OUTPUT];
        z.par_chunks_mut(LOGITS_CHUNK * OUTPUT)
            .zip(x[..n * INPUT].par_chunks(LOGITS_CHUNK * INPUT))
            .for_each(|(z, x)| {
                let cn = x.len() / INPUT;
                let mut xt = vec![0.0f32; INPUT * cn];
                simd::transpose(&mut xt, x, cn, INPUT);
                // activations, units x images
                let mut ht = vec![0.0f32; h * cn];
                simd::matmul(
                    &mut ht,
                    cn,
                    &self.w1,
                    [INPUT, 1],
                    &xt,
                    cn,
                    [h, cn, INPUT],
                    Init::Zero,
                );
                for (row, &b) in ht.chunks_exact_mut(cn).zip(&self.b1) {
                    simd::bias_sigmoid(row, b);
                }
                let mut zt = vec![0.0f32; OUTPUT * cn];
                simd::matmul(
                    &mut zt,
                    cn,
                    &self.w2,
                    [h, 1],
                    &ht,
                    cn,
                    [OUTPUT, cn, h],
                    Init::Zero,
                );
                simd::transpose(z, &zt, OUTPUT, cn);
                for row in z.chunks_exact_mut(OUTPUT) {
                    for (v, b) in row.iter_mut().zip(&self.b2) {
                        *v += b;
                    }
                }
            });
        z
    }

    /// Fraction of images whose arg-max logit equals the label (batched
    /// trainer forward pass, for progress reports).
    pub fn accuracy(&self, x: &[f32], labels: &[u8]) -> f32 {
        if labels.is_empty() {
            return 0.0;
        }
        let z = self.logits(x);
        let right = z
            .chunks_exact(OUTPUT)
            .zip(labels)
            .filter(|(z, &l)| argmax(z) == usize::from(l))
            .count();
        right as f32 / labels.len() as f32
    }
}

/// Index of the first maximum.
pub fn argmax(v: &[f32]) -> usize {
    let mut best = 0;
    for (i, &x) in v.iter().enumerate() {
        if x > v[best] {
            best = i;
        }
    }
    best
}

/// The optimiser and its hyperparameters (the learning rate is given per epoch).
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Optimizer {
    /// SGD with (heavy-ball) momentum, as `torch.optim.SGD(momentum=mu)`.
    Sgd {
        /// Momentum `mu` (0.9 is usual).
        momentum: f32,
    },
    /// Adam with bias correction, as `torch.optim.Adam`.
    Adam {
        /// `beta1`.
        beta1: f32,
        /// `beta2`.
        beta2: f32,
        /// `eps`.
        eps: f32,
    },
}

impl Optimizer {
    /// SGD with momentum 0.9.
    pub const SGD: Optimizer = Optimizer::Sgd { momentum: 0.9 };
    /// Adam with the usual (0.9, 0.999, 1e-8).
    pub const ADAM: Optimizer = Optimizer::Adam {
        beta1: 0.9,
        beta2: 0.999,
        eps: 1e-8,
    };
}

/// Parameters plus optimiser state of a block of hidden units.
#[derive(Debug, Clone)]
struct Block {
    /// First hidden unit of the block.
    start: usize,
    /// Units in the block.
    rows: usize,
    w1: Vec<f32>,
    b1: Vec<f32>,
    /// Momentum (SGD) or first moment (Adam) of `w1` / `b1`.
    m_w: Vec<f32>,
    m_b: Vec<f32>,
    /// Second moments (Adam only; empty for SGD).
    v_w: Vec<f32>,
    v_b: Vec<f32>,
    /// Gradient of `w1` (Adam only; SGD accumulates into `m_w` directly).
    g_w: Vec<f32>,
    g_b: Vec<f32>,
    /// Activations, `rows x batch` (transposed).
    ht: Vec<f32>,
    /// Gradient w.r.t. the activations, then the pre-activations, `rows x batch`.
    dht: Vec<f32>,
}

/// Output-layer parameters and state.
#[derive(Debug, Clone)]
struct Output {
    w2: Vec<f32>,
    b2: Vec<f32>,
    m_w: Vec<f32>,
    m_b: Vec<f32>,
    v_w: Vec<f32>,
    v_b: Vec<f32>,
    g_w: Vec<f32>,
    g_b: Vec<f32>,
    /// `10 x batch` logits, then probabilities, then their gradient (transposed).
    zt: Vec<f32>,
    /// A block's activations as `batch x units` (for the output weights' gradient).
    h_scratch: Vec<f32>,
}

/// Statistics of one pass over the data.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct EpochStats {
    /// Mean cross-entropy over the batches (mean of the batch means).
    pub loss: f64,
    /// Images seen.
    pub images: usize,
    /// Batches (= optimiser steps).
    pub batches: usize,
}

/// A network being trained: parameters split into per-thread blocks,
/// optimiser state and preallocated batch buffers.
pub struct Trainer {
    hidden: usize,
    batch: usize,
    opt: Optimizer,
    blocks: Vec<Block>,
    out: Output,
    /// Optimiser steps taken so far.
    steps: u64,
    x_cur: Vec<f32>,
    x_next: Vec<f32>,
    /// The current and next batch transposed (`784 x batch`), for the forward pass.
    xt_cur: Vec<f32>,
    xt_next: Vec<f32>,
    pool: std::sync::Arc<rayon::ThreadPool>,
}

/// Errors setting up a [`Trainer`].
#[derive(Debug, thiserror::Error)]
pub enum TrainerError {
    /// Batch size, thread count or hidden size is zero.
    #[error("batch size, thread count and hidden size must be at least 1")]
    Zero,
    /// The rayon thread pool could not be created.
    #[error("cannot start the thread pool: {0}")]
    Pool(String),
}

impl Trainer {
    /// Sets up training of `params` with `opt`, mini-batches of up to
    /// `batch` images, and `threads` threads (= blocks of hidden units; the
    /// result depends on this number, and only on it).
    pub fn new(
        params: Params,
        opt: Optimizer,
        batch: usize,
        threads: usize,
    ) -> Result<Trainer, TrainerError> {
        let hidden = params.hidden;
        if batch == 0 || threads == 0 || hidden == 0 {
            return Err(TrainerError::Zero);
        }
        let pool = training_pool(threads)?.into();
        let nblocks = threads.min(hidden);
        let adam = matches!(opt, Optimizer::Adam { .. });
        let state = |n: usize, on: bool| if on { vec![0.0f32; n] } else { Vec::new() };
        let mut blocks = Vec::with_capacity(nblocks);
        let mut start = 0;
        for i in 0..nblocks {
            let rows = hidden / nblocks + usize::from(i < hidden % nblocks);
            blocks.push(Block {
                start,
                rows,
                w1: params.w1[start * INPUT..(start + rows) * INPUT].to_vec(),
                b1: params.b1[start..start + rows].to_vec(),
                m_w: vec![0.0; rows * INPUT],
                m_b: vec![0.0; rows],
                v_w: state(rows * INPUT, adam),
                v_b: state(rows, adam),
                g_w: state(rows * INPUT, adam),
                g_b: vec![0.0; rows],
                ht: vec![0.0; rows * batch],
                dht: vec![0.0; rows * batch],
            });
            start += rows;
        }
        let out = Output {
            m_w: vec![0.0; params.w2.len()],
            m_b: vec![0.0; OUTPUT],
            v_w: state(params.w2.len(), adam),
            v_b: state(OUTPUT, adam),
            g_w: vec![0.0; params.w2.len()],
            g_b: vec![0.0; OUTPUT],
            w2: params.w2,
            b2: params.b2,
            zt: vec![0.0; OUTPUT * batch],
            h_scratch: vec![0.0; batch * blocks.iter().map(|b| b.rows).max().unwrap_or(0)],
        };
        Ok(Trainer {
            hidden,
            batch,
            opt,
            blocks,
            out,
            steps: 0,
            x_cur: vec![0.0; batch * INPUT],
            x_next: vec![0.0; batch * INPUT],
            xt_cur: vec![0.0; INPUT * batch],
            xt_next: vec![0.0; INPUT * batch],
            pool,
        })
    }

    /// The current parameters (gathered from the blocks).
    pub fn params(&self) -> Params {
        let mut w1 = Vec::with_capacity(self.hidden * INPUT);
        let mut b1 = Vec::with_capacity(self.hidden);
        for b in &self.blocks {
            w1.extend_from_slice(&b.w1);
            b1.extend_from_slice(&b.b1);
        }
        Params {
            hidden: self.hidden,
            w1,
            b1,
            w2: self.out.w2.clone(),
            b2: self.out.b2.clone(),
        }
    }

    /// Optimiser steps taken so far.
    pub fn steps(&self) -> u64 {
        self.steps
    }

    /// The thread pool the trainer computes in (also handy for data work,
    /// and shared, so work can run in it alongside an epoch).
    pub fn pool(&self) -> &std::sync::Arc<rayon::ThreadPool> {
        &self.pool
    }

    /// One pass over `order` (indices into `images`/`labels`, consumed in
    /// mini-batches of the configured size; the last batch may be smaller),
    /// with learning rate `lr`. `progress(images_done, mean_loss_so_far)` is
    /// called every few batches. Out-of-range indices panic (a caller bug).
    pub fn train_epoch(
        &mut self,
        images: &[f32],
        labels: &[u8],
        order: &[u32],
        lr: f32,
        progress: &mut (dyn FnMut(usize, f64) + Send),
    ) -> EpochStats {
        let bs = self.batch;
        let nb = order.len().div_ceil(bs);
        if nb == 0 {
            return EpochStats {
                loss: 0.0,
                images: 0,
                batches: 0,
            };
        }
        let batch_of = |t: usize| &order[t * bs..((t + 1) * bs).min(order.len())];
        let mut loss_sum = 0.0f64;
        let opt = self.opt;
        // Destructure so the closures below borrow disjoint fields.
        let Trainer {
            blocks,
            out,
            steps,
            x_cur,
            x_next,
            xt_cur,
            xt_next,
            pool,
            hidden,
            ..
        } = self;
        let hidden = *hidden;
        gather(x_cur, xt_cur, images, batch_of(0));
        pool.install(|| {
            blocks
                .par_iter_mut()
                .for_each(|b| b.forward(xt_cur, batch_of(0).len()));
            for t in 0..nb {
                let idx = batch_of(t);
                let n = idx.len();
                *steps += 1;
                let step = *steps;
                let next = (t + 1 < nb).then(|| batch_of(t + 1));
                let (loss, ()) = rayon::join(
                    || output_layer(out, blocks, hidden, labels, idx, opt, lr, step),
                    || {
                        if let Some(next) = next {
                            gather(x_next, xt_next, images, next);
                        }
                    },
                );
                loss_sum += loss;
                let (xc, xtn) = (&*x_cur, &*xt_next);
                blocks.par_iter_mut().for_each(|b| {
                    b.backward_update(xc, n, opt, lr, step);
                    if let Some(next) = next {
                        b.forward(xtn, next.len());
                    }
                });
                std::mem::swap(x_cur, x_next);
                std::mem::swap(xt_cur, xt_next);
                if t % 16 == 15 || t + 1 == nb {
                    progress((t * bs + n).min(order.len()), loss_sum / (t + 1) as f64);
                }
            }
        });
        EpochStats {
            loss: loss_sum / nb as f64,
            images: order.len(),
            batches: nb,
        }
    }
}

/// A pool of `threads` threads that flush subnormal floats to zero ([`flush_denormals`]):
/// the threads training and its augmentation run on (and `bench`, timing them).
pub fn training_pool(threads: usize) -> Result<rayon::ThreadPool, TrainerError> {
    rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .start_handler(|_| flush_denormals())
        .build()
        .map_err(|e| TrainerError::Pool(e.to_string()))
}

/// Makes the calling thread flush subnormal floats to zero (x86_64: MXCSR
/// FTZ and DAZ; aarch64: FPCR FZ), as training frameworks do: momentum and
/// Adam moments of weights fed by almost-always-blank pixels decay through
/// the subnormal range, where every operation costs ~100x more on x86_64.
/// Nothing the network computes depends on values below 1.2e-38, but its
/// bits do: both architectures flush, so both train the same model file.
/// Elsewhere this does nothing.
pub fn flush_denormals() {
    #[cfg(all(target_arch = "x86_64", target_feature = "sse"))]
    {
        let mut csr: u32 = 0;
        // SAFETY: stmxcsr/ldmxcsr only read/write the SSE control register of
        // this thread; setting FTZ (bit 15) and DAZ (bit 6) is always valid on
        // x86_64 (SSE2 is baseline there).
        unsafe {
            std::arch::asm!("stmxcsr [{}]", in(reg) &mut csr, options(nostack, preserves_flags));
            csr |= (1 << 15) | (1 << 6);
            std::arch::asm!("ldmxcsr [{}]", in(reg) &csr, options(nostack, preserves_flags, readonly));
        }
    }
    #[cfg(target_arch = "aarch64")]
    {
        let mut fpcr: u64;
        // SAFETY: mrs/msr of FPCR only read/write this thread's floating-point
        // control register, which user code may access; setting FZ (bit 24)
        // is always valid.
        unsafe {
            std::arch::asm!("mrs {}, fpcr", out(reg) fpcr, options(nomem, nostack, preserves_flags));
            fpcr |= 1 << 24;
            std::arch::asm!("msr fpcr, {}", in(reg) fpcr, options(nomem, nostack, preserves_flags));
        }
    }
}

/// Copies the images `idx` into consecutive rows of `x`, and transposed
/// (`784 x idx.len()`) into `xt`.
fn gather(x: &mut [f32], xt: &mut [f32], images: &[f32], idx: &[u32]) {
    for (row, &i) in x.chunks_exact_mut(INPUT).zip(idx) {
        let i = i as usize;
        row.copy_from_slice(&images[i * INPUT..(i + 1) * INPUT]);
    }
    simd::transpose(xt, x, idx.len(), INPUT);
}

impl Block {
    /// `ht = sigmoid(w1 x^T + b1)` for the `n` images in `xt` (`784 x n`).
    fn forward(&mut self, xt: &[f32], n: usize) {
        let ht = &mut self.ht[..self.rows * n];
        simd::matmul(
            ht,
            n,
            &self.w1,
            [INPUT, 1],
            xt,
            n,
            [self.rows, n, INPUT],
            Init::Zero,
        );
        for (row, &b) in ht.chunks_exact_mut(n).zip(&self.b1) {
            simd::bias_sigmoid(row, b);
        }
    }

    /// Given `dht` (gradient w.r.t. the activations, set by the output
    /// layer) for the `n` images in `x`: backpropagates through the sigmoid,
    /// forms the weight gradient and applies the optimiser step.
    fn backward_update(&mut self, x: &[f32], n: usize, opt: Optimizer, lr: f32, step: u64) {
        let rows = self.rows;
        let dz = &mut self.dht[..rows * n];
        for ((d, h), gb) in dz
            .chunks_exact_mut(n)
            .zip(self.ht.chunks_exact(n))
            .zip(self.g_b.iter_mut())
        {
            *gb = simd::sigmoid_backward(d, h);
        }
        let dz = &self.dht[..rows * n];
        // the weight gradient dz x: for SGD fused with the momentum update,
        // m_w = momentum * m_w + dz x (first step: m_w = dz x); for Adam into g_w
        let (dst, init) = match opt {
            Optimizer::Sgd { momentum } if step > 1 => (&mut self.m_w, Init::Scale(momentum)),
            Optimizer::Sgd { .. } => (&mut self.m_w, Init::Zero),
            Optimizer::Adam { .. } => (&mut self.g_w, Init::Zero),
        };
        simd::matmul(dst, INPUT, dz, [n, 1], x, INPUT, [rows, INPUT, n], init);
        match opt {
            Optimizer::Sgd { momentum } => {
                simd::sgd_apply(&mut self.w1, &self.m_w, lr);
                simd::sgd_step(
                    &mut self.b1,
                    &mut self.m_b,
                    &self.g_b,
                    lr,
                    momentum,
                    step == 1,
                );
            }
            Optimizer::Adam { beta1, beta2, eps } => {
                let a = simd::AdamStep::new(lr, beta1, beta2, eps, step);
                simd::adam_step(&mut self.w1, &mut self.m_w, &mut self.v_w, &self.g_w, a);
                simd::adam_step(&mut self.b1, &mut self.m_b, &mut self.v_b, &self.g_b, a);
            }
        }
    }
}

/// Layer 2 for the current batch (serial): logits from every block's
/// activations, softmax cross-entropy, the gradient sent back into each
/// block's `dht`, and the output layer's update. Returns the batch's mean loss.
#[allow(clippy::too_many_arguments)]
fn output_layer(
    out: &mut Output,
    blocks: &mut [Block],
    hidden: usize,
    labels: &[u8],
    idx: &[u32],
    opt: Optimizer,
    lr: f32,
    step: u64,
) -> f64 {
    let n = idx.len();
    // z^T (10 x n) = W2 H^T, the hidden units added in their global order:
    // each block continues the sums the previous one left
    let zt = &mut out.zt[..OUTPUT * n];
    for (i, b) in blocks.iter().enumerate() {
        let init = if i == 0 { Init::Zero } else { Init::Load };
        simd::matmul(
            zt,
            n,
            &out.w2[b.start..],
            [hidden, 1],
            &b.ht,
            n,
            [OUTPUT, n, b.rows],
            init,
        );
    }
    // per image (a column of z^T): softmax, loss, and dL/dz = (p - onehot) / n
    let inv_n = 1.0 / n as f32;
    let mut loss = 0.0f64;
    for (col, &i) in idx.iter().enumerate() {
        let y = usize::from(labels[i as usize]);
        let mut row = [0.0f32; OUTPUT];
        for (o, v) in row.iter_mut().enumerate() {
            *v = zt[o * n + col] + out.b2[o];
        }
        let m = row.iter().fold(f32::NEG_INFINITY, |a, &b| a.max(b));
        let mut s = 0.0f32;
        for v in row.iter_mut() {
            *v = simd::fast_exp(*v - m);
            s += *v;
        }
        let inv = 1.0 / s;
        for v in row.iter_mut() {
            *v *= inv;
        }
        loss -= libm::log(f64::from(row[y].max(1e-30)));
        row[y] -= 1.0;
        for (o, v) in row.iter().enumerate() {
            zt[o * n + col] = v * inv_n;
        }
    }
    let dzt = &out.zt[..OUTPUT * n];
    // bias gradient: sums over the batch
    for (g, row) in out.g_b.iter_mut().zip(dzt.chunks_exact(n)) {
        *g = row.iter().fold(0.0, |a, v| a + v);
    }
    for b in blocks.iter_mut() {
        // dht_b (rows x n) = W2[:, b]^T (rows x 10) dz^T (10 x n)
        simd::matmul(
            &mut b.dht,
            n,
            &out.w2[b.start..],
            [1, hidden],
            dzt,
            n,
            [b.rows, n, OUTPUT],
            Init::Zero,
        );
        // gradient of W2[:, b] (10 x rows) = dz^T (10 x n) H_b (n x rows)
        let hb = &mut out.h_scratch[..n * b.rows];
        simd::transpose(hb, &b.ht[..b.rows * n], b.rows, n);
        simd::matmul(
            &mut out.g_w[b.start..],
            hidden,
            dzt,
            [n, 1],
            hb,
            b.rows,
            [OUTPUT, b.rows, n],
            Init::Zero,
        );
    }
    match opt {
        Optimizer::Sgd { momentum } => {
            simd::sgd_step(&mut out.w2, &mut out.m_w, &out.g_w, lr, momentum, step == 1);
            simd::sgd_step(&mut out.b2, &mut out.m_b, &out.g_b, lr, momentum, step == 1);
        }
        Optimizer::Adam { beta1, beta2, eps } => {
            let a = simd::AdamStep::new(lr, beta1, beta2, eps, step);
            simd::adam_step(&mut out.w2, &mut out.m_w, &mut out.v_w, &out.g_w, a);
            simd::adam_step(&mut out.b2, &mut out.m_b, &mut out.v_b, &out.g_b, a);
        }
    }
    loss / n as f64
}

#[cfg(test)]
mod tests {
    use std::hint::black_box;

    /// Half the smallest normal float: a subnormal, or zero where subnormals are flushed.
    fn half_min_positive() -> f32 {
        black_box(f32::MIN_POSITIVE) * black_box(0.5)
    }

    /// Every thread of the training pool (training's, augmentation's, and `bench`'s timing
    /// of them) flushes subnormals to zero; a thread not set up does not.
    #[test]
    #[cfg(any(target_arch = "x86_64", target_arch = "aarch64"))]
    fn the_training_pool_flushes_subnormals() {
        let pool = super::training_pool(2).unwrap();
        assert_eq!(pool.broadcast(|_| half_min_positive()), [0.0, 0.0]);
        let plain = std::thread::spawn(half_min_positive).join().unwrap();
        assert!(plain > 0.0, "{plain}");
    }
}
