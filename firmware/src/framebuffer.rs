//! A 240x320 RGB565 framebuffer in memory, usable as an embedded-graphics
//! [`DrawTarget`]: the board's LTDC layer reads it, the QEMU self-test writes
//! it out over semihosting, and the simulator and the unit tests inspect it.
//!
//! Layout: row-major, top-left pixel first, one `u16` per pixel holding the
//! RGB565 value (red in bits 15..11) — exactly the LTDC's RGB565 format.
use core::convert::Infallible;

use embedded_graphics::pixelcolor::raw::RawU16;
use embedded_graphics::pixelcolor::Rgb565;
use embedded_graphics::prelude::*;
use embedded_graphics::primitives::Rectangle;

use crate::ui::{HEIGHT, WIDTH};

/// Pixels in the framebuffer.
pub const PIXELS: usize = (WIDTH * HEIGHT) as usize;

/// A full-screen RGB565 framebuffer (150 KiB). Aligned to 8 bytes for DMA/LTDC bursts.
#[repr(C, align(8))]
pub struct Framebuffer {
    pixels: [u16; PIXELS],
}

impl Framebuffer {
    /// A black framebuffer. `const`, so it can initialise a `static`.
    pub const fn new() -> Self {
        Framebuffer {
            pixels: [0; PIXELS],
        }
    }

    /// All pixels as RGB565 values, row-major.
    pub fn pixels(&self) -> &[u16; PIXELS] {
        &self.pixels
    }

    /// Mutable access to the pixels (e.g. for a display driver).
    pub fn pixels_mut(&mut self) -> &mut [u16; PIXELS] {
        &mut self.pixels
    }

    /// The pixel at `(x, y)`, or `None` outside the screen.
    pub fn pixel(&self, x: i32, y: i32) -> Option<Rgb565> {
        index(Point::new(x, y)).map(|i| Rgb565::from(RawU16::new(self.pixels[i])))
    }

    /// The frame as bytes: each pixel's `u16` in native byte order (little-endian on
    /// every target we build for: x86_64, thumbv7em), i.e. raw RGB565 LE.
    pub fn as_bytes(&self) -> &[u8] {
        bytemuck::cast_slice(&self.pixels[..])
    }
}

/// FNV-1a 64 of `bytes`: the frame hash the golden checks compare (dependency-free,
/// the same on the host, in the simulator and on the Cortex-M).
pub fn fnv1a64(bytes: &[u8]) -> u64 {
    fnv1a64_of(bytes.iter().copied())
}

/// [`fnv1a64`] of bytes as they come (several pieces hashed as one).
pub fn fnv1a64_of(bytes: impl IntoIterator<Item = u8>) -> u64 {
    bytes.into_iter().fold(0xcbf2_9ce4_8422_2325, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x0000_0100_0000_01b3)
    })
}

impl Framebuffer {
    /// [`fnv1a64`] of the frame's RGB565 bytes ([`Framebuffer::as_bytes`]).
    pub fn hash(&self) -> u64 {
        fnv1a64(self.as_bytes())
    }
}

impl Default for Framebuffer {
    fn default() -> Self {
        Framebuffer::new()
    }
}

fn index(p: Point) -> Option<usize> {
    let (x, y) = (usize::try_from(p.x).ok()?, usize::try_from(p.y).ok()?);
    (x < WIDTH as usize && y < HEIGHT as usize).then_some(y * WIDTH as usize + x)
}

impl OriginDimensions for Framebuffer {
    fn size(&self) -> Size {
        Size::new(WIDTH, HEIGHT)
    }
}

impl DrawTarget for Framebuffer {
    type Color = Rgb565;
    type Error = Infallible;

    fn draw_iter<I>(&mut self, pixels: I) -> Result<(), Self::Error>
    where
        I: IntoIterator<Item = Pixel<Self::Color>>,
    {
        for Pixel(p, c) in pixels {
            if let Some(i) = index(p) {
                self.pixels[i] = RawU16::from(c).into_inner();
            }
        }
        Ok(())
    }

    fn fill_solid(&mut self, area: &Rectangle, color: Self::Color) -> Result<(), Self::Error> {
        let area = area.intersection(&self.bounding_box());
        let Some(br) = area.bottom_right() else {
            return Ok(());
        };
        let v = RawU16::from(color).into_inner();
        let (x0, x1) = (area.top_left.x as usize, br.x as usize);
        for y in area.top_left.y as usize..=br.y as usize {
            let row = y * WIDTH as usize;
            self.pixels[row + x0..=row + x1].fill(v);
        }
        Ok(())
    }

    fn clear(&mut self, color: Self::Color) -> Result<(), Self::Error> {
        self.pixels.fill(RawU16::from(color).into_inner());
        Ok(())
    }
}

/// A [`Framebuffer`] as a draw target that remembers the bounding box of
/// everything drawn since the last [`Tracked::take_dirty`]: a display without
/// its own scan-out (an SPI panel such as the ST7789) is then brought up to date
/// by sending only that rectangle.
pub struct Tracked<'a> {
    fb: &'a mut Framebuffer,
    dirty: Option<Rectangle>,
}

impl<'a> Tracked<'a> {
    /// Tracks drawing into `fb`; the whole screen starts dirty (nothing was sent yet).
    pub fn new(fb: &'a mut Framebuffer) -> Self {
        Tracked {
            fb,
            dirty: Some(Rectangle::new(Point::zero(), Size::new(WIDTH, HEIGHT))),
        }
    }

    /// The framebuffer.
    pub fn framebuffer(&self) -> &Framebuffer {
        self.fb
    }

    /// The rectangle changed since the last call (if any), and forgets it.
    pub fn take_dirty(&mut self) -> Option<Rectangle> {
        self.dirty.take()
    }

    fn mark(&mut self, area: Rectangle) {
        let area = area.intersection(&self.fb.bounding_box());
        if area.is_zero_sized() {
            return;
        }
        self.dirty = Some(match self.dirty {
            None => area,
            Some(d) => {
                let (Some(a), Some(b)) = (d.bottom_right(), area.bottom_right()) else {
                    return;
                };
                Rectangle::with_corners(d.top_left.component_min(area.top_left), a.component_max(b))
            }
        });
    }

    /// The pixels of row `y` from column `x0` to `x1` inclusive (empty outside the screen).
    pub fn row(&self, y: i32, x0: i32, x1: i32) -> &[u16] {
        match (index(Point::new(x0, y)), index(Point::new(x1, y))) {
            (Some(a), Some(b)) if a <= b => &self.fb.pixels[a..=b],
            _ => &[],
        }
    }
}

impl OriginDimensions for Tracked<'_> {
    fn size(&self) -> Size {
        Size::new(WIDTH, HEIGHT)
    }
}

impl DrawTarget for Tracked<'_> {
    type Color = Rgb565;
    type Error = Infallible;

    fn draw_iter<I>(&mut self, pixels: I) -> Result<(), Self::Error>
    where
        I: IntoIterator<Item = Pixel<Self::Color>>,
    {
        let mut lo = Point::new(i32::MAX, i32::MAX);
        let mut hi = Point::new(i32::MIN, i32::MIN);
        for Pixel(p, c) in pixels {
            if let Some(i) = index(p) {
                self.fb.pixels[i] = RawU16::from(c).into_inner();
                lo = lo.component_min(p);
                hi = hi.component_max(p);
            }
        }
        if lo.x <= hi.x {
            self.mark(Rectangle::with_corners(lo, hi));
        }
        Ok(())
    }

    fn fill_solid(&mut self, area: &Rectangle, color: Self::Color) -> Result<(), Self::Error> {
        self.mark(*area);
        self.fb.fill_solid(area, color)
    }

    fn clear(&mut self, color: Self::Color) -> Result<(), Self::Error> {
        self.mark(self.fb.bounding_box());
        self.fb.clear(color)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::boxed::Box;

    #[test]
    fn draws_clips_and_fills() {
        let mut fb = Box::new(Framebuffer::new());
        fb.clear(Rgb565::BLUE).unwrap();
        fb.fill_solid(
            &Rectangle::new(Point::new(230, 310), Size::new(50, 50)),
            Rgb565::RED,
        )
        .unwrap();
        Pixel(Point::new(-1, 5), Rgb565::GREEN)
            .draw(&mut *fb)
            .unwrap();
        Pixel(Point::new(3, 4), Rgb565::GREEN)
            .draw(&mut *fb)
            .unwrap();
        assert_eq!(fb.pixel(3, 4), Some(Rgb565::GREEN));
        assert_eq!(fb.pixel(229, 319), Some(Rgb565::BLUE));
        assert_eq!(fb.pixel(230, 310), Some(Rgb565::RED));
        assert_eq!(fb.pixel(239, 319), Some(Rgb565::RED));
        assert_eq!(fb.pixel(240, 0), None);
        assert_eq!(fb.pixels()[4 * 240 + 3], 0x07E0);
        let b = fb.as_bytes();
        assert_eq!(b.len(), 240 * 320 * 2);
        assert_eq!(&b[(4 * 240 + 3) * 2..][..2], &0x07E0u16.to_le_bytes());
    }

    #[test]
    fn tracked_reports_the_bounding_box_of_changes() {
        let mut fb = Box::new(Framebuffer::new());
        let mut t = Tracked::new(&mut fb);
        assert_eq!(t.take_dirty(), Some(t.bounding_box()));
        assert_eq!(t.take_dirty(), None);
        Pixel(Point::new(10, 20), Rgb565::RED).draw(&mut t).unwrap();
        Pixel(Point::new(-5, 400), Rgb565::RED)
            .draw(&mut t)
            .unwrap();
        t.fill_solid(
            &Rectangle::new(Point::new(200, 300), Size::new(100, 100)),
            Rgb565::BLUE,
        )
        .unwrap();
        assert_eq!(
            t.take_dirty(),
            Some(Rectangle::with_corners(
                Point::new(10, 20),
                Point::new(239, 319)
            ))
        );
        assert_eq!(t.row(20, 9, 11), &[0, 0xF800, 0][..]);
        assert!(t.row(20, 11, 9).is_empty() && t.row(-1, 0, 3).is_empty());
        // drawing only outside the screen marks nothing
        Pixel(Point::new(240, 0), Rgb565::RED).draw(&mut t).unwrap();
        t.fill_solid(
            &Rectangle::new(Point::new(-9, 0), Size::new(9, 9)),
            Rgb565::RED,
        )
        .unwrap();
        assert_eq!(t.take_dirty(), None);
        t.clear(Rgb565::GREEN).unwrap();
        assert_eq!(t.take_dirty(), Some(t.bounding_box()));
        assert_eq!(t.framebuffer().pixel(0, 0), Some(Rgb565::GREEN));
    }
}
