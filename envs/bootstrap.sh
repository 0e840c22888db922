#!/usr/bin/env bash
# One idempotent setup for zkprof: Debian packages, the pinned Python environment, the native module
# (zkprof._native, built by maturin) and the guest programs. Safe to run again: every step is cached.
#   bash envs/bootstrap.sh          # what the workflow needs
#   bash envs/bootstrap.sh --dev    # plus tests, linters and the reference EVM (ethereum-execution)
set -euo pipefail
cd "$(dirname "$0")/.."

dev=0
[[ "${1:-}" == "--dev" ]] && dev=1
log() { printf '\n== bootstrap: %s\n' "$*" >&2; }

# Guests build with Debian's Rust (it ships std's source for -Zbuild-std) and lld; rzup cannot be used.
debs=(rustc-web cargo-web rust-web-src lld-22 build-essential)
missing=()
for p in "${debs[@]}"; do dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" || missing+=("$p"); done
if ((${#missing[@]})); then
  log "installing Debian packages: ${missing[*]}"
  sudo_cmd=""; [[ $(id -u) -ne 0 ]] && sudo_cmd="sudo"
  $sudo_cmd apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq "${missing[@]}" >/dev/null
fi

log "Python packages"
req=envs/requirements.txt; ((dev)) && req=envs/requirements-dev.txt
python3 -m pip install -q --disable-pip-version-check -r "$req" 2>&1 | grep -v -e "^WARNING: Running pip as" -e "dependency resolver" -e "requires .* but you have" || true

# Rust build output lives outside the clone so that fresh clones (CI) reuse it.
cache="${ZKPROF_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/zkprof}"
export CARGO_TARGET_DIR="$cache/target"
# risc0's recursion programs are downloaded by its build script, which fails offline; DOCS_RS=1 makes
# it embed an empty archive (composite receipts work, succinct ones report an error). With the zip at
# RECURSION_SRC_PATH the real programs are embedded instead.
if [[ -z "${RECURSION_SRC_PATH:-}" ]]; then export DOCS_RS=1; fi

log "native module zkprof._native (cargo target: $CARGO_TARGET_DIR)"
python3 -m pip install -q --disable-pip-version-check --no-build-isolation --no-deps -e . 2>&1 \
  | grep -v -e "^WARNING: Running pip as" || true
python3 -c "import zkprof._native as n; print('zkprof._native OK, risc0', n.RISC0_VERSION)"

log "reference host (pure Rust, for benchmarks)"
(cd native && cargo build --release -q -p zkprof-reference-host)

log "guest programs"
python3 -m zkprof guest build --all
