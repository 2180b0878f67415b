//! The Pico's QSPI flash as an `embedded-storage` NOR flash, for
//! `firmware::store` (what the board learned, kept across resets).
//!
//! Reads come straight from the execute-in-place window. Erase and program
//! go through the RP2040 bootrom's flash routines, which need the flash out of
//! execute-in-place mode while they run: so they run from RAM, with interrupts
//! off (this firmware runs on core 0 only and uses no DMA), and finish by
//! calling a RAM copy of the second-stage bootloader, which puts back the
//! fast quad-SPI read mode the program started with. Only the range given to
//! [`Flash::new`] is ever erased or written: the firmware itself cannot be.
use core::ops::Range;

use embedded_storage::nor_flash::{ErrorType, NorFlash, NorFlashErrorKind, ReadNorFlash};
use rp2040_hal::rom_data;

/// Where the flash appears in the address space (execute-in-place, cached).
pub const XIP_BASE: u32 = 0x1000_0000;
/// The Pico's W25Q16: 2 MiB.
pub const CAPACITY: u32 = 2 * 1024 * 1024;
/// The flash's erase sector.
const SECTOR: usize = 4096;
/// The flash's program page.
const PAGE: usize = 256;

/// The bootrom routines and the bootloader copy, looked up while the flash
/// can still be read.
#[repr(C)]
struct Routines {
    connect_internal_flash: unsafe extern "C" fn(),
    flash_exit_xip: unsafe extern "C" fn(),
    flash_range_erase: unsafe extern "C" fn(u32, usize, u32, u8),
    flash_range_program: unsafe extern "C" fn(u32, *const u8, usize),
    flash_flush_cache: unsafe extern "C" fn(),
    /// The RAM copy of the second-stage bootloader (returns to its caller).
    enter_xip: unsafe extern "C" fn(),
}

/// What to do while the flash is out of execute-in-place mode.
#[derive(Clone, Copy)]
enum Op {
    Erase,
    Program(*const u8),
}

/// The flash, writable in `writable` only (offsets from the start of flash).
pub struct Flash {
    writable: Range<u32>,
}

impl Flash {
    /// The flash; erase and write are refused outside `writable`.
    pub fn new(writable: Range<u32>) -> Self {
        Flash { writable }
    }

    fn check(&self, from: u32, len: usize, align: usize) -> Result<(), NorFlashErrorKind> {
        let Ok(len) = u32::try_from(len) else {
            return Err(NorFlashErrorKind::OutOfBounds);
        };
        let to = from
            .checked_add(len)
            .ok_or(NorFlashErrorKind::OutOfBounds)?;
        if !from.is_multiple_of(align as u32) || !len.is_multiple_of(align as u32) {
            return Err(NorFlashErrorKind::NotAligned);
        }
        if from < self.writable.start || to > self.writable.end {
            return Err(NorFlashErrorKind::OutOfBounds);
        }
        Ok(())
    }

    /// Runs `op` on `len` bytes at flash offset `addr` (checked by the caller).
    fn run(&mut self, op: Op, addr: u32, len: usize) {
        // the second-stage bootloader is the first 256 bytes of flash
        let mut boot2 = [0u32; 64];
        for (i, word) in boot2.iter_mut().enumerate() {
            // SAFETY: reads the first 256 bytes of the execute-in-place window,
            // always mapped and readable while the flash is in XIP mode (now).
            *word = unsafe { core::ptr::read_volatile((XIP_BASE as *const u32).add(i)) };
        }
        // SAFETY: boot2 holds the second-stage bootloader, position-independent
        // Thumb code (the bootrom itself runs it from a RAM copy) that returns
        // to its caller when called with a non-zero link register; bit 0 set
        // for Thumb state.
        let enter_xip: unsafe extern "C" fn() = unsafe {
            core::mem::transmute::<usize, unsafe extern "C" fn()>(boot2.as_ptr() as usize | 1)
        };
        let routines = Routines {
            connect_internal_flash: rom_data::connect_internal_flash::ptr(),
            flash_exit_xip: rom_data::flash_exit_xip::ptr(),
            flash_range_erase: rom_data::flash_range_erase::ptr(),
            flash_range_program: rom_data::flash_range_program::ptr(),
            flash_flush_cache: rom_data::flash_flush_cache::ptr(),
            enter_xip,
        };
        cortex_m::interrupt::free(|_| {
            // SAFETY: interrupts are off and nothing else runs (core 1 is not
            // started, no DMA reads flash), so nothing touches the flash while
            // it is out of XIP mode; `routines` and the data are in RAM; the
            // range was checked against the writable region.
            unsafe { out_of_xip(&routines, op, addr, len) }
        });
        // keep the bootloader copy alive until here
        core::hint::black_box(&boot2);
    }
}

/// The part that runs with the flash out of execute-in-place mode: in RAM,
/// calling only the bootrom and the RAM copy of the bootloader.
///
/// # Safety
///
/// Nothing may read the flash meanwhile (interrupts off, one core), `addr`
/// and `len` must suit `op` (4 KiB sectors, 256-byte pages), and for
/// [`Op::Program`] `len` bytes must be readable at the pointer (not in flash).
#[inline(never)]
#[link_section = ".data.ram_func"]
unsafe fn out_of_xip(r: &Routines, op: Op, addr: u32, len: usize) {
    // SAFETY: the bootrom's documented sequence (RP2040 datasheet 2.8.3.1.3):
    // connect, leave XIP, erase or program, flush the cache, back to XIP.
    unsafe {
        (r.connect_internal_flash)();
        (r.flash_exit_xip)();
        match op {
            // 64 KiB block erases where aligned, else 4 KiB sectors
            Op::Erase => (r.flash_range_erase)(addr, len, 1 << 16, 0xd8),
            Op::Program(data) => (r.flash_range_program)(addr, data, len),
        }
        (r.flash_flush_cache)();
        (r.enter_xip)();
    }
}

impl ErrorType for Flash {
    type Error = NorFlashErrorKind;
}

impl ReadNorFlash for Flash {
    const READ_SIZE: usize = 1;

    fn read(&mut self, offset: u32, bytes: &mut [u8]) -> Result<(), Self::Error> {
        let end = u32::try_from(bytes.len())
            .ok()
            .and_then(|n| offset.checked_add(n))
            .ok_or(NorFlashErrorKind::OutOfBounds)?;
        if end > CAPACITY {
            return Err(NorFlashErrorKind::OutOfBounds);
        }
        // SAFETY: offset..end lies inside the 2 MiB flash window, mapped and
        // readable (XIP mode is back after every erase and write).
        let flash =
            unsafe { core::slice::from_raw_parts((XIP_BASE + offset) as *const u8, bytes.len()) };
        bytes.copy_from_slice(flash);
        Ok(())
    }

    fn capacity(&self) -> usize {
        CAPACITY as usize
    }
}

impl NorFlash for Flash {
    const WRITE_SIZE: usize = PAGE;
    const ERASE_SIZE: usize = SECTOR;

    fn erase(&mut self, from: u32, to: u32) -> Result<(), Self::Error> {
        let len = to.checked_sub(from).ok_or(NorFlashErrorKind::OutOfBounds)? as usize;
        self.check(from, len, SECTOR)?;
        self.run(Op::Erase, from, len);
        Ok(())
    }

    fn write(&mut self, offset: u32, bytes: &[u8]) -> Result<(), Self::Error> {
        self.check(offset, bytes.len(), PAGE)?;
        // the bootrom reads the data while the flash is unreadable: it must be in RAM
        let at = bytes.as_ptr() as u32;
        if (XIP_BASE..XIP_BASE + 0x0400_0000).contains(&at) {
            return Err(NorFlashErrorKind::Other);
        }
        self.run(Op::Program(bytes.as_ptr()), offset, bytes.len());
        Ok(())
    }
}
