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
pub mod train;

pub use error::{Error, Result};

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
/// stays a link. A path that is not a regular file or a directory (a device
/// such as `/dev/null` or `/dev/stdout`, a named pipe) is written through,
/// never replaced.
pub fn write_file(path: &std::path::Path, bytes: &[u8]) -> Result<()> {
    use std::io::Write;
    if is_special(path) {
        return std::fs::OpenOptions::new()
            .write(true)
            .open(path)
            .and_then(|mut f| f.write_all(bytes))
            .map_err(|e| Error::io(path, e));
    }
    let target = link_target(path);
    let path = target.as_path();
    let Some(name) = path.file_name() else {
        return Err(Error::Config(format!(
            "{}: names no file to write",
            path.display()
        )));
    };
    let dir = parent_dir(path);
    create_dirs(dir)?;
    let part = dir.join(format!(
        ".{}.{}.part",
        name.to_string_lossy(),
        std::process::id()
    ));
    let written = std::fs::File::create(&part)
        .and_then(|mut f| {
            f.write_all(bytes)?;
            f.sync_all()
        })
        .and_then(|()| std::fs::rename(&part, path));
    written.map_err(|e| {
        let _ = std::fs::remove_file(&part);
        Error::io(path, e)
    })
}

/// Whether `path` (its links followed) is there and neither a regular file
/// nor a directory: a device, a named pipe, a socket. Such a path is written
/// through ([`write_file`]), never replaced.
pub fn is_special(path: &std::path::Path) -> bool {
    std::fs::metadata(path).is_ok_and(|m| !m.is_file() && !m.is_dir())
}

/// The file that writing `path` should replace: `path`, or, when it is a
/// symbolic link, the file the link names (the system's answer when that
/// exists; for a link to a file not made yet, its chain of links followed,
/// each relative target taken from its link's directory, 40 links at most).
pub fn link_target(path: &std::path::Path) -> std::path::PathBuf {
    if !path.is_symlink() {
        return path.to_path_buf();
    }
    if let Ok(real) = std::fs::canonicalize(path) {
        return real;
    }
    let mut at = path.to_path_buf();
    for _ in 0..40 {
        let Ok(next) = std::fs::read_link(&at) else {
            break;
        };
        at = parent_dir(&at).join(next);
    }
    at
}

/// The directory a file path lies in (`.` for a bare file name).
pub fn parent_dir(path: &std::path::Path) -> &std::path::Path {
    path.parent()
        .filter(|d| !d.as_os_str().is_empty())
        .unwrap_or(std::path::Path::new("."))
}

/// Creates `dir` and its missing parents. A file in the way is named as
/// such (the system only says "File exists").
pub fn create_dirs(dir: &std::path::Path) -> Result<()> {
    std::fs::create_dir_all(dir).map_err(|e| match dir.ancestors().find(|a| a.is_file()) {
        Some(file) => Error::Config(format!(
            "{}: is a file, so {} cannot be a directory",
            file.display(),
            dir.display()
        )),
        None => Error::io(dir, e),
    })
}

/// Writes one line to stdout, as [`note`] does to stderr: a closed stdout
/// (`| head`) loses the line, not the run.
pub fn tell(line: std::fmt::Arguments<'_>) {
    use std::io::Write;
    let _ = writeln!(std::io::stdout().lock(), "{line}");
}
