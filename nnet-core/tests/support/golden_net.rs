//! The deterministic test network and inputs behind the golden files
//! `tests/data/forward-golden.txt` (f32) and `tests/data/quant-golden.txt`
//! (its int8 quantisation), shared by the host tests (`tests/forward.rs`,
//! `tests/quant.rs`) and the wasm32 check (`examples/golden_wasm.rs`), so every
//! target computes the very same thing.
use nnet_core::format::{OwnedMetadata, OwnedModel};
use nnet_core::{Image, Prediction, INPUT, OUTPUT};

/// Hidden units of the golden network.
pub const H: usize = 300;
/// Number of golden inputs.
pub const CASES: usize = 8;

/// A small deterministic generator (LCG), so no RNG crate is needed and the
/// golden files stay valid forever.
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

/// The golden f32 network.
pub fn model() -> OwnedModel {
    let mut g = Lcg(2024);
    let mut w = |n: usize, scale: f32| {
        let mut v = vec![0.0; n];
        g.fill(&mut v, scale);
        v
    };
    OwnedModel {
        hidden: H,
        meta: OwnedMetadata::default(),
        w1: w(H * INPUT, 0.2),
        b1: w(H, 1.0),
        w2: w(OUTPUT * H, 1.0),
        b2: w(OUTPUT, 1.0),
    }
}

/// The golden inputs: sparse, MNIST-like (most pixels 0, some ink).
pub fn inputs() -> Vec<Image> {
    let mut g = Lcg(99);
    (0..CASES)
        .map(|k| {
            let mut x = [0.0; INPUT];
            for (i, v) in x.iter_mut().enumerate() {
                let r = g.next();
                *v = if (i + k) % 3 == 0 { r } else { 0.0 };
            }
            x
        })
        .collect()
}

/// One golden line: the digit, then the 10 probabilities' bit patterns in hex.
pub fn line(p: &Prediction) -> String {
    let bits: Vec<String> = p
        .probabilities
        .iter()
        .map(|v| format!("{:08x}", v.to_bits()))
        .collect();
    format!("{} {}", p.digit, bits.join(" "))
}

/// The digit, then the 10 probabilities' bit patterns, as 11 words (what the
/// wasm module hands to node).
pub fn words(p: &Prediction) -> [u32; 1 + OUTPUT] {
    let mut out = [0; 1 + OUTPUT];
    out[0] = u32::from(p.digit);
    for (o, v) in out[1..].iter_mut().zip(p.probabilities) {
        *o = v.to_bits();
    }
    out
}

/// Compares `lines` with the golden file `tests/data/<name>`; with `NNET_BLESS=1`
/// rewrites it first (only when the arithmetic is changed on purpose: that
/// breaks bit-identity with old builds and devices).
pub fn check(name: &str, lines: &[String]) {
    let path = format!("{}/tests/data/{name}", env!("CARGO_MANIFEST_DIR"));
    let got = lines.join("\n") + "\n";
    if std::env::var("NNET_BLESS").as_deref() == Ok("1") {
        std::fs::write(&path, &got).unwrap();
    }
    let want = std::fs::read_to_string(&path).expect("golden file present");
    assert_eq!(got, want, "{name}: forward-pass bits changed");
}

/// The label each golden input is corrected to in the adapt golden files
/// (the golden network answers 6 for every input; the last correction
/// confirms a right answer).
pub const CORRECTIONS: [u8; CASES] = [3, 1, 4, 1, 5, 9, 2, 6];

/// The adapt golden lines of the f32 network (`int8 = false`,
/// `tests/data/adapt-golden.txt`) or its int8 quantisation
/// (`tests/data/adapt-quant-golden.txt`): one correction per golden input
/// with the default [`AdaptConfig`], applied one after the other, each line
/// `adapt <case> <label> <digit> <hex x10> layer <checksum>`; then every
/// input's answer from the adapted network (`after ...`), and the CRC of the
/// model file written from it.
pub fn adapt_lines(int8: bool) -> Result<Vec<String>, nnet_core::Error> {
    use nnet_core::adapt::{AdaptConfig, AdaptedMlp, AdaptedQuantMlp};
    let cfg = AdaptConfig::DEFAULT;
    let m = model();
    let inputs = inputs();
    let mut lines = Vec::new();
    let file_crc = |b: Vec<u8>| {
        u32::from_le_bytes([
            b[b.len() - 4],
            b[b.len() - 3],
            b[b.len() - 2],
            b[b.len() - 1],
        ])
    };
    // the same sequence for both networks (they differ in type, not in use)
    macro_rules! corrections {
        ($net:expr, $to_bytes:expr) => {{
            let mut net = $net;
            for (i, (x, &label)) in inputs.iter().zip(&CORRECTIONS).enumerate() {
                let p = net.adapt(x, label, &cfg)?;
                let crc = net.output().checksum();
                lines.push(format!("adapt {i} {label} {} layer {crc:08x}", line(&p)));
            }
            for x in &inputs {
                lines.push(format!("after {}", line(&net.predict(x)?)));
            }
            let bytes: Vec<u8> = $to_bytes(&net)?;
            lines.push(format!("file crc32 {:08x}", file_crc(bytes)));
        }};
    }
    if int8 {
        let q = nnet_core::quantizer::quantize(&m)?;
        corrections!(
            AdaptedQuantMlp::new(q.quant_mlp::<H>()?),
            |n: &AdaptedQuantMlp<'_, H>| n.to_model(OwnedMetadata::default())?.to_bytes()
        );
    } else {
        corrections!(AdaptedMlp::new(m.mlp::<H>()?), |n: &AdaptedMlp<'_, H>| n
            .to_model(OwnedMetadata::default())
            .to_bytes());
    }
    Ok(lines)
}
