//! The export layer on the host: the same calls the page makes, checked
//! against `nnet-core` called directly, and every refusal.
use std::path::PathBuf;
use std::sync::{Mutex, MutexGuard};

use nnet_core::format::{OwnedModel, OwnedQuantModel};

use super::*;

/// The exports share one state: one test at a time.
static LOCK: Mutex<()> = Mutex::new(());

fn lock() -> MutexGuard<'static, ()> {
    LOCK.lock().unwrap_or_else(|e| e.into_inner())
}

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn shipped(name: &str) -> Vec<u8> {
    std::fs::read(root().join("models").join(name)).expect("shipped model")
}

fn load(bytes: &[u8]) -> i32 {
    let p = model_buffer(bytes.len());
    assert!(!p.is_null());
    // SAFETY: model_buffer returned room for bytes.len() bytes
    unsafe { std::ptr::copy_nonoverlapping(bytes.as_ptr(), p, bytes.len()) };
    model_load(bytes.len())
}

fn message() -> String {
    // SAFETY: error_message() points at error_len() bytes of UTF-8
    let bytes = unsafe { std::slice::from_raw_parts(error_message(), error_len()) };
    String::from_utf8(bytes.to_vec()).unwrap()
}

fn probs() -> [f32; OUTPUT] {
    // SAFETY: probabilities() points at OUTPUT floats
    unsafe { *probabilities().cast::<[f32; OUTPUT]>() }
}

fn input() -> Image {
    // SAFETY: input28() points at INPUT floats
    unsafe { *input28().cast::<Image>() }
}

/// A "7" and a "1" as strokes on a 300x300 surface.
fn seven_and_one() -> Vec<Vec<[f32; 2]>> {
    vec![
        vec![
            [60.0, 50.0],
            [150.0, 48.0],
            [240.0, 52.0],
            [190.0, 150.0],
            [140.0, 260.0],
        ],
        vec![[262.0, 150.0], [261.5, 200.5], [263.0, 280.0]],
    ]
}

fn write_ink(strokes: &[Vec<[f32; 2]>]) {
    let mut k = 0;
    for (s, stroke) in strokes.iter().enumerate() {
        for &[x, y] in stroke {
            // SAFETY: fewer than MAX_POINTS points
            unsafe {
                *ink_points().add(2 * k) = x;
                *ink_points().add(2 * k + 1) = y;
            }
            k += 1;
        }
        // SAFETY: fewer than MAX_STROKES strokes
        unsafe { *ink_ends().add(s) = k as u32 };
    }
}

#[test]
fn ink_and_raster_answers_are_the_cores() {
    let _g = lock();
    for (name, kind) in [("mnist-mlp.nnet", 0), ("mnist-mlp-i8.nnet", 1)] {
        let bytes = shipped(name);
        assert_eq!(load(&bytes), kind, "{name}: {}", message());
        assert_eq!(model_len(), bytes.len());
        let sha: [u8; 32] = Sha256::digest(&bytes).into();
        // SAFETY: 32 bytes
        assert_eq!(unsafe { *model_sha256().cast::<[u8; 32]>() }, sha);
        // SAFETY: model_len() bytes
        let kept = unsafe { std::slice::from_raw_parts(model_bytes(), model_len()) };
        assert_eq!(kept, &bytes[..]);

        let view = ModelView::parse(&bytes).unwrap();
        let direct = |x: &Image| match kind {
            0 => view.mlp::<HIDDEN>().unwrap().predict(x).unwrap(),
            _ => view.quant_mlp::<HIDDEN>().unwrap().predict(x).unwrap(),
        };

        let strokes = seven_and_one();
        write_ink(&strokes);
        let digit = predict_ink(300.0, 300.0, strokes.len());
        let mut ink: Strokes<MAX_POINTS, MAX_STROKES> = Strokes::new();
        for s in &strokes {
            ink.push_stroke(s).unwrap();
        }
        let x = preprocess::from_strokes(&ink, 300.0, 300.0)
            .unwrap()
            .unwrap();
        let p = direct(&x);
        assert_eq!(digit, i32::from(p.digit), "{name}");
        assert_eq!(input(), x);
        assert_eq!(probs().map(f32::to_bits), p.probabilities.map(f32::to_bits));

        // only the first stroke: a different drawing, a different input
        assert!(predict_ink(300.0, 300.0, 1) >= 0);
        assert_ne!(input(), x);

        // raster path: a 40x30 bar with a soft edge
        let (w, h) = (40, 30);
        let mut px = vec![0.0f32; w * h];
        for y in 5..25 {
            for x in 18..23 {
                px[y * w + x] = if x == 18 { 0.5 } else { 1.0 };
            }
        }
        // SAFETY: w*h < MAX_PIXELS floats
        unsafe { std::ptr::copy_nonoverlapping(px.as_ptr(), raster_pixels(), px.len()) };
        let digit = predict_raster(w, h);
        let x = preprocess::from_raster(&px, w, h).unwrap().unwrap();
        let p = direct(&x);
        assert_eq!(digit, i32::from(p.digit));
        assert_eq!(input(), x);
        assert_eq!(probs().map(f32::to_bits), p.probabilities.map(f32::to_bits));

        // the 28x28 input directly
        let mut x = [0.0f32; INPUT];
        x[14 * 28 + 4..14 * 28 + 24].fill(1.0);
        // SAFETY: INPUT floats
        unsafe { *input28().cast::<Image>() = x };
        assert_eq!(predict_input(), i32::from(direct(&x).digit));
        assert_eq!(probs(), direct(&x).probabilities);
    }
}

#[test]
fn too_little_ink_is_no_digit() {
    let _g = lock();
    assert_eq!(load(&shipped("mnist-mlp-i8.nnet")), 1);
    write_ink(&[vec![[150.0, 150.0], [151.0, 150.5]]]);
    assert_eq!(predict_ink(300.0, 300.0, 1), NO_DIGIT);
    assert_eq!(input(), [0.0; INPUT]);
    assert_eq!(probs(), [0.0; OUTPUT]);
    assert_eq!(predict_ink(300.0, 300.0, 0), NO_DIGIT, "no strokes at all");
}

#[test]
fn bad_models_and_inputs_are_refused_with_a_reason() {
    let _g = lock();
    let good = shipped("mnist-mlp.nnet");
    let mut flipped = good.clone();
    let mid = flipped.len() / 2;
    flipped[mid] ^= 1;
    assert_eq!(load(&flipped), ERROR);
    assert!(message().contains("checksum"), "{}", message());
    assert_eq!(model_len(), 0);
    // nothing loaded: predictions say so
    assert_eq!(predict_input(), ERROR);
    assert_eq!(message(), "no model loaded");
    assert_eq!(load(&good[..good.len() - 1]), ERROR);
    assert!(message().contains("truncated"), "{}", message());
    assert_eq!(load(b"hello"), ERROR);
    assert!(message().contains("magic"), "{}", message());
    // another hidden size than the module's network
    let small = OwnedModel {
        hidden: 3,
        meta: Default::default(),
        w1: vec![0.0; 3 * INPUT],
        b1: vec![0.0; 3],
        w2: vec![0.0; 30],
        b2: vec![0.0; 10],
    };
    assert_eq!(load(&small.to_bytes().unwrap()), ERROR);
    assert!(message().contains("3 hidden units"), "{}", message());
    let q = OwnedQuantModel::from_bytes(&shipped("mnist-mlp-i8.nnet")).unwrap();
    assert_eq!(load(&q.to_bytes().unwrap()), 1);
    // too large for the buffer
    assert!(model_buffer(MODEL_CAPACITY + 1).is_null());
    assert!(message().contains("larger"), "{}", message());
    assert_eq!(model_load(MODEL_CAPACITY + 1), ERROR);

    assert_eq!(load(&good), 0);
    // strokes: too many, ends that go backwards or past the buffer
    assert_eq!(predict_ink(300.0, 300.0, MAX_STROKES + 1), ERROR);
    assert!(message().contains("too many strokes"), "{}", message());
    write_ink(&seven_and_one());
    // SAFETY: within the buffer
    unsafe { *ink_ends().add(1) = 2 };
    assert_eq!(predict_ink(300.0, 300.0, 2), ERROR);
    // SAFETY: within the buffer
    unsafe { *ink_ends().add(1) = MAX_POINTS as u32 + 1 };
    assert_eq!(predict_ink(300.0, 300.0, 2), ERROR);
    write_ink(&seven_and_one());
    // SAFETY: within the buffer
    unsafe { *ink_points() = f32::NAN };
    assert_eq!(predict_ink(300.0, 300.0, 2), ERROR);
    assert!(message().contains("NaN"), "{}", message());
    write_ink(&seven_and_one());
    assert_eq!(predict_ink(0.0, 300.0, 2), ERROR);
    assert!(predict_ink(300.0, 300.0, 2) >= 0, "{}", message());
    // what the server refuses, the module refuses: a surface past 4096, a point far
    // outside its surface, a raster side past 4096
    assert_eq!(predict_ink(5000.0, 5000.0, 2), ERROR);
    assert!(message().contains("(0, 4096]"), "{}", message());
    let mut far = seven_and_one();
    far[0][2] = [1000.0, 60.0];
    write_ink(&far);
    assert_eq!(predict_ink(300.0, 300.0, 2), ERROR);
    assert!(message().contains("far outside"), "{}", message());
    assert_eq!(predict_raster(5000, 2), ERROR);
    assert!(message().contains("at most 4096 a side"), "{}", message());
    write_ink(&seven_and_one());
    // rasters: too large, out-of-range pixels
    assert_eq!(predict_raster(MAX_PIXELS, 2), ERROR);
    assert!(message().contains("too large"), "{}", message());
    assert_eq!(predict_raster(usize::MAX, 2), ERROR);
    // SAFETY: within the buffer
    unsafe { *raster_pixels() = 2.0 };
    assert_eq!(predict_raster(28, 28), ERROR);
    assert!(message().contains("outside"), "{}", message());
    // a refused input leaves the model loaded
    // SAFETY: within the buffer
    unsafe { *input28() = 0.5 };
    assert!(predict_input() >= 0);
}

#[test]
fn long_error_texts_are_cut_at_a_character_boundary() {
    let _g = lock();
    let st = state();
    let long = "é".repeat(200);
    assert_eq!(fail(st, &long), ERROR);
    let text = message();
    assert!(text.len() <= 192 && text.len() >= 190, "{}", text.len());
    assert!(text.chars().all(|c| c == 'é'));
}

/// A square "6" with a top bar (the seven-segment shape some people write),
/// `side` wide and 0.7 times as tall, which the shipped models take for a 5
/// (drawn as tall as wide, they read it as a 6).
fn square_six(x0: f32, y0: f32, side: f32) -> Vec<Vec<[f32; 2]>> {
    let p = |u: f32, v: f32| [x0 + side * u, y0 + 0.7 * side * v];
    vec![vec![
        p(0.85, 0.05),
        p(0.15, 0.05),
        p(0.15, 0.95),
        p(0.85, 0.95),
        p(0.85, 0.5),
        p(0.15, 0.5),
    ]]
}

/// The digit [`square_six`] shows, and its number of strokes.
const SIX: i32 = 6;
const STROKES: usize = 1;

#[test]
fn corrections_teach_the_model_and_the_written_file_answers_like_the_module() {
    let _g = lock();
    for (name, kind) in [("mnist-mlp.nnet", 0), ("mnist-mlp-i8.nnet", 1)] {
        let shipped_bytes = shipped(name);
        assert_eq!(load(&shipped_bytes), kind);
        // bad labels change nothing
        write_ink(&square_six(30.0, 30.0, 240.0));
        let before = predict_ink(300.0, 300.0, STROKES);
        assert_eq!(adapt(10), ERROR);
        assert!(message().contains("label"), "{}", message());
        assert_eq!(corrections(), 0);
        // SAFETY: model_len() bytes
        let same = unsafe { std::slice::from_raw_parts(model_bytes(), model_len()) };
        assert_eq!(same, &shipped_bytes[..]);
        assert_ne!(before, SIX, "{name}: the shipped model misreads this style");

        for (k, (x0, y0, side)) in [
            (30.0, 30.0, 240.0),
            (10.0, 120.0, 160.0),
            (140.0, 20.0, 150.0),
        ]
        .into_iter()
        .enumerate()
        {
            write_ink(&square_six(x0, y0, side));
            assert!(predict_ink(300.0, 300.0, STROKES) >= 0);
            assert!(adapt(SIX as u32) >= 0, "{}", message());
            assert_eq!(corrections(), k as u32 + 1);
        }
        write_ink(&square_six(80.0, 60.0, 200.0));
        assert_eq!(
            predict_ink(300.0, 300.0, STROKES),
            SIX,
            "{name}: learned the style"
        );
        let learned = probs();

        // the module's model file is a valid model that answers with the same bits
        // SAFETY: model_len() bytes
        let file = unsafe { std::slice::from_raw_parts(model_bytes(), model_len()) }.to_vec();
        let view = ModelView::parse(&file).unwrap();
        // the shipped model's notes whole, then the corrections; no accuracy of its own
        let shipped = ModelView::parse(&shipped_bytes)
            .unwrap()
            .header()
            .meta
            .notes;
        let notes = view.header().meta.notes;
        assert_eq!(
            notes,
            format!("{shipped}; adapted in the browser by 3 corrections")
        );
        assert_eq!(view.header().meta.test_accuracy, None);
        let x = input();
        let p = match kind {
            0 => view.mlp::<HIDDEN>().unwrap().predict(&x).unwrap(),
            _ => view.quant_mlp::<HIDDEN>().unwrap().predict(&x).unwrap(),
        };
        assert_eq!(p.probabilities.map(f32::to_bits), learned.map(f32::to_bits));

        // the output layer alone, put into the shipped model, gives the same file
        let n = layer_export();
        assert_eq!(n, if kind == 0 { 3010 * 4 } else { 80 + 3000 });
        // SAFETY: n bytes
        let layer = unsafe { std::slice::from_raw_parts(layer_bytes(), n) }.to_vec();
        assert_eq!(load(&shipped_bytes), kind);
        assert_eq!(corrections(), 0);
        let p = layer_buffer(n);
        // SAFETY: room for n bytes
        unsafe { std::ptr::copy_nonoverlapping(layer.as_ptr(), p, n) };
        assert_eq!(layer_import(n, 3), 0, "{}", message());
        assert_eq!(corrections(), 3);
        // SAFETY: model_len() bytes
        let again = unsafe { std::slice::from_raw_parts(model_bytes(), model_len()) };
        assert_eq!(again, &file[..], "{name}: the same model file");

        // a layer of the wrong size or with a NaN is refused and the model kept
        let p = layer_buffer(n - 1);
        // SAFETY: room for n - 1 bytes
        unsafe { std::ptr::copy_nonoverlapping(layer.as_ptr(), p, n - 1) };
        assert_eq!(layer_import(n - 1, 4), ERROR);
        let mut bad = layer.clone();
        bad[..4].copy_from_slice(&f32::NAN.to_le_bytes());
        let p = layer_buffer(n);
        // SAFETY: room for n bytes
        unsafe { std::ptr::copy_nonoverlapping(bad.as_ptr(), p, n) };
        assert_eq!(layer_import(n, 4), ERROR);
        assert_eq!(corrections(), 3);
        // SAFETY: model_len() bytes
        let kept = unsafe { std::slice::from_raw_parts(model_bytes(), model_len()) };
        assert_eq!(kept, &file[..]);
    }
}

#[test]
fn a_correction_needs_a_digit_answered_by_this_model_and_a_count_in_range() {
    let _g = lock();
    let shipped_bytes = shipped("mnist-mlp.nnet");
    assert_eq!(load(&shipped_bytes), 0);
    // nothing answered since the model was loaded
    assert_eq!(adapt(3), ERROR);
    assert!(message().contains("nothing to correct"), "{}", message());
    // "no digit": nothing to correct either
    write_ink(&[vec![[10.0, 10.0]]]);
    assert_eq!(predict_ink(300.0, 300.0, 1), NO_DIGIT);
    assert_eq!(adapt(3), ERROR);
    // a refused drawing after an answer: the answer is not corrected in its place
    write_ink(&square_six(30.0, 30.0, 240.0));
    assert!(predict_ink(300.0, 300.0, STROKES) >= 0);
    assert_eq!(predict_ink(f32::NAN, 300.0, STROKES), ERROR);
    assert_eq!(adapt(6), ERROR);
    assert_eq!(corrections(), 0);
    // answered: corrected, from the input answered, whatever is written at input28() since;
    // a refused label takes nothing away
    assert!(predict_ink(300.0, 300.0, STROKES) >= 0);
    let answered = input();
    // SAFETY: input28() points at INPUT floats
    unsafe { *input28().cast::<Image>() = [0.0; INPUT] };
    assert_eq!(adapt(10), ERROR);
    assert!(adapt(6) >= 0, "{}", message());
    assert_eq!(corrections(), 1);
    assert_eq!(input(), answered, "learned from the answered drawing");
    // a layer comes with 1 to MAX_CORRECTIONS corrections; a refused one keeps the model
    let n = layer_export();
    // SAFETY: n bytes
    let layer = unsafe { std::slice::from_raw_parts(layer_bytes(), n) }.to_vec();
    for bad in [0, MAX_CORRECTIONS + 1, u32::MAX] {
        let p = layer_buffer(n);
        // SAFETY: room for n bytes
        unsafe { std::ptr::copy_nonoverlapping(layer.as_ptr(), p, n) };
        assert_eq!(layer_import(n, bad), ERROR, "{bad}");
        assert!(message().contains("corrections"), "{}", message());
        assert_eq!(corrections(), 1);
    }
    // at the limit, one more correction is refused, not wrapped to 0
    let p = layer_buffer(n);
    // SAFETY: room for n bytes
    unsafe { std::ptr::copy_nonoverlapping(layer.as_ptr(), p, n) };
    assert_eq!(layer_import(n, MAX_CORRECTIONS), 0, "{}", message());
    assert!(predict_ink(300.0, 300.0, STROKES) >= 0);
    assert_eq!(adapt(6), ERROR);
    assert_eq!(corrections(), MAX_CORRECTIONS);
    // a model file too large for the buffer is refused, and the loaded model stays
    assert!(model_buffer(MODEL_CAPACITY + 1).is_null());
    assert!(predict_ink(300.0, 300.0, STROKES) >= 0, "{}", message());
    assert_eq!(corrections(), MAX_CORRECTIONS);
}

/// A served model whose data set name fills its header is still adapted and written: the
/// name is cut to `format::MAX_DATASET`, as host-trainer cuts it.
#[test]
fn a_model_with_a_long_data_set_name_is_adapted_and_written() {
    let _g = lock();
    let mut m = nnet_core::format::OwnedModel::from_bytes(&shipped("mnist-mlp.nnet")).unwrap();
    m.meta.dataset = "d".repeat(60_000);
    let bytes = m.to_bytes().unwrap();
    assert_eq!(load(&bytes), 0);
    write_ink(&square_six(30.0, 30.0, 240.0));
    assert!(predict_ink(300.0, 300.0, STROKES) >= 0);
    assert!(adapt(SIX as u32) >= 0, "{}", message());
    // SAFETY: model_len() bytes
    let file = unsafe { std::slice::from_raw_parts(model_bytes(), model_len()) }.to_vec();
    let view = ModelView::parse(&file).unwrap();
    let dataset = view.header().meta.dataset;
    assert!(
        dataset.len() <= nnet_core::format::MAX_DATASET && dataset.ends_with("dd…"),
        "{} bytes",
        dataset.len()
    );
    assert!(view
        .header()
        .meta
        .notes
        .ends_with("adapted in the browser by 1 correction"));
}

/// A file the module would install that does not parse, or does not fit, is refused before
/// the loaded model is touched: the module answers as before.
#[test]
fn a_refused_install_keeps_the_loaded_model() {
    let _guard = lock();
    assert_eq!(load(&shipped("mnist-mlp.nnet")), 0);
    // an answer for a fixed 28x28 input: the digit and the probabilities' bits
    let answer = || {
        let x: Image = core::array::from_fn(|i| ((i * 7) % 13) as f32 / 13.0);
        // SAFETY: input28() points at INPUT floats
        unsafe { *input28().cast::<Image>() = x };
        (predict_input(), probs().map(f32::to_bits))
    };
    let before = answer();
    assert!(before.0 >= 0, "{}", message());
    let mut bad = shipped("mnist-mlp.nnet");
    bad[20] ^= 0xff;
    for file in [bad, vec![0u8; MODEL_CAPACITY + 1]] {
        assert_eq!(install(state(), &file, "the adapted model file"), ERROR);
        assert!(
            message().starts_with("the adapted model file is"),
            "{}",
            message()
        );
        assert_eq!(answer(), before, "the model as it was");
    }
}
