//! The STM32F429I-DISC1 (MB1075) board revisions, and what differs between them
//! for this app: how the touch panel's raw readings map to screen pixels.
//!
//! Revisions B and C carry an L3GD20 gyroscope, revisions D and E (the boards
//! sold today) an I3G4250D; the touch panel of D/E is mounted with its Y axis
//! the other way round (ST's board support package, v2.1.8, selects its
//! `USE_STM32F429I_DISCOVERY_REVD` mapping for it). The gyroscope sits on SPI5
//! (chip select PC1), shared with the display's set-up interface, and answers
//! its `WHO_AM_I` register with a different value per part, so the revision
//! is read from it at start ([`read_gyro_id`], [`Detection::new`]).
use core::fmt;

use embedded_graphics::prelude::Point;
use embedded_hal::digital::OutputPin;
use embedded_hal::spi::SpiBus;

use crate::stmpe811::RawTouch;
use crate::ui::{HEIGHT, WIDTH};

/// The gyroscope's registers and identities (L3GD20 and I3G4250D datasheets).
pub mod gyro {
    /// The `WHO_AM_I` register.
    pub const WHO_AM_I: u8 = 0x0F;
    /// Set in the first SPI byte for a register read (bit 6, auto-increment, stays 0).
    pub const READ: u8 = 0x80;
    /// `WHO_AM_I` of the L3GD20 (revisions B and C).
    pub const L3GD20: u8 = 0xD4;
    /// `WHO_AM_I` of the L3GD20 variant also fitted to revisions B and C.
    pub const L3GD20_TR: u8 = 0xD5;
    /// `WHO_AM_I` of the I3G4250D (revisions D and E).
    pub const I3G4250D: u8 = 0xD3;
}

/// A board revision, as far as the touch panel is concerned.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Revision {
    /// MB1075 revisions B and C (L3GD20 gyroscope).
    BC,
    /// MB1075 revisions D and E (I3G4250D gyroscope): the boards sold today.
    DE,
}

impl Revision {
    /// The revision assumed when the gyroscope gives no known answer: the one sold today.
    pub const DEFAULT: Revision = Revision::DE;

    /// The revision a gyroscope `WHO_AM_I` value identifies, if it is a known one.
    pub fn from_gyro_id(who_am_i: u8) -> Option<Revision> {
        match who_am_i {
            gyro::L3GD20 | gyro::L3GD20_TR => Some(Revision::BC),
            gyro::I3G4250D => Some(Revision::DE),
            _ => None,
        }
    }

    /// "B/C" or "D/E".
    pub fn name(self) -> &'static str {
        match self {
            Revision::BC => "B/C",
            Revision::DE => "D/E",
        }
    }

    /// The screen pixel (240x320 portrait) for a raw STMPE811 sample, with
    /// ST's board support package's formulas for this revision:
    ///
    /// * Y, revisions B/C: `(raw_y - 360) / 11`;
    /// * Y, revisions D/E: `(3700 - clamp(raw_y, 180, 3700)) / 11` (mirrored);
    /// * X, all revisions: `(3870 - raw_x) / 15` for `raw_x <= 3000`, else
    ///   `(3800 - raw_x) / 15` (the panel's left edge is corrected by 70).
    ///
    /// The arithmetic is signed and the result is clamped onto the screen
    /// (the package's unsigned arithmetic wraps readings below 360 to the
    /// bottom row on B/C).
    pub fn touch_to_screen(self, raw: RawTouch) -> Point {
        let (x, y) = (i32::from(raw.x), i32::from(raw.y));
        let y = match self {
            Revision::BC => (y - 360) / 11,
            Revision::DE => (3700 - y.clamp(180, 3700)) / 11,
        };
        let x = if x <= 3000 { 3870 - x } else { 3800 - x } / 15;
        Point::new(x.clamp(0, WIDTH as i32 - 1), y.clamp(0, HEIGHT as i32 - 1))
    }
}

impl fmt::Display for Revision {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// Why [`read_gyro_id`] failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReadError<S, P> {
    /// The SPI transfer failed.
    Spi(S),
    /// The chip-select pin could not be set.
    ChipSelect(P),
}

/// Reads the gyroscope's `WHO_AM_I` register over SPI (mode 0 or 3, at most
/// 10 MHz): chip select low, `[READ | WHO_AM_I, dummy]` out, the second byte
/// in, chip select high (also after a bus error).
pub fn read_gyro_id<S, C>(spi: &mut S, cs: &mut C) -> Result<u8, ReadError<S::Error, C::Error>>
where
    S: SpiBus<u8>,
    C: OutputPin,
{
    let mut buf = [gyro::READ | gyro::WHO_AM_I, 0];
    cs.set_low().map_err(ReadError::ChipSelect)?;
    let result = spi.transfer_in_place(&mut buf).and_then(|()| spi.flush());
    let released = cs.set_high();
    result.map_err(ReadError::Spi)?;
    released.map_err(ReadError::ChipSelect)?;
    Ok(buf[1])
}

/// How the revision in use was chosen.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Source {
    /// Identified from the gyroscope.
    Detected,
    /// Forced at build time (cargo feature), whatever the gyroscope says.
    Forced,
    /// The gyroscope gave no known answer: [`Revision::DEFAULT`] is assumed.
    Assumed,
}

impl Source {
    /// How the revision was chosen, as the log and banner say it.
    fn word(self) -> &'static str {
        match self {
            Source::Detected => "detected",
            Source::Forced => "forced",
            Source::Assumed => "assumed",
        }
    }
}

/// The outcome of the start-up revision check.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Detection {
    /// The revision whose touch mapping is used.
    pub revision: Revision,
    /// How it was chosen.
    pub source: Source,
    /// The gyroscope's `WHO_AM_I` value, `None` if the SPI transfer failed.
    pub who_am_i: Option<u8>,
}

impl Detection {
    /// Chooses the revision from a `WHO_AM_I` read (`None`: the transfer
    /// failed) and an optional build-time override.
    pub fn new(who_am_i: Option<u8>, forced: Option<Revision>) -> Detection {
        let detected = who_am_i.and_then(Revision::from_gyro_id);
        let (revision, source) = match (forced, detected) {
            (Some(r), _) => (r, Source::Forced),
            (None, Some(r)) => (r, Source::Detected),
            (None, None) => (Revision::DEFAULT, Source::Assumed),
        };
        Detection {
            revision,
            source,
            who_am_i,
        }
    }

    /// True when the user should be told: the revision was assumed, or a
    /// forced revision contradicts a gyroscope that was identified.
    pub fn needs_warning(&self) -> bool {
        match self.source {
            Source::Detected => false,
            Source::Assumed => true,
            Source::Forced => self
                .who_am_i
                .and_then(Revision::from_gyro_id)
                .is_some_and(|r| r != self.revision),
        }
    }
}

impl Detection {
    /// The banner of a detection that [`needs_warning`](Self::needs_warning): the revision
    /// in use and why on one line, the feature to try on the next, each short enough for
    /// a banner line (`notice::BANNER_COLUMNS`), e.g. `rev D/E assumed: gyro 0xFF unknown`
    /// and `ink upside down? --features rev-bc`.
    pub fn banner(&self) -> Banner<'_> {
        Banner(self)
    }
}

/// See [`Detection::banner`].
pub struct Banner<'a>(&'a Detection);

impl fmt::Display for Banner<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let d = self.0;
        let detected = d.who_am_i.and_then(Revision::from_gyro_id);
        match (d.source, d.who_am_i, detected) {
            (Source::Forced, Some(id), Some(r)) => {
                write!(f, "rev {} forced, gyro {id:#04X} says {r}", d.revision)?
            }
            (source, Some(id), _) => write!(
                f,
                "rev {} {}: gyro {id:#04X} unknown",
                d.revision,
                source.word()
            )?,
            (source, None, _) => write!(
                f,
                "rev {} {}: gyro not read (SPI)",
                d.revision,
                source.word()
            )?,
        }
        let other = match d.revision {
            Revision::BC => "rev-de",
            Revision::DE => "rev-bc",
        };
        write!(f, "\nink upside down? --features {other}")
    }
}

/// One line for the log and the screen, e.g. `board rev D/E (gyro 0xD3)`,
/// `board rev D/E assumed (gyro 0x00 unknown)`, `board rev B/C forced (gyro 0xD3)`.
impl fmt::Display for Detection {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "board rev {}", self.revision)?;
        match self.source {
            Source::Detected => {}
            Source::Forced => f.write_str(" forced")?,
            Source::Assumed => f.write_str(" assumed")?,
        }
        match self.who_am_i {
            Some(id) if Revision::from_gyro_id(id).is_some() => write!(f, " (gyro {id:#04X})"),
            Some(id) => write!(f, " (gyro {id:#04X} unknown)"),
            None => f.write_str(" (gyro: SPI error)"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use embedded_hal::spi::ErrorKind;
    use embedded_hal_mock::eh1::digital::{Mock as PinMock, State, Transaction as PinT};
    use embedded_hal_mock::eh1::spi::{Mock as SpiMock, Transaction as SpiT};
    use std::format;
    use std::vec;

    /// Every detection that warns gets a banner of two lines that fit, naming the feature
    /// of the other revision.
    #[test]
    fn every_warning_banner_fits_and_names_the_feature_to_try() {
        use crate::notice::{wrap, BANNER_COLUMNS};
        let mut warned = 0;
        for who_am_i in (0..=255u8).map(Some).chain([None]) {
            for forced in [None, Some(Revision::BC), Some(Revision::DE)] {
                let d = Detection::new(who_am_i, forced);
                if !d.needs_warning() {
                    continue;
                }
                warned += 1;
                let text = format!("{}", d.banner());
                let lines: std::vec::Vec<&str> = wrap(&text, BANNER_COLUMNS).collect();
                assert_eq!(lines.len(), 2, "{text:?}: {lines:?}");
                let other = if d.revision == Revision::BC {
                    "rev-de"
                } else {
                    "rev-bc"
                };
                assert_eq!(lines[1], format!("ink upside down? --features {other}"));
                assert!(
                    lines[0].starts_with(&format!("rev {} ", d.revision)),
                    "{text:?}"
                );
            }
        }
        assert!(warned > 250, "{warned} warnings");
        let d = Detection::new(Some(0xFF), None);
        assert_eq!(
            format!("{}", d.banner()),
            "rev D/E assumed: gyro 0xFF unknown\nink upside down? --features rev-bc"
        );
        let d = Detection::new(Some(gyro::I3G4250D), Some(Revision::BC));
        assert_eq!(
            format!("{}", d.banner()),
            "rev B/C forced, gyro 0xD3 says D/E\nink upside down? --features rev-de"
        );
        let d = Detection::new(None, None);
        assert!(format!("{}", d.banner()).starts_with("rev D/E assumed: gyro not read (SPI)\n"));
    }

    fn raw(x: u16, y: u16) -> RawTouch {
        RawTouch { x, y, z: 0 }
    }

    #[test]
    fn rev_bc_y_follows_the_older_formula() {
        let r = Revision::BC;
        assert_eq!(r.touch_to_screen(raw(2000, 360)).y, 0);
        assert_eq!(r.touch_to_screen(raw(2000, 360 + 11 * 100)).y, 100);
        assert_eq!(r.touch_to_screen(raw(2000, 360 + 11 * 100 + 10)).y, 100);
        assert_eq!(r.touch_to_screen(raw(2000, 360 + 11 * 319)).y, 319);
        // beyond the calibrated range: clamped, no wrap to the other edge
        assert_eq!(r.touch_to_screen(raw(2000, 0)).y, 0);
        assert_eq!(r.touch_to_screen(raw(2000, 359)).y, 0);
        assert_eq!(r.touch_to_screen(raw(2000, 4095)).y, 319);
    }

    #[test]
    fn rev_de_y_is_mirrored_and_clamped() {
        let r = Revision::DE;
        assert_eq!(r.touch_to_screen(raw(2000, 3700)).y, 0);
        assert_eq!(r.touch_to_screen(raw(2000, 4095)).y, 0);
        assert_eq!(r.touch_to_screen(raw(2000, 3700 - 11 * 100)).y, 100);
        assert_eq!(r.touch_to_screen(raw(2000, 3700 - 11 * 100 - 10)).y, 100);
        // (3700 - 180) / 11 = 320: one past the last row, clamped
        assert_eq!(r.touch_to_screen(raw(2000, 180)).y, 319);
        assert_eq!(r.touch_to_screen(raw(2000, 0)).y, 319);
        // the same reading lands at opposite ends on the two revisions
        let top_bc = Revision::BC.touch_to_screen(raw(2000, 500)).y;
        let top_de = Revision::DE.touch_to_screen(raw(2000, 500)).y;
        assert!(top_bc < 20 && top_de > 280, "{top_bc} {top_de}");
    }

    #[test]
    fn x_is_the_same_on_both_revisions_with_the_edge_correction() {
        for r in [Revision::BC, Revision::DE] {
            assert_eq!(r.touch_to_screen(raw(3870, 2000)).x, 0);
            assert_eq!(r.touch_to_screen(raw(3000, 2000)).x, 58); // 870 / 15
            assert_eq!(r.touch_to_screen(raw(3001, 2000)).x, 53); // 799 / 15
            assert_eq!(r.touch_to_screen(raw(3800, 2000)).x, 0);
            assert_eq!(r.touch_to_screen(raw(4095, 2000)).x, 0);
            assert_eq!(r.touch_to_screen(raw(3870 - 15 * 200, 2000)).x, 200);
            assert_eq!(r.touch_to_screen(raw(0, 2000)).x, 239);
        }
    }

    #[test]
    fn every_raw_reading_lands_on_the_screen() {
        for r in [Revision::BC, Revision::DE] {
            for x in (0..=4095).step_by(7) {
                for y in (0..=4095).step_by(13) {
                    let p = r.touch_to_screen(raw(x, y));
                    assert!((0..240).contains(&p.x) && (0..320).contains(&p.y), "{p:?}");
                }
            }
        }
    }

    #[test]
    fn gyro_ids_identify_the_revision() {
        assert_eq!(Revision::from_gyro_id(0xD4), Some(Revision::BC));
        assert_eq!(Revision::from_gyro_id(0xD5), Some(Revision::BC));
        assert_eq!(Revision::from_gyro_id(0xD3), Some(Revision::DE));
        for id in [0x00, 0xFF, 0xD7, 0x0F] {
            assert_eq!(Revision::from_gyro_id(id), None);
        }
    }

    fn read_with(answer: u8) -> u8 {
        let mut spi = SpiMock::new(&[
            SpiT::transfer_in_place(vec![0x8F, 0x00], vec![0xFF, answer]),
            SpiT::flush(),
        ]);
        let mut cs = PinMock::new(&[PinT::set(State::Low), PinT::set(State::High)]);
        let id = read_gyro_id(&mut spi, &mut cs).unwrap();
        spi.done();
        cs.done();
        id
    }

    #[test]
    fn who_am_i_is_read_with_the_read_bit_under_chip_select() {
        assert_eq!(read_with(0xD3), 0xD3);
        assert_eq!(read_with(0xD4), 0xD4);
    }

    /// An SPI bus whose transfers fail.
    struct BrokenSpi;
    impl embedded_hal::spi::ErrorType for BrokenSpi {
        type Error = ErrorKind;
    }
    impl SpiBus<u8> for BrokenSpi {
        fn read(&mut self, _: &mut [u8]) -> Result<(), ErrorKind> {
            Err(ErrorKind::Other)
        }
        fn write(&mut self, _: &[u8]) -> Result<(), ErrorKind> {
            Err(ErrorKind::Other)
        }
        fn transfer(&mut self, _: &mut [u8], _: &[u8]) -> Result<(), ErrorKind> {
            Err(ErrorKind::Other)
        }
        fn transfer_in_place(&mut self, _: &mut [u8]) -> Result<(), ErrorKind> {
            Err(ErrorKind::Other)
        }
        fn flush(&mut self) -> Result<(), ErrorKind> {
            Ok(())
        }
    }

    #[test]
    fn chip_select_is_released_after_a_bus_error() {
        let mut cs = PinMock::new(&[PinT::set(State::Low), PinT::set(State::High)]);
        assert_eq!(
            read_gyro_id(&mut BrokenSpi, &mut cs),
            Err(ReadError::Spi(ErrorKind::Other))
        );
        cs.done();
    }

    #[test]
    fn detection_chooses_detected_forced_or_default() {
        let d = Detection::new(Some(0xD3), None);
        assert_eq!((d.revision, d.source), (Revision::DE, Source::Detected));
        assert!(!d.needs_warning());
        assert_eq!(format!("{d}"), "board rev D/E (gyro 0xD3)");

        let d = Detection::new(Some(0xD4), None);
        assert_eq!((d.revision, d.source), (Revision::BC, Source::Detected));
        assert_eq!(format!("{d}"), "board rev B/C (gyro 0xD4)");

        // no gyroscope answer (MISO floating high or low) or a failed transfer: the default, with a warning
        for id in [Some(0x00), Some(0xFF), None] {
            let d = Detection::new(id, None);
            assert_eq!((d.revision, d.source), (Revision::DEFAULT, Source::Assumed));
            assert!(d.needs_warning());
        }
        assert_eq!(
            format!("{}", Detection::new(Some(0xFF), None)),
            "board rev D/E assumed (gyro 0xFF unknown)"
        );
        assert_eq!(
            format!("{}", Detection::new(None, None)),
            "board rev D/E assumed (gyro: SPI error)"
        );

        // forced: used whatever the gyroscope says; a contradiction is worth a warning
        let d = Detection::new(Some(0xD3), Some(Revision::BC));
        assert_eq!((d.revision, d.source), (Revision::BC, Source::Forced));
        assert!(d.needs_warning());
        assert_eq!(format!("{d}"), "board rev B/C forced (gyro 0xD3)");
        assert!(!Detection::new(Some(0xD4), Some(Revision::BC)).needs_warning());
        assert!(!Detection::new(None, Some(Revision::DE)).needs_warning());
    }
}
