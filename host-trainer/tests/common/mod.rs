//! Helpers shared by the integration tests.
#![allow(dead_code)]
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use host_trainer::augment::AugmentConfig;
use host_trainer::net::Optimizer;
use host_trainer::train::{Schedule, TrainConfig};

mod tmpdir;
#[allow(unused_imports)]
pub use tmpdir::{tmpdir, TmpDir};

/// `data/mnist` of the workspace, or a panic that says how to get it.
pub fn mnist_dir() -> PathBuf {
    let d = Path::new(env!("CARGO_MANIFEST_DIR")).join("../data/mnist");
    assert!(
        d.join("t10k-images-idx3-ubyte").exists() || d.join("t10k-images-idx3-ubyte.gz").exists(),
        "this test needs MNIST in {}: run `cargo run -p host-trainer -- fetch-mnist` first",
        d.display()
    );
    d
}

/// A small synthetic digit-like data set (a thick bar whose angle and
/// position depend on the class, plus noise) written as IDX files.
pub fn synthetic(dir: &Path, n: usize, seed: u64) {
    let mut s = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
    let mut rnd = move || {
        s ^= s << 13;
        s ^= s >> 7;
        s ^= s << 17;
        (s >> 40) as f32 / (1u64 << 24) as f32
    };
    let mut imgs = Vec::new();
    let mut labels = Vec::new();
    for i in 0..n {
        let k = (i % 10) as u8;
        let a = f32::from(k) * 0.314 + 0.2 * (rnd() - 0.5);
        let (dx, dy) = (a.cos(), a.sin());
        let mut img = [0u8; 784];
        for t in 0..40 {
            let t = (t as f32 / 39.0 - 0.5) * 16.0;
            let (x, y) = (14.0 + t * dx + 2.0 * (rnd() - 0.5), 14.0 + t * dy);
            for (ox, oy) in [(0, 0), (1, 0), (0, 1), (1, 1)] {
                let (cx, cy) = (x as i32 + ox, y as i32 + oy);
                if (0..28).contains(&cx) && (0..28).contains(&cy) {
                    img[(cy * 28 + cx) as usize] = 255;
                }
            }
        }
        imgs.push(img);
        labels.push(k);
    }
    let (im, lb) = host_trainer::idx::encode_pair(&imgs, &labels);
    std::fs::write(dir.join("train-images-idx3-ubyte"), &im).unwrap();
    std::fs::write(dir.join("train-labels-idx1-ubyte"), &lb).unwrap();
    let (im, lb) = host_trainer::idx::encode_pair(&imgs[..n / 4], &labels[..n / 4]);
    std::fs::write(dir.join("t10k-images-idx3-ubyte"), &im).unwrap();
    std::fs::write(dir.join("t10k-labels-idx1-ubyte"), &lb).unwrap();
}

/// A quick training configuration.
pub fn quick_config(data: &Path, out: &Path) -> TrainConfig {
    TrainConfig {
        data: data.to_path_buf(),
        limit: None,
        hidden: 32,
        epochs: 2,
        batch: 32,
        optimizer: Optimizer::SGD,
        lr: 0.1,
        schedule: Schedule::Cosine,
        seed: 7,
        threads: 2,
        augment: Some(AugmentConfig::default()),
        augment_alongside: true,
        val_split: 0.1,
        out: out.to_path_buf(),
        quiet: true,
        log_json: None,
        command: "test".into(),
        ink: Vec::new(),
        ink_weight: host_trainer::train::DEFAULT_INK_WEIGHT,
        // the synthetic digits of these tests train without the font digits
        // (tests/ink_training.rs has them)
        font_digits: 0.0,
        hold_out_fonts: None,
    }
}

/// Runs the `host-trainer` binary with `args`.
pub fn run(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_host-trainer"))
        .args(args)
        .output()
        .expect("run host-trainer")
}

/// Runs `script` with `sh -c`, `$0` the host-trainer binary and `$1`... `args`: a shell set
/// up before the command (a limit, a link in its way) that `exec`s it.
#[allow(dead_code)] // not every test file uses it
pub fn run_in_sh<S: AsRef<std::ffi::OsStr>>(script: &str, args: &[S]) -> Output {
    Command::new("sh")
        .arg("-c")
        .arg(script)
        .arg(env!("CARGO_BIN_EXE_host-trainer"))
        .args(args)
        .output()
        .expect("run sh")
}

/// Runs `command` with its stdout and stderr captured, as `output()` does, but kills it
/// after `limit`: a run that hangs fails its test instead of stopping the suite.
pub fn output_within(command: &mut Command, limit: std::time::Duration) -> Output {
    use std::io::Read;
    let mut child = command
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("run the command");
    let drain = |mut from: Box<dyn Read + Send>| {
        std::thread::spawn(move || {
            let mut bytes = Vec::new();
            let _ = from.read_to_end(&mut bytes);
            bytes
        })
    };
    let stdout = drain(Box::new(child.stdout.take().unwrap()));
    let stderr = drain(Box::new(child.stderr.take().unwrap()));
    let deadline = std::time::Instant::now() + limit;
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if std::time::Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            panic!("{command:?} still running after {limit:?}: killed");
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
    };
    Output {
        status,
        stdout: stdout.join().unwrap(),
        stderr: stderr.join().unwrap(),
    }
}
