//! # firmware-f429
//!
//! The nnet digit recognizer on the STM32F429I-DISC1: draw a digit on the
//! touchscreen with a finger or stylus, the on-chip 784-H-10 network (weights
//! in flash) recognises it when the pen lifts.
//!
//! Hardware set-up (board wiring per ST's UM1670):
//! * clocks: 8 MHz HSE -> 180 MHz system clock;
//! * display: the ILI9341 is configured over SPI5 (PF7 SCK, PF8 MISO, PF9 MOSI,
//!   PC2 CS, PD13 D/C) for its RGB interface, then the LTDC scans a 240x320
//!   RGB565 framebuffer in SRAM (150 KiB; the stack lives in CCM, see `memory.x`);
//! * touch: the STMPE811 on I2C3 (PA8 SCL, PC9 SDA, address 0x41), polled every
//!   10 ms, raw readings mapped with `Calibration::DISC1`.
//!
//! All application logic (touch filtering, strokes, recognition, drawing) is
//! the `firmware` library, shared with the simulator and the QEMU self-test.
#![no_std]
#![no_main]

use core::convert::Infallible;
use core::ptr::addr_of_mut;

use cortex_m_rt::entry;
use embedded_graphics::mono_font::ascii::FONT_6X10;
use embedded_graphics::mono_font::MonoTextStyle;
use embedded_graphics::pixelcolor::raw::RawU16;
use embedded_graphics::pixelcolor::Rgb565;
use embedded_graphics::prelude::*;
use embedded_graphics::text::Text;
use embedded_hal::delay::DelayNs;
use embedded_hal::digital::OutputPin;
use embedded_hal::spi::SpiBus;
use firmware::app::App;
use firmware::framebuffer::Framebuffer;
use firmware::stmpe811::{self, Calibration, Stmpe811};
use firmware::ui;
use panic_halt as _;
use stm32f4xx_hal::gpio::Speed;
use stm32f4xx_hal::i2c::{self, I2c};
use stm32f4xx_hal::ltdc::{DisplayConfig, DisplayController, Layer, PixelFormat};
use stm32f4xx_hal::pac;
use stm32f4xx_hal::prelude::*;
use stm32f4xx_hal::rcc::Config;
use stm32f4xx_hal::spi::{Mode, Phase, Polarity, Spi};

/// The LTDC layer's pixels (150 KiB of SRAM). Only `main` takes a reference, once.
static mut FRAMEBUFFER: Framebuffer = Framebuffer::new();

/// Touch poll period.
const POLL_MS: u32 = 10;

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
    C: OutputPin<Error = Infallible>,
    P: OutputPin<Error = Infallible>,
    D: DelayNs,
{
    for &(cmd, params, wait_ms) in ILI9341_INIT {
        let _ = cs.set_low();
        let _ = dc.set_low();
        spi.write(&[cmd])?;
        spi.flush()?;
        if !params.is_empty() {
            let _ = dc.set_high();
            spi.write(params)?;
            spi.flush()?;
        }
        let _ = cs.set_high();
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
    type Error = Infallible;

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

/// Shows `msg` at the bottom of the screen (start-up failures) and stops.
fn halt_with(lcd: &mut Lcd, msg: &str) -> ! {
    let _ = lcd.clear(ui::BACKGROUND);
    let _ = Text::new(
        msg,
        Point::new(4, 160),
        MonoTextStyle::new(&FONT_6X10, ui::ERROR),
    )
    .draw(lcd);
    loop {
        cortex_m::asm::wfi();
    }
}

#[entry]
fn main() -> ! {
    // `take` only fails if called twice; this is the only call.
    let (Some(dp), Some(cp)) = (pac::Peripherals::take(), cortex_m::Peripherals::take()) else {
        loop {
            cortex_m::asm::wfi();
        }
    };
    let mut rcc = dp.RCC.freeze(Config::hse(8.MHz()).sysclk(180.MHz()));
    let mut delay = cp.SYST.delay(&rcc.clocks);

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

    // ILI9341 over SPI5
    let mut cs = gpioc.pc2.into_push_pull_output();
    let mut dc = gpiod.pd13.into_push_pull_output();
    cs.set_high();
    let mut spi = Spi::new(
        dp.SPI5,
        (Some(gpiof.pf7), Some(gpiof.pf8), Some(gpiof.pf9)),
        Mode {
            polarity: Polarity::IdleLow,
            phase: Phase::CaptureOnFirstTransition,
        },
        5.MHz(),
        &mut rcc,
    );
    let lcd_ok = ili9341_init(&mut spi, &mut cs, &mut dc, &mut delay).is_ok();

    // LTDC scanning the framebuffer
    // SAFETY: the only reference ever taken to FRAMEBUFFER; it lives for the whole program.
    let fb: &'static mut Framebuffer = unsafe { &mut *addr_of_mut!(FRAMEBUFFER) };
    let mut ctrl = DisplayController::<u16>::new(
        dp.LTDC,
        dp.DMA2D,
        None,
        PixelFormat::RGB565,
        LCD_CONFIG,
        Some(8.MHz()),
    );
    ctrl.config_layer(Layer::L1, fb.pixels_mut(), PixelFormat::RGB565);
    ctrl.enable_layer(Layer::L1);
    ctrl.reload();
    let mut lcd = Lcd { ctrl };
    if !lcd_ok {
        halt_with(&mut lcd, "ILI9341 set-up over SPI5 failed");
    }

    // the network, borrowed from flash
    let Ok(mlp) = firmware::model::classifier() else {
        halt_with(&mut lcd, "embedded model is invalid");
    };

    // STMPE811 over I2C3
    let i2c = I2c::new(
        dp.I2C3,
        (gpioa.pa8, gpioc.pc9),
        i2c::Mode::standard(100.kHz()),
        &mut rcc,
    );
    let mut touch = Stmpe811::new(i2c, stmpe811::ADDRESS);
    if touch.init(&mut delay).is_err() {
        halt_with(&mut lcd, "STMPE811 touch controller not found");
    }
    let calibration = Calibration::DISC1;

    let mut app = App::new(mlp);
    // the LCD is single-buffered: repaint only what changed (no flicker while drawing)
    let _ = app.draw_update(&mut lcd);
    loop {
        // a bus error reads as "not touched": the filter then lifts the pen cleanly
        let sample = match touch.read() {
            Ok(Some(raw)) => Some(calibration.to_screen(raw)),
            _ => None,
        };
        if app.touch(sample) {
            let _ = app.draw_update(&mut lcd);
        }
        delay.delay_ms(POLL_MS);
    }
}
