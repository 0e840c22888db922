#!/usr/bin/env bash
# zkprof set up from nothing, as a new user would: a minimal Debian 12 root made by debootstrap, this
# clone's files copied into it, the README's first command run inside it exactly as written (chroot,
# as root), then the summary it must write is checked, and that the root's system Python was left
# alone. Needs root and Debian's package archive.
#   bash envs/test-fresh-debian.sh             # work folder: ~/.cache/zkprof/fresh-debian
#   ZKPROF_FRESH_COLD=1 bash envs/test-fresh-debian.sh   # empty the caches first: a cold first run
#   bash envs/test-fresh-debian.sh --tests     # then the README's second command too (the test suite)
# The root is made anew every run. The caches (debootstrap's and apt's packages, pip's wheels,
# cargo's registry, zkprof's build output) are bind mounts from the work folder, so a second run
# takes minutes. Timings go to <work>/timings.txt.
# The whole script is one block, read before it runs: editing the file meanwhile cannot change a run.
{
set -Eeuo pipefail
source "$(dirname "$0")/common.sh"
cd "$ZKPROF_REPO"

[[ $(id -u) -eq 0 ]] || { echo "test-fresh-debian.sh: needs root (debootstrap, chroot, mount)" >&2; exit 1; }
work="${ZKPROF_FRESH_DIR:-$ZKPROF_CACHE/fresh-debian}"
root="$work/root"
caches="$work/caches"
mirror="${ZKPROF_DEBIAN_MIRROR:-http://deb.debian.org/debian}"
with_tests=0
[[ "${1:-}" == "--tests" ]] && with_tests=1
timings="$work/timings.txt"

mounted=()
unmount_all() {
  local i
  for ((i = ${#mounted[@]} - 1; i >= 0; i--)); do umount -R -l "${mounted[i]}" 2>/dev/null || true; done
  mounted=()
}
trap 'unmount_all' EXIT
bind() { # bind SOURCE TARGET-INSIDE-ROOT
  mkdir -p "$1" "$root$2"
  mount --rbind "$1" "$root$2"
  mount --make-rslave "$root$2"
  mounted+=("$root$2")
}
elapsed() { echo $(($(date +%s) - $1)); }

step "debootstrap" "install Debian's debootstrap; the mirror ($mirror) must be reachable"
install_debs debootstrap
# A root left mounted by a killed run is unmounted before it is removed.
grep -o " $root/[^ ]*" /proc/mounts | sort -r | xargs -r -n1 umount -l 2>/dev/null || true
if grep -q " $root/" /proc/mounts; then
  echo "$root still has mounts (see /proc/mounts): not removing it" >&2
  false
fi
rm -rf --one-file-system "$root"
[[ "${ZKPROF_FRESH_COLD:-0}" == 1 ]] && rm -rf "$caches"
mkdir -p "$work" "$caches/debootstrap"
: >"$timings"
t=$(date +%s)
debootstrap --variant=minbase --cache-dir="$caches/debootstrap" bookworm "$root" "$mirror" >"$work/debootstrap.log" 2>&1 \
  || { tail -30 "$work/debootstrap.log" >&2; false; }
echo "debootstrap_s $(elapsed "$t")" >>"$timings"
# The archives a Debian 12 installation has by default: main, its updates and the security archive
# (where Debian ships rustc-web 1.96 and lld-22).
rm -f "$root/etc/apt/sources.list"
cat >"$root/etc/apt/sources.list.d/debian.sources" <<EOF
Types: deb
URIs: $mirror
Suites: bookworm bookworm-updates
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg

Types: deb
URIs: ${mirror%/debian}/debian-security
Suites: bookworm-security
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
EOF
# The machine's own network setup, which an administrator gives every system on it: name servers,
# locally added certificate authorities (a TLS-inspecting egress proxy's, say: ca-certificates, which
# the bootstrap installs, adds them to the system's bundle) and pip's site configuration.
cp /etc/resolv.conf "$root/etc/resolv.conf"
mkdir -p "$root/usr/local/share/ca-certificates"
cp -r /usr/local/share/ca-certificates/. "$root/usr/local/share/ca-certificates/" 2>/dev/null || true
[[ -f /etc/pip.conf ]] && cp /etc/pip.conf "$root/etc/pip.conf"

step "copy the clone" "the clone must be a git work tree"
# Tracked files and new ones not ignored: what a commit of this tree would hold, no build output.
mkdir -p "$root/root/zkprof"
git ls-files -z --cached --others --exclude-standard | tar --null -T - -cf - | tar -xf - -C "$root/root/zkprof"

step "mounts" "needs root"
bind /proc /proc
bind /sys /sys
bind /dev /dev
bind "$caches/apt" /var/cache/apt/archives
bind "$caches/pip" /root/.cache/pip
bind "$caches/cargo-registry" /root/.cargo/registry
bind "$caches/zkprof" /root/.cache/zkprof

# The README's two commands, exactly as written: the bash blocks of "The two commands".
readme_command() { # N: the Nth bash block of that section
  awk -v n="$1" '/^## / {s = ($0 == "## The two commands")} s && /^```bash/ {if (++k == n) {getline; print; exit}}' README.md
}
in_root() { # run a command in the clone inside the root, as a new root login would
  chroot "$root" /usr/bin/env -i HOME=/root TERM=dumb LANG=C.UTF-8 \
    PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
    bash -c "cd /root/zkprof && $1"
}
first="$(readme_command 1)"
second="$(readme_command 2)"
[[ -n "$first" && -n "$second" ]] || { echo "README.md: no two command blocks under 'The two commands'" >&2; false; }
step "inside the fresh root: $first" "read the output above: it is what a new user would see"
t=$(date +%s)
in_root "$first" 2>&1 | tee "$work/first-command.log"
echo "first_command_s $(elapsed "$t")" >>"$timings"

step "checks" "the first command ran but did not give what the README promises"
summary="$root/root/zkprof/results/execute/summary.md"
[[ -s "$summary" ]] || { echo "no $summary" >&2; false; }
grep -q "matched" "$summary" || { echo "$summary has no matched case" >&2; false; }
# Nothing was installed into the root's system Python.
if chroot "$root" /usr/bin/python3 -c "import snakemake" 2>/dev/null; then
  echo "snakemake is importable from the root's system python3: the setup touched it" >&2
  false
fi
grep -h "bootstrap done in" "$work/first-command.log" | sed 's/.*done in \([0-9]*\) s.*/bootstrap_s \1/' >>"$timings"

if ((with_tests)); then
  step "inside the fresh root: $second" "read pytest's report above"
  t=$(date +%s)
  in_root "$second" 2>&1 | tee "$work/second-command.log"
  echo "second_command_s $(elapsed "$t")" >>"$timings"
fi
echo "fresh Debian 12: OK ($summary)"
cat "$timings"
exit 0
}
