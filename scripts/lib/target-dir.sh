# Sourced from the repository root by scripts whose tools run in other directories (bash):
# exports CARGO_TARGET_DIR (default target/) as an absolute path, so every tool finds the one
# target directory.
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-target}"
case $CARGO_TARGET_DIR in /*) ;; *) CARGO_TARGET_DIR=$PWD/$CARGO_TARGET_DIR ;; esac
