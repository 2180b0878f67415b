//! The app's 240x320 frame in each UI state (empty, drawing, the result of
//! every scripted digit) must hash (FNV-1a 64 over the RGB565 bytes) to the
//! values in `tests/data/ui-golden.txt`, so an unintended visual change fails
//! (`firmware::script::ui_states` draws them; the desktop simulator's
//! `--ui-hashes` and the QEMU self-test check the same file).
//! After an intended change (or a retrained shipped model, which changes the
//! result states), re-bless with
//! `NNET_BLESS=1 cargo test -p firmware --test ui_golden`.
#![cfg(not(feature = "int8"))]

use firmware::framebuffer::Framebuffer;
use firmware::{model, script};

/// The golden file's text for this build: one line per UI state.
fn frames() -> String {
    let net = model::adapted().expect("the build script validated the model");
    let mut out = String::new();
    let mut fb = Box::new(Framebuffer::new());
    let Ok(()) = script::ui_states(&net, &mut *fb, |state, fb| {
        out.push_str(&format!("{}\n", script::GoldenLine(state, fb.hash())));
    });
    out
}

#[test]
fn every_ui_state_matches_its_golden_hash() {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/ui-golden.txt");
    let got = frames();
    if std::env::var("NNET_BLESS").as_deref() == Ok("1") {
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
