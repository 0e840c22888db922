"""A real single-node SLURM cluster for tests: munged, slurmctld and slurmd started from a temp folder.

Debian's packages (slurmctld, slurmd, munge, slurm-client; `bash envs/slurm.sh` installs them) run
here without systemd. Everything the daemons write (config, state, spool, logs, pid files, the munge
key and socket) lives in one temp folder; the client commands find the cluster through SLURM_CONF,
which `SlurmCluster.env` sets. Accounting is off; finished jobs are recorded by jobcomp/filetxt
(`SlurmCluster.completed_jobs`). Stopping kills exactly the processes this object started.

    with SlurmCluster() as cluster:           # as a context manager
        subprocess.run(["sbatch", "--wrap", "hostname"], env=cluster.env)

    slurm_cluster = cluster_fixture(cpus=8)   # as a pytest fixture, in a test module

    python tests/slurm_cluster.py             # by hand: starts one, prints SLURM_CONF, Ctrl-C stops
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType
from typing import Any

DAEMONS = ("munged", "slurmctld", "slurmd")
CLIENTS = ("sbatch", "squeue", "sinfo", "scontrol", "scancel", "srun")
# Wrapped in <root>/bin so that they find this cluster even where SLURM_CONF is dropped from the
# environment (the slurm-jobstep executor removes SLURM_* variables before its srun call).
WRAPPED = (*CLIENTS, "sacct", "sacctmgr", "sshare", "salloc", "sstat")


def missing_binaries() -> list[str]:
    """The SLURM and munge programs that are not installed (empty when a cluster can start)."""
    sbin = os.pathsep.join([os.environ.get("PATH", ""), "/usr/sbin", "/sbin"])
    return [name for name in (*DAEMONS, *CLIENTS) if shutil.which(name, path=sbin) is None]


def _which(name: str) -> str:
    sbin = os.pathsep.join([os.environ.get("PATH", ""), "/usr/sbin", "/sbin"])
    path = shutil.which(name, path=sbin)
    if path is None:
        raise FileNotFoundError(f"{name} not found (install SLURM with `bash envs/slurm.sh`)")
    return path


def _free_ports(count: int) -> list[int]:
    """Distinct TCP ports nothing listens on now (all held open together while they are picked)."""
    with contextlib.ExitStack() as stack:
        socks = [stack.enter_context(socket.socket()) for _ in range(count)]
        for s in socks:
            s.bind(("127.0.0.1", 0))
        return [int(s.getsockname()[1]) for s in socks]


def _node_hardware() -> dict[str, str]:
    """This host as slurmd detects it (CPUs, Boards, SocketsPerBoard, ..., RealMemory in MB)."""
    out = subprocess.run(
        [_which("slurmd"), "-C"], capture_output=True, text=True, check=True, timeout=30
    ).stdout
    return dict(kv.split("=", 1) for kv in out.split() if "=" in kv)


@dataclass
class SlurmCluster:
    """One SLURM controller and one compute node (this host), both with a private config.

    cpus / memory_mb: what the node offers (default: what slurmd detects; more CPUs than the host
    has are allowed, SLURM then oversubscribes). min_job_age: seconds finished jobs stay visible to
    squeue (the executor plugin's squeue status command needs at least 3x its first check delay).
    """

    root: Path | None = None
    partition: str = "debug"
    node: str = "zkprof-node"
    cpus: int | None = None
    memory_mb: int | None = None
    min_job_age: int = 300
    start_timeout_s: float = 60.0
    env: dict[str, str] = field(init=False, default_factory=dict)
    procs: dict[str, subprocess.Popen[bytes]] = field(init=False, default_factory=dict)
    _own_root: bool = field(init=False, default=False)

    @property
    def conf(self) -> Path:
        assert self.root is not None
        return self.root / "etc" / "slurm.conf"

    @property
    def jobcomp_log(self) -> Path:
        assert self.root is not None
        return self.root / "log" / "jobcomp.log"

    # -- lifecycle ---------------------------------------------------------------------------------

    def start(self) -> SlurmCluster:
        missing = missing_binaries()
        if missing:
            raise FileNotFoundError(f"SLURM not installed, missing: {', '.join(missing)}")
        if self.root is None:
            self.root = Path(tempfile.mkdtemp(prefix="zkprof-slurm-"))
            self._own_root = True
        for sub in ("etc", "state", "spool", "log", "run", "munge"):
            (self.root / sub).mkdir(parents=True, exist_ok=True)
        os.chmod(self.root, 0o755)  # munged refuses group/world-writable parents of its socket
        try:
            self._client_env()
            self._start_munge()
            self._write_config()
            self._spawn(
                "slurmctld", [_which("slurmctld"), "-D", "-c", "-f", str(self.conf)], "slurmctld"
            )
            self._spawn(
                "slurmd", [_which("slurmd"), "-D", "-N", self.node, "-f", str(self.conf)], "slurmd"
            )
            self._wait_idle()
        except BaseException:
            self.stop()
            raise
        return self

    def stop(self) -> None:
        """Cancels this cluster's jobs, then kills the daemons it started (by their pids)."""
        if "slurmctld" in self.procs and self.procs["slurmctld"].poll() is None:
            with contextlib.suppress(Exception):
                self.run("scancel", "--full", "--partition", self.partition, check=False)
                deadline = time.monotonic() + 15
                while time.monotonic() < deadline and self.queue():
                    time.sleep(0.5)
        for name in reversed(list(self.procs)):
            proc = self.procs[name]
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
                try:
                    proc.wait(timeout=15)
                except subprocess.TimeoutExpired:
                    proc.kill()
                    proc.wait(timeout=10)
        self.procs.clear()
        if self._own_root and self.root is not None and not os.environ.get("ZKPROF_KEEP_SLURM"):
            shutil.rmtree(self.root, ignore_errors=True)

    def __enter__(self) -> SlurmCluster:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    # -- client side -------------------------------------------------------------------------------

    def run(
        self, *args: str, check: bool = True, timeout: float = 60
    ) -> subprocess.CompletedProcess[str]:
        """Runs a SLURM client command (sinfo, squeue, sbatch...) against this cluster."""
        return subprocess.run(
            list(args), env=self.env, capture_output=True, text=True, check=check, timeout=timeout
        )

    def queue(self) -> list[str]:
        """Ids of the jobs that are pending or running."""
        out = self.run("squeue", "--noheader", "--format=%i", check=False).stdout
        return out.split()

    def completed_jobs(self) -> list[dict[str, str]]:
        """One record per finished job (batch job, not step), from the jobcomp/filetxt log."""
        if not self.jobcomp_log.exists():
            return []
        records = []
        for line in self.jobcomp_log.read_text().splitlines():
            fields = dict(kv.split("=", 1) for kv in line.split() if "=" in kv)
            if fields:
                records.append(fields)
        return records

    def logs(self) -> str:
        """The daemons' logs, for an assertion message."""
        assert self.root is not None
        parts = []
        for name in DAEMONS:
            path = self.root / "log" / f"{name}.log"
            if path.exists():
                parts.append(f"--- {name}.log (end)\n" + path.read_text()[-4000:])
        return "\n".join(parts)

    # -- internals ---------------------------------------------------------------------------------

    def _spawn(self, name: str, cmd: list[str], log: str) -> None:
        assert self.root is not None
        out = open(self.root / "log" / f"{log}.out", "ab")  # noqa: SIM115 (kept by the child)
        self.procs[name] = subprocess.Popen(
            cmd, env=self.env, stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL
        )
        out.close()

    def _client_env(self) -> None:
        """self.env: this process's environment with the clients pointed at this cluster."""
        assert self.root is not None
        bin_dir = self.root / "bin"
        bin_dir.mkdir(exist_ok=True)
        for name in WRAPPED:
            real = shutil.which(name)
            if real is not None:
                wrapper = bin_dir / name
                wrapper.write_text(f'#!/bin/sh\nSLURM_CONF="{self.conf}" exec "{real}" "$@"\n')
                wrapper.chmod(0o755)
        self.env = {
            **os.environ,
            "SLURM_CONF": str(self.conf),
            "PATH": os.pathsep.join([str(bin_dir), os.environ.get("PATH", "")]),
        }
        # Settings a login shell may carry would point the clients elsewhere.
        for var in ("SLURM_CLUSTERS", "SQUEUE_FORMAT", "SINFO_FORMAT"):
            self.env.pop(var, None)

    def _start_munge(self) -> None:
        assert self.root is not None
        munge = self.root / "munge"
        key = munge / "munge.key"
        if not key.exists():
            key.write_bytes(os.urandom(1024))
        os.chmod(munge, 0o700)
        os.chmod(key, 0o400)
        socket_path = munge / "munge.socket"
        self._spawn(
            "munged",
            [
                _which("munged"),
                "--foreground",
                "--force",
                f"--socket={socket_path}",
                f"--key-file={key}",
                f"--pid-file={munge / 'munged.pid'}",
                f"--log-file={self.root / 'log' / 'munged.log'}",
                f"--seed-file={munge / 'munged.seed'}",
            ],
            "munged",
        )
        deadline = time.monotonic() + self.start_timeout_s
        while not socket_path.exists():
            if self.procs["munged"].poll() is not None:
                raise RuntimeError(f"munged exited:\n{self.logs()}")
            if time.monotonic() > deadline:
                raise TimeoutError(f"munged did not create its socket:\n{self.logs()}")
            time.sleep(0.1)

    def _write_config(self) -> None:
        assert self.root is not None
        hw = _node_hardware()
        if self.cpus:  # any number: SlurmdParameters=config_overrides lets SLURM oversubscribe
            cpus = f"CPUs={self.cpus}"
        else:
            keys = ("CPUs", "Boards", "SocketsPerBoard", "CoresPerSocket", "ThreadsPerCore")
            cpus = " ".join(f"{k}={hw[k]}" for k in keys if k in hw)
        # Leave room for the daemons and the submitting snakemake.
        memory = self.memory_mb or max(1024, int(hw["RealMemory"]) - 512)
        ctld_port, slurmd_port = _free_ports(2)
        r = self.root
        conf = f"""\
# Written by tests/slurm_cluster.py: a private single-node cluster.
ClusterName=zkprof
SlurmctldHost=localhost(127.0.0.1)
SlurmctldPort={ctld_port}
SlurmdPort={slurmd_port}
AuthType=auth/munge
CredType=cred/munge
AuthInfo=socket={r / "munge" / "munge.socket"}
SlurmUser=root
SlurmdUser=root
StateSaveLocation={r / "state"}
SlurmdSpoolDir={r / "spool"}
SlurmctldPidFile={r / "run" / "slurmctld.pid"}
SlurmdPidFile={r / "run" / "slurmd.pid"}
SlurmctldLogFile={r / "log" / "slurmctld.log"}
SlurmdLogFile={r / "log" / "slurmd.log"}
SlurmctldDebug=info
SlurmdDebug=info
PlugStackConfig={r / "etc" / "plugstack.conf"}
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
MpiDefault=none
SwitchType=switch/none
SchedulerType=sched/backfill
SelectType=select/cons_tres
SelectTypeParameters=CR_Core_Memory
SlurmdParameters=config_overrides
AccountingStorageType=accounting_storage/none
JobAcctGatherType=jobacct_gather/none
JobCompType=jobcomp/filetxt
JobCompLoc={self.jobcomp_log}
MinJobAge={self.min_job_age}
ReturnToService=2
SlurmdTimeout=60
InactiveLimit=0
KillWait=5
NodeName={self.node} NodeHostname={socket.gethostname()} NodeAddr=127.0.0.1 {cpus} RealMemory={memory} State=UNKNOWN
PartitionName={self.partition} Nodes={self.node} Default=YES MaxTime=INFINITE State=UP OverSubscribe=NO
"""
        self.conf.write_text(conf)
        (r / "etc" / "plugstack.conf").write_text("")
        # Not read with proctrack/linuxproc and task/none; written so no system file is picked up.
        (r / "etc" / "cgroup.conf").write_text("CgroupPlugin=autodetect\n")

    def _wait_idle(self) -> None:
        deadline = time.monotonic() + self.start_timeout_s
        state = ""
        while time.monotonic() < deadline:
            for name, proc in self.procs.items():
                if proc.poll() is not None:
                    raise RuntimeError(f"{name} exited ({proc.returncode}):\n{self.logs()}")
            out = self.run("sinfo", "--noheader", "--format=%T", "--nodes", self.node, check=False)
            state = out.stdout.strip()
            if state == "idle":
                return
            time.sleep(0.5)
        raise TimeoutError(f"node {self.node} not idle (state {state!r}):\n{self.logs()}")


def cluster_fixture(scope: str = "module", **settings: Any) -> Any:
    """A pytest fixture that yields a started SlurmCluster(**settings), stopped afterwards.

    It skips the test when SLURM is not installed or this is not root, or fails instead when the
    environment sets ZKPROF_REQUIRE_SLURM=1 (CI, where envs/slurm.sh has installed it).
    """
    import pytest

    @pytest.fixture(scope=scope)  # type: ignore[call-overload,untyped-decorator]
    def fixture() -> Iterator[SlurmCluster]:
        missing = missing_binaries()
        reason = ""
        if missing:
            reason = f"SLURM not installed (missing {', '.join(missing)}); run envs/slurm.sh"
        elif os.geteuid() != 0:
            reason = "the single-node SLURM test cluster runs its daemons as root"
        if reason:
            if os.environ.get("ZKPROF_REQUIRE_SLURM") == "1":
                pytest.fail(reason)
            pytest.skip(reason)
        with SlurmCluster(**settings) as cluster:
            yield cluster

    return fixture


def main(argv: list[str] | None = None) -> None:
    import argparse

    parser = argparse.ArgumentParser(description="Run a private single-node SLURM until Ctrl-C.")
    parser.add_argument("--cpus", type=int, help="CPUs the node offers (default: the host's)")
    args = parser.parse_args(argv)

    def interrupt(signum: int, frame: object) -> None:
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, interrupt)  # `kill PID` stops the cluster cleanly too
    with SlurmCluster(cpus=args.cpus) as cluster:
        assert cluster.root is not None
        print(f"export SLURM_CONF={cluster.conf} PATH={cluster.root / 'bin'}:$PATH", flush=True)
        print("cluster up; Ctrl-C stops it", file=sys.stderr, flush=True)
        with contextlib.suppress(KeyboardInterrupt):
            signal.pause()


if __name__ == "__main__":
    main()
