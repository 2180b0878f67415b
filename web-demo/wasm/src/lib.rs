//! # nnet-wasm
//!
//! `nnet-core` for the browser: the drawing page loads this crate compiled to
//! `wasm32-unknown-unknown` and runs every prediction itself, with the very
//! code the server runs, so both give the same bits.
//!
//! The interface is a plain C ABI over buffers in the module's memory (no
//! bindings generator; the page's loader is a few lines of JavaScript). The
//! model file and the input buffers are static; only writing an adapted
//! model file allocates. JavaScript writes into a buffer through the pointer an export
//! returns, then calls the function that uses it:
//!
//! | export | what |
//! | --- | --- |
//! | `model_buffer(len) -> *mut u8` | room for a model file of `len` bytes (null if larger than [`MODEL_CAPACITY`]); unloads the current model |
//! | `model_load(len) -> i32` | validates the file with `nnet_core::format` and keeps it: `0` f32, `1` int8, [`ERROR`] |
//! | `model_bytes() -> *const u8`, `model_len() -> usize` | the loaded model file |
//! | `model_sha256() -> *const u8` | SHA-256 of the file as loaded (32 bytes) |
//! | `ink_points() -> *mut f32`, `ink_ends() -> *mut u32` | strokes: `x, y` pairs ([`MAX_POINTS`]), end index of each stroke ([`MAX_STROKES`]) |
//! | `predict_ink(width, height, strokes) -> i32` | stroke path (`nnet_core::preprocess::from_strokes`) and prediction |
//! | `raster_pixels() -> *mut f32` | a raster of up to [`MAX_PIXELS`] values 0..1 |
//! | `predict_raster(width, height) -> i32` | raster path (`from_raster`) and prediction |
//! | `input28() -> *mut f32` | the 28x28 input of the last prediction; write it and call `predict_input()` to classify an image directly |
//! | `probabilities() -> *const f32` | the 10 probabilities of the last prediction |
//! | `error_message() -> *const u8`, `error_len() -> usize` | UTF-8 text of the last [`ERROR`] |
//! | `percent_tenths(p) -> u32` | probability `p` in tenths of a percent, as the board shows it (`nnet_core::model::percent_tenths`) |
//! | `adapt(label) -> i32` | learns that the last input is `label` (`nnet_core::adapt`, [`AdaptConfig::DEFAULT`]), makes the adapted network the model file (`model_bytes()`), and answers for the last input again |
//! | `corrections() -> u32` | corrections in the model since the file was loaded with `model_load` |
//! | `layer_export() -> usize`, `layer_bytes() -> *mut u8` | the output layer of the model as bytes (see [`layer_export`]) |
//! | `layer_buffer(len) -> *mut u8`, `layer_import(len, corrections) -> i32` | puts an exported output layer into the loaded model (`0`, or [`ERROR`]) |
//!
//! After a correction the page answers with the adapted model file itself, so
//! a downloaded `model_bytes()` gives the page's answers wherever it is loaded
//! (for an int8 model the adapted output layer is requantised to 8 bits in
//! the file after every correction).
//!
//! A prediction returns the digit (0..=9), [`NO_DIGIT`] when the drawing is
//! too small to be a digit (the input and probabilities are then zero), or
//! [`ERROR`]. Nothing here panics on any input.
#![cfg_attr(target_arch = "wasm32", no_std)]
#![deny(missing_docs)]

extern crate alloc;

use core::cell::UnsafeCell;
use core::fmt::{self, Write};
use core::ptr::{addr_of, addr_of_mut};

use nnet_core::adapt::{AdaptConfig, AdaptedMlp, AdaptedQuantMlp};
use nnet_core::format::{ModelView, OwnedMetadata, OwnedModel, OwnedQuantModel, WeightType};
use nnet_core::ink::{self, Strokes, DEFAULT_POINTS, DEFAULT_STROKES};
use nnet_core::{preprocess, Image, Mlp, Prediction, QuantMlp, INPUT, OUTPUT};
use sha2::{Digest, Sha256};

/// Hidden units of the networks this module runs (the shipped 784-300-10 models).
pub const HIDDEN: usize = 300;
/// Largest model file, in bytes (the f32 784-300-10 file is about 0.95 MB).
pub const MODEL_CAPACITY: usize = 1 << 20;
/// Most points of one drawing (the server's limit too).
pub const MAX_POINTS: usize = DEFAULT_POINTS;
/// Most strokes of one drawing.
pub const MAX_STROKES: usize = DEFAULT_STROKES;
/// Most raster pixels (`width * height`, the server's limit too).
pub const MAX_PIXELS: usize = 512 * 512;
/// Longest side of a raster or drawing surface, as the server takes
/// ([`nnet_core::ink::MAX_SURFACE_SIDE`]).
pub const MAX_SIDE: usize = ink::MAX_SURFACE_SIDE as usize;
/// Returned by a prediction when there is too little ink to be a digit.
pub const NO_DIGIT: i32 = -1;
/// Returned when something failed; `error_message()` says what.
pub const ERROR: i32 = -2;

/// The loaded network, borrowing the model file where it lies in [`MODEL`].
#[derive(Clone, Copy)]
enum Net {
    F32(Mlp<'static, HIDDEN>),
    Int8(QuantMlp<'static, HIDDEN>),
}

impl Net {
    fn predict(&self, x: &Image) -> Result<Prediction, nnet_core::Error> {
        match self {
            Net::F32(m) => m.predict(x),
            Net::Int8(m) => m.predict(x),
        }
    }
}

#[repr(C, align(16))]
struct ModelFile([u8; MODEL_CAPACITY]);

struct State {
    /// The loaded network (`None` while JavaScript may be writing the file).
    net: Option<Net>,
    model_len: usize,
    sha256: [u8; 32],
    points: [[f32; 2]; MAX_POINTS],
    ends: [u32; MAX_STROKES],
    strokes: Strokes<MAX_POINTS, MAX_STROKES>,
    raster: [f32; MAX_PIXELS],
    input: Image,
    probabilities: [f32; OUTPUT],
    message: [u8; 192],
    message_len: usize,
    /// Corrections since `model_load`.
    corrections: u32,
    /// The input of the last prediction, kept when it answered a digit with the
    /// current model: what `adapt` learns from (`input` is JavaScript's to
    /// write). A new prediction, "no digit" or another model clears it.
    answered: Option<Image>,
    /// The notes of the file `model_load` loaded (cut to the buffer, at a
    /// character's boundary; `notes_cut` says so).
    notes: [u8; NOTES_CAPACITY],
    notes_len: usize,
    notes_cut: bool,
    /// The output layer for `layer_export` / `layer_import`.
    layer: [u8; LAYER_CAPACITY],
    layer_len: usize,
}

/// The longest notes an adapted model file carries over from its model (the
/// shipped model's are about 400 bytes).
const NOTES_CAPACITY: usize = 2048;

/// The most corrections a model keeps count of (JavaScript reads the count as a
/// signed 32-bit number).
pub const MAX_CORRECTIONS: u32 = i32::MAX as u32;

/// The largest output layer (f32: 10 x 300 weights and 10 biases).
const LAYER_CAPACITY: usize = (OUTPUT * HIDDEN + OUTPUT) * 4;

impl State {
    fn notes(&self) -> &str {
        core::str::from_utf8(&self.notes[..self.notes_len]).unwrap_or("")
    }
}

/// A global the single wasm thread owns.
struct Global<T>(UnsafeCell<T>);

// SAFETY: a wasm module instance runs on one thread, and every export takes
// the state once for the length of the call; the host tests (several
// threads) take `tests::LOCK` around every call.
unsafe impl<T> Sync for Global<T> {}

/// The model file, 16-byte aligned so its weights are used in place.
static MODEL: Global<ModelFile> = Global(UnsafeCell::new(ModelFile([0; MODEL_CAPACITY])));

static STATE: Global<State> = Global(UnsafeCell::new(State {
    net: None,
    model_len: 0,
    sha256: [0; 32],
    points: [[0.0; 2]; MAX_POINTS],
    ends: [0; MAX_STROKES],
    strokes: Strokes::new(),
    raster: [0.0; MAX_PIXELS],
    input: [0.0; INPUT],
    probabilities: [0.0; OUTPUT],
    message: [0; 192],
    message_len: 0,
    corrections: 0,
    answered: None,
    notes: [0; NOTES_CAPACITY],
    notes_len: 0,
    notes_cut: false,
    layer: [0; LAYER_CAPACITY],
    layer_len: 0,
}));

/// The state, once per export call.
fn state() -> &'static mut State {
    // SAFETY: see `Global`: one caller at a time, and no export holds two.
    unsafe { &mut *STATE.0.get() }
}

/// Keeps the text of an error (cut to the buffer's size at a character boundary).
fn fail(st: &mut State, what: impl fmt::Display) -> i32 {
    struct Cut<'a> {
        buf: &'a mut [u8],
        len: usize,
    }
    impl Write for Cut<'_> {
        fn write_str(&mut self, s: &str) -> fmt::Result {
            for c in s.chars() {
                let mut tmp = [0; 4];
                let bytes = c.encode_utf8(&mut tmp).as_bytes();
                let end = self.len + bytes.len();
                if end > self.buf.len() {
                    return Err(fmt::Error);
                }
                self.buf[self.len..end].copy_from_slice(bytes);
                self.len = end;
            }
            Ok(())
        }
    }
    let mut cut = Cut {
        buf: &mut st.message,
        len: 0,
    };
    let _ = write!(cut, "{what}");
    st.message_len = cut.len;
    ERROR
}

/// Room for a model file of `len` bytes, or null when it is larger than
/// [`MODEL_CAPACITY`] (the current model stays). Otherwise the current model
/// is unloaded until `model_load`.
#[no_mangle]
pub extern "C" fn model_buffer(len: usize) -> *mut u8 {
    let st = state();
    if len > MODEL_CAPACITY {
        fail(
            st,
            format_args!("model file of {len} bytes is larger than {MODEL_CAPACITY}"),
        );
        return core::ptr::null_mut();
    }
    st.net = None;
    st.model_len = 0;
    st.answered = None;
    MODEL.0.get().cast()
}

/// Validates the `len` bytes written at `model_buffer(len)` as a 784-300-10
/// model file (every check of `nnet_core::format`) and makes it the network:
/// returns 0 for f32 weights, 1 for int8, or [`ERROR`]. Counts corrections from zero.
#[no_mangle]
pub extern "C" fn model_load(len: usize) -> i32 {
    let st = state();
    let kind = load_in_place(st, len);
    st.corrections = 0;
    st.answered = None;
    let notes = match (kind >= 0).then(|| current_view(st)).flatten() {
        Some(view) => view.header().meta.notes,
        None => "",
    };
    let mut n = notes.len().min(st.notes.len());
    while !notes.is_char_boundary(n) {
        n -= 1;
    }
    st.notes[..n].copy_from_slice(&notes.as_bytes()[..n]);
    st.notes_len = n;
    st.notes_cut = n < notes.len();
    kind
}

/// Validates the first `len` bytes of [`MODEL`] and makes them the network.
fn load_in_place(st: &mut State, len: usize) -> i32 {
    st.net = None;
    st.model_len = 0;
    if len > MODEL_CAPACITY {
        return fail(st, "model file larger than the module's buffer");
    }
    // SAFETY: JavaScript (or `install`) has finished writing; nothing else
    // borrows the file (`net` is None), and it is only read until the next
    // `model_buffer` or `install`.
    let bytes: &'static [u8] = unsafe { &(&(*MODEL.0.get()).0)[..len] };
    let net = ModelView::parse(bytes).and_then(|view| match view.header().weight_type {
        WeightType::F32 => view.mlp::<HIDDEN>().map(Net::F32),
        WeightType::Int8 => view.quant_mlp::<HIDDEN>().map(Net::Int8),
    });
    match net {
        Ok(net) => {
            st.sha256 = Sha256::digest(bytes).into();
            st.model_len = len;
            st.net = Some(net);
            match net {
                Net::F32(_) => 0,
                Net::Int8(_) => 1,
            }
        }
        Err(e) => fail(st, format_args!("invalid model file: {e}")),
    }
}

/// The loaded file, parsed again (for its metadata).
fn current_view(st: &State) -> Option<ModelView<'static>> {
    st.net?;
    // SAFETY: the loaded file, read only (see `load_in_place`)
    let bytes: &'static [u8] = unsafe { &(&(*MODEL.0.get()).0)[..st.model_len] };
    ModelView::parse(bytes).ok()
}

/// Replaces the model file by `bytes` (a file this module wrote, `what` in
/// errors) and loads it. A file that does not fit or does not parse is refused
/// before anything is replaced: the loaded model stays.
fn install(st: &mut State, bytes: &[u8], what: &str) -> i32 {
    if bytes.len() > MODEL_CAPACITY {
        return fail(
            st,
            format_args!("{what} is larger than the module's buffer"),
        );
    }
    if let Err(e) = ModelView::parse(bytes) {
        return fail(st, format_args!("{what} is invalid: {e}"));
    }
    st.net = None;
    // SAFETY: nothing borrows the file (`net` is None)
    unsafe {
        core::ptr::copy_nonoverlapping(bytes.as_ptr(), MODEL.0.get().cast::<u8>(), bytes.len())
    };
    load_in_place(st, bytes.len())
}

/// The metadata of the model after `corrections` corrections in the browser:
/// the model's own, its notes followed by the corrections, and no test
/// accuracy (the shipped model's was measured, the adapted one's is not).
fn adapted_meta(st: &mut State, corrections: u32) -> OwnedMetadata {
    let mut meta = current_view(st)
        .map(|v| OwnedMetadata::from(&v.header().meta))
        .unwrap_or_default();
    let notes = st.notes();
    meta.notes = alloc::format!(
        "{notes}{}{}adapted in the browser by {corrections} correction{}",
        if st.notes_cut { "…" } else { "" },
        if notes.is_empty() { "" } else { "; " },
        if corrections == 1 { "" } else { "s" }
    );
    meta.test_accuracy = None;
    // (a served model's long data set name would leave no room for the notes)
    meta.cut_to_fit();
    meta
}

/// The loaded model file (`model_len()` bytes).
#[no_mangle]
pub extern "C" fn model_bytes() -> *const u8 {
    MODEL.0.get().cast_const().cast()
}

/// Length of the loaded model file, 0 when none is loaded.
#[no_mangle]
pub extern "C" fn model_len() -> usize {
    state().model_len
}

/// SHA-256 of the model file as it was loaded (32 bytes).
#[no_mangle]
pub extern "C" fn model_sha256() -> *const u8 {
    // SAFETY: a raw pointer to a field, no reference is made
    unsafe { addr_of!((*STATE.0.get()).sha256).cast() }
}

/// Buffer of [`MAX_POINTS`] points, `x, y` interleaved, in drawing-surface pixels.
#[no_mangle]
pub extern "C" fn ink_points() -> *mut f32 {
    // SAFETY: a raw pointer to a field, no reference is made
    unsafe { addr_of_mut!((*STATE.0.get()).points).cast() }
}

/// Buffer of [`MAX_STROKES`] stroke ends: stroke `s` is points `ends[s-1]..ends[s]`.
#[no_mangle]
pub extern "C" fn ink_ends() -> *mut u32 {
    // SAFETY: a raw pointer to a field, no reference is made
    unsafe { addr_of_mut!((*STATE.0.get()).ends).cast() }
}

/// Buffer of [`MAX_PIXELS`] raster values, row-major, 0.0 background .. 1.0 ink.
#[no_mangle]
pub extern "C" fn raster_pixels() -> *mut f32 {
    // SAFETY: a raw pointer to a field, no reference is made
    unsafe { addr_of_mut!((*STATE.0.get()).raster).cast() }
}

/// The 28x28 input of the last prediction (row-major, 0..1).
#[no_mangle]
pub extern "C" fn input28() -> *mut f32 {
    // SAFETY: a raw pointer to a field, no reference is made
    unsafe { addr_of_mut!((*STATE.0.get()).input).cast() }
}

/// The 10 probabilities of the last prediction.
#[no_mangle]
pub extern "C" fn probabilities() -> *const f32 {
    // SAFETY: a raw pointer to a field, no reference is made
    unsafe { addr_of!((*STATE.0.get()).probabilities).cast() }
}

/// The last error's text (UTF-8, `error_len()` bytes).
#[no_mangle]
pub extern "C" fn error_message() -> *const u8 {
    // SAFETY: a raw pointer to a field, no reference is made
    unsafe { addr_of!((*STATE.0.get()).message).cast() }
}

/// Length of the last error's text.
#[no_mangle]
pub extern "C" fn error_len() -> usize {
    state().message_len
}

/// A probability in tenths of a percent as the board's screen shows it
/// ([`nnet_core::model::percent_tenths`]: rounded to the nearest, at most 999), so that
/// the page can check its own rounding against the core's.
#[no_mangle]
pub extern "C" fn percent_tenths(p: f32) -> u32 {
    u32::from(nnet_core::model::percent_tenths(p))
}

/// Classifies `image` (or reports no digit) and keeps input and probabilities.
fn answer(st: &mut State, image: Option<Image>) -> i32 {
    let Some(net) = st.net else {
        return fail(st, "no model loaded");
    };
    let Some(x) = image else {
        st.input = [0.0; INPUT];
        st.probabilities = [0.0; OUTPUT];
        st.answered = None;
        return NO_DIGIT;
    };
    st.input = x;
    match net.predict(&x) {
        Ok(p) => {
            st.probabilities = p.probabilities;
            st.answered = Some(x);
            i32::from(p.digit)
        }
        Err(e) => fail(st, e),
    }
}

/// Stroke path: the first `strokes` strokes of `ink_ends()` / `ink_points()`
/// on a `width` x `height` surface, preprocessed and classified. The surface
/// and every point are checked as the server checks them
/// ([`nnet_core::ink::surface_ok`], [`nnet_core::ink::point_ok`]), so the two
/// take the same drawings.
#[no_mangle]
pub extern "C" fn predict_ink(width: f32, height: f32, strokes: usize) -> i32 {
    let st = state();
    st.answered = None;
    if !ink::surface_ok(width, height) {
        return fail(st, "`width` and `height` must be numbers in (0, 4096]");
    }
    if strokes > MAX_STROKES {
        return fail(
            st,
            format_args!("too many strokes: {strokes} (at most {MAX_STROKES})"),
        );
    }
    st.strokes.clear();
    let mut start = 0;
    for s in 0..strokes {
        let end = st.ends[s] as usize;
        if end < start || end > MAX_POINTS {
            return fail(st, "stroke ends must increase and stay within the points");
        }
        let points = &st.points[start..end];
        if let Some(far) = points
            .iter()
            .position(|&p| !ink::point_ok(p, width, height))
        {
            let nan = points[far].iter().any(|v| v.is_nan());
            // the core's word for a NaN; the server's for a point far away
            if !nan {
                return fail(st, "an ink point lies far outside the drawing surface");
            }
        }
        let pushed = st.strokes.push_stroke(&st.points[start..end]);
        if let Err(e) = pushed {
            return fail(st, e);
        }
        start = end;
    }
    match preprocess::from_strokes(&st.strokes, width, height) {
        Ok(image) => answer(st, image),
        Err(e) => fail(st, e),
    }
}

/// Raster path: `raster_pixels()` as a `width` x `height` image, preprocessed
/// and classified. Sides above 4096 are refused, as the server refuses them.
#[no_mangle]
pub extern "C" fn predict_raster(width: usize, height: usize) -> i32 {
    let st = state();
    st.answered = None;
    if width > MAX_SIDE || height > MAX_SIDE {
        return fail(
            st,
            format_args!("raster too large: {width}x{height} (at most 4096 a side)"),
        );
    }
    let n = match width.checked_mul(height) {
        Some(n) if n <= MAX_PIXELS => n,
        _ => {
            return fail(
                st,
                format_args!("raster too large: {width}x{height} (at most {MAX_PIXELS} pixels)"),
            )
        }
    };
    match preprocess::from_raster(&st.raster[..n], width, height) {
        Ok(image) => answer(st, image),
        Err(e) => fail(st, e),
    }
}

/// Classifies the 28x28 image in `input28()` as it is (no preprocessing).
#[no_mangle]
pub extern "C" fn predict_input() -> i32 {
    let st = state();
    st.answered = None;
    let x = st.input;
    answer(st, Some(x))
}

/// Learns that the input of the last prediction is the digit `label`: one
/// correction of the output layer (`nnet_core::adapt`, default settings),
/// written as a model file that becomes the network (`model_bytes()`); then
/// answers for that input again, like a prediction. A label outside 0..=9, no
/// model, a last prediction that did not answer a digit with this model (an
/// error, "no digit", another model since) or a count of corrections at its limit
/// ([`MAX_CORRECTIONS`]) is [`ERROR`] and changes nothing.
#[no_mangle]
pub extern "C" fn adapt(label: u32) -> i32 {
    let st = state();
    let Some(net) = st.net else {
        return fail(st, "no model loaded");
    };
    let label = u8::try_from(label).unwrap_or(u8::MAX);
    let Some(x) = st.answered else {
        return fail(
            st,
            "nothing to correct: the last prediction answered no digit with this model",
        );
    };
    let Some(next) = st
        .corrections
        .checked_add(1)
        .filter(|&n| n <= MAX_CORRECTIONS)
    else {
        return fail(
            st,
            format_args!("{MAX_CORRECTIONS} corrections are the most a model keeps"),
        );
    };
    let meta = adapted_meta(st, next);
    let cfg = AdaptConfig::DEFAULT;
    let file = match net {
        Net::F32(m) => {
            let mut a = AdaptedMlp::new(m);
            a.adapt(&x, label, &cfg)
                .and_then(|_| a.to_model(meta).to_bytes())
        }
        Net::Int8(m) => {
            let mut a = AdaptedQuantMlp::new(m);
            a.adapt(&x, label, &cfg)
                .and_then(|_| a.to_model(meta))
                .and_then(|m| m.to_bytes())
        }
    };
    let file = match file {
        Ok(f) => f,
        Err(e) => return fail(st, e),
    };
    if install(st, &file, "the adapted model file") < 0 {
        return ERROR;
    }
    st.corrections = next;
    answer(st, Some(x))
}

/// Corrections in the loaded model since `model_load`.
#[no_mangle]
pub extern "C" fn corrections() -> u32 {
    state().corrections
}

/// Writes the output layer of the loaded model into `layer_bytes()` and
/// returns its length (0 and an error text when no model is loaded).
/// Little-endian: f32 models `w2` (10 x 300 f32) then `b2` (10 f32); int8
/// models `s2` (10 f32), `b2` (10 f32), then `w2q` (10 x 300 i8).
#[no_mangle]
pub extern "C" fn layer_export() -> usize {
    let st = state();
    let mut out = alloc::vec::Vec::new();
    let floats = |out: &mut alloc::vec::Vec<u8>, v: &[f32]| {
        v.iter().for_each(|f| out.extend(f.to_le_bytes()))
    };
    match st.net {
        Some(Net::F32(m)) => {
            floats(&mut out, m.w2().as_flattened());
            floats(&mut out, m.b2());
        }
        Some(Net::Int8(m)) => {
            floats(&mut out, m.s2());
            floats(&mut out, m.b2());
            out.extend(m.w2q().as_flattened().iter().map(|&w| w as u8));
        }
        None => {
            fail(st, "no model loaded");
            return 0;
        }
    }
    let n = out.len().min(LAYER_CAPACITY);
    st.layer[..n].copy_from_slice(&out[..n]);
    st.layer_len = n;
    n
}

/// The bytes of the last `layer_export` or `layer_buffer`.
#[no_mangle]
pub extern "C" fn layer_bytes() -> *mut u8 {
    // SAFETY: a raw pointer to a field, no reference is made
    unsafe { addr_of_mut!((*STATE.0.get()).layer).cast() }
}

/// Room for an exported output layer of `len` bytes (for `layer_import`).
#[no_mangle]
pub extern "C" fn layer_buffer(len: usize) -> *mut u8 {
    let st = state();
    if len > LAYER_CAPACITY {
        fail(st, "output layer larger than the module's buffer");
        return core::ptr::null_mut();
    }
    st.layer_len = len;
    st.layer.as_mut_ptr()
}

/// Puts the output layer written at `layer_buffer(len)` into the loaded
/// model (same weight type, from `layer_export`), after `corrections`
/// corrections: the result is validated like any model file and becomes the
/// network. 0, or [`ERROR`] with the model unchanged.
#[no_mangle]
pub extern "C" fn layer_import(len: usize, corrections: u32) -> i32 {
    let st = state();
    let Some(net) = st.net else {
        return fail(st, "no model loaded");
    };
    if len != st.layer_len {
        return fail(st, "layer length differs from the buffer");
    }
    if !(1..=MAX_CORRECTIONS).contains(&corrections) {
        return fail(
            st,
            format_args!("{corrections} corrections: an adapted layer has 1 to {MAX_CORRECTIONS}"),
        );
    }
    let meta = adapted_meta(st, corrections);
    let layer = &st.layer[..len];
    let floats = |b: &[u8]| -> alloc::vec::Vec<f32> {
        b.chunks_exact(4)
            .map(|c| f32::from_le_bytes([c[0], c[1], c[2], c[3]]))
            .collect()
    };
    let n = OUTPUT * HIDDEN;
    let file = match net {
        Net::F32(m) if len == (n + OUTPUT) * 4 => OwnedModel {
            hidden: HIDDEN,
            meta,
            w1: m.w1().as_flattened().to_vec(),
            b1: m.b1().to_vec(),
            w2: floats(&layer[..n * 4]),
            b2: floats(&layer[n * 4..]),
        }
        .to_bytes(),
        Net::Int8(m) if len == 2 * OUTPUT * 4 + n => OwnedQuantModel {
            hidden: HIDDEN,
            meta,
            s1: m.s1().to_vec(),
            b1: m.b1().to_vec(),
            s2: floats(&layer[..OUTPUT * 4]),
            b2: floats(&layer[OUTPUT * 4..OUTPUT * 8]),
            w1q: m.w1q().as_flattened().to_vec(),
            w2q: layer[OUTPUT * 8..].iter().map(|&b| b as i8).collect(),
        }
        .to_bytes(),
        _ => {
            return fail(
                st,
                format_args!("an output layer of {len} bytes does not fit this model"),
            )
        }
    };
    let file = match file {
        Ok(f) => f,
        Err(e) => return fail(st, e),
    };
    // (the current file stays unless the new one is valid)
    if install(st, &file, "the model with this output layer") < 0 {
        return ERROR;
    }
    st.corrections = corrections;
    st.answered = None;
    0
}

#[cfg(target_arch = "wasm32")]
#[panic_handler]
fn panic(_: &core::panic::PanicInfo) -> ! {
    core::arch::wasm32::unreachable()
}

/// The heap of the wasm module. Every allocation lives only within one export
/// call (writing an adapted model file), so a bump allocator over memory
/// grown on demand suffices: when the last live allocation is freed, the next
/// one starts again at the bottom of the heap.
#[cfg(target_arch = "wasm32")]
mod heap {
    use core::alloc::{GlobalAlloc, Layout};
    use core::arch::wasm32::{memory_grow, memory_size};
    use core::cell::Cell;

    const PAGE: usize = 65536;

    struct Bump {
        base: Cell<usize>,
        next: Cell<usize>,
        live: Cell<usize>,
    }

    // SAFETY: the module runs on one thread
    unsafe impl Sync for Bump {}

    #[global_allocator]
    static HEAP: Bump = Bump {
        base: Cell::new(0),
        next: Cell::new(0),
        live: Cell::new(0),
    };

    // SAFETY: blocks never overlap (the bump pointer only moves up while any
    // block is live) and lie in memory the module owns (grown for them).
    unsafe impl GlobalAlloc for Bump {
        unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
            if self.base.get() == 0 {
                // the heap starts above everything the module had at start
                let top = memory_size(0) * PAGE;
                self.base.set(top);
                self.next.set(top);
            }
            let at = (self.next.get() + layout.align() - 1) & !(layout.align() - 1);
            let Some(end) = at.checked_add(layout.size()) else {
                return core::ptr::null_mut();
            };
            let have = memory_size(0) * PAGE;
            if end > have && memory_grow(0, (end - have).div_ceil(PAGE)) == usize::MAX {
                return core::ptr::null_mut();
            }
            self.next.set(end);
            self.live.set(self.live.get() + 1);
            at as *mut u8
        }

        unsafe fn dealloc(&self, _ptr: *mut u8, _layout: Layout) {
            let live = self.live.get().saturating_sub(1);
            self.live.set(live);
            if live == 0 {
                self.next.set(self.base.get());
            }
        }
    }
}

#[cfg(test)]
mod tests;
