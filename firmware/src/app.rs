//! The application: touch polls in, strokes captured, recognition on pen-up,
//! a frame out. Runs the same on the board, in QEMU and in the simulator.
//!
//! Feed one touch poll at a time with [`App::touch`] (pen down at a screen
//! pixel, or `None` for pen up) and repaint with [`App::draw`] (whole frame)
//! or [`App::draw_update`] (only what changed) when it returns true. A
//! stroke that starts in [`ui::DRAW_AREA`] is inked (points outside
//! the area are clamped to its edge); when the pen lifts, the drawing goes
//! through `nnet_core::preprocess::from_strokes` and the network's
//! [`Classifier::predict`] (`Mlp`, or `QuantMlp` for an int8 model). Pressing
//! and releasing [`ui::CLEAR_BUTTON`] wipes the drawing.
//!
//! **Teaching.** An app made with [`App::learning`] (a network that can
//! [`Learn`], such as [`crate::model::Adapted`]) also learns from corrections,
//! like the web page: when it shows a digit, a tap on the digit
//! ([`ui::DIGIT_BOX`], captioned "wrong? tap") replaces the drawing with ten
//! keys ([`ui::key_rect`]); releasing the pen on a key teaches the network that
//! the drawing is that digit (`nnet_core::adapt`: a few SGD steps on the output
//! layer in RAM) and shows its new answer. A touch anywhere else leaves the keys
//! without learning. The boards keep what the network learned across resets
//! with [`crate::store`]. Holding Clear for [`FORGET_POLLS`] polls while the
//! network holds corrections turns the button into "Forget learned";
//! releasing it there forgets them all (the network's own output layer again).
use embedded_graphics::pixelcolor::Rgb565;
use embedded_graphics::prelude::*;
use nnet_core::adapt::{AdaptConfig, AdaptedMlp, AdaptedQuantMlp};
use nnet_core::{Error, Image, Prediction};

use nnet_core::Classifier;

use crate::touch::{TouchConfig, TouchEvent, TouchFilter};
use crate::ui::{self, Teach, CLEAR_BUTTON, DIGIT_BOX, DRAW_AREA};
pub use crate::ui::{Ink, Status, INK_LENGTH, INK_POINTS, INK_STROKES};

/// Polls (10 ms each on the boards) the Clear button must be held for a
/// release to forget what the network learned instead of clearing.
pub const FORGET_POLLS: u16 = 150;

/// A network that learns from a correction.
pub trait Learn: Classifier {
    /// Teaches the network that the 28x28 image `x` shows digit `label`
    /// (0..=9) and returns its new answer for `x`. A refused correction
    /// (label out of range, non-finite input) is an error and changes nothing.
    fn learn(&mut self, x: &Image, label: u8) -> Result<Prediction, Error>;

    /// Forgets every correction: back to the network as it was made.
    fn forget(&mut self);
}

impl<const H: usize> Learn for AdaptedMlp<'_, H> {
    fn learn(&mut self, x: &Image, label: u8) -> Result<Prediction, Error> {
        self.adapt(x, label, &AdaptConfig::DEFAULT)
    }
    fn forget(&mut self) {
        self.reset();
    }
}

impl<const H: usize> Learn for AdaptedQuantMlp<'_, H> {
    fn learn(&mut self, x: &Image, label: u8) -> Result<Prediction, Error> {
        self.adapt(x, label, &AdaptConfig::DEFAULT)
    }
    fn forget(&mut self) {
        self.reset();
    }
}

/// How an app teaches its network and makes it forget: `N::learn` and
/// `N::forget`, kept as function pointers so that the app itself needs only a
/// [`Classifier`].
#[derive(Debug)]
struct Teacher<N> {
    learn: fn(&mut N, &Image, u8) -> Result<Prediction, Error>,
    forget: fn(&mut N),
}

impl<N> Clone for Teacher<N> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<N> Copy for Teacher<N> {}

impl<N: Learn> Teacher<N> {
    fn new() -> Self {
        Teacher {
            learn: |net, x, label| net.learn(x, label),
            forget: |net| net.forget(),
        }
    }
}

/// What the pen is doing since its last pen-down.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Gesture {
    /// Pen up, or a touch that started outside everything.
    Idle,
    /// Drawing a stroke; `recording` is false when the ink buffer had no room
    /// for a new stroke or a point, or was full ([`App::ink_full`]: the touch is
    /// then ignored, not joined to the last stroke, and its pen-up gives no new
    /// answer).
    Inking { recording: bool },
    /// Holding the Clear button; `armed` while the pen is still over it,
    /// `held` the polls it has been held there.
    Clearing { armed: bool, held: u16 },
    /// Holding the key of `digit` on the teaching keypad; `armed` while the
    /// pen is still over it.
    Key { digit: u8, armed: bool },
}

/// The digit recognizer application, generic over the network (any
/// [`Classifier`]: `Mlp<'_, H>` or `QuantMlp<'_, H>`, see [`crate::model::Net`]).
#[derive(Debug, Clone)]
pub struct App<N> {
    net: N,
    filter: TouchFilter,
    ink: Ink,
    status: Status,
    gesture: Gesture,
    ink_full: bool,
    /// Length of the ink's lines, in screen pixels (at most [`INK_LENGTH`]).
    ink_length: u32,
    /// The last point of the stroke being drawn, screen pixels in [`DRAW_AREA`]
    /// (`None` at a pen-down).
    stroke_end: Option<Point>,
    /// Set by [`App::learning`]: how to teach the network.
    teacher: Option<Teacher<N>>,
    /// The teaching keypad is shown instead of the drawing.
    keypad: bool,
    /// Corrections the network holds (taught since the start, and any it
    /// was given with [`App::set_corrections`]).
    corrections: u32,
    /// The board's flash holds a damaged save of what was learned
    /// ([`App::set_damaged_save`]): Forget erases it.
    damaged_save: bool,
    /// Answers given: recognitions and corrections ([`App::answers`]).
    answers: u32,
    /// Times the user made the network forget.
    forgets: u32,
    /// The digit of the last correction.
    taught: Option<u8>,
    /// Screen bookkeeping for [`App::draw_update`].
    screen: Screen,
}

/// What the screen shows already, for incremental redraws.
#[derive(Debug, Clone, Copy)]
struct Screen {
    /// Nothing valid on screen yet: the next update is a full frame.
    stale: bool,
    /// The drawing area must be repainted (cleared ink).
    canvas: bool,
    /// The panel must be repainted (result or button changed).
    panel: bool,
    /// Ink points already on screen.
    points: usize,
}

impl<N: Learn> App<N> {
    /// A fresh app whose network learns from the user's corrections (see the
    /// [module docs](self)), with the default touch tuning.
    pub fn learning(net: N) -> Self {
        Self::learning_with_touch_config(net, TouchConfig::DEFAULT)
    }

    /// [`App::learning`] with custom touch filtering.
    pub fn learning_with_touch_config(net: N, config: TouchConfig) -> Self {
        App {
            teacher: Some(Teacher::new()),
            ..Self::with_touch_config(net, config)
        }
    }
}

impl<N: Classifier> App<N> {
    /// A fresh app with an empty drawing and the default touch tuning.
    pub fn new(net: N) -> Self {
        Self::with_touch_config(net, TouchConfig::DEFAULT)
    }

    /// A fresh app with custom touch filtering.
    pub fn with_touch_config(net: N, config: TouchConfig) -> Self {
        App {
            net,
            filter: TouchFilter::new(config),
            ink: Ink::new(),
            status: Status::Empty,
            gesture: Gesture::Idle,
            ink_full: false,
            ink_length: 0,
            stroke_end: None,
            teacher: None,
            keypad: false,
            corrections: 0,
            damaged_save: false,
            answers: 0,
            forgets: 0,
            taught: None,
            screen: Screen {
                stale: true,
                canvas: true,
                panel: true,
                points: 0,
            },
        }
    }

    /// Processes one touch poll: `Some(p)` = pressed at screen pixel `p`,
    /// `None` = not pressed. Returns true when the frame must be redrawn.
    pub fn touch(&mut self, sample: Option<Point>) -> bool {
        let changed = match self.filter.update(sample) {
            Some(event) => self.handle(event),
            None => false,
        };
        // the Clear button held: count the polls it is touched, say when a
        // release would forget
        if let Gesture::Clearing { armed: true, held } = self.gesture {
            if sample.is_some() && self.filter.is_down() {
                let held = held.saturating_add(1);
                self.gesture = Gesture::Clearing { armed: true, held };
                if held == FORGET_POLLS && self.can_forget() {
                    self.screen.panel = true;
                    return true;
                }
            }
        }
        changed
    }

    /// Processes a poll whose touch read failed (a controller or bus fault): it counts as
    /// not pressed, as in [`App::touch`], but a key or Clear held is let go without acting
    /// first, so that the pen-up a fault looks like never teaches or forgets (the pen must
    /// come back onto the key or button, and Clear be held afresh). Ink is lifted as usual.
    /// Returns true when the frame must be redrawn.
    pub fn touch_lost(&mut self) -> bool {
        let let_go = match self.gesture {
            Gesture::Key { digit, armed: true } => {
                self.gesture = Gesture::Key {
                    digit,
                    armed: false,
                };
                self.screen.canvas = true;
                true
            }
            Gesture::Clearing { armed, held } if armed || held > 0 => {
                self.gesture = Gesture::Clearing {
                    armed: false,
                    held: 0,
                };
                self.screen.panel = true;
                true
            }
            _ => false,
        };
        self.touch(None) || let_go
    }

    /// Processes one already-filtered touch event. Returns true when the frame
    /// must be redrawn.
    pub fn handle(&mut self, event: TouchEvent) -> bool {
        match (event, self.gesture) {
            (TouchEvent::Down(p), _) if self.keypad => {
                if let Some(digit) = ui::key_at(p) {
                    self.gesture = Gesture::Key { digit, armed: true };
                } else if CLEAR_BUTTON.contains(p) {
                    self.gesture = Gesture::Clearing {
                        armed: true,
                        held: 0,
                    };
                } else {
                    // anywhere else: back to the drawing, nothing learned
                    self.gesture = Gesture::Idle;
                    self.keypad = false;
                }
                self.screen.canvas = true;
                self.screen.panel = true;
                true
            }
            (TouchEvent::Down(p), _) => {
                if DRAW_AREA.contains(p) {
                    // a full drawing takes nothing more until Clear
                    let recording = !self.ink_full
                        && self.ink.point_count() < INK_POINTS
                        && self.ink.begin_stroke().is_ok();
                    self.gesture = Gesture::Inking { recording };
                    if !recording {
                        // the banner, the first time
                        return self.mark_full();
                    }
                    self.stroke_end = None;
                    self.add_point(p);
                    if self.status == Status::Empty {
                        self.status = Status::Pending;
                    }
                    true
                } else if CLEAR_BUTTON.contains(p) {
                    self.gesture = Gesture::Clearing {
                        armed: true,
                        held: 0,
                    };
                    self.screen.panel = true;
                    true
                } else if DIGIT_BOX.contains(p) && self.can_teach() {
                    self.gesture = Gesture::Idle;
                    self.keypad = true;
                    self.screen.canvas = true;
                    self.screen.panel = true;
                    true
                } else {
                    self.gesture = Gesture::Idle;
                    false
                }
            }
            (TouchEvent::Move(p), Gesture::Key { digit, armed }) => {
                let now = ui::key_rect(digit).contains(p);
                self.gesture = Gesture::Key { digit, armed: now };
                self.screen.canvas |= now != armed;
                now != armed
            }
            (TouchEvent::Up(_), Gesture::Key { digit, armed }) => {
                self.gesture = Gesture::Idle;
                if armed {
                    self.teach(digit);
                }
                self.screen.canvas = true;
                self.screen.panel = true;
                true
            }
            (TouchEvent::Move(p), Gesture::Inking { recording }) => recording && self.add_point(p),
            (TouchEvent::Move(p), Gesture::Clearing { armed, held }) => {
                let now = CLEAR_BUTTON.contains(p);
                // sliding off the button starts the count again
                let held = if now { held } else { 0 };
                self.gesture = Gesture::Clearing { armed: now, held };
                self.screen.panel |= now != armed;
                now != armed
            }
            (TouchEvent::Up(_), Gesture::Inking { recording: false }) => {
                // a stroke the full buffer did not take: the drawing and its answer stand
                self.gesture = Gesture::Idle;
                false
            }
            (TouchEvent::Up(_), Gesture::Inking { recording: true }) => {
                self.gesture = Gesture::Idle;
                self.recognise();
                self.screen.panel = true;
                true
            }
            (TouchEvent::Up(_), Gesture::Clearing { armed, held }) => {
                self.gesture = Gesture::Idle;
                self.screen.panel = true;
                if armed && held >= FORGET_POLLS && self.can_forget() {
                    self.forget();
                } else if armed {
                    self.clear();
                }
                true
            }
            (TouchEvent::Move(_) | TouchEvent::Up(_), Gesture::Idle) => {
                self.gesture = Gesture::Idle;
                false
            }
        }
    }

    /// Adds a screen point to the current stroke, clamped into the drawing
    /// area. Returns true if the ink changed, or the buffer just became full
    /// of points or of ink ([`INK_LENGTH`]; the canvas shows a banner then).
    /// A full buffer keeps what it has, and takes nothing more until Clear.
    fn add_point(&mut self, p: Point) -> bool {
        if self.ink_full {
            // (a point back where the stroke stopped would fit: no ink is taken until Clear)
            return false;
        }
        let br = DRAW_AREA.top_left + DRAW_AREA.size - Point::new(1, 1);
        let p = p.component_max(DRAW_AREA.top_left).component_min(br);
        // the line to it from the stroke's last point, whole pixels rounded up
        let length = ui::line_length(self.stroke_end.map_or(Point::zero(), |q| p - q));
        if self.ink_length + length > INK_LENGTH {
            return self.mark_full();
        }
        let local = p - DRAW_AREA.top_left;
        match self.ink.push([local.x as f32, local.y as f32]) {
            Ok(()) => {
                self.ink_length += length;
                self.stroke_end = Some(p);
                true
            }
            Err(_) => self.mark_full(),
        }
    }

    /// Notes that the ink buffer dropped a point or a stroke; the first time,
    /// the canvas is repainted to say so ([`crate::notice::INK_FULL`]) and it
    /// returns true: the poll must redraw.
    fn mark_full(&mut self) -> bool {
        let first = !self.ink_full;
        self.screen.canvas |= first;
        self.ink_full = true;
        first
    }

    /// Runs preprocessing and the network on the current drawing.
    fn recognise(&mut self) {
        self.status = self.on_drawing(|net, image| net.predict(image));
        self.answers = self.answers.wrapping_add(1);
    }

    /// Preprocesses the current drawing and hands its image to `run` (a
    /// prediction or a correction): the status the panel should show.
    fn on_drawing(
        &mut self,
        run: impl FnOnce(&mut N, &Image) -> Result<Prediction, Error>,
    ) -> Status {
        let size = DRAW_AREA.size;
        match nnet_core::preprocess::from_strokes(&self.ink, size.width as f32, size.height as f32)
        {
            Ok(Some(image)) => match run(&mut self.net, &image) {
                Ok(p) => Status::Recognised(p),
                Err(e) => Status::Failed(e),
            },
            Ok(None) => Status::NoDigit,
            Err(e) => Status::Failed(e),
        }
    }

    /// True when a tap on the digit would open the teaching keypad: the app
    /// can teach its network and shows a recognised digit.
    fn can_teach(&self) -> bool {
        self.teacher.is_some() && matches!(self.status, Status::Recognised(_))
    }

    /// True when holding Clear long enough would forget: the app can teach
    /// its network, and the network holds corrections or the flash a damaged
    /// save of them.
    fn can_forget(&self) -> bool {
        self.teacher.is_some() && (self.corrections > 0 || self.damaged_save)
    }

    /// Makes the network forget every correction, and clears the drawing.
    fn forget(&mut self) {
        if let Some(teacher) = self.teacher {
            (teacher.forget)(&mut self.net);
        }
        self.corrections = 0;
        self.damaged_save = false;
        self.taught = None;
        self.forgets = self.forgets.saturating_add(1);
        self.clear();
    }

    /// Teaches the network that the drawing is `label` and shows its new
    /// answer; closes the keypad.
    fn teach(&mut self, label: u8) {
        self.keypad = false;
        let Some(teacher) = self.teacher else {
            return;
        };
        self.status = self.on_drawing(|net, image| (teacher.learn)(net, image, label));
        self.answers = self.answers.wrapping_add(1);
        if let Status::Recognised(_) = self.status {
            self.corrections = self.corrections.saturating_add(1);
            self.taught = Some(label);
        }
    }

    /// Wipes the drawing and the result (and closes the teaching keypad).
    pub fn clear(&mut self) {
        self.ink.clear();
        self.ink_full = false;
        self.ink_length = 0;
        self.stroke_end = None;
        self.status = Status::Empty;
        self.keypad = false;
        if matches!(self.gesture, Gesture::Inking { .. } | Gesture::Key { .. }) {
            self.gesture = Gesture::Idle;
        }
        self.screen.canvas = true;
        self.screen.panel = true;
    }

    /// How many answers the app has given since it started (wrapping): each
    /// recognition and each correction, whatever its status. A board logs an
    /// answer when this moves: the same digit drawn twice is two answers, and a
    /// redraw (a press that slid off a button) is none.
    pub fn answers(&self) -> u32 {
        self.answers
    }

    /// What the panel shows.
    pub fn status(&self) -> &Status {
        &self.status
    }

    /// The last recognition result, if the panel shows one.
    pub fn prediction(&self) -> Option<&Prediction> {
        match &self.status {
            Status::Recognised(p) => Some(p),
            _ => None,
        }
    }

    /// The captured strokes, in [`DRAW_AREA`]-local pixels.
    pub fn ink(&self) -> &Ink {
        &self.ink
    }

    /// True if ink was dropped because the drawing was full: of points, of
    /// strokes, or of ink ([`INK_LENGTH`]).
    pub fn ink_full(&self) -> bool {
        self.ink_full
    }

    /// Length of the drawing's lines, in screen pixels: at most [`INK_LENGTH`].
    pub fn ink_length(&self) -> u32 {
        self.ink_length
    }

    /// True when no touch is in progress: the pen is up (as filtered) and no
    /// stroke or Clear press is being tracked. The app returns to this state
    /// after every release.
    pub fn is_ready(&self) -> bool {
        self.gesture == Gesture::Idle && !self.filter.is_down()
    }

    /// The touch filter's configuration.
    pub fn touch_config(&self) -> TouchConfig {
        self.filter.config()
    }

    /// The network in use.
    pub fn net(&self) -> &N {
        &self.net
    }

    /// Corrections the network holds: taught since the app started, plus
    /// those given with [`App::set_corrections`]; 0 again after it forgot.
    pub fn corrections(&self) -> u32 {
        self.corrections
    }

    /// Tells the app its network already holds `n` corrections (restored
    /// from flash at start): counted on from there, and what holding Clear
    /// forgets.
    pub fn set_corrections(&mut self, n: u32) {
        self.corrections = n;
    }

    /// Tells the app the board's flash holds a damaged save of what was
    /// learned ([`Store::damaged`](crate::store::Store::damaged) at start):
    /// holding Clear then offers to forget, which has the board erase it, also
    /// when nothing could be restored (else the damage banner would come back
    /// at every start until a correction's save took the slot).
    pub fn set_damaged_save(&mut self, damaged: bool) {
        self.damaged_save = damaged;
    }

    /// How many times the user made the network forget (held Clear and
    /// released it on "Forget learned").
    pub fn forgets(&self) -> u32 {
        self.forgets
    }

    /// The digit of the last correction taught (its drawing is [`App::ink`]
    /// until the next stroke or Clear), or `None` before the first.
    pub fn taught(&self) -> Option<u8> {
        self.taught
    }

    /// True while the teaching keypad is shown instead of the drawing.
    pub fn is_teaching(&self) -> bool {
        self.keypad
    }

    /// What the screen shows of teaching.
    fn teach_view(&self) -> Teach {
        if self.keypad {
            let pressed = match self.gesture {
                Gesture::Key { digit, armed: true } => Some(digit),
                _ => None,
            };
            Teach::Keypad { pressed }
        } else if self.can_teach() {
            Teach::Offered
        } else {
            Teach::Unavailable
        }
    }

    /// What [`ui::draw`] paints for the current state.
    pub fn view(&self) -> ui::View<'_> {
        ui::View {
            ink: &self.ink,
            status: &self.status,
            clear_pressed: matches!(self.gesture, Gesture::Clearing { armed: true, .. }),
            forget: matches!(
                self.gesture,
                Gesture::Clearing { armed: true, held } if held >= FORGET_POLLS && self.can_forget()
            ),
            teach: self.teach_view(),
            ink_full: self.ink_full,
        }
    }

    /// Draws the whole frame.
    pub fn draw<D>(&self, target: &mut D) -> Result<(), D::Error>
    where
        D: DrawTarget<Color = Rgb565>,
    {
        ui::draw(&self.view(), target)
    }

    /// Brings a target that shows this app's previous frame up to date,
    /// repainting only what changed: new ink segments are added on top, the
    /// canvas or the panel are repainted only when their content changed. The
    /// result is pixel-identical to [`App::draw`]; on a single-buffered
    /// display (the board's LTDC) it avoids flicker while drawing. The first
    /// call draws the whole frame; call [`App::invalidate`] if the target was
    /// changed by someone else.
    pub fn draw_update<D>(&mut self, target: &mut D) -> Result<(), D::Error>
    where
        D: DrawTarget<Color = Rgb565>,
    {
        let view = self.view();
        let points = self.ink.point_count();
        if self.screen.stale {
            ui::draw(&view, target)?;
        } else {
            // the hint disappears with the first point: repaint the canvas then
            if self.screen.canvas || (self.screen.points == 0 && points > 0) {
                ui::draw_canvas(&view, target)?;
            } else if points > self.screen.points {
                ui::draw_ink(&self.ink, self.screen.points, target)?;
            }
            if self.screen.panel {
                ui::draw_panel(&view, target)?;
            }
        }
        self.screen = Screen {
            stale: false,
            canvas: false,
            panel: false,
            points,
        };
        Ok(())
    }

    /// Forgets what is on screen: the next [`App::draw_update`] draws the whole frame.
    pub fn invalidate(&mut self) {
        self.screen.stale = true;
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::script;
    use crate::ui::Teach;
    use nnet_core::format::{OwnedMetadata, OwnedModel};
    use nnet_core::{INPUT, OUTPUT};
    use std::vec::Vec;

    pub(crate) const H: usize = 8;

    /// A small deterministic network (not trained: the tests check the plumbing).
    pub(crate) fn model() -> OwnedModel {
        let f = |n: usize, k: f32| {
            (0..n)
                .map(|i| ((i * 7919 % 23) as f32 - 11.0) * k)
                .collect::<Vec<f32>>()
        };
        OwnedModel {
            hidden: H,
            meta: OwnedMetadata::default(),
            w1: f(H * INPUT, 0.01),
            b1: f(H, 0.1),
            w2: f(OUTPUT * H, 0.3),
            b2: f(OUTPUT, 0.1),
        }
    }

    /// Touch filtering that takes every poll: a pen-down or pen-up in one poll, every move.
    const EVERY_POLL: TouchConfig = TouchConfig {
        press_polls: 1,
        release_polls: 1,
        min_move: 1,
    };

    fn on(p: (i32, i32)) -> Option<Point> {
        Some(DRAW_AREA.top_left + Point::new(p.0, p.1))
    }

    #[test]
    fn pen_up_recognises_with_the_core() {
        let m = model();
        let mlp = m.mlp::<H>().unwrap();
        let mut app = App::new(mlp);
        assert_eq!(app.status(), &Status::Empty);
        let script = &script::DIGIT_SCRIPTS[1];
        script::play(&mut app, script);
        let got = *app.prediction().expect("recognised");
        // the same answer as the core on the same strokes
        let image = nnet_core::preprocess::from_strokes(app.ink(), 232.0, 212.0)
            .unwrap()
            .unwrap();
        assert_eq!(got, mlp.predict(&image).unwrap());
        let sum: f32 = got.probabilities.iter().sum();
        assert!((sum - 1.0).abs() < 1e-4);
        assert_eq!(app.ink().stroke_count(), 1);
    }

    #[test]
    fn strokes_are_split_on_pen_up_and_status_pending_while_drawing() {
        let m = model();
        let mut app = App::new(m.mlp::<H>().unwrap());
        assert!(!app.touch(on((50, 50)))); // debounce: first poll does nothing
        assert!(app.touch(on((50, 50))));
        assert_eq!(app.status(), &Status::Pending);
        assert!(app.touch(on((60, 80))));
        assert!(!app.touch(on((60, 81)))); // jitter
        assert!(!app.touch(None));
        assert!(!app.touch(None));
        assert!(app.touch(None)); // pen-up -> recognition
        assert!(matches!(
            app.status(),
            Status::Recognised(_) | Status::NoDigit
        ));
        let before = *app.status();
        app.touch(on((100, 50)));
        app.touch(on((100, 50)));
        app.touch(on((100, 150)));
        assert_eq!(
            app.status(),
            &before,
            "result kept while drawing the next stroke"
        );
        for _ in 0..3 {
            app.touch(None);
        }
        let strokes: Vec<&[[f32; 2]]> = app.ink().strokes().collect();
        assert_eq!(
            strokes,
            [
                &[[50.0, 50.0], [60.0, 80.0]][..],
                &[[100.0, 50.0], [100.0, 150.0]][..]
            ]
        );
    }

    #[test]
    fn points_outside_the_area_are_clamped_and_touches_elsewhere_ignored() {
        let m = model();
        let mut app = App::new(m.mlp::<H>().unwrap());
        // a touch starting on the result panel does nothing
        let panel = Some(Point::new(100, 260));
        assert!(!app.touch(panel) && !app.touch(panel));
        assert!(!app.touch(Some(Point::new(100, 300))));
        for _ in 0..3 {
            app.touch(None);
        }
        assert!(app.ink().is_empty());
        // a stroke leaving the area is clamped to its edge
        app.touch(on((200, 100)));
        app.touch(on((200, 100)));
        app.touch(Some(Point::new(400, -50)));
        let last = app.ink().strokes().last().unwrap().last().copied();
        assert_eq!(last, Some([231.0, 0.0]));
    }

    #[test]
    fn clear_button_clears_only_when_released_on_it() {
        let m = model();
        let mut app = App::new(m.mlp::<H>().unwrap());
        script::play(&mut app, &script::DIGIT_SCRIPTS[0]);
        assert!(!app.ink().is_empty());
        let button = Some(CLEAR_BUTTON.center());
        // press, slide off, release: nothing happens
        app.touch(button);
        assert!(app.touch(button));
        assert!(app.view().clear_pressed);
        assert!(app.touch(Some(Point::new(10, 300))));
        assert!(!app.view().clear_pressed);
        for _ in 0..3 {
            app.touch(None);
        }
        assert!(!app.ink().is_empty());
        // press and release on it: cleared
        app.touch(button);
        app.touch(button);
        for _ in 0..3 {
            app.touch(None);
        }
        assert!(app.ink().is_empty());
        assert_eq!(app.status(), &Status::Empty);
        assert!(!app.view().clear_pressed);
    }

    #[test]
    fn a_full_ink_buffer_keeps_what_it_has() {
        let m = model();
        let mut app = App::with_touch_config(m.mlp::<H>().unwrap(), EVERY_POLL);
        // zig-zag: every poll a new point (short lines: the buffer fills before the ink
        // length does)
        for i in 0..(INK_POINTS + 50) {
            let x = (i % 200) as i32 + 10;
            let y = if i % 2 == 0 { 20 } else { 22 };
            app.touch(on((x, y)));
        }
        assert_eq!(app.ink().point_count(), INK_POINTS);
        assert!(app.ink_full());
        app.touch(None);
        assert!(matches!(
            app.status(),
            Status::Recognised(_) | Status::NoDigit
        ));
        // a tap on the full drawing (strokes to spare, no points): the drawing and its
        // answer stand, and no new answer is counted
        let answers = app.answers();
        app.touch(on((100, 100)));
        app.touch(None);
        assert_eq!(app.answers(), answers);
        assert_eq!(app.ink().point_count(), INK_POINTS);
        // more strokes than the buffer holds
        app.clear();
        assert!(!app.ink_full());
        for i in 0..(INK_STROKES + 5) {
            app.touch(on((10 + i as i32 * 5, 10)));
            app.touch(None);
        }
        assert_eq!(app.ink().stroke_count(), INK_STROKES);
        assert!(app.ink_full());
        // touches beyond the stroke capacity are not joined to the last stroke
        assert!(app.ink().strokes().all(|s| s.len() == 1));
        let before = app.ink().point_count();
        app.touch(on((100, 100)));
        app.touch(on((150, 150)));
        app.touch(None);
        assert_eq!(app.ink().point_count(), before);
    }

    /// A touch that jumps across the drawing area at every poll (a glitching resistive
    /// panel) fills the drawing up to [`INK_LENGTH`] of lines, not up to its points: a
    /// repaint and the stroke path then have a bounded amount of ink to draw. The
    /// drawing is full as when its points run out, and pen-up answers for what it kept.
    #[test]
    fn a_jumping_touch_fills_the_drawing_up_to_its_ink_length() {
        let m = model();
        let mut app = App::with_touch_config(m.mlp::<H>().unwrap(), EVERY_POLL);
        let corners = [(0, 0), (231, 211), (231, 0), (0, 211)];
        for i in 0..INK_POINTS {
            app.touch(on(corners[i % 4]));
        }
        assert!(app.ink_full());
        let points = app.ink().point_count();
        // the lines kept, measured as the app measures them (whole pixels rounded up)
        let stroke = app.ink().strokes().next().unwrap();
        let length: f32 = stroke
            .windows(2)
            .map(|w| (w[1][0] - w[0][0]).hypot(w[1][1] - w[0][1]).ceil())
            .sum();
        assert!(length <= INK_LENGTH as f32 && length == app.ink_length() as f32);
        // the next line (at most the diagonal) would not have fitted: the drawing is
        // full of ink, not of points
        assert!(
            length + ui::DIAGONAL as f32 > INK_LENGTH as f32 && points < INK_POINTS / 10,
            "{points}"
        );
        app.touch(None);
        assert!(matches!(
            app.status(),
            Status::Recognised(_) | Status::NoDigit
        ));
        // a new stroke, even a dot, is not taken either, and Clear makes room again
        app.touch(on((100, 100)));
        app.touch(on((101, 140)));
        app.touch(None);
        assert_eq!(app.ink().point_count(), points);
        app.clear();
        for i in 0..8 {
            app.touch(on(corners[i % 4]));
        }
        assert_eq!((app.ink().point_count(), app.ink_full()), (8, false));
    }

    #[test]
    fn incremental_updates_equal_full_frames() {
        let m = model();
        let mut app = App::new(m.mlp::<H>().unwrap());
        let mut inc = std::boxed::Box::new(crate::framebuffer::Framebuffer::new());
        let mut full = std::boxed::Box::new(crate::framebuffer::Framebuffer::new());
        let mut check = |app: &mut App<nnet_core::Mlp<'_, H>>, what: &str| {
            app.draw_update(&mut *inc).unwrap();
            app.draw(&mut *full).unwrap();
            assert!(inc.pixels() == full.pixels(), "{what}");
        };
        check(&mut app, "first frame");
        let button = Some(CLEAR_BUTTON.center());
        let polls: Vec<(Option<Point>, &str)> = [
            (on((30, 40)), "press"),
            (on((30, 40)), "pen down"),
            (on((90, 60)), "move"),
            (on((120, 150)), "move"),
            (None, "lift 1"),
            (None, "lift 2"),
            (None, "pen up: result"),
            (on((150, 30)), "second stroke"),
            (on((150, 30)), "second stroke down"),
            (on((150, 180)), "second stroke move"),
            (None, ""),
            (None, ""),
            (None, "second result"),
            (button, ""),
            (button, "button pressed"),
            (Some(Point::new(5, 310)), "slid off the button"),
            (button, "back on the button"),
            (None, ""),
            (None, ""),
            (None, "cleared"),
        ]
        .into_iter()
        .collect();
        for (sample, what) in polls {
            app.touch(sample);
            check(&mut app, what);
        }
        assert!(app.ink().is_empty());
        // a script played in one go, then one update
        script::play(&mut app, &script::DIGIT_SCRIPTS[3]);
        check(&mut app, "script");
        // strokes until the buffer is full, updated poll by poll: the banner
        // that says so comes with the stroke that did not fit
        app.clear();
        check(&mut app, "cleared again");
        let press = app.touch_config().press_polls.max(1);
        let release = app.touch_config().release_polls.max(1);
        for i in 0..=INK_STROKES as i32 {
            let p = on((10 + i * 6, 60 + i % 3 * 40));
            for _ in 0..press {
                app.touch(p);
                check(&mut app, "a short stroke");
            }
            for _ in 0..release {
                app.touch(None);
                check(&mut app, "lifted");
            }
        }
        assert!(app.ink_full());
        assert!(app.view().ink_full);
        // (what check compared with the incremental frame)
        let red = |app: &App<nnet_core::Mlp<'_, H>>| {
            let mut fb = std::boxed::Box::new(crate::framebuffer::Framebuffer::new());
            app.draw(&mut *fb).unwrap();
            crate::notice::BANNER
                .points()
                .filter(|p| fb.pixel(p.x, p.y) == Some(crate::ui::ERROR))
                .count()
        };
        assert!(red(&app) > 100, "the ink-full banner is shown");
        // Clear takes it away
        app.clear();
        check(&mut app, "cleared after full");
        assert_eq!(red(&app), 0);
    }

    /// Repaints only when [`App::touch`] says so, as the boards and the
    /// simulator do, and compares with a full frame after every poll.
    fn polls_redraw_when_they_say_so(
        app: &mut App<nnet_core::Mlp<'_, H>>,
        polls: impl IntoIterator<Item = Option<Point>>,
    ) {
        let mut shown = std::boxed::Box::new(crate::framebuffer::Framebuffer::new());
        let mut full = std::boxed::Box::new(crate::framebuffer::Framebuffer::new());
        app.invalidate();
        app.draw_update(&mut *shown).unwrap();
        for (i, sample) in polls.into_iter().enumerate() {
            if app.touch(sample) {
                app.draw_update(&mut *shown).unwrap();
            }
            app.draw(&mut *full).unwrap();
            assert!(
                shown.pixels() == full.pixels(),
                "poll {i} ({sample:?}) changed the frame without asking for a redraw"
            );
        }
    }

    #[test]
    fn the_poll_that_fills_the_ink_buffer_asks_for_its_banner() {
        let m = model();
        let config = EVERY_POLL;
        // more strokes than the buffer holds: the banner with the pen-down of the first one
        // that does not fit, not at its pen-up
        let mut app = App::with_touch_config(m.mlp::<H>().unwrap(), config);
        let taps = (0..INK_STROKES as i32 + 2).flat_map(|i| [on((10 + i * 6, 60)), None]);
        polls_redraw_when_they_say_so(&mut app, taps);
        assert!(app.ink_full());
        // more points than it holds, in one stroke: with the first point dropped
        let mut app = App::with_touch_config(m.mlp::<H>().unwrap(), config);
        let zigzag = (0..INK_POINTS as i32 + 5).map(|i| on((i % 200 + 10, 20 + i % 2 * 2)));
        polls_redraw_when_they_say_so(&mut app, zigzag.chain([None, None]));
        assert!(app.ink_full());
        assert_eq!(app.ink().point_count(), INK_POINTS);
        // more ink than it holds: with the first line that does not fit, and nothing
        // after it, a new stroke's dot included
        let mut app = App::with_touch_config(m.mlp::<H>().unwrap(), config);
        let jumps = (0..40).map(|i| on(if i % 2 == 0 { (0, 0) } else { (231, 211) }));
        polls_redraw_when_they_say_so(&mut app, jumps.chain([None, on((100, 100)), None]));
        assert!(app.ink_full() && app.ink().point_count() < 40);
    }

    #[test]
    fn scripted_frames_are_deterministic() {
        let m = model();
        let net = AdaptedMlp::new(m.mlp::<H>().unwrap());
        let mut a = std::boxed::Box::new(crate::framebuffer::Framebuffer::new());
        let mut b = std::boxed::Box::new(crate::framebuffer::Framebuffer::new());
        for s in script::DIGIT_SCRIPTS {
            let sa = script::render(net.clone(), s, &mut *a).unwrap();
            let sb = script::render(net.clone(), s, &mut *b).unwrap();
            assert_eq!(sa, sb);
            assert!(a.pixels() == b.pixels());
            assert!(
                matches!(sa, Status::Recognised(_)),
                "digit {}: {sa:?}",
                s.digit
            );
        }
    }

    /// A learning app with the test network, a script drawn and recognised.
    fn drawn(index: usize) -> App<AdaptedMlp<'static, H>> {
        let m = std::boxed::Box::leak(std::boxed::Box::new(model()));
        let mut app = App::learning(AdaptedMlp::new(m.mlp::<H>().unwrap()));
        script::play(&mut app, &script::DIGIT_SCRIPTS[index]);
        assert!(app.prediction().is_some());
        app
    }

    /// Puts the pen on the keypad's key of `label` and holds it there until it is shown pressed.
    fn hold_key(app: &mut App<AdaptedMlp<'static, H>>, label: u8) {
        let key = ui::key_rect(label).center();
        app.touch(Some(key));
        app.touch(Some(key));
        assert_eq!(
            app.view().teach,
            Teach::Keypad {
                pressed: Some(label)
            }
        );
    }

    #[test]
    fn tapping_the_digit_then_a_key_teaches_the_network() {
        let mut app = drawn(0);
        let before = *app.prediction().unwrap();
        let label = (before.digit + 5) % 10;
        let ink: Vec<Vec<[f32; 2]>> = app.ink().strokes().map(|s| s.to_vec()).collect();
        assert_eq!(app.view().teach, Teach::Offered);
        // the tap on the digit opens the keypad, the drawing is kept
        script::tap(&mut app, DIGIT_BOX.center());
        assert!(app.is_teaching());
        assert_eq!(app.view().teach, Teach::Keypad { pressed: None });
        // the key is shown pressed while the pen is on it
        hold_key(&mut app, label);
        for _ in 0..3 {
            app.touch(None);
        }
        assert!(!app.is_teaching());
        assert_eq!(app.corrections(), 1);
        // the answer is the network's own after one correction (the core's adapt step)
        let image = nnet_core::preprocess::from_strokes(app.ink(), 232.0, 212.0)
            .unwrap()
            .unwrap();
        let m = model();
        let mut expected = AdaptedMlp::new(m.mlp::<H>().unwrap());
        let want = expected
            .adapt(&image, label, &AdaptConfig::DEFAULT)
            .unwrap();
        assert_eq!(app.prediction(), Some(&want));
        assert_eq!(app.taught(), Some(label));
        assert_ne!(want, before, "the correction moved the answer");
        assert_eq!(app.net().output(), expected.output());
        assert_eq!(expected.predict(&image).unwrap(), want);
        // the drawing is unchanged and the app ready for the next one
        let after: Vec<Vec<[f32; 2]>> = app.ink().strokes().map(|s| s.to_vec()).collect();
        assert_eq!(after, ink);
        assert!(app.is_ready());
        // the learned layer stays for the next drawing
        app.clear();
        assert_eq!(app.net().output(), expected.output());
    }

    #[test]
    fn sliding_off_a_key_or_touching_elsewhere_teaches_nothing() {
        let mut app = drawn(1);
        let fresh = app.net().output().clone();
        let before = *app.status();
        script::tap(&mut app, DIGIT_BOX.center());
        // press key 3, slide off onto key 4, lift: nothing learned
        let (k3, k4) = (ui::key_rect(3).center(), ui::key_rect(4).center());
        app.touch(Some(k3));
        app.touch(Some(k3));
        app.touch(Some(k4));
        assert_eq!(app.view().teach, Teach::Keypad { pressed: None });
        for _ in 0..3 {
            app.touch(None);
        }
        assert!(app.is_teaching(), "still choosing");
        assert_eq!(app.corrections(), 0);
        // a tap between the keys or on the panel closes the keypad
        for p in [Point::new(5, 20), DIGIT_BOX.center(), Point::new(100, 260)] {
            assert!(app.is_teaching());
            script::tap(&mut app, p);
            assert!(!app.is_teaching(), "{p:?} leaves the keypad");
            assert_eq!(app.status(), &before);
            script::tap(&mut app, DIGIT_BOX.center());
        }
        assert_eq!(app.corrections(), 0);
        assert_eq!(app.taught(), None);
        assert_eq!(app.net().output(), &fresh);
        // Clear closes it too, and wipes the drawing
        assert!(app.is_teaching());
        script::tap(&mut app, CLEAR_BUTTON.center());
        assert!(!app.is_teaching());
        assert!(app.ink().is_empty());
        assert_eq!(app.status(), &Status::Empty);
        // no digit shown: the digit box does nothing
        script::tap(&mut app, DIGIT_BOX.center());
        assert!(!app.is_teaching());
        assert_eq!(app.view().teach, Teach::Unavailable);
    }

    #[test]
    fn an_app_whose_network_cannot_learn_offers_no_keypad() {
        let m = model();
        let mut app = App::new(m.mlp::<H>().unwrap());
        script::play(&mut app, &script::DIGIT_SCRIPTS[0]);
        let before = *app.status();
        assert_eq!(app.view().teach, Teach::Unavailable);
        script::tap(&mut app, DIGIT_BOX.center());
        assert!(!app.is_teaching());
        assert_eq!(app.status(), &before);
        // a tap where the keys would be draws a dot instead
        let strokes = app.ink().stroke_count();
        script::tap(&mut app, ui::key_rect(2).center());
        assert_eq!(app.ink().stroke_count(), strokes + 1);
    }

    /// `app` after a correction of its drawing to `label`.
    fn taught(mut app: App<AdaptedMlp<'static, H>>, label: u8) -> App<AdaptedMlp<'static, H>> {
        script::teach(&mut app, label);
        assert_eq!(app.corrections(), 1);
        app
    }

    /// Presses Clear for `polls` polls (the first is the press), then lifts the pen.
    fn hold_clear(app: &mut App<AdaptedMlp<'static, H>>, polls: u16) {
        for _ in 0..polls {
            app.touch(Some(CLEAR_BUTTON.center()));
        }
        for _ in 0..app.touch_config().release_polls.max(1) {
            app.touch(None);
        }
    }

    #[test]
    fn a_touch_fault_lets_go_of_a_key_or_clear_without_acting() {
        // a key held when the reads fail: nothing taught, the keypad stays
        let mut app = drawn(0);
        let label = (app.prediction().unwrap().digit + 5) % 10;
        script::tap(&mut app, DIGIT_BOX.center());
        hold_key(&mut app, label);
        for _ in 0..3 {
            app.touch_lost();
        }
        assert_eq!(app.corrections(), 0);
        assert!(app.is_teaching(), "still choosing");
        assert_eq!(app.view().teach, Teach::Keypad { pressed: None });
        // Clear held long enough to forget when the reads fail: nothing forgotten or cleared
        let mut app = taught(drawn(0), 4);
        script::play(&mut app, &script::DIGIT_SCRIPTS[1]);
        for _ in 0..FORGET_POLLS + 10 {
            app.touch(Some(CLEAR_BUTTON.center()));
        }
        assert!(app.view().forget);
        for _ in 0..3 {
            app.touch_lost();
        }
        assert!(!app.view().forget && !app.view().clear_pressed);
        assert_eq!((app.forgets(), app.corrections()), (0, 1));
        assert!(!app.ink().is_empty());
        // one failed read in a hold lets go too: held on, the press does nothing
        hold_clear(&mut app, 1);
        for _ in 0..FORGET_POLLS / 2 {
            app.touch(Some(CLEAR_BUTTON.center()));
        }
        app.touch_lost();
        hold_clear(&mut app, FORGET_POLLS * 2);
        assert_eq!((app.forgets(), app.corrections()), (0, 1));
        assert!(!app.ink().is_empty(), "nor cleared");
        // a press afresh forgets
        hold_clear(&mut app, FORGET_POLLS + 5);
        assert_eq!(app.forgets(), 1);
    }

    #[test]
    fn holding_clear_forgets_what_was_learned() {
        let fresh = drawn(0).net().output().clone();
        let mut app = taught(drawn(0), 4);
        assert_ne!(app.net().output(), &fresh);
        // the press is debounced: the button counts from the poll it is seen pressed
        let press = app.touch_config().press_polls.max(1);
        let mut polls = 0;
        while !app.view().clear_pressed {
            app.touch(Some(CLEAR_BUTTON.center()));
            polls += 1;
            assert!(polls <= press, "Clear never pressed");
        }
        // "Forget learned" from FORGET_POLLS polls on the button, not before
        for _ in 1..FORGET_POLLS {
            assert!(!app.view().forget);
            app.touch(Some(CLEAR_BUTTON.center()));
        }
        assert!(app.view().forget);
        assert!(app.view().clear_pressed);
        for _ in 0..app.touch_config().release_polls.max(1) {
            app.touch(None);
        }
        assert_eq!(app.forgets(), 1);
        assert_eq!(app.corrections(), 0);
        assert_eq!(app.taught(), None);
        assert_eq!(app.net().output(), &fresh);
        assert!(app.ink().is_empty());
        assert_eq!(app.status(), &Status::Empty);
        assert!(!app.view().forget && !app.view().clear_pressed);
        // nothing left to forget: a long hold only clears
        script::play(&mut app, &script::DIGIT_SCRIPTS[1]);
        hold_clear(&mut app, FORGET_POLLS * 2);
        assert_eq!(app.forgets(), 1);
        assert!(app.ink().is_empty());
    }

    #[test]
    fn answers_count_recognitions_and_corrections_only() {
        let mut app = drawn(0);
        assert_eq!(app.answers(), 1);
        // a press on Clear that slides off and lifts redraws, but answers nothing
        for _ in 0..app.touch_config().press_polls.max(1) {
            app.touch(Some(CLEAR_BUTTON.center()));
        }
        app.touch(Some(Point::new(10, 300)));
        let mut redrawn = false;
        for _ in 0..app.touch_config().release_polls.max(1) {
            redrawn |= app.touch(None);
        }
        assert!(redrawn, "the button's release redraws it");
        assert!(app.prediction().is_some());
        assert_eq!(app.answers(), 1);
        // the same digit drawn again is a second answer, the same as the first
        let first = *app.prediction().unwrap();
        app.clear();
        script::play(&mut app, &script::DIGIT_SCRIPTS[0]);
        assert_eq!(app.prediction(), Some(&first));
        assert_eq!(app.answers(), 2);
        // a correction is one more
        script::teach(&mut app, (first.digit + 1) % 10);
        assert_eq!(app.answers(), 3);
    }

    #[test]
    fn a_short_press_or_a_slide_off_clear_keeps_what_was_learned() {
        let mut app = taught(drawn(0), 4);
        let learned = app.net().output().clone();
        // released one poll short: a plain Clear
        let press = app.touch_config().press_polls.max(1);
        hold_clear(&mut app, FORGET_POLLS + u16::from(press) - 2);
        assert_eq!(app.forgets(), 0);
        assert_eq!(app.corrections(), 1);
        assert!(app.ink().is_empty());
        // sliding off the button starts the count again
        for _ in 0..FORGET_POLLS {
            app.touch(Some(CLEAR_BUTTON.center()));
        }
        app.touch(Some(Point::new(100, 300)));
        app.touch(Some(CLEAR_BUTTON.center()));
        assert!(!app.view().forget);
        for _ in 0..app.touch_config().release_polls.max(1) {
            app.touch(None);
        }
        assert_eq!(app.forgets(), 0);
        assert_eq!(app.net().output(), &learned);
        // an app whose network cannot learn never says "Forget"
        let m = model();
        let mut plain = App::new(m.mlp::<H>().unwrap());
        plain.set_corrections(3);
        for _ in 0..FORGET_POLLS * 2 {
            plain.touch(Some(CLEAR_BUTTON.center()));
            assert!(!plain.view().forget);
        }
    }

    #[test]
    fn corrections_restored_at_start_can_be_forgotten() {
        let mut app = drawn(3);
        app.set_corrections(5);
        let before = *app.status();
        hold_clear(&mut app, FORGET_POLLS + 5);
        assert_eq!((app.forgets(), app.corrections()), (1, 0));
        script::play(&mut app, &script::DIGIT_SCRIPTS[3]);
        assert_eq!(app.status(), &before);
        // and counting goes on from a given number
        let mut app = drawn(3);
        app.set_corrections(5);
        script::teach(&mut app, 2);
        assert_eq!(app.corrections(), 6);
    }

    #[test]
    fn a_damaged_save_can_be_forgotten_with_nothing_restored() {
        let mut app = drawn(3);
        hold_clear(&mut app, FORGET_POLLS + 5);
        assert_eq!(app.forgets(), 0, "nothing to forget");
        let mut app = drawn(3);
        app.set_damaged_save(true);
        hold_clear(&mut app, FORGET_POLLS + 5);
        assert_eq!((app.forgets(), app.corrections()), (1, 0));
        // erased: nothing to forget any more
        script::play(&mut app, &script::DIGIT_SCRIPTS[3]);
        hold_clear(&mut app, FORGET_POLLS + 5);
        assert_eq!(app.forgets(), 1);
    }

    #[test]
    fn forgetting_frames_update_incrementally_like_full_frames() {
        let mut app = taught(drawn(2), 7);
        let mut inc = std::boxed::Box::new(crate::framebuffer::Framebuffer::new());
        let mut full = std::boxed::Box::new(crate::framebuffer::Framebuffer::new());
        app.draw_update(&mut *inc).unwrap();
        let polls = (0..FORGET_POLLS + 5)
            .map(|_| Some(CLEAR_BUTTON.center()))
            .chain([None, None, None]);
        let mut labels = 0;
        for sample in polls {
            let was = app.view().forget;
            app.touch(sample);
            labels += usize::from(app.view().forget && !was);
            app.draw_update(&mut *inc).unwrap();
            app.draw(&mut *full).unwrap();
            assert!(inc.pixels() == full.pixels());
        }
        assert_eq!((labels, app.forgets()), (1, 1));
    }

    #[test]
    fn teaching_frames_update_incrementally_like_full_frames() {
        let mut app = drawn(2);
        let mut inc = std::boxed::Box::new(crate::framebuffer::Framebuffer::new());
        let mut full = std::boxed::Box::new(crate::framebuffer::Framebuffer::new());
        let key = ui::key_rect(7).center();
        let polls = [
            (Some(DIGIT_BOX.center()), "press the digit"),
            (Some(DIGIT_BOX.center()), "keypad"),
            (None, ""),
            (None, ""),
            (None, "released"),
            (Some(key), ""),
            (Some(key), "key held"),
            (Some(Point::new(3, 300)), "slid off"),
            (Some(key), "back on"),
            (None, ""),
            (None, ""),
            (None, "taught"),
        ];
        app.draw_update(&mut *inc).unwrap();
        for (sample, what) in polls {
            app.touch(sample);
            app.draw_update(&mut *inc).unwrap();
            app.draw(&mut *full).unwrap();
            assert!(inc.pixels() == full.pixels(), "{what}");
        }
        assert_eq!(app.corrections(), 1);
    }
}
