//! Ink: the strokes a finger, mouse or stylus draws, in drawing-surface
//! pixels (origin top-left, y down).
//!
//! [`Strokes`] captures them in fixed-capacity `heapless` buffers (no heap, so
//! it works on the microcontroller); with the `alloc` feature, `InkRecord` is
//! one line of the JSON Lines interchange format (`docs/ink-format.md`):
//!
//! ```json
//! {"label": 7, "width": 280, "height": 280, "strokes": [[[x, y], [x, y]], [[x, y]]]}
//! ```
use heapless::Vec;

use crate::Error;

/// A point on the drawing surface, in its pixels.
pub type Point = [f32; 2];

/// Default point capacity of [`Strokes`].
pub const DEFAULT_POINTS: usize = 2048;
/// Default stroke capacity of [`Strokes`].
pub const DEFAULT_STROKES: usize = 64;

/// Largest drawing surface side an ink drawing may give, in pixels (the
/// JSON Lines readers of `host-trainer` and the web server's API both refuse
/// larger ones, see [`surface_ok`]).
pub const MAX_SURFACE_SIDE: f32 = 4096.0;

/// How far beyond its surface an ink point may lie, in surface sizes: a
/// stroke may leave the canvas a little, wild values are refused (see
/// [`point_ok`]).
pub const COORD_SLACK: f32 = 1.0;

/// The longest line a reader of an ink JSON Lines file takes, in bytes (a
/// drawing the core holds, [`DEFAULT_POINTS`] points, is a few tens of kB): a
/// file without line breaks, or a device such as `/dev/zero`, is refused at
/// that line instead of filling memory (`host-trainer`'s readers and the board
/// simulator's).
pub const MAX_LINE_BYTES: u64 = 16 << 20;

/// Whether `width x height` is a drawing surface an ink drawing may give:
/// both sides [`side_ok`].
pub fn surface_ok(width: f32, height: f32) -> bool {
    side_ok(width) && side_ok(height)
}

/// Whether `v` is a side a drawing surface may have: finite, above 0 and at
/// most [`MAX_SURFACE_SIDE`].
pub fn side_ok(v: f32) -> bool {
    v.is_finite() && v > 0.0 && v <= MAX_SURFACE_SIDE
}

/// Whether `p` is an ink point a drawing on a `width x height` surface may
/// hold: finite, and at most [`COORD_SLACK`] surface sizes beyond its edges.
/// The one rule of every reader of ink drawings (`host-trainer`'s, the web
/// server's), so that a drawing one accepts the other accepts too.
pub fn point_ok(p: Point, width: f32, height: f32) -> bool {
    let within = |v: f32, side: f32| {
        v.is_finite() && v >= -COORD_SLACK * side && v <= side + COORD_SLACK * side
    };
    within(p[0], width) && within(p[1], height)
}

/// Up to `P` points in up to `S` strokes, stored without allocation.
/// Every point must be finite; pushing past capacity is an error, never a panic.
/// After a pen-down that found no room ([`Strokes::begin_stroke`] refused), the
/// points of that stroke are refused too, until the next pen-down: they never
/// join the stroke before it.
#[derive(Debug, Clone, Default)]
pub struct Strokes<const P: usize = DEFAULT_POINTS, const S: usize = DEFAULT_STROKES> {
    points: Vec<Point, P>,
    /// End index (exclusive) in `points` of each stroke.
    ends: Vec<u32, S>,
    /// The last pen-down was refused: [`Strokes::push`] has no stroke to add to.
    refused: bool,
}

impl<const P: usize, const S: usize> Strokes<P, S> {
    /// An empty drawing.
    pub const fn new() -> Self {
        Strokes {
            points: Vec::new(),
            ends: Vec::new(),
            refused: false,
        }
    }

    /// Starts a new stroke (pen down). Empty strokes are not kept. With no room
    /// for another stroke it is [`Error::CapacityExceeded`], and so is every
    /// [`Strokes::push`] until a pen-down is taken.
    pub fn begin_stroke(&mut self) -> Result<(), Error> {
        let n = self.ends.len();
        if n > 0 {
            let start = if n > 1 { self.ends[n - 2] } else { 0 };
            if self.ends[n - 1] == start {
                self.refused = false;
                return Ok(()); // the current stroke is still empty: reuse it
            }
        }
        let begun = self.ends.push(self.points.len() as u32);
        self.refused = begun.is_err();
        begun.map_err(|_| Error::CapacityExceeded)
    }

    /// Adds a point to the current stroke, starting one if none is open.
    /// [`Error::CapacityExceeded`] when there is no room for it, or when the
    /// pen-down of its stroke was refused.
    pub fn push(&mut self, p: Point) -> Result<(), Error> {
        if !(p[0].is_finite() && p[1].is_finite()) {
            return Err(Error::NonFiniteInput);
        }
        if self.refused {
            return Err(Error::CapacityExceeded);
        }
        if self.ends.is_empty() {
            self.begin_stroke()?;
        }
        self.points.push(p).map_err(|_| Error::CapacityExceeded)?;
        if let Some(end) = self.ends.last_mut() {
            *end = self.points.len() as u32;
        }
        Ok(())
    }

    /// Adds a whole stroke: all of it, or on an error (a point that is not
    /// finite, no room for the stroke or its points) none of it.
    pub fn push_stroke(&mut self, stroke: &[Point]) -> Result<(), Error> {
        if !stroke.iter().all(|p| p[0].is_finite() && p[1].is_finite()) {
            return Err(Error::NonFiniteInput);
        }
        if stroke.len() > P - self.points.len() {
            return Err(Error::CapacityExceeded);
        }
        self.begin_stroke()?;
        // room was checked: no push fails
        stroke.iter().try_for_each(|&p| self.push(p))
    }

    /// Removes everything.
    pub fn clear(&mut self) {
        self.points.clear();
        self.ends.clear();
        self.refused = false;
    }

    /// True when no point has been drawn.
    pub fn is_empty(&self) -> bool {
        self.points.is_empty()
    }

    /// Total number of points.
    pub fn point_count(&self) -> usize {
        self.points.len()
    }

    /// Number of non-empty strokes.
    pub fn stroke_count(&self) -> usize {
        self.strokes().count()
    }

    /// The strokes in drawing order, each a slice of points (never empty).
    pub fn strokes(&self) -> impl Iterator<Item = &[Point]> + Clone + '_ {
        let mut start = 0usize;
        self.ends.iter().filter_map(move |&end| {
            let s = self.points.get(start..end as usize).unwrap_or(&[]);
            start = end as usize;
            (!s.is_empty()).then_some(s)
        })
    }
}

#[cfg(feature = "alloc")]
pub use record::{InkRecord, RecordError, Xy};

#[cfg(feature = "alloc")]
mod record {
    use alloc::vec::Vec;
    use core::fmt;
    use core::marker::PhantomData;

    use serde::de::value::MapAccessDeserializer;
    use serde::de::{self, IgnoredAny, MapAccess, SeqAccess, Visitor};
    use serde::{Deserialize, Deserializer, Serialize, Serializer};

    use super::{Point, Strokes};
    use crate::Error;

    /// One point `[x, y]` as it is read: a list of another length is an
    /// error that says what a point is (some ink formats add pressure or
    /// time), where a plain `[T; 2]` would report "trailing characters".
    /// The web server reads its requests' points with it too.
    #[derive(Debug, Clone, Copy, PartialEq)]
    pub struct Xy<T>(pub [T; 2]);

    impl<'de, T: Deserialize<'de>> Deserialize<'de> for Xy<T> {
        fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
            struct Pair<T>(PhantomData<T>);
            impl<'de, T: Deserialize<'de>> Visitor<'de> for Pair<T> {
                type Value = Xy<T>;
                fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                    f.write_str("a point [x, y]")
                }
                fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Xy<T>, A::Error> {
                    let x = seq
                        .next_element()?
                        .ok_or_else(|| de::Error::invalid_length(0, &self))?;
                    let y = seq
                        .next_element()?
                        .ok_or_else(|| de::Error::invalid_length(1, &self))?;
                    if seq.next_element::<IgnoredAny>()?.is_some() {
                        return Err(de::Error::custom(
                            "a point has two numbers, [x, y] (the ink format has no pressure or time)",
                        ));
                    }
                    Ok(Xy([x, y]))
                }
            }
            d.deserialize_seq(Pair(PhantomData))
        }
    }

    /// `strokes` read through [`Xy`], each number as [`number`] reads it.
    fn strokes<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<Vec<Point>>, D::Error> {
        let read: Vec<Vec<Xy<f64>>> = Deserialize::deserialize(d)?;
        Ok(read
            .into_iter()
            .map(|s| {
                s.into_iter()
                    .map(|Xy([x, y])| [x as f32, y as f32])
                    .collect()
            })
            .collect())
    }

    /// A number read as JavaScript reads it, the nearest f64, then rounded to
    /// f32 (what the web page hands its WebAssembly), so every reader of a
    /// drawing gets the page's coordinates; one beyond f32 becomes infinite,
    /// which [`InkRecord::check`] names (a parser reading f32 directly would
    /// round once, and refuse it without saying why).
    fn number<'de, D: Deserializer<'de>>(d: D) -> Result<f32, D::Error> {
        f64::deserialize(d).map(|v| v as f32)
    }

    /// One drawing of the JSON Lines ink format (`docs/ink-format.md`): a JSON object,
    /// whose fields are read by name. (A list of the four values, which serde's derived
    /// reader would also take, is an error, as it is for the web server.)
    #[derive(Debug, Clone, PartialEq)]
    pub struct InkRecord {
        /// The digit this drawing shows, when known.
        pub label: Option<u8>,
        /// Drawing surface width in pixels.
        pub width: f32,
        /// Drawing surface height in pixels.
        pub height: f32,
        /// Strokes, each a list of `[x, y]` points.
        pub strokes: Vec<Vec<Point>>,
    }

    /// How serde reads and writes an [`InkRecord`]'s fields; its reader and
    /// writer (`Fields::deserialize`, `Fields::serialize`) are private, and
    /// [`InkRecord`]'s traits below go through them, reading only an object.
    #[derive(Serialize, Deserialize)]
    #[serde(remote = "InkRecord")]
    struct Fields {
        #[serde(default, skip_serializing_if = "Option::is_none")]
        label: Option<u8>,
        #[serde(deserialize_with = "number")]
        width: f32,
        #[serde(deserialize_with = "number")]
        height: f32,
        #[serde(deserialize_with = "strokes")]
        strokes: Vec<Vec<Point>>,
    }

    impl Serialize for InkRecord {
        fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
            Fields::serialize(self, s)
        }
    }

    impl<'de> Deserialize<'de> for InkRecord {
        fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
            struct Object;
            impl<'de> Visitor<'de> for Object {
                type Value = InkRecord;
                fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                    f.write_str("a drawing, a JSON object {\"width\": ..., \"height\": ..., \"strokes\": ...}")
                }
                fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<InkRecord, A::Error> {
                    Fields::deserialize(MapAccessDeserializer::new(map))
                }
            }
            d.deserialize_map(Object)
        }
    }

    /// Why a drawing breaks the rule of [`InkRecord::check`]; its message
    /// is what the readers report (with their file and line).
    #[derive(Debug, Clone, Copy, PartialEq)]
    pub enum RecordError {
        /// A label outside `0..=9`.
        Label(u8),
        /// A surface that [`surface_ok`](super::surface_ok) refuses.
        Surface {
            /// `width`.
            width: f32,
            /// `height`.
            height: f32,
        },
        /// The first point that [`point_ok`](super::point_ok) refuses.
        FarPoint {
            /// The point.
            point: Point,
            /// `width`.
            width: f32,
            /// `height`.
            height: f32,
        },
    }

    impl fmt::Display for RecordError {
        fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            match *self {
                RecordError::Label(l) => write!(f, "label {l} is not a digit 0..=9"),
                RecordError::Surface { width, height } => write!(
                    f,
                    "\"width\" {} and \"height\" {} are not a drawing surface: each must be a number in (0, {}]",
                    Num(width),
                    Num(height),
                    super::MAX_SURFACE_SIDE
                ),
                RecordError::FarPoint {
                    point: [x, y],
                    width,
                    height,
                } => write!(
                    f,
                    "ink point [{}, {}] lies far outside the {}x{} surface (at most one surface size beyond its edges)",
                    Num(x),
                    Num(y),
                    Num(width),
                    Num(height)
                ),
            }
        }
    }

    /// A number of a record as a message shows it: plain when short,
    /// scientific when huge or tiny, and what an overflow became.
    struct Num(f32);

    impl fmt::Display for Num {
        fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            let v = self.0;
            if v.is_infinite() {
                let sign = if v < 0.0 { "-" } else { "" };
                write!(
                    f,
                    "{sign}(a number beyond 3.4e38, which a 32-bit float cannot hold)"
                )
            } else if v == 0.0 || (1e-6..1e9).contains(&v.abs()) || v.is_nan() {
                write!(f, "{v}")
            } else {
                write!(f, "{v:e}")
            }
        }
    }

    impl InkRecord {
        /// The rule every reader of drawings applies (`host-trainer`'s, the
        /// desktop simulator's; the web server checks its requests by the same
        /// [`surface_ok`](super::surface_ok) and [`point_ok`](super::point_ok)):
        /// a label in `0..=9` when there is one, a drawing surface, and no
        /// point far outside it.
        pub fn check(&self) -> Result<(), RecordError> {
            if let Some(l) = self.label.filter(|&l| l > 9) {
                return Err(RecordError::Label(l));
            }
            let (width, height) = (self.width, self.height);
            if !super::surface_ok(width, height) {
                return Err(RecordError::Surface { width, height });
            }
            let far = self
                .strokes
                .iter()
                .flatten()
                .find(|p| !super::point_ok(**p, width, height));
            match far {
                Some(&point) => Err(RecordError::FarPoint {
                    point,
                    width,
                    height,
                }),
                None => Ok(()),
            }
        }

        /// Copies the strokes into fixed-capacity [`Strokes`]; too many points or
        /// strokes is [`Error::CapacityExceeded`], a NaN coordinate [`Error::NonFiniteInput`].
        pub fn to_strokes<const P: usize, const S: usize>(&self) -> Result<Strokes<P, S>, Error> {
            let mut out = Strokes::new();
            for s in &self.strokes {
                if !s.is_empty() {
                    out.push_stroke(s)?;
                }
            }
            Ok(out)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A drawing is an object read by its fields' names; the same values as a list are an
    /// error (serde's derived reader would take them in the fields' order), and it writes
    /// an object that reads back the same.
    #[cfg(feature = "alloc")]
    #[test]
    fn a_drawing_is_an_object() {
        let as_list = serde_json::from_str::<InkRecord>("[3, 280, 280, [[[10, 10], [200, 200]]]]");
        let e = alloc::string::ToString::to_string(&as_list.unwrap_err());
        assert!(
            e.starts_with("invalid type: sequence, expected a drawing, a JSON object"),
            "{e}"
        );
        // (also when the reader is called as a function of the type)
        use serde::Deserialize as _;
        let mut list = serde_json::Deserializer::from_str("[3, 280, 280, []]");
        assert!(InkRecord::deserialize(&mut list).is_err());
        let line = r#"{"strokes": [[[10, 10], [200, 200]]], "height": 280, "label": 3, "width": 280, "note": 1}"#;
        let r: InkRecord = serde_json::from_str(line).unwrap();
        assert_eq!((r.label, r.width, r.height), (Some(3), 280.0, 280.0));
        assert_eq!(r.strokes, [alloc::vec![[10.0, 10.0], [200.0, 200.0]]]);
        let written = serde_json::to_string(&r).unwrap();
        assert_eq!(
            written,
            r#"{"label":3,"width":280.0,"height":280.0,"strokes":[[[10.0,10.0],[200.0,200.0]]]}"#
        );
        assert_eq!(serde_json::from_str::<InkRecord>(&written).unwrap(), r);
        let e = serde_json::from_str::<InkRecord>(r#"{"width": 1, "height": 1}"#).unwrap_err();
        assert!(alloc::string::ToString::to_string(&e).contains("missing field `strokes`"));
    }

    #[cfg(feature = "alloc")]
    #[test]
    fn a_point_is_two_numbers() {
        let parse = |strokes: &str| {
            let line = alloc::format!(r#"{{"width": 280, "height": 280, "strokes": {strokes}}}"#);
            serde_json::from_str::<InkRecord>(&line)
                .map_err(|e| alloc::string::ToString::to_string(&e))
        };
        let ok = parse("[[[1, 2], [3.5, 4]], []]").unwrap();
        assert_eq!(
            ok.strokes,
            [alloc::vec![[1.0, 2.0], [3.5, 4.0]], alloc::vec![]]
        );
        let e = parse("[[[1, 2, 0.5]]]").unwrap_err();
        assert!(e.contains("a point has two numbers, [x, y]"), "{e}");
        let e = parse("[[[1]]]").unwrap_err();
        assert!(e.contains("expected a point [x, y]"), "{e}");
        // what a check says of numbers too big for an f32, or merely big
        let check = |line: &str| {
            let r: InkRecord = serde_json::from_str(line).unwrap();
            alloc::string::ToString::to_string(&r.check().unwrap_err())
        };
        let e = check(r#"{"width": 1e308, "height": 280, "strokes": []}"#);
        assert!(
            e.starts_with("\"width\" (a number beyond 3.4e38, which a 32-bit float cannot hold) and \"height\" 280 are"),
            "{e}"
        );
        // a coordinate is the page's: the nearest f64, then f32 (JSON.parse, then a
        // Float32Array). Just below the midpoint of two f32s whose nearest f64 is that
        // midpoint, that rounds to even, up, where rounding once to f32 goes down
        let r: InkRecord = serde_json::from_str(
            r#"{"width": 1.000000178813934326171874999, "height": 280, "strokes": [[[1.000000178813934326171874999, 2]]]}"#,
        )
        .unwrap();
        let page = f32::from_bits(0x3F80_0002);
        assert_eq!((r.width, r.strokes[0][0][0]), (page, page));
        let e = check(r#"{"width": 280, "height": 280, "strokes": [[[3e30, -1e-7]]]}"#);
        assert!(
            e.starts_with("ink point [3e30, -1e-7] lies far outside the 280x280"),
            "{e}"
        );
    }

    #[test]
    fn surfaces_and_points_have_one_rule() {
        assert!(surface_ok(280.0, 280.0));
        assert!(surface_ok(MAX_SURFACE_SIDE, 1.0));
        for (w, h) in [
            (0.0, 280.0),
            (280.0, -1.0),
            (4097.0, 280.0),
            (f32::NAN, 280.0),
            (280.0, f32::INFINITY),
        ] {
            assert!(!surface_ok(w, h), "{w}x{h}");
        }
        // up to one surface size beyond each edge
        for p in [[0.0, 0.0], [280.0, 280.0], [-280.0, 560.0], [560.0, -280.0]] {
            assert!(point_ok(p, 280.0, 280.0), "{p:?}");
        }
        for p in [
            [-280.5, 0.0],
            [0.0, 560.5],
            [1e30, 10.0],
            [f32::NAN, 0.0],
            [0.0, f32::NEG_INFINITY],
        ] {
            assert!(!point_ok(p, 280.0, 280.0), "{p:?}");
        }
    }

    #[test]
    fn strokes_are_split_and_bounded() {
        let mut s: Strokes<4, 2> = Strokes::new();
        assert!(s.is_empty());
        s.push([0.0, 0.0]).unwrap();
        s.push([1.0, 1.0]).unwrap();
        s.begin_stroke().unwrap();
        s.begin_stroke().unwrap(); // an empty stroke is reused, not counted
        s.push([5.0, 5.0]).unwrap();
        extern crate std;
        let v: std::vec::Vec<_> = s.strokes().collect();
        assert_eq!(v, [&[[0.0, 0.0], [1.0, 1.0]][..], &[[5.0, 5.0]][..]]);
        s.push([6.0, 6.0]).unwrap();
        assert_eq!(s.push([7.0, 7.0]), Err(Error::CapacityExceeded));
        assert_eq!(s.begin_stroke(), Err(Error::CapacityExceeded));
        assert_eq!(s.push([f32::NAN, 0.0]), Err(Error::NonFiniteInput));
        assert_eq!(s.point_count(), 4);
        // a whole stroke goes in whole or not at all
        let mut t: Strokes<4, 2> = Strokes::new();
        t.push_stroke(&[[0.0, 0.0]]).unwrap();
        for (bad, e) in [
            (&[[1.0, 1.0], [f32::NAN, 0.0]][..], Error::NonFiniteInput),
            (
                &[[1.0, 1.0], [2.0, 2.0], [3.0, 3.0], [4.0, 4.0]][..],
                Error::CapacityExceeded,
            ),
        ] {
            assert_eq!(t.push_stroke(bad), Err(e));
            assert_eq!((t.stroke_count(), t.point_count()), (1, 1), "{bad:?}");
        }
        t.push_stroke(&[[1.0, 1.0], [2.0, 2.0], [3.0, 3.0]])
            .unwrap();
        assert_eq!((t.stroke_count(), t.point_count()), (2, 4));
        assert_eq!(t.push_stroke(&[]), Err(Error::CapacityExceeded));
        s.clear();
        assert_eq!(s.stroke_count(), 0);
    }

    /// The points of a stroke whose pen-down was refused (no room for another stroke) are
    /// refused too: they never join the stroke before it, a line the writer did not draw.
    #[test]
    fn the_points_of_a_refused_stroke_are_refused() {
        let mut s: Strokes<16, 2> = Strokes::new();
        s.push_stroke(&[[0.0, 0.0], [1.0, 1.0]]).unwrap();
        s.push_stroke(&[[10.0, 10.0]]).unwrap();
        assert_eq!(s.begin_stroke(), Err(Error::CapacityExceeded));
        assert_eq!(s.push([5.0, 50.0]), Err(Error::CapacityExceeded));
        assert_eq!(s.push([6.0, 60.0]), Err(Error::CapacityExceeded));
        extern crate std;
        let v: std::vec::Vec<_> = s.strokes().collect();
        assert_eq!(v, [&[[0.0, 0.0], [1.0, 1.0]][..], &[[10.0, 10.0]][..]]);
        // a clear makes room, and the next pen-down is taken
        s.clear();
        s.begin_stroke().unwrap();
        s.push([5.0, 50.0]).unwrap();
        assert_eq!(s.point_count(), 1);
        // an empty stroke kept open is the room a pen-down needs
        let mut t: Strokes<16, 2> = Strokes::new();
        t.push_stroke(&[[0.0, 0.0]]).unwrap();
        t.begin_stroke().unwrap();
        t.begin_stroke().unwrap();
        t.push([3.0, 3.0]).unwrap();
        assert_eq!(t.stroke_count(), 2);
    }
}
