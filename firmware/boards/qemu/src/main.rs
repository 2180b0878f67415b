//! # firmware-qemu
//!
//! The QEMU self-test of the nnet firmware on `mps2-an386` (Cortex-M4F, the
//! board's core; the `bench` mode also on `mps2-an385`, a Cortex-M3 without
//! FPU, built for thumbv7m-none-eabi). Build it with the feature `int8` for
//! the int8 model. It runs the very code the board runs — `nnet-core` through
//! the firmware's embedded model (weights in flash) and the firmware `App`
//! (touch filter → strokes → stroke preprocessing → predict → UI) — and
//! reports everything over semihosting so the host can check it bit for bit:
//!
//! ```text
//! qemu-system-arm -M mps2-an386 -nographic \
//!     -semihosting-config enable=on,target=native,arg=firmware-qemu,arg=selftest,arg=/tmp/out/frame- \
//!     -kernel firmware-qemu
//! ```
//!
//! Modes (the semihosting command line, words separated by spaces, so PREFIX
//! cannot contain one; the first word is the program name):
//!
//! * `selftest PREFIX` — checks `nnet_core::model::dot` at lengths around its
//!   chunk boundaries against the documented summation order, and the int8
//!   network's integer sums at hidden sizes 1 to 9 and 13 against plain loops; (a) classifies
//!   the first 100 MNIST test images embedded from `data/` and prints one
//!   `mnist` line each; (b) plays every
//!   scripted digit of `firmware::script::DIGIT_SCRIPTS` through a fresh `App`
//!   and prints one `script` line each; (c) renders each scripted digit's
//!   final screen into a 240x320 RGB565 RAM framebuffer and writes it to the
//!   host file `PREFIX<i>.rgb565`. Fails (exit 1) when an image or script
//!   cannot be processed, a scripted digit is not recognised as itself, or
//!   fewer than 95 of the 100 images are classified correctly.
//!   (d) corrects the first 10 images one after the other with
//!   `nnet_core::adapt` (`firmware::model::Adapted`, labels from
//!   `firmware::script::correction_label`), printing each answer and the
//!   layer's checksum, then every image's answer from the adapted network;
//!   fails when a correction is refused (the host check compares the bits).
//! * `bench` — one inference of the embedded model (`Mlp`, or `QuantMlp` with
//!   the feature `int8`) on MNIST test image 0 between the marker
//!   functions [`bench_start`] and [`bench_end`], after one empty marker pair
//!   for calibration; then (region 3) one correction of that answer to the
//!   next digit with `AdaptConfig::DEFAULT`, from the hidden activations the
//!   prediction kept (the output layer only: the count covers the range check
//!   of the activations, the SGD steps, the final logits and softmax, not the
//!   hidden layer); the `insn_count` TCG plugin counts the instructions.
//!
//! Output lines (hex = the 10 probabilities as `f32::to_bits`, 8 hex digits each):
//!
//! ```text
//! selftest begin hidden=<H> model_tail=<last 4 bytes of the model file (its CRC) in hex>
//! dot <length> <hex>          (nnet_core::model::dot on fixed test vectors)
//! int8 <hidden> <hash>        (the int8 sums on fixed test values: firmware::script::int8_sums)
//! mnist <index> <label> <digit> <hex x10>
//! script <index> <expected digit> <digit> <hex x10>
//! frame <index> <bytes> <path>
//! adapt <index> <label> <digit> <hex x10> layer <checksum of the output layer>
//! adapted <index> <digit> <hex x10>
//! summary mnist_correct=<n>/<total> scripts_correct=<n>/<total>
//! selftest ok
//! bench begin hidden=<H> model_tail=<hex>
//! bench predict <digit> <hex x10>
//! bench stack <bytes of stack the inference used>
//! bench adapt <label> <digit> <hex x10> layer <checksum>
//! bench adapt stack <bytes of stack the correction used>
//! ```
//!
//! Exit codes: 0 pass, 1 a check failed, 2 panic, 3 hard fault, 4 bad command
//! line or semihosting failure, 5 the embedded model or fixture is unusable.
#![no_std]
#![no_main]

mod console;
mod fixture;
mod semihosting;
mod stack;

use core::fmt::Write as _;
use core::hint::black_box;
use core::sync::atomic::{AtomicUsize, Ordering};

use cortex_m_rt::{entry, exception, ExceptionFrame};
use firmware::app::Status;
use firmware::framebuffer::Framebuffer;
use firmware::model::{Adapted, Hidden, Net, HIDDEN, NO_HIDDEN};
use firmware::script::{GoldenLine, DIGIT_SCRIPTS};
use nnet_core::adapt::AdaptConfig;
use nnet_core::{Image, Prediction};

use console::Console;
use semihosting::HostFile;

/// Minimum number of correctly classified fixture images (of 100) for the
/// self-test to pass.
const MIN_MNIST_CORRECT: usize = 95;

/// Why the self-test failed; each maps to an exit code.
enum Failure {
    /// A check failed (exit 1); details were printed.
    Check,
    /// The command line is wrong or the host I/O failed (exit 4).
    Host,
    /// The embedded model or fixture is unusable (exit 5).
    Data,
}

impl Failure {
    fn exit_code(&self) -> u8 {
        match self {
            Failure::Check => 1,
            Failure::Host => 4,
            Failure::Data => 5,
        }
    }
}

#[entry]
fn main() -> ! {
    let code = match Console::open() {
        Ok(mut out) => {
            let code = match run(&mut out) {
                Ok(()) => 0,
                Err(failure) => failure.exit_code(),
            };
            // Output that did not reach the host is a failure too.
            if out.flush().is_err() || out.failed() {
                4
            } else {
                code
            }
        }
        Err(_) => 4,
    };
    semihosting::exit(code)
}

/// Parses the command line and runs the chosen mode.
fn run(out: &mut Console) -> Result<(), Failure> {
    let mut buf = [0u8; 512];
    let line = match semihosting::command_line(&mut buf) {
        Ok(line) => line,
        Err(e) => {
            let _ = writeln!(out, "error: {e}");
            return Err(Failure::Host);
        }
    };
    // Skip the program name; then the mode and its argument.
    let mut words = line
        .split(|&b| b == b' ' || b == 0)
        .filter(|w| !w.is_empty())
        .skip(1);
    let mlp = match firmware::model::classifier() {
        Ok(mlp) => mlp,
        Err(e) => {
            let _ = writeln!(out, "error: the embedded model is unusable: {e}");
            return Err(Failure::Data);
        }
    };
    let images = match fixture::Fixture::embedded() {
        Ok(images) => images,
        Err(e) => {
            let _ = writeln!(out, "error: the embedded MNIST fixture is unusable: {e}");
            return Err(Failure::Data);
        }
    };
    match (words.next(), words.next(), words.next()) {
        (Some(b"selftest"), Some(prefix), None) => selftest(out, &mlp, &images, prefix),
        (Some(b"bench"), None, None) => bench(out, &mlp, &images),
        _ => {
            let _ = writeln!(
                out,
                "usage: firmware-qemu selftest FRAME_PATH_PREFIX | firmware-qemu bench \
                 (pass the words with -semihosting-config ...,arg=firmware-qemu,arg=WORD...)"
            );
            Err(Failure::Host)
        }
    }
}

/// Writes the digit and the probabilities' bit patterns.
fn write_prediction(out: &mut Console, p: &Prediction) {
    let _ = write!(out, "{}", p.digit);
    for v in p.probabilities {
        let _ = write!(out, " {:08x}", v.to_bits());
    }
}

/// Parts (a), (b) and (c) of the self-test; see the crate docs.
fn selftest(
    out: &mut Console,
    mlp: &Net,
    images: &fixture::Fixture,
    prefix: &[u8],
) -> Result<(), Failure> {
    let _ = writeln!(
        out,
        "selftest begin hidden={HIDDEN} model_tail={}",
        ModelTail(firmware::model::BYTES)
    );
    let mut ok = true;

    // The dot product on its own, at lengths around the 8-lane chunks and the
    // two-chunk loop of the Cortex-M version, against the documented order.
    ok &= check_dots(out);
    // The int8 sums at hidden sizes around the DSP kernels' 4-unit blocks, against plain loops.
    ok &= check_int8_sums(out);

    // (a) MNIST test images through the core.
    let mut image: Image = [0.0; nnet_core::INPUT];
    let mut mnist_correct = 0;
    for index in 0..images.len() {
        let label = images.load(index, &mut image);
        let _ = write!(out, "mnist {index} {label} ");
        match mlp.predict(&image) {
            Ok(p) => {
                write_prediction(out, &p);
                let _ = writeln!(out);
                mnist_correct += usize::from(p.digit == label);
            }
            Err(e) => {
                let _ = writeln!(out, "error {e}");
                ok = false;
            }
        }
    }
    if mnist_correct < MIN_MNIST_CORRECT {
        let _ = writeln!(
            out,
            "FAIL: {mnist_correct}/{} MNIST images correct, need {MIN_MNIST_CORRECT}",
            images.len()
        );
        ok = false;
    }

    // (b) + (c): every scripted digit played through a fresh App (touch filter
    // -> strokes -> stroke preprocessing -> predict), its final screen drawn
    // into a RAM framebuffer and written to the host.
    let mut fb = Framebuffer::new();
    let mut scripts_correct = 0;
    for (index, script) in DIGIT_SCRIPTS.iter().enumerate() {
        let Ok(status) = firmware::script::render(Adapted::new(*mlp), script, &mut fb);
        let _ = write!(out, "script {index} {} ", script.digit);
        match status {
            Status::Recognised(p) => {
                write_prediction(out, &p);
                let _ = writeln!(out);
                if p.digit == script.digit {
                    scripts_correct += 1;
                } else {
                    let _ = writeln!(
                        out,
                        "FAIL: script {index} drew a {} but was recognised as {}",
                        script.digit, p.digit
                    );
                    ok = false;
                }
            }
            other => {
                let _ = writeln!(out, "none");
                let _ = writeln!(out, "FAIL: script {index} ended in state {other:?}");
                ok = false;
            }
        }

        let mut path = PathBuf::new();
        if path
            .push(prefix)
            .and_then(|()| path.push_number(index))
            .is_err()
        {
            let _ = writeln!(out, "error: frame path prefix too long");
            return Err(Failure::Host);
        }
        let written = path.nul_terminated().and_then(|p| {
            let mut file = HostFile::create(p).map_err(|_| ())?;
            file.write_all(fb.as_bytes()).map_err(|_| ())
        });
        if written.is_err() {
            let _ = writeln!(out, "error: cannot write the frame to {}", path.display());
            return Err(Failure::Host);
        }
        let _ = writeln!(
            out,
            "frame {index} {} {}",
            fb.as_bytes().len(),
            path.display()
        );
    }

    // (c') every UI state's frame hashed, for the golden file
    // (firmware/tests/data/ui-golden.txt, compared on the host)
    let Ok(()) = firmware::script::ui_states(&Adapted::new(*mlp), &mut fb, |state, fb| {
        let _ = writeln!(out, "ui {}", GoldenLine(state, fb.hash()));
    });

    // (d) learning from corrections: the embedded network with a RAM output
    // layer, one correction per fixture image (firmware::script::correction_label),
    // one after the other; then the adapted network's answers.
    ok &= adapt_check(out, mlp, images);

    let _ = writeln!(
        out,
        "summary mnist_correct={mnist_correct}/{} scripts_correct={scripts_correct}/{}",
        images.len(),
        DIGIT_SCRIPTS.len()
    );
    if ok {
        let _ = writeln!(out, "selftest ok");
        Ok(())
    } else {
        let _ = writeln!(out, "selftest FAILED");
        Err(Failure::Check)
    }
}

/// Fixture images the adapt check corrects.
const ADAPT_IMAGES: usize = 10;

/// Part (d) of the self-test: prints `adapt <index> <label> <digit> <hex x10>
/// layer <checksum>` per correction and `adapted <index> <digit> <hex x10>`
/// per image afterwards (the host check repeats them bit for bit); fails
/// when a correction is refused.
fn adapt_check(out: &mut Console, mlp: &Net, images: &fixture::Fixture) -> bool {
    let cfg = AdaptConfig::DEFAULT;
    let mut net = Adapted::new(*mlp);
    let mut image: Image = [0.0; nnet_core::INPUT];
    let mut ok = true;
    for index in 0..ADAPT_IMAGES.min(images.len()) {
        let label = firmware::script::correction_label(index, images.load(index, &mut image));
        let _ = write!(out, "adapt {index} {label} ");
        match net.adapt(&image, label, &cfg) {
            Ok(p) => {
                write_prediction(out, &p);
                let _ = writeln!(out, " layer {:08x}", net.output().checksum());
            }
            Err(e) => {
                let _ = writeln!(out, "error {e}");
                ok = false;
            }
        }
    }
    for index in 0..ADAPT_IMAGES.min(images.len()) {
        images.load(index, &mut image);
        let _ = write!(out, "adapted {index} ");
        match net.predict(&image) {
            Ok(p) => {
                write_prediction(out, &p);
                let _ = writeln!(out);
            }
            Err(e) => {
                let _ = writeln!(out, "error {e}");
                ok = false;
            }
        }
    }
    ok
}

/// The input address of the last counted region (written by [`bench_start`]).
#[used]
static REGION_INPUT: AtomicUsize = AtomicUsize::new(0);
/// The result address of the last counted region (written by [`bench_end`]).
#[used]
static REGION_RESULT: AtomicUsize = AtomicUsize::new(0);

/// Checks `nnet_core::model::dot::<N>` against the documented summation order
/// written out as a plain loop, and prints `dot <N> <bits>` for the host.
fn check_dot<const N: usize>(out: &mut Console) -> bool {
    let (w, x) = firmware::script::dot_inputs::<N>();
    let d = nnet_core::model::dot(black_box(&w), black_box(&x));
    let mut acc = [0.0f32; 8];
    for i in 0..N {
        acc[i % 8] += w[i] * x[i];
    }
    let reference =
        ((acc[0] + acc[1]) + (acc[2] + acc[3])) + ((acc[4] + acc[5]) + (acc[6] + acc[7]));
    let _ = writeln!(out, "dot {N} {:08x}", d.to_bits());
    if d.to_bits() == reference.to_bits() {
        true
    } else {
        let _ = writeln!(
            out,
            "FAIL: dot {N} gave {:08x}, the documented order {:08x}",
            d.to_bits(),
            reference.to_bits()
        );
        false
    }
}

/// [`check_dot`] at lengths 0..33 around the chunk boundaries and the network's 300 and 784.
fn check_dots(out: &mut Console) -> bool {
    let mut ok = true;
    macro_rules! lengths {
        ($($n:literal),*) => { $( ok &= check_dot::<$n>(out); )* };
    }
    lengths!(0, 1, 7, 8, 9, 15, 16, 17, 23, 24, 25, 31, 32, 33, 40, 300, 784);
    ok
}

/// Checks the int8 network's integer sums at the test's hidden sizes
/// ([`firmware::script::int8_sums_at_test_sizes`]: the Cortex-M kernels against
/// plain loops) and prints `int8 <H> <hash>` for the host.
fn check_int8_sums(out: &mut Console) -> bool {
    let mut ok = true;
    for (h, sums) in firmware::script::int8_sums_at_test_sizes() {
        match sums {
            Ok((kernels, plain)) => {
                let _ = writeln!(out, "int8 {h} {kernels:016x}");
                if kernels != plain {
                    let _ = writeln!(
                        out,
                        "FAIL: int8 sums at H = {h}: the kernels' {kernels:016x}, plain loops' {plain:016x}"
                    );
                    ok = false;
                }
            }
            Err(e) => {
                let _ = writeln!(out, "FAIL: int8 sums at H = {h}: {e}");
                ok = false;
            }
        }
    }
    ok
}

/// Start marker of a counted region: the `insn_count` plugin starts counting
/// at its first instruction. Takes the region's input so the compiler cannot
/// move work before it; stores it to its own static so the linker cannot fold
/// the two markers into one function.
#[inline(never)]
#[no_mangle]
pub extern "C" fn bench_start(input: *const Image) {
    REGION_INPUT.store(black_box(input) as usize, Ordering::SeqCst);
}

/// End marker of a counted region: counting stops at its first instruction.
/// Takes the region's result so it must be complete before the call.
#[inline(never)]
#[no_mangle]
pub extern "C" fn bench_end(result: *const Prediction) {
    REGION_RESULT.store(black_box(result) as usize, Ordering::SeqCst);
}

/// One inference between the markers (region 2), after an empty region for
/// calibration (region 1: the markers' own cost); also measures the stack the
/// inference uses.
fn bench(out: &mut Console, mlp: &Net, images: &fixture::Fixture) -> Result<(), Failure> {
    let _ = writeln!(
        out,
        "bench begin hidden={HIDDEN} model_tail={}",
        ModelTail(firmware::model::BYTES)
    );
    let mut image: Image = [0.0; nnet_core::INPUT];
    images.load(0, &mut image);
    let empty = Prediction {
        digit: 0,
        probabilities: [0.0; nnet_core::OUTPUT],
    };
    bench_start(&image);
    bench_end(&empty);

    let sp = stack::paint();
    bench_start(&image);
    let result = mlp.predict(black_box(&image));
    let p = result.unwrap_or(empty);
    bench_end(&p);
    let stack_used = stack::used(sp);

    // Region 3: one correction of that answer to another digit, from the
    // hidden activations the prediction kept (what the app does when the
    // user taps the right digit): only the 10 x H output layer is touched.
    let mut net = Adapted::new(*mlp);
    let mut hidden = NO_HIDDEN;
    let kept = net.predict_with_hidden(&image, &mut hidden);
    let label = kept.map_or(0, |p| (p.digit + 1) % 10);
    let cfg = AdaptConfig::DEFAULT;
    let sp = stack::paint();
    bench_start(black_box(&hidden as *const Hidden).cast());
    let corrected = net.correct(black_box(&hidden), label, &cfg);
    let c = corrected.unwrap_or(empty);
    bench_end(&c);
    let adapt_stack = stack::used(sp);

    match (result, kept, corrected) {
        (Ok(p), Ok(_), Ok(c)) => {
            let _ = write!(out, "bench predict ");
            write_prediction(out, &p);
            let _ = writeln!(out);
            let _ = writeln!(out, "bench stack {stack_used}");
            let _ = write!(out, "bench adapt {label} ");
            write_prediction(out, &c);
            let _ = writeln!(out, " layer {:08x}", net.output().checksum());
            let _ = writeln!(out, "bench adapt stack {adapt_stack}");
            Ok(())
        }
        (Err(e), _, _) => {
            let _ = writeln!(out, "error: bench inference failed: {e}");
            Err(Failure::Check)
        }
        (Ok(_), _, Err(e)) | (Ok(_), Err(e), _) => {
            let _ = writeln!(out, "error: bench correction failed: {e}");
            Err(Failure::Check)
        }
    }
}

/// Shows the last 4 bytes of the model file (its CRC-32) as hex, so the host
/// check can tell that it embeds the same model.
struct ModelTail(&'static [u8]);

impl core::fmt::Display for ModelTail {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        let tail = self.0.len().saturating_sub(4);
        for b in &self.0[tail..] {
            write!(f, "{b:02x}")?;
        }
        Ok(())
    }
}

/// A fixed-capacity host path: the prefix from the command line plus
/// `<index>.rgb565`.
struct PathBuf {
    bytes: [u8; 256],
    len: usize,
}

impl PathBuf {
    fn new() -> Self {
        PathBuf {
            bytes: [0; 256],
            len: 0,
        }
    }

    fn push(&mut self, part: &[u8]) -> Result<(), ()> {
        // keep one byte for the terminating NUL
        let end = self.len + part.len();
        if end >= self.bytes.len() {
            return Err(());
        }
        self.bytes[self.len..end].copy_from_slice(part);
        self.len = end;
        Ok(())
    }

    fn push_number(&mut self, n: usize) -> Result<(), ()> {
        let mut digits = [0u8; 20];
        let mut i = digits.len();
        let mut n = n;
        loop {
            i -= 1;
            digits[i] = b'0' + (n % 10) as u8;
            n /= 10;
            if n == 0 {
                break;
            }
        }
        self.push(&digits[i..])?;
        self.push(b".rgb565")
    }

    fn nul_terminated(&mut self) -> Result<&[u8], ()> {
        if self.len >= self.bytes.len() {
            return Err(());
        }
        self.bytes[self.len] = 0;
        Ok(&self.bytes[..=self.len])
    }

    fn display(&self) -> &str {
        core::str::from_utf8(&self.bytes[..self.len]).unwrap_or("<non-UTF-8 path>")
    }
}

#[panic_handler]
fn panic(info: &core::panic::PanicInfo) -> ! {
    if let Ok(mut out) = Console::open() {
        let _ = writeln!(out, "panic: {info}");
        let _ = out.flush();
    }
    semihosting::exit(2)
}

#[exception]
unsafe fn HardFault(frame: &ExceptionFrame) -> ! {
    if let Ok(mut out) = Console::open() {
        let _ = writeln!(out, "hard fault: {frame:?}");
        let _ = out.flush();
    }
    semihosting::exit(3)
}
