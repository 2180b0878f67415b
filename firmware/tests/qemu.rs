//! Host-side check of the QEMU self-test (`firmware/boards/qemu`): every
//! prediction the firmware made on the emulated Cortex-M4F must be
//! BIT-identical to `nnet-core` on this host for the same inputs, and every
//! frame it rendered must equal, pixel for pixel, the frame the host renders
//! for the same scripted strokes.
//!
//! It reads the output of a QEMU run, so it is ignored by a plain
//! `cargo test`; `scripts/ci.d/50-qemu.sh` runs QEMU and then
//!
//! ```text
//! NNET_QEMU_OUT=<dir> cargo test -p firmware --test qemu -- --ignored
//! ```
//!
//! where `<dir>` holds `selftest.log` (QEMU's standard output in `selftest`
//! mode), the frames `frame-<i>.rgb565` it wrote, and `bench.log` (standard
//! output in `bench` mode). Run with `--ignored` but without `NNET_QEMU_OUT`,
//! the test fails: a missing QEMU run is an error, never a silent pass. For the
//! int8 self-test (`firmware-qemu` built with `--features int8`) run this test
//! with `--features int8` too: the host then embeds the same int8 model and
//! computes with `QuantMlp` (the log's model CRC must match either way).
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use firmware::app::Status;
use firmware::framebuffer::Framebuffer;
use firmware::model::{Adapted, NO_HIDDEN};
use firmware::script::{GoldenLine, DIGIT_SCRIPTS};
use nnet_core::adapt::AdaptConfig;
use nnet_core::{Image, Prediction, INPUT, OUTPUT};

/// The MNIST images the QEMU binary embeds, read from the same files.
struct Fixture {
    images: Vec<Image>,
    labels: Vec<u8>,
}

fn fixture() -> Fixture {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("boards/qemu/data");
    let images =
        std::fs::read(dir.join("t10k-100-images-idx3-ubyte")).expect("read fixture images");
    let labels =
        std::fs::read(dir.join("t10k-100-labels-idx1-ubyte")).expect("read fixture labels");
    assert_eq!(&images[..4], &[0, 0, 8, 3], "image IDX magic");
    assert_eq!(&labels[..4], &[0, 0, 8, 1], "label IDX magic");
    let pixels = &images[16..];
    let labels = labels[8..].to_vec();
    assert_eq!(pixels.len(), labels.len() * INPUT, "fixture lengths");
    let images = pixels
        .chunks_exact(INPUT)
        // the same conversion as the firmware's fixture loader
        .map(|c| std::array::from_fn(|i| f32::from(c[i]) / 255.0))
        .collect();
    Fixture { images, labels }
}

/// The output directory of the QEMU run.
fn out_dir() -> PathBuf {
    match std::env::var_os("NNET_QEMU_OUT") {
        Some(dir) if !dir.is_empty() => PathBuf::from(dir),
        _ => panic!(
            "NNET_QEMU_OUT is not set: this test checks the output of the QEMU self-test; \
             run scripts/ci.d/50-qemu.sh (it runs QEMU, then this test)"
        ),
    }
}

fn read_log(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|e| {
        panic!(
            "cannot read {}: {e} (did the QEMU run happen?)",
            path.display()
        )
    })
}

/// `<digit> <hex x10>` as the firmware prints it.
fn format_prediction(p: &Prediction) -> String {
    let mut s = p.digit.to_string();
    for v in p.probabilities {
        write!(s, " {:08x}", v.to_bits()).expect("write to String");
    }
    s
}

/// Parses `<digit> <hex x10>` back into a prediction.
fn parse_prediction(words: &[&str], line: &str) -> Prediction {
    assert_eq!(
        words.len(),
        1 + OUTPUT,
        "malformed prediction in line {line:?}"
    );
    let digit: u8 = words[0]
        .parse()
        .unwrap_or_else(|_| panic!("bad digit in {line:?}"));
    let mut probabilities = [0.0f32; OUTPUT];
    for (p, w) in probabilities.iter_mut().zip(&words[1..]) {
        let bits = u32::from_str_radix(w, 16).unwrap_or_else(|_| panic!("bad hex in {line:?}"));
        *p = f32::from_bits(bits);
    }
    Prediction {
        digit,
        probabilities,
    }
}

/// `(length, dot bits)` on this host for every length the self-test checks.
fn host_dots() -> Vec<(usize, u32)> {
    let mut dots = Vec::new();
    macro_rules! lengths {
        ($($n:literal),*) => { $( {
            let (w, x) = firmware::script::dot_inputs::<$n>();
            dots.push(($n, nnet_core::model::dot(&w, &x).to_bits()));
        } )* };
    }
    lengths!(0, 1, 7, 8, 9, 15, 16, 17, 23, 24, 25, 31, 32, 33, 40, 300, 784);
    dots
}

/// `(hidden size, hash of the int8 sums)` on this host for every size the self-test checks
/// (and each equal to the plain loops' here too).
fn host_int8_sums() -> Vec<(usize, u64)> {
    firmware::script::int8_sums_at_test_sizes()
        .into_iter()
        .map(|(h, sums)| {
            let (kernels, plain) = sums.expect("int8 test network");
            assert_eq!(kernels, plain, "int8 sums at H = {h} on this host");
            (h, kernels)
        })
        .collect()
}

fn model_tail() -> String {
    let bytes = firmware::model::BYTES;
    bytes[bytes.len() - 4..]
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

#[test]
#[ignore = "needs the output of the QEMU self-test: run scripts/ci.d/50-qemu.sh"]
fn qemu_selftest_is_bit_identical_to_host() {
    let dir = out_dir();
    let log = read_log(&dir.join("selftest.log"));
    let mlp = firmware::model::classifier().expect("embedded model");
    let fixture = fixture();

    let mut lines = log.lines();
    let header = lines.next().expect("empty selftest log");
    assert_eq!(
        header,
        format!("selftest begin hidden={} model_tail={}", firmware::model::HIDDEN, model_tail()),
        "QEMU ran a different model than this host build embeds (build both with the same NNET_MODEL)"
    );

    let mut dots = Vec::new();
    let mut int8 = Vec::new();
    let mut mnist_seen = 0usize;
    let mut mnist_correct = 0usize;
    let mut scripts_seen = 0usize;
    let mut frames_seen = 0usize;
    let mut ui_lines = String::new();
    let mut failures = Vec::new();
    let mut saw_ok = false;
    let mut summary = None;
    // the corrections, repeated on this host in the same order
    let mut adapted = Adapted::new(mlp);
    let mut adapt_seen = 0usize;
    let mut adapted_seen = 0usize;
    for line in lines {
        let words: Vec<&str> = line.split_whitespace().collect();
        match words.as_slice() {
            ["dot", len, bits] => {
                let len: usize = len.parse().expect("dot length");
                let bits = u32::from_str_radix(bits, 16).expect("dot bits");
                dots.push((len, bits));
            }
            ["int8", hidden, hash] => {
                let hidden: usize = hidden.parse().expect("int8 hidden size");
                let hash = u64::from_str_radix(hash, 16).expect("int8 hash");
                int8.push((hidden, hash));
            }
            ["mnist", index, label, rest @ ..] => {
                let index: usize = index.parse().expect("mnist index");
                assert_eq!(index, mnist_seen, "mnist lines out of order: {line:?}");
                let label: u8 = label.parse().expect("mnist label");
                assert_eq!(label, fixture.labels[index], "label of image {index}");
                let qemu = parse_prediction(rest, line);
                let host = mlp.predict(&fixture.images[index]).expect("host predict");
                if qemu.digit != host.digit
                    || qemu.probabilities.map(f32::to_bits) != host.probabilities.map(f32::to_bits)
                {
                    failures.push(format!(
                        "image {index}: qemu {} / host {}",
                        format_prediction(&qemu),
                        format_prediction(&host)
                    ));
                }
                mnist_correct += usize::from(host.digit == label);
                mnist_seen += 1;
            }
            ["script", index, expected, rest @ ..] => {
                let index: usize = index.parse().expect("script index");
                assert_eq!(index, scripts_seen, "script lines out of order: {line:?}");
                let script = &DIGIT_SCRIPTS[index];
                assert_eq!(expected.parse::<u8>().ok(), Some(script.digit), "{line:?}");
                let mut fb = Framebuffer::new();
                let Ok(status) = firmware::script::render(Adapted::new(mlp), script, &mut fb);
                let Status::Recognised(host) = status else {
                    panic!(
                        "script {index}: the host app ended in {status:?}, QEMU printed {line:?}"
                    );
                };
                let qemu = parse_prediction(rest, line);
                if qemu.digit != host.digit
                    || qemu.probabilities.map(f32::to_bits) != host.probabilities.map(f32::to_bits)
                {
                    failures.push(format!(
                        "script {index}: qemu {} / host {}",
                        format_prediction(&qemu),
                        format_prediction(&host)
                    ));
                }
                if host.digit != script.digit {
                    failures.push(format!(
                        "script {index}: drew a {} but the host recognised {}",
                        script.digit, host.digit
                    ));
                }
                scripts_seen += 1;
            }
            ["ui", name, hash] => ui_lines.push_str(&format!("{name} {hash}\n")),
            ["frame", index, len, path] => {
                let index: usize = index.parse().expect("frame index");
                assert_eq!(index, frames_seen, "frame lines out of order: {line:?}");
                assert_eq!(
                    index + 1,
                    scripts_seen,
                    "frame {index} without its script line"
                );
                let expected_path = dir.join(format!("frame-{index}.rgb565"));
                // QEMU runs in the output directory: a relative path is the same file
                assert_eq!(dir.join(path), expected_path, "frame written elsewhere");
                let qemu_frame = std::fs::read(&expected_path)
                    .unwrap_or_else(|e| panic!("read {}: {e}", expected_path.display()));
                let mut fb = Framebuffer::new();
                let Ok(_) =
                    firmware::script::render(Adapted::new(mlp), &DIGIT_SCRIPTS[index], &mut fb);
                let host_frame = fb.as_bytes();
                assert_eq!(
                    len.parse::<usize>().ok(),
                    Some(host_frame.len()),
                    "{line:?}"
                );
                assert_eq!(qemu_frame.len(), host_frame.len(), "frame {index} size");
                let differing: Vec<usize> = qemu_frame
                    .chunks_exact(2)
                    .zip(host_frame.chunks_exact(2))
                    .enumerate()
                    .filter(|(_, (a, b))| a != b)
                    .map(|(i, _)| i)
                    .collect();
                if let Some(&first) = differing.first() {
                    let w = firmware::ui::WIDTH as usize;
                    failures.push(format!(
                        "frame {index}: {} pixels differ, the first at x={} y={}",
                        differing.len(),
                        first % w,
                        first / w
                    ));
                }
                frames_seen += 1;
            }
            ["adapt", index, label, rest @ ..] if rest.len() == 1 + OUTPUT + 2 => {
                let index: usize = index.parse().expect("adapt index");
                assert_eq!(index, adapt_seen, "adapt lines out of order: {line:?}");
                let label: u8 = label.parse().expect("adapt label");
                assert_eq!(
                    label,
                    firmware::script::correction_label(index, fixture.labels[index]),
                    "{line:?}"
                );
                let host = adapted
                    .adapt(&fixture.images[index], label, &AdaptConfig::DEFAULT)
                    .expect("host adapt");
                let host_line = format!(
                    "{} layer {:08x}",
                    format_prediction(&host),
                    adapted.output().checksum()
                );
                if rest.join(" ") != host_line {
                    failures.push(format!(
                        "adapt {index}: qemu {} / host {host_line}",
                        rest.join(" ")
                    ));
                }
                adapt_seen += 1;
            }
            ["adapted", index, rest @ ..] => {
                let index: usize = index.parse().expect("adapted index");
                assert_eq!(index, adapted_seen, "adapted lines out of order: {line:?}");
                let qemu = parse_prediction(rest, line);
                let host = adapted
                    .predict(&fixture.images[index])
                    .expect("host predict");
                if format_prediction(&qemu) != format_prediction(&host) {
                    failures.push(format!(
                        "adapted {index}: qemu {} / host {}",
                        format_prediction(&qemu),
                        format_prediction(&host)
                    ));
                }
                adapted_seen += 1;
            }
            ["summary", ..] => summary = Some(line.to_string()),
            ["selftest", "ok"] => saw_ok = true,
            _ => failures.push(format!("unexpected line in the QEMU output: {line:?}")),
        }
    }
    let host = host_dots();
    if dots != host {
        let show = |d: &[(usize, u32)]| {
            d.iter()
                .map(|(n, bits)| format!("{n}:{bits:08x}"))
                .collect::<Vec<_>>()
                .join(" ")
        };
        failures.push(format!(
            "dot products (length:bits): qemu {} / host {}",
            show(&dots),
            show(&host)
        ));
    }
    let host = host_int8_sums();
    if int8 != host {
        failures.push(format!(
            "int8 sums (hidden size, hash): qemu {int8:x?} / host {host:x?}"
        ));
    }
    assert!(
        failures.is_empty(),
        "QEMU vs host:\n{}",
        failures.join("\n")
    );
    assert_eq!(
        mnist_seen,
        fixture.images.len(),
        "QEMU classified too few images"
    );
    assert!(mnist_seen >= 100);
    assert_eq!(
        scripts_seen,
        DIGIT_SCRIPTS.len(),
        "QEMU played too few scripts"
    );
    assert_eq!(
        frames_seen,
        DIGIT_SCRIPTS.len(),
        "QEMU wrote too few frames"
    );
    assert_eq!(
        summary.as_deref(),
        Some(
            format!(
                "summary mnist_correct={mnist_correct}/{mnist_seen} scripts_correct={scripts_seen}/{scripts_seen}"
            )
            .as_str()
        )
    );
    assert!(
        mnist_correct >= 95,
        "only {mnist_correct}/{mnist_seen} fixture images correct"
    );
    assert!(saw_ok, "the QEMU self-test did not report success");
    // every UI state's frame: the same on QEMU as on this host and, with the
    // shipped f32 model, as the golden file says
    let mut host_ui = String::new();
    let mut fb = Box::new(Framebuffer::new());
    let Ok(()) = firmware::script::ui_states(&Adapted::new(mlp), &mut *fb, |state, fb| {
        host_ui.push_str(&format!("{}\n", GoldenLine(state, fb.hash())));
    });
    assert_eq!(ui_lines, host_ui, "QEMU's UI frames differ from the host's");
    if !firmware::model::INT8 && firmware::model::SOURCE_PATH.ends_with("models/mnist-mlp.nnet") {
        let golden = include_str!("data/ui-golden.txt");
        assert_eq!(
            ui_lines, golden,
            "QEMU's UI frames differ from tests/data/ui-golden.txt"
        );
    }
    assert!(adapt_seen >= 10, "QEMU made {adapt_seen} corrections");
    assert_eq!(
        adapted_seen, adapt_seen,
        "QEMU answered too few images after adapting"
    );

    // The bench run (instruction counting) classified image 0 between the markers.
    let bench = read_log(&dir.join("bench.log"));
    let host = mlp.predict(&fixture.images[0]).expect("host predict");
    // ...and corrected that answer to the next digit from its hidden activations
    let mut net = Adapted::new(mlp);
    let mut hidden = NO_HIDDEN;
    net.predict_with_hidden(&fixture.images[0], &mut hidden)
        .expect("host predict");
    let label = (host.digit + 1) % 10;
    let corrected = net
        .correct(&hidden, label, &AdaptConfig::DEFAULT)
        .expect("host correction");
    let expected = format!(
        "bench begin hidden={} model_tail={}\nbench predict {}\nbench adapt {label} {} layer {:08x}",
        firmware::model::HIDDEN,
        model_tail(),
        format_prediction(&host),
        format_prediction(&corrected),
        net.output().checksum()
    );
    let (stack, rest): (Vec<&str>, Vec<&str>) = bench
        .lines()
        .partition(|l| l.starts_with("bench stack ") || l.starts_with("bench adapt stack "));
    assert_eq!(
        rest.join("\n"),
        expected,
        "the bench run differs from the host"
    );
    let stack_bytes: Vec<usize> = stack
        .iter()
        .filter_map(|l| l.rsplit(' ').next()?.parse().ok())
        .collect();
    assert!(
        matches!(stack_bytes.as_slice(), [n, m] if *n > 0 && *m > 0),
        "the bench run reported no stack use: {stack:?}"
    );
}
