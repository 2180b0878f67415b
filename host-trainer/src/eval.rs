//! Evaluation through `nnet-core`: every prediction reported here is made by
//! the core on the bytes of the model file (`nnet_core::packed`, which gives
//! the bits of `nnet_core::Mlp::predict` / `QuantMlp::predict`), so accuracy,
//! confusion matrix and error lists describe the code that ships.
use std::io::BufRead;
use std::path::Path;

use nnet_core::format::{ModelView, OwnedMetadata, OwnedModel, OwnedQuantModel, WeightType};
use nnet_core::ink::{InkRecord, MAX_LINE_BYTES};
use nnet_core::packed::{PackedMlp, PackedQuantMlp};
use nnet_core::{Image, Prediction, INPUT, OUTPUT};
use rayon::prelude::*;

use crate::idx::Dataset;
use crate::{Error, Result};

/// Hidden-layer sizes the core's const-generic network can be instantiated
/// with here (`nnet_core::Mlp<H>` needs `H` at compile time).
pub const SUPPORTED_HIDDEN: [usize; 16] = [
    8, 16, 32, 50, 64, 100, 128, 150, 200, 256, 300, 400, 500, 512, 800, 1024,
];

/// Checks that `hidden` is one of [`SUPPORTED_HIDDEN`].
pub fn check_hidden(hidden: usize) -> Result<()> {
    if SUPPORTED_HIDDEN.contains(&hidden) {
        Ok(())
    } else {
        Err(Error::Config(format!(
            "hidden size {hidden} is not supported; choose one of {SUPPORTED_HIDDEN:?}"
        )))
    }
}

/// Reads and validates an f32 model file (the trainer's own output).
pub fn load_model(path: &Path) -> Result<OwnedModel> {
    let bytes = read_model_file(path)?;
    let m = OwnedModel::from_bytes(&bytes).map_err(|e| match e {
        nnet_core::Error::WrongWeightType => Error::Config(format!(
            "{}: an int8 model; this takes an f32 model (such as models/mnist-mlp.nnet)",
            path.display()
        )),
        e => Error::core(format!("{}", path.display()), e),
    })?;
    check_hidden(m.hidden)?;
    Ok(m)
}

/// A model file's bytes; a relative path that is not there gets a hint
/// (the default model paths are relative to the repository's root).
fn read_model_file(path: &Path) -> Result<Vec<u8>> {
    nnet_core::format::read_file(path).map_err(|e| {
        if e.kind() == std::io::ErrorKind::NotFound && path.is_relative() {
            Error::Config(format!(
                "{}: no such model file here (relative to the current directory; run from the \
                 repository's root or give the file's path)",
                path.display()
            ))
        } else {
            Error::io(path, e)
        }
    })
}

/// A model file of either weight type, for evaluation and prediction.
#[derive(Debug, Clone)]
pub enum AnyModel {
    /// 32-bit float weights (`nnet_core::Mlp`).
    F32(OwnedModel),
    /// 8-bit integer weights (`nnet_core::quant::QuantMlp`).
    Int8(OwnedQuantModel),
}

impl AnyModel {
    /// Hidden units.
    pub fn hidden(&self) -> usize {
        match self {
            AnyModel::F32(m) => m.hidden,
            AnyModel::Int8(m) => m.hidden,
        }
    }

    /// Training metadata stored in the file.
    pub fn meta(&self) -> &OwnedMetadata {
        match self {
            AnyModel::F32(m) => &m.meta,
            AnyModel::Int8(m) => &m.meta,
        }
    }

    /// `"f32"` or `"int8"`.
    pub fn weight_type(&self) -> &'static str {
        match self {
            AnyModel::F32(_) => "f32",
            AnyModel::Int8(_) => "int8",
        }
    }
}

/// Reads and validates a model file of either weight type.
pub fn load_any_model(path: &Path) -> Result<AnyModel> {
    any_model_from_bytes(&read_model_file(path)?, path)
}

/// The model a model file's `bytes` hold, as [`load_any_model`] reads it;
/// errors name `path`, where the bytes are from or go to.
pub fn any_model_from_bytes(bytes: &[u8], path: &Path) -> Result<AnyModel> {
    let core = |e| Error::core(format!("{}", path.display()), e);
    let m = match ModelView::parse(bytes).map_err(core)?.header().weight_type {
        WeightType::F32 => AnyModel::F32(OwnedModel::from_bytes(bytes).map_err(core)?),
        WeightType::Int8 => AnyModel::Int8(OwnedQuantModel::from_bytes(bytes).map_err(core)?),
    };
    check_hidden(m.hidden())?;
    Ok(m)
}

/// A model file's network, borrowed, of either weight type: what the
/// functions below classify with. Every `&OwnedModel`, `&OwnedQuantModel` and
/// `&AnyModel` converts into one.
#[derive(Debug, Clone, Copy)]
pub enum ModelRef<'a> {
    /// 32-bit float weights (`nnet_core::Mlp`).
    F32(&'a OwnedModel),
    /// 8-bit integer weights (`nnet_core::QuantMlp`).
    Int8(&'a OwnedQuantModel),
}

impl<'a> From<&'a OwnedModel> for ModelRef<'a> {
    fn from(m: &'a OwnedModel) -> Self {
        ModelRef::F32(m)
    }
}

impl<'a> From<&'a OwnedQuantModel> for ModelRef<'a> {
    fn from(m: &'a OwnedQuantModel) -> Self {
        ModelRef::Int8(m)
    }
}

impl<'a> From<&'a AnyModel> for ModelRef<'a> {
    fn from(m: &'a AnyModel) -> Self {
        match m {
            AnyModel::F32(m) => ModelRef::F32(m),
            AnyModel::Int8(m) => ModelRef::Int8(m),
        }
    }
}

impl ModelRef<'_> {
    /// Hidden units.
    pub fn hidden(self) -> usize {
        match self {
            ModelRef::F32(m) => m.hidden,
            ModelRef::Int8(m) => m.hidden,
        }
    }
}

/// One image's answer from the core.
type Answer = std::result::Result<Prediction, nnet_core::Error>;

/// Images per [`PackedMlp::predict_batch`] call of one worker thread.
const BATCH: usize = 256;

/// Classifies every image with `batch` (a network's `predict_batch`, on
/// batches of [`BATCH`] images in parallel), in order.
fn par_predict(
    images: &[Image],
    batch: impl Fn(&[Image]) -> Vec<Answer> + Sync,
) -> Result<Vec<Prediction>> {
    let answers: Vec<Vec<Answer>> = images.par_chunks(BATCH).map(&batch).collect();
    answers
        .into_iter()
        .flatten()
        .enumerate()
        .map(|(i, p)| p.map_err(|e| Error::core(format!("image {i}"), e)))
        .collect()
}

/// [`par_predict`] with the network of `m` at the compile-time hidden size
/// `H`, repacked for the host (`nnet_core::packed`: the same bits as the
/// borrowed `Mlp`/`QuantMlp`, several times faster).
fn predict_h<const H: usize>(m: ModelRef<'_>, images: &[Image]) -> Result<Vec<Prediction>> {
    let model = |e| Error::core("model", e);
    match m {
        ModelRef::F32(m) => {
            let net = PackedMlp::new(&m.mlp::<H>().map_err(model)?);
            par_predict(images, |b| net.predict_batch(b))
        }
        ModelRef::Int8(m) => {
            let net = PackedQuantMlp::new(&m.quant_mlp::<H>().map_err(model)?);
            par_predict(images, |b| net.predict_batch(b))
        }
    }
}

/// Calls `predict_h::<H>($m, $images)` with the const `H` equal to `$hidden`.
macro_rules! dispatch_hidden {
    ($hidden:expr, $m:expr, $images:expr) => {
        dispatch_hidden!(@ $hidden, $m, $images;
            8, 16, 32, 50, 64, 100, 128, 150, 200, 256, 300, 400, 500, 512, 800, 1024)
    };
    (@ $hidden:expr, $m:expr, $images:expr; $($h:literal),*) => {
        match $hidden {
            $($h => predict_h::<$h>($m, $images),)*
            other => Err(Error::Config(format!(
                "hidden size {other} is not supported; choose one of {SUPPORTED_HIDDEN:?}"
            ))),
        }
    };
}

/// Classifies every image with nnet-core (`PackedMlp` or `PackedQuantMlp`,
/// batches in parallel), in order.
pub fn predict<'a>(m: impl Into<ModelRef<'a>>, images: &[Image]) -> Result<Vec<Prediction>> {
    let m = m.into();
    dispatch_hidden!(m.hidden(), m, images)
}

/// How often two models give the same digit on the same images:
/// `(agreeing, total)`.
pub fn agreement<'a, 'b>(
    a: impl Into<ModelRef<'a>>,
    b: impl Into<ModelRef<'b>>,
    images: &[Image],
) -> Result<(usize, usize)> {
    let pa = predict(a, images)?;
    let pb = predict(b, images)?;
    let same = pa
        .iter()
        .zip(&pb)
        .filter(|(x, y)| x.digit == y.digit)
        .count();
    Ok((same, images.len()))
}

/// The images of a data set as network inputs.
pub fn dataset_images(d: &Dataset) -> Vec<Image> {
    (0..d.len()).map(|i| *d.image(i)).collect()
}

/// A wrongly classified (or "no digit") example.
#[derive(Debug, Clone)]
pub struct Mistake {
    /// Index in the evaluated set.
    pub index: usize,
    /// True label.
    pub truth: u8,
    /// Predicted digit, `None` for "no digit".
    pub predicted: Option<u8>,
    /// Probability of the predicted digit (0 for "no digit").
    pub confidence: f32,
    /// The image the network saw (all zero for "no digit").
    pub image: Image,
}

/// Accuracy, confusion matrix and the most confident mistakes.
#[derive(Debug, Clone)]
pub struct Report {
    /// Labelled examples evaluated.
    pub total: usize,
    /// Correctly classified.
    pub correct: usize,
    /// `confusion[truth][predicted]` counts (no-digit results excluded).
    pub confusion: [[u32; OUTPUT]; OUTPUT],
    /// "No digit" results per true label (counted as wrong).
    pub no_digit: [u32; OUTPUT],
    /// Examples without a label (ink input), not scored.
    pub unlabeled: usize,
    /// Drawings the core rejected (also counted as "no digit"), with why.
    pub rejected: Vec<String>,
    /// Mistakes sorted by decreasing confidence (at most the number asked for).
    pub mistakes: Vec<Mistake>,
}

impl Report {
    /// Builds a report from `(truth, image, prediction)` triples; `None` as
    /// prediction means "no digit". Keeps the `keep` most confident mistakes.
    pub fn new(items: &[(u8, Image, Option<Prediction>)], unlabeled: usize, keep: usize) -> Report {
        let mut r = Report {
            total: items.len(),
            correct: 0,
            confusion: [[0; OUTPUT]; OUTPUT],
            no_digit: [0; OUTPUT],
            unlabeled,
            rejected: Vec::new(),
            mistakes: Vec::new(),
        };
        for (i, (t, img, p)) in items.iter().enumerate() {
            let t = usize::from(*t).min(OUTPUT - 1);
            match p {
                Some(p) => {
                    r.confusion[t][usize::from(p.digit)] += 1;
                    if usize::from(p.digit) == t {
                        r.correct += 1;
                    } else {
                        r.mistakes.push(Mistake {
                            index: i,
                            truth: t as u8,
                            predicted: Some(p.digit),
                            confidence: p.confidence(),
                            image: *img,
                        });
                    }
                }
                None => {
                    r.no_digit[t] += 1;
                    r.mistakes.push(Mistake {
                        index: i,
                        truth: t as u8,
                        predicted: None,
                        confidence: 0.0,
                        image: [0.0; INPUT],
                    });
                }
            }
        }
        r.mistakes.sort_by(|a, b| {
            b.confidence
                .total_cmp(&a.confidence)
                .then(a.index.cmp(&b.index))
        });
        r.mistakes.truncate(keep);
        r
    }

    /// Fraction correct (no-digit results count as wrong).
    pub fn accuracy(&self) -> f64 {
        if self.total == 0 {
            0.0
        } else {
            self.correct as f64 / self.total as f64
        }
    }

    /// Precision of class `k`: correct `k` predictions / all `k` predictions.
    pub fn precision(&self, k: usize) -> f64 {
        let predicted: u32 = (0..OUTPUT).map(|t| self.confusion[t][k]).sum();
        ratio(self.confusion[k][k], predicted)
    }

    /// Recall of class `k`: correct `k` predictions / all examples of `k`.
    pub fn recall(&self, k: usize) -> f64 {
        let actual: u32 = self.confusion[k].iter().sum::<u32>() + self.no_digit[k];
        ratio(self.confusion[k][k], actual)
    }

    /// Total "no digit" results.
    pub fn no_digit_total(&self) -> u32 {
        self.no_digit.iter().sum()
    }

    /// The human-readable report: the `accuracy: 98.62%` line, per-class
    /// precision/recall and the confusion matrix.
    pub fn render(&self) -> String {
        use std::fmt::Write;
        let mut s = String::new();
        let _ = writeln!(s, "accuracy: {}", crate::percent(self.accuracy()));
        let _ = writeln!(
            s,
            "correct: {} of {} ({} \"no digit\" counted as wrong{})",
            self.correct,
            self.total,
            self.no_digit_total(),
            if self.unlabeled > 0 {
                format!(", {} unlabelled skipped", self.unlabeled)
            } else {
                String::new()
            }
        );
        if let Some(first) = self.rejected.first() {
            let _ = writeln!(
                s,
                "rejected by the core (counted as \"no digit\"): {} (first: {first})",
                self.rejected.len()
            );
        }
        let _ = writeln!(s, "\nclass  precision  recall   count");
        // a ratio with nothing to count (no answer k, no example of k) is "-", not 0%
        let pct = |v: f64, of: u32| {
            if of == 0 {
                format!("{:>7}", "-")
            } else {
                format!("{:6.2}%", 100.0 * v)
            }
        };
        for k in 0..OUTPUT {
            let count: u32 = self.confusion[k].iter().sum::<u32>() + self.no_digit[k];
            let predicted: u32 = (0..OUTPUT).map(|t| self.confusion[t][k]).sum();
            let _ = writeln!(
                s,
                "  {k}     {}   {}  {count:6}",
                pct(self.precision(k), predicted),
                pct(self.recall(k), count)
            );
        }
        let _ = writeln!(
            s,
            "\nconfusion matrix (rows: true digit, columns: predicted)"
        );
        let _ = write!(s, "true\\pred");
        for k in 0..OUTPUT {
            let _ = write!(s, "{k:>6}");
        }
        let _ = writeln!(s, "  none");
        for t in 0..OUTPUT {
            let _ = write!(s, "{t:>9}");
            for p in 0..OUTPUT {
                let v = self.confusion[t][p];
                if v == 0 {
                    let _ = write!(s, "{:>6}", ".");
                } else {
                    let _ = write!(s, "{v:>6}");
                }
            }
            let _ = writeln!(s, "{:>6}", self.no_digit[t]);
        }
        s
    }
}

fn ratio(a: u32, b: u32) -> f64 {
    if b == 0 {
        0.0
    } else {
        f64::from(a) / f64::from(b)
    }
}

/// Evaluates `m` on a data set (images used as they are, like MNIST's test set).
pub fn evaluate_dataset<'a>(
    m: impl Into<ModelRef<'a>>,
    d: &Dataset,
    keep: usize,
) -> Result<Report> {
    let images = dataset_images(d);
    let preds = predict(m, &images)?;
    let items: Vec<(u8, Image, Option<Prediction>)> = d
        .labels
        .iter()
        .zip(images)
        .zip(preds)
        .map(|((&l, img), p)| (l, img, Some(p)))
        .collect();
    Ok(Report::new(&items, 0, keep))
}

/// Reads an ink JSON Lines file (one [`InkRecord`] per non-empty line).
pub fn read_ink(path: &Path) -> Result<Vec<InkRecord>> {
    Ok(read_ink_lines(path)?.into_iter().map(|(_, r)| r).collect())
}

/// Like [`read_ink`], with every record's 1-based line number.
pub fn read_ink_lines(path: &Path) -> Result<Vec<(usize, InkRecord)>> {
    parse_ink_lines(path, &read_ink_file(path)?[..])
}

/// The bytes of an ink file, each line checked against [`MAX_LINE_BYTES`] as it
/// is read: a file without line breaks, or a device such as `/dev/zero`, is an
/// error naming the line instead of filling memory.
pub fn read_ink_file(path: &Path) -> Result<Vec<u8>> {
    let f = std::fs::File::open(path).map_err(|e| Error::io(path, e))?;
    let mut reader = std::io::BufReader::new(f);
    let mut bytes = Vec::new();
    for line in 1.. {
        let got = std::io::Read::take(&mut reader, MAX_LINE_BYTES + 1)
            .read_until(b'\n', &mut bytes)
            .map_err(|e| Error::io(path, e))?;
        if got == 0 {
            break;
        }
        if got as u64 > MAX_LINE_BYTES {
            return Err(Error::Ink {
                path: path.to_path_buf(),
                line,
                msg: format!(
                    "a line longer than {} MiB (JSON Lines: one drawing per line)",
                    MAX_LINE_BYTES >> 20
                ),
            });
        }
    }
    Ok(bytes)
}

/// [`read_ink_lines`] of text already read; `path` names it in errors.
pub fn parse_ink_lines(path: &Path, text: impl BufRead) -> Result<Vec<(usize, InkRecord)>> {
    let mut out = Vec::new();
    for (i, line) in text.lines().enumerate() {
        let bad = |msg: String| Error::Ink {
            path: path.to_path_buf(),
            line: i + 1,
            msg,
        };
        let line = line.map_err(|e| match e.kind() {
            std::io::ErrorKind::InvalidData => {
                bad("not UTF-8 text (JSON Lines files are UTF-8)".into())
            }
            _ => Error::io(path, e),
        })?;
        // a byte order mark, as some Windows editors write (at the start of each file
        // joined into this one), is not part of the record
        let line = line.strip_prefix('\u{feff}').unwrap_or(&line);
        if line.trim().is_empty() {
            continue;
        }
        let rec: InkRecord = serde_json::from_str(line).map_err(|e| {
            // serde counts lines within the one line it was given: only its column helps
            let msg = e.to_string();
            let msg = match msg.rsplit_once(" at line ") {
                Some((what, _)) => format!("{what} at column {}", e.column()),
                None => msg,
            };
            bad(format!("{msg}{}", json_lines_hint(line, &e)))
        })?;
        // the core's rule for drawings, which the web server applies too
        rec.check().map_err(|e| bad(e.to_string()))?;
        out.push((i + 1, rec));
    }
    Ok(out)
}

/// What to do when a line is not one record: the usual ways a file is not
/// JSON Lines (a JSON array, a record spread over several lines).
fn json_lines_hint(line: &str, e: &serde_json::Error) -> &'static str {
    let start = line.trim_start();
    if start.starts_with('[') {
        " (JSON Lines: one drawing per line, each a JSON object, not an array of them)"
    } else if e.to_string().contains("expected u8") {
        // the record's only integer field
        " (\"label\" is a whole number 0..=9, as in \"label\": 7)"
    } else if e.is_eof() || !start.starts_with('{') || start.trim_end() == "{" {
        " (JSON Lines: one drawing per line, each a whole JSON object on its line; \
         a pretty-printed record spread over several lines is not read)"
    } else {
        ""
    }
}

/// Runs one ink record through the core's stroke path; `Ok(None)` is "no digit".
///
/// A drawing with more points than the core's default stroke buffer holds
/// (dense tablet input) is thinned first: every stroke keeps its first and
/// last point and every `k`-th point in between, with the smallest `k` that
/// fits. (The stroke path drops points closer than 0.3 px in 28x28 space
/// anyway, so this changes nothing a user could see.) More strokes than the
/// buffer holds is [`nnet_core::Error::CapacityExceeded`].
pub fn ink_to_image(rec: &InkRecord) -> Result<Option<Image>, nnet_core::Error> {
    use nnet_core::ink::{DEFAULT_POINTS, DEFAULT_STROKES};
    let points: usize = rec.strokes.iter().map(Vec::len).sum();
    let strokes: nnet_core::ink::Strokes = if points > DEFAULT_POINTS {
        // empty strokes are dropped (docs/ink-format.md), so they do not count
        if rec.strokes.iter().filter(|s| !s.is_empty()).count() > DEFAULT_STROKES {
            return Err(nnet_core::Error::CapacityExceeded);
        }
        let r = InkRecord {
            strokes: thin_points(&rec.strokes, DEFAULT_POINTS),
            ..rec.clone()
        };
        r.to_strokes()?
    } else {
        rec.to_strokes()?
    };
    nnet_core::preprocess::from_strokes(&strokes, rec.width, rec.height)
}

/// What an error of [`ink_to_image`] means for the drawing, with the limit named:
/// more strokes than the core's stroke buffer holds is the one way past it (points
/// past its size are thinned).
pub fn ink_error(e: &nnet_core::Error) -> String {
    match e {
        nnet_core::Error::CapacityExceeded => format!(
            "more than {} strokes, the most the core's stroke buffer holds",
            nnet_core::ink::DEFAULT_STROKES
        ),
        e => e.to_string(),
    }
}

/// The thinning of [`ink_to_image`]: every stroke keeps its first and last point and
/// every `k`-th point in between, with the smallest `k` that leaves at most `max`
/// points (or only first and last points, when even those are more).
pub fn thin_points(strokes: &[Vec<[f32; 2]>], max: usize) -> Vec<Vec<[f32; 2]>> {
    let points: usize = strokes.iter().map(Vec::len).sum();
    let longest = strokes.iter().map(Vec::len).max().unwrap_or(0);
    let mut k = points.div_ceil(max.max(1)).max(1);
    loop {
        let thinned: Vec<Vec<[f32; 2]>> = strokes
            .iter()
            .map(|s| {
                let last = s.len().saturating_sub(1);
                s.iter()
                    .enumerate()
                    .filter(|(i, _)| i % k == 0 || *i == last)
                    .map(|(_, p)| *p)
                    .collect()
            })
            .collect();
        let n: usize = thinned.iter().map(Vec::len).sum();
        if n <= max || k >= longest {
            return thinned;
        }
        k += 1;
    }
}

/// Evaluates `m` on ink records through `nnet_core::preprocess::from_strokes`.
/// "No digit" counts as wrong; so does a drawing the core rejects (e.g. more
/// than 64 strokes; the readers refuse bad surfaces and wild points), which is listed in
/// [`Report::rejected`] and counted in the "none" column.
pub fn evaluate_ink<'a>(
    m: impl Into<ModelRef<'a>>,
    recs: &[InkRecord],
    path: &Path,
    keep: usize,
) -> Result<Report> {
    let labelled: Vec<(usize, u8, &InkRecord)> = recs
        .iter()
        .enumerate()
        .filter_map(|(i, r)| r.label.map(|l| (i, l, r)))
        .collect();
    let results: Vec<Result<Option<Image>, nnet_core::Error>> = labelled
        .par_iter()
        .map(|(_, _, r)| ink_to_image(r))
        .collect();
    let mut rejected = Vec::new();
    let images: Vec<Option<Image>> = results
        .into_iter()
        .zip(&labelled)
        .map(|(r, (i, _, _))| {
            r.unwrap_or_else(|e| {
                rejected.push(format!(
                    "{} drawing {}: {}",
                    path.display(),
                    i + 1,
                    ink_error(&e)
                ));
                None
            })
        })
        .collect();
    let present: Vec<Image> = images.iter().flatten().copied().collect();
    let mut preds = predict(m, &present)?.into_iter();
    let items: Vec<(u8, Image, Option<Prediction>)> = labelled
        .iter()
        .zip(&images)
        .map(|((_, l, _), img)| match img {
            Some(img) => (*l, *img, preds.next()),
            None => (*l, [0.0; INPUT], None),
        })
        .collect();
    let mut r = Report::new(&items, recs.len() - labelled.len(), keep);
    r.rejected = rejected;
    Ok(r)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pred(digit: u8, conf: f32) -> Prediction {
        let mut probabilities = [(1.0 - conf) / 9.0; OUTPUT];
        probabilities[usize::from(digit)] = conf;
        Prediction {
            digit,
            probabilities,
        }
    }

    #[test]
    fn report_counts_precision_recall_and_mistakes() {
        let img = [0.5f32; INPUT];
        let items = vec![
            (1, img, Some(pred(1, 0.9))),
            (1, img, Some(pred(7, 0.8))),
            (7, img, Some(pred(7, 0.99))),
            (7, img, Some(pred(1, 0.6))),
            (3, img, None),
        ];
        let r = Report::new(&items, 2, 10);
        assert_eq!((r.total, r.correct, r.unlabeled), (5, 2, 2));
        assert!((r.accuracy() - 0.4).abs() < 1e-12);
        assert_eq!(r.confusion[1][7], 1);
        assert_eq!(r.no_digit[3], 1);
        assert!((r.precision(7) - 0.5).abs() < 1e-12);
        assert!((r.recall(1) - 0.5).abs() < 1e-12);
        assert_eq!(r.recall(3), 0.0);
        // most confident mistake first, "no digit" last
        let order: Vec<_> = r.mistakes.iter().map(|m| (m.truth, m.predicted)).collect();
        assert_eq!(order, [(1, Some(7)), (7, Some(1)), (3, None)]);
        let text = r.render();
        assert!(text.starts_with("accuracy: 40.00%\n"), "{text}");
        assert!(text.contains("1 \"no digit\" counted as wrong, 2 unlabelled skipped"));
        // class 7: precision and recall; 3: never answered, its precision "-";
        // 5: neither answered nor present, both "-"
        assert!(
            text.contains("\n  7      50.00%    50.00%       2\n"),
            "{text}"
        );
        assert!(
            text.contains("\n  3           -     0.00%       1\n"),
            "{text}"
        );
        assert!(
            text.contains("\n  5           -         -       0\n"),
            "{text}"
        );
        assert_eq!(Report::new(&items, 0, 1).mistakes.len(), 1);
    }

    #[test]
    fn dense_ink_is_thinned_not_rejected() {
        // a vertical stroke with 10,000 points, far beyond the 2,048-point buffer
        let dense: Vec<[f32; 2]> = (0..10_000)
            .map(|i| [140.0, 40.0 + i as f32 * 0.02])
            .collect();
        let sparse: Vec<[f32; 2]> = vec![[140.0, 40.0], [140.0, 239.98]];
        let rec = |s: Vec<[f32; 2]>| InkRecord {
            label: Some(1),
            width: 280.0,
            height: 280.0,
            strokes: vec![s],
        };
        let a = ink_to_image(&rec(dense)).unwrap().unwrap();
        let b = ink_to_image(&rec(sparse)).unwrap().unwrap();
        let diff: f32 = a.iter().zip(&b).map(|(x, y)| (x - y).abs()).sum();
        assert!(
            diff < 1.0,
            "thinned dense stroke renders differently: {diff}"
        );
        let many = InkRecord {
            label: None,
            width: 280.0,
            height: 280.0,
            strokes: vec![vec![[1.0, 1.0]; 40]; 100],
        };
        assert_eq!(ink_to_image(&many), Err(nnet_core::Error::CapacityExceeded));
        assert_eq!(
            ink_error(&nnet_core::Error::CapacityExceeded),
            "more than 64 strokes, the most the core's stroke buffer holds"
        );
        // empty strokes are dropped, dense drawing or not: 60 strokes and 10 empty ones fit
        for points in [5, 50] {
            let mut strokes: Vec<Vec<[f32; 2]>> = (0..60)
                .map(|i| vec![[140.0, 40.0 + i as f32 * 3.0]; points])
                .collect();
            strokes.extend(vec![Vec::new(); 10]);
            let padded = InkRecord {
                strokes,
                ..many.clone()
            };
            assert!(ink_to_image(&padded).is_ok(), "{points} points a stroke");
        }
    }

    #[test]
    fn ink_files_are_read_and_bad_lines_named() {
        let dir = crate::tmpdir::tmpdir("ink");
        let p = dir.join("a.jsonl");
        std::fs::write(
            &p,
            "{\"label\": 3, \"width\": 10, \"height\": 10, \"strokes\": [[[1, 2], [3, 4]]]}\n\n{oops\n",
        )
        .unwrap();
        let e = read_ink(&p).unwrap_err().to_string();
        assert!(e.contains("a.jsonl:3:"), "{e}");
        std::fs::write(
            &p,
            "{\"label\": 12, \"width\": 10, \"height\": 10, \"strokes\": []}\n",
        )
        .unwrap();
        let e = read_ink(&p).unwrap_err().to_string();
        assert!(e.contains("a.jsonl:1:") && e.contains("label 12"), "{e}");
        std::fs::write(
            &p,
            "{\"label\": 3, \"width\": 10, \"height\": 10, \"strokes\": [[[1, 2], [3, 4]]]}\n",
        )
        .unwrap();
        let recs = read_ink(&p).unwrap();
        assert_eq!(recs.len(), 1);
        assert_eq!(recs[0].label, Some(3));
        // writers omit an unknown label; a reader takes null as unknown too
        std::fs::write(
            &p,
            "{\"label\": null, \"width\": 10, \"height\": 10, \"strokes\": []}\n",
        )
        .unwrap();
        assert_eq!(read_ink(&p).unwrap()[0].label, None);
        assert!(check_hidden(300).is_ok() && check_hidden(301).is_err());
    }
}
