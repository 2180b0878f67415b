# Sourced from the repository root by the scripts that run host-trainer or web-demo (bash):
#   host_bins
# builds the workspace's host programs as `cargo test --workspace` builds them and sets
# `host_trainer` and `web_demo` to their paths (absolute). Once the tests are built, as
# scripts/test builds them first, this compiles nothing. `cargo build -p host-trainer` or
# `cargo run -p host-trainer` would choose the dependencies' features for the packages it
# names alone, leaving out those the test-only dependencies turn on, and so compile second
# copies of serde, tokio, hyper and the crates above them (minutes on two cores).
source scripts/lib/target-dir.sh

host_bins() {
    cargo test -q --workspace --no-run
    host_trainer=$CARGO_TARGET_DIR/debug/host-trainer
    web_demo=$CARGO_TARGET_DIR/debug/web-demo
}
