//! The app's 240x320 frame in each UI state (empty, drawing, the result of
//! every scripted digit) must hash (FNV-1a 64 over the RGB565 bytes) to the
//! values in `tests/data/ui-golden.txt`, so an unintended visual change fails.
//! After an intended change (or a retrained shipped model, which changes the
//! result states), re-bless with
//! `NNET_BLESS=1 cargo test -p firmware --test ui_golden`.
#![cfg(not(feature = "int8"))]

use embedded_graphics::prelude::Point;
use firmware::app::App;
use firmware::framebuffer::Framebuffer;
use firmware::{model, script, ui};

fn frames() -> Vec<(String, u64)> {
    let net = model::classifier().expect("the build script validated the model");
    let mut out = Vec::new();
    let mut fb = Box::new(Framebuffer::new());

    let app = App::new(net);
    app.draw(&mut *fb).unwrap();
    out.push(("empty".to_string(), fb.hash()));

    // pen down and moving, not lifted yet: the "drawing" state
    let mut app = App::new(net);
    let o = ui::DRAW_AREA.top_left;
    for i in 0..40 {
        app.touch(Some(o + Point::new(60 + i * 2, 50 + i * 3)));
    }
    app.draw(&mut *fb).unwrap();
    out.push(("drawing".to_string(), fb.hash()));

    for (i, s) in script::DIGIT_SCRIPTS.iter().enumerate() {
        let status = script::render(net, s, &mut *fb).unwrap();
        let name = match status {
            firmware::ui::Status::Recognised(p) => {
                format!("script{i}-digit{}-shows{}", s.digit, p.digit)
            }
            other => format!("script{i}-digit{}-{other:?}", s.digit),
        };
        out.push((name, fb.hash()));
    }
    out
}

#[test]
fn every_ui_state_matches_its_golden_hash() {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/ui-golden.txt");
    let got: String = frames()
        .iter()
        .map(|(name, h)| format!("{name} {h:016x}\n"))
        .collect();
    if std::env::var_os("NNET_BLESS").is_some() {
        std::fs::write(&path, &got).unwrap();
        return;
    }
    let want = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        got == want,
        "the UI frames differ from {}:\n--- expected\n{want}--- got\n{got}\
         If the change is intended, bless it: NNET_BLESS=1 cargo test -p firmware --test ui_golden",
        path.display()
    );
}
