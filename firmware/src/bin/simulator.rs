//! Desktop simulator of the nnet touchscreen firmware: the SAME app code as the
//! board (touch filter, strokes, recognition with the embedded model, UI) on a
//! 240x320 embedded-graphics-simulator display.
//!
//! ```text
//! simulator                                   interactive window, the mouse is the finger (feature `sdl`)
//! simulator --ink FILE.jsonl --png OUT.png [--index N]   play one ink record (JSON Lines), save the frame
//! simulator --script N [--png OUT.png] [--raw OUT.rgb565] [--polls OUT.json]
//!                                             play scripted digit N (firmware::script)
//! simulator --ui-hashes                       print the FNV-1a 64 hash of every UI state's frame
//! ... --teach D                               then teach the drawing as digit D (tap the digit, tap key D)
//!                                             and print it as the boards log it (`ink {...}`)
//! ... --keypad                                then open the teaching keypad (tap the digit)
//! ... --hold-clear                            then hold the Clear button until it says "Forget learned"
//! ```
//!
//! `--ui-hashes` draws each state of `firmware::script::ui_states` on the
//! simulator's display and prints `NAME HASH` lines in the format of
//! `firmware/tests/data/ui-golden.txt`, which CI compares them with.
//!
//! `--raw` writes the frame as 240*320 RGB565 little-endian values, row-major:
//! the format of the QEMU self-test's frame, for pixel-for-pixel comparison.
//! `--polls` writes the script as the touch polls the app was fed, for a
//! touch-screen model that replays them to a board (the Pico emulation):
//! `{"script": N, "digit": D, "recognised": R or null, "clear_button": [x, y],
//! "forget_hold_polls": F, "polls": [[x, y] or null, ...]}` (`null` = pen up; R is what this
//! build's model answered; F the fewest polls the Clear button must be held for a release to
//! forget what the network learned);
//! with `--teach T` also `"teach": {"label": T, "polls": [...], "recognised": R2, "ink": LINE}`,
//! the polls of the correction, the answer after it and the drawing as the boards log it
//! (`--raw` then writes the frame after it).
//!
//! An output that is the standard output (`--raw /dev/stdout | ...`, `--png /dev/stdout >
//! frame.png`) is written to it as the shell set it up (appended after `>>`), and the lines
//! that report the run then go to the standard error, so that the output stays whole.
//!
//! The outputs are made first and written together at the end, each whole: when
//! one cannot be written (its directory is read-only, its name a loop of links,
//! the disk full) the run fails and none is written or changed. Two cases are
//! not undone: an output written in place (a device, a pipe, a file in a
//! read-only directory) fails part-way, or a rename fails after others were
//! made (the files renamed before it stay new).
use std::fs;
use std::io::{self, BufRead, BufReader, Write as _};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};

use anyhow::{bail, ensure, Context, Result};
use clap::Parser;
use embedded_graphics::pixelcolor::Rgb565;
use embedded_graphics::prelude::*;
use embedded_graphics_simulator::{OutputSettingsBuilder, SimulatorDisplay};
use firmware::app::{App, Status};
use firmware::framebuffer::{fnv1a64, Framebuffer};
use firmware::inklog::InkLine;
use firmware::model::{self, Adapted};
use firmware::script::{self, DIGIT_SCRIPTS};
use firmware::ui::{CLEAR_BUTTON, DIGIT_BOX, DRAW_AREA, HEIGHT, WIDTH};
use nnet_core::ink::{InkRecord, MAX_LINE_BYTES};

/// Command line of the simulator.
#[derive(Parser, Debug)]
#[command(
    name = "simulator",
    about = "Desktop simulator of the nnet digit-recognizer firmware (240x320 touchscreen)",
    long_about = "Desktop simulator of the nnet digit-recognizer firmware (240x320 touchscreen), \
                  with the model the firmware embeds. With --ink, --script or --ui-hashes it runs \
                  headless; without them it opens a window (a build with --features sdl)."
)]
struct Args {
    /// Play the strokes of an ink JSON Lines file (headless).
    #[arg(long, value_name = "FILE.jsonl", conflicts_with = "script")]
    ink: Option<PathBuf>,
    /// Which record of the --ink file to play, counted from 0 (blank lines skipped): what
    /// `host-trainer predict` calls drawing N is --index N-1.
    #[arg(long, default_value_t = 0, requires = "ink", conflicts_with = "script")]
    index: usize,
    /// Play scripted drawing N (0..=5) of firmware::script::DIGIT_SCRIPTS (headless); the
    /// line it prints names the digit the script draws.
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u8).range(0..DIGIT_SCRIPTS.len() as i64))]
    script: Option<u8>,
    /// Save the final frame as PNG.
    #[arg(long, value_name = "OUT.png")]
    png: Option<PathBuf>,
    /// Save the final frame as raw RGB565 little-endian (240*320*2 bytes).
    #[arg(long, value_name = "OUT.rgb565")]
    raw: Option<PathBuf>,
    /// Save the touch polls of --script N (and what was recognised) as JSON: with --teach,
    /// also the correction's (not with --keypad or --hold-clear, whose taps it does not hold).
    #[arg(
        long,
        value_name = "OUT.json",
        requires = "script",
        conflicts_with_all = ["ink", "keypad", "hold_clear"]
    )]
    polls: Option<PathBuf>,
    /// Print the hash of the frame of every UI state (empty, drawing, each
    /// scripted result) as drawn on the simulator's display, one `NAME HASH`
    /// line each: the format of firmware/tests/data/ui-golden.txt.
    #[arg(long, conflicts_with_all = ["ink", "index", "script", "png", "raw", "polls", "teach", "keypad", "hold_clear", "scale"])]
    ui_hashes: bool,
    /// After playing --ink or --script, teach the network that the drawing is
    /// digit D, as a user does on the board (tap the shown digit, then key D),
    /// and report its new answer.
    #[arg(long, value_name = "D", value_parser = clap::value_parser!(u8).range(0..=9))]
    teach: Option<u8>,
    /// After playing --ink or --script, open the teaching keypad (tap the
    /// shown digit), e.g. to save a picture of it with --png.
    #[arg(long, conflicts_with = "teach")]
    keypad: bool,
    /// At the end, hold the Clear button for as long as a release would make
    /// the network forget what it learned (it then says "Forget learned";
    /// after --teach), e.g. to save a picture of it with --png.
    #[arg(long, conflicts_with = "keypad")]
    hold_clear: bool,
    /// Pixel magnification of the PNG (1..=8, 1 if not given) and of the window (at least
    /// 2); --raw is always 240x320, so --scale needs --png or the window.
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u32).range(1..=8))]
    scale: Option<u32>,
}

/// Set when an output is the standard output: the report lines then go to the standard error.
static REPORT_TO_STDERR: AtomicBool = AtomicBool::new(false);

/// `print!` of a report line, to the standard output (the standard error when an output is
/// written there: [`REPORT_TO_STDERR`]); the line is lost, not the run, when it is closed
/// (`| head`).
macro_rules! say_part {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        if REPORT_TO_STDERR.load(Ordering::Relaxed) {
            let _ = write!(std::io::stderr().lock(), $($arg)*);
        } else {
            let mut out = std::io::stdout().lock();
            let _ = write!(out, $($arg)*);
            let _ = out.flush();
        }
    }};
}

/// `println!`, as `say_part!` does it.
macro_rules! say {
    ($($arg:tt)*) => {{
        say_part!("{}\n", format_args!($($arg)*));
    }};
}

/// `eprintln!`, as `say!` does it.
macro_rules! say_err {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        let _ = writeln!(std::io::stderr().lock(), $($arg)*);
    }};
}

/// Runs the simulator; an error is one line, `error: ` and its causes (no backtrace,
/// whatever RUST_BACKTRACE says), and exit status 1; a mistake on the command line is
/// clap's error, exit status 2 ([`ensure_usage!`] for those clap's rules do not catch).
fn main() -> std::process::ExitCode {
    match run() {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            let _ = writeln!(io::stderr(), "error: {e:#}");
            std::process::ExitCode::FAILURE
        }
    }
}

/// Exits as clap does for a mistake on the command line (its message, the usage line,
/// exit status 2) unless `$cond`; the message is formatted as by `format!`.
macro_rules! ensure_usage {
    ($cond:expr, $($arg:tt)*) => {
        if !$cond {
            use clap::CommandFactory as _;
            Args::command()
                .error(clap::error::ErrorKind::ArgumentConflict, format!($($arg)*))
                .exit();
        }
    };
}

fn run() -> Result<()> {
    let args = Args::parse();
    check_scale(&args)?;
    let net = model::adapted().context("the embedded model does not load")?;
    if args.ui_hashes {
        say_part!("{}", ui_hashes(&net));
        return Ok(());
    }
    check_outputs(&args)?;
    let mut app = App::learning(net);
    // the played script's touch polls (--script), for --polls
    let mut polls = None;
    // what the outputs hold, written together at the end
    let mut outputs = Vec::new();
    match (&args.ink, args.script) {
        (Some(path), _) => {
            let record = read_record(path, args.index)?;
            play_record(&mut app, &record);
            if let Some(label) = record.label {
                say!("label: {label}");
            }
        }
        (None, Some(n)) => {
            let n = usize::from(n);
            let s = &DIGIT_SCRIPTS[n];
            script::play(&mut app, s);
            say!("script {n}: drawn digit {}", s.digit);
            polls = Some(polls_json(n, s, &app));
        }
        (None, None) => {
            ensure_usage!(
                args.png.is_none() && args.raw.is_none(),
                "--png/--raw need something to draw: --ink FILE or --script N"
            );
            ensure_usage!(
                args.teach.is_none() && !args.keypad && !args.hold_clear,
                "--teach/--keypad/--hold-clear need a drawing: --ink FILE or --script N"
            );
            return interactive(app, args.scale.unwrap_or(1));
        }
    }
    let taught = match args.teach {
        Some(label) => {
            report(&app);
            Some((label, teach(&mut app, label)?))
        }
        None => None,
    };
    if let (Some(path), Some(mut json)) = (&args.polls, polls) {
        if let Some((label, teach_polls)) = &taught {
            json["teach"] = teach_json(*label, teach_polls, &app);
        }
        outputs.push(Output {
            path,
            bytes: json.to_string().into_bytes(),
        });
    }
    if let Some((label, _)) = taught {
        say!("ink {}", ink_line(&app));
        say_part!("taught {label}: ");
    }
    if args.keypad {
        ensure_shows_digit(&app)?;
        script::tap(&mut app, DIGIT_BOX.center());
    }
    report(&app);
    if args.hold_clear {
        for _ in 0..forget_hold_polls(&app) {
            app.touch(Some(CLEAR_BUTTON.center()));
        }
        let forget = app.view().forget;
        say!(
            "holding Clear: {}",
            if forget {
                "\"Forget learned\""
            } else {
                "\"Clear\" (nothing learned to forget)"
            }
        );
    }
    if let Some(png) = &args.png {
        outputs.push(Output {
            path: png,
            bytes: png_bytes(&app, args.scale.unwrap_or(1))?,
        });
    }
    if let Some(raw) = &args.raw {
        let mut fb = Box::new(Framebuffer::new());
        let Ok(()) = app.draw(&mut *fb);
        outputs.push(Output {
            path: raw,
            bytes: fb.as_bytes().to_vec(),
        });
    }
    write_outputs(&outputs)?;
    for o in &outputs {
        say!("wrote {}", o.path.display());
    }
    Ok(())
}

/// `--scale` magnifies the PNG and the window, nothing else: given without
/// either (headless without `--png`), it is an error, not ignored.
fn check_scale(args: &Args) -> Result<()> {
    let Some(scale) = args.scale else {
        return Ok(());
    };
    let window = args.ink.is_none() && args.script.is_none() && !args.ui_hashes;
    ensure_usage!(
        args.png.is_some() || window,
        "--scale {scale}: only the --png picture and the window are scaled \
         (--raw is always 240x320): give --png OUT.png, or no --scale"
    );
    Ok(())
}

/// An output file and its bytes, made before any output is written.
struct Output<'a> {
    path: &'a Path,
    bytes: Vec<u8>,
}

/// How an output is written.
enum Target {
    /// A regular file, or none yet: the bytes are in `temp`, beside `dest`
    /// (the file the output's links lead to), which a rename replaces.
    Replace { temp: PathBuf, dest: PathBuf },
    /// A file opened for writing, written where it is: one that is not a regular
    /// file (`/dev/null`, a pipe), or a regular file that can be written but not
    /// replaced (its directory is read-only), which is then `truncate`d first.
    InPlace { file: fs::File, truncate: bool },
    /// The standard output ([`is_stdout`]), written through it.
    Stdout,
}

/// The temporary files not renamed yet, removed when dropped.
struct Temps(Vec<PathBuf>);

impl Drop for Temps {
    fn drop(&mut self) {
        for temp in &self.0 {
            let _ = fs::remove_file(temp);
        }
    }
}

/// Writes every output whole, or none (see the module docs): first each
/// output's bytes into a new file beside the file it replaces (a special file
/// is only opened), then the files written in place, then the renames. An
/// error before the renames leaves every output as it was, unless it comes
/// while a file is written in place.
fn write_outputs(outputs: &[Output<'_>]) -> Result<()> {
    let writing = |o: &Output<'_>| format!("writing {}", o.path.display());
    let mut temps = Temps(Vec::new());
    let mut targets = Vec::with_capacity(outputs.len());
    for o in outputs {
        targets.push(stage(o, &mut temps).with_context(|| writing(o))?);
    }
    for (o, target) in outputs.iter().zip(&mut targets) {
        match target {
            Target::InPlace { file, truncate } => {
                if *truncate {
                    file.set_len(0).with_context(|| writing(o))?;
                }
                file.write_all(&o.bytes).with_context(|| writing(o))?;
            }
            Target::Stdout => {
                let mut out = io::stdout().lock();
                out.write_all(&o.bytes)
                    .and_then(|()| out.flush())
                    .with_context(|| writing(o))?;
            }
            Target::Replace { .. } => {}
        }
    }
    for (o, target) in outputs.iter().zip(&targets) {
        if let Target::Replace { temp, dest } = target {
            fs::rename(temp, dest).with_context(|| writing(o))?;
            temps.0.retain(|t| t != temp);
        }
    }
    Ok(())
}

/// Gets an output ready to be written: a special file opened, or the bytes
/// for a regular file written beside it (with its permissions, if it is
/// there; it must be writable).
fn stage(o: &Output<'_>, temps: &mut Temps) -> io::Result<Target> {
    if is_stdout(o.path) {
        return Ok(Target::Stdout);
    }
    let dest = link_target(o.path)?;
    let old = match fs::metadata(&dest) {
        // opened for writing without truncating: refused as a write would be, changes nothing
        Ok(m) => Some((m, fs::OpenOptions::new().write(true).open(&dest)?)),
        Err(e) if e.kind() == io::ErrorKind::NotFound => None,
        Err(e) => return Err(e),
    };
    match old {
        Some((m, file)) if !m.is_file() => Ok(Target::InPlace {
            file,
            truncate: false,
        }),
        Some((m, file)) => match new_beside(&dest, &o.bytes, Some(m.permissions()), temps) {
            Ok(temp) => Ok(Target::Replace { temp, dest }),
            // a writable file in a read-only directory: written where it is
            Err(e) if e.kind() == io::ErrorKind::PermissionDenied => Ok(Target::InPlace {
                file,
                truncate: true,
            }),
            Err(e) => Err(e),
        },
        None => {
            let temp = new_beside(&dest, &o.bytes, None, temps)?;
            Ok(Target::Replace { temp, dest })
        }
    }
}

/// A new file beside `dest` holding `bytes` (with `permissions`, if given), noted in `temps`.
/// Its name is short whatever `dest`'s is (a name of 255 bytes, the most a directory takes,
/// can be written).
fn new_beside(
    dest: &Path,
    bytes: &[u8],
    permissions: Option<fs::Permissions>,
    temps: &mut Temps,
) -> io::Result<PathBuf> {
    dest.file_name()
        .ok_or_else(|| io::Error::other("not a file name"))?;
    // a name no other file has (another simulator's, say, with the same process ID in
    // another container sharing the directory): the next number when it is taken
    let mut n = temps.0.len();
    let (temp, mut file) = loop {
        let temp = dest.with_file_name(format!(".simulator-{}-{n}.tmp", std::process::id()));
        match fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&temp)
        {
            Ok(file) => break (temp, file),
            Err(e) if e.kind() == io::ErrorKind::AlreadyExists && n < 1000 => n += 1,
            Err(e) => return Err(e),
        }
    };
    temps.0.push(temp.clone());
    file.write_all(bytes)?;
    if let Some(permissions) = permissions {
        file.set_permissions(permissions)?;
    }
    Ok(temp)
}

/// The file a write to `path` lands on: `path`, or the file its symbolic links
/// lead to (which need not be there yet). A loop of links is an error. A path
/// that reaches something other than a regular file (a device, a pipe, also
/// through `/dev/stdout`, whose links name no path) is `path` itself: it is
/// opened where it is, as the system resolves it.
fn link_target(path: &Path) -> io::Result<PathBuf> {
    if fs::metadata(path).is_ok_and(|m| !m.is_file() && !m.is_dir()) {
        return Ok(path.to_path_buf());
    }
    let mut p = path.to_path_buf();
    // as many links as Linux follows
    for _ in 0..40 {
        match fs::symlink_metadata(&p) {
            Ok(m) if m.file_type().is_symlink() => {
                let to = fs::read_link(&p)?;
                p = p.parent().unwrap_or(Path::new("")).join(to);
            }
            Ok(_) => return Ok(p),
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(p),
            Err(e) => return Err(e),
        }
    }
    Err(io::Error::other(
        "too many levels of symbolic links (a loop of links)",
    ))
}

/// Whether `path` leads to the file the standard output writes to (`/dev/stdout`, or the
/// file or pipe it was sent to by name), other than a terminal or another character
/// device, which takes the bytes where it is.
#[cfg(unix)]
fn is_stdout(path: &Path) -> bool {
    use std::os::fd::AsFd;
    use std::os::unix::fs::{FileTypeExt, MetadataExt};
    let Ok(fd) = io::stdout().as_fd().try_clone_to_owned() else {
        return false;
    };
    let (Ok(out), Ok(m)) = (fs::File::from(fd).metadata(), fs::metadata(path)) else {
        return false;
    };
    !m.file_type().is_char_device() && m.dev() == out.dev() && m.ino() == out.ino()
}

/// Whether `path` leads to the file the standard output writes to: its name.
#[cfg(not(unix))]
fn is_stdout(path: &Path) -> bool {
    path == Path::new("/dev/stdout")
}

/// Checks the output files before anything runs: each in a directory that
/// exists (a link's in the directory of the file it names), not a directory
/// itself, and none the --ink file or another output, by any path or link
/// (so an error never leaves some outputs written, and no input is written over).
fn check_outputs(args: &Args) -> Result<()> {
    let outputs = [
        ("--png", &args.png),
        ("--raw", &args.raw),
        ("--polls", &args.polls),
    ];
    let mut seen: Vec<(&str, &Path)> = args.ink.iter().map(|p| ("--ink", p.as_path())).collect();
    for (flag, path) in outputs {
        let Some(path) = path else { continue };
        ensure!(
            !path.is_dir() && !names_directory(path),
            "{flag} {}: is a directory",
            path.display()
        );
        let written = link_target(path).with_context(|| format!("{flag} {}", path.display()))?;
        let dir = written.parent().filter(|d| !d.as_os_str().is_empty());
        if let Some(dir) = dir.filter(|d| !d.is_dir()) {
            bail!("{flag} {}: no directory {}", path.display(), dir.display());
        }
        if let Some((other, _)) = seen.iter().find(|(_, p)| same_file(p, path)) {
            bail!("{flag} {}: names the same file as {other}", path.display());
        }
        if is_stdout(path) {
            REPORT_TO_STDERR.store(true, Ordering::Relaxed);
        }
        seen.push((flag, path));
    }
    Ok(())
}

/// Whether `path`, as written, names a directory (`out/`, `out/.`, `..`) whether or not one
/// is there: [`Path::file_name`] reads `out/` as `out`.
fn names_directory(path: &Path) -> bool {
    let text = path.as_os_str().as_encoded_bytes();
    let last = text.iter().rposition(|&b| b == b'/');
    let tail = &text[last.map_or(0, |i| i + 1)..];
    tail.is_empty() || tail == b"." || tail == b".."
}

/// Whether two paths name one file: the same existing file by any path (symbolic
/// or hard links), or, when one is not there yet, the same name in the same
/// directory where the write would land.
fn same_file(a: &Path, b: &Path) -> bool {
    #[cfg(unix)]
    if let (Ok(ma), Ok(mb)) = (fs::metadata(a), fs::metadata(b)) {
        use std::os::unix::fs::MetadataExt;
        return ma.dev() == mb.dev() && ma.ino() == mb.ino();
    }
    let resolved = |p: &Path| {
        // (a loop of links is refused by check_outputs; here it stays itself)
        let p = link_target(p).unwrap_or_else(|_| p.to_path_buf());
        if let Ok(real) = p.canonicalize() {
            return Some(real);
        }
        let dir = p
            .parent()
            .filter(|d| !d.as_os_str().is_empty())
            .unwrap_or(Path::new("."));
        dir.canonicalize()
            .ok()
            .zip(p.file_name())
            .map(|(d, n)| d.join(n))
    };
    a == b || resolved(a).is_some_and(|r| resolved(b) == Some(r))
}

/// What the app shows, in words.
fn describe(status: &Status) -> String {
    match status {
        Status::Recognised(p) => {
            let probs: Vec<String> = p.probabilities.iter().map(|v| format!("{v:.4}")).collect();
            format!(
                "recognised: {} ({}.{}%)  probabilities: [{}]",
                p.digit,
                p.confidence_tenths() / 10,
                p.confidence_tenths() % 10,
                probs.join(", ")
            )
        }
        Status::NoDigit => "recognised: no digit".into(),
        Status::Failed(e) => format!("recognition failed: {e}"),
        Status::Empty | Status::Pending => "nothing drawn".into(),
    }
}

/// Prints what the app recognised.
fn report(app: &App<Adapted>) {
    say!("{}", describe(app.status()));
}

/// `--teach`/`--keypad` need a recognised digit to correct.
fn ensure_shows_digit(app: &App<Adapted>) -> Result<()> {
    ensure!(
        app.prediction().is_some(),
        "--teach/--keypad: the drawing shows no digit, so there is nothing to correct"
    );
    Ok(())
}

/// Teaches the drawing `app` shows as `label` (`script::teach`); returns the
/// touch polls fed.
fn teach(app: &mut App<Adapted>, label: u8) -> Result<Vec<Option<[i32; 2]>>> {
    ensure_shows_digit(app)?;
    let mut polls = Vec::new();
    script::teach_polls(label, app.touch_config(), |p| {
        app.touch(p);
        polls.push(p.map(|p| [p.x, p.y]));
    });
    ensure!(
        app.corrections() == 1,
        "--teach {label}: the correction was not taken; the app shows {}",
        describe(app.status())
    );
    Ok(polls)
}

/// The corrected drawing as the boards log it (`firmware::inklog`).
fn ink_line(app: &App<Adapted>) -> String {
    InkLine {
        ink: app.ink(),
        label: app.taught(),
    }
    .to_string()
}

/// The `"teach"` object of the script's JSON for a correction to `label`
/// that `app` took from `polls` ([`teach`]): the polls, what the network
/// answered after it and the drawing as the boards log it.
fn teach_json(label: u8, polls: &[Option<[i32; 2]>], app: &App<Adapted>) -> serde_json::Value {
    serde_json::json!({
        "label": label,
        "polls": polls,
        "recognised": app.prediction().map(|p| p.digit),
        "ink": ink_line(app),
    })
}

/// The fewest polls the pen must stay on the Clear button for a release to
/// forget: [`firmware::app::FORGET_POLLS`] from the poll the debounced press
/// is seen.
fn forget_hold_polls(app: &App<Adapted>) -> u16 {
    u16::from(app.touch_config().press_polls.max(1)) - 1 + firmware::app::FORGET_POLLS
}

/// The touch polls of script `n` and what `app` (which played it) recognised, as JSON.
fn polls_json(n: usize, s: &script::DigitScript, app: &App<Adapted>) -> serde_json::Value {
    let mut polls = Vec::new();
    script::script_polls(s, app.touch_config(), |p| {
        polls.push(p.map(|p| [p.x, p.y]));
    });
    let c = CLEAR_BUTTON.center();
    serde_json::json!({
        "script": n,
        "digit": s.digit,
        "recognised": app.prediction().map(|p| p.digit),
        "clear_button": [c.x, c.y],
        "forget_hold_polls": forget_hold_polls(app),
        "polls": polls,
    })
}

/// Reads record `index` (0-based, blank lines skipped) of a JSON Lines ink file.
fn read_record(path: &Path, index: usize) -> Result<InkRecord> {
    let file = fs::File::open(path).with_context(|| format!("opening {}", path.display()))?;
    let mut seen = 0;
    let mut reader = BufReader::new(file);
    let mut bytes = Vec::new();
    for n in 0.. {
        // one line, read up to a bound (a file without line breaks, `/dev/zero`, says so)
        bytes.clear();
        let got = io::Read::take(&mut reader, MAX_LINE_BYTES + 1)
            .read_until(b'\n', &mut bytes)
            .with_context(|| format!("reading {}", path.display()))?;
        if got == 0 {
            break;
        }
        ensure!(
            got as u64 <= MAX_LINE_BYTES,
            "{}:{}: a line longer than {} MiB (ink is JSON Lines: one drawing per line)",
            path.display(),
            n + 1,
            MAX_LINE_BYTES >> 20
        );
        let line = std::str::from_utf8(&bytes).map_err(|_| {
            anyhow::anyhow!(
                "{}:{}: not UTF-8 text (ink is JSON Lines, which is UTF-8)",
                path.display(),
                n + 1
            )
        })?;
        let line = line.strip_suffix('\n').unwrap_or(line);
        let line = line.strip_suffix('\r').unwrap_or(line);
        // a byte-order mark (some editors write one) is not part of the record
        let line = line.trim_start_matches('\u{feff}');
        if line.trim().is_empty() {
            continue;
        }
        if seen == index {
            let at = format!("{}:{}", path.display(), n + 1);
            let record: InkRecord =
                serde_json::from_str(line).with_context(|| format!("{at}: not an ink record"))?;
            // the rule every reader of ink applies (nnet_core::ink, docs/ink-format.md)
            record.check().map_err(|e| anyhow::anyhow!("{at}: {e}"))?;
            return Ok(record);
        }
        seen += 1;
    }
    bail!(
        "{}: has {seen} records, no record --index {index}",
        path.display()
    )
}

/// Plays an ink record (checked by [`read_record`]) through the app: surface
/// coordinates are scaled (keeping the aspect ratio, centred) onto the
/// drawing area, each stroke fed as touch polls. Points off the drawing area
/// (a stroke may leave its surface a little) are drawn at its edge, as a pen
/// that slides off the page draws: never a tap on a button below it. (In f64:
/// the scale of a surface a few f32 steps above 0 is beyond f32's range.)
fn play_record(app: &mut App<Adapted>, record: &InkRecord) {
    let (w, h) = (f64::from(record.width), f64::from(record.height));
    let (aw, ah) = (
        f64::from(DRAW_AREA.size.width),
        f64::from(DRAW_AREA.size.height),
    );
    let s = (aw / w).min(ah / h);
    let (ox, oy) = ((aw - w * s) / 2.0, (ah - h * s) / 2.0);
    for stroke in &record.strokes {
        let mut points = Vec::with_capacity(stroke.len());
        for &[x, y] in stroke {
            let at = |v: f64, side: f64| v.round().clamp(0.0, side - 1.0) as i32;
            let local = Point::new(at(f64::from(x) * s + ox, aw), at(f64::from(y) * s + oy, ah));
            points.push(DRAW_AREA.top_left + local);
        }
        script::play_stroke(app, &points);
    }
    if app.ink_full() {
        say_err!("warning: the drawing has more points, strokes or ink (INK_LENGTH) than the firmware's ink buffer holds; the rest was dropped");
    }
}

/// FNV-1a 64 of the display's pixels as RGB565 little-endian, row-major (the
/// bytes of a `Framebuffer` with the same picture).
fn display_hash(display: &SimulatorDisplay<Rgb565>) -> u64 {
    let mut bytes = Vec::with_capacity((WIDTH * HEIGHT * 2) as usize);
    for y in 0..HEIGHT as i32 {
        for x in 0..WIDTH as i32 {
            let raw = display.get_pixel(Point::new(x, y)).into_storage();
            bytes.extend_from_slice(&raw.to_le_bytes());
        }
    }
    fnv1a64(&bytes)
}

/// The `--ui-hashes` text: one `NAME HASH` line per UI state.
fn ui_hashes(net: &Adapted) -> String {
    let mut display = SimulatorDisplay::new(Size::new(WIDTH, HEIGHT));
    let mut text = String::new();
    let Ok(()) = script::ui_states(net, &mut display, |state, display| {
        let line = script::GoldenLine(state, display_hash(display));
        text.push_str(&format!("{line}\n"));
    });
    text
}

fn display_of(app: &App<Adapted>) -> SimulatorDisplay<Rgb565> {
    let mut display = SimulatorDisplay::new(Size::new(WIDTH, HEIGHT));
    let Ok(()) = app.draw(&mut display);
    display
}

/// The frame as a PNG file's bytes, each pixel `scale` x `scale`: what
/// `OutputImage::save_png` writes (the same encoder and settings), made in memory.
fn png_bytes(app: &App<Adapted>, scale: u32) -> Result<Vec<u8>> {
    use image::codecs::png::{CompressionType, FilterType, PngEncoder};
    use image::ImageEncoder;
    let settings = OutputSettingsBuilder::new().scale(scale).build();
    let frame = display_of(app).to_rgb_output_image(&settings);
    let frame = frame.as_image_buffer();
    let mut png = Vec::new();
    PngEncoder::new_with_quality(&mut png, CompressionType::Best, FilterType::default())
        .write_image(
            frame.as_raw(),
            frame.width(),
            frame.height(),
            image::ExtendedColorType::Rgb8,
        )
        .context("encoding the PNG")?;
    Ok(png)
}

#[cfg(feature = "sdl")]
fn interactive(mut app: App<Adapted>, scale: u32) -> Result<()> {
    use embedded_graphics_simulator::{SimulatorEvent, Window};
    let settings = OutputSettingsBuilder::new().scale(scale.max(2)).build();
    let mut window = Window::new("nnet - draw a digit", &settings);
    window.set_max_fps(100);
    let mut display = SimulatorDisplay::new(Size::new(WIDTH, HEIGHT));
    let Ok(()) = app.draw_update(&mut display);
    let mut pen: Option<Point> = None;
    loop {
        window.update(&display);
        for event in window.events() {
            match event {
                SimulatorEvent::Quit => return Ok(()),
                SimulatorEvent::MouseButtonDown { point, .. } => pen = Some(point),
                SimulatorEvent::MouseMove { point } if pen.is_some() => pen = Some(point),
                SimulatorEvent::MouseButtonUp { .. } => pen = None,
                _ => {}
            }
        }
        // one touch poll per frame, like the board's 10 ms polling
        if app.touch(pen) {
            // incremental, like the board
            let Ok(()) = app.draw_update(&mut display);
            if let Status::Recognised(p) = app.status() {
                if pen.is_none() {
                    let t = p.confidence_tenths();
                    say!("recognised {} ({}.{}%)", p.digit, t / 10, t % 10);
                }
            }
        }
    }
}

#[cfg(not(feature = "sdl"))]
fn interactive(_app: App<Adapted>, _scale: u32) -> Result<()> {
    bail!(
        "this build has no window: rebuild with `--features sdl` (needs libsdl2-dev), \
         or use the headless modes --ink FILE --png OUT.png / --script N --png OUT.png"
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(width: f32, height: f32, strokes: Vec<Vec<[f32; 2]>>) -> InkRecord {
        InkRecord {
            label: None,
            width,
            height,
            strokes,
        }
    }

    #[test]
    fn ink_is_scaled_into_the_drawing_area_keeping_aspect() {
        let mut app = App::learning(model::adapted().unwrap());
        // 100x50 surface: scale min(232/100, 212/50) = 2.32, centred vertically (offset 48)
        let r = record(100.0, 50.0, vec![vec![[0.0, 0.0], [100.0, 50.0]]]);
        play_record(&mut app, &r);
        let strokes: Vec<&[[f32; 2]]> = app.ink().strokes().collect();
        assert_eq!(strokes.len(), 1);
        assert_eq!(strokes[0].first(), Some(&[0.0, 48.0]));
        // (232, 164) lies just outside the 232-wide area: clamped to its last column
        assert_eq!(strokes[0].last(), Some(&[231.0, 164.0]));
        assert!(!matches!(app.status(), Status::Empty | Status::Pending));
        // a surface just above 0 (which the ink rule allows, and the core draws) is
        // scaled like any other, not collapsed into one corner
        let tiny = 1e-37f32;
        let mut app = App::learning(model::adapted().unwrap());
        let r = record(tiny, tiny, vec![vec![[0.0, 0.0], [tiny, tiny]]]);
        play_record(&mut app, &r);
        let strokes: Vec<&[[f32; 2]]> = app.ink().strokes().collect();
        assert_eq!(strokes[0].first(), Some(&[10.0, 0.0]));
        assert_eq!(strokes[0].last(), Some(&[222.0, 211.0]));
    }

    #[test]
    fn outputs_are_checked_before_the_run() {
        let dir = std::env::temp_dir().join(format!("nnet-sim-out-{}", std::process::id()));
        fs::create_dir_all(&dir).unwrap();
        let ink = dir.join("ink.jsonl");
        fs::write(&ink, "{\"width\":10,\"height\":10,\"strokes\":[]}\n").unwrap();
        let (ink, d) = (ink.to_str().unwrap(), dir.to_str().unwrap());
        let png = format!("{d}/p.png");
        let nowhere = format!("{d}/none/p.png");
        for (args, says) in [
            (
                vec!["--ink", ink, "--png", ink],
                "names the same file as --ink",
            ),
            (vec!["--script", "0", "--png", &png, "--raw", &png], "--raw"),
            (vec!["--script", "0", "--png", &nowhere], "no directory"),
            (vec!["--script", "0", "--raw", d], "is a directory"),
            // one that is not there yet, by its trailing separator
            (
                vec!["--script", "0", "--png", &format!("{d}/nodir/")],
                "is a directory",
            ),
        ] {
            let parsed = Args::try_parse_from([&["simulator"][..], &args].concat()).unwrap();
            let e = check_outputs(&parsed).unwrap_err().to_string();
            assert!(e.contains(says), "{args:?}: {e}");
        }
        let fine = Args::try_parse_from(["simulator", "--ink", ink, "--png", &png]).unwrap();
        assert!(check_outputs(&fine).is_ok());
        // by a link too: symbolic or hard, to an input or to another output, or a link
        // whose file would land in a directory that is not there
        #[cfg(unix)]
        {
            let link = format!("{d}/link.jsonl");
            let hard = format!("{d}/hard.jsonl");
            let to_png = format!("{d}/to-png");
            let dangling = format!("{d}/dangling.raw");
            std::os::unix::fs::symlink(ink, &link).unwrap();
            fs::hard_link(ink, &hard).unwrap();
            std::os::unix::fs::symlink(&png, &to_png).unwrap();
            std::os::unix::fs::symlink("none/p.raw", &dangling).unwrap();
            for (args, says) in [
                (
                    vec!["--ink", ink, "--png", &link],
                    "names the same file as --ink",
                ),
                (
                    vec!["--ink", ink, "--png", &hard],
                    "names the same file as --ink",
                ),
                (
                    vec!["--script", "0", "--png", &png, "--raw", &to_png],
                    "names the same file as --png",
                ),
                (vec!["--script", "0", "--raw", &dangling], "no directory"),
            ] {
                let parsed = Args::try_parse_from([&["simulator"][..], &args].concat()).unwrap();
                let e = check_outputs(&parsed).unwrap_err().to_string();
                assert!(e.contains(says), "{args:?}: {e}");
            }
        }
        fs::remove_dir_all(&dir).unwrap();
    }

    /// A stroke that starts off the drawing area (the ink rule allows points
    /// up to a surface size beyond its surface) is drawn at the area's edge,
    /// never played as a tap on the buttons below it.
    #[test]
    fn ink_off_the_drawing_area_draws_at_its_edge() {
        let mut app = App::learning(model::adapted().unwrap());
        let seven = vec![[60.0, 50.0], [220.0, 50.0], [120.0, 250.0]];
        // below the surface, where Clear and the digit box are on the screen
        for start in [[261.0, 349.0], [29.0, 350.0], [-100.0, 140.0]] {
            let r = record(
                280.0,
                280.0,
                vec![seven.clone(), vec![start, [140.0, 140.0]]],
            );
            play_record(&mut app, &r);
            assert_eq!(app.ink().strokes().count(), 2, "{start:?}");
            let keypad = matches!(app.view().teach, firmware::ui::Teach::Keypad { .. });
            assert!(!keypad, "{start:?}: the keypad opened");
            script::tap(&mut app, CLEAR_BUTTON.center());
        }
    }

    #[test]
    fn png_bytes_are_the_png_the_simulator_saves() {
        let mut app = App::learning(model::adapted().unwrap());
        script::play(&mut app, &DIGIT_SCRIPTS[0]);
        let dir = std::env::temp_dir().join(format!("nnet-sim-png-{}", std::process::id()));
        fs::create_dir_all(&dir).unwrap();
        let path = dir.join("p.png");
        for scale in [1, 3] {
            let settings = OutputSettingsBuilder::new().scale(scale).build();
            display_of(&app)
                .to_rgb_output_image(&settings)
                .save_png(&path)
                .unwrap();
            assert!(png_bytes(&app, scale).unwrap() == fs::read(&path).unwrap());
        }
        fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn simulator_display_and_framebuffer_show_the_same_frame() {
        let mut app = App::learning(model::adapted().unwrap());
        script::play(&mut app, &DIGIT_SCRIPTS[2]);
        let display = display_of(&app);
        let mut fb = Box::new(Framebuffer::new());
        let Ok(()) = app.draw(&mut *fb);
        for y in 0..HEIGHT as i32 {
            for x in 0..WIDTH as i32 {
                assert_eq!(Some(display.get_pixel(Point::new(x, y))), fb.pixel(x, y));
            }
        }
    }

    /// The simulator's display shows every UI state exactly as the golden
    /// hashes say (the f32 default model; int8 builds have other results).
    #[cfg(not(feature = "int8"))]
    #[test]
    fn ui_hashes_match_the_golden_file() {
        let golden = include_str!("../../tests/data/ui-golden.txt");
        assert_eq!(ui_hashes(&model::adapted().unwrap()), golden);
    }

    /// Feeds a JSON array of polls (`[x, y]` or `null`) to `app`.
    fn feed(app: &mut App<Adapted>, polls: &serde_json::Value) {
        for p in polls.as_array().unwrap() {
            let sample = p.as_array().map(|xy| {
                Point::new(
                    xy[0].as_i64().unwrap() as i32,
                    xy[1].as_i64().unwrap() as i32,
                )
            });
            app.touch(sample);
        }
    }

    #[test]
    fn polls_json_replays_to_the_same_app() {
        let mut app = App::learning(model::adapted().unwrap());
        let s = &DIGIT_SCRIPTS[1];
        script::play(&mut app, s);
        let v = polls_json(1, s, &app);
        assert_eq!(v["digit"], 1);
        let mut replay = App::learning(model::adapted().unwrap());
        feed(&mut replay, &v["polls"]);
        assert_eq!(replay.ink().point_count(), app.ink().point_count());
        assert_eq!(replay.status(), app.status());
        let c = CLEAR_BUTTON.center();
        assert_eq!(v["clear_button"], serde_json::json!([c.x, c.y]));
    }

    #[test]
    fn teach_polls_replay_to_the_same_correction() {
        let mut app = App::learning(model::adapted().unwrap());
        let s = &DIGIT_SCRIPTS[5];
        script::play(&mut app, s);
        let mut v = polls_json(5, s, &app);
        let polls = teach(&mut app, 1).unwrap();
        v["teach"] = teach_json(1, &polls, &app);
        assert_eq!(app.corrections(), 1);
        assert_eq!(v["teach"]["label"], 1);
        let answer = app.prediction().map(|p| p.digit);
        assert_eq!(v["teach"]["recognised"], serde_json::json!(answer));
        let line: InkRecord = serde_json::from_str(v["teach"]["ink"].as_str().unwrap()).unwrap();
        assert_eq!(line.label, Some(1));
        assert_eq!(line.strokes.len(), app.ink().stroke_count());
        // a board fed the script's polls and then the correction's ends the same
        let mut board = App::learning(model::adapted().unwrap());
        feed(&mut board, &v["polls"]);
        feed(&mut board, &v["teach"]["polls"]);
        assert_eq!(board.corrections(), 1);
        assert_eq!(board.status(), app.status());
        assert_eq!(
            display_hash(&display_of(&board)),
            display_hash(&display_of(&app))
        );
        // the Clear button held for forget_hold_polls, then released: forgotten
        let hold = v["forget_hold_polls"].as_u64().unwrap();
        let c = &v["clear_button"];
        let clear = serde_json::json!([c[0], c[1]]);
        let mut polls: Vec<_> = (0..hold).map(|_| clear.clone()).collect();
        polls.extend((0..5).map(|_| serde_json::Value::Null));
        feed(&mut board, &serde_json::Value::Array(polls.clone()));
        assert_eq!((board.forgets(), board.corrections()), (1, 0));
        // one poll less only clears
        let mut other = App::learning(model::adapted().unwrap());
        feed(&mut other, &v["polls"]);
        feed(&mut other, &v["teach"]["polls"]);
        polls.remove(0);
        feed(&mut other, &serde_json::Value::Array(polls));
        assert_eq!((other.forgets(), other.corrections()), (0, 1));
        // nothing shown, nothing to correct
        let mut empty = App::learning(model::adapted().unwrap());
        let e = teach(&mut empty, 3).unwrap_err().to_string();
        assert!(e.contains("shows no digit"), "{e}");
    }

    #[test]
    fn bad_records_are_errors_naming_their_line() {
        let dir = std::env::temp_dir().join(format!("nnet-sim-test-{}", std::process::id()));
        fs::create_dir_all(&dir).unwrap();
        let file = dir.join("ink.jsonl");
        fs::write(
            &file,
            "{\"width\":0,\"height\":10,\"strokes\":[]}\n\
             {\"label\":12,\"width\":10,\"height\":10,\"strokes\":[]}\n\
             {\"width\":10,\"height\":10,\"strokes\":[[[1,1e39]]]}\n\
             \u{feff}{\"width\":10,\"height\":10,\"strokes\":[]}\n\nnot json\n",
        )
        .unwrap();
        for (index, says) in [
            (
                0,
                "ink.jsonl:1: \"width\" 0 and \"height\" 10 are not a drawing surface",
            ),
            (1, "ink.jsonl:2: label 12 is not a digit"),
            (2, "ink.jsonl:3: ink point [1, (a number beyond 3.4e38"),
            (4, "ink.jsonl:6: not an ink record"),
            (5, "has 5 records, no record --index 5"),
        ] {
            let e = read_record(&file, index).unwrap_err().to_string();
            assert!(e.contains(says), "{index}: {e}");
        }
        // a byte-order mark is not part of the record
        assert!(read_record(&file, 3).is_ok());
        fs::remove_dir_all(&dir).unwrap();
    }
}
