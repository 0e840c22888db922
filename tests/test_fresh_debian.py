"""Setup from nothing: envs/test-fresh-debian.sh makes a minimal Debian 12 root with debootstrap,
copies this tree into it and runs the README's first command there, as root in a chroot. Slow tier
(a cold first run builds everything, about 20 minutes; later runs reuse the bind-mounted caches):
`python -m pytest -m slow tests/test_fresh_debian.py`."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from zkprof.paths import REPO_ROOT

pytestmark = pytest.mark.slow


@pytest.mark.timeout(3600)
def test_readme_first_command_in_a_fresh_debian_root(tmp_path: Path) -> None:
    if os.geteuid() != 0 or shutil.which("chroot") is None:
        pytest.skip("needs root and chroot")
    work = Path(os.environ.get("ZKPROF_FRESH_DIR") or tmp_path / "fresh-debian")
    proc = subprocess.run(
        ["bash", str(REPO_ROOT / "envs" / "test-fresh-debian.sh")],
        env={**os.environ, "ZKPROF_FRESH_DIR": str(work)},
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 0, proc.stdout[-4000:] + proc.stderr[-4000:]
    assert "fresh Debian 12: OK" in proc.stdout
    timings = dict(line.split() for line in (work / "timings.txt").read_text().splitlines())
    assert {"debootstrap_s", "first_command_s", "bootstrap_s"} <= timings.keys()
    # Every built-in example ran in the zkVM and matched the fixture.
    results = work / "root" / "root" / "zkprof" / "results" / "execute"
    statuses = pq.read_table(results / "metrics.parquet", columns=["status"]).column(0).to_pylist()
    assert statuses and set(statuses) == {"matched"}, statuses
    assert (results / "summary.md").stat().st_size > 0
    # Nothing mounted is left behind.
    assert str(work / "root") + "/" not in Path("/proc/mounts").read_text()
