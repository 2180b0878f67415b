//! Touch input: turns raw polls of a touch controller (pen down at a screen
//! pixel, or pen up) into clean down / move / up events.
//!
//! * **Debouncing**: a pen-down is only reported after
//!   [`TouchConfig::press_polls`] consecutive pressed polls, and a pen-up only
//!   after [`TouchConfig::release_polls`] consecutive released polls, so a
//!   bouncing contact neither starts a stroke nor splits one in two.
//! * **Jitter filtering**: while the pen is down, a position closer than
//!   [`TouchConfig::min_move`] pixels to the last reported one is dropped,
//!   so a resting finger does not pile up points.
use embedded_graphics::prelude::Point;

/// Tuning of the [`TouchFilter`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TouchConfig {
    /// Consecutive pressed polls needed before a pen-down is reported (at least 1).
    pub press_polls: u8,
    /// Consecutive released polls needed before a pen-up is reported (at least 1).
    pub release_polls: u8,
    /// Moves shorter than this many pixels (Euclidean) are dropped as jitter
    /// (only its size counts: -3 drops what 3 drops).
    pub min_move: i32,
}

impl TouchConfig {
    /// The defaults used by the board, the simulator and the self-test
    /// (tuned for polling every ~10 ms).
    pub const DEFAULT: TouchConfig = TouchConfig {
        press_polls: 2,
        release_polls: 3,
        min_move: 2,
    };
}

impl Default for TouchConfig {
    fn default() -> Self {
        TouchConfig::DEFAULT
    }
}

/// A filtered touch event, in screen pixels.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TouchEvent {
    /// The pen touched the screen here.
    Down(Point),
    /// The pen moved here while down.
    Move(Point),
    /// The pen left the screen; the point is the last reported position.
    Up(Point),
}

/// The touch state machine: feed it one poll at a time with [`TouchFilter::update`].
#[derive(Debug, Clone)]
pub struct TouchFilter {
    config: TouchConfig,
    pen_down: bool,
    pressed_run: u8,
    released_run: u8,
    last: Point,
}

impl TouchFilter {
    /// A filter with the pen up.
    pub const fn new(config: TouchConfig) -> Self {
        TouchFilter {
            config,
            pen_down: false,
            pressed_run: 0,
            released_run: 0,
            last: Point::zero(),
        }
    }

    /// The configuration in use.
    pub fn config(&self) -> TouchConfig {
        self.config
    }

    /// True while a pen-down has been reported and no pen-up yet.
    pub fn is_down(&self) -> bool {
        self.pen_down
    }

    /// Processes one poll: `Some(p)` = pressed at screen pixel `p`, `None` = not pressed.
    /// Returns the event this poll completes, if any.
    pub fn update(&mut self, sample: Option<Point>) -> Option<TouchEvent> {
        match sample {
            Some(p) => {
                self.released_run = 0;
                if self.pen_down {
                    // i64 and saturation: raw coordinates from a driver may be anything
                    let dx = i64::from(p.x) - i64::from(self.last.x);
                    let dy = i64::from(p.y) - i64::from(self.last.y);
                    let dist2 = dx.saturating_mul(dx).saturating_add(dy.saturating_mul(dy));
                    let min = i64::from(self.config.min_move);
                    if dist2 >= min * min {
                        self.last = p;
                        return Some(TouchEvent::Move(p));
                    }
                    None
                } else {
                    self.pressed_run = self.pressed_run.saturating_add(1);
                    if self.pressed_run >= self.config.press_polls.max(1) {
                        self.pen_down = true;
                        self.pressed_run = 0;
                        self.last = p;
                        return Some(TouchEvent::Down(p));
                    }
                    None
                }
            }
            None => {
                self.pressed_run = 0;
                if !self.pen_down {
                    return None;
                }
                self.released_run = self.released_run.saturating_add(1);
                if self.released_run >= self.config.release_polls.max(1) {
                    self.pen_down = false;
                    self.released_run = 0;
                    return Some(TouchEvent::Up(self.last));
                }
                None
            }
        }
    }
}

impl Default for TouchFilter {
    fn default() -> Self {
        TouchFilter::new(TouchConfig::DEFAULT)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::vec::Vec;

    fn run(f: &mut TouchFilter, polls: &[Option<(i32, i32)>]) -> Vec<TouchEvent> {
        polls
            .iter()
            .filter_map(|s| f.update(s.map(|(x, y)| Point::new(x, y))))
            .collect()
    }

    #[test]
    fn single_pressed_glitch_is_not_a_touch() {
        let mut f = TouchFilter::default();
        let ev = run(
            &mut f,
            &[Some((10, 10)), None, None, None, Some((50, 50)), None],
        );
        assert!(ev.is_empty(), "{ev:?}");
        assert!(!f.is_down());
    }

    #[test]
    fn down_needs_consecutive_presses_and_up_consecutive_releases() {
        let mut f = TouchFilter::default();
        let ev = run(
            &mut f,
            &[
                Some((10, 10)),
                Some((11, 10)),
                Some((20, 10)),
                None,
                None,
                None,
            ],
        );
        assert_eq!(
            ev,
            [
                TouchEvent::Down(Point::new(11, 10)),
                TouchEvent::Move(Point::new(20, 10)),
                TouchEvent::Up(Point::new(20, 10)),
            ]
        );
    }

    #[test]
    fn short_dropout_does_not_split_a_stroke() {
        let mut f = TouchFilter::default();
        let ev = run(
            &mut f,
            &[
                Some((0, 0)),
                Some((0, 0)),
                None,
                None, // two released polls: below release_polls = 3
                Some((10, 0)),
                None,
                Some((20, 0)),
            ],
        );
        assert_eq!(
            ev,
            [
                TouchEvent::Down(Point::new(0, 0)),
                TouchEvent::Move(Point::new(10, 0)),
                TouchEvent::Move(Point::new(20, 0)),
            ]
        );
        assert!(f.is_down());
        // a real lift splits: the next touch is a new Down
        let ev = run(&mut f, &[None, None, None, Some((30, 0)), Some((30, 0))]);
        assert_eq!(
            ev,
            [
                TouchEvent::Up(Point::new(20, 0)),
                TouchEvent::Down(Point::new(30, 0))
            ]
        );
    }

    #[test]
    fn jitter_below_min_move_is_dropped() {
        let mut f = TouchFilter::new(TouchConfig {
            press_polls: 1,
            release_polls: 1,
            min_move: 3,
        });
        let ev = run(
            &mut f,
            &[
                Some((100, 100)),
                Some((101, 101)), // 1.4 px
                Some((102, 100)), // 2 px
                Some((103, 100)), // 3 px: reported
                Some((104, 102)), // 2.2 px from (103,100): dropped
                Some((103, 103)), // 3 px from (103,100)
                None,
            ],
        );
        assert_eq!(
            ev,
            [
                TouchEvent::Down(Point::new(100, 100)),
                TouchEvent::Move(Point::new(103, 100)),
                TouchEvent::Move(Point::new(103, 103)),
                TouchEvent::Up(Point::new(103, 103)),
            ]
        );
    }

    #[test]
    fn extreme_coordinates_do_not_overflow() {
        let mut f = TouchFilter::new(TouchConfig {
            press_polls: 1,
            release_polls: 1,
            min_move: 2,
        });
        let ev = run(
            &mut f,
            &[Some((i32::MIN, i32::MIN)), Some((i32::MAX, i32::MAX))],
        );
        assert_eq!(ev.len(), 2);
    }

    #[test]
    fn zero_poll_counts_behave_like_one() {
        let mut f = TouchFilter::new(TouchConfig {
            press_polls: 0,
            release_polls: 0,
            min_move: 0,
        });
        let ev = run(&mut f, &[Some((1, 1)), None]);
        assert_eq!(
            ev,
            [
                TouchEvent::Down(Point::new(1, 1)),
                TouchEvent::Up(Point::new(1, 1))
            ]
        );
    }
}
