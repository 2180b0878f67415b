//! What the board learned, kept in flash across resets: the adapted output
//! layer (`nnet_core::adapt`) as a record in one of two flash slots.
//!
//! After a correction the board calls [`Store::save`]; at start it calls
//! [`Store::open`] and [`Store::restore`], and answers as it did before the
//! reset. Each save goes to the slot that does *not* hold the newest good
//! record, so a reset or power cut in the middle of a save loses only that
//! save: the other slot still holds the one before. [`Store::forget`] erases
//! the slot of the newest record last, so a cut in the middle of it leaves
//! what was there before, never an older record.
//!
//! A slot starts with this record (little-endian), then unused bytes:
//!
//! | offset | size | field |
//! | --- | --- | --- |
//! | 0 | 4 | magic `NNLR` |
//! | 4 | 2 | [`VERSION`] |
//! | 6 | 2 | hidden units `H` |
//! | 8 | 4 | the model file's CRC-32 (its last 4 bytes): a record belongs to one model |
//! | 12 | 4 | sequence number, one more than the newest the store has seen or used |
//! | 16 | 4 | corrections learned in all |
//! | 20 | 4 | value count `10 x (H + 1)` |
//! | 24 | 4 x count | the layer's values, f32 ([`OutputLayer::params`] order) |
//! | 24 + 4 x count | 4 | CRC-32 of everything before |
//!
//! Nothing here trusts the flash: an erased slot is [`Slot::Erased`]; any
//! other content that is not a whole record of this model with the right
//! checksum and values the network accepts is [`Slot::Unusable`], with the
//! reason, and is never loaded. Flash errors are values, never panics.
//! Works on any [`embedded_storage`] NOR flash: the boards' own drivers, and
//! a RAM flash in the tests.
use core::fmt;

use embedded_storage::nor_flash::{NorFlash, NorFlashError, NorFlashErrorKind, ReadNorFlash};
use nnet_core::adapt::{AdaptedMlp, AdaptedQuantMlp};
use nnet_core::format::Crc32;
use nnet_core::{Error, OUTPUT};

/// The first bytes of a record.
pub const MAGIC: [u8; 4] = *b"NNLR";
/// The record layout this build writes and reads.
pub const VERSION: u16 = 1;
/// Bytes before the values.
const HEADER: usize = 24;
/// Flash is read and written in pieces of this size (a multiple of every
/// flash's write size here: 4 bytes for the F429's driver, a 256-byte page on
/// the RP2040).
/// No write is longer and no erase spans more than one slot, so a driver
/// can feed a watchdog between them (the F429's does).
pub const CHUNK: usize = 256;

/// A network whose learned output layer can be saved and put back.
pub trait Remember {
    /// Hidden units `H`.
    const HIDDEN: usize;
    /// The learned values, in [`OutputLayer::params`] order.
    fn learned(&self) -> impl Iterator<Item = f32> + '_;
    /// Puts back values saved from [`Remember::learned`]; refused values are
    /// an error and leave the network with its own output layer.
    fn remember(&mut self, values: impl Iterator<Item = f32>) -> Result<(), Error>;
}

impl<const H: usize> Remember for AdaptedMlp<'_, H> {
    const HIDDEN: usize = H;
    fn learned(&self) -> impl Iterator<Item = f32> + '_ {
        self.output().params()
    }
    fn remember(&mut self, values: impl Iterator<Item = f32>) -> Result<(), Error> {
        self.restore(values)
    }
}

impl<const H: usize> Remember for AdaptedQuantMlp<'_, H> {
    const HIDDEN: usize = H;
    fn learned(&self) -> impl Iterator<Item = f32> + '_ {
        self.output().params()
    }
    fn remember(&mut self, values: impl Iterator<Item = f32>) -> Result<(), Error> {
        self.restore(values)
    }
}

#[cfg(doc)]
use nnet_core::adapt::OutputLayer;

/// Where the two slots lie: `slot_len` bytes each, the first at `start`
/// (offsets into the flash device, as its driver counts them).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Region {
    /// Offset of slot 0; slot 1 follows it.
    pub start: u32,
    /// Bytes per slot: a multiple of the flash's erase size, at least
    /// [`Region::record_len`] rounded up to 256 bytes.
    pub slot_len: u32,
}

impl Region {
    /// Bytes of a record for `hidden` units.
    pub const fn record_len(hidden: usize) -> usize {
        HEADER + 4 * value_count(hidden) + 4
    }

    fn slot(&self, slot: usize) -> u32 {
        // slot is 0 or 1
        self.start + self.slot_len * slot as u32
    }

    /// Whether a record for `hidden` units fits a slot and the slots suit `F`.
    fn check<F: NorFlash>(&self, flash: &F, hidden: usize) -> Result<(), SaveError> {
        let written = Region::record_len(hidden).div_ceil(CHUNK) * CHUNK;
        let erase = F::ERASE_SIZE as u32;
        let fits = self.slot_len as usize >= written
            && erase != 0
            && self.start.is_multiple_of(erase)
            && self.slot_len.is_multiple_of(erase)
            && CHUNK.is_multiple_of(F::WRITE_SIZE)
            && CHUNK.is_multiple_of(F::READ_SIZE)
            && (self.start as usize)
                .checked_add(2 * self.slot_len as usize)
                .is_some_and(|end| end <= flash.capacity());
        if fits {
            Ok(())
        } else {
            Err(SaveError::Region)
        }
    }
}

const fn value_count(hidden: usize) -> usize {
    OUTPUT * (hidden + 1)
}

/// What a slot holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Slot {
    /// Erased flash: nothing saved here yet.
    Erased,
    /// A good record of this model.
    Record {
        /// Its sequence number.
        sequence: u32,
        /// The corrections it holds.
        corrections: u32,
    },
    /// Something that must not be loaded.
    Unusable(Problem),
}

/// Why a slot's contents are not loaded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Problem {
    /// Not a record of this layout: neither its mark (magic and version) nor
    /// this model's fields, or a whole record with a count of values no record
    /// of this model has.
    NotARecord,
    /// A whole record (its checksum matches, at the length its own header
    /// gives) of another network: other hidden size or model file.
    OtherModel,
    /// The checksum does not match: a save cut short, or damaged flash, in the
    /// values or in the header (a damaged mark, model field or count is damage
    /// too, not another kind of record).
    Checksum,
    /// The checksum matches but the network refused a value.
    Values(Error),
    /// The flash driver failed to read it.
    Read(NorFlashErrorKind),
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Problem::NotARecord => f.write_str("not a record of learned values"),
            Problem::OtherModel => f.write_str("learned on another model"),
            Problem::Checksum => f.write_str("checksum mismatch (a cut-off save or damaged flash)"),
            Problem::Values(e) => write!(f, "values refused: {e}"),
            Problem::Read(e) => write!(f, "flash read failed: {e:?}"),
        }
    }
}

impl Problem {
    /// Whether this slot held learning of this model that is lost to damage (a save cut short
    /// by the power, worn or failing flash): the boards say so on the screen
    /// ([`crate::notice::damaged_learning`]). A record of another model, or flash that is not a
    /// record at all, is not: it never held what this board learned.
    pub fn is_damage(&self) -> bool {
        matches!(
            self,
            Problem::Checksum | Problem::Values(_) | Problem::Read(_)
        )
    }
}

impl fmt::Display for Slot {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Slot::Erased => f.write_str("empty"),
            Slot::Record {
                sequence,
                corrections,
            } => write!(f, "save {sequence}, {corrections} corrections"),
            Slot::Unusable(p) => write!(f, "unusable: {p}"),
        }
    }
}

/// A record put back by [`Store::restore`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Restored {
    /// The slot it came from.
    pub slot: usize,
    /// The corrections it holds.
    pub corrections: u32,
}

/// What [`Store::open_and_restore`] found, one item per log line: each
/// slot it did not use, then what the network now holds. Its
/// [`Display`](fmt::Display) is the line the boards log.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Found {
    /// A slot whose contents were not loaded, and why.
    Ignored {
        /// The slot.
        slot: usize,
        /// Why.
        problem: Problem,
    },
    /// The values of a record are in the network.
    Restored(Restored),
    /// No good record: the network is as shipped.
    Nothing,
}

impl fmt::Display for Found {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Found::Ignored { slot, problem } => {
                write!(f, "learned flash slot {slot} ignored: {problem}")
            }
            Found::Restored(r) => write!(
                f,
                "restored {} corrections from flash slot {}",
                r.corrections, r.slot
            ),
            Found::Nothing => f.write_str("nothing learned in flash: the model as shipped"),
        }
    }
}

/// A record written by [`Store::save`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Saved {
    /// The slot written.
    pub slot: usize,
    /// Its sequence number.
    pub sequence: u32,
}

/// Why [`Store::save`] did not save.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SaveError {
    /// The [`Region`] does not fit the record or the flash (a build mistake).
    Region,
    /// The flash driver failed to erase or write (or to read back).
    Flash(NorFlashErrorKind),
    /// The slot read back is not the record written (worn or failing flash).
    Verify(Slot),
}

impl fmt::Display for SaveError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SaveError::Region => f.write_str("the flash region does not fit the record"),
            SaveError::Flash(e) => write!(f, "flash erase/write failed: {e:?}"),
            SaveError::Verify(s) => write!(f, "the slot read back as {s}"),
        }
    }
}

/// The two slots of learned values for one model (see the [module docs](self)).
#[derive(Debug, Clone)]
pub struct Store {
    region: Region,
    model: u32,
    hidden: usize,
    slots: [Slot; 2],
    /// The newest sequence number found in a record or given to a save
    /// (`None`: none yet). Every save is numbered after it, even when no
    /// good record is known any more: a slot that could not be erased may
    /// still hold the record with that number, and it must not win over the
    /// new save at the next start.
    last: Option<u32>,
    /// The slot whose last erase, write or check failed in this run, if any: with no good
    /// record to keep, a save tries the other first (the flash there may be worn out).
    failed: Option<usize>,
}

impl Store {
    /// Looks at both slots of `region` for records of the model whose file
    /// checksum is `model`, with `hidden` units. Reads only.
    pub fn open<F: ReadNorFlash>(flash: &mut F, region: Region, model: u32, hidden: usize) -> Self {
        let mut store = Store {
            region,
            model,
            hidden,
            slots: [Slot::Erased; 2],
            last: None,
            failed: None,
        };
        for slot in 0..2 {
            store.slots[slot] = store.scan(flash, slot);
            if let Slot::Record { sequence, .. } = store.slots[slot] {
                store.note(sequence);
            }
        }
        store
    }

    /// Remembers that `sequence` is in use (when it is newer than `last`).
    fn note(&mut self, sequence: u32) {
        match self.last {
            Some(last) if !newer(sequence, last) => {}
            _ => self.last = Some(sequence),
        }
    }

    /// The start of a board: [`Store::open`] for `net`'s size, then
    /// [`Store::restore`] into `net`, calling `report` with each [`Found`]
    /// (the unused slots, then the outcome). Returns the store and the
    /// corrections `net` now holds.
    pub fn open_and_restore<F: ReadNorFlash, N: Remember>(
        flash: &mut F,
        region: Region,
        model: u32,
        net: &mut N,
        mut report: impl FnMut(&Found),
    ) -> (Self, u32) {
        let mut store = Store::open(flash, region, model, N::HIDDEN);
        let restored = store.restore(flash, net);
        for (slot, s) in store.slots.iter().enumerate() {
            if let Slot::Unusable(problem) = *s {
                report(&Found::Ignored { slot, problem });
            }
        }
        match restored {
            Some(r) => {
                report(&Found::Restored(r));
                (store, r.corrections)
            }
            None => {
                report(&Found::Nothing);
                (store, 0)
            }
        }
    }

    /// What each slot holds.
    pub fn slots(&self) -> [Slot; 2] {
        self.slots
    }

    /// Whether a slot was not loaded because of damage ([`Problem::is_damage`]).
    pub fn damaged(&self) -> bool {
        self.slots
            .iter()
            .any(|s| matches!(s, Slot::Unusable(p) if p.is_damage()))
    }

    /// The slot of the newest good record.
    fn newest(&self) -> Option<usize> {
        let seq = |s: usize| match self.slots[s] {
            Slot::Record { sequence, .. } => Some(sequence),
            _ => None,
        };
        match (seq(0), seq(1)) {
            (Some(a), Some(b)) => Some(if newer(b, a) { 1 } else { 0 }),
            (Some(_), None) => Some(0),
            (None, Some(_)) => Some(1),
            (None, None) => None,
        }
    }

    /// Puts the newest good record's values into `net` (the older record if
    /// the network refuses the newest's values; such a slot is then marked
    /// [`Problem::Values`]). `None` when no slot holds a good record; `net`
    /// then keeps its own output layer.
    pub fn restore<F: ReadNorFlash, N: Remember>(
        &mut self,
        flash: &mut F,
        net: &mut N,
    ) -> Option<Restored> {
        if N::HIDDEN != self.hidden {
            return None;
        }
        while let Some(slot) = self.newest() {
            let Slot::Record { corrections, .. } = self.slots[slot] else {
                return None;
            };
            let mut values = Values::new(flash, self.region.slot(slot), value_count(self.hidden));
            let put = net.remember(&mut values);
            let problem = match (values.failed, put) {
                (Some(e), _) => Problem::Read(e),
                (None, Err(e)) => Problem::Values(e),
                (None, Ok(())) => return Some(Restored { slot, corrections }),
            };
            // a read cut short gave the network too few values: it refused them
            self.slots[slot] = Slot::Unusable(problem);
        }
        None
    }

    /// Saves `net`'s learned values as the newest record, with `corrections`
    /// learned in all: erases the slot that does not hold the newest good
    /// record (with no good record, a damaged one first: the first save ends
    /// the damage [`Store::damaged`] reports, unless that slot failed to erase
    /// or write in this run), writes, and reads it back. The record is numbered one after
    /// the newest sequence number this store has seen in a slot or used (also
    /// after a forget, whose erase may have failed and left an old record).
    pub fn save<F: NorFlash, N: Remember>(
        &mut self,
        flash: &mut F,
        net: &N,
        corrections: u32,
    ) -> Result<Saved, SaveError> {
        if N::HIDDEN != self.hidden {
            return Err(SaveError::Region);
        }
        self.region.check(flash, self.hidden)?;
        let slot = match self.newest() {
            Some(newest) => 1 - newest,
            // no good record to keep: a damaged slot first (the save ends the damage the
            // board reports), then one that did not fail in this run
            None => {
                let damaged =
                    |s: usize| matches!(self.slots[s], Slot::Unusable(p) if p.is_damage());
                let ok = |s: usize| self.failed != Some(s);
                (0..2)
                    .find(|&s| damaged(s) && ok(s))
                    .or((0..2).find(|&s| ok(s)))
                    .unwrap_or(0)
            }
        };
        let saved = self.save_into(flash, net, corrections, slot);
        self.failed = match saved {
            Ok(_) => self.failed.filter(|&s| s != slot),
            Err(_) => Some(slot),
        };
        saved
    }

    /// [`Store::save`] into `slot`.
    fn save_into<F: NorFlash, N: Remember>(
        &mut self,
        flash: &mut F,
        net: &N,
        corrections: u32,
        slot: usize,
    ) -> Result<Saved, SaveError> {
        let sequence = self.last.map_or(1, |last| last.wrapping_add(1));
        // used, whatever happens: a later save never reuses it
        self.note(sequence);
        let start = self.region.slot(slot);
        // from here on the slot holds nothing good, whatever happens
        self.slots[slot] = Slot::Unusable(Problem::Checksum);
        flash
            .erase(start, start + self.region.slot_len)
            .map_err(|e| SaveError::Flash(e.kind()))?;
        let mut header = [0u8; HEADER];
        header[0..4].copy_from_slice(&MAGIC);
        header[4..6].copy_from_slice(&VERSION.to_le_bytes());
        // the hidden size of a firmware's network fits 16 bits (the model format allows 4096)
        header[6..8].copy_from_slice(&(self.hidden as u16).to_le_bytes());
        header[8..12].copy_from_slice(&self.model.to_le_bytes());
        header[12..16].copy_from_slice(&sequence.to_le_bytes());
        header[16..20].copy_from_slice(&corrections.to_le_bytes());
        header[20..24].copy_from_slice(&(value_count(self.hidden) as u32).to_le_bytes());
        let mut writer = Writer::new(flash, start);
        writer.put(&header)?;
        for v in net.learned() {
            writer.put(&v.to_le_bytes())?;
        }
        let crc = writer.crc.finish();
        writer.put(&crc.to_le_bytes())?;
        writer.finish()?;
        let read_back = self.scan(flash, slot);
        self.slots[slot] = read_back;
        match read_back {
            Slot::Record { sequence: s, .. } if s == sequence => Ok(Saved { slot, sequence }),
            other => Err(SaveError::Verify(other)),
        }
    }

    /// Erases both slots and reads them back: nothing learned is kept (after
    /// the user made the network forget). A slot whose header does not read
    /// back erased (a flash that ignores erases) is [`SaveError::Verify`];
    /// the rest of a slot is not read (no record comes back without its
    /// header, and a save erases the whole slot first).
    ///
    /// The slot of the newest good record is erased last, so a power cut
    /// after any step leaves either what was there before (the newest record,
    /// which the next start restores) or nothing: never an older record.
    /// Sequence numbers go on from the ones erased ([`Store::save`]).
    pub fn forget<F: NorFlash>(&mut self, flash: &mut F) -> Result<(), SaveError> {
        self.region.check(flash, self.hidden)?;
        // the other slot (an older record, an unusable or an erased slot) first
        let newest = self.newest().unwrap_or(1);
        for slot in [1 - newest, newest] {
            let start = self.region.slot(slot);
            self.slots[slot] = Slot::Unusable(Problem::Checksum);
            self.failed = Some(slot);
            flash
                .erase(start, start + self.region.slot_len)
                .map_err(|e| SaveError::Flash(e.kind()))?;
            self.slots[slot] = self.scan(flash, slot);
            if self.slots[slot] != Slot::Erased {
                return Err(SaveError::Verify(self.slots[slot]));
            }
            self.failed = self.failed.filter(|&s| s != slot);
        }
        Ok(())
    }

    /// Reads a slot's header and checks its record's checksum.
    fn scan<F: ReadNorFlash>(&self, flash: &mut F, slot: usize) -> Slot {
        let start = self.region.slot(slot);
        let mut chunk = [0u8; CHUNK];
        if let Err(e) = flash.read(start, &mut chunk) {
            return Slot::Unusable(Problem::Read(e.kind()));
        }
        let h = &chunk[..HEADER];
        if h.iter().all(|&b| b == 0xff) {
            return Slot::Erased;
        }
        let u16_at = |i: usize| u16::from_le_bytes([h[i], h[i + 1]]);
        let u32_at = |i: usize| u32::from_le_bytes([h[i], h[i + 1], h[i + 2], h[i + 3]]);
        let ours = h[0..4] == MAGIC && u16_at(4) == VERSION;
        let (hidden, model, count) = (usize::from(u16_at(6)), u32_at(8), u32_at(20) as usize);
        let (sequence, corrections) = (u32_at(12), u32_at(16));
        let this_model = hidden == self.hidden && model == self.model;
        let our_count = count == value_count(self.hidden);
        // what bears neither our mark nor this model's fields is no record: nothing to check
        if !(ours || (this_model && our_count)) {
            return Slot::Unusable(Problem::NotARecord);
        }
        // The checksum decides between damage and a record of another kind, at the length
        // the record's own header gives (this model's, behind another mark): a header with
        // one field damaged reads as damage (a banner on the screen), not as another model's
        // record or as something that is no record (said in the log alone).
        let len = Region::record_len(hidden);
        let whole = if len <= self.region.slot_len as usize {
            match self.checksum_ok(flash, start, &mut chunk, len) {
                Ok(whole) => whole,
                Err(p) => return Slot::Unusable(p),
            }
        } else {
            false
        };
        Slot::Unusable(match (whole, ours, this_model, our_count) {
            (false, ..) => Problem::Checksum,
            (true, true, true, true) => {
                return Slot::Record {
                    sequence,
                    corrections,
                }
            }
            (true, true, false, _) => Problem::OtherModel,
            // a whole record of another layout version, or with a count of values no record
            // of this model has
            (true, ..) => Problem::NotARecord,
        })
    }

    /// Whether the record of `len` bytes at `start` (its first `CHUNK` bytes in `chunk`,
    /// which it reads the rest through) ends with the checksum of the bytes before it.
    fn checksum_ok<F: ReadNorFlash>(
        &self,
        flash: &mut F,
        start: u32,
        chunk: &mut [u8; CHUNK],
        len: usize,
    ) -> Result<bool, Problem> {
        let body = len - 4;
        let mut crc = Crc32::new();
        let mut stored = [0u8; 4];
        let mut at = 0;
        while at < len {
            if at > 0 {
                flash
                    .read(start + at as u32, chunk)
                    .map_err(|e| Problem::Read(e.kind()))?;
            }
            let data = &chunk[..CHUNK.min(len - at)];
            let checked = body.saturating_sub(at).min(data.len());
            crc.update(&data[..checked]);
            for (i, &b) in data.iter().enumerate().skip(checked) {
                stored[at + i - body] = b;
            }
            at += CHUNK;
        }
        Ok(crc.finish() == u32::from_le_bytes(stored))
    }
}

/// `a` was saved after `b` (sequence numbers compared as serial numbers, so
/// that the count may wrap).
fn newer(a: u32, b: u32) -> bool {
    (a.wrapping_sub(b) as i32) > 0
}

/// The values of a record, read from flash a chunk at a time.
struct Values<'f, F> {
    flash: &'f mut F,
    /// Flash offset of the slot.
    start: u32,
    /// Values still to yield.
    left: usize,
    /// Record byte of the next value.
    pos: usize,
    chunk: [u8; CHUNK],
    /// Record byte where `chunk` starts (`usize::MAX`: nothing read yet).
    chunk_at: usize,
    failed: Option<NorFlashErrorKind>,
}

impl<'f, F: ReadNorFlash> Values<'f, F> {
    fn new(flash: &'f mut F, start: u32, count: usize) -> Self {
        Values {
            flash,
            start,
            left: count,
            pos: HEADER,
            chunk: [0; CHUNK],
            chunk_at: usize::MAX,
            failed: None,
        }
    }
}

impl<F: ReadNorFlash> Iterator for Values<'_, F> {
    type Item = f32;

    fn next(&mut self) -> Option<f32> {
        if self.left == 0 || self.failed.is_some() {
            return None;
        }
        // values are 4-byte aligned in the record and CHUNK is a multiple of 4
        let at = self.pos / CHUNK * CHUNK;
        if at != self.chunk_at {
            if let Err(e) = self.flash.read(self.start + at as u32, &mut self.chunk) {
                self.failed = Some(e.kind());
                return None;
            }
            self.chunk_at = at;
        }
        let i = self.pos - at;
        let b = &self.chunk[i..i + 4];
        self.pos += 4;
        self.left -= 1;
        Some(f32::from_le_bytes([b[0], b[1], b[2], b[3]]))
    }
}

/// Writes a record a chunk at a time, padding the last chunk with 0xff, and
/// keeps the checksum of what it was given.
struct Writer<'f, F> {
    flash: &'f mut F,
    at: u32,
    chunk: [u8; CHUNK],
    fill: usize,
    crc: Crc32,
}

impl<'f, F: NorFlash> Writer<'f, F> {
    fn new(flash: &'f mut F, at: u32) -> Self {
        Writer {
            flash,
            at,
            chunk: [0xff; CHUNK],
            fill: 0,
            crc: Crc32::new(),
        }
    }

    fn put(&mut self, bytes: &[u8]) -> Result<(), SaveError> {
        self.crc.update(bytes);
        for &b in bytes {
            self.chunk[self.fill] = b;
            self.fill += 1;
            if self.fill == CHUNK {
                self.flush()?;
            }
        }
        Ok(())
    }

    fn flush(&mut self) -> Result<(), SaveError> {
        self.flash
            .write(self.at, &self.chunk)
            .map_err(|e| SaveError::Flash(e.kind()))?;
        self.at += CHUNK as u32;
        self.chunk = [0xff; CHUNK];
        self.fill = 0;
        Ok(())
    }

    fn finish(mut self) -> Result<(), SaveError> {
        if self.fill > 0 {
            self.flush()?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::app::Learn;
    use crate::model::{self, Adapted, Classifier};
    use nnet_core::Image;
    use proptest::prelude::*;
    use std::string::ToString;
    use std::vec;
    use std::vec::Vec;

    /// A NOR flash in RAM, strict like the real ones: erase to 0xff in 4 KiB
    /// sectors, write whole 256-byte pages and only onto erased bytes.
    #[derive(Clone)]
    struct MemFlash {
        bytes: Vec<u8>,
        /// Page writes that succeed before the "power cut" (then every write fails).
        writes_left: Option<usize>,
        /// Erases that succeed before the "power cut" or a failing erase (then every
        /// erase fails and changes nothing).
        erases_left: Option<usize>,
        fail_read: bool,
        fail_erase: bool,
        /// Writes report success but change nothing (failing flash).
        drop_writes: bool,
        /// Erases report success but change nothing (write-protected flash).
        drop_erases: bool,
        /// Every erase `(from, to)` and the length of every write, in order.
        calls: Vec<(&'static str, u32, u32)>,
    }

    impl MemFlash {
        fn new() -> Self {
            MemFlash {
                bytes: vec![0xff; 64 * 1024],
                writes_left: None,
                erases_left: None,
                fail_read: false,
                fail_erase: false,
                drop_writes: false,
                drop_erases: false,
                calls: Vec::new(),
            }
        }
    }

    impl embedded_storage::nor_flash::ErrorType for MemFlash {
        type Error = NorFlashErrorKind;
    }

    impl ReadNorFlash for MemFlash {
        const READ_SIZE: usize = 1;
        fn read(&mut self, offset: u32, bytes: &mut [u8]) -> Result<(), Self::Error> {
            let at = offset as usize;
            let src = self
                .bytes
                .get(at..at + bytes.len())
                .ok_or(NorFlashErrorKind::OutOfBounds)?;
            if self.fail_read {
                return Err(NorFlashErrorKind::Other);
            }
            bytes.copy_from_slice(src);
            Ok(())
        }
        fn capacity(&self) -> usize {
            self.bytes.len()
        }
    }

    impl NorFlash for MemFlash {
        const WRITE_SIZE: usize = 256;
        const ERASE_SIZE: usize = 4096;
        fn erase(&mut self, from: u32, to: u32) -> Result<(), Self::Error> {
            self.calls.push(("erase", from, to));
            let (from, to) = (from as usize, to as usize);
            if !from.is_multiple_of(Self::ERASE_SIZE)
                || !to.is_multiple_of(Self::ERASE_SIZE)
                || from > to
            {
                return Err(NorFlashErrorKind::NotAligned);
            }
            if self.fail_erase {
                return Err(NorFlashErrorKind::Other);
            }
            if let Some(left) = &mut self.erases_left {
                if *left == 0 {
                    return Err(NorFlashErrorKind::Other);
                }
                *left -= 1;
            }
            if self.drop_erases {
                return Ok(());
            }
            self.bytes
                .get_mut(from..to)
                .ok_or(NorFlashErrorKind::OutOfBounds)?
                .fill(0xff);
            Ok(())
        }
        fn write(&mut self, offset: u32, bytes: &[u8]) -> Result<(), Self::Error> {
            self.calls
                .push(("write", offset, offset + bytes.len() as u32));
            let at = offset as usize;
            if !at.is_multiple_of(Self::WRITE_SIZE) || !bytes.len().is_multiple_of(Self::WRITE_SIZE)
            {
                return Err(NorFlashErrorKind::NotAligned);
            }
            if let Some(left) = &mut self.writes_left {
                if *left == 0 {
                    return Err(NorFlashErrorKind::Other);
                }
                *left -= 1;
            }
            let dst = self
                .bytes
                .get_mut(at..at + bytes.len())
                .ok_or(NorFlashErrorKind::OutOfBounds)?;
            assert!(
                dst.iter().all(|&b| b == 0xff),
                "write at {at:#x} onto bytes that were not erased"
            );
            if !self.drop_writes {
                dst.copy_from_slice(bytes);
            }
            Ok(())
        }
    }

    const REGION: Region = Region {
        start: 16 * 1024,
        slot_len: 16 * 1024,
    };
    const MODEL: u32 = 0x1234_5678;

    fn open(flash: &mut MemFlash) -> Store {
        Store::open(flash, REGION, MODEL, model::HIDDEN)
    }

    fn image(seed: usize) -> Image {
        core::array::from_fn(|i| ((i * 37 + seed * 11) % 101) as f32 / 100.0)
    }

    /// A network taught `n` corrections, each on another image.
    fn taught(n: usize) -> Adapted {
        let mut net = model::adapted().unwrap();
        for k in 0..n {
            let x = image(k);
            let label = (Classifier::predict(&net, &x).unwrap().digit + 1) % 10;
            net.learn(&x, label).unwrap();
        }
        net
    }

    fn values(net: &Adapted) -> Vec<u32> {
        net.learned().map(f32::to_bits).collect()
    }

    /// Restores into a fresh network: the record of `slot` with
    /// `corrections`, and the values of `expect`.
    fn assert_restores(
        store: &mut Store,
        flash: &mut MemFlash,
        slot: usize,
        corrections: u32,
        expect: &Adapted,
    ) -> Adapted {
        let mut back = model::adapted().unwrap();
        assert_eq!(
            store.restore(flash, &mut back),
            Some(Restored { slot, corrections })
        );
        assert_eq!(values(&back), values(expect));
        back
    }

    #[test]
    fn a_record_fits_the_boards_slots() {
        // both boards' slots are 16 KiB (the F429's sectors 4 and 5, two halves
        // of the Pico's last 32 KiB), for every model the build accepts
        assert!(Region::record_len(model::HIDDEN) <= 16 * 1024);
        assert!(Region::record_len(model::MAX_HIDDEN) <= 16 * 1024);
        assert_eq!(Region::record_len(300), 24 + 4 * 3010 + 4);
    }

    #[test]
    fn what_was_learned_comes_back_after_a_reset() {
        let mut flash = MemFlash::new();
        let mut store = open(&mut flash);
        assert_eq!(store.slots(), [Slot::Erased; 2]);
        let mut fresh = model::adapted().unwrap();
        assert_eq!(store.restore(&mut flash, &mut fresh), None);
        assert_eq!(values(&fresh), values(&model::adapted().unwrap()));

        let net = taught(1);
        let saved = store.save(&mut flash, &net, 1).unwrap();
        assert_eq!(
            saved,
            Saved {
                slot: 0,
                sequence: 1
            }
        );
        // "reset": a new store and a new network over the same flash
        let mut store = open(&mut flash);
        assert_eq!(
            store.slots(),
            [
                Slot::Record {
                    sequence: 1,
                    corrections: 1
                },
                Slot::Erased
            ]
        );
        let after = assert_restores(&mut store, &mut flash, 0, 1, &net);
        for k in 0..4 {
            assert_eq!(
                Classifier::predict(&after, &image(k)).unwrap(),
                Classifier::predict(&net, &image(k)).unwrap()
            );
        }
        // nothing outside the region was touched
        let (a, b) = (
            REGION.start as usize,
            (REGION.start + 2 * REGION.slot_len) as usize,
        );
        assert!(flash.bytes[..a]
            .iter()
            .chain(&flash.bytes[b..])
            .all(|&v| v == 0xff));
    }

    #[test]
    fn a_start_reports_what_it_found_as_the_boards_log_it() {
        let lines = |flash: &mut MemFlash, net: &mut Adapted| {
            let mut lines = Vec::new();
            let (_, corrections) =
                Store::open_and_restore(flash, REGION, MODEL, net, |f| lines.push(f.to_string()));
            (lines, corrections)
        };
        let mut net = model::adapted().unwrap();
        let (found, n) = lines(&mut MemFlash::new(), &mut net);
        assert_eq!(found, ["nothing learned in flash: the model as shipped"]);
        assert_eq!(n, 0);
        // the newer record damaged: reported, the older one restored
        let (mut flash, first, _) = two_saves();
        flash.bytes[(REGION.start + REGION.slot_len) as usize + 500] ^= 1;
        let (found, n) = lines(&mut flash, &mut net);
        assert_eq!(
            found,
            [
                "learned flash slot 1 ignored: checksum mismatch (a cut-off save or damaged flash)",
                "restored 1 corrections from flash slot 0",
            ]
        );
        assert_eq!(n, 1);
        assert_eq!(values(&net), values(&first));
    }

    #[test]
    fn saves_take_turns_and_the_newest_wins() {
        let mut flash = MemFlash::new();
        let mut store = open(&mut flash);
        for n in 1..=4u32 {
            let net = taught(n as usize);
            let saved = store.save(&mut flash, &net, n).unwrap();
            assert_eq!(saved.slot, (n as usize - 1) % 2);
            assert_eq!(saved.sequence, n);
            let mut store = open(&mut flash);
            assert_restores(&mut store, &mut flash, saved.slot, n, &net);
        }
    }

    #[test]
    fn each_flash_call_is_one_page_or_one_slot() {
        // what lets the F429's driver feed its watchdog between calls
        let (mut flash, _, _) = two_saves();
        let mut store = open(&mut flash);
        store.forget(&mut flash).unwrap();
        let slots = [0, 1].map(|s| (REGION.slot(s), REGION.slot(s) + REGION.slot_len));
        let pages = Region::record_len(model::HIDDEN).div_ceil(CHUNK) as u32;
        let mut expect = Vec::new();
        for (start, end) in [slots[0], slots[1]] {
            expect.push(("erase", start, end));
            expect.extend((0..pages).map(|p| {
                (
                    "write",
                    start + p * CHUNK as u32,
                    start + (p + 1) * CHUNK as u32,
                )
            }));
        }
        expect.extend(slots.map(|(start, end)| ("erase", start, end)));
        assert_eq!(flash.calls, expect);
    }

    #[test]
    fn a_save_cut_short_keeps_the_one_before() {
        let first = taught(1);
        let second = taught(2);
        let pages = Region::record_len(model::HIDDEN).div_ceil(CHUNK);
        for cut in [0, 1, pages / 2, pages - 1] {
            let mut flash = MemFlash::new();
            let mut store = open(&mut flash);
            store.save(&mut flash, &first, 1).unwrap();
            // the power goes after `cut` pages of the second save
            flash.writes_left = Some(cut);
            assert!(matches!(
                store.save(&mut flash, &second, 2),
                Err(SaveError::Flash(_))
            ));
            flash.writes_left = None;
            let mut store = open(&mut flash);
            let expect = if cut == 0 {
                Slot::Erased
            } else {
                Slot::Unusable(Problem::Checksum)
            };
            assert_eq!(store.slots()[1], expect, "cut after {cut} pages");
            assert_restores(&mut store, &mut flash, 0, 1, &first);
            // and the next save goes to the damaged slot, not over the good one
            assert_eq!(store.save(&mut flash, &second, 2).unwrap().slot, 1);
        }
    }

    #[test]
    fn with_no_good_record_the_first_save_takes_the_damaged_slot() {
        let (clean, _, second) = two_saves();
        let slot1 = (REGION.start + REGION.slot_len) as usize;
        let mut flash = clean.clone();
        // slot 0 erased, slot 1 damaged (a forget cut short, say)
        let slot0 = REGION.start as usize;
        flash.bytes[slot0..slot0 + REGION.slot_len as usize].fill(0xff);
        flash.bytes[slot1 + HEADER + 7] ^= 0x10;
        let mut store = open(&mut flash);
        assert_eq!(
            store.slots(),
            [Slot::Erased, Slot::Unusable(Problem::Checksum)]
        );
        assert!(store.damaged());
        // the first save goes over the damage, and the next start finds none
        assert_eq!(store.save(&mut flash, &second, 2).unwrap().slot, 1);
        let store = open(&mut flash);
        assert!(!store.damaged(), "{:?}", store.slots());
        assert_eq!(store.slots()[0], Slot::Erased);
    }

    /// The flash after two saves (slot 0: one correction, slot 1: two).
    fn two_saves() -> (MemFlash, Adapted, Adapted) {
        let mut flash = MemFlash::new();
        let mut store = open(&mut flash);
        let (first, second) = (taught(1), taught(2));
        store.save(&mut flash, &first, 1).unwrap();
        store.save(&mut flash, &second, 2).unwrap();
        (flash, first, second)
    }

    #[test]
    fn damaged_records_are_never_loaded() {
        let (clean, first, _) = two_saves();
        let slot1 = (REGION.start + REGION.slot_len) as usize;
        let record = Region::record_len(model::HIDDEN);
        // magic, version, hidden, model, sequence, corrections, count, a value, the last
        // value, the checksum: damage wherever it is, said on the screen (not a record of
        // another model, nor something that is no record, which are said in the log alone)
        let cases = [
            0,
            4,
            6,
            9,
            13,
            17,
            21,
            HEADER + 1001,
            record - 5,
            record - 2,
        ];
        for at in cases {
            let mut flash = clean.clone();
            flash.bytes[slot1 + at] ^= 0x10;
            let mut store = open(&mut flash);
            assert_eq!(
                store.slots()[1],
                Slot::Unusable(Problem::Checksum),
                "byte {at}"
            );
            assert!(store.damaged(), "byte {at}");
            // the older record is used instead
            assert_restores(&mut store, &mut flash, 0, 1, &first);
        }
        // a whole record of another layout version (its checksum matches) is no damage either
        let mut flash = clean.clone();
        flash.bytes[slot1 + 4] = flash.bytes[slot1 + 4].wrapping_add(1);
        let mut crc = Crc32::new();
        crc.update(&flash.bytes[slot1..slot1 + record - 4]);
        flash.bytes[slot1 + record - 4..slot1 + record]
            .copy_from_slice(&crc.finish().to_le_bytes());
        let store = open(&mut flash);
        assert_eq!(store.slots()[1], Slot::Unusable(Problem::NotARecord));
        assert!(!store.damaged());
        // what is no record at all (neither our mark nor our model's fields) is no damage
        let mut flash = clean.clone();
        flash.bytes[slot1..slot1 + HEADER].fill(0x5a);
        let store = open(&mut flash);
        assert_eq!(store.slots()[1], Slot::Unusable(Problem::NotARecord));
        assert!(!store.damaged());
        // both damaged: nothing is loaded, the network keeps its own layer
        let mut flash = clean.clone();
        flash.bytes[REGION.start as usize + 500] ^= 1;
        flash.bytes[slot1 + 500] ^= 1;
        let mut back = taught(3);
        let mut store = open(&mut flash);
        assert!(store.damaged());
        assert_eq!(store.restore(&mut flash, &mut back), None);
        assert_eq!(values(&back), values(&taught(3)));
        // undamaged flash: nothing to say
        let mut flash = clean.clone();
        assert!(!open(&mut flash).damaged());
        assert!(!open(&mut MemFlash::new()).damaged());
    }

    #[test]
    fn records_of_another_model_are_ignored() {
        let (mut flash, _, _) = two_saves();
        let store = Store::open(&mut flash, REGION, MODEL ^ 1, model::HIDDEN);
        assert_eq!(store.slots(), [Slot::Unusable(Problem::OtherModel); 2]);
        // a new firmware's model: the old learning is not damage, nothing is said on the screen
        assert!(!store.damaged());
        let store = Store::open(&mut flash, REGION, MODEL, model::HIDDEN + 1);
        assert_eq!(store.slots(), [Slot::Unusable(Problem::OtherModel); 2]);
    }

    /// Yields the values of `net` with one replaced.
    struct Poisoned<'a>(&'a Adapted, usize, f32);

    impl Remember for Poisoned<'_> {
        const HIDDEN: usize = model::HIDDEN;
        fn learned(&self) -> impl Iterator<Item = f32> + '_ {
            self.0
                .learned()
                .enumerate()
                .map(|(i, v)| if i == self.1 { self.2 } else { v })
        }
        fn remember(&mut self, _: impl Iterator<Item = f32>) -> Result<(), Error> {
            unreachable!("only saved")
        }
    }

    #[test]
    fn values_the_network_refuses_are_not_loaded_even_with_a_good_checksum() {
        let first = taught(1);
        for (bad, err) in [
            (f32::NAN, Error::NonFiniteWeight),
            (f32::INFINITY, Error::NonFiniteWeight),
            (3.0e30, Error::WeightLimit),
        ] {
            let mut flash = MemFlash::new();
            let mut store = open(&mut flash);
            store.save(&mut flash, &first, 1).unwrap();
            store
                .save(&mut flash, &Poisoned(&first, 77, bad), 2)
                .unwrap();
            assert_restores(&mut store, &mut flash, 0, 1, &first);
            assert_eq!(store.slots()[1], Slot::Unusable(Problem::Values(err)));
        }
    }

    #[test]
    fn flash_failures_are_errors_not_panics() {
        let net = taught(1);
        // reads fail: both slots unusable, nothing loaded
        let (mut flash, _, _) = two_saves();
        flash.fail_read = true;
        let mut store = open(&mut flash);
        assert_eq!(
            store.slots(),
            [Slot::Unusable(Problem::Read(NorFlashErrorKind::Other)); 2]
        );
        let mut back = model::adapted().unwrap();
        assert_eq!(store.restore(&mut flash, &mut back), None);
        // a read failing after the scan, during the restore: the network keeps its own layer
        let (mut flash, _, _) = two_saves();
        let mut store = open(&mut flash);
        flash.fail_read = true;
        let mut back = model::adapted().unwrap();
        assert_eq!(store.restore(&mut flash, &mut back), None);
        assert_eq!(values(&back), values(&model::adapted().unwrap()));
        assert_eq!(
            store.slots(),
            [Slot::Unusable(Problem::Read(NorFlashErrorKind::Other)); 2]
        );
        // erase and write failures
        let mut flash = MemFlash::new();
        flash.fail_erase = true;
        let mut store = open(&mut flash);
        assert_eq!(
            store.save(&mut flash, &net, 1),
            Err(SaveError::Flash(NorFlashErrorKind::Other))
        );
        let mut flash = MemFlash::new();
        flash.writes_left = Some(0);
        assert_eq!(
            open(&mut flash).save(&mut flash, &net, 1),
            Err(SaveError::Flash(NorFlashErrorKind::Other))
        );
        // writes that do not stick are caught by the read-back
        let mut flash = MemFlash::new();
        flash.drop_writes = true;
        assert_eq!(
            open(&mut flash).save(&mut flash, &net, 1),
            Err(SaveError::Verify(Slot::Erased))
        );
        // regions that do not fit
        for region in [
            Region {
                start: 0,
                slot_len: 8 * 1024,
            },
            Region {
                start: 100,
                slot_len: 16 * 1024,
            },
            Region {
                start: 48 * 1024,
                slot_len: 16 * 1024,
            },
        ] {
            let mut flash = MemFlash::new();
            let mut store = Store::open(&mut flash, region, MODEL, model::HIDDEN);
            assert_eq!(store.save(&mut flash, &net, 1), Err(SaveError::Region));
            assert!(flash.bytes.iter().all(|&b| b == 0xff));
        }
    }

    #[test]
    fn forgetting_erases_both_slots() {
        let (mut flash, _, _) = two_saves();
        let mut store = open(&mut flash);
        store.forget(&mut flash).unwrap();
        assert_eq!(store.slots(), [Slot::Erased; 2]);
        assert!(flash.bytes.iter().all(|&b| b == 0xff));
        let mut back = model::adapted().unwrap();
        assert_eq!(open(&mut flash).restore(&mut flash, &mut back), None);
        // and saving starts again at slot 0, numbered after the records erased
        assert_eq!(
            store.save(&mut flash, &taught(1), 1),
            Ok(Saved {
                slot: 0,
                sequence: 3
            })
        );
        let mut failing = MemFlash::new();
        failing.fail_erase = true;
        assert_eq!(
            open(&mut failing).forget(&mut failing),
            Err(SaveError::Flash(NorFlashErrorKind::Other))
        );
        // a flash that ignores erases: the first slot reads back as the record it still holds
        let (mut protected, _, _) = two_saves();
        protected.drop_erases = true;
        let mut store = open(&mut protected);
        let kept = store.slots()[0];
        assert!(matches!(kept, Slot::Record { .. }));
        assert_eq!(store.forget(&mut protected), Err(SaveError::Verify(kept)));
        assert_eq!(store.slots()[0], kept);
    }

    /// The flash after three saves (slot 0: three corrections, the newest;
    /// slot 1: two).
    fn three_saves() -> (MemFlash, Adapted) {
        let (mut flash, _, _) = two_saves();
        let third = taught(3);
        open(&mut flash).save(&mut flash, &third, 3).unwrap();
        (flash, third)
    }

    #[test]
    fn a_forget_cut_short_leaves_what_was_there_or_nothing() {
        let slot1 = (REGION.start + REGION.slot_len) as usize;
        let (newest_in_0, third) = three_saves();
        let (newest_in_1, _, second) = two_saves();
        let mut damaged_1 = newest_in_0.clone();
        damaged_1.bytes[slot1 + 500] ^= 1;
        let mut only_0 = MemFlash::new();
        open(&mut only_0).save(&mut only_0, &third, 3).unwrap();
        // the flash before the forget, and the record a start restores from it
        let cases = [
            ("newest in slot 0", newest_in_0, 0, 3, &third),
            ("newest in slot 1", newest_in_1, 1, 2, &second),
            ("slot 1 damaged", damaged_1, 0, 3, &third),
            ("slot 1 erased", only_0, 0, 3, &third),
        ];
        for (what, before, slot, corrections, net) in cases {
            // the power goes after `cut` erases
            for cut in 0..=2 {
                let mut flash = before.clone();
                let mut store = open(&mut flash);
                flash.erases_left = Some(cut);
                assert_eq!(
                    store.forget(&mut flash).is_ok(),
                    cut == 2,
                    "{what}, cut {cut}"
                );
                flash.erases_left = None;
                // the next start: the state before the forget, or the forgotten one
                let mut store = open(&mut flash);
                let mut back = model::adapted().unwrap();
                match store.restore(&mut flash, &mut back) {
                    Some(r) => {
                        assert!(cut < 2, "{what}: restored {r:?} after the forget");
                        assert_eq!(r, Restored { slot, corrections }, "{what}, cut {cut}");
                        assert_eq!(values(&back), values(net), "{what}, cut {cut}");
                    }
                    None => assert_eq!(store.slots(), [Slot::Erased; 2], "{what}, cut {cut}"),
                }
            }
        }
    }

    #[test]
    fn a_save_after_a_failed_forget_wins_over_what_was_not_erased() {
        // slot 0: save 1, slot 1: save 2; the forget erases slot 0, then fails on slot 1
        let (mut flash, _, _) = two_saves();
        let mut store = open(&mut flash);
        flash.erases_left = Some(1);
        assert_eq!(
            store.forget(&mut flash),
            Err(SaveError::Flash(NorFlashErrorKind::Other))
        );
        flash.erases_left = None;
        assert_eq!(
            store.slots(),
            [Slot::Erased, Slot::Unusable(Problem::Checksum)]
        );
        // slot 1 still holds save 2: the next save is numbered after it, not 1
        let net = taught(4);
        assert_eq!(
            store.save(&mut flash, &net, 1),
            Ok(Saved {
                slot: 0,
                sequence: 3
            })
        );
        // and it is what the next start restores
        let mut store = open(&mut flash);
        assert_restores(&mut store, &mut flash, 0, 1, &net);
        // a save whose erase fails uses its number up too
        let mut store = open(&mut flash);
        flash.fail_erase = true;
        assert!(store.save(&mut flash, &net, 2).is_err());
        flash.fail_erase = false;
        assert_eq!(store.save(&mut flash, &net, 2).unwrap().sequence, 5);
    }

    #[test]
    fn sequence_numbers_go_on_across_the_wrap() {
        let mut flash = MemFlash::new();
        let mut store = open(&mut flash);
        store.last = Some(u32::MAX - 1);
        let (first, second) = (taught(1), taught(2));
        assert_eq!(
            store.save(&mut flash, &first, 1).unwrap().sequence,
            u32::MAX
        );
        assert_eq!(
            store.save(&mut flash, &second, 2),
            Ok(Saved {
                slot: 1,
                sequence: 0
            })
        );
        let mut store = open(&mut flash);
        assert_eq!(store.last, Some(0));
        assert_restores(&mut store, &mut flash, 1, 2, &second);
        assert_eq!(store.save(&mut flash, &first, 3).unwrap().sequence, 1);
    }

    #[test]
    fn sequence_numbers_may_wrap() {
        assert!(newer(1, 0));
        assert!(newer(0, u32::MAX));
        assert!(!newer(u32::MAX, 0));
        assert!(!newer(5, 5));
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(48))]

        /// Any damage to the slots (a few bytes anywhere): opening and
        /// restoring never panics and loads one of the saved layers or none.
        #[test]
        fn damage_anywhere_loads_a_saved_layer_or_none(
            hits in proptest::collection::vec((0usize..2 * 16 * 1024, 1u8..=255), 1..6)
        ) {
            let (clean, first, second) = two_saves();
            let mut flash = clean;
            for (at, mask) in hits {
                flash.bytes[REGION.start as usize + at] ^= mask;
            }
            let mut back = model::adapted().unwrap();
            let own = values(&back);
            let restored = open(&mut flash).restore(&mut flash, &mut back);
            let got = values(&back);
            match restored {
                None => prop_assert_eq!(got, own),
                Some(r) => {
                    let expect = if r.slot == 0 { values(&first) } else { values(&second) };
                    prop_assert_eq!(got, expect);
                }
            }
        }
    }
}
