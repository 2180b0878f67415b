//! PNG pictures of training and evaluation: training curves, confusion
//! heatmap, and a grid of misclassified images. Drawn with
//! `embedded-graphics` (lines, rectangles, a 6x10 bitmap font) onto an
//! `image` RGB buffer, which keeps the dependency tree small.
use std::convert::Infallible;
use std::path::{Path, PathBuf};

use embedded_graphics::mono_font::ascii::FONT_6X10;
use embedded_graphics::mono_font::MonoTextStyle;
use embedded_graphics::pixelcolor::Rgb888;
use embedded_graphics::prelude::*;
use embedded_graphics::primitives::{Line, PrimitiveStyle, Rectangle};
use embedded_graphics::text::{Alignment, Text};
use image::{Rgb, RgbImage};
use nnet_core::{Image, OUTPUT, SIDE};

use crate::eval::Report;
use crate::train::EpochLog;
use crate::{Error, Result};

/// An RGB image that `embedded-graphics` can draw on.
pub struct Canvas(pub RgbImage);

/// The image format `path`'s extension names; `option` says where the path
/// came from in the message when it names none.
fn image_format(path: &Path, option: &str) -> Result<image::ImageFormat> {
    match image::ImageFormat::from_path(path) {
        // the one format this build writes (the image crate's `png` feature alone)
        Ok(image::ImageFormat::Png) => Ok(image::ImageFormat::Png),
        _ => Err(Error::Usage(format!(
            "{}: {option} names a PNG file to write: give it a .png name",
            path.display()
        ))),
    }
}

impl Canvas {
    /// A `w x h` canvas filled with white.
    pub fn new(w: u32, h: u32) -> Canvas {
        Canvas(RgbImage::from_pixel(w, h, Rgb([255, 255, 255])))
    }

    /// Checks, before any work, that `path` can name a picture to write:
    /// not a directory, an image file name (`.png`), and a file that can be
    /// written there ([`crate::train::check_output`]). `option` is the
    /// command-line flag that gave it.
    pub fn check_path(path: &Path, option: &str) -> Result<()> {
        if path.is_dir() {
            return Err(Error::Image {
                path: path.to_path_buf(),
                msg: format!("is a directory; {option} names the PNG file to write"),
            });
        }
        image_format(path, option)?;
        crate::train::check_output(path, option, "PNG file")
    }

    /// Writes the canvas as PNG (the path must end in `.png`), whole or not at
    /// all ([`crate::write_file`]).
    pub fn save(&self, path: &Path) -> Result<()> {
        let format = image_format(path, "the path")?;
        let mut bytes = std::io::Cursor::new(Vec::new());
        self.0
            .write_to(&mut bytes, format)
            .map_err(|e| Error::Image {
                path: path.to_path_buf(),
                msg: e.to_string(),
            })?;
        crate::write_file(path, bytes.get_ref())
    }

    fn text(&mut self, s: &str, x: i32, y: i32, color: Rgb888, align: Alignment) {
        let style = MonoTextStyle::new(&FONT_6X10, color);
        let _ = Text::with_alignment(s, Point::new(x, y), style, align).draw(self);
    }

    /// A title centred across the picture at height `y`; one wider than the picture loses
    /// its start to "..." (a path's end says more than its start).
    fn title(&mut self, s: &str, y: i32) {
        let width = self.0.width() as i32;
        let room = usize::try_from((width - 8) / 6).unwrap_or(0).max(4);
        self.text(&fit(s, room), width / 2, y, AXIS, Alignment::Center);
    }

    fn line(&mut self, a: (i32, i32), b: (i32, i32), color: Rgb888, width: u32) {
        let _ = Line::new(Point::new(a.0, a.1), Point::new(b.0, b.1))
            .into_styled(PrimitiveStyle::with_stroke(color, width))
            .draw(self);
    }

    fn rect(&mut self, x: i32, y: i32, w: u32, h: u32, fill: Rgb888) {
        let _ = Rectangle::new(Point::new(x, y), Size::new(w, h))
            .into_styled(PrimitiveStyle::with_fill(fill))
            .draw(self);
    }
}

impl OriginDimensions for Canvas {
    fn size(&self) -> Size {
        Size::new(self.0.width(), self.0.height())
    }
}

impl DrawTarget for Canvas {
    type Color = Rgb888;
    type Error = Infallible;

    fn draw_iter<I>(&mut self, pixels: I) -> Result<(), Infallible>
    where
        I: IntoIterator<Item = Pixel<Rgb888>>,
    {
        let (w, h) = (self.0.width() as i32, self.0.height() as i32);
        for Pixel(p, c) in pixels {
            if p.x >= 0 && p.y >= 0 && p.x < w && p.y < h {
                self.0
                    .put_pixel(p.x as u32, p.y as u32, Rgb([c.r(), c.g(), c.b()]));
            }
        }
        Ok(())
    }
}

const GRID: Rgb888 = Rgb888::new(220, 220, 220);
const AXIS: Rgb888 = Rgb888::new(60, 60, 60);
const BLUE: Rgb888 = Rgb888::new(31, 119, 180);
const ORANGE: Rgb888 = Rgb888::new(255, 127, 14);

/// One line chart panel in `(x0, y0, w, h)`: `series` as (label, values; a series
/// without values has no legend either), y range `[lo, hi]`, x = 1..=`epochs`.
#[allow(clippy::too_many_arguments)]
fn panel(
    c: &mut Canvas,
    rect: (i32, i32, i32, i32),
    title: &str,
    series: &[(&str, Vec<f64>, Rgb888)],
    epochs: usize,
    lo: f64,
    hi: f64,
    fmt: &dyn Fn(f64) -> String,
) {
    let (x0, y0, w, h) = rect;
    let n = epochs.max(1);
    let span = if hi > lo { hi - lo } else { 1.0 };
    let px = |i: usize| {
        x0 + if n <= 1 {
            w / 2
        } else {
            (i as i32 * w) / (n as i32 - 1)
        }
    };
    let py = |v: f64| y0 + h - (((v - lo) / span).clamp(0.0, 1.0) * f64::from(h)).round() as i32;
    for k in 0..=4 {
        let v = lo + span * f64::from(k) / 4.0;
        let y = py(v);
        c.line((x0, y), (x0 + w, y), GRID, 1);
        c.text(&fmt(v), x0 - 4, y + 3, AXIS, Alignment::Right);
    }
    let step = n.div_ceil(10).max(1);
    for i in (0..n).step_by(step) {
        c.text(
            &format!("{}", i + 1),
            px(i),
            y0 + h + 14,
            AXIS,
            Alignment::Center,
        );
    }
    c.text("epoch", x0 + w / 2, y0 + h + 28, AXIS, Alignment::Center);
    c.line((x0, y0), (x0, y0 + h), AXIS, 1);
    c.line((x0, y0 + h), (x0 + w, y0 + h), AXIS, 1);
    c.text(title, x0 + w / 2, y0 - 10, AXIS, Alignment::Center);
    for (si, (label, vals, color)) in series.iter().filter(|s| !s.1.is_empty()).enumerate() {
        for (i, pair) in vals.windows(2).enumerate() {
            c.line((px(i), py(pair[0])), (px(i + 1), py(pair[1])), *color, 2);
        }
        for (i, v) in vals.iter().enumerate() {
            c.rect(px(i) - 2, py(*v) - 2, 5, 5, *color);
        }
        let ly = y0 + 8 + 14 * si as i32;
        c.rect(x0 + w - 110, ly - 6, 10, 6, *color);
        c.text(label, x0 + w - 96, ly, AXIS, Alignment::Left);
    }
}

/// The PNG with the training curves that belongs to a model file:
/// `models/x.nnet` → `models/x.training.png`.
pub fn curve_path(model: &Path) -> PathBuf {
    model.with_extension("training.png")
}

/// The training curves: loss per epoch (left) and validation accuracy per
/// epoch (right; the final test accuracy from `nnet-core` in the title).
pub fn training_curves(
    history: &[EpochLog],
    test_accuracy: Option<f32>,
    path: &Path,
) -> Result<()> {
    let mut c = Canvas::new(960, 420);
    let loss: Vec<f64> = history.iter().map(|e| e.train_loss).collect();
    let lmax = loss.iter().copied().fold(0.0f64, f64::max).max(1e-3);
    panel(
        &mut c,
        (70, 50, 360, 300),
        "training loss (cross-entropy)",
        &[("train loss", loss, BLUE)],
        history.len(),
        0.0,
        lmax * 1.05,
        &|v| format!("{v:.3}"),
    );
    let acc: Vec<f64> = history
        .iter()
        .filter_map(|e| e.val_accuracy.map(|a| 100.0 * f64::from(a)))
        .collect();
    let what = if acc.is_empty() {
        "no validation split (--val-split 0)"
    } else {
        "validation accuracy %"
    };
    let title = match test_accuracy {
        Some(t) => format!("{what} (final test: {})", crate::percent(f64::from(t))),
        None => what.to_string(),
    };
    let (lo, hi) = if acc.is_empty() {
        (90.0, 100.0)
    } else {
        let lo = acc.iter().copied().fold(100.0f64, f64::min);
        ((lo - 0.5).floor().max(0.0), 100.0)
    };
    panel(
        &mut c,
        (560, 50, 360, 300),
        &title,
        &[("val accuracy", acc, ORANGE)],
        history.len(),
        lo,
        hi,
        &|v| format!("{v:.1}"),
    );
    c.save(path)
}

/// The confusion matrix as a heatmap: cell colour is the row-normalised
/// fraction (log scale, so single errors show), the count is printed in it.
pub fn confusion_heatmap(r: &Report, title: &str, path: &Path) -> Result<()> {
    let cell = 44i32;
    let (x0, y0) = (70, 60);
    let mut c = Canvas::new((x0 + cell * 11 + 30) as u32, (y0 + cell * 10 + 50) as u32);
    c.title(title, 20);
    c.text(
        &format!(
            "accuracy {}  (rows: true, columns: predicted)",
            crate::percent(r.accuracy())
        ),
        x0 + cell * 5,
        38,
        AXIS,
        Alignment::Center,
    );
    for t in 0..OUTPUT {
        let row_total: u32 = r.confusion[t].iter().sum::<u32>() + r.no_digit[t];
        for p in 0..=OUTPUT {
            let v = if p < OUTPUT {
                r.confusion[t][p]
            } else {
                r.no_digit[t]
            };
            let f = if row_total == 0 {
                0.0
            } else {
                f64::from(v) / f64::from(row_total)
            };
            // log scale: 0.1% .. 100%
            let s = if v == 0 {
                0.0
            } else {
                ((f.log10() + 3.0) / 3.0).clamp(0.08, 1.0)
            };
            let (rr, gg, bb) = if t == p {
                (255.0 - 200.0 * s, 255.0 - 90.0 * s, 255.0 - 200.0 * s)
            } else {
                (255.0 - 30.0 * s, 255.0 - 200.0 * s, 255.0 - 200.0 * s)
            };
            let (x, y) = (x0 + cell * p as i32, y0 + cell * t as i32);
            c.rect(
                x,
                y,
                cell as u32 - 1,
                cell as u32 - 1,
                Rgb888::new(rr as u8, gg as u8, bb as u8),
            );
            if v > 0 {
                let color = if s > 0.6 {
                    Rgb888::WHITE
                } else {
                    Rgb888::BLACK
                };
                c.text(
                    &v.to_string(),
                    x + cell / 2,
                    y + cell / 2 + 3,
                    color,
                    Alignment::Center,
                );
            }
        }
        c.text(
            &t.to_string(),
            x0 - 10,
            y0 + cell * t as i32 + cell / 2 + 3,
            AXIS,
            Alignment::Right,
        );
    }
    for p in 0..=OUTPUT {
        let label = if p < OUTPUT {
            p.to_string()
        } else {
            "none".to_string()
        };
        c.text(
            &label,
            x0 + cell * p as i32 + cell / 2,
            y0 + cell * 10 + 14,
            AXIS,
            Alignment::Center,
        );
    }
    c.text("true", 20, y0 - 8, AXIS, Alignment::Center);
    c.save(path)
}

/// `s` in at most `chars` characters: its end, after "...", when it is longer.
fn fit(s: &str, chars: usize) -> String {
    let n = s.chars().count();
    if n <= chars {
        return s.to_string();
    }
    let end: String = s.chars().skip(n + 3 - chars).collect();
    format!("...{end}")
}

/// `4->9 97%`: the label, the answer and its confidence in whole percent, rounded
/// down from the screens' tenths (never "100%"), or `4->none`.
fn mistake_caption(m: &crate::eval::Mistake) -> String {
    match m.predicted {
        Some(p) => format!(
            "{}->{} {}%",
            m.truth,
            p,
            nnet_core::model::percent_tenths(m.confidence) / 10
        ),
        None => format!("{}->none", m.truth),
    }
}

/// A grid of the most confidently wrong images (as the network saw them,
/// white ink on black, enlarged 3x), captioned `4->9 97%` (true -> predicted).
pub fn mistakes_grid(r: &Report, title: &str, path: &Path) -> Result<()> {
    let tiles: Vec<(Image, String)> = r
        .mistakes
        .iter()
        .map(|m| {
            let caption = mistake_caption(m);
            (m.image, caption)
        })
        .collect();
    let empty = if r.correct == r.total {
        "no mistakes".to_string()
    } else {
        format!("{} mistakes, none kept to draw", r.total - r.correct)
    };
    image_grid(&tiles, title, &empty, path)
}

/// A grid of 28x28 images (white ink on black, enlarged 3x) with captions in
/// red, ten per row.
pub fn image_grid(
    tiles: &[(Image, String)],
    title: &str,
    if_empty: &str,
    path: &Path,
) -> Result<()> {
    image_rows(tiles, 10, title, if_empty, path)
}

/// [`image_grid`] with `per_row` images per row (at least 1), so that rows of
/// a fixed shape (an image and its versions) each start a line.
pub fn image_rows(
    tiles: &[(Image, String)],
    per_row: usize,
    title: &str,
    if_empty: &str,
    path: &Path,
) -> Result<()> {
    let marked: Vec<(Image, String, bool)> =
        tiles.iter().map(|(i, c)| (*i, c.clone(), true)).collect();
    grid(&marked, per_row, title, if_empty, path)
}

/// [`image_grid`] whose captions are red where the tile is marked (a
/// mistake) and grey where it is not.
pub fn image_grid_marked(
    tiles: &[(Image, String, bool)],
    title: &str,
    if_empty: &str,
    path: &Path,
) -> Result<()> {
    grid(tiles, 10, title, if_empty, path)
}

/// The grid of [`image_rows`] and [`image_grid_marked`]: 3x tiles, `per_row` to a row.
fn grid(
    tiles: &[(Image, String, bool)],
    per_row: usize,
    title: &str,
    if_empty: &str,
    path: &Path,
) -> Result<()> {
    let cols = per_row.clamp(1, 100) as i32;
    let n = tiles.len() as i32;
    let rows = ((n + cols - 1) / cols).max(1);
    let scale = 3i32;
    let tile = SIDE as i32 * scale;
    let (cw, ch) = (tile + 12, tile + 26);
    let mut c = Canvas::new((cols * cw + 20) as u32, (rows * ch + 40) as u32);
    c.title(title, 18);
    if n == 0 {
        c.text(if_empty, cols * cw / 2 + 10, 34, AXIS, Alignment::Center);
    }
    for (k, (img, caption, marked)) in tiles.iter().enumerate() {
        let (gx, gy) = (10 + (k as i32 % cols) * cw, 30 + (k as i32 / cols) * ch);
        for (i, v) in img.iter().enumerate() {
            let g = (v.clamp(0.0, 1.0) * 255.0).round() as u8;
            let (x, y) = ((i % SIDE) as i32, (i / SIDE) as i32);
            c.rect(
                gx + x * scale,
                gy + y * scale,
                scale as u32,
                scale as u32,
                Rgb888::new(g, g, g),
            );
        }
        let colour = if *marked {
            Rgb888::new(200, 0, 0)
        } else {
            Rgb888::new(110, 110, 110)
        };
        c.text(
            caption,
            gx + tile / 2,
            gy + tile + 12,
            colour,
            Alignment::Center,
        );
    }
    c.save(path)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_titles_keep_their_end() {
        assert_eq!(fit("short", 10), "short");
        assert_eq!(fit("0123456789", 10), "0123456789");
        assert_eq!(fit("/a/long/path/model.nnet", 13), "...model.nnet");
    }

    #[test]
    fn mistake_captions_never_round_up_to_certainty() {
        let m = |predicted, confidence| crate::eval::Mistake {
            index: 0,
            truth: 1,
            predicted,
            confidence,
            image: [0.0; 784],
        };
        assert_eq!(mistake_caption(&m(Some(7), 0.9993)), "1->7 99%");
        assert_eq!(mistake_caption(&m(Some(7), 1.0)), "1->7 99%");
        assert_eq!(mistake_caption(&m(Some(7), 0.971)), "1->7 97%");
        assert_eq!(mistake_caption(&m(None, 0.0)), "1->none");
    }
}
