# Sourced by the scripts under envs/: where zkprof's Python environment and Rust toolchain are, and
# how a failing step stops them. One place, so that bootstrap, the SLURM setup and CI agree.

ZKPROF_REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"

# The Python environment: an activated virtualenv if there is one, else the project's own (.venv/ in
# the clone, or ZKPROF_VENV). Never the system's Python (Debian marks it EXTERNALLY-MANAGED).
zkprof_venv() {
  if [[ -n "${VIRTUAL_ENV:-}" ]]; then
    printf '%s\n' "$VIRTUAL_ENV"
  else
    printf '%s\n' "${ZKPROF_VENV:-$ZKPROF_REPO/.venv}"
  fi
}

# The Rust toolchain of the host side and the guests: Debian's rustc-web and cargo-web (rustup is not
# needed and its downloads are unreachable here). ZKPROF_RUST_BIN names another folder holding cargo
# and rustc. Checked: Debian 12's rustc-web 1.96.0+dfsg1-1~deb12u2.
ZKPROF_RUST_BIN="${ZKPROF_RUST_BIN:-/usr/bin}"
ZKPROF_RUST_MIN="1.96"

# Rust build output (and other caches) live outside the clone so that fresh clones (CI) reuse them.
ZKPROF_CACHE="${ZKPROF_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/zkprof}"

# Every failure stops the script with the failing tool's own output above it and what to do next.
zkprof_step=""
zkprof_hint=""
zkprof_started=$(date +%s)
step() { # step "what" "what to do if it fails"; prints the seconds since the script started
  zkprof_step="$1"
  zkprof_hint="$2"
  printf '\n== %s [%s s]: %s\n' "$(basename "$0")" "$(($(date +%s) - zkprof_started))" "$1" >&2
}
zkprof_failed() {
  local rc=$?
  printf '\n%s FAILED (exit %s) at: %s\n' "$(basename "$0")" "$rc" "$zkprof_step" >&2
  [[ -n "$zkprof_hint" ]] && printf 'What to do: %s\n' "$zkprof_hint" >&2
  exit "$rc"
}
trap zkprof_failed ERR

as_root() {
  if [[ $(id -u) -eq 0 ]]; then "$@"; else sudo "$@"; fi
}

# Installs the Debian packages of the list that are missing.
install_debs() {
  local missing=() p
  for p in "$@"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" || missing+=("$p")
  done
  ((${#missing[@]})) || return 0
  printf 'installing: %s\n' "${missing[*]}" >&2
  as_root apt-get update -qq
  DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq --no-install-recommends \
    "${missing[@]}" >/dev/null
}
