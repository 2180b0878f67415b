//! The flash that keeps what the board learned: the last two 16 KiB sectors
//! of bank 2's first four (sectors 14 and 15, at 1 MiB + 32 KiB; `memory.x`
//! ends the program before them), as an `embedded-storage` NOR flash for
//! `firmware::store`.
//!
//! Erase and program follow RM0090 3.6 on the flash interface's registers,
//! only ever on these two sectors, with 32-bit parallelism (PSIZE x32, which
//! the board's 3 V supply allows: 2.7 to 3.6 V): a save programs 4 bytes a
//! write, not the HAL's 1 (`stm32f4xx_hal::flash` programs at x8), and a
//! sector erase takes at most 500 ms instead of 800. While one erases, code
//! in bank 2 (the end of a program over 1 MiB) waits for it. Every operation
//! starts by clearing the error flags an earlier one left (the HAL never
//! clears them, so after one error every later operation failed too) and ends
//! with the interface locked again (after one given up on, once it has ended:
//! [`Learned::settle`]). A wrong unlock sequence (only something else, a
//! debugger say, could write one) locks the interface until the next reset,
//! and the keys written to it again are a bus error (RM0090 3.5.1): a hard
//! fault, and the board restarts, which ends the lock-out, with the banner
//! that says it restarted. An interface that stays busy (BSY) for twice the datasheet's longest
//! time (timed with the core's cycle counter, DWT CYCCNT): the board says it
//! could not save and runs on. An operation given up on is left to run: nothing
//! writes FLASH_CR until it ends (a write would stall the bus until then), and
//! a later save fails at once while it runs. Should it never end, the next read
//! of bank 2 (the f32 build's read-only data past 1 MiB: the model's last
//! weights, log strings) waits for it, and the watchdog restarts the board. The data cache is off while the flash erases
//! or programs (ST's erratum "Data cache might be corrupted during Flash
//! memory read-while-write operation", ES0206), and reset after every change,
//! so reads never see the sectors' old contents.
//!
//! ## The watchdog
//!
//! At x32 the datasheet allows up to 500 ms for a 16 KiB sector erase and
//! 100 µs for each 4-byte write: a whole save (one erase, about 12 KiB
//! programmed, read back) may take 0.8 s, and forgetting (two erases) 1 s,
//! against the watchdog's nominal 2 s, which its LSI clock (17 to 47 kHz)
//! can cut to 1.4 s. So the driver calls its `busy` function (the board
//! feeds the watchdog there) before it waits for an operation in progress,
//! before every erase of a sector and before every write; `firmware::store`
//! writes at most `CHUNK` = 256 bytes at a time (6.4 ms at most), so the
//! longest stretch without a feed is one sector erase, 500 ms. A stuck
//! interface is given up on after [`ERASE_TIMEOUT_MS`], still before the
//! watchdog's shortest timeout.
//! (The 128 KiB sectors at the end of flash were not used: their erase alone
//! may take 2 s.) The F429 emulator times a save with these worst cases,
//! fails a write whose width is not the parallelism set, and fails the run
//! if a stretch without a feed reaches the watchdog's shortest timeout; with
//! the interface stuck busy it checks that the board gives up in time and
//! says so on its screen.
use cortex_m::peripheral::{DCB, DWT};
use embedded_storage::nor_flash::{ErrorType, NorFlash, NorFlashErrorKind, ReadNorFlash};
use firmware::store::Region;
use stm32f4xx_hal::flash::FlashExt;
use stm32f4xx_hal::pac;

/// Flash offset of sector 14 (bank 2 starts at 1 MiB with four 16 KiB sectors, 12 to 15).
const START: u32 = 0x10_8000;
/// Sectors 14 and 15 are 16 KiB each.
const SECTOR: u32 = 16 * 1024;
/// FLASH_CR's SNB code of sector 14: bank 2's sectors 12 to 23 are 16 to 27.
const FIRST_SNB: u8 = 14 + 4;
/// Where flash is mapped.
const FLASH_BASE: usize = 0x0800_0000;
/// FLASH_KEYR's unlock sequence (RM0090 3.5.1).
const KEYS: [u32; 2] = [0x4567_0123, 0xCDEF_89AB];

/// How long an erase (or an operation in progress) may keep the interface
/// busy before it counts as failed: twice the datasheet's longest 16 KiB
/// sector erase at x32 (500 ms), and still less than the watchdog's shortest
/// timeout (1.4 s) after the feed before it.
pub const ERASE_TIMEOUT_MS: u32 = 1000;
/// How long one 4-byte write may keep it busy: ten times the datasheet's
/// longest (100 µs).
pub const WRITE_TIMEOUT_MS: u32 = 1;

// what the board learns fits a slot (a larger model fails the build here)
const _: () = assert!(Region::record_len(firmware::model::HIDDEN) <= SECTOR as usize);

/// The two slots: one sector each.
pub const REGION: Region = Region {
    start: START,
    slot_len: SECTOR,
};

/// The two sectors; everything else in flash is refused.
pub struct Learned {
    flash: pac::FLASH,
    /// Called before every wait, sector erase and write.
    busy: fn(),
    /// Core clock cycles (DWT CYCCNT counts) per millisecond.
    cycles_per_ms: u32,
    /// An operation was given up on while it still ran (see [`Learned::end`]).
    gave_up: bool,
}

impl Learned {
    /// The learned-values sectors of the board's flash; `busy` is called
    /// before every wait, sector erase and write (see the module docs). The
    /// waits are timed with the core's cycle counter, which this starts
    /// (`dcb` and `dwt` are taken so that nothing else stops it), at
    /// `core_hz`.
    pub fn new(flash: pac::FLASH, mut dcb: DCB, mut dwt: DWT, core_hz: u32, busy: fn()) -> Self {
        dcb.enable_trace();
        dwt.enable_cycle_counter();
        Learned {
            flash,
            busy,
            cycles_per_ms: core_hz / 1000,
            gave_up: false,
        }
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

    /// Waits for an operation in progress, unlocks FLASH_CR, switches the data
    /// cache off and clears the error flags; an interface the keys leave locked
    /// is an error (one locked out by a wrong sequence faults at the keys
    /// instead: the module's doc), and so is one that stays busy. Nothing is written before the interface
    /// is idle: a write to FLASH_CR while BSY is set stalls the bus until BSY
    /// clears (RM0090 3.5.1). After an operation given up on, a look at BSY
    /// decides (the wait was had then).
    ///
    /// The data cache is off while the learned sectors are erased or programmed and
    /// the program reads flash meanwhile: ST's erratum "Data cache might be corrupted
    /// during Flash memory read-while-write operation" (ES0206). [`Learned::end`] resets
    /// it and switches it on again once the flash is idle (after an operation given
    /// up on, once that has ended: [`Learned::settle`]).
    fn begin(&mut self) -> Result<(), NorFlashErrorKind> {
        (self.busy)();
        let timeout = if self.gave_up { 0 } else { ERASE_TIMEOUT_MS };
        self.wait(timeout)?;
        self.gave_up = false;
        let f = &self.flash;
        if f.cr().read().lock().bit_is_set() {
            for key in KEYS {
                f.keyr().write(|w| w.key().set(key));
            }
            if f.cr().read().lock().bit_is_set() {
                return Err(NorFlashErrorKind::Other);
            }
        }
        f.acr().modify(|_, w| w.dcen().clear_bit());
        f.sr().write(|w| {
            w.eop().clear_bit_by_one();
            w.operr().clear_bit_by_one();
            w.wrperr().clear_bit_by_one();
            w.pgaerr().clear_bit_by_one();
            w.pgperr().clear_bit_by_one();
            w.pgserr().clear_bit_by_one()
        });
        Ok(())
    }

    /// Waits while an operation is in progress (BSY), at most `timeout_ms`
    /// (a stuck interface is an error; the busy function was called before,
    /// and the timeouts end before the watchdog's).
    fn wait(&self, timeout_ms: u32) -> Result<(), NorFlashErrorKind> {
        let start = DWT::cycle_count();
        let limit = timeout_ms.saturating_mul(self.cycles_per_ms);
        while self.flash.sr().read().bsy().bit_is_set() {
            // the counter wraps every 23.8 s at 180 MHz: the difference is right across a wrap
            if DWT::cycle_count().wrapping_sub(start) > limit {
                return Err(NorFlashErrorKind::Other);
            }
        }
        Ok(())
    }

    /// Whether the last operation set an error flag.
    fn failed(&self) -> bool {
        let sr = self.flash.sr().read();
        sr.operr().bit_is_set()
            || sr.wrperr().bit_is_set()
            || sr.pgaerr().bit_is_set()
            || sr.pgperr().bit_is_set()
            || sr.pgserr().bit_is_set()
    }

    /// Puts right what [`Learned::end`] left as it was after an operation given
    /// up on (SER or PG set, the interface unlocked, the data cache off), once
    /// that operation has ended; else nothing. The main loop calls it every poll.
    pub fn settle(&mut self) {
        if self.gave_up && self.flash.sr().read().bsy().bit_is_clear() {
            self.gave_up = false;
            // BSY is clear: end locks the interface and switches the cache on again
            let _ = self.end(Ok(()));
        }
    }

    /// Ends an erase or a write begun by [`Learned::begin`] (each of its
    /// operations was waited for, or given up on): SER and PG off, FLASH_CR
    /// locked, the data cache reset and on again; the result of the operation.
    /// An operation given up on that still runs leaves all that as it is: a
    /// write to FLASH_CR would stall the bus until it ends (RM0090 3.5.1), and
    /// the cache stays off (the erratum's condition). [`Learned::settle`] ends it
    /// properly once the operation has ended; a `begin` before then fails at once.
    fn end(&mut self, result: Result<(), NorFlashErrorKind>) -> Result<(), NorFlashErrorKind> {
        let f = &self.flash;
        if f.sr().read().bsy().bit_is_set() {
            self.gave_up = true;
            // the watchdog fed again: a read of bank 2 may now wait for the operation
            (self.busy)();
            return result;
        }
        f.cr().modify(|_, w| w.ser().clear_bit().pg().clear_bit());
        f.cr().modify(|_, w| w.lock().set_bit());
        reset_data_cache();
        result
    }

    fn erase_sectors(&mut self, from: u32, to: u32) -> Result<(), NorFlashErrorKind> {
        for at in (from..to).step_by(SECTOR as usize) {
            // at is one of the two sectors: its code is 18 or 19
            let snb = FIRST_SNB + ((at - START) / SECTOR) as u8;
            (self.busy)();
            // SAFETY: SNB takes any 5-bit sector code; snb is 18 or 19.
            self.flash.cr().modify(|_, w| unsafe {
                w.psize()
                    .psize32()
                    .pg()
                    .clear_bit()
                    .ser()
                    .set_bit()
                    .snb()
                    .bits(snb)
            });
            self.flash.cr().modify(|_, w| w.strt().set_bit());
            self.wait(ERASE_TIMEOUT_MS)?;
            if self.failed() {
                return Err(NorFlashErrorKind::Other);
            }
        }
        Ok(())
    }

    fn program(&mut self, offset: u32, bytes: &[u8]) -> Result<(), NorFlashErrorKind> {
        self.flash
            .cr()
            .modify(|_, w| w.psize().psize32().ser().clear_bit().pg().set_bit());
        for (i, word) in bytes.chunks_exact(4).enumerate() {
            let at = FLASH_BASE + offset as usize + 4 * i;
            let value = u32::from_le_bytes([word[0], word[1], word[2], word[3]]);
            // SAFETY: `at` is 4-byte aligned inside the two learned sectors
            // (checked by the caller), which the program never occupies; with
            // PG set the write programs the word.
            unsafe { core::ptr::write_volatile(at as *mut u32, value) };
            self.wait(WRITE_TIMEOUT_MS)?;
            if self.failed() {
                return Err(NorFlashErrorKind::Other);
            }
        }
        Ok(())
    }
}

/// Resets the flash data cache (RM0090 3.5.2: it may hold the contents
/// from before an erase or program) and switches it on.
fn reset_data_cache() {
    // SAFETY: FLASH_ACR's DCEN/DCRST bits only; the HAL set the wait states
    // and caches at start-up, and only this driver changes DCEN later.
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
    const WRITE_SIZE: usize = 4;
    const ERASE_SIZE: usize = SECTOR as usize;

    fn erase(&mut self, from: u32, to: u32) -> Result<(), Self::Error> {
        let len = to.checked_sub(from).ok_or(NorFlashErrorKind::OutOfBounds)?;
        Self::check(from, len as usize)?;
        if !from.is_multiple_of(SECTOR) || !len.is_multiple_of(SECTOR) {
            return Err(NorFlashErrorKind::NotAligned);
        }
        self.begin()?;
        let result = self.erase_sectors(from, to);
        self.end(result)
    }

    fn write(&mut self, offset: u32, bytes: &[u8]) -> Result<(), Self::Error> {
        Self::check(offset, bytes.len())?;
        if !offset.is_multiple_of(4) || !bytes.len().is_multiple_of(4) {
            return Err(NorFlashErrorKind::NotAligned);
        }
        self.begin()?;
        let result = self.program(offset, bytes);
        self.end(result)
    }
}
