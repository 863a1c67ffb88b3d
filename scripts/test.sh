#!/usr/bin/env bash
# Runs every test of the project on a fresh machine: formatting, lints, then the whole
# workspace's tests (unit, integration, CLI, examples). Installs nothing the Rust toolchain
# does not already have; later parts (web, browser) add their own setup here.
set -euo pipefail
cd "$(dirname "$0")/.."

echo "== cargo fmt --check"
cargo fmt --all -- --check

echo "== cargo clippy (warnings are errors)"
cargo clippy --workspace --all-targets --locked -- -D warnings

echo "== cargo build (the end-to-end tests run the real binaries)"
cargo build --workspace --bins --locked

echo "== cargo test"
cargo test --workspace --locked
