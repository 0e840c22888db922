#!/usr/bin/env bash
# Optional cluster support for zkprof, idempotent (every step is skipped when already done):
#   - Debian's SLURM and munge (slurmctld, slurmd, munge, slurm-client) for the single-node test
#     cluster of tests/test_slurm.py; no daemon is started or enabled here;
#   - snakemake-executor-plugin-slurm in its own virtualenv, ZKPROF_SLURM_VENV (default
#     ~/.cache/zkprof/slurm-venv), made with --system-site-packages so that it sees the snakemake
#     and zkprof of the main environment. The plugin stays out of the main environment on purpose: at
#     import it asks SLURM about its configuration, which costs every `snakemake` call about 10 s on
#     a machine with SLURM's client tools and no reachable controller.
# Use the cluster profile through that environment:
#   ~/.cache/zkprof/slurm-venv/bin/snakemake --profile profiles/slurm ...
#   bash envs/slurm.sh             # both
#   bash envs/slurm.sh --no-debs   # only the plugin virtualenv (e.g. on a cluster's login node)
set -Eeuo pipefail
source "$(dirname "$0")/common.sh"
cd "$ZKPROF_REPO"

# Pinned: 2.8.0 (with snakemake-executor-plugin-slurm-jobstep 0.6.1) is what the test ran against,
# with snakemake 9.27.1 and Debian 12's slurm-wlm 22.05.8.
PLUGIN="snakemake-executor-plugin-slurm==2.8.0"
JOBSTEP="snakemake-executor-plugin-slurm-jobstep==0.6.1"
cache="$ZKPROF_CACHE"
venv="${ZKPROF_SLURM_VENV:-$cache/slurm-venv}"
# The main environment: the one envs/bootstrap.sh set up.
main_py="$(zkprof_venv)/bin/python"
debs_wanted=1
[[ "${1:-}" == "--no-debs" ]] && debs_wanted=0

if ((debs_wanted)); then
  step "Debian's SLURM and munge" "run as root or with sudo"
  install_debs slurmctld slurmd munge slurm-client
fi

step "the plugin virtualenv $venv" "run bash envs/bootstrap.sh first: it makes the main environment ($main_py)"
"$main_py" -c "import snakemake, zkprof"
py="$venv/bin/python"
# A virtualenv of another interpreter than the main environment's (pyenv upgrade) is rebuilt.
base="$("$main_py" -c 'import sys; print(sys.base_prefix, sys.version_info[:2])')"
if [[ -x "$py" ]] && [[ "$("$py" -c 'import sys; print(sys.base_prefix, sys.version_info[:2])' 2>/dev/null)" != "$base" ]]; then
  echo "the main Python changed, rebuilding $venv" >&2
  rm -rf "$venv"
fi
if [[ ! -x "$py" ]]; then
  echo "virtualenv $venv (sees the main environment's packages)" >&2
  "$main_py" -m venv --system-site-packages "$venv"
fi
# The main environment's own site folders, also when that python3 is itself a virtualenv (which
# --system-site-packages does not see through): added after the plugin's, .pth files included.
main_sites="$("$main_py" -c 'import site, sysconfig
p = sysconfig.get_paths()
print(repr(sorted({p["purelib"], p["platlib"], *site.getsitepackages()})))')"
venv_site="$("$py" -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])')"
echo "import site, sys; list(map(site.addsitedir, sorted(set($main_sites) - set(sys.path))))" > "$venv_site/_zkprof_main_env.pth"
if ! "$py" -c "
import importlib.metadata as m, sys
ok = m.version('snakemake-executor-plugin-slurm') == '${PLUGIN#*==}'
ok = ok and m.version('snakemake-executor-plugin-slurm-jobstep') == '${JOBSTEP#*==}'
sys.exit(0 if ok else 1)" 2>/dev/null; then
  echo "installing $PLUGIN into $venv" >&2
  # Dependencies already in the main environment (snakemake and its interfaces) are not reinstalled.
  "$py" -m pip install -q --disable-pip-version-check "$PLUGIN" "$JOBSTEP"
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
