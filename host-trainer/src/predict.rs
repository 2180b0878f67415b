//! `predict`: one PNG (raster path) or an ink JSON Lines file (stroke path)
//! through `nnet-core`'s preprocessing and network.
use std::path::Path;

use nnet_core::{Image, Prediction};

use crate::{eval, Error, Result};

/// The largest width or height of an image `predict` reads: a 16-megapixel
/// image takes about 250 MB on the way to 28x28.
pub const MAX_PNG_SIDE: u32 = 4096;

/// Reads a PNG as ink intensities (0.0 background .. 1.0 ink), row-major,
/// with its width and height.
///
/// * Transparent paper (most of the image's border is transparent): the ink
///   is the alpha channel weighted by how far each pixel's colour is from the
///   paper, taken as the contrary of the opaque pixels' colour (so
///   black-on-transparent and white-on-transparent drawings both work).
/// * Otherwise the paper is the median grey of the border's opaque pixels,
///   every pixel is seen over it (a transparent corner is paper), and the
///   ink is each pixel's distance from it, towards black (a scan) or towards
///   white (MNIST), whichever the image departs more in, as a share of the way
///   from the paper to black or white. A uniform image is blank whatever its
///   grey.
///
/// Images wider or taller than [`MAX_PNG_SIDE`] are refused before they are
/// decoded (a small file can declare a huge image).
pub fn load_png_ink(path: &Path) -> Result<(Vec<f32>, usize, usize)> {
    let bad = |msg: String| Error::Image {
        path: path.to_path_buf(),
        msg,
    };
    let image_error = |e: image::ImageError| bad(e.to_string());
    let decoder = image::ImageReader::open(path)
        .and_then(|r| r.with_guessed_format())
        .map_err(|e| bad(e.to_string()))?
        .into_decoder()
        .map_err(image_error)?;
    // the header is read: the size is known before any pixel is
    let (w, h) = image::ImageDecoder::dimensions(&decoder);
    if w > MAX_PNG_SIDE || h > MAX_PNG_SIDE {
        return Err(bad(format!(
            "{w}x{h} pixels; predict reads images of at most {MAX_PNG_SIDE}x{MAX_PNG_SIDE} \
             (the network sees 28x28): scale it down first"
        )));
    }
    let img = image::DynamicImage::from_decoder(decoder).map_err(image_error)?;
    let la = img.to_luma_alpha8();
    let (w, h) = (la.width() as usize, la.height() as usize);
    if w == 0 || h == 0 {
        return Err(Error::Image {
            path: path.to_path_buf(),
            msg: "empty image".into(),
        });
    }
    let px: Vec<(f32, f32)> = la
        .pixels()
        .map(|p| (f32::from(p.0[0]) / 255.0, f32::from(p.0[1]) / 255.0))
        .collect();
    // the border's pixels: the paper, on any image with a margin
    let mut border = Vec::with_capacity(2 * (w + h));
    for x in 0..w {
        border.push(px[x]);
        border.push(px[(h - 1) * w + x]);
    }
    for y in 0..h {
        border.push(px[y * w]);
        border.push(px[y * w + w - 1]);
    }
    let median = |mut v: Vec<f32>| {
        v.sort_by(f32::total_cmp);
        v[v.len() / 2]
    };
    let ink = if median(border.iter().map(|p| p.1).collect()) < 0.5 {
        // transparent paper: the ink colour is the mean grey of the most opaque pixels, the
        // paper whatever contrasts with it
        let opaque: Vec<f32> = px.iter().filter(|p| p.1 > 0.5).map(|p| p.0).collect();
        let ink_grey = if opaque.is_empty() {
            0.0
        } else {
            opaque.iter().sum::<f32>() / opaque.len() as f32
        };
        let paper = if ink_grey < 0.5 { 1.0 } else { 0.0 };
        px.iter()
            .map(|&(g, a)| (a * (g - paper).abs()).clamp(0.0, 1.0))
            .collect()
    } else {
        // opaque paper: its grey is the median of the border's opaque pixels, and a pixel that
        // is not opaque (rounded corners, a transparent margin) is seen over it. The ink is
        // what departs from the paper, towards black or towards white, whichever departs more
        // in all, as a share of the way from the paper to black or white (black on white and
        // white on black are the plain grey levels; a uniform image, whatever its grey, has
        // no ink)
        let paper = median(border.iter().filter(|p| p.1 >= 0.5).map(|p| p.0).collect());
        let grey: Vec<f32> = px.iter().map(|&(g, a)| paper + a * (g - paper)).collect();
        let darker: f32 = grey.iter().map(|&g| (paper - g).max(0.0)).sum();
        let lighter: f32 = grey.iter().map(|&g| (g - paper).max(0.0)).sum();
        if darker > lighter {
            // paper > 0 here: some pixel is darker than it
            grey.iter()
                .map(|&g| ((paper - g) / paper).clamp(0.0, 1.0))
                .collect()
        } else if lighter > 0.0 {
            grey.iter()
                .map(|&g| ((g - paper) / (1.0 - paper)).clamp(0.0, 1.0))
                .collect()
        } else {
            vec![0.0; px.len()]
        }
    };
    Ok((ink, w, h))
}

/// Preprocesses a PNG through `nnet_core::preprocess::from_raster`;
/// `Ok(None)` is "no digit".
pub fn png_to_image(path: &Path) -> Result<Option<Image>> {
    let (ink, w, h) = load_png_ink(path)?;
    nnet_core::preprocess::from_raster(&ink, w, h)
        .map_err(|e| Error::core(format!("{}: preprocessing", path.display()), e))
}

/// One classified input.
#[derive(Debug, Clone)]
pub struct Answer {
    /// What was classified: the file name, or `FILE drawing N` for the N-th drawing
    /// of an ink file (blank lines are not drawings, so N can be less than the line).
    pub what: String,
    /// The label stored with an ink record, if any.
    pub label: Option<u8>,
    /// The network's answer, `None` for "no digit" (or a rejected drawing).
    pub prediction: Option<Prediction>,
    /// Why the core rejected the input (ink records only), if it did.
    pub rejected: Option<String>,
    /// The 28x28 image the network saw (after the core's preprocessing).
    pub image: Option<Image>,
}

impl Answer {
    /// `what: 7 (98.1%)  p = [0.000 ...]` or `what: no digit`.
    pub fn render(&self) -> String {
        let label = self
            .label
            .map_or(String::new(), |l| format!(" (label {l})"));
        if let Some(why) = &self.rejected {
            return format!("{}{label}: rejected by the core: {why}", self.what);
        }
        match &self.prediction {
            Some(p) => {
                let probs: Vec<String> =
                    p.probabilities.iter().map(|v| format!("{v:.4}")).collect();
                format!(
                    "{}{label}: digit {} ({}.{}%)\n  probabilities 0-9: {}",
                    self.what,
                    p.digit,
                    p.confidence_tenths() / 10,
                    p.confidence_tenths() % 10,
                    probs.join(" ")
                )
            }
            None => format!("{}{label}: no digit", self.what),
        }
    }
}

/// Classifies a PNG file, or every record of a `.jsonl` ink file.
pub fn predict_file<'a>(model: impl Into<eval::ModelRef<'a>>, path: &Path) -> Result<Vec<Answer>> {
    let model = model.into();
    let is_ink = path
        .extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| e.eq_ignore_ascii_case("jsonl") || e.eq_ignore_ascii_case("json"));
    let is_png = path
        .extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| e.eq_ignore_ascii_case("png"));
    if !is_ink && !is_png {
        return Err(Error::Usage(format!(
            "{}: expected a .png image or a .jsonl (or .json) ink file",
            path.display()
        )));
    }
    if is_ink {
        let recs = eval::read_ink(path)?;
        if recs.is_empty() {
            return Err(Error::Dataset(format!("{}: no drawings", path.display())));
        }
        let mut out = Vec::with_capacity(recs.len());
        for (i, r) in recs.iter().enumerate() {
            let what = format!("{} drawing {}", path.display(), i + 1);
            match eval::ink_to_image(r) {
                Ok(img) => out.push((what, r.label, img, None)),
                Err(e) => out.push((what, r.label, None, Some(eval::ink_error(&e)))),
            }
        }
        let present: Vec<Image> = out.iter().filter_map(|o| o.2).collect();
        let mut preds = eval::predict(model, &present)?.into_iter();
        Ok(out
            .into_iter()
            .map(|(what, label, img, rejected)| Answer {
                what,
                label,
                prediction: img.and_then(|_| preds.next()),
                rejected,
                image: img,
            })
            .collect())
    } else {
        let img = png_to_image(path)?;
        let prediction = match img {
            Some(i) => eval::predict(model, &[i])?.into_iter().next(),
            None => None,
        };
        Ok(vec![Answer {
            what: path.display().to_string(),
            label: None,
            prediction,
            rejected: None,
            image: img,
        }])
    }
}

/// Most tiles [`write_sheet`] draws.
pub const MAX_SHEET: usize = 500;

/// Caption of one tile: `label->digit NN%` (or `digit NN%` without a label),
/// `no digit`, or `rejected`.
pub fn caption(a: &Answer) -> String {
    let label = a.label.map_or(String::new(), |l| format!("{l}->"));
    match (&a.rejected, &a.prediction) {
        (Some(_), _) => format!("{label}rejected"),
        // whole percent, rounded down from the screens' tenths: never "100%"
        (None, Some(p)) => format!("{label}{} {}%", p.digit, p.confidence_tenths() / 10),
        (None, None) => format!("{label}no digit"),
    }
}

/// Whether a labelled answer is wrong ("no digit" and rejected count as
/// wrong); unlabelled answers are never mistakes.
pub fn is_mistake(a: &Answer) -> bool {
    a.label
        .is_some_and(|l| a.prediction.as_ref().map(|p| p.digit) != Some(l))
}

/// Most wrong drawings [`summary`] names.
pub const MAX_NAMED_MISTAKES: usize = 10;

/// The count of labelled answers read right, and which are wrong
/// (`drawing N`, counted from 1 as [`Answer::render`] does; at most
/// [`MAX_NAMED_MISTAKES`]), or `None` when no answer has a label.
pub fn summary(answers: &[Answer]) -> Option<String> {
    let labelled = answers.iter().filter(|a| a.label.is_some()).count();
    if labelled == 0 {
        return None;
    }
    let wrong: Vec<usize> = (0..answers.len())
        .filter(|&i| is_mistake(&answers[i]))
        .map(|i| i + 1)
        .collect();
    let mut out = format!(
        "labelled drawings: {} of {labelled} answered right",
        labelled - wrong.len()
    );
    if !wrong.is_empty() {
        let named: Vec<String> = wrong
            .iter()
            .take(MAX_NAMED_MISTAKES)
            .map(usize::to_string)
            .collect();
        let more = wrong.len().saturating_sub(MAX_NAMED_MISTAKES);
        out += &format!(
            "; wrong: drawing {}{}",
            named.join(", "),
            if more > 0 {
                format!(" and {more} more")
            } else {
                String::new()
            }
        );
    }
    Some(out)
}

/// Writes a PNG grid of what the network saw for the first [`MAX_SHEET`]
/// answers, in order, each captioned by [`caption`] (a blank tile where
/// there was no digit), mistakes ([`is_mistake`]) in red.
pub fn write_sheet(answers: &[Answer], source: &Path, out: &Path) -> Result<()> {
    let shown = answers.len().min(MAX_SHEET);
    let tiles: Vec<(Image, String, bool)> = answers[..shown]
        .iter()
        .map(|a| {
            let image = a.image.unwrap_or([0.0; nnet_core::INPUT]);
            (image, caption(a), is_mistake(a))
        })
        .collect();
    let more = if shown < answers.len() {
        format!(" (first {shown} of {})", answers.len())
    } else {
        String::new()
    };
    let title = format!("{}{more}: label->answer", source.display());
    crate::plot::image_grid_marked(&tiles, &title, "no inputs", out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn answer(label: Option<u8>, digit: Option<u8>, rejected: bool) -> Answer {
        let prediction = digit.map(|d| {
            let mut logits = [0.0f32; nnet_core::OUTPUT];
            logits[usize::from(d)] = 10.0;
            nnet_core::model::prediction_from_logits(&logits)
        });
        Answer {
            what: "x".into(),
            label,
            prediction,
            rejected: rejected.then(|| "too many strokes".into()),
            image: None,
        }
    }

    #[test]
    fn captions_say_label_answer_and_confidence() {
        // a 99.96% answer: the caption does not round it up to certainty
        assert_eq!(caption(&answer(Some(4), Some(9), false)), "4->9 99%");
        assert_eq!(caption(&answer(None, Some(3), false)), "3 99%");
        assert_eq!(caption(&answer(Some(7), None, false)), "7->no digit");
        assert_eq!(caption(&answer(Some(1), None, true)), "1->rejected");
    }

    #[test]
    fn mistakes_are_wrong_labelled_answers() {
        assert!(is_mistake(&answer(Some(4), Some(9), false)));
        assert!(!is_mistake(&answer(Some(4), Some(4), false)));
        assert!(is_mistake(&answer(Some(7), None, false)));
        assert!(is_mistake(&answer(Some(1), None, true)));
        assert!(!is_mistake(&answer(None, Some(3), false)));
        assert!(!is_mistake(&answer(None, None, false)));
    }

    #[test]
    fn the_summary_counts_labelled_answers_and_names_the_wrong_ones() {
        assert_eq!(summary(&[answer(None, Some(3), false)]), None);
        let answers = [
            answer(Some(4), Some(4), false),
            answer(None, Some(3), false),
            answer(Some(4), Some(9), false),
            answer(Some(7), None, false),
        ];
        assert_eq!(
            summary(&answers).unwrap(),
            "labelled drawings: 1 of 3 answered right; wrong: drawing 3, 4"
        );
        let many: Vec<Answer> = (0..MAX_NAMED_MISTAKES + 2)
            .map(|_| answer(Some(1), Some(2), false))
            .collect();
        assert!(summary(&many).unwrap().ends_with("9, 10 and 2 more"));
        let right = [answer(Some(5), Some(5), false)];
        assert_eq!(
            summary(&right).unwrap(),
            "labelled drawings: 1 of 1 answered right"
        );
    }

    #[test]
    fn sheets_show_at_most_max_sheet_tiles() {
        let dir = crate::tmpdir::tmpdir("sheet");
        let out = dir.join("s.png");
        let many: Vec<Answer> = (0..MAX_SHEET + 7)
            .map(|i| answer(Some((i % 10) as u8), Some(1), false))
            .collect();
        write_sheet(&many, Path::new("many.jsonl"), &out).unwrap();
        let png = image::open(&out).unwrap();
        // 10 tiles per row, 110 px per row, 40 px of title and margin
        assert_eq!(png.height(), (MAX_SHEET as u32 / 10) * 110 + 40);
    }
}
