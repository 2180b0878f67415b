//! A small driver for the XPT2046 (ADS7846-compatible) resistive touch
//! controller on an embedded-hal 1.0 [`SpiDevice`], as on Waveshare's
//! Pico-ResTouch-LCD-2.8 (SPI1 shared with the ST7789, chip select GP16,
//! pen interrupt GP17).
//!
//! (The `xpt2046` crate on crates.io is pinned to embedded-hal 1.0.0-alpha.7
//! and embedded-graphics 0.7, so it cannot share a bus with today's HALs.)
//!
//! [`Xpt2046::read`] does one poll in one SPI transaction: the two pressure
//! conversions Z1 and Z2 (the pen counts as down when `Z1 + 4095 - Z2`
//! reaches [`Config::pressure_threshold`]), then [`SAMPLES`] conversions of X
//! and of Y whose medians are the reading (the first conversion after the
//! multiplexer switches plates is the noisiest; a median drops it), Z1 and Z2
//! again (a pen that lifted during the exchange left positions that are no
//! touch: both pressures must reach the threshold, as Linux's ads7846 driver
//! checks too), and a last command that powers the converter down with the
//! pen interrupt re-enabled. Every conversion is 12-bit, differential reference.
//! [`RawTouch::to_screen`] maps a reading to a screen pixel with a
//! [`Calibration`] ([`RESTOUCH_28`] for Waveshare's 2.8" panel).
use embedded_graphics::prelude::Point;
use embedded_hal::spi::SpiDevice;

pub use crate::stmpe811::Calibration;

/// Control byte: start bit, 12-bit mode, differential reference, and the channel.
pub mod cmd {
    /// X position (drives the X plate, measures on Y+).
    pub const X: u8 = 0xD0;
    /// Y position.
    pub const Y: u8 = 0x90;
    /// Pressure Z1.
    pub const Z1: u8 = 0xB0;
    /// Pressure Z2.
    pub const Z2: u8 = 0xC0;
    /// Power-down bits PD1..0 = 01: the ADC stays on between conversions
    /// (the pen interrupt is disabled until a command without it).
    pub const ADC_ON: u8 = 0x01;
}

/// Conversions of each axis per poll (odd, for a median).
pub const SAMPLES: usize = 5;

/// Conversions of one poll: Z1, Z2, the X and Y samples, Z1 and Z2 again, and the
/// power-down conversion.
const CONVERSIONS: usize = 2 + 2 * SAMPLES + 2 + 1;

/// Bytes of one poll's transaction: 3 per conversion (command + 16 clocks).
pub const FRAME_LEN: usize = 3 * CONVERSIONS;

/// One raw reading: 12-bit X and Y (medians) and the pressure indicator.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RawTouch {
    /// Raw X, 0..=4095.
    pub x: u16,
    /// Raw Y, 0..=4095.
    pub y: u16,
    /// `Z1 + 4095 - Z2`: about 0 with no touch, larger the harder the press (the
    /// lighter of the poll's two measurements).
    pub pressure: u16,
}

/// Driver tuning.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Config {
    /// Pressure indicator from which the pen counts as down.
    pub pressure_threshold: u16,
}

impl Config {
    /// The default: a light stylus or finger press on the 2.8" panel.
    pub const DEFAULT: Config = Config {
        pressure_threshold: 400,
    };
}

impl Default for Config {
    fn default() -> Self {
        Config::DEFAULT
    }
}

/// The XPT2046 on an SPI device (the device owns the chip select and the bus clock).
#[derive(Debug)]
pub struct Xpt2046<SPI> {
    spi: SPI,
    config: Config,
}

/// The 12-bit result clocked out after a command: busy bit, 12 bits, 3 zero bits.
fn result(hi: u8, lo: u8) -> u16 {
    (u16::from_be_bytes([hi, lo]) >> 3) & 0x0FFF
}

/// Median of a small odd-length array (sorted in place).
fn median(v: &mut [u16; SAMPLES]) -> u16 {
    v.sort_unstable();
    v[SAMPLES / 2]
}

impl<SPI: SpiDevice> Xpt2046<SPI> {
    /// A driver with the default [`Config`]. Does not touch the bus.
    pub fn new(spi: SPI) -> Self {
        Self::with_config(spi, Config::DEFAULT)
    }

    /// A driver with custom tuning.
    pub fn with_config(spi: SPI, config: Config) -> Self {
        Xpt2046 { spi, config }
    }

    /// Gives the SPI device back.
    pub fn release(self) -> SPI {
        self.spi
    }

    /// The command stream of one poll (results are read back in place).
    pub fn frame() -> [u8; FRAME_LEN] {
        let mut f = [0u8; FRAME_LEN];
        let mut commands = [cmd::Y | cmd::ADC_ON; CONVERSIONS];
        commands[0] = cmd::Z1 | cmd::ADC_ON;
        commands[1] = cmd::Z2 | cmd::ADC_ON;
        for c in &mut commands[2..2 + SAMPLES] {
            *c = cmd::X | cmd::ADC_ON;
        }
        commands[2 + 2 * SAMPLES] = cmd::Z1 | cmd::ADC_ON;
        commands[3 + 2 * SAMPLES] = cmd::Z2 | cmd::ADC_ON;
        // the last conversion powers down with the pen interrupt enabled again
        commands[CONVERSIONS - 1] = cmd::Y;
        for (chunk, c) in f.chunks_exact_mut(3).zip(commands) {
            chunk[0] = c;
        }
        f
    }

    /// One poll: `Ok(Some(raw))` when the pen presses at least the threshold,
    /// `Ok(None)` when it does not, `Err` when the bus failed.
    pub fn read(&mut self) -> Result<Option<RawTouch>, SPI::Error> {
        let mut f = Self::frame();
        self.spi.transfer_in_place(&mut f)?;
        Ok(Self::decode(&f, self.config))
    }

    /// Decodes the bytes read back during [`Xpt2046::frame`]. A reading at either
    /// rail (0 or 4095: a Z1 or a position a touch never gives, what a data line held
    /// low or high, or left floating, reads) is no touch: not a hard press in a corner.
    pub fn decode(f: &[u8; FRAME_LEN], config: Config) -> Option<RawTouch> {
        let conv = |i: usize| result(f[3 * i + 1], f[3 * i + 2]);
        let railed = |v: u16| v == 0 || v == 4095;
        let pressure_at = |i: usize| (conv(i) + 4095).saturating_sub(conv(i + 1));
        // pressed before the positions and still after them
        let pressure = pressure_at(0).min(pressure_at(2 + 2 * SAMPLES));
        if pressure < config.pressure_threshold || railed(conv(0)) || railed(conv(2 + 2 * SAMPLES))
        {
            return None;
        }
        let mut xs = [0u16; SAMPLES];
        let mut ys = [0u16; SAMPLES];
        for k in 0..SAMPLES {
            xs[k] = conv(2 + k);
            ys[k] = conv(2 + SAMPLES + k);
        }
        let (x, y) = (median(&mut xs), median(&mut ys));
        if railed(x) || railed(y) {
            return None;
        }
        Some(RawTouch { x, y, pressure })
    }
}

impl RawTouch {
    /// The screen pixel of this reading under `calibration` (the linear map
    /// the STMPE811 driver uses too), clamped to the screen.
    pub fn to_screen(&self, calibration: &Calibration) -> Point {
        calibration.to_screen(crate::stmpe811::RawTouch {
            x: self.x,
            y: self.y,
            z: 0,
        })
    }
}

/// Waveshare Pico-ResTouch-LCD-2.8 in portrait (240x320) as this firmware drives the
/// ST7789 (MADCTL's MX and MY clear: Waveshare's "L2R_U2D" scan), from the factors of
/// Waveshare's demo code for that scan (`x = 240 - (0.066626 * raw_x - 20)`,
/// `y = 320 - (0.089779 * raw_y - 34)`; the mirrored scan, MX and MY set, drops the
/// `240 -` and `320 -`): raw X 3902..300 across the width, raw Y 3943..379 down the
/// height, both falling.
pub const RESTOUCH_28: Calibration = Calibration {
    x0: 3902,
    x1: 300,
    y0: 3943,
    y1: 379,
    width: 240,
    height: 320,
};

#[cfg(test)]
mod tests {
    use super::*;
    use embedded_hal_mock::eh1::spi::{Mock, Transaction};
    use std::vec::Vec;

    /// What the chip answers to [`Xpt2046::frame`] for the given conversions
    /// (in frame order: Z1, Z2, X samples, Y samples, power-down).
    fn answer(values: &[u16]) -> Vec<u8> {
        let f = Xpt2046::<Mock<u8>>::frame();
        let mut out = f.to_vec();
        for (i, v) in values.iter().enumerate() {
            let r = (v & 0xFFF) << 3;
            out[3 * i] = 0;
            out[3 * i + 1] = (r >> 8) as u8;
            out[3 * i + 2] = r as u8;
        }
        out
    }

    fn poll(values: &[u16]) -> Option<RawTouch> {
        let f = Xpt2046::<Mock<u8>>::frame();
        let expectations = [
            Transaction::transaction_start(),
            Transaction::transfer_in_place(f.to_vec(), answer(values)),
            Transaction::transaction_end(),
        ];
        let mut spi = Mock::new(&expectations);
        let mut tp = Xpt2046::new(spi.clone());
        let got = tp.read().unwrap();
        spi.done();
        got
    }

    #[test]
    fn frame_commands() {
        let f = Xpt2046::<Mock<u8>>::frame();
        assert_eq!(f.len(), FRAME_LEN);
        assert_eq!(f[0], 0xB1);
        assert_eq!(f[3], 0xC1);
        assert_eq!(f[6], 0xD1);
        assert_eq!(f[3 * (2 + SAMPLES)], 0x91);
        assert_eq!(f[3 * (2 + 2 * SAMPLES)], 0xB1);
        assert_eq!(f[3 * (3 + 2 * SAMPLES)], 0xC1);
        assert_eq!(f[FRAME_LEN - 3], 0x90);
        assert!(f.iter().enumerate().all(|(i, &b)| i % 3 == 0 || b == 0));
    }

    #[test]
    fn a_press_gives_the_medians() {
        // first X and Y samples off (plate settling), the rest close together
        let v = [
            600, 3500, 1500, 2000, 2003, 1999, 2001, 900, 1100, 1102, 1098, 1101, 610, 3490, 0,
        ];
        assert_eq!(
            poll(&v),
            Some(RawTouch {
                x: 2000,
                y: 1100,
                pressure: 1195
            })
        );
    }

    #[test]
    fn light_or_no_press_is_none() {
        let mut v = [0u16; 15];
        v[1] = 4095;
        v[13] = 4095;
        assert_eq!(poll(&v), None);
        v[0] = 300;
        v[1] = 4000;
        assert_eq!(poll(&v), None);
    }

    /// What a data line held low or high (or left floating) reads, every bit 0 or every bit
    /// 1, looks like a hard press (Z1 + 4095 - Z2 = 4095) in a corner: it is no touch, nor is
    /// a press whose position reads at a rail.
    #[test]
    fn readings_at_the_rails_are_no_touch() {
        assert_eq!(poll(&[0; 15]), None);
        assert_eq!(poll(&[4095; 15]), None);
        let pressed = [
            600, 3500, 1500, 2000, 2003, 1999, 2001, 900, 1100, 1102, 1098, 1101, 600, 3500, 0,
        ];
        assert!(poll(&pressed).is_some());
        // one sample of five at a rail: the median drops it
        let mut one = pressed;
        one[3] = 0;
        assert!(poll(&one).is_some());
        // every position sample of an axis at a rail, or a Z1 at one: no touch
        let (xs, ys) = (2..2 + SAMPLES, 2 + SAMPLES..2 + 2 * SAMPLES);
        for (samples, v) in [(xs.clone(), 0), (xs, 4095), (ys.clone(), 0), (ys, 4095)] {
            let mut railed = pressed;
            railed[samples].fill(v);
            assert_eq!(poll(&railed), None, "{v}");
        }
        for (i, v) in [(0, 0), (0, 4095), (12, 0), (12, 4095)] {
            let mut railed = pressed;
            railed[i] = v;
            assert_eq!(poll(&railed), None, "Z1 {i}: {v}");
        }
    }

    /// A pen that lifts during the poll: the positions converted after it lifted are no
    /// touch (the Y plate reads near 0), and the pressure measured last says so.
    #[test]
    fn a_pen_that_lifts_during_the_poll_is_none() {
        let pressed = [
            600, 3500, 1500, 2000, 2003, 1999, 2001, 900, 1100, 1102, 1098, 1101, 600, 3500, 0,
        ];
        assert!(poll(&pressed).is_some());
        // lifted after the third Y sample: Y's median is garbage, the last Z1/Z2 no press
        let mut lifted = pressed;
        lifted[10..12].copy_from_slice(&[3, 0]);
        lifted[12..14].copy_from_slice(&[0, 4095]);
        assert_eq!(poll(&lifted), None);
        // and a light last press is the pressure reported
        let mut lighter = pressed;
        lighter[12..14].copy_from_slice(&[500, 3500]);
        assert_eq!(poll(&lighter).map(|r| r.pressure), Some(1095));
    }

    /// A bus whose every transaction fails.
    struct Broken;
    impl embedded_hal::spi::ErrorType for Broken {
        type Error = embedded_hal::spi::ErrorKind;
    }
    impl SpiDevice for Broken {
        fn transaction(
            &mut self,
            _: &mut [embedded_hal::spi::Operation<'_, u8>],
        ) -> Result<(), Self::Error> {
            Err(embedded_hal::spi::ErrorKind::Other)
        }
    }

    #[test]
    fn bus_errors_are_returned() {
        assert!(Xpt2046::new(Broken).read().is_err());
    }

    #[test]
    fn calibration_maps_pixel_centres_and_clamps() {
        let c = RESTOUCH_28;
        let raw = |x: u16, y: u16| RawTouch {
            x,
            y,
            pressure: 1000,
        };
        // (the raw readings fall across the screen, left to right and top to bottom)
        assert_eq!(raw(4095, 4095).to_screen(&c), Point::new(0, 0));
        assert_eq!(raw(0, 0).to_screen(&c), Point::new(239, 319));
        // Waveshare's factors, at a few points of the screen
        for (sx, sy) in [(20.0, 30.0), (120.0, 160.0), (220.0, 300.0)] {
            let rx = (240.0 - sx + 20.0) / 0.066626;
            let ry = (320.0 - sy + 34.0) / 0.089779;
            let p = raw(rx as u16, ry as u16).to_screen(&c);
            assert!(
                (p.x - sx as i32).abs() <= 1 && (p.y - sy as i32).abs() <= 1,
                "{p:?}"
            );
        }
        // the centre of every pixel's raw interval maps back to that pixel, also
        // 4.5 raw units off (the emulator's panel model: noise and rounding)
        for x in 0..240 {
            for e in [-4.5, 0.0, 4.5] {
                let r = 3902.0 - (x as f64 + 0.5) * 3602.0 / 240.0 + e;
                assert_eq!(raw(r.round() as u16, 2000).to_screen(&c).x, x);
            }
        }
        for y in 0..320 {
            for e in [-4.4, 0.0, 4.4] {
                let r = 3943.0 - (y as f64 + 0.5) * 3564.0 / 320.0 + e;
                assert_eq!(raw(2000, r.round() as u16).to_screen(&c).y, y);
            }
        }
    }
}
