//! The desktop simulator's command line: bad ink and option combinations it
//! cannot honour are errors that say why (exit status 1 or clap's 2), never a
//! panic or a silently ignored option.
#![cfg(feature = "simulator")]

use std::process::Command;

/// Runs the simulator with `args`, which must fail; returns its standard error.
fn refused(args: &[&str]) -> String {
    let o = Command::new(env!("CARGO_BIN_EXE_simulator"))
        .args(args)
        .output()
        .expect("run the simulator");
    let err = String::from_utf8_lossy(&o.stderr).into_owned();
    assert!(!o.status.success(), "{args:?} succeeded");
    assert!(!err.contains("panicked"), "{args:?}: {err}");
    err
}

#[test]
fn bad_ink_and_ignored_options_are_refused() {
    let dir = std::env::temp_dir().join(format!("nnet-sim-cli-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    // the ink rule of every reader (nnet_core::ink), and labels 0..=9
    let cases = [
        (
            r#"{"width": 280, "height": 280, "strokes": [[[140, 140], [1e9, 140]]]}"#,
            "far outside the 280x280 surface",
        ),
        (
            r#"{"width": 1e-30, "height": 1, "strokes": [[[0, 0], [1, 1]]]}"#,
            "far outside the",
        ),
        (
            r#"{"width": 0, "height": 280, "strokes": [[[0, 0], [1, 1]]]}"#,
            "are not a drawing surface",
        ),
        (
            r#"{"label": 12, "width": 280, "height": 280, "strokes": [[[10, 10], [100, 100]]]}"#,
            "label 12 is not a digit",
        ),
    ];
    let ink = dir.join("ink.jsonl");
    let ink = ink.to_str().unwrap();
    for (line, says) in cases {
        std::fs::write(ink, format!("{line}\n")).unwrap();
        let e = refused(&["--ink", ink]);
        assert!(e.contains(says), "{line}: {e}");
    }
    // a line that is not UTF-8 is named by its number
    let good = r#"{"width": 280, "height": 280, "strokes": [[[10, 10], [100, 100]]]}"#;
    let mut bytes = format!("{good}\n").into_bytes();
    bytes.extend_from_slice(b"{\"width\": 280, \"note\": \"\xff\"}\n");
    std::fs::write(ink, bytes).unwrap();
    let e = refused(&["--ink", ink, "--index", "1"]);
    assert!(e.contains(&format!("{ink}:2: not UTF-8")), "{e}");
    // options that only mean something with another one
    assert!(refused(&["--ink", ink, "--polls", "p.json"]).contains("cannot be used with"));
    assert!(refused(&["--script", "2", "--index", "7"]).contains("cannot be used with"));
    assert!(refused(&["--ui-hashes", "--teach", "3"]).contains("cannot be used with"));
    assert!(refused(&["--hold-clear"]).contains("need a drawing"));
    std::fs::remove_dir_all(&dir).unwrap();
}

/// A closed standard output (`| head`) loses the lines, not the run: no panic.
#[test]
fn a_closed_stdout_is_not_a_panic() {
    use std::process::Stdio;
    let mut child = Command::new(env!("CARGO_BIN_EXE_simulator"))
        .args(["--script", "0", "--teach", "3"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run the simulator");
    // the reading end is closed before the simulator has drawn, let alone printed
    drop(child.stdout.take());
    let o = child.wait_with_output().unwrap();
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(o.status.success() && !err.contains("panicked"), "{err}");
}
