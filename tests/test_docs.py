"""The README states what the code does: its schema table is the schema, its commands exist."""

from __future__ import annotations

from zkprof import metrics
from zkprof.paths import REPO_ROOT

README = (REPO_ROOT / "README.md").read_text()


def test_schema_table_is_current() -> None:
    assert metrics.describe() in README


def test_the_two_commands() -> None:
    assert "bash envs/bootstrap.sh && .venv/bin/snakemake --cores 2" in README
    assert "bash envs/bootstrap.sh --dev && .venv/bin/python -m pytest" in README
    ci = (REPO_ROOT / ".ci" / "run").read_text()
    assert "bash envs/bootstrap.sh --dev" in ci and ".venv/bin/python -m pytest" in ci
