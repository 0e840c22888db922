#!/usr/bin/env bash
# Optional cluster support for zkprof, idempotent (every step is skipped when already done):
#   - Debian's SLURM and munge (slurmctld, slurmd, munge, slurm-client) for the single-node test
#     cluster of tests/test_slurm.py; no daemon is started or enabled here;
#   - snakemake-executor-plugin-slurm in its own virtualenv, ZKPROF_SLURM_VENV (default
#     ~/.cache/zkprof/slurm-venv), made with --system-site-packages so that it sees the snakemake
#     and zkprof of the main python3. The plugin stays out of the main environment on purpose: at
#     import it asks SLURM about its configuration, which costs every `snakemake` call about 10 s on
#     a machine with SLURM's client tools and no reachable controller.
# Use the cluster profile through that environment:
#   ~/.cache/zkprof/slurm-venv/bin/snakemake --profile profiles/slurm ...
#   bash envs/slurm.sh             # both
#   bash envs/slurm.sh --no-debs   # only the plugin virtualenv (e.g. on a cluster's login node)
set -euo pipefail
cd "$(dirname "$0")/.."

# Pinned: 2.8.0 (with snakemake-executor-plugin-slurm-jobstep 0.6.1) is what the test ran against,
# with snakemake 9.27.1 and Debian 12's slurm-wlm 22.05.8.
PLUGIN="snakemake-executor-plugin-slurm==2.8.0"
JOBSTEP="snakemake-executor-plugin-slurm-jobstep==0.6.1"
cache="${ZKPROF_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/zkprof}"
venv="${ZKPROF_SLURM_VENV:-$cache/slurm-venv}"
debs_wanted=1
[[ "${1:-}" == "--no-debs" ]] && debs_wanted=0
log() { printf '\n== slurm: %s\n' "$*" >&2; }

if ((debs_wanted)); then
  debs=(slurmctld slurmd munge slurm-client)
  missing=()
  for p in "${debs[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" || missing+=("$p")
  done
  if ((${#missing[@]})); then
    log "installing Debian packages: ${missing[*]}"
    sudo_cmd=""; [[ $(id -u) -ne 0 ]] && sudo_cmd="sudo"
    $sudo_cmd apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq --no-install-recommends \
      "${missing[@]}" >/dev/null
  fi
fi

py="$venv/bin/python"
# A virtualenv of another interpreter than the main python3's (pyenv upgrade) is rebuilt.
base="$(python3 -c 'import sys; print(sys.base_prefix, sys.version_info[:2])')"
if [[ -x "$py" ]] && [[ "$("$py" -c 'import sys; print(sys.base_prefix, sys.version_info[:2])' 2>/dev/null)" != "$base" ]]; then
  log "the main python3 changed, rebuilding $venv"
  rm -rf "$venv"
fi
if [[ ! -x "$py" ]]; then
  log "virtualenv $venv (sees the main python3's packages)"
  python3 -m venv --system-site-packages "$venv"
fi
# The main python3's own site folders, also when that python3 is itself a virtualenv (which
# --system-site-packages does not see through): added after the plugin's, .pth files included.
main_sites="$(python3 -c 'import site, sysconfig
p = sysconfig.get_paths()
print(repr(sorted({p["purelib"], p["platlib"], *site.getsitepackages()})))')"
venv_site="$("$py" -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])')"
echo "import site, sys; list(map(site.addsitedir, sorted(set($main_sites) - set(sys.path))))" > "$venv_site/_zkprof_main_env.pth"
if ! "$py" -c "
import importlib.metadata as m, sys
ok = m.version('snakemake-executor-plugin-slurm') == '${PLUGIN#*==}'
ok = ok and m.version('snakemake-executor-plugin-slurm-jobstep') == '${JOBSTEP#*==}'
sys.exit(0 if ok else 1)" 2>/dev/null; then
  log "installing $PLUGIN into $venv"
  # Dependencies already in the main environment (snakemake and its interfaces) are not reinstalled.
  "$py" -m pip install -q --disable-pip-version-check "$PLUGIN" "$JOBSTEP" 2>&1 \
    | grep -v -e "^WARNING: Running pip as" || true
fi
# `$venv/bin/snakemake`: the main environment's snakemake, run by this virtualenv's python.
printf '#!/bin/sh\nexec "%s" -m snakemake "$@"\n' "$py" > "$venv/bin/snakemake"
chmod +x "$venv/bin/snakemake"
"$py" - <<'EOF'
import importlib.metadata as m
import snakemake
print("slurm-venv OK: snakemake", snakemake.__version__, "| plugin",
      m.version("snakemake-executor-plugin-slurm"), "| jobstep",
      m.version("snakemake-executor-plugin-slurm-jobstep"))
EOF
