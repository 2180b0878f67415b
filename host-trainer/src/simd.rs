//! Small elementwise kernels of the training loop (bias + sigmoid, sigmoid
//! backward, optimiser updates) with runtime CPU dispatch: each kernel body
//! is compiled three times (AVX-512, AVX2+FMA, baseline) and the best one the
//! CPU supports is picked, so LLVM can vectorise it with wide registers while
//! the binary still runs anywhere. Float operations are never reassociated
//! or contracted, so every variant produces the same bits.

/// Defines a safe function whose body is compiled for several instruction
/// sets and chosen at run time.
macro_rules! multiversion {
    ($(#[$m:meta])* $vis:vis fn $name:ident($($arg:ident : $ty:ty),* $(,)?) $(-> $ret:ty)? $body:block) => {
        $(#[$m])*
        $vis fn $name($($arg: $ty),*) $(-> $ret)? {
            #[inline(always)]
            fn inner($($arg: $ty),*) $(-> $ret)? $body
            #[cfg(target_arch = "x86_64")]
            {
                #[target_feature(enable = "avx512f,avx512vl,avx2,fma")]
                fn v4($($arg: $ty),*) $(-> $ret)? { inner($($arg),*) }
                #[target_feature(enable = "avx2,fma")]
                fn v3($($arg: $ty),*) $(-> $ret)? { inner($($arg),*) }
                if std::is_x86_feature_detected!("avx512f") && std::is_x86_feature_detected!("avx512vl") {
                    // SAFETY: the CPU supports every feature `v4` is compiled with.
                    return unsafe { v4($($arg),*) };
                }
                if std::is_x86_feature_detected!("avx2") && std::is_x86_feature_detected!("fma") {
                    // SAFETY: the CPU supports every feature `v3` is compiled with.
                    return unsafe { v3($($arg),*) };
                }
            }
            inner($($arg),*)
        }
    };
}

/// `e^x` for `f32` without a libm call, so loops over it vectorise: Cephes'
/// range reduction `x = n ln2 + r` and degree-6 polynomial (relative error
/// about 2e-7), `2^n` built from the exponent bits. Inputs are clamped to
/// `[-87, 88]`, so the result is always finite and positive.
#[inline(always)]
pub fn fast_exp(x: f32) -> f32 {
    const LOG2E: f32 = std::f32::consts::LOG2_E;
    const LN2_HI: f32 = 0.693_359_4;
    const LN2_LO: f32 = -2.121_944_4e-4;
    // 1.5 * 2^23: adding it rounds to an integer held in the low mantissa bits
    const MAGIC: f32 = 12_582_912.0;
    let x = x.clamp(-87.0, 88.0);
    let m = x * LOG2E + MAGIC;
    let n = m - MAGIC;
    let r = x - n * LN2_HI - n * LN2_LO;
    let mut p = 1.987_569_1e-4f32;
    p = p * r + 1.398_199_9e-3;
    p = p * r + 8.333_452e-3;
    p = p * r + 4.166_579_6e-2;
    p = p * r + 1.666_666_5e-1;
    p = p * r + 0.5;
    let e = p * r * r + r + 1.0;
    let bits = m.to_bits().wrapping_sub(MAGIC.to_bits()).wrapping_add(127) << 23;
    e * f32::from_bits(bits)
}

/// The logistic function with [`fast_exp`]; within 1e-6 of
/// `nnet_core::model::sigmoid`.
#[inline(always)]
pub fn fast_sigmoid(x: f32) -> f32 {
    1.0 / (1.0 + fast_exp(-x))
}

multiversion! {
    /// `row[i] = sigmoid(row[i] + bias)`.
    pub fn bias_sigmoid(row: &mut [f32], bias: f32) {
        for v in row.iter_mut() {
            *v = fast_sigmoid(*v + bias);
        }
    }
}

multiversion! {
    /// Sigmoid backward for one hidden unit over the batch:
    /// `d[i] *= h[i] * (1 - h[i])`; returns the sum of the new `d` (the bias gradient).
    pub fn sigmoid_backward(d: &mut [f32], h: &[f32]) -> f32 {
        let mut acc = [0.0f32; 8];
        let (dc, dr) = d.as_chunks_mut::<8>();
        let (hc, hr) = h.as_chunks::<8>();
        for (dv, hv) in dc.iter_mut().zip(hc) {
            for k in 0..8 {
                dv[k] *= hv[k] * (1.0 - hv[k]);
                acc[k] += dv[k];
            }
        }
        let mut tail = 0.0f32;
        for (dv, hv) in dr.iter_mut().zip(hr) {
            *dv *= hv * (1.0 - hv);
            tail += *dv;
        }
        ((acc[0] + acc[1]) + (acc[2] + acc[3])) + ((acc[4] + acc[5]) + (acc[6] + acc[7])) + tail
    }
}

multiversion! {
    /// SGD step with the momentum buffer already updated: `p -= lr * v`.
    pub fn sgd_apply(p: &mut [f32], v: &[f32], lr: f32) {
        for (p, v) in p.iter_mut().zip(v) {
            *p -= lr * v;
        }
    }
}

multiversion! {
    /// SGD with momentum from a gradient (as `torch.optim.SGD`):
    /// `v = mu * v + g` (or `v = g` on the first step), `p -= lr * v`.
    pub fn sgd_step(p: &mut [f32], v: &mut [f32], g: &[f32], lr: f32, mu: f32, first: bool) {
        let mu = if first { 0.0 } else { mu };
        for ((p, v), g) in p.iter_mut().zip(v.iter_mut()).zip(g) {
            *v = mu * *v + g;
            *p -= lr * *v;
        }
    }
}

/// Constants of one Adam step (bias corrections folded in, as `torch.optim.Adam`).
#[derive(Debug, Clone, Copy)]
pub struct AdamStep {
    /// `beta1`.
    pub b1: f32,
    /// `beta2`.
    pub b2: f32,
    /// `lr / (1 - beta1^t)`.
    pub step: f32,
    /// `1 / sqrt(1 - beta2^t)`.
    pub inv_sqrt_bc2: f32,
    /// `eps`.
    pub eps: f32,
}

impl AdamStep {
    /// The constants for step `t` (1-based).
    pub fn new(lr: f32, b1: f32, b2: f32, eps: f32, t: u64) -> Self {
        let t = t.min(i32::MAX as u64) as i32;
        let bc1 = 1.0 - f64::from(b1).powi(t);
        let bc2 = 1.0 - f64::from(b2).powi(t);
        AdamStep {
            b1,
            b2,
            step: (f64::from(lr) / bc1) as f32,
            inv_sqrt_bc2: (1.0 / bc2.sqrt()) as f32,
            eps,
        }
    }
}

multiversion! {
    /// One Adam update: `m = b1 m + (1-b1) g`, `v = b2 v + (1-b2) g^2`,
    /// `p -= step * m / (sqrt(v) / sqrt(bc2) + eps)`.
    pub fn adam_step(p: &mut [f32], m: &mut [f32], v: &mut [f32], g: &[f32], a: AdamStep) {
        let (b1, b2) = (a.b1, a.b2);
        let (c1, c2) = (1.0 - b1, 1.0 - b2);
        for (((p, m), v), g) in p.iter_mut().zip(m.iter_mut()).zip(v.iter_mut()).zip(g) {
            *m = b1 * *m + c1 * g;
            *v = b2 * *v + c2 * (g * g);
            *p -= a.step * *m / (v.sqrt() * a.inv_sqrt_bc2 + a.eps);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fast_exp_is_accurate() {
        let mut x = -87.0f32;
        while x < 88.0 {
            let e = fast_exp(x);
            let r = (f64::from(x)).exp();
            assert!(((f64::from(e) - r) / r).abs() < 5e-7, "{x}: {e} vs {r}");
            x += 0.0137;
        }
        assert!(fast_exp(-1000.0) > 0.0 && fast_exp(1000.0).is_finite());
        assert_eq!(fast_exp(0.0), 1.0);
    }

    #[test]
    fn fast_sigmoid_matches_core() {
        let mut x = -30.0f32;
        while x < 30.0 {
            let a = fast_sigmoid(x);
            let b = nnet_core::model::sigmoid(x);
            assert!((a - b).abs() < 1e-6, "{x}: {a} vs {b}");
            x += 0.001;
        }
        let mut row = [0.0f32, 1.0, -2.0, 50.0, -200.0];
        bias_sigmoid(&mut row, 0.5);
        assert!((row[0] - nnet_core::model::sigmoid(0.5)).abs() < 1e-6);
        assert!(row[4] >= 0.0 && row[4] < 1e-30);
    }

    #[test]
    fn kernels_do_what_they_say() {
        let mut d: Vec<f32> = (0..19).map(|i| i as f32 * 0.1 - 0.5).collect();
        let h: Vec<f32> = (0..19).map(|i| (i as f32 + 1.0) / 21.0).collect();
        let expect: Vec<f32> = d.iter().zip(&h).map(|(d, h)| d * (h * (1.0 - h))).collect();
        let s = sigmoid_backward(&mut d, &h);
        assert_eq!(d, expect);
        assert!((s - expect.iter().sum::<f32>()).abs() < 1e-5);

        let (mut p, mut v) = (vec![1.0f32; 3], vec![0.5f32; 3]);
        sgd_step(&mut p, &mut v, &[1.0, 2.0, 3.0], 0.1, 0.9, false);
        assert_eq!(v, [1.45, 2.45, 3.45]);
        assert!((p[0] - (1.0 - 0.145)).abs() < 1e-7);
        sgd_step(&mut p, &mut v, &[1.0, 1.0, 1.0], 0.1, 0.9, true);
        assert_eq!(v, [1.0, 1.0, 1.0]);

        let (mut p, mut m, mut v) = (vec![0.0f32; 2], vec![0.0f32; 2], vec![0.0f32; 2]);
        adam_step(
            &mut p,
            &mut m,
            &mut v,
            &[0.5, -2.0],
            AdamStep::new(1e-3, 0.9, 0.999, 1e-8, 1),
        );
        // the first Adam step moves every parameter by ~lr against its gradient's sign
        assert!(
            (p[0] + 1e-3).abs() < 1e-6 && (p[1] - 1e-3).abs() < 1e-6,
            "{p:?}"
        );
    }
}
