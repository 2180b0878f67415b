//! Property tests of `firmware::app::App` under random touch streams: whatever a
//! touch controller reports (coordinates far off the screen, taps, scribbles
//! much longer than the ink buffer, press/release storms, random filter
//! tuning), the app never panics, its ink buffer stays within its capacity,
//! and once the pen has been up long enough it is back in its ready state
//! (no gesture in progress, Clear not shown pressed, no "pending" panel).
//! The app learns from corrections (taps on the shown digit and on the
//! teaching keys are part of the streams); the teaching keypad is only ever
//! open over a recognised digit; holding Clear forgets exactly when the button
//! said "Forget learned" as the pen lifted. A screen repainted only after the
//! polls that ask for it (as the boards and the simulator repaint) shows the
//! app's full frame.
use std::boxed::Box;

use embedded_graphics::prelude::*;
use nnet_core::adapt::AdaptedMlp;
use proptest::prelude::*;

use crate::app::{App, Status, FORGET_POLLS, INK_LENGTH, INK_POINTS, INK_STROKES};
use crate::framebuffer::Framebuffer;
use crate::touch::TouchConfig;
use crate::ui::{self, CLEAR_BUTTON, DIGIT_BOX, DRAW_AREA};

use crate::app::tests::{model, H};

/// The invariants that hold after every poll.
fn check_bounds(app: &App<AdaptedMlp<'_, H>>) -> Result<(), TestCaseError> {
    let ink = app.ink();
    prop_assert!(
        ink.point_count() <= INK_POINTS,
        "{} points",
        ink.point_count()
    );
    prop_assert!(
        ink.stroke_count() <= INK_STROKES,
        "{} strokes",
        ink.stroke_count()
    );
    prop_assert!(
        app.ink_length() <= INK_LENGTH,
        "{} of ink",
        app.ink_length()
    );
    let size = DRAW_AREA.size;
    for p in ink.strokes().flatten() {
        prop_assert!(
            (0.0..size.width as f32).contains(&p[0]) && (0.0..size.height as f32).contains(&p[1]),
            "ink point {p:?} outside the drawing area"
        );
    }
    prop_assert!(
        !app.is_teaching() || app.prediction().is_some(),
        "the teaching keypad is open over {:?}",
        app.status()
    );
    Ok(())
}

/// Lifts the pen (enough released polls for any filter tuning) and checks the ready state.
fn release_and_check_ready(app: &mut App<AdaptedMlp<'_, H>>) -> Result<(), TestCaseError> {
    for _ in 0..=app.touch_config().release_polls.max(1) {
        app.touch(None);
        check_bounds(app)?;
    }
    prop_assert!(app.is_ready(), "not ready after release");
    prop_assert!(!app.view().clear_pressed, "Clear still shown pressed");
    prop_assert!(
        !matches!(app.status(), Status::Pending),
        "panel still pending after pen-up"
    );
    if app.ink().is_empty() {
        prop_assert!(
            matches!(app.status(), Status::Empty),
            "no ink but status {:?}",
            app.status()
        );
    } else {
        prop_assert!(
            !matches!(app.status(), Status::Empty),
            "ink on the canvas but the panel says 'draw a digit'"
        );
    }
    Ok(())
}

/// The incremental repaint equals a full frame.
fn check_frames(
    app: &mut App<AdaptedMlp<'_, H>>,
    inc: &mut Framebuffer,
) -> Result<(), TestCaseError> {
    let mut full = Box::new(Framebuffer::new());
    app.draw_update(inc).unwrap();
    app.draw(&mut *full).unwrap();
    prop_assert!(inc.pixels() == full.pixels(), "incremental frame differs");
    Ok(())
}

/// The target, repainted only after the polls that asked for it, equals a full frame.
fn check_shown(app: &App<AdaptedMlp<'_, H>>, shown: &Framebuffer) -> Result<(), TestCaseError> {
    let mut full = Box::new(Framebuffer::new());
    app.draw(&mut *full).unwrap();
    prop_assert!(
        shown.pixels() == full.pixels(),
        "a poll changed the frame without asking for a redraw"
    );
    Ok(())
}

/// Any coordinate a broken driver might report, biased towards the screen and its edges.
fn coordinate() -> impl Strategy<Value = i32> {
    prop_oneof![
        4 => -20i32..340,
        1 => any::<i32>(),
        1 => Just(i32::MIN),
        1 => Just(i32::MAX),
    ]
}

fn sample() -> impl Strategy<Value = Option<Point>> {
    prop_oneof![
        2 => Just(None),
        3 => (coordinate(), coordinate()).prop_map(|(x, y)| Some(Point::new(x, y))),
        1 => Just(Some(CLEAR_BUTTON.center())),
        1 => Just(Some(DIGIT_BOX.center())),
        1 => (0u8..10).prop_map(|d| Some(ui::key_rect(d).center())),
    ]
}

fn config() -> impl Strategy<Value = TouchConfig> {
    (0u8..4, 0u8..5, -3i32..6).prop_map(|(press_polls, release_polls, min_move)| TouchConfig {
        press_polls,
        release_polls,
        min_move,
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(96))]

    /// Random polls with random filter tuning: bounded, never stuck, and a
    /// poll that changes the frame says so.
    #[test]
    fn random_polls_keep_the_app_bounded_and_ready_after_release(
        cfg in config(),
        polls in prop::collection::vec(sample(), 0..600),
    ) {
        let m = model();
        let mut app = App::learning_with_touch_config(AdaptedMlp::new(m.mlp::<H>().unwrap()), cfg);
        let mut inc = Box::new(Framebuffer::new());
        app.draw_update(&mut *inc).unwrap();
        for (i, s) in polls.iter().enumerate() {
            // repainted as the boards do: only when the poll asks for it
            if app.touch(*s) {
                app.draw_update(&mut *inc).unwrap();
            }
            check_bounds(&app)?;
            if i % 7 == 0 {
                check_shown(&app, &inc)?;
            }
        }
        release_and_check_ready(&mut app)?;
        check_frames(&mut app, &mut inc)?;
    }

    /// Press/release storms: runs of pressed and released polls of random
    /// lengths, anywhere (drawing area, Clear button, off-screen).
    #[test]
    fn press_release_storms(
        runs in prop::collection::vec((sample(), 0usize..6, 0usize..5), 1..300),
    ) {
        let m = model();
        let mut app = App::learning(AdaptedMlp::new(m.mlp::<H>().unwrap()));
        for (s, pressed, released) in runs {
            for _ in 0..pressed {
                app.touch(s);
                check_bounds(&app)?;
            }
            for _ in 0..released {
                app.touch(None);
                check_bounds(&app)?;
            }
        }
        release_and_check_ready(&mut app)?;
    }

    /// Scripted digits, corrections and holds of the Clear button of any
    /// length, in any order: a release forgets exactly when the button said
    /// "Forget learned" on the last poll before it, and then the network is
    /// back to its own output layer with no corrections.
    #[test]
    fn clear_forgets_exactly_when_it_says_so(
        cfg in config(),
        steps in prop::collection::vec((0usize..6, 0u8..10, 0u16..2 * FORGET_POLLS), 1..8),
    ) {
        let m = model();
        let own = AdaptedMlp::new(m.mlp::<H>().unwrap());
        let mut app = App::learning_with_touch_config(own.clone(), cfg);
        for (script, label, hold) in steps {
            crate::script::play(&mut app, &crate::script::DIGIT_SCRIPTS[script]);
            crate::script::teach(&mut app, label);
            release_and_check_ready(&mut app)?;
            let (forgets, corrections) = (app.forgets(), app.corrections());
            let mut said = false;
            for _ in 0..hold {
                app.touch(Some(CLEAR_BUTTON.center()));
                said = app.view().forget;
                prop_assert!(!said || corrections > 0, "'Forget learned' with nothing learned");
            }
            release_and_check_ready(&mut app)?;
            if said {
                prop_assert_eq!(app.forgets(), forgets + 1);
                prop_assert_eq!(app.corrections(), 0);
                prop_assert!(app.net().output() == own.output());
            } else {
                prop_assert_eq!(app.forgets(), forgets);
                prop_assert_eq!(app.corrections(), corrections);
            }
        }
    }

    /// Taps (one poll or a few) all over the drawing area: many one-point
    /// strokes, more than the buffer holds; the app keeps the strokes it has,
    /// the tap that does not fit asks for a redraw (its banner), and a tap
    /// that leaves the drawing as it was gives no new answer (none counted
    /// for the boards to log, the shown one kept).
    #[test]
    fn taps_fill_the_stroke_buffer(
        taps in prop::collection::vec((0i32..232, 0i32..212, 1usize..4), 1..120),
    ) {
        let m = model();
        let mut app = App::learning(AdaptedMlp::new(m.mlp::<H>().unwrap()));
        let mut shown = Box::new(Framebuffer::new());
        app.draw_update(&mut *shown).unwrap();
        for (x, y, polls) in taps {
            let ink = (app.ink().stroke_count(), app.ink().point_count());
            let (answers, status) = (app.answers(), *app.status());
            for _ in 0..polls {
                let was_full = app.ink_full();
                if app.touch(Some(DRAW_AREA.top_left + Point::new(x, y))) {
                    app.draw_update(&mut *shown).unwrap();
                }
                // the tap that did not fit asked for its banner
                if app.ink_full() && !was_full {
                    check_shown(&app, &shown)?;
                }
            }
            release_and_check_ready(&mut app)?;
            app.draw_update(&mut *shown).unwrap();
            if (app.ink().stroke_count(), app.ink().point_count()) == ink {
                prop_assert_eq!(app.answers(), answers);
                prop_assert_eq!(*app.status(), status);
            } else {
                prop_assert_eq!(app.answers(), answers.wrapping_add(1));
            }
        }
    }

    /// A 10,000-point scribble (every poll a new point, most of them across the
    /// drawing area) overflows the ink buffer: what it holds is kept, up to its
    /// ink length (INK_LENGTH) here, or its INK_POINTS points, the pen-up still
    /// recognises, and Clear empties everything. (The points run out first in
    /// `app::tests::a_full_ink_buffer_keeps_what_it_has`.)
    #[test]
    fn long_scribbles_fill_the_ink_buffer(
        seed in any::<u64>(),
        outside in any::<bool>(),
    ) {
        let m = model();
        let mut app = App::learning_with_touch_config(
            AdaptedMlp::new(m.mlp::<H>().unwrap()),
            TouchConfig { press_polls: 1, release_polls: 2, min_move: 2 },
        );
        let mut state = seed | 1;
        let mut next = move || {
            // xorshift64: cheap reproducible coordinates
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state
        };
        // the first poll starts the stroke in the drawing area
        app.touch(Some(DRAW_AREA.center()));
        for i in 0..10_000u32 {
            let r = next();
            let (x, y) = if outside && i % 3 == 0 {
                // wild coordinates: clamped to the area's edge
                ((r as i32).wrapping_mul(7), (r >> 32) as i32)
            } else {
                // alternate between the two halves so every poll moves >= 2 px
                let x = (r % 100) as i32 + if i % 2 == 0 { 4 } else { 130 };
                (x, ((r >> 20) % 212) as i32 + 4)
            };
            app.touch(Some(Point::new(x, y)));
            check_bounds(&app)?;
        }
        // full of points, or of ink: the next line (at most the diagonal) does not fit
        prop_assert!(
            app.ink().point_count() == INK_POINTS || app.ink_length() + ui::DIAGONAL > INK_LENGTH,
            "{} points, {} of ink", app.ink().point_count(), app.ink_length()
        );
        prop_assert!(app.ink_full());
        release_and_check_ready(&mut app)?;
        prop_assert!(matches!(
            app.status(),
            Status::Recognised(_) | Status::NoDigit | Status::Failed(_)
        ));
        // Clear: press and release on the button
        app.touch(Some(CLEAR_BUTTON.center()));
        release_and_check_ready(&mut app)?;
        prop_assert!(app.ink().is_empty());
        prop_assert!(!app.ink_full());
        prop_assert_eq!(app.status(), &Status::Empty);
    }
}
