#!/usr/bin/env bash
# One idempotent setup for zkprof on a stock Debian 12: Debian packages (Rust, lld, the C++ compiler,
# python3-venv), a virtualenv with the pinned Python packages, the native module zkprof._native
# (maturin) and the guest programs. Safe to run again: every step is cached.
#   bash envs/bootstrap.sh          # what the workflow needs
#   bash envs/bootstrap.sh --dev    # plus tests, linters and the reference EVM (ethereum-execution)
# The virtualenv is .venv/ in the clone (ZKPROF_VENV puts it elsewhere), or the activated one.
set -Eeuo pipefail
source "$(dirname "$0")/common.sh"
cd "$ZKPROF_REPO"

dev=0
[[ "${1:-}" == "--dev" ]] && dev=1
started=$(date +%s)

step "Debian packages" "run as root or with sudo; the packages come from Debian 12's main and security archives"
# rust-web-llvm provides rust-lld (the guests' linker, lld-22 underneath); rustc-web only recommends it.
debs=(rustc-web cargo-web rust-web-src rust-web-llvm lld-22 build-essential python3-venv ca-certificates)
# --dev: git for the tests' scratch repositories, rustfmt and clippy for envs/check-native.sh.
# chromium: the HTML report test opens the report in a real (headless) browser.
((dev)) && debs+=(git rustfmt-web rust-web-clippy chromium)
install_debs "${debs[@]}"

step "Rust toolchain in $ZKPROF_RUST_BIN" "install Debian's rustc-web and cargo-web (>= $ZKPROF_RUST_MIN), or set ZKPROF_RUST_BIN to a folder with cargo and rustc"
rustc_version="$("$ZKPROF_RUST_BIN/rustc" --version)"
"$ZKPROF_RUST_BIN/cargo" --version >/dev/null
printf '%s\n' "$rustc_version" >&2
[[ "$(printf '%s\n' "$ZKPROF_RUST_MIN" "$(awk '{print $2}' <<<"$rustc_version")" | sort -V | head -1)" == "$ZKPROF_RUST_MIN" ]] \
  || { echo "$rustc_version is older than $ZKPROF_RUST_MIN" >&2; false; }
# Host and guests build with this toolchain, not with whatever cargo comes first on PATH (rustup).
export PATH="$ZKPROF_RUST_BIN:$PATH" CARGO="$ZKPROF_RUST_BIN/cargo" RUSTC="$ZKPROF_RUST_BIN/rustc"
unset RUSTUP_TOOLCHAIN

venv="$(zkprof_venv)"
py="$venv/bin/python"
step "virtualenv $venv" "install python3-venv (Python 3.11 or newer), or remove a broken $venv and run again"
if [[ -x "$py" ]] && ! "$py" -c 'import sys' 2>/dev/null; then
  echo "$py does not start (its Python was removed or upgraded): making it again" >&2
  rm -rf "$venv"
fi
[[ -x "$py" ]] || python3 -m venv "$venv"
"$py" -c 'import sys; assert sys.version_info >= (3, 11), f"Python {sys.version.split()[0]}: zkprof needs 3.11+"'
# Build backends call their tools by name (pip's build of the native module runs `maturin`), and the
# virtualenv need not be active: its bin/ goes on PATH, after the Rust toolchain's.
export PATH="$ZKPROF_RUST_BIN:$venv/bin:$PATH"

step "Python packages into $venv" "read pip's message above: a registry that cannot be reached, or a package without a wheel for this Python"
req=envs/requirements.txt
((dev)) && req=envs/requirements-dev.txt
"$py" -m pip install -q --disable-pip-version-check -r "$req"

cache="$ZKPROF_CACHE"
export CARGO_TARGET_DIR="$cache/target"
# risc0's recursion programs are downloaded by its build script, which fails offline; DOCS_RS=1 makes
# it embed an empty archive (composite receipts work, succinct ones report an error). With the zip at
# RECURSION_SRC_PATH the real programs are embedded instead.
if [[ -n "${RECURSION_SRC_PATH:-}" ]]; then
  # Succinct receipts will run the recursion circuit: build its kernels optimised (native/Cargo.toml).
  # So will the keccak coprocessor's proofs (the accelerated EVM guest).
  export MATURIN_PEP517_ARGS="${MATURIN_PEP517_ARGS:-} --config profile.release.package.risc0-circuit-recursion-sys.opt-level=3 --config profile.release.package.risc0-circuit-keccak-sys.opt-level=3"
else
  export DOCS_RS=1
fi

# The guests do not need the native module to compile (only to be wrapped into programs), so they
# compile while it builds: the host build leaves a core idle in its long serial steps.
mkdir -p "$cache"
guest_log="$cache/bootstrap-guests.log"
# The main job needs only the default guest (the accelerated EVM guest); the tests need them all.
guests=(native/guests/evm-accelerated)
((dev)) && guests=(--all)
"$py" -m zkprof guest build "${guests[@]}" --compile-only >"$guest_log" 2>&1 &
guest_pid=$!
trap 'kill "$guest_pid" 2>/dev/null || true' EXIT

step "native module zkprof._native (cargo target: $CARGO_TARGET_DIR)" "read cargo's message above; a C++ compiler error means build-essential is missing"
"$py" -m pip install -q --disable-pip-version-check --no-build-isolation --no-deps -e .
"$py" -c "import zkprof._native as n; print('zkprof._native OK, risc0', n.RISC0_VERSION)"

step "guest programs" "read cargo's message above (the guests build with $ZKPROF_RUST_BIN/cargo, -Zbuild-std, lld-22)"
if ! wait "$guest_pid"; then
  cat "$guest_log" >&2
  false
fi
"$py" -m zkprof guest build "${guests[@]}"

printf '\n== bootstrap done in %s s. Environment: %s\n' "$(($(date +%s) - started))" "$venv" >&2
if [[ -z "${VIRTUAL_ENV:-}" ]]; then
  printf 'Run the workflow with %s/bin/snakemake (or activate it: source %s/bin/activate)\n' "$venv" "$venv" >&2
fi
