//! The few ARM semihosting calls the self-test needs, made directly with
//! `bkpt 0xAB` (Thumb): open/write/close a host file, read the command line,
//! and exit with an exit code the host sees (`SYS_EXIT_EXTENDED`).
//!
//! QEMU serves them with `-semihosting-config enable=on,target=native`.
use core::arch::asm;

const SYS_OPEN: usize = 0x01;
const SYS_CLOSE: usize = 0x02;
const SYS_WRITE: usize = 0x05;
const SYS_GET_CMDLINE: usize = 0x15;
const SYS_EXIT_EXTENDED: usize = 0x20;
/// `ADP_Stopped_ApplicationExit`: with `SYS_EXIT_EXTENDED` the subcode is the exit code.
const ADP_STOPPED_APPLICATION_EXIT: usize = 0x20026;
/// `fopen` mode "w" (the console `:tt` is opened for writing with it).
const MODE_W: usize = 4;
/// `fopen` mode "wb".
const MODE_WB: usize = 5;

/// One semihosting call: operation in r0, pointer to the argument block in r1,
/// result in r0.
///
/// # Safety
/// `args` must point to the argument block `op` expects, valid for the call.
unsafe fn call(op: usize, args: *const usize) -> isize {
    let result: isize;
    // SAFETY: `bkpt 0xAB` traps to the debugger / QEMU, which reads and writes
    // only the argument block and the memory it points to (caller's contract).
    unsafe {
        asm!("bkpt #0xab", inout("r0") op => result, in("r1") args, options(nostack));
    }
    result
}

/// A semihosting failure: which call failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HostError {
    /// `SYS_OPEN` returned -1 (bad path, permissions, or semihosting disabled).
    Open,
    /// `SYS_WRITE` could not write all bytes.
    Write,
    /// `SYS_GET_CMDLINE` failed or the command line did not fit the buffer.
    CommandLine,
}

impl core::fmt::Display for HostError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str(match self {
            HostError::Open => "semihosting SYS_OPEN failed",
            HostError::Write => "semihosting SYS_WRITE failed",
            HostError::CommandLine => "semihosting SYS_GET_CMDLINE failed (line too long?)",
        })
    }
}

/// An open host file handle.
pub struct HostFile(usize);

impl HostFile {
    /// Opens `path` (NUL-terminated) with an `fopen`-style mode number.
    fn open(path: &[u8], mode: usize) -> Result<HostFile, HostError> {
        let Some((&0, name)) = path.split_last() else {
            return Err(HostError::Open);
        };
        let args = [path.as_ptr() as usize, mode, name.len()];
        // SAFETY: SYS_OPEN takes [name ptr, mode, name length]; `path` is NUL-terminated and lives across the call.
        let handle = unsafe { call(SYS_OPEN, args.as_ptr()) };
        if handle < 0 {
            Err(HostError::Open)
        } else {
            Ok(HostFile(handle as usize))
        }
    }

    /// The host's console (QEMU's standard output).
    pub fn console() -> Result<HostFile, HostError> {
        HostFile::open(b":tt\0", MODE_W)
    }

    /// Creates or truncates the host file `path` (NUL-terminated) for binary writing.
    pub fn create(path: &[u8]) -> Result<HostFile, HostError> {
        HostFile::open(path, MODE_WB)
    }

    /// Writes all of `bytes`.
    pub fn write_all(&mut self, bytes: &[u8]) -> Result<(), HostError> {
        if bytes.is_empty() {
            return Ok(());
        }
        let args = [self.0, bytes.as_ptr() as usize, bytes.len()];
        // SAFETY: SYS_WRITE takes [handle, buffer ptr, length] and only reads the buffer.
        let not_written = unsafe { call(SYS_WRITE, args.as_ptr()) };
        if not_written == 0 {
            Ok(())
        } else {
            Err(HostError::Write)
        }
    }
}

impl Drop for HostFile {
    fn drop(&mut self) {
        let args = [self.0];
        // SAFETY: SYS_CLOSE takes [handle]. A failed close cannot be reported from Drop;
        // a short file shows up as a size mismatch on the host.
        unsafe {
            call(SYS_CLOSE, args.as_ptr());
        }
    }
}

/// Reads the command line QEMU passes (`-semihosting-config ...,arg=A,arg=B`
/// gives "A B") into `buf`, returning the filled part.
pub fn command_line(buf: &mut [u8]) -> Result<&[u8], HostError> {
    let mut args = [buf.as_mut_ptr() as usize, buf.len()];
    // SAFETY: SYS_GET_CMDLINE takes [buffer ptr, buffer length], writes at most that many
    // bytes (NUL-terminated) and stores the length used in the second word.
    let status = unsafe { call(SYS_GET_CMDLINE, args.as_mut_ptr()) };
    if status != 0 || args[1] > buf.len() {
        return Err(HostError::CommandLine);
    }
    Ok(&buf[..args[1]])
}

/// Ends the program; QEMU exits with `code`.
pub fn exit(code: u8) -> ! {
    let args = [ADP_STOPPED_APPLICATION_EXIT, usize::from(code)];
    loop {
        // SAFETY: SYS_EXIT_EXTENDED takes [reason, subcode] and does not return under QEMU.
        unsafe {
            call(SYS_EXIT_EXTENDED, args.as_ptr());
        }
    }
}
