"""A description of the machine a run used, stored beside its metrics."""

from __future__ import annotations

import os
import platform
import shutil
import subprocess
from pathlib import Path
from typing import Any

import psutil

import zkprof


def _run(cmd: list[str]) -> str | None:
    if not shutil.which(cmd[0]):
        return None
    out = subprocess.run(cmd, capture_output=True, text=True, check=False, timeout=30)
    return out.stdout.strip() if out.returncode == 0 else None


def _cpu_model() -> str:
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.exists():
        for line in cpuinfo.read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    return platform.processor() or platform.machine()


def _os_release() -> str:
    path = Path("/etc/os-release")
    if path.exists():
        for line in path.read_text().splitlines():
            if line.startswith("PRETTY_NAME="):
                return line.split("=", 1)[1].strip('"')
    return platform.platform()


def describe_hardware() -> dict[str, Any]:
    from zkprof import _native
    from zkprof.guest import GUEST_RUSTC

    gpus = _run(
        ["nvidia-smi", "--query-gpu=name,memory.total,driver_version", "--format=csv,noheader"]
    )
    return {
        "host": os.uname().nodename,
        "cpu_model": _cpu_model(),
        "cpu_cores_logical": psutil.cpu_count(logical=True),
        "cpu_cores_physical": psutil.cpu_count(logical=False),
        "memory_bytes": psutil.virtual_memory().total,
        "gpus": gpus.splitlines() if gpus else [],
        "os": _os_release(),
        "kernel": platform.release(),
        "arch": platform.machine(),
        "python": platform.python_version(),
        # The toolchain envs/bootstrap.sh builds the native module with, not the first rustc on PATH.
        "rustc_host": _run([f"{os.environ.get('ZKPROF_RUST_BIN', '/usr/bin')}/rustc", "--version"]),
        "rustc_guest": _run([GUEST_RUSTC, "--version"]),
        "risc0_zkvm": _native.RISC0_VERSION,
        "risc0_recursion_programs": _native.recursion_available(),
        "zkprof": zkprof.__version__,
    }
