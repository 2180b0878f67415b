//! A small driver for the STMPE811 resistive touch-screen controller
//! (as on the STM32F429I-DISC1: I2C3, address 0x41), on the embedded-hal 1.0
//! [`I2c`] and [`DelayNs`] traits.
//!
//! [`Stmpe811::init`] performs the set-up of ST's board support package
//! (soft reset, clocks, 12-bit ADC, touch controller with 4-sample averaging,
//! FIFO threshold 1); [`Stmpe811::read`] polls the current touch state.
//! [`Calibration`] maps raw 12-bit readings linearly to screen pixels (the
//! discovery board's own mapping, which depends on its revision, is
//! [`crate::disc1::Revision::touch_to_screen`]).
use embedded_graphics::prelude::Point;
use embedded_hal::delay::DelayNs;
use embedded_hal::i2c::I2c;

/// The controller's I2C address on the STM32F429I-DISC1 (ADDR0 pin high).
pub const ADDRESS: u8 = 0x41;
/// The value of the CHIP_ID register pair.
pub const CHIP_ID: u16 = 0x0811;
/// Polls in a row that find the panel touched and the FIFO empty after which
/// [`Stmpe811::read`] reports [`Error::Stalled`]. Touched, the controller
/// keeps converting (with [`Stmpe811::init`]'s settings, 4 averaged
/// conversions and 500 us settling, a sample every few milliseconds), so 20
/// polls without one (200 ms at the boards' 10 ms poll period) mean it has
/// stopped.
pub const STALL_POLLS: u8 = 20;

/// Polls in a row that read as touched with no new sample after which
/// [`Stmpe811::read`] lets the pen lift (30 ms: several samples' time), and
/// resets the FIFO. The touch-detect bit of this controller can stay set for a
/// while after a lift with nothing in the FIFO (Linux's `stmpe-ts` driver
/// releases the pen when no sample came for a while, with the FIFO reset too);
/// the pen is not held down meanwhile. Such a lift may come from a fault:
/// [`Stmpe811::lifted_unsampled`] says so.
pub const LIFT_POLLS: u8 = 3;

/// Register addresses (datasheet section 8).
pub mod reg {
    /// Chip identification, 2 bytes (big-endian).
    pub const CHIP_ID: u8 = 0x00;
    /// System control 1: soft reset (bit 1).
    pub const SYS_CTRL1: u8 = 0x03;
    /// System control 2: clock gating of ADC (bit 0), TSC (1), GPIO (2), temperature sensor (3).
    pub const SYS_CTRL2: u8 = 0x04;
    /// Interrupt status (write 1s to clear).
    pub const INT_STA: u8 = 0x0B;
    /// GPIO alternate function: 0 = pin used by the ADC/touch controller.
    pub const GPIO_AF: u8 = 0x17;
    /// ADC control 1: sample time and resolution.
    pub const ADC_CTRL1: u8 = 0x20;
    /// ADC control 2: ADC clock.
    pub const ADC_CTRL2: u8 = 0x21;
    /// Touch controller control: enable (bit 0), mode, TOUCH_DET status (bit 7).
    pub const TSC_CTRL: u8 = 0x40;
    /// Touch controller configuration: averaging, detect delay, settling time.
    pub const TSC_CFG: u8 = 0x41;
    /// FIFO threshold.
    pub const FIFO_TH: u8 = 0x4A;
    /// FIFO status / reset (bit 0).
    pub const FIFO_STA: u8 = 0x4B;
    /// Number of samples in the FIFO.
    pub const FIFO_SIZE: u8 = 0x4C;
    /// Z fraction format.
    pub const TSC_FRACTION_Z: u8 = 0x56;
    /// Touch drive current.
    pub const TSC_I_DRIVE: u8 = 0x58;
    /// FIFO data, XYZ packed in 4 bytes, non-incrementing address.
    pub const TSC_DATA_XYZ: u8 = 0xD7;
}

/// Driver errors.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Error<E> {
    /// The I2C bus reported an error.
    I2c(E),
    /// The device at the address is not an STMPE811 (the CHIP_ID read is given).
    WrongChip(u16),
    /// The panel has read as touched for [`STALL_POLLS`] polls in a row with
    /// no sample in the FIFO: the controller has stopped converting. Reported
    /// at every poll until a sample comes or the panel reads as released.
    Stalled,
    /// The touch controller is switched off (TSC_CTRL's enable bit clear): the
    /// chip has lost [`Stmpe811::init`]'s set-up, as when a discharge through
    /// the panel or a dip of its supply resets it and not the MCU. It still
    /// answers on the bus, and would read as untouched for ever; set it up
    /// again.
    NotSetUp,
}

impl<E> From<E> for Error<E> {
    fn from(e: E) -> Self {
        Error::I2c(e)
    }
}

/// One raw touch sample: 12-bit X and Y, 8-bit pressure Z.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RawTouch {
    /// Raw X reading, 0..=4095.
    pub x: u16,
    /// Raw Y reading, 0..=4095.
    pub y: u16,
    /// Raw pressure reading.
    pub z: u8,
}

impl RawTouch {
    /// Unpacks the 4 FIFO bytes (`XXXXXXXX XXXXYYYY YYYYYYYY ZZZZZZZZ`).
    pub fn from_fifo(b: [u8; 4]) -> Self {
        let xyz = u32::from_be_bytes(b);
        RawTouch {
            x: ((xyz >> 20) & 0xFFF) as u16,
            y: ((xyz >> 8) & 0xFFF) as u16,
            z: b[3],
        }
    }
}

/// The STMPE811 on an I2C bus.
#[derive(Debug)]
pub struct Stmpe811<I2C> {
    i2c: I2C,
    address: u8,
    last: Option<RawTouch>,
    /// Polls in a row that found the panel touched and the FIFO empty.
    starved: u8,
}

impl<I2C: I2c> Stmpe811<I2C> {
    /// A driver for the controller at `address` (usually [`ADDRESS`]). Does not touch the bus.
    pub fn new(i2c: I2C, address: u8) -> Self {
        Stmpe811 {
            i2c,
            address,
            last: None,
            starved: 0,
        }
    }

    /// Gives the bus back.
    pub fn release(self) -> I2C {
        self.i2c
    }

    fn write(&mut self, reg: u8, value: u8) -> Result<(), Error<I2C::Error>> {
        self.i2c.write(self.address, &[reg, value])?;
        Ok(())
    }

    fn read_into(&mut self, reg: u8, buf: &mut [u8]) -> Result<(), Error<I2C::Error>> {
        self.i2c.write_read(self.address, &[reg], buf)?;
        Ok(())
    }

    fn read_reg(&mut self, reg: u8) -> Result<u8, Error<I2C::Error>> {
        let mut b = [0u8];
        self.read_into(reg, &mut b)?;
        Ok(b[0])
    }

    /// Reads the CHIP_ID register pair.
    pub fn chip_id(&mut self) -> Result<u16, Error<I2C::Error>> {
        let mut b = [0u8; 2];
        self.read_into(reg::CHIP_ID, &mut b)?;
        Ok(u16::from_be_bytes(b))
    }

    /// Resets and configures the controller for touch sensing. Checks the chip ID first.
    pub fn init(&mut self, delay: &mut impl DelayNs) -> Result<(), Error<I2C::Error>> {
        let id = self.chip_id()?;
        if id != CHIP_ID {
            return Err(Error::WrongChip(id));
        }
        self.write(reg::SYS_CTRL1, 0x02)?; // soft reset
        delay.delay_ms(10);
        self.write(reg::SYS_CTRL1, 0x00)?;
        delay.delay_ms(2);
        self.write(reg::SYS_CTRL2, 0x0C)?; // clocks on: ADC and TSC (GPIO, temp sensor off)
        self.write(reg::ADC_CTRL1, 0x49)?; // 80 clock sample time, 12-bit
        delay.delay_ms(2);
        self.write(reg::ADC_CTRL2, 0x01)?; // ADC clock 3.25 MHz
        let af = self.read_reg(reg::GPIO_AF)?;
        self.write(reg::GPIO_AF, af & !0xF0)?; // IO4..7 to the touch controller
        self.write(reg::TSC_CFG, 0x9A)?; // 4-sample average, 500 us detect delay, 500 us settling
        self.write(reg::FIFO_TH, 0x01)?;
        self.reset_fifo()?;
        self.write(reg::TSC_FRACTION_Z, 0x01)?; // Z format as in ST's BSP (Z is not used)
        self.write(reg::TSC_I_DRIVE, 0x01)?; // 50 mA
        self.write(reg::TSC_CTRL, 0x01)?; // enable, XYZ acquisition, no window tracking
        self.write(reg::INT_STA, 0xFF)?; // clear pending interrupts
        delay.delay_ms(2);
        self.last = None;
        self.starved = 0;
        Ok(())
    }

    /// Whether the last [`Stmpe811::read`] gave `None` because the panel read as touched
    /// with no sample for [`LIFT_POLLS`] polls or more, not because it was released: a pen-up
    /// that a fault may cause, which a board treats as a failed read (a key held is let go
    /// without acting).
    pub fn lifted_unsampled(&self) -> bool {
        self.starved >= LIFT_POLLS
    }

    fn reset_fifo(&mut self) -> Result<(), Error<I2C::Error>> {
        self.write(reg::FIFO_STA, 0x01)?;
        self.write(reg::FIFO_STA, 0x00)
    }

    /// Polls the touch state: `None` when nothing touches the panel, else the
    /// oldest unread sample (the FIFO is emptied after each read, so at a
    /// 10 ms poll period this is at most one poll old). While touched with no new
    /// sample in the FIFO yet, the previous sample is repeated (no sample at all
    /// yet: `None`) for fewer than [`LIFT_POLLS`] polls in a row; then the pen
    /// lifts (`None`, the FIFO reset), and from [`STALL_POLLS`] polls on the
    /// controller has stopped: [`Error::Stalled`]. A controller that is no longer
    /// enabled (reset on its own) is [`Error::NotSetUp`], at every poll until
    /// [`Stmpe811::init`] again.
    pub fn read(&mut self) -> Result<Option<RawTouch>, Error<I2C::Error>> {
        let ctrl = self.read_reg(reg::TSC_CTRL)?;
        if ctrl & 0x01 == 0 {
            // (the pen is not held down by a controller that senses nothing)
            self.last = None;
            self.starved = 0;
            return Err(Error::NotSetUp);
        }
        if ctrl & 0x80 == 0 {
            let touched = self.last.take().is_some() || self.starved >= STALL_POLLS;
            self.starved = 0;
            if touched {
                // just released: drop samples left from the end of the touch (or from a
                // controller that recovered from a stall), so the next touch does not
                // start with a stale position
                self.reset_fifo()?;
            }
            return Ok(None);
        }
        if self.read_reg(reg::FIFO_SIZE)? == 0 {
            self.starved = self.starved.saturating_add(1);
            if self.starved >= STALL_POLLS {
                return Err(Error::Stalled);
            }
            if self.starved == LIFT_POLLS {
                // the pen is not held down at a sample this old
                self.last = None;
                self.reset_fifo()?;
            }
            return Ok(self.last);
        }
        self.starved = 0;
        let mut b = [0u8; 4];
        self.read_into(reg::TSC_DATA_XYZ, &mut b)?;
        self.reset_fifo()?; // drop older samples: the next poll gets a fresh one
        let t = RawTouch::from_fifo(b);
        self.last = Some(t);
        Ok(Some(t))
    }
}

/// Linear map from raw readings to screen pixels: raw `x0`/`y0` is screen
/// 0, raw `x1`/`y1` is screen `width`/`height`. Either axis may be inverted
/// (`x1 < x0`). Results are clamped onto the screen.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Calibration {
    /// Raw X at screen x = 0.
    pub x0: i32,
    /// Raw X at screen x = `width`.
    pub x1: i32,
    /// Raw Y at screen y = 0.
    pub y0: i32,
    /// Raw Y at screen y = `height`.
    pub y1: i32,
    /// Screen width in pixels.
    pub width: i32,
    /// Screen height in pixels.
    pub height: i32,
}

impl Calibration {
    /// The screen pixel for a raw sample.
    pub fn to_screen(&self, raw: RawTouch) -> Point {
        Point::new(
            map(i32::from(raw.x), self.x0, self.x1, self.width),
            map(i32::from(raw.y), self.y0, self.y1, self.height),
        )
    }
}

fn map(v: i32, r0: i32, r1: i32, size: i32) -> i32 {
    let span = i64::from(r1) - i64::from(r0);
    if span == 0 || size <= 0 {
        return 0;
    }
    let s = (i64::from(v) - i64::from(r0)) * i64::from(size) / span;
    s.clamp(0, i64::from(size) - 1) as i32
}

#[cfg(test)]
mod tests {
    use super::*;
    use embedded_hal_mock::eh1::delay::NoopDelay;
    use embedded_hal_mock::eh1::i2c::{Mock, Transaction as T};
    use std::vec;
    use std::vec::Vec;

    fn w(reg: u8, v: u8) -> T {
        T::write(ADDRESS, vec![reg, v])
    }
    fn r(reg: u8, data: Vec<u8>) -> T {
        T::write_read(ADDRESS, vec![reg], data)
    }

    /// The bus transactions of [`Stmpe811::init`].
    fn init_expectations() -> [T; 16] {
        [
            r(reg::CHIP_ID, vec![0x08, 0x11]),
            w(reg::SYS_CTRL1, 0x02),
            w(reg::SYS_CTRL1, 0x00),
            w(reg::SYS_CTRL2, 0x0C),
            w(reg::ADC_CTRL1, 0x49),
            w(reg::ADC_CTRL2, 0x01),
            r(reg::GPIO_AF, vec![0xFF]),
            w(reg::GPIO_AF, 0x0F),
            w(reg::TSC_CFG, 0x9A),
            w(reg::FIFO_TH, 0x01),
            w(reg::FIFO_STA, 0x01),
            w(reg::FIFO_STA, 0x00),
            w(reg::TSC_FRACTION_Z, 0x01),
            w(reg::TSC_I_DRIVE, 0x01),
            w(reg::TSC_CTRL, 0x01),
            w(reg::INT_STA, 0xFF),
        ]
    }

    #[test]
    fn init_sequence() {
        let mut i2c = Mock::new(&init_expectations());
        let mut dev = Stmpe811::new(i2c.clone(), ADDRESS);
        dev.init(&mut NoopDelay::new()).unwrap();
        i2c.done();
    }

    #[test]
    fn wrong_chip_is_reported_and_nothing_is_written() {
        let mut i2c = Mock::new(&[r(reg::CHIP_ID, vec![0x12, 0x34])]);
        let mut dev = Stmpe811::new(i2c.clone(), ADDRESS);
        assert_eq!(
            dev.init(&mut NoopDelay::new()),
            Err(Error::WrongChip(0x1234))
        );
        i2c.done();
    }

    #[test]
    fn bus_errors_are_passed_on() {
        use embedded_hal::i2c::ErrorKind;
        let mut i2c = Mock::new(&[r(reg::TSC_CTRL, vec![0]).with_error(ErrorKind::Other)]);
        let mut dev = Stmpe811::new(i2c.clone(), ADDRESS);
        assert_eq!(dev.read(), Err(Error::I2c(ErrorKind::Other)));
        i2c.done();
    }

    /// A controller that reset itself (its touch sensing off: TSC_CTRL's enable bit clear)
    /// is an error at every poll, not a panel that is never touched, and the pen it held
    /// down is let go; set up again, it reads touches again.
    #[test]
    fn a_controller_that_lost_its_set_up_is_an_error() {
        let mut expectations = vec![
            r(reg::TSC_CTRL, vec![0x81]),
            r(reg::FIFO_SIZE, vec![1]),
            r(reg::TSC_DATA_XYZ, vec![0x12, 0x34, 0x56, 0x78]),
            w(reg::FIFO_STA, 0x01),
            w(reg::FIFO_STA, 0x00),
            // reset on its own: the registers' reset values, touched or not
            r(reg::TSC_CTRL, vec![0x00]),
            r(reg::TSC_CTRL, vec![0x90]),
        ];
        expectations.extend(init_expectations());
        expectations.extend([r(reg::TSC_CTRL, vec![0x01])]);
        let mut i2c = Mock::new(&expectations);
        let mut dev = Stmpe811::new(i2c.clone(), ADDRESS);
        assert!(dev.read().unwrap().is_some());
        assert_eq!(dev.read(), Err(Error::NotSetUp));
        assert_eq!(dev.read(), Err(Error::NotSetUp));
        assert!(!dev.lifted_unsampled());
        dev.init(&mut NoopDelay::new()).unwrap();
        assert_eq!(dev.read(), Ok(None));
        i2c.done();
    }

    #[test]
    fn read_touch_states() {
        let expectations = [
            // not touched
            r(reg::TSC_CTRL, vec![0x01]),
            // touched, but no sample yet: nothing to report
            r(reg::TSC_CTRL, vec![0x81]),
            r(reg::FIFO_SIZE, vec![0]),
            // touched with a sample: X = 0x123, Y = 0x456, Z = 0x78
            r(reg::TSC_CTRL, vec![0x81]),
            r(reg::FIFO_SIZE, vec![3]),
            r(reg::TSC_DATA_XYZ, vec![0x12, 0x34, 0x56, 0x78]),
            w(reg::FIFO_STA, 0x01),
            w(reg::FIFO_STA, 0x00),
            // still touched, FIFO empty: the last sample is repeated
            r(reg::TSC_CTRL, vec![0x81]),
            r(reg::FIFO_SIZE, vec![0]),
            // released: the FIFO is emptied once
            r(reg::TSC_CTRL, vec![0x01]),
            w(reg::FIFO_STA, 0x01),
            w(reg::FIFO_STA, 0x00),
            // still released: no bus writes
            r(reg::TSC_CTRL, vec![0x01]),
        ];
        let mut i2c = Mock::new(&expectations);
        let mut dev = Stmpe811::new(i2c.clone(), ADDRESS);
        let t = RawTouch {
            x: 0x123,
            y: 0x456,
            z: 0x78,
        };
        assert_eq!(dev.read(), Ok(None));
        assert_eq!(dev.read(), Ok(None));
        assert_eq!(dev.read(), Ok(Some(t)));
        assert_eq!(dev.read(), Ok(Some(t)));
        assert_eq!(dev.read(), Ok(None));
        assert_eq!(dev.read(), Ok(None));
        i2c.done();
    }

    #[test]
    fn a_controller_that_stops_converting_lets_the_pen_lift_and_is_reported() {
        let touched_empty = || [r(reg::TSC_CTRL, vec![0x81]), r(reg::FIFO_SIZE, vec![0])];
        let fifo_reset = [w(reg::FIFO_STA, 0x01), w(reg::FIFO_STA, 0x00)];
        let sample = [
            r(reg::TSC_CTRL, vec![0x81]),
            r(reg::FIFO_SIZE, vec![1]),
            r(reg::TSC_DATA_XYZ, vec![0x12, 0x34, 0x56, 0x78]),
            w(reg::FIFO_STA, 0x01),
            w(reg::FIFO_STA, 0x00),
        ];
        // polls 1..=STALL_POLLS without a sample: the FIFO reset as the pen lifts (at
        // LIFT_POLLS), then the stall
        let starved = |expectations: &mut std::vec::Vec<T>| {
            for n in 1..=STALL_POLLS {
                expectations.extend(touched_empty());
                if n == LIFT_POLLS {
                    expectations.extend(fifo_reset.clone());
                }
            }
        };
        let mut expectations = sample.to_vec();
        starved(&mut expectations);
        expectations.extend(touched_empty());
        // a sample ends it; so does a release, which empties the FIFO
        expectations.extend(sample.clone());
        starved(&mut expectations);
        expectations.push(r(reg::TSC_CTRL, vec![0x01]));
        expectations.extend(fifo_reset.clone());
        starved(&mut expectations);
        // the touch-detect bit clears after the pen lifted early: no second FIFO reset
        expectations.extend(sample.clone());
        for _ in 0..LIFT_POLLS {
            expectations.extend(touched_empty());
        }
        expectations.extend(fifo_reset.clone());
        expectations.push(r(reg::TSC_CTRL, vec![0x01]));
        let mut i2c = Mock::new(&expectations);
        let mut dev = Stmpe811::new(i2c.clone(), ADDRESS);
        let t = Some(RawTouch {
            x: 0x123,
            y: 0x456,
            z: 0x78,
        });
        // the last sample held for LIFT_POLLS - 1 polls, then the pen lifts (a lift a fault
        // may cause: lifted_unsampled)
        let held_then_lifted = |dev: &mut Stmpe811<Mock>, held: Option<RawTouch>| {
            for n in 1..STALL_POLLS {
                let want = if n < LIFT_POLLS { held } else { None };
                assert_eq!(dev.read(), Ok(want), "poll {n} without a sample");
                assert_eq!(dev.lifted_unsampled(), n >= LIFT_POLLS, "poll {n}");
            }
            assert_eq!(dev.read(), Err(Error::Stalled));
        };
        assert_eq!(dev.read(), Ok(t));
        held_then_lifted(&mut dev, t);
        assert_eq!(dev.read(), Err(Error::Stalled));
        assert_eq!(dev.read(), Ok(t));
        assert!(!dev.lifted_unsampled());
        held_then_lifted(&mut dev, t);
        assert_eq!(dev.read(), Ok(None));
        assert!(!dev.lifted_unsampled(), "a release");
        // touched from the start with no sample at all: nothing to hold, still reported
        held_then_lifted(&mut dev, None);
        assert_eq!(dev.read(), Ok(t));
        for _ in 1..LIFT_POLLS {
            assert_eq!(dev.read(), Ok(t));
        }
        assert_eq!(dev.read(), Ok(None));
        assert_eq!(dev.read(), Ok(None));
        i2c.done();
    }

    #[test]
    fn calibration_maps_corners_and_clamps() {
        // a panel with inverted X, raw 3870..270 over 240 px and 360..3880 over 320 px
        let c = Calibration {
            x0: 3870,
            x1: 3870 - 15 * 240,
            y0: 360,
            y1: 360 + 11 * 320,
            width: 240,
            height: 320,
        };
        let raw = |x, y| RawTouch { x, y, z: 0 };
        assert_eq!(c.to_screen(raw(3870, 360)), Point::new(0, 0));
        assert_eq!(
            c.to_screen(raw(3870 - 15 * 120, 360 + 11 * 160)),
            Point::new(120, 160)
        );
        assert_eq!(c.to_screen(raw(0, 4095)), Point::new(239, 319));
        assert_eq!(c.to_screen(raw(4095, 0)), Point::new(0, 0));
        let degenerate = Calibration { x1: 5, x0: 5, ..c };
        assert_eq!(degenerate.to_screen(raw(100, 360)).x, 0);
    }
}
