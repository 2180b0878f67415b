//! Messages for the user that are not part of the app's normal screen: a
//! full-screen error (start-up failures, a panic) and a banner over the top
//! of the drawing area (a warning, a touch controller that stopped
//! answering). Nothing here allocates, so a panic handler can use it.
use core::fmt;

use embedded_graphics::mono_font::ascii::{FONT_6X10, FONT_8X13_BOLD};
use embedded_graphics::mono_font::MonoTextStyle;
use embedded_graphics::pixelcolor::Rgb565;
use embedded_graphics::prelude::*;
use embedded_graphics::primitives::{PrimitiveStyleBuilder, Rectangle};
use embedded_graphics::text::{Baseline, Text};

use crate::ui::{self, DRAW_AREA, HEIGHT, WIDTH};

/// A fixed-size text buffer that keeps what fits: writing more than `N`
/// bytes cuts the text at a character boundary and marks it truncated
/// (formatting into it never fails).
#[derive(Debug, Clone)]
pub struct TextBuf<const N: usize> {
    buf: [u8; N],
    len: usize,
    truncated: bool,
}

impl<const N: usize> TextBuf<N> {
    /// An empty buffer.
    pub const fn new() -> Self {
        TextBuf {
            buf: [0; N],
            len: 0,
            truncated: false,
        }
    }

    /// The text written so far.
    pub fn as_str(&self) -> &str {
        // only whole UTF-8 characters are ever copied in (see `write_str`)
        core::str::from_utf8(&self.buf[..self.len]).unwrap_or("")
    }

    /// True if some of the text did not fit.
    pub fn is_truncated(&self) -> bool {
        self.truncated
    }
}

impl<const N: usize> Default for TextBuf<N> {
    fn default() -> Self {
        Self::new()
    }
}

impl<const N: usize> fmt::Write for TextBuf<N> {
    fn write_str(&mut self, s: &str) -> fmt::Result {
        let room = N - self.len;
        let mut take = s.len().min(room);
        while !s.is_char_boundary(take) {
            take -= 1;
        }
        self.buf[self.len..self.len + take].copy_from_slice(&s.as_bytes()[..take]);
        self.len += take;
        if take < s.len() {
            self.truncated = true;
        }
        Ok(())
    }
}

/// Splits `text` into lines of at most `cols` characters: at line breaks,
/// else at the last space that fits, else in the middle of a word.
pub fn wrap(text: &str, cols: usize) -> impl Iterator<Item = &str> {
    let cols = cols.max(1);
    text.split('\n').flat_map(move |mut line| {
        core::iter::from_fn(move || {
            if line.is_empty() {
                return None;
            }
            let end = line.char_indices().nth(cols).map_or(line.len(), |(i, _)| i);
            if end == line.len() {
                let out = line;
                line = "";
                return Some(out);
            }
            let cut = if line[end..].starts_with(' ') {
                end
            } else {
                line[..end].rfind(' ').filter(|&i| i > 0).unwrap_or(end)
            };
            let out = &line[..cut];
            line = line[cut..].strip_prefix(' ').unwrap_or(&line[cut..]);
            Some(out)
        })
    })
}

/// Characters per line of the small font across the screen.
pub const COLUMNS: usize = (WIDTH as usize - 8) / 6;

/// The title of [`draw_screen`] when a board cannot start.
pub const CANNOT_START: &str = "cannot start";
/// Why a board cannot start when the model embedded in its flash fails its
/// checks (a damaged or half-written flash): shown under [`CANNOT_START`].
pub const MODEL_INVALID: &str = "embedded model is invalid: flash the firmware again";
/// Why the Pico cannot start when its 12 MHz crystal oscillator does not start (or a PLL
/// it drives does not lock): without it the board keeps no time. Shown under [`CANNOT_START`],
/// on the ring oscillator's clock.
pub const NO_CLOCK: &str =
    "the clocks did not start (the 12 MHz crystal or a PLL): the board needs them";

/// The banner over the empty canvas after a board restarted itself from a panic
/// (an error in the firmware): its message went to the log.
pub const PANIC_RESTARTED: &str =
    "restarted after an error in the firmware: its message is in the log";

/// Written by a board's panic handler where a reset keeps it (the Pico's watchdog
/// scratch register 5, the F429's backup register 0), read and cleared at the
/// next start: that start shows [`PANIC_RESTARTED`].
pub const PANIC_MARK: u32 = 0x7061_6e63;

/// The banner over the empty canvas after the watchdog restarted the board.
pub const WATCHDOG_RESTARTED: &str =
    "restarted by the watchdog: the previous run stopped responding";

/// The banner over the drawing when a board could not save a correction to
/// flash: it answers with it until it is switched off.
pub const NOT_SAVED: &str = "saving to flash failed: this is learned until the power goes off";

/// The F429's banner while a device holds its touch bus's clock line low: the
/// board tries again every second, and the touch comes back once it is freed.
pub const TOUCH_SCL_HELD_LOW: &str = "touch I2C bus stuck: SCL held low - retrying";

/// The banner over the drawing when the ink buffer is full (its points, its
/// strokes or its ink, [`INK_LENGTH`](crate::ui::INK_LENGTH)): what is drawn
/// after it is not recorded.
pub const INK_FULL: &str = "the drawing is full: press Clear to draw again";

/// The banner over the empty canvas when a board forgot what it learned but
/// could not erase it from flash.
pub const NOT_ERASED: &str = "erasing the flash failed: the next start may bring it back";

/// The banner over the empty canvas when what a board learned is damaged in flash (a save cut
/// short by the power, worn flash) and no good save is left: it answers as shipped.
pub const LEARNED_DAMAGED: &str = "what it learned is damaged in flash: it answers as shipped";

/// The banner over the empty canvas when one of the two saves of what a board learned is
/// damaged in flash and the other one is restored.
pub const SAVE_DAMAGED: &str = "a save of what it learned is damaged: the other one is restored";

/// The banner a board shows over the empty canvas at start-up when what it learned is damaged
/// in flash (`damaged`: what [`Store::damaged`](crate::store::Store::damaged) says), if
/// nothing more urgent takes the banner (a restart by the watchdog, a board revision that may
/// turn the ink upside down). `restored`: the corrections put back from flash (0: none). The
/// damaged save stays in flash until a correction's save takes its slot (or Forget erases
/// both: [`App::set_damaged_save`](crate::app::App::set_damaged_save) offers it), so each
/// start until then says so again.
pub fn damaged_learning(damaged: bool, restored: u32) -> Option<&'static str> {
    match (damaged, restored) {
        (false, _) => None,
        (true, 0) => Some(LEARNED_DAMAGED),
        (true, _) => Some(SAVE_DAMAGED),
    }
}

/// Paints the whole screen: `title` in bold, then `message` wrapped to the
/// screen width (lines that do not fit are dropped).
pub fn draw_screen<D>(title: &str, message: &str, target: &mut D) -> Result<(), D::Error>
where
    D: DrawTarget<Color = Rgb565>,
{
    target.clear(ui::BACKGROUND)?;
    Text::with_baseline(
        title,
        Point::new(4, 6),
        MonoTextStyle::new(&FONT_8X13_BOLD, ui::ERROR),
        Baseline::Top,
    )
    .draw(target)?;
    let style = MonoTextStyle::new(&FONT_6X10, ui::TEXT);
    let mut y = 26;
    for line in wrap(message, COLUMNS) {
        if y + 10 > HEIGHT as i32 {
            break;
        }
        Text::with_baseline(line, Point::new(4, y), style, Baseline::Top).draw(target)?;
        y += 11;
    }
    Ok(())
}

/// The banner's place: the top of the drawing area, two lines of small text.
pub const BANNER: Rectangle =
    Rectangle::new(DRAW_AREA.top_left, Size::new(DRAW_AREA.size.width, 26));

/// Characters per line of a banner.
pub const BANNER_COLUMNS: usize = (BANNER.size.width as usize - 6) / 6;

/// Paints a banner with `message` (at most two lines) over the top of the
/// drawing area. It stays until that area is repainted (e.g. by a full redraw).
pub fn draw_banner<D>(message: &str, target: &mut D) -> Result<(), D::Error>
where
    D: DrawTarget<Color = Rgb565>,
{
    BANNER
        .into_styled(
            PrimitiveStyleBuilder::new()
                .fill_color(ui::BACKGROUND)
                .stroke_color(ui::ERROR)
                .stroke_width(1)
                .build(),
        )
        .draw(target)?;
    let style = MonoTextStyle::new(&FONT_6X10, ui::ERROR);
    let cols = BANNER_COLUMNS;
    for (i, line) in wrap(message, cols).take(2).enumerate() {
        let at = BANNER.top_left + Point::new(3, 3 + 11 * i as i32);
        Text::with_baseline(line, at, style, Baseline::Top).draw(target)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::framebuffer::Framebuffer;
    use core::fmt::Write;
    use std::boxed::Box;
    use std::vec::Vec;

    #[test]
    fn text_buffer_keeps_what_fits_at_a_char_boundary() {
        let mut b = TextBuf::<8>::new();
        write!(b, "ab{}", 12).unwrap();
        assert_eq!((b.as_str(), b.is_truncated()), ("ab12", false));
        write!(b, "ü€xyz").unwrap(); // 2 + 3 bytes fit, 'x' does not
        assert_eq!((b.as_str(), b.is_truncated()), ("ab12ü", true));
        let mut b = TextBuf::<4>::new();
        write!(b, "abc€").unwrap();
        assert_eq!(b.as_str(), "abc");
    }

    #[test]
    fn wrap_breaks_at_newlines_spaces_and_long_words() {
        let lines: Vec<&str> =
            wrap("panicked at src/main.rs:10:5:\nindex out of bounds", 12).collect();
        assert_eq!(
            lines,
            [
                "panicked at",
                "src/main.rs:",
                "10:5:",
                "index out of",
                "bounds"
            ]
        );
        let lines: Vec<&str> = wrap("abcdefghij", 4).collect();
        assert_eq!(lines, ["abcd", "efgh", "ij"]);
        assert_eq!(wrap("", 4).count(), 0);
        let lines: Vec<&str> = wrap("äöü äöü", 3).collect();
        assert_eq!(lines, ["äöü", "äöü"]);
    }

    fn differs_from_background(fb: &Framebuffer, area: Rectangle) -> usize {
        area.points()
            .filter(|p| fb.pixel(p.x, p.y) != Some(ui::BACKGROUND))
            .count()
    }

    #[test]
    fn screen_shows_title_and_wrapped_message() {
        let mut fb = Box::new(Framebuffer::new());
        let long = "x".repeat(5000);
        draw_screen("PANIC", &long, &mut *fb).unwrap();
        // the title and every text row down to the bottom are painted, nothing overflows
        assert!(
            differs_from_background(&fb, Rectangle::new(Point::new(0, 0), Size::new(240, 20))) > 50
        );
        assert!(
            differs_from_background(&fb, Rectangle::new(Point::new(0, 300), Size::new(240, 20)))
                > 50
        );
        let mut fb2 = Box::new(Framebuffer::new());
        draw_screen("PANIC", "", &mut *fb2).unwrap();
        assert_eq!(
            differs_from_background(&fb2, Rectangle::new(Point::new(0, 24), Size::new(240, 296))),
            0
        );
    }

    #[test]
    fn every_banner_message_fits_its_two_lines() {
        for message in [
            PANIC_RESTARTED,
            WATCHDOG_RESTARTED,
            TOUCH_SCL_HELD_LOW,
            NOT_SAVED,
            NOT_ERASED,
            INK_FULL,
            LEARNED_DAMAGED,
            SAVE_DAMAGED,
        ] {
            assert!(
                wrap(message, BANNER_COLUMNS).count() <= 2,
                "{message:?} needs more than two lines of {BANNER_COLUMNS}"
            );
        }
        // the check can fail: a message one line longer does not fit
        let longer = std::format!("{NOT_SAVED} {NOT_SAVED}");
        assert!(wrap(&longer, BANNER_COLUMNS).count() > 2);
    }

    #[test]
    fn damaged_learning_says_whether_the_other_save_is_back() {
        assert_eq!(damaged_learning(false, 0), None);
        assert_eq!(damaged_learning(false, 3), None);
        assert_eq!(damaged_learning(true, 0), Some(LEARNED_DAMAGED));
        assert_eq!(damaged_learning(true, 2), Some(SAVE_DAMAGED));
    }

    #[test]
    fn banner_stays_in_its_rectangle() {
        let mut fb = Box::new(Framebuffer::new());
        fb.clear(ui::BACKGROUND).unwrap();
        draw_banner(&"touch controller not answering ".repeat(5), &mut *fb).unwrap();
        let inside = differs_from_background(&fb, BANNER);
        let all = differs_from_background(&fb, Rectangle::new(Point::zero(), Size::new(240, 320)));
        assert!(inside > 100);
        assert_eq!(all, inside, "nothing drawn outside the banner");
    }
}
