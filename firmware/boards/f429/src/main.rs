//! # firmware-f429
//!
//! The nnet digit recognizer on the STM32F429I-DISC1: draw a digit on the
//! touchscreen with a finger or stylus, the on-chip 784-H-10 network (weights
//! in flash) recognises it when the pen lifts.
//!
//! Hardware set-up (board wiring per ST's UM1670 and board support package):
//! * clocks: 8 MHz HSE -> 180 MHz system clock; a crystal that has not started
//!   after at least 100 ms is switched off again and the internal 16 MHz HSI
//!   drives the PLL instead, to 168 MHz (the HAL would wait for the crystal for
//!   ever), which the log says;
//! * display: the ILI9341 is configured over SPI5 (PF7 SCK, PF8 MISO, PF9 MOSI,
//!   high speed; PC2 CS, PD13 D/C, PD12 RDX held high) for its RGB interface,
//!   then the LTDC scans a 240x320 RGB565 framebuffer in SRAM (150 KiB; the
//!   stack lives in CCM, see `memory.x`);
//! * board revision: the gyroscope on SPI5 (CS PC1) answers `WHO_AM_I` with
//!   0xD4/0xD5 (L3GD20, revisions B/C) or 0xD3 (I3G4250D, revisions D/E);
//!   the touch panel's Y axis is mirrored on D/E (`firmware::disc1`). The
//!   features `rev-bc` / `rev-de` force one;
//! * touch: the STMPE811 on I2C3 (PA8 SCL, PC9 SDA, address 0x41), polled
//!   every 10 ms. Its bus is cleared with 9 clock pulses and a STOP before
//!   the I2C peripheral takes it (the STMPE811 is not reset with the MCU),
//!   and every transfer first checks the bus is idle, so a bus stuck between
//!   transfers is an error on screen and a new recovery (a transfer the
//!   controller does not acknowledge is ended with a STOP, which the HAL does
//!   not send, so one missed byte is not taken for a stuck bus; one that sticks in
//!   the middle of a transfer leaves the HAL waiting until the watchdog
//!   restarts the board); a controller that reads as touched but stops
//!   delivering samples lifts the pen (50 ms), is an error on screen too
//!   (200 ms), and is set up again a second later (it would hold the pen
//!   down); one that has reset itself (its touch sensing off) is an error on
//!   screen and set up again at once, or a second later when it reset again
//!   within a second of its set-up (a supply that stays low);
//! * an independent watchdog (2 s) restarts the board if the main loop ever
//!   stops; the next start says so on screen;
//! * what the board learns from corrections is saved to two 16 KiB flash
//!   sectors (`firmware::store`, [`learned`]) and comes back at the next start;
//!   a record of another model is logged and ignored, a damaged one too, and
//!   the start says so in a banner on the screen; holding Clear until it
//!   says "Forget learned" erases it; a save or an erase that fails (the flash
//!   interface stuck busy, say) says so in a banner on the screen: after a
//!   failed save the board answers with what it learned until it is switched
//!   off, after a failed erase as shipped (the next start may bring back what
//!   it learned);
//! * logs (boot, board revision, touch errors, each prediction) go out over
//!   RTT with `defmt` (`probe-rs run` prints them); a panic shows its
//!   message on the LCD and over RTT for 10 s, then restarts the board, whose
//!   next start says so in a banner (the mark is kept in backup register 0);
//!   a hard fault restarts it at once, with the same banner.
//!
//! All application logic (touch filtering, strokes, recognition, drawing) is
//! the `firmware` library, shared with the simulator and the QEMU self-test.
#![no_std]
#![no_main]

mod learned;

use core::fmt::Write as _;
use core::panic::PanicInfo;
use core::ptr::null_mut;
use core::sync::atomic::{AtomicBool, AtomicPtr, Ordering};

use cortex_m_rt::{entry, exception, ExceptionFrame};
use defmt_rtt as _;
use embedded_graphics::pixelcolor::raw::RawU16;
use embedded_graphics::pixelcolor::Rgb565;
use embedded_graphics::prelude::*;
use embedded_hal::delay::DelayNs;
use embedded_hal::digital::OutputPin;
use embedded_hal::spi::SpiBus;
use firmware::app::{App, Status};
use firmware::disc1::{self, Detection, Revision};
use firmware::framebuffer::Framebuffer;
use firmware::i2c_bus::{self, BusMonitor, BusState, CheckedError, CheckedI2c, RecoveryError};
use firmware::inklog::InkLine;
use firmware::notice::{self, TextBuf};
use firmware::stmpe811::{self, Stmpe811};
use firmware::store::{Found, Store};
use firmware::ui;
use static_cell::ConstStaticCell;
use stm32f4xx_hal::gpio::{self, OpenDrain, Output, PinState, Speed};
use stm32f4xx_hal::i2c::{self, I2c};
use stm32f4xx_hal::ltdc::{DisplayConfig, DisplayController, Layer, PixelFormat};
use stm32f4xx_hal::pac;
use stm32f4xx_hal::prelude::*;
use stm32f4xx_hal::rcc::{Config, Rcc};
use stm32f4xx_hal::spi::{Mode, Phase, Polarity, Spi};
use stm32f4xx_hal::timer::{SysDelay, Timer};
use stm32f4xx_hal::watchdog::IndependentWatchdog;

#[cfg(all(feature = "rev-bc", feature = "rev-de"))]
compile_error!("features `rev-bc` and `rev-de` force opposite board revisions: pick one");

/// The revision forced at build time, if any.
const FORCED_REVISION: Option<Revision> = if cfg!(feature = "rev-bc") {
    Some(Revision::BC)
} else if cfg!(feature = "rev-de") {
    Some(Revision::DE)
} else {
    None
};

/// The LTDC layer's pixels (150 KiB of SRAM, zero-initialised in .bss). Taken once by `main`.
static FRAMEBUFFER: ConstStaticCell<Framebuffer> = ConstStaticCell::new(Framebuffer::new());
/// The framebuffer for the panic handler, set once the LTDC scans it; taken (swapped to null) by the first panic.
static PANIC_SCREEN: AtomicPtr<Framebuffer> = AtomicPtr::new(null_mut());
/// Set by the first panic: a panic inside the panic handler only stops.
static PANICKING: AtomicBool = AtomicBool::new(false);

/// Touch poll period.
const POLL_MS: u32 = 10;
/// Consecutive failed touch reads before the bus is recovered and the controller set up again.
const MAX_READ_FAILURES: u8 = 3;
/// Polls between two recovery attempts while the touch controller is down (1 s).
const RETRY_POLLS: u32 = 100;
/// The watchdog's timeout: far above one loop pass (a poll, an inference, a full redraw).
const WATCHDOG_MS: u32 = 2000;
/// The DISC1's HSE crystal.
const HSE_HZ: u32 = 8_000_000;
/// How long the HSE crystal gets to start, at least (ST's `HSE_STARTUP_TIMEOUT`).
const HSE_STARTUP_MS: u32 = 100;
/// The system clock: from the crystal through the PLL, the F429's 180 MHz maximum.
const SYSCLK_HSE_MHZ: u32 = 180;
/// The system clock on the HSI: the HSI may run up to 4.5% fast over the chip's temperature
/// range (datasheet), so 168 MHz stays below the 180 MHz maximum.
const SYSCLK_HSI_MHZ: u32 = 168;

/// ILI9341 timings in RGB mode (ST BSP `stm32f429i_discovery_lcd.c`).
const LCD_CONFIG: DisplayConfig = DisplayConfig {
    active_width: ui::WIDTH as u16,
    active_height: ui::HEIGHT as u16,
    h_back_porch: 20,
    h_front_porch: 10,
    v_back_porch: 2,
    v_front_porch: 4,
    h_sync: 10,
    v_sync: 2,
    frame_rate: 60,
    h_sync_pol: false,
    v_sync_pol: false,
    no_data_enable_pol: false,
    pixel_clock_pol: false,
};

/// ILI9341 set-up for the RGB interface: (command, parameters, delay after in ms)
/// (ST BSP `ili9341.c`, `ili9341_Init`).
const ILI9341_INIT: &[(u8, &[u8], u32)] = &[
    (0xCA, &[0xC3, 0x08, 0x50], 0),
    (0xCF, &[0x00, 0xC1, 0x30], 0),             // power control B
    (0xED, &[0x64, 0x03, 0x12, 0x81], 0),       // power-on sequence
    (0xE8, &[0x85, 0x00, 0x78], 0),             // driver timing control A
    (0xCB, &[0x39, 0x2C, 0x00, 0x34, 0x02], 0), // power control A
    (0xF7, &[0x20], 0),                         // pump ratio
    (0xEA, &[0x00, 0x00], 0),                   // driver timing control B
    (0xB1, &[0x00, 0x1B], 0),                   // frame rate
    (0xB6, &[0x0A, 0xA2], 0),                   // display function control
    (0xC0, &[0x10], 0),                         // power control 1
    (0xC1, &[0x10], 0),                         // power control 2
    (0xC5, &[0x45, 0x15], 0),                   // VCOM 1
    (0xC7, &[0x90], 0),                         // VCOM 2
    (0x36, &[0xC8], 0),                         // memory access control
    (0xF2, &[0x00], 0),                         // 3-gamma off
    (0xB0, &[0xC2], 0),                         // RGB interface signal control
    (0xB6, &[0x0A, 0xA7, 0x27, 0x04], 0),       // display function control
    (0x2A, &[0x00, 0x00, 0x00, 0xEF], 0),       // columns 0..239
    (0x2B, &[0x00, 0x00, 0x01, 0x3F], 0),       // pages 0..319
    (0xF6, &[0x01, 0x00, 0x06], 0),             // interface control: RGB
    (0x2C, &[], 200),                           // memory write
    (0x26, &[0x01], 0),                         // gamma curve
    (
        0xE0,
        &[
            0x0F, 0x29, 0x24, 0x0C, 0x0E, 0x09, 0x4E, 0x78, 0x3C, 0x09, 0x13, 0x05, 0x17, 0x11,
            0x00,
        ],
        0,
    ), // positive gamma
    (
        0xE1,
        &[
            0x00, 0x16, 0x1B, 0x04, 0x11, 0x07, 0x31, 0x33, 0x42, 0x05, 0x0C, 0x0A, 0x28, 0x2F,
            0x0F,
        ],
        0,
    ), // negative gamma
    (0x11, &[], 200),                           // sleep out
    (0x29, &[], 0),                             // display on
    (0x2C, &[], 0),                             // memory write
];

/// Sends the ILI9341 set-up sequence. `cs` and `dc` are the chip select and data/command lines.
fn ili9341_init<S, C, P, D>(
    spi: &mut S,
    cs: &mut C,
    dc: &mut P,
    delay: &mut D,
) -> Result<(), S::Error>
where
    S: SpiBus<u8>,
    C: OutputPin<Error = core::convert::Infallible>,
    P: OutputPin<Error = core::convert::Infallible>,
    D: DelayNs,
{
    // the ILI9341 takes commands 5 ms after its reset at the earliest (its datasheet's
    // reset cancel time), and the board's reset may be its reset too; reset while awake
    // (a watchdog or panic restart) it takes sleep out only 120 ms after the reset, which
    // the 200 ms wait in ILI9341_INIT before 0x11 gives
    delay.delay_ms(5);
    for &(cmd, params, wait_ms) in ILI9341_INIT {
        let Ok(()) = cs.set_low();
        let Ok(()) = dc.set_low();
        spi.write(&[cmd])?;
        spi.flush()?;
        if !params.is_empty() {
            let Ok(()) = dc.set_high();
            spi.write(params)?;
            spi.flush()?;
        }
        let Ok(()) = cs.set_high();
        if wait_ms > 0 {
            delay.delay_ms(wait_ms);
        }
    }
    Ok(())
}

/// The LTDC layer as an embedded-graphics draw target.
struct Lcd {
    ctrl: DisplayController<u16>,
}

impl OriginDimensions for Lcd {
    fn size(&self) -> Size {
        Size::new(ui::WIDTH, ui::HEIGHT)
    }
}

impl DrawTarget for Lcd {
    type Color = Rgb565;
    type Error = core::convert::Infallible;

    fn draw_iter<I>(&mut self, pixels: I) -> Result<(), Self::Error>
    where
        I: IntoIterator<Item = Pixel<Self::Color>>,
    {
        for Pixel(p, c) in pixels {
            if let (Ok(x @ 0..240), Ok(y @ 0..320)) = (usize::try_from(p.x), usize::try_from(p.y)) {
                self.ctrl
                    .draw_pixel(Layer::L1, x, y, RawU16::from(c).into_inner());
            }
        }
        Ok(())
    }
}

/// Shows a start-up failure on the whole screen, logs it, and stops (the watchdog is not running yet).
fn halt_with(lcd: &mut Lcd, msg: &str) -> ! {
    defmt::error!("{=str}", msg);
    let Ok(()) = notice::draw_screen(notice::CANNOT_START, msg, lcd);
    loop {
        cortex_m::asm::wfi();
    }
}

type SclPin = gpio::PA8<Output<OpenDrain>>;
type SdaPin = gpio::PC9<Output<OpenDrain>>;
type TouchBus = CheckedI2c<I2c<pac::I2C3>, I2c3Monitor>;
type Touch = Stmpe811<TouchBus>;
type TouchError = stmpe811::Error<CheckedError<i2c::Error>>;

/// Ends a transfer that failed on I2C3: after a NACK the HAL returns without a STOP,
/// and the F4's I2C keeps the bus BUSY until its master sends one (RM0090, master
/// transmitter), so the next poll would find the bus "stuck" and tear the touch
/// controller down for one missed byte. Sends the STOP while the peripheral is still
/// the master (after a lost arbitration it is not: there a STOP bit would stay set
/// until another master's STOP, and the HAL's next transfer would wait for it without
/// end) and waits for BUSY to clear, at most 1 ms (a STOP takes 10 µs at 100 kHz); a
/// bus still busy then is found stuck by the next transfer's check, as before.
fn end_transfer(core_hz: u32) {
    // SAFETY: between transfers (the failed one has returned), a write of CR1's STOP bit
    // and reads of SR2; the HAL keeps no state of a transfer across calls. The cycle
    // counter runs (learned::Learned::new started it).
    let i2c3 = unsafe { &*pac::I2C3::ptr() };
    if i2c3.sr2().read().msl().bit_is_set() {
        i2c3.cr1().modify(|_, w| w.stop().set_bit());
    }
    let start = cortex_m::peripheral::DWT::cycle_count();
    let limit = core_hz / 1000;
    while i2c3.sr2().read().busy().bit_is_set()
        && cortex_m::peripheral::DWT::cycle_count().wrapping_sub(start) < limit
    {}
}

/// Reads I2C3's bus state: the SCL (PA8) and SDA (PC9) line levels and the peripheral's BUSY flag.
struct I2c3Monitor;

impl BusMonitor for I2c3Monitor {
    fn bus_state(&mut self) -> BusState {
        // SAFETY: shared references to the register blocks, used only to read
        // GPIOA/GPIOC IDR (read-only input levels, no side effect) and I2C3 SR2.
        // Reading SR2 clears ADDR only right after an SR1 read in the address
        // phase; CheckedI2c calls this between transfers, when no ADDR is pending.
        let (gpioa, gpioc, i2c3) =
            unsafe { (&*pac::GPIOA::ptr(), &*pac::GPIOC::ptr(), &*pac::I2C3::ptr()) };
        BusState {
            scl_high: gpioa.idr().read().idr(8).bit_is_set(),
            sda_high: gpioc.idr().read().idr(9).bit_is_set(),
            busy: i2c3.sr2().read().busy().bit_is_set(),
        }
    }
}

/// What it takes to (re)build the touch controller's bus.
struct BusParts {
    i2c3: pac::I2C3,
    scl: SclPin,
    sda: SdaPin,
}

/// Why the touch controller is not usable.
enum TouchFault {
    /// The bus could not be freed.
    Recovery(RecoveryError),
    /// The controller did not answer or is not an STMPE811.
    Controller(TouchError),
}

/// Writes the one-line banner of a touch fault: what went wrong, and that the
/// board tries again.
fn describe(fault: &TouchFault, out: &mut impl core::fmt::Write) -> core::fmt::Result {
    match fault {
        TouchFault::Recovery(RecoveryError::SdaHeldLow) => {
            out.write_str("touch I2C bus stuck: SDA stays low after 9 clock pulses")
        }
        // (the UI goldens hold this one's screen: an emulator test checks it)
        TouchFault::Recovery(RecoveryError::SclHeldLow) => {
            return out.write_str(notice::TOUCH_SCL_HELD_LOW)
        }
        TouchFault::Controller(stmpe811::Error::WrongChip(id)) => {
            write!(out, "touch controller: chip id {id:#06X}, not an STMPE811")
        }
        TouchFault::Controller(stmpe811::Error::I2c(CheckedError::BusStuck(s))) => write!(
            out,
            "touch I2C bus stuck (SCL {}, SDA {}{})",
            if s.scl_high { "high" } else { "low" },
            if s.sda_high { "high" } else { "low" },
            if s.busy { ", busy" } else { "" }
        ),
        TouchFault::Controller(stmpe811::Error::I2c(CheckedError::I2c(e))) => {
            write!(out, "touch controller not answering (I2C {e:?})")
        }
        TouchFault::Controller(stmpe811::Error::Stalled) => {
            out.write_str("touch controller stopped sampling")
        }
        TouchFault::Controller(stmpe811::Error::NotSetUp) => {
            out.write_str("touch controller reset itself")
        }
    }?;
    out.write_str(" - retrying")
}

/// Frees the bus (clock pulses and a STOP with the pins as GPIOs), hands the
/// pins to I2C3 and sets the STMPE811 up. On failure the parts come back for
/// the next attempt.
fn bring_up(
    mut parts: BusParts,
    rcc: &mut Rcc,
    delay: &mut SysDelay,
) -> Result<Touch, (TouchFault, BusParts)> {
    let pulses = match i2c_bus::recover(&mut parts.scl, &mut parts.sda, delay) {
        Ok(n) => n,
        Err(e) => return Err((TouchFault::Recovery(e), parts)),
    };
    defmt::debug!("touch I2C bus free after {=u8} clock pulse(s)", pulses);
    let i2c = I2c::new(
        parts.i2c3,
        (parts.scl, parts.sda),
        i2c::Mode::standard(100.kHz()),
        rcc,
    );
    let mut touch = Stmpe811::new(CheckedI2c::new(i2c, I2c3Monitor), stmpe811::ADDRESS);
    match touch.init(delay) {
        Ok(()) => Ok(touch),
        Err(e) => Err((TouchFault::Controller(e), tear_down(touch))),
    }
}

/// Takes the bus apart again (the pins back as open-drain GPIOs) for a recovery.
fn tear_down(touch: Touch) -> BusParts {
    let (i2c, I2c3Monitor) = touch.release().release();
    let (i2c3, (scl, sda)) = i2c.release();
    // I2c::new was given exactly PA8 and PC9, so these conversions cannot fail
    let (Ok(scl), Ok(sda)) = (SclPin::try_from(scl), SdaPin::try_from(sda)) else {
        panic!("I2C3 pins are not PA8/PC9");
    };
    BusParts { i2c3, scl, sda }
}

/// The touch controller's state in the main loop.
enum TouchPort {
    /// `age`: polls since the controller was set up (counted up to [`RETRY_POLLS`]).
    Up {
        touch: Touch,
        failures: u8,
        age: u32,
    },
    Down {
        parts: BusParts,
        since: u32,
    },
}

/// Shows `fault` in a banner over the drawing area and logs it.
fn report(fault: &TouchFault, lcd: &mut Lcd) {
    let mut msg = TextBuf::<120>::new();
    let _ = describe(fault, &mut msg);
    defmt::warn!("{=str}", msg.as_str());
    let Ok(()) = notice::draw_banner(msg.as_str(), lcd);
}

/// Switches the HSE crystal oscillator on and waits at least [`HSE_STARTUP_MS`] for it to
/// be ready; one that is not is switched off again and `false` returned, so that a board whose
/// crystal does not start runs on the HSI instead of waiting for ever in the HAL's `freeze`.
fn start_hse(rcc: &pac::RCC) -> bool {
    rcc.cr().modify(|_, w| w.hseon().set_bit());
    let ready = || rcc.cr().read().hserdy().bit_is_set();
    for _ in 0..HSE_STARTUP_MS {
        if ready() {
            return true;
        }
        // at least 1 ms on the HSI's 16 MHz, the clock until `freeze` (each of the loop's
        // rounds takes at least one cycle)
        cortex_m::asm::delay(16_000);
    }
    if ready() {
        return true;
    }
    rcc.cr().modify(|_, w| w.hseon().clear_bit());
    false
}

#[entry]
fn main() -> ! {
    // `take` only fails if called twice; this is the only call.
    let (Some(dp), Some(cp)) = (pac::Peripherals::take(), cortex_m::Peripherals::take()) else {
        loop {
            cortex_m::asm::wfi();
        }
    };
    let watchdog_reset = dp.RCC.csr().read().wdgrstf().bit_is_set();
    dp.RCC.csr().modify(|_, w| w.rmvf().set_bit());
    // and did a panic restart it? (see set_panic_mark)
    let panicked = dp.RTC.bkpr(0).read().bits() == notice::PANIC_MARK;
    if panicked {
        set_panic_mark(0);
    }
    defmt::info!(
        "nnet firmware-f429 {=str} starting: model {}",
        env!("CARGO_PKG_VERSION"),
        defmt::Display2Format(&firmware::model::Summary)
    );
    if panicked {
        defmt::warn!("restarted after a panic");
    }
    if watchdog_reset {
        defmt::warn!("the previous run was stopped by the watchdog");
    }

    let hse = start_hse(&dp.RCC);
    let clocks = if hse {
        Config::hse(HSE_HZ.Hz()).sysclk(SYSCLK_HSE_MHZ.MHz())
    } else {
        Config::hsi().sysclk(SYSCLK_HSI_MHZ.MHz())
    };
    let mut rcc = dp.RCC.freeze(clocks);
    if !hse {
        defmt::warn!(
            "the 8 MHz crystal (HSE) did not start in {=u32} ms or more: running on the internal HSI oscillator at {=u32} MHz",
            HSE_STARTUP_MS,
            SYSCLK_HSI_MHZ
        );
    }
    // SysTick on the core clock: the HAL's delays count whole ticks per microsecond, 180 here
    // (168 on the HSI; on HCLK/8 they would count 22 of 180's 22.5, and every delay would be
    // 2% short)
    let mut delay = Timer::syst(cp.SYST, &rcc.clocks).delay();

    let gpioa = dp.GPIOA.split(&mut rcc);
    let gpiob = dp.GPIOB.split(&mut rcc);
    let gpioc = dp.GPIOC.split(&mut rcc);
    let gpiod = dp.GPIOD.split(&mut rcc);
    let gpiof = dp.GPIOF.split(&mut rcc);
    let gpiog = dp.GPIOG.split(&mut rcc);

    // LTDC pins (RGB666 wiring of the DISC1: R2..7, G2..7, B2..7)
    macro_rules! ltdc_pin {
        ($($pin:expr => $af:literal),* $(,)?) => {
            $( let _ = $pin.into_alternate::<$af>().speed(Speed::VeryHigh); )*
        };
    }
    ltdc_pin!(
        gpioc.pc10 => 14, gpiob.pb0 => 9, gpioa.pa11 => 14, gpioa.pa12 => 14, gpiob.pb1 => 9, gpiog.pg6 => 14,
        gpioa.pa6 => 14, gpiog.pg10 => 9, gpiob.pb10 => 14, gpiob.pb11 => 14, gpioc.pc7 => 14, gpiod.pd3 => 14,
        gpiod.pd6 => 14, gpiog.pg11 => 14, gpiog.pg12 => 9, gpioa.pa3 => 14, gpiob.pb8 => 14, gpiob.pb9 => 14,
        gpiog.pg7 => 14, gpiof.pf10 => 14, gpioc.pc6 => 14, gpioa.pa4 => 14,
    );

    // SPI5: the ILI9341's set-up interface and the gyroscope. Both chip selects
    // high before any traffic (the gyroscope must not answer the LCD's bytes);
    // RDX (PD12, the LCD's read strobe) held high: the LCD is only written.
    let mut lcd_cs = gpioc.pc2.into_push_pull_output_in_state(PinState::High);
    let mut gyro_cs = gpioc.pc1.into_push_pull_output_in_state(PinState::High);
    let mut dc = gpiod.pd13.into_push_pull_output();
    let _rdx = gpiod.pd12.into_push_pull_output_in_state(PinState::High);
    let mut spi = Spi::new(
        dp.SPI5,
        (
            Some(gpiof.pf7.into_alternate::<5>().speed(Speed::High)),
            Some(gpiof.pf8.into_alternate::<5>().speed(Speed::High)),
            Some(gpiof.pf9.into_alternate::<5>().speed(Speed::High)),
        ),
        Mode {
            polarity: Polarity::IdleLow,
            phase: Phase::CaptureOnFirstTransition,
        },
        5.MHz(),
        &mut rcc,
    );

    // the board revision, from the gyroscope (mode 0 at 5 MHz suits both parts)
    let who_am_i = disc1::read_gyro_id(&mut spi, &mut gyro_cs).ok();
    let detection = Detection::new(who_am_i, FORCED_REVISION);
    let mut line = TextBuf::<64>::new();
    let _ = write!(line, "{detection}");
    if detection.needs_warning() {
        defmt::warn!("{=str}", line.as_str());
    } else {
        defmt::info!("{=str}", line.as_str());
    }

    let lcd_ok = ili9341_init(&mut spi, &mut lcd_cs, &mut dc, &mut delay).is_ok();

    // LTDC scanning the framebuffer. The LTDC driver's reference to it and the panic
    // handler's both come from this one pointer, so the panic handler's, made once main
    // has stopped for good, is derived from the pointer and not from main's reference
    let fb: *mut Framebuffer = FRAMEBUFFER.take();
    PANIC_SCREEN.store(fb, Ordering::Release);
    let mut ctrl = DisplayController::<u16>::new(
        dp.LTDC,
        dp.DMA2D,
        None,
        PixelFormat::RGB565,
        LCD_CONFIG,
        // the pixel clock's PLLSAI shares the main PLL's input: the crystal's, or the HSI's
        hse.then_some(HSE_HZ.Hz()),
    );
    // SAFETY: `fb` is the 'static framebuffer, taken once; this is main's only reference to it
    let pixels = unsafe { (*fb).pixels_mut() };
    ctrl.config_layer(Layer::L1, pixels, PixelFormat::RGB565);
    ctrl.enable_layer(Layer::L1);
    ctrl.reload();
    let mut lcd = Lcd { ctrl };
    if !lcd_ok {
        halt_with(&mut lcd, "ILI9341 set-up over SPI5 failed");
    }

    // the network: hidden layer borrowed from flash, output layer in RAM
    // (it learns from the user's corrections), with what it learned before
    let Ok(mut net) = firmware::model::adapted() else {
        halt_with(&mut lcd, notice::MODEL_INVALID);
    };
    let mut flash = learned::Learned::new(
        dp.FLASH,
        cp.DCB,
        cp.DWT,
        rcc.clocks.hclk().raw(),
        feed_watchdog,
    );
    let (mut store, restored) = Store::open_and_restore(
        &mut flash,
        learned::REGION,
        firmware::model::file_checksum(),
        &mut net,
        |found| match found {
            Found::Ignored { .. } => defmt::warn!("{}", defmt::Display2Format(found)),
            _ => defmt::info!("{}", defmt::Display2Format(found)),
        },
    );

    let mut watchdog = IndependentWatchdog::new(dp.IWDG);
    watchdog.stop_on_debug(&dp.DBGMCU, true);
    watchdog.start(WATCHDOG_MS.millis());

    let mut app = App::learning(net);
    app.set_corrections(restored);
    // (a damaged save can be forgotten, which erases it, also with nothing restored)
    app.set_damaged_save(store.damaged());
    let Ok(()) = app.draw_update(&mut lcd);
    // a warning stays over the empty canvas until the first ink repaints it: a restart by the
    // panic first, then the watchdog, then a revision that may turn the ink upside down, then
    // damaged learning
    if panicked {
        let Ok(()) = notice::draw_banner(notice::PANIC_RESTARTED, &mut lcd);
    } else if watchdog_reset {
        let Ok(()) = notice::draw_banner(notice::WATCHDOG_RESTARTED, &mut lcd);
    } else if detection.needs_warning() {
        let mut msg = TextBuf::<120>::new();
        let _ = write!(msg, "{}", detection.banner());
        let Ok(()) = notice::draw_banner(msg.as_str(), &mut lcd);
    } else if let Some(msg) = notice::damaged_learning(store.damaged(), restored) {
        let Ok(()) = notice::draw_banner(msg, &mut lcd);
    }

    // STMPE811 over I2C3, on a freed bus
    let parts = BusParts {
        i2c3: dp.I2C3,
        scl: gpioa.pa8.into_open_drain_output_in_state(PinState::High),
        sda: gpioc.pc9.into_open_drain_output_in_state(PinState::High),
    };
    let mut port = match bring_up(parts, &mut rcc, &mut delay) {
        Ok(touch) => {
            defmt::info!("touch controller ready");
            TouchPort::Up {
                touch,
                failures: 0,
                age: 0,
            }
        }
        Err((fault, parts)) => {
            report(&fault, &mut lcd);
            TouchPort::Down { parts, since: 0 }
        }
    };

    let mut last_status = *app.status();
    let mut corrections = app.corrections();
    let mut answers = app.answers();
    let mut forgets = 0;
    loop {
        watchdog.feed();
        let mut sample = None;
        // a failed read: a key or Clear held is let go without acting (App::touch_lost)
        let mut lost = false;
        let mut repaint = false;
        port = match port {
            TouchPort::Up {
                mut touch,
                failures,
                age,
            } => match touch.read() {
                Ok(raw) => {
                    sample = raw.map(|r| detection.revision.touch_to_screen(r));
                    // touched with no sample for a while: the pen lifts, as after a failed read
                    lost = touch.lifted_unsampled();
                    TouchPort::Up {
                        touch,
                        failures: 0,
                        age: (age + 1).min(RETRY_POLLS),
                    }
                }
                Err(e) => {
                    // a failed read counts as "not touched": the filter lifts the pen cleanly
                    lost = true;
                    let failures = failures.saturating_add(1);
                    if matches!(e, stmpe811::Error::I2c(CheckedError::I2c(_))) {
                        end_transfer(rcc.clocks.hclk().raw());
                    }
                    let stuck = matches!(e, stmpe811::Error::I2c(CheckedError::BusStuck(_)));
                    let stalled = e == stmpe811::Error::Stalled;
                    let reset = e == stmpe811::Error::NotSetUp;
                    if stuck || stalled || reset || failures == MAX_READ_FAILURES {
                        report(&TouchFault::Controller(e), &mut lcd);
                        // a stalled controller (200 ms without a sample already), and one that
                        // reset itself again within a retry period of its set-up (one that will
                        // not stay set up), is set up again after a retry period, so its banner
                        // stays that long; the others at the next poll
                        let wait = stalled || (reset && age < RETRY_POLLS);
                        TouchPort::Down {
                            parts: tear_down(touch),
                            since: if wait { 0 } else { RETRY_POLLS },
                        }
                    } else {
                        TouchPort::Up {
                            touch,
                            failures,
                            age: (age + 1).min(RETRY_POLLS),
                        }
                    }
                }
            },
            TouchPort::Down { parts, since } if since >= RETRY_POLLS => {
                match bring_up(parts, &mut rcc, &mut delay) {
                    Ok(touch) => {
                        defmt::info!("touch controller back");
                        // the banner goes: repaint everything
                        app.invalidate();
                        repaint = true;
                        TouchPort::Up {
                            touch,
                            failures: 0,
                            age: 0,
                        }
                    }
                    Err((fault, parts)) => {
                        report(&fault, &mut lcd);
                        TouchPort::Down { parts, since: 0 }
                    }
                }
            }
            TouchPort::Down { parts, since } => TouchPort::Down {
                parts,
                since: since + 1,
            },
        };
        let changed = if lost {
            app.touch_lost()
        } else {
            app.touch(sample)
        };
        if changed || repaint {
            let Ok(()) = app.draw_update(&mut lcd);
        }
        // a new correction is kept across resets, and a forget erased, before anything
        // is logged (the flash driver feeds the watchdog while it works): with a probe's
        // RTT channel in blocking mode, a log line waits for the host, and a host that
        // stops reading leaves the board to the watchdog, which must not take the
        // correction with it, nor bring back what was forgotten
        let saved = (app.corrections() > corrections).then(|| {
            corrections = app.corrections();
            store.save(&mut flash, app.net(), corrections)
        });
        // Clear held and released on "Forget learned": two sector erases
        let forgot = (app.forgets() != forgets).then(|| {
            forgets = app.forgets();
            corrections = 0;
            store.forget(&mut flash)
        });
        // each new answer (the same digit drawn twice is two), and a Clear
        if app.answers() != answers || *app.status() != last_status {
            answers = app.answers();
            last_status = *app.status();
            log_status(&last_status);
        }
        if let Some(saved) = saved {
            defmt::info!("learned correction {=u32}", corrections);
            // the corrected drawing, for `host-trainer train --ink`
            let line = InkLine {
                ink: app.ink(),
                label: app.taught(),
            };
            defmt::info!("ink {}", defmt::Display2Format(&line));
            match saved {
                Ok(saved) => defmt::info!(
                    "saved {=u32} corrections to flash slot {=usize}",
                    corrections,
                    saved.slot
                ),
                Err(e) => {
                    defmt::warn!("saving to flash failed: {}", defmt::Display2Format(&e));
                    // over the drawing, until Clear or the keypad repaints the canvas
                    let Ok(()) = notice::draw_banner(notice::NOT_SAVED, &mut lcd);
                }
            }
        }
        // an erase or a write given up on that has ended since: the interface locked again
        flash.settle();
        if let Some(forgot) = forgot {
            match forgot {
                Ok(()) => {
                    defmt::info!("forgot what it learned: the model as shipped, flash slots erased")
                }
                Err(e) => {
                    defmt::warn!(
                        "erasing the learned flash failed: {}",
                        defmt::Display2Format(&e)
                    );
                    let Ok(()) = notice::draw_banner(notice::NOT_ERASED, &mut lcd);
                }
            }
        }
        delay.delay_ms(POLL_MS);
    }
}

/// Logs a new result.
fn log_status(status: &Status) {
    match status {
        Status::Recognised(p) => defmt::info!(
            "prediction: {=u8} ({=u16}.{=u16}%)",
            p.digit,
            p.confidence_tenths() / 10,
            p.confidence_tenths() % 10
        ),
        Status::NoDigit => defmt::info!("prediction: no digit"),
        Status::Failed(e) => defmt::warn!("recognition failed: {}", defmt::Debug2Format(e)),
        Status::Empty => defmt::info!("cleared"),
        Status::Pending => {}
    }
}

/// How long a panic's message stays on the screen before the board restarts, in
/// tenths of a second (the watchdog is fed meanwhile).
const PANIC_SHOW_TENTHS: u32 = 100;

/// Shows the panic message on the LCD (and over RTT) for [`PANIC_SHOW_TENTHS`], then
/// restarts the board, whose next start says it restarted after a panic ([`set_panic_mark`]).
/// Allocation-free; interrupts off; a panic while handling a panic restarts at once.
#[panic_handler]
fn panic(info: &PanicInfo) -> ! {
    cortex_m::interrupt::disable();
    // marked first: nothing below can then keep the next start from saying so
    set_panic_mark(notice::PANIC_MARK);
    if !PANICKING.swap(true, Ordering::Relaxed) {
        let mut msg = TextBuf::<600>::new();
        let _ = write!(msg, "{info}");
        let fb = PANIC_SCREEN.swap(null_mut(), Ordering::Acquire);
        if !fb.is_null() {
            // SAFETY: `fb` points at the 'static framebuffer, and main's reference
            // (the LTDC driver's) was derived from the same pointer. The code that
            // holds it never runs again: this handler does not return, interrupts
            // are off, and the swap above hands the pointer out at most once. The
            // LTDC only reads the memory.
            let screen = unsafe { &mut *fb };
            let Ok(()) = notice::draw_screen("PANIC - restarting", msg.as_str(), screen);
        }
        // logged after drawing: a panic inside the logger must not keep the message off the screen
        defmt::error!("panic: {=str}", msg.as_str());
        for _ in 0..PANIC_SHOW_TENTHS {
            feed_watchdog();
            // ~0.1 s at 180 MHz: a delay round (subs, bne) takes about 3 cycles on the M4
            cortex_m::asm::delay(6_000_000);
        }
    }
    cortex_m::peripheral::SCB::sys_reset()
}

/// A fault (a bad memory access, an undefined instruction) restarts the board at once, and
/// its next start says it restarted after a panic: nothing waits for a reset by hand.
#[exception]
unsafe fn HardFault(frame: &ExceptionFrame) -> ! {
    // marked before the log, which may be what faulted
    set_panic_mark(notice::PANIC_MARK);
    defmt::error!(
        "hard fault: pc={=u32:#010x} lr={=u32:#010x}",
        frame.pc(),
        frame.lr()
    );
    cortex_m::peripheral::SCB::sys_reset()
}

/// Writes `value` to backup register 0, which a reset keeps: [`notice::PANIC_MARK`] from
/// the panic and fault handlers for the next start to find, 0 from that start. The backup
/// domain is writable only meanwhile.
fn set_panic_mark(value: u32) {
    // SAFETY: RCC_APB1ENR's PWREN and PWR_CR's DBP set, one write of the backup register,
    // which nothing else uses, and DBP cleared again: read-modify-writes of bits nothing else
    // changes, from main before anything runs beside it or from a handler with interrupts off.
    unsafe {
        let rcc = &*pac::RCC::ptr();
        rcc.apb1enr().modify(|_, w| w.pwren().set_bit());
        // the clock reaches PWR a few cycles later (ES0206: a delay after a clock enable);
        // a read back, as ST's __HAL_RCC_PWR_CLK_ENABLE does, and a barrier wait for it
        let _ = rcc.apb1enr().read();
        cortex_m::asm::dsb();
        (*pac::PWR::ptr()).cr().modify(|_, w| w.dbp().set_bit());
        (*pac::RTC::ptr()).bkpr(0).write(|w| w.bits(value));
        (*pac::PWR::ptr()).cr().modify(|_, w| w.dbp().clear_bit());
    }
}

/// Reloads the watchdog's counter: the reload key written to IWDG_KR, as
/// `IndependentWatchdog::feed` does (no effect before the watchdog starts).
/// For the flash driver, which works between two passes of the main loop,
/// and the panic handler.
fn feed_watchdog() {
    // SAFETY: one write of the reload key to IWDG_KR, which only reloads the
    // counter; no read-modify-write, so it cannot race another feed.
    unsafe { (*pac::IWDG::ptr()).kr().write(|w| w.key().feed()) };
}
