#!/usr/bin/env bash
# The native workspace's own checks, as CI runs them: rustfmt (workspace and guests), clippy with
# warnings as errors, and the Rust tests of the shared types and the EVM (the state-test fixtures
# are required when ZKPROF_REQUIRE_FIXTURES=1). Needs `bash envs/bootstrap.sh --dev` first.
# It builds in release with the bootstrap's cargo target, so the dependencies built for the native
# module (RISC Zero's kernels above all) are mostly reused.
set -Eeuo pipefail
source "$(dirname "$0")/common.sh"
cd "$ZKPROF_REPO/native"
export PATH="$ZKPROF_RUST_BIN:$(zkprof_venv)/bin:$PATH" CARGO="$ZKPROF_RUST_BIN/cargo" RUSTC="$ZKPROF_RUST_BIN/rustc"
unset RUSTUP_TOOLCHAIN
export CARGO_TARGET_DIR="$ZKPROF_CACHE/target" DOCS_RS=1

step "cargo fmt --check (workspace and guests)" "run cargo fmt in the folder it names and commit the result"
cargo fmt --all --check
for guest in guests/*/; do (cd "$guest" && cargo fmt --check); done

step "cargo clippy (warnings are errors)" "fix what clippy names above"
cargo clippy --release --workspace --all-targets --quiet -- -D warnings

step "cargo test (zkprof-types, zkprof-evm, zkprof-accelerators)" "read the failing test's message above"
cargo test --release --quiet -p zkprof-types -p zkprof-evm -p zkprof-accelerators
