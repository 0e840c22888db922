"""Where zkprof keeps things outside the results folder: build caches that survive fresh clones."""

from __future__ import annotations

import os
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
NATIVE_DIR = REPO_ROOT / "native"
GUESTS_DIR = NATIVE_DIR / "guests"


def cache_dir() -> Path:
    """Build output lives outside the clone so a fresh clone (CI) reuses earlier builds."""
    base = (
        os.environ.get("ZKPROF_CACHE_DIR")
        or Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "zkprof"
    )
    return Path(base)


def shared_fixtures_dir() -> Path:
    """The shared ethereum/tests fixtures (state_tests/, blockchain_tests/) that the tests and
    benchmarks read: ZKPROF_FIXTURES, else `shared/fixtures` beside the clone."""
    return Path(os.environ.get("ZKPROF_FIXTURES") or REPO_ROOT.parent / "shared" / "fixtures")
