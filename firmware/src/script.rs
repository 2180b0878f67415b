//! Scripted touch input: a few hand-made digit drawings, played through the
//! app exactly like polls from a touch controller. The desktop simulator and
//! the QEMU self-test use the same scripts, so their frames can be compared
//! pixel for pixel.
use embedded_graphics::prelude::*;

use crate::app::{App, Learn, Status};
use crate::touch::TouchConfig;
use crate::ui::{self, DIGIT_BOX, DRAW_AREA};
use nnet_core::Classifier;

/// One scripted drawing.
#[derive(Debug, Clone, Copy)]
pub struct DigitScript {
    /// The digit the drawing is meant to show.
    pub digit: u8,
    /// Strokes as polylines of [`DRAW_AREA`]-local pixels (232x212); [`play`]
    /// interpolates between the corner points.
    pub strokes: &'static [&'static [[i16; 2]]],
}

/// Scripted drawings of several digits.
pub const DIGIT_SCRIPTS: &[DigitScript] = &[
    DigitScript {
        digit: 0,
        strokes: &[&[
            [116, 28],
            [93, 34],
            [77, 51],
            [71, 78],
            [71, 106],
            [74, 134],
            [86, 165],
            [116, 184],
            [146, 165],
            [158, 134],
            [161, 106],
            [158, 78],
            [152, 51],
            [139, 34],
            [116, 28],
            [110, 32],
        ]],
    },
    DigitScript {
        digit: 1,
        strokes: &[&[[124, 26], [121, 70], [116, 130], [112, 188]]],
    },
    DigitScript {
        digit: 2,
        strokes: &[&[
            [76, 60],
            [90, 36],
            [116, 26],
            [142, 34],
            [154, 56],
            [148, 84],
            [126, 112],
            [96, 146],
            [72, 182],
            [118, 182],
            [164, 182],
        ]],
    },
    DigitScript {
        digit: 3,
        strokes: &[&[
            [74, 44],
            [100, 28],
            [130, 28],
            [152, 44],
            [152, 72],
            [130, 96],
            [104, 102],
            [134, 106],
            [158, 128],
            [158, 160],
            [134, 182],
            [100, 184],
            [74, 168],
        ]],
    },
    DigitScript {
        digit: 4,
        strokes: &[
            &[[128, 26], [100, 80], [72, 130], [120, 130], [166, 130]],
            &[[140, 70], [139, 130], [138, 188]],
        ],
    },
    DigitScript {
        digit: 7,
        strokes: &[&[[70, 32], [115, 32], [160, 32], [132, 110], [104, 188]]],
    },
];

/// Longest step, in pixels along either axis, between consecutive polls when
/// playing a polyline (a diagonal step is up to `STEP * √2` long).
pub const STEP: i32 = 3;

/// The touch polls of one stroke given as a polyline of screen pixels, handed
/// to `poll` in order: the pen goes down at the first point (held for the
/// debounce polls of `config`), visits points at most [`STEP`] pixels apart
/// along either axis on the segments, and lifts (released polls up to the debounce count).
/// Returns the number of polls.
pub fn stroke_polls(
    polyline: &[Point],
    config: TouchConfig,
    mut poll: impl FnMut(Option<Point>),
) -> usize {
    let Some(&first) = polyline.first() else {
        return 0;
    };
    let mut polls = 0;
    for _ in 0..config.press_polls.max(1) {
        poll(Some(first));
        polls += 1;
    }
    for pair in polyline.windows(2) {
        let (a, b) = (pair[0], pair[1]);
        // in i64: a segment across the whole i32 range does not overflow
        let (dx, dy) = (
            i64::from(b.x) - i64::from(a.x),
            i64::from(b.y) - i64::from(a.y),
        );
        let n = (dx.abs().max(dy.abs()) + i64::from(STEP) - 1) / i64::from(STEP);
        for k in 1..=n {
            let at = |from: i32, d: i64| (i64::from(from) + d * k / n) as i32;
            poll(Some(Point::new(at(a.x, dx), at(a.y, dy))));
            polls += 1;
        }
    }
    for _ in 0..config.release_polls.max(1) {
        poll(None);
        polls += 1;
    }
    polls
}

/// Plays one stroke ([`stroke_polls`]) into `app`. Returns the number of touch polls fed.
pub fn play_stroke<N: Classifier>(app: &mut App<N>, polyline: &[Point]) -> usize {
    let config = app.touch_config();
    stroke_polls(polyline, config, |sample| {
        app.touch(sample);
    })
}

/// The touch polls of a whole script (every stroke, in order), handed to
/// `poll`: what [`play`] feeds an app, and what a touch-screen model replays
/// to a board. Returns the number of polls. Only the first 64 corner points
/// of a stroke are used (the scripts have fewer).
pub fn script_polls(
    script: &DigitScript,
    config: TouchConfig,
    mut poll: impl FnMut(Option<Point>),
) -> usize {
    let mut polls = 0;
    let mut buf: heapless::Vec<Point, 64> = heapless::Vec::new();
    for stroke in script.strokes {
        buf.clear();
        for &[x, y] in stroke.iter().take(buf.capacity()) {
            // capacity checked by take()
            let _ = buf.push(DRAW_AREA.top_left + Point::new(x.into(), y.into()));
        }
        polls += stroke_polls(&buf, config, &mut poll);
    }
    polls
}

/// Plays a whole script ([`script_polls`]) into `app`, starting from
/// whatever `app` shows. Returns the number of touch polls fed.
pub fn play<N: Classifier>(app: &mut App<N>, script: &DigitScript) -> usize {
    let config = app.touch_config();
    script_polls(script, config, |sample| {
        app.touch(sample);
    })
}

/// Taps screen point `p` (pen down, held for the debounce polls, lifted).
/// Returns the number of touch polls fed.
pub fn tap<N: Classifier>(app: &mut App<N>, p: Point) -> usize {
    play_stroke(app, &[p])
}

/// The touch polls of teaching a shown drawing that it is `label`, as a
/// user does it, handed to `poll`: a tap on the shown digit opens the keypad,
/// a tap on the key teaches. Returns the number of polls.
pub fn teach_polls(label: u8, config: TouchConfig, mut poll: impl FnMut(Option<Point>)) -> usize {
    stroke_polls(&[DIGIT_BOX.center()], config, &mut poll)
        + stroke_polls(&[ui::key_rect(label).center()], config, &mut poll)
}

/// Teaches `app` that its drawing is `label` ([`teach_polls`]). Returns the
/// number of touch polls fed.
pub fn teach<N: Classifier>(app: &mut App<N>, label: u8) -> usize {
    let config = app.touch_config();
    teach_polls(label, config, |sample| {
        app.touch(sample);
    })
}

/// Renders the frame for `script`: a fresh learning [`App`] with `net` (as on
/// the boards), the script played, the whole frame drawn into `target`.
/// Returns the app's final status.
pub fn render<N: Learn, D>(net: N, script: &DigitScript, target: &mut D) -> Result<Status, D::Error>
where
    D: DrawTarget<Color = embedded_graphics::pixelcolor::Rgb565>,
{
    let mut app = App::learning(net);
    play(&mut app, script);
    app.draw(target)?;
    Ok(*app.status())
}

/// One screen state the golden frame hashes cover (`tests/data/ui-golden.txt`,
/// checked on the host, in the desktop simulator and in the QEMU self-test).
/// Its [`Display`](core::fmt::Display) is the state's name in that file.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum UiState {
    /// Nothing drawn yet.
    Empty,
    /// A stroke being drawn: pen down and moving, not lifted yet.
    Drawing,
    /// More strokes than the ink buffer holds, each a short dash: the answer
    /// for what it kept, under the [`notice::INK_FULL`](crate::notice::INK_FULL)
    /// banner.
    InkFull,
    /// [`DIGIT_SCRIPTS`]`[index]` played into a fresh app: the final screen.
    Script {
        /// Index into [`DIGIT_SCRIPTS`].
        index: usize,
        /// The digit the script draws.
        digit: u8,
        /// What the app ended showing.
        status: Status,
    },
    /// [`DIGIT_SCRIPTS`]`[0]` played, its digit tapped: the teaching keypad,
    /// with the key of `pressed` held down, if any.
    Keypad {
        /// The key held down.
        pressed: Option<u8>,
    },
    /// [`DIGIT_SCRIPTS`]`[0]` played and taught as `label` ([`teach`]): the
    /// network's new answer.
    Taught {
        /// The digit taught.
        label: u8,
        /// What the app ended showing.
        status: Status,
    },
    /// That answer with the [`notice::NOT_SAVED`](crate::notice::NOT_SAVED)
    /// banner: the board could not save the correction to flash.
    NotSaved {
        /// The digit taught.
        label: u8,
    },
    /// Then the Clear button held for [`crate::app::FORGET_POLLS`] polls: it
    /// says "Forget learned".
    ForgetHeld,
    /// Then released there: the network forgot, the screen is empty.
    Forgot,
    /// That empty screen with the [`notice::NOT_ERASED`](crate::notice::NOT_ERASED)
    /// banner: the board could not erase what it learned from flash.
    NotErased,
    /// A board started again after a panic: the empty screen with the
    /// [`notice::PANIC_RESTARTED`](crate::notice::PANIC_RESTARTED) banner.
    PanicRestarted,
    /// A board started again by its watchdog: the empty screen with the
    /// [`notice::WATCHDOG_RESTARTED`](crate::notice::WATCHDOG_RESTARTED) banner.
    WatchdogRestarted,
    /// A board that found what it learned damaged in flash, with no good save left: the empty
    /// screen with the [`notice::LEARNED_DAMAGED`](crate::notice::LEARNED_DAMAGED) banner.
    LearnedDamaged,
    /// The F429 with its touch bus stuck (a device holding the clock line low)
    /// since the start: the empty screen with the
    /// [`notice::TOUCH_SCL_HELD_LOW`](crate::notice::TOUCH_SCL_HELD_LOW) banner.
    TouchBusStuck,
    /// A board whose embedded model fails its checks: the whole-screen
    /// [`notice::CANNOT_START`](crate::notice::CANNOT_START) notice.
    ModelInvalid,
    /// A Pico whose crystal oscillator does not start: the whole-screen
    /// [`notice::CANNOT_START`](crate::notice::CANNOT_START) notice with
    /// [`notice::NO_CLOCK`](crate::notice::NO_CLOCK).
    NoClock,
}

impl core::fmt::Display for UiState {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            UiState::Empty => f.write_str("empty"),
            UiState::Drawing => f.write_str("drawing"),
            UiState::InkFull => f.write_str("ink-full"),
            UiState::Script {
                index,
                digit,
                status: Status::Recognised(p),
            } => write!(f, "script{index}-digit{digit}-shows{}", p.digit),
            UiState::Script {
                index,
                digit,
                status,
            } => write!(f, "script{index}-digit{digit}-{status:?}"),
            UiState::Keypad { pressed: None } => f.write_str("teach-keypad"),
            UiState::Keypad { pressed: Some(d) } => write!(f, "teach-keypad-holding{d}"),
            UiState::Taught {
                label,
                status: Status::Recognised(p),
            } => write!(f, "script0-taught{label}-shows{}", p.digit),
            UiState::Taught { label, status } => write!(f, "script0-taught{label}-{status:?}"),
            UiState::NotSaved { label } => write!(f, "script0-taught{label}-not-saved"),
            UiState::ForgetHeld => f.write_str("clear-held-forget"),
            UiState::Forgot => f.write_str("forgot"),
            UiState::NotErased => f.write_str("forgot-not-erased"),
            UiState::WatchdogRestarted => f.write_str("empty-restarted-by-watchdog"),
            UiState::PanicRestarted => f.write_str("empty-restarted-after-panic"),
            UiState::LearnedDamaged => f.write_str("empty-learned-damaged"),
            UiState::TouchBusStuck => f.write_str("empty-touch-bus-stuck"),
            UiState::ModelInvalid => f.write_str("cannot-start-model-invalid"),
            UiState::NoClock => f.write_str("cannot-start-no-clock"),
        }
    }
}

/// One line of `tests/data/ui-golden.txt`: the state's name and the FNV-1a 64
/// hash of its frame, `NAME HASH` (16 hex digits). Every check of the golden
/// file writes its lines with this.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct GoldenLine(pub UiState, pub u64);

impl core::fmt::Display for GoldenLine {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(f, "{} {:016x}", self.0, self.1)
    }
}

/// The digit [`ui_states`] teaches [`DIGIT_SCRIPTS`]`[0]` as: another digit
/// than the one drawn, so the network has to move.
pub const TAUGHT_LABEL: u8 = 6;

/// Draws every [`UiState`] in turn into `target` (each a whole frame, from a
/// fresh learning [`App`] with a clone of `net`, as on the boards) and calls
/// `visit` with the state and the target after each: the frames the golden
/// hashes are taken of.
pub fn ui_states<N, D>(
    net: &N,
    target: &mut D,
    mut visit: impl FnMut(UiState, &D),
) -> Result<(), D::Error>
where
    N: Learn + Clone,
    D: DrawTarget<Color = embedded_graphics::pixelcolor::Rgb565>,
{
    App::learning(net.clone()).draw(target)?;
    visit(UiState::Empty, target);

    let mut app = App::learning(net.clone());
    let o = DRAW_AREA.top_left;
    for i in 0..40 {
        app.touch(Some(o + Point::new(60 + i * 2, 50 + i * 3)));
    }
    app.draw(target)?;
    visit(UiState::Drawing, target);

    let mut app = App::learning(net.clone());
    for i in 0..=crate::app::INK_STROKES as i32 {
        let at = o + Point::new(8 + i * 6, 40 + i % 4 * 40);
        play_stroke(&mut app, &[at, at + Point::new(4, 6)]);
    }
    app.draw(target)?;
    visit(UiState::InkFull, target);

    for (index, script) in DIGIT_SCRIPTS.iter().enumerate() {
        let status = render(net.clone(), script, target)?;
        let state = UiState::Script {
            index,
            digit: script.digit,
            status,
        };
        visit(state, target);
    }

    let mut app = App::learning(net.clone());
    play(&mut app, &DIGIT_SCRIPTS[0]);
    tap(&mut app, DIGIT_BOX.center());
    app.draw(target)?;
    visit(UiState::Keypad { pressed: None }, target);
    let key = ui::key_rect(TAUGHT_LABEL).center();
    for _ in 0..app.touch_config().press_polls.max(1) {
        app.touch(Some(key));
    }
    app.draw(target)?;
    let pressed = Some(TAUGHT_LABEL);
    visit(UiState::Keypad { pressed }, target);
    for _ in 0..app.touch_config().release_polls.max(1) {
        app.touch(None);
    }
    app.draw(target)?;
    let status = *app.status();
    visit(
        UiState::Taught {
            label: TAUGHT_LABEL,
            status,
        },
        target,
    );
    crate::notice::draw_banner(crate::notice::NOT_SAVED, target)?;
    visit(
        UiState::NotSaved {
            label: TAUGHT_LABEL,
        },
        target,
    );
    let polls = u16::from(app.touch_config().press_polls.max(1)) + crate::app::FORGET_POLLS;
    for _ in 0..polls {
        app.touch(Some(ui::CLEAR_BUTTON.center()));
    }
    app.draw(target)?;
    visit(UiState::ForgetHeld, target);
    for _ in 0..app.touch_config().release_polls.max(1) {
        app.touch(None);
    }
    app.draw(target)?;
    visit(UiState::Forgot, target);
    crate::notice::draw_banner(crate::notice::NOT_ERASED, target)?;
    visit(UiState::NotErased, target);
    // the start-up banners over the empty canvas
    for (state, banner) in [
        (UiState::PanicRestarted, crate::notice::PANIC_RESTARTED),
        (
            UiState::WatchdogRestarted,
            crate::notice::WATCHDOG_RESTARTED,
        ),
        (UiState::LearnedDamaged, crate::notice::LEARNED_DAMAGED),
        (UiState::TouchBusStuck, crate::notice::TOUCH_SCL_HELD_LOW),
    ] {
        App::learning(net.clone()).draw(target)?;
        crate::notice::draw_banner(banner, target)?;
        visit(state, target);
    }
    for (state, why) in [
        (UiState::ModelInvalid, crate::notice::MODEL_INVALID),
        (UiState::NoClock, crate::notice::NO_CLOCK),
    ] {
        crate::notice::draw_screen(crate::notice::CANNOT_START, why, target)?;
        visit(state, target);
    }
    Ok(())
}

/// The label the QEMU self-test's adapt check teaches fixture image `index`
/// (whose true label is `label`): another digit for even indices (a user
/// correcting to a wrong answer, so the layer must move far), the true digit
/// for odd ones. The host check uses the same sequence.
pub fn correction_label(index: usize, label: u8) -> u8 {
    if index.is_multiple_of(2) {
        (label + 1) % 10
    } else {
        label
    }
}

/// Deterministic test vectors for the QEMU self-test's dot-product check, made
/// the same way on the board's core and on the host that compares the bits: an
/// LCG seeded with `N`, weights in [-0.5, 0.5) and inputs in [0, 1).
pub fn dot_inputs<const N: usize>() -> ([f32; N], [f32; N]) {
    let mut s = 12345u32.wrapping_add(N as u32);
    let mut next = || {
        s = s.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
        (s >> 8) as f32 / (1u32 << 24) as f32
    };
    let mut w = [0.0f32; N];
    let mut x = [0.0f32; N];
    for (w, x) in w.iter_mut().zip(x.iter_mut()) {
        *w = next() - 0.5;
        *x = next();
    }
    (w, x)
}

/// What [`int8_sums`] gives: the hash of the kernels' sums and of the plain loops'.
pub type Int8Sums = Result<(u64, u64), nnet_core::Error>;

/// The int8 network's integer sums at hidden size `H` on fixed test values, for
/// the QEMU self-test's check of the Cortex-M kernels (which the shipped H = 300,
/// a multiple of 4, never runs at their remainders): the FNV-1a 64 of
/// `QuantMlp::hidden_acc_into`'s and `output_acc`'s sums as little-endian bytes,
/// and of the same sums from plain loops. The weights run through every `i8`
/// (-128 and 127 included), the pixels and hidden values through every `u8`.
/// (Not inlined: each size's weight arrays live on its own call's stack only.)
#[inline(never)]
pub fn int8_sums<const H: usize>() -> Int8Sums {
    use nnet_core::{QuantMlp, INPUT, OUTPUT};
    let weight = |n: usize| (n.wrapping_mul(151).wrapping_add(7) % 256) as u8 as i8;
    let value = |n: usize| (n.wrapping_mul(97).wrapping_add(3) % 256) as u8;
    let w1q: [[i8; H]; INPUT] =
        core::array::from_fn(|i| core::array::from_fn(|j| weight(i * H + j)));
    let w2q: [[i8; H]; OUTPUT] =
        core::array::from_fn(|k| core::array::from_fn(|j| weight(INPUT * H + k * H + j)));
    let xq: [u8; INPUT] = core::array::from_fn(value);
    let hidden: [u8; H] = core::array::from_fn(|j| value(INPUT + j));
    let net = QuantMlp::<H>::from_slices(
        w1q.as_flattened(),
        &[1.0; H],
        &[0.0; H],
        w2q.as_flattened(),
        &[1.0; OUTPUT],
        &[0.0; OUTPUT],
    )?;
    let mut acc = [0i32; H];
    net.hidden_acc_into(core::hint::black_box(&xq), &mut acc);
    let out = net.output_acc(core::hint::black_box(&hidden));
    let mut plain = [0i32; H];
    for (row, &x) in w1q.iter().zip(&xq) {
        for (a, &w) in plain.iter_mut().zip(row) {
            *a += i32::from(x) * i32::from(w);
        }
    }
    let plain_out: [i32; OUTPUT] = core::array::from_fn(|k| {
        w2q[k]
            .iter()
            .zip(&hidden)
            .map(|(&w, &h)| i32::from(w) * i32::from(h))
            .sum()
    });
    let fnv = |hidden: [i32; H], output: [i32; OUTPUT]| {
        crate::framebuffer::fnv1a64_of(hidden.into_iter().chain(output).flat_map(i32::to_le_bytes))
    };
    Ok((fnv(acc, out), fnv(plain, plain_out)))
}

/// [`int8_sums`] at the hidden sizes the QEMU self-test checks them at, 1 to 9 and 13 (no, one
/// and more 4-unit blocks, each remainder): `(H, sums)` in that order.
pub fn int8_sums_at_test_sizes() -> [(usize, Int8Sums); 10] {
    macro_rules! at {
        ($($n:literal),*) => { [$(($n, int8_sums::<$n>())),*] };
    }
    at!(1, 2, 3, 4, 5, 6, 7, 8, 9, 13)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// On this host (the portable loops) the int8 sums equal the plain loops', at
    /// the sizes the QEMU self-test checks and at the shipped H = 300.
    #[test]
    fn int8_sums_match_plain_loops_on_the_host() {
        for (h, sums) in int8_sums_at_test_sizes() {
            let (kernels, plain) = sums.unwrap();
            assert_eq!(kernels, plain, "H = {h}");
        }
        let (kernels, plain) = int8_sums::<300>().unwrap();
        assert_eq!(kernels, plain, "H = 300");
    }

    /// With a trained model embedded (its file records a test accuracy of at
    /// least 90 %), every scripted drawing is recognised as the digit it shows.
    /// Another model (`NNET_MODEL`) may skip it; the shipped ones may not.
    #[test]
    fn scripts_are_recognised_by_a_trained_embedded_model() {
        if !crate::model::TEST_ACCURACY.is_some_and(|a| a >= 0.9) {
            let shipped = ["models/mnist-mlp.nnet", "models/mnist-mlp-i8.nnet"]
                .iter()
                .any(|m| crate::model::SOURCE_PATH.ends_with(m));
            assert!(
                !shipped,
                "the shipped model {} records no test accuracy >= 0.9",
                crate::model::SOURCE_PATH
            );
            std::eprintln!(
                "skipped: the embedded model {} records no test accuracy >= 0.9",
                crate::model::SOURCE_PATH
            );
            return;
        }
        let net = crate::model::adapted().unwrap();
        let mut fb = std::boxed::Box::new(crate::framebuffer::Framebuffer::new());
        for s in DIGIT_SCRIPTS {
            match render(net.clone(), s, &mut *fb) {
                Ok(Status::Recognised(p)) => assert_eq!(p.digit, s.digit, "{p:?}"),
                other => panic!("script for {}: {other:?}", s.digit),
            }
        }
    }

    #[test]
    fn scripts_stay_inside_the_drawing_area() {
        assert!(DIGIT_SCRIPTS.len() >= 5);
        for s in DIGIT_SCRIPTS {
            assert!(s.digit <= 9);
            for stroke in s.strokes {
                assert!(stroke.len() >= 2 && stroke.len() <= 64);
                for &[x, y] in *stroke {
                    let p = DRAW_AREA.top_left + Point::new(x.into(), y.into());
                    assert!(DRAW_AREA.contains(p), "digit {}: {p:?}", s.digit);
                }
            }
        }
    }
}
