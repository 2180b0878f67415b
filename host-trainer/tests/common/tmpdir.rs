//! A scratch directory for one test, shared by the integration tests
//! (`tests/common`) and the library's unit tests (`src/lib.rs`).
use std::path::{Path, PathBuf};

/// A fresh directory under the system's temporary directory, named after the
/// test and the process. It is removed when the test passes and kept when the
/// test panics, so that what the failing test wrote can be looked at.
pub struct TmpDir(PathBuf);

/// A fresh, empty [`TmpDir`] named `ht-NAME-PID`.
pub fn tmpdir(name: &str) -> TmpDir {
    let d = std::env::temp_dir().join(format!("ht-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    TmpDir(d)
}

impl std::ops::Deref for TmpDir {
    type Target = Path;
    fn deref(&self) -> &Path {
        &self.0
    }
}

impl AsRef<Path> for TmpDir {
    fn as_ref(&self) -> &Path {
        &self.0
    }
}

impl AsRef<std::ffi::OsStr> for TmpDir {
    fn as_ref(&self) -> &std::ffi::OsStr {
        self.0.as_os_str()
    }
}

impl Drop for TmpDir {
    fn drop(&mut self) {
        if std::thread::panicking() {
            eprintln!("kept for a look: {}", self.0.display());
        } else {
            let _ = std::fs::remove_dir_all(&self.0);
        }
    }
}
