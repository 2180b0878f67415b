//! The flash that keeps what the board learned: the last two 16 KiB sectors
//! of bank 2's first four (sectors 14 and 15, at 1 MiB + 32 KiB; `memory.x`
//! ends the program before them), as an `embedded-storage` NOR flash for
//! `firmware::store`.
//!
//! Erase and program go through the HAL (`stm32f4xx_hal::flash`), only ever
//! on these two sectors. While one erases, code in bank 2 (the end of a
//! program over 1 MiB) waits for it. The data cache is reset after every
//! change, so reads never see the sectors' old contents.
//!
//! ## The watchdog
//!
//! With the HAL's 8-bit parallelism the datasheet allows up to 800 ms for a
//! 16 KiB sector erase and 100 µs for each byte programmed: a whole save (one
//! erase, about 12 KiB programmed, read back) may take 2 s, as long as the
//! watchdog's nominal timeout, which its LSI clock (17 to 47 kHz) can cut to
//! 1.4 s. So the driver calls its `busy` function (the board feeds the
//! watchdog there) before every erase of a sector and every write;
//! `firmware::store` writes at most `CHUNK` = 256 bytes at a time (26 ms at most), so
//! the longest stretch without a feed is one sector erase, 800 ms. (The
//! 128 KiB sectors at the end of flash were not used: their erase alone may
//! take 4 s.) The F429 emulator times a save with these worst cases and fails
//! the run if a stretch without a feed reaches the watchdog's shortest timeout.
use embedded_storage::nor_flash::{
    ErrorType, NorFlash, NorFlashError, NorFlashErrorKind, ReadNorFlash,
};
use firmware::store::Region;
use stm32f4xx_hal::flash::{FlashExt, LockedFlash};
use stm32f4xx_hal::pac;

/// Flash offset of sector 14 (bank 2 starts at 1 MiB with four 16 KiB sectors, 12 to 15).
const START: u32 = 0x10_8000;
/// Sectors 14 and 15 are 16 KiB each.
const SECTOR: u32 = 16 * 1024;
/// The HAL's number of the first sector.
const FIRST_SECTOR: u8 = 14;

/// The two slots: one sector each.
pub const REGION: Region = Region {
    start: START,
    slot_len: SECTOR,
};

/// The two sectors; everything else in flash is refused.
pub struct Learned {
    flash: LockedFlash,
    /// Called before every sector erase and every write.
    busy: fn(),
}

impl Learned {
    /// The learned-values sectors of the board's flash; `busy` is called
    /// before every sector erase and every write (see the module docs).
    pub fn new(flash: LockedFlash, busy: fn()) -> Self {
        Learned { flash, busy }
    }

    /// `offset..offset + len` inside the two sectors.
    fn check(offset: u32, len: usize) -> Result<(), NorFlashErrorKind> {
        let end = u32::try_from(len)
            .ok()
            .and_then(|n| offset.checked_add(n))
            .ok_or(NorFlashErrorKind::OutOfBounds)?;
        if offset < START || end > START + 2 * SECTOR {
            return Err(NorFlashErrorKind::OutOfBounds);
        }
        Ok(())
    }
}

/// Resets the flash data cache (RM0090 3.5.2: it may hold the contents
/// from before an erase or program).
fn reset_data_cache() {
    // SAFETY: FLASH_ACR's DCEN/DCRST bits only; the HAL set the wait states
    // and caches at start-up and nothing else changes this register later.
    let flash = unsafe { &*pac::FLASH::ptr() };
    flash.acr().modify(|_, w| w.dcen().clear_bit());
    flash.acr().modify(|_, w| w.dcrst().set_bit());
    flash.acr().modify(|_, w| w.dcrst().clear_bit());
    flash.acr().modify(|_, w| w.dcen().set_bit());
}

impl ErrorType for Learned {
    type Error = NorFlashErrorKind;
}

impl ReadNorFlash for Learned {
    const READ_SIZE: usize = 1;

    fn read(&mut self, offset: u32, bytes: &mut [u8]) -> Result<(), Self::Error> {
        let at = offset as usize;
        let src = at
            .checked_add(bytes.len())
            .and_then(|end| self.flash.read().get(at..end))
            .ok_or(NorFlashErrorKind::OutOfBounds)?;
        bytes.copy_from_slice(src);
        Ok(())
    }

    fn capacity(&self) -> usize {
        self.flash.len()
    }
}

impl NorFlash for Learned {
    const WRITE_SIZE: usize = 1;
    const ERASE_SIZE: usize = SECTOR as usize;

    fn erase(&mut self, from: u32, to: u32) -> Result<(), Self::Error> {
        let len = to.checked_sub(from).ok_or(NorFlashErrorKind::OutOfBounds)?;
        Self::check(from, len as usize)?;
        if !from.is_multiple_of(SECTOR) || !len.is_multiple_of(SECTOR) {
            return Err(NorFlashErrorKind::NotAligned);
        }
        let mut unlocked = self.flash.unlocked();
        let mut result = Ok(());
        for at in (from..to).step_by(SECTOR as usize) {
            // at is one of the two sectors: the number is 14 or 15
            let sector = FIRST_SECTOR + ((at - START) / SECTOR) as u8;
            (self.busy)();
            result = unlocked.erase(sector).map_err(|e| e.kind());
            if result.is_err() {
                break;
            }
        }
        drop(unlocked);
        reset_data_cache();
        result
    }

    fn write(&mut self, offset: u32, bytes: &[u8]) -> Result<(), Self::Error> {
        Self::check(offset, bytes.len())?;
        (self.busy)();
        let result = self
            .flash
            .unlocked()
            .program(offset as usize, bytes.iter())
            .map_err(|e| e.kind());
        reset_data_cache();
        result
    }
}
