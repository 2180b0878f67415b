//! `host-trainer adapt`: learns the drawings of an ink file, writes a model
//! that `evaluate` reads and that answers like the adapted network, records
//! the file's SHA-256 and drawing count, is deterministic, and rejects
//! unlabelled lines and labels outside 0..9 naming the line.
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

mod common;

fn run(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_host-trainer"))
        .args(args)
        .current_dir(Path::new(env!("CARGO_MANIFEST_DIR")).join(".."))
        .output()
        .unwrap()
}

fn ok(args: &[&str]) -> String {
    let o = run(args);
    let out = String::from_utf8_lossy(&o.stdout).into_owned();
    assert!(
        o.status.success(),
        "{args:?} failed:\n{out}\n{}",
        String::from_utf8_lossy(&o.stderr)
    );
    out
}

fn err(args: &[&str]) -> String {
    let o = run(args);
    assert!(!o.status.success(), "{args:?} should fail");
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// The first `n` Hershey drawings (all seven styles of digits 0-9 each `n >= 70`).
fn hershey_head(dir: &Path, n: usize) -> PathBuf {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let text = std::fs::read_to_string(root.join("tests/data/ink/hershey.jsonl")).unwrap();
    let head: Vec<&str> = text.lines().take(n).collect();
    let p = dir.join("head.jsonl");
    std::fs::write(&p, head.join("\n") + "\n").unwrap();
    p
}

/// `adapt --model MODEL --ink INK --out OUT EXTRA...` with a `--data` directory that does
/// not exist under `dir` (no MNIST before and after: faster): its stdout.
fn adapt_without_mnist(model: &Path, ink: &Path, out: &Path, dir: &Path, extra: &[&str]) -> String {
    let none = dir.join("none");
    let args = [
        "adapt",
        "--model",
        model.to_str().unwrap(),
        "--ink",
        ink.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
        "--data",
        none.to_str().unwrap(),
    ];
    ok(&[&args[..], extra].concat())
}

fn percent(out: &str, prefix: &str) -> f64 {
    let line = out
        .lines()
        .find(|l| l.starts_with(prefix))
        .unwrap_or_else(|| panic!("no line {prefix:?} in\n{out}"));
    let v = line.rsplit(": ").next().unwrap();
    v.split('%').next().unwrap().trim().parse().unwrap()
}

#[test]
fn adapt_learns_writes_a_model_evaluate_reads_and_is_deterministic() {
    let dir = common::tmpdir("adapt-f32");
    let ink = hershey_head(&dir, 140);
    let (m1, m2) = (dir.join("a1.nnet"), dir.join("a2.nnet"));
    let adapt = |out: &Path, extra: &[&str]| {
        let model = Path::new("models/mnist-mlp.nnet");
        adapt_without_mnist(
            model,
            &ink,
            out,
            &dir,
            &[&["--epochs", "3"], extra].concat(),
        )
    };
    let out = adapt(&m1, &[]);
    assert!(out.contains("epoch 3/3: accuracy on the drawings"), "{out}");
    let before = percent(&out, "accuracy before:");
    let after = percent(&out, "accuracy after:");
    assert!(after > before, "{before} -> {after}");
    // the written model answers like the adapted network: evaluate agrees
    let eval = ok(&[
        "evaluate",
        "--model",
        m1.to_str().unwrap(),
        "--ink",
        ink.to_str().unwrap(),
        "--out-dir",
        dir.to_str().unwrap(),
    ]);
    assert_eq!(percent(&eval, "accuracy:"), after, "{eval}");
    // the metadata records the ink file
    let bytes = std::fs::read(&m1).unwrap();
    let model = nnet_core::format::OwnedModel::from_bytes(&bytes).unwrap();
    let sha = host_trainer::fetch::sha256_hex(&std::fs::read(&ink).unwrap());
    assert!(
        model
            .meta
            .notes
            .contains(&format!("sha256 {sha}, 140 drawings")),
        "{}",
        model.meta.notes
    );
    assert!(out.contains(&sha));
    // only the output layer changed
    let shipped = nnet_core::format::OwnedModel::from_bytes(
        &std::fs::read(Path::new(env!("CARGO_MANIFEST_DIR")).join("../models/mnist-mlp.nnet"))
            .unwrap(),
    )
    .unwrap();
    assert_eq!(model.w1, shipped.w1);
    assert_ne!(model.w2, shipped.w2);
    // deterministic: the same run gives the same bytes (the notes hold the
    // command line, so the same --out too)
    std::fs::remove_file(&m1).unwrap();
    adapt(&m1, &[]);
    assert_eq!(std::fs::read(&m1).unwrap(), bytes);
    // another seed takes the drawings in another order
    adapt(&m2, &["--seed", "7"]);
    let other = nnet_core::format::OwnedModel::from_bytes(&std::fs::read(&m2).unwrap()).unwrap();
    assert_ne!(other.w2, model.w2);

    // every layer: the hidden layer changes too
    let out = adapt(&m2, &["--layers", "all"]);
    let m = nnet_core::format::OwnedModel::from_bytes(&std::fs::read(&m2).unwrap()).unwrap();
    assert_ne!(m.w1, shipped.w1);
    assert!(percent(&out, "accuracy after:") > percent(&out, "accuracy before:"));
}

#[test]
fn adapt_int8_reports_the_requantized_file() {
    let dir = common::tmpdir("adapt-i8");
    let ink = hershey_head(&dir, 70);
    let out_m = dir.join("a.nnet");
    let out = adapt_without_mnist(
        Path::new("models/mnist-mlp-i8.nnet"),
        &ink,
        &out_m,
        &dir,
        &[],
    );
    let written = percent(&out, "accuracy after, as written");
    let eval = ok(&[
        "evaluate",
        "--model",
        out_m.to_str().unwrap(),
        "--ink",
        ink.to_str().unwrap(),
        "--out-dir",
        dir.to_str().unwrap(),
    ]);
    assert_eq!(percent(&eval, "accuracy:"), written, "{eval}");
    assert!(out.contains("int8"), "{out}");
    // the file written is an int8 model: the shipped one's hidden layer, an adapted output layer
    let shipped = nnet_core::format::OwnedQuantModel::from_bytes(
        &std::fs::read(Path::new(env!("CARGO_MANIFEST_DIR")).join("../models/mnist-mlp-i8.nnet"))
            .unwrap(),
    )
    .unwrap();
    let adapted = nnet_core::format::OwnedQuantModel::from_bytes(&std::fs::read(&out_m).unwrap())
        .expect("adapt writes an int8 model file for an int8 model");
    assert_eq!(adapted.w1q, shipped.w1q);
    assert_ne!(adapted.w2q, shipped.w2q);
    // all layers: an f32 model only, and --steps (the output layer's) is refused, not ignored
    let all_layers = |model: &str, extra: &[&str]| {
        let args = [
            "adapt",
            "--model",
            model,
            "--ink",
            ink.to_str().unwrap(),
            "--out",
            out_m.to_str().unwrap(),
            "--layers",
            "all",
        ];
        err(&[&args[..], extra].concat())
    };
    let e = all_layers("models/mnist-mlp-i8.nnet", &[]);
    assert!(e.contains("adapting all layers needs an f32 model"), "{e}");
    // said before the drawings and the test split are read (the model alone decides it)
    let e = err(&[
        "adapt",
        "--model",
        "models/mnist-mlp-i8.nnet",
        "--ink",
        "no-such-drawings.jsonl",
        "--out",
        out_m.to_str().unwrap(),
        "--layers",
        "all",
        "--data",
        "no-such-mnist",
    ]);
    assert!(
        e.contains("adapting all layers needs an f32 model") && !e.contains("warning"),
        "{e}"
    );
    let e = all_layers("models/mnist-mlp.nnet", &["--steps", "5"]);
    assert!(e.contains("--steps is for --layers output"), "{e}");
}

/// Every `adapt` puts its record in front of the model's notes ("...; before: NOTES"), so
/// notes grow with each adaptation of an adapted model: they are cut to
/// `format::MAX_NOTES` bytes instead of making the file unwritable once the work is done
/// (and a long data set name to `format::MAX_DATASET`).
#[test]
fn notes_that_grew_too_long_are_cut_not_fatal() {
    use nnet_core::format::{OwnedModel, MAX_NOTES};
    let dir = common::tmpdir("adapt-notes");
    let ink = hershey_head(&dir, 20);
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let mut m = OwnedModel::from_bytes(&std::fs::read(root.join("models/mnist-mlp.nnet")).unwrap())
        .unwrap();
    // as long as a header holds: one more record would not fit
    m.meta.notes = "é".repeat(32_000);
    let long = dir.join("long.nnet");
    std::fs::write(&long, m.to_bytes().unwrap()).unwrap();
    let out_m = dir.join("adapted.nnet");
    adapt_without_mnist(&long, &ink, &out_m, &dir, &[]);
    let adapted = OwnedModel::from_bytes(&std::fs::read(&out_m).unwrap()).unwrap();
    let notes = &adapted.meta.notes;
    assert!(notes.len() <= MAX_NOTES, "{} bytes", notes.len());
    assert!(
        notes.len() > MAX_NOTES - 4,
        "cut far short: {} bytes",
        notes.len()
    );
    assert!(notes.starts_with("adapted on ink "), "{}", &notes[..80]);
    assert!(notes.ends_with("éé…"), "{}", &notes[notes.len() - 20..]);
    // a data set name that leaves no room for the notes' 16 KiB: cut to MAX_DATASET
    m.meta.dataset = "d".repeat(50_000);
    m.meta.notes = "n".repeat(15_000);
    std::fs::write(&long, m.to_bytes().unwrap()).unwrap();
    adapt_without_mnist(&long, &ink, &out_m, &dir, &[]);
    let adapted = OwnedModel::from_bytes(&std::fs::read(&out_m).unwrap()).unwrap();
    let dataset = &adapted.meta.dataset;
    assert!(
        dataset.len() <= nnet_core::format::MAX_DATASET && dataset.ends_with("dd…"),
        "{} bytes",
        dataset.len()
    );
    assert!(adapted.meta.notes.ends_with(&"n".repeat(15_000)));
}

#[test]
fn bad_drawings_and_options_are_clear_errors() {
    let dir = common::tmpdir("adapt-bad");
    let ink = hershey_head(&dir, 3);
    let text = std::fs::read_to_string(&ink).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    let out_m = dir.join("never.nnet");
    let adapt = |file: &Path, extra: &[&str]| {
        let mut a = vec![
            "adapt",
            "--ink",
            file.to_str().unwrap(),
            "--out",
            out_m.to_str().unwrap(),
        ];
        a.extend_from_slice(extra);
        err(&a)
    };
    let unlabelled = dir.join("unlabelled.jsonl");
    let stripped = lines[1].replacen("\"label\":1,", "", 1);
    std::fs::write(&unlabelled, format!("{}\n{stripped}\n", lines[0])).unwrap();
    let e = adapt(&unlabelled, &[]);
    assert!(
        e.contains("unlabelled.jsonl:2: ") && e.contains("no \"label\""),
        "{e}"
    );
    let twelve = dir.join("twelve.jsonl");
    let bad = lines[2].replacen("\"label\":2,", "\"label\":12,", 1);
    std::fs::write(&twelve, format!("{}\n{}\n{bad}\n", lines[0], lines[1])).unwrap();
    let e = adapt(&twelve, &[]);
    assert!(
        e.contains("twelve.jsonl:3: ") && e.contains("label 12 is not a digit"),
        "{e}"
    );
    let e = adapt(&ink, &["--lr", "0"]);
    assert!(e.contains("--lr"), "{e}");
    let e = adapt(&ink, &["--steps", "0"]);
    assert!(e.contains("--steps"), "{e}");
    let e = adapt(&ink, &["--epochs", "0"]);
    assert!(e.contains("--epochs"), "{e}");
    assert!(!out_m.exists(), "a failed run wrote a model");
    let help = String::from_utf8_lossy(&run(&["adapt", "--help"]).stdout).into_owned();
    for word in [
        "--layers", "--epochs", "--seed", "--lr", "--steps", "SHA-256",
    ] {
        assert!(help.contains(word), "help lacks {word}:\n{help}");
    }
}

/// The line `MNIST test accuracy: B% before, A% after (...)` of `adapt`, as (B, A).
fn mnist_before_after(out: &str) -> (f64, f64) {
    let line = out
        .lines()
        .find(|l| l.starts_with("MNIST test accuracy: "))
        .unwrap_or_else(|| panic!("no MNIST line in\n{out}"));
    let nums: Vec<f64> = line
        .split('%')
        .filter_map(|s| s.rsplit(' ').next()?.parse().ok())
        .collect();
    assert_eq!(nums.len(), 2, "{line}");
    (nums[0], nums[1])
}

#[test]
fn adapt_shows_what_it_costs_on_mnist_and_refuses_a_bad_out_before_working() {
    let dir = common::tmpdir("adapt-journey");
    let ink = hershey_head(&dir, 70);
    let ink_s = ink.to_str().unwrap();
    let mnist = common::mnist_dir();
    let data = mnist.to_str().unwrap();
    // the shipped model adapted to the drawings into `out`, with --lr and --epochs
    let adapt = |out: &Path, lr: &str, epochs: &str| {
        let out = out.to_str().unwrap();
        ok(&[
            "adapt",
            "--model",
            "models/mnist-mlp.nnet",
            "--ink",
            ink_s,
            "--out",
            out,
            "--data",
            data,
            "--lr",
            lr,
            "--epochs",
            epochs,
        ])
    };
    // a new directory for --out is made, as `train` makes it
    let out_path = dir.join("new/dir/m.nnet");
    let out = adapt(&out_path, "0.2", "20");
    assert!(out_path.exists());
    // MNIST before (the model it started from, as `evaluate` measures it) and after
    let mnist_accuracy = |model: &str| {
        let out_dir = dir.to_str().unwrap();
        let e = ok(&[
            "evaluate",
            "--model",
            model,
            "--data",
            data,
            "--out-dir",
            out_dir,
        ]);
        percent(&e, "accuracy:")
    };
    let (before, after) = mnist_before_after(&out);
    assert_eq!(before, mnist_accuracy("models/mnist-mlp.nnet"), "{out}");
    assert_eq!(after, mnist_accuracy(out_path.to_str().unwrap()), "{out}");
    // a fall of more than half a point comes with what to do about it (the harder
    // run falls further: one of the two has the note)
    let noted = |out: &str| {
        let (before, after) = mnist_before_after(out);
        let noted = out.contains("note: the adapted model reads MNIST");
        let fell = before - after > 100.0 * host_trainer::adapt::MNIST_DROP_NOTE;
        assert_eq!(noted, fell, "{out}");
        noted
    };
    let harder = adapt(&dir.join("harder.nnet"), "0.5", "50");
    assert!(noted(&out) | noted(&harder), "{out}\n{harder}");

    // --out naming a directory is refused before any work, in one line without a backtrace
    let o = Command::new(env!("CARGO_BIN_EXE_host-trainer"))
        .args([
            "adapt",
            "--model",
            "models/mnist-mlp.nnet",
            "--ink",
            ink_s,
            "--out",
        ])
        .arg(&dir)
        .current_dir(Path::new(env!("CARGO_MANIFEST_DIR")).join(".."))
        .env("RUST_BACKTRACE", "1")
        .output()
        .unwrap();
    assert!(!o.status.success());
    let e = String::from_utf8_lossy(&o.stderr);
    assert_eq!(
        e.trim_end(),
        format!(
            "error: {}: is a directory; --out names the model file to write",
            dir.display()
        )
    );
    assert!(
        !String::from_utf8_lossy(&o.stdout).contains("epoch"),
        "it worked first"
    );

    // evaluate's --out-dir naming a file, or a device, is refused before any work
    for out_dir in [ink_s, "/dev/null"] {
        let e = err(&[
            "evaluate",
            "--model",
            "models/mnist-mlp.nnet",
            "--ink",
            ink_s,
            "--out-dir",
            out_dir,
        ]);
        assert_eq!(
            e.trim_end(),
            format!(
                "error: {out_dir}: is not a directory; --out-dir names the directory the PNGs go to"
            )
        );
    }

    // quantize writes next to --model by default, and never over it
    let q = ok(&[
        "quantize",
        "--model",
        out_path.to_str().unwrap(),
        "--data",
        data,
    ]);
    assert!(dir.join("new/dir/m-i8.nnet").exists(), "{q}");
    let e = err(&[
        "quantize",
        "--model",
        out_path.to_str().unwrap(),
        "--out",
        out_path.to_str().unwrap(),
    ]);
    assert!(
        e.contains("--out names the same file as --model; writing it would destroy that file"),
        "{e}"
    );

    // a dash is no digit to the core: the line is named, with what is wrong with it
    let dash = dir.join("dash.jsonl");
    std::fs::write(
        &dash,
        "{\"label\": 1, \"width\": 280, \"height\": 280, \"strokes\": [[[140, 20], [141, 250]]]}\n\
         {\"label\": 1, \"width\": 280, \"height\": 280, \"strokes\": [[[40, 140], [240, 150]]]}\n",
    )
    .unwrap();
    let e = err(&[
        "adapt",
        "--model",
        "models/mnist-mlp.nnet",
        "--ink",
        dash.to_str().unwrap(),
        "--out",
        dir.join("x.nnet").to_str().unwrap(),
    ]);
    assert!(
        e.contains("dash.jsonl:2: the core reads this drawing as no digit"),
        "{e}"
    );
    assert!(
        e.contains("more than 4 times as wide as it is tall: a dash"),
        "{e}"
    );
}

#[test]
fn files_that_are_not_json_lines_say_so() {
    let dir = common::tmpdir("jsonl-hints");
    let rec = r#"{"label": 1, "width": 280, "height": 280, "strokes": [[[140, 20], [141, 250]]]}"#;
    let write = |name: &str, text: String| {
        let p = dir.join(name);
        std::fs::write(&p, text).unwrap();
        p.to_str().unwrap().to_string()
    };
    let array = write("array.json", format!("[{rec}, {rec}]\n"));
    let e = err(&["predict", &array]);
    assert!(
        e.contains("array.json:1:") && e.contains("not an array of them"),
        "{e}"
    );
    let pretty = write("pretty.jsonl", rec.replace(", ", ",\n  ") + "\n");
    let e = err(&["predict", &pretty]);
    assert!(
        e.contains("pretty.jsonl:1:") && e.contains("pretty-printed record"),
        "{e}"
    );
    let text_label = write(
        "text-label.jsonl",
        rec.replace("\"label\": 1", "\"label\": \"1\"") + "\n",
    );
    let e = err(&["predict", &text_label]);
    assert!(e.contains("\"label\" is a whole number 0..=9"), "{e}");
    // a byte order mark before a record (the first, or one of a file joined on) is not part of it
    let bom = write("bom.jsonl", format!("\u{feff}{rec}\n\u{feff}{rec}\n"));
    let out = ok(&["predict", &bom]);
    assert_eq!(out.matches("digit 1 (").count(), 2, "{out}");
    assert!(
        out.ends_with("labelled drawings: 2 of 2 answered right\n"),
        "{out}"
    );
    // the file's line, and the column in it (not serde's "line 1" of the one line it read)
    let nan = write(
        "nan.jsonl",
        format!("{rec}\n{}\n", rec.replace("141", "NaN")),
    );
    let e = err(&["predict", &nan]);
    assert!(
        e.contains("nan.jsonl:2: expected value at column 68"),
        "{e}"
    );
    assert!(!e.contains("at line"), "{e}");
    // bytes that are not UTF-8 name their line
    let p = dir.join("latin1.jsonl");
    std::fs::write(&p, [rec.as_bytes(), b"\n\xe9t\xe9\n"].concat()).unwrap();
    let e = err(&["predict", p.to_str().unwrap()]);
    assert!(e.contains("latin1.jsonl:2: not UTF-8 text"), "{e}");
    // a line past the bound (a file without line breaks, a device such as /dev/zero)
    // is named as soon as it is read, by every command that reads ink, not held in memory
    let long = write("long.jsonl", format!("{rec}\n{}", "x".repeat(17 << 20)));
    let model = concat!(env!("CARGO_MANIFEST_DIR"), "/../models/mnist-mlp.nnet");
    let out = dir.join("o.nnet");
    let out = out.to_str().unwrap();
    let says = "long.jsonl:2: a line longer than 16 MiB (JSON Lines: one drawing per line)";
    for args in [
        &["predict", &long][..],
        &[
            "evaluate",
            "--model",
            model,
            "--ink",
            &long,
            "--out-dir",
            out,
        ],
        &["adapt", "--model", model, "--ink", &long, "--out", out],
        &["train", "--ink", &long, "--out", out, "--epochs", "1"],
    ] {
        let e = err(args);
        assert!(e.contains(says), "{args:?}: {e}");
    }
}

/// No output option may name an input (by any spelling of its path, or a
/// link to it): the command refuses before any work and the input is kept.
/// And a closed stdout or stderr loses lines, not the run's files.
#[test]
fn outputs_never_overwrite_inputs_and_a_closed_pipe_loses_no_work() {
    let dir = common::tmpdir("not-input");
    let ink = hershey_head(&dir, 70);
    let model = dir.join("m.nnet");
    std::fs::copy(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../models/mnist-mlp.nnet"),
        &model,
    )
    .unwrap();
    let linked = dir.join("linked.nnet");
    std::fs::hard_link(&model, &linked).unwrap();
    let (ink_s, model_s) = (ink.to_str().unwrap(), model.to_str().unwrap());
    let ink_bytes = std::fs::read(&ink).unwrap();
    let model_bytes = std::fs::read(&model).unwrap();
    // another spelling of the same path, and a hard link
    let respelt = dir.join(".").join("m.nnet");
    let respelt_ink = dir.join("x").join("..").join("head.jsonl");
    std::fs::create_dir_all(dir.join("x")).unwrap();
    let trained = dir.join("t.nnet");
    let trained_s = trained.to_str().unwrap();
    let train = ["train", "--data", "data/mnist", "--ink", ink_s, "--out"];
    let cases: Vec<(Vec<&str>, &str)> = vec![
        (
            vec!["adapt", "--model", model_s, "--ink", ink_s, "--out", ink_s],
            "--out names the same file as --ink",
        ),
        (
            vec![
                "adapt",
                "--model",
                model_s,
                "--ink",
                ink_s,
                "--out",
                respelt.to_str().unwrap(),
            ],
            "--out names the same file as --model",
        ),
        (
            vec![
                "quantize",
                "--model",
                model_s,
                "--out",
                linked.to_str().unwrap(),
            ],
            "--out names the same file as --model",
        ),
        (
            vec![
                "predict",
                ink_s,
                "--model",
                model_s,
                "--sheet",
                respelt_ink.to_str().unwrap(),
            ],
            "--sheet names the same file as the input",
        ),
        (
            [&train[..], &[respelt_ink.to_str().unwrap()]].concat(),
            "--out names the same file as --ink",
        ),
        (
            [&train[..], &[trained_s, "--log-json", ink_s]].concat(),
            "--log-json names the same file as --ink",
        ),
    ];
    // the pictures too: evaluate's (named after the model and the set) and train's curve
    let ev = dir.join("ev");
    std::fs::create_dir_all(&ev).unwrap();
    let compared = ev.join("m.head.confusion.png");
    std::fs::copy(&model, &compared).unwrap();
    let curve_ink = dir.join("t.training.png");
    std::fs::copy(&ink, &curve_ink).unwrap();
    let inputs_before = [&compared, &curve_ink].map(|p| std::fs::read(p).unwrap());
    let mut cases = cases;
    cases.push((
        vec![
            "evaluate",
            "--model",
            model_s,
            "--ink",
            ink_s,
            "--out-dir",
            ev.to_str().unwrap(),
            "--compare",
            compared.to_str().unwrap(),
        ],
        "--out-dir names the same file as --compare",
    ));
    cases.push((
        [
            &train[..],
            &[trained_s, "--ink", curve_ink.to_str().unwrap()],
        ]
        .concat(),
        "t.training.png: --out names the same file as --ink",
    ));
    for (args, want) in &cases {
        let e = err(args);
        assert!(e.contains(want), "{args:?}: {e}");
        assert_eq!(e.lines().count(), 1, "{args:?}: {e}");
    }
    assert_eq!(
        std::fs::read(&ink).unwrap(),
        ink_bytes,
        "the ink file changed"
    );
    assert_eq!(
        std::fs::read(&model).unwrap(),
        model_bytes,
        "the model changed"
    );
    assert!(!trained.exists());
    assert_eq!(
        [&compared, &curve_ink].map(|p| std::fs::read(p).unwrap()),
        inputs_before
    );

    // stdout and stderr closed before the first line: the model is still written
    let out = dir.join("piped.nnet");
    // (a pipe whose reading end is closed before the run starts: every write fails)
    let (reader, writer) = std::io::pipe().unwrap();
    drop(reader);
    let status = Command::new(env!("CARGO_BIN_EXE_host-trainer"))
        .args([
            "adapt", "--model", model_s, "--ink", ink_s, "--epochs", "2", "--out",
        ])
        .arg(&out)
        .current_dir(Path::new(env!("CARGO_MANIFEST_DIR")).join(".."))
        .stdout(writer.try_clone().unwrap())
        .stderr(writer)
        .status()
        .unwrap();
    assert!(status.success(), "{status}");
    assert!(
        nnet_core::format::ModelView::parse(&std::fs::read(&out).unwrap()).is_ok(),
        "no valid model written"
    );

    // --out /dev/stdout into a pipe: the whole model comes out, the same weights as into a
    // file (the notes name the path), and the run ends (it read its own output back from
    // the pipe, and waited)
    let to_file = dir.join("file.nnet");
    adapt_without_mnist(&model, &ink, &to_file, &dir, &[]);
    let o = common::output_within(
        Command::new(env!("CARGO_BIN_EXE_host-trainer"))
            .args([
                "adapt",
                "--model",
                model_s,
                "--ink",
                ink_s,
                "--out",
                "/dev/stdout",
                "--data",
            ])
            .arg(dir.join("none")),
        std::time::Duration::from_secs(120),
    );
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let weights = |bytes: &[u8]| {
        let m = nnet_core::format::OwnedModel::from_bytes(bytes).unwrap();
        (m.w1, m.b1, m.w2, m.b2)
    };
    assert!(
        weights(&o.stdout) == weights(&std::fs::read(&to_file).unwrap()),
        "not the adapted model alone on stdout"
    );
    assert!(
        String::from_utf8_lossy(&o.stderr).contains("accuracy after: "),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
}

/// A test split that is there but damaged is an error in `adapt` and `quantize`, before any
/// work, not a test split missing (which only leaves the MNIST accuracy unmeasured).
#[test]
fn a_damaged_test_split_is_an_error_not_a_missing_one() {
    let dir = common::tmpdir("adapt-damaged-data");
    let data = dir.join("data");
    std::fs::create_dir_all(&data).unwrap();
    common::synthetic(&data, 40, 3);
    let labels = data.join("t10k-labels-idx1-ubyte");
    let bytes = std::fs::read(&labels).unwrap();
    std::fs::write(&labels, &bytes[..bytes.len() - 3]).unwrap();
    let ink = hershey_head(&dir, 3);
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let shipped = root.join("models/mnist-mlp.nnet");
    let out = dir.join("never.nnet");
    let (d, o) = (data.to_str().unwrap(), out.to_str().unwrap());
    for args in [
        vec![
            "adapt",
            "--model",
            shipped.to_str().unwrap(),
            "--ink",
            ink.to_str().unwrap(),
            "--out",
            o,
            "--data",
            d,
        ],
        vec![
            "quantize",
            "--model",
            shipped.to_str().unwrap(),
            "--out",
            o,
            "--data",
            d,
        ],
    ] {
        let e = err(&args);
        assert!(
            e.contains("t10k-labels-idx1-ubyte") && !e.contains("warning: no test split"),
            "{args:?}: {e}"
        );
        assert!(!out.exists(), "{args:?} wrote its model");
    }
}

/// A learning rate so high that the drawings learned read worse after adapting is named as
/// the cause; a run that learns them says nothing of the kind.
#[test]
fn a_run_that_unlearns_its_own_drawings_names_the_learning_rate() {
    let dir = common::tmpdir("adapt-diverged");
    let ink = hershey_head(&dir, 20);
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let shipped = root.join("models/mnist-mlp.nnet");
    let out_m = dir.join("adapted.nnet");
    let high = ["--layers", "all", "--lr", "10", "--epochs", "3"];
    let out = adapt_without_mnist(&shipped, &ink, &out_m, &dir, &high);
    assert!(
        percent(&out, "accuracy after:") < percent(&out, "accuracy before:"),
        "{out}"
    );
    assert!(out.contains("the learning rate (10) is too high"), "{out}");
    let out = adapt_without_mnist(&shipped, &ink, &out_m, &dir, &[]);
    assert!(!out.contains("too high"), "{out}");
}
