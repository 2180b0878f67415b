//! The desktop simulator's command line: bad ink and option combinations it
//! cannot honour are errors that say why (exit status 1 or clap's 2), never a
//! panic or a silently ignored option; and its output files are written all
//! together or not at all.
#![cfg(feature = "simulator")]

use std::path::{Path, PathBuf};
use std::process::Command;

/// Runs the simulator with `args`, which must fail with exit status `code`; returns its
/// standard error.
fn refused_with(code: i32, args: &[&str]) -> String {
    let (status, err) = failed(args);
    assert_eq!(status, Some(code), "{args:?}: {err}");
    // a mistake on the command line is said as clap says its own, with where to look
    assert_eq!(
        code == 2,
        err.contains("For more information, try '--help'."),
        "{args:?}: {err}"
    );
    assert!(!err.contains("Usage: firmware"), "{args:?}: {err}");
    err
}

/// Runs the simulator with `args`, which must fail; returns its standard error.
fn refused(args: &[&str]) -> String {
    failed(args).1
}

/// Runs the simulator with `args`, which must fail with a one-line error and no panic;
/// returns its exit status and standard error.
fn failed(args: &[&str]) -> (Option<i32>, String) {
    // (a backtrace asked for: an error is still the one line a user reads)
    let o = Command::new(env!("CARGO_BIN_EXE_simulator"))
        .args(args)
        .env("RUST_BACKTRACE", "1")
        .output()
        .expect("run the simulator");
    let err = String::from_utf8_lossy(&o.stderr).into_owned();
    assert!(!o.status.success(), "{args:?} succeeded");
    assert!(!err.contains("panicked"), "{args:?}: {err}");
    assert!(
        err.starts_with("error: ") && !err.contains("backtrace"),
        "{args:?}: {err}"
    );
    (o.status.code(), err)
}

/// Runs the simulator with `args`, which must succeed; returns its standard output.
fn ran(args: &[&str]) -> String {
    let o = Command::new(env!("CARGO_BIN_EXE_simulator"))
        .args(args)
        .output()
        .expect("run the simulator");
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(o.status.success(), "{args:?}: {err}");
    String::from_utf8_lossy(&o.stdout).into_owned()
}

/// A new empty directory for one test.
fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("nnet-sim-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

/// The names in `dir`, sorted.
fn names(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
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
    assert!(refused_with(2, &["--hold-clear"]).contains("need a drawing"));
    assert!(refused_with(2, &["--png", "x.png"]).contains("need something to draw"));
    assert!(refused_with(2, &["--script", "6"]).contains("'--script <N>': 6 is not in 0..6"));
    // found before the outputs are looked at
    let e = refused_with(2, &["--script", "9", "--png", "/no/such/dir/x.png"]);
    assert!(e.contains("9 is not in 0..6"), "{e}");
    // the polls of a keypad tap or a Clear hold are not in --polls: the frame would not follow
    for also in ["--keypad", "--hold-clear"] {
        let e = refused_with(2, &["--script", "0", "--polls", "p.json", also]);
        assert!(e.contains("cannot be used with"), "{e}");
    }
    // a mistake in the ink is not one on the command line
    std::fs::write(ink, format!("{good}\n")).unwrap();
    assert!(refused_with(1, &["--ink", ink, "--index", "1"]).contains("no record --index 1"));
    std::fs::remove_dir_all(&dir).unwrap();
}

/// A closed standard output (`| head`) loses the lines, not the run: no panic.
#[test]
fn a_closed_stdout_is_not_a_panic() {
    use std::process::Stdio;
    // the reading end is closed before the simulator starts: every write fails
    let (reader, writer) = std::io::pipe().unwrap();
    drop(reader);
    let o = Command::new(env!("CARGO_BIN_EXE_simulator"))
        .args(["--script", "0", "--teach", "3"])
        .stdout(writer)
        .stderr(Stdio::piped())
        .output()
        .expect("run the simulator");
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(o.status.success() && !err.contains("panicked"), "{err}");
}

/// `--scale` magnifies the PNG and the window only: without either it is refused, not ignored.
#[test]
fn scale_without_a_picture_to_scale_is_refused() {
    let dir = scratch("scale");
    let (raw, png) = (dir.join("f.rgb565"), dir.join("f.png"));
    let (r, p) = (s(&raw), s(&png));
    assert!(refused(&["--ui-hashes", "--scale", "5"]).contains("cannot be used with"));
    // --index belongs to --ink: not silently ignored beside --ui-hashes
    assert!(refused(&["--ui-hashes", "--index", "3"]).contains("cannot be used with"));
    for args in [
        &["--script", "0", "--raw", r, "--scale", "4"][..],
        &["--script", "0", "--scale", "4"],
        &[
            "--script", "1", "--teach", "3", "--polls", r, "--scale", "4",
        ],
    ] {
        let e = refused_with(2, args);
        let says = "--scale 4: only the --png picture";
        assert!(e.contains(says), "{args:?}: {e}");
    }
    assert!(names(&dir).is_empty(), "nothing written: {:?}", names(&dir));
    // with --png it scales the picture
    ran(&["--script", "0", "--raw", r, "--png", p, "--scale", "2"]);
    let bytes = std::fs::read(&png).unwrap();
    let width = u32::from_be_bytes(bytes[16..20].try_into().unwrap());
    assert_eq!(width, 2 * 240);
    assert_eq!(std::fs::metadata(&raw).unwrap().len(), 240 * 320 * 2);
    std::fs::remove_dir_all(&dir).unwrap();
}

/// An output that cannot be written (here a link that leads back to itself) fails the
/// run before any output is written or changed, those named before it too.
#[cfg(unix)]
#[test]
fn an_output_that_cannot_be_written_leaves_every_output_as_it_was() {
    use std::os::unix::fs::symlink;
    let dir = scratch("all-or-none");
    let (polls, png, raw) = (dir.join("p.json"), dir.join("p.png"), dir.join("p.rgb565"));
    let (loop_png, loop_raw) = (dir.join("loop.png"), dir.join("loop.raw"));
    symlink("loop.png", &loop_png).unwrap();
    symlink("loop.raw", &loop_raw).unwrap();
    std::fs::write(&polls, "old").unwrap();
    let e = refused(&["--script", "0", "--polls", s(&polls), "--png", s(&loop_png)]);
    assert!(e.contains("loop.png"), "{e}");
    assert_eq!(std::fs::read_to_string(&polls).unwrap(), "old");
    let e = refused(&["--script", "0", "--png", s(&png), "--raw", s(&loop_raw)]);
    assert!(e.contains("loop.raw"), "{e}");
    // no file made, none left behind
    assert_eq!(names(&dir), ["loop.png", "loop.raw", "p.json"]);
    // all of them when all can be written; through a link, the file it names
    let to_raw = dir.join("to-raw");
    symlink("p.rgb565", &to_raw).unwrap();
    let (j, p, r) = (s(&polls), s(&png), s(&to_raw));
    let out = ran(&["--script", "0", "--polls", j, "--png", p, "--raw", r]);
    for path in [&polls, &png, &to_raw] {
        assert!(out.contains(&format!("wrote {}", path.display())), "{out}");
    }
    let json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&polls).unwrap()).unwrap();
    assert_eq!(json["script"], 0);
    assert!(std::fs::read(&png)
        .unwrap()
        .starts_with(b"\x89PNG\r\n\x1a\n"));
    assert_eq!(std::fs::metadata(&raw).unwrap().len(), 240 * 320 * 2);
    assert!(std::fs::symlink_metadata(&to_raw)
        .unwrap()
        .file_type()
        .is_symlink());
    assert_eq!(
        names(&dir),
        ["loop.png", "loop.raw", "p.json", "p.png", "p.rgb565", "to-raw"]
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

/// A special file (a pipe here; `/dev/null` alike) is written into, not replaced by a file.
#[cfg(unix)]
#[test]
fn a_pipe_as_an_output_is_written_into() {
    use std::os::unix::fs::FileTypeExt;
    use std::process::Stdio;
    let dir = scratch("pipe");
    let (pipe, png) = (dir.join("frame.pipe"), dir.join("p.png"));
    let made = Command::new("mkfifo").arg(&pipe).status();
    assert!(
        made.is_ok_and(|s| s.success()),
        "mkfifo (coreutils) makes the pipe"
    );
    let mut cat = Command::new("cat")
        .arg(&pipe)
        .stdout(Stdio::piped())
        .spawn()
        .expect("run cat");
    let o = Command::new(env!("CARGO_BIN_EXE_simulator"))
        .args(["--script", "0", "--raw", s(&pipe), "--png", s(&png)])
        .output()
        .expect("run the simulator");
    // a simulator that replaced the pipe with a file leaves cat waiting on the old one: cat
    // gets 10 s after the simulator's end to finish, then it is stopped and the test fails
    let mut out = cat.stdout.take().unwrap();
    let reader = std::thread::spawn(move || {
        let mut bytes = Vec::new();
        std::io::Read::read_to_end(&mut out, &mut bytes).map(|_| bytes)
    });
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    while cat.try_wait().unwrap().is_none() && std::time::Instant::now() < deadline {
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    let finished = cat.try_wait().unwrap().is_some();
    if !finished {
        let _ = cat.kill();
        let _ = cat.wait();
    }
    let read = reader.join().unwrap().unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert!(
        finished,
        "cat still waited on the pipe 10 s after the simulator ended"
    );
    assert_eq!(read.len(), 240 * 320 * 2);
    let kind = std::fs::symlink_metadata(&pipe).unwrap().file_type();
    assert!(kind.is_fifo());
    assert!(png.is_file());
    std::fs::remove_dir_all(&dir).unwrap();
}

/// An ink file without line breaks is refused at its bound, not read whole into memory.
#[test]
fn an_ink_line_past_the_bound_is_refused() {
    let dir = scratch("long-line");
    let ink = dir.join("one-line.jsonl");
    std::fs::write(&ink, vec![b' '; (16 << 20) + 10]).unwrap();
    let e = refused(&["--ink", s(&ink)]);
    assert!(
        e.contains("one-line.jsonl:1: a line longer than 16 MiB"),
        "{e}"
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

/// `/dev/stdout` as an output, with the standard output a pipe (`| wc -c`): the frame goes
/// down the pipe, where the system's links lead.
#[cfg(unix)]
#[test]
fn an_output_on_the_standard_output_pipe_is_written() {
    let o = Command::new(env!("CARGO_BIN_EXE_simulator"))
        .args(["--script", "0", "--raw", "/dev/stdout"])
        .output()
        .expect("run the simulator");
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(o.status.success(), "{err}");
    // the frame alone: the report went to the standard error
    assert_eq!(o.stdout.len(), 240 * 320 * 2);
    assert!(
        err.contains("script 0: drawn digit") && err.contains("wrote /dev/stdout"),
        "{err}"
    );
    let o = Command::new(env!("CARGO_BIN_EXE_simulator"))
        .args(["--script", "0", "--teach", "3", "--polls", "/dev/stdout"])
        .output()
        .expect("run the simulator");
    let polls: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap_or_else(|e| {
        panic!("{e}: {}", String::from_utf8_lossy(&o.stdout));
    });
    assert_eq!(polls["teach"]["label"], 3);
}

/// An output that is the file the standard output was sent to is written through it, as
/// the shell set it up: after what `>>` keeps, by name or as `/dev/stdout`, and the report
/// goes to the standard error (it used to replace the file, and the report went to the
/// file it replaced, or into the output).
#[cfg(unix)]
#[test]
fn an_output_on_a_redirected_standard_output_is_written_through_it() {
    let dir = scratch("stdout-file");
    let log = dir.join("log.png");
    for (i, name) in ["/dev/stdout", s(&log)].into_iter().enumerate() {
        std::fs::write(&log, b"kept\n").unwrap();
        let o = Command::new("sh")
            .args(["-c", "exec \"$0\" --script 1 --png \"$1\" >> \"$2\""])
            .args([env!("CARGO_BIN_EXE_simulator"), name, s(&log)])
            .output()
            .unwrap();
        let err = String::from_utf8_lossy(&o.stderr);
        assert!(o.status.success(), "{name}: {err}");
        assert!(
            err.contains("recognised: ") && err.contains("wrote"),
            "{err}"
        );
        let bytes = std::fs::read(&log).unwrap();
        assert!(
            bytes.starts_with(b"kept\n\x89PNG") && bytes.len() > 1000,
            "{name}: {:?}",
            &bytes[..bytes.len().min(12)]
        );
        assert_eq!(names(&dir), ["log.png"], "run {i}");
    }
    std::fs::remove_dir_all(&dir).unwrap();
}

/// An output name as long as a directory takes (255 bytes) is written: the temporary file
/// beside it has a short name.
#[test]
fn an_output_with_the_longest_name_is_written() {
    let dir = scratch("long-name");
    let png = dir.join(format!("{}.png", "a".repeat(251)));
    ran(&["--script", "0", "--png", s(&png)]);
    assert!(std::fs::read(&png).unwrap().starts_with(b"\x89PNG"));
    assert_eq!(names(&dir).len(), 1);
    std::fs::remove_dir_all(&dir).unwrap();
}
