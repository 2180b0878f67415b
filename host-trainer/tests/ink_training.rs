//! `train --ink`: labelled drawings join the training set (CLI and library),
//! deterministically, and bad files are clear errors naming file and line.
mod common;

use common::run;

use std::path::Path;

use host_trainer::train::train;

/// Deterministic pseudo-random numbers in [0, 1).
fn rnd(state: &mut u64) -> f32 {
    *state ^= *state << 13;
    *state ^= *state >> 7;
    *state ^= *state << 17;
    (*state >> 40) as f32 / (1u64 << 24) as f32
}

/// Shapes the synthetic bars of [`common::synthetic`] never look like: a
/// ring labelled 3 and a plus sign labelled 8, jittered, at varied sizes
/// and positions on a 280x280 surface.
fn write_shapes(path: &Path, n: usize, seed: u64) {
    let mut s = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
    let mut lines = Vec::new();
    for i in 0..n {
        let r = 40.0 + 60.0 * rnd(&mut s);
        let (cx, cy) = (120.0 + 40.0 * rnd(&mut s), 120.0 + 40.0 * rnd(&mut s));
        let mut j = || 3.0 * (rnd(&mut s) - 0.5);
        let (label, strokes) = if i % 2 == 0 {
            let ring: Vec<String> = (0..=24)
                .map(|k| {
                    let a = k as f32 / 24.0 * std::f32::consts::TAU;
                    format!(
                        "[{:.1},{:.1}]",
                        cx + r * a.cos() + j(),
                        cy + r * a.sin() + j()
                    )
                })
                .collect();
            (3, format!("[[{}]]", ring.join(",")))
        } else {
            (
                8,
                format!(
                    "[[[{:.1},{:.1}],[{:.1},{:.1}]],[[{:.1},{:.1}],[{:.1},{:.1}]]]",
                    cx - r + j(),
                    cy + j(),
                    cx + r + j(),
                    cy + j(),
                    cx + j(),
                    cy - r + j(),
                    cx + j(),
                    cy + r + j()
                ),
            )
        };
        lines.push(format!(
            r#"{{"label":{label},"width":280.0,"height":280.0,"strokes":{strokes}}}"#
        ));
    }
    std::fs::write(path, lines.join("\n") + "\n").unwrap();
}

fn accuracy(out: &str) -> f32 {
    let line = out
        .lines()
        .find(|l| l.starts_with("accuracy:"))
        .unwrap_or_else(|| panic!("no accuracy line in {out}"));
    line.trim_start_matches("accuracy:")
        .trim()
        .trim_end_matches('%')
        .parse()
        .unwrap()
}

#[test]
fn ink_drawings_are_learned_from_the_command_line() {
    let d = common::tmpdir("ink-cli");
    common::synthetic(&d, 600, 5);
    let (a, b) = (d.join("a.jsonl"), d.join("b.jsonl"));
    write_shapes(&a, 40, 1);
    write_shapes(&b, 40, 2); // other "writers": other sizes, positions and jitter
    let data = d.to_str().unwrap();
    let train_args = |out: &str, ink: bool| -> Vec<String> {
        let mut v = vec![
            "train",
            "--data",
            data,
            "--out",
            out,
            "--hidden",
            "32",
            "--epochs",
            "4",
            "--quiet",
            "--threads",
            "2",
            "--no-plot",
            "--augment",
        ];
        if ink {
            v.extend(["--ink", a.to_str().unwrap(), "--ink-weight", "10"]);
        }
        v.into_iter().map(String::from).collect()
    };
    let run_s = |v: Vec<String>| run(&v.iter().map(String::as_str).collect::<Vec<_>>());
    let with = d.join("with.nnet");
    let without = d.join("without.nnet");
    for (m, ink) in [(&with, true), (&without, false)] {
        let o = run_s(train_args(m.to_str().unwrap(), ink));
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    }
    let eval = |m: &Path| {
        let o = run(&[
            "evaluate",
            "--model",
            m.to_str().unwrap(),
            "--ink",
            b.to_str().unwrap(),
            "--out-dir",
            data,
        ]);
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        accuracy(&String::from_utf8_lossy(&o.stdout))
    };
    let (acc_with, acc_without) = (eval(&with), eval(&without));
    assert!(
        acc_with >= 90.0 && acc_with > acc_without + 30.0,
        "with --ink {acc_with}%, without {acc_without}%"
    );
    // the same command writes the same bytes
    let first = std::fs::read(&with).unwrap();
    let o = run_s(train_args(with.to_str().unwrap(), true));
    assert!(o.status.success());
    assert!(first == std::fs::read(&with).unwrap(), "model bytes differ");
}

#[test]
fn ink_training_is_deterministic_and_recorded() {
    let d = common::tmpdir("ink-lib");
    common::synthetic(&d, 300, 9);
    let ink = d.join("a.jsonl");
    write_shapes(&ink, 12, 3);
    let mut cfg = common::quick_config(&d, &d.join("a.nnet"));
    cfg.ink = vec![ink.clone(), ink.clone()];
    cfg.ink_weight = 3;
    let a = train(&cfg).unwrap();
    cfg.out = d.join("b.nnet");
    let b = train(&cfg).unwrap();
    assert_eq!(a.model_bytes, b.model_bytes);
    let m = nnet_core::format::OwnedModel::from_bytes(&a.model_bytes).unwrap();
    assert!(
        m.meta.notes.contains("ink_weight=3") && m.meta.notes.contains("12 drawings, sha256 "),
        "{}",
        m.meta.notes
    );
    // the drawings change the model; so does their weight
    cfg.ink_weight = 1;
    let c = train(&cfg).unwrap();
    assert_ne!(a.model_bytes, c.model_bytes);
    cfg.ink.clear();
    let e = train(&cfg).unwrap();
    assert_ne!(c.model_bytes, e.model_bytes);
}

/// The notes record every --ink path: many long ones are cut to `format::MAX_NOTES` bytes
/// rather than making the model file unwritable after the whole run.
#[test]
fn many_long_ink_paths_cut_the_notes_not_the_run() {
    let d = common::tmpdir("ink-notes");
    common::synthetic(&d, 100, 4);
    write_shapes(&d.join("a.jsonl"), 4, 5);
    // the same file by a 4,000-byte name, 20 times: 80 kB of paths
    let long = d.join(format!("{}a.jsonl", "./".repeat(1990)));
    let mut cfg = common::quick_config(&d, &d.join("a.nnet"));
    cfg.ink = vec![long; 20];
    let out = train(&cfg).unwrap();
    let m = nnet_core::format::OwnedModel::from_bytes(&out.model_bytes).unwrap();
    assert!(m.meta.notes.len() <= nnet_core::format::MAX_NOTES);
    assert!(m.meta.notes.ends_with('…') && m.meta.notes.contains("; ink "));
}

#[test]
fn bad_ink_files_are_clear_errors() {
    let d = common::tmpdir("ink-bad");
    common::synthetic(&d, 100, 4);
    let good = r#"{"label":1,"width":280,"height":280,"strokes":[[[140,40],[140,240]]]}"#;
    let cases = [
        (
            "unlabelled.jsonl",
            format!("{good}\n{}\n", good.replace(r#""label":1,"#, "")),
            ":2:",
            "label",
        ),
        (
            "label12.jsonl",
            format!(
                "{good}\n\n{}\n",
                good.replace(r#""label":1"#, r#""label":12"#)
            ),
            ":3:",
            "label 12",
        ),
        (
            "tap.jsonl",
            r#"{"label":4,"width":280,"height":280,"strokes":[[[10,10],[11,10]]]}"#.to_string(),
            ":1:",
            "no digit",
        ),
        ("broken.jsonl", format!("{good}\n{{\"label\":"), ":2:", ""),
        (
            "strokes65.jsonl",
            format!(
                "{{\"label\":1,\"width\":280,\"height\":280,\"strokes\":[{}]}}\n",
                vec!["[[140,40],[140,240]]"; 65].join(",")
            ),
            ":1:",
            "more than 64 strokes",
        ),
        ("empty.jsonl", String::new(), "empty.jsonl", "no drawings"),
    ];
    for (name, text, where_, what) in cases {
        let p = d.join(name);
        std::fs::write(&p, text).unwrap();
        let o = run(&[
            "train",
            "--data",
            d.to_str().unwrap(),
            "--out",
            d.join("x.nnet").to_str().unwrap(),
            "--ink",
            p.to_str().unwrap(),
            "--epochs",
            "1",
            "--hidden",
            "32",
            "--quiet",
        ]);
        assert!(!o.status.success(), "{name} was accepted");
        let err = String::from_utf8_lossy(&o.stderr);
        assert!(
            err.contains(name) && err.contains(where_) && err.contains(what),
            "{name}: {err}"
        );
        assert!(!err.contains("panicked"), "{err}");
    }
    let o = run(&[
        "train",
        "--data",
        d.to_str().unwrap(),
        "--ink",
        d.join("missing.jsonl").to_str().unwrap(),
        "--ink-weight",
        "0",
        "--out",
        d.join("never.nnet").to_str().unwrap(),
    ]);
    assert!(!o.status.success());
    assert!(String::from_utf8_lossy(&o.stderr).contains("--ink-weight"));
    // drawings that, each seen --ink-weight times, would take more memory than the machine
    // has available: refused before anything is made, naming the option (not a run killed
    // by the system halfway)
    if let Some(available) = host_trainer::train::available_memory() {
        let per_drawing = 1000 * 784 * 4 * 3;
        let n = (available / per_drawing) as usize * 3 / 2 + 100;
        let many = d.join("many.jsonl");
        std::fs::write(&many, format!("{good}\n").repeat(n)).unwrap();
        let o = run(&[
            "train",
            "--data",
            d.to_str().unwrap(),
            "--ink",
            many.to_str().unwrap(),
            "--ink-weight",
            "1000",
            "--augment",
            "--epochs",
            "1",
            "--hidden",
            "8",
            "--out",
            d.join("never.nnet").to_str().unwrap(),
        ]);
        let err = String::from_utf8_lossy(&o.stderr);
        assert_eq!(o.status.code(), Some(2), "{err}");
        assert!(
            err.contains("invalid --ink-weight")
                && err.contains(&format!("{} drawing sightings per epoch", n * 1000))
                && err.contains("lower --ink-weight"),
            "{err}"
        );
        assert!(!d.join("never.nnet").exists());
    }
    let o = run(&[
        "train",
        "--data",
        d.to_str().unwrap(),
        "--ink",
        d.join("missing.jsonl").to_str().unwrap(),
        "--out",
        d.join("never.nnet").to_str().unwrap(),
    ]);
    assert!(!o.status.success());
    assert!(String::from_utf8_lossy(&o.stderr).contains("missing.jsonl"));
}

/// `train --augment` adds the built-in digits of the handwriting fonts, as
/// many per MNIST image as --font-digits says; they are recorded in the
/// model's notes, change the model, and stay out without augmentation.
#[test]
fn font_digits_join_augmented_training() {
    let d = common::tmpdir("font-digits");
    common::synthetic(&d, 300, 6);
    // the built-in drawings are the committed file make-inkset writes
    let committed = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("..")
        .join(host_trainer::fontset::TRAINING_PATH);
    let committed = std::fs::read_to_string(committed).unwrap();
    assert!(committed == host_trainer::train::TRAINING_FONTS_JSONL);
    let fonts = host_trainer::train::training_fonts().unwrap();
    let n_fonts = host_trainer::fontset::TRAINING_FONTS.len();
    assert_eq!(fonts.drawings.len(), n_fonts * 10);
    for digit in 0..10u8 {
        let n = fonts.drawings.iter().filter(|x| x.label == digit).count();
        assert_eq!(n, n_fonts, "digit {digit}");
    }
    let mut cfg = common::quick_config(&d, &d.join("a.nnet"));
    cfg.epochs = 1;
    cfg.font_digits = 1.0;
    let with = train(&cfg).unwrap();
    let m = nnet_core::format::OwnedModel::from_bytes(&with.model_bytes).unwrap();
    let recorded = format!(
        "font digits host-trainer/data/training-fonts.jsonl ({} drawings, sha256 {})",
        n_fonts * 10,
        fonts.sha256
    );
    assert!(
        m.meta.notes.contains("font_digits=1") && m.meta.notes.contains(&recorded),
        "{}",
        m.meta.notes
    );
    cfg.font_digits = 0.0;
    let without = train(&cfg).unwrap();
    assert_ne!(with.model_bytes, without.model_bytes);
    let m = nnet_core::format::OwnedModel::from_bytes(&without.model_bytes).unwrap();
    assert!(!m.meta.notes.contains("font digits"), "{}", m.meta.notes);
    // without augmentation the ratio changes nothing
    cfg.augment = None;
    let plain = train(&cfg).unwrap();
    cfg.font_digits = 1.0;
    assert_eq!(plain.model_bytes, train(&cfg).unwrap().model_bytes);
}

/// `host-trainer train` of one epoch and 32 hidden units on the IDX files in `data`, into
/// `out` (2 threads, no picture), with `extra` options.
fn quick_train(data: &Path, out: &Path, extra: &[&str]) -> std::process::Output {
    let mut args = vec![
        "train",
        "--data",
        data.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
        "--hidden",
        "32",
        "--epochs",
        "1",
        "--threads",
        "2",
        "--no-plot",
    ];
    args.extend_from_slice(extra);
    run(&args)
}

/// The command line says how often each font digit is seen:
/// round(ratio * training images / drawings), at least once.
#[test]
fn font_digits_ratio_sets_the_weight_and_bad_ratios_are_errors() {
    let d = common::tmpdir("font-digits-cli");
    common::synthetic(&d, 1000, 8); // 900 training images after the 10% validation split
    let out = d.join("m.nnet");
    let args = |ratio: &str| {
        let ratio = format!("--font-digits={ratio}");
        quick_train(&d, &out, &["--val-split", "0.1", "--augment", &ratio])
    };
    let n_fonts = host_trainer::fontset::TRAINING_FONTS.len();
    let drawings = n_fonts * 10;
    // ratio 2: 1800 font items for 900 images; 0.01: 9, which rounds to 0 times, so once
    let at_two = (2 * 900 + drawings / 2) / drawings;
    assert!(
        at_two > 1,
        "{drawings} drawings: pick a ratio that shows the rounding"
    );
    for (ratio, times) in [("2", at_two), ("0.01", 1)] {
        let o = args(ratio);
        let err = String::from_utf8_lossy(&o.stderr);
        assert!(o.status.success(), "{err}");
        let want = format!(
            "font digits: {drawings} drawings, the digits 0-9 of {n_fonts} handwriting fonts"
        );
        let line = err
            .lines()
            .find(|l| l.contains(&want))
            .unwrap_or_else(|| panic!("no font digits line in {err}"));
        let times = if times == 1 {
            "1 time".to_string()
        } else {
            format!("{times} times")
        };
        assert!(
            line.ends_with(&format!("each seen {times} per epoch")),
            "{line}"
        );
    }
    let o = args("0");
    assert!(o.status.success());
    assert!(!String::from_utf8_lossy(&o.stderr).contains("font digits:"));
    for bad in ["-1", "NaN", "2.5"] {
        let o = args(bad);
        assert!(!o.status.success(), "--font-digits {bad} was accepted");
        let err = String::from_utf8_lossy(&o.stderr);
        assert!(err.contains("--font-digits"), "{bad}: {err}");
        assert!(!err.contains("panicked"), "{err}");
    }
}

/// `--hold-out-fonts N` trains without fold N of the font digits: it says
/// which fonts it leaves out, the notes record it, and a fold that is not one,
/// or a run without font digits, is refused.
#[test]
fn a_font_fold_is_held_out_of_training() {
    let d = common::tmpdir("hold-out-fonts");
    common::synthetic(&d, 300, 9);
    let out = d.join("m.nnet");
    let train_with = |extra: &[&str]| quick_train(&d, &out, extra);
    let specs = host_trainer::fontset::TRAINING_FONTS;
    let folds = host_trainer::fontset::training_font_folds();
    // the help's figures are the folds' (scripts/measure.d/35-writer-validation.sh reads them)
    let help = String::from_utf8_lossy(&run(&["train", "--help"]).stdout).replace("\n", " ");
    let help = help.split_whitespace().collect::<Vec<_>>().join(" ");
    let n_folds = host_trainer::fontset::FONT_FOLDS;
    let designer = host_trainer::fontset::ONE_DESIGNER.len();
    for said in [
        format!(
            "Leave fold N (1 to {n_folds}) of the {} training fonts out",
            specs.len()
        ),
        format!("Fold {n_folds} is the twelve fonts of one designer"),
        format!(
            "folds 1-{} are the other {}, twelve each",
            n_folds - 1,
            specs.len() - designer
        ),
    ] {
        assert!(help.contains(&said), "train --help lacks {said:?}: {help}");
    }
    assert_eq!(designer, 12);
    assert_eq!(specs.len() - designer, 12 * (n_folds - 1));
    let o = train_with(&["--augment"]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let weights = |bytes: &[u8]| {
        let m = nnet_core::format::OwnedModel::from_bytes(bytes).unwrap();
        (m.w1, m.b1, m.w2, m.b2)
    };
    let all = weights(&std::fs::read(&out).unwrap());
    for n in 1..=host_trainer::fontset::FONT_FOLDS {
        let o = train_with(&["--augment", "--hold-out-fonts", &n.to_string()]);
        let err = String::from_utf8_lossy(&o.stderr);
        assert!(o.status.success(), "{err}");
        let names: Vec<&str> = specs
            .iter()
            .zip(&folds)
            .filter(|(_, &f)| f == n)
            .map(|(s, _)| s.name)
            .collect();
        let kept = (specs.len() - names.len()) * 10;
        assert!(
            err.contains(&format!(
                "font digits: {kept} drawings, the digits 0-9 of {} handwriting fonts",
                specs.len() - names.len()
            )),
            "{err}"
        );
        assert!(
            err.contains(&format!(
                "held out: font fold {n} of 5, {} fonts ({})",
                names.len(),
                names.join(", ")
            )),
            "{err}"
        );
        let bytes = std::fs::read(&out).unwrap();
        // the weights, not just the notes, differ
        assert!(weights(&bytes) != all, "fold {n} trained the same weights");
        let m = nnet_core::format::OwnedModel::from_bytes(&bytes).unwrap();
        assert!(
            m.meta.notes.contains(&format!("hold_out_fonts={n}"))
                && m.meta.notes.contains(&format!("({kept} drawings, sha256")),
            "{}",
            m.meta.notes
        );
    }
    for (extra, says) in [
        (
            &["--augment", "--hold-out-fonts", "0"][..],
            "must be in 1..=5",
        ),
        (
            &["--augment", "--hold-out-fonts", "6"][..],
            "must be in 1..=5",
        ),
        (
            &["--augment", "--font-digits", "0", "--hold-out-fonts", "1"][..],
            "has nothing to leave out",
        ),
        (&["--hold-out-fonts", "1"][..], "--augment"),
    ] {
        std::fs::remove_file(&out).ok();
        let o = train_with(extra);
        let err = String::from_utf8_lossy(&o.stderr);
        assert!(!o.status.success(), "{extra:?} was accepted");
        assert!(
            err.contains("--hold-out-fonts") && err.contains(says),
            "{extra:?}: {err}"
        );
        assert!(!out.exists(), "{extra:?} wrote a model");
    }
}
