//! The deterministic test network and inputs behind `tests/data/forward-golden.txt`,
//! shared by the host test (`tests/forward.rs`) and the wasm32 check
//! (`examples/golden_wasm.rs`), so both targets compute the very same thing.
//! No allocation: the caller provides the buffers.

/// Hidden units of the golden network.
pub const H: usize = 300;
/// Number of golden inputs.
pub const CASES: usize = 8;

/// A small deterministic generator (LCG), so no RNG crate is needed and the
/// golden file stays valid forever.
pub struct Lcg(pub u32);
impl Lcg {
    pub fn next(&mut self) -> f32 {
        self.0 = self.0.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
        (self.0 >> 8) as f32 / (1u32 << 24) as f32
    }
    pub fn fill(&mut self, out: &mut [f32], scale: f32) {
        for v in out {
            *v = (self.next() - 0.5) * scale;
        }
    }
}

/// Fills the weights of the golden network.
pub fn network(w1: &mut [f32], b1: &mut [f32], w2: &mut [f32], b2: &mut [f32]) {
    let mut g = Lcg(2024);
    g.fill(w1, 0.2);
    g.fill(b1, 1.0);
    g.fill(w2, 1.0);
    g.fill(b2, 1.0);
}

/// Fills golden input `k` (all inputs come from one generator, in order).
pub fn inputs(out: &mut [[f32; nnet_core::INPUT]; CASES]) {
    let mut g = Lcg(99);
    for (k, x) in out.iter_mut().enumerate() {
        for (i, v) in x.iter_mut().enumerate() {
            let r = g.next();
            // sparse, MNIST-like: most pixels 0, some ink
            *v = if (i + k) % 3 == 0 { r } else { 0.0 };
        }
    }
}
