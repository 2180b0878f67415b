//! Line-buffered text output to the host console over semihosting.
use core::fmt;

use crate::semihosting::{HostError, HostFile};

/// Collects text and hands it to the host one line at a time (one semihosting
/// trap per line instead of one per formatting fragment).
pub struct Console {
    file: HostFile,
    buf: [u8; 256],
    len: usize,
    failed: bool,
}

impl Console {
    /// Opens the host console.
    pub fn open() -> Result<Console, HostError> {
        Ok(Console {
            file: HostFile::console()?,
            buf: [0; 256],
            len: 0,
            failed: false,
        })
    }

    /// Sends what is buffered.
    pub fn flush(&mut self) -> Result<(), HostError> {
        let result = self.file.write_all(&self.buf[..self.len]);
        self.len = 0;
        if result.is_err() {
            self.failed = true;
        }
        result
    }

    /// Whether any write to the host failed so far (then the output is incomplete).
    pub fn failed(&self) -> bool {
        self.failed
    }
}

impl fmt::Write for Console {
    fn write_str(&mut self, s: &str) -> fmt::Result {
        for &byte in s.as_bytes() {
            if self.len == self.buf.len() {
                self.flush().map_err(|_| fmt::Error)?;
            }
            self.buf[self.len] = byte;
            self.len += 1;
            if byte == b'\n' {
                self.flush().map_err(|_| fmt::Error)?;
            }
        }
        Ok(())
    }
}
