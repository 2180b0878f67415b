//! The digits 0–9 of the Hershey stroke fonts, as pen strokes.
//!
//! The Hershey fonts (A. V. Hershey, U.S. National Bureau of Standards, public
//! domain) draw every glyph as polylines, i.e. exactly what a pen on a
//! touchscreen produces. `data/hershey-digits.txt` holds the digit glyphs of
//! seven distinct styles (Roman simplex, duplex, complex, triplex, italic,
//! italic triplex, gothic), copied verbatim from the `.jhf` files of the PyPI
//! package `Hershey-Fonts` 2.1.0; the file's header states source and licence.
//! `inkset` turns them into the drawn-digit test set `tests/data/ink/hershey.jsonl`.
//!
//! Hershey record format: a 5-character glyph number, a 3-character vertex
//! count (counting the left/right bound pair), then one character pair per
//! vertex, each coordinate being `char - 'R'`; the first pair holds the left
//! and right bounds, and the pair `" R"` lifts the pen. y grows downwards; in
//! these fonts the digits span y = -12 (top) to 9 (baseline).

/// The embedded glyph data (`STYLE<TAB>DIGIT<TAB>RECORD` lines, `#` comments).
pub const DATA: &str = include_str!("../data/hershey-digits.txt");

/// The styles in `DATA`, in file order.
pub const STYLES: [&str; 7] = [
    "simplex",
    "duplex",
    "complex",
    "triplex",
    "italic",
    "italic-triplex",
    "gothic",
];

/// A malformed Hershey record or data line.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum HersheyError {
    /// A data line is not `STYLE<TAB>DIGIT<TAB>RECORD`, or its digit is not 0-9.
    #[error("hershey data line {line}: {msg}")]
    Line {
        /// 1-based line number.
        line: usize,
        /// What is wrong.
        msg: String,
    },
    /// A glyph record is malformed.
    #[error("hershey record: {0}")]
    Record(String),
}

/// One digit glyph of one style.
#[derive(Debug, Clone, PartialEq)]
pub struct Glyph {
    /// Style name (one of [`STYLES`]).
    pub style: &'static str,
    /// The digit, 0-9.
    pub digit: u8,
    /// Left bound (advance start) in font units.
    pub left: f32,
    /// Right bound (advance end) in font units.
    pub right: f32,
    /// Pen strokes in font units, y down; each has at least one point.
    pub strokes: Polylines,
}

impl Glyph {
    /// Bounding box of the strokes: `([min_x, min_y], [max_x, max_y])`.
    pub fn bbox(&self) -> ([f32; 2], [f32; 2]) {
        let mut lo = [f32::INFINITY; 2];
        let mut hi = [f32::NEG_INFINITY; 2];
        for p in self.strokes.iter().flatten() {
            for k in 0..2 {
                lo[k] = lo[k].min(p[k]);
                hi[k] = hi[k].max(p[k]);
            }
        }
        (lo, hi)
    }
}

/// Pen strokes: polylines of `[x, y]` points.
pub type Polylines = Vec<Vec<[f32; 2]>>;

/// Parses one Hershey record (glyph number, vertex count, bounds, vertices)
/// into `(left, right, strokes)`.
pub fn parse_record(rec: &str) -> Result<(f32, f32, Polylines), HersheyError> {
    let err = |m: String| HersheyError::Record(m);
    if !rec.is_ascii() {
        return Err(err("not ASCII".into()));
    }
    let count_field = rec
        .get(5..8)
        .ok_or_else(|| err(format!("too short ({} chars)", rec.len())))?;
    let count: usize = count_field
        .trim()
        .parse()
        .map_err(|_| err(format!("bad vertex count {count_field:?}")))?;
    let body = &rec.as_bytes()[8..];
    if count == 0 || body.len() != 2 * count {
        return Err(err(format!(
            "vertex count {count} needs {} coordinate characters, found {}",
            2 * count,
            body.len()
        )));
    }
    let coord = |c: u8| -> Result<f32, HersheyError> {
        if (b'!'..=b'~').contains(&c) {
            Ok(f32::from(c) - f32::from(b'R'))
        } else {
            Err(err(format!("bad coordinate character {:?}", c as char)))
        }
    };
    let left = coord(body[0])?;
    let right = coord(body[1])?;
    let mut strokes: Polylines = Vec::new();
    let mut cur: Vec<[f32; 2]> = Vec::new();
    for pair in body[2..].chunks_exact(2) {
        if pair == b" R" {
            if !cur.is_empty() {
                strokes.push(std::mem::take(&mut cur));
            }
            continue;
        }
        cur.push([coord(pair[0])?, coord(pair[1])?]);
    }
    if !cur.is_empty() {
        strokes.push(cur);
    }
    Ok((left, right, strokes))
}

/// Parses data in the format of [`DATA`]. Every style must have all ten
/// digits exactly once.
pub fn parse_data(data: &'static str) -> Result<Vec<Glyph>, HersheyError> {
    let mut glyphs = Vec::new();
    for (k, line) in data.lines().enumerate() {
        let line_err = |msg: String| HersheyError::Line { line: k + 1, msg };
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let mut parts = line.splitn(3, '\t');
        let (Some(style), Some(digit), Some(rec)) = (parts.next(), parts.next(), parts.next())
        else {
            return Err(line_err("expected STYLE<TAB>DIGIT<TAB>RECORD".into()));
        };
        let digit: u8 = digit
            .parse()
            .ok()
            .filter(|d| *d <= 9)
            .ok_or_else(|| line_err(format!("bad digit {digit:?}")))?;
        let (left, right, strokes) = parse_record(rec).map_err(|e| line_err(e.to_string()))?;
        if strokes.is_empty() {
            return Err(line_err("glyph has no strokes".into()));
        }
        glyphs.push(Glyph {
            style,
            digit,
            left,
            right,
            strokes,
        });
    }
    let mut styles: Vec<&str> = glyphs.iter().map(|g| g.style).collect();
    styles.dedup();
    for s in styles {
        let mut digits: Vec<u8> = glyphs
            .iter()
            .filter(|g| g.style == s)
            .map(|g| g.digit)
            .collect();
        digits.sort_unstable();
        if digits != (0..10).collect::<Vec<u8>>() {
            return Err(HersheyError::Record(format!(
                "style {s:?} does not have each digit 0-9 exactly once: {digits:?}"
            )));
        }
    }
    Ok(glyphs)
}

/// All embedded digit glyphs: every style of [`STYLES`] x digits 0-9, in
/// file order (style by style, digits ascending).
pub fn digits() -> Result<Vec<Glyph>, HersheyError> {
    parse_data(DATA)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn embedded_data_has_every_style_and_digit() {
        let g = digits().unwrap();
        assert_eq!(g.len(), STYLES.len() * 10);
        for (k, s) in STYLES.iter().enumerate() {
            for d in 0..10u8 {
                let gl = &g[k * 10 + usize::from(d)];
                assert_eq!((gl.style, gl.digit), (*s, d));
                let (lo, hi) = gl.bbox();
                // digits sit between cap height -12 and the baseline 9 (italic
                // and gothic overshoot a little)
                assert!(lo[1] >= -14.0 && hi[1] <= 11.0, "{s} {d}: {lo:?} {hi:?}");
                assert!(hi[1] - lo[1] >= 18.0, "{s} {d} too flat");
                assert!(gl.left < gl.right);
            }
        }
    }

    #[test]
    fn simplex_one_is_a_flag_and_a_stem() {
        // "  701  5H\NJPISFS[": bounds H,\ then N J, P I, S F, S [
        let (l, r, s) = parse_record("  701  5H\\NJPISFS[").unwrap();
        assert_eq!((l, r), (-10.0, 10.0));
        assert_eq!(
            s,
            vec![vec![[-4.0, -8.0], [-2.0, -9.0], [1.0, -12.0], [1.0, 9.0]]]
        );
    }

    #[test]
    fn pen_up_splits_strokes() {
        let (_, _, s) = parse_record("    1  6JZNFNM RVFVM").unwrap();
        assert_eq!(s.len(), 2);
        assert_eq!(s[1], vec![[4.0, -12.0], [4.0, -5.0]]);
    }

    #[test]
    fn malformed_records_are_errors() {
        assert!(parse_record("").is_err());
        assert!(parse_record("  701  9H\\NJ").is_err()); // count too large
        assert!(parse_record("  701  xH\\").is_err()); // bad count
        assert!(parse_record("  701  2H\\N\u{7f}").is_err()); // bad char
        assert!(parse_record("  701  2H\\Né").is_err());
        assert!(parse_data("simplex\t1\n").is_err());
        assert!(parse_data("simplex\t12\t  701  5H\\NJPISFS[\n").is_err());
        // a style missing digits
        assert!(parse_data("simplex\t1\t  701  5H\\NJPISFS[\n").is_err());
    }
}
