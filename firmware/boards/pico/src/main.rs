//! # firmware-pico
//!
//! The nnet digit recognizer on a Raspberry Pi Pico (RP2040) with Waveshare's
//! Pico-ResTouch-LCD-2.8 on top: draw a digit on the touchscreen, the on-chip
//! 784-H-10 network (int8 by default, weights in flash) recognises it when the
//! pen lifts. The same `firmware` app as the STM32F429I-DISC1 board and the
//! desktop simulator, unchanged.
//!
//! Wiring (Waveshare's pin map for the module):
//!
//! | signal | pin | |
//! | --- | --- | --- |
//! | SPI1 SCK / MOSI / MISO | GP10 / GP11 / GP12 | shared by the LCD and the touch controller |
//! | LCD_CS, LCD_DC, LCD_RST, LCD_BL | GP9, GP8, GP15, GP13 | ST7789, 240x320, RGB565, 62.5 MHz SPI |
//! | TP_CS, TP_IRQ | GP16, GP17 | XPT2046, 2 MHz SPI, pen interrupt active low |
//! | SD_CS | GP22 | microSD on the same bus: held deselected |
//! | UART0 TX / RX | GP0 / GP1 | 115200 8N1 log (boot, each recognition, panics) |
//! | LED | GP25 | the Pico's LED: on while the network runs |
//!
//! What the board learns from corrections is saved in the last 32 KiB of flash
//! (`firmware::store`, two slots, written through the bootrom: [`flash`]) and
//! comes back at the next start; a damaged or foreign record is reported on
//! the log and ignored, and a damaged one in a banner on the screen too.
//! Holding Clear until it says "Forget learned" erases it.
//! A save or an erase that fails (read back, the flash does not hold what was
//! written) says so in a banner on the screen.
//!
//! The clocks come from the Pico's 12 MHz crystal through the PLLs (125 MHz
//! system clock). A crystal that has not started, or a PLL that has not locked,
//! after at least 250 ms is a start-up failure: the board switches them off
//! again, drives its display from the ring oscillator and says so on the
//! screen, instead of waiting for ever as rp2040-hal's `init_clocks_and_plls`
//! would.
//!
//! The app draws into a 150 KiB RAM framebuffer (the same `Framebuffer` the
//! simulator renders, so the two frames are equal by construction); after each
//! update only the rectangle that changed goes to the ST7789. The touch
//! controller is polled every 10 ms; between polls the core sleeps (WFI on a
//! timer alarm).
#![no_std]
#![no_main]

#[cfg(all(feature = "int8", feature = "f32"))]
compile_error!("choose one model: the default is int8; build the f32 one with `--no-default-features --features f32`");
#[cfg(not(any(feature = "int8", feature = "f32")))]
compile_error!("choose a model: the feature `int8` (default) or `f32`");

mod flash;

use core::cell::{Cell, RefCell};
use core::convert::Infallible;
use core::fmt::Write as _;
use core::ptr::addr_of_mut;

use cortex_m_rt::{entry, exception, ExceptionFrame};
use embedded_graphics::pixelcolor::raw::RawU16;
use embedded_graphics::pixelcolor::Rgb565;
use embedded_hal::delay::DelayNs;
use embedded_hal::digital::{InputPin, OutputPin};
use embedded_hal::spi::{ErrorKind, ErrorType, Operation, SpiBus, SpiDevice};
use firmware::app::{App, Learn, Status};
use firmware::framebuffer::{Framebuffer, Tracked};
use firmware::inklog::InkLine;
use firmware::model::Classifier;
use firmware::notice;
use firmware::store::{Region, Store};
use firmware::xpt2046::{self, Xpt2046};
use mipidsi::dcs::{
    BitsPerPixel, EnterNormalMode, ExitSleepMode, InterfaceExt, PixelFormat, SetAddressMode,
    SetDisplayOn, SetInvertMode, SetPixelFormat,
};
use mipidsi::interface::{Interface, SpiInterface};
use mipidsi::models::{Model, ModelInitError};
use mipidsi::options::{ColorInversion, ModelOptions};
use rp2040_hal as hal;
use rp2040_hal::fugit::{ExtU32, HertzU32, RateExtU32};
use rp2040_hal::pac::{self, interrupt};
use rp2040_hal::timer::{Alarm, Alarm0, Timer};
use rp2040_hal::watchdog::ScratchRegister;
use rp2040_hal::Clock;

/// The second-stage bootloader for the Pico's W25Q16 flash (the first 256 bytes of the image).
#[link_section = ".boot2"]
#[used]
pub static BOOT2_FIRMWARE: [u8; 256] = rp2040_boot2::BOOT_LOADER_W25Q080;

/// The Pico's crystal.
const XOSC_HZ: u32 = 12_000_000;
/// The ring oscillator's fastest at start-up (RP2040 datasheet: 1.8 to 12 MHz, 6.5 typical).
/// Without the crystal the clocks are taken to run this fast, so that every wait lasts at least
/// as long as asked (the log's baud rate is then only right by chance).
const ROSC_MAX_HZ: u32 = 12_000_000;
/// The crystal oscillator's start-up delay, in units of about 1 ms: its STATUS.STABLE comes
/// after 64 of them, the delay rp2040-hal's `init_clocks_and_plls` programs (the crystals Pico
/// boards use can take several ms to reach full swing).
const XOSC_STARTUP_DELAY: u32 = 64;
/// Polls of a starting oscillator or PLL, each after [`START_POLL_CYCLES`] cycles: together at
/// least 250 ms on the ring oscillator (3 cycles per round of `asm::delay` on the Cortex-M0+,
/// at most 12 MHz), about 460 ms at its typical 6.5 MHz, 1.7 s at its slowest. The crystal
/// takes about 64 ms ([`XOSC_STARTUP_DELAY`]), a PLL far less.
const START_POLLS: u32 = 100;
/// See [`START_POLLS`].
const START_POLL_CYCLES: u32 = 10_000;
/// ST7789 write clock (the RP2040's SPI maximum, clk_peri / 2).
const LCD_SPI_HZ: u32 = 62_500_000;
/// XPT2046 clock (2.5 MHz maximum at 2.7 V).
const TOUCH_SPI_HZ: u32 = 2_000_000;
/// Touch poll period.
const POLL_MS: u32 = 10;
/// The watchdog restarts the board when the main loop has not fed it for this
/// long (at most 8.3 s on the RP2040). A save's longest stretch without a
/// feed, forgetting's two 16 KiB erases, takes at most 3.2 s by the W25Q16's
/// datasheet (400 ms a 4 KiB sector).
const WATCHDOG_US: u32 = 6_000_000;
/// Written to the watchdog's scratch register 4 when the firmware starts its
/// watchdog (pico-sdk's value for the same purpose): a start with REASON.TIMER
/// *and* this value was a restart by this firmware's watchdog. REASON.TIMER
/// alone is also what the bootrom leaves when it reboots after a UF2 copy (it
/// arms the watchdog to reboot), with 0 or its own value in scratch 4.
const WATCHDOG_MAGIC: u32 = 0x6ab7_3121;

/// The app's pixels (150 KiB of the 264 KiB SRAM). Only `main` takes a reference, once.
static mut FRAMEBUFFER: Framebuffer = Framebuffer::new();

/// Clears the timer alarm's interrupt; the main loop sleeps on it (WFI) and
/// checks the alarm itself. Both its raw bit and its forced one (INTF, which the HAL
/// sets for an alarm scheduled in the past) are cleared, as the HAL's `clear_interrupt`
/// does: a forced bit left set would call this handler for ever.
#[interrupt]
fn TIMER_IRQ_0() {
    // SAFETY: a write-1-to-clear of alarm 0's own interrupt bit, and alarm 0's bit of the
    // force register; nothing else uses either.
    let timer = unsafe { &*pac::TIMER::ptr() };
    timer.intr().write(|w| w.alarm_0().clear_bit_by_one());
    timer.intf().modify(|_, w| w.alarm_0().clear_bit());
}

/// A delay that sleeps (WFI on a timer alarm) for anything longer than a few
/// microseconds: the core idles instead of spinning, and an emulator skips the time.
struct Sleep {
    timer: Timer,
    alarm: Alarm0,
}

impl Sleep {
    /// Sleeps until the alarm fires, if it could be armed; else spins for `us`.
    fn sleep_us(&mut self, us: u32) {
        if us < 20 || self.alarm.schedule(us.micros()).is_err() {
            self.timer.delay_us(us);
            return;
        }
        while !self.alarm.finished() {
            // interrupts masked between the check and the WFI: an alarm that fires
            // in between still ends the WFI (the handler runs after the block)
            cortex_m::interrupt::free(|_| {
                if !self.alarm.finished() {
                    cortex_m::asm::wfi();
                }
            });
        }
    }
}

impl DelayNs for Sleep {
    fn delay_ns(&mut self, ns: u32) {
        self.sleep_us(ns.div_ceil(1000));
    }
}

/// One chip on the shared SPI1 bus: its own chip select and bus clock. (The
/// embedded-hal-bus devices share a bus but not a per-device clock; the
/// ST7789 takes 62.5 MHz, the XPT2046 at most 2.5 MHz.)
struct BusDevice<'a, B, CS> {
    bus: &'a RefCell<B>,
    cs: CS,
    hz: u32,
    peri_hz: HertzU32,
    timer: Timer,
}

type Spi1<P> = hal::spi::Spi<hal::spi::Enabled, pac::SPI1, P, 8>;

impl<P, CS> ErrorType for BusDevice<'_, Spi1<P>, CS>
where
    P: hal::spi::ValidSpiPinout<pac::SPI1>,
{
    type Error = ErrorKind;
}

impl<P, CS> SpiDevice for BusDevice<'_, Spi1<P>, CS>
where
    P: hal::spi::ValidSpiPinout<pac::SPI1>,
    CS: OutputPin<Error = Infallible>,
{
    fn transaction(&mut self, operations: &mut [Operation<'_, u8>]) -> Result<(), ErrorKind> {
        let Ok(mut bus) = self.bus.try_borrow_mut() else {
            return Err(ErrorKind::Other);
        };
        bus.set_baudrate(self.peri_hz, self.hz.Hz());
        let _ = self.cs.set_low();
        for op in operations.iter_mut() {
            // the RP2040's SPI master cannot fail (Infallible)
            let _ = match op {
                Operation::Read(buf) => bus.read(buf),
                Operation::Write(buf) => bus.write(buf),
                Operation::Transfer(read, write) => bus.transfer(read, write),
                Operation::TransferInPlace(buf) => bus.transfer_in_place(buf),
                Operation::DelayNs(ns) => {
                    let _ = bus.flush();
                    self.timer.delay_ns(*ns);
                    Ok(())
                }
            };
        }
        let _ = bus.flush();
        let _ = self.cs.set_high();
        Ok(())
    }
}

/// The ST7789 of the Pico-ResTouch-LCD-2.8 for `mipidsi`: the sequence of
/// mipidsi's `ST7789` model, with the ST7789 datasheet's minimum waits
/// (120 ms from reset to SLPOUT, 5 ms after it) instead of that model's 300 ms
/// of margins, so the first frame shows within the boot budget.
struct St7789;

impl Model for St7789 {
    type ColorFormat = Rgb565;
    const FRAMEBUFFER_SIZE: (u16, u16) = (240, 320);
    /// The reset pulse, in µs: the datasheet's 10 at least, with a timer whose first tick
    /// may come at once (mipidsi's 10 can end after 9)
    const RESET_DURATION: u32 = 20;

    fn init<DELAY, DI>(
        &mut self,
        di: &mut DI,
        delay: &mut DELAY,
        options: &ModelOptions,
    ) -> Result<SetAddressMode, ModelInitError<DI::Error>>
    where
        DELAY: DelayNs,
        DI: Interface,
    {
        let madctl = SetAddressMode::from(options);
        // after a hardware reset (or SWRESET) the panel accepts SLPOUT only after 120 ms
        delay.delay_ms(120);
        di.write_command(ExitSleepMode)
            .map_err(ModelInitError::Interface)?;
        delay.delay_ms(5);
        di.write_command(madctl)
            .map_err(ModelInitError::Interface)?;
        di.write_command(SetInvertMode::new(options.invert_colors))
            .map_err(ModelInitError::Interface)?;
        let pf = PixelFormat::with_all(BitsPerPixel::from_rgb_color::<Rgb565>());
        di.write_command(SetPixelFormat::new(pf))
            .map_err(ModelInitError::Interface)?;
        di.write_command(EnterNormalMode)
            .map_err(ModelInitError::Interface)?;
        di.write_command(SetDisplayOn)
            .map_err(ModelInitError::Interface)?;
        Ok(madctl)
    }
}

/// The embedded network, timed: the Pico's LED is on while it runs (a
/// prediction or a correction), and the last run's duration is kept for the log.
struct Timed<N, L> {
    net: N,
    watch: Stopwatch<L>,
}

/// Times runs of the network: LED on, the 1 MHz timer read before and after.
struct Stopwatch<L> {
    timer: Timer,
    led: RefCell<L>,
    /// The last run's duration in µs.
    last_us: Cell<u32>,
}

impl<L: OutputPin> Stopwatch<L> {
    fn run<R>(&self, f: impl FnOnce() -> R) -> R {
        if let Ok(mut led) = self.led.try_borrow_mut() {
            let _ = led.set_high();
        }
        let t0 = self.timer.get_counter_low();
        let result = f();
        self.last_us
            .set(self.timer.get_counter_low().wrapping_sub(t0));
        if let Ok(mut led) = self.led.try_borrow_mut() {
            let _ = led.set_low();
        }
        result
    }
}

impl<N: Classifier, L: OutputPin> Classifier for Timed<N, L> {
    fn predict(&self, x: &nnet_core::Image) -> Result<nnet_core::Prediction, nnet_core::Error> {
        self.watch.run(|| self.net.predict(x))
    }
}

impl<N: Learn, L: OutputPin> Learn for Timed<N, L> {
    fn learn(
        &mut self,
        x: &nnet_core::Image,
        label: u8,
    ) -> Result<nnet_core::Prediction, nnet_core::Error> {
        self.watch.run(|| self.net.learn(x, label))
    }

    fn forget(&mut self) {
        self.net.forget();
    }
}

extern "C" {
    /// Start of the flash kept for what the board learned (memory.x).
    static __learned_start: u8;
    /// End of that flash (the end of the chip).
    static __learned_end: u8;
}

/// The two slots of learned values (flash offsets), from memory.x.
fn learned_flash() -> Region {
    let start = (&raw const __learned_start) as u32 - flash::XIP_BASE;
    let end = (&raw const __learned_end) as u32 - flash::XIP_BASE;
    Region {
        start,
        slot_len: (end - start) / 2,
    }
}

/// Writes `msg` to UART0 without the HAL (also from the panic and fault
/// handlers), giving up on a stuck FIFO.
fn uart_write(msg: &str) {
    // SAFETY: UART0's data and flag registers; main has configured the UART
    // before anything is logged, and a write to a disabled UART is harmless.
    let uart = unsafe { &*pac::UART0::ptr() };
    for b in msg.bytes() {
        let mut spins = 0u32;
        while uart.uartfr().read().txff().bit_is_set() && spins < 100_000 {
            spins += 1;
        }
        // SAFETY: every 8-bit value is a valid UARTDR data field.
        uart.uartdr().write(|w| unsafe { w.data().bits(b) });
    }
}

/// `core::fmt` onto [`uart_write`].
struct Log;

impl core::fmt::Write for Log {
    fn write_str(&mut self, s: &str) -> core::fmt::Result {
        uart_write(s);
        Ok(())
    }
}

macro_rules! log {
    ($($arg:tt)*) => {{
        let _ = writeln!(Log, $($arg)*);
    }};
}

#[panic_handler]
fn panic(info: &core::panic::PanicInfo) -> ! {
    // on a line of its own, after whatever line it interrupted
    log!("\npanicked: {info}");
    restart_after_panic()
}

#[exception]
unsafe fn HardFault(frame: &ExceptionFrame) -> ! {
    log!(
        "\nhard fault: pc={:#010x} lr={:#010x}",
        frame.pc(),
        frame.lr()
    );
    restart_after_panic()
}

/// Restarts the board after a panic or a fault (logged by the caller), so that it never
/// stays stopped: [`notice::PANIC_MARK`] in the watchdog's scratch register 5, which the
/// restart keeps, makes the next start say so on the screen; the UART gets time to send
/// the message's last bytes first.
fn restart_after_panic() -> ! {
    // SAFETY: writes of the watchdog's scratch 5, of the power-on state machine's WDSEL
    // and of the watchdog's TRIGGER bit (a chip reset); nothing runs after them but this loop.
    let (watchdog, psm) = unsafe { (&*pac::WATCHDOG::ptr(), &*pac::PSM::ptr()) };
    // SAFETY: every 32-bit value is a valid scratch register value.
    watchdog
        .scratch5()
        .write(|w| unsafe { w.bits(notice::PANIC_MARK) });
    // what a watchdog reset resets, as rp2040-hal's Watchdog::start sets it (zero until then:
    // a trigger before the watchdog ran would reset nothing): everything but the oscillators
    psm.wdsel().write(|w| {
        // SAFETY: WDSEL's bits are one per block; 0x1ffff selects all of them.
        unsafe { w.bits(0x0001_ffff) };
        w.xosc().clear_bit().rosc().clear_bit()
    });
    cortex_m::asm::delay(2_000_000); // the UART's FIFO: 32 bytes, 2.8 ms at 115200 baud
    watchdog.ctrl().modify(|_, w| w.trigger().set_bit());
    loop {
        cortex_m::asm::wfi();
    }
}

/// Stops with `error: MSG` on the log: a start-up failure (once the display works, the caller
/// has shown it on the screen too).
fn halt(msg: &str) -> ! {
    log!("error: {msg}");
    loop {
        cortex_m::asm::wfi();
    }
}

/// Shows a start-up failure on the whole screen (lit only if it got there), then stops with
/// it on the log as [`halt`] does (the watchdog is not running yet), as the F429's `halt_with`.
fn halt_with<DI, M, RST>(
    msg: &str,
    display: &mut mipidsi::Display<DI, M, RST>,
    screen: &mut Tracked<'_>,
    backlight: &mut impl OutputPin,
) -> !
where
    DI: Interface,
    M: Model<ColorFormat = Rgb565>,
    Rgb565: mipidsi::interface::InterfacePixelFormat<DI::Word>,
    RST: OutputPin,
{
    let Ok(()) = notice::draw_screen(notice::CANNOT_START, msg, screen);
    if flush(display, screen).is_ok() {
        let _ = backlight.set_high();
    }
    halt(msg)
}

/// Polls `poll` until it is ready, at most [`START_POLLS`] times [`START_POLL_CYCLES`] apart.
fn within<T, E>(mut poll: impl FnMut() -> Result<T, E>) -> Option<T> {
    for _ in 0..START_POLLS {
        if let Ok(ready) = poll() {
            return Some(ready);
        }
        cortex_m::asm::delay(START_POLL_CYCLES);
    }
    poll().ok()
}

/// The clocks rp2040-hal's `init_clocks_and_plls` sets up (the crystal's 12 MHz reference and
/// watchdog tick, 125 MHz system and peripheral clocks from PLL_SYS, 48 MHz USB and ADC clocks
/// from PLL_USB), with its waits bounded by [`within`]: `None` if the crystal does not start or
/// a PLL does not lock, with the system and reference clocks left on the ring oscillator and
/// the crystal and the PLLs switched off again.
fn crystal_clocks(
    xosc: pac::XOSC,
    pll_sys: pac::PLL_SYS,
    pll_usb: pac::PLL_USB,
    clocks: &mut hal::clocks::ClocksManager,
    resets: &mut pac::RESETS,
    watchdog: &mut hal::Watchdog,
) -> Option<()> {
    use hal::pll::common_configs::{PLL_SYS_125MHZ, PLL_USB_48MHZ};
    let xosc = hal::xosc::CrystalOscillator::new(xosc)
        .initialize(XOSC_HZ.Hz(), XOSC_STARTUP_DELAY)
        .ok()?;
    let Some(stable) = within(|| xosc.await_stabilization()) else {
        xosc.free().ctrl().modify(|_, w| w.enable().disable());
        return None;
    };
    let xosc = xosc.get_stable(stable);
    // as rp2040-hal's PLL set-up: the system and reference clocks off the PLLs first (onto the
    // ring oscillator, where the bootrom left them)
    let plls = within(|| clocks.system_clock.reset_source_await())
        .and_then(|()| within(|| clocks.reference_clock.reset_source_await()))
        .and_then(|()| start_pll(pll_sys, PLL_SYS_125MHZ, resets))
        .and_then(|pll_sys| match start_pll(pll_usb, PLL_USB_48MHZ, resets) {
            Some(pll_usb) => Some((pll_sys, pll_usb)),
            None => {
                pll_sys.disable();
                None
            }
        });
    let Some((pll_sys, pll_usb)) = plls else {
        xosc.disable();
        return None;
    };
    // (fails only for frequencies out of range, which these are not; it would leave the clocks
    // partly on the PLLs, so nothing is switched off then: the ring oscillator's set-up takes over)
    clocks.init_default(&xosc, &pll_sys, &pll_usb).ok()?;
    watchdog.enable_tick_generation((XOSC_HZ / 1_000_000) as u8);
    Some(())
}

/// One PLL started from the crystal and locked within [`within`]'s bound, else powered down
/// again and `None`.
fn start_pll<D: hal::pll::PhaseLockedLoopDevice>(
    dev: D,
    config: hal::pll::PLLConfig,
    resets: &mut pac::RESETS,
) -> Option<hal::pll::PhaseLockedLoop<hal::pll::Locked, D>> {
    let pll = hal::pll::PhaseLockedLoop::new(dev, XOSC_HZ.Hz(), config)
        .ok()?
        .initialize(resets);
    match within(|| pll.await_lock()) {
        Some(locked) => Some(pll.get_locked(locked)),
        None => {
            pll.free().pwr().reset();
            None
        }
    }
}

/// The clocks without the crystal, enough to say so on the screen: the reference, system and
/// peripheral clocks from the ring oscillator, taken to run at [`ROSC_MAX_HZ`], and a watchdog
/// tick (the timer's microsecond) that is never shorter than a microsecond.
fn rosc_clocks(
    rosc: pac::ROSC,
    clocks: &mut hal::clocks::ClocksManager,
    watchdog: &mut hal::Watchdog,
) {
    let rosc = hal::rosc::RingOscillator::new(rosc).initialize_with_freq(ROSC_MAX_HZ.Hz());
    let hz = rosc.operating_frequency();
    // none of these fails for a source running at its stated frequency; one that did would
    // leave that clock as it was (clk_peri stopped: the screen stays dark, the log silent)
    let _ = clocks.reference_clock.configure_clock(&rosc, hz);
    let _ = clocks
        .system_clock
        .configure_clock(&clocks.reference_clock, hz);
    let _ = clocks
        .peripheral_clock
        .configure_clock(&clocks.system_clock, hz);
    watchdog.enable_tick_generation((ROSC_MAX_HZ / 1_000_000) as u8);
}

#[entry]
fn main() -> ! {
    let (Some(mut pac), Some(core)) = (pac::Peripherals::take(), pac::CorePeripherals::take())
    else {
        halt("peripherals taken twice");
    };
    let _ = core;
    // read before anything resets it: did the watchdog restart the board? (this firmware's
    // watchdog, not the bootrom's reboot after a UF2 copy: see WATCHDOG_MAGIC)
    let timer_reset = pac.WATCHDOG.reason().read().timer().bit_is_set();
    let mut watchdog = hal::Watchdog::new(pac.WATCHDOG);
    let watchdog_reset =
        timer_reset && watchdog.read_scratch(ScratchRegister::Scratch4) == WATCHDOG_MAGIC;
    watchdog.write_scratch(ScratchRegister::Scratch4, 0);
    // and did a panic restart it? (see restart_after_panic)
    let panicked = watchdog.read_scratch(ScratchRegister::Scratch5) == notice::PANIC_MARK;
    watchdog.write_scratch(ScratchRegister::Scratch5, 0);
    let mut clocks = hal::clocks::ClocksManager::new(pac.CLOCKS);
    let crystal = crystal_clocks(
        pac.XOSC,
        pac.PLL_SYS,
        pac.PLL_USB,
        &mut clocks,
        &mut pac.RESETS,
        &mut watchdog,
    )
    .is_some();
    if !crystal {
        rosc_clocks(pac.ROSC, &mut clocks, &mut watchdog);
    }
    let sio = hal::Sio::new(pac.SIO);
    let pins = hal::gpio::Pins::new(
        pac.IO_BANK0,
        pac.PADS_BANK0,
        sio.gpio_bank0,
        &mut pac.RESETS,
    );
    let peri_hz = clocks.peripheral_clock.freq();

    // the log: UART0 on GP0/GP1
    let uart_pins = (
        pins.gpio0.into_function::<hal::gpio::FunctionUart>(),
        pins.gpio1.into_function::<hal::gpio::FunctionUart>(),
    );
    let uart = hal::uart::UartPeripheral::new(pac.UART0, uart_pins, &mut pac.RESETS).enable(
        hal::uart::UartConfig::new(
            115_200.Hz(),
            hal::uart::DataBits::Eight,
            None,
            hal::uart::StopBits::One,
        ),
        peri_hz,
    );
    // kept configured for the whole run; the log writes its registers directly
    let _uart = uart;
    log!("nnet pico: model {}", firmware::model::Summary);

    let mut timer = Timer::new(pac.TIMER, &mut pac.RESETS, &clocks);
    let Some(mut alarm) = timer.alarm_0() else {
        halt("timer alarm 0 taken");
    };
    alarm.enable_interrupt();
    // SAFETY: the handler only clears alarm 0's interrupt flag.
    unsafe { pac::NVIC::unmask(pac::Interrupt::TIMER_IRQ_0) };
    let mut sleep = Sleep { timer, alarm };

    // chip selects high before the bus runs: LCD, touch, and the microSD slot
    let mut lcd_cs = pins
        .gpio9
        .into_push_pull_output_in_state(hal::gpio::PinState::High);
    let tp_cs = pins
        .gpio16
        .into_push_pull_output_in_state(hal::gpio::PinState::High);
    let _sd_cs = pins
        .gpio22
        .into_push_pull_output_in_state(hal::gpio::PinState::High);
    let dc = pins.gpio8.into_push_pull_output();
    let rst = pins
        .gpio15
        .into_push_pull_output_in_state(hal::gpio::PinState::High);
    let mut backlight = pins.gpio13.into_push_pull_output();
    let mut tp_irq = pins.gpio17.into_pull_up_input();
    let led = pins.gpio25.into_push_pull_output();

    let spi_pins = (
        pins.gpio11.into_function::<hal::gpio::FunctionSpi>(),
        pins.gpio12.into_function::<hal::gpio::FunctionSpi>(),
        pins.gpio10.into_function::<hal::gpio::FunctionSpi>(),
    );
    let spi = hal::spi::Spi::<_, _, _, 8>::new(pac.SPI1, spi_pins).init(
        &mut pac.RESETS,
        peri_hz,
        LCD_SPI_HZ.Hz(),
        embedded_hal::spi::MODE_0,
    );
    let bus = RefCell::new(spi);

    // ST7789 through mipidsi: a hardware reset pulse, then our model's set-up
    let _ = lcd_cs.set_high();
    let lcd_dev = BusDevice {
        bus: &bus,
        cs: lcd_cs,
        hz: LCD_SPI_HZ,
        peri_hz,
        timer,
    };
    let mut buffer = [0u8; 480];
    let di = SpiInterface::new(lcd_dev, dc, &mut buffer);
    let Ok(mut display) = mipidsi::Builder::new(St7789, di)
        .reset_pin(rst)
        .invert_colors(ColorInversion::Inverted)
        .init(&mut sleep)
    else {
        halt("ST7789 set-up over SPI1 failed");
    };

    // SAFETY: the only reference ever taken to FRAMEBUFFER; it lives for the whole program.
    let fb: &'static mut Framebuffer = unsafe { &mut *addr_of_mut!(FRAMEBUFFER) };
    let mut screen = Tracked::new(fb);
    if !crystal {
        halt_with(notice::NO_CLOCK, &mut display, &mut screen, &mut backlight);
    }

    // the network, borrowed from flash (the checksum is verified here); a
    // damaged one (a flash written halfway) is said on the screen too
    let Ok(mut net) = firmware::model::adapted() else {
        halt_with(
            notice::MODEL_INVALID,
            &mut display,
            &mut screen,
            &mut backlight,
        );
    };
    // and what it learned before the last reset
    let region = learned_flash();
    let mut flash = flash::Flash::new(region.start..region.start + 2 * region.slot_len);
    let (mut store, restored) = Store::open_and_restore(
        &mut flash,
        region,
        firmware::model::file_checksum(),
        &mut net,
        |found| log!("{found}"),
    );
    let timed = Timed {
        net,
        watch: Stopwatch {
            timer,
            led: RefCell::new(led),
            last_us: Cell::new(0),
        },
    };

    let mut app = App::learning(timed);
    app.set_corrections(restored);
    // (a damaged save can be forgotten, which erases it, also with nothing restored)
    app.set_damaged_save(store.damaged());
    let Ok(()) = app.draw_update(&mut screen);
    // a warning stays over the empty canvas until the first ink repaints it, as on the F429: a
    // restart after a panic first, then one by the watchdog, then damaged learning
    if panicked {
        let Ok(()) = notice::draw_banner(notice::PANIC_RESTARTED, &mut screen);
    } else if watchdog_reset {
        let Ok(()) = notice::draw_banner(notice::WATCHDOG_RESTARTED, &mut screen);
    } else if let Some(msg) = notice::damaged_learning(store.damaged(), restored) {
        let Ok(()) = notice::draw_banner(msg, &mut screen);
    }
    if flush(&mut display, &mut screen).is_err() {
        halt("sending the first frame failed");
    }
    let _ = backlight.set_high();
    log!("first frame at {} us", timer.get_counter().ticks());
    if panicked {
        log!("restarted after a panic (its message is above, before the restart)");
    }
    if watchdog_reset {
        log!("restarted by the watchdog: the main loop had stopped");
    }
    // from here a main loop that stops (a hang) restarts the board, and the next start knows it
    watchdog.write_scratch(ScratchRegister::Scratch4, WATCHDOG_MAGIC);
    watchdog.start(WATCHDOG_US.micros());

    let touch_dev = BusDevice {
        bus: &bus,
        cs: tp_cs,
        hz: TOUCH_SPI_HZ,
        peri_hz,
        timer,
    };
    let mut touch = Xpt2046::new(touch_dev);
    let mut next = timer.get_counter();
    let mut corrections = app.corrections();
    let mut answers = app.answers();
    let mut forgets = 0;
    loop {
        watchdog.feed();
        // the pen counts as down when the pen interrupt line is low AND the
        // pressure reading agrees; a bus error reads as "not touched", and a key or
        // Clear held is let go without acting (App::touch_lost)
        let pen_irq = tp_irq.is_low().unwrap_or(false);
        let (sample, lost) = match touch.read() {
            Ok(Some(raw)) if pen_irq => (Some(raw.to_screen(&xpt2046::RESTOUCH_28)), false),
            Ok(_) => (None, false),
            Err(_) => (None, true),
        };
        let changed = if lost {
            app.touch_lost()
        } else {
            app.touch(sample)
        };
        if changed {
            let Ok(()) = app.draw_update(&mut screen);
            show(&mut display, &mut screen, &mut app);
            let news = if sample.is_none() {
                news(&app, &mut answers, &mut corrections)
            } else {
                News::Nothing
            };
            if let News::Correction(now) = news {
                // kept across resets before it is logged: the drawing's line alone may take
                // most of a second on the UART, and a reset meanwhile must not lose it
                let t0 = timer.get_counter_low();
                let saved = store.save(&mut flash, &app.net().net, corrections);
                let took = timer.get_counter_low().wrapping_sub(t0);
                log_correction(&app, corrections, &now);
                match saved {
                    Ok(saved) => log!(
                        "saved {corrections} corrections to flash slot {}, in {took} us",
                        saved.slot
                    ),
                    Err(e) => {
                        log!("saving to flash failed: {e}");
                        // over the drawing, until Clear or the keypad repaints the canvas
                        let Ok(()) = notice::draw_banner(notice::NOT_SAVED, &mut screen);
                        show(&mut display, &mut screen, &mut app);
                    }
                }
            } else if let News::Answer = news {
                log_answer(&app);
            }
            if app.forgets() != forgets {
                // Clear held and released on "Forget learned"
                forgets = app.forgets();
                corrections = 0;
                match store.forget(&mut flash) {
                    Ok(()) => {
                        log!("forgot what it learned: the model as shipped, flash slots erased")
                    }
                    Err(e) => {
                        log!("erasing the learned flash failed: {e}");
                        let Ok(()) = notice::draw_banner(notice::NOT_ERASED, &mut screen);
                        show(&mut display, &mut screen, &mut app);
                    }
                }
            }
        }
        next += POLL_MS.millis();
        let now = timer.get_counter();
        if next > now {
            let wait = (next - now).to_micros();
            sleep.sleep_us(u32::try_from(wait).unwrap_or(POLL_MS * 1000));
        } else {
            // fell behind (a recognition and a big redraw): poll again now
            next = now;
        }
    }
}

/// What a pen-up brought to log.
enum News {
    /// No new answer (a redraw).
    Nothing,
    /// A correction the user taught, and the answer after it.
    Correction(nnet_core::Prediction),
    /// Another answer (a recognition, "no digit", a failure).
    Answer,
}

/// What the app's state brings since `answers` answers and `corrections`
/// corrections were logged (both brought up to date).
fn news<N: Classifier>(app: &App<N>, answers: &mut u32, corrections: &mut u32) -> News {
    if app.answers() == *answers {
        return News::Nothing;
    }
    *answers = app.answers();
    if app.corrections() > *corrections {
        *corrections = app.corrections();
        if let Status::Recognised(p) = app.status() {
            return News::Correction(*p);
        }
    }
    News::Answer
}

/// Logs a correction (the `corrections`th), its answer `now` and the drawing it taught.
fn log_correction<N, L>(app: &App<Timed<N, L>>, corrections: u32, now: &nnet_core::Prediction)
where
    N: Classifier,
    L: OutputPin,
{
    log!(
        "learned correction {}: now {} ({}.{}%), in {} us",
        corrections,
        now.digit,
        now.confidence_tenths() / 10,
        now.confidence_tenths() % 10,
        app.net().watch.last_us.get()
    );
    // the corrected drawing, for `host-trainer train --ink`
    let line = InkLine {
        ink: app.ink(),
        label: app.taught(),
    };
    log!("ink {line}");
}

/// Logs an answer of the app that is not a correction.
fn log_answer<N, L>(app: &App<Timed<N, L>>)
where
    N: Classifier,
    L: OutputPin,
{
    match app.status() {
        Status::Recognised(p) => log!(
            "recognised {} ({}.{}%), inference {} us",
            p.digit,
            p.confidence_tenths() / 10,
            p.confidence_tenths() % 10,
            app.net().watch.last_us.get()
        ),
        Status::NoDigit => log!("no digit"),
        Status::Failed(e) => log!("recognition failed: {e}"),
        Status::Empty | Status::Pending => {}
    }
}

/// Sends what changed on `screen` to the display; when that fails, says so
/// and has the app draw everything again next time.
fn show<DI, M, RST, N>(
    display: &mut mipidsi::Display<DI, M, RST>,
    screen: &mut Tracked<'_>,
    app: &mut App<N>,
) where
    DI: Interface,
    M: Model<ColorFormat = Rgb565>,
    Rgb565: mipidsi::interface::InterfacePixelFormat<DI::Word>,
    RST: OutputPin,
    N: Classifier,
{
    if flush(display, screen).is_err() {
        log!("error: sending a frame update failed");
        app.invalidate();
    }
}

/// Sends the rectangle that changed since the last flush to the display.
fn flush<DI, M, RST>(
    display: &mut mipidsi::Display<DI, M, RST>,
    screen: &mut Tracked<'_>,
) -> Result<(), DI::Error>
where
    DI: Interface,
    M: Model<ColorFormat = Rgb565>,
    Rgb565: mipidsi::interface::InterfacePixelFormat<DI::Word>,
    RST: OutputPin,
{
    let Some(area) = screen.take_dirty() else {
        return Ok(());
    };
    let Some(br) = area.bottom_right() else {
        return Ok(());
    };
    let (x0, y0) = (area.top_left.x, area.top_left.y);
    let screen = &*screen;
    let pixels = (y0..=br.y).flat_map(move |y| {
        screen
            .row(y, x0, br.x)
            .iter()
            .map(|&v| Rgb565::from(RawU16::new(v)))
    });
    // the tracked area lies on the 240x320 screen: the casts are exact
    display.set_pixels(x0 as u16, y0 as u16, br.x as u16, br.y as u16, pixels)
}
