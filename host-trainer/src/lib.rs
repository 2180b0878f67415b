//! # host-trainer
//!
//! The host side of nnet, where models are made:
//!
//! ```text
//! MNIST IDX files ─> idx ─> augment (+ strokes) ─> net/train (batched GEMM) ─> nnet_core::format ─> models/*.nnet
//! models/*.nnet + test images / ink ─> eval (inference through nnet-core) ─> report, confusion PNG
//! ```
//!
//! The trainer's fast batched math ([`net`]) is its own; everything it
//! *reports* (accuracy, confusion matrix, predictions) is computed by
//! `nnet-core`, so the numbers describe the code that ships.
#![deny(missing_docs)]

pub mod adapt;
pub mod augment;
pub mod bench;
pub mod error;
pub mod eval;
pub mod fetch;
pub mod fontset;
pub mod hershey;
pub mod idx;
pub mod inkset;
pub mod net;
pub mod plot;
pub mod predict;
pub mod simd;
pub mod skeleton;
pub mod style;
pub mod styleset;
pub mod stylus;
pub mod train;

pub use error::{Error, Result};

/// A fraction as a percentage with two decimals, `"99.26%"`: rounded, except that
/// only a whole 1 reads "100.00%" and only 0 reads "0.00%" (29,999 right of 30,000
/// is "99.99%", not "100.00%").
pub fn percent(fraction: f64) -> String {
    let p = 100.0 * fraction;
    let p = if fraction < 1.0 { p.min(99.99) } else { p };
    let p = if fraction > 0.0 { p.max(0.01) } else { p };
    format!("{p:.2}%")
}

/// Writes one line of progress or a note to stderr. A closed or failing
/// stderr (`2>&1 | head`, say) loses the line, not the run: the work goes on
/// and its files are still written.
pub fn note(line: std::fmt::Arguments<'_>) {
    use std::io::Write;
    let _ = writeln!(std::io::stderr().lock(), "{line}");
}

/// Writes `bytes` to `path` whole or not at all: into a temporary file in
/// the same directory, then renamed over `path`. A failed write (a full
/// disk, a size limit) leaves an earlier file at `path` as it was and no
/// half-written one. Missing directories are created ([`create_dirs`]).
///
/// A symbolic link is followed: the file it names is written and the link
/// stays a link. A device, a pipe or a standard stream ([`Destination::Through`]:
/// `/dev/null`, `/dev/stdout`) is written into, never replaced.
pub fn write_file(path: &std::path::Path, bytes: &[u8]) -> Result<()> {
    use std::io::Write;
    if names_directory(path) {
        return Err(Error::Config(format!(
            "{}: names a directory, not a file to write",
            path.display()
        )));
    }
    let path = match destination(path)? {
        Destination::Through(path) => {
            claim_stdout_if_same(&path);
            return std::fs::OpenOptions::new()
                .append(true)
                .open(&path)
                .and_then(|mut f| f.write_all(bytes))
                .map_err(|e| Error::io(path, e));
        }
        Destination::File(path) => path,
    };
    let Some(name) = path.file_name() else {
        return Err(Error::Config(format!(
            "{}: names no file to write",
            path.display()
        )));
    };
    let dir = parent_dir(&path);
    create_dirs(dir)?;
    let part = dir.join(part_name(name));
    // a file written over keeps its permissions (a private model stays private, also while
    // it is written: the temporary file is made with them); a file system that takes no
    // permissions (vfat, say) still gets the file
    let permissions = std::fs::metadata(&path).ok().map(|m| m.permissions());
    // made new: whatever has the temporary file's name (a file left by a run that was
    // killed, a link someone put there) is removed first, never written through
    if std::fs::symlink_metadata(&part).is_ok() {
        std::fs::remove_file(&part).map_err(|e| Error::io(&part, e))?;
    }
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    if let Some(p) = &permissions {
        use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
        options.mode(p.mode() & 0o777);
    }
    let written = options
        .open(&part)
        .and_then(|mut f| {
            if let Some(p) = permissions {
                let _ = f.set_permissions(p);
            }
            f.write_all(bytes)?;
            f.sync_all()
        })
        .and_then(|()| std::fs::rename(&part, &path));
    written.map_err(|e| {
        let _ = std::fs::remove_file(&part);
        Error::io(&path, e)
    })
}

/// Whether `path`, as written, names a directory rather than a file: it ends
/// in a separator, or its last component is `.` or `..` (`out/`, `out/.`,
/// `..`). [`std::path::Path::file_name`] does not tell: it reads `out/` as
/// `out`.
pub fn names_directory(path: &std::path::Path) -> bool {
    let bytes = path.as_os_str().as_encoded_bytes();
    let last = bytes
        .iter()
        .rposition(|&b| std::path::is_separator(char::from(b)));
    let tail = &bytes[last.map_or(0, |i| i + 1)..];
    tail.is_empty() || tail == b"." || tail == b".."
}

/// The longest file name most file systems take (Linux's `NAME_MAX`).
pub const MAX_NAME_BYTES: usize = 255;

/// The temporary file [`write_file`] writes before it renames it to `name`:
/// hidden, named after the file when that name is short, and never longer
/// than [`MAX_NAME_BYTES`] (a long `name` gets only the process id).
fn part_name(name: &std::ffi::OsStr) -> String {
    let pid = std::process::id();
    let readable = format!(".{}.{pid}.part", name.to_string_lossy());
    if readable.len() <= MAX_NAME_BYTES {
        readable
    } else {
        format!(".nnet-output.{pid}.part")
    }
}

/// Where a write to a path lands ([`destination`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Destination {
    /// Written into and never replaced, the path as given: a device, a named
    /// pipe, a socket, any path that is or links into `/proc/` (`/dev/stdout`
    /// and `/dev/fd/N` link there: redirected to a file, that is the shell's
    /// file, not a new one), and a path directly in `/dev` that is not there
    /// (nothing is made there: `/dev/nul` is a mistake).
    Through(std::path::PathBuf),
    /// Replaced whole: this regular file (there or not yet), the path's links
    /// followed; in `/dev/shm` too, a regular file like any other.
    File(std::path::PathBuf),
}

/// Links followed in a chain before it counts as a loop (Linux's limit).
pub const MAX_LINKS: usize = 40;

/// Where writing `path` lands: its chain of symbolic links followed (a relative
/// target from its link's directory), at most [`MAX_LINKS`] of them (a loop is
/// an error).
pub fn destination(path: &std::path::Path) -> Result<Destination> {
    // in /proc as written, or once its directory is resolved (a relative path or
    // link target that climbs there: ../../proc/self/fd/1; /dev/fd/1)
    let canonical_dir = |p: &std::path::Path| std::fs::canonicalize(parent_dir(p));
    let system = |p: &std::path::Path| {
        p.starts_with("/proc") || canonical_dir(p).is_ok_and(|d| d.starts_with("/proc"))
    };
    let through = || Ok(Destination::Through(path.to_path_buf()));
    if system(path) {
        return through();
    }
    let mut at = path.to_path_buf();
    for _ in 0..=MAX_LINKS {
        let Ok(next) = std::fs::read_link(&at) else {
            let special = match std::fs::metadata(&at) {
                Ok(m) => !m.is_file() && !m.is_dir(),
                Err(_) => canonical_dir(&at).is_ok_and(|d| d == std::path::Path::new("/dev")),
            };
            return if special {
                through()
            } else {
                Ok(Destination::File(at))
            };
        };
        at = parent_dir(&at).join(next);
        if system(&at) {
            return through();
        }
    }
    Err(Error::Config(format!(
        "{}: more than {MAX_LINKS} symbolic links in a row (a loop?)",
        path.display()
    )))
}

/// The directory a file path lies in (`.` for a bare file name).
pub fn parent_dir(path: &std::path::Path) -> &std::path::Path {
    path.parent()
        .filter(|d| !d.as_os_str().is_empty())
        .unwrap_or(std::path::Path::new("."))
}

/// Creates `dir` and its missing parents, one level at a time from the outermost. A file in
/// the way is named as such (the system only says "File exists"). Each directory it makes
/// itself is noted at once for [`remove_created_dirs`]; one that is already there (a `..`
/// step, another process's) is not.
pub fn create_dirs(dir: &std::path::Path) -> Result<()> {
    let levels: Vec<&std::path::Path> = dir
        .ancestors()
        .filter(|a| !a.as_os_str().is_empty())
        .collect();
    for level in levels.into_iter().rev() {
        match std::fs::create_dir(level) {
            Ok(()) => {
                if let Ok(mut made) = CREATED_DIRS.lock() {
                    made.push(level.to_path_buf());
                }
            }
            Err(_) if level.is_dir() => {}
            Err(e) => {
                return Err(match dir.ancestors().find(|a| a.is_file()) {
                    Some(file) => Error::Config(format!(
                        "{}: is a file, so {} cannot be a directory",
                        file.display(),
                        dir.display()
                    )),
                    None => Error::io(dir, e),
                })
            }
        }
    }
    Ok(())
}

/// The directories [`create_dirs`] made in this process, in the order it made them.
static CREATED_DIRS: std::sync::Mutex<Vec<std::path::PathBuf>> = std::sync::Mutex::new(Vec::new());

/// Removes the directories [`create_dirs`] made that are still empty, the last made first:
/// a command that fails after checking where its outputs go leaves no empty directory
/// behind. A directory that holds anything (a file written before the failure) stays.
pub fn remove_created_dirs() {
    if let Ok(mut made) = CREATED_DIRS.lock() {
        for dir in made.drain(..).rev() {
            let _ = std::fs::remove_dir(dir);
        }
    }
}

/// Writes one line to stdout, as [`note`] does to stderr: a closed stdout
/// (`| head`) loses the line, not the run. Any other failure (a full disk, a file-size
/// limit: what was printed is incomplete) is kept for [`stdout_failure`], which makes the
/// command fail at its end. Once stdout is one of the command's outputs
/// ([`claim_stdout_if_same`]: `--out /dev/stdout`), the line goes to stderr instead, so
/// that the output holds nothing else.
pub fn tell(line: std::fmt::Arguments<'_>) {
    use std::io::Write;
    if STDOUT_IS_OUTPUT.load(std::sync::atomic::Ordering::Relaxed) {
        note(line);
    } else if let Err(e) = writeln!(std::io::stdout().lock(), "{line}") {
        if e.kind() != std::io::ErrorKind::BrokenPipe {
            let _ = STDOUT_FAILURE.set(e.to_string());
        }
    }
}

/// The first failure to write to stdout other than a closed pipe, if any ([`tell`]).
static STDOUT_FAILURE: std::sync::OnceLock<String> = std::sync::OnceLock::new();

/// Why writing to stdout failed, other than a closed pipe (`| head`): the command's
/// printed results are incomplete, and it must not end as a success.
pub fn stdout_failure() -> Option<&'static str> {
    STDOUT_FAILURE.get().map(String::as_str)
}

/// "1 epoch", "2 epochs": `n` and `what`, plural unless `n` is 1.
pub fn plural(n: usize, what: &str) -> String {
    format!("{n} {what}{}", if n == 1 { "" } else { "s" })
}

/// Whether stdout is one of the command's outputs ([`claim_stdout_if_same`]).
static STDOUT_IS_OUTPUT: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);

/// Notes that `path`, an output written into ([`Destination::Through`]), is the file
/// stdout writes to (`/dev/stdout`, `/proc/self/fd/1`, or the file or pipe stdout is
/// redirected to); from then on [`tell`] writes to stderr. Checked and written outputs
/// call it ([`crate::train::check_output`], [`write_file`]).
pub fn claim_stdout_if_same(path: &std::path::Path) {
    if is_stdout(path) {
        STDOUT_IS_OUTPUT.store(true, std::sync::atomic::Ordering::Relaxed);
    }
}

/// Whether `path` is the file, pipe or device stdout writes to (the same device and inode),
/// `/dev/null` aside: an output thrown away beside a stdout thrown away leaves nothing to mix.
#[cfg(unix)]
fn is_stdout(path: &std::path::Path) -> bool {
    use std::os::fd::AsFd;
    use std::os::unix::fs::MetadataExt;
    let Ok(out) = std::fs::metadata(path) else {
        return false;
    };
    let same =
        |a: &std::fs::Metadata, b: &std::fs::Metadata| a.dev() == b.dev() && a.ino() == b.ino();
    if std::fs::metadata("/dev/null").is_ok_and(|null| same(&null, &out)) {
        return false;
    }
    let stdout = std::io::stdout();
    let Ok(fd) = stdout.as_fd().try_clone_to_owned() else {
        return false;
    };
    std::fs::File::from(fd)
        .metadata()
        .is_ok_and(|s| same(&s, &out))
}

/// Whether `path` is what stdout writes to: the names that are, elsewhere.
#[cfg(not(unix))]
fn is_stdout(path: &std::path::Path) -> bool {
    path == std::path::Path::new("/dev/stdout")
}

/// Scratch directories for the unit tests: the integration tests' own.
#[cfg(test)]
#[path = "../tests/common/tmpdir.rs"]
mod tmpdir;

#[cfg(test)]
mod tests {
    use super::tmpdir::tmpdir;

    #[test]
    fn scratch_directories_go_when_a_test_passes_and_stay_when_it_fails() {
        let passed = tmpdir("scratch-passed");
        std::fs::write(passed.join("model.nnet"), b"x").unwrap();
        let path = passed.to_path_buf();
        drop(passed);
        assert!(!path.exists(), "{} is still there", path.display());

        let failed = std::panic::catch_unwind(|| {
            let d = tmpdir("scratch-failed");
            std::fs::write(d.join("model.nnet"), b"x").unwrap();
            panic!("a failing test");
        });
        let kept = std::env::temp_dir().join(format!("ht-scratch-failed-{}", std::process::id()));
        assert!(failed.is_err() && kept.join("model.nnet").is_file());
        std::fs::remove_dir_all(kept).unwrap();
    }

    #[test]
    fn percent_says_all_and_none_only_when_true() {
        assert_eq!(super::percent(29_999.0 / 30_000.0), "99.99%");
        assert_eq!(super::percent(1.0), "100.00%");
        assert_eq!(super::percent(1.0 / 30_000.0), "0.01%");
        assert_eq!(super::percent(0.0), "0.00%");
        // everything between is rounded as before
        assert_eq!(super::percent(541.0 / 560.0), "96.61%");
        assert_eq!(super::percent(0.9926), "99.26%");
    }
}
