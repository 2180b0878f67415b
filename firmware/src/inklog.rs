//! A drawing as one line of the ink JSON Lines format
//! ([docs/ink-format.md](../../docs/ink-format.md)), written through
//! `core::fmt` without allocation.
//!
//! The boards log every drawing the user corrects this way (prefixed `ink `:
//! the Pico on its UART, the STM32F429I-DISC1 over RTT), so the drawings
//! people taught a board can be collected from its log and given to
//! `host-trainer train --ink` or `adapt --ink`:
//!
//! ```text
//! sed -n 's/^.*ink {/{/p' board.log > corrections.jsonl
//! ```
//!
//! The surface is the drawing area ([`DRAW_AREA`], 232x212) and the points are
//! the app's ink in its local pixels, so the core's stroke path gives the
//! host exactly the image the board saw.
use core::fmt;

use crate::app::Ink;
use crate::ui::DRAW_AREA;

/// `{"label":L,"width":232,"height":212,"strokes":[[[x,y],...],...]}` for
/// `ink` (no `label` key without a label). Coordinates are written as
/// integers: the app's ink holds whole pixels (a fraction would be cut).
#[derive(Debug, Clone, Copy)]
pub struct InkLine<'a> {
    /// The strokes, in [`DRAW_AREA`]-local pixels.
    pub ink: &'a Ink,
    /// The digit the drawing shows, when known.
    pub label: Option<u8>,
}

impl fmt::Display for InkLine<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("{")?;
        if let Some(label) = self.label {
            write!(f, "\"label\":{label},")?;
        }
        let size = DRAW_AREA.size;
        write!(
            f,
            "\"width\":{},\"height\":{},\"strokes\":[",
            size.width, size.height
        )?;
        for (i, stroke) in self.ink.strokes().enumerate() {
            f.write_str(if i == 0 { "[" } else { ",[" })?;
            for (j, &[x, y]) in stroke.iter().enumerate() {
                // the app's ink holds whole pixels inside the drawing area:
                // printed as integers (no float formatting code on the board)
                let sep = if j == 0 { "" } else { "," };
                write!(f, "{sep}[{},{}]", x as i32, y as i32)?;
            }
            f.write_str("]")?;
        }
        f.write_str("]}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::app::{INK_POINTS, INK_STROKES};
    use nnet_core::ink::InkRecord;
    use std::string::ToString;
    use std::vec::Vec;

    fn ink(strokes: &[&[[f32; 2]]]) -> Ink {
        let mut ink = Ink::new();
        for s in strokes {
            ink.push_stroke(s).unwrap();
        }
        ink
    }

    #[test]
    fn a_line_is_an_ink_record_with_the_same_strokes() {
        let drawing = ink(&[&[[0.0, 0.0], [231.0, 211.0], [5.0, 7.0]], &[[100.0, 3.0]]]);
        let line = InkLine {
            ink: &drawing,
            label: Some(7),
        }
        .to_string();
        assert_eq!(
            line,
            "{\"label\":7,\"width\":232,\"height\":212,\"strokes\":[[[0,0],[231,211],[5,7]],[[100,3]]]}"
        );
        let r: InkRecord = serde_json::from_str(&line).unwrap();
        assert_eq!(r.label, Some(7));
        assert_eq!((r.width, r.height), (232.0, 212.0));
        let strokes: Vec<Vec<[f32; 2]>> = drawing.strokes().map(|s| s.to_vec()).collect();
        assert_eq!(r.strokes, strokes);
        // the host's stroke path sees the image the board saw
        let host =
            nnet_core::preprocess::from_strokes(&r.to_strokes::<64, 4>().unwrap(), 232.0, 212.0);
        let board = nnet_core::preprocess::from_strokes(&drawing, 232.0, 212.0);
        assert_eq!(host, board);
    }

    #[test]
    fn no_label_no_key_and_an_empty_drawing_has_no_strokes() {
        let line = InkLine {
            ink: &Ink::new(),
            label: None,
        }
        .to_string();
        assert_eq!(line, "{\"width\":232,\"height\":212,\"strokes\":[]}");
        let r: InkRecord = serde_json::from_str(&line).unwrap();
        assert_eq!(r.label, None);
    }

    #[test]
    fn a_full_buffer_is_one_valid_line() {
        let mut drawing = Ink::new();
        for s in 0..INK_STROKES {
            drawing.begin_stroke().unwrap();
            for p in 0..INK_POINTS / INK_STROKES {
                drawing
                    .push([(s * 7 % 232) as f32, (p * 3 % 212) as f32])
                    .unwrap();
            }
        }
        let line = InkLine {
            ink: &drawing,
            label: Some(0),
        }
        .to_string();
        assert!(!line.contains('\n'));
        let r: InkRecord = serde_json::from_str(&line).unwrap();
        let points: usize = r.strokes.iter().map(Vec::len).sum();
        assert_eq!((r.strokes.len(), points), (INK_STROKES, INK_POINTS));
    }
}
