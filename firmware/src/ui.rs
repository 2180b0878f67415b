//! The screen: layout constants and drawing for a 240x320 portrait RGB565
//! display, generic over any embedded-graphics [`DrawTarget`].
//!
//! ```text
//! ┌──────────────────────────┐ y 0
//! │ drawing area 232x212     │   white ink on black; "draw a digit" when empty
//! │                          │
//! ├──────┬────────────┬──────┤ y 222
//! │  7   │ ▁▁▇▁▁▁▁▁▁▁ │Clear │   big digit + confidence │ 10 probability bars │ button
//! │97.3% │ 0123456789 │      │
//! │wrong?│            │      │   (when the network can learn: tap the digit to teach it)
//! └──────┴────────────┴──────┘ y 320
//! ```
//!
//! While the user teaches the network ([`Teach::Keypad`]), the drawing area
//! shows ten keys instead of the ink, two rows of five ([`key_rect`]) under
//! the line "tap the digit you drew".
//!
//! [`draw`] always paints the whole frame from the state it is given, so the
//! picture depends on nothing but that state (the simulator and the QEMU
//! self-test compare frames pixel for pixel).
use core::fmt::Write;

use embedded_graphics::mono_font::ascii::{FONT_10X20, FONT_6X10, FONT_8X13_BOLD};
use embedded_graphics::mono_font::{MonoFont, MonoTextStyle};
use embedded_graphics::pixelcolor::Rgb565;
use embedded_graphics::prelude::*;
use embedded_graphics::primitives::{
    Circle, Line, PrimitiveStyle, PrimitiveStyleBuilder, Rectangle, RoundedRectangle,
};
use embedded_graphics::text::{Alignment, Baseline, Text, TextStyleBuilder};
use nnet_core::ink::Strokes;
use nnet_core::{Error, Prediction};

/// Screen width in pixels (portrait).
pub const WIDTH: u32 = 240;
/// Screen height in pixels (portrait).
pub const HEIGHT: u32 = 320;

/// Where the user draws. Ink coordinates are relative to its top-left corner.
pub const DRAW_AREA: Rectangle = Rectangle::new(Point::new(4, 4), Size::new(232, 212));
/// The box showing the recognised digit and its confidence.
pub const DIGIT_BOX: Rectangle = Rectangle::new(Point::new(4, 222), Size::new(64, 94));
/// The recognised digit is drawn as strokes of this width (round caps and joints).
pub const DIGIT_STROKE: u32 = 5;
/// Where the glyph's centre lines lie: a 36x60 box (glyph units 0..=24 x 0..=40,
/// times 1.5). The stroke adds `DIGIT_STROKE / 2` pixels around it.
pub const DIGIT_GLYPH: Rectangle = Rectangle::new(Point::new(18, 228), Size::new(37, 61));
/// Top edge of the confidence text (6x10 font, centred in [`DIGIT_BOX`]).
pub const CONFIDENCE_TOP: i32 = 294;
/// Left edge of the bar for digit 0.
pub const BARS_LEFT: i32 = 76;
/// Horizontal distance between neighbouring bars.
pub const BAR_PITCH: i32 = 11;
/// Width of one bar.
pub const BAR_WIDTH: u32 = 7;
/// The row just below the bars: bars grow upwards from here.
pub const BAR_BASELINE: i32 = 298;
/// Height of a bar at probability 1.0.
pub const BAR_MAX: u32 = 68;
/// Top edge of the digit labels under the bars.
pub const BAR_LABEL_TOP: i32 = 302;
/// The Clear button.
pub const CLEAR_BUTTON: Rectangle = Rectangle::new(Point::new(188, 236), Size::new(48, 64));
/// Everything below the drawing area's frame: result, bars, button.
/// [`draw_panel`] repaints exactly this rectangle.
pub const PANEL: Rectangle = Rectangle::new(Point::new(0, 218), Size::new(240, 102));
/// Width of the ink lines on screen.
pub const INK_WIDTH: u32 = 9;
/// Top edge of the teaching hint under the confidence (6x10 font, centred in [`DIGIT_BOX`]).
pub const TEACH_HINT_TOP: i32 = 305;
/// The teaching hint while a recognised digit is shown.
pub const TEACH_HINT: &str = "wrong? tap";
/// The teaching hint while the keypad is shown.
pub const TEACH_CANCEL: &str = "cancel";
/// The line above the teaching keys.
pub const KEYPAD_TITLE: &str = "tap the digit you drew";
/// Top edge of [`KEYPAD_TITLE`] (8x13 bold font, centred in [`DRAW_AREA`]).
pub const KEYPAD_TITLE_TOP: i32 = 12;
/// Top-left corner of the key for digit 0.
pub const KEYS_ORIGIN: Point = Point::new(7, 34);
/// Size of one teaching key.
pub const KEY_SIZE: Size = Size::new(42, 86);
/// Distance between neighbouring keys (x: along a row, y: between the rows).
pub const KEY_PITCH: Point = Point::new(46, 92);
/// The key glyphs (the panel's digit shapes scaled by 5/4: 30x50) are drawn this wide.
pub const KEY_STROKE: u32 = 4;

/// Screen background.
pub const BACKGROUND: Rgb565 = Rgb565::new(1, 5, 5);
/// Drawing area background.
pub const CANVAS: Rgb565 = Rgb565::BLACK;
/// Ink.
pub const INK: Rgb565 = Rgb565::WHITE;
/// Frames around the drawing area and the button.
pub const FRAME: Rgb565 = Rgb565::new(8, 21, 12);
/// The "draw a digit" hint and the "no digit" answer.
pub const HINT: Rgb565 = Rgb565::new(12, 25, 17);
/// Ordinary text (the digit, the confidence, labels).
pub const TEXT: Rgb565 = Rgb565::new(28, 57, 30);
/// Probability bars.
pub const BAR: Rgb565 = Rgb565::new(7, 47, 31);
/// The bar and label of the recognised digit.
pub const ACCENT: Rgb565 = Rgb565::new(30, 39, 1);
/// The Clear button at rest.
pub const BUTTON: Rgb565 = Rgb565::new(6, 20, 10);
/// The Clear button while pressed.
pub const BUTTON_PRESSED: Rgb565 = Rgb565::new(30, 39, 1);
/// Error indication.
pub const ERROR: Rgb565 = Rgb565::new(29, 17, 8);

/// The text shown in the empty drawing area.
pub const HINT_TEXT: &str = "draw a digit";

/// Point capacity of the ink buffer (8 KiB).
pub const INK_POINTS: usize = 1024;
/// Stroke capacity of the ink buffer.
pub const INK_STROKES: usize = 32;
/// The most ink a drawing holds, in pixels of line length on the screen: 16
/// lines each a pixel longer than [`DIAGONAL`] (16 x 314 = 5,024), many times
/// what a digit takes, even written over again and again. It bounds the work
/// of a repaint of the drawing and of the stroke path at its answer: without
/// it, a touch that jumps across the screen at every poll (a glitching
/// resistive panel) fills the buffer with 1024 screen-wide lines, and
/// repainting them stalled the emulated Pico until its 6 s watchdog restarted
/// it (`scripts/ci.d/60-pico.sh` runs that touch).
pub const INK_LENGTH: u32 = 16 * (DIAGONAL + 1);

/// The longest line in [`DRAW_AREA`], corner pixel to corner pixel, as the
/// app measures lines ([`line_length`]): 313.
pub const DIAGONAL: u32 = line_length(Point::new(
    DRAW_AREA.size.width as i32 - 1,
    DRAW_AREA.size.height as i32 - 1,
));

/// Length of a line `d` long in x and y, in whole screen pixels rounded up
/// (the ink budget's measure: [`INK_LENGTH`]).
pub const fn line_length(d: Point) -> u32 {
    let d2 = (d.x * d.x + d.y * d.y).unsigned_abs();
    let root = d2.isqrt();
    root + (root * root < d2) as u32
}

/// The ink buffer: strokes in [`DRAW_AREA`]-local pixels.
pub type Ink = Strokes<INK_POINTS, INK_STROKES>;

/// What the result panel shows.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Status {
    /// Nothing drawn: the "draw a digit" state.
    Empty,
    /// Ink on the canvas, not recognised yet (the first stroke is being drawn).
    Pending,
    /// The network's answer for the drawing as it was at the last pen-up.
    Recognised(Prediction),
    /// The drawing was too small or faint to be a digit (preprocessing said so).
    NoDigit,
    /// Preprocessing or inference failed.
    Failed(Error),
}

/// What the screen shows of teaching the network a correction.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Teach {
    /// Nothing: the network cannot learn, or no digit is shown.
    Unavailable,
    /// A digit is shown and the network can learn: [`TEACH_HINT`] under it.
    Offered,
    /// The keys are shown instead of the drawing; `pressed` is the key under
    /// the pen, if any.
    Keypad {
        /// The key held down.
        pressed: Option<u8>,
    },
}

/// Everything a frame depends on.
#[derive(Debug, Clone, Copy)]
pub struct View<'a> {
    /// The strokes, in [`DRAW_AREA`]-local pixels.
    pub ink: &'a Ink,
    /// What the panel shows.
    pub status: &'a Status,
    /// True while the pen is down on the Clear button.
    pub clear_pressed: bool,
    /// True when releasing the Clear button would forget what the network
    /// learned (it says "Forget learned" instead of "Clear").
    pub forget: bool,
    /// Teaching: hint, keypad or nothing.
    pub teach: Teach,
    /// The ink buffer dropped points, strokes or ink ([`INK_LENGTH`]): the canvas says so with the
    /// [`INK_FULL`](crate::notice::INK_FULL) banner until it is cleared.
    pub ink_full: bool,
}

/// The teaching key of `digit` (0..=9; larger values give the key of 9):
/// 0-4 in the upper row, 5-9 in the lower.
pub fn key_rect(digit: u8) -> Rectangle {
    let d = i32::from(digit.min(9));
    Rectangle::new(
        KEYS_ORIGIN + Point::new(d % 5 * KEY_PITCH.x, d / 5 * KEY_PITCH.y),
        KEY_SIZE,
    )
}

/// The teaching key under screen point `p`, if any.
pub fn key_at(p: Point) -> Option<u8> {
    (0..10u8).find(|&d| key_rect(d).contains(p))
}

/// The rectangle of the bar for `digit` (0..=9) at probability `p`
/// (height `round(p * BAR_MAX)`, `p` clamped to 0..=1).
pub fn bar_rect(digit: usize, p: f32) -> Rectangle {
    let h = bar_height(p);
    Rectangle::new(
        Point::new(
            BARS_LEFT + digit as i32 * BAR_PITCH,
            BAR_BASELINE - h as i32,
        ),
        Size::new(BAR_WIDTH, h),
    )
}

/// Bar height in pixels for probability `p`: `round(p * BAR_MAX)`, `p` clamped to 0..=1
/// (NaN gives 0).
pub fn bar_height(p: f32) -> u32 {
    // `as` saturates and maps NaN to 0
    (p.clamp(0.0, 1.0) * BAR_MAX as f32 + 0.5) as u32
}

/// Draws the whole frame for `view`.
pub fn draw<D>(view: &View<'_>, target: &mut D) -> Result<(), D::Error>
where
    D: DrawTarget<Color = Rgb565>,
{
    target.clear(BACKGROUND)?;
    draw_canvas(view, target)?;
    draw_panel_content(view, target)
}

/// Repaints the drawing area (frame, canvas, hint or all the ink). Together
/// with [`draw_panel`] this gives the same pixels as [`draw`].
pub fn draw_canvas<D>(view: &View<'_>, target: &mut D) -> Result<(), D::Error>
where
    D: DrawTarget<Color = Rgb565>,
{
    Rectangle::new(
        DRAW_AREA.top_left - Point::new(1, 1),
        DRAW_AREA.size + Size::new(2, 2),
    )
    .into_styled(
        PrimitiveStyleBuilder::new()
            .stroke_color(FRAME)
            .stroke_width(1)
            .fill_color(CANVAS)
            .build(),
    )
    .draw(target)?;
    if let Teach::Keypad { pressed } = view.teach {
        return draw_keypad(pressed, target);
    }
    if view.ink.is_empty() {
        let c = DRAW_AREA.center();
        return centred_text(HINT_TEXT, c.x, c.y - 10, &FONT_10X20, HINT, target);
    }
    draw_ink(view.ink, 0, target)?;
    if view.ink_full {
        crate::notice::draw_banner(crate::notice::INK_FULL, target)?;
    }
    Ok(())
}

/// Draws the teaching keys (`pressed` highlighted) and their title.
fn draw_keypad<D>(pressed: Option<u8>, target: &mut D) -> Result<(), D::Error>
where
    D: DrawTarget<Color = Rgb565>,
{
    let c = DRAW_AREA.center();
    centred_text(
        KEYPAD_TITLE,
        c.x,
        KEYPAD_TITLE_TOP,
        &FONT_8X13_BOLD,
        TEXT,
        target,
    )?;
    for d in 0..10u8 {
        let key = key_rect(d);
        let glyph = draw_button(key, pressed == Some(d), target)?;
        // the 24x40 glyph grid scaled by 5/4, centred in the key
        let origin = key.center() - Point::new(15, 25);
        draw_glyph_at(usize::from(d), origin, 5, 4, KEY_STROKE, glyph, target)?;
    }
    Ok(())
}

/// Draws the ink from point number `from` on (counting over all strokes):
/// each such point's segment from its predecessor in the same stroke and its
/// round cap. Ink is all one colour, so drawing the points in several calls
/// gives the same pixels as one call; this is how a new segment is added
/// without repainting (and flickering) the canvas.
pub fn draw_ink<D>(ink: &Ink, from: usize, target: &mut D) -> Result<(), D::Error>
where
    D: DrawTarget<Color = Rgb565>,
{
    let mut canvas = target.clipped(&DRAW_AREA);
    let mut canvas = canvas.translated(DRAW_AREA.top_left);
    let line = PrimitiveStyle::with_stroke(INK, INK_WIDTH);
    let dot = PrimitiveStyle::with_fill(INK);
    let mut index = 0usize;
    for stroke in ink.strokes() {
        let mut prev: Option<Point> = None;
        for &[x, y] in stroke {
            // ink points are whole pixels clamped into the area (non-negative)
            let p = Point::new(x as i32, y as i32);
            if index >= from {
                if let Some(q) = prev {
                    Line::new(q, p).into_styled(line).draw(&mut canvas)?;
                }
                Circle::with_center(p, INK_WIDTH)
                    .into_styled(dot)
                    .draw(&mut canvas)?;
            }
            prev = Some(p);
            index += 1;
        }
    }
    Ok(())
}

/// Repaints [`PANEL`]: the recognised digit, the bars and the Clear button.
pub fn draw_panel<D>(view: &View<'_>, target: &mut D) -> Result<(), D::Error>
where
    D: DrawTarget<Color = Rgb565>,
{
    target.fill_solid(&PANEL, BACKGROUND)?;
    draw_panel_content(view, target)
}

fn draw_panel_content<D>(view: &View<'_>, target: &mut D) -> Result<(), D::Error>
where
    D: DrawTarget<Color = Rgb565>,
{
    draw_result(view.status, target)?;
    draw_teach_hint(view.teach, target)?;
    draw_bars(view.status, target)?;
    draw_clear_button(view.clear_pressed, view.forget, target)
}

fn text_style(font: &'static MonoFont<'static>, color: Rgb565) -> MonoTextStyle<'static, Rgb565> {
    MonoTextStyle::new(font, color)
}

fn centred_text<D>(
    s: &str,
    centre_x: i32,
    top: i32,
    font: &'static MonoFont<'static>,
    color: Rgb565,
    target: &mut D,
) -> Result<(), D::Error>
where
    D: DrawTarget<Color = Rgb565>,
{
    let layout = TextStyleBuilder::new()
        .alignment(Alignment::Center)
        .baseline(Baseline::Top)
        .build();
    Text::with_text_style(
        s,
        Point::new(centre_x, top),
        text_style(font, color),
        layout,
    )
    .draw(target)?;
    Ok(())
}

/// Glyph strokes for the digits 0..=9 and the "no digit" (`?`) and error
/// (`!`) marks, as polylines on a 24x40 grid (y down). A one-point polyline is a dot.
const GLYPHS: [&[&[(i8, i8)]]; 12] = [
    &[&[
        (12, 0),
        (4, 4),
        (1, 12),
        (1, 28),
        (4, 36),
        (12, 40),
        (20, 36),
        (23, 28),
        (23, 12),
        (20, 4),
        (12, 0),
    ]],
    &[&[(5, 7), (13, 0), (13, 40)]],
    &[&[
        (2, 8),
        (6, 2),
        (12, 0),
        (18, 2),
        (22, 8),
        (21, 15),
        (2, 40),
        (23, 40),
    ]],
    &[&[
        (2, 4),
        (8, 0),
        (16, 0),
        (22, 5),
        (22, 13),
        (16, 18),
        (9, 19),
        (16, 20),
        (23, 26),
        (23, 34),
        (17, 40),
        (8, 40),
        (1, 36),
    ]],
    &[&[(17, 40), (17, 0), (1, 28), (24, 28)]],
    &[&[
        (22, 0),
        (4, 0),
        (2, 18),
        (10, 15),
        (17, 16),
        (22, 21),
        (23, 29),
        (19, 37),
        (12, 40),
        (5, 39),
        (1, 35),
    ]],
    &[&[
        (20, 2),
        (14, 0),
        (7, 3),
        (2, 12),
        (1, 24),
        (3, 35),
        (10, 40),
        (17, 39),
        (22, 33),
        (22, 26),
        (18, 20),
        (11, 19),
        (4, 22),
        (1, 27),
    ]],
    &[&[(1, 0), (23, 0), (9, 40)]],
    &[&[
        (12, 19),
        (5, 16),
        (3, 10),
        (5, 3),
        (12, 0),
        (19, 3),
        (21, 10),
        (19, 16),
        (12, 19),
        (4, 23),
        (1, 30),
        (4, 37),
        (12, 40),
        (20, 37),
        (23, 30),
        (20, 23),
        (12, 19),
    ]],
    &[&[
        (22, 13),
        (18, 18),
        (11, 19),
        (4, 16),
        (1, 10),
        (4, 3),
        (11, 0),
        (18, 1),
        (22, 6),
        (23, 16),
        (21, 28),
        (16, 37),
        (9, 40),
        (3, 38),
    ]],
    // '?'
    &[
        &[
            (3, 8),
            (6, 2),
            (12, 0),
            (18, 2),
            (21, 8),
            (20, 14),
            (12, 20),
            (12, 28),
        ],
        &[(12, 39)],
    ],
    // '!'
    &[&[(12, 0), (12, 28)], &[(12, 39)]],
];
/// Index in [`GLYPHS`] of the "no digit" mark.
const GLYPH_QUESTION: usize = 10;
/// Index in [`GLYPHS`] of the error mark.
const GLYPH_BANG: usize = 11;

/// Draws glyph `index` of [`GLYPHS`] into [`DIGIT_GLYPH`].
fn draw_glyph<D>(index: usize, color: Rgb565, target: &mut D) -> Result<(), D::Error>
where
    D: DrawTarget<Color = Rgb565>,
{
    draw_glyph_at(
        index,
        DIGIT_GLYPH.top_left,
        3,
        2,
        DIGIT_STROKE,
        color,
        target,
    )
}

/// Draws glyph `index` of [`GLYPHS`] with its grid scaled by `num / den`
/// (rounded towards zero per coordinate) from `origin`, in strokes `width` wide.
fn draw_glyph_at<D>(
    index: usize,
    origin: Point,
    num: i32,
    den: i32,
    width: u32,
    color: Rgb565,
    target: &mut D,
) -> Result<(), D::Error>
where
    D: DrawTarget<Color = Rgb565>,
{
    let Some(glyph) = GLYPHS.get(index) else {
        return Ok(());
    };
    let at =
        |(x, y): (i8, i8)| origin + Point::new(i32::from(x) * num / den, i32::from(y) * num / den);
    let line = PrimitiveStyle::with_stroke(color, width);
    let dot = PrimitiveStyle::with_fill(color);
    for stroke in *glyph {
        let mut prev: Option<Point> = None;
        for &p in *stroke {
            let p = at(p);
            if let Some(q) = prev {
                Line::new(q, p).into_styled(line).draw(target)?;
            }
            Circle::with_center(p, width)
                .into_styled(dot)
                .draw(target)?;
            prev = Some(p);
        }
    }
    Ok(())
}

fn draw_result<D>(status: &Status, target: &mut D) -> Result<(), D::Error>
where
    D: DrawTarget<Color = Rgb565>,
{
    let centre = DIGIT_BOX.center().x;
    match status {
        Status::Empty | Status::Pending => Ok(()),
        Status::Recognised(p) => {
            draw_glyph(usize::from(p.digit), TEXT, target)?;
            let mut text: heapless::String<8> = heapless::String::new();
            let tenths = p.confidence_tenths();
            // at most "99.9%": fits the 8-byte string, so the write cannot fail
            let _ = write!(text, "{}.{}%", tenths / 10, tenths % 10);
            centred_text(&text, centre, CONFIDENCE_TOP, &FONT_6X10, TEXT, target)
        }
        Status::NoDigit => {
            draw_glyph(GLYPH_QUESTION, HINT, target)?;
            centred_text("no digit", centre, CONFIDENCE_TOP, &FONT_6X10, HINT, target)
        }
        Status::Failed(_) => {
            draw_glyph(GLYPH_BANG, ERROR, target)?;
            centred_text("error", centre, CONFIDENCE_TOP, &FONT_6X10, ERROR, target)
        }
    }
}

fn draw_teach_hint<D>(teach: Teach, target: &mut D) -> Result<(), D::Error>
where
    D: DrawTarget<Color = Rgb565>,
{
    let centre = DIGIT_BOX.center().x;
    match teach {
        Teach::Unavailable => Ok(()),
        Teach::Offered => {
            centred_text(TEACH_HINT, centre, TEACH_HINT_TOP, &FONT_6X10, HINT, target)
        }
        Teach::Keypad { .. } => centred_text(
            TEACH_CANCEL,
            centre,
            TEACH_HINT_TOP,
            &FONT_6X10,
            ACCENT,
            target,
        ),
    }
}

fn draw_bars<D>(status: &Status, target: &mut D) -> Result<(), D::Error>
where
    D: DrawTarget<Color = Rgb565>,
{
    let prediction: Option<&Prediction> = match status {
        Status::Recognised(p) => Some(p),
        _ => None,
    };
    Line::new(
        Point::new(BARS_LEFT - 2, BAR_BASELINE),
        Point::new(
            BARS_LEFT + 9 * BAR_PITCH + BAR_WIDTH as i32 + 1,
            BAR_BASELINE,
        ),
    )
    .into_styled(PrimitiveStyle::with_stroke(FRAME, 1))
    .draw(target)?;
    for d in 0..10usize {
        let best = prediction.is_some_and(|p| usize::from(p.digit) == d);
        let color = if best { ACCENT } else { BAR };
        if let Some(p) = prediction {
            bar_rect(d, p.probabilities[d])
                .into_styled(PrimitiveStyle::with_fill(color))
                .draw(target)?;
        }
        let label = [b'0' + d as u8];
        let label = core::str::from_utf8(&label).unwrap_or("?");
        let x = BARS_LEFT + d as i32 * BAR_PITCH + BAR_WIDTH as i32 / 2;
        let label_color = if best { ACCENT } else { TEXT };
        centred_text(label, x + 1, BAR_LABEL_TOP, &FONT_6X10, label_color, target)?;
    }
    Ok(())
}

/// Draws a button (a framed rounded rectangle, lit while `pressed`) and
/// returns the colour of what goes on it.
fn draw_button<D>(area: Rectangle, pressed: bool, target: &mut D) -> Result<Rgb565, D::Error>
where
    D: DrawTarget<Color = Rgb565>,
{
    let (fill, content) = if pressed {
        (BUTTON_PRESSED, Rgb565::BLACK)
    } else {
        (BUTTON, TEXT)
    };
    RoundedRectangle::with_equal_corners(area, Size::new(6, 6))
        .into_styled(
            PrimitiveStyleBuilder::new()
                .fill_color(fill)
                .stroke_color(FRAME)
                .stroke_width(1)
                .build(),
        )
        .draw(target)?;
    Ok(content)
}

fn draw_clear_button<D>(pressed: bool, forget: bool, target: &mut D) -> Result<(), D::Error>
where
    D: DrawTarget<Color = Rgb565>,
{
    let text = draw_button(CLEAR_BUTTON, pressed, target)?;
    let c = CLEAR_BUTTON.center();
    if forget {
        centred_text("Forget", c.x, c.y - 11, &FONT_6X10, text, target)?;
        return centred_text("learned", c.x, c.y + 1, &FONT_6X10, text, target);
    }
    centred_text("Clear", c.x, c.y - 6, &FONT_8X13_BOLD, text, target)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::framebuffer::Framebuffer;
    use std::boxed::Box;

    fn render(ink: &Ink, status: &Status, clear_pressed: bool) -> Box<Framebuffer> {
        render_view(&View {
            ink,
            status,
            clear_pressed,
            forget: false,
            teach: Teach::Unavailable,
            ink_full: false,
        })
    }

    /// The whole frame of `view`.
    fn render_view(view: &View<'_>) -> Box<Framebuffer> {
        let mut fb = Box::new(Framebuffer::new());
        draw(view, &mut *fb).unwrap();
        fb
    }

    fn count(fb: &Framebuffer, area: Rectangle, color: Rgb565) -> usize {
        area.points()
            .filter(|p| fb.pixel(p.x, p.y) == Some(color))
            .count()
    }

    /// Every line in the drawing area is measured as its exact length rounded up to
    /// whole pixels, and the diagonal is the longest of them.
    #[test]
    fn line_lengths_are_whole_pixels_rounded_up() {
        let (w, h) = (DRAW_AREA.size.width as i32, DRAW_AREA.size.height as i32);
        let mut longest = 0;
        for x in -(w - 1)..w {
            for y in -(h - 1)..h {
                let exact = f64::from(x * x + y * y).sqrt().ceil() as u32;
                let length = line_length(Point::new(x, y));
                assert_eq!(length, exact, "({x}, {y})");
                longest = longest.max(length);
            }
        }
        assert_eq!(DIAGONAL, longest);
    }

    fn prediction(digit: u8) -> Prediction {
        let mut probabilities = [0.02f32; 10];
        probabilities[usize::from(digit)] = 0.5;
        probabilities[(usize::from(digit) + 1) % 10] = 0.25;
        probabilities[(usize::from(digit) + 2) % 10] = 0.09;
        Prediction {
            digit,
            probabilities,
        }
    }

    /// The hint text is drawn in the middle of the drawing area.
    fn hint_area() -> Rectangle {
        Rectangle::with_center(DRAW_AREA.center(), Size::new(130, 24))
    }

    #[test]
    fn layout_fits_the_screen_without_overlaps() {
        let screen = Rectangle::new(Point::zero(), Size::new(WIDTH, HEIGHT));
        let last_bar = bar_rect(9, 1.0);
        let bars = Rectangle::with_corners(
            Point::new(BARS_LEFT, BAR_BASELINE - BAR_MAX as i32),
            Point::new(
                last_bar.top_left.x + BAR_WIDTH as i32 - 1,
                BAR_LABEL_TOP + 9,
            ),
        );
        let regions = [DRAW_AREA, DIGIT_BOX, bars, CLEAR_BUTTON];
        for (i, a) in regions.iter().enumerate() {
            assert_eq!(screen.intersection(a), *a, "region {i} leaves the screen");
            for b in &regions[i + 1..] {
                assert!(a.intersection(b).is_zero_sized(), "{a:?} overlaps {b:?}");
            }
        }
        let margin = Size::new(DIGIT_STROKE, DIGIT_STROKE);
        let inked = Rectangle::with_center(DIGIT_GLYPH.center(), DIGIT_GLYPH.size + margin);
        assert_eq!(DIGIT_BOX.intersection(&inked), inked);
        assert!(inked.bottom_right().unwrap().y < CONFIDENCE_TOP);
    }

    #[test]
    fn empty_state_shows_hint_and_no_bars() {
        let fb = render(&Ink::new(), &Status::Empty, false);
        // canvas: black inside, framed, hint text in the middle
        assert_eq!(
            fb.pixel(DRAW_AREA.top_left.x + 2, DRAW_AREA.top_left.y + 2),
            Some(CANVAS)
        );
        assert_eq!(
            fb.pixel(DRAW_AREA.top_left.x - 1, DRAW_AREA.top_left.y - 1),
            Some(FRAME)
        );
        let hint = count(&fb, hint_area(), HINT);
        assert!(hint > 150, "hint text pixels: {hint}");
        assert_eq!(count(&fb, DRAW_AREA, HINT), hint, "hint outside its region");
        // no bars, no digit
        let bars = Rectangle::new(
            Point::new(BARS_LEFT, BAR_BASELINE - BAR_MAX as i32),
            Size::new(10 * BAR_PITCH as u32, BAR_MAX),
        );
        assert_eq!(count(&fb, bars, BAR) + count(&fb, bars, ACCENT), 0);
        assert_eq!(
            count(&fb, DIGIT_BOX, BACKGROUND),
            DIGIT_BOX.size.width as usize * DIGIT_BOX.size.height as usize
        );
        // ten digit labels under the bars
        for d in 0..10 {
            let label = Rectangle::new(
                Point::new(BARS_LEFT + d * BAR_PITCH - 1, BAR_LABEL_TOP),
                Size::new(BAR_PITCH as u32, 10),
            );
            assert!(count(&fb, label, TEXT) > 5, "label {d}");
        }
    }

    #[test]
    fn clear_button_is_drawn_and_shows_pressed_state() {
        let rest = render(&Ink::new(), &Status::Empty, false);
        let pressed = render(&Ink::new(), &Status::Empty, true);
        let inner =
            Rectangle::with_center(CLEAR_BUTTON.center(), CLEAR_BUTTON.size - Size::new(8, 8));
        let total = inner.size.width as usize * inner.size.height as usize;
        // the fill covers most of the inner area, the label the rest
        let fill_rest = count(&rest, inner, BUTTON);
        let fill_pressed = count(&pressed, inner, BUTTON_PRESSED);
        assert!(
            fill_rest > total * 3 / 4 && fill_rest < total,
            "{fill_rest}/{total}"
        );
        assert!(fill_pressed > total * 3 / 4 && fill_pressed < total);
        assert_eq!(count(&rest, inner, TEXT), total - fill_rest, "label pixels");
        assert_eq!(count(&pressed, inner, Rgb565::BLACK), total - fill_pressed);
        // frame on the border, background just outside
        let c = CLEAR_BUTTON.center();
        assert_eq!(rest.pixel(CLEAR_BUTTON.top_left.x, c.y), Some(FRAME));
        assert_eq!(
            rest.pixel(CLEAR_BUTTON.top_left.x - 1, c.y),
            Some(BACKGROUND)
        );
    }

    #[test]
    fn bars_are_proportional_to_probabilities() {
        let p = prediction(3);
        let fb = render(&Ink::new(), &Status::Recognised(p), false);
        for d in 0..10usize {
            let x = BARS_LEFT + d as i32 * BAR_PITCH + BAR_WIDTH as i32 / 2;
            let column = Rectangle::new(
                Point::new(x, BAR_BASELINE - BAR_MAX as i32 - 2),
                Size::new(1, BAR_MAX + 2),
            );
            let color = if d == 3 { ACCENT } else { BAR };
            let h = count(&fb, column, color);
            let want = (p.probabilities[d] * BAR_MAX as f32).round() as usize;
            assert_eq!(h, want, "bar {d}");
            // the bar stands on the baseline
            if want > 0 {
                assert_eq!(fb.pixel(x, BAR_BASELINE - 1), Some(color));
            }
            assert_eq!(
                fb.pixel(x, BAR_BASELINE - want as i32 - 1),
                Some(BACKGROUND)
            );
            // bar width
            let row = Rectangle::new(
                Point::new(BARS_LEFT + d as i32 * BAR_PITCH - 2, BAR_BASELINE - 1),
                Size::new(BAR_PITCH as u32, 1),
            );
            assert_eq!(
                count(&fb, row, color),
                if want > 0 { BAR_WIDTH as usize } else { 0 }
            );
        }
        assert_eq!(bar_height(0.5), 34);
        assert_eq!(bar_height(1.5), BAR_MAX);
        assert_eq!(bar_height(-1.0), 0);
        assert_eq!(bar_height(f32::NAN), 0);
    }

    #[test]
    fn a_certain_answer_shows_no_more_than_99_9_percent() {
        let sure = |p: f32| {
            let mut probabilities = [(1.0 - p) / 9.0; 10];
            probabilities[3] = p;
            render(
                &Ink::new(),
                &Status::Recognised(Prediction {
                    digit: 3,
                    probabilities,
                }),
                false,
            )
        };
        let conf = Rectangle::new(
            Point::new(DIGIT_BOX.top_left.x, CONFIDENCE_TOP),
            Size::new(DIGIT_BOX.size.width, 10),
        );
        let text = |fb: &Framebuffer| -> std::vec::Vec<bool> {
            conf.points()
                .map(|p| fb.pixel(p.x, p.y) == Some(TEXT))
                .collect()
        };
        let shown = text(&sure(0.999));
        // "100.0%" would be one glyph wider than "99.9%"
        assert_eq!(text(&sure(1.0)), shown, "1.0 reads as 99.9%");
        assert_eq!(text(&sure(0.9996)), shown, "0.9996 reads as 99.9%");
        assert_ne!(text(&sure(0.998)), shown, "0.998 reads as 99.8%");
    }

    #[test]
    fn recognised_digit_is_drawn_big_with_confidence() {
        let three = render(&Ink::new(), &Status::Recognised(prediction(3)), false);
        let eight = render(&Ink::new(), &Status::Recognised(prediction(8)), false);
        let margin = Size::new(DIGIT_STROKE, DIGIT_STROKE);
        let glyph = Rectangle::with_center(DIGIT_GLYPH.center(), DIGIT_GLYPH.size + margin);
        let n3 = count(&three, glyph, TEXT);
        let n8 = count(&eight, glyph, TEXT);
        assert!(n3 > 400 && n8 > 400, "3: {n3}, 8: {n8}");
        let differ = glyph
            .points()
            .filter(|p| three.pixel(p.x, p.y) != eight.pixel(p.x, p.y))
            .count();
        assert!(differ > 100, "3 and 8 look alike: {differ}");
        // every glyph of the panel fits its box and is visible
        for d in 0..10u8 {
            let fb = render(&Ink::new(), &Status::Recognised(prediction(d)), false);
            let inside = count(&fb, glyph, TEXT);
            let conf = Rectangle::new(
                Point::new(DIGIT_BOX.top_left.x, CONFIDENCE_TOP),
                Size::new(DIGIT_BOX.size.width, 10),
            );
            assert!(inside > 250, "digit {d}: {inside}");
            assert_eq!(
                count(&fb, DIGIT_BOX, TEXT),
                inside + count(&fb, conf, TEXT),
                "digit {d}"
            );
        }
        // nothing of the digit leaks out of its glyph box, the confidence is below it
        let conf = Rectangle::new(
            Point::new(DIGIT_BOX.top_left.x, CONFIDENCE_TOP),
            Size::new(DIGIT_BOX.size.width, 10),
        );
        assert!(count(&three, conf, TEXT) > 20);
        assert_eq!(
            count(&three, DIGIT_BOX, TEXT),
            n3 + count(&three, conf, TEXT)
        );
        // hint gone once something is recognised
        let mut ink = Ink::new();
        ink.push_stroke(&[[10.0, 10.0], [20.0, 20.0]]).unwrap();
        let drawn = render(&ink, &Status::Recognised(prediction(3)), false);
        assert_eq!(count(&drawn, hint_area(), HINT), 0);
    }

    #[test]
    fn no_digit_and_error_states_are_distinct() {
        let none = render(&Ink::new(), &Status::NoDigit, false);
        let err = render(
            &Ink::new(),
            &Status::Failed(nnet_core::Error::CapacityExceeded),
            false,
        );
        assert!(count(&none, DIGIT_BOX, HINT) > 100);
        assert!(count(&err, DIGIT_BOX, ERROR) > 50);
        assert_eq!(count(&none, DIGIT_BOX, ERROR), 0);
    }

    #[test]
    fn ink_is_drawn_thick_and_clipped_to_the_area() {
        let mut ink = Ink::new();
        ink.push_stroke(&[[20.0, 100.0], [120.0, 100.0]]).unwrap();
        ink.push_stroke(&[[0.0, 0.0]]).unwrap(); // a dot in the corner
        let fb = render(&ink, &Status::Pending, false);
        let o = DRAW_AREA.top_left;
        // a vertical cut through the line is INK_WIDTH pixels of ink
        let cut = Rectangle::new(o + Point::new(70, 80), Size::new(1, 40));
        assert_eq!(count(&fb, cut, INK), INK_WIDTH as usize);
        assert_eq!(fb.pixel(o.x + 70, o.y + 100), Some(INK));
        // the corner dot is clipped: no ink on the frame or outside
        assert_eq!(fb.pixel(o.x, o.y), Some(INK));
        assert_eq!(fb.pixel(o.x - 1, o.y + 1), Some(FRAME));
        let outside = Rectangle::new(Point::zero(), Size::new(WIDTH, DRAW_AREA.top_left.y as u32));
        assert_eq!(count(&fb, outside, INK), 0);
        assert_eq!(count(&fb, hint_area(), HINT), 0);
    }

    #[test]
    fn teaching_keys_fit_the_drawing_area_and_the_hint_its_box() {
        let title = Rectangle::new(
            Point::new(DRAW_AREA.top_left.x, KEYPAD_TITLE_TOP),
            Size::new(DRAW_AREA.size.width, 13),
        );
        assert!(KEYPAD_TITLE.len() as u32 * 8 <= DRAW_AREA.size.width);
        for d in 0..10u8 {
            let key = key_rect(d);
            assert_eq!(DRAW_AREA.intersection(&key), key, "key {d} leaves the area");
            assert!(
                title.intersection(&key).is_zero_sized(),
                "key {d} under the title"
            );
            for e in d + 1..10 {
                assert!(
                    key.intersection(&key_rect(e)).is_zero_sized(),
                    "keys {d}, {e}"
                );
            }
            assert_eq!(key_at(key.center()), Some(d));
            assert_eq!(key_at(key.top_left), Some(d));
            // the gap right of (or below) every key belongs to no key
            assert_eq!(
                key_at(key.top_left + Point::new(KEY_SIZE.width as i32, 0)),
                None
            );
            assert_eq!(
                key_at(key.top_left + Point::new(0, KEY_SIZE.height as i32)),
                None
            );
        }
        assert_eq!(key_rect(200), key_rect(9));
        for text in [TEACH_HINT, TEACH_CANCEL] {
            assert!(text.len() as u32 * 6 <= DIGIT_BOX.size.width, "{text}");
        }
        // under the confidence (10 px high), inside the box
        const {
            assert!(TEACH_HINT_TOP >= CONFIDENCE_TOP + 10);
            assert!(TEACH_HINT_TOP + 10 <= DIGIT_BOX.top_left.y + DIGIT_BOX.size.height as i32);
        }
    }

    #[test]
    fn the_forget_label_replaces_clear_inside_the_button() {
        let ink = Ink::new();
        let status = Status::Empty;
        let frame = |forget: bool| {
            render_view(&View {
                ink: &ink,
                status: &status,
                clear_pressed: true,
                forget,
                teach: Teach::Unavailable,
                ink_full: false,
            })
        };
        let (clear, forget) = (frame(false), frame(true));
        let inside = Rectangle::new(
            CLEAR_BUTTON.top_left + Point::new(2, 2),
            CLEAR_BUTTON.size - Size::new(4, 4),
        );
        let mut differ = 0;
        for y in 0..HEIGHT as i32 {
            for x in 0..WIDTH as i32 {
                let p = Point::new(x, y);
                if clear.pixel(x, y) != forget.pixel(x, y) {
                    assert!(inside.contains(p), "{p} outside the button changed");
                    differ += 1;
                }
            }
        }
        assert!(differ > 50, "the label changed in {differ} pixels");
        // the two lines of text stay clear of the button's edges
        assert_eq!(
            count(&forget, inside, Rgb565::BLACK),
            count(&forget, CLEAR_BUTTON, Rgb565::BLACK)
        );
    }

    #[test]
    fn the_keypad_replaces_the_ink_and_shows_the_held_key() {
        let mut ink = Ink::new();
        ink.push_stroke(&[[10.0, 10.0], [200.0, 190.0]]).unwrap();
        let status = Status::Recognised(prediction(4));
        let frame = |teach: Teach| {
            render_view(&View {
                ink: &ink,
                status: &status,
                clear_pressed: false,
                forget: false,
                teach,
                ink_full: false,
            })
        };
        let drawing = frame(Teach::Offered);
        assert!(count(&drawing, DRAW_AREA, INK) > 1000);
        let hint = Rectangle::new(
            Point::new(DIGIT_BOX.top_left.x, TEACH_HINT_TOP),
            Size::new(DIGIT_BOX.size.width, 10),
        );
        assert!(count(&drawing, hint, HINT) > 30, "the hint under the digit");
        assert_eq!(count(&frame(Teach::Unavailable), hint, HINT), 0);
        let keypad = frame(Teach::Keypad { pressed: Some(3) });
        for d in 0..10u8 {
            let inner = Rectangle::new(key_rect(d).top_left + Point::new(3, 3), Size::new(4, 4));
            let (fill, other) = if d == 3 {
                (BUTTON_PRESSED, BUTTON)
            } else {
                (BUTTON, BUTTON_PRESSED)
            };
            assert_eq!(count(&keypad, inner, fill), 16, "key {d}");
            assert_eq!(count(&keypad, key_rect(d), other), 0, "key {d}");
        }
        // the ink is hidden, the cancel hint shown in the accent colour
        assert_eq!(count(&keypad, DRAW_AREA, INK), 0);
        assert!(count(&keypad, hint, ACCENT) > 20);
        let none = frame(Teach::Keypad { pressed: None });
        assert_eq!(count(&none, DRAW_AREA, BUTTON_PRESSED), 0);
    }
}
