"""The workflow on a real single-node SLURM cluster through profiles/slurm, against a local run.

The cluster (munged, slurmctld, slurmd from Debian's packages) is started from a temp folder by
tests/slurm_cluster.py and stopped by the pids it started. snakemake runs with the SLURM executor
plugin from its own virtualenv (envs/slurm.sh), as a user would; the local run uses the main
python3, which has no plugin. Both run the built-in examples; their metrics must agree, and the
cluster run must have grouped the per-case jobs into fewer SLURM jobs than Snakemake jobs.
"""

from __future__ import annotations

import importlib.util
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from tests.slurm_cluster import SlurmCluster, cluster_fixture

REPO_ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = REPO_ROOT / "examples" / "state_tests"
SLURM_VENV = Path(
    os.environ.get("ZKPROF_SLURM_VENV")
    or Path(os.environ.get("ZKPROF_CACHE_DIR") or Path.home() / ".cache" / "zkprof") / "slurm-venv"
)
# Columns that do not depend on where or how fast a case ran.
SAME = [
    "status",
    "reason",
    "image_id",
    "gas_used",
    "state_root",
    "logs_hash",
    "total_cycles",
    "user_cycles",
    "paging_cycles",
    "segments",
]

# The node offers 8 CPUs on this 2-core machine (SLURM oversubscribes), so that profiles/slurm runs
# unchanged: its `cores: 8` and build_guest's 4 CPUs must fit on one node.
slurm_cluster = cluster_fixture(cpus=8)


@pytest.fixture(scope="module")
def slurm_python() -> Path:
    """The plugin virtualenv's python (checked before the cluster starts: the fixture comes first)."""
    pytest.importorskip("zkprof._native", reason="the workflow needs the native module")
    python = SLURM_VENV / "bin" / "python"
    probe = [str(python), "-c", "import snakemake_executor_plugin_slurm"]
    if not python.exists() or subprocess.run(probe, capture_output=True).returncode != 0:
        reason = f"snakemake-executor-plugin-slurm not installed in {SLURM_VENV}; run envs/slurm.sh"
        if os.environ.get("ZKPROF_REQUIRE_SLURM") == "1":
            pytest.fail(reason)
        pytest.skip(reason)
    return python


def snakemake(
    python: Path | str, workdir: Path, *args: str, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    """Runs the repo's workflow on the examples copied into `workdir`, results under it."""
    settings = {"results_dir": str(workdir / "results"), "tests_dir": str(workdir / "tests")}
    cmd = [
        str(python), "-m", "snakemake",
        "--snakefile", str(REPO_ROOT / "Snakefile"),
        "--directory", str(workdir),
        "--configfile", str(REPO_ROOT / "config.yaml"),
        "--config", *[f"{k}={json.dumps(v)}" for k, v in settings.items()],
        *args,
    ]  # fmt: skip
    proc = subprocess.run(
        cmd, capture_output=True, text=True, check=False, cwd=workdir, env=env, timeout=1800
    )
    if proc.returncode != 0:
        raise AssertionError(f"snakemake failed ({proc.returncode}):\n{proc.stdout}\n{proc.stderr}")
    return proc


def metrics(workdir: Path) -> pd.DataFrame:
    df = pd.read_parquet(workdir / "results" / "execute" / "metrics.parquet")
    return df.set_index("case_id").sort_index()


def workdir_with_examples(tmp_path: Path, name: str) -> Path:
    workdir = tmp_path / name
    workdir.mkdir()
    shutil.copytree(EXAMPLES, workdir / "tests")
    return workdir


@pytest.mark.timeout(2400)
def test_slurm_run_equals_local_run(
    slurm_python: Path, slurm_cluster: SlurmCluster, tmp_path: Path
) -> None:
    local = workdir_with_examples(tmp_path, "local")
    snakemake(sys.executable, local, "--cores", "2")

    cluster = workdir_with_examples(tmp_path, "slurm")
    proc = snakemake(
        slurm_python,
        cluster,
        "--profile", str(REPO_ROOT / "profiles" / "slurm"),
        # What a user fills in for their site (profiles/slurm leaves both open).
        "--default-resources", f"slurm_partition={slurm_cluster.partition}",
        # This cluster keeps no accounting: job states come from squeue (MinJobAge 300 s).
        "--slurm-status-command", "squeue",
        # Poll often: these jobs take seconds, a real cluster's take minutes.
        "--slurm-init-seconds-before-status-checks", "2",
        "--seconds-between-status-checks", "2",
        "--latency-wait", "5",
        env=slurm_cluster.env,
    )  # fmt: skip
    log = proc.stdout + proc.stderr

    # Same cases, same results.
    want, got = metrics(local), metrics(cluster)
    assert len(want) >= 7
    assert list(got.index) == list(want.index)
    pd.testing.assert_frame_equal(got[SAME], want[SAME], check_like=True)
    assert (got["status"] == "matched").all(), got[got["status"] != "matched"]["reason"]

    # All SLURM jobs completed on the node, and grouping made fewer SLURM jobs than Snakemake jobs.
    jobs = slurm_cluster.completed_jobs()
    assert jobs, f"no SLURM job recorded:\n{log}\n{slurm_cluster.logs()}"
    assert {j["JobState"] for j in jobs} == {"COMPLETED"}, jobs
    assert {j["NodeList"] for j in jobs} == {slurm_cluster.node}
    submitted = re.findall(r"submitted with SLURM jobid (\d+)", log)
    assert sorted(submitted, key=int) == sorted((j["JobId"] for j in jobs), key=int)
    done = re.findall(r"(\d+) of (\d+) steps \(100%\) done", log)
    assert done, log
    steps = int(done[-1][1]) - 1  # less the local target rule `all`
    files = len(set(got["source"]))
    # A witnesses job per file, a run_cases job per batch (one per file here), the guest, the rest.
    assert steps >= 2 * files + 1
    # The per-file jobs travel in groups: fewer SLURM jobs than that.
    assert len(jobs) <= steps - 2 * files + 2, (len(jobs), steps)
    assert "Group job cases" in log


def test_local_runs_do_not_load_the_slurm_plugin() -> None:
    """The main environment has no SLURM plugin: it would cost each snakemake call ~10 s."""
    spec = importlib.util.find_spec("snakemake_executor_plugin_slurm")
    assert spec is None, (
        f"snakemake-executor-plugin-slurm is installed in the main environment ({spec.origin}); "
        "install it only in the separate virtualenv of envs/slurm.sh"
    )
