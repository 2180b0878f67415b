//! Keeping an I2C bus usable when a device on it is stuck.
//!
//! A reset of the microcontroller in the middle of a read leaves the device
//! (the touch controller) half-way through a byte, holding SDA low until it
//! sees more clock pulses; nothing resets it, so without help the bus stays
//! busy forever, and a driver that waits for a START without a timeout hangs.
//!
//! * [`recover`] clears the bus with the lines as GPIOs (before the I2C
//!   peripheral takes the pins): up to 9 clock pulses, SDA following SCL
//!   half a cycle later so that every pulse ends with a STOP condition, until
//!   SDA is released (the recovery of the I2C specification UM10204, 3.1.16).
//! * [`CheckedI2c`] wraps an I2C bus and refuses to start a transfer unless
//!   the bus is idle ([`BusMonitor`]), returning [`CheckedError::BusStuck`]
//!   instead of handing the transfer to a driver that would wait forever.
use core::convert::Infallible;

use embedded_hal::delay::DelayNs;
use embedded_hal::digital::{InputPin, OutputPin};
use embedded_hal::i2c::{self, ErrorKind, ErrorType, I2c, Operation, SevenBitAddress};

/// Clock pulses [`recover`] gives at most: enough for a device to finish any byte and its ACK bit.
pub const MAX_PULSES: u8 = 9;
/// Half a clock period of the recovery pulses (100 kHz).
pub const HALF_PERIOD_US: u32 = 5;
/// How long SCL may be held low by a device (clock stretching) before [`recover`] gives up.
pub const SCL_STRETCH_LIMIT_US: u32 = 1000;

/// Why [`recover`] could not free the bus.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RecoveryError {
    /// SCL stays low: a device (or a short) holds the clock line.
    SclHeldLow,
    /// SDA is still low after [`MAX_PULSES`] clock pulses.
    SdaHeldLow,
}

/// Frees a bus whose SDA is held low by a device: `scl` and `sda` are the
/// bus lines as open-drain outputs (high = released) that read back the line
/// level. Returns the number of clock pulses given (at least 1: an idle bus
/// still gets one pulse ending in a STOP, which resets a device that was
/// mid-transfer while sending a 1 bit). Both lines are left released.
pub fn recover<SCL, SDA, D>(
    scl: &mut SCL,
    sda: &mut SDA,
    delay: &mut D,
) -> Result<u8, RecoveryError>
where
    SCL: OutputPin<Error = Infallible> + InputPin<Error = Infallible>,
    SDA: OutputPin<Error = Infallible> + InputPin<Error = Infallible>,
    D: DelayNs,
{
    let Ok(()) = sda.set_high();
    let Ok(()) = scl.set_high();
    delay.delay_us(HALF_PERIOD_US);
    if !wait_high(scl, delay) {
        return Err(RecoveryError::SclHeldLow);
    }
    for pulse in 1..=MAX_PULSES {
        // clock low, then SDA low: no START (SDA only moves while SCL is low)
        let Ok(()) = scl.set_low();
        delay.delay_us(HALF_PERIOD_US);
        let Ok(()) = sda.set_low();
        delay.delay_us(HALF_PERIOD_US);
        // clock high (the device may stretch it), then SDA released: a STOP
        // unless the device still drives SDA low
        let Ok(()) = scl.set_high();
        if !wait_high(scl, delay) {
            let Ok(()) = sda.set_high();
            return Err(RecoveryError::SclHeldLow);
        }
        delay.delay_us(HALF_PERIOD_US);
        let Ok(()) = sda.set_high();
        delay.delay_us(HALF_PERIOD_US);
        let Ok(sda_high) = sda.is_high();
        if sda_high {
            return Ok(pulse);
        }
    }
    Err(RecoveryError::SdaHeldLow)
}

/// Waits up to [`SCL_STRETCH_LIMIT_US`] for the released clock line to read high.
fn wait_high<P: InputPin<Error = Infallible>, D: DelayNs>(scl: &mut P, delay: &mut D) -> bool {
    for _ in 0..SCL_STRETCH_LIMIT_US {
        let Ok(high) = scl.is_high();
        if high {
            return true;
        }
        delay.delay_us(1);
    }
    false
}

/// The state of an I2C bus between transfers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BusState {
    /// SCL reads high.
    pub scl_high: bool,
    /// SDA reads high.
    pub sda_high: bool,
    /// The I2C peripheral considers the bus busy (it saw a line low and no STOP since).
    pub busy: bool,
}

impl BusState {
    /// Both lines released and no transfer in progress: a START can be sent.
    pub fn is_idle(&self) -> bool {
        self.scl_high && self.sda_high && !self.busy
    }
}

/// Reads the state of a bus (line levels and the peripheral's busy flag) without disturbing it.
pub trait BusMonitor {
    /// The bus state now.
    fn bus_state(&mut self) -> BusState;
}

/// Errors of [`CheckedI2c`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CheckedError<E> {
    /// The bus was not idle before the transfer: nothing was sent.
    BusStuck(BusState),
    /// The transfer failed.
    I2c(E),
}

impl<E: i2c::Error> i2c::Error for CheckedError<E> {
    fn kind(&self) -> ErrorKind {
        match self {
            CheckedError::BusStuck(_) => ErrorKind::Bus,
            CheckedError::I2c(e) => e.kind(),
        }
    }
}

/// An I2C bus that checks the bus is idle before every transfer, so a driver
/// that waits for a START or a STOP without a timeout is never started on a
/// stuck bus. (A bus that sticks in the middle of a transfer, SCL held low,
/// still leaves the HAL waiting: the watchdog then restarts the board, whose
/// start clears the bus.)
#[derive(Debug)]
pub struct CheckedI2c<I, M> {
    i2c: I,
    monitor: M,
}

impl<I: I2c, M: BusMonitor> CheckedI2c<I, M> {
    /// Wraps `i2c`, checking the bus with `monitor`.
    pub fn new(i2c: I, monitor: M) -> Self {
        CheckedI2c { i2c, monitor }
    }

    /// Gives the bus and the monitor back.
    pub fn release(self) -> (I, M) {
        (self.i2c, self.monitor)
    }

    /// The bus state now.
    pub fn bus_state(&mut self) -> BusState {
        self.monitor.bus_state()
    }

    fn check(&mut self) -> Result<(), CheckedError<I::Error>> {
        let state = self.monitor.bus_state();
        if state.is_idle() {
            Ok(())
        } else {
            Err(CheckedError::BusStuck(state))
        }
    }
}

impl<I: I2c, M> ErrorType for CheckedI2c<I, M> {
    type Error = CheckedError<I::Error>;
}

// Each method is forwarded as itself (not all through `transaction`), so the
// wrapped bus runs the same code it would run unwrapped.
impl<I: I2c, M: BusMonitor> I2c<SevenBitAddress> for CheckedI2c<I, M> {
    fn read(&mut self, address: u8, read: &mut [u8]) -> Result<(), Self::Error> {
        self.check()?;
        self.i2c.read(address, read).map_err(CheckedError::I2c)
    }

    fn write(&mut self, address: u8, write: &[u8]) -> Result<(), Self::Error> {
        self.check()?;
        self.i2c.write(address, write).map_err(CheckedError::I2c)
    }

    fn write_read(
        &mut self,
        address: u8,
        write: &[u8],
        read: &mut [u8],
    ) -> Result<(), Self::Error> {
        self.check()?;
        self.i2c
            .write_read(address, write, read)
            .map_err(CheckedError::I2c)
    }

    fn transaction(
        &mut self,
        address: u8,
        operations: &mut [Operation<'_>],
    ) -> Result<(), Self::Error> {
        self.check()?;
        self.i2c
            .transaction(address, operations)
            .map_err(CheckedError::I2c)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use embedded_hal::digital::ErrorType as PinErrorType;
    use embedded_hal_mock::eh1::delay::NoopDelay;
    use embedded_hal_mock::eh1::i2c::{Mock as I2cMock, Transaction as I2cT};
    use std::cell::RefCell;
    use std::rc::Rc;
    use std::vec;
    use std::vec::Vec;

    /// A simulated open-drain bus with one device on it. The device may hold
    /// SCL low, and may be in the middle of sending bits (`pending`, a `false`
    /// bit drives SDA low); it moves to its next bit on each falling SCL edge
    /// and forgets the transfer on a STOP (SDA rising while SCL is high).
    #[derive(Debug, Default)]
    struct Bus {
        master_scl_low: bool,
        master_sda_low: bool,
        device_scl_low: bool,
        /// Bits the device still sends, first = on the line now.
        pending: Vec<bool>,
        /// The device holds SDA low whatever happens (a short).
        sda_shorted: bool,
        events: Vec<&'static str>,
        falling_edges: usize,
    }

    impl Bus {
        fn scl(&self) -> bool {
            !(self.master_scl_low || self.device_scl_low)
        }
        fn sda(&self) -> bool {
            let device_low = self.sda_shorted || self.pending.first() == Some(&false);
            !(self.master_sda_low || device_low)
        }
        fn drive(&mut self, scl_low: Option<bool>, sda_low: Option<bool>) {
            let (scl0, sda0) = (self.scl(), self.sda());
            if let Some(v) = scl_low {
                self.master_scl_low = v;
            }
            if let Some(v) = sda_low {
                self.master_sda_low = v;
            }
            if scl0 && !self.scl() {
                self.falling_edges += 1;
                if !self.pending.is_empty() {
                    self.pending.remove(0);
                }
            }
            let (scl1, sda1) = (self.scl(), self.sda());
            if scl0 && scl1 && sda0 != sda1 {
                if sda1 {
                    self.events.push("stop");
                    self.pending.clear();
                } else {
                    self.events.push("start");
                }
            }
        }
    }

    struct Line {
        bus: Rc<RefCell<Bus>>,
        is_scl: bool,
    }

    impl PinErrorType for Line {
        type Error = Infallible;
    }

    impl OutputPin for Line {
        fn set_low(&mut self) -> Result<(), Infallible> {
            self.set(true);
            Ok(())
        }
        fn set_high(&mut self) -> Result<(), Infallible> {
            self.set(false);
            Ok(())
        }
    }

    impl Line {
        fn set(&mut self, low: bool) {
            let mut bus = self.bus.borrow_mut();
            if self.is_scl {
                bus.drive(Some(low), None);
            } else {
                bus.drive(None, Some(low));
            }
        }
    }

    impl InputPin for Line {
        fn is_high(&mut self) -> Result<bool, Infallible> {
            let bus = self.bus.borrow();
            Ok(if self.is_scl { bus.scl() } else { bus.sda() })
        }
        fn is_low(&mut self) -> Result<bool, Infallible> {
            self.is_high().map(|h| !h)
        }
    }

    fn run(bus: Bus) -> (Result<u8, RecoveryError>, Bus) {
        let bus = Rc::new(RefCell::new(bus));
        let mut scl = Line {
            bus: bus.clone(),
            is_scl: true,
        };
        let mut sda = Line {
            bus: bus.clone(),
            is_scl: false,
        };
        let r = recover(&mut scl, &mut sda, &mut NoopDelay::new());
        drop((scl, sda));
        (r, Rc::try_unwrap(bus).unwrap().into_inner())
    }

    #[test]
    fn an_idle_bus_gets_one_pulse_and_a_stop() {
        let (r, bus) = run(Bus::default());
        assert_eq!(r, Ok(1));
        assert_eq!(bus.events, ["stop"]);
        assert!(bus.scl() && bus.sda());
    }

    #[test]
    fn a_device_holding_sda_is_clocked_until_it_lets_go_then_stopped() {
        // the device is sending the rest of a byte: k zero bits, then a one
        for zeros in 1..=8 {
            let mut pending = vec![false; zeros];
            pending.push(true);
            let (r, bus) = run(Bus {
                pending,
                ..Bus::default()
            });
            assert_eq!(r, Ok(zeros as u8), "{zeros} zero bits");
            assert_eq!(bus.falling_edges, zeros);
            assert_eq!(bus.events, ["stop"], "no START, one STOP");
            assert!(bus.pending.is_empty(), "the device saw the STOP");
            assert!(bus.scl() && bus.sda(), "both lines released");
        }
    }

    #[test]
    fn a_byte_of_zeros_and_its_ack_take_nine_pulses() {
        let (r, bus) = run(Bus {
            pending: vec![false; 9],
            ..Bus::default()
        });
        assert_eq!(r, Ok(9));
        assert_eq!(bus.events, ["stop"]);
    }

    #[test]
    fn sda_shorted_low_fails_after_nine_pulses() {
        let (r, bus) = run(Bus {
            sda_shorted: true,
            ..Bus::default()
        });
        assert_eq!(r, Err(RecoveryError::SdaHeldLow));
        assert_eq!(bus.falling_edges, usize::from(MAX_PULSES));
        assert!(bus.events.is_empty(), "{:?}", bus.events);
        assert!(bus.scl(), "SCL released");
    }

    #[test]
    fn scl_held_low_fails_without_touching_sda() {
        let (r, bus) = run(Bus {
            device_scl_low: true,
            ..Bus::default()
        });
        assert_eq!(r, Err(RecoveryError::SclHeldLow));
        assert!(!bus.master_sda_low && !bus.master_scl_low);
        assert_eq!(bus.falling_edges, 0);
    }

    struct FixedState(BusState);
    impl BusMonitor for FixedState {
        fn bus_state(&mut self) -> BusState {
            self.0
        }
    }

    const IDLE: BusState = BusState {
        scl_high: true,
        sda_high: true,
        busy: false,
    };

    #[test]
    fn transfers_run_on_an_idle_bus() {
        let mut mock = I2cMock::new(&[
            I2cT::write_read(0x41, vec![0x40], vec![0x81]),
            I2cT::write(0x41, vec![0x4B, 0x01]),
            I2cT::read(0x41, vec![7]),
        ]);
        let mut bus = CheckedI2c::new(mock.clone(), FixedState(IDLE));
        let mut b = [0u8];
        bus.write_read(0x41, &[0x40], &mut b).unwrap();
        assert_eq!(b, [0x81]);
        bus.write(0x41, &[0x4B, 0x01]).unwrap();
        bus.read(0x41, &mut b).unwrap();
        assert_eq!(b, [7]);
        drop(bus.release());
        mock.done();
    }

    #[test]
    fn a_stuck_bus_is_an_error_and_nothing_is_sent() {
        for state in [
            BusState {
                sda_high: false,
                ..IDLE
            },
            BusState {
                scl_high: false,
                ..IDLE
            },
            BusState { busy: true, ..IDLE },
        ] {
            assert!(!state.is_idle());
            // no expectations: any transfer reaching the mock fails the test
            let mut mock = I2cMock::new(&[]);
            let mut bus = CheckedI2c::new(mock.clone(), FixedState(state));
            let mut b = [0u8; 4];
            assert_eq!(
                bus.write_read(0x41, &[0xD7], &mut b),
                Err(CheckedError::BusStuck(state))
            );
            assert_eq!(bus.write(0x41, &[1, 2]), Err(CheckedError::BusStuck(state)));
            assert_eq!(bus.read(0x41, &mut b), Err(CheckedError::BusStuck(state)));
            assert_eq!(
                bus.transaction(0x41, &mut [Operation::Write(&[1])]),
                Err(CheckedError::BusStuck(state))
            );
            use embedded_hal::i2c::Error as _;
            assert_eq!(
                CheckedError::<ErrorKind>::BusStuck(state).kind(),
                ErrorKind::Bus
            );
            mock.done();
        }
    }

    #[test]
    fn transfer_errors_are_passed_on() {
        let mut mock =
            I2cMock::new(&[I2cT::write(0x41, vec![1]).with_error(ErrorKind::ArbitrationLoss)]);
        let mut bus = CheckedI2c::new(mock.clone(), FixedState(IDLE));
        assert_eq!(
            bus.write(0x41, &[1]),
            Err(CheckedError::I2c(ErrorKind::ArbitrationLoss))
        );
        mock.done();
    }
}
